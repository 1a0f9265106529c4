//! Vertical writing, set by the horizontal steps turned a quarter turn: the block's box is
//! turned so that its columns (top to bottom, right to left) are lines (left to right, top to
//! bottom), every glyph advances one em, and the lines set are turned back into columns.

use folio_doc::{PlacedBlock, Point, Rect};

use crate::block::TextBlock;
use crate::shape::ShapedGlyph;

/// Where a vertical glyph's em box stands, in em above the baseline of the turned line and
/// below it: the em box of a CJK face (Noto CJK's ascender and descender), which is also where
/// PDF puts a vertical glyph by default (`/DW2 [880 -1000]`, ISO 32000-2, 9.7.4.3).
const EM_BOX: (f32, f32) = (0.88, -0.12);

/// Glyphs shaped for a column: each cluster moves the pen one em down (a vertical font's
/// codes have no advance across: it counts for nothing), the other glyphs of a cluster (marks)
/// stay on their base, and nothing is offset sideways.
pub(crate) fn upright(glyphs: Vec<ShapedGlyph>) -> Vec<ShapedGlyph> {
    let mut previous: Option<u32> = None;
    glyphs
        .into_iter()
        .map(|g| {
            let first = previous != Some(g.cluster);
            previous = Some(g.cluster);
            ShapedGlyph {
                advance: if first { 1.0 } else { 0.0 },
                dx: 0.0,
                dy: 0.0,
                ..g
            }
        })
        .collect()
}

/// A rectangle of the page in the turned frame: down the page is left to right, and right to
/// left across it is top to bottom.
fn turn(r: Rect) -> Rect {
    Rect::new(r.y0, -r.x1, r.y1, -r.x0)
}

/// A rectangle of the turned frame back on the page.
fn turn_back(r: Rect) -> Rect {
    Rect::new(-r.y1, r.x0, -r.y0, r.x1)
}

/// The block in the turned frame, ready for the horizontal steps: its box and free space
/// turned, its glyphs' em box as the line's ascent and descent, unchanged text's breaks kept.
/// It stays marked vertical, so its glyphs are shaped upright.
pub(crate) fn turned(block: &TextBlock) -> TextBlock {
    let mut t = block.clone();
    t.rect = turn(block.rect);
    t.free = block.free.iter().map(|&r| turn(r)).collect();
    t.style.ascent = Some(EM_BOX.0);
    t.style.descent = Some(EM_BOX.1);
    t.style.first_baseline = None;
    // Unchanged text keeps its columns' breaks; their positions were across and down.
    if let Some(o) = &mut t.original {
        o.baselines.clear();
        o.anchors.clear();
    }
    t
}

/// A block set in the turned frame, back on the page: each line a column, each run drawn from
/// the top of its column's centre line downwards.
pub(crate) fn columns(mut placed: PlacedBlock) -> PlacedBlock {
    for line in &mut placed.lines {
        let baseline = line.origin.y;
        // The centre of the em box, across the turned line: the column's centre line.
        let centre = |size: f32| -(baseline - 0.5 * (EM_BOX.0 + EM_BOX.1) * size);
        line.origin = Point {
            x: centre(placed.size),
            y: line.origin.x,
        };
        for run in &mut line.runs {
            run.origin = Point {
                x: centre(run.size),
                y: run.origin.x,
            };
            run.vertical = true;
            for g in &mut run.glyphs {
                g.dx = 0.0;
                g.dy = 0.0;
            }
        }
    }
    placed.area = turn_back(placed.area);
    placed.bounds = turn_back(placed.bounds);
    placed.clip = placed.clip.map(turn_back);
    placed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turning_a_box_and_back_gives_it_again() {
        let r = Rect::new(100.0, 50.0, 180.0, 300.0);
        let t = turn(r);
        // A column box tall and narrow becomes a line box wide and low.
        assert_eq!((t.width(), t.height()), (250.0, 80.0));
        assert_eq!(turn_back(t), r);
    }
}
