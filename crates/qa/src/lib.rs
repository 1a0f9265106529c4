//! QA: render pages, compare two PDFs page by page, and check golden cases.
//!
//! Every later stage is judged by comparing an output PDF with its input or with a blessed
//! output, so the comparison is built once here and used by `folio qa` and by tests.
//!
//! # Steps
//! - [`PdfRenderer`] renders pages with hayro (pure Rust). A page that makes hayro panic is
//!   reported for that page ([`QaError::RenderPanic`]) and the next page is still rendered.
//! - [`compare_gray`] measures two page images: [`ssim`] (11×11 Gaussian windows, on grey
//!   levels) and the mean absolute difference; [`diff_image`] draws the difference.
//! - [`compare_words`] measures text agreement with the reader's words: F1 of the bag of words
//!   and how many matched words moved.
//! - [`compare_pdfs`] does all of it page by page; [`write_report`] turns the result into an
//!   HTML page with the images side by side, worst pages first.
//! - [`check_all`] and [`bless_all`] run the golden cases ([`Case`]) under `golden/`.
//!
//! # Limitations
//! - Pages are compared by index: an inserted page makes every following page differ.
//! - Images are compared after converting to grey, so a colour-only change shows only through
//!   its luminance.

mod compare;
mod error;
mod golden;
mod pixels;
mod render;
mod report;
mod words;

pub use compare::{
    CompareOptions, Comparison, ImageSink, NoImages, PageComparison, Side, Thresholds, compare_pdfs,
};
pub use error::{QaError, QaResult};
pub use golden::{
    Blessed, Case, CaseCheck, CheckRun, ENGINES, Pipeline, bless_all, bless_case, blessed_dir,
    check_all, check_case, load_cases,
};
pub use pixels::{CHANGED_LEVEL, PixelStats, compare_gray, diff_image, ssim, to_gray};
pub use render::{MAX_SIDE_PX, PdfRenderer, RenderedPage, render_page};
pub use report::{PngDir, ReportSection, write_report};
pub use words::{PageWord, WordStats, compare_words, document_words, words_from_tsv, words_to_tsv};

/// Re-exported so callers name the same image types as this crate's API.
pub use image;
