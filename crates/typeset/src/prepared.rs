//! A block shaped once, then broken into lines, measured and placed at any scale and in any
//! area: the steps the fitting procedure (`fit`) repeats while it looks for a size.

use folio_doc::{
    FaceId, GlyphRun, PlacedBlock, PlacedGlyph, PlacedLine, Point, Rect, TypesetWarning,
};

use crate::block::{Align, TextBlock, TypesetSettings};
use crate::error::{TypesetError, TypesetResult};
use crate::fonts::{FaceOrigin, FontBook};
use crate::linebreak::{FORCED_SLACK, LineSpan, Measure, break_lines, forced_lines};
use crate::shape::{Run, ShapedGlyph, bidi_target, itemize, paragraph_is_rtl, shape_text};

/// A block shaped once, ready to be broken and measured at any scale.
pub(crate) struct Prepared<'a> {
    block: &'a TextBlock,
    settings: &'a TypesetSettings,
    runs: Vec<Run>,
    measure: Measure,
    /// Per face used: its hyphen glyph and advance in em.
    hyphens: Vec<(FaceId, Option<(u32, f32)>)>,
    ascent: f32,
    descent: f32,
    /// The least baseline-to-baseline distance, in em of the block's size, at which lines of
    /// the block's glyphs in a script's font (Arabic, Hebrew, Devanagari, Thai) do not
    /// overlap: how far they reach above the baseline plus how far below. `None` when the
    /// block has none, so text in the source's fonts or in a Latin fallback keeps the
    /// source's line pitch.
    script_pitch: Option<f32>,
    warnings: Vec<TypesetWarning>,
    /// The paragraph runs right to left (its first strong character is): a left-aligned
    /// left-to-right source becomes right-aligned.
    rtl: bool,
}

/// Lines at one scale in one area, and whether they fit.
pub(crate) struct Measured {
    pub lines: Vec<LineSpan>,
    pub fits: bool,
}

impl<'a> Prepared<'a> {
    pub(crate) fn new(
        book: &FontBook,
        block: &'a TextBlock,
        settings: &'a TypesetSettings,
    ) -> TypesetResult<Self> {
        let invalid = |message: &str| TypesetError::InvalidBlock {
            block: block.id,
            message: message.into(),
        };
        let s = &block.style;
        if !(s.size.is_finite() && s.size > 0.0) {
            return Err(invalid("font size is not a positive number"));
        }
        let r = block.rect;
        if ![r.x0, r.y0, r.x1, r.y1].iter().all(|v| v.is_finite()) || r.width() <= 0.0 {
            return Err(invalid("box has no width"));
        }
        if s.line_height.is_some_and(|h| !h.is_finite() || h < 0.0) {
            return Err(invalid("line height is not a positive number"));
        }
        let mut warnings = Vec::new();
        let runs = itemize(book, block, settings, &mut warnings)?;
        let measure = Measure::new(
            &block.text,
            runs.iter()
                .flat_map(|r| r.glyphs.iter().map(|g| (g.cluster, g.advance * r.rel_size))),
        );
        let mut hyphens: Vec<(FaceId, Option<(u32, f32)>)> = Vec::new();
        for run in &runs {
            if hyphens.iter().all(|(f, _)| *f != run.face) {
                let face = book.face(run.face)?;
                let h = shape_text(face, "-", 0..1, None, None, false)?
                    .0
                    .first()
                    .and_then(|g| g.id.filter(|&id| id != 0).map(|id| (id, g.advance)));
                hyphens.push((run.face, h));
            }
        }
        let primary = runs
            .first()
            .map(|r| r.face)
            .or_else(|| book.candidates(&s.font).first().copied());
        let face_metrics = primary
            .and_then(|f| book.face(f).ok())
            .map(|f| (f.info().ascent, f.info().descent));
        let mut ascent = s.ascent.or(face_metrics.map(|m| m.0)).unwrap_or(0.8);
        let mut descent = s.descent.or(face_metrics.map(|m| m.1)).unwrap_or(-0.2);
        // A script's font taller than the source's: the first line goes low enough for its
        // glyphs to stay in the box, the block is measured to their bottom, and the lines
        // are as far apart as they need.
        let script = script_extent(book, &runs);
        if let Some((top, bottom)) = script {
            ascent = ascent.max(top);
            descent = descent.min(bottom);
        }
        Ok(Self {
            block,
            settings,
            runs,
            measure,
            hyphens,
            ascent,
            descent,
            script_pitch: script.map(|(top, bottom)| top - bottom),
            warnings,
            rtl: bidi_target(block) && paragraph_is_rtl(&block.text),
        })
    }

    /// The box, then the box grown by one more free rectangle at a time.
    pub(crate) fn areas(&self) -> Vec<Rect> {
        let mut areas = vec![self.block.rect];
        let mut area = self.block.rect;
        for free in &self.block.free {
            if [free.x0, free.y0, free.x1, free.y1]
                .iter()
                .all(|v| v.is_finite())
            {
                area = area.union(free);
                areas.push(area);
            }
        }
        areas
    }

    fn line_height(&self, size: f32) -> f32 {
        let base = self
            .block
            .style
            .line_height
            .unwrap_or(1.2 * self.block.style.size);
        let pitch = base * size / self.block.style.size;
        match self.script_pitch {
            Some(needed) => pitch.max(needed * size),
            None => pitch,
        }
    }

    fn indent(&self, line: usize) -> f32 {
        let s = &self.block.style;
        let i = if line == 0 {
            s.indent_first
        } else {
            s.indent_rest
        };
        if i.is_finite() { i.max(0.0) } else { 0.0 }
    }

    /// The hyphen of the run holding byte `at`'s glyph (the one before a cut).
    fn hyphen_at(&self, at: usize) -> Option<(FaceId, u32, f32, f32)> {
        let run = self
            .runs
            .iter()
            .find(|r| r.range.start < at && at <= r.range.end)?;
        let (_, h) = self.hyphens.iter().find(|(f, _)| *f == run.face)?;
        h.map(|(id, adv)| (run.face, id, adv, run.rel_size))
    }

    pub(crate) fn measure(&self, scale: f32, area: &Rect) -> Measured {
        let size = self.block.style.size * scale;
        let width = area.width();
        // Lines are broken in em of the current size.
        let avail = |line: usize| (width - self.indent(line)).max(1.0) / size;
        let hyphen = self
            .hyphens
            .iter()
            .filter_map(|(_, h)| h.map(|h| h.1))
            .fold(0.0f32, f32::max);
        let broken = match &self.block.original {
            None => break_lines(&self.block.text, &self.measure, avail, hyphen),
            Some(o) => forced_lines(&self.block.text, &self.measure, &o.breaks, avail),
        };
        let n = broken.lines.len();
        let height = if n == 0 {
            0.0
        } else {
            self.first_baseline(size, area) - area.y0 - self.descent * size
                + (n - 1) as f32 * self.line_height(size)
        };
        // Anchored lines are where the original's were, inside its box.
        let fits = self.anchored(scale)
            || (!broken.too_wide && height <= area.height() + self.settings.tolerance);
        Measured {
            lines: broken.lines,
            fits,
        }
    }

    /// Where the first line's baseline goes at `size` in `area`.
    fn first_baseline(&self, size: f32, area: &Rect) -> f32 {
        match self.block.style.first_baseline {
            // Lowered when a script's taller glyphs would reach above the box.
            Some(y) if y.is_finite() && y > area.y0 && y < area.y1 => match self.script_pitch {
                Some(_) => y.max(area.y0 + self.ascent * size),
                None => y,
            },
            _ => area.y0 + self.ascent * size,
        }
    }

    /// Whether the text is set where the original drew it: unchanged text (original lines and
    /// anchors) at full size.
    fn anchored(&self, scale: f32) -> bool {
        scale >= 1.0 - 1e-6
            && self
                .block
                .original
                .as_ref()
                .is_some_and(|o| !o.anchors.is_empty())
    }

    /// Line `i`'s original baseline, when set where the original was.
    fn baseline(&self, scale: f32, i: usize) -> Option<f32> {
        let o = self.block.original.as_ref()?;
        if !self.anchored(scale) {
            return None;
        }
        o.baselines.get(i).copied().filter(|y| y.is_finite())
    }

    /// The original x of the glyph whose cluster starts at byte `at`, if the caller gave one.
    fn anchor(&self, at: u32) -> Option<f32> {
        let anchors = self
            .block
            .original
            .as_ref()
            .map_or(&[][..], |o| &o.anchors[..]);
        let i = anchors.partition_point(|a| a.0 < at);
        anchors.get(i).filter(|a| a.0 == at).map(|a| a.1)
    }

    /// The largest scale in `[lo, hi]` (on the step grid) at which the text fits `area`.
    pub(crate) fn largest_fitting(
        &self,
        lo: f32,
        hi: f32,
        area: &Rect,
    ) -> Option<(f32, Vec<LineSpan>)> {
        let step = if self.settings.step > 0.0 {
            self.settings.step
        } else {
            0.01
        };
        let (mut lo_k, mut hi_k) = ((lo / step).round() as i64, (hi / step).round() as i64);
        lo_k = lo_k.max(1);
        if hi_k < lo_k {
            return None;
        }
        let scale = |k: i64| (k as f32 * step).min(1.0);
        let top = self.measure(scale(hi_k), area);
        if top.fits {
            return Some((scale(hi_k), top.lines));
        }
        let mut best = self.measure(scale(lo_k), area);
        if !best.fits {
            return None;
        }
        // Invariant: lo_k fits, hi_k does not. Fitting is monotone in the scale up to the odd
        // greedy-breaking wrinkle; bisection finds a fitting scale either way.
        while hi_k - lo_k > 1 {
            let mid = (lo_k + hi_k) / 2;
            let m = self.measure(scale(mid), area);
            if m.fits {
                lo_k = mid;
                best = m;
            } else {
                hi_k = mid;
            }
        }
        Some((scale(lo_k), best.lines))
    }

    /// Glyphs of `run` whose clusters lie in `a..b`, as a slice (glyphs are in cluster order).
    fn glyphs_in(run: &Run, a: usize, b: usize) -> &[ShapedGlyph] {
        let lo = run.glyphs.partition_point(|g| (g.cluster as usize) < a);
        let hi = run.glyphs.partition_point(|g| (g.cluster as usize) < b);
        &run.glyphs[lo..hi]
    }

    pub(crate) fn emit(
        &self,
        scale: f32,
        area: Rect,
        grown: usize,
        lines: &[LineSpan],
        overflowed: bool,
        extra: Vec<TypesetWarning>,
    ) -> TypesetResult<PlacedBlock> {
        let block = self.block;
        let size = block.style.size * scale;
        let lead = self.line_height(size);
        let first_baseline = self.first_baseline(size, &area);
        let text = block.text.as_str();
        let mut placed_lines = Vec::with_capacity(lines.len());
        for (i, line) in lines.iter().enumerate() {
            let y = self
                .baseline(scale, i)
                .unwrap_or(first_baseline + i as f32 * lead);
            let indent = self.indent(i);
            let avail = area.width() - indent;
            let hyphen = if line.hyphen {
                self.hyphen_at(line.end)
            } else {
                None
            };
            // Collect the line's glyphs per run, in em scaled to points.
            let mut pieces: Vec<(&Run, Vec<PlacedGlyph>)> = Vec::new();
            for run in &self.runs {
                if run.range.end <= line.start || run.range.start >= line.end {
                    continue;
                }
                let rs = size * run.rel_size;
                let mut glyphs: Vec<PlacedGlyph> = Self::glyphs_in(run, line.start, line.end)
                    .iter()
                    .map(|g| PlacedGlyph {
                        id: g.id,
                        advance: g.advance * rs,
                        dx: g.dx * rs,
                        dy: -g.dy * rs,
                        text: g.cluster..cluster_end(run, g, line.end),
                    })
                    .collect();
                if run.rtl {
                    glyphs.reverse();
                }
                if !glyphs.is_empty() {
                    pieces.push((run, glyphs));
                }
            }
            let mut hyphenated = false;
            if let Some((face, id, adv, rel)) = hyphen
                && let Some((run, glyphs)) = pieces.last_mut()
                && run.face == face
            {
                hyphenated = true;
                let end = line.end as u32;
                glyphs.push(PlacedGlyph {
                    id: Some(id),
                    advance: adv * size * rel,
                    dx: 0.0,
                    dy: 0.0,
                    text: end..end,
                });
            }
            let natural: f32 = pieces
                .iter()
                .flat_map(|(_, g)| g.iter())
                .map(|g| g.advance)
                .sum();
            // Justify by widening the spaces of every line but a paragraph's last.
            let mut width = natural;
            // Lines kept as the original had them may also be a little too long (the original
            // was kerned): their spaces shrink, as the original's did.
            let squeeze =
                block.original.is_some() && natural > avail && natural <= avail * FORCED_SLACK;
            let anchored = self.anchored(scale) && pieces.iter().all(|(run, _)| !run.rtl);
            if !anchored
                && ((block.style.align == Align::Justify && !line.last && natural < avail)
                    || squeeze)
            {
                let is_space =
                    |g: &PlacedGlyph| text.as_bytes().get(g.text.start as usize) == Some(&b' ');
                let spaces = pieces
                    .iter()
                    .flat_map(|(_, g)| g.iter())
                    .filter(|g| is_space(g))
                    .count();
                if spaces > 0 {
                    let mut extra = (avail - natural) / spaces as f32;
                    // A squeezed space still reads as one (a reader splits words at gaps
                    // above 0.1 em): never below 0.15 em, even if the line then stays long.
                    let narrowest = pieces
                        .iter()
                        .flat_map(|(_, g)| g.iter())
                        .filter(|g| is_space(g))
                        .map(|g| g.advance)
                        .fold(f32::INFINITY, f32::min);
                    extra = extra.max(0.15 * size - narrowest);
                    for (_, glyphs) in &mut pieces {
                        for g in glyphs.iter_mut().filter(|g| is_space(g)) {
                            g.advance += extra;
                        }
                    }
                    width = natural + extra * spaces as f32;
                }
            }
            // A paragraph running the other way than the original's starts on the other
            // side: left and right swap. A justified one's last line starts on its own side.
            let align = match (block.style.align, self.rtl != block.style.right_to_left) {
                (Align::Left, true) => Align::Right,
                (Align::Right, true) => Align::Left,
                (align, _) => align,
            };
            let offset = match align {
                Align::Left => 0.0,
                Align::Right => avail - width,
                Align::Center => (avail - width) / 2.0,
                Align::Justify if self.rtl => avail - width,
                Align::Justify => 0.0,
            };
            reorder_visually(&mut pieces);
            // A paragraph written right to left is indented from the right, where it starts.
            let lead = if self.rtl { 0.0 } else { indent };
            let mut x0 = area.x0 + lead + offset.max(0.0);
            if anchored && let Some((start, anchored_width)) = self.anchor_line(&mut pieces) {
                x0 = start;
                width = anchored_width;
            }
            let mut pen = x0;
            let mut runs = Vec::with_capacity(pieces.len());
            for (run, glyphs) in pieces {
                let origin = Point {
                    x: pen,
                    y: y - run.rise * size,
                };
                let run_width: f32 = glyphs.iter().map(|g| g.advance).sum();
                pen += run_width;
                runs.push(GlyphRun {
                    face: run.face,
                    size: size * run.rel_size,
                    origin,
                    color: run.color,
                    spans: run.spans.clone(),
                    link: run.link,
                    synthetic: run.synthetic,
                    glyphs,
                    vertical: false,
                });
            }
            placed_lines.push(PlacedLine {
                origin: Point { x: x0, y },
                width,
                text: line.start as u32..line.end as u32,
                hyphenated,
                runs,
            });
        }
        let bounds = match (placed_lines.first(), placed_lines.last()) {
            (Some(first), Some(last)) => {
                let x0 = placed_lines
                    .iter()
                    .map(|l| l.origin.x)
                    .fold(f32::INFINITY, f32::min);
                let x1 = placed_lines
                    .iter()
                    .map(|l| l.origin.x + l.width)
                    .fold(f32::NEG_INFINITY, f32::max);
                Rect::new(
                    x0,
                    first.origin.y - self.ascent * size,
                    x1,
                    last.origin.y - self.descent * size,
                )
            }
            _ => Rect::new(area.x0, area.y0, area.x0, area.y0),
        };
        let mut warnings = self.warnings.clone();
        warnings.extend(extra);
        Ok(PlacedBlock {
            id: block.id,
            text: block.text.clone(),
            lines: placed_lines,
            size,
            scale,
            area,
            grown,
            bounds,
            overflowed,
            warnings,
            clip: None,
        })
    }

    /// Moves a line's glyphs onto their anchors by changing the advance of the glyph before
    /// each anchored one. Gives the line's start x and width, or nothing when no glyph of the
    /// line is anchored.
    fn anchor_line(&self, pieces: &mut [(&Run, Vec<PlacedGlyph>)]) -> Option<(f32, f32)> {
        // Positions relative to the line's start until the first anchor fixes it.
        let mut pen = 0.0f32;
        let mut start: Option<f32> = None;
        let mut prev: Option<(usize, usize)> = None;
        for p in 0..pieces.len() {
            for k in 0..pieces[p].1.len() {
                let text = pieces[p].1[k].text.clone();
                // A glyph without text (the hyphen added at a break) has no anchor of its own.
                if let Some(x) = self.anchor(text.start).filter(|_| !text.is_empty()) {
                    match (start, prev) {
                        (Some(base), Some((pp, pk))) => {
                            let wanted = x - base;
                            pieces[pp].1[pk].advance += wanted - pen;
                            pen = wanted;
                        }
                        _ => start = Some(x - pen),
                    }
                }
                pen += pieces[p].1[k].advance;
                prev = Some((p, k));
            }
        }
        start.map(|s| (s, pen))
    }
}

/// How far the glyphs of `runs` set in a script's font reach above and below the baseline,
/// in em of the block's size (their run's relative size and rise counted). A script's font is
/// a bundled or system face that covers none of Latin, Greek and Cyrillic: the fonts
/// `add_script_fonts` adds, not the source's own nor a Latin fallback, whose lines keep the
/// source's pitch. `None` when no such glyph has an outline (CJK fonts are CFF: their
/// ideographs fit the em anyway).
fn script_extent(book: &FontBook, runs: &[Run]) -> Option<(f32, f32)> {
    let mut extent: Option<(f32, f32)> = None;
    for run in runs {
        let Ok(face) = book.face(run.face) else {
            continue;
        };
        let info = face.info();
        if !matches!(info.origin, FaceOrigin::Bundled { .. }) || !info.scripts.is_empty() {
            continue;
        }
        let glyphs = run.glyphs.iter().filter_map(|g| g.id);
        let Some((top, bottom)) = face.drawn_extent(glyphs) else {
            continue;
        };
        let (top, bottom) = (
            top * run.rel_size + run.rise,
            bottom * run.rel_size + run.rise,
        );
        extent = Some(match extent {
            Some((t, b)) => (t.max(top), b.min(bottom)),
            None => (top, bottom),
        });
    }
    extent
}

/// End of `g`'s cluster: the next larger cluster value in its run (glyphs are in cluster
/// order), else the run's end, never past the line's end.
fn cluster_end(run: &Run, g: &ShapedGlyph, line_end: usize) -> u32 {
    let i = run.glyphs.partition_point(|h| h.cluster <= g.cluster);
    let next = run
        .glyphs
        .get(i)
        .map_or(run.range.end as u32, |h| h.cluster);
    next.min(line_end.max(g.cluster as usize + 1) as u32)
}

/// Puts a line's pieces (in logical order, each right-to-left one already reversed) in the
/// order they are drawn, left to right: rule L2 of the Unicode Bidirectional Algorithm, from
/// the highest level down to the lowest odd one, every stretch of pieces at that level or
/// above is reversed.
fn reorder_visually<T>(pieces: &mut [(&Run, T)]) {
    let Some(highest) = pieces.iter().map(|(r, _)| r.level).max() else {
        return;
    };
    let Some(lowest_odd) = pieces
        .iter()
        .map(|(r, _)| r.level)
        .filter(|l| l % 2 == 1)
        .min()
    else {
        return;
    };
    for level in (lowest_odd..=highest).rev() {
        let mut i = 0;
        while i < pieces.len() {
            if pieces[i].0.level < level {
                i += 1;
                continue;
            }
            let start = i;
            while i < pieces.len() && pieces[i].0.level >= level {
                i += 1;
            }
            pieces[start..i].reverse();
        }
    }
}
