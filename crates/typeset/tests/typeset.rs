//! Outcome tests of the typesetter over the bundled Noto fonts.

use std::collections::HashMap;
use std::sync::OnceLock;

use folio_doc::{FontFamilyClass, FontId, Rect};
use folio_typeset::{
    Align, BaselineShift, FaceOrigin, FontBook, FontQuery, PlacedBlock, SpanStyle, TextBlock,
    TextSpan, TextStyle, TypesetSettings, TypesetWarning, harmonize_sizes, typeset_block,
    typeset_block_at, typeset_blocks,
};

fn book() -> &'static FontBook {
    static BOOK: OnceLock<FontBook> = OnceLock::new();
    BOOK.get_or_init(FontBook::bundled)
}

fn block(text: &str, rect: Rect, size: f32) -> TextBlock {
    TextBlock {
        id: 7,
        rect,
        free: vec![],
        text: text.into(),
        spans: vec![],
        style: TextStyle {
            size,
            line_height: Some(size * 1.2),
            ascent: Some(0.8),
            descent: Some(-0.2),
            ..Default::default()
        },
        lang: None,
        original: None,
    }
}

fn set(b: &TextBlock) -> PlacedBlock {
    typeset_block(book(), b, &TypesetSettings::default()).expect("block sets")
}

/// Characters of the block's text a line shows, glyph cluster by glyph cluster.
fn line_text(p: &PlacedBlock, i: usize) -> &str {
    let r = &p.lines[i].text;
    &p.text[r.start as usize..r.end as usize]
}

#[track_caller]
fn assert_inside(p: &PlacedBlock) {
    for (i, line) in p.lines.iter().enumerate() {
        assert!(
            line.origin.x >= p.area.x0 - 0.01 && line.origin.x + line.width <= p.area.x1 + 0.01,
            "line {i} {:?} is {:.2} wide from {:.2}, area {:?}",
            line_text(p, i),
            line.width,
            line.origin.x,
            p.area
        );
    }
}

const LOREM: &str = "The translation of a document keeps its structure: only the text changes \
language, and it is refitted into the boxes it came from, with the original fonts when they \
have every glyph, or with matching open fonts when they do not.";

#[test]
fn bundled_fonts_cover_the_families_and_scripts() {
    let b = book();
    assert_eq!(b.len(), 10, "skipped: {:?}", b.skipped());
    for class in [
        FontFamilyClass::Serif,
        FontFamilyClass::Sans,
        FontFamilyClass::Mono,
    ] {
        for (bold, italic) in [(false, false), (true, false), (false, true), (true, true)] {
            let q = FontQuery {
                class,
                bold,
                italic,
                original: None,
            };
            let face = b.face(b.candidates(&q)[0]).unwrap().info();
            assert_eq!(face.class, class, "{q:?} got {}", face.postscript_name);
            assert_eq!(face.bold, bold, "{q:?} got {}", face.postscript_name);
            // Noto Sans Mono has no italic: the upright face stands in (see fonts/FONTS.md).
            assert_eq!(face.italic, italic && class != FontFamilyClass::Mono);
            for script in ["latin", "greek", "cyrillic"] {
                assert!(
                    face.scripts.iter().any(|s| s == script),
                    "{} lacks {script}",
                    face.postscript_name
                );
            }
        }
    }
}

#[test]
fn office_gets_a_ligature_or_sane_advances() {
    let p = set(&block("office", Rect::new(0.0, 0.0, 500.0, 20.0), 10.0));
    assert_eq!(p.lines.len(), 1);
    let glyphs: Vec<_> = p.lines[0]
        .runs
        .iter()
        .flat_map(|r| r.glyphs.iter())
        .collect();
    assert!(glyphs.iter().all(|g| g.id != Some(0)), "no .notdef");
    let ligature = glyphs.iter().find(|g| g.text.end - g.text.start > 1);
    match ligature {
        // The ligature covers "ffi" (or "ff"/"fi") as one cluster starting at byte 1.
        Some(g) => {
            assert_eq!(g.text.start, 1);
            assert!(glyphs.len() < 6);
        }
        None => {
            assert_eq!(glyphs.len(), 6);
            assert!(glyphs.iter().all(|g| g.advance > 1.0 && g.advance < 10.0));
        }
    }
    // Clusters cover the whole word, in order.
    assert_eq!(glyphs.first().unwrap().text.start, 0);
    assert_eq!(glyphs.last().unwrap().text.end, 6);
}

#[test]
fn narrow_box_breaks_only_at_spaces() {
    let b = block(LOREM, Rect::new(50.0, 50.0, 170.0, 400.0), 10.0);
    let p = set(&b);
    assert_eq!(p.scale, 1.0);
    assert!(p.lines.len() > 5);
    for (i, line) in p.lines.iter().enumerate() {
        assert!(!line.hyphenated);
        assert!(
            line.width <= b.rect.width() + 0.01,
            "line {i} too wide: {}",
            line.width
        );
        let (s, e) = (line.text.start as usize, line.text.end as usize);
        assert!(
            s == 0 || p.text[..s].ends_with(' '),
            "line {i} starts mid-word: {:?}",
            line_text(&p, i)
        );
        assert!(
            e == p.text.len() || p.text[e..].starts_with(' '),
            "line {i} ends mid-word: {:?}",
            line_text(&p, i)
        );
    }
    // Every word is shown, once.
    let shown: Vec<&str> = (0..p.lines.len()).map(|i| line_text(&p, i)).collect();
    assert_eq!(shown.join(" "), LOREM);
    assert_inside(&p);
}

#[test]
fn overlong_german_compound_is_hyphenated() {
    let text = "Die Donaudampfschifffahrtsgesellschaftskapitänsmütze liegt hier.";
    let b = block(text, Rect::new(0.0, 0.0, 90.0, 200.0), 12.0);
    let p = set(&b);
    assert_eq!(p.scale, 1.0, "room enough below: no need to shrink");
    let hyphenated: Vec<_> = p.lines.iter().filter(|l| l.hyphenated).collect();
    assert!(!hyphenated.is_empty());
    for line in &hyphenated {
        let last = line.runs.last().unwrap().glyphs.last().unwrap();
        assert!(last.text.is_empty(), "the added hyphen has no source text");
        assert!(last.id != Some(0));
    }
    for line in &p.lines {
        assert!(line.width <= 90.0 + 0.01);
    }
    // "Die" stays whole on the first line, the compound starts the second.
    assert_eq!(line_text(&p, 0), "Die");
    assert!(line_text(&p, 1).starts_with("Donau"));
}

/// A box the original text just fills at scale 1.
fn snug_box(text: &str, width: f32, size: f32) -> Rect {
    let wide = block(text, Rect::new(40.0, 60.0, 40.0 + width, 2000.0), size);
    let p = set(&wide);
    Rect::new(40.0, 60.0, 40.0 + width, p.bounds.y1)
}

fn expand(text: &str, factor: f32) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let target = (text.len() as f32 * factor) as usize;
    let mut out = String::new();
    let mut i = 0;
    while out.len() < target {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(words[i % words.len()]);
        i += 1;
    }
    out
}

#[test]
fn expanded_text_shrinks_within_the_floor() {
    let rect = snug_box(LOREM, 200.0, 10.0);
    let b = block(&expand(LOREM, 1.35), rect, 10.0);
    let p = set(&b);
    assert!(p.scale < 1.0 && p.scale >= 0.7, "scale {}", p.scale);
    assert!(!p.overflowed);
    assert_eq!(p.grown, 0);
    assert!((p.size - 10.0 * p.scale).abs() < 1e-4);
    assert!(p.bounds.y1 <= rect.y1 + 0.5, "{:?} in {rect:?}", p.bounds);
    assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    assert_inside(&p);
}

#[test]
fn text_grows_into_free_space_before_going_below_the_floor() {
    let rect = snug_box(LOREM, 200.0, 10.0);
    let mut b = block(&expand(LOREM, 2.5), rect, 10.0);
    // Without free space: below the floor, with a warning.
    let tight = set(&b);
    assert!(
        tight.scale < 0.7 && !tight.overflowed,
        "scale {}",
        tight.scale
    );
    assert!(matches!(
        tight.warnings.last(),
        Some(TypesetWarning::BelowFloor { block: 7, .. })
    ));
    // With free space below (then right): grows, stays at or above the floor.
    b.free = vec![
        Rect::new(rect.x0, rect.y1, rect.x1, rect.y1 + 40.0),
        Rect::new(rect.x1, rect.y0, rect.x1 + 150.0, rect.y1 + 40.0),
    ];
    let grown = set(&b);
    assert!(grown.scale >= 0.7, "scale {}", grown.scale);
    assert!(grown.grown >= 1 && !grown.overflowed);
    assert!(grown.warnings.is_empty());
    assert!(grown.bounds.y1 <= grown.area.y1 + 0.5);
    assert_inside(&grown);
    // Hopeless: reported as overflowing at the minimum scale.
    let mut hopeless = block(&expand(LOREM, 30.0), rect, 10.0);
    hopeless.free.clear();
    let p = set(&hopeless);
    assert!(p.overflowed);
    assert_eq!(p.scale, 0.3);
    assert!(matches!(
        p.warnings.last(),
        Some(TypesetWarning::Overflow { .. })
    ));
    assert_eq!(
        p.warnings.last().unwrap().to_string(),
        "block 7: text overflows its box even at 0.30 of its size"
    );
}

#[test]
fn greek_and_cyrillic_shape_without_notdef() {
    for (text, class) in [
        (
            "Η γρήγορη καφέ αλεπού πηδά πάνω από τον τεμπέλη σκύλο.",
            FontFamilyClass::Serif,
        ),
        (
            "Съешь же ещё этих мягких французских булок, да выпей чаю.",
            FontFamilyClass::Sans,
        ),
        (
            "Ελληνικά και кириллица μαζί, mixed with Latin.",
            FontFamilyClass::Mono,
        ),
    ] {
        let mut b = block(text, Rect::new(0.0, 0.0, 150.0, 300.0), 11.0);
        b.style.font.class = class;
        let p = set(&b);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let glyphs: Vec<_> = p
            .lines
            .iter()
            .flat_map(|l| l.runs.iter())
            .flat_map(|r| r.glyphs.iter())
            .collect();
        assert!(glyphs.len() > 20);
        assert!(
            glyphs.iter().all(|g| g.id != Some(0)),
            "{text}: .notdef glyph"
        );
        for run in p.lines.iter().flat_map(|l| l.runs.iter()) {
            assert_eq!(book().face(run.face).unwrap().info().class, class);
        }
    }
}

#[test]
fn justified_lines_end_flush() {
    let mut b = block(LOREM, Rect::new(30.0, 30.0, 230.0, 400.0), 10.0);
    b.style.align = Align::Justify;
    let p = set(&b);
    let n = p.lines.len();
    assert!(n > 3);
    for (i, line) in p.lines.iter().enumerate() {
        let run_end = line.runs.last().map(|r| r.origin.x + r.width()).unwrap();
        if i + 1 < n {
            assert!((run_end - 230.0).abs() < 0.01, "line {i} ends at {run_end}");
            assert!((line.width - 200.0).abs() < 0.01);
        } else {
            assert!(run_end < 229.0, "last line is not justified");
        }
    }
}

#[test]
fn alignment_and_indent_place_lines() {
    let rect = Rect::new(100.0, 100.0, 300.0, 200.0);
    let mut b = block("Short line", rect, 10.0);
    b.style.align = Align::Right;
    let p = set(&b);
    assert!((p.lines[0].origin.x + p.lines[0].width - 300.0).abs() < 0.01);
    b.style.align = Align::Center;
    let p = set(&b);
    let mid = p.lines[0].origin.x + p.lines[0].width / 2.0;
    assert!((mid - 200.0).abs() < 0.01);
    b.style.align = Align::Left;
    b.style.indent_first = 20.0;
    let p = set(&b);
    assert!((p.lines[0].origin.x - 120.0).abs() < 0.01);
    // First baseline sits ascent × size below the top; the next one a line height further.
    let b = block(LOREM, Rect::new(0.0, 10.0, 150.0, 400.0), 10.0);
    let p = set(&b);
    assert!((p.lines[0].origin.y - 18.0).abs() < 0.01);
    assert!((p.lines[1].origin.y - p.lines[0].origin.y - 12.0).abs() < 0.01);
}

#[test]
fn spans_carry_ids_links_and_styles() {
    let text = "Read the manual here and then the appendix.";
    let start = text.find("manual here").unwrap();
    let mut b = block(text, Rect::new(0.0, 0.0, 400.0, 50.0), 10.0);
    b.spans = vec![
        TextSpan {
            id: 3,
            range: start..start + "manual here".len(),
            style: SpanStyle {
                bold: Some(true),
                link: Some(42),
                ..Default::default()
            },
        },
        TextSpan {
            id: 4,
            range: text.find("appendix").unwrap()..text.len() - 1,
            style: SpanStyle {
                italic: Some(true),
                shift: Some(BaselineShift::Super),
                ..Default::default()
            },
        },
    ];
    let p = set(&b);
    let runs: Vec<_> = p.lines.iter().flat_map(|l| l.runs.iter()).collect();
    let linked: Vec<_> = runs.iter().filter(|r| r.link == Some(42)).collect();
    assert_eq!(linked.len(), 1);
    let run = linked[0];
    assert_eq!(run.spans, [3]);
    assert!(book().face(run.face).unwrap().info().bold);
    let covered = &p.text[run.glyphs.first().unwrap().text.start as usize
        ..run.glyphs.last().unwrap().text.end as usize];
    assert_eq!(covered, "manual here");
    let sup = runs.iter().find(|r| r.spans == [4]).unwrap();
    assert!(sup.size < 10.0 && sup.origin.y < p.lines[0].origin.y);
    assert!(book().face(sup.face).unwrap().info().italic);
    // Out-of-range spans are clamped with a warning, not a panic.
    b.spans[0].range = 5..10_000;
    let p = set(&b);
    assert!(
        p.warnings
            .iter()
            .any(|w| matches!(w, TypesetWarning::SpanClamped { span: 3, .. }))
    );
}

#[test]
fn mono_italic_is_synthesized() {
    let mut b = block("let x = 1;", Rect::new(0.0, 0.0, 300.0, 30.0), 9.0);
    b.style.font = FontQuery {
        class: FontFamilyClass::Mono,
        bold: false,
        italic: true,
        original: None,
    };
    let p = set(&b);
    let run = &p.lines[0].runs[0];
    assert!(run.synthetic.skew > 0.0 && !run.synthetic.bold);
    assert_eq!(
        book().face(run.face).unwrap().info().class,
        FontFamilyClass::Mono
    );
}

#[test]
fn original_face_is_kept_when_it_has_every_glyph() {
    let mut fonts = book().clone();
    let data = folio_typeset::bundled_font("NotoSerif-Regular.ttf")
        .unwrap()
        .to_vec();
    // An "embedded subset" that maps only a few letters, through the reader's map.
    let serif = fonts
        .face(fonts.candidates(&FontQuery::default())[0])
        .unwrap();
    let map: HashMap<char, u32> = "abc "
        .chars()
        .map(|c| (c, serif.glyph(c).unwrap()))
        .collect();
    let original = fonts.add_embedded(data, FontId(5), Some(map)).unwrap();
    assert_eq!(
        fonts.face(original).unwrap().info().origin,
        FaceOrigin::Embedded { font: FontId(5) }
    );
    let settings = TypesetSettings::default();
    let mut b = block("abc cab", Rect::new(0.0, 0.0, 300.0, 30.0), 10.0);
    b.style.font.original = Some(original);
    let p = typeset_block(&fonts, &b, &settings).unwrap();
    assert!(p.lines[0].runs.iter().all(|r| r.face == original));
    // A character the subset lacks: the whole segment goes to a bundled face.
    b.text = "abc dab".into();
    let p = typeset_block(&fonts, &b, &settings).unwrap();
    assert!(p.lines[0].runs.iter().all(|r| r.face != original));
    assert!(
        p.lines[0]
            .runs
            .iter()
            .flat_map(|r| r.glyphs.iter())
            .all(|g| g.id != Some(0))
    );
}

#[test]
fn sizes_agree_across_a_role() {
    // Three blocks of one role whose translations grew by 10, 20 and 30%.
    let rect = snug_box(LOREM, 200.0, 10.0);
    let at = |y: f32| Rect::new(rect.x0, y, rect.x1, y + rect.height());
    let blocks = vec![
        block(&expand(LOREM, 1.1), at(100.0), 10.0),
        block(&expand(LOREM, 1.2), at(300.0), 10.0),
        block(&expand(LOREM, 1.3), at(500.0), 10.0),
    ];
    let settings = TypesetSettings::default();
    let mut placed = typeset_blocks(book(), &blocks, &settings).unwrap();
    let alone: Vec<f32> = placed.iter().map(|p| p.scale).collect();
    assert!(alone[0] > alone[1] && alone[1] > alone[2], "{alone:?}");
    harmonize_sizes(book(), &blocks, &mut placed, &settings, |_| Some("body")).unwrap();
    let after: Vec<f32> = placed.iter().map(|p| p.scale).collect();
    // The block that could be larger takes the median's size; the one that needed less takes
    // it too, with its lines closer together, rather than shrinking the others.
    assert_eq!(after, vec![alone[1], alone[1], alone[1]]);
    let lead = |p: &folio_typeset::PlacedBlock| p.lines[1].origin.y - p.lines[0].origin.y;
    assert!(lead(&placed[2]) < 0.99 * lead(&placed[1]));
    assert!(lead(&placed[2]) >= 0.85 * lead(&placed[1]) - 0.01);
    assert!(placed.iter().all(|p| !p.overflowed));
    let at = typeset_block_at(book(), &blocks[1], 0.5, &settings).unwrap();
    assert_eq!(at.scale, 0.5);
}

#[test]
fn output_round_trips_through_json() {
    let mut b = block(LOREM, Rect::new(0.0, 0.0, 200.0, 300.0), 10.0);
    b.spans.push(TextSpan {
        id: 1,
        range: 4..15,
        style: SpanStyle {
            link: Some(9),
            ..Default::default()
        },
    });
    let placed = typeset_blocks(book(), &[b.clone()], &TypesetSettings::default()).unwrap();
    let json = serde_json::to_string(&placed).unwrap();
    let back: Vec<folio_typeset::PlacedBlock> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, placed);
    let input: TextBlock = serde_json::from_str(&serde_json::to_string(&b).unwrap()).unwrap();
    assert_eq!(input, b);
}

#[test]
fn bad_input_is_an_error_or_a_warning_not_a_panic() {
    let settings = TypesetSettings::default();
    let mut b = block("x", Rect::new(0.0, 0.0, 0.0, 10.0), 10.0);
    let err = typeset_block(book(), &b, &settings).unwrap_err();
    assert_eq!(err.to_string(), "block 7: box has no width");
    b.rect = Rect::new(0.0, 0.0, 10.0, 10.0);
    b.style.size = f32::NAN;
    assert!(typeset_block(book(), &b, &settings).is_err());
    b.style.size = 10.0;
    // Empty text, unmapped characters and tiny boxes all come back with a result.
    b.text = String::new();
    assert!(set(&b).lines.is_empty());
    b.text = "\u{10FFFD}\u{E000} ok".into();
    let p = set(&b);
    assert!(
        p.warnings
            .iter()
            .any(|w| matches!(w, TypesetWarning::MissingGlyphs { .. }))
    );
    b.text = "a\tb\n\nc\u{AD}d".into();
    let _ = set(&b);
}

// Issue 14: the alignment of a right-to-left original is where its lines start; a left-to-right
// translation mirrors it (a right-aligned Arabic line's English translation starts at the
// left), a right-to-left one keeps it.
#[test]
fn a_right_to_left_original_mirrors_its_alignment_for_left_to_right_text() {
    let rect = Rect::new(100.0, 100.0, 300.0, 200.0);
    let ends_at_right =
        |p: &PlacedBlock| (p.lines[0].origin.x + p.lines[0].width - 300.0).abs() < 0.01;
    let mut b = block("Short line", rect, 10.0);
    b.style.right_to_left = true;
    b.style.align = Align::Right;
    let p = set(&b);
    assert!(
        (p.lines[0].origin.x - 100.0).abs() < 0.01,
        "{:?}",
        p.lines[0].origin
    );
    b.style.align = Align::Left;
    assert!(ends_at_right(&set(&b)));
    let mut book = FontBook::bundled();
    if book.add_script_fonts("he").is_err() {
        eprintln!("skipped the Hebrew case: no Hebrew font (fonts-noto-core)");
        return;
    }
    let mut b = block("שלום עולם", rect, 10.0);
    b.lang = Some("he".into());
    b.style.right_to_left = true;
    b.style.align = Align::Right;
    let p = typeset_block(&book, &b, &TypesetSettings::default()).unwrap();
    assert!(ends_at_right(&p), "{:?}", p.lines[0].origin);
}

// Issue 14: a paragraph written right to left starts at the right, and so does its first-line
// indent.
#[test]
fn a_right_to_left_paragraph_is_indented_from_the_right() {
    let mut book = FontBook::bundled();
    if book.add_script_fonts("he").is_err() {
        eprintln!("skipped: no Hebrew font (fonts-noto-core)");
        return;
    }
    let rect = Rect::new(100.0, 100.0, 300.0, 400.0);
    let mut b = block(
        &"שלום עולם, זהו משפט ארוך מספיק לכמה שורות. ".repeat(4),
        rect,
        10.0,
    );
    b.lang = Some("he".into());
    b.style.right_to_left = true;
    b.style.align = Align::Justify;
    b.style.indent_first = 20.0;
    let p = typeset_block(&book, &b, &TypesetSettings::default()).unwrap();
    assert!(p.lines.len() > 2, "{} lines", p.lines.len());
    let right = |i: usize| p.lines[i].origin.x + p.lines[i].width;
    assert!(
        (right(0) - 280.0).abs() < 0.5,
        "first line ends at {}",
        right(0)
    );
    assert!(
        (p.lines[0].origin.x - 100.0).abs() < 0.5,
        "{:?}",
        p.lines[0].origin
    );
    assert!(
        (right(1) - 300.0).abs() < 0.5,
        "second line ends at {}",
        right(1)
    );
}

// Issue 14: lines in a script's font taller than the source's (Noto Naskh Arabic's marks and
// descenders) are set far enough apart not to overlap; Latin lines keep the source's pitch.
#[test]
fn lines_in_a_taller_script_font_are_set_further_apart() {
    let mut book = FontBook::bundled();
    if book.add_script_fonts("ar").is_err() {
        eprintln!("skipped: no Arabic font (fonts-noto-core)");
        return;
    }
    let pitch = |text: &str, lang: &str| {
        let mut b = block(text, Rect::new(0.0, 0.0, 120.0, 400.0), 10.0);
        b.style.line_height = Some(10.5);
        b.lang = Some(lang.into());
        let p = typeset_block(&book, &b, &TypesetSettings::default()).unwrap();
        assert!(p.lines.len() > 2, "{lang}: {} lines", p.lines.len());
        (p.lines[1].origin.y - p.lines[0].origin.y) / p.size
    };
    let latin = pitch(LOREM, "en");
    assert!((latin - 1.05).abs() < 0.01, "Latin pitch {latin} em");
    let arabic = pitch(
        &"نص عربي طويل بما يكفي لعدة أسطر، لَمْ يُكْتَبْ بَعْدُ ".repeat(4),
        "ar",
    );
    assert!(arabic > 1.3, "Arabic pitch {arabic} em");
}

// Issue 14: text left in its source's script inside a translation in another (Arabic-Indic
// digits, a Hebrew name) gets that script's fonts; Latin text adds none.
#[test]
fn text_in_another_script_gets_its_fonts() {
    if !std::path::Path::new("/usr/share/fonts/truetype/noto/NotoSansHebrew-Regular.ttf").is_file()
    {
        eprintln!("skipped: no Hebrew font (fonts-noto-core)");
        return;
    }
    let mut book = FontBook::bundled();
    let faces = book.faces().count();
    assert!(
        book.add_fonts_for_text(["Plain Latin text, ½ €"])
            .is_empty()
    );
    assert_eq!(book.faces().count(), faces);
    let covered = |book: &FontBook, c: char| book.faces().any(|f| f.covers(c));
    assert!(!covered(&book, '١') && !covered(&book, 'ש'));
    assert!(
        book.add_fonts_for_text(["Chapter ١٢", "by שלום"])
            .is_empty()
    );
    assert!(covered(&book, '١') && covered(&book, 'ש'));
}
