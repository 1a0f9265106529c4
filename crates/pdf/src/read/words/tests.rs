//! Words and lines built from glyphs, end to end.

use super::*;
use folio_doc::{Address, FontFamilyClass, FontId, FontKind, FontStyle, Point, Rgb, StreamId};

fn font() -> Font {
    Font {
        name: "Test".into(),
        dict: None,
        kind: FontKind::Type1,
        embedded: false,
        has_to_unicode: false,
        style: FontStyle {
            family: FontFamilyClass::Serif,
            bold: false,
            italic: false,
        },
        ascent: 0.75,
        descent: -0.25,
        x_height: None,
        code_bytes: Some(1),
        widths: Default::default(),
        available: Default::default(),
        drawn: None,
    }
}

/// A glyph of `text` with its origin at `(x, y)`, half an em wide, at `angle` degrees.
fn glyph_at(text: &str, x: f32, y: f32, size: f32, angle: f32) -> Glyph {
    let adv = 0.5 * size * text.chars().count() as f32;
    let (sin, cos) = angle.to_radians().sin_cos();
    let (dx, dy) = (cos, -sin); // along the baseline, y down
    let (nx, ny) = (sin, cos); // towards the descenders
    let corner = |a: f32, b: f32| Point {
        x: x + a * dx + b * nx,
        y: y + a * dy + b * ny,
    };
    let bbox = Rect::bounding([
        corner(0.0, -0.75 * size),
        corner(adv, -0.75 * size),
        corner(0.0, 0.25 * size),
        corner(adv, 0.25 * size),
    ])
    .unwrap();
    Glyph {
        text: text.into(),
        code: 0,
        font: FontId(0),
        size,
        bbox,
        origin: Point { x, y },
        angle,
        color: Rgb::default(),
        render_mode: 0,
        addr: Address {
            stream: StreamId::Page,
            op: 0,
        },
        clip: None,
    }
}

/// Glyphs for `text` set on one line from `x`, one glyph a character, spaces included.
fn set(text: &str, x: f32, y: f32, size: f32) -> Vec<Glyph> {
    text.chars()
        .enumerate()
        .map(|(i, c)| glyph_at(&c.to_string(), x + i as f32 * 0.5 * size, y, size, 0.0))
        .collect()
}

#[track_caller]
fn words_of(glyphs: &[Glyph]) -> Vec<String> {
    let (words, lines) = build_words(glyphs, &[font()]);
    // Every word sits in exactly one line, and lines list words in reading order.
    let listed: Vec<u32> = lines.iter().flat_map(|l| l.words.iter().copied()).collect();
    assert_eq!(listed, (0..words.len() as u32).collect::<Vec<_>>());
    words.into_iter().map(|w| w.text).collect()
}

#[track_caller]
fn lines_of(glyphs: &[Glyph]) -> Vec<String> {
    let (words, lines) = build_words(glyphs, &[font()]);
    lines
        .iter()
        .map(|l| {
            l.words
                .iter()
                .map(|&w| words[w as usize].text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn splits_at_spaces() {
    assert_eq!(
        words_of(&set("hello big world", 72.0, 100.0, 10.0)),
        ["hello", "big", "world"]
    );
}

#[test]
fn splits_at_gaps_but_not_at_kerns() {
    let mut g = set("ab", 72.0, 100.0, 10.0);
    // A kern of 0.05 em keeps the word, a gap of 0.3 em splits it.
    g.push(glyph_at("c", 82.5, 100.0, 10.0, 0.0));
    g.push(glyph_at("d", 90.5, 100.0, 10.0, 0.0));
    assert_eq!(words_of(&g), ["abc", "d"]);
}

#[test]
fn content_order_does_not_matter() {
    let mut g = set("first line", 72.0, 100.0, 10.0);
    g.extend(set("second line", 72.0, 112.0, 10.0));
    g.reverse();
    assert_eq!(lines_of(&g), ["first line", "second line"]);
}

#[test]
fn superscript_is_its_own_word_on_the_same_line() {
    let mut g = set("Author", 72.0, 100.0, 10.0);
    g.push(glyph_at("†", 102.0, 96.0, 7.0, 0.0));
    g.extend(set("and", 110.0, 100.0, 10.0));
    assert_eq!(words_of(&g), ["Author", "†", "and"]);
    assert_eq!(lines_of(&g), ["Author † and"]);
}

#[test]
fn big_size_change_splits() {
    let mut g = set("Big", 72.0, 100.0, 20.0);
    g.extend(set("small", 102.0, 100.0, 8.0));
    assert_eq!(words_of(&g), ["Big", "small"]);
}

#[test]
fn fake_bold_is_read_once() {
    let mut g = set("Bold", 72.0, 100.0, 10.0);
    g.extend(set("Bold", 72.3, 100.0, 10.0));
    g.extend(set(" text", 92.0, 100.0, 10.0));
    assert_eq!(words_of(&g), ["Bold", "text"]);
    let (words, _) = build_words(&g, &[font()]);
    assert_eq!(words[0].glyphs, [0, 1, 2, 3]);
}

#[test]
fn repeated_letters_are_not_duplicates() {
    assert_eq!(words_of(&set("book...", 72.0, 100.0, 10.0)), ["book..."]);
}

#[test]
fn rotated_text_groups_along_its_baseline() {
    // Two lines going up the page (90° CCW), the second to the right of the first.
    let mut g = Vec::new();
    for (line, (text, x)) in [("up the", 300.0), ("side now", 312.0)]
        .into_iter()
        .enumerate()
    {
        let _ = line;
        for (i, c) in text.chars().enumerate() {
            g.push(glyph_at(
                &c.to_string(),
                x,
                500.0 - i as f32 * 5.0,
                10.0,
                90.0,
            ));
        }
    }
    g.reverse();
    assert_eq!(lines_of(&g), ["up the", "side now"]);
}

#[test]
fn two_columns_read_column_by_column() {
    let mut g = Vec::new();
    for row in 0..3 {
        let y = 100.0 + row as f32 * 12.0;
        g.extend(set(&format!("left {row} of a column"), 72.0, y, 10.0));
        g.extend(set(&format!("right {row}"), 320.0, y, 10.0));
    }
    g.extend(set(
        "A title over both columns of the page here",
        150.0,
        80.0,
        10.0,
    ));
    assert_eq!(
        lines_of(&g),
        [
            "A title over both columns of the page here",
            "left 0 of a column",
            "left 1 of a column",
            "left 2 of a column",
            "right 0",
            "right 1",
            "right 2"
        ]
    );
}

#[test]
fn tex_logo_lowered_e_stays_in_the_word() {
    // "LaTeX": L, a raised small A, T, an E lowered by 0.22 em, X, as TeX sets it.
    let mut g = vec![glyph_at("L", 72.0, 100.0, 10.0, 0.0)];
    g.push(glyph_at("A", 74.0, 98.0, 7.0, 0.0));
    g.push(glyph_at("T", 77.0, 100.0, 10.0, 0.0));
    g.push(glyph_at("E", 81.5, 102.2, 10.0, 0.0));
    g.push(glyph_at("X", 86.0, 100.0, 10.0, 0.0));
    assert_eq!(words_of(&g), ["L", "A", "TEX"]);
    assert_eq!(lines_of(&g), ["L A TEX"]);
}

#[test]
fn vertical_writing_reads_down_then_right_to_left() {
    // Identity-V: glyphs at angle 0 stacked downwards, columns from right to left.
    let mut g = Vec::new();
    for (text, x) in [("縦書き", 300.0), ("二行目", 280.0)] {
        for (i, c) in text.chars().enumerate() {
            let y = 100.0 + i as f32 * 10.0;
            let mut glyph = glyph_at(&c.to_string(), x, y, 10.0, 0.0);
            glyph.bbox = Rect::new(x - 5.0, y, x + 5.0, y + 10.0);
            glyph.addr.op = x as u32;
            g.push(glyph);
        }
    }
    assert_eq!(lines_of(&g), ["縦書き", "二行目"]);
    let (_, lines) = build_words(&g, &[]);
    assert!(lines.iter().all(|l| l.vertical), "{lines:?}");
    // Horizontal text is not.
    let (_, lines) = build_words(&set("first line", 72.0, 100.0, 10.0), &[]);
    assert!(lines.iter().all(|l| !l.vertical), "{lines:?}");
}

#[test]
fn spacing_accents_compose_with_their_letter() {
    // TeX OT1 "Jörg": J, then ¨ drawn over the o (kerned back), then o, r, g.
    let mut g = vec![glyph_at("J", 72.0, 100.0, 10.0, 0.0)];
    g.push(glyph_at("\u{A8}", 77.0, 100.0, 10.0, 0.0));
    g.extend(set("org", 77.0, 100.0, 10.0));
    assert_eq!(words_of(&g), ["Jörg"]);
}

#[test]
fn right_to_left_words_and_lines_read_logically() {
    // "שלום עולם" drawn left to right in visual order: each word reversed, and the
    // line starts from its right end.
    let mut g = set("םלוע", 72.0, 100.0, 10.0);
    g.extend(set("םולש", 100.0, 100.0, 10.0));
    assert_eq!(words_of(&g), ["שלום", "עולם"]);
    // A mark drawn before its base in visual order (XeTeX) stays after it.
    let mut g = vec![glyph_at("ה", 72.0, 100.0, 10.0, 0.0)];
    g.push(glyph_at("\u{5B8}", 78.0, 100.0, 10.0, 0.0));
    g[1].bbox.x1 = g[1].bbox.x0;
    g.push(glyph_at("ב", 77.0, 100.0, 10.0, 0.0));
    assert_eq!(words_of(&g), ["בָה"]);
}

#[test]
fn text_over_an_arrow_keeps_its_words() {
    // "Def." drawn first, then a row of "=" on a baseline 6 pt lower that interleaves
    // with it along the line.
    let mut g = set("Def.", 72.0, 100.0, 7.0);
    for i in 0..5 {
        g.push(glyph_at("=", 70.0 + i as f32 * 3.0, 106.0, 10.0, 0.0));
    }
    assert!(words_of(&g).contains(&"Def.".to_string()));
}

#[test]
fn evenly_spaced_leader_dots_are_one_word() {
    // A row of dots 0.3 em apart (wider than a word gap), then one 0.6 em further on:
    // the narrowest gap is character spacing, the wider one splits.
    let mut g: Vec<Glyph> = (0..6)
        .map(|i| glyph_at(".", 72.0 + i as f32 * 8.0, 100.0, 10.0, 0.0))
        .collect();
    g.push(glyph_at(".", 72.0 + 5.0 * 8.0 + 11.0, 100.0, 10.0, 0.0));
    assert_eq!(words_of(&g), ["......", "."]);
    // Dots as evenly spaced but with a space glyph drawn between each stay apart.
    let mut g = Vec::new();
    for i in 0..4 {
        g.push(glyph_at(".", 72.0 + i as f32 * 8.0, 140.0, 10.0, 0.0));
        g.push(glyph_at(" ", 77.0 + i as f32 * 8.0, 140.0, 10.0, 0.0));
    }
    assert_eq!(words_of(&g), [".", ".", ".", "."]);
    // A line with a real word keeps the usual word gap.
    let mut g = set("Intro", 72.0, 120.0, 10.0);
    g.extend((0..3).map(|i| glyph_at(".", 100.0 + i as f32 * 8.0, 120.0, 10.0, 0.0)));
    assert_eq!(words_of(&g), ["Intro", ".", ".", "."]);
}

#[test]
fn vertical_ellipsis_is_one_word() {
    // ⋮ as TeX draws it: three dots on baselines 0.36 em apart, top to bottom.
    let mut g = vec![glyph_at("a", 60.0, 104.0, 10.0, 0.0)];
    g.extend((0..3).map(|i| glyph_at(".", 72.0, 100.0 + i as f32 * 3.6, 10.0, 0.0)));
    assert_eq!(words_of(&g), ["a", "..."]);
}

#[test]
fn broken_geometry_does_not_panic() {
    let mut g = set("ok", 72.0, 100.0, 10.0);
    g.push(glyph_at("x", f32::NAN, 100.0, 10.0, 0.0));
    g.push(glyph_at("y", 80.0, 100.0, 0.0, 0.0));
    g.push(glyph_at("z", 80.0, 100.0, 10.0, f32::INFINITY));
    let _ = build_words(&g, &[]);
}
