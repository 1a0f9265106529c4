//! New text placed on pages: what `folio-typeset` makes of a translation and `folio-pdf`'s
//! writer draws. One set of types serves both sides, so nothing is copied between them.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{Matrix, ObjRef, Point, Pt, Rect, Rgb};

/// A face new text is drawn with: an index into the typesetter's font book, and the key the
/// writer embeds the face under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FaceId(pub u32);

/// Everything new a document gets: the text set on each page and the faces it is drawn with.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PlacedText {
    /// The faces the blocks' runs use.
    pub faces: Vec<PlacedFace>,
    /// The pages that change, in page order.
    pub pages: Vec<PageText>,
}

/// The new text of one page, and the old text it replaces.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PageText {
    /// Index of the page, from 0.
    pub page: u32,
    /// Glyphs whose drawing is removed: indices into the read page's glyphs.
    pub remove: Vec<u32>,
    /// The blocks set on the page.
    pub blocks: Vec<PlacedBlock>,
    /// Rectangles painted before the new text, hiding the words it replaces in a page image
    /// (a scan, read by OCR): each in the paper's colour sampled around its line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covers: Vec<Cover>,
    /// Whether the new text is drawn invisible (text render mode 3): a text layer to search
    /// and copy over a page image left as it is (`folio ocr`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub invisible: bool,
    /// The frame the blocks and covers are set in, mapped onto the page (both in display
    /// coordinates); `None` for the page itself. A skewed or turned scan (OCR) is read and
    /// typeset level in an upright frame, and drawn under this map along the scan's lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame: Option<Matrix>,
}

/// A filled rectangle under a page's new text.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cover {
    /// Where, in display coordinates.
    pub rect: Rect,
    /// Its fill colour.
    pub color: Rgb,
}

/// A face the writer embeds: a font program to subset, or one of the original's fonts, drawn
/// by its own character codes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlacedFace {
    /// The face runs refer to.
    pub id: FaceId,
    /// Where its glyphs come from.
    pub source: FaceSource,
}

/// Where a placed face's glyphs come from.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaceSource {
    /// An OpenType/TrueType program, embedded as a subset; glyph ids are the program's.
    Program {
        /// The font file.
        #[serde(skip)]
        data: Arc<Vec<u8>>,
        /// Index in a font collection, 0 otherwise.
        index: u32,
    },
    /// One of the original's fonts: glyph ids are character codes.
    Original(OriginalFont),
}

/// One of the original's fonts, reused to draw new text by its character codes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OriginalFont {
    /// The font dictionary.
    pub dict: ObjRef,
    /// Bytes per character code.
    pub code_bytes: u8,
    /// How far the font itself moves the pen for each code, in em. A glyph whose wanted
    /// advance differs (kerning, justified spaces, the original's own positions) gets the
    /// difference as a `TJ` move; a code not listed is drawn at its wanted advance.
    pub advances: HashMap<u32, f32>,
}

/// One block set in its box.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacedBlock {
    /// The typesetter's id for the block.
    pub id: u32,
    /// The text set; glyph clusters are byte ranges of it.
    pub text: String,
    /// The lines, top to bottom.
    pub lines: Vec<PlacedLine>,
    /// Font size used for the block's body text, in points.
    pub size: Pt,
    /// `size` over the original size.
    pub scale: f32,
    /// The area the lines were set in: the box, grown by the free rectangles used.
    pub area: Rect,
    /// How many of the free rectangles offered were added to the box.
    pub grown: usize,
    /// The extent of the line boxes (ascent to descent, left to right of the widest line).
    pub bounds: Rect,
    /// Whether the text does not fit even at the smallest scale allowed.
    pub overflowed: bool,
    /// What went less than well.
    pub warnings: Vec<TypesetWarning>,
    /// The clip the block's original text was drawn under (display coordinates), when that
    /// clip cut the original text or the new lines reach past it: the new text is drawn under
    /// it too, so it shows nowhere the original could show nothing. `None` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clip: Option<Rect>,
}

impl PlacedBlock {
    /// A block with nothing set in it: what stands for a block that could not be set.
    pub fn empty(id: u32, area: Rect, size: Pt) -> Self {
        Self {
            id,
            text: String::new(),
            lines: Vec::new(),
            size,
            scale: 1.0,
            area,
            grown: 0,
            bounds: area,
            overflowed: false,
            warnings: Vec::new(),
            clip: None,
        }
    }

    /// The text a glyph stands for, as a reader of the output gets it back: its cluster, or a
    /// hyphen for the one the typesetter added at the end of a hyphenated line.
    pub fn glyph_text(&self, line: &PlacedLine, run: usize, glyph: usize) -> &str {
        let Some(g) = line.runs.get(run).and_then(|r| r.glyphs.get(glyph)) else {
            return "";
        };
        let text = self
            .text
            .get(g.text.start as usize..g.text.end as usize)
            .unwrap_or("");
        let last_glyph = run + 1 == line.runs.len() && glyph + 1 == line.runs[run].glyphs.len();
        if text.is_empty() && line.hyphenated && last_glyph {
            "-"
        } else {
            text
        }
    }
}

/// One line of a block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacedLine {
    /// Where the line's first glyph starts, on the baseline.
    pub origin: Point,
    /// Advance width of the line, in points (after justification).
    pub width: Pt,
    /// Byte range of the block's text that the line shows (trailing spaces left out).
    pub text: Range<u32>,
    /// Whether the line ends in a hyphen we added inside a word.
    pub hyphenated: bool,
    /// Runs of glyphs sharing face, size, colour and spans, left to right.
    pub runs: Vec<GlyphRun>,
}

/// Glyphs of one face, size, colour and set of spans, drawn one after another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlyphRun {
    /// The face, in the font book the block was set with.
    pub face: FaceId,
    /// Font size, in points.
    pub size: Pt,
    /// Pen position of the first glyph, on the run's baseline (raised or lowered for scripts),
    /// in display coordinates.
    pub origin: Point,
    /// Fill colour.
    pub color: Rgb,
    /// Ids of the typesetter's spans covering this run, innermost last.
    pub spans: Vec<u32>,
    /// The link the run carries: an index into the page's links.
    pub link: Option<u32>,
    /// Styles the face lacks that the writer should fake.
    pub synthetic: Synthetic,
    /// The glyphs, in visual order.
    pub glyphs: Vec<PlacedGlyph>,
    /// Set in vertical writing: `origin` is the top of the column's centre line, each glyph
    /// stands upright below the one before, moving the pen down by its `advance` (`dx`, `dy`
    /// unused). The writer draws it in the face's vertical encoding (`Identity-V`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub vertical: bool,
}

impl GlyphRun {
    /// Advance width of the run, in points.
    pub fn width(&self) -> Pt {
        self.glyphs.iter().map(|g| g.advance).sum()
    }
}

/// Faked styles: what was asked for but is not in the face.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Synthetic {
    /// Horizontal skew to fake italic (tan of the angle), 0 for none; the writer applies it in
    /// the text matrix.
    pub skew: f32,
    /// Fake bold (e.g. fill and stroke with a thin line width).
    pub bold: bool,
}

/// One glyph and where it goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacedGlyph {
    /// Glyph id in the face (a character code for an original font); `None` draws nothing and
    /// only moves the pen (a space in an original font that has no space glyph).
    pub id: Option<u32>,
    /// How far the pen moves after it, in points (justification included).
    pub advance: Pt,
    /// Horizontal offset from the pen position, in points.
    pub dx: Pt,
    /// Vertical offset from the baseline, in points, positive downwards (page convention).
    pub dy: Pt,
    /// The source text it shows, as a byte range of the block's text: the cluster. Several
    /// glyphs of one cluster share it (the first should carry the text in a ToUnicode map);
    /// a ligature's range spans several characters; an added hyphen has an empty range.
    pub text: Range<u32>,
}

/// A problem met while setting a block, which did not stop it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum TypesetWarning {
    /// The text fits only below the floor scale.
    BelowFloor {
        /// The block.
        block: u32,
        /// Scale used.
        scale: f32,
        /// The floor.
        floor: f32,
    },
    /// The text does not fit even at the smallest scale.
    Overflow {
        /// The block.
        block: u32,
        /// Scale used.
        scale: f32,
    },
    /// Characters no face maps, drawn as `.notdef`.
    MissingGlyphs {
        /// The block.
        block: u32,
        /// The distinct characters missing.
        chars: String,
    },
    /// A span's range was outside the text or not on character boundaries; it was clamped.
    SpanClamped {
        /// The block.
        block: u32,
        /// The span.
        span: u32,
    },
}

impl fmt::Display for TypesetWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BelowFloor {
                block,
                scale,
                floor,
            } => write!(
                f,
                "block {block}: text shrunk to {scale:.2} of its size, below the floor {floor:.2}"
            ),
            Self::Overflow { block, scale } => write!(
                f,
                "block {block}: text overflows its box even at {scale:.2} of its size"
            ),
            Self::MissingGlyphs { block, chars } => {
                write!(f, "block {block}: no font has a glyph for {chars:?}")
            }
            Self::SpanClamped { block, span } => write!(
                f,
                "block {block}: span {span} was out of range and was clamped"
            ),
        }
    }
}

/// Where unchanged text was drawn, so it is set again as it was: on its lines, and at full
/// size on its baselines and at its glyphs' positions, which keeps the original's own spacing
/// and kerning (our advances only approximate them). Layout finds it; typeset uses it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OriginalLines {
    /// Byte offsets of the text where its lines after the first started.
    pub breaks: Vec<usize>,
    /// Each line's baseline y, in points; empty when not known.
    pub baselines: Vec<f32>,
    /// `(byte offset, x in points)`, sorted by offset: a glyph whose cluster starts at an
    /// anchored offset is drawn at that x. Anchors and baselines are ignored when the block
    /// has to shrink.
    pub anchors: Vec<(u32, f32)>,
}
