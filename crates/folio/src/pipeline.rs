//! The pipeline: read, lay out, translate, typeset, write.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use folio_doc::{Action, Block, BlockId, Document, Outcome, Page, PageKind, Segment, SegmentId};
use folio_layout::{IncrementalLayout, LayoutSettings};
use folio_pdf::{PageSelection, ReadOptions, WritePlan};
use folio_translate::{Engine, TranslateOptions};
use folio_typeset::{FontBook, TypesetSettings};

use crate::Error;
use crate::drawn::Drawn;
use crate::report::{Report, reason_name};
use crate::segments::DocumentText;
use crate::texts::{Fixed, block_texts, set_apart_fixed};

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
    /// Layout thresholds.
    pub layout: LayoutSettings,
    /// Fitting knobs.
    pub typeset: TypesetSettings,
    /// Put each translated page next to its original (`None`: the translation alone).
    pub bilingual: Option<folio_pdf::Bilingual>,
    /// Translations fixed before the run (an editor's), by block: each replaces the engine's
    /// and is not sent, while its block's source is the one it was made for.
    pub fixed: HashMap<BlockId, Fixed>,
    /// Record every block's source, translation and fit in [`Report::texts`], for an editor.
    pub record_blocks: bool,
    /// OCR of scanned pages (`folio_ocr`): when, in which language (empty: the source
    /// language's), how sure. Never, by default here; the `folio` command's default is auto.
    pub ocr: folio_ocr::OcrSettings,
    /// Pages read by OCR in an earlier run of the same input and settings (a server's job
    /// re-rendered after an edit): those are recalled, not read again; the pages read are
    /// given to it.
    pub ocr_memory: Option<&'a dyn folio_ocr::OcrMemory>,
    /// Draw the new text invisible and cover nothing: a text layer over page images
    /// (`folio ocr`, with an engine that keeps the text).
    pub text_layer: bool,
    /// What reading the input may cost (pages, bytes decoded, operators, time per page).
    pub limits: folio_pdf::Limits,
}

impl<'a> Options<'a> {
    /// Translating with `engine`, new text in `fonts`: every page, default settings, no
    /// password, no cache, the translation alone.
    pub fn new(engine: &'a dyn Engine, fonts: &'a FontBook) -> Self {
        Self {
            engine,
            translate: TranslateOptions::default(),
            fonts,
            pages: None,
            password: None,
            layout: LayoutSettings::default(),
            typeset: TypesetSettings::default(),
            bilingual: None,
            fixed: HashMap::new(),
            record_blocks: false,
            ocr: folio_ocr::OcrSettings {
                mode: folio_ocr::OcrMode::Never,
                language: String::new(),
                ..folio_ocr::OcrSettings::default()
            },
            ocr_memory: None,
            text_layer: false,
            limits: folio_pdf::Limits::default(),
        }
    }
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
    let mut clock = Clock::start();

    events(Event::Started(Stage::Read));
    let LaidOut {
        mut doc,
        blocks,
        drawn,
        layout_time,
        ocr,
    } = read_and_lay_out(&pdf, options, &mut report, events, true)?;
    clock.lap_split(&mut report, (Stage::Read, Stage::Layout), layout_time);
    report.blocks.total = blocks.len() as u32;
    for b in &blocks {
        if let Action::Keep(reason) = b.action {
            *report.segments.kept.entry(reason_name(reason)).or_default() += 1;
        }
    }
    let text = DocumentText::new(&doc, &blocks);

    events(Event::Started(Stage::Translate));
    let (sent, unfold) = text.to_send();
    let (sent, fixed) = set_apart_fixed(&text, sent, &options.fixed, &mut report.warnings);
    let mut output = folio_translate::translate_segments_blocking(
        options.engine,
        &sent,
        &engine_options(options, &doc),
        &mut |p| {
            events(Event::Translated {
                done: p.done,
                total: p.total,
            })
        },
    )
    .map_err(Error::Translate)?;
    unfold.apply(&mut output.translations);
    let edited: HashSet<SegmentId> = fixed.iter().map(|t| t.id).collect();
    output.translations.extend(fixed);
    report.engine = output.stats.clone();
    report.warnings.extend(output.warnings.iter().cloned());
    let outcomes: HashMap<SegmentId, &Outcome> = output
        .translations
        .iter()
        .map(|t| (t.id, &t.outcome))
        .collect();
    clock.lap(&mut report, Stage::Translate);

    events(Event::Started(Stage::Typeset));
    let typeset = crate::typeset::set_translations(
        &doc,
        &blocks,
        &text,
        &drawn,
        &outcomes,
        options,
        &mut report,
    );
    if options.record_blocks {
        report.texts = block_texts(&blocks, &text, &outcomes, &edited, &typeset, &report);
    }
    clock.lap(&mut report, Stage::Typeset);

    events(Event::Started(Stage::Write));
    let (outline_titles, title) = text.extras_translated(&outcomes);
    let mut placed = crate::placed::placed_text(&doc, &drawn, typeset, &mut report)?;
    ocr.finish(&mut placed, options.text_layer, &mut report);
    let plan = WritePlan {
        text: placed,
        outline_titles,
        title,
        lang: Some(options.engine.info().pair.to.clone()),
    };
    // The writer loads its own copy of the file: what only the earlier stages needed goes
    // first, so a long document's glyphs and blocks are not held beside it.
    drop(outcomes);
    drop((output, text, blocks, drawn));
    doc.pages.iter_mut().for_each(keep_for_writer);
    let out = write(&pdf, &doc, &plan, options, &mut report)?;
    clock.lap(&mut report, Stage::Write);
    Ok((out, report))
}

/// What a run would send to the engine, without calling it: segments, requests and tokens
/// (a dry run, for costs before a batch job). It reads, lays out and prepares the segments
/// exactly as [`translate`] does.
pub fn estimate(
    pdf: Arc<Vec<u8>>,
    options: &Options<'_>,
) -> Result<folio_translate::Estimate, Error> {
    let (doc, sent) = read_and_prepare(&pdf, options)?;
    Ok(folio_translate::estimate(
        options.engine,
        &sent,
        &engine_options(options, &doc),
    ))
}

/// The segments a run would send to the engine, as sent: without list markers, leaders and
/// folded capitals. For checking what an engine gets without calling one.
pub fn segments_sent(pdf: Arc<Vec<u8>>, options: &Options<'_>) -> Result<Vec<Segment>, Error> {
    Ok(read_and_prepare(&pdf, options)?.1)
}

/// The document and the segments a run sends, as [`translate`] makes them.
fn read_and_prepare(
    pdf: &Arc<Vec<u8>>,
    options: &Options<'_>,
) -> Result<(Document, Vec<Segment>), Error> {
    let LaidOut { doc, blocks, .. } =
        read_and_lay_out(pdf, options, &mut Report::default(), &mut |_| {}, false)?;
    let text = DocumentText::new(&doc, &blocks);
    let (sent, _) = text.to_send();
    let (sent, _) = set_apart_fixed(&text, sent, &options.fixed, &mut Vec::new());
    Ok((doc, sent))
}

/// The document read and laid out.
struct LaidOut<'o> {
    /// The document, its pages without their glyphs, words and lines (see [`drawn`]).
    ///
    /// [`drawn`]: crate::drawn
    doc: Document,
    /// Every page's blocks, page by page.
    blocks: Vec<Block>,
    /// How each block to translate was drawn.
    drawn: HashMap<BlockId, Drawn>,
    /// The part of the time spent laying out.
    layout_time: Duration,
    /// The pages read by OCR.
    ocr: crate::ocr::OcrRun<'o>,
}

/// Reads the document and lays it out page by page as it is read: each page is laid out once
/// the pages it is compared with are read, what later stages need of its glyphs is taken, and
/// its glyphs, words and lines go; so a long document's glyphs are never all held. Scanned
/// pages are read by OCR when `options.ocr` asks (layout then waits for the end of reading).
/// A document whose every page is a scanned image left unread is an error, a few a
/// warning. The reader's warnings go into the report. Without `take_drawn` (an estimate,
/// which neither typesets nor writes) nothing is taken of the glyphs.
fn read_and_lay_out<'o>(
    pdf: &Arc<Vec<u8>>,
    options: &Options<'o>,
    report: &mut Report,
    events: &mut (dyn FnMut(Event) + Send),
    take_drawn: bool,
) -> Result<LaidOut<'o>, Error> {
    let read_options = ReadOptions {
        password: options.password.clone(),
        pages: options.pages.clone(),
        limits: options.limits,
    };
    let mut layout = IncrementalLayout::new(&options.layout);
    let mut blocks = Vec::new();
    let mut drawn = HashMap::new();
    let mut has_text = false;
    let mut layout_time = Duration::ZERO;
    let mut lay_out = |doc: &mut Document, complete: bool| {
        let start = Instant::now();
        for (at, page_blocks) in layout.lay_out_ready(doc, complete) {
            let page = &doc.pages[at];
            if take_drawn {
                drawn.extend(crate::drawn::page_drawn(doc, page, &page_blocks));
            }
            has_text |= !page.words.is_empty();
            crate::drawn::let_glyphs_go(&mut doc.pages[at]);
            blocks.extend(page_blocks);
        }
        layout_time += start.elapsed();
    };
    let source = options.engine.info().pair.from.clone();
    let mut ocr = crate::ocr::OcrRun::new(pdf, &options.ocr, &source, options.ocr_memory);
    let mut doc = folio_pdf::read_page_by_page(pdf.clone(), &read_options, &mut |doc| {
        if !ocr.read_last_page(doc) {
            lay_out(doc, false)
        }
    })
    .map_err(Error::Read)?;
    ocr.install(&mut doc)?;
    events(Event::Started(Stage::Layout));
    lay_out(&mut doc, true);

    report.pages = doc.info.page_count;
    report.pages_translated = doc.pages.len() as u32;
    report.add_unread_pages(&doc);
    report
        .warnings
        .extend(doc.warnings.iter().map(|w| match w.page {
            Some(p) => format!("page {}: {}", p + 1, w.message),
            None => w.message.clone(),
        }));
    let scanned: Vec<String> = doc
        .pages
        .iter()
        .filter(|p| p.kind == PageKind::Scanned)
        .map(|p| (p.index + 1).to_string())
        .collect();
    if !scanned.is_empty() && !has_text {
        return Err(Error::Scanned {
            pages: doc.pages.len() as u32,
        });
    }
    if !scanned.is_empty() {
        report.warnings.push(format!(
            "page(s) {}: scanned images without a text layer, left as they are (OCR needed)",
            scanned.join(", ")
        ));
    }
    Ok(LaidOut {
        doc,
        blocks,
        drawn,
        layout_time,
        ocr,
    })
}

/// Empties what the writer does not read of a page: its images and paths (its glyphs, words and
/// lines went after layout); it keeps the page's place, geometry and links.
fn keep_for_writer(page: &mut Page) {
    page.images = Vec::new();
    page.paths = Vec::new();
}

/// The engine options for a document: its title is context for engines that take it (the
/// LLM prompt).
fn engine_options(options: &Options<'_>, doc: &Document) -> TranslateOptions {
    let mut engine_options = options.translate.clone();
    if engine_options.title.is_none() {
        engine_options.title = doc.info.title.clone();
    }
    engine_options
}

/// Writes the plan into the original, and pairs each translated page with its original when
/// a bilingual output was asked (only the pages read: all, or the selection). Pages the
/// writer left unchanged go into the report.
fn write(
    pdf: &Arc<Vec<u8>>,
    doc: &Document,
    plan: &WritePlan,
    options: &Options<'_>,
    report: &mut Report,
) -> Result<Vec<u8>, Error> {
    let password = options.password.as_deref();
    let written = folio_pdf::write(pdf.clone(), password, doc, plan).map_err(Error::Write)?;
    report.add_unwritten_pages(&written.failed_pages);
    let out = written.pdf;
    let Some(layout) = options.bilingual else {
        return Ok(out);
    };
    let paired: Option<Vec<u32>> = options
        .pages
        .as_ref()
        .map(|_| doc.pages.iter().map(|p| p.index).collect());
    folio_pdf::bilingual(pdf, &out, password, layout, paired.as_deref()).map_err(Error::Write)
}

/// Times each stage into the report.
struct Clock {
    last: Option<Instant>,
}

impl Clock {
    fn start() -> Self {
        Self {
            last: Some(Instant::now()),
        }
    }

    /// Ends a lap in which two stages ran interleaved: `second` took `second_time` of it.
    fn lap_split(
        &mut self,
        report: &mut Report,
        (first, second): (Stage, Stage),
        second_time: Duration,
    ) {
        let now = Instant::now();
        let total = now.duration_since(self.last.unwrap_or(now));
        let ms = |d: Duration| d.as_millis() as u64;
        report.timings_ms.insert(
            first.name().to_string(),
            ms(total.saturating_sub(second_time)),
        );
        report
            .timings_ms
            .insert(second.name().to_string(), ms(second_time));
        self.last = Some(now);
    }

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
