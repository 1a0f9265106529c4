//! Nothing lost (issue 16): a page over a resource limit fails alone; it is named in the report
//! and copied unchanged, and the rest of the document is translated and written.

use std::sync::Arc;

use folio::{Options, PageFailure};
use folio_pdf::{Limits, ReadError};
use folio_translate::{Identity, LangPair};
use folio_typeset::FontBook;

/// Three pages of text; the second also runs 1,000 path operators. (Objects: the catalog,
/// the tree, the pages 3–5, their contents 6–8, the font 9.)
fn three_pages() -> Vec<u8> {
    three_pages_with("9 0 R")
}

/// [`three_pages`] with `font` as the pages' `/F1`: a reference, or a direct dictionary.
fn three_pages_with(font: &str) -> Vec<u8> {
    let busy = format!(
        "BT /F1 12 Tf 72 720 Td (Second page) Tj ET {}",
        "0 0 m n ".repeat(500)
    );
    let contents = [
        "BT /F1 12 Tf 72 720 Td (First page) Tj ET".to_string(),
        busy,
        "BT /F1 12 Tf 72 720 Td (Third page) Tj ET".to_string(),
    ];
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Count 3 /Kids [3 0 R 4 0 R 5 0 R] >>".to_vec(),
    ];
    for content in 6..9 {
        let page = format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content} 0 R \
             /Resources << /Font << /F1 {font} >> >> >>"
        );
        objects.push(page.into_bytes());
    }
    for content in &contents {
        objects.push(folio_test_support::stream_object(content.as_bytes()));
    }
    objects.push(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec());
    folio_test_support::pdf_of_objects(&objects)
}

fn translate(pdf: Vec<u8>, limits: Limits) -> Result<(Vec<u8>, folio::Report), folio::Error> {
    let engine = Identity::new(LangPair::new("en", "pt").unwrap());
    let fonts = FontBook::bundled();
    let options = Options {
        limits,
        ..Options::new(&engine, &fonts)
    };
    folio::translate(Arc::new(pdf), &options, &mut |_| {})
}

fn page_words(pdf: &[u8]) -> Vec<Vec<String>> {
    let doc = folio_pdf::read(pdf.to_vec(), &folio_pdf::ReadOptions::default()).unwrap();
    doc.pages
        .iter()
        .map(|p| p.words.iter().map(|w| w.text.to_string()).collect())
        .collect()
}

#[test]
fn a_page_over_the_operator_limit_fails_alone() {
    let input = three_pages();
    let limits = Limits {
        max_operators: 100,
        ..Limits::default()
    };
    let (out, report) = translate(input.clone(), limits).expect("the document is written");
    assert_eq!(
        report.failed_pages,
        vec![PageFailure {
            page: 2,
            reason: "the content runs more than the limit of 100 operators".into()
        }]
    );
    assert!(
        report.warnings.iter().any(|w| w
            == "page 2: the page could not be read and is left unchanged: \
                the content runs more than the limit of 100 operators"),
        "{:?}",
        report.warnings
    );
    assert_eq!(report.pages, 3);
    // Every page is in the output, the failed one with its text as it was.
    assert_eq!(page_words(&out), page_words(&input));
}

#[test]
fn the_same_document_within_the_limits_fails_no_page() {
    let (_, report) = translate(three_pages(), Limits::default()).unwrap();
    assert!(report.failed_pages.is_empty(), "{:?}", report.failed_pages);
    assert!(report.segments.translated >= 3);
}

#[test]
fn too_many_pages_fail_the_document_with_a_hint() {
    let limits = Limits {
        max_pages: 2,
        ..Limits::default()
    };
    let err = translate(three_pages(), limits).unwrap_err();
    assert!(matches!(err, folio::Error::Read(ReadError::Limit(_))));
    assert_eq!(
        err.to_string(),
        "the PDF has 3 pages, more than the limit of 2"
    );
    assert!(err.hint().unwrap().contains("--max-pages"));
}

/// Found by the `roundtrip` fuzz target: the corpus' annotated fpdf2 file with four bytes
/// changed (a `&` inside the page's annotations among them). The reader repairs the page;
/// the editor (lopdf) lost it, and a PDF without pages was written as if all went well. Now
/// the output is read back before it is given: this ends in a clear error and a hint.
#[test]
fn a_damaged_page_the_editor_loses_is_an_error_not_a_pdf_without_pages() {
    let Some(path) = folio_test_support::corpus_file("annot-fpdf2-text-highlight-ink.pdf") else {
        return;
    };
    let mut pdf = std::fs::read(path).unwrap();
    // `cmp -l` of the fuzzer's input against the file: offsets from 1, bytes before and after.
    for (at, was, now) in [
        (523, b'7', b'&'),
        (678, b'l', b','),
        (968, b'4', b'8'),
        (1332, b' ', b'-'),
    ] {
        assert_eq!(pdf[at - 1], was, "the corpus file changed");
        pdf[at - 1] = now;
    }
    let engine = Identity::new(LangPair::new("en", "pt").unwrap());
    let fonts = FontBook::bundled();
    match folio::translate(Arc::new(pdf), &Options::new(&engine, &fonts), &mut |_| {}) {
        Ok((out, report)) => {
            let again = folio_pdf::read(out, &folio_pdf::ReadOptions::default())
                .expect("a PDF given as translated reads again");
            assert_eq!(again.info.page_count, report.pages);
        }
        Err(e) => {
            assert!(e.to_string().contains("would not read back"), "{e}");
            assert!(e.hint().is_some_and(|h| h.contains("qpdf")), "{e}");
        }
    }
}

/// A font given as a direct dictionary in a page's `/Resources`, not an object of its own,
/// keeps its text on an identity round trip. The reader took the object the dictionary sits
/// in (the page) for the font's own, and the writer drew the text with the page as its font:
/// viewers showed nothing ("Unknown font type" in pdftotext).
#[test]
fn an_inline_font_keeps_its_text_on_an_identity_round_trip() {
    let input = three_pages_with("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
    let (out, report) = translate(input.clone(), Limits::default()).unwrap();
    assert!(report.failed_pages.is_empty(), "{:?}", report.failed_pages);
    let joined =
        |pdf: &[u8]| -> Vec<String> { page_words(pdf).into_iter().map(|w| w.concat()).collect() };
    assert_eq!(joined(&out), ["Firstpage", "Secondpage", "Thirdpage"]);
    let path = std::env::temp_dir().join(format!("folio-inline-font-{}.pdf", std::process::id()));
    std::fs::write(&path, &out).unwrap();
    let text = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output();
    let _ = std::fs::remove_file(&path);
    if let Ok(text) = text {
        let warnings = String::from_utf8_lossy(&text.stderr);
        assert!(!warnings.contains("Unknown font type"), "{warnings}");
        let text = String::from_utf8_lossy(&text.stdout);
        for page in ["First page", "Third page"] {
            assert!(text.contains(page), "{page:?} not in {text:?}");
        }
    }
}
