//! What the typesetter gives the writer: positioned glyph runs per block.

use std::fmt;
use std::ops::Range;

use folio_doc::{Point, Pt, Rect, Rgb};
use serde::{Deserialize, Serialize};

use crate::fonts::{FaceId, FaceInfo};

/// The typeset blocks of a document (or page) with the faces they use, as one dump.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlacedText {
    /// The faces of the font book, indexed by [`FaceId`].
    pub faces: Vec<FaceInfo>,
    /// The blocks, in the caller's order.
    pub blocks: Vec<PlacedBlock>,
}

/// One block set in its box.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacedBlock {
    /// The caller's block id.
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
    /// How many of the caller's free rectangles were added to the box.
    pub grown: usize,
    /// The extent of the line boxes (ascent to descent, left to right of the widest line).
    pub bounds: Rect,
    /// Whether the text does not fit even at the smallest scale allowed.
    pub overflowed: bool,
    /// What went less than well.
    pub warnings: Vec<Warning>,
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
    /// Pen position of the first glyph, on the run's baseline (raised or lowered for scripts).
    pub origin: Point,
    /// Fill colour.
    pub color: Rgb,
    /// Ids of the caller's spans covering this run, innermost last.
    pub spans: Vec<u32>,
    /// The link the run carries, if a span gave one.
    pub link: Option<u32>,
    /// Styles the face lacks that the writer should fake.
    pub synthetic: Synthetic,
    /// The glyphs, in visual order.
    pub glyphs: Vec<PlacedGlyph>,
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
    /// Glyph id in the face.
    pub id: u32,
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
pub enum Warning {
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

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BelowFloor {
                block,
                scale,
                floor,
            } => {
                write!(
                    f,
                    "block {block}: text shrunk to {scale:.2} of its size, below the floor {floor:.2}"
                )
            }
            Self::Overflow { block, scale } => {
                write!(
                    f,
                    "block {block}: text overflows its box even at {scale:.2} of its size"
                )
            }
            Self::MissingGlyphs { block, chars } => {
                write!(f, "block {block}: no font has a glyph for {chars:?}")
            }
            Self::SpanClamped { block, span } => {
                write!(
                    f,
                    "block {block}: span {span} was out of range and was clamped"
                )
            }
        }
    }
}
