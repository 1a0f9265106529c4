//! Folio's document model (IR): what a PDF says, as data every later stage reads.
//!
//! `folio-pdf` fills a [`Document`] from PDF bytes; layout, translation and typesetting read it;
//! the writer uses each glyph's [`Address`] to remove exactly the text it replaces. Every type is
//! plain serde data, so any stage's input can be dumped as JSON (`folio inspect --json`) and
//! read back. The format is versioned by [`IR_VERSION`] and documented in `docs/ir.md`.
//!
//! # Coordinates
//! Points (1/72 inch) on the page *as displayed*: after the crop box and `/Rotate`, origin at
//! the top-left corner, y growing downwards, the convention of `pdftotext -bbox` and viewers.
//!
//! # Brief overview
//! - [`Document`]: pages, fonts, outline, metadata and the warnings met while reading.
//! - [`Page`]: glyphs, the words and lines built from them, images, paths and links.
//! - [`Glyph`]: one shown character code with its Unicode text, font, size, colour, box and
//!   the clip it was drawn under ([`shown`] says how much of it shows).
//! - [`Block`]: a paragraph found by layout, with its role, style, and source text in which
//!   inline spans are placeholders; [`Segment`] and [`Translation`] carry it through an engine.
//! - [`placeholders`]: the `[n]…[/n]` and `[n]` format, written, parsed, stripped and checked.
//! - [`xy_cut`]: the reading order of a page's lines, shared by the reader and layout.
//! - [`PlacedText`]: new text set on pages, from the typesetter to the writer.

mod block;
mod clip;
mod geom;
mod placed;
pub mod placeholders;
mod reading_order;

pub use block::{
    Action, Align, Block, BlockId, BlockLine, BlockStyle, KeepReason, Outcome, Role, Segment,
    SegmentId, Span, SpanKind, Translation,
};
pub use clip::{Shown, shown};
pub use compact_str::CompactString;
pub use geom::{Matrix, Point, Pt, Rect};
pub use placed::{
    Cover, FaceId, FaceSource, GlyphRun, OriginalFont, OriginalLines, PageText, PlacedBlock,
    PlacedFace, PlacedGlyph, PlacedLine, PlacedText, Synthetic, TypesetWarning,
};
pub use reading_order::{ReadingItem, RowGrouping, XyCut, mostly_right_to_left, xy_cut};

use serde::{Deserialize, Serialize};

/// Version of the serialized IR; bumped whenever a field changes meaning or goes away.
pub const IR_VERSION: u32 = 1;

/// A whole PDF as read.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Document {
    /// [`IR_VERSION`] at the time of writing.
    pub ir_version: u32,
    /// Document-level facts: metadata, version, encryption.
    pub info: DocInfo,
    /// Every font used by shown text, indexed by [`FontId`].
    pub fonts: Vec<Font>,
    /// The pages read, in document order (all of them unless a page range was asked).
    pub pages: Vec<Page>,
    /// The bookmarks tree.
    pub outline: Vec<OutlineItem>,
    /// Problems met while reading that did not stop it.
    pub warnings: Vec<Warning>,
}

impl Document {
    /// The font a glyph refers to.
    pub fn font(&self, id: FontId) -> &Font {
        &self.fonts[id.0 as usize]
    }

    /// The page read with this index (from 0). Stages look a block's page up once per block,
    /// so this is a binary search over [`Document::pages`] (in page order, with gaps when only
    /// some pages were read); a scan for pages put in another order.
    pub fn page(&self, index: u32) -> Option<&Page> {
        match self.pages.binary_search_by_key(&index, |p| p.index) {
            Ok(at) => Some(&self.pages[at]),
            Err(_) => self.pages.iter().find(|p| p.index == index),
        }
    }
}

/// Document-level facts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DocInfo {
    /// `/Title` of the document information dictionary.
    pub title: Option<String>,
    /// `/Author`.
    pub author: Option<String>,
    /// `/Subject`.
    pub subject: Option<String>,
    /// `/Producer`: which program wrote the file (explains many quirks).
    pub producer: Option<String>,
    /// The catalogue's `/Lang`, a BCP 47 tag.
    pub lang: Option<String>,
    /// PDF version from the header, such as "1.7".
    pub pdf_version: String,
    /// Whether the file was encrypted (and decrypted to be read).
    pub encrypted: bool,
    /// Number of pages in the file (which may exceed `pages.len()` when a range was asked).
    pub page_count: u32,
}

/// A problem met while reading, kept so the report can show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    /// The page it concerns (from 0), if any.
    pub page: Option<u32>,
    /// What went wrong, lowercase, no final period.
    pub message: String,
}

/// A reference to a PDF object, `num gen R`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ObjRef {
    /// Object number.
    pub num: u32,
    /// Generation number.
    pub generation: u16,
}

/// Index of a font in [`Document::fonts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FontId(pub u32);

/// A font as used by the document's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Font {
    /// `/BaseFont` without its subset tag (`ABCDEF+`).
    pub name: String,
    /// The font dictionary, when it is an indirect object.
    pub dict: Option<ObjRef>,
    /// Which kind of PDF font it is.
    pub kind: FontKind,
    /// Whether a font program is embedded (else a viewer substitutes one).
    pub embedded: bool,
    /// Whether the font has a `/ToUnicode` map.
    pub has_to_unicode: bool,
    /// Look of the font, for picking a replacement that matches.
    pub style: FontStyle,
    /// Ascent above the baseline, in em (from the descriptor, else the font's metrics).
    pub ascent: f32,
    /// Descent below the baseline, in em, negative.
    pub descent: f32,
    /// Height of a lowercase letter, in em (the descriptor's `/XHeight`, else the standard
    /// font's), so a replacement face can be sized to look as large; `None` when unknown.
    #[serde(default)]
    pub x_height: Option<f32>,
    /// How many bytes each character code takes when that is fixed: 1 for simple fonts, 2 for
    /// Type 0 fonts with `Identity-H`/`-V`; `None` for variable-length CMaps. The writer can
    /// draw new text in the original font only when it knows this.
    #[serde(default)]
    pub code_bytes: Option<u8>,
    /// How far the font moves the pen for each character code the document shows, in em
    /// (its own widths, before character spacing and horizontal scaling). New text drawn in
    /// the font is positioned against these.
    #[serde(default)]
    pub widths: std::collections::BTreeMap<u32, f32>,
    /// For a whole simple font (not a subset): every character its encoding can draw, with
    /// its code (widths in `widths`), so new text can use letters the document never showed.
    /// Empty otherwise.
    #[serde(default)]
    pub available: std::collections::BTreeMap<char, u32>,
    /// How the document draws text in the font, measured by the reader from the glyphs it
    /// shows: enough to draw new text in it by character code. `None` when it shows none.
    #[serde(default)]
    pub drawn: Option<DrawnCodes>,
}

/// A font's characters as the document draws them: codes, advances, kerning, ligatures and
/// the space between words, measured from the shown glyphs (see [`Font::drawn`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DrawnCodes {
    /// Character → (character code, advance in em): the font's own width for the code where
    /// it has one, else the median of the measured advances. A whole font adds the rest of its
    /// encoding ([`Font::available`]).
    pub codes: std::collections::BTreeMap<char, (u32, f32)>,
    /// Letter sequences drawn as one glyph ("fi", "ffl" in TeX fonts): (text, code, advance in
    /// em), longest first.
    pub ligatures: Vec<(String, u32, f32)>,
    /// Kerning between two characters as the original set them, in em (negative: closer):
    /// `(left, right, kern)`, sorted.
    pub kerns: Vec<(char, char, f32)>,
    /// The width of a space, in em: the space glyph's advance, or for fonts without one (TeX)
    /// the narrowest usual gap between words; `None` when neither was seen.
    pub space: Option<f32>,
}

/// The kinds of PDF font (ISO 32000-2, 9.6 and 9.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FontKind {
    /// Type 1 (including the standard 14 and multiple master fonts).
    Type1,
    /// TrueType or OpenType in a simple font.
    TrueType,
    /// Composite font with CIDs (Type 0).
    Type0,
    /// Glyphs drawn by content streams (Type 3).
    Type3,
}

/// The look of a font, enough to choose a replacement in the same spirit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FontStyle {
    /// Serif, sans-serif, monospace or symbols.
    pub family: FontFamilyClass,
    /// Weight of 600 or more.
    pub bold: bool,
    /// Italic or oblique.
    pub italic: bool,
}

/// Broad family classes, from the descriptor flags and the font name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FontFamilyClass {
    /// Serif text face (Times, Computer Modern Roman, …).
    #[default]
    Serif,
    /// Sans-serif face (Helvetica, Arial, …).
    Sans,
    /// Fixed-pitch face (Courier, typewriter, …).
    Mono,
    /// Symbols or math (Symbol, CMSY, ZapfDingbats, …).
    Symbol,
}

/// One page as displayed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Page {
    /// Index of the page in the file, from 0.
    pub index: u32,
    /// The page dictionary, so the writer finds the page even where the page tree is broken.
    #[serde(default)]
    pub obj: Option<ObjRef>,
    /// Displayed width (crop box after rotation), in points.
    pub width: Pt,
    /// Displayed height, in points.
    pub height: Pt,
    /// `/Rotate`, in degrees clockwise: 0, 90, 180 or 270.
    pub rotation: u16,
    /// Maps the page's default user space to display coordinates (y down, rotated, cropped).
    pub user_to_display: Matrix,
    /// What the page holds, in broad terms.
    pub kind: PageKind,
    /// Every glyph shown, in content-stream order.
    pub glyphs: Vec<Glyph>,
    /// Words built from the glyphs, in reading order.
    pub words: Vec<Word>,
    /// Lines built from the words, in reading order.
    pub lines: Vec<Line>,
    /// Images drawn (XObjects and inline images).
    pub images: Vec<ImageAsset>,
    /// Vector paths painted (rules, boxes, figures).
    pub paths: Vec<PathAsset>,
    /// Link annotations.
    pub links: Vec<Link>,
    /// Why the page could not be read (a resource limit exceeded, a bug caught): its content
    /// is then left out, so it is copied unchanged. `None` for a page read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

/// What a page holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageKind {
    /// The page has text to read.
    #[default]
    Text,
    /// No text, but an image covering most of the page: a scan that needs OCR.
    Scanned,
    /// Neither text nor a page-sized image.
    Empty,
}

/// Where an operator sits, so the writer can find and remove exactly it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Address {
    /// The content stream holding the operator.
    pub stream: StreamId,
    /// Index of the operator in that stream, from 0, counting every operator.
    pub op: u32,
}

/// A content stream: a page's own (all its `/Contents` streams concatenated) or a Form XObject's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamId {
    /// The page's `/Contents`, taken as one stream.
    Page,
    /// A Form XObject (possibly shared by several pages).
    Form(ObjRef),
    /// A form field's value that viewers draw themselves (`/NeedAppearances`): the widget
    /// annotation. It is in no content stream, so the writer never removes it.
    Field(ObjRef),
    /// An annotation's appearance (a filled-in field, a typed note), which viewers draw over
    /// the page: the annotation. Its operators are not addressed; layout keeps its text.
    Annotation(ObjRef),
}

/// An RGB colour, 8 bits a channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rgb(pub [u8; 3]);

/// One character code shown by a text operator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Glyph {
    /// Unicode text; ligatures expanded ("ﬁ" gives "fi"); U+FFFD when unknown. Inline (no
    /// allocation) up to 24 bytes: a page holds thousands of glyphs.
    pub text: CompactString,
    /// The character code in the font's encoding.
    pub code: u32,
    /// The font.
    pub font: FontId,
    /// Font size as seen on the page (text size times the scale of the text and current
    /// matrices), in points.
    pub size: Pt,
    /// Box: advance along the baseline, font ascent to descent across it.
    pub bbox: Rect,
    /// The glyph origin on the baseline.
    pub origin: Point,
    /// Direction of the baseline, in degrees counter-clockwise from the x axis as displayed.
    pub angle: f32,
    /// Fill colour (approximated to RGB).
    pub color: Rgb,
    /// Text rendering mode (`Tr`): 0 fill, 1 stroke, 3 invisible, 7 clip, …
    pub render_mode: u8,
    /// The operator that showed it.
    pub addr: Address,
    /// The clipping region (`W`, `W*`, a form's `/BBox`) in force when it was drawn, as a
    /// rectangle in display coordinates: the bounding box of the intersection of the clipping
    /// paths (exact for rectangles). `None` when nothing clips. [`shown`] tells how much of
    /// the glyph it shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clip: Option<Rect>,
}

impl Glyph {
    /// Whether the clip hides the glyph (all of it, or all but a sliver): it is not text a
    /// reader of the page sees, so it is in no word and is neither translated nor redrawn.
    pub fn clipped_away(&self) -> bool {
        self.shown() == Shown::Nothing
    }

    /// How much of the glyph its clip shows ([`Shown::All`] when nothing clips).
    pub fn shown(&self) -> Shown {
        self.clip.map_or(Shown::All, |c| shown(&self.bbox, &c))
    }
}

/// A word: glyphs between spaces or gaps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Word {
    /// The word's text.
    pub text: String,
    /// Union of its glyphs' boxes.
    pub bbox: Rect,
    /// Indices of its glyphs in [`Page::glyphs`] (not always contiguous in content order).
    pub glyphs: Vec<u32>,
}

/// A line: words sharing a baseline, in reading order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// Union of its words' boxes.
    pub bbox: Rect,
    /// Indices of its words in [`Page::words`], left to right.
    pub words: Vec<u32>,
    /// Whether the line is a column of vertical writing (a CJK font written vertically, such
    /// as `Identity-V`): its words run top to bottom, and lines follow each other from right
    /// to left. Layout groups such columns into paragraphs as it groups horizontal lines.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub vertical: bool,
}

/// An image drawn on the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageAsset {
    /// Where it lands on the page.
    pub bbox: Rect,
    /// The image XObject, or `None` for an inline image.
    pub xobject: Option<ObjRef>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The `Do` or `BI` operator that drew it.
    pub addr: Address,
}

/// A painted vector path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathAsset {
    /// Bounding box of the path as painted.
    pub bbox: Rect,
    /// Filled.
    pub fill: bool,
    /// Stroked.
    pub stroke: bool,
    /// The painting operator.
    pub addr: Address,
}

/// A link annotation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    /// The annotation's rectangle.
    pub rect: Rect,
    /// Where it goes.
    pub target: Target,
    /// The annotation object, when indirect.
    pub annot: Option<ObjRef>,
}

/// Where a link or bookmark goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// A page of this document, and the y of the view's top when given.
    Page {
        /// Page index from 0.
        page: u32,
        /// Top of the view, in display coordinates.
        y: Option<Pt>,
    },
    /// A web or mail address.
    Uri(String),
    /// A named destination that could not be resolved.
    Named(String),
    /// Another kind of action (JavaScript, launch, remote file, …).
    Other(String),
}

/// A bookmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutlineItem {
    /// The title shown.
    pub title: String,
    /// Where it goes.
    pub target: Option<Target>,
    /// The outline item object (for rewriting its title).
    pub obj: Option<ObjRef>,
    /// Nested items.
    pub children: Vec<OutlineItem>,
}

impl Page {
    /// The text of the page, one line a line, words separated by spaces.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            let words: Vec<&str> = line
                .words
                .iter()
                .map(|&w| self.words[w as usize].text.as_str())
                .collect();
            out.push_str(&words.join(" "));
            out.push('\n');
        }
        out
    }
}
