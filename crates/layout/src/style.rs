//! A block's base style and paragraph shape: font, size, colour, alignment, first-line indent,
//! line height, direction.

use folio_doc::{Align, BlockStyle, FontId, Page, Rgb};

use crate::StyleSettings;
use crate::group::PageContext;
use crate::lines::{LineInfo, bump, top};

/// Computes the style of a block of `lines`. `right_edges` are the right edges shared by many
/// lines of the page (the columns' right margins), which tell a justified two-line paragraph
/// from a ragged one.
pub(crate) fn block_style(
    page: &Page,
    lines: &[&LineInfo],
    ctx: &PageContext,
    right_edges: &[f32],
    s: &StyleSettings,
) -> BlockStyle {
    let mut fonts: Vec<(FontId, usize)> = Vec::new();
    let mut sizes: Vec<(i32, usize)> = Vec::new();
    let mut colors: Vec<(Rgb, usize)> = Vec::new();
    for l in lines {
        bump(&mut fonts, l.font);
        bump(&mut sizes, (l.size * 10.0).round() as i32);
        bump(&mut colors, l.color);
        let glyphs = l
            .words
            .iter()
            .filter_map(|&w| page.words.get(w as usize))
            .flat_map(|w| w.glyphs.iter());
        for g in glyphs.filter_map(|&g| page.glyphs.get(g as usize)) {
            if g.text.chars().any(|c| !c.is_whitespace()) {
                bump(&mut fonts, g.font);
                bump(&mut sizes, (g.size * 10.0).round() as i32);
                bump(&mut colors, g.color);
            }
        }
    }
    let size = top(&sizes).map_or(10.0, |s| s as f32 / 10.0);
    let n = lines.len();
    let mut steps: Vec<f32> = lines
        .windows(2)
        .map(|w| w[1].baseline - w[0].baseline)
        .filter(|d| *d > 0.0)
        .collect();
    steps.sort_by(f32::total_cmp);
    let line_height = steps
        .get(steps.len() / 2)
        .copied()
        .unwrap_or_else(|| ctx.pitch(size));
    let first_indent = if n >= 2 {
        lines[0].bbox.x0
            - lines[1..]
                .iter()
                .map(|l| l.bbox.x0)
                .fold(f32::INFINITY, f32::min)
    } else {
        0.0
    };
    let align = align(lines, size, right_edges, s);
    BlockStyle {
        font: top(&fonts).unwrap_or(FontId(0)),
        size,
        color: top(&colors).unwrap_or_default(),
        align,
        first_indent: if first_indent.is_finite() && align != Align::Center {
            first_indent
        } else {
            0.0
        },
        line_height,
        angle: lines.first().map_or(0.0, |l| l.angle),
        vertical: false,
    }
}

/// Alignment from the lines' edges: left edges (after the first line) and right edges (before
/// the last) flush gives justified; only centres agreeing gives centred; only right edges,
/// ragged left.
fn align(lines: &[&LineInfo], size: f32, right_edges: &[f32], s: &StyleSettings) -> Align {
    let n = lines.len();
    if n < 2 {
        return Align::Left;
    }
    let tol = (s.edge_tolerance * size).max(s.edge_tolerance_min);
    let spread = |v: &mut dyn Iterator<Item = f32>| {
        let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
        for x in v {
            lo = lo.min(x);
            hi = hi.max(x);
        }
        hi - lo
    };
    let lefts = spread(&mut lines[1..].iter().map(|l| l.bbox.x0));
    let rights = spread(&mut lines[..n - 1].iter().map(|l| l.bbox.x1));
    let rights_all = spread(&mut lines.iter().map(|l| l.bbox.x1));
    let centres = spread(&mut lines.iter().map(|l| 0.5 * (l.bbox.x0 + l.bbox.x1)));
    let lefts_all = spread(&mut lines.iter().map(|l| l.bbox.x0));
    if centres <= tol && lefts_all > tol {
        Align::Center
    } else if lefts <= tol && rights <= tol {
        let at_margin = right_edges
            .iter()
            .any(|r| (lines[0].bbox.x1 - r).abs() <= tol);
        if n >= s.justified_lines || at_margin {
            Align::Justify
        } else {
            Align::Left
        }
    } else if lefts <= tol {
        Align::Left
    } else if centres <= tol {
        Align::Center
    } else if rights_all <= tol {
        Align::Right
    } else {
        Align::Left
    }
}

/// Right edges shared by at least [`StyleSettings::margin_lines`] lines of the page (within a
/// point).
pub(crate) fn common_right_edges(lines: &[LineInfo], s: &StyleSettings) -> Vec<f32> {
    let mut counts: Vec<(i32, usize)> = Vec::new();
    for l in lines {
        if l.angle == 0.0 && l.bbox.x1.is_finite() {
            bump(&mut counts, l.bbox.x1.round() as i32);
        }
    }
    let mut out = Vec::new();
    for &(x, c) in &counts {
        let near: usize = counts
            .iter()
            .filter(|(y, _)| (x - y).abs() <= 1)
            .map(|(_, c)| c)
            .sum();
        if near >= s.margin_lines && c > 0 {
            out.push(x as f32);
        }
    }
    out
}
