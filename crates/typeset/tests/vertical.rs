//! Vertical writing: a block marked vertical is set in columns of upright glyphs, top to
//! bottom, right to left, in its box, with the font's vertical forms of punctuation.

use folio_doc::Rect;
use folio_typeset::{FontBook, TextBlock, TextStyle, TypesetSettings, typeset_block};

/// The bundled fonts and the system's Japanese ones; `None` (said, and a failure under `CI`)
/// when those are not installed.
fn japanese_book() -> Option<FontBook> {
    let mut book = FontBook::bundled();
    match book.add_script_fonts("ja") {
        Ok(n) if n > 0 => Some(book),
        other => {
            let why = format!("no Japanese fonts ({other:?}): install fonts-noto-cjk");
            assert!(std::env::var_os("CI").is_none(), "{why}");
            eprintln!("skipped: {why}");
            None
        }
    }
}

fn vertical_block(text: &str, rect: Rect) -> TextBlock {
    TextBlock {
        id: 3,
        rect,
        free: vec![],
        text: text.into(),
        spans: vec![],
        style: TextStyle {
            size: 10.0,
            line_height: Some(16.0),
            vertical: true,
            ..Default::default()
        },
        lang: Some("ja".into()),
        original: None,
    }
}

#[test]
fn columns_run_down_from_the_right_edge_leftwards() {
    let Some(book) = japanese_book() else {
        return;
    };
    // Ten characters a column (100 pt), three columns 16 pt apart in a box 60 pt wide.
    let rect = Rect::new(100.0, 200.0, 160.0, 300.0);
    let text = "春はあけぼのやうやう白くなりゆく山ぎは少しあかりて";
    let placed = typeset_block(
        &book,
        &vertical_block(text, rect),
        &TypesetSettings::default(),
    )
    .expect("the block sets");
    assert_eq!(placed.scale, 1.0);
    assert_eq!(placed.lines.len(), 3, "{placed:#?}");
    let mut shown = String::new();
    let mut previous_x = f32::INFINITY;
    for line in &placed.lines {
        let run = &line.runs[0];
        assert!(line.runs.iter().all(|r| r.vertical));
        // Columns right to left, the first one an em box from the right edge.
        assert!(run.origin.x < previous_x - 15.0, "{placed:#?}");
        previous_x = run.origin.x;
        assert!(run.origin.x - 5.0 >= rect.x0 - 0.01 && run.origin.x + 5.0 <= rect.x1 + 0.01);
        // From the top, each character an em below the one before, inside the box.
        assert_eq!(run.origin.y, rect.y0);
        let length: f32 = run.glyphs.iter().map(|g| g.advance).sum();
        assert!(run.glyphs.iter().all(|g| g.advance == 10.0));
        assert!(run.origin.y + length <= rect.y1 + 0.01);
        shown.push_str(&placed.text[line.text.start as usize..line.text.end as usize]);
    }
    assert_eq!(placed.lines[0].runs[0].origin.x, rect.x1 - 5.0);
    assert_eq!(shown, text);
    assert!(placed.bounds.x0 >= rect.x0 - 0.01 && placed.bounds.x1 <= rect.x1 + 0.01);
}

#[test]
fn punctuation_takes_its_vertical_form() {
    let Some(book) = japanese_book() else {
        return;
    };
    let rect = Rect::new(100.0, 200.0, 160.0, 300.0);
    let glyph_of = |vertical: bool| {
        let mut block = vertical_block("「春」、", rect);
        block.style.vertical = vertical;
        let placed = typeset_block(&book, &block, &TypesetSettings::default()).unwrap();
        let run = &placed.lines[0].runs[0];
        run.glyphs.iter().map(|g| g.id).collect::<Vec<_>>()
    };
    let (across, down) = (glyph_of(false), glyph_of(true));
    assert_eq!(across.len(), down.len());
    // The brackets and the comma change, the ideograph does not.
    assert_ne!(across[0], down[0]);
    assert_eq!(across[1], down[1]);
    assert_ne!(across[2], down[2]);
    assert_ne!(across[3], down[3]);
}
