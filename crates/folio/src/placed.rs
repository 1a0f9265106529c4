//! The placed text the writer draws: the set blocks gathered per page with the glyphs they
//! replace, and the faces they are drawn with.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use folio_doc::{BlockId, Document, PageText, PlacedBlock, PlacedText, Rect};

use crate::Error;
use crate::drawn::Drawn;
use crate::report::Report;
use crate::typeset::{SetBlock, Typeset};

/// The clip to draw a block's new text under: the one its original text was drawn under, when
/// that clip cut the original or the new lines reach past it (by more than a glyph box's
/// spare edge); `None` when the new text shows whole without it.
fn drawn_under(drawn: &Drawn, placed: &PlacedBlock) -> Option<Rect> {
    const SLACK: f32 = 0.5;
    let clip = drawn.clip?;
    let b = &placed.bounds;
    let inside = b.x0 >= clip.x0 - SLACK
        && b.y0 >= clip.y0 - SLACK
        && b.x1 <= clip.x1 + SLACK
        && b.y1 <= clip.y1 + SLACK;
    (drawn.clip_cuts || !inside).then_some(clip)
}

/// What the writer changes: every block that was set (a block that could not be set keeps
/// its original text), counted in the report.
pub(crate) fn placed_text(
    doc: &Document,
    drawn: &HashMap<BlockId, Drawn>,
    typeset: Typeset<'_>,
    report: &mut Report,
) -> Result<PlacedText, Error> {
    // Each page's text, and the glyphs its set blocks were drawn with (to remove).
    let mut pages: BTreeMap<u32, (PageText, Vec<u32>)> = BTreeMap::new();
    let mut faces = BTreeSet::new();
    for SetBlock { block, mut placed } in typeset.blocks {
        if placed.lines.is_empty() {
            continue;
        }
        let block_drawn = drawn.get(&block.id);
        placed.clip = block_drawn.and_then(|d| drawn_under(d, &placed));
        report.blocks.rewritten += 1;
        faces.extend(placed.lines.iter().flat_map(|l| &l.runs).map(|r| r.face));
        let (page, replaced) = pages.entry(block.id.page).or_insert_with(|| {
            let page = PageText {
                page: block.id.page,
                ..PageText::default()
            };
            (page, Vec::new())
        });
        page.blocks.push(placed);
        replaced.extend(block_drawn.into_iter().flat_map(|d| &d.glyphs));
    }
    let pages = pages
        .into_values()
        .map(|(mut text, replaced)| {
            text.remove = replaced;
            text
        })
        .collect();
    let faces = typeset
        .book
        .placed_faces(faces, doc)
        .map_err(Error::Typeset)?;
    Ok(PlacedText { faces, pages })
}
