//! Glyphs to words and lines, in reading order.
//!
//! # How
//! 1. Every glyph is put into the frame of its own baseline: `u` runs along the baseline in the
//!    writing direction, `v` across it towards the descenders. Glyphs are grouped by direction
//!    (the angle, snapped to the nearest quarter turn when within a couple of degrees), so
//!    rotated text (90°, 270°) is grouped along its own baseline. Vertical writing (CJK
//!    `Identity-V` fonts, whose glyphs stack downwards at angle 0) is recognised from how the
//!    glyphs of a font advance, and read as text running down the page.
//! 2. Lines: glyphs are clustered by baseline (`v` within half a point or so), sorted along
//!    `u` whatever order the content stream drew them in, and cut where a gap is wider than
//!    [`LINE_GAP`] × the font size (columns, table cells). Runs of nearby baselines that overlap
//!    vertically and touch (super- and subscripts, raised letters) are joined into one line.
//! 3. Words: along a line, a glyph continues a word when it follows closely (a gap of at most
//!    [`WORD_GAP`] × the font size), in a similar size, on the same baseline, or on a baseline
//!    shifted a little in the same font and size (the lowered E of the TeX logo). Space glyphs
//!    end words. A glyph drawn twice at nearly the same spot (fake bold, shadows) is kept once,
//!    as `pdftotext` does.
//! 4. Reading order: a recursive XY cut over the lines' boxes. A region is split at a vertical
//!    gutter when there is one (columns, read left to right), else at its widest horizontal
//!    gap; what cannot be cut is read top to bottom, left to right.
//!
//! Invisible text (render mode 3, the text layer of OCR'd scans) and clip-only text (mode 7)
//! are both kept: they are text a reader can select, and `pdftotext` keeps them too.

use folio_doc::{Font, FontId, Glyph, Line, Rect, Word};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// A gap along the baseline wider than this × the font size ends a word. TeX's tightest
/// inter-word space is about 0.25 em; 0.1 agrees with `pdftotext` best over the corpus
/// (measured against 0.12 and 0.15).
const WORD_GAP: f32 = 0.1;

/// A stack of one glyph (see [`join_stacked`]) spans at most this × the font size across the
/// line: a vertical ellipsis spans about 0.8 em.
const STACK_SPAN: f32 = 1.0;

/// In a line of single characters, a gap below this × the narrowest gap does not split
/// words (see [`join_spaced_out`]; `pdftotext`'s `maxWideCharSpacingMul`)…
const SPACED_OUT_GAP: f32 = 1.3;

/// …nor does one below this × the font size (`maxWideCharSpacing`).
const SPACED_OUT_MAX: f32 = 0.4;

/// A gap wider than this × the font size splits a baseline into separate lines (columns,
/// table cells).
const LINE_GAP: f32 = 1.0;

/// Font sizes differing by more than this ratio are never in one word. `pdftotext` splits at
/// any size change; pTeX sets Japanese at 0.962 × the Latin size, so "Inc.（住所：675" is three
/// words there, and a 5% allowance joined them. 1% only absorbs rounding in producers.
const WORD_SIZE_RATIO: f32 = 1.01;

/// Baselines closer than this (points) are the same baseline.
const SAME_BASELINE: f32 = 0.5;

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

/// Groups a page's glyphs into words (split at spaces and at gaps wider than a fraction of
/// the font size) and words into lines (shared baseline), in reading order.
pub(crate) fn build_words(glyphs: &[Glyph], fonts: &[Font]) -> (Vec<Word>, Vec<Line>) {
    let vertical = vertical_fonts(glyphs);
    let placed: Vec<Placed<'_>> = glyphs
        .iter()
        .enumerate()
        .filter_map(|(i, g)| Placed::new(i as u32, g, fonts, vertical.contains(&g.font)))
        .collect();

    // Directions, the most used first, so the page's main text leads the reading order.
    let mut dirs: Vec<(i32, usize)> = Vec::new();
    for p in &placed {
        match dirs.iter_mut().find(|(a, _)| *a == p.angle) {
            Some(d) => d.1 += 1,
            None => dirs.push((p.angle, 1)),
        }
    }
    dirs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));

    let mut words = Vec::new();
    let mut lines = Vec::new();
    for &(angle, _) in &dirs {
        let of_dir: Vec<&Placed<'_>> = placed.iter().filter(|p| p.angle == angle).collect();
        build_direction(&of_dir, glyphs, &mut words, &mut lines);
    }
    (words, lines)
}

/// Fonts written vertically: their glyphs, shown one after another, mostly step straight
/// down by their own height instead of along the baseline.
fn vertical_fonts(glyphs: &[Glyph]) -> Vec<FontId> {
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
struct Placed<'a> {
    /// The glyph's text.
    text: &'a str,
    /// Index in the page's glyphs.
    index: u32,
    /// Its font.
    font: FontId,
    /// Direction in whole degrees, 0..360.
    angle: i32,
    /// Start and end along the baseline.
    u0: f32,
    u1: f32,
    /// Baseline position across the direction (growing towards the descenders).
    v: f32,
    /// Top and bottom across the direction (`top < bottom`).
    top: f32,
    bottom: f32,
    /// Font size, in points (at least a small positive number).
    size: f32,
    /// Whether the glyph is a space (a word separator, not part of a word).
    space: bool,
}

impl<'a> Placed<'a> {
    fn new(index: u32, g: &'a Glyph, fonts: &[Font], vertical: bool) -> Option<Placed<'a>> {
        if g.text.is_empty() {
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

/// A word in the making, in the frame of its direction.
#[derive(Debug, Clone)]
struct FrameWord<'p, 'a> {
    /// Glyphs, in order along the baseline.
    glyphs: Vec<&'p Placed<'a>>,
    u0: f32,
    u1: f32,
}

/// A line (or, while building, a run of one baseline) and its extent.
#[derive(Debug, Clone)]
struct FrameLine<'p, 'a> {
    glyphs: Vec<&'p Placed<'a>>,
    u0: f32,
    u1: f32,
    top: f32,
    bottom: f32,
    /// Baseline of its main (largest) run, for ordering.
    v: f32,
    size: f32,
}

impl<'p, 'a> FrameLine<'p, 'a> {
    fn new(p: &'p Placed<'a>) -> Self {
        FrameLine {
            glyphs: vec![p],
            u0: p.u0,
            u1: p.u1,
            top: p.top,
            bottom: p.bottom,
            v: p.v,
            size: p.size,
        }
    }

    fn push(&mut self, p: &'p Placed<'a>) {
        self.glyphs.push(p);
        self.u0 = self.u0.min(p.u0);
        self.u1 = self.u1.max(p.u1);
        self.top = self.top.min(p.top);
        self.bottom = self.bottom.max(p.bottom);
        self.size = self.size.max(p.size);
    }
}

fn build_direction(
    placed: &[&Placed<'_>],
    glyphs: &[Glyph],
    words: &mut Vec<Word>,
    lines: &mut Vec<Line>,
) {
    // 1. Baselines: sort across, cluster nearby baselines.
    let mut order: Vec<&Placed<'_>> = placed.to_vec();
    order.sort_by(|a, b| a.v.total_cmp(&b.v).then(a.index.cmp(&b.index)));
    let mut baselines: Vec<Vec<&Placed<'_>>> = Vec::new();
    for p in order {
        let tol = SAME_BASELINE.max(0.04 * p.size);
        // Measured from the run's first baseline, not its last glyph: a chain of big glyphs
        // at staggered heights (Arabic with its marks) must not bridge two lines of small
        // text beside it. A slightly skewed line that this splits is joined again below.
        match baselines.last_mut() {
            Some(run) if run.first().is_some_and(|q| p.v - q.v <= tol) => run.push(p),
            _ => baselines.push(vec![p]),
        }
    }

    // 2. Runs of glyphs close enough to be on one line; then runs of nearby baselines that
    //    overlap and touch are joined.
    let mut segments: Vec<FrameLine<'_, '_>> = Vec::new();
    for mut run in baselines {
        // Stable: glyphs at the same spot stay in content order.
        run.sort_by(|a, b| a.u0.total_cmp(&b.u0));
        let mut segment: Option<FrameLine<'_, '_>> = None;
        for p in run {
            match segment.as_mut() {
                Some(s) if p.u0 - s.u1 <= LINE_GAP * p.size.max(s.size) => s.push(p),
                _ => {
                    segments.extend(segment.take());
                    segment = Some(FrameLine::new(p));
                }
            }
        }
        segments.extend(segment);
    }
    let flines = join_segments(segments);

    // 3. Reading order of the lines, then the words of each.
    let mut ordered = Vec::with_capacity(flines.len());
    xy_cut((0..flines.len()).collect(), &flines, &mut ordered);
    for li in ordered {
        let mut line_glyphs = flines[li].glyphs.clone();
        line_glyphs.sort_by(|a, b| a.u0.total_cmp(&b.u0).then(a.index.cmp(&b.index)));
        let mut fwords = split_words(&line_glyphs);
        fwords.sort_by(|a, b| a.u0.total_cmp(&b.u0));
        join_stacked(&mut fwords);
        join_spaced_out(&mut fwords);
        for fw in &mut fwords {
            if is_rtl(&fw.glyphs) {
                fw.glyphs = logical_order(&fw.glyphs);
            }
        }
        order_line(&mut fwords);
        let mut indices = Vec::with_capacity(fwords.len());
        let mut bbox: Option<Rect> = None;
        for fw in fwords {
            let text = word_text(&fw.glyphs);
            let wb = word_box(&fw, glyphs);
            bbox = Some(bbox.map_or(wb, |b| b.union(&wb)));
            indices.push(words.len() as u32);
            words.push(Word {
                text,
                bbox: wb,
                glyphs: fw.glyphs.iter().map(|p| p.index).collect(),
            });
        }
        if let Some(bbox) = bbox {
            lines.push(Line {
                bbox,
                words: indices,
            });
        }
    }
}

/// Whether a word (glyphs in any order) is right-to-left: it has letters of a right-to-left
/// script and none of a left-to-right one.
fn is_rtl(glyphs: &[&Placed<'_>]) -> bool {
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
fn logical_order<'p, 'a>(glyphs: &[&'p Placed<'a>]) -> Vec<&'p Placed<'a>> {
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
fn order_line(words: &mut [FrameWord<'_, '_>]) {
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

/// The text of a word whose glyphs are in order along the baseline: spacing accents drawn
/// over (or under) a letter are composed with it, as `pdftotext` does. TeX's OT1 fonts have
/// no accented letters, so "Jörg" is drawn as "J", "¨", "o", and a translation engine needs
/// "Jörg", not "J¨org".
fn word_text(glyphs: &[&Placed<'_>]) -> String {
    // For each glyph, the combining marks of the accents composed onto it.
    let mut marks: Vec<Vec<char>> = vec![Vec::new(); glyphs.len()];
    let mut absorbed = vec![false; glyphs.len()];
    for (i, accent) in glyphs.iter().enumerate() {
        let Some(mark) = single_char(accent.text).and_then(combining_accent) else {
            continue;
        };
        // The base is the nearest letter whose advance holds the accent's centre.
        let centre = 0.5 * (accent.u0 + accent.u1);
        let base = (0..glyphs.len())
            .filter(|&j| j != i && !absorbed[j])
            .filter(|&j| {
                let g = glyphs[j];
                g.u0 <= centre
                    && centre <= g.u1
                    && g.text.chars().last().is_some_and(char::is_alphabetic)
            })
            .min_by_key(|&j| j.abs_diff(i));
        if let Some(j) = base {
            marks[j].push(mark);
            absorbed[i] = true;
        }
    }
    if !absorbed.contains(&true) {
        return glyphs.iter().map(|p| p.text).collect();
    }
    let mut text = String::new();
    for (i, p) in glyphs.iter().enumerate() {
        if !absorbed[i] {
            text.push_str(p.text);
            text.extend(&marks[i]);
        }
    }
    // Compose "o" + U+0308 into "ö" where Unicode has the letter.
    text.nfc().collect()
}

/// The text's only character, if it has exactly one.
fn single_char(text: &str) -> Option<char> {
    let mut chars = text.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

/// The combining mark for a spacing accent, as fonts without accented letters draw them
/// (the table of spacing diacritics `pdftotext` composes, plus the ogonek).
fn combining_accent(c: char) -> Option<char> {
    Some(match c {
        '`' | '\u{2CB}' => '\u{300}',
        '\u{B4}' | '\u{2CA}' => '\u{301}',
        '\u{2C6}' => '\u{302}',
        '\u{2DC}' => '\u{303}',
        '\u{AF}' | '\u{2C9}' => '\u{304}',
        '\u{2D8}' => '\u{306}',
        '\u{2D9}' => '\u{307}',
        '\u{A8}' => '\u{308}',
        '\u{2DA}' => '\u{30A}',
        '\u{2DD}' => '\u{30B}',
        '\u{2C7}' => '\u{30C}',
        '\u{B8}' => '\u{327}',
        '\u{2DB}' => '\u{328}',
        _ => return None,
    })
}

/// A word's box: across the glyphs along the baseline, and as high as the glyphs of its main
/// font (the one most of its glyphs use, else its first glyph's). A math symbol font whose
/// descriptor declares a descent of nearly an em would otherwise make "(∀x)" twice as tall as
/// the words around it.
fn word_box(w: &FrameWord<'_, '_>, glyphs: &[Glyph]) -> Rect {
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

/// Splits one line's glyphs (sorted along it) into words: a glyph continues the word of the
/// glyph before it when it suits it (see [`continues`]).
fn split_words<'p, 'a>(line: &[&'p Placed<'a>]) -> Vec<FrameWord<'p, 'a>> {
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

fn last<'p, 'a>(w: &FrameWord<'p, 'a>) -> &'p Placed<'a> {
    // Words are never empty: each starts with a glyph.
    w.glyphs[w.glyphs.len() - 1]
}

/// Joins the same glyph stacked across the line (a vertical ellipsis ⋮ drawn as three "."
/// on staggered baselines), which `pdftotext` reads as one word: each glyph follows the one
/// before in the content stream, in the same font and size, over the same stretch of the
/// line, within half a size across it, and the stack spans at most [`STACK_SPAN`] × the size.
fn join_stacked(words: &mut Vec<FrameWord<'_, '_>>) {
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
fn join_spaced_out(words: &mut Vec<FrameWord<'_, '_>>) {
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

/// Joins baseline runs that share a line: their vertical extents overlap by at least half
/// of the smaller one, and they touch or nearly touch along the baseline.
fn join_segments<'p, 'a>(mut segs: Vec<FrameLine<'p, 'a>>) -> Vec<FrameLine<'p, 'a>> {
    let n = segs.len();
    if n < 2 {
        return segs;
    }
    let mut by_top: Vec<usize> = (0..n).collect();
    by_top.sort_by(|&a, &b| segs[a].top.total_cmp(&segs[b].top));
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (k, &a) in by_top.iter().enumerate() {
        for &b in &by_top[k + 1..] {
            if segs[b].top >= segs[a].bottom {
                break;
            }
            let (sa, sb) = (&segs[a], &segs[b]);
            let overlap = sa.bottom.min(sb.bottom) - sa.top.max(sb.top);
            let smaller = (sa.bottom - sa.top).min(sb.bottom - sb.top).max(0.01);
            if overlap < 0.5 * smaller {
                continue;
            }
            // Runs of the same baseline were split on purpose.
            if (sa.v - sb.v).abs() < 0.01 {
                continue;
            }
            let gap = sa.u0.max(sb.u0) - sa.u1.min(sb.u1);
            if gap <= LINE_GAP * 0.5 * sa.size.min(sb.size) {
                let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                if ra != rb {
                    parent[rb] = ra;
                }
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        let r = find(&mut parent, i);
        groups[r].push(i);
    }
    let mut out = Vec::new();
    for group in groups.into_iter().filter(|g| !g.is_empty()) {
        // The main baseline is that of the run with the largest font, then most glyphs.
        let main = group
            .iter()
            .copied()
            .max_by(|&a, &b| {
                segs[a]
                    .size
                    .total_cmp(&segs[b].size)
                    .then(segs[a].glyphs.len().cmp(&segs[b].glyphs.len()))
            })
            .unwrap_or(group[0]);
        let mut line = segs[main].clone();
        for &i in &group {
            if i == main {
                continue;
            }
            for p in std::mem::take(&mut segs[i].glyphs) {
                line.push(p);
            }
        }
        // A line of spaces alone has no words.
        if line.glyphs.iter().any(|p| !p.space) {
            out.push(line);
        }
    }
    out
}

/// Orders lines by recursive XY cut: a vertical gutter splits a region into columns (read
/// left to right), else the widest horizontal gap splits it into bands (read top to bottom);
/// a region that has neither is read by baseline, then along it.
fn xy_cut(mut items: Vec<usize>, lines: &[FrameLine<'_, '_>], out: &mut Vec<usize>) {
    if items.len() <= 1 {
        out.extend(items);
        return;
    }
    let mut sizes: Vec<f32> = items.iter().map(|&i| lines[i].size).collect();
    sizes.sort_by(f32::total_cmp);
    let median = sizes[sizes.len() / 2];

    // Widest vertical gutter.
    items.sort_by(|&a, &b| lines[a].u0.total_cmp(&lines[b].u0));
    let mut best_x: Option<(f32, f32)> = None; // (gap, cut position)
    let mut reach = lines[items[0]].u1;
    for &i in &items[1..] {
        let gap = lines[i].u0 - reach;
        if gap > 0.0 && best_x.is_none_or(|(g, _)| gap > g) {
            best_x = Some((gap, lines[i].u0));
        }
        reach = reach.max(lines[i].u1);
    }
    if let Some((gap, at)) = best_x
        && gap >= median
    {
        let (left, right): (Vec<usize>, Vec<usize>) =
            items.iter().partition(|&&i| lines[i].u0 < at);
        xy_cut(left, lines, out);
        xy_cut(right, lines, out);
        return;
    }

    // Widest horizontal gap.
    items.sort_by(|&a, &b| lines[a].top.total_cmp(&lines[b].top));
    let mut best_y: Option<(f32, f32)> = None;
    let mut reach = lines[items[0]].bottom;
    for &i in &items[1..] {
        let gap = lines[i].top - reach;
        if gap > 0.0 && best_y.is_none_or(|(g, _)| gap > g) {
            best_y = Some((gap, lines[i].top));
        }
        reach = reach.max(lines[i].bottom);
    }
    if let Some((_, at)) = best_y {
        let (above, below): (Vec<usize>, Vec<usize>) =
            items.iter().partition(|&&i| lines[i].top < at);
        xy_cut(above, lines, out);
        xy_cut(below, lines, out);
        return;
    }

    // No cut: rows of baselines within a fraction of the font size, each read along it.
    items.sort_by(|&a, &b| lines[a].v.total_cmp(&lines[b].v));
    let mut row: Vec<usize> = Vec::new();
    for i in items {
        if let Some(&first) = row.first()
            && lines[i].v - lines[first].v > 0.3 * lines[i].size.min(lines[first].size)
        {
            row.sort_by(|&a, &b| lines[a].u0.total_cmp(&lines[b].u0));
            out.append(&mut row);
        }
        row.push(i);
    }
    row.sort_by(|&a, &b| lines[a].u0.total_cmp(&lines[b].u0));
    out.append(&mut row);
}

#[cfg(test)]
mod tests {
    use super::*;
    use folio_doc::{Address, FontFamilyClass, FontId, FontKind, FontStyle, Point, Rgb, StreamId};

    fn font() -> Font {
        Font {
            name: "Test".into(),
            dict: None,
            kind: FontKind::Type1,
            embedded: false,
            has_to_unicode: false,
            style: FontStyle {
                family: FontFamilyClass::Serif,
                bold: false,
                italic: false,
            },
            ascent: 0.75,
            descent: -0.25,
            code_bytes: Some(1),
            widths: Default::default(),
            available: Default::default(),
            drawn: None,
        }
    }

    /// A glyph of `text` with its origin at `(x, y)`, half an em wide, at `angle` degrees.
    fn glyph_at(text: &str, x: f32, y: f32, size: f32, angle: f32) -> Glyph {
        let adv = 0.5 * size * text.chars().count() as f32;
        let (sin, cos) = angle.to_radians().sin_cos();
        let (dx, dy) = (cos, -sin); // along the baseline, y down
        let (nx, ny) = (sin, cos); // towards the descenders
        let corner = |a: f32, b: f32| Point {
            x: x + a * dx + b * nx,
            y: y + a * dy + b * ny,
        };
        let bbox = Rect::bounding([
            corner(0.0, -0.75 * size),
            corner(adv, -0.75 * size),
            corner(0.0, 0.25 * size),
            corner(adv, 0.25 * size),
        ])
        .unwrap();
        Glyph {
            text: text.into(),
            code: 0,
            font: FontId(0),
            size,
            bbox,
            origin: Point { x, y },
            angle,
            color: Rgb::default(),
            render_mode: 0,
            addr: Address {
                stream: StreamId::Page,
                op: 0,
            },
        }
    }

    /// Glyphs for `text` set on one line from `x`, one glyph a character, spaces included.
    fn set(text: &str, x: f32, y: f32, size: f32) -> Vec<Glyph> {
        text.chars()
            .enumerate()
            .map(|(i, c)| glyph_at(&c.to_string(), x + i as f32 * 0.5 * size, y, size, 0.0))
            .collect()
    }

    #[track_caller]
    fn words_of(glyphs: &[Glyph]) -> Vec<String> {
        let (words, lines) = build_words(glyphs, &[font()]);
        // Every word sits in exactly one line, and lines list words in reading order.
        let listed: Vec<u32> = lines.iter().flat_map(|l| l.words.iter().copied()).collect();
        assert_eq!(listed, (0..words.len() as u32).collect::<Vec<_>>());
        words.into_iter().map(|w| w.text).collect()
    }

    #[track_caller]
    fn lines_of(glyphs: &[Glyph]) -> Vec<String> {
        let (words, lines) = build_words(glyphs, &[font()]);
        lines
            .iter()
            .map(|l| {
                l.words
                    .iter()
                    .map(|&w| words[w as usize].text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn splits_at_spaces() {
        assert_eq!(
            words_of(&set("hello big world", 72.0, 100.0, 10.0)),
            ["hello", "big", "world"]
        );
    }

    #[test]
    fn splits_at_gaps_but_not_at_kerns() {
        let mut g = set("ab", 72.0, 100.0, 10.0);
        // A kern of 0.05 em keeps the word, a gap of 0.3 em splits it.
        g.push(glyph_at("c", 82.5, 100.0, 10.0, 0.0));
        g.push(glyph_at("d", 90.5, 100.0, 10.0, 0.0));
        assert_eq!(words_of(&g), ["abc", "d"]);
    }

    #[test]
    fn content_order_does_not_matter() {
        let mut g = set("first line", 72.0, 100.0, 10.0);
        g.extend(set("second line", 72.0, 112.0, 10.0));
        g.reverse();
        assert_eq!(lines_of(&g), ["first line", "second line"]);
    }

    #[test]
    fn superscript_is_its_own_word_on_the_same_line() {
        let mut g = set("Author", 72.0, 100.0, 10.0);
        g.push(glyph_at("†", 102.0, 96.0, 7.0, 0.0));
        g.extend(set("and", 110.0, 100.0, 10.0));
        assert_eq!(words_of(&g), ["Author", "†", "and"]);
        assert_eq!(lines_of(&g), ["Author † and"]);
    }

    #[test]
    fn big_size_change_splits() {
        let mut g = set("Big", 72.0, 100.0, 20.0);
        g.extend(set("small", 102.0, 100.0, 8.0));
        assert_eq!(words_of(&g), ["Big", "small"]);
    }

    #[test]
    fn fake_bold_is_read_once() {
        let mut g = set("Bold", 72.0, 100.0, 10.0);
        g.extend(set("Bold", 72.3, 100.0, 10.0));
        g.extend(set(" text", 92.0, 100.0, 10.0));
        assert_eq!(words_of(&g), ["Bold", "text"]);
        let (words, _) = build_words(&g, &[font()]);
        assert_eq!(words[0].glyphs, [0, 1, 2, 3]);
    }

    #[test]
    fn repeated_letters_are_not_duplicates() {
        assert_eq!(words_of(&set("book...", 72.0, 100.0, 10.0)), ["book..."]);
    }

    #[test]
    fn rotated_text_groups_along_its_baseline() {
        // Two lines going up the page (90° CCW), the second to the right of the first.
        let mut g = Vec::new();
        for (line, (text, x)) in [("up the", 300.0), ("side now", 312.0)]
            .into_iter()
            .enumerate()
        {
            let _ = line;
            for (i, c) in text.chars().enumerate() {
                g.push(glyph_at(
                    &c.to_string(),
                    x,
                    500.0 - i as f32 * 5.0,
                    10.0,
                    90.0,
                ));
            }
        }
        g.reverse();
        assert_eq!(lines_of(&g), ["up the", "side now"]);
    }

    #[test]
    fn two_columns_read_column_by_column() {
        let mut g = Vec::new();
        for row in 0..3 {
            let y = 100.0 + row as f32 * 12.0;
            g.extend(set(&format!("left {row} of a column"), 72.0, y, 10.0));
            g.extend(set(&format!("right {row}"), 320.0, y, 10.0));
        }
        g.extend(set(
            "A title over both columns of the page here",
            150.0,
            80.0,
            10.0,
        ));
        assert_eq!(
            lines_of(&g),
            [
                "A title over both columns of the page here",
                "left 0 of a column",
                "left 1 of a column",
                "left 2 of a column",
                "right 0",
                "right 1",
                "right 2"
            ]
        );
    }

    #[test]
    fn tex_logo_lowered_e_stays_in_the_word() {
        // "LaTeX": L, a raised small A, T, an E lowered by 0.22 em, X, as TeX sets it.
        let mut g = vec![glyph_at("L", 72.0, 100.0, 10.0, 0.0)];
        g.push(glyph_at("A", 74.0, 98.0, 7.0, 0.0));
        g.push(glyph_at("T", 77.0, 100.0, 10.0, 0.0));
        g.push(glyph_at("E", 81.5, 102.2, 10.0, 0.0));
        g.push(glyph_at("X", 86.0, 100.0, 10.0, 0.0));
        assert_eq!(words_of(&g), ["L", "A", "TEX"]);
        assert_eq!(lines_of(&g), ["L A TEX"]);
    }

    #[test]
    fn vertical_writing_reads_down_then_right_to_left() {
        // Identity-V: glyphs at angle 0 stacked downwards, columns from right to left.
        let mut g = Vec::new();
        for (text, x) in [("縦書き", 300.0), ("二行目", 280.0)] {
            for (i, c) in text.chars().enumerate() {
                let y = 100.0 + i as f32 * 10.0;
                let mut glyph = glyph_at(&c.to_string(), x, y, 10.0, 0.0);
                glyph.bbox = Rect::new(x - 5.0, y, x + 5.0, y + 10.0);
                glyph.addr.op = x as u32;
                g.push(glyph);
            }
        }
        assert_eq!(lines_of(&g), ["縦書き", "二行目"]);
    }

    #[test]
    fn spacing_accents_compose_with_their_letter() {
        // TeX OT1 "Jörg": J, then ¨ drawn over the o (kerned back), then o, r, g.
        let mut g = vec![glyph_at("J", 72.0, 100.0, 10.0, 0.0)];
        g.push(glyph_at("\u{A8}", 77.0, 100.0, 10.0, 0.0));
        g.extend(set("org", 77.0, 100.0, 10.0));
        assert_eq!(words_of(&g), ["Jörg"]);
    }

    #[test]
    fn right_to_left_words_and_lines_read_logically() {
        // "שלום עולם" drawn left to right in visual order: each word reversed, and the
        // line starts from its right end.
        let mut g = set("םלוע", 72.0, 100.0, 10.0);
        g.extend(set("םולש", 100.0, 100.0, 10.0));
        assert_eq!(words_of(&g), ["שלום", "עולם"]);
        // A mark drawn before its base in visual order (XeTeX) stays after it.
        let mut g = vec![glyph_at("ה", 72.0, 100.0, 10.0, 0.0)];
        g.push(glyph_at("\u{5B8}", 78.0, 100.0, 10.0, 0.0));
        g[1].bbox.x1 = g[1].bbox.x0;
        g.push(glyph_at("ב", 77.0, 100.0, 10.0, 0.0));
        assert_eq!(words_of(&g), ["בָה"]);
    }

    #[test]
    fn text_over_an_arrow_keeps_its_words() {
        // "Def." drawn first, then a row of "=" on a baseline 6 pt lower that interleaves
        // with it along the line.
        let mut g = set("Def.", 72.0, 100.0, 7.0);
        for i in 0..5 {
            g.push(glyph_at("=", 70.0 + i as f32 * 3.0, 106.0, 10.0, 0.0));
        }
        assert!(words_of(&g).contains(&"Def.".to_string()));
    }

    #[test]
    fn evenly_spaced_leader_dots_are_one_word() {
        // A row of dots 0.3 em apart (wider than a word gap), then one 0.6 em further on:
        // the narrowest gap is character spacing, the wider one splits.
        let mut g: Vec<Glyph> = (0..6)
            .map(|i| glyph_at(".", 72.0 + i as f32 * 8.0, 100.0, 10.0, 0.0))
            .collect();
        g.push(glyph_at(".", 72.0 + 5.0 * 8.0 + 11.0, 100.0, 10.0, 0.0));
        assert_eq!(words_of(&g), ["......", "."]);
        // Dots as evenly spaced but with a space glyph drawn between each stay apart.
        let mut g = Vec::new();
        for i in 0..4 {
            g.push(glyph_at(".", 72.0 + i as f32 * 8.0, 140.0, 10.0, 0.0));
            g.push(glyph_at(" ", 77.0 + i as f32 * 8.0, 140.0, 10.0, 0.0));
        }
        assert_eq!(words_of(&g), [".", ".", ".", "."]);
        // A line with a real word keeps the usual word gap.
        let mut g = set("Intro", 72.0, 120.0, 10.0);
        g.extend((0..3).map(|i| glyph_at(".", 100.0 + i as f32 * 8.0, 120.0, 10.0, 0.0)));
        assert_eq!(words_of(&g), ["Intro", ".", ".", "."]);
    }

    #[test]
    fn vertical_ellipsis_is_one_word() {
        // ⋮ as TeX draws it: three dots on baselines 0.36 em apart, top to bottom.
        let mut g = vec![glyph_at("a", 60.0, 104.0, 10.0, 0.0)];
        g.extend((0..3).map(|i| glyph_at(".", 72.0, 100.0 + i as f32 * 3.6, 10.0, 0.0)));
        assert_eq!(words_of(&g), ["a", "..."]);
    }

    #[test]
    fn broken_geometry_does_not_panic() {
        let mut g = set("ok", 72.0, 100.0, 10.0);
        g.push(glyph_at("x", f32::NAN, 100.0, 10.0, 0.0));
        g.push(glyph_at("y", 80.0, 100.0, 0.0, 0.0));
        g.push(glyph_at("z", 80.0, 100.0, 10.0, f32::INFINITY));
        let _ = build_words(&g, &[]);
    }
}
