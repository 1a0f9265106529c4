//! What the typesetter is given: a block's box, its original style and the translated text.

pub use folio_doc::{Align, OriginalLines};
use std::ops::Range;

use folio_doc::{Pt, Rect, Rgb};
use serde::{Deserialize, Serialize};

use crate::fonts::FontQuery;

/// One block (paragraph, heading, caption, …) to set in its box.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextBlock {
    /// The caller's id for the block, carried into the output and warnings.
    pub id: u32,
    /// The box the original text occupied (page coordinates, top-left origin, y down).
    pub rect: Rect,
    /// Rectangles the block may grow into when shrinking to the floor is not enough, in the
    /// order to try them (free space below, then to the right). Each is added to the box in
    /// turn and the layout area becomes their bounding box, so each should touch the box and
    /// be free of other content.
    pub free: Vec<Rect>,
    /// The translated text. Placeholders have already been replaced by their text; what they
    /// marked is in `spans`.
    pub text: String,
    /// Inline styles as byte ranges of `text` (bold, italic, links, super/subscript, colour).
    /// Spans may nest; a later span overrides an earlier one where both set a property.
    pub spans: Vec<TextSpan>,
    /// The block's own look, from the original.
    pub style: TextStyle,
    /// BCP 47 language of `text` (such as "pt"), for language-specific shaping.
    pub lang: Option<String>,
    /// For text that came back unchanged: the lines it had and where it was drawn. `None`:
    /// the typesetter breaks lines itself.
    #[serde(default)]
    pub original: Option<OriginalLines>,
}

/// The original block's look and paragraph geometry, as the typesetter needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextStyle {
    /// Font wanted for the block's text.
    pub font: FontQuery,
    /// The original font size, in points.
    pub size: Pt,
    /// Fill colour of the text.
    pub color: Rgb,
    /// Horizontal alignment of the lines.
    pub align: Align,
    /// Indent of the first line from the box's left edge, in points (unscaled: it is geometry).
    pub indent_first: Pt,
    /// Indent of the other lines from the box's left edge, in points (hanging list items).
    pub indent_rest: Pt,
    /// Baseline-to-baseline distance at the original size, in points; `None` means 1.2 × size.
    /// It scales with the font size.
    pub line_height: Option<Pt>,
    /// Ascent of the original font above the baseline, in em, which places the first baseline
    /// below the box's top; `None` takes the chosen face's ascent.
    pub ascent: Option<f32>,
    /// Descent of the original font, in em (negative); `None` takes the chosen face's.
    pub descent: Option<f32>,
    /// The original first line's baseline (page y). The first line is set there at any size,
    /// so the text starts where it started even when the box's top was set by a tall glyph
    /// above it (a bullet's box); `None` puts it the ascent below the box's top.
    #[serde(default)]
    pub first_baseline: Option<Pt>,
    /// Height of the original font's lowercase letters, in em: a fallback face is set at
    /// the size that gives its own lowercase letters that height, so it looks no larger or
    /// smaller than the original beside it; `None` sets it at the block's size.
    #[serde(default)]
    pub x_height: Option<f32>,
    /// Set in vertical writing: columns top to bottom, from the box's right edge leftwards,
    /// each character upright and an em below the one before (the font's vertical forms of
    /// punctuation). `indent_first` and `indent_rest` are then measured down from the box's
    /// top and `line_height` is the distance between columns; ascent and descent are the
    /// em box's.
    #[serde(default)]
    pub vertical: bool,
    /// The original text ran right to left (Arabic, Hebrew…): its alignment is mirrored when
    /// the new text runs left to right (a right-aligned Arabic paragraph's English translation
    /// starts at the left), and kept when it runs right to left too.
    #[serde(default)]
    pub right_to_left: bool,
}

impl Default for TextStyle {
    fn default() -> Self {
        Self {
            font: FontQuery::default(),
            size: 10.0,
            color: Rgb::default(),
            align: Align::Left,
            indent_first: 0.0,
            indent_rest: 0.0,
            line_height: None,
            ascent: None,
            descent: None,
            first_baseline: None,
            x_height: None,
            vertical: false,
            right_to_left: false,
        }
    }
}

/// An inline style over a byte range of the text, with the caller's id so the writer can find
/// the words it covers (a link's rectangle, for one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextSpan {
    /// The caller's id for the span (a placeholder's number), carried onto every glyph run it
    /// covers.
    pub id: u32,
    /// Byte range in [`TextBlock::text`].
    pub range: Range<usize>,
    /// What the span changes.
    pub style: SpanStyle,
}

/// Style changes of a span; `None` keeps the enclosing style.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SpanStyle {
    /// Bold on or off.
    pub bold: Option<bool>,
    /// Italic on or off.
    pub italic: Option<bool>,
    /// Another font look (inline code in a serif paragraph, say) and original face.
    pub font: Option<FontQuery>,
    /// Another colour.
    pub color: Option<Rgb>,
    /// Raised or lowered text.
    pub shift: Option<BaselineShift>,
    /// The link this text carries (the caller's id for the annotation).
    pub link: Option<u32>,
}

/// Superscript or subscript.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineShift {
    /// Smaller and raised.
    Super,
    /// Smaller and lowered.
    Sub,
}

/// Knobs of the fitting procedure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypesetSettings {
    /// Smallest scale of the original size used before growing into free space.
    pub floor: f32,
    /// Smallest scale used at all; below it the block is reported as overflowing.
    pub min_scale: f32,
    /// Scales are tried in steps of this size (0.01 = whole percents), which keeps results
    /// deterministic and comparable across blocks.
    pub step: f32,
    /// How far lines may reach past the box's bottom, in points, before it counts as not
    /// fitting: original boxes are measured on ink, our lines on font metrics.
    pub tolerance: Pt,
    /// Size of super- and subscripts relative to the text around them.
    pub script_scale: f32,
    /// Skew the writer should apply when italic is wanted but no italic face exists
    /// (tan of the slant angle; 0.2 is about 11°).
    pub synthetic_skew: f32,
}

impl Default for TypesetSettings {
    fn default() -> Self {
        Self {
            floor: 0.7,
            min_scale: 0.3,
            step: 0.01,
            tolerance: 0.5,
            script_scale: 0.65,
            synthetic_skew: 0.2,
        }
    }
}
