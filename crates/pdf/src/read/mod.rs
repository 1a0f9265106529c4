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

use crate::ReadError;

/// What to read and how.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The user password, for encrypted files that the empty password does not open.
    pub password: Option<String>,
    /// Only these pages (all when `None`).
    pub pages: Option<PageSelection>,
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
) -> Result<u32, ReadError> {
    let bytes: Arc<Vec<u8>> = bytes.into();
    let looks_like_pdf = find_header(&bytes).is_some();
    let pdf = open(bytes, password)?;
    match pdf.pages().len() {
        0 if looks_like_pdf => Err(ReadError::NoPages),
        0 => Err(ReadError::NotPdf),
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
    let pdf = open(bytes.clone(), options.password.as_deref())?;

    let hpages = pdf.pages();
    if hpages.is_empty() {
        return Err(if looks_like_pdf {
            ReadError::NoPages
        } else {
            ReadError::NotPdf
        });
    }
    let page_count = hpages.len() as u32;
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
        interp::interpret_page(hpage, &mut page, &mut fonts, &mut warnings, None);
        annots::read_links(hpage, &targets, &mut page);
        let (words, lines) = words::build_words(&page.glyphs, fonts.fonts());
        page.words = words;
        page.lines = lines;
        page.kind = page_kind(&page);
        // A page may be held until the end: none keeps the spare room its vectors grew.
        page.glyphs.shrink_to_fit();
        page.words.shrink_to_fit();
        page.paths.shrink_to_fit();
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

/// Opens a PDF with hayro-syntax, turning its errors into ours.
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
            Some(&mut sites),
        );
        drop(page);
        visit(index, sites, content)?;
    }
    Ok(())
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
    let w = Warning {
        page,
        message: message.into(),
    };
    if !warnings.contains(&w) {
        warnings.push(w);
    }
}
