//! Reader and writer: any bytes → the identity translation through the whole pipeline →
//! bytes that read again with as many pages (and that `qpdf --check` accepts whenever it
//! accepts the input), or a clear error; never a panic.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;

fn fonts() -> &'static folio_typeset::FontBook {
    static FONTS: OnceLock<folio_typeset::FontBook> = OnceLock::new();
    FONTS.get_or_init(folio_typeset::FontBook::bundled)
}

fuzz_target!(|data: &[u8]| {
    let pair = folio_translate::LangPair::new("en", "pt").expect("a valid pair");
    let engine = folio_translate::Identity::new(pair);
    let options = folio::Options {
        limits: folio_pdf::Limits {
            max_pages: 20,
            max_stream_bytes: 8 << 20,
            max_document_bytes: 32 << 20,
            max_operators: 200_000,
            max_glyphs: 50_000,
            page_time: std::time::Duration::from_secs(2),
            ..folio_pdf::Limits::default()
        },
        ..folio::Options::new(&engine, fonts())
    };
    let Ok((out, report)) = folio::translate(Arc::new(data.to_vec()), &options, &mut |_| {}) else {
        return;
    };
    let again = folio_pdf::read(out.clone(), &folio_pdf::ReadOptions::default())
        .expect("the output reads again");
    assert_eq!(again.info.page_count, report.pages, "pages in and out");
    if std::env::var_os("FOLIO_FUZZ_QPDF").is_some() && qpdf_accepts(data) {
        assert!(qpdf_accepts(&out), "qpdf rejects the output of an input it accepts");
    }
});

/// Whether `qpdf --check` finds no error (warnings are fine).
fn qpdf_accepts(pdf: &[u8]) -> bool {
    let path = std::env::temp_dir().join(format!("folio-fuzz-{}.pdf", std::process::id()));
    std::fs::write(&path, pdf).expect("a temporary file");
    let status = std::process::Command::new("qpdf")
        .arg("--check")
        .arg(&path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    let _ = std::fs::remove_file(&path);
    status.is_ok_and(|s| s.code() == Some(0) || s.code() == Some(3))
}
