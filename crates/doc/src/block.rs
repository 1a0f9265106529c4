//! Blocks (paragraphs) and the segments sent for translation: what `folio-layout` makes of a
//! page, what `folio-translate` translates and what `folio-typeset` sets again.

use serde::{Deserialize, Serialize};

use crate::{FontId, Pt, Rect, Rgb};

/// Identifies a block within a document: page index and the block's number on that page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BlockId {
    /// Page index from 0.
    pub page: u32,
    /// Number of the block on its page, in reading order, from 0.
    pub index: u32,
}

/// A paragraph-like unit of text with one box, one role and one base style.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Block {
    /// Which block.
    pub id: BlockId,
    /// The union of its lines' boxes, in display coordinates.
    pub bbox: Rect,
    /// What the block is on the page.
    pub role: Role,
    /// Its lines, top to bottom (a vertical block's columns, right to left).
    pub lines: Vec<BlockLine>,
    /// The style most of its text has, and the paragraph's shape.
    pub style: BlockStyle,
    /// The text to translate, with inline spans as placeholders `[n]…[/n]` and atomic kept
    /// items (inline formulas, citations) as `[n]` (see [`Span`]).
    pub source: String,
    /// The inline spans and kept items the placeholders stand for, by number.
    pub spans: Vec<Span>,
    /// Whether the block is translated or kept as it is, and why.
    pub action: Action,
}

/// A line of a block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockLine {
    /// The line's box.
    pub bbox: Rect,
    /// The line's words: indices into [`crate::Page::words`].
    pub words: Vec<u32>,
}

/// What a block is on the page; blocks of one role share a size when refitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A title or section heading.
    Heading,
    /// Running text.
    Body,
    /// The caption of a figure or table.
    Caption,
    /// A footnote.
    Footnote,
    /// A running header at the top of pages.
    Header,
    /// A running footer at the bottom of pages.
    Footer,
    /// A page number.
    PageNumber,
    /// An item of a list.
    ListItem,
    /// A cell of a table.
    TableCell,
    /// Display math.
    Formula,
    /// Program code.
    Code,
    /// Anything else (labels of figures, stray text).
    Other,
}

/// Paragraph shape and base text style of a block, to set its translation alike.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockStyle {
    /// The font most of the text uses.
    pub font: FontId,
    /// Its size in points.
    pub size: Pt,
    /// Its fill colour.
    pub color: Rgb,
    /// How lines sit between the block's edges.
    pub align: Align,
    /// Indent of the first line relative to the block's left edge (negative: hanging).
    pub first_indent: Pt,
    /// Distance between baselines, in points.
    pub line_height: Pt,
    /// Baseline direction in degrees (0 for ordinary text).
    pub angle: f32,
    /// Vertical writing: the block's lines are columns (top to bottom, right to left) and
    /// `first_indent` and `line_height` are measured down a column and across the columns.
    /// A translation into Chinese, Japanese or Korean is set vertically again; into another
    /// language, horizontally in the block's box.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub vertical: bool,
}

/// Line alignment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    /// Ragged right.
    #[default]
    Left,
    /// Ragged left.
    Right,
    /// Centred.
    Center,
    /// Flush both sides, by widening the spaces; the last line of a paragraph is set flush
    /// left.
    Justify,
}

/// An inline span or kept item of a block, numbered as its placeholder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Span {
    /// The placeholder number `n` of `[n]…[/n]` or `[n]`.
    pub id: u32,
    /// What it carries.
    pub kind: SpanKind,
    /// The glyphs it covers in the source: indices into [`crate::Page::glyphs`].
    pub glyphs: Vec<u32>,
}

/// What an inline span carries across translation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpanKind {
    /// Bold text (a paired placeholder).
    Bold,
    /// Italic text (paired).
    Italic,
    /// Text in another font or colour than the block's (paired).
    Style {
        /// The span's font.
        font: FontId,
        /// The span's colour.
        color: Rgb,
    },
    /// A link: index into [`crate::Page::links`] (paired).
    Link(u32),
    /// Superscript (paired).
    Superscript,
    /// Subscript (paired).
    Subscript,
    /// Kept verbatim, not translated (atomic `[n]`): an inline formula, a citation, code.
    Kept {
        /// The text kept.
        text: String,
        /// Why it is kept.
        reason: KeepReason,
    },
}

/// Whether a block goes to translation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Translate `source`.
    Translate,
    /// Keep the original text and its drawing untouched.
    Keep(KeepReason),
}

/// Why text needs no translation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeepReason {
    /// Mathematics (math fonts, symbol runs).
    Formula,
    /// Program code (monospace).
    Code,
    /// Numbers, dates, amounts.
    Number,
    /// A web address.
    Url,
    /// An e-mail address.
    Email,
    /// Symbols or punctuation only.
    Symbols,
    /// A page number.
    PageNumber,
    /// A citation such as `[12]`.
    Citation,
    /// No letters to translate.
    Empty,
    /// Text not in the source language.
    OtherLanguage,
    /// Rotated text (not vertical writing, which is set again) that cannot be refitted yet.
    Rotated,
    /// A form field's value: the user's data, drawn by the viewer.
    FormField,
    /// Drawn without advancing (a mark or a letter struck over another): there is no box to
    /// set a translation in.
    NoWidth,
    /// Drawn by an annotation over the page (a filled-in field, a typed note): new text drawn
    /// on the page would be under it, and appearances are not rewritten yet.
    Annotation,
}

/// Identifies a segment sent for translation, stable across runs of the same document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SegmentId(pub u32);

/// One unit of translation: a block's source text with placeholders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Which segment (the pipeline numbers the blocks it translates).
    pub id: SegmentId,
    /// The block it comes from; `None` for text outside the pages (outline titles, the
    /// document's title).
    pub block: Option<BlockId>,
    /// Text with placeholders `[n]…[/n]` and `[n]`.
    pub text: String,
    /// The block's role, as context for the engine.
    pub role: Role,
}

/// How a segment ended: translated, kept, or failed — never silently left as it was.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Translated text, placeholders intact.
    Translated(String),
    /// Left in the source language on purpose.
    Kept(KeepReason),
    /// The engine could not translate it.
    Failed(String),
}

/// The result for one segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Translation {
    /// Which segment.
    pub id: SegmentId,
    /// What came of it.
    pub outcome: Outcome,
}
