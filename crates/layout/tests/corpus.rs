//! Layout outcomes on real PDFs of the corpus: the repository's copy of a file when there is
//! one, else `FOLIO_CORPUS` (see `folio-test-support`). A file found nowhere skips its test
//! (or its part of it) with a note, and fails it under CI.

use std::collections::BTreeMap;

use folio_doc::{Action, Block, Document, KeepReason, Role, SpanKind};
use folio_layout::{LayoutSettings, layout_document, layout_page, segments};

#[track_caller]
fn load(name: &str) -> Option<Document> {
    let path = folio_test_support::corpus_file(name)?;
    let bytes = std::fs::read(&path).expect("corpus file is readable");
    Some(folio_pdf::read(bytes, &Default::default()).expect("corpus file reads"))
}

fn page_blocks(doc: &Document, page: usize) -> Vec<Block> {
    layout_page(doc, &doc.pages[page], &LayoutSettings::default())
}

fn is_furniture(b: &Block) -> bool {
    matches!(b.role, Role::Header | Role::Footer | Role::PageNumber)
}

/// Each block lies within one of `columns` (x ranges), and blocks are read column by column.
#[track_caller]
fn assert_columns(blocks: &[Block], columns: &[(f32, f32)]) {
    let mut last = 0;
    for b in blocks
        .iter()
        .filter(|b| !is_furniture(b) && b.style.angle == 0.0)
    {
        let col = columns
            .iter()
            .position(|&(x0, x1)| b.bbox.x0 >= x0 - 2.0 && b.bbox.x1 <= x1 + 2.0);
        let Some(col) = col else {
            panic!(
                "block {} spans columns: {:?} {:?}",
                b.id.index, b.bbox, b.source
            );
        };
        assert!(
            col >= last,
            "block {} in column {col} after column {last}: {:?}",
            b.id.index,
            b.source
        );
        last = col;
    }
    assert!(last == columns.len() - 1, "the last column is read");
}

#[test]
fn two_column_paper_reads_column_by_column() {
    let Some(doc) = load("paper-2col-aps-revtex-formulas.pdf") else {
        return;
    };
    let mid = doc.pages[1].width / 2.0;
    assert_columns(
        &page_blocks(&doc, 1),
        &[(0.0, mid), (mid, doc.pages[1].width)],
    );
}

#[test]
fn three_column_register_reads_column_by_column() {
    let Some(doc) = load("gov-federal-register-3col-signed-incremental.pdf") else {
        return;
    };
    // The reader runs some lines across the narrow gutters; layout splits them again.
    assert_columns(
        &page_blocks(&doc, 1),
        &[(0.0, 217.0), (217.0, 394.0), (394.0, 612.0)],
    );
}

#[test]
fn book_running_headers_and_page_numbers() {
    let Some(doc) = load("book-lshort-en-153p-links.pdf") else {
        return;
    };
    let (mut with_number, mut with_header, mut pages) = (0, 0, 0);
    for p in 12..40 {
        let blocks = page_blocks(&doc, p);
        pages += 1;
        let top = |b: &&Block| b.bbox.y1 < 0.15 * doc.pages[p].height;
        if blocks
            .iter()
            .filter(top)
            .any(|b| b.role == Role::PageNumber && b.action == Action::Keep(KeepReason::PageNumber))
        {
            with_number += 1;
        }
        if blocks.iter().filter(top).any(|b| b.role == Role::Header) {
            with_header += 1;
        }
        // No running text is taken for body text.
        assert!(blocks.iter().all(|b| !is_furniture(b)
            || b.bbox.y1 < 0.15 * doc.pages[p].height
            || b.bbox.y0 > 0.85 * doc.pages[p].height));
    }
    eprintln!(
        "lshort pages 12..40: page number on {with_number}, header on {with_header} of {pages}"
    );
    assert!(
        with_number * 10 >= pages * 8,
        "page numbers found on {with_number} of {pages} pages"
    );
    assert!(
        with_header * 10 >= pages * 7,
        "running headers found on {with_header} of {pages} pages"
    );
}

#[test]
fn heading_bold_span_and_link() {
    let Some(doc) = load("book-lshort-en-153p-links.pdf") else {
        return;
    };
    let blocks = page_blocks(&doc, 20);
    let heading = blocks
        .iter()
        .find(|b| b.source.contains("A Typical Command Line Session"))
        .expect("heading found");
    assert_eq!(heading.role, Role::Heading);
    // "Figure 1.1 shows …": the number is a link.
    let link = blocks
        .iter()
        .flat_map(|b| b.spans.iter().map(move |s| (b, s)))
        .find(|(_, s)| matches!(s.kind, SpanKind::Link(_)))
        .expect("a link span");
    let SpanKind::Link(i) = link.1.kind else {
        unreachable!()
    };
    assert!((i as usize) < doc.pages[20].links.len());
    assert!(
        link.0.source.contains(&format!("[{0}]", link.1.id))
            && link.0.source.contains(&format!("[/{0}]", link.1.id))
    );
    assert_eq!(link.0.role, Role::Body);

    let Some(paper) = load("paper-2col-aps-revtex-formulas.pdf") else {
        return;
    };
    let blocks = page_blocks(&paper, 0);
    let abstract_ = blocks
        .iter()
        .find(|b| b.source.contains("Secondary publications"))
        .expect("abstract");
    assert!(
        abstract_.source.starts_with("[1]Usage:[/1] Secondary"),
        "{}",
        abstract_.source
    );
    assert_eq!(abstract_.spans[0].kind, SpanKind::Bold);
    assert_eq!(abstract_.spans[0].glyphs.len(), "Usage:".len());
}

#[test]
fn display_formula_is_kept() {
    let Some(doc) = load("paper-2col-aps-revtex-formulas.pdf") else {
        return;
    };
    let blocks = page_blocks(&doc, 3);
    let formulas: Vec<&Block> = blocks.iter().filter(|b| b.role == Role::Formula).collect();
    assert!(!formulas.is_empty());
    assert!(
        formulas
            .iter()
            .all(|b| b.action == Action::Keep(KeepReason::Formula))
    );
    // Equation numbers are kept as numbers.
    assert!(
        blocks
            .iter()
            .any(|b| b.source == "(7)" && b.action == Action::Keep(KeepReason::Number))
    );
}

/// Every glyph with visible text is in exactly one block; the only ones in none are those the
/// reader dropped as drawn twice at one spot (fake bold), which have a twin in a block.
#[track_caller]
fn assert_nothing_lost(doc: &Document, name: &str) {
    let blocks = layout_document(doc, &LayoutSettings::default());
    for (at, page) in doc.pages.iter().enumerate() {
        let mut seen = vec![0u32; page.glyphs.len()];
        for b in blocks.iter().filter(|b| b.id.page == page.index) {
            for l in &b.lines {
                for &w in &l.words {
                    for &g in &page.words[w as usize].glyphs {
                        seen[g as usize] += 1;
                    }
                }
            }
        }
        for (g, glyph) in page.glyphs.iter().enumerate() {
            assert!(
                seen[g] <= 1,
                "{name} page {at}: glyph {g} in {} blocks",
                seen[g]
            );
            let visible =
                glyph.text.chars().any(|c| !c.is_whitespace()) && glyph.origin.x.is_finite();
            if visible && seen[g] == 0 {
                let twin = page.glyphs.iter().enumerate().any(|(h, o)| {
                    seen[h] == 1
                        && o.text == glyph.text
                        && (o.origin.x - glyph.origin.x).abs() < 0.3 * glyph.size.abs().max(1.0)
                        && (o.origin.y - glyph.origin.y).abs() < 0.3 * glyph.size.abs().max(1.0)
                });
                assert!(
                    twin,
                    "{name} page {at}: glyph {g} {:?} in no block",
                    glyph.text
                );
            }
        }
    }
}

#[test]
fn no_glyph_lost_or_duplicated() {
    for name in [
        "paper-2col-aps-revtex-formulas.pdf",
        "paper-2col-acm-sigconf-formulas-tables.pdf",
        "gov-federal-register-3col-signed-incremental.pdf",
        "slides-beamer-conference-talk.pdf",
        "table-fbi-nics-firearm-checks-landscape.pdf",
    ] {
        if let Some(doc) = load(name) {
            assert_nothing_lost(&doc, name);
        }
    }
}

#[test]
fn segments_number_translated_blocks() {
    let Some(doc) = load("paper-2col-acm-sigconf-formulas-tables.pdf") else {
        return;
    };
    let blocks = layout_document(&doc, &LayoutSettings::default());
    let segs = segments(&blocks);
    let translated: Vec<&Block> = blocks
        .iter()
        .filter(|b| b.action == Action::Translate)
        .collect();
    assert_eq!(segs.len(), translated.len());
    for (i, (s, b)) in segs.iter().zip(translated).enumerate() {
        assert_eq!(s.id.0 as usize, i);
        assert_eq!(s.block, Some(b.id));
        assert_eq!(s.text, b.source);
    }
}

/// Prints, per corpus file, the blocks by role and the kept ones by reason; also checks that
/// placeholders in every source are well formed and numbered from 1.
#[test]
fn corpus_summary() {
    let files = [
        ("paper-2col-aps-revtex-formulas.pdf", usize::MAX),
        ("paper-2col-acm-sigconf-formulas-tables.pdf", usize::MAX),
        ("paper-2col-tugboat-cals-tables.pdf", usize::MAX),
        (
            "gov-federal-register-3col-signed-incremental.pdf",
            usize::MAX,
        ),
        ("book-lshort-en-153p-links.pdf", 40),
        ("manual-reportlab-userguide-134p-base14.pdf", 30),
        ("gov-irs-i1040nr-instructions-50p-tables.pdf", 10),
        ("slides-beamer-conference-talk.pdf", usize::MAX),
        ("cjk-lshort-zh-cn-139p.pdf", 10),
    ];
    for (name, max_pages) in files {
        let Some(mut doc) = load(name) else { continue };
        doc.pages.truncate(max_pages);
        let blocks = layout_document(&doc, &LayoutSettings::default());
        let mut roles: BTreeMap<String, usize> = BTreeMap::new();
        let mut kept: BTreeMap<String, usize> = BTreeMap::new();
        for b in &blocks {
            *roles.entry(format!("{:?}", b.role)).or_default() += 1;
            if let Action::Keep(r) = b.action {
                *kept.entry(format!("{r:?}")).or_default() += 1;
            }
            for (k, s) in b.spans.iter().enumerate() {
                assert_eq!(s.id as usize, k + 1);
                match s.kind {
                    SpanKind::Kept { .. } => assert!(b.source.contains(&format!("[{}]", s.id))),
                    _ => assert!(
                        b.source.contains(&format!("[/{}]", s.id)),
                        "{name}: {}",
                        b.source
                    ),
                }
            }
        }
        let fmt = |m: &BTreeMap<String, usize>| {
            m.iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        println!(
            "{name} ({} pages, {} blocks, {} segments)\n    roles: {}\n    kept:  {}",
            doc.pages.len(),
            blocks.len(),
            segments(&blocks).len(),
            fmt(&roles),
            fmt(&kept)
        );
    }
}
