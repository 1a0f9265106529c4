//! Vertical writing (issue 14): a Japanese source written in columns (top to bottom, columns
//! right to left) is laid out as paragraphs of columns, stays vertical translated into
//! Japanese and is set horizontally in its paragraphs' boxes translated into English. Checked
//! on a page made here (an `Identity-V` font, two paragraphs) and on the corpus's Miyazawa
//! poem.

use std::sync::Arc;

use folio_doc::{Document, Rect};
use folio_pdf::ReadOptions;
use folio_tests::{BoxWord, fonts, overlapping_pairs};

/// The made page's paragraphs: each a list of columns, read right to left.
const PARAGRAPHS: [&[&str]; 2] = [
    &["春はあけぼの", "やうやう白くなりゆく", "山ぎは少しあかりて"],
    &["夏は夜", "月のころはさらなり"],
];

/// A US Letter page of [`PARAGRAPHS`] in a non-embedded Japanese font written vertically
/// (`Identity-V`, CIDs numbered here, a ToUnicode map for them): 12 pt characters in columns
/// 18 pt apart from x = 500 leftwards, the second paragraph after a gap of two columns.
fn vertical_pdf() -> Vec<u8> {
    let mut chars: Vec<char> = Vec::new();
    for c in PARAGRAPHS
        .iter()
        .flat_map(|p| p.iter())
        .flat_map(|c| c.chars())
    {
        if !chars.contains(&c) {
            chars.push(c);
        }
    }
    let cid = |c: char| chars.iter().position(|&k| k == c).unwrap() + 1;
    let mut content = String::from("BT /F1 12 Tf\n");
    let mut x = 500.0;
    for paragraph in PARAGRAPHS {
        for column in paragraph {
            let codes: String = column.chars().map(|c| format!("{:04X}", cid(c))).collect();
            content.push_str(&format!("1 0 0 1 {x} 720 Tm <{codes}> Tj\n"));
            x -= 18.0;
        }
        x -= 36.0;
    }
    content.push_str("ET");
    let mut to_unicode = format!(
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Test-UCS def /CMapType 2 def\n\
         1 begincodespacerange <0000> <FFFF> endcodespacerange\n{} beginbfchar\n",
        chars.len()
    );
    for &c in &chars {
        to_unicode.push_str(&format!("<{:04X}> <{:04X}>\n", cid(c), c as u32));
    }
    to_unicode.push_str("endbfchar endcmap CMapName currentdict /CMap defineresource pop end end");
    let objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] \
          /Resources << /Font << /F1 4 0 R >> >> /Contents 7 0 R >>"
            .to_vec(),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Ryumin-Light-Identity-V \
          /Encoding /Identity-V /DescendantFonts [5 0 R] /ToUnicode 6 0 R >>"
            .to_vec(),
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /Ryumin-Light \
          /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 2 >> \
          /DW 1000 /FontDescriptor 8 0 R >>"
            .to_vec(),
        folio_test_support::stream_object(to_unicode.as_bytes()),
        folio_test_support::stream_object(content.as_bytes()),
        b"<< /Type /FontDescriptor /FontName /Ryumin-Light /Flags 4 \
          /FontBBox [0 -141 1000 859] /ItalicAngle 0 /Ascent 859 /Descent -141 \
          /CapHeight 742 /StemV 80 >>"
            .to_vec(),
    ];
    folio_test_support::pdf_of_objects(&objects)
}

/// The made page, and the corpus's vertical poem when the corpus is there.
fn documents() -> Vec<(String, Vec<u8>)> {
    let mut out = vec![("made vertical page".to_string(), vertical_pdf())];
    let poem = "cjk-ja-miyazawa-jo-no-tounicode.pdf";
    match folio_test_support::find_corpus_file(poem) {
        Some(path) => out.push((poem.to_string(), std::fs::read(path).unwrap())),
        None => folio_test_support::missing(poem),
    }
    out
}

fn read(pdf: Vec<u8>) -> Document {
    folio_pdf::read(Arc::new(pdf), &ReadOptions::default()).unwrap()
}

/// `pdf` translated by `pseudo` from Japanese into `to`, with every block's text recorded.
fn translate(pdf: Vec<u8>, to: &str) -> (Vec<u8>, folio::Report) {
    let pair = folio_translate::LangPair::new("ja", to).unwrap();
    translate_with(pdf, &folio_translate::Pseudo::new(pair))
}

/// `pdf` translated by `engine`, with every block's text recorded.
fn translate_with(pdf: Vec<u8>, engine: &dyn folio_translate::Engine) -> (Vec<u8>, folio::Report) {
    let options = folio::Options {
        record_blocks: true,
        ..folio::Options::new(engine, fonts())
    };
    folio::translate(Arc::new(pdf), &options, &mut |_| {}).unwrap()
}

/// Text without white space, to compare what a reader gets with what the engine gave.
fn squeezed(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Whether the characters of `needle` come in `text` in their order (others between them).
fn in_order(needle: &str, text: &str) -> bool {
    let mut rest = text.chars();
    needle.chars().all(|c| rest.any(|t| t == c))
}

/// The translations set, squeezed, without their placeholders, in block order.
fn translations(report: &folio::Report) -> Vec<String> {
    report
        .texts
        .iter()
        .filter_map(|t| t.translation.as_deref())
        .map(|t| squeezed(&folio_doc::placeholders::strip(t)))
        .collect()
}

/// Each line of the output's first page as Folio reads it: its text squeezed, its box, whether
/// it is a column, and its glyphs' boxes in reading order.
fn output_lines(doc: &Document) -> Vec<(String, Rect, bool, Vec<Rect>)> {
    let page = &doc.pages[0];
    page.lines
        .iter()
        .map(|l| {
            let words = l.words.iter().map(|&w| &page.words[w as usize]);
            let text = words.clone().map(|w| w.text.as_str()).collect::<String>();
            let glyphs = words
                .flat_map(|w| &w.glyphs)
                .map(|&g| page.glyphs[g as usize].bbox)
                .collect();
            (squeezed(&text), l.bbox, l.vertical, glyphs)
        })
        .collect()
}

#[test]
fn columns_make_paragraphs_read_right_to_left() {
    let doc = read(vertical_pdf());
    let blocks = folio_layout::layout_document(&doc, &folio_layout::LayoutSettings::default());
    assert_eq!(blocks.len(), PARAGRAPHS.len(), "{blocks:#?}");
    for (block, columns) in blocks.iter().zip(PARAGRAPHS) {
        assert!(block.style.vertical, "{block:?}");
        assert_eq!(squeezed(&block.source), columns.concat());
        assert_eq!(block.lines.len(), columns.len());
        // Columns right to left, each a tall box; the block's box is their union.
        for pair in block.lines.windows(2) {
            assert!(pair[1].bbox.x1 < pair[0].bbox.x0, "{block:?}");
        }
        let union = block
            .lines
            .iter()
            .map(|l| l.bbox)
            .reduce(|a, b| a.union(&b));
        assert_eq!(union, Some(block.bbox));
        assert!(block.lines.iter().all(|l| l.bbox.height() > l.bbox.width()));
    }
    // The first paragraph is the rightmost.
    assert!(blocks[1].bbox.x1 < blocks[0].bbox.x0);
}

#[test]
fn into_japanese_columns_stay_columns_in_reading_order() {
    for (name, pdf) in documents() {
        let (out, report) = translate(pdf, "ja");
        let translations = translations(&report);
        assert!(!translations.is_empty(), "{name}: nothing translated");
        let lines = output_lines(&read(out));
        let mut text = String::new();
        for (line, bbox, vertical, glyphs) in &lines {
            text.push_str(line);
            if glyphs.len() < 2 {
                continue;
            }
            assert!(*vertical, "{name}: {line:?} at {bbox:?} is not a column");
            // Each character below the one before, in one column.
            for pair in glyphs.windows(2) {
                assert!(pair[1].y0 >= pair[0].y1 - 0.5, "{name}: {line:?}: {pair:?}");
                assert!((pair[1].x0 - pair[0].x0).abs() < 1.0, "{name}: {line:?}");
            }
        }
        for t in &translations {
            assert!(
                text.contains(t.as_str()),
                "{name}: {t:?} not read back in {text:?}"
            );
        }
        if name.starts_with("made") {
            // Columns read right to left, the paragraphs' in turn: the engine's text in order.
            assert_eq!(text, translations.concat(), "{name}");
            let columns: Vec<f32> = lines.iter().map(|l| l.1.x0).collect();
            assert!(
                columns.windows(2).all(|p| p[1] < p[0]),
                "{name}: {columns:?}"
            );
        }
    }
}

#[test]
fn into_english_paragraphs_are_set_across_their_boxes() {
    for (name, pdf) in documents() {
        let source = read(pdf.clone());
        let blocks =
            folio_layout::layout_document(&source, &folio_layout::LayoutSettings::default());
        let (out, report) = translate(pdf, "en");
        let translations = translations(&report);
        assert!(!translations.is_empty(), "{name}: nothing translated");
        let out = read(out);
        let page = &out.pages[0];
        let lines = output_lines(&out);
        for (line, bbox, vertical, glyphs) in &lines {
            assert!(!vertical, "{name}: {line:?} at {bbox:?} is a column");
            // Left to right on one baseline.
            for pair in glyphs.windows(2) {
                assert!(pair[1].x0 >= pair[0].x0 - 0.5, "{name}: {line:?}: {pair:?}");
            }
        }
        // Each paragraph reads whole, its lines top to bottom (a word broken across lines
        // gets a hyphen: the pseudo engine makes one long word of a text without spaces).
        let unbroken = |t: &str| t.replace('-', "");
        let text: String = lines.iter().map(|l| unbroken(&l.0)).collect();
        for t in &translations {
            let t = unbroken(t);
            // On the poem, a line beside another paragraph's (the title's) reads with it.
            let read = if name.starts_with("made") {
                text.contains(t.as_str())
            } else {
                in_order(&t, &text)
            };
            assert!(read, "{name}: {t:?} not read back in {text:?}");
        }
        // Set at a readable size: not one letter a line in a column's width.
        let words: Vec<BoxWord> = page
            .words
            .iter()
            .map(|w| BoxWord {
                text: w.text.clone(),
                bbox: w.bbox,
            })
            .collect();
        let letters = words.iter().filter(|w| w.text.chars().count() <= 2).count();
        assert!(
            4 * letters < words.len(),
            "{name}: {letters} of {} words are letters",
            words.len()
        );
        assert_eq!(overlapping_pairs(&words), 0, "{name}: words overlap");
        // Each paragraph is set from its box's top, not past its right edge: it may grow
        // leftwards, where its columns went on.
        for block in &blocks {
            let b = block.bbox;
            let starts = words
                .iter()
                .any(|w| (w.bbox.y0 - b.y0).abs() <= 3.0 && w.bbox.x1 <= b.x1 + 1.0);
            assert!(starts, "{name}: no line starts at the top of {b:?}");
        }
        for w in &words {
            let c = w.bbox.center();
            assert!(
                c.x > 0.0 && c.x < page.width && c.y > 0.0 && c.y < page.height,
                "{name}: {w:?} is off the page"
            );
        }
    }
}

#[test]
fn text_given_back_unchanged_is_set_down_its_own_columns() {
    // Into a language written horizontally, but the engine gives the source back: each
    // column as it was, in the original font.
    let pdf = vertical_pdf();
    let pair = folio_translate::LangPair::new("ja", "en").unwrap();
    let (out, _) = translate_with(pdf.clone(), &folio_translate::Identity::new(pair));
    let words = |doc: &Document| -> Vec<(String, Rect)> {
        doc.pages[0]
            .words
            .iter()
            .map(|w| (w.text.clone(), w.bbox))
            .collect()
    };
    let (before, after) = (words(&read(pdf)), words(&read(out)));
    assert_eq!(before.len(), after.len(), "{after:?}");
    for ((text, a), (again, b)) in before.iter().zip(&after) {
        assert_eq!(text, again);
        let moved = [a.x0 - b.x0, a.y0 - b.y0, a.x1 - b.x1, a.y1 - b.y1];
        assert!(moved.iter().all(|d| d.abs() < 0.5), "{text}: {a:?} → {b:?}");
    }
}
