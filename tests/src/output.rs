//! Checks of a translated PDF against its input, measured from the output itself (its words,
//! images, links and outline as our reader and lopdf see them), not taken from the report.
//!
//! [`translate_file`] runs the pipeline on a corpus file and lays the input out again, so the
//! checks know which blocks were translated; each check returns figures the tests print and
//! judge.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use folio_doc::{Action, Block, Document, Page, Rect, SpanKind, Target};
use folio_pdf::{PageSelection, ReadOptions};
use folio_typeset::FontBook;

/// The pipeline's options the tests use: the bundled fonts, default settings, no cache.
pub fn options(
    engine: &dyn folio_translate::Engine,
    pages: Option<PageSelection>,
    bilingual: Option<folio_pdf::Bilingual>,
) -> folio::Options<'_> {
    folio::Options {
        pages,
        bilingual,
        ..folio::Options::new(engine, fonts())
    }
}

/// A file translated by the pipeline, with what the checks need on both sides.
pub struct Run {
    /// The corpus file name.
    pub name: String,
    /// The input's bytes.
    pub input: Arc<Vec<u8>>,
    /// The output's bytes.
    pub output: Vec<u8>,
    /// The pipeline's report.
    pub report: folio::Report,
    /// The pages translated (all when `None`).
    pub pages: Option<PageSelection>,
    /// The input as read (only the pages translated).
    pub input_doc: Document,
    /// The input's blocks, laid out as the pipeline does.
    pub blocks: Vec<Block>,
    /// The output as read (same pages).
    pub output_doc: Document,
    /// How long the pipeline took.
    pub elapsed: Duration,
}

/// The bundled fonts, loaded once per test binary.
pub fn fonts() -> &'static FontBook {
    static FONTS: OnceLock<FontBook> = OnceLock::new();
    FONTS.get_or_init(FontBook::bundled)
}

/// Translates a file from English to pt-BR with a built-in engine (`pseudo`, `identity`),
/// only `pages` (`"1-20"`) when given, and reads input and output back.
pub fn translate_file(path: &Path, engine: &str, pages: Option<&str>) -> Result<Run, String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let input = Arc::new(bytes);
    let pages: Option<PageSelection> = pages.map(str::parse).transpose()?;
    let pair = folio_translate::LangPair::new("en", "pt-BR").map_err(|e| e.to_string())?;
    let config = folio_translate::Config {
        engine: Some(engine.into()),
        ..folio_translate::Config::default()
    };
    let models_dir = folio_translate::models_dir(None, None);
    let engine =
        folio_translate::build_engine(&config, pair, &models_dir).map_err(|e| e.to_string())?;
    let options = options(engine.as_ref(), pages.clone(), None);
    let start = Instant::now();
    let (output, report) = folio::translate(input.clone(), &options, &mut |_| {})
        .map_err(|e| format!("{name}: {e}"))?;
    let elapsed = start.elapsed();
    let read_options = ReadOptions {
        password: None,
        pages: pages.clone(),
        ..ReadOptions::default()
    };
    let input_doc = folio_pdf::read(input.clone(), &read_options).map_err(|e| e.to_string())?;
    let blocks =
        folio_layout::layout_document(&input_doc, &folio_layout::LayoutSettings::default());
    let output_doc = folio_pdf::read(output.clone(), &read_options)
        .map_err(|e| format!("{name}: the output cannot be read: {e}"))?;
    Ok(Run {
        name,
        input,
        output,
        report,
        pages,
        input_doc,
        blocks,
        output_doc,
        elapsed,
    })
}

impl Run {
    /// The output compared with the input page by page at 72 dpi (the pages translated), as
    /// `folio qa compare` does.
    pub fn compare_with_input(&self) -> Result<folio_qa::Comparison, String> {
        let options = folio_qa::CompareOptions {
            dpi: 72.0,
            pages: self.pages.clone(),
            thresholds: folio_qa::Thresholds::default(),
        };
        folio_qa::compare_pdfs(
            self.input.as_ref().clone(),
            self.output.clone(),
            &options,
            &mut folio_qa::NoImages,
        )
        .map_err(|e| format!("{}: {e}", self.name))
    }

    /// The SSIM of each text page of the input against the output's (pages without text are
    /// left out: an empty page matches whatever the pipeline does).
    pub fn text_page_ssims(&self) -> Result<Vec<f64>, String> {
        let cmp = self.compare_with_input()?;
        let text = text_pages(&self.input_doc);
        Ok(cmp
            .pages
            .iter()
            .filter(|p| text.contains(&(p.index as u32)))
            .map(|p| p.pixels.map_or(0.0, |x| x.ssim))
            .collect())
    }

    /// The blocks layout marked for translation.
    pub fn translated_blocks(&self) -> impl Iterator<Item = &Block> {
        self.blocks
            .iter()
            .filter(|b| matches!(b.action, Action::Translate))
    }

    /// Input and output pages, paired by index.
    pub fn page_pairs(&self) -> impl Iterator<Item = (&Page, &Page)> {
        self.input_doc.pages.iter().filter_map(|a| {
            let b = self.output_doc.pages.iter().find(|b| b.index == a.index)?;
            Some((a, b))
        })
    }

    /// Glyphs of kept items (inline formulas, citations, URLs) inside translated blocks.
    fn kept_span_glyphs(&self, page: u32) -> HashSet<u32> {
        self.translated_blocks()
            .filter(|b| b.id.page == page)
            .flat_map(|b| &b.spans)
            .filter(|s| matches!(s.kind, SpanKind::Kept { .. }))
            .flat_map(|s| s.glyphs.iter().copied())
            .collect()
    }

    /// The input page's words that belong to translated blocks (indices into `Page::words`).
    fn translated_words(&self, page: u32) -> HashSet<u32> {
        self.translated_blocks()
            .filter(|b| b.id.page == page)
            .flat_map(|b| b.lines.iter().flat_map(|l| l.words.iter().copied()))
            .collect()
    }
}

/// Runs `qpdf --check` on PDF bytes: `Ok(warnings)` when qpdf finds no error (exit 0, or 3
/// for warnings only), else `Err` with its output.
pub fn qpdf_check(bytes: &[u8], name: &str) -> Result<Vec<String>, String> {
    let dir = std::env::temp_dir().join(format!("folio-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let path = dir.join(name);
    std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
    let out = Command::new("qpdf")
        .arg("--check")
        .arg(&path)
        .output()
        .map_err(|e| format!("cannot run qpdf (install qpdf): {e}"));
    let _ = std::fs::remove_file(&path);
    let out = out?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let warnings = text
        .lines()
        .filter(|l| l.contains("WARNING"))
        .map(str::to_string)
        .collect();
    match out.status.code() {
        Some(0) | Some(3) => Ok(warnings),
        _ => Err(text),
    }
}

/// Runs of three or more letters in a text: what counts as a word of the source.
pub fn letter_tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphabetic())
        .filter(|t| t.chars().count() >= 3)
        .map(str::to_string)
}

fn count_tokens<'a>(texts: impl IntoIterator<Item = &'a str>) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for t in texts {
        for tok in letter_tokens(t) {
            *counts.entry(tok).or_default() += 1;
        }
    }
    counts
}

/// A source word found in the output more often than the text left untranslated explains.
#[derive(Debug, Clone)]
pub struct Leftover {
    /// Page, from 1.
    pub page: u32,
    /// The word.
    pub word: String,
    /// Times too many.
    pub extra: usize,
}

/// Source words (three letters or more) of translated blocks that are still in the output's
/// text. Text legitimately left in the source language (kept blocks, words outside blocks,
/// kept items inside translated blocks) is allowed as often as the input has it.
pub fn leftover_source_words(run: &Run) -> (usize, Vec<Leftover>) {
    let mut vanishing_total = 0;
    let mut found = Vec::new();
    for (a, b) in run.page_pairs() {
        let translated = run.translated_words(a.index);
        let kept_glyphs = run.kept_span_glyphs(a.index);
        let mut vanishing = Vec::new();
        let mut allowed = Vec::new();
        for (i, w) in a.words.iter().enumerate() {
            if !translated.contains(&(i as u32)) {
                allowed.push(w.text.clone());
                continue;
            }
            let (mut gone, mut stays) = (String::new(), String::new());
            for &g in &w.glyphs {
                let t = &a.glyphs[g as usize].text;
                if kept_glyphs.contains(&g) {
                    stays.push_str(t);
                    gone.push(' ');
                } else {
                    gone.push_str(t);
                    stays.push(' ');
                }
            }
            vanishing.push(gone);
            allowed.push(stays);
        }
        let vanishing = count_tokens(vanishing.iter().map(String::as_str));
        vanishing_total += vanishing.values().sum::<usize>();
        let allowed = count_tokens(allowed.iter().map(String::as_str));
        let output = count_tokens(b.words.iter().map(|w| w.text.as_str()));
        let mut page_found: Vec<Leftover> = vanishing
            .keys()
            .filter_map(|tok| {
                let have = output.get(tok).copied().unwrap_or(0);
                let may = allowed.get(tok).copied().unwrap_or(0);
                (have > may).then(|| Leftover {
                    page: a.index + 1,
                    word: tok.clone(),
                    extra: have - may,
                })
            })
            .collect();
        page_found.sort_by(|x, y| x.word.cmp(&y.word));
        found.extend(page_found);
    }
    (vanishing_total, found)
}

/// A place where the output's new text collides with something.
#[derive(Debug, Clone)]
pub struct Collision {
    /// Page, from 1.
    pub page: u32,
    /// What it hits: `off-page`, `kept text`, `new text`, `image`, `path`.
    pub what: &'static str,
    /// The new word.
    pub word: String,
    /// Where its ink is (see `word_core`).
    pub bbox: Rect,
    /// What it hits, in words.
    pub other: String,
    /// The input block the new word's centre falls in (or the nearest), for diagnosis.
    pub block: Option<(u32, Rect)>,
}

/// Figures of the fit check.
#[derive(Debug, Clone, Default)]
pub struct FitFigures {
    /// Words of the output on translated pages that are new (not kept from the input).
    pub new_words: usize,
    /// Input words outside translated blocks.
    pub kept_words: usize,
    /// Of those, how many are not found in the output at their place.
    pub kept_lost: usize,
    /// Collisions found.
    pub collisions: Vec<Collision>,
}

/// Where a word's ink is, whatever font metrics its box came from: from 0.65 em above the
/// baseline to 0.1 em below it (x-height and capitals, not the ascent-to-descent box, in which
/// lines set solid touch, and whose height depends on the font's declared metrics).
fn word_core(page: &Page, word: &folio_doc::Word) -> Rect {
    let mut core: Option<Rect> = None;
    for &g in &word.glyphs {
        let g = &page.glyphs[g as usize];
        let r = if g.angle.abs() < 0.5 {
            // The x-height band, inside the font's own box: a big delimiter of a math
            // extension font hangs below its baseline.
            let (y0, y1) = (
                (g.origin.y - 0.65 * g.size).max(g.bbox.y0),
                (g.origin.y + 0.1 * g.size).min(g.bbox.y1),
            );
            let (y0, y1) = if y0 < y1 {
                (y0, y1)
            } else {
                (g.bbox.y0, g.bbox.y1)
            };
            Rect::new(g.bbox.x0, y0, g.bbox.x1, y1)
        } else {
            g.bbox
        };
        core = Some(core.map_or(r, |c| c.union(&r)));
    }
    let r = core.unwrap_or(word.bbox);
    // Neighbouring glyphs of one line touch: leave a hair between them.
    Rect::new(r.x0 + 0.25, r.y0, (r.x1 - 0.25).max(r.x0 + 0.25), r.y1)
}

fn overlaps(a: &Rect, b: &Rect, tol: f32) -> Option<Rect> {
    a.intersection(b)
        .filter(|i| i.width() > tol && i.height() > tol)
}

fn grow(r: &Rect, by: f32) -> Rect {
    Rect::new(r.x0 - by, r.y0 - by, r.x1 + by, r.y1 + by)
}

fn contains(outer: &Rect, inner: &Rect) -> bool {
    outer.x0 <= inner.x0 && outer.y0 <= inner.y0 && outer.x1 >= inner.x1 && outer.y1 >= inner.y1
}

/// Checks the output's new text against the page edges, the kept text, each other, images
/// and paths, from the output's own word boxes.
///
/// A new word is an output word that is not a kept input word found at its place (same text,
/// centre within 1.5 pt). Words are compared by where their ink is (0.65 em above the
/// baseline to 0.1 em below), not by their font boxes. A collision that the input already had is not the pipeline's doing, so it
/// is allowed: a new word may overlap an image or path inside the box of an input block that
/// overlapped it too, may fill a frame or panel that held a translated block (without crossing
/// its edge), and may overlap kept text that touched translated text already. Paths covering
/// half the page or more are backgrounds, as the pipeline treats them.
pub fn fit_check(run: &Run) -> FitFigures {
    let mut fig = FitFigures::default();
    for (a, b) in run.page_pairs() {
        let translated = run.translated_words(a.index);
        if translated.is_empty() {
            continue;
        }
        let page_blocks: Vec<&Block> = run
            .blocks
            .iter()
            .filter(|bl| bl.id.page == a.index)
            .collect();
        // Kept input words, by text, to find them in the output.
        let mut kept: HashMap<&str, Vec<(usize, Rect)>> = HashMap::new();
        let mut kept_list = Vec::new();
        for (i, w) in a.words.iter().enumerate() {
            if !translated.contains(&(i as u32)) {
                kept.entry(w.text.as_str())
                    .or_default()
                    .push((kept_list.len(), w.bbox));
                kept_list.push(w.bbox);
            }
        }
        let translated_blocks: Vec<&&Block> = page_blocks
            .iter()
            .filter(|bl| matches!(bl.action, Action::Translate))
            .collect();
        fig.kept_words += kept_list.len();
        let mut found = vec![false; kept_list.len()];
        let mut new_words: Vec<(&str, Rect)> = Vec::new();
        let mut kept_out: Vec<(&str, Rect)> = Vec::new();
        for w in &b.words {
            let c = w.bbox.center();
            let hit = kept.get(w.text.as_str()).and_then(|cands| {
                cands.iter().find(|(k, r)| {
                    let rc = r.center();
                    !found[*k] && (rc.x - c.x).abs() <= 1.5 && (rc.y - c.y).abs() <= 1.5
                })
            });
            match hit {
                Some((k, _)) => {
                    found[*k] = true;
                    kept_out.push((&w.text, word_core(b, w)));
                }
                None => new_words.push((&w.text, word_core(b, w))),
            }
        }
        fig.kept_lost += found.iter().filter(|f| !**f).count();
        fig.new_words += new_words.len();
        // Kept text that touched translated text in the input may be touched again.
        let translated_cores: Vec<Rect> = translated
            .iter()
            .map(|&i| word_core(a, &a.words[i as usize]))
            .collect();
        let page_rect = Rect::new(0.0, 0.0, b.width, b.height);
        let page_area = b.width * b.height;
        // (what, box, only its outline is drawn)
        let obstacles: Vec<(&'static str, Rect, bool)> = b
            .images
            .iter()
            .map(|i| ("image", i.bbox, false))
            .chain(
                b.paths
                    .iter()
                    .filter(|p| p.bbox.area() < 0.5 * page_area)
                    .map(|p| ("path", p.bbox, !p.fill)),
            )
            .collect();
        let mut push = |what, word: &str, bbox: Rect, other: String| {
            let c = bbox.center();
            let dist = |r: &Rect| {
                (r.x0 - c.x).max(c.x - r.x1).max(0.0) + (r.y0 - c.y).max(c.y - r.y1).max(0.0)
            };
            let block = page_blocks
                .iter()
                .filter(|bl| matches!(bl.action, Action::Translate))
                .min_by(|x, y| dist(&x.bbox).total_cmp(&dist(&y.bbox)))
                .map(|bl| (bl.id.index, bl.bbox));
            fig.collisions.push(Collision {
                page: a.index + 1,
                what,
                word: word.to_string(),
                bbox,
                other,
                block,
            })
        };
        // Text of a block the input had off the page (a slide's hidden note) may stay there.
        let off_before = page_blocks
            .iter()
            .any(|bl| bl.bbox.intersection(&page_rect).is_none());
        for (n, &(text, cr)) in new_words.iter().enumerate() {
            let on_page = contains(&grow(&page_rect, 1.0), &cr);
            let still_off = off_before && cr.intersection(&page_rect).is_none();
            let in_a_block = page_blocks
                .iter()
                .any(|bl| contains(&grow(&bl.bbox, 1.0), &cr));
            if !(on_page || still_off || in_a_block) {
                push(
                    "off-page",
                    text,
                    cr,
                    format!("page {:.0}×{:.0}", b.width, b.height),
                );
            }
            for &(kt, kc) in &kept_out {
                if overlaps(&cr, &kc, 0.5).is_some()
                    && !translated_cores
                        .iter()
                        .any(|t| overlaps(t, &kc, 0.5).is_some())
                {
                    push("kept text", text, cr, format!("'{kt}' at {kc:?}"));
                }
            }
            for &(ot, or) in &new_words[n + 1..] {
                if overlaps(&cr, &or, 0.5).is_some() {
                    push("new text", text, cr, format!("'{ot}' at {or:?}"));
                }
            }
            for &(what, orect, outline) in &obstacles {
                let Some(i) = overlaps(&cr, &orect, 0.5) else {
                    continue;
                };
                // Text set inside a frame or on a panel that held a translated block may fill
                // it, up to its edge (the outline's stroke when only that is drawn).
                let container = translated_blocks
                    .iter()
                    .any(|bl| contains(&grow(&orect, 1.0), &bl.bbox));
                let inside = if outline { grow(&orect, -1.0) } else { orect };
                let explained = (container && contains(&inside, &cr))
                    || page_blocks.iter().any(|bl| {
                        bl.bbox.intersection(&orect).is_some() && contains(&grow(&bl.bbox, 1.0), &i)
                    });
                if !explained {
                    push(what, text, cr, format!("{what} at {orect:?}"));
                }
            }
        }
    }
    fig
}

/// An object number and generation.
pub type ObjId = (u32, u16);

/// A 64-bit hash of some bytes, and their length.
pub type Digest = (u64, usize);

fn digest(bytes: &[u8]) -> Digest {
    let mut h = DefaultHasher::new();
    bytes.hash(&mut h);
    (h.finish(), bytes.len())
}

/// Raw (still encoded) stream bytes of every image XObject in a file, hashed, by object.
pub fn image_streams(bytes: &[u8]) -> Result<BTreeMap<ObjId, Digest>, String> {
    let doc = lopdf::Document::load_mem(bytes).map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    for (id, obj) in &doc.objects {
        if let lopdf::Object::Stream(s) = obj
            && s.dict.get(b"Subtype").and_then(|o| o.as_name()).ok() == Some(b"Image".as_slice())
        {
            out.insert(*id, digest(&s.content));
        }
    }
    Ok(out)
}

/// Objects of a file that nothing refers to any more (left behind when their references were
/// replaced), and the bytes of their streams (as stored, before the file's own compression).
pub fn unreferenced(bytes: &[u8]) -> Result<(usize, usize), String> {
    let mut doc = lopdf::Document::load_mem(bytes).map_err(|e| e.to_string())?;
    let sizes: HashMap<ObjId, usize> = doc
        .objects
        .iter()
        .filter_map(|(id, o)| match o {
            lopdf::Object::Stream(s) => Some((*id, s.content.len())),
            _ => None,
        })
        .collect();
    let removed = doc.prune_objects();
    let bytes = removed.iter().filter_map(|id| sizes.get(id)).sum();
    Ok((removed.len(), bytes))
}

/// Figures of the image check.
#[derive(Debug, Clone, Default)]
pub struct ImageFigures {
    /// Image XObjects in the input file.
    pub input: usize,
    /// Of those, byte-identical in the output.
    pub identical: usize,
    /// Images drawn on the translated pages (input).
    pub drawn: usize,
    /// Problems: changed or missing streams, images drawn elsewhere or not at all.
    pub problems: Vec<String>,
}

/// Image XObjects must come out byte for byte, and be drawn where they were.
pub fn image_check(run: &Run) -> Result<ImageFigures, String> {
    let a = image_streams(&run.input)?;
    let b = image_streams(&run.output)?;
    let mut fig = ImageFigures {
        input: a.len(),
        ..ImageFigures::default()
    };
    for (id, d) in &a {
        match b.get(id) {
            Some(e) if e == d => fig.identical += 1,
            Some(_) => fig
                .problems
                .push(format!("image {} {} R: stream changed", id.0, id.1)),
            None => {
                // Objects may be renumbered: look for the same bytes anywhere.
                if b.values().any(|e| e == d) {
                    fig.identical += 1;
                } else {
                    fig.problems
                        .push(format!("image {} {} R: missing", id.0, id.1));
                }
            }
        }
    }
    let key = |i: &folio_doc::ImageAsset| {
        let r = i.bbox;
        (
            i.xobject.map(|o| (o.num, o.generation)),
            (r.x0 * 10.0).round() as i64,
            (r.y0 * 10.0).round() as i64,
            (r.x1 * 10.0).round() as i64,
            (r.y1 * 10.0).round() as i64,
        )
    };
    for (pa, pb) in run.page_pairs() {
        fig.drawn += pa.images.len();
        let mut ka: Vec<_> = pa.images.iter().map(key).collect();
        let mut kb: Vec<_> = pb.images.iter().map(key).collect();
        ka.sort();
        kb.sort();
        if ka != kb {
            fig.problems.push(format!(
                "page {}: {} image(s) drawn in the input, {} in the output, or drawn elsewhere",
                pa.index + 1,
                ka.len(),
                kb.len()
            ));
        }
    }
    Ok(fig)
}

/// Figures of the link check.
#[derive(Debug, Clone, Default)]
pub struct LinkFigures {
    /// Links on the translated pages of the input.
    pub input: usize,
    /// Links there in the output.
    pub output: usize,
    /// Links whose input rect covered translated words.
    pub on_translated: usize,
    /// Of those, how many cover new words in the output.
    pub on_translated_ok: usize,
    /// Problems: counts, targets, rects covering nothing.
    pub problems: Vec<String>,
}

fn target_key(t: &Target) -> String {
    match t {
        Target::Page { page, y } => format!("page {page} y {:.0}", y.unwrap_or(-1.0)),
        Target::Uri(u) => format!("uri {u}"),
        Target::Named(n) => format!("named {n}"),
        Target::Other(o) => format!("other {o}"),
    }
}

/// Links keep their count and targets, page by page, and a link that sat on translated words
/// now covers translated (new) words.
pub fn link_check(run: &Run) -> LinkFigures {
    let mut fig = LinkFigures::default();
    for (a, b) in run.page_pairs() {
        fig.input += a.links.len();
        fig.output += b.links.len();
        let ta: Vec<String> = a.links.iter().map(|l| target_key(&l.target)).collect();
        let tb: Vec<String> = b.links.iter().map(|l| target_key(&l.target)).collect();
        if ta != tb {
            let (mut sa, mut sb) = (ta.clone(), tb.clone());
            sa.sort();
            sb.sort();
            let what = if sa == sb {
                "in another order"
            } else {
                "differ"
            };
            fig.problems.push(format!(
                "page {}: link targets {what} ({} in, {} out)",
                a.index + 1,
                ta.len(),
                tb.len()
            ));
            continue;
        }
        let translated = run.translated_words(a.index);
        // Output words not found unchanged in the input are new.
        let mut old: HashMap<&str, Vec<Rect>> = HashMap::new();
        for w in &a.words {
            old.entry(w.text.as_str()).or_default().push(w.bbox);
        }
        let is_new = |w: &folio_doc::Word| {
            let c = w.bbox.center();
            !old.get(w.text.as_str()).is_some_and(|rs| {
                rs.iter().any(|r| {
                    let rc = r.center();
                    (rc.x - c.x).abs() <= 1.5 && (rc.y - c.y).abs() <= 1.5
                })
            })
        };
        let kept_glyphs = run.kept_span_glyphs(a.index);
        // A link is on a word when it covers a quarter of the word's ink or the word a quarter
        // of the link (a navigation dot grazing a heading is not on it).
        let covers = |r: &Rect, c: Rect| {
            r.intersection(&c)
                .is_some_and(|i| i.area() >= 0.25 * c.area().min(r.area()))
        };
        // Text under a rect, spaces dropped, in reading order.
        let under = |page: &Page, r: &Rect, only: &dyn Fn(usize) -> bool| -> String {
            page.words
                .iter()
                .enumerate()
                .filter(|(i, w)| only(*i) && covers(r, word_core(page, w)))
                .map(|(_, w)| w.text.as_str())
                .collect()
        };
        for (la, lb) in a.links.iter().zip(&b.links) {
            let on: Vec<usize> = translated
                .iter()
                .map(|&i| i as usize)
                .filter(|&i| covers(&la.rect, word_core(a, &a.words[i])))
                .collect();
            let what = target_key(&lb.target);
            if on.is_empty() {
                if a.words.iter().any(|w| covers(&la.rect, word_core(a, w)))
                    && !b.words.iter().any(|w| covers(&lb.rect, word_core(b, w)))
                {
                    fig.problems.push(format!(
                        "page {}: link to {what} at {:?} covered words and now covers none",
                        a.index + 1,
                        lb.rect
                    ));
                }
                continue;
            }
            fig.on_translated += 1;
            // A link on a kept item (a citation, a URL) must still be on that item's text; a
            // link on words that were translated must be on new words.
            let kept_item = on.iter().all(|&i| {
                let g = &a.words[i].glyphs;
                2 * g.iter().filter(|g| kept_glyphs.contains(g)).count() >= g.len()
            });
            let ok = if kept_item {
                // Kept text comes back in another font, maybe split otherwise: compare letters
                // and digits only.
                let norm =
                    |t: String| -> String { t.chars().filter(|c| c.is_alphanumeric()).collect() };
                let before = norm(under(a, &la.rect, &|i| on.contains(&i)));
                let after = norm(under(b, &lb.rect, &|_| true));
                after.contains(&before)
            } else {
                // New words, or the same words where the engine gave them back unchanged
                // (pseudo leaves a page number "5" as it is).
                let same = |w: &folio_doc::Word| on.iter().any(|&i| a.words[i].text == w.text);
                b.words
                    .iter()
                    .any(|w| (is_new(w) || same(w)) && covers(&lb.rect, word_core(b, w)))
            };
            if ok {
                fig.on_translated_ok += 1;
            } else {
                let words: Vec<&str> = on.iter().map(|&i| a.words[i].text.as_str()).collect();
                fig.problems.push(format!(
                    "page {}: link to {what} on '{}'{} at {:?} is no longer on it",
                    a.index + 1,
                    words.join(" "),
                    if kept_item { " (kept item)" } else { "" },
                    lb.rect
                ));
            }
        }
    }
    fig
}

/// Every outline title, depth first.
pub fn outline_titles(doc: &Document) -> Vec<String> {
    fn walk(items: &[folio_doc::OutlineItem], out: &mut Vec<String>) {
        for i in items {
            out.push(i.title.clone());
            walk(&i.children, out);
        }
    }
    let mut out = Vec::new();
    walk(&doc.outline, &mut out);
    out
}

/// Families of the fonts the output uses that the input did not have (subset tag and style
/// suffix dropped: `ABCDEF+NotoSerif-Bold` is `NotoSerif`).
pub fn new_font_families(input: &Document, output: &Document) -> BTreeSet<String> {
    let before: HashSet<&str> = input.fonts.iter().map(|f| f.name.as_str()).collect();
    output
        .fonts
        .iter()
        .filter(|f| !before.contains(f.name.as_str()))
        .map(|f| {
            let name = f.name.rsplit('+').next().unwrap_or(&f.name);
            name.split('-').next().unwrap_or(name).to_string()
        })
        .collect()
}

/// Text pages of a document (pages with words), by index.
pub fn text_pages(doc: &Document) -> BTreeSet<u32> {
    doc.pages
        .iter()
        .filter(|p| !p.words.is_empty())
        .map(|p| p.index)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_letter_runs_of_three() {
        let t: Vec<String> = letter_tokens("the (x) fox's 12abc, déjà-vu").collect();
        assert_eq!(t, ["the", "fox", "abc", "déjà"]);
    }

    #[test]
    fn boxes_inside_and_across() {
        let outer = Rect::new(0.0, 0.0, 50.0, 50.0);
        assert!(contains(&outer, &Rect::new(1.0, 1.0, 49.0, 49.0)));
        assert!(!contains(&outer, &Rect::new(1.0, 1.0, 51.0, 49.0)));
        assert!(overlaps(&outer, &Rect::new(49.8, 0.0, 60.0, 10.0), 0.5).is_none());
        assert!(overlaps(&outer, &Rect::new(49.0, 0.0, 60.0, 10.0), 0.5).is_some());
    }
}
