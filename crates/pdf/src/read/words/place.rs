//! Step 1: every glyph placed in the frame of its own baseline, and fonts written vertically
//! recognised.

use folio_doc::{Font, FontId, Glyph};

/// Fonts written vertically: their glyphs, shown one after another, mostly step straight
/// down by their own height instead of along the baseline.
pub(super) fn vertical_fonts(glyphs: &[Glyph]) -> Vec<FontId> {
    let mut votes: Vec<(FontId, i32)> = Vec::new();
    for pair in glyphs.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a.font != b.font || a.addr != b.addr || a.angle.abs() > 1.0 {
            continue;
        }
        let (dx, dy) = (b.origin.x - a.origin.x, b.origin.y - a.origin.y);
        let h = a.bbox.height().max(0.01);
        let vote = if dx.abs() < 0.05 * h && (dy - h).abs() < 0.2 * h {
            1
        } else if dy.abs() < 0.05 * h && dx > 0.0 {
            -1
        } else {
            0
        };
        match votes.iter_mut().find(|(f, _)| *f == a.font) {
            Some(v) => v.1 += vote,
            None => votes.push((a.font, vote)),
        }
    }
    votes
        .into_iter()
        .filter(|&(_, v)| v > 0)
        .map(|(f, _)| f)
        .collect()
}

/// A glyph in the frame of its baseline.
#[derive(Debug, Clone)]
pub(super) struct Placed<'a> {
    /// The glyph's text.
    pub(super) text: &'a str,
    /// Index in the page's glyphs.
    pub(super) index: u32,
    /// Its font.
    pub(super) font: FontId,
    /// Direction in whole degrees, 0..360.
    pub(super) angle: i32,
    /// Start and end along the baseline.
    pub(super) u0: f32,
    pub(super) u1: f32,
    /// Baseline position across the direction (growing towards the descenders).
    pub(super) v: f32,
    /// Top and bottom across the direction (`top < bottom`).
    pub(super) top: f32,
    pub(super) bottom: f32,
    /// Font size, in points (at least a small positive number).
    pub(super) size: f32,
    /// Whether the glyph is a space (a word separator, not part of a word).
    pub(super) space: bool,
}

impl<'a> Placed<'a> {
    pub(super) fn new(
        index: u32,
        g: &'a Glyph,
        fonts: &[Font],
        vertical: bool,
    ) -> Option<Placed<'a>> {
        // A glyph the clip hides is not text a reader of the page sees.
        if g.text.is_empty() || g.clipped_away() {
            return None;
        }
        let finite = [
            g.origin.x, g.origin.y, g.bbox.x0, g.bbox.y0, g.bbox.x1, g.bbox.y1, g.size,
        ];
        if !finite.iter().all(|v| v.is_finite()) || !g.angle.is_finite() {
            return None;
        }
        let size = g.size.abs().max(0.01);
        let mut angle = g.angle.rem_euclid(360.0);
        // Snap near-cardinal directions, so a slightly skewed scan line reads as horizontal.
        let nearest = (angle / 90.0).round() * 90.0;
        if (angle - nearest).abs() <= 2.0 {
            angle = nearest;
        }
        let mut angle = (angle.round() as i32).rem_euclid(360);
        if vertical && angle == 0 {
            // Text running down the page, lines from right to left: the frame of 270°.
            angle = 270;
        }
        let (d, n) = frame(angle);
        let dot = |p: (f32, f32), a: (f32, f32)| p.0 * a.0 + p.1 * a.1;
        let o = (g.origin.x, g.origin.y);
        let v = dot(o, n);
        let (u0, u1, top, bottom);
        if angle % 90 == 0 {
            // The box is aligned with the frame: project it.
            let corners = [
                (g.bbox.x0, g.bbox.y0),
                (g.bbox.x1, g.bbox.y0),
                (g.bbox.x0, g.bbox.y1),
                (g.bbox.x1, g.bbox.y1),
            ];
            let us = corners.map(|c| dot(c, d));
            let vs = corners.map(|c| dot(c, n));
            u0 = us.iter().copied().fold(f32::INFINITY, f32::min);
            u1 = us.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            top = vs.iter().copied().fold(f32::INFINITY, f32::min);
            bottom = vs.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        } else {
            // The box is the axis-aligned hull of a rotated one: recover the advance from it.
            let font = fonts.get(g.font.0 as usize);
            let ascent = font.map_or(0.8, |f| f.ascent);
            let descent = font.map_or(-0.2, |f| f.descent);
            let h = (ascent - descent).abs() * size;
            let rad = (angle as f32).to_radians();
            let (c, s) = (rad.cos().abs(), rad.sin().abs());
            let w = if c >= s {
                (g.bbox.width() - h * s) / c
            } else {
                (g.bbox.height() - h * c) / s
            };
            u0 = dot(o, d);
            u1 = u0 + w.max(0.0);
            top = v - ascent * size;
            bottom = v - descent * size;
        }
        // Math and symbol fonts often declare a descent of nearly an em (CMSY10: -0.96), which
        // would make their glyphs reach into the next line: clamp to what text really uses.
        let top = top.max(v - 1.1 * size);
        let bottom = bottom.min(v + 0.35 * size);
        Some(Placed {
            text: &g.text,
            index,
            font: g.font,
            angle,
            u0,
            u1,
            v,
            top,
            bottom,
            size,
            space: g.text.chars().all(char::is_whitespace),
        })
    }
}

/// Unit vectors along the baseline and across it (towards the descenders), in display
/// coordinates (y down), for a direction in degrees counter-clockwise as displayed.
fn frame(angle: i32) -> ((f32, f32), (f32, f32)) {
    let (sin, cos) = match angle {
        0 => (0.0, 1.0),
        90 => (1.0, 0.0),
        180 => (0.0, -1.0),
        270 => (-1.0, 0.0),
        a => (a as f32).to_radians().sin_cos(),
    };
    ((cos, -sin), (sin, cos))
}
