//! Glyphs to words and lines, in reading order.
//!
//! # How
//! 1. Every glyph is put into the frame of its own baseline: `u` runs along the baseline in the
//!    writing direction, `v` across it towards the descenders. Glyphs are grouped by direction
//!    (the angle, snapped to the nearest quarter turn when within a couple of degrees), so
//!    rotated text (90°, 270°) is grouped along its own baseline.
//! 2. Within a direction, glyphs are clustered by baseline (`v` within half a point or so) and
//!    sorted along `u`, whatever order the content stream drew them in.
//! 3. Words: a run of glyphs on one baseline, ended by a space glyph, a gap wider than
//!    [`WORD_GAP`] × the font size, or a big change of font size. A glyph drawn twice at nearly
//!    the same spot (fake bold, shadows) is kept once, as `pdftotext` does.
//! 4. Lines: words of one baseline closer than [`LINE_GAP`] × the font size, joined with the
//!    words of nearby baselines that overlap them vertically (super- and subscripts).
//! 5. Reading order: a recursive XY cut over the lines' boxes. A region is split at a vertical
//!    gutter when there is one (columns, read left to right), else at its widest horizontal
//!    gap; what cannot be cut is read top to bottom, left to right.
//!
//! Invisible text (render mode 3, the text layer of OCR'd scans) and clip-only text (mode 7)
//! are both kept: they are text a reader can select, and `pdftotext` keeps them too.

use folio_doc::{Font, Glyph, Line, Rect, Word};

/// A gap along the baseline wider than this × the font size ends a word. TeX's tightest
/// inter-word space is about 0.25 em and its widest kerns are about 0.1 em.
const WORD_GAP: f32 = 0.15;

/// A gap wider than this × the font size splits a baseline into separate lines (columns,
/// table cells).
const LINE_GAP: f32 = 1.0;

/// Font sizes differing by more than this ratio are never in one word.
const WORD_SIZE_RATIO: f32 = 1.2;

/// Two glyphs with the same text whose origins are closer than this × the font size along
/// the baseline (and [`DUP_ACROSS`] across it) are one glyph drawn twice.
const DUP_ALONG: f32 = 0.1;

/// See [`DUP_ALONG`].
const DUP_ACROSS: f32 = 0.2;

/// Groups a page's glyphs into words (split at spaces and at gaps wider than a fraction of
/// the font size) and words into lines (shared baseline), in reading order.
pub(crate) fn build_words(glyphs: &[Glyph], fonts: &[Font]) -> (Vec<Word>, Vec<Line>) {
    let placed: Vec<Placed> = glyphs
        .iter()
        .enumerate()
        .filter_map(|(i, g)| Placed::new(i as u32, g, fonts))
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

/// A glyph in the frame of its baseline.
#[derive(Debug, Clone)]
struct Placed<'a> {
    /// The glyph's text.
    text: &'a str,
    /// Index in the page's glyphs.
    index: u32,
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
    fn new(index: u32, g: &'a Glyph, fonts: &[Font]) -> Option<Placed<'a>> {
        if g.text.is_empty() {
            return None;
        }
        let finite = [g.origin.x, g.origin.y, g.bbox.x0, g.bbox.y0, g.bbox.x1, g.bbox.y1, g.size];
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
        let angle = (angle.round() as i32).rem_euclid(360);
        let (d, n) = frame(angle);
        let dot = |p: (f32, f32), a: (f32, f32)| p.0 * a.0 + p.1 * a.1;
        let o = (g.origin.x, g.origin.y);
        let v = dot(o, n);
        let (u0, u1, top, bottom);
        if angle % 90 == 0 {
            // The box is aligned with the frame: project it.
            let corners =
                [(g.bbox.x0, g.bbox.y0), (g.bbox.x1, g.bbox.y0), (g.bbox.x0, g.bbox.y1), (g.bbox.x1, g.bbox.y1)];
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
            let w = if c >= s { (g.bbox.width() - h * s) / c } else { (g.bbox.height() - h * c) / s };
            u0 = dot(o, d);
            u1 = u0 + w.max(0.0);
            top = v - ascent * size;
            bottom = v - descent * size;
        }
        Some(Placed {
            text: &g.text,
            index,
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
struct FrameWord {
    /// Glyphs, in order along the baseline.
    glyphs: Vec<u32>,
    u0: f32,
    u1: f32,
    v: f32,
    top: f32,
    bottom: f32,
    size: f32,
}

/// A line in the making: words (indices into the direction's words) and its extent.
#[derive(Debug, Clone)]
struct FrameLine {
    words: Vec<usize>,
    u0: f32,
    u1: f32,
    top: f32,
    bottom: f32,
    /// Baseline of its main (largest) run, for ordering.
    v: f32,
    size: f32,
}

fn build_direction(placed: &[&Placed<'_>], glyphs: &[Glyph], words: &mut Vec<Word>, lines: &mut Vec<Line>) {
    // 1. Baselines: sort across, cluster nearby baselines.
    let mut order: Vec<&Placed<'_>> = placed.to_vec();
    order.sort_by(|a, b| a.v.total_cmp(&b.v).then(a.index.cmp(&b.index)));
    let mut baselines: Vec<Vec<&Placed<'_>>> = Vec::new();
    for p in order {
        let tol = 0.5_f32.max(0.04 * p.size);
        match baselines.last_mut() {
            Some(run) if run.last().is_some_and(|q| p.v - q.v <= tol) => run.push(p),
            _ => baselines.push(vec![p]),
        }
    }

    // 2. Words on each baseline; 3. runs of words close enough to be one line.
    let mut fwords: Vec<FrameWord> = Vec::new();
    let mut segments: Vec<FrameLine> = Vec::new();
    for mut run in baselines {
        // Stable: glyphs at the same spot stay in content order.
        run.sort_by(|a, b| a.u0.total_cmp(&b.u0));
        let start = fwords.len();
        split_words(&run, &mut fwords);
        let mut segment: Option<FrameLine> = None;
        for wi in start..fwords.len() {
            let w = &fwords[wi];
            match segment.as_mut() {
                Some(s) if w.u0 - s.u1 <= LINE_GAP * w.size.max(s.size) => {
                    s.words.push(wi);
                    s.u1 = s.u1.max(w.u1);
                    s.top = s.top.min(w.top);
                    s.bottom = s.bottom.max(w.bottom);
                    s.size = s.size.max(w.size);
                }
                _ => {
                    segments.extend(segment.take());
                    segment = Some(FrameLine {
                        words: vec![wi],
                        u0: w.u0,
                        u1: w.u1,
                        top: w.top,
                        bottom: w.bottom,
                        v: w.v,
                        size: w.size,
                    });
                }
            }
        }
        segments.extend(segment);
    }

    // 4. Join segments of nearby baselines that overlap vertically and touch horizontally
    //    (super- and subscripts, inline formulas) into lines.
    let flines = join_segments(segments);

    // 5. Reading order.
    let mut ordered = Vec::with_capacity(flines.len());
    xy_cut((0..flines.len()).collect(), &flines, &mut ordered);

    for li in ordered {
        let fl = &flines[li];
        let mut line_words = fl.words.clone();
        line_words.sort_by(|&a, &b| fwords[a].u0.total_cmp(&fwords[b].u0));
        let mut indices = Vec::with_capacity(line_words.len());
        let mut bbox: Option<Rect> = None;
        for wi in line_words {
            let fw = &fwords[wi];
            let text: String = fw.glyphs.iter().map(|&g| glyphs[g as usize].text.as_str()).collect();
            let wb = fw
                .glyphs
                .iter()
                .map(|&g| glyphs[g as usize].bbox)
                .reduce(|a, b| a.union(&b))
                .unwrap_or_default();
            bbox = Some(bbox.map_or(wb, |b| b.union(&wb)));
            indices.push(words.len() as u32);
            words.push(Word { text, bbox: wb, glyphs: fw.glyphs.clone() });
        }
        if let Some(bbox) = bbox {
            lines.push(Line { bbox, words: indices });
        }
    }
}

/// Splits one baseline's glyphs (sorted along it) into words.
fn split_words(run: &[&Placed<'_>], out: &mut Vec<FrameWord>) {
    let mut cur: Option<(FrameWord, Vec<&Placed<'_>>)> = None;
    for &p in run {
        if p.space {
            out.extend(cur.take().map(|c| c.0));
            continue;
        }
        if let Some((w, members)) = cur.as_mut() {
            // The same glyph drawn again at (nearly) the same spot: keep the first.
            let dup = members.iter().rev().take_while(|q| p.u0 - q.u0 <= DUP_ALONG * q.size).any(|q| {
                (p.v - q.v).abs() <= DUP_ACROSS * q.size
                    && (p.size / q.size - 1.0).abs() < 0.1
                    && glyph_text_eq(p, q)
            });
            if dup {
                continue;
            }
            let gap = p.u0 - w.u1;
            let size = p.size.max(w.size);
            let ratio = p.size.max(w.size) / p.size.min(w.size);
            if gap <= WORD_GAP * size && ratio <= WORD_SIZE_RATIO {
                w.glyphs.push(p.index);
                w.u1 = w.u1.max(p.u1);
                w.top = w.top.min(p.top);
                w.bottom = w.bottom.max(p.bottom);
                w.size = w.size.max(p.size);
                members.push(p);
                continue;
            }
            out.extend(cur.take().map(|c| c.0));
        }
        cur = Some((
            FrameWord {
                glyphs: vec![p.index],
                u0: p.u0,
                u1: p.u1,
                v: p.v,
                top: p.top,
                bottom: p.bottom,
                size: p.size,
            },
            vec![p],
        ));
    }
    out.extend(cur.map(|c| c.0));
}

/// Whether two placed glyphs are the same glyph: same text, same advance within 10%.
fn glyph_text_eq(a: &Placed<'_>, b: &Placed<'_>) -> bool {
    let wa = a.u1 - a.u0;
    let wb = b.u1 - b.u0;
    a.text == b.text && (wa - wb).abs() <= 0.1 * wa.abs().max(wb.abs()).max(0.01)
}

/// Joins line segments that share a line: their vertical extents overlap by at least half
/// of the smaller one, and they touch or nearly touch along the baseline.
fn join_segments(mut segs: Vec<FrameLine>) -> Vec<FrameLine> {
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
            // Segments of the same baseline were already split on purpose.
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
        // The main baseline is that of the segment with the largest font, then most words.
        let main = group
            .iter()
            .copied()
            .max_by(|&a, &b| {
                segs[a].size.total_cmp(&segs[b].size).then(segs[a].words.len().cmp(&segs[b].words.len()))
            })
            .unwrap_or(group[0]);
        let mut line = segs[main].clone();
        for &i in &group {
            if i == main {
                continue;
            }
            let s = std::mem::replace(&mut segs[i].words, Vec::new());
            line.words.extend(s);
            line.u0 = line.u0.min(segs[i].u0);
            line.u1 = line.u1.max(segs[i].u1);
            line.top = line.top.min(segs[i].top);
            line.bottom = line.bottom.max(segs[i].bottom);
        }
        out.push(line);
    }
    out
}

/// Orders lines by recursive XY cut: a vertical gutter splits a region into columns (read
/// left to right), else the widest horizontal gap splits it into bands (read top to bottom);
/// a region that has neither is read by baseline, then along it.
fn xy_cut(mut items: Vec<usize>, lines: &[FrameLine], out: &mut Vec<usize>) {
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
        let (left, right): (Vec<usize>, Vec<usize>) = items.iter().partition(|&&i| lines[i].u0 < at);
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
        let (above, below): (Vec<usize>, Vec<usize>) = items.iter().partition(|&&i| lines[i].top < at);
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
            style: FontStyle { family: FontFamilyClass::Serif, bold: false, italic: false },
            ascent: 0.75,
            descent: -0.25,
        }
    }

    /// A glyph of `text` with its origin at `(x, y)`, half an em wide, at `angle` degrees.
    fn glyph_at(text: &str, x: f32, y: f32, size: f32, angle: f32) -> Glyph {
        let adv = 0.5 * size * text.chars().count() as f32;
        let (sin, cos) = angle.to_radians().sin_cos();
        let (dx, dy) = (cos, -sin); // along the baseline, y down
        let (nx, ny) = (sin, cos); // towards the descenders
        let corner = |a: f32, b: f32| Point { x: x + a * dx + b * nx, y: y + a * dy + b * ny };
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
            addr: Address { stream: StreamId::Page, op: 0 },
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
            .map(|l| l.words.iter().map(|&w| words[w as usize].text.as_str()).collect::<Vec<_>>().join(" "))
            .collect()
    }

    #[test]
    fn splits_at_spaces() {
        assert_eq!(words_of(&set("hello big world", 72.0, 100.0, 10.0)), ["hello", "big", "world"]);
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
        for (line, (text, x)) in [("up the", 300.0), ("side now", 312.0)].into_iter().enumerate() {
            let _ = line;
            for (i, c) in text.chars().enumerate() {
                g.push(glyph_at(&c.to_string(), x, 500.0 - i as f32 * 5.0, 10.0, 90.0));
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
        g.extend(set("A title over both columns of the page here", 150.0, 80.0, 10.0));
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
    fn broken_geometry_does_not_panic() {
        let mut g = set("ok", 72.0, 100.0, 10.0);
        g.push(glyph_at("x", f32::NAN, 100.0, 10.0, 0.0));
        g.push(glyph_at("y", 80.0, 100.0, 0.0, 0.0));
        g.push(glyph_at("z", 80.0, 100.0, 10.0, f32::INFINITY));
        let _ = build_words(&g, &[]);
    }
}
