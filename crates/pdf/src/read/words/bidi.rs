//! Step 5: right-to-left words in logical order, and the words of a mostly
//! right-to-left line read from the right.

use unicode_normalization::char::is_combining_mark;

use super::place::Placed;
use super::split::FrameWord;

/// Whether a word (glyphs in any order) is right-to-left: it has letters of a right-to-left
/// script and none of a left-to-right one.
pub(super) fn is_rtl(glyphs: &[&Placed<'_>]) -> bool {
    let (mut rtl, mut ltr) = (0, 0);
    for c in glyphs.iter().flat_map(|p| p.text.chars()) {
        match direction(c) {
            Some(Direction::Rtl) => rtl += 1,
            Some(Direction::Ltr) => ltr += 1,
            None => {}
        }
    }
    rtl > 0 && ltr == 0
}

/// Whether a word has a letter of a left-to-right script.
fn has_ltr(glyphs: &[&Placed<'_>]) -> bool {
    glyphs
        .iter()
        .flat_map(|p| p.text.chars())
        .any(|c| direction(c) == Some(Direction::Ltr))
}

/// A strong direction of a character (UAX #9 classes L, and R or AL), approximated by
/// script blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Ltr,
    Rtl,
}

/// The strong direction of a character, `None` for neutral and weak ones: digits (Arabic-Indic
/// digits too: numbers run left to right inside right-to-left text), punctuation, spaces and
/// combining marks.
fn direction(c: char) -> Option<Direction> {
    if c.is_numeric() || is_combining_mark(c) {
        return None;
    }
    let rtl = matches!(c as u32,
        // Hebrew, Arabic, Syriac, Arabic Supplement, Thaana, NKo, Samaritan, Mandaic,
        // Syriac Supplement, Arabic Extended-B and -A.
        0x0590..=0x08FF
        // Hebrew and Arabic presentation forms (A and B).
        | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF
        // Right-to-left mark, embedding, override and isolate.
        | 0x200F | 0x202B | 0x202E | 0x2067);
    if rtl && c.is_alphabetic() || matches!(c, '\u{200F}' | '\u{202B}' | '\u{202E}' | '\u{2067}') {
        Some(Direction::Rtl)
    } else if c.is_alphabetic() {
        Some(Direction::Ltr)
    } else {
        None
    }
}

/// The glyphs of a right-to-left word (sorted left to right as drawn) in logical order:
/// clusters from right to left, each a base glyph followed by its mark glyphs (a Hebrew point
/// or an Arabic vowel sign, shown with no advance of its own).
///
/// A mark's base is found from the content order, not from where the mark sits: a shadda
/// can hang over the neighbouring letter's advance. Shapers emit a mark after its base in
/// logical order, so when a producer draws glyphs right to left (Word, LibreOffice) the base
/// is the glyph just before the mark; when it draws them left to right in visual order
/// (XeTeX), the glyph just after.
pub(super) fn logical_order<'p, 'a>(glyphs: &[&'p Placed<'a>]) -> Vec<&'p Placed<'a>> {
    let is_mark = |p: &Placed<'_>| p.text.chars().all(is_combining_mark);
    let bases: Vec<usize> = (0..glyphs.len()).filter(|&i| !is_mark(glyphs[i])).collect();
    if bases.is_empty() {
        return glyphs.to_vec();
    }
    let rising = bases
        .windows(2)
        .filter(|w| glyphs[w[0]].index < glyphs[w[1]].index)
        .count();
    let drawn_ltr = 2 * rising >= bases.len() - 1;
    let mut clusters: Vec<Vec<&'p Placed<'a>>> = bases.iter().map(|&i| vec![glyphs[i]]).collect();
    for &p in glyphs.iter().filter(|p| is_mark(p)) {
        let m = p.index;
        let by_content = (0..bases.len())
            .filter(|&k| {
                let b = glyphs[bases[k]].index;
                if drawn_ltr { b > m } else { b < m }
            })
            .min_by_key(|&k| glyphs[bases[k]].index.abs_diff(m));
        // Else the base nearest to the mark's centre along the line.
        let centre = 0.5 * (p.u0 + p.u1);
        let dist = |b: &Placed<'_>| (b.u0 - centre).max(centre - b.u1).max(0.0);
        let k = by_content.unwrap_or_else(|| {
            (0..bases.len())
                .min_by(|&a, &b| dist(glyphs[bases[a]]).total_cmp(&dist(glyphs[bases[b]])))
                .unwrap_or(0)
        });
        clusters[k].push(p);
    }
    for c in &mut clusters {
        // Marks in logical order, after their base.
        c[1..].sort_by_key(|p| {
            if drawn_ltr {
                u32::MAX - p.index
            } else {
                p.index
            }
        });
    }
    clusters.into_iter().rev().flatten().collect()
}

/// Orders the words of a line (sorted left to right) for reading: a line whose words are
/// mostly right-to-left reads from the right, with runs of other words (Latin names,
/// numbers) kept left to right inside it (UAX #9, rule L2, at the level of words).
pub(super) fn order_line(words: &mut [FrameWord<'_, '_>]) {
    let rtl: Vec<bool> = words.iter().map(|w| is_rtl(&w.glyphs)).collect();
    let n_rtl = rtl.iter().filter(|r| **r).count();
    // Numbers and punctuation take the direction of the text around them.
    let n_ltr = words.iter().filter(|w| has_ltr(&w.glyphs)).count();
    if n_rtl <= n_ltr {
        return;
    }
    words.reverse();
    let mut start = 0;
    while start < words.len() {
        // `rtl` is in the old order: word `k` now was word `len - 1 - k`.
        let is_rtl_at = |k: usize| rtl[rtl.len() - 1 - k];
        if is_rtl_at(start) {
            start += 1;
            continue;
        }
        let mut end = start;
        while end < words.len() && !is_rtl_at(end) {
            end += 1;
        }
        words[start..end].reverse();
        start = end;
    }
}
