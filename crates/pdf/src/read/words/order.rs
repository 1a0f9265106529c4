//! Step 4: the reading order of a direction's lines, by the shared [`folio_doc::xy_cut`].

use folio_doc::{ReadingItem, Rect, RowGrouping, XyCut, mostly_right_to_left, xy_cut};

use super::lines::FrameLine;

/// The reader's reading order: a column gutter is at least the median font size wide, and
/// lines that cannot be cut are read in rows of baselines counted from the row's first; read
/// from the right when the lines are mostly right to left.
const READING_ORDER: XyCut = XyCut {
    min_gutter: 1.0,
    same_row: 0.3,
    rows: RowGrouping::FromFirst,
    right_to_left: false,
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

/// The indices of `lines` (all of one direction) in reading order: columns from the right
/// when most of their letters are right to left.
pub(super) fn reading_order(lines: &[FrameLine<'_, '_>]) -> Vec<usize> {
    let texts = lines.iter().flat_map(|l| l.glyphs.iter().map(|p| p.text));
    let settings = XyCut {
        right_to_left: mostly_right_to_left(texts),
        ..READING_ORDER
    };
    xy_cut(lines, (0..lines.len()).collect(), &settings)
}
