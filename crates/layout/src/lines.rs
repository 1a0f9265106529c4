//! The facts about each line of a page that grouping and roles are decided on.

use folio_doc::{
    FontId, Page, ReadingItem, Rect, Rgb, RowGrouping, XyCut, mostly_right_to_left, xy_cut,
};

use crate::fonts::{FontTraits, traits};
use crate::math::{Slot, counts_as_math, formula_slots};
use crate::{InlineSettings, LineSettings};

/// One of the page's lines, measured.
#[derive(Debug, Clone)]
pub(crate) struct LineInfo {
    /// The reader's lines it is made of (indices into [`Page::lines`]): one, or the pieces of
    /// a line the reader split at a wide gap.
    pub sources: Vec<usize>,
    /// The line's box.
    pub bbox: Rect,
    /// Its words, indices into [`Page::words`].
    pub words: Vec<u32>,
    /// Its words' texts joined by spaces.
    pub text: String,
    /// The font most of its glyphs use.
    pub font: FontId,
    /// The size most of its glyphs have (by glyph count).
    pub size: f32,
    /// The colour most of its glyphs have.
    pub color: Rgb,
    /// Baseline of its main-size glyphs (median `origin.y`).
    pub baseline: f32,
    /// Direction of its baseline in degrees, snapped to 0 when within 2°.
    pub angle: f32,
    /// Fractions of its glyphs that are bold, monospace, math.
    pub bold: f32,
    /// See `bold`.
    pub mono: f32,
    /// See `bold`.
    pub math: f32,
    /// Number of glyphs with visible text.
    pub glyphs: usize,
    /// Other lines sharing its baseline but not its extent (cells of a table row, columns).
    pub row_mates: usize,
    /// Whether it looks like a cell of a table row (see [`mark_rows`]), or lies in a table
    /// (see `tables`).
    pub tabular: bool,
    /// The table cell it belongs to (an id unique on the page; see `tables`): lines of one
    /// cell make one block, lines of different cells never do.
    pub cell: Option<u32>,
    /// Found at the same place with the same text on nearby pages (see `running`).
    pub running: bool,
    /// Left and right ends of its main-size glyphs: a sum's limits or a script hanging
    /// past them do not make two pieces of one line overlap.
    pub main_x: (f32, f32),
}

/// Measures every line of the page.
pub(crate) fn line_infos(
    page: &Page,
    fonts: &[FontTraits],
    s: &LineSettings,
    scripts: &InlineSettings,
) -> Vec<LineInfo> {
    // Split lines the reader ran across a column gutter, then read the pieces column by column.
    let body = body_traits(page, fonts);
    let mut infos: Vec<LineInfo> = Vec::with_capacity(page.lines.len());
    for (i, l) in page.lines.iter().enumerate() {
        for (words, bbox) in split_at_gutters(page, l, s) {
            infos.push(LineInfo {
                sources: vec![i],
                ..measure(page, fonts, &words, bbox, body, s, scripts)
            });
        }
    }
    let (flat, rotated): (Vec<usize>, Vec<usize>) =
        (0..infos.len()).partition(|&i| infos[i].angle == 0.0);
    // A page of mostly right-to-left text reads its columns from the right.
    let settings = XyCut {
        right_to_left: mostly_right_to_left(infos.iter().map(|l| l.text.as_str())),
        ..READING_ORDER
    };
    let mut order = xy_cut(&infos, flat, &settings);
    order.extend(rotated);
    let mut slots: Vec<Option<LineInfo>> = infos.into_iter().map(Some).collect();
    let mut infos: Vec<LineInfo> = order.into_iter().filter_map(|i| slots[i].take()).collect();
    mark_rows(&mut infos, page.width, s);
    // Rejoin pieces of one line that the reader split at a wide gap (a justified line's wide
    // space, a section number before its title, a run-in heading, an inline formula), unless
    // the gap is a column gutter or the pieces are table cells. Again once lines are
    // rejoined: a rejoined line crosses the gaps of its neighbours (a paragraph whose lines
    // the reader all cut around inline formulas).
    for _ in 0..s.rejoin_passes.max(1) {
        let before = infos.len();
        infos = rejoin(page, fonts, infos, body, s, scripts);
        if infos.len() == before {
            break;
        }
    }
    attach_stacks(page, fonts, infos, body, s, scripts)
}

/// Puts the pieces of an inline big operator or radical back into the line they stand in:
/// `⋃` with its limits set under it, which the reader gives as lines of their own (another
/// size, another baseline) in a gap the line leaves for them. Left alone, the operator would
/// be kept where it was while the translated line flows through its place.
fn attach_stacks(
    page: &Page,
    fonts: &[FontTraits],
    mut infos: Vec<LineInfo>,
    body: FontTraits,
    s: &LineSettings,
    scripts: &InlineSettings,
) -> Vec<LineInfo> {
    let mut host_of: Vec<Option<usize>> = vec![None; infos.len()];
    for (i, piece) in infos.iter().enumerate() {
        let small = piece.words.len() <= s.stack_words && piece.bbox.width() <= 4.0 * piece.size;
        if !small || piece.math < s.rejoin_math_line || piece.tabular || piece.angle != 0.0 {
            continue;
        }
        let b = piece.bbox;
        let cx = (b.x0 + b.x1) / 2.0;
        let cy = (b.y0 + b.y1) / 2.0;
        let host = infos
            .iter()
            .enumerate()
            .filter(|&(j, h)| {
                j != i
                    && h.words.len() > piece.words.len()
                    && h.angle == 0.0
                    && !h.tabular
                    && h.bbox.x0 < cx
                    && cx < h.bbox.x1
                    && cy > h.bbox.y0 - s.stack_reach * h.size
                    && cy < h.bbox.y1 + s.stack_reach * h.size
                    // In a gap of the line: none of its words stands where the piece is.
                    && h.words.iter().filter_map(|&w| page.words.get(w as usize)).all(|w| {
                        w.bbox.x1 <= b.x0 + 0.5 || w.bbox.x0 >= b.x1 - 0.5
                    })
            })
            .min_by(|(_, a), (_, c)| {
                let d = |h: &LineInfo| (h.baseline - cy).abs();
                d(a).total_cmp(&d(c))
            })
            .map(|(j, _)| j);
        host_of[i] = host;
    }
    // A host that is itself a piece of another stack is left as it is.
    for i in 0..infos.len() {
        if let Some(h) = host_of[i]
            && host_of[h].is_some()
        {
            host_of[i] = None;
        }
    }
    if host_of.iter().all(Option::is_none) {
        return infos;
    }
    for h in 0..infos.len() {
        let pieces: Vec<usize> = (0..infos.len())
            .filter(|&i| host_of[i] == Some(h))
            .collect();
        if pieces.is_empty() {
            continue;
        }
        let mut words: Vec<u32> = infos[h].words.clone();
        let mut bbox = infos[h].bbox;
        let mut sources = infos[h].sources.clone();
        for &i in &pieces {
            words.extend(&infos[i].words);
            bbox = bbox.union(&infos[i].bbox);
            sources.extend(&infos[i].sources);
        }
        // Left to right; a stack's pieces top to bottom.
        words.sort_by(|&a, &b| {
            let (a, b) = (&page.words[a as usize].bbox, &page.words[b as usize].bbox);
            a.x0.total_cmp(&b.x0).then(a.y0.total_cmp(&b.y0))
        });
        let merged = measure(page, fonts, &words, bbox, body, s, scripts);
        infos[h] = LineInfo {
            sources,
            running: infos[h].running,
            row_mates: infos[h].row_mates,
            ..merged
        };
    }
    infos
        .into_iter()
        .zip(host_of)
        .filter(|(_, host)| host.is_none())
        .map(|(l, _)| l)
        .collect()
}

/// One pass of rejoining the pieces of split lines (see [`line_infos`]).
fn rejoin(
    page: &Page,
    fonts: &[FontTraits],
    infos: Vec<LineInfo>,
    body: FontTraits,
    s: &LineSettings,
    scripts: &InlineSettings,
) -> Vec<LineInfo> {
    let mut out: Vec<LineInfo> = Vec::with_capacity(infos.len());
    for (i, n) in infos.iter().enumerate() {
        if let Some(p) = out.last_mut()
            && joins_row(&infos, p, n, i, s)
        {
            let words: Vec<u32> = p.words.iter().chain(&n.words).copied().collect();
            let merged = measure(page, fonts, &words, p.bbox.union(&n.bbox), body, s, scripts);
            let sources = p.sources.iter().chain(&n.sources).copied().collect();
            *p = LineInfo {
                sources,
                row_mates: p.row_mates.min(n.row_mates),
                ..merged
            };
            continue;
        }
        out.push(n.clone());
    }
    out
}

/// A line's words, split where a gap between two words is a column gutter: a vertical strip
/// that few of the lines around cross while text lies on both sides of it.
fn split_at_gutters(
    page: &Page,
    line: &folio_doc::Line,
    s: &LineSettings,
) -> Vec<(Vec<u32>, Rect)> {
    let words: Vec<(u32, Rect)> = line
        .words
        .iter()
        .filter_map(|&w| page.words.get(w as usize).map(|x| (w, x.bbox)))
        .collect();
    let mut out: Vec<(Vec<u32>, Rect)> = Vec::new();
    for (k, &(w, b)) in words.iter().enumerate() {
        // Words come in reading order: a right-to-left line's from the right.
        let split = k > 0 && {
            let prev = words[k - 1].1;
            let (left, right) = if prev.x0 <= b.x0 {
                (prev, b)
            } else {
                (b, prev)
            };
            let gap = right.x0 - left.x1;
            gap >= s.gutter_gap * b.height().max(1.0)
                && is_gutter(page, line, 0.5 * (left.x1 + right.x0), s)
        };
        match out.last_mut() {
            Some((ws, bb)) if !split => {
                ws.push(w);
                *bb = bb.union(&b);
            }
            _ => out.push((vec![w], b)),
        }
    }
    if out.is_empty() {
        out.push((line.words.clone(), line.bbox));
    }
    out
}

/// Whether the vertical line `x = m` is a gutter around `line`.
fn is_gutter(page: &Page, line: &folio_doc::Line, m: f32, s: &LineSettings) -> bool {
    let y = line.bbox.center().y;
    let (mut near, mut cross, mut left, mut right) = (0, 0, 0, 0);
    for other in &page.lines {
        if std::ptr::eq(other, line) || (other.bbox.center().y - y).abs() > s.gutter_reach_y {
            continue;
        }
        let b = other.bbox;
        if b.x1 < m - s.gutter_reach_x || b.x0 > m + s.gutter_reach_x {
            continue;
        }
        near += 1;
        if b.x0 < m - s.gutter_cross_margin && b.x1 > m + s.gutter_cross_margin {
            cross += 1;
        } else if b.x1 <= m {
            left += 1;
        } else {
            right += 1;
        }
    }
    near >= s.gutter_min_lines
        && 100 * cross <= s.gutter_cross_percent * near
        && left >= s.gutter_min_sides
        && right >= s.gutter_min_sides
}

/// How layout orders its lines (the pieces of the reader's lines split at gutters): a gap of
/// half the median size is already a column gutter, unlike the reader's whole size.
const READING_ORDER: XyCut = XyCut {
    min_gutter: 0.5,
    same_row: 0.3,
    rows: RowGrouping::Pairwise,
    right_to_left: false,
};

impl ReadingItem for LineInfo {
    fn bbox(&self) -> Rect {
        self.bbox
    }

    fn baseline(&self) -> f32 {
        self.baseline
    }

    fn size(&self) -> f32 {
        self.size
    }
}

/// Whether line `n` (at `at` in `all`) continues the line `p` just before it on the same baseline.
fn joins_row(all: &[LineInfo], p: &LineInfo, n: &LineInfo, at: usize, s: &LineSettings) -> bool {
    let size = p.size.max(n.size);
    if p.tabular || n.tabular || p.angle != 0.0 || n.angle != 0.0 {
        return false;
    }
    let gap = n.bbox.x0 - p.bbox.x1;
    // Between the main-size glyphs: a sum's limits may hang over the gap.
    let main_gap = n.main_x.0 - p.main_x.1;
    // A footnote mark or superscript set apart before its text, or a script set apart after
    // its formula (`x` then `4` of `x₄`).
    let v_overlap = p.bbox.y1.min(n.bbox.y1) - p.bbox.y0.max(n.bbox.y0);
    let smaller = p.bbox.height().min(n.bbox.height()).max(0.1);
    let script_after = n.text.chars().count() <= s.mark_chars
        && n.size < p.size
        && n.text
            .chars()
            .all(|c| c.is_alphanumeric() || "∗′*".contains(c));
    // A denominator or a lower limit under the end of the line (`1/4` stacked in text).
    if script_after
        && v_overlap > 0.0
        && n.bbox.x0 >= p.bbox.x0
        && n.bbox.x1 <= p.bbox.x1 + s.mark_gap * size
        && n.bbox.y1 > p.baseline
    {
        return true;
    }
    if (p.text.chars().count() <= s.mark_chars || script_after)
        && v_overlap >= s.mark_overlap * smaller
        && (-s.rejoin_overlap..=s.mark_gap * size).contains(&gap)
    {
        return true;
    }
    if (p.baseline - n.baseline).abs() > s.rejoin_tolerance * size
        || (p.size - n.size).abs() > s.rejoin_tolerance * size
    {
        return false;
    }
    if main_gap.max(gap) < -s.rejoin_overlap || gap.min(main_gap) > s.rejoin_gap * size {
        return false;
    }
    // A section number or list marker before its text.
    let numbered = |t: &str| {
        t.chars().count() <= s.rejoin_number_chars
            && (crate::text::is_list_marker(t) || t.chars().all(|c| c.is_ascii_digit() || c == '.'))
    };
    if numbered(p.text.trim()) {
        return true;
    }
    // Other lines nearby that cross the gap: many for a wide space inside a column, few for
    // a gutter between columns.
    let (gx0, gx1) = (p.main_x.1.min(n.main_x.0), n.main_x.0.max(p.main_x.1));
    let (mut cross, mut near) = (0, 0);
    for (j, l) in all.iter().enumerate() {
        // Display math is no evidence either way: its pieces are centred, not in columns.
        if j == at
            || (l.baseline - n.baseline).abs() > s.rejoin_reach
            || (l.baseline - n.baseline).abs() < s.rejoin_tolerance * size
            || l.math > s.rejoin_math_line
        {
            continue;
        }
        if l.bbox.x1 > p.bbox.x0 && l.bbox.x0 < n.bbox.x1 {
            near += 1;
            if l.bbox.x0 < gx0 && l.bbox.x1 > gx1 {
                cross += 1;
            }
        }
    }
    cross >= s.rejoin_min_crossing && 100 * cross >= s.rejoin_cross_percent * near
}

/// Measures the line made of `line_words` with box `bbox`.
pub(crate) fn measure(
    page: &Page,
    fonts: &[FontTraits],
    line_words: &[u32],
    bbox: Rect,
    body: FontTraits,
    s: &LineSettings,
    scripts: &InlineSettings,
) -> LineInfo {
    let mut text = String::new();
    let mut fonts_seen: Vec<(FontId, usize)> = Vec::new();
    let mut sizes: Vec<(i32, usize)> = Vec::new();
    let mut colors: Vec<(Rgb, usize)> = Vec::new();
    let mut angles: Vec<(i32, usize)> = Vec::new();
    let (mut bold, mut mono, mut n) = (0usize, 0usize, 0usize);
    for &w in line_words {
        let Some(word) = page.words.get(w as usize) else {
            continue;
        };
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&word.text);
        for &g in &word.glyphs {
            let Some(glyph) = page.glyphs.get(g as usize) else {
                continue;
            };
            if glyph.text.chars().all(char::is_whitespace) {
                continue;
            }
            n += 1;
            bump(&mut fonts_seen, glyph.font);
            bump(&mut sizes, (glyph.size * 10.0).round() as i32);
            bump(&mut colors, glyph.color);
            bump(&mut angles, snap_angle(glyph.angle, s.angle_snap));
            let t = traits(fonts, glyph.font);
            bold += t.bold as usize;
            mono += t.mono as usize;
        }
    }
    let size = main_size(&sizes, n).max(0.1);
    // The glyphs of the main size: super- and subscripts move neither baseline nor extent.
    let main_glyphs = || {
        line_words
            .iter()
            .filter_map(|&w| page.words.get(w as usize))
            .flat_map(|w| w.glyphs.iter())
            .filter_map(|&g| page.glyphs.get(g as usize))
            .filter(move |g| {
                ((g.size * 10.0).round() / 10.0 - size).abs() < s.baseline_size_tolerance
            })
    };
    let mut ys: Vec<f32> = main_glyphs()
        .filter(|g| g.origin.y.is_finite())
        .map(|g| g.origin.y)
        .collect();
    ys.sort_by(f32::total_cmp);
    let main_x = main_glyphs()
        .filter(|g| !g.text.chars().all(char::is_whitespace))
        .fold(None, |acc: Option<(f32, f32)>, g| {
            Some(acc.map_or((g.bbox.x0, g.bbox.x1), |(a, b)| {
                (a.min(g.bbox.x0), b.max(g.bbox.x1))
            }))
        })
        .unwrap_or((bbox.x0, bbox.x1));
    let baseline = ys.get(ys.len() / 2).copied().unwrap_or(bbox.y1);
    let math = math_glyphs(page, fonts, line_words, body, size, baseline, scripts);
    let frac = |k: usize| if n == 0 { 0.0 } else { k as f32 / n as f32 };
    LineInfo {
        sources: Vec::new(),
        bbox,
        words: line_words.to_vec(),
        text,
        font: top(&fonts_seen).unwrap_or(FontId(0)),
        size,
        color: top(&colors).unwrap_or_default(),
        baseline,
        angle: top(&angles).unwrap_or(0) as f32,
        bold: frac(bold),
        mono: frac(mono),
        math: frac(math),
        glyphs: n,
        row_mates: 0,
        tabular: false,
        cell: None,
        running: false,
        main_x,
    }
}

/// The line's main size (sizes in tenths of a point, counted by glyph): the most frequent,
/// unless a larger size holds a third of the glyphs or more. A piece of a line that the
/// reader cut out around a formula (`∝ a⁻²_B`) may have more script glyphs than others; its
/// size, and so its baseline, is still that of the text it belongs to.
fn main_size(sizes: &[(i32, usize)], n: usize) -> f32 {
    let mode = top(sizes).unwrap_or(100);
    let larger = sizes
        .iter()
        .filter(|&&(s, c)| s > mode && 3 * c >= n)
        .max_by_key(|&&(_, c)| c)
        .map(|&(s, _)| s);
    larger.unwrap_or(mode) as f32 / 10.0
}

/// How many glyphs of the line belong to formulas (see `math`), not counting digits and
/// sentence punctuation.
fn math_glyphs(
    page: &Page,
    fonts: &[FontTraits],
    line_words: &[u32],
    base: FontTraits,
    size: f32,
    baseline: f32,
    scripts: &InlineSettings,
) -> usize {
    let mut slots: Vec<Slot> = Vec::new();
    let mut prev: Option<Rect> = None;
    for &w in line_words {
        let Some(word) = page.words.get(w as usize) else {
            continue;
        };
        if prev.is_some_and(|p| word.bbox.x0 - p.x1 > scripts.word_space * size) {
            slots.push(Slot {
                glyph: None,
                size,
                baseline,
            });
        }
        prev = Some(word.bbox);
        slots.extend(word.glyphs.iter().map(|&g| Slot {
            glyph: Some(g),
            size,
            baseline,
        }));
    }
    let math = formula_slots(page, fonts, &slots, base, scripts);
    slots
        .iter()
        .zip(math)
        .filter(|(slot, m)| {
            *m && slot
                .glyph
                .and_then(|g| page.glyphs.get(g as usize))
                .is_some_and(|g| {
                    counts_as_math(&g.text) && !g.text.chars().all(char::is_whitespace)
                })
        })
        .count()
}

/// The traits of the page's most used font: a line's italic letters are variables when the
/// page's text is upright (a display formula's own main font is often the italic).
pub(crate) fn body_traits(page: &Page, fonts: &[FontTraits]) -> FontTraits {
    let mut counts: Vec<(FontId, usize)> = Vec::new();
    for g in &page.glyphs {
        if !g.text.chars().all(char::is_whitespace) {
            bump(&mut counts, g.font);
        }
    }
    top(&counts).map_or_else(FontTraits::default, |f| traits(fonts, f))
}

/// A glyph's direction in whole degrees in 0..360, with near-horizontal (within `snap`
/// degrees) snapped to 0.
pub(crate) fn snap_angle(angle: f32, snap: f32) -> i32 {
    if !angle.is_finite() {
        return 0;
    }
    let a = angle.rem_euclid(360.0);
    if !(snap..=360.0 - snap).contains(&a) {
        0
    } else {
        (a.round() as i32).rem_euclid(360)
    }
}

/// Counts one more `key`.
pub(crate) fn bump<K: PartialEq>(counts: &mut Vec<(K, usize)>, key: K) {
    match counts.iter_mut().find(|(k, _)| *k == key) {
        Some(c) => c.1 += 1,
        None => counts.push((key, 1)),
    }
}

/// The most frequent key, the first seen on ties.
pub(crate) fn top<K: Copy>(counts: &[(K, usize)]) -> Option<K> {
    let mut best: Option<(K, usize)> = None;
    for &(k, c) in counts {
        if best.is_none_or(|(_, b)| c > b) {
            best = Some((k, c));
        }
    }
    best.map(|(k, _)| k)
}

/// Finds rows: lines sharing a baseline side by side. A line is *tabular* when its row holds
/// two or more short lines (see [`LineSettings::cell_words`] and [`LineSettings::cell_width`])
/// and other such rows on the page start some of its lines at the same places: aligned columns
/// of short text, the cells of a table. Columns of running text share baselines too, but their
/// lines are long.
fn mark_rows(lines: &mut [LineInfo], page_width: f32, s: &LineSettings) {
    let mut order: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].angle == 0.0)
        .collect();
    order.sort_by(|&a, &b| lines[a].baseline.total_cmp(&lines[b].baseline));
    let mut rows: Vec<Vec<usize>> = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len()
            && lines[order[end]].baseline - lines[order[start]].baseline
                <= s.row_tolerance * lines[order[start]].size.max(2.0)
        {
            end += 1;
        }
        let row = order[start..end].to_vec();
        for &i in &row {
            lines[i].row_mates = row.len() - 1;
        }
        let cell = |l: &LineInfo| {
            l.words.len() <= s.cell_words && l.bbox.width() < s.cell_width * page_width.max(1.0)
        };
        if row.len() >= 2 && row.iter().all(|&i| cell(&lines[i])) {
            rows.push(row);
        }
        start = end;
    }
    let starts: Vec<Vec<f32>> = rows
        .iter()
        .map(|r| r.iter().map(|&i| lines[i].bbox.x0).collect())
        .collect();
    for (a, row) in rows.iter().enumerate() {
        let aligned = starts
            .iter()
            .enumerate()
            .filter(|(b, other)| {
                *b != a
                    && starts[a]
                        .iter()
                        .filter(|x| other.iter().any(|y| (**x - y).abs() <= s.cell_align))
                        .count()
                        >= s.cell_aligned_starts
            })
            .count()
            >= s.cell_aligned_rows;
        if aligned {
            for &i in row {
                lines[i].tabular = true;
            }
        }
    }
}
