//! Item lines set at one size: the layout splits a centred author or address block into one
//! block per line (`folio_layout`'s `items`), and each is fitted in its own box, so a long
//! translation of one line would end smaller than its neighbours, and a line wrapped would
//! start at the left of its box. Consecutive one-line blocks that share a centre (but not
//! their left edges), a role and a size are one item block as the reader sees it: each is
//! centred, and all are set at the smallest scale any of them needed.

use std::ops::Range;

use folio_doc::{Block, PlacedBlock};
use folio_typeset::{FontBook, TextBlock, TypesetResult, TypesetSettings, typeset_block_at};

/// The runs of item lines among the blocks to set (ranges of two blocks or more).
pub(crate) fn item_runs(to_set: &[(&Block, TextBlock)]) -> Vec<Range<usize>> {
    let mut runs = Vec::new();
    let mut start = 0;
    for i in 1..=to_set.len() {
        if i < to_set.len() && same_item_block(to_set[i - 1].0, to_set[i].0) {
            continue;
        }
        let run = start..i;
        let ragged = to_set[run.clone()]
            .iter()
            .any(|(b, _)| (b.bbox.x0 - to_set[start].0.bbox.x0).abs() > 0.4 * b.style.size);
        if run.len() >= 2 && ragged {
            runs.push(run);
        }
        start = i;
    }
    runs
}

/// Centres the lines of each run of item lines, each in the width of the run's widest line
/// (the lines share a centre, so that width is centred on each of them).
pub(crate) fn centre_item_lines(to_set: &mut [(&Block, TextBlock)], runs: &[Range<usize>]) {
    for run in runs {
        let lines = &to_set[run.clone()];
        let x0 = lines
            .iter()
            .map(|(b, _)| b.bbox.x0)
            .fold(f32::INFINITY, f32::min);
        let x1 = lines
            .iter()
            .map(|(b, _)| b.bbox.x1)
            .fold(f32::NEG_INFINITY, f32::max);
        for (_, text) in &mut to_set[run.clone()] {
            text.rect.x0 = text.rect.x0.min(x0);
            text.rect.x1 = text.rect.x1.max(x1);
            text.style.align = folio_doc::Align::Center;
            text.style.indent_first = 0.0;
            text.style.indent_rest = 0.0;
        }
    }
}

/// Re-sets the lines of each run of item lines at the run's smallest scale, in the smallest
/// area that holds them (a line grown into free space beside it is no longer centred under
/// the others). `placed[i]` is the result for `to_set[i]`.
pub(crate) fn harmonize_item_lines(
    book: &FontBook,
    to_set: &[(&Block, TextBlock)],
    runs: &[Range<usize>],
    placed: &mut [PlacedBlock],
    settings: &TypesetSettings,
) -> TypesetResult<()> {
    for run in runs {
        let scale = placed[run.clone()]
            .iter()
            .filter(|p| !p.overflowed && !p.lines.is_empty())
            .map(|p| p.scale)
            .fold(f32::INFINITY, f32::min);
        for k in run.clone() {
            let text = &to_set[k].1;
            if scale.is_finite()
                && text.original.is_none()
                && (placed[k].scale > scale + settings.step / 2.0 || placed[k].grown > 0)
            {
                placed[k] = typeset_block_at(book, text, scale, settings)?;
            }
        }
    }
    Ok(())
}

/// Whether `b` is the next line of the item block `a` is a line of: both one line, on one
/// page, of one role and size, centred on one another, `b` right below `a`.
fn same_item_block(a: &Block, b: &Block) -> bool {
    let size = a.style.size.min(b.style.size);
    let centre = |r: folio_doc::Rect| 0.5 * (r.x0 + r.x1);
    let gap = b.bbox.y0 - a.bbox.y1;
    a.lines.len() == 1
        && b.lines.len() == 1
        && a.id.page == b.id.page
        && a.role == b.role
        && (a.style.size - b.style.size).abs() <= 0.05 * size
        && (centre(a.bbox) - centre(b.bbox)).abs() <= 0.4 * size
        && gap > -0.2 * size
        && gap <= size
}
