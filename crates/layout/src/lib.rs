//! Folio's layout stage: a page's lines become blocks (paragraphs) in reading order, each with
//! a role, a base style and a source text in which inline spans are placeholders; blocks that
//! need no translation are kept, with a reason.
//!
//! ```no_run
//! # let doc = folio_doc::Document::default();
//! let blocks = folio_layout::layout_document(&doc, &folio_layout::LayoutSettings::default());
//! let segments = folio_layout::segments(&blocks);
//! ```
//!
//! # Steps
//! 1. `lines`: each line of the reader (already in reading order) is measured: main font,
//!    size, colour, baseline, the share of bold, monospace and math glyphs, and whether it
//!    sits in a row of table cells.
//! 2. `running`: lines repeated at the same place on nearby pages (digits masked) are running
//!    headers, footers and page numbers.
//! 3. `tables`: tables are found (rows of short pieces side by side, columns between
//!    gutters no row crosses) and each of their lines gets its cell; the lines of one cell
//!    (text wrapped in it) are one cell, a line on a new row starts another.
//! 4. `group`: consecutive lines become blocks while they look like one paragraph; a
//!    block never spans two columns; the lines of a table cell are one block of their own.
//!    `items`: a narrow centred block of separate items (an author block: name, institution,
//!    city, e-mail) becomes one block per item.
//! 5. `style`, `roles`: each block's base style and paragraph shape, then its role.
//! 6. `inline`: the block's text with placeholders for bold, italic, other fonts or colours,
//!    links, super- and subscripts, and atomic kept items (inline formulas and code,
//!    citations, URLs, e-mail addresses); lines joined, hyphenated words rejoined.
//! 7. `keep`: whether the block is translated or kept.
//!
//! Every threshold these steps use is a documented field of [`LayoutSettings`], grouped by
//! step ([`LineSettings`], [`RunningSettings`], [`BlockSettings`], [`StyleSettings`],
//! [`RoleSettings`], [`InlineSettings`], [`KeepSettings`], [`TableSettings`]);
//! `docs/layout.md` lists them.
//!
//! Columns of vertical writing (CJK, read top to bottom, columns right to left) are laid out
//! by the same steps on the page turned a quarter turn (`vertical`): a paragraph's columns
//! are the lines of one block, which is marked vertical ([`folio_doc::BlockStyle::vertical`]).
//!
//! # Limitations
//! - Rotated text is one block per line and kept.
//! - Table cells come from aligned rows of short text (see `tables`); tables of two columns,
//!   cells centred vertically without rules between rows, and cells of code are not found
//!   as tables.
//! - Only words the reader built are placed in blocks: a glyph the reader dropped as a
//!   duplicate (fake bold) belongs to no block.

mod fonts;
mod group;
mod inline;
mod items;
mod keep;
mod lines;
mod math;
mod original;
mod page;
mod roles;
mod running;
mod segments;
mod settings;
mod style;
mod tables;
mod text;
mod tokens;
mod vertical;

pub use original::{block_clip, clip_cuts, drawn_glyphs, first_baseline, original_lines};
pub use page::{IncrementalLayout, layout_document, layout_page};
pub use segments::segments;
pub use settings::{
    BlockSettings, InlineSettings, KeepSettings, LayoutSettings, LineSettings, RoleSettings,
    RunningSettings, StyleSettings, TableSettings,
};
pub use text::is_list_marker;
