//! A bundled fallback face is sized by x-height: its lowercase letters as tall as the original
//! font's, so the new text does not look a size larger than the original lines beside it
//! (Noto Serif beside Linux Libertine did).

use std::collections::HashMap;

use folio_doc::{FontFamilyClass, FontId, Rect};
use folio_typeset::{
    FontBook, FontQuery, PdfCodes, TextBlock, TextStyle, TypesetSettings, typeset_block,
};

/// The book with a PDF font of small x-height (0.43 em, like Libertine's) that shows a few
/// letters only, and the block's text set in a 10 pt block asking for it.
fn placed_runs(text: &str, x_height: Option<f32>) -> Vec<(f32, Option<f32>)> {
    let mut book = FontBook::bundled();
    let codes: HashMap<char, (u32, f32)> = "Helowrd"
        .chars()
        .enumerate()
        .map(|(i, c)| (c, (100 + i as u32, 0.5)))
        .collect();
    let face = book.add_pdf_font(
        FontId(0),
        PdfCodes {
            codes,
            space: 0.25,
            class: FontFamilyClass::Serif,
            ascent: 0.7,
            descent: -0.2,
            x_height,
            name: "LinLibertineT".into(),
            ..PdfCodes::default()
        },
    );
    let block = TextBlock {
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
                original: Some(face),
            },
            size: 10.0,
            x_height,
            ..TextStyle::default()
        },
        lang: None,
        original: None,
    };
    let placed = typeset_block(&book, &block, &TypesetSettings::default()).unwrap();
    assert_eq!(placed.scale, 1.0, "the text fits at full size");
    placed
        .lines
        .iter()
        .flat_map(|l| &l.runs)
        .map(|r| (r.size, book.face(r.face).unwrap().info().x_height))
        .collect()
}

#[test]
fn a_fallback_face_has_the_original_x_height() {
    let runs = placed_runs("Olá mundo", Some(0.43));
    assert!(!runs.is_empty());
    for (size, face_x) in runs {
        let face_x = face_x.expect("the bundled faces give their x-height");
        let drawn = size * face_x;
        let want = 10.0 * 0.43;
        assert!(
            (drawn - want).abs() <= 0.05 * want,
            "x-height {drawn:.2} pt, the original's {want:.2} pt (run at {size:.2} pt)"
        );
        assert!(size < 10.0, "Noto's x-height is larger than 0.43 em");
    }
}

#[test]
fn without_an_x_height_the_fallback_keeps_the_size() {
    for (size, _) in placed_runs("Olá mundo", None) {
        assert_eq!(size, 10.0);
    }
}

#[test]
fn the_original_face_keeps_the_size() {
    for (size, face_x) in placed_runs("Hello world", Some(0.43)) {
        assert_eq!(size, 10.0);
        assert_eq!(face_x, Some(0.43));
    }
}
