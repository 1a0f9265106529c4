//! Free space around a block that a longer translation may grow into: to the right up to its
//! column's edge (to the left for vertical writing, whose columns go leftwards), and below
//! down to the next content. Nothing else on the page (text, image,
//! path) is in it.

use folio_doc::{Block, Document, Page, Rect};

/// Space a block may take before the next content, in points.
const GAP: f32 = 1.0;

/// The page's margin text never grows into, in points.
const MARGIN: f32 = 18.0;

/// Blocks starting within this many points of a block's left edge are in its column.
const SAME_COLUMN: f32 = 15.0;

/// The rectangles the block may grow into, in the order to try them, each touching the box
/// grown by the ones before: a one-line block (a heading, a label, a table cell) first widens
/// to the right, so it stays on one line, then grows below; a paragraph grows below, then
/// right.
pub(crate) fn free_space(doc: &Document, block: &Block, all: &[Block]) -> Vec<Rect> {
    let Some(page) = doc.page(block.id.page) else {
        return Vec::new();
    };
    let around = Around::new(page, block, all);
    let b = block.bbox;
    let mut out = Vec::new();
    if block.style.vertical {
        // Columns follow each other leftwards: a longer translation takes more of them (set
        // vertically) or longer lines (set across), then grows below.
        let left = around.left_limit(b.y0, b.y1);
        let x0 = left.min(b.x0);
        if b.x0 - left > 2.0 {
            out.push(Rect::new(left, b.y0, b.x0, b.y1));
        }
        let below = around.below_limit(x0, b.x1);
        if below - b.y1 > 2.0 {
            out.push(Rect::new(x0, b.y1, b.x1, below));
        }
    } else if block.lines.len() <= 1 {
        let right = around.right_limit(b.y0, b.y1);
        let x1 = right.max(b.x1);
        if right - b.x1 > 2.0 {
            out.push(Rect::new(b.x1, b.y0, right, b.y1));
        }
        let below = around.below_limit(b.x0, x1);
        if below - b.y1 > 2.0 {
            out.push(Rect::new(b.x0, b.y1, x1, below));
        }
    } else {
        let below = around.below_limit(b.x0, b.x1);
        let y1 = below.max(b.y1);
        if below - b.y1 > 2.0 {
            out.push(Rect::new(b.x0, b.y1, b.x1, below));
        }
        let right = around.right_limit(b.y0, y1);
        if right - b.x1 > 2.0 {
            out.push(Rect::new(b.x1, b.y0, right, y1));
        }
    }
    out
}

/// The block's box less what other blocks starting inside it take: where the layout's boxes
/// overlap (a line of a table of contents with a raised logo reaches into the next entry),
/// the translation must stop above the next block's top. Never less than the first line.
pub(crate) fn own_box(block: &Block, all: &[Block], first_baseline: Option<f32>) -> Rect {
    let b = block.bbox;
    // The first line's descent, not its box: one glyph with a deep box (a logo's font) makes a
    // line look two lines tall.
    let first_line_bottom = match first_baseline {
        Some(y) => y + 0.3 * block.style.size,
        None => block.lines.first().map_or(b.y1, |l| l.bbox.y1),
    };
    let mut bottom = b.y1;
    for o in all
        .iter()
        .filter(|o| o.id.page == block.id.page && o.id != block.id)
    {
        let r = o.bbox;
        let across = r.x1.min(b.x1) - r.x0.max(b.x0);
        if r.y0 > b.y0 + 1.0 && r.y0 < b.y1 && across > 0.3 * b.width().min(r.width()) {
            bottom = bottom.min(r.y0 - GAP);
        }
    }
    Rect::new(b.x0, b.y0, b.x1, bottom.max(first_line_bottom).min(b.y1))
}

/// What surrounds one block: the other content of its page, and its column's right edge.
struct Around {
    block: Rect,
    /// (box, is text): other blocks, images, and paths smaller than half the page.
    obstacles: Vec<(Rect, bool)>,
    /// How far right the block's column reaches: the right edge of the widest block starting
    /// where it starts, at most the page's edge less a margin.
    column_right: f32,
    /// How far down text may go.
    bottom: f32,
    /// The white the block keeps above a text block below it: its own space between lines
    /// (line pitch less size), so a grown paragraph does not run into the next one.
    text_gap: f32,
}

impl Around {
    fn new(page: &Page, block: &Block, all: &[Block]) -> Self {
        let b = block.bbox;
        let page_area = page.width * page.height;
        let others = || {
            all.iter()
                .filter(|o| o.id.page == block.id.page && o.id != block.id)
        };
        let obstacles = others()
            .map(|o| (o.bbox, true))
            .chain(page.images.iter().map(|i| (i.bbox, false)))
            .chain(
                page.paths
                    .iter()
                    .map(|p| p.bbox)
                    .filter(|r| r.area() < 0.5 * page_area)
                    .map(|r| (r, false)),
            )
            .collect();
        let column_right = others()
            .filter(|o| (o.bbox.x0 - b.x0).abs() <= SAME_COLUMN)
            .map(|o| o.bbox.x1)
            .fold(b.x1, f32::max)
            .min(page.width - MARGIN);
        let style = &block.style;
        let text_gap = (style.line_height - style.size).clamp(GAP, style.size.max(GAP));
        Self {
            block: b,
            obstacles,
            column_right,
            bottom: page.height - 36.0,
            text_gap,
        }
    }

    /// Whether `r` holds the block (a frame or panel drawn around it).
    fn holds_block(&self, r: &Rect) -> bool {
        let b = self.block;
        r.x0 <= b.x0 + 1.0 && r.x1 >= b.x1 - 1.0 && r.y0 <= b.y0 + 1.0 && r.y1 >= b.y1 - 1.0
    }

    /// How far down the space below the block is free between `x0` and `x1`.
    fn below_limit(&self, x0: f32, x1: f32) -> f32 {
        let b = self.block;
        let mut limit = self.bottom;
        for (r, text) in &self.obstacles {
            if !(r.x0 < x1 && r.x1 > x0) || r.y1 <= b.y1 {
                continue;
            }
            limit = limit.min(if r.y0 >= b.y1 - 0.5 {
                // Below: grow up to it, keeping a line's white from text.
                r.y0 - if *text { self.text_gap } else { GAP }
            } else if self.holds_block(r) && !text {
                // A frame or panel around the block: grow inside it.
                r.y1 - GAP
            } else {
                // Overlapping the block and reaching below it (the original boxes overlap):
                // the space below is taken.
                b.y1
            });
        }
        limit
    }

    /// How far left the space beside the block is free between `y0` and `y1`, down to the
    /// page's margin: where a vertical block's next column would go.
    fn left_limit(&self, y0: f32, y1: f32) -> f32 {
        let b = self.block;
        let mut limit = MARGIN.min(b.x0);
        for (r, text) in &self.obstacles {
            if !(r.y0 < y1 && r.y1 > y0) || r.x0 >= b.x0 {
                continue;
            }
            limit = limit.max(if r.x1 <= b.x0 + 0.5 {
                r.x1 + 2.0 * GAP
            } else if self.holds_block(r) && !text {
                r.x0 + 2.0 * GAP
            } else {
                b.x0
            });
        }
        limit
    }

    /// How far right the space beside the block is free between `y0` and `y1`.
    fn right_limit(&self, y0: f32, y1: f32) -> f32 {
        let b = self.block;
        let mut limit = self.column_right;
        for (r, text) in &self.obstacles {
            if !(r.y0 < y1 && r.y1 > y0) || r.x1 <= b.x1 {
                continue;
            }
            limit = limit.min(if r.x0 >= b.x1 - 0.5 {
                r.x0 - 2.0 * GAP
            } else if self.holds_block(r) && !text {
                r.x1 - 2.0 * GAP
            } else {
                b.x1
            });
        }
        limit
    }
}
