//! OCR of scanned pages: a page that is only an image is rendered, read by the `tesseract`
//! command, and its words, boxes and confidences become the IR's glyphs, words and lines, so
//! layout, engines, typesetting and the report treat it as a born-digital page.
//!
//! # Brief overview
//! - [`OcrSettings`]: when to run ([`OcrMode`]), the language, resolution, confidence floor.
//! - [`Ocr`]: reads pages of one PDF ([`Ocr::read_page`] gives an [`OcrPage`]).
//! - [`OcrPage::install`]: puts the words read on the IR page, with the font [`ocr_font`].
//! - [`Frame`]: how a page was turned upright and levelled to be read; its words are in that
//!   upright frame, and [`OcrPage::to_page`] maps it back, for the writer to draw along the
//!   scan's lines.
//! - [`OcrMemory`]: pages read before, recalled instead of read again.
//! - [`tesseract_language`]: BCP 47 tags to tesseract's language codes and Debian packages.
//!
//! # Skewed and turned scans
//! A page is read once as it is. When most of its words read poorly and tesseract has its
//! orientation data (`osd`, Debian `tesseract-ocr-osd`), it is asked which quarter turn stands
//! the page upright (`--psm 0`) and read again turned. The skew of its lines is measured from
//! the words' centres (the median slope over lines of three words or more); from 0.2° the
//! render is turned level and read again. Its words are then level, in an upright frame that
//! layout, translation and typesetting use as they would a born-digital page, and the writer
//! draws the new text and the covers under [`OcrPage::to_page`]: along the scan's lines.
//!
//! # Limitations
//! - One skew a page: lines bent by a book's curl, or columns skewed differently, are set at
//!   the page's median skew.
//! - Without `osd` data a page turned a quarter or more is read as it is (poorly).
//! - Words below [`OcrSettings::min_confidence`] are not text: they stay pixels of the image
//!   ([`OcrPage::low_confidence`] lists them for the report).

mod error;
mod language;
mod page;
mod sample;
mod skew;
mod tesseract;
mod tsv;

pub use error::{OcrError, OcrResult};
pub use language::{tesseract_language, tesseract_package};
pub use page::{LowConfidence, OcrPage, OcrWord, ocr_font};
pub use skew::Frame;

/// Pages read by OCR before, kept by the caller (a server's job folder): a page recalled is
/// not read again, so re-rendering a job after an edit does not run tesseract.
pub trait OcrMemory: Send + Sync {
    /// The page `page` (from 0) as it was read, if it was.
    fn recall(&self, page: u32) -> Option<OcrPage>;
    /// Keeps a page just read; a failure to keep it only costs a later reading.
    fn remember(&self, page: &OcrPage);
}
pub use tesseract::{Ocr, check_tesseract};

use std::str::FromStr;

use folio_doc::{Page, PageKind};

/// When pages are read by OCR.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OcrMode {
    /// Never: a scanned page stays as it is.
    Never,
    /// Pages without usable text that an image covers (scans).
    #[default]
    Auto,
    /// Every page an image covers, whatever text it has (a scan with a poor text layer);
    /// its text layer is ignored.
    Always,
}

impl FromStr for OcrMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "never" => Ok(Self::Never),
            "auto" => Ok(Self::Auto),
            "always" => Ok(Self::Always),
            other => Err(format!(
                "unknown OCR mode '{other}' (expected auto, always or never)"
            )),
        }
    }
}

/// How to run OCR.
#[derive(Debug, Clone)]
pub struct OcrSettings {
    /// When.
    pub mode: OcrMode,
    /// Tesseract's language code (`eng`, `por`, `chi_sim`; `+` joins several).
    pub language: String,
    /// The resolution pages are rendered at for tesseract, in dots per inch (tesseract reads
    /// best at about 300).
    pub dpi: f32,
    /// Words tesseract is less sure of (0–100) are not text: they stay as pixels.
    pub min_confidence: f32,
    /// The tesseract command.
    pub command: String,
}

impl Default for OcrSettings {
    fn default() -> Self {
        Self {
            mode: OcrMode::Auto,
            language: "eng".into(),
            dpi: 300.0,
            // Misread ornaments, drop caps and specks score 10–45; words read right 85+.
            min_confidence: 50.0,
            command: "tesseract".into(),
        }
    }
}

impl OcrSettings {
    /// Whether `page` is to be read by OCR in this mode.
    pub fn wants(&self, page: &Page) -> bool {
        match self.mode {
            OcrMode::Never => false,
            OcrMode::Auto => {
                page.kind == PageKind::Scanned || (has_big_image(page) && !usable_text(page))
            }
            OcrMode::Always => page.kind == PageKind::Scanned || has_big_image(page),
        }
    }
}

/// Whether images cover at least half the page.
fn has_big_image(page: &Page) -> bool {
    let page_rect = folio_doc::Rect::new(0.0, 0.0, page.width, page.height);
    let covered: f32 = page
        .images
        .iter()
        .map(|i| i.bbox.intersection(&page_rect).map_or(0.0, |r| r.area()))
        .sum();
    covered >= 0.5 * (page.width * page.height).max(1.0)
}

/// Whether the page has text a reader gets back: words with letters or digits that are not
/// U+FFFD (a text layer of unknown codes is no text).
fn usable_text(page: &Page) -> bool {
    page.words.iter().any(|w| {
        w.text
            .chars()
            .any(|c| c.is_alphanumeric() && c != '\u{FFFD}')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_and_unknown_ones_are_named() {
        assert_eq!("auto".parse::<OcrMode>(), Ok(OcrMode::Auto));
        assert_eq!("never".parse::<OcrMode>(), Ok(OcrMode::Never));
        assert_eq!("always".parse::<OcrMode>(), Ok(OcrMode::Always));
        let err = "sometimes".parse::<OcrMode>().unwrap_err();
        assert!(err.contains("'sometimes'"), "{err}");
    }

    #[test]
    fn a_scanned_page_is_wanted_unless_never() {
        let page = Page {
            kind: PageKind::Scanned,
            ..Page::default()
        };
        let mut settings = OcrSettings::default();
        assert!(settings.wants(&page));
        settings.mode = OcrMode::Never;
        assert!(!settings.wants(&page));
        let text = Page::default();
        settings.mode = OcrMode::Auto;
        assert!(!settings.wants(&text), "a text page without images");
    }
}
