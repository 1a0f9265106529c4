//! Step 3: a line's glyphs into words, and each word's box.

use folio_doc::{FontId, Glyph, Rect};

use super::lines::SAME_BASELINE;
use super::place::Placed;

/// A gap along the baseline wider than this × the font size ends a word. TeX's tightest
/// inter-word space is about 0.25 em; 0.1 agrees with `pdftotext` best over the corpus
/// (measured against 0.12 and 0.15).
const WORD_GAP: f32 = 0.1;

/// Font sizes differing by more than this ratio are never in one word. `pdftotext` splits at
/// any size change; pTeX sets Japanese at 0.962 × the Latin size, so "Inc.（住所：675" is three
/// words there, and a 5% allowance joined them. 1% only absorbs rounding in producers.
const WORD_SIZE_RATIO: f32 = 1.01;

/// A glyph in the same font and size whose baseline is shifted by at most this × the size
/// still continues a word (the E of "TeX" is lowered by about 0.22 em).
const SHIFTED_BASELINE: f32 = 0.3;

/// A space glyph separates words only on their baseline, within this fraction of the size.
const SPACE_BASELINE: f32 = 0.05;

/// …and only when it starts no more than this fraction of the size before the word's end.
const SPACE_OVERLAP: f32 = 0.05;

/// Two glyphs with the same text whose origins are closer than this × the font size along
/// the baseline (and [`DUP_ACROSS`] across it) are one glyph drawn twice.
const DUP_ALONG: f32 = 0.1;

/// See [`DUP_ALONG`].
const DUP_ACROSS: f32 = 0.2;

/// A word in the making, in the frame of its direction.
#[derive(Debug, Clone)]
pub(super) struct FrameWord<'p, 'a> {
    /// Glyphs, in order along the baseline.
    pub(super) glyphs: Vec<&'p Placed<'a>>,
    pub(super) u0: f32,
    pub(super) u1: f32,
}

/// Splits one line's glyphs (sorted along it) into words: a glyph continues the word of the
/// glyph before it when it suits it (see [`continues`]).
pub(super) fn split_words<'p, 'a>(line: &[&'p Placed<'a>]) -> Vec<FrameWord<'p, 'a>> {
    let mut done: Vec<FrameWord<'p, 'a>> = Vec::new();
    let mut open: Vec<FrameWord<'p, 'a>> = Vec::new();
    let mut prev: Option<usize> = None;
    // Content indices of the glyphs taken so far, in order along the line.
    let mut seen: Vec<u32> = Vec::new();
    for &p in line {
        // Words left behind by more than a word gap are finished.
        let mut k = 0;
        while k < open.len() {
            let w = &open[k];
            if p.u0 - w.u1 > WORD_GAP * p.size.max(last(w).size) {
                done.push(open.swap_remove(k));
            } else {
                k += 1;
            }
        }
        if p.space {
            // A space ends the words of its own baseline that it follows. A space drawn
            // slightly off the baseline (form generators do this) or back over the word's
            // last glyph separates nothing: pdftotext ignores space glyphs altogether.
            let mut k = 0;
            while k < open.len() {
                let q = last(&open[k]);
                if (p.v - q.v).abs() <= SPACE_BASELINE * q.size
                    && p.u0 >= open[k].u1 - SPACE_OVERLAP * q.size
                {
                    done.push(open.swap_remove(k));
                } else {
                    k += 1;
                }
            }
            continue;
        }
        // The same glyph drawn again at (nearly) the same spot: keep the first.
        let dup = open.iter().any(|w| {
            w.glyphs.iter().rev().take(4).any(|q| {
                (p.u0 - q.u0).abs() <= DUP_ALONG * q.size
                    && (p.v - q.v).abs() <= DUP_ACROSS * q.size
                    && (p.size / q.size - 1.0).abs() < 0.1
                    && same_glyph(p, q)
            })
        });
        if dup {
            continue;
        }
        // Only the word of the glyph just before along the line may go on: a glyph of
        // another word in between ends it (the raised A of "LaTeX"), unless that glyph was
        // drawn at another time, not between the two in the content stream: text set over
        // a long arrow ("Def. 12.a" over "=====⇒") interleaves with it along the line.
        let best = prev
            .and_then(|i: usize| open.iter().position(|w| last(w).index == i as u32))
            .filter(|&i| continues(&open[i], p))
            .or_else(|| {
                open.iter().position(|w| {
                    let q = last(w).index;
                    let after = seen
                        .iter()
                        .rposition(|&i| i == q)
                        .map_or(seen.len(), |k| k + 1);
                    q < p.index
                        && seen[after..].iter().all(|&i| i < q || i > p.index)
                        && continues(w, p)
                })
            });
        seen.push(p.index);
        match best {
            Some(i) => {
                let w = &mut open[i];
                w.glyphs.push(p);
                w.u1 = w.u1.max(p.u1);
            }
            None => open.push(FrameWord {
                glyphs: vec![p],
                u0: p.u0,
                u1: p.u1,
            }),
        }
        prev = Some(p.index as usize);
    }
    done.extend(open);
    done
}

pub(super) fn last<'p, 'a>(w: &FrameWord<'p, 'a>) -> &'p Placed<'a> {
    // Words are never empty: each starts with a glyph.
    w.glyphs[w.glyphs.len() - 1]
}

/// Whether glyph `p` can continue word `w` (already known to be within a word gap).
fn continues(w: &FrameWord<'_, '_>, p: &Placed<'_>) -> bool {
    let q = last(w);
    let ratio = p.size.max(q.size) / p.size.min(q.size);
    if ratio > WORD_SIZE_RATIO {
        return false;
    }
    let dv = (p.v - q.v).abs();
    dv <= SAME_BASELINE || (p.font == q.font && dv <= SHIFTED_BASELINE * q.size)
}

/// Whether two placed glyphs are the same glyph: same text, same advance within 10%.
fn same_glyph(a: &Placed<'_>, b: &Placed<'_>) -> bool {
    let wa = a.u1 - a.u0;
    let wb = b.u1 - b.u0;
    a.text == b.text && (wa - wb).abs() <= 0.1 * wa.abs().max(wb.abs()).max(0.01)
}

/// A word's box: across the glyphs along the baseline, and as high as the glyphs of its main
/// font (the one most of its glyphs use, else its first glyph's). A math symbol font whose
/// descriptor declares a descent of nearly an em would otherwise make "(∀x)" twice as tall as
/// the words around it.
pub(super) fn word_box(w: &FrameWord<'_, '_>, glyphs: &[Glyph]) -> Rect {
    let mut counts: Vec<(FontId, usize)> = Vec::new();
    for p in &w.glyphs {
        match counts.iter_mut().find(|(f, _)| *f == p.font) {
            Some(c) => c.1 += 1,
            None => counts.push((p.font, 1)),
        }
    }
    // `max_by_key` keeps the last of equals: reverse so the first font wins ties.
    let main = counts.iter().rev().max_by_key(|c| c.1).map(|c| c.0);
    let all = w
        .glyphs
        .iter()
        .map(|p| glyphs[p.index as usize].bbox)
        .reduce(|a, b| a.union(&b));
    let of_main = w
        .glyphs
        .iter()
        .filter(|p| Some(p.font) == main)
        .map(|p| glyphs[p.index as usize].bbox)
        .reduce(|a, b| a.union(&b));
    match (all, of_main) {
        (Some(all), Some(m)) if w.glyphs[0].angle == 0 => Rect {
            x0: all.x0,
            y0: m.y0,
            x1: all.x1,
            y1: m.y1,
        },
        (Some(all), Some(m)) if w.glyphs[0].angle == 180 => Rect {
            x0: all.x0,
            y0: m.y0,
            x1: all.x1,
            y1: m.y1,
        },
        (Some(all), Some(m)) if w.glyphs[0].angle % 90 == 0 => Rect {
            x0: m.x0,
            y0: all.y0,
            x1: m.x1,
            y1: all.y1,
        },
        (Some(all), _) => all,
        _ => Rect::default(),
    }
}
