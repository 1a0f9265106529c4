//! Step 4: the reading order of a direction's lines, by the shared [`folio_doc::xy_cut`].

use folio_doc::{ReadingItem, Rect, RowGrouping, XyCut, xy_cut};

use super::lines::FrameLine;

/// The reader's reading order: a column gutter is at least the median font size wide, and
/// lines that cannot be cut are read in rows of baselines counted from the row's first.
const READING_ORDER: XyCut = XyCut {
    min_gutter: 1.0,
    same_row: 0.3,
    rows: RowGrouping::FromFirst,
};

/// A line's box in the frame of its direction: `x` along the baseline, `y` across it.
impl ReadingItem for FrameLine<'_, '_> {
    fn bbox(&self) -> Rect {
        Rect {
            x0: self.u0,
            y0: self.top,
            x1: self.u1,
            y1: self.bottom,
        }
    }

    fn baseline(&self) -> f32 {
        self.v
    }

    fn size(&self) -> f32 {
        self.size
    }
}

/// The indices of `lines` (all of one direction) in reading order.
pub(super) fn reading_order(lines: &[FrameLine<'_, '_>]) -> Vec<usize> {
    xy_cut(lines, (0..lines.len()).collect(), &READING_ORDER)
}
