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
    /// Columns, and the lines of a row, are read from the right: the order of a page whose
    /// text is mostly right to left (see [`mostly_right_to_left`]).
    pub right_to_left: bool,
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
/// splits a region into columns (read left to right, or right to left when
/// [`XyCut::right_to_left`]), else the widest horizontal gap splits it
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
        let (first, second) = if settings.right_to_left {
            (right, left)
        } else {
            (left, right)
        };
        cut(first, lines, settings, out);
        cut(second, lines, settings, out);
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
        RowGrouping::FromFirst => rows_from_first(items, lines, settings, out),
        RowGrouping::Pairwise => {
            items.sort_by(|&a, &b| {
                let (la, lb) = (&lines[a], &lines[b]);
                if (la.baseline() - lb.baseline()).abs()
                    <= settings.same_row * la.size().min(lb.size())
                {
                    along_row(settings, la.bbox(), lb.bbox())
                } else {
                    la.baseline().total_cmp(&lb.baseline())
                }
            });
            out.extend(items);
        }
    }
}

/// The order of two lines of one row: by left edge, or by right edge from the right when
/// [`XyCut::right_to_left`].
fn along_row(settings: &XyCut, a: Rect, b: Rect) -> std::cmp::Ordering {
    if settings.right_to_left {
        b.x1.total_cmp(&a.x1)
    } else {
        a.x0.total_cmp(&b.x0)
    }
}

/// [`RowGrouping::FromFirst`]: rows by baseline, each read along it.
fn rows_from_first<T: ReadingItem>(
    mut items: Vec<usize>,
    lines: &[T],
    settings: &XyCut,
    out: &mut Vec<usize>,
) {
    let along = |a: &usize, b: &usize| along_row(settings, lines[*a].bbox(), lines[*b].bbox());
    items.sort_by(|&a, &b| lines[a].baseline().total_cmp(&lines[b].baseline()));
    let mut row: Vec<usize> = Vec::new();
    for i in items {
        if let Some(&first) = row.first()
            && lines[i].baseline() - lines[first].baseline()
                > settings.same_row * lines[i].size().min(lines[first].size())
        {
            row.sort_by(along);
            out.append(&mut row);
        }
        row.push(i);
    }
    row.sort_by(along);
    out.append(&mut row);
}

/// Whether `texts` are mostly right to left: more of their letters are of a right-to-left
/// script (Hebrew, Arabic, Syriac, Thaana, N'Ko…: UAX #9 classes R and AL, approximated by
/// their Unicode blocks) than of any other. A page of such text has its columns read from
/// the right ([`XyCut::right_to_left`]).
pub fn mostly_right_to_left<'a>(texts: impl IntoIterator<Item = &'a str>) -> bool {
    let (mut rtl, mut ltr) = (0usize, 0usize);
    for c in texts.into_iter().flat_map(str::chars) {
        if !c.is_alphabetic() {
            continue;
        }
        if matches!(c as u32, 0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF) {
            rtl += 1;
        } else {
            ltr += 1;
        }
    }
    rtl > ltr
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
        right_to_left: false,
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

    #[test]
    fn right_to_left_columns_are_read_from_the_right() {
        let lines = [
            L(Rect::new(300.0, 100.0, 500.0, 110.0), 10.0),
            L(Rect::new(50.0, 100.0, 250.0, 110.0), 10.0),
            L(Rect::new(50.0, 112.0, 250.0, 122.0), 10.0),
            L(Rect::new(300.0, 112.0, 500.0, 122.0), 10.0),
        ];
        let settings = XyCut {
            right_to_left: true,
            ..SETTINGS
        };
        assert_eq!(xy_cut(&lines, vec![0, 1, 2, 3], &settings), [0, 3, 1, 2]);
    }

    #[test]
    fn right_to_left_rows_are_read_from_the_right() {
        let lines = [
            L(Rect::new(0.0, 101.0, 100.0, 115.0), 10.0),
            L(Rect::new(60.0, 100.0, 200.0, 114.0), 10.0),
        ];
        for rows in [RowGrouping::FromFirst, RowGrouping::Pairwise] {
            let settings = XyCut {
                rows,
                right_to_left: true,
                ..SETTINGS
            };
            assert_eq!(xy_cut(&lines, vec![0, 1], &settings), [1, 0]);
        }
    }

    #[test]
    fn a_page_is_right_to_left_when_most_of_its_letters_are() {
        assert!(mostly_right_to_left(["שלום עולם", "p. 12"]));
        assert!(mostly_right_to_left(["مرحبا بالعالم (PDF)"]));
        assert!(!mostly_right_to_left(["Hello world", "שלום"]));
        assert!(!mostly_right_to_left(["12 34 --"]));
    }
}
