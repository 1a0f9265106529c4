//! Reading order of a page's lines by recursive XY cut.
//!
//! The reader orders the lines it builds from glyphs, and layout orders its measured lines
//! again after splitting some at column gutters; both use [`xy_cut`], each with its own
//! [`XyCut`] settings.

use crate::Rect;

/// A line that can be put in reading order: its box, baseline and font size.
///
/// Coordinates are those of [`Rect`] (y growing downwards); a caller working in a rotated
/// frame gives its boxes in that frame, `x` along the text and `y` across it.
pub trait ReadingItem {
    /// The box of the line.
    fn bbox(&self) -> Rect;
    /// The `y` of its baseline.
    fn baseline(&self) -> f32;
    /// Its font size, the unit gaps are measured in.
    fn size(&self) -> f32;
}

/// How [`xy_cut`] decides: the thresholds and the way a region with no cut is read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct XyCut {
    /// A vertical gutter splits a region into columns when it is at least this many times the
    /// median font size of the region's lines wide.
    pub min_gutter: f32,
    /// Lines of a region with no cut whose baselines are within this fraction of the smaller
    /// of their font sizes are on one row, read along it.
    pub same_row: f32,
    /// How lines of a region with no cut are grouped into rows.
    pub rows: RowGrouping,
}

/// How the lines of a region with no cut are grouped into rows (see [`XyCut::rows`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowGrouping {
    /// Lines by baseline; a row runs while a baseline is within [`XyCut::same_row`] of the
    /// row's first one, and each row is read left to right. The reader uses this.
    FromFirst,
    /// One sort of the lines by a pairwise comparison: two lines whose baselines are within
    /// [`XyCut::same_row`] compare by left edge, others by baseline. Layout uses this.
    Pairwise,
}

/// Orders the lines `items` (indices into `lines`) by recursive XY cut: a vertical gutter
/// splits a region into columns (read left to right), else the widest horizontal gap splits it
/// into bands (read top to bottom); a region that has neither is read by baseline, then along
/// it. Returns the same indices in reading order.
pub fn xy_cut<T: ReadingItem>(lines: &[T], items: Vec<usize>, settings: &XyCut) -> Vec<usize> {
    let mut out = Vec::with_capacity(items.len());
    cut(items, lines, settings, &mut out);
    out
}

fn cut<T: ReadingItem>(mut items: Vec<usize>, lines: &[T], settings: &XyCut, out: &mut Vec<usize>) {
    if items.len() <= 1 {
        out.extend(items);
        return;
    }
    let bbox = |i: usize| lines[i].bbox();
    let mut sizes: Vec<f32> = items.iter().map(|&i| lines[i].size()).collect();
    sizes.sort_by(f32::total_cmp);
    let median = sizes[sizes.len() / 2];

    // Widest vertical gutter.
    items.sort_by(|&a, &b| bbox(a).x0.total_cmp(&bbox(b).x0));
    let mut best_x: Option<(f32, f32)> = None; // (gap, cut position)
    let mut reach = bbox(items[0]).x1;
    for &i in &items[1..] {
        let gap = bbox(i).x0 - reach;
        if gap > 0.0 && best_x.is_none_or(|(g, _)| gap > g) {
            best_x = Some((gap, bbox(i).x0));
        }
        reach = reach.max(bbox(i).x1);
    }
    if let Some((gap, at)) = best_x
        && gap >= settings.min_gutter * median
    {
        let (left, right): (Vec<usize>, Vec<usize>) = items.iter().partition(|&&i| bbox(i).x0 < at);
        cut(left, lines, settings, out);
        cut(right, lines, settings, out);
        return;
    }

    // Widest horizontal gap.
    items.sort_by(|&a, &b| bbox(a).y0.total_cmp(&bbox(b).y0));
    let mut best_y: Option<(f32, f32)> = None;
    let mut reach = bbox(items[0]).y1;
    for &i in &items[1..] {
        let gap = bbox(i).y0 - reach;
        if gap > 0.0 && best_y.is_none_or(|(g, _)| gap > g) {
            best_y = Some((gap, bbox(i).y0));
        }
        reach = reach.max(bbox(i).y1);
    }
    if let Some((_, at)) = best_y {
        let (above, below): (Vec<usize>, Vec<usize>) =
            items.iter().partition(|&&i| bbox(i).y0 < at);
        cut(above, lines, settings, out);
        cut(below, lines, settings, out);
        return;
    }

    // No cut: rows of baselines within a fraction of the font size, each read along it.
    match settings.rows {
        RowGrouping::FromFirst => rows_from_first(items, lines, settings.same_row, out),
        RowGrouping::Pairwise => {
            items.sort_by(|&a, &b| {
                let (la, lb) = (&lines[a], &lines[b]);
                if (la.baseline() - lb.baseline()).abs()
                    <= settings.same_row * la.size().min(lb.size())
                {
                    la.bbox().x0.total_cmp(&lb.bbox().x0)
                } else {
                    la.baseline().total_cmp(&lb.baseline())
                }
            });
            out.extend(items);
        }
    }
}

/// [`RowGrouping::FromFirst`]: rows by baseline, each sorted by left edge.
fn rows_from_first<T: ReadingItem>(
    mut items: Vec<usize>,
    lines: &[T],
    same_row: f32,
    out: &mut Vec<usize>,
) {
    let x0 = |i: usize| lines[i].bbox().x0;
    items.sort_by(|&a, &b| lines[a].baseline().total_cmp(&lines[b].baseline()));
    let mut row: Vec<usize> = Vec::new();
    for i in items {
        if let Some(&first) = row.first()
            && lines[i].baseline() - lines[first].baseline()
                > same_row * lines[i].size().min(lines[first].size())
        {
            row.sort_by(|&a, &b| x0(a).total_cmp(&x0(b)));
            out.append(&mut row);
        }
        row.push(i);
    }
    row.sort_by(|&a, &b| x0(a).total_cmp(&x0(b)));
    out.append(&mut row);
}

#[cfg(test)]
mod tests {
    use super::*;

    struct L(Rect, f32);

    impl ReadingItem for L {
        fn bbox(&self) -> Rect {
            self.0
        }
        fn baseline(&self) -> f32 {
            self.0.y1
        }
        fn size(&self) -> f32 {
            self.1
        }
    }

    const SETTINGS: XyCut = XyCut {
        min_gutter: 1.0,
        same_row: 0.3,
        rows: RowGrouping::FromFirst,
    };

    #[test]
    fn columns_are_read_one_after_the_other() {
        let lines = [
            L(Rect::new(300.0, 100.0, 500.0, 110.0), 10.0),
            L(Rect::new(50.0, 100.0, 250.0, 110.0), 10.0),
            L(Rect::new(50.0, 112.0, 250.0, 122.0), 10.0),
            L(Rect::new(300.0, 112.0, 500.0, 122.0), 10.0),
        ];
        assert_eq!(xy_cut(&lines, vec![0, 1, 2, 3], &SETTINGS), [1, 2, 0, 3]);
    }

    #[test]
    fn overlapping_lines_are_read_by_row() {
        // Each pair overlaps vertically, so there is no horizontal gap to cut at.
        let lines = [
            L(Rect::new(60.0, 100.0, 200.0, 114.0), 10.0),
            L(Rect::new(0.0, 101.0, 100.0, 115.0), 10.0),
        ];
        for rows in [RowGrouping::FromFirst, RowGrouping::Pairwise] {
            let settings = XyCut { rows, ..SETTINGS };
            assert_eq!(xy_cut(&lines, vec![0, 1], &settings), [1, 0]);
        }
    }
}
