//! Names, line structure and kept items inside sentences (issue #10): a centred author block
//! keeps one line per line and its names and e-mail as written; a sentence keeps the name of
//! an organisation; a kept phone number inside a sentence leaves no stray punctuation.
//! The page is made here, in Helvetica: an author block centred (each line measured by the
//! reader first), and a paragraph at the left margin.

use std::sync::Arc;

use folio_doc::{Document, SpanKind};

/// The author block's lines, centred on the page (Latin-1 bytes: ø is 0xF8, ä 0xE4).
const AUTHORS: [&[u8]; 4] = [
    b"Lars Th\xf8rv\xe4ld",
    b"The Th\xf8rv\xe4ld Group",
    b"Hekla, Iceland",
    b"larst@affiliation.org",
];

/// The paragraph's lines, at the left margin (0x96 is the en dash).
const PARAGRAPH: [&[u8]; 4] = [
    b"The Wolfram Foundation funded the survey that the Th\xf8rv\xe4ld Group",
    b"carried out in three towns of the north last year. For questions",
    b"about the data, call the office at 202\x96493\x962251 before noon on",
    b"any weekday, and ask for the survey desk, which keeps the records.",
];

/// The page, its author lines starting at `author_x` (one x a line).
fn page_with(author_x: &[f32]) -> Vec<u8> {
    let mut content = Vec::new();
    let mut line = |x: f32, y: f32, text: &[u8]| {
        content.extend_from_slice(format!("BT /F1 10 Tf {x} {} Td (", 792.0 - y).as_bytes());
        content.extend_from_slice(text);
        content.extend_from_slice(b") Tj ET\n");
    };
    for (i, text) in AUTHORS.iter().enumerate() {
        line(author_x[i], 100.0 + 12.0 * i as f32, text);
    }
    for (i, text) in PARAGRAPH.iter().enumerate() {
        line(72.0, 200.0 + 12.0 * i as f32, text);
    }
    folio_tests::one_page_pdf(&[("F1", "Helvetica")], content)
}

/// The page with the author lines centred on it: set once at the left, measured, set again.
fn page() -> Vec<u8> {
    let left = read(page_with(&[72.0; 4]));
    let widths: Vec<f32> = left.pages[0].lines[..AUTHORS.len()]
        .iter()
        .map(|l| l.bbox.width())
        .collect();
    let centred: Vec<f32> = widths.iter().map(|w| 306.0 - w / 2.0).collect();
    page_with(&centred)
}

fn read(pdf: Vec<u8>) -> Document {
    folio_pdf::read(pdf, &folio_pdf::ReadOptions::default()).expect("the PDF reads")
}

/// Each line of the page as text, top to bottom.
fn lines(doc: &Document) -> Vec<String> {
    let page = &doc.pages[0];
    page.lines
        .iter()
        .map(|l| {
            l.words
                .iter()
                .map(|&w| page.words[w as usize].text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn each_line_of_a_centred_author_block_is_its_own_block() {
    let doc = read(page());
    let blocks = folio_layout::layout_document(&doc, &folio_layout::LayoutSettings::default());
    let sources: Vec<&str> = blocks.iter().map(|b| b.source.as_str()).collect();
    println!("{sources:#?}");
    for want in ["Lars Thørväld", "The Thørväld Group", "Hekla, Iceland"] {
        assert!(sources.contains(&want), "{want} is a block of its own");
    }
    let email = blocks.iter().any(|b| {
        b.lines.len() == 1
            && b.spans.iter().any(|s| {
                matches!(&s.kind, SpanKind::Kept { text, .. } if text == "larst@affiliation.org")
            })
    });
    assert!(email, "the e-mail line is a block of its own");
    // The paragraph stays one block.
    assert!(
        blocks
            .iter()
            .any(|b| b.source.starts_with("The Wolfram") && b.source.ends_with("records.")),
        "{sources:#?}"
    );
}

#[test]
fn bergamot_keeps_names_line_structure_and_kept_numbers() {
    let Some(engine) = folio_tests::bergamot_en_pt() else {
        return;
    };
    let options = folio_tests::options(&engine, None, None);
    let (out, _) = folio::translate(Arc::new(page()), &options, &mut |_| {}).unwrap();
    let out = read(out);
    let lines = lines(&out);
    println!("{lines:#?}");
    let text = lines.join("\n");

    // One line per line in the author block, names and e-mail as written.
    let line_with = |needle: &str| lines.iter().find(|l| l.contains(needle)).cloned();
    let name = line_with("Lars").expect("the author's name is there");
    assert_eq!(name, "Lars Thørväld");
    let group = lines
        .iter()
        .find(|l| l.contains("Thørväld") && l.split_whitespace().count() == 3)
        .expect("the group keeps its name, on its own line");
    assert_ne!(
        group, "The Thørväld Group",
        "the group's line is translated"
    );
    let email = line_with("larst@affiliation.org").expect("the e-mail is there");
    assert_eq!(email, "larst@affiliation.org");
    assert!(line_with("Hekla").is_some_and(|l| !l.contains('@')));

    // The paragraph keeps the organisations' names and the phone number, with no stray
    // punctuation around the number.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("Wolfram"), "{flat}");
    assert_eq!(flat.matches("Thørväld").count(), 3, "{flat}");
    assert!(flat.contains("202–493–2251"), "{flat}");
    for stray in [",;", ";,", ",,", ". .", " ,", " ;", " ."] {
        assert!(!flat.contains(stray), "stray {stray:?} in {flat}");
    }
}

/// Under the pseudo engine (+35% text), each author line must shrink to fit its box: the lines
/// of the block end at one size, centred as they were.
#[test]
fn the_lines_of_an_author_block_share_one_size_and_stay_centred() {
    let dir = std::env::temp_dir().join(format!("folio-names-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("authors.pdf");
    std::fs::write(&input, page()).unwrap();
    let run = folio_tests::translate_file(&input, "pseudo", None).expect("the page is translated");
    let page = &run.output_doc.pages[0];
    // The three translated author lines: above the paragraph, not the e-mail.
    let author_lines: Vec<&folio_doc::Line> = page
        .lines
        .iter()
        .filter(|l| l.bbox.y1 < 150.0)
        .filter(|l| {
            !l.words
                .iter()
                .any(|&w| page.words[w as usize].text.contains('@'))
        })
        .collect();
    assert_eq!(author_lines.len(), 3, "one line per line");
    let sizes: Vec<f32> = author_lines
        .iter()
        .map(|l| {
            let w = &page.words[l.words[0] as usize];
            page.glyphs[w.glyphs[0] as usize].size
        })
        .collect();
    println!("{sizes:?}");
    assert!(
        sizes.iter().all(|s| (s - sizes[0]).abs() < 0.05),
        "{sizes:?}"
    );
    assert!(sizes[0] < 10.0, "the longer text is shrunk: {sizes:?}");
    for l in author_lines {
        let centre = 0.5 * (l.bbox.x0 + l.bbox.x1);
        assert!((centre - 306.0).abs() < 3.0, "centred: {:?}", l.bbox);
    }
}
