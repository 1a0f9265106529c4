//! Lines to blocks: consecutive lines (in the reader's reading order) stay together while they
//! look like one paragraph, and a block never spans two columns.
//!
//! # When a line continues the block above it
//! It lies below the block's last line, at the block's line pitch (or, for a block's second
//! line, the page's usual pitch for its size), in the same size, weight class (bold or not),
//! kind of font (monospace, math) and direction; it overlaps the block horizontally and starts
//! at its left edge (or returns to it after a first-line indent, or lines up under the text
//! after a list marker, or shares the centre of a centred block). It starts a new block when it
//! is indented (a first-line indent), starts with a list marker, follows a short last line of a
//! justified paragraph, is separated by a rule, or is a table cell or a running header.
//!
//! Right-to-left lines set flush right are judged mirrored: they start at the right edge.
//!
//! Columns need no separate pass: the reader's XY cut already reads a column to its end before
//! the next, so the line after a column's last is *above* it and starts a new block, and a line
//! that does not overlap the block horizontally never joins it.

use folio_doc::{Page, Rect, mostly_right_to_left};

use crate::items::split_items;
use crate::lines::{LineInfo, bump, top};
use crate::text::{ends_sentence, is_list_marker};
use crate::{BlockSettings, LayoutSettings};

/// Page-wide facts the decisions refer to.
pub(crate) struct PageContext {
    /// Horizontal rules (thin paths), which separate blocks and frame table cells.
    pub h_rules: Vec<Rect>,
    /// Vertical rules.
    pub v_rules: Vec<Rect>,
    /// The most common baseline distance for each font size (size × 10, pitch).
    pitches: Vec<(i32, f32)>,
    /// Pitch of a size the page gives no measure of, × the size.
    default_pitch: f32,
    /// Tolerance of [`PageContext::rule_between`], in points.
    rule_slack: f32,
    /// The page's width, in points.
    pub width: f32,
}

impl PageContext {
    /// Collects rules and line pitches of the page.
    pub(crate) fn new(page: &Page, lines: &[LineInfo], s: &BlockSettings) -> Self {
        let (h_rules, v_rules) = rules(page, s);
        let mut steps: Vec<(i32, Vec<(i32, usize)>)> = Vec::new();
        for pair in lines.windows(2) {
            let (p, n) = (&pair[0], &pair[1]);
            let dy = n.baseline - p.baseline;
            if (n.size - p.size).abs() > s.pitch_same_size * p.size
                || overlap(p.bbox, n.bbox) <= 0.0
            {
                continue;
            }
            if dy < s.pitch_min * p.size || dy > s.pitch_max * p.size {
                continue;
            }
            let key = (p.size * 10.0).round() as i32;
            let slot = match steps.iter().position(|(k, _)| *k == key) {
                Some(i) => i,
                None => {
                    steps.push((key, Vec::new()));
                    steps.len() - 1
                }
            };
            bump(&mut steps[slot].1, (dy * 4.0).round() as i32);
        }
        let pitches = steps
            .into_iter()
            .filter_map(|(k, c)| top(&c).map(|d| (k, d as f32 / 4.0)))
            .collect();
        Self {
            h_rules,
            v_rules,
            pitches,
            default_pitch: s.default_pitch,
            rule_slack: s.rule_slack,
            width: page.width,
        }
    }

    /// The usual baseline distance for text of `size` on this page.
    pub(crate) fn pitch(&self, size: f32) -> f32 {
        let key = (size * 10.0).round() as i32;
        self.pitches
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(self.default_pitch * size, |&(_, p)| p)
    }

    /// Whether a horizontal rule lies between two vertically stacked boxes.
    fn rule_between(&self, above: Rect, below: Rect) -> bool {
        self.h_rules.iter().any(|r| {
            let y = 0.5 * (r.y0 + r.y1);
            y > above.y1 - self.rule_slack
                && y < below.y0 + self.rule_slack
                && overlap(*r, above) > 0.0
                && overlap(*r, below) > 0.0
        })
    }
}

/// The page's rules: thin paths, horizontal and vertical.
pub(crate) fn rules(page: &Page, s: &BlockSettings) -> (Vec<Rect>, Vec<Rect>) {
    let mut h_rules = Vec::new();
    let mut v_rules = Vec::new();
    for p in &page.paths {
        let b = p.bbox;
        if !(b.x0.is_finite() && b.y0.is_finite() && b.x1.is_finite() && b.y1.is_finite()) {
            continue;
        }
        if b.height() <= s.rule_thickness && b.width() >= s.rule_length {
            h_rules.push(b);
        } else if b.width() <= s.rule_thickness && b.height() >= s.rule_length {
            v_rules.push(b);
        }
    }
    (h_rules, v_rules)
}

/// Horizontal overlap of two boxes (negative: the gap between them).
pub(crate) fn overlap(a: Rect, b: Rect) -> f32 {
    a.x1.min(b.x1) - a.x0.max(b.x0)
}

/// Groups the page's lines into blocks: each a list of indices into `lines`, in reading order.
/// The lines of a table cell make one block, placed where its first line is read, whatever
/// is read between them; no other line joins it.
pub(crate) fn group_lines(
    lines: &[LineInfo],
    ctx: &PageContext,
    settings: &LayoutSettings,
) -> Vec<Vec<usize>> {
    // A right-to-left paragraph is the mirror image of a left-to-right one: its lines start
    // at the right edge and its short last line ends short of the left one. Its lines are
    // judged mirrored, so the same rules hold.
    let rtl: Vec<bool> = lines
        .iter()
        .map(|l| mostly_right_to_left([l.text.as_str()]))
        .collect();
    let mirror_rtl = flush_right(lines, &rtl, &settings.blocks);
    // Only such a page's lines are copied.
    let mirrored: Vec<LineInfo> = if mirror_rtl {
        lines
            .iter()
            .zip(&rtl)
            .map(|(l, &rtl)| LineInfo {
                bbox: if rtl { mirror(l.bbox) } else { l.bbox },
                ..l.clone()
            })
            .collect()
    } else {
        Vec::new()
    };
    let judged = Judged {
        page: lines,
        lines: if mirror_rtl { &mirrored } else { lines },
    };
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut cells: Vec<(u32, usize)> = Vec::new();
    let mut cur: Vec<usize> = Vec::new();
    for (i, n) in judged.lines.iter().enumerate() {
        if let Some(cell) = n.cell {
            if !cur.is_empty() {
                groups.push(std::mem::take(&mut cur));
            }
            match cells.iter().find(|(c, _)| *c == cell) {
                Some(&(_, g)) => groups[g].push(i),
                None => {
                    cells.push((cell, groups.len()));
                    groups.push(vec![i]);
                }
            }
            continue;
        }
        if !cur.is_empty() && !continues(&judged, &cur, i, ctx, &settings.blocks) {
            groups.push(std::mem::take(&mut cur));
        }
        cur.push(i);
    }
    if !cur.is_empty() {
        groups.push(cur);
    }
    for &(_, g) in &cells {
        groups[g].sort_by(|&a, &b| lines[a].baseline.total_cmp(&lines[b].baseline));
    }
    let groups = split_containers(groups, lines, &settings.blocks);
    split_items(groups, lines, ctx.width, &settings.blocks)
}

/// The lines as grouping judges them: right-to-left lines of a page set flush right mirrored
/// left to right (x negated), so that they start at the left edge as left-to-right lines do.
struct Judged<'a> {
    /// The lines as on the page.
    page: &'a [LineInfo],
    /// The same lines, as judged.
    lines: &'a [LineInfo],
}

/// Whether the page's right-to-left paragraphs (`rtl[i]`: line `i` is mostly right to left)
/// are set flush right: at least as many of their lines that end short of the line above
/// keep its right edge as its left edge. Right-to-left paragraphs are; right-to-left words
/// set in left-to-right paragraphs (XeTeX without a bidi package) are not, and are grouped as
/// they stand. False on a page without right-to-left lines.
fn flush_right(lines: &[LineInfo], rtl: &[bool], s: &BlockSettings) -> bool {
    let (mut right, mut left) = (0usize, 0usize);
    for (k, pair) in lines.windows(2).enumerate() {
        if !(rtl[k] && rtl[k + 1]) {
            continue;
        }
        let (a, b) = (pair[0].bbox, pair[1].bbox);
        let size = pair[0].size.min(pair[1].size).max(1.0);
        let dy = pair[1].baseline - pair[0].baseline;
        // Lines of one paragraph, a tall script's (Arabic: about twice its size apart) too.
        if dy < s.min_drop * size || dy > 3.0 * size {
            continue;
        }
        // The lower line ends short on one side and keeps the other edge (a first-line
        // indent is the upper line's, so it gives no evidence).
        let tol = (s.edge_tolerance * size).max(s.edge_tolerance_min);
        if (a.x1 - b.x1).abs() <= tol && b.x0 - a.x0 > tol {
            right += 1;
        } else if (a.x0 - b.x0).abs() <= tol && a.x1 - b.x1 > tol {
            left += 1;
        }
    }
    right > 0 && right >= left
}

/// `r` mirrored about the vertical line `x = 0`.
fn mirror(r: Rect) -> Rect {
    Rect::new(-r.x1, r.y0, -r.x0, r.y1)
}

/// Whether a line holds leader dots (". . . . ." or "....."), as entries of a table of
/// contents do before their page number.
fn has_leaders(text: &str, s: &BlockSettings) -> bool {
    let spaced = text
        .split_whitespace()
        .filter(|w| w.chars().all(|c| c == '.'))
        .count();
    spaced >= s.leader_words || text.contains(".....") || text.contains("\u{2026}\u{2026}")
}

/// A block whose box holds most of another block is grouped wrong (a table of contents'
/// section numbers with the entry above them, around the entries beside them): set again in
/// its box, its text would run over the other's. It becomes one block per line.
fn split_containers(
    groups: Vec<Vec<usize>>,
    lines: &[LineInfo],
    s: &BlockSettings,
) -> Vec<Vec<usize>> {
    let boxes: Vec<Option<Rect>> = groups
        .iter()
        .map(|g| g.iter().map(|&i| lines[i].bbox).reduce(|a, b| a.union(&b)))
        .collect();
    let holds_another = |i: usize| {
        let (Some(a), true) = (boxes[i], groups[i].len() > 1) else {
            return false;
        };
        boxes.iter().enumerate().any(|(j, b)| {
            let Some(b) = b.filter(|_| j != i) else {
                return false;
            };
            let inside = a.intersection(&b).map_or(0.0, |r| r.area());
            b.area() > 0.0 && b.area() <= a.area() && inside > s.container_overlap * b.area()
        })
    };
    let split: Vec<bool> = (0..groups.len()).map(holds_another).collect();
    let mut out = Vec::with_capacity(groups.len());
    for (group, split) in groups.into_iter().zip(split) {
        if split {
            out.extend(group.into_iter().map(|i| vec![i]));
        } else {
            out.push(group);
        }
    }
    out
}

/// Whether a line starting with `first_word` that looks like an enumerator ("3195.") is the
/// tail of a figure the line before broke: a phone number or range ending in a dash
/// ("206–231–"), or a figure ending in a comma or slash ("1,250,"). It is no item then.
fn wrapped_number(before: &str, first_word: &str) -> bool {
    let digits = first_word.trim_end_matches(['.', ')']);
    let Some(last) = before.split_whitespace().last() else {
        return false;
    };
    let mut tail = last.chars().rev();
    !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit())
        && tail
            .next()
            .is_some_and(|c| matches!(c, '-' | '–' | '‐' | '—' | '/' | ','))
        && tail.next().is_some_and(|c| c.is_ascii_digit())
}

/// Whether line `next` continues the block made of `cur` (indices into the judged lines, not
/// empty).
fn continues(
    judged: &Judged<'_>,
    cur: &[usize],
    next: usize,
    ctx: &PageContext,
    s: &BlockSettings,
) -> bool {
    let lines = judged.lines;
    let n = &lines[next];
    let first = &lines[cur[0]];
    let p = &lines[cur[cur.len() - 1]];
    if p.running || n.running || p.angle != 0.0 || n.angle != 0.0 || (p.tabular && n.tabular) {
        return false;
    }
    // A line with leader dots ends an entry of a table of contents or an index.
    if has_leaders(&p.text, s) {
        return false;
    }
    let size = p.size.min(n.size);
    // Same size, within rounding and the odd larger symbol.
    if (n.size - p.size).abs() > s.size_tolerance * size {
        return false;
    }
    // Below the last line, at the expected distance.
    let dy = n.baseline - p.baseline;
    if dy < s.min_drop * size {
        return false;
    }
    let expected = if cur.len() >= 2 {
        p.baseline - lines[cur[cur.len() - 2]].baseline
    } else {
        ctx.pitch(p.size)
    };
    if dy > expected.max(s.min_pitch * size) * s.paragraph_gap + s.gap_slack {
        return false;
    }
    // The same class of font: headings in bold, code in monospace, display math.
    let class = |l: &LineInfo| {
        (
            l.bold > s.bold_line,
            l.mono > s.mono_line,
            l.math > s.math_line,
        )
    };
    if class(p) != class(n) {
        return false;
    }
    let last = cur[cur.len() - 1];
    if ctx.rule_between(judged.page[last].bbox, judged.page[next].bbox) {
        return false;
    }
    let first_word = n.text.split_whitespace().next().unwrap_or("");
    if is_list_marker(first_word) && n.words.len() > 1 && !wrapped_number(&p.text, first_word) {
        return false;
    }
    // Horizontal position.
    let union = cur.iter().fold(first.bbox, |b, &i| b.union(&lines[i].bbox));
    if overlap(union, n.bbox) <= 0.0 {
        return false;
    }
    let tol = (s.edge_tolerance * size).max(s.edge_tolerance_min);
    let left = if cur.len() >= 2 {
        cur[1..]
            .iter()
            .map(|&i| lines[i].bbox.x0)
            .fold(f32::INFINITY, f32::min)
    } else {
        p.bbox.x0
    };
    let right = union.x1;
    // A short last line of a justified paragraph ends it.
    if cur.len() >= 2 {
        let justified = cur[..cur.len() - 1]
            .iter()
            .all(|&i| (lines[i].bbox.x1 - right).abs() <= tol);
        let ends = ends_sentence(&p.text) || p.text.trim_end().ends_with(':');
        if justified && ends && p.bbox.x1 < right - s.short_last_line * size {
            return false;
        }
    }
    let dx = n.bbox.x0 - left;
    if dx.abs() <= tol {
        return true;
    }
    if cur.len() == 1 {
        // Back to the left edge after a first-line indent.
        let indent = p.bbox.x0 - n.bbox.x0;
        if indent > tol
            && indent <= s.max_indent * size.max(1.0)
            && (n.bbox.x1 >= p.bbox.x1 - tol
                || !(ends_sentence(&p.text) || p.text.trim_end().ends_with(':')))
        {
            return true;
        }
        // Under the text after a list marker or a bracketed label (hanging indent).
        let p_first = p.text.split_whitespace().next().unwrap_or("");
        if (is_list_marker(p_first) || p_first.starts_with('['))
            && dx > tol
            && dx <= s.max_hanging_indent * size
        {
            return true;
        }
    }
    // Centred lines of a centred block (titles, author lists).
    let centre = |b: Rect| 0.5 * (b.x0 + b.x1);
    let centred = cur
        .iter()
        .all(|&i| (centre(lines[i].bbox) - centre(n.bbox)).abs() <= tol);
    if centred && (n.bbox.x0 - union.x0).abs() > tol {
        return true;
    }
    // Right-aligned lines.
    (n.bbox.x1 - p.bbox.x1).abs() <= 0.5 * tol
        && dx > 0.0
        && cur.len() >= 2
        && (p.bbox.x0 - first.bbox.x0).abs() > tol
}

#[cfg(test)]
mod tests {
    use super::wrapped_number;

    #[test]
    fn wrapped_figures_are_no_items() {
        assert!(wrapped_number("call 206–231–", "3195."));
        assert!(wrapped_number("pages 12-", "15."));
        assert!(wrapped_number("a total of 1,", "250."));
        assert!(!wrapped_number("the first item.", "2."));
        assert!(!wrapped_number("Step 12", "2."));
        assert!(!wrapped_number("call 206–231–", "(a)"));
        assert!(!wrapped_number("a list –", "2."));
    }
}
