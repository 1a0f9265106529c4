//! Reading: PDF bytes to a [`Document`].

mod annots;
mod appearances;
mod fonts;
mod interp;
mod measure;
mod words;

pub(crate) use interp::GlyphSite;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use folio_doc::{DocInfo, Document, IR_VERSION, Matrix, ObjRef, Page, PageKind, Warning};
use hayro_syntax::Pdf;
use hayro_syntax::object::ObjectIdentifier;
use hayro_syntax::page::Rotation;

use crate::limits::{Budget, LimitExceeded, Limits};
use crate::{ReadError, panic_message};

/// What to read and how.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The user password, for encrypted files that the empty password does not open.
    pub password: Option<String>,
    /// Only these pages (all when `None`).
    pub pages: Option<PageSelection>,
    /// What reading may cost: pages, objects, decoded bytes, operators, nesting, time.
    pub limits: Limits,
}

/// A set of pages as users write it: `3-5,7`, numbered from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageSelection {
    ranges: Vec<(u32, u32)>,
    text: String,
}

impl PageSelection {
    /// Whether the page with this index (from 0) is selected.
    pub fn contains(&self, index: u32) -> bool {
        let n = index + 1;
        self.ranges.iter().any(|&(a, b)| a <= n && n <= b)
    }

    /// The lowest page number (from 1) named.
    fn first(&self) -> u32 {
        self.ranges.iter().map(|r| r.0).min().unwrap_or(1)
    }
}

impl fmt::Display for PageSelection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for PageSelection {
    type Err = String;

    /// Parses `1-3,7,10-` (an open end runs to the last page).
    fn from_str(s: &str) -> Result<Self, String> {
        let mut ranges = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let number = |t: &str| -> Result<u32, String> {
                match t.trim().parse::<u32>() {
                    Ok(0) | Err(_) => Err(format!("invalid page number '{t}' in '{s}'")),
                    Ok(n) => Ok(n),
                }
            };
            let range = match part.split_once('-') {
                Some((a, b)) if b.trim().is_empty() => (number(a)?, u32::MAX),
                Some((a, b)) => (number(a)?, number(b)?),
                None => (number(part)?, number(part)?),
            };
            if range.0 > range.1 {
                return Err(format!("page range '{part}' runs backwards"));
            }
            ranges.push(range);
        }
        if ranges.is_empty() {
            return Err("no pages given".into());
        }
        Ok(Self {
            ranges,
            text: s.to_string(),
        })
    }
}

/// Reads a PDF into the document model.
///
/// Damaged files are repaired where possible (a warning says so); encrypted ones are opened with
/// the empty user password or [`ReadOptions::password`]. Problems inside pages (unknown fonts,
/// broken streams) become [`Document::warnings`] and reading goes on.
pub fn read(bytes: impl Into<Arc<Vec<u8>>>, options: &ReadOptions) -> Result<Document, ReadError> {
    read_page_by_page(bytes, options, &mut |_| {})
}

/// How many pages the PDF has, without reading them: a service checks its page limit before
/// it accepts a file. Fails as [`read`] does on a file that is not a PDF, is too damaged or
/// needs a password.
pub fn page_count(
    bytes: impl Into<Arc<Vec<u8>>>,
    password: Option<&str>,
    limits: &Limits,
) -> Result<u32, ReadError> {
    let bytes: Arc<Vec<u8>> = bytes.into();
    let looks_like_pdf = find_header(&bytes).is_some();
    let pdf = open_within(bytes, password, limits)?;
    match pdf.pages().len() {
        0 if looks_like_pdf => Err(ReadError::NoPages),
        0 => Err(ReadError::NotPdf),
        n if n as u64 > u64::from(limits.max_pages) => {
            Err(ReadError::Limit(LimitExceeded::Pages {
                pages: n as u32,
                max: limits.max_pages,
            }))
        }
        n => Ok(n as u32),
    }
}

/// Reads a PDF as [`read`] does, handing the document over after each page is added to
/// `doc.pages`: `after_page` sees the pages read so far and the fonts they loaded (without
/// their widths and measures, which come at the end), and may empty a page's glyphs, words
/// and lines once it has what it needs of them, so a long document is never held whole.
/// The document returned has every page, as `after_page` left them.
pub fn read_page_by_page(
    bytes: impl Into<Arc<Vec<u8>>>,
    options: &ReadOptions,
    after_page: &mut dyn FnMut(&mut Document),
) -> Result<Document, ReadError> {
    let bytes: Arc<Vec<u8>> = bytes.into();
    let looks_like_pdf = find_header(&bytes).is_some();
    let limits = options.limits;
    let pdf = open_within(bytes.clone(), options.password.as_deref(), &limits)?;

    let hpages = pdf.pages();
    if hpages.is_empty() {
        return Err(if looks_like_pdf {
            ReadError::NoPages
        } else {
            ReadError::NotPdf
        });
    }
    let page_count = hpages.len() as u32;
    if page_count > limits.max_pages {
        return Err(ReadError::Limit(LimitExceeded::Pages {
            pages: page_count,
            max: limits.max_pages,
        }));
    }
    if pdf.len() > limits.max_objects {
        return Err(ReadError::Limit(LimitExceeded::Objects {
            objects: pdf.len(),
            max: limits.max_objects,
        }));
    }
    if let Some(sel) = &options.pages
        && sel.first() > page_count
    {
        return Err(ReadError::PagesOutOfRange {
            asked: sel.to_string(),
            page_count,
        });
    }

    let mut warnings = Vec::new();
    let info = doc_info(&pdf, &bytes, page_count);

    // Page objects → indices, for link and outline targets.
    let page_ids: Vec<Option<ObjectIdentifier>> = hpages.iter().map(|p| p.raw().obj_id()).collect();

    let targets = annots::Targets {
        pdf: &pdf,
        pages: &hpages[..],
        page_ids: &page_ids,
    };
    let mut fonts = fonts::FontTable::default();
    let mut measure = measure::Measure::default();
    let mut budget = Budget::new(limits);
    let mut doc = Document {
        ir_version: IR_VERSION,
        info,
        fonts: Vec::new(),
        pages: Vec::new(),
        outline: Vec::new(),
        warnings: Vec::new(),
    };
    for (index, hpage) in hpages.iter().enumerate() {
        let index = index as u32;
        if options
            .pages
            .as_ref()
            .is_some_and(|sel| !sel.contains(index))
        {
            continue;
        }
        let mut page = new_page(index, hpage);
        let failure = guard_page(|| {
            read_page(
                hpage,
                &mut page,
                &targets,
                &mut fonts,
                &mut warnings,
                &mut budget,
            )
        })?;
        if let Some(reason) = failure {
            fail_page(&mut page, reason, &mut warnings);
        }
        measure.add(&page);
        doc.pages.push(page);
        let loaded = fonts.fonts();
        doc.fonts
            .extend_from_slice(&loaded[doc.fonts.len().min(loaded.len())..]);
        after_page(&mut doc);
    }

    doc.outline = annots::read_outline(&targets);
    warnings.dedup();
    doc.warnings = warnings;
    doc.fonts = fonts.into_fonts();
    measure.finish(&mut doc);
    Ok(doc)
}

/// Reads one page's content, links, words and lines into `page`; stops at the first limit the
/// page goes over.
fn read_page<'a>(
    hpage: &hayro_syntax::page::Page<'a>,
    page: &mut Page,
    targets: &annots::Targets<'a, '_>,
    fonts: &mut fonts::FontTable<'a>,
    warnings: &mut Vec<Warning>,
    budget: &mut Budget,
) -> Result<(), LimitExceeded> {
    interp::interpret_page(hpage, page, fonts, warnings, budget, None)?;
    annots::read_links(hpage, targets, page);
    let (words, lines) = words::build_words(&page.glyphs, fonts.fonts());
    page.words = words;
    page.lines = lines;
    page.kind = page_kind(page);
    // A page may be held until the end: none keeps the spare room its vectors grew.
    page.glyphs.shrink_to_fit();
    page.words.shrink_to_fit();
    page.paths.shrink_to_fit();
    Ok(())
}

/// Reads one page with `read`: why the page failed (a limit of a page, or a panic, which is a
/// bug of ours but must not lose the document), if it did; a limit of the whole document is
/// the document's error.
fn guard_page(
    read: impl FnOnce() -> Result<(), LimitExceeded>,
) -> Result<Option<String>, ReadError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)) {
        Ok(Ok(())) => Ok(None),
        Ok(Err(limit @ LimitExceeded::DocumentBytes { .. })) => Err(ReadError::Limit(limit)),
        Ok(Err(limit)) => Ok(Some(limit.to_string())),
        Err(panic) => Ok(Some(format!(
            "the reader failed on it ({}); please report this as a bug",
            panic_message(&*panic)
        ))),
    }
}

/// Marks a page that could not be read: what was read of it goes (so nothing of it is
/// translated and the writer copies it unchanged), the reason stays, and a warning says so.
fn fail_page(page: &mut Page, reason: String, warnings: &mut Vec<Warning>) {
    warn(
        warnings,
        Some(page.index),
        format!("the page could not be read and is left unchanged: {reason}"),
    );
    *page = Page {
        failed: Some(reason),
        kind: PageKind::Empty,
        ..new_page_like(page)
    };
}

/// A page with the place and geometry of `page`, and nothing on it.
fn new_page_like(page: &Page) -> Page {
    Page {
        index: page.index,
        obj: page.obj,
        width: page.width,
        height: page.height,
        rotation: page.rotation,
        user_to_display: page.user_to_display,
        ..Page::default()
    }
}

/// Opens a PDF with hayro-syntax, turning its errors into ours.
/// Opens the file as [`open`] does, after checking what hayro-syntax would spend opening it
/// beyond `limits`. It resolves the whole page tree as it opens the file (a million pages:
/// over a gigabyte), so page objects are counted first, those written in the open and those
/// inside object streams; and it inflates object and cross-reference streams itself, without
/// a bound, so those are measured first ([`crate::limits::scan_object_streams`]).
fn open_within(
    bytes: Arc<Vec<u8>>,
    password: Option<&str>,
    limits: &Limits,
) -> Result<Pdf, ReadError> {
    let packed = crate::limits::scan_object_streams(&bytes, limits, count_page_objects)
        .map_err(ReadError::Limit)?;
    let seen = count_page_objects(&bytes).saturating_add(packed);
    if seen > limits.max_pages as usize {
        return Err(ReadError::Limit(LimitExceeded::Pages {
            pages: u32::try_from(seen).unwrap_or(u32::MAX),
            max: limits.max_pages,
        }));
    }
    open(bytes, password)
}

fn open(bytes: Arc<Vec<u8>>, password: Option<&str>) -> Result<Pdf, ReadError> {
    let looks_like_pdf = find_header(&bytes).is_some();
    let data = hayro_syntax::PdfData::from(bytes);
    match Pdf::new_with_password(data, password.unwrap_or("")) {
        Ok(pdf) => Ok(pdf),
        Err(hayro_syntax::LoadPdfError::Decryption(e)) => {
            use hayro_syntax::DecryptionError as D;
            Err(match e {
                D::PasswordProtected if password.is_some() => ReadError::WrongPassword,
                D::PasswordProtected => ReadError::PasswordRequired,
                D::UnsupportedAlgorithm => {
                    ReadError::UnsupportedEncryption("unknown security handler or algorithm".into())
                }
                D::MissingIDEntry => ReadError::UnsupportedEncryption(
                    "the trailer has no /ID to derive the key".into(),
                ),
                D::InvalidEncryption => {
                    ReadError::UnsupportedEncryption("invalid encryption dictionary".into())
                }
            })
        }
        Err(hayro_syntax::LoadPdfError::Invalid) if !looks_like_pdf => Err(ReadError::NotPdf),
        Err(hayro_syntax::LoadPdfError::Invalid) => Err(ReadError::Damaged),
    }
}

/// For the writer, one page at a time: where each glyph of the page sits in its operator (in
/// the same order as the read page's glyphs), and the page's content exactly as the reader
/// tokenized it. `visit` gets each of `pages` in turn, so a long document's sites and decoded
/// streams are never all held at once.
pub(crate) fn visit_page_sites<E: From<ReadError>>(
    bytes: Arc<Vec<u8>>,
    password: Option<&str>,
    pages: &[u32],
    mut visit: impl FnMut(u32, Vec<GlyphSite>, Option<Vec<u8>>) -> Result<(), E>,
) -> Result<(), E> {
    let pdf = open(bytes, password)?;
    let hpages = pdf.pages();
    let mut fonts = fonts::FontTable::default();
    let mut warnings = Vec::new();
    // These pages were read under the limits already: walked again, they must give the same
    // glyphs, so no limit may stop this walk short.
    let mut budget = Budget::new(Limits::unbounded());
    for &index in pages {
        let Some(hpage) = hpages.get(index as usize) else {
            visit(index, Vec::new(), None)?;
            continue;
        };
        let mut page = new_page(index, hpage);
        let mut sites = Vec::new();
        let content = interp::interpret_page(
            hpage,
            &mut page,
            &mut fonts,
            &mut warnings,
            &mut budget,
            Some(&mut sites),
        )
        .unwrap_or_default();
        drop(page);
        visit(index, sites, content)?;
    }
    Ok(())
}

/// How many page objects (`/Type /Page`) are written in the file's bytes, outside compressed
/// object streams: a lower bound of its pages, found without parsing (a few ms for 50 MB).
fn count_page_objects(bytes: &[u8]) -> usize {
    let mut count = 0;
    let mut rest = bytes;
    while let Some(at) = rest.windows(5).position(|w| w == b"/Type") {
        rest = &rest[at + 5..];
        let value = rest.trim_ascii_start();
        if let Some(after) = value.strip_prefix(b"/Page")
            && after.first().is_none_or(|&b| !b.is_ascii_alphanumeric())
        {
            count += 1;
        }
    }
    count
}

fn find_header(bytes: &[u8]) -> Option<usize> {
    let head = &bytes[..bytes.len().min(1024)];
    head.windows(5).position(|w| w == b"%PDF-")
}

fn doc_info(pdf: &Pdf, bytes: &[u8], page_count: u32) -> DocInfo {
    let meta = pdf.metadata();
    let text = |b: &Option<Box<[u8]>>| {
        b.as_deref()
            .map(decode_text_string)
            .filter(|s| !s.is_empty())
    };
    let version = find_header(bytes)
        .and_then(|at| bytes.get(at + 5..at + 8))
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .unwrap_or_default();
    let root = pdf
        .xref()
        .get::<hayro_syntax::object::Dict<'_>>(pdf.xref().root_id());
    let lang = root
        .as_ref()
        .and_then(|r| r.get::<hayro_syntax::object::String<'_>>(b"Lang".as_slice()))
        .map(|s| decode_text_string(s.as_bytes()));
    let encrypted = pdf_trailer_has_encrypt(bytes);
    DocInfo {
        title: text(&meta.title),
        author: text(&meta.author),
        subject: text(&meta.subject),
        producer: text(&meta.producer),
        lang,
        pdf_version: version,
        encrypted,
        page_count,
    }
}

/// Whether the file declares encryption (a cheap scan: hayro decrypts transparently).
fn pdf_trailer_has_encrypt(bytes: &[u8]) -> bool {
    bytes.windows(8).any(|w| w == b"/Encrypt")
}

/// Decodes a PDF text string: UTF-16BE with BOM, UTF-8 with BOM, else PDFDocEncoding.
pub(crate) fn decode_text_string(b: &[u8]) -> String {
    if b.starts_with(&[0xFE, 0xFF]) {
        let units: Vec<u16> = b[2..]
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units)
            .trim_end_matches('\0')
            .to_string();
    }
    if let Some(rest) = b.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    b.iter().map(|&c| pdf_doc_char(c)).collect()
}

/// PDFDocEncoding (ISO 32000-2, Annex D.2): Latin-1 except for 0x18–0x1F and 0x80–0x9F.
fn pdf_doc_char(c: u8) -> char {
    const HIGH: [char; 32] = [
        '•', '†', '‡', '…', '—', '–', 'ƒ', '⁄', '‹', '›', '−', '‰', '„', '“', '”', '‘', '’', '‚',
        '™', 'ﬁ', 'ﬂ', 'Ł', 'Œ', 'Š', 'Ÿ', 'Ž', 'ı', 'ł', 'œ', 'š', 'ž', '\u{FFFD}',
    ];
    const LOW: [char; 8] = ['˘', 'ˇ', 'ˆ', '˙', '˝', '˛', '˚', '˜'];
    match c {
        0x18..=0x1F => LOW[(c - 0x18) as usize],
        0x80..=0x9F => HIGH[(c - 0x80) as usize],
        0xA0 => '€',
        _ => c as char,
    }
}

fn new_page(index: u32, hpage: &hayro_syntax::page::Page<'_>) -> Page {
    let crop = hpage.intersected_crop_box();
    let (bw, bh) = hpage.base_dimensions();
    let (bw, bh) = (bw as f64, bh as f64);
    let (rotation, width, height) = match hpage.rotation() {
        Rotation::None => (0, bw, bh),
        Rotation::Horizontal => (90, bh, bw),
        Rotation::Flipped => (180, bw, bh),
        Rotation::FlippedHorizontal => (270, bh, bw),
    };
    // User space → unrotated display space (origin top-left of the crop box, y down)…
    let flip = Matrix([1.0, 0.0, 0.0, -1.0, -crop.x0, crop.y0 + bh]);
    // …then rotate clockwise as /Rotate asks (ISO 32000-2, 7.7.3.3).
    let rotate = match rotation {
        90 => Matrix([0.0, 1.0, -1.0, 0.0, bh, 0.0]),
        180 => Matrix([-1.0, 0.0, 0.0, -1.0, bw, bh]),
        270 => Matrix([0.0, -1.0, 1.0, 0.0, 0.0, bw]),
        _ => Matrix::IDENTITY,
    };
    Page {
        index,
        obj: hpage.raw().obj_id().map(obj_ref),
        width: width as f32,
        height: height as f32,
        rotation,
        user_to_display: flip.then(&rotate),
        ..Page::default()
    }
}

/// Scanned: no text, and images cover at least half the page.
fn page_kind(page: &Page) -> PageKind {
    let has_text = page
        .glyphs
        .iter()
        .any(|g| !g.text.trim().is_empty() && g.render_mode != 7);
    if has_text {
        return PageKind::Text;
    }
    let page_area = (page.width * page.height).max(1.0);
    let covered: f32 = page
        .images
        .iter()
        .map(|i| {
            let page_rect = folio_doc::Rect::new(0.0, 0.0, page.width, page.height);
            i.bbox.intersection(&page_rect).map_or(0.0, |r| r.area())
        })
        .sum();
    if covered / page_area >= 0.5 {
        PageKind::Scanned
    } else {
        PageKind::Empty
    }
}

pub(crate) fn obj_ref(id: ObjectIdentifier) -> ObjRef {
    ObjRef {
        num: id.obj_number,
        generation: id.gen_number.clamp(0, u16::MAX as i32) as u16,
    }
}

pub(crate) fn warn(warnings: &mut Vec<Warning>, page: Option<u32>, message: impl Into<String>) {
    let mut message: String = message.into();
    // A name or a string from the file can be a megabyte long: a warning stays a line.
    const LONGEST: usize = 300;
    if message.len() > LONGEST {
        let mut end = LONGEST;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
        message.push('…');
    }
    // A hostile file can raise a new warning with each of millions of operators: past a
    // thousand, the report says that more were left out (and looking for duplicates stays
    // cheap).
    const MOST: usize = 1000;
    if warnings.len() >= MOST {
        return;
    }
    let w = Warning { page, message };
    if !warnings.contains(&w) {
        warnings.push(w);
        if warnings.len() == MOST {
            warnings.push(Warning {
                page: None,
                message: format!("more than {MOST} warnings; the others are left out"),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_that_panics_fails_alone() {
        let reason = guard_page(|| panic!("attempt to subtract with overflow")).unwrap();
        assert_eq!(
            reason.as_deref(),
            Some(
                "the reader failed on it (attempt to subtract with overflow); \
                 please report this as a bug"
            )
        );
    }

    #[test]
    fn a_page_limit_fails_the_page_and_a_document_limit_the_document() {
        let reason = guard_page(|| Err(LimitExceeded::Operators { max: 7 })).unwrap();
        assert_eq!(
            reason.as_deref(),
            Some("the content runs more than the limit of 7 operators")
        );
        let err = guard_page(|| Err(LimitExceeded::DocumentBytes { max: 9 })).unwrap_err();
        assert_eq!(
            err,
            ReadError::Limit(LimitExceeded::DocumentBytes { max: 9 })
        );
        assert_eq!(guard_page(|| Ok(())).unwrap(), None);
    }

    #[test]
    fn page_objects_are_counted_not_page_trees() {
        let bytes =
            b"<</Type /Page>> <</Type/Pages>> <</Type\n/Page/Parent 2 0 R>> /Type /PageLabel";
        assert_eq!(count_page_objects(bytes), 2);
    }

    #[test]
    fn a_warning_stays_a_line() {
        let mut warnings = Vec::new();
        warn(&mut warnings, Some(0), "x".repeat(1 << 20));
        assert_eq!(warnings[0].message.chars().count(), 301);
        assert!(warnings[0].message.ends_with('…'));
    }
}
