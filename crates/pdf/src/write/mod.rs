//! Writing: the original PDF, edited in place (ISO 32000-2, 7.5 and 8–9).
//!
//! The original is loaded with `lopdf`, which decrypts it and keeps every object. For each page
//! with changes:
//! 1. the page's content (and the Form XObjects its translated glyphs live in) is walked again
//!    with the reader's tokenizer and interpreter, so every glyph the plan removes is found at
//!    its exact operator and byte; those codes are cut out of their strings and replaced by
//!    `TJ` adjustments of the same width, so kept glyphs after them stay where they were;
//!    every other operator is copied byte for byte;
//! 2. the new text is appended in its own `q … Q`, drawn with subset Type 0 fonts
//!    (`write::font`) whose `/ToUnicode` gives the translation back to copy-paste and search
//!    (and `/ActualText` spans where a word's glyphs cannot: `write::content`);
//! 3. links are moved, outline titles, `/Title` and `/Lang` are set;
//! 4. the file is saved with object and cross-reference streams.

mod bilingual;
mod content;
mod font;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use folio_doc::{
    Document, FaceSource, Matrix, ObjRef, OriginalFont, Page, PageText, PlacedBlock, PlacedText,
    Rect, StreamId,
};
use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};
use serde::{Deserialize, Serialize};

use crate::ReadError;
use crate::read::{GlyphSite, visit_page_sites};
use font::FontEmbedder;

pub use bilingual::{Bilingual, bilingual};

/// Everything to change in a document: the new text (what to remove, what to draw, with
/// which faces) and what to rename.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WritePlan {
    /// The typeset text of each page that changes, and the faces it is drawn with.
    pub text: PlacedText,
    /// New outline titles, by outline item object.
    pub outline_titles: Vec<(ObjRef, String)>,
    /// New document title (`/Title` of the information dictionary).
    pub title: Option<String>,
    /// The document's language after translation (catalogue `/Lang`).
    pub lang: Option<String>,
}

/// Why a document could not be written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WriteError {
    /// The original could not be opened for editing.
    Load(String),
    /// The original could not be read again to locate the text to remove.
    Read(crate::ReadError),
    /// A page to edit is not in the file.
    NoSuchPage(u32),
    /// A font could not be embedded.
    Font(String),
    /// A content stream could not be rewritten.
    Content {
        /// The page, from 0.
        page: u32,
        /// What went wrong.
        message: String,
    },
    /// Saving failed.
    Save(String),
    /// The original and translated pages could not be put together.
    Bilingual(String),
    /// The PDF written does not read back with the original's pages: its page objects are
    /// damaged in a way the editor reads otherwise than the reader did.
    Unreadable(String),
    /// A panic in the work on the whole document (opening it, subsetting the fonts, rewriting
    /// forms, saving): a bug of ours, which ends as this document's error, not the process.
    Bug(String),
}

/// The links a block's new text carries, each with the rectangle over its words (display
/// coordinates): the annotation is moved there.
fn moved_links(block: &PlacedBlock, page: &Page) -> Vec<(ObjRef, Rect)> {
    let mut rects: BTreeMap<u32, Rect> = BTreeMap::new();
    for run in block.lines.iter().flat_map(|l| &l.runs) {
        if let Some(link) = run.link {
            let r = Rect::new(
                run.origin.x,
                run.origin.y - run.size * 0.8,
                run.origin.x + run.width(),
                run.origin.y + run.size * 0.25,
            );
            rects
                .entry(link)
                .and_modify(|u| *u = u.union(&r))
                .or_insert(r);
        }
    }
    rects
        .into_iter()
        .filter_map(|(link, rect)| {
            let annot = page.links.get(link as usize)?.annot?;
            Some((annot, rect))
        })
        .collect()
}

/// Points the pages of `pages` that draw Form XObject `form` directly (through their own or
/// inherited `/Resources`) at a copy of `original`, so rewriting the form for the translated
/// pages does not take its text off the others (a running header shared by every page, with
/// `--pages`).
fn keep_form_for(pdf: &mut lopdf::Document, form: ObjectId, original: Object, pages: &[ObjectId]) {
    let mut copy: Option<ObjectId> = None;
    for &page in pages {
        let resources = effective_resources(pdf, page);
        let Some(mut xobjects) = resources
            .get(b"XObject")
            .ok()
            .and_then(|o| dictionary(pdf, o))
        else {
            continue;
        };
        let mut changed = false;
        for (_, value) in xobjects.iter_mut() {
            if *value == Object::Reference(form) {
                let id = *copy.get_or_insert_with(|| pdf.add_object(original.clone()));
                *value = Object::Reference(id);
                changed = true;
            }
        }
        if changed {
            let mut resources = resources;
            resources.set("XObject", Object::Dictionary(xobjects));
            if let Ok(dict) = pdf.get_dictionary_mut(page) {
                dict.set("Resources", Object::Dictionary(resources));
            }
        }
    }
}

/// Gives a file whose page tree is broken (the reader found its pages by searching the file) a
/// new one: a `/Pages` node over the pages read, in their order, each keeping what it had
/// inherited, under the catalog (a new one if it is lost too). The pages' ids, in order, or
/// nothing when the reader did not note every page's dictionary.
fn rebuild_page_tree(pdf: &mut lopdf::Document, doc: &Document) -> Option<Vec<ObjectId>> {
    let ids: Vec<ObjectId> = doc
        .pages
        .iter()
        .map(|p| p.obj.map(|o| (o.num, o.generation)))
        .collect::<Option<_>>()?;
    if ids.is_empty() || ids.iter().any(|id| pdf.get_dictionary(*id).is_err()) {
        return None;
    }
    let pages_id = pdf.new_object_id();
    for &id in &ids {
        // What the page inherited from the nodes above it (ISO 32000-2, 7.7.3.4).
        let mut inherited: Vec<(Vec<u8>, Object)> = Vec::new();
        let mut parent = pdf
            .get_dictionary(id)
            .ok()?
            .get(b"Parent")
            .and_then(Object::as_reference)
            .ok();
        let mut seen = 0;
        while let Some(pid) = parent.filter(|_| seen < 32) {
            seen += 1;
            let Ok(node) = pdf.get_dictionary(pid) else {
                break;
            };
            for key in [&b"Resources"[..], b"MediaBox", b"CropBox", b"Rotate"] {
                if let Ok(v) = node.get(key)
                    && !inherited.iter().any(|(k, _)| k == key)
                {
                    inherited.push((key.to_vec(), v.clone()));
                }
            }
            parent = node.get(b"Parent").and_then(Object::as_reference).ok();
        }
        let page = pdf.get_dictionary_mut(id).ok()?;
        for (key, value) in inherited {
            if !page.has(&key) {
                page.set(key, value);
            }
        }
        page.set("Parent", Object::Reference(pages_id));
    }
    let kids = ids.iter().map(|&id| Object::Reference(id)).collect();
    pdf.objects.insert(
        pages_id,
        Object::Dictionary(lopdf::Dictionary::from_iter([
            ("Type", Object::Name(b"Pages".to_vec())),
            ("Kids", Object::Array(kids)),
            ("Count", Object::Integer(ids.len() as i64)),
        ])),
    );
    let catalog = pdf
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .ok()
        .filter(|&id| pdf.get_dictionary(id).is_ok());
    match catalog {
        Some(id) => {
            pdf.get_dictionary_mut(id)
                .ok()?
                .set("Pages", Object::Reference(pages_id));
        }
        None => {
            let id = pdf.add_object(lopdf::Dictionary::from_iter([
                ("Type", Object::Name(b"Catalog".to_vec())),
                ("Pages", Object::Reference(pages_id)),
            ]));
            pdf.trailer.set("Root", Object::Reference(id));
        }
    }
    Some(ids)
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Load(m) => write!(f, "cannot open the PDF for editing: {m}"),
            WriteError::Read(e) => write!(f, "cannot read the PDF again: {e}"),
            WriteError::NoSuchPage(p) => write!(f, "page {} is not in the PDF", p + 1),
            WriteError::Font(m) => write!(f, "failed to embed font: {m}"),
            WriteError::Content { page, message } => {
                write!(
                    f,
                    "page {}: cannot rewrite the content stream: {message}",
                    page + 1
                )
            }
            WriteError::Save(m) => write!(f, "cannot save the PDF: {m}"),
            WriteError::Bug(m) => write!(f, "the writer failed ({m}); please report this as a bug"),
            WriteError::Bilingual(m) => write!(f, "cannot make the bilingual PDF: {m}"),
            WriteError::Unreadable(m) => write!(
                f,
                "the translated PDF would not read back ({m}): the input's page objects are damaged"
            ),
        }
    }
}

impl std::error::Error for WriteError {}

/// The output, when it reads back with `pages` pages: never a file that lost its pages (a
/// damaged page object the reader repaired and the editor did not).
fn check_reads_back(out: Vec<u8>, pages: u32) -> Result<Vec<u8>, WriteError> {
    let out = Arc::new(out);
    match crate::page_count(out.clone(), None, &crate::Limits::unbounded()) {
        Ok(n) if n == pages => {}
        Ok(n) => {
            return Err(WriteError::Unreadable(format!("{n} pages of {pages}")));
        }
        // An output still encrypted is read with its password by whoever opens it.
        Err(ReadError::PasswordRequired | ReadError::WrongPassword) => {}
        Err(e) => return Err(WriteError::Unreadable(e.to_string())),
    }
    Ok(Arc::try_unwrap(out).unwrap_or_else(|shared| (*shared).clone()))
}

impl From<ReadError> for WriteError {
    fn from(e: ReadError) -> Self {
        WriteError::Read(e)
    }
}

/// Writes `original` with the changes of `plan`. `doc` is the document as read from
/// `original` (glyph indices in the plan refer to it).
///
/// Never panics: each page is written under a guard of its own (a panic leaves that page as
/// it was, in [`Written::failed_pages`]); a panic in the work on the whole document (subsetting
/// the fonts, rewriting forms, saving) is [`WriteError::Bug`].
pub fn write(
    original: Arc<Vec<u8>>,
    password: Option<&str>,
    doc: &Document,
    plan: &WritePlan,
) -> Result<Written, WriteError> {
    guard_document(|| write_document(original, password, doc, plan))
}

/// Runs the work on a whole document: a panic there (a bug) is the document's
/// [`WriteError::Bug`] rather than the end of the process, which may be translating others.
pub(crate) fn guard_document<T>(
    work: impl FnOnce() -> Result<T, WriteError>,
) -> Result<T, WriteError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
        .unwrap_or_else(|panic| Err(WriteError::Bug(crate::panic_message(&*panic))))
}

fn write_document(
    original: Arc<Vec<u8>>,
    password: Option<&str>,
    doc: &Document,
    plan: &WritePlan,
) -> Result<Written, WriteError> {
    let options = lopdf::LoadOptions {
        password: password.map(str::to_string),
        ..Default::default()
    };
    let mut pdf = lopdf::Document::load_mem_with_options(&original, options)
        .map_err(|e| WriteError::Load(e.to_string()))?;
    let mut page_ids: Vec<ObjectId> = pdf.get_pages().into_values().collect();
    if page_ids.len() != doc.info.page_count as usize {
        page_ids = rebuild_page_tree(&mut pdf, doc).unwrap_or(page_ids);
    }

    // 1. Fonts: note every glyph drawn, then subset and embed each face once.
    let mut embedder = FontEmbedder::new();
    let mut originals: HashMap<u32, &OriginalFont> = HashMap::new();
    for face in &plan.text.faces {
        match &face.source {
            FaceSource::Original(o) => {
                originals.insert(face.id.0, o);
            }
            FaceSource::Program { data, index } => {
                embedder.add_face(face.id.0, data.clone(), *index)
            }
        }
    }
    for block in plan.text.pages.iter().flat_map(|p| &p.blocks) {
        for line in &block.lines {
            for (r, run) in line.runs.iter().enumerate() {
                if originals.contains_key(&run.face.0) {
                    continue;
                }
                // Cluster by cluster: its glyphs share a text range and follow one another.
                let mut i = 0;
                while i < run.glyphs.len() {
                    let range = &run.glyphs[i].text;
                    let n = run.glyphs[i..]
                        .iter()
                        .take_while(|g| g.text == *range)
                        .count();
                    let gids: Vec<u16> = run.glyphs[i..i + n]
                        .iter()
                        .filter_map(|g| g.id)
                        .map(|id| id as u16)
                        .collect();
                    embedder.use_cluster(run.face.0, &gids, block.glyph_text(line, r, i));
                    i += n;
                }
            }
        }
    }
    // The subsetter works on font programs from the input; a panic in it fails the document
    // with the fonts named, before any object is added.
    let fonts = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| embedder.embed(&mut pdf)))
        .map_err(|panic| {
            WriteError::Font(format!(
                "the subsetter failed ({}); please report this as a bug",
                crate::panic_message(&*panic)
            ))
        })?
        .map_err(|e| WriteError::Font(e.to_string()))?;
    let vertical = vertical_fonts(&mut pdf, &plan.text, &fonts);
    let faces = content::Faces {
        embedded: &fonts,
        vertical: &vertical,
        originals: &originals,
    };

    // 2. Page by page: locate the glyphs to remove (walking the page again, as the reader
    // did), cut them from the page's content and append the new text. Cuts in Form XObjects
    // are gathered for step 3; a page's sites and stream are dropped once it is written.
    let mut edits: Vec<&PageText> = plan.text.pages.iter().collect();
    edits.sort_by_key(|e| e.page);
    let edited: Vec<u32> = edits
        .iter()
        .filter(|e| !e.remove.is_empty())
        .map(|e| e.page)
        .collect();
    let mut form_cuts: HashMap<StreamId, content::Cuts> = HashMap::new();
    let mut failed_pages = Vec::new();
    let mut pending = edits.iter().copied().peekable();
    visit_page_sites(
        original.clone(),
        password,
        &edited,
        |index, sites, content| {
            // Pages with nothing to remove come in page order too, between the walked ones.
            while let Some(edit) = pending.next_if(|e| e.page < index) {
                guard_page(&mut failed_pages, edit.page, || {
                    write_page(&mut pdf, doc, &page_ids, &faces, edit, &[], None)
                })?;
            }
            let Some(edit) = pending.next_if(|e| e.page == index) else {
                return Ok(());
            };
            let written = guard_page(&mut failed_pages, edit.page, || {
                write_page(&mut pdf, doc, &page_ids, &faces, edit, &sites, content)
            })?;
            // The page's glyphs in forms are cut only when the page got its new text.
            if written {
                for &g in &edit.remove {
                    if let Some(site) = sites.get(g as usize)
                        && site.addr.stream != StreamId::Page
                    {
                        form_cuts.entry(site.addr.stream).or_default().add(site);
                    }
                }
            }
            Ok::<(), WriteError>(())
        },
    )?;
    for edit in pending {
        guard_page(&mut failed_pages, edit.page, || {
            write_page(&mut pdf, doc, &page_ids, &faces, edit, &[], None)
        })?;
    }

    // 3. Rewrite the forms that drew removed glyphs.
    let edited: HashSet<u32> = edited.into_iter().collect();
    let unedited: Vec<ObjectId> = page_ids
        .iter()
        .enumerate()
        .filter(|(i, _)| !edited.contains(&(*i as u32)))
        .map(|(_, &id)| id)
        .collect();
    for (stream, cuts) in &form_cuts {
        let StreamId::Form(r) = stream else { continue };
        let id = (r.num, r.generation);
        let Ok(Object::Stream(s)) = pdf.get_object(id) else {
            continue;
        };
        // Pages left as they were keep the form as it was.
        let original_form = Object::Stream(s.clone());
        keep_form_for(&mut pdf, id, original_form, &unedited);
        let Ok(Object::Stream(s)) = pdf.get_object(id) else {
            continue;
        };
        let data = s
            .decompressed_content()
            .unwrap_or_else(|_| s.content.clone());
        let new = content::rewrite(&data, cuts)
            .map_err(|message| WriteError::Content { page: 0, message })?;
        let mut dict = s.dict.clone();
        dict.remove(b"Filter");
        dict.remove(b"DecodeParms");
        let mut stream = Stream::new(dict, new);
        let _ = stream.compress();
        pdf.objects.insert(id, Object::Stream(stream));
    }

    // 4. Outline, title, language.
    for (item, title) in &plan.outline_titles {
        if let Ok(d) = pdf.get_dictionary_mut((item.num, item.generation)) {
            d.set("Title", text_string(title));
        }
    }
    if let Some(title) = &plan.title {
        set_info_title(&mut pdf, title);
    }
    if let Some(lang) = &plan.lang
        && let Ok(catalog) = pdf.catalog_mut()
    {
        catalog.set(
            "Lang",
            Object::String(lang.as_bytes().to_vec(), StringFormat::Literal),
        );
    }

    // The replaced content streams are unreferenced now: don't carry them along.
    pdf.prune_objects();
    let mut out = Vec::new();
    pdf.save_with_options(&mut out, save_options())
        .map_err(|e| WriteError::Save(e.to_string()))?;
    let out = check_reads_back(out, doc.info.page_count)?;
    Ok(Written {
        pdf: out,
        failed_pages,
    })
}

/// What [`write`] made: the PDF, and the pages it left as they were.
#[derive(Debug, Clone)]
pub struct Written {
    /// The edited PDF.
    pub pdf: Vec<u8>,
    /// Pages (from 0) left unchanged because writing them failed, each with why.
    pub failed_pages: Vec<(u32, String)>,
}

/// Writes one page with `write`. A panic there is a bug of ours: the page is left as it was
/// (its dictionary is changed only at the end of [`write_page`]), noted in `failed`, and the
/// rest of the document is written. Gives whether the page was written.
fn guard_page(
    failed: &mut Vec<(u32, String)>,
    page: u32,
    write: impl FnOnce() -> Result<(), WriteError>,
) -> Result<bool, WriteError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(write)) {
        Ok(written) => written.map(|()| true),
        Err(panic) => {
            failed.push((
                page,
                format!(
                    "the writer failed on it ({}); please report this as a bug",
                    crate::panic_message(&*panic)
                ),
            ));
            Ok(false)
        }
    }
}

/// Writes one page's edit: its content with the glyphs to remove cut out (`sites` says where
/// each of the read page's glyphs sits in the page's `content`; cuts in forms are made
/// elsewhere), the new text appended, our fonts added to its resources, its links moved.
fn write_page(
    pdf: &mut lopdf::Document,
    doc: &Document,
    page_ids: &[ObjectId],
    faces: &content::Faces<'_>,
    edit: &PageText,
    sites: &[GlyphSite],
    content: Option<Vec<u8>>,
) -> Result<(), WriteError> {
    let &page_id = page_ids
        .get(edit.page as usize)
        .ok_or(WriteError::NoSuchPage(edit.page))?;
    let read_page = doc
        .page(edit.page)
        .ok_or(WriteError::NoSuchPage(edit.page))?;
    let mut cuts = content::Cuts::default();
    for &g in &edit.remove {
        if let Some(site) = sites.get(g as usize)
            && site.addr.stream == StreamId::Page
        {
            cuts.add(site);
        }
    }
    // A page with nothing to remove was not walked: its content comes from the file as it is.
    let original_content = match content {
        Some(content) => content,
        None => pdf.get_page_content(page_id),
    };
    let body = if cuts.is_empty() {
        original_content
    } else {
        content::rewrite(&original_content, &cuts).map_err(|message| WriteError::Content {
            page: edit.page,
            message,
        })?
    };
    let mut names = Vec::new();
    let mut text = Vec::new();
    let to_user = read_page
        .user_to_display
        .invert()
        .unwrap_or(Matrix::IDENTITY);
    // New text and covers set in an upright frame (a skewed scan) are drawn along the page's
    // lines; links keep the page's own coordinates.
    let to_drawn = edit.frame.map_or(to_user, |frame| frame.then(&to_user));
    if !edit.covers.is_empty() {
        text = content::draw_covers(&edit.covers, &to_drawn);
    }
    if edit
        .blocks
        .iter()
        .any(|b| b.lines.iter().any(|l| !l.runs.is_empty()))
    {
        let mode = if edit.invisible {
            content::TextMode::Invisible
        } else {
            content::TextMode::Fill
        };
        text.extend(content::draw_blocks(
            &edit.blocks,
            &to_drawn,
            faces,
            mode,
            &mut names,
        ));
    }
    let mut data = Vec::with_capacity(body.len() + text.len() + 16);
    data.extend_from_slice(b"q\n");
    data.extend_from_slice(&body);
    data.extend_from_slice(b"\nQ\n");
    data.extend_from_slice(&text);
    let mut stream = Stream::new(Dictionary::new(), data);
    let _ = stream.compress();
    let content_id = pdf.add_object(stream);
    let resources = page_resources(pdf, page_id, &names);
    let page = pdf
        .get_dictionary_mut(page_id)
        .map_err(|e| WriteError::Load(e.to_string()))?;
    page.set("Contents", Object::Reference(content_id));
    page.set("Resources", Object::Dictionary(resources));

    for (annot, rect) in edit
        .blocks
        .iter()
        .flat_map(|block| moved_links(block, read_page))
    {
        let a = to_user.apply(rect.x0 as f64, rect.y1 as f64);
        let b = to_user.apply(rect.x1 as f64, rect.y0 as f64);
        let r = Rect::new(a.x, a.y, b.x, b.y);
        if let Ok(annot) = pdf.get_dictionary_mut((annot.num, annot.generation)) {
            annot.set(
                "Rect",
                Object::Array(vec![r.x0.into(), r.y0.into(), r.x1.into(), r.y1.into()]),
            );
            annot.remove(b"QuadPoints");
        }
    }
    Ok(())
}

/// How outputs are saved: object and cross-reference streams, compressed (the builder's
/// default compression level is 0, which stores object streams raw).
pub(crate) fn save_options() -> lopdf::SaveOptions {
    lopdf::SaveOptions::builder()
        .use_object_streams(true)
        .use_xref_streams(true)
        .compression_level(6)
        .build()
}

/// A text string as PDF wants it: PDFDocEncoding-compatible ASCII as is, else UTF-16BE.
fn text_string(s: &str) -> Object {
    if s.is_ascii() {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut bytes = vec![0xFE, 0xFF];
        for unit in s.encode_utf16() {
            bytes.extend_from_slice(&unit.to_be_bytes());
        }
        Object::String(bytes, StringFormat::Hexadecimal)
    }
}

fn set_info_title(pdf: &mut lopdf::Document, title: &str) {
    let info = pdf.trailer.get(b"Info").ok().cloned();
    match info {
        Some(Object::Reference(id)) => {
            if let Ok(d) = pdf.get_dictionary_mut(id) {
                d.set("Title", text_string(title));
            }
        }
        _ => {
            let mut d = Dictionary::new();
            d.set("Title", text_string(title));
            let id = pdf.add_object(d);
            pdf.trailer.set("Info", Object::Reference(id));
        }
    }
}

/// The page's effective resources (inherited ones included) as a new direct dictionary, with
/// our fonts added under fresh names; shared resource objects are left untouched.
fn page_resources(
    pdf: &lopdf::Document,
    page_id: ObjectId,
    names: &[(String, ObjectId)],
) -> Dictionary {
    let mut resources = effective_resources(pdf, page_id);
    if names.is_empty() {
        return resources;
    }
    let mut font_dict = resources
        .get(b"Font")
        .ok()
        .and_then(|o| dictionary(pdf, o))
        .unwrap_or_default();
    for (name, font) in names {
        font_dict.set(name.as_bytes().to_vec(), Object::Reference(*font));
    }
    resources.set("Font", Object::Dictionary(font_dict));
    resources
}

/// A page's resources, its own or the nearest inherited ones, as a new direct dictionary.
fn effective_resources(pdf: &lopdf::Document, page_id: ObjectId) -> Dictionary {
    let mut resources = Dictionary::new();
    let mut node = Some(page_id);
    let mut seen = HashSet::new();
    while let Some(id) = node {
        if !seen.insert(id) {
            break;
        }
        let Ok(d) = pdf.get_dictionary(id) else { break };
        if let Some(r) = d.get(b"Resources").ok().and_then(|o| dictionary(pdf, o)) {
            resources = r;
            break;
        }
        node = d.get(b"Parent").ok().and_then(|p| p.as_reference().ok());
    }
    resources
}

/// A dictionary given directly or by reference, as a copy to edit.
fn dictionary(pdf: &lopdf::Document, object: &Object) -> Option<Dictionary> {
    match object {
        Object::Dictionary(d) => Some(d.clone()),
        Object::Reference(id) => pdf.get_dictionary(*id).ok().cloned(),
        _ => None,
    }
}

/// Names for our fonts that cannot clash with the page's own (`/FolioF0`, …).
pub(crate) fn font_name(key: u32) -> String {
    format!("FolioF{key}")
}

/// For each embedded face that some run sets vertically, a second Type 0 font over the same
/// CIDFont and ToUnicode with the `Identity-V` CMap (ISO 32000-2, 9.7.5.2): its glyphs stand
/// upright, each one an em below the one before (the default `/DW2 [880 -1000]`), so
/// readers and text extractors see a column. Faces set only horizontally get none.
fn vertical_fonts(
    pdf: &mut lopdf::Document,
    text: &folio_doc::PlacedText,
    fonts: &HashMap<u32, font::EmbeddedFont>,
) -> HashMap<u32, ObjectId> {
    let mut out = HashMap::new();
    let runs = text
        .pages
        .iter()
        .flat_map(|p| &p.blocks)
        .flat_map(|b| &b.lines)
        .flat_map(|l| &l.runs);
    for run in runs.filter(|r| r.vertical) {
        let key = run.face.0;
        let Some(embedded) = fonts.get(&key).filter(|_| !out.contains_key(&key)) else {
            continue;
        };
        let Ok(mut font) = pdf.get_dictionary(embedded.font).cloned() else {
            continue;
        };
        font.set("Encoding", Object::Name(b"Identity-V".to_vec()));
        // A Type 0 font over a CIDFontType0 is named CIDFont-CMap (9.7.6.1).
        if let Ok(base) = font.get(b"BaseFont").and_then(Object::as_name) {
            let base = String::from_utf8_lossy(base).replace("-Identity-H", "-Identity-V");
            font.set("BaseFont", Object::Name(base.into_bytes()));
        }
        out.insert(key, pdf.add_object(font));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_on_the_whole_document_is_its_error() {
        let err = guard_document(|| -> Result<(), WriteError> { panic!("boom") }).unwrap_err();
        assert_eq!(err, WriteError::Bug("boom".into()));
        assert_eq!(
            err.to_string(),
            "the writer failed (boom); please report this as a bug"
        );
        assert_eq!(guard_document(|| Ok(3)), Ok(3));
    }

    #[test]
    fn a_page_that_panics_is_left_and_noted() {
        let mut failed = Vec::new();
        let written = guard_page(&mut failed, 4, || panic!("index out of bounds")).unwrap();
        assert!(!written);
        assert_eq!(
            failed,
            vec![(
                4,
                "the writer failed on it (index out of bounds); please report this as a bug"
                    .to_string()
            )]
        );
        // A page written, or an error, is passed on as it is.
        assert!(guard_page(&mut failed, 5, || Ok(())).unwrap());
        let err = guard_page(&mut failed, 6, || Err(WriteError::NoSuchPage(6))).unwrap_err();
        assert_eq!(err, WriteError::NoSuchPage(6));
        assert_eq!(failed.len(), 1);
    }

    /// The words of a PDF's pages, read back.
    fn words(bytes: Vec<u8>) -> Vec<Vec<String>> {
        let doc = crate::read(bytes, &crate::ReadOptions::default()).unwrap();
        doc.pages
            .iter()
            .map(|p| p.words.iter().map(|w| w.text.to_string()).collect())
            .collect()
    }

    #[test]
    fn a_page_edited_without_removing_anything_keeps_its_content() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/corpus/made/table-ruled.pdf");
        let bytes = std::fs::read(&path).unwrap();
        let doc = crate::read(bytes.clone(), &crate::ReadOptions::default()).unwrap();
        // An edit of page 1 that removes no glyph (its only change would be new text).
        let plan = WritePlan {
            text: PlacedText {
                faces: Vec::new(),
                pages: vec![PageText {
                    page: 0,
                    remove: Vec::new(),
                    blocks: Vec::new(),
                    ..PageText::default()
                }],
            },
            outline_titles: Vec::new(),
            title: None,
            lang: None,
        };
        let out = write(Arc::new(bytes.clone()), None, &doc, &plan)
            .unwrap()
            .pdf;
        let before = words(bytes);
        assert!(!before[0].is_empty());
        assert_eq!(words(out), before);
    }
}
