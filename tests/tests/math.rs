//! Mathematics in any font, by evidence (issue #10): on every made math document
//! (`tests/corpus/made/math-*.pdf`: txfonts, newtx, mathptmx, STIX Two, Latin Modern Math,
//! Libertinus Math, STIX Two Math through unicode-math), display equations are not sent to
//! the engine and are drawn unchanged, every math glyph is kept (in a kept block or a kept
//! inline item), and pseudo-translated text collides with nothing.
//!
//! Display equations are found here from the page alone, not from layout: the rows of lines
//! around an equation number `(n)` that do not start at their column's left edge.

use std::collections::HashSet;

use folio_doc::{Page, SpanKind};
use folio_tests::{Run, fit_check, made_files, translate_file};

/// A display row starts at least this far (pt) right of its column's left edge; prose starts
/// at it, or a paragraph indent (1 em) right of it.
const DISPLAY_INDENT: f32 = 15.0;

/// The made math documents, pseudo-translated once for all the tests.
fn runs() -> &'static [Run] {
    static RUNS: std::sync::OnceLock<Vec<Run>> = std::sync::OnceLock::new();
    RUNS.get_or_init(|| {
        let files = made_files("math-");
        assert!(
            files.len() >= 6,
            "the math documents are missing: {files:?}"
        );
        files
            .iter()
            .map(|f| translate_file(f, "pseudo", None).expect("the document is translated"))
            .collect()
    })
}

/// Whether a glyph's text is mathematics by Unicode: math alphanumerics and operators,
/// Greek letters, ħ.
fn unicode_math(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c as u32,
            0x1D400..=0x1D7FF | 0x2200..=0x22FF | 0x2A00..=0x2AFF | 0x0391..=0x03A9
            | 0x03B1..=0x03C9 | 0x03D0..=0x03F6)
            || matches!(c, 'ℏ' | '\u{2126}')
    })
}

/// The glyphs of the page's display equations (indices into `Page::glyphs`), without
/// their numbers.
fn display_glyphs(page: &Page) -> HashSet<u32> {
    let lines = &page.lines;
    let text = |l: usize| -> String {
        lines[l]
            .words
            .iter()
            .map(|&w| page.words[w as usize].text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    // A line's column's left edge: the leftmost start of the lines it overlaps horizontally.
    let col_left = |l: usize| {
        let b = lines[l].bbox;
        lines
            .iter()
            .filter(|o| {
                o.bbox.x1 > b.x0 && o.bbox.x0 < b.x1 && o.bbox.width() > 0.4 * b.width().max(100.0)
            })
            .map(|o| o.bbox.x0)
            .fold(b.x0, f32::min)
    };
    let baseline = |l: usize| lines[l].bbox.y1;
    // Rows of lines sharing a bottom edge (within 2 pt) are prose when one of them starts at
    // its column's edge.
    let prose_row = |l: usize| {
        let b = lines[l].bbox;
        lines.iter().enumerate().any(|(o, ol)| {
            (baseline(o) - baseline(l)).abs() < 2.0
                && ol.bbox.x1 > b.x0 - 300.0
                && ol.bbox.x0 < b.x1 + 300.0
                && (ol.bbox.x0 - col_left(o)) <= DISPLAY_INDENT
                && same_column(ol.bbox, b, page.width)
        })
    };
    let mut out = HashSet::new();
    for (n, line) in lines.iter().enumerate() {
        let number = text(n);
        let is_number = number.starts_with('(')
            && number.ends_with(')')
            && number[1..number.len() - 1]
                .chars()
                .all(|c| c.is_ascii_digit())
            && number.len() > 2;
        if !is_number {
            continue;
        }
        let (mut y0, mut y1) = (line.bbox.y0, line.bbox.y1);
        let mut band: HashSet<usize> = HashSet::new();
        loop {
            let mut grew = false;
            for (l, other) in lines.iter().enumerate() {
                if l == n || band.contains(&l) || !same_column(other.bbox, line.bbox, page.width) {
                    continue;
                }
                let gap = (other.bbox.y0 - y1).max(y0 - other.bbox.y1);
                if gap > 3.0 || prose_row(l) {
                    continue;
                }
                band.insert(l);
                y0 = y0.min(other.bbox.y0);
                y1 = y1.max(other.bbox.y1);
                grew = true;
            }
            if !grew {
                break;
            }
        }
        for l in band {
            for &w in &lines[l].words {
                out.extend(page.words[w as usize].glyphs.iter().copied());
            }
        }
    }
    out
}

/// Whether two boxes are in the same column of the page (both in the same half, or one
/// spans the middle).
fn same_column(a: folio_doc::Rect, b: folio_doc::Rect, width: f32) -> bool {
    let mid = 0.5 * width;
    let side = |r: folio_doc::Rect| {
        if r.x1 <= mid + 5.0 {
            -1
        } else if r.x0 >= mid - 5.0 {
            1
        } else {
            0
        }
    };
    let (sa, sb) = (side(a), side(b));
    sa == sb || sa == 0 || sb == 0
}

/// Per page, the glyphs that reach the engine: those of translated blocks, outside kept
/// items.
fn sent_glyphs(run: &Run, page: u32) -> HashSet<u32> {
    let doc_page = &run
        .input_doc
        .pages
        .iter()
        .find(|p| p.index == page)
        .unwrap();
    let mut out = HashSet::new();
    for b in run.translated_blocks().filter(|b| b.id.page == page) {
        let kept: HashSet<u32> = b
            .spans
            .iter()
            .filter(|s| matches!(s.kind, SpanKind::Kept { .. }))
            .flat_map(|s| s.glyphs.iter().copied())
            .collect();
        for l in &b.lines {
            for &w in &l.words {
                for &g in &doc_page.words[w as usize].glyphs {
                    if !kept.contains(&g) {
                        out.insert(g);
                    }
                }
            }
        }
    }
    out
}

#[test]
fn display_equations_are_not_sent_to_the_engine() {
    let mut failures = Vec::new();
    for run in runs() {
        let mut displays = 0;
        for page in &run.input_doc.pages {
            let display = display_glyphs(page);
            displays += display.len();
            let sent = sent_glyphs(run, page.index);
            let leaked: String = display
                .iter()
                .filter(|g| sent.contains(g))
                .map(|&g| page.glyphs[g as usize].text.as_str())
                .collect();
            if !leaked.is_empty() {
                failures.push(format!(
                    "{} page {}: display glyphs sent: {leaked}",
                    run.name,
                    page.index + 1
                ));
            }
        }
        println!("{}: {displays} display-equation glyphs", run.name);
        assert!(displays > 20, "{}: no display equation found", run.name);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_math_glyph_is_kept() {
    let mut failures = Vec::new();
    for run in runs() {
        let (mut math, mut sent_math) = (0, String::new());
        for page in &run.input_doc.pages {
            let sent = sent_glyphs(run, page.index);
            for (g, glyph) in page.glyphs.iter().enumerate() {
                if !unicode_math(&glyph.text) {
                    continue;
                }
                math += 1;
                if sent.contains(&(g as u32)) {
                    sent_math.push_str(&glyph.text);
                }
            }
        }
        println!("{}: {math} math glyphs, sent: {sent_math:?}", run.name);
        if !sent_math.is_empty() {
            failures.push(format!("{}: math glyphs sent: {sent_math}", run.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn pseudo_translation_draws_nothing_over_formulas() {
    let mut failures = Vec::new();
    for run in runs() {
        let fig = fit_check(run);
        // A kept formula moves as a whole, and its own glyphs overlap as they did in the input
        // (an accent over its letter, a radical over its argument): two new words without a
        // Latin letter, the translation's, are both the formula's.
        let latin = |w: &str| w.chars().any(|c| c.is_alphabetic() && (c as u32) < 0x250);
        let collisions: Vec<_> = fig
            .collisions
            .iter()
            .filter(|c| {
                let other = c.other.split('\'').nth(1).unwrap_or("");
                c.what != "new text" || latin(&c.word) || latin(other)
            })
            .collect();
        println!(
            "{}: {} new words, {} collisions ({} within moved formulas)",
            run.name,
            fig.new_words,
            collisions.len(),
            fig.collisions.len() - collisions.len()
        );
        for c in collisions.iter().take(5) {
            failures.push(format!(
                "{} page {}: '{}' hits {} ({})",
                run.name, c.page, c.word, c.other, c.what
            ));
        }
        if fig.kept_lost > 0 {
            failures.push(format!("{}: {} kept words lost", run.name, fig.kept_lost));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn display_equations_are_drawn_unchanged() {
    let mut failures = Vec::new();
    for run in runs() {
        let mut missing = String::new();
        for (a, b) in run.page_pairs() {
            for g in display_glyphs(a) {
                let glyph = &a.glyphs[g as usize];
                let font = &run.input_doc.fonts[glyph.font.0 as usize].name;
                let found = b.glyphs.iter().any(|o| {
                    o.text == glyph.text
                        && (o.origin.x - glyph.origin.x).abs() < 0.5
                        && (o.origin.y - glyph.origin.y).abs() < 0.5
                        && (o.size - glyph.size).abs() < 0.1
                        && run.output_doc.fonts[o.font.0 as usize].name == *font
                });
                if !found {
                    missing.push_str(&glyph.text);
                }
            }
        }
        if !missing.is_empty() {
            failures.push(format!(
                "{}: display glyphs moved or redrawn: {missing}",
                run.name
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
