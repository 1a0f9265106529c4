//! The pipeline: read, lay out, translate, typeset, write.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use folio_doc::{
    Action, Block, BlockId, Document, Font, FontId, Outcome, Rect, Role, Segment, SegmentId, Word,
};
use folio_pdf::{
    FaceData, LinkMove, NewGlyph, NewRun, OriginalFont, PageEdit, PageSelection, ReadOptions,
    WritePlan,
};
use folio_translate::{Engine, TranslateOptions};
use folio_typeset::{
    BlockStyle, FaceId, FaceOrigin, FontBook, FontQuery, OriginalLines, PdfCodes, PlacedBlock,
    TextBlock, TypesetSettings,
};

use crate::report::{Report, SegmentIssue, reason_name};
use crate::{Error, spans};

/// How to translate a document.
pub struct Options<'a> {
    /// The engine (its language pair says from and to).
    pub engine: &'a dyn Engine,
    /// Engine options: cache, batch limits, retries.
    pub translate: TranslateOptions,
    /// The fonts new text may use.
    pub fonts: &'a FontBook,
    /// Only these pages (others are copied unchanged).
    pub pages: Option<PageSelection>,
    /// The user password of an encrypted input.
    pub password: Option<String>,
    /// Fitting knobs.
    pub typeset: TypesetSettings,
    /// Put each translated page next to its original (`None`: the translation alone).
    pub bilingual: Option<folio_pdf::Bilingual>,
}

/// Stages of the pipeline, for progress events and timings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading the PDF.
    Read,
    /// Finding blocks.
    Layout,
    /// Translating segments.
    Translate,
    /// Setting the translations.
    Typeset,
    /// Writing the output.
    Write,
}

impl Stage {
    fn name(self) -> &'static str {
        match self {
            Stage::Read => "read",
            Stage::Layout => "layout",
            Stage::Translate => "translate",
            Stage::Typeset => "typeset",
            Stage::Write => "write",
        }
    }
}

/// Progress, for a bar or a log.
#[derive(Debug, Clone, Copy)]
pub enum Event {
    /// A stage started.
    Started(Stage),
    /// Segments translated so far.
    Translated {
        /// Done.
        done: usize,
        /// Out of.
        total: usize,
    },
}

/// Translates a PDF: the output PDF's bytes and the report.
pub fn translate(
    pdf: Arc<Vec<u8>>,
    options: &Options<'_>,
    events: &mut (dyn FnMut(Event) + Send),
) -> Result<(Vec<u8>, Report), Error> {
    let mut report = Report::default();
    let mut clock = Clock {
        last: Some(Instant::now()),
    };

    events(Event::Started(Stage::Read));
    let read_options = ReadOptions {
        password: options.password.clone(),
        pages: options.pages.clone(),
    };
    let doc = folio_pdf::read(pdf.clone(), &read_options).map_err(Error::Read)?;
    report.pages = doc.info.page_count;
    report.pages_translated = doc.pages.len() as u32;
    report
        .warnings
        .extend(doc.warnings.iter().map(|w| match w.page {
            Some(p) => format!("page {}: {}", p + 1, w.message),
            None => w.message.clone(),
        }));
    let scanned: Vec<u32> = doc
        .pages
        .iter()
        .filter(|p| p.kind == folio_doc::PageKind::Scanned)
        .map(|p| p.index + 1)
        .collect();
    let has_text = doc.pages.iter().any(|p| !p.words.is_empty());
    if !scanned.is_empty() && !has_text {
        return Err(Error::Scanned {
            pages: doc.pages.len() as u32,
        });
    }
    if !scanned.is_empty() {
        let list: Vec<String> = scanned.iter().map(u32::to_string).collect();
        report.warnings.push(format!(
            "page(s) {}: scanned images without a text layer, left as they are (OCR needed)",
            list.join(", ")
        ));
    }
    clock.lap(&mut report, Stage::Read);

    events(Event::Started(Stage::Layout));
    let blocks = folio_layout::layout_document(&doc, &folio_layout::LayoutSettings::default());
    let (segments, extra) = all_segments(&doc, &blocks);
    report.blocks.total = blocks.len() as u32;
    for b in &blocks {
        if let Action::Keep(reason) = b.action {
            *report.segments.kept.entry(reason_name(reason)).or_default() += 1;
        }
    }
    clock.lap(&mut report, Stage::Layout);

    events(Event::Started(Stage::Translate));
    // The document's title is context for engines that take it (the LLM prompt).
    let mut translate_options = options.translate.clone();
    if translate_options.title.is_none() {
        translate_options.title = doc.info.title.clone();
    }
    // A table of contents' leaders stay out of the translation; capitals go in sentence case.
    // Both come back after it.
    let mut leaders: HashMap<SegmentId, crate::leaders::Leaders> = HashMap::new();
    let mut folds: HashMap<SegmentId, crate::caps::Folded> = HashMap::new();
    let sent: Vec<Segment> = segments
        .iter()
        .map(|s| {
            let entry = match crate::leaders::split(&s.text) {
                Some((entry, l)) => {
                    leaders.insert(s.id, l);
                    entry
                }
                None => s.text.clone(),
            };
            let (text, folded) = crate::caps::fold(&entry);
            folds.insert(s.id, folded);
            Segment { text, ..s.clone() }
        })
        .collect();
    let mut output = folio_translate::translate_segments_blocking(
        options.engine,
        &sent,
        &translate_options,
        &mut |p| {
            events(Event::Translated {
                done: p.done,
                total: p.total,
            })
        },
    )
    .map_err(Error::Translate)?;
    for t in &mut output.translations {
        if let Outcome::Translated(text) = &mut t.outcome {
            if let Some(f) = folds.get(&t.id) {
                *text = crate::caps::restore(text, f);
            }
            if let Some(l) = leaders.get(&t.id) {
                *text = crate::leaders::join(text, l);
            }
        }
    }
    report.engine = output.stats.clone();
    report.warnings.extend(output.warnings.iter().cloned());
    let by_id: HashMap<SegmentId, &Outcome> = output
        .translations
        .iter()
        .map(|t| (t.id, &t.outcome))
        .collect();
    clock.lap(&mut report, Stage::Translate);

    events(Event::Started(Stage::Typeset));
    // The document's own fonts join the bundled ones, so text that they can show keeps its look.
    let mut book = options.fonts.clone();
    let originals = add_original_fonts(&doc, &mut book);
    let blocks_by_id: HashMap<BlockId, &Block> = blocks.iter().map(|b| (b.id, b)).collect();
    let mut to_set: Vec<(&Block, TextBlock)> = Vec::new();
    for seg in segments.iter().filter(|s| s.block.index != u32::MAX) {
        let Some(block) = blocks_by_id.get(&seg.block) else {
            continue;
        };
        match by_id.get(&seg.id) {
            Some(Outcome::Translated(text)) => {
                report.segments.translated += 1;
                let (plain, spans) = spans::resolve(&doc, block, text, &originals);
                // Text that came back unchanged keeps the lines it had.
                let original = if spans::resolve(&doc, block, &block.source, &originals).0 == plain
                {
                    original_lines(&doc, block, &plain)
                } else {
                    None
                };
                let id = to_set.len() as u32;
                let mut tb =
                    text_block(&doc, block, id, plain, spans, &blocks, options, &originals);
                tb.original = original;
                to_set.push((block, tb));
            }
            Some(Outcome::Kept(reason)) => {
                *report
                    .segments
                    .kept
                    .entry(reason_name(*reason))
                    .or_default() += 1
            }
            Some(Outcome::Failed(reason)) => {
                report.segments.failed.push(issue(block, reason.clone()))
            }
            None => report
                .segments
                .failed
                .push(issue(block, "no translation came back".into())),
        }
    }
    let text_blocks: Vec<TextBlock> = to_set.iter().map(|(_, t)| t.clone()).collect();
    let mut placed: Vec<PlacedBlock> = Vec::with_capacity(text_blocks.len());
    for (i, tb) in text_blocks.iter().enumerate() {
        match folio_typeset::typeset_block(&book, tb, &options.typeset) {
            Ok(p) => placed.push(p),
            Err(e) => {
                report
                    .segments
                    .failed
                    .push(issue(to_set[i].0, format!("cannot typeset: {e}")));
                placed.push(PlacedBlock {
                    id: tb.id,
                    text: String::new(),
                    lines: Vec::new(),
                    size: tb.style.size,
                    scale: 1.0,
                    area: tb.rect,
                    grown: 0,
                    bounds: tb.rect,
                    overflowed: false,
                    warnings: Vec::new(),
                });
            }
        }
    }
    // Blocks of one role and one original size end at one size across the document (a title
    // and the section headings are both headings, but were never the same size).
    let roles: Vec<(Role, u32)> = to_set
        .iter()
        .map(|(b, _)| (b.role, (b.style.size * 2.0).round() as u32))
        .collect();
    let role_of = |tb: &TextBlock| roles.get(tb.id as usize).copied();
    if let Err(e) =
        folio_typeset::harmonize_sizes(&book, &text_blocks, &mut placed, &options.typeset, role_of)
    {
        report
            .warnings
            .push(format!("sizes could not be harmonized: {e}"));
    }
    report.min_scale = placed
        .iter()
        .filter(|p| !p.lines.is_empty())
        .map(|p| p.scale)
        .fold(1.0, f32::min);
    clock.lap(&mut report, Stage::Typeset);

    events(Event::Started(Stage::Write));
    let mut plan = WritePlan {
        lang: Some(options.engine.info().pair.to.clone()),
        ..WritePlan::default()
    };
    let mut edits: BTreeMap<u32, PageEdit> = BTreeMap::new();
    let mut wordless_by_page: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut faces_used = std::collections::BTreeSet::new();
    for ((block, _), p) in to_set.iter().zip(&placed) {
        if p.lines.is_empty() {
            continue;
        }
        if p.overflowed {
            report.blocks.overflowed.push(issue(
                block,
                format!(
                    "text does not fit even at {:.0}% of its size",
                    p.scale * 100.0
                ),
            ));
        }
        report.blocks.rewritten += 1;
        let page = doc
            .pages
            .iter()
            .find(|pg| pg.index == block.id.page)
            .expect("blocks come from the document's pages");
        let edit = edits.entry(block.id.page).or_insert_with(|| PageEdit {
            page: block.id.page,
            ..PageEdit::default()
        });
        let wordless = wordless_by_page
            .entry(block.id.page)
            .or_insert_with(|| wordless_glyphs(page));
        for line in &block.lines {
            for &w in &line.words {
                edit.remove
                    .extend(page.words[w as usize].glyphs.iter().copied());
            }
            // The spaces between the words go too (drawn at the old gaps, they would split the
            // new words for anyone reading the text back), and the second drawing of an
            // overprinted word.
            edit.remove.extend(wordless.iter().copied().filter(|&g| {
                let c = page.glyphs[g as usize].bbox.center();
                line.bbox.x0 <= c.x
                    && c.x <= line.bbox.x1
                    && line.bbox.y0 <= c.y
                    && c.y <= line.bbox.y1
            }));
        }
        let mut link_rects: BTreeMap<u32, Rect> = BTreeMap::new();
        for line in &p.lines {
            let last_run = line.runs.len().saturating_sub(1);
            for (r, run) in line.runs.iter().enumerate() {
                let hyphen_at =
                    (line.hyphenated && r == last_run).then(|| run.glyphs.len().saturating_sub(1));
                faces_used.insert(run.face.0);
                let glyphs = run
                    .glyphs
                    .iter()
                    .enumerate()
                    .map(|(i, g)| {
                        let mut text = p
                            .text
                            .get(g.text.start as usize..g.text.end as usize)
                            .unwrap_or("")
                            .to_string();
                        // The hyphen the typesetter added reads as one.
                        if text.is_empty() && hyphen_at == Some(i) {
                            text.push('-');
                        }
                        NewGlyph {
                            gid: g.id,
                            advance: g.advance,
                            dx: g.dx,
                            dy: g.dy,
                            text,
                        }
                    })
                    .collect();
                edit.runs.push(NewRun {
                    face: run.face.0,
                    size: run.size,
                    origin: run.origin,
                    color: run.color,
                    skew: run.synthetic.skew,
                    glyphs,
                });
                if let Some(link) = run.link {
                    let r = Rect::new(
                        run.origin.x,
                        run.origin.y - run.size * 0.8,
                        run.origin.x + run.width(),
                        run.origin.y + run.size * 0.25,
                    );
                    link_rects
                        .entry(link)
                        .and_modify(|u| *u = u.union(&r))
                        .or_insert(r);
                }
            }
        }
        for (link, rect) in link_rects {
            if let Some(annot) = page.links.get(link as usize).and_then(|l| l.annot) {
                edit.links.push(LinkMove { annot, rect });
            }
        }
    }
    for key in faces_used {
        let face = book.face(FaceId(key)).map_err(Error::Typeset)?;
        let original = match face.info().origin {
            FaceOrigin::Pdf { font } => {
                let f = doc.font(font);
                f.dict.zip(f.code_bytes).map(|(dict, code_bytes)| {
                    // The font's own widths; what the reader measured where it has none.
                    let mut advances: HashMap<u32, f32> = face
                        .pdf_codes()
                        .into_iter()
                        .flat_map(|c| {
                            c.codes
                                .values()
                                .copied()
                                .chain(c.ligatures.iter().map(|l| (l.1, l.2)))
                        })
                        .collect();
                    advances.extend(f.widths.iter().map(|(&code, &w)| (code, w)));
                    OriginalFont {
                        dict,
                        code_bytes,
                        advances,
                    }
                })
            }
            _ => None,
        };
        let data = if original.is_some() {
            Arc::new(Vec::new())
        } else {
            Arc::new(face.data().to_vec())
        };
        plan.faces.push(FaceData {
            key,
            data,
            index: 0,
            original,
        });
    }
    plan.pages = edits.into_values().collect();
    for (id, what) in &extra {
        if let Some(Outcome::Translated(t)) = by_id.get(id) {
            let text = folio_translate::placeholders::strip(t);
            match what {
                ExtraText::Outline(obj) => plan.outline_titles.push((*obj, text)),
                ExtraText::Title => plan.title = Some(text),
            }
        }
    }
    let out = folio_pdf::write(pdf.clone(), options.password.as_deref(), &doc, &plan)
        .map_err(Error::Write)?;
    // Only the pages read (all, or the selection) are paired.
    let out = match options.bilingual {
        Some(layout) => {
            let paired: Option<Vec<u32>> = options
                .pages
                .as_ref()
                .map(|_| doc.pages.iter().map(|p| p.index).collect());
            folio_pdf::bilingual(
                &pdf,
                &out,
                options.password.as_deref(),
                layout,
                paired.as_deref(),
            )
            .map_err(Error::Write)?
        }
        None => out,
    };
    clock.lap(&mut report, Stage::Write);
    Ok((out, report))
}

/// The page's glyphs that no word holds: spaces, and a glyph drawn twice at one spot (bold
/// made by overprinting), which the reader reads once.
fn wordless_glyphs(page: &folio_doc::Page) -> Vec<u32> {
    let mut in_word = vec![false; page.glyphs.len()];
    for w in &page.words {
        for &g in &w.glyphs {
            if let Some(f) = in_word.get_mut(g as usize) {
                *f = true;
            }
        }
    }
    (0..page.glyphs.len() as u32)
        .filter(|&g| !in_word[g as usize])
        .collect()
}

/// Where the block's original lines start in its plain text, their baselines, and where the
/// original drew its characters (see [`OriginalLines`]); nothing when the lines cannot be
/// found. A line that started inside a word (the layout joined "trans-" and "lation") starts
/// there again; the typesetter then ends the line before with a hyphen.
fn original_lines(doc: &Document, block: &Block, plain: &str) -> Option<OriginalLines> {
    let page = doc.pages.iter().find(|p| p.index == block.id.page)?;
    let mut at = 0usize;
    let mut breaks = Vec::new();
    let mut anchors = Vec::new();
    let mut baselines = Vec::new();
    let mut joined = false;
    for (i, line) in block.lines.iter().enumerate() {
        let words: Vec<&Word> = line
            .words
            .iter()
            .filter_map(|&w| page.words.get(w as usize))
            .collect();
        if words.is_empty() {
            continue;
        }
        baselines.push(baseline(page, &words).unwrap_or(f32::NAN));
        for (j, word) in words.iter().enumerate() {
            // A word continues the text right after the last one's end and the spaces after it;
            // the second half of a word broken with a hyphen continues it directly.
            let next = at + plain[at..].len() - plain[at..].trim_start().len();
            let found = [word.text.as_str(), word.text.trim_end_matches('-')]
                .into_iter()
                .find(|w| !w.is_empty() && plain[next..].starts_with(w))
                .map(|w| (next, w.len()));
            let (pos, len) = match found {
                Some(f) => f,
                // A line's first word is looked for further on (the layout may have left
                // something out); the others only anchor when they are where expected.
                None if j == 0 => {
                    let w = word.text.as_str();
                    let pos = plain[at..]
                        .match_indices(w)
                        .map(|(k, _)| at + k)
                        .find(|&p| i == 0 || joined || plain[..p].ends_with(char::is_whitespace))?;
                    (pos, w.len())
                }
                None => continue,
            };
            if j == 0 && i > 0 {
                breaks.push(pos);
            }
            anchor_word(page, word, pos, len, &mut anchors);
            at = pos + len;
        }
        joined = words.last().is_some_and(|w| w.text.ends_with('-'));
    }
    Some(OriginalLines {
        breaks,
        baselines,
        anchors,
    })
}

/// A line's baseline: where its biggest glyphs sit (a superscript is smaller and off it).
fn baseline(page: &folio_doc::Page, words: &[&Word]) -> Option<f32> {
    let glyphs = || {
        words
            .iter()
            .flat_map(|w| &w.glyphs)
            .filter_map(|&g| page.glyphs.get(g as usize))
    };
    let biggest = glyphs().map(|g| g.size).fold(0.0f32, f32::max);
    glyphs()
        .find(|g| g.size >= 0.9 * biggest)
        .map(|g| g.origin.y)
}

/// Anchors each glyph of `word`, found at `pos` in the plain text over `len` bytes, at the x
/// where the original drew it; only the word's start when its glyphs do not spell it in order.
fn anchor_word(
    page: &folio_doc::Page,
    word: &Word,
    pos: usize,
    len: usize,
    anchors: &mut Vec<(u32, f32)>,
) {
    let glyphs: Vec<&folio_doc::Glyph> = word
        .glyphs
        .iter()
        .filter_map(|&g| page.glyphs.get(g as usize))
        .collect();
    let Some(first) = glyphs.first() else { return };
    if glyphs.iter().any(|g| g.angle != 0.0) {
        return;
    }
    let spelled: String = glyphs.iter().map(|g| g.text.as_str()).collect();
    if !spelled.starts_with(&word.text[..len]) && spelled != word.text {
        anchors.push((pos as u32, first.origin.x));
        return;
    }
    let mut off = 0usize;
    for g in glyphs {
        if off >= len {
            break;
        }
        anchors.push(((pos + off) as u32, g.origin.x));
        off += g.text.len();
    }
}

/// Registers each of the document's fonts that can be drawn by code (an indirect font
/// dictionary with fixed-length codes) as a face showing the characters the document shows in
/// it, with the advances the reader measured.
fn add_original_fonts(doc: &Document, book: &mut FontBook) -> HashMap<FontId, FaceId> {
    let mut codes: HashMap<FontId, PdfCodes> = HashMap::new();
    let mut seen: HashMap<(FontId, char), (u32, Vec<f32>)> = HashMap::new();
    let mut spaces: HashMap<FontId, f32> = HashMap::new();
    let mut ligatures: HashMap<(FontId, String), (u32, Vec<f32>)> = HashMap::new();
    for page in &doc.pages {
        for g in &page.glyphs {
            if g.angle != 0.0 || g.size <= 0.0 || g.render_mode == 3 || g.render_mode == 7 {
                continue;
            }
            let advance = (g.bbox.x1 - g.bbox.x0) / g.size;
            let mut chars = g.text.chars();
            let (Some(c), None) = (chars.next(), chars.next()) else {
                // One glyph for a few letters: a ligature.
                if (2..=3).contains(&g.text.chars().count())
                    && g.text.chars().all(char::is_alphabetic)
                    && (0.0..3.0).contains(&advance)
                {
                    ligatures
                        .entry((g.font, g.text.to_string()))
                        .or_insert_with(|| (g.code, Vec::new()))
                        .1
                        .push(advance);
                }
                continue;
            };
            if c == ' ' {
                spaces.entry(g.font).or_insert(advance);
                continue;
            }
            if c.is_whitespace() || c == '\u{FFFD}' || !(0.0..3.0).contains(&advance) {
                continue;
            }
            seen.entry((g.font, c))
                .or_insert_with(|| (g.code, Vec::new()))
                .1
                .push(advance);
        }
    }
    // Kerning: the gap between two letters of one word beyond the first one's advance.
    let mut kerns: HashMap<(FontId, char, char), Vec<f32>> = HashMap::new();
    for page in &doc.pages {
        for word in &page.words {
            for pair in word.glyphs.windows(2) {
                let (Some(a), Some(b)) = (
                    page.glyphs.get(pair[0] as usize),
                    page.glyphs.get(pair[1] as usize),
                ) else {
                    continue;
                };
                if a.font != b.font
                    || a.angle != 0.0
                    || b.angle != 0.0
                    || a.size <= 0.0
                    || (a.size - b.size).abs() > 0.01
                {
                    continue;
                }
                let (mut ca, mut cb) = (a.text.chars(), b.text.chars());
                let (Some(x), None, Some(y), None) = (ca.next(), ca.next(), cb.next(), cb.next())
                else {
                    continue;
                };
                if (a.origin.y - b.origin.y).abs() > 0.01 {
                    continue;
                }
                kerns
                    .entry((a.font, x, y))
                    .or_default()
                    .push((b.bbox.x0 - a.bbox.x1) / a.size);
            }
        }
    }
    // The font's width of the code when the reader has it (a median of measured advances is
    // skewed where most occurrences were drawn condensed, `Tz`); else that median.
    let width = |font: FontId, code: u32| {
        doc.fonts
            .get(font.0 as usize)
            .and_then(|f| f.widths.get(&code))
            .copied()
    };
    for ((font, c), (code, advances)) in seen {
        let advance = width(font, code).unwrap_or_else(|| median(advances));
        codes
            .entry(font)
            .or_default()
            .codes
            .insert(c, (code, advance));
    }
    // A whole font (not a subset) can draw the rest of its encoding too: "ç" and "ã" for a
    // Portuguese translation of a text set in it.
    for (font, pdf) in codes.iter_mut() {
        let Some(f) = doc.fonts.get(font.0 as usize) else {
            continue;
        };
        for (&c, &code) in &f.available {
            if let (std::collections::hash_map::Entry::Vacant(e), Some(&w)) =
                (pdf.codes.entry(c), f.widths.get(&code))
            {
                e.insert((code, w));
            }
        }
    }
    for ((font, text), (code, advances)) in ligatures {
        let advance = width(font, code).unwrap_or_else(|| median(advances));
        codes
            .entry(font)
            .or_default()
            .ligatures
            .push((text, code, advance));
    }
    for c in codes.values_mut() {
        // Longest first, so "ffi" wins over "ff"; then by text, for the same output every run.
        c.ligatures
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
    }
    for ((font, x, y), list) in kerns {
        let k = median(list);
        if k.abs() > 0.005
            && k.abs() < 0.5
            && let Some(c) = codes.get_mut(&font)
        {
            c.kerns.insert((x, y), k);
        }
    }
    // Fonts without a space glyph (TeX's): the narrowest usual gap between words in them.
    let mut gaps: HashMap<FontId, Vec<f32>> = HashMap::new();
    for page in &doc.pages {
        for line in &page.lines {
            for pair in line.words.windows(2) {
                let (a, b) = (&page.words[pair[0] as usize], &page.words[pair[1] as usize]);
                let Some(g) = a.glyphs.last().and_then(|&g| page.glyphs.get(g as usize)) else {
                    continue;
                };
                if g.angle != 0.0 || g.size <= 0.0 {
                    continue;
                }
                let gap = (b.bbox.x0 - a.bbox.x1) / g.size;
                if (0.1..0.6).contains(&gap) {
                    gaps.entry(g.font).or_default().push(gap);
                }
            }
        }
    }
    for list in gaps.values_mut() {
        list.sort_by(f32::total_cmp);
    }
    let mut out = HashMap::new();
    let mut ids: Vec<FontId> = codes.keys().copied().collect();
    ids.sort();
    for id in ids {
        let font = doc.font(id);
        if font.dict.is_none() || font.code_bytes.is_none() {
            continue;
        }
        let mut pdf = codes.remove(&id).unwrap_or_default();
        pdf.space = spaces
            .get(&id)
            .copied()
            .or_else(|| {
                gaps.get(&id)
                    .filter(|g| g.len() >= 5)
                    .map(|g| g[g.len() / 10])
            })
            .unwrap_or(0.3);
        pdf.class = font.style.family;
        pdf.bold = font.style.bold;
        pdf.italic = font.style.italic;
        pdf.ascent = font.ascent;
        pdf.descent = font.descent;
        pdf.name = font.name.clone();
        out.insert(id, book.add_pdf_font(id, pdf));
    }
    out
}

/// The middle value of a list that is not empty.
fn median(mut values: Vec<f32>) -> f32 {
    values.sort_by(f32::total_cmp);
    values[values.len() / 2]
}

/// What a run would send to the engine, without calling it: segments, requests and tokens
/// (a dry run, for costs before a batch job).
pub fn estimate(
    pdf: Arc<Vec<u8>>,
    options: &Options<'_>,
) -> Result<folio_translate::Estimate, Error> {
    let read_options = ReadOptions {
        password: options.password.clone(),
        pages: options.pages.clone(),
    };
    let doc = folio_pdf::read(pdf, &read_options).map_err(Error::Read)?;
    let blocks = folio_layout::layout_document(&doc, &folio_layout::LayoutSettings::default());
    let (segments, _) = all_segments(&doc, &blocks);
    Ok(folio_translate::estimate(
        options.engine,
        &segments,
        &options.translate,
    ))
}

/// The segments of a document: its blocks to translate, then its outline titles and title
/// (translated as headings), with what each of the latter belongs to.
fn all_segments(doc: &Document, blocks: &[Block]) -> (Vec<Segment>, Vec<(SegmentId, ExtraText)>) {
    let mut segments = folio_layout::segments(blocks);
    let mut extra: Vec<(SegmentId, ExtraText)> = Vec::new();
    let mut push = |segments: &mut Vec<Segment>, text: &str, what: ExtraText| {
        if text.trim().is_empty() {
            return;
        }
        let id = SegmentId(segments.len() as u32);
        segments.push(Segment {
            id,
            block: BlockId {
                page: 0,
                index: u32::MAX,
            },
            text: text.to_string(),
            role: Role::Heading,
        });
        extra.push((id, what));
    };
    let mut outline = Vec::new();
    flatten_outline(&doc.outline, &mut outline);
    for (obj, title) in &outline {
        push(&mut segments, title, ExtraText::Outline(*obj));
    }
    if let Some(title) = &doc.info.title {
        push(&mut segments, title, ExtraText::Title);
    }
    (segments, extra)
}

/// Text outside the pages that is translated too.
enum ExtraText {
    Outline(folio_doc::ObjRef),
    Title,
}

fn flatten_outline(items: &[folio_doc::OutlineItem], out: &mut Vec<(folio_doc::ObjRef, String)>) {
    for item in items {
        if let Some(obj) = item.obj {
            out.push((obj, item.title.clone()));
        }
        flatten_outline(&item.children, out);
    }
}

fn issue(block: &Block, reason: String) -> SegmentIssue {
    SegmentIssue {
        page: block.id.page + 1,
        block: block.id,
        bbox: block.bbox,
        reason,
    }
}

/// The font a typeset block asks for, from the original's style.
pub(crate) fn font_query(font: &Font) -> FontQuery {
    FontQuery {
        class: font.style.family,
        bold: font.style.bold,
        italic: font.style.italic,
        original: None,
    }
}

/// A block's translation as the typesetter takes it: the original box and style, and the
/// free space below it that the text may grow into.
fn text_block(
    doc: &Document,
    block: &Block,
    id: u32,
    text: String,
    spans: Vec<folio_typeset::Span>,
    all: &[Block],
    options: &Options<'_>,
    originals: &HashMap<FontId, FaceId>,
) -> TextBlock {
    let font = doc.font(block.style.font);
    let style = BlockStyle {
        font: FontQuery {
            original: originals.get(&block.style.font).copied(),
            ..font_query(font)
        },
        size: block.style.size,
        color: block.style.color,
        // A heading of two lines may look justified; spreading its words never helps it.
        align: match (block.role, block.style.align) {
            (Role::Heading, folio_doc::Align::Justify) => folio_doc::Align::Left,
            (_, align) => align,
        },
        indent_first: block.style.first_indent.max(0.0),
        indent_rest: (-block.style.first_indent).max(0.0),
        line_height: (block.style.line_height > 0.0).then_some(block.style.line_height),
        ascent: Some(font.ascent),
        descent: Some(font.descent),
        first_baseline: doc
            .pages
            .iter()
            .find(|p| p.index == block.id.page && block.style.angle == 0.0)
            .zip(block.lines.first())
            .and_then(|(page, line)| {
                let words: Vec<&Word> = line
                    .words
                    .iter()
                    .filter_map(|&w| page.words.get(w as usize))
                    .collect();
                baseline(page, &words)
            }),
    };
    TextBlock {
        id,
        rect: crate::space::own_box(block, all, style.first_baseline),
        free: crate::space::free_space(doc, block, all),
        text,
        spans,
        style,
        lang: Some(options.engine.info().pair.to.clone()),
        original: None,
    }
}

/// Times each stage into the report.
struct Clock {
    last: Option<Instant>,
}

impl Clock {
    fn lap(&mut self, report: &mut Report, stage: Stage) {
        let now = Instant::now();
        let start = self.last.unwrap_or(now);
        report.timings_ms.insert(
            stage.name().to_string(),
            now.duration_since(start).as_millis() as u64,
        );
        self.last = Some(now);
    }
}
