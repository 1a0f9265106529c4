//! Folio's pipeline: one call from PDF bytes to translated PDF bytes and a report.
//!
//! # Steps
//! 1. [`folio_pdf::read`]: bytes → [`folio_doc::Document`].
//! 2. [`folio_layout::layout_document`]: glyphs → blocks with roles, spans as placeholders,
//!    and what to keep. What the later steps ask of the glyphs (each block's clip, baseline,
//!    glyphs to remove, original lines, spans' fonts and links) is taken then, and the pages'
//!    glyphs, words and lines let go: a long document's memory is not held for the rest.
//! 3. [`folio_translate::translate_segments_blocking`]: segments → translations (the engine,
//!    cache and limits are passed in).
//! 4. [`folio_typeset::typeset_block`]: each translation set in its block's box, shrunk,
//!    grown into free space, sizes harmonized per role and page.
//! 5. [`folio_pdf::write`]: the original edited in place: translated glyphs cut out, new text
//!    drawn with subset fonts, links moved, outline and title translated, `/Lang` set.
//!
//! Each stage is a plain function over serializable data; this crate only wires them and
//! keeps the [`Report`].

mod caps;
mod drawn;
mod item_lines;
mod leaders;
mod limits;
mod markers;
mod ocr;
mod pipeline;
mod placed;
mod report;
mod segments;
mod space;
mod spans;
mod texts;
mod typeset;

pub use folio_ocr::{OcrMemory, OcrMode, OcrPage, OcrSettings};
pub use limits::limits_from_config;
pub use pipeline::{Event, Options, Stage, estimate, segments_sent, translate};
pub use report::{
    BlockReport, LowConfidenceWord, OcrReport, PageFailure, Report, SegmentCounts, SegmentIssue,
};
pub use texts::{BlockStatus, BlockText, Fixed};

/// Why a document could not be translated at all (single segments failing are in the report).
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The PDF could not be read.
    Read(folio_pdf::ReadError),
    /// The translation engine could not be set up or run.
    Translate(folio_translate::Error),
    /// The fonts could not be loaded.
    Typeset(folio_typeset::TypesetError),
    /// The output could not be written.
    Write(folio_pdf::WriteError),
    /// Every page read is a scanned image without text: nothing to translate until OCR.
    Scanned {
        /// How many pages were read.
        pages: u32,
    },
    /// OCR of a scanned page failed (tesseract missing, its language data missing).
    Ocr(folio_ocr::OcrError),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Read(e) => e.fmt(f),
            Error::Translate(e) => write!(f, "translation failed: {e}"),
            Error::Typeset(e) => write!(f, "typesetting failed: {e}"),
            Error::Write(e) => e.fmt(f),
            Error::Ocr(e) => e.fmt(f),
            Error::Scanned { pages: 1 } => f.write_str(
                "the page is a scanned image without a text layer: there is no text to translate",
            ),
            Error::Scanned { pages } => write!(
                f,
                "all {pages} pages are scanned images without a text layer: there is no text to translate"
            ),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// An actionable hint for the user, when there is one.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Read(e) => e.hint(),
            Error::Typeset(_) => Some("check that the fonts folder exists (--fonts DIR)"),
            Error::Write(folio_pdf::WriteError::Unreadable(_)) => Some(
                "repair the file first (for example `qpdf IN.pdf REPAIRED.pdf`) and translate the repaired file",
            ),
            Error::Scanned { .. } => Some(
                "let Folio read it by OCR (--ocr auto, with tesseract installed), or run OCR on it first and translate the OCR'd file",
            ),
            Error::Ocr(e) => e.hint(),
            _ => None,
        }
    }
}
