//! PDF bytes to Folio's document model, and the original PDF edited with new text.
//!
//! ```no_run
//! let bytes = std::fs::read("paper.pdf").unwrap();
//! let doc = folio_pdf::read(bytes, &folio_pdf::ReadOptions::default()).unwrap();
//! for word in &doc.pages[0].words {
//!     println!("{} {:?}", word.text, word.bbox);
//! }
//! ```
//!
//! # How reading works
//! - The file is parsed by `hayro-syntax`, which repairs broken cross-reference tables and
//!   decrypts (RC4, AES-128, AES-256) with the empty or the given user password.
//! - Fonts are loaded by `hayro-font`: the standard 14 with their metrics, embedded Type 1,
//!   CFF and TrueType programs, Type 0 with predefined CMaps (`hayro-cmap`), Type 3; Unicode
//!   comes from `/ToUnicode`, else from the encoding's glyph names.
//! - Our own content-stream interpreter (`read::interp`) walks pages and Form XObjects with the
//!   full graphics and text state, and records for every glyph the [`Address`] of the operator
//!   that drew it, which a renderer-oriented interpreter does not keep.
//! - Glyphs are then grouped into words and lines (`read::words`).
//!
//! # Limitations
//! - Vertical writing is read glyph by glyph, but words are built for horizontal lines only.
//! - Clipping is not applied: text hidden by a clip path is still read.
//!
//! [`Address`]: folio_doc::Address

mod error;
mod limits;
mod read;
mod write;

pub use error::ReadError;
pub use limits::{LimitExceeded, Limits};
pub use read::{PageSelection, ReadOptions, page_count, read, read_page_by_page};
pub use write::{Bilingual, WriteError, WritePlan, Written, bilingual, write};

/// The message a panic carried, for a report: panics are bugs, but one page's must not lose
/// the document.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}
