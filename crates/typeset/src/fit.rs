//! Fitting a block into its box: shrink to the floor, grow into free space, shrink further.

use std::collections::BTreeMap;

use folio_doc::{PlacedBlock, TypesetWarning};

use crate::block::{TextBlock, TypesetSettings};
use crate::error::{TypesetError, TypesetResult};
use crate::fonts::FontBook;
use crate::linebreak::LineSpan;
use crate::prepared::Prepared;
use crate::vertical;

/// How much larger (in scale) growing into free space must keep the text for the block to
/// grow rather than shrink in its own box.
pub(crate) const GROWTH_WORTH: f32 = 0.05;

/// Sets one block in its box.
///
/// The procedure, each step only if the previous one left the text too big:
/// 1. the largest scale in `[settings.floor, 1]` (in steps of `settings.step`) at which the
///    text fits the box, and the same in the box grown by the caller's free rectangles, added
///    one at a time in the order given; the least grown area whose scale is within
///    `GROWTH_WORTH` (0.05) of the best is taken, so the block grows only when that keeps its text
///    noticeably larger (a heading widening into the empty rest of its line keeps its size);
/// 2. the largest scale in `[settings.min_scale, floor)` in the fully grown box, with a
///    [`TypesetWarning::BelowFloor`];
/// 3. `settings.min_scale`, marked `overflowed`, with a [`TypesetWarning::Overflow`].
pub fn typeset_block(
    book: &FontBook,
    block: &TextBlock,
    settings: &TypesetSettings,
) -> TypesetResult<PlacedBlock> {
    if block.style.vertical {
        let turned = vertical::turned(block);
        return fit_block(book, &turned, settings).map(vertical::columns);
    }
    fit_block(book, block, settings)
}

/// [`typeset_block`] in the block's own frame (a vertical block's turned one).
fn fit_block(
    book: &FontBook,
    block: &TextBlock,
    settings: &TypesetSettings,
) -> TypesetResult<PlacedBlock> {
    let prepared = Prepared::new(book, block, settings)?;
    let areas = prepared.areas();
    let (floor, min) = (
        settings.floor.clamp(0.0, 1.0),
        settings.min_scale.clamp(0.01, 1.0),
    );
    let mut fitting: Vec<(usize, f32, Vec<LineSpan>)> = Vec::new();
    for (grown, area) in areas.iter().enumerate() {
        let best = fitting.iter().map(|f| f.1).fold(0.0, f32::max);
        if best >= 1.0 {
            break;
        }
        if let Some((scale, lines)) = prepared.largest_fitting(floor.max(best), 1.0, area) {
            fitting.push((grown, scale, lines));
        }
    }
    let best = fitting.iter().map(|f| f.1).fold(0.0, f32::max);
    if let Some((grown, scale, lines)) = fitting.into_iter().find(|f| f.1 >= best - GROWTH_WORTH) {
        return prepared.emit(scale, areas[grown], grown, &lines, false, Vec::new());
    }
    let grown = areas.len() - 1;
    let area = areas[grown];
    if min < floor
        && let Some((scale, lines)) = prepared.largest_fitting(min, floor - settings.step, &area)
    {
        let warning = TypesetWarning::BelowFloor {
            block: block.id,
            scale,
            floor,
        };
        return prepared.emit(scale, area, grown, &lines, false, vec![warning]);
    }
    let scale = min.min(floor);
    let lines = prepared.measure(scale, &area).lines;
    let warning = TypesetWarning::Overflow {
        block: block.id,
        scale,
    };
    prepared.emit(scale, area, grown, &lines, true, vec![warning])
}

/// Sets one block at a given scale, growing into free space as needed; used to make blocks of
/// one role agree on a size. Marked `overflowed` when even the fully grown box is too small.
pub fn typeset_block_at(
    book: &FontBook,
    block: &TextBlock,
    scale: f32,
    settings: &TypesetSettings,
) -> TypesetResult<PlacedBlock> {
    if !(scale.is_finite() && scale > 0.0) {
        return Err(TypesetError::InvalidBlock {
            block: block.id,
            message: format!("scale {scale} is not a positive number"),
        });
    }
    if block.style.vertical {
        let turned = vertical::turned(block);
        return set_at(book, &turned, scale, settings).map(vertical::columns);
    }
    set_at(book, block, scale, settings)
}

/// [`typeset_block_at`] in the block's own frame (a vertical block's turned one).
fn set_at(
    book: &FontBook,
    block: &TextBlock,
    scale: f32,
    settings: &TypesetSettings,
) -> TypesetResult<PlacedBlock> {
    let prepared = Prepared::new(book, block, settings)?;
    let areas = prepared.areas();
    for (grown, area) in areas.iter().enumerate() {
        let m = prepared.measure(scale, area);
        if m.fits {
            return prepared.emit(scale, *area, grown, &m.lines, false, Vec::new());
        }
    }
    let grown = areas.len() - 1;
    let m = prepared.measure(scale, &areas[grown]);
    let warning = TypesetWarning::Overflow {
        block: block.id,
        scale,
    };
    prepared.emit(scale, areas[grown], grown, &m.lines, true, vec![warning])
}

/// Sets every block on its own (see [`harmonize_sizes`] to make them agree).
pub fn typeset_blocks(
    book: &FontBook,
    blocks: &[TextBlock],
    settings: &TypesetSettings,
) -> TypesetResult<Vec<PlacedBlock>> {
    blocks
        .iter()
        .map(|b| typeset_block(book, b, settings))
        .collect()
}

/// Makes blocks of one role agree on a size: every block with the same key that fits at a
/// larger scale than the group's median is re-set at the median, so most of the group ends at
/// one size; a block that needed less is set at the median with its lines up to 15% closer
/// (never closer than set solid) when that fits, else keeps its own scale, so one long
/// translation does not shrink all the others (overflowed blocks do not count). `placed[i]` must be the result for
/// `blocks[i]`. The key is the caller's: `(page, role)` for per-page consistency, `role` for
/// the whole document; `None` leaves a block alone.
pub fn harmonize_sizes<K: Ord>(
    book: &FontBook,
    blocks: &[TextBlock],
    placed: &mut [PlacedBlock],
    settings: &TypesetSettings,
    key: impl Fn(&TextBlock) -> Option<K>,
) -> TypesetResult<()> {
    let mut scales: BTreeMap<K, Vec<f32>> = BTreeMap::new();
    // Unchanged text set where it was is left out: it keeps its size.
    for (block, p) in blocks.iter().zip(placed.iter()) {
        if let Some(k) = key(block)
            && !p.overflowed
            && block.original.is_none()
        {
            scales.entry(k).or_default().push(p.scale);
        }
    }
    let target: BTreeMap<K, f32> = scales
        .into_iter()
        .map(|(k, mut v)| {
            v.sort_by(f32::total_cmp);
            (k, v[v.len() / 2])
        })
        .collect();
    for (block, p) in blocks.iter().zip(placed.iter_mut()) {
        let Some(&scale) = key(block).as_ref().and_then(|k| target.get(k)) else {
            continue;
        };
        if block.original.is_some() {
            continue;
        }
        if p.scale > scale + settings.step / 2.0 {
            *p = typeset_block_at(book, block, scale, settings)?;
        } else if p.scale < scale - settings.step / 2.0
            && !p.overflowed
            && let Some(tighter) = with_tighter_leading(book, block, scale, settings)?
        {
            // Smaller type stands out more than lines a little closer together.
            *p = tighter;
        }
    }
    Ok(())
}

/// How much closer lines may come to keep a block at its role's size.
const LEADING_SQUEEZE: [f32; 3] = [0.95, 0.9, 0.85];

/// The block set at `scale` with its lines up to 15% closer, if that fits. Lines never come
/// closer than the type's size (set solid): tighter, the accents of one line touch the
/// descenders of the line above, all the more in a fallback font with tall accents.
fn with_tighter_leading(
    book: &FontBook,
    block: &TextBlock,
    scale: f32,
    settings: &TypesetSettings,
) -> TypesetResult<Option<PlacedBlock>> {
    let lead = block.style.line_height.unwrap_or(1.2 * block.style.size);
    for squeeze in LEADING_SQUEEZE {
        if lead * squeeze < block.style.size {
            break;
        }
        let mut tighter = block.clone();
        tighter.style.line_height = Some(lead * squeeze);
        let p = typeset_block_at(book, &tighter, scale, settings)?;
        if !p.overflowed {
            return Ok(Some(p));
        }
    }
    Ok(None)
}
