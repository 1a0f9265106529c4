//! Clipped content and Form XObjects (issue 10): text a clip hides in the input stays hidden
//! in the output (not translated, not redrawn: kept as it is), and new text for a block a clip
//! cut is drawn under that clip. Over the made documents `tests/corpus/made/clip-*` (a page of
//! another PDF included as a figure clipped to its header, a TikZ clip across a paragraph).

use std::collections::HashSet;

use folio_doc::{Document, Glyph, Page, Rect, Shown};
use folio_test_support::made_files;
use folio_tests::{Run, letter_tokens, translate_file};

fn runs(engine: &str) -> Vec<Run> {
    let files = made_files("clip-");
    assert!(!files.is_empty(), "no made document clip-*.pdf");
    files
        .iter()
        .map(|f| translate_file(f, engine, None).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// The text of the glyphs the clip hides, in content order: what no reader of the page sees.
fn hidden_text(page: &Page) -> String {
    page.glyphs
        .iter()
        .filter(|g| g.clipped_away())
        .map(|g| g.text.as_str())
        .collect()
}

/// The words (three letters or more) a reader of the document sees.
fn visible_tokens(doc: &Document) -> HashSet<String> {
    doc.pages
        .iter()
        .flat_map(|p| &p.words)
        .flat_map(|w| letter_tokens(&w.text).collect::<Vec<_>>())
        .collect()
}

/// The part of a glyph its clip shows.
fn visible_part(g: &Glyph) -> Option<Rect> {
    match g.clip {
        Some(c) => g.bbox.intersection(&c),
        None => Some(g.bbox),
    }
}

fn inside(r: &Rect, outer: &Rect, slack: f32) -> bool {
    r.x0 >= outer.x0 - slack
        && r.y0 >= outer.y0 - slack
        && r.x1 <= outer.x1 + slack
        && r.y1 <= outer.y1 + slack
}

/// The identity round trip looks like the input (SSIM ≥ 0.98 on every page) and shows no word
/// the input does not show: the text outside the clip is not drawn again in the page.
#[test]
fn identity_shows_nothing_the_input_clips() {
    let mut hidden_somewhere = false;
    for run in runs("identity") {
        hidden_somewhere |= run
            .input_doc
            .pages
            .iter()
            .any(|p| !hidden_text(p).is_empty());
        let cmp = run.compare_with_input().unwrap_or_else(|e| panic!("{e}"));
        for page in &cmp.pages {
            let ssim = page.pixels.map_or(0.0, |x| x.ssim);
            println!("{} page {}: SSIM {ssim:.4}", run.name, page.index + 1);
            assert!(
                ssim >= 0.98,
                "{} page {}: SSIM {ssim:.4} < 0.98",
                run.name,
                page.index + 1
            );
        }
        let seen = visible_tokens(&run.input_doc);
        let shown: Vec<String> = visible_tokens(&run.output_doc)
            .into_iter()
            .filter(|t| !seen.contains(t))
            .collect();
        assert!(
            shown.is_empty(),
            "{}: the output shows words the input does not: {shown:?}",
            run.name
        );
    }
    assert!(hidden_somewhere, "no made document hides text under a clip");
}

/// Under `pseudo`, the hidden text is left as it was (not translated, not removed), and the new
/// text of a block a clip cut shows only inside that clip.
#[test]
fn pseudo_keeps_hidden_text_and_new_text_inside_its_clip() {
    let mut clipped_blocks = 0;
    for run in runs("pseudo") {
        for (input, output) in run.page_pairs() {
            let before = hidden_text(input);
            let after = hidden_text(output);
            // The original content comes first in the output page, the new text after it.
            assert!(
                after.starts_with(&before),
                "{} page {}: hidden text changed:\n  before {before:?}\n  after  {after:?}",
                run.name,
                input.index + 1
            );
            let blocks: Vec<_> = run
                .translated_blocks()
                .filter(|b| b.id.page == input.index)
                .collect();
            for block in &blocks {
                let Some(clip) = folio_layout::block_clip(input, block) else {
                    continue;
                };
                clipped_blocks += 1;
                // Where the block's new text goes: its rows and as many below it.
                let band = Rect::new(
                    0.0,
                    block.bbox.y0,
                    output.width,
                    block.bbox.y1 + block.bbox.height(),
                );
                let others: Vec<Rect> = blocks
                    .iter()
                    .filter(|b| b.id != block.id)
                    .map(|b| b.bbox)
                    .collect();
                for g in &output.glyphs {
                    if g.shown() == Shown::Nothing || g.text.trim().is_empty() {
                        continue;
                    }
                    let Some(seen) = visible_part(g) else {
                        continue;
                    };
                    let c = seen.center();
                    if !(band.x0 <= c.x && c.x <= band.x1 && band.y0 <= c.y && c.y <= band.y1) {
                        continue;
                    }
                    if others.iter().any(|o| inside(&seen, o, 2.0)) {
                        continue;
                    }
                    assert!(
                        inside(&seen, &clip, 1.0),
                        "{} page {}: {:?} shows at {seen:?}, outside the clip {clip:?} of \
                         block {:?}",
                        run.name,
                        input.index + 1,
                        g.text,
                        block.source
                    );
                }
            }
        }
    }
    assert!(
        clipped_blocks > 0,
        "no made document has a block a clip cuts"
    );
}
