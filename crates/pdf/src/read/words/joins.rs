//! Step 5: words a line split that `pdftotext` reads as one (a glyph stacked
//! across the line, a line spaced out in single characters).

use super::split::{FrameWord, last};

/// A stack of one glyph (see [`join_stacked`]) spans at most this × the font size across the
/// line: a vertical ellipsis spans about 0.8 em.
const STACK_SPAN: f32 = 1.0;

/// In a line of single characters, a gap below this × the narrowest gap does not split
/// words (see [`join_spaced_out`]; `pdftotext`'s `maxWideCharSpacingMul`)…
const SPACED_OUT_GAP: f32 = 1.3;

/// …nor does one below this × the font size (`maxWideCharSpacing`).
const SPACED_OUT_MAX: f32 = 0.4;

/// Joins the same glyph stacked across the line (a vertical ellipsis ⋮ drawn as three "."
/// on staggered baselines), which `pdftotext` reads as one word: each glyph follows the one
/// before in the content stream, in the same font and size, over the same stretch of the
/// line, within half a size across it, and the stack spans at most [`STACK_SPAN`] × the size.
pub(super) fn join_stacked(words: &mut Vec<FrameWord<'_, '_>>) {
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let q = last(w);
        let stacked = w
            .glyphs
            .iter()
            .all(|g| g.text == q.text && (g.u0 - q.u0).abs() <= 0.1 * q.size);
        if !stacked {
            i += 1;
            continue;
        }
        let (top, bottom) = w
            .glyphs
            .iter()
            .fold((q.v, q.v), |(t, b), g| (t.min(g.v), b.max(g.v)));
        let next = words.iter().position(|x| {
            let p = x.glyphs[0];
            x.glyphs.len() == 1
                && p.index == q.index + 1
                && p.font == q.font
                && p.text == q.text
                && (p.size / q.size - 1.0).abs() < 0.01
                && (p.u0 - q.u0).abs() <= 0.1 * q.size
                && (p.v - q.v).abs() <= 0.5 * q.size
                && p.v.max(bottom) - p.v.min(top) <= STACK_SPAN * q.size
        });
        match next {
            Some(j) => {
                let x = words.remove(j);
                // The stack moved down by one place if the glyph came before it.
                if j < i {
                    i -= 1;
                }
                let w = &mut words[i];
                w.glyphs.extend(x.glyphs);
                w.u0 = w.u0.min(x.u0);
                w.u1 = w.u1.max(x.u1);
            }
            None => i += 1,
        }
    }
}

/// Joins a line set entirely in single characters with wide, even spacing (a row of leader
/// dots, a letter-spaced title), as `pdftotext` does: when every word of a line is one
/// character, the narrowest gap between them is character spacing, and gaps below
/// [`SPACED_OUT_GAP`] × that (and [`SPACED_OUT_MAX`] × the size) do not split words.
/// Only glyphs that follow each other in the content stream, in one font and size, are
/// joined, so a space drawn between two dots still separates them. `words` are sorted along
/// the line.
pub(super) fn join_spaced_out(words: &mut Vec<FrameWord<'_, '_>>) {
    let single =
        |w: &FrameWord<'_, '_>| w.glyphs.len() == 1 && w.glyphs[0].text.chars().count() == 1;
    if words.len() < 2 || !words.iter().all(single) {
        return;
    }
    let min_gap = words
        .windows(2)
        .map(|p| p[1].u0 - p[0].u1)
        .fold(f32::INFINITY, f32::min);
    // Touching or overlapping characters: nothing is spaced out.
    if min_gap <= 0.0 {
        return;
    }
    let space = (SPACED_OUT_GAP * min_gap).min(SPACED_OUT_MAX * words[0].glyphs[0].size);
    let mut out: Vec<FrameWord<'_, '_>> = Vec::with_capacity(words.len());
    for w in words.drain(..) {
        if let Some(prev) = out.last_mut() {
            let (q, p) = (last(prev), w.glyphs[0]);
            if w.u0 - prev.u1 < space
                && p.index == q.index + 1
                && p.font == q.font
                && (p.size / q.size - 1.0).abs() < 0.01
            {
                prev.glyphs.push(p);
                prev.u1 = prev.u1.max(w.u1);
                continue;
            }
        }
        out.push(w);
    }
    *words = out;
}
