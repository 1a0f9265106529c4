//! A Form XObject drawn by several pages (a running header) is rewritten once for the pages
//! translated; pages left out of `--pages` keep it as it was.

use std::process::Command;

use folio_tests::translate_file;
use lopdf::{Dictionary, Document, Object, Stream};

/// Two pages, each drawing the same form, which holds a line of text.
fn two_pages_sharing_a_form() -> Vec<u8> {
    let mut doc = Document::with_version("1.7");
    let font = doc.add_object(Dictionary::from_iter([
        ("Type", Object::Name(b"Font".to_vec())),
        ("Subtype", Object::Name(b"Type1".to_vec())),
        ("BaseFont", Object::Name(b"Helvetica".to_vec())),
    ]));
    let fonts = Dictionary::from_iter([("F1", Object::Reference(font))]);
    let form = doc.add_object(Stream::new(
        Dictionary::from_iter([
            ("Type", Object::Name(b"XObject".to_vec())),
            ("Subtype", Object::Name(b"Form".to_vec())),
            (
                "BBox",
                Object::Array(vec![0.into(), 0.into(), 612.into(), 792.into()]),
            ),
            (
                "Resources",
                Object::Dictionary(Dictionary::from_iter([("Font", Object::Dictionary(fonts))])),
            ),
        ]),
        b"BT /F1 14 Tf 72 700 Td (The shared header of every page) Tj ET".to_vec(),
    ));
    let pages_id = doc.new_object_id();
    let mut kids = Vec::new();
    for _ in 0..2 {
        let content = doc.add_object(Stream::new(Dictionary::new(), b"/X1 Do".to_vec()));
        let resources = Dictionary::from_iter([(
            "XObject",
            Object::Dictionary(Dictionary::from_iter([("X1", Object::Reference(form))])),
        )]);
        let page = doc.add_object(Dictionary::from_iter([
            ("Type", Object::Name(b"Page".to_vec())),
            ("Parent", Object::Reference(pages_id)),
            (
                "MediaBox",
                Object::Array(vec![0.into(), 0.into(), 612.into(), 792.into()]),
            ),
            ("Contents", Object::Reference(content)),
            ("Resources", Object::Dictionary(resources)),
        ]));
        kids.push(Object::Reference(page));
    }
    doc.objects.insert(
        pages_id,
        Object::Dictionary(Dictionary::from_iter([
            ("Type", Object::Name(b"Pages".to_vec())),
            ("Count", Object::Integer(2)),
            ("Kids", Object::Array(kids)),
        ])),
    );
    let catalog = doc.add_object(Dictionary::from_iter([
        ("Type", Object::Name(b"Catalog".to_vec())),
        ("Pages", Object::Reference(pages_id)),
    ]));
    doc.trailer.set("Root", Object::Reference(catalog));
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("the test PDF is written");
    out
}

fn page_text(pdf: &[u8], page: u32, dir: &std::path::Path) -> String {
    let path = dir.join("out.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-f", &page.to_string(), "-l", &page.to_string()])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs (install poppler-utils)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_shared_form_keeps_its_text_on_pages_not_translated() {
    if !folio_tests::tool("pdftotext", "poppler-utils") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("folio-shared-form-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in.pdf");
    std::fs::write(&input, two_pages_sharing_a_form()).unwrap();

    let run = translate_file(&input, "pseudo", Some("1")).expect("page 1 is translated");
    let first = page_text(&run.output, 1, &dir);
    let second = page_text(&run.output, 2, &dir);
    println!("page 1: {first:?}\npage 2: {second:?}");
    assert!(
        !first.contains("shared header"),
        "page 1 keeps the source text: {first:?}"
    );
    assert!(
        first.contains("Ŧĥé"),
        "page 1 lacks the translation: {first:?}"
    );
    assert!(
        second.contains("The shared header of every page"),
        "page 2 lost the form's text: {second:?}"
    );

    // Both pages translated: the form is rewritten once, for both.
    let run = translate_file(&input, "pseudo", None).expect("both pages are translated");
    for page in [1, 2] {
        let text = page_text(&run.output, page, &dir);
        assert!(
            !text.contains("shared header") && text.contains("Ŧĥé"),
            "page {page}: {text:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
