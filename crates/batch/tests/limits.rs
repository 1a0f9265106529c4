//! A batch bounds what one document may cost as `folio translate` does (issue 16): its
//! settings carry the config's `[limits]`, and a document over them fails with the reason,
//! while the batch goes on.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use folio_batch::{Caps, Job, S3Settings, Settings};
use folio_translate::{Config, Engine, Identity, LangPair, TranslateOptions};
use folio_typeset::FontBook;

/// A PDF of `pages` pages of text in Helvetica.
fn pdf(pages: u32) -> Vec<u8> {
    let kids: Vec<String> = (0..pages).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!(
            "<< /Type /Pages /Count {pages} /Kids [{}] >>",
            kids.join(" ")
        )
        .into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    for i in 0..pages {
        let page = format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {} 0 R \
             /Resources << /Font << /F1 3 0 R >> >> >>",
            5 + 2 * i
        );
        objects.push(page.into_bytes());
        let content = format!("BT /F1 12 Tf 72 720 Td (Page {}) Tj ET", i + 1);
        objects.push(folio_test_support::stream_object(content.as_bytes()));
    }
    folio_test_support::pdf_of_objects(&objects)
}

#[test]
fn a_document_over_the_configured_limits_fails_alone() {
    let dir = std::env::temp_dir().join(format!("folio-batch-limits-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let job = |id: &str, pages: u32, line: usize| {
        let input: PathBuf = dir.join(format!("{id}.pdf"));
        std::fs::write(&input, pdf(pages)).unwrap();
        Job {
            id: id.into(),
            input,
            targets: vec!["pt".into()],
            priority: 0,
            pages: None,
            line,
        }
    };
    let jobs = [job("long", 3, 1), job("short", 2, 2)];
    let config = Config::from_toml("[limits]\nmax_pages = 2\n").unwrap();
    let fonts = FontBook::bundled();
    let settings = Settings {
        prefix: dir.join("out"),
        s3: S3Settings::default(),
        concurrency: 1,
        fonts: &fonts,
        translate: TranslateOptions::default(),
        password: None,
        price: None,
        caps: Caps::default(),
        ocr: folio::OcrSettings::default(),
        limits: folio::limits_from_config(&config.limits, None),
    };
    let make_engine = |to: &str| -> Result<Box<dyn Engine>, String> {
        let pair = LangPair::new("en", to).map_err(|e| e.to_string())?;
        Ok(Box::new(Identity::new(pair)))
    };
    let start = Instant::now();
    let summary = folio_batch::run(&jobs, &settings, &make_engine, &|_| {}).unwrap();
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!((summary.done, summary.failed), (1, 1), "{summary:?}");
    let failure = &summary.failures[0];
    assert_eq!(failure.id, "long");
    assert!(
        failure
            .error
            .contains("the PDF has 3 pages, more than the limit of 2"),
        "{}",
        failure.error
    );
    assert!(dir.join("out/short/pt.pdf").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
