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
//!    [`lines::LINE_GAP`] × the font size (columns, table cells). Runs of nearby baselines
//!    that overlap vertically and touch (super- and subscripts, raised letters) are joined
//!    into one line.
//! 3. Words: along a line, a glyph continues a word when it follows closely (a gap of at most
//!    [`split::WORD_GAP`] × the font size), in a similar size, on the same baseline, or on a
//!    baseline shifted a little in the same font and size (the lowered E of the TeX logo).
//!    Space glyphs end words. A glyph drawn twice at nearly the same spot (fake bold, shadows)
//!    is kept once, as `pdftotext` does.
//! 4. Reading order: a recursive XY cut over the lines' boxes ([`folio_doc::xy_cut`], shared
//!    with layout). A region is split at a vertical gutter when there is one (columns, read
//!    left to right), else at its widest horizontal gap; what cannot be cut is read top to
//!    bottom, left to right.
//! 5. Each line's words, finished: stacked and spaced-out glyphs joined ([`joins`]),
//!    right-to-left words in logical order and a mostly right-to-left line read from the
//!    right ([`bidi`]), spacing accents composed onto their letters ([`text`]).
//!
//! Invisible text (render mode 3, the text layer of OCR'd scans) and clip-only text (mode 7)
//! are both kept: they are text a reader can select, and `pdftotext` keeps them too.

mod bidi;
mod joins;
mod lines;
mod order;
mod place;
mod split;
mod text;

use folio_doc::{Font, Glyph, Line, Rect, Word};

use bidi::{is_rtl, logical_order, order_line};
use joins::{join_spaced_out, join_stacked};
use lines::frame_lines;
use order::reading_order;
use place::{Placed, vertical_fonts};
use split::{split_words, word_box};
use text::word_text;

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
        build_direction(&of_dir, glyphs, &vertical, &mut words, &mut lines);
    }
    (words, lines)
}

/// Builds the words and lines of the glyphs of one direction, appending them in reading order.
fn build_direction(
    placed: &[&Placed<'_>],
    glyphs: &[Glyph],
    vertical_fonts: &[folio_doc::FontId],
    words: &mut Vec<Word>,
    lines: &mut Vec<Line>,
) {
    // 1-2. Lines along the baselines.
    let flines = frame_lines(placed);

    // 3. Reading order of the lines, then the words of each.
    for li in reading_order(&flines) {
        let mut line_glyphs = flines[li].glyphs.clone();
        // A column of vertical writing: most of its glyphs in fonts written vertically.
        let in_vertical = line_glyphs
            .iter()
            .filter(|p| vertical_fonts.contains(&p.font))
            .count();
        let vertical = 2 * in_vertical > line_glyphs.len();
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
                vertical,
            });
        }
    }
}

#[cfg(test)]
mod tests;
