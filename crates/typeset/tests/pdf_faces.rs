//! Original PDF fonts drawn by their own codes: chosen when they cover the text, set with the
//! reader's advances, spaces as moves.

use std::collections::HashMap;

use folio_doc::{FontFamilyClass, FontId, Rect};
use folio_typeset::{
    FaceOrigin, FontBook, FontQuery, PdfCodes, TextBlock, TextStyle, TypesetSettings, typeset_block,
};

fn book_with_pdf_font() -> (FontBook, folio_typeset::FaceId) {
    let mut book = FontBook::bundled();
    let mut codes = HashMap::new();
    for (i, c) in "Helowrd".chars().enumerate() {
        codes.insert(c, (100 + i as u32, 0.5));
    }
    let pdf = PdfCodes {
        codes,
        space: 0.25,
        class: FontFamilyClass::Serif,
        ascent: 0.7,
        descent: -0.2,
        name: "CMR10".into(),
        ..PdfCodes::default()
    };
    let id = book.add_pdf_font(FontId(3), pdf);
    (book, id)
}

fn block(text: &str, original: folio_typeset::FaceId) -> TextBlock {
    TextBlock {
        id: 0,
        rect: Rect::new(72.0, 72.0, 400.0, 100.0),
        free: vec![],
        text: text.into(),
        spans: vec![],
        style: TextStyle {
            font: FontQuery {
                class: FontFamilyClass::Serif,
                bold: false,
                italic: false,
                original: Some(original),
            },
            size: 10.0,
            ..TextStyle::default()
        },
        lang: None,
        original: None,
    }
}

#[test]
fn covered_text_keeps_the_original_font_and_its_codes() {
    let (book, face) = book_with_pdf_font();
    assert!(matches!(
        book.face(face).unwrap().info().origin,
        FaceOrigin::Pdf { font: FontId(3) }
    ));
    let placed = typeset_block(
        &book,
        &block("Hello world", face),
        &TypesetSettings::default(),
    )
    .unwrap();
    let runs: Vec<_> = placed.lines.iter().flat_map(|l| &l.runs).collect();
    assert!(
        runs.iter().all(|r| r.face == face),
        "every run uses the original face"
    );
    let ids: Vec<Option<u32>> = runs
        .iter()
        .flat_map(|r| r.glyphs.iter().map(|g| g.id))
        .collect();
    assert_eq!(
        &ids[..5],
        &[Some(100), Some(101), Some(102), Some(102), Some(103)],
        "H e l l o by their codes"
    );
    assert!(ids.contains(&None), "the space is a move");
    let width: f32 = runs.iter().map(|r| r.width()).sum();
    assert!(
        (width - (10.0 * 0.5 + 0.25) * 10.0).abs() < 0.01,
        "advances from the reader: {width}"
    );
}

#[test]
fn text_the_original_cannot_show_falls_back_to_a_bundled_face() {
    let (book, face) = book_with_pdf_font();
    let placed = typeset_block(
        &book,
        &block("Olá mundo", face),
        &TypesetSettings::default(),
    )
    .unwrap();
    let runs: Vec<_> = placed.lines.iter().flat_map(|l| &l.runs).collect();
    assert!(runs.iter().all(|r| r.face != face));
}
