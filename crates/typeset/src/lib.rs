//! Folio's typesetter: sets translated text in the boxes the original text came from.
//!
//! The `typeset` stage of the pipeline (`docs/typeset.md`): a [`TextBlock`] (box, original
//! style, translated text with inline [`TextSpan`]s) goes in, a [`PlacedBlock`] (lines of
//! positioned [`GlyphRun`]s, each glyph with its source-text cluster) comes out, for the PDF
//! writer to draw and to map back to text (ToUnicode, ActualText) and links.
//!
//! # Steps
//! 1. Fonts: a [`FontBook`] of the bundled Noto fonts (`fonts/`, compiled in) or a directory, plus the
//!    original's embedded programs ([`FontBook::add_embedded`]). The original face is kept when
//!    it maps every character; otherwise the closest bundled face by class, weight and slant,
//!    falling back per character by coverage.
//! 2. Shaping with HarfRust, once per block, in em (fonts via read-fonts).
//! 3. Line breaking at UAX #14 opportunities (`unicode-linebreak`), greedy; a word is cut and
//!    hyphenated only when it is wider than a whole line.
//! 4. Fitting ([`typeset_block`]): shrink to a floor, grow into free space, shrink further with
//!    a warning; [`harmonize_sizes`] then makes blocks of one role agree.
//!
//! A block in vertical writing ([`TextStyle::vertical`]) goes through the same steps turned a
//! quarter turn: its columns are set as lines whose characters all advance an em (shaped
//! with the font's `vert` forms), then turned back into columns of upright glyphs.
//!
//! # Example
//! ```no_run
//! use folio_doc::Rect;
//! use folio_typeset::{FontBook, TextBlock, TextStyle, TypesetSettings, typeset_block};
//!
//! let book = FontBook::bundled();
//! let block = TextBlock {
//!     id: 1,
//!     rect: Rect::new(72.0, 100.0, 300.0, 160.0),
//!     free: vec![],
//!     text: "O rápido cão castanho salta sobre o cão preguiçoso.".into(),
//!     spans: vec![],
//!     style: TextStyle { size: 11.0, ..Default::default() },
//!     lang: Some("pt".into()),
//!     original: None,
//! };
//! let placed = typeset_block(&book, &block, &TypesetSettings::default())?;
//! println!("{} lines at {:.2} of the size", placed.lines.len(), placed.scale);
//! # Ok::<(), folio_typeset::TypesetError>(())
//! ```
//!
//! # Limitations
//! Left-to-right text only (a right-to-left run is shaped right but no bidi reordering is done
//! across runs); no CJK line-breaking refinements beyond UAX #14; hyphenation has no dictionary.

mod block;
mod bundled;
mod document;
mod error;
mod fit;
mod fonts;
mod linebreak;
mod prepared;
mod script_fonts;
mod shape;
mod vertical;

pub use block::{
    Align, BaselineShift, OriginalLines, SpanStyle, TextBlock, TextSpan, TextStyle, TypesetSettings,
};
pub use bundled::{BUNDLED_FONTS, bundled_font};
pub use error::{TypesetError, TypesetResult};
pub use fit::{harmonize_sizes, typeset_block, typeset_block_at, typeset_blocks};
pub use fonts::{Coverage, Face, FaceInfo, FaceOrigin, FontBook, FontQuery, PdfCodes};
pub use script_fonts::{SCRIPT_FONTS_ENV, writes_vertically};
// What the typesetter hands the writer is the document model's: one set of types for both.
pub use folio_doc::{
    FaceId, GlyphRun, PlacedBlock, PlacedGlyph, PlacedLine, Synthetic, TypesetWarning,
};
