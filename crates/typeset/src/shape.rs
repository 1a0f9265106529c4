//! Itemising a block into runs (one style, one face) and shaping each with HarfRust.
//!
//! Shaping happens once per block, in em units of the run's own size: the advances of a
//! simple-script run do not depend on the point size (our fonts have no `trak` table and we do
//! not hint), so fitting can try many sizes with arithmetic alone.

use std::collections::HashMap;
use std::ops::Range;

use folio_doc::{FontFamilyClass, Rgb};
use harfrust::{Buffer, Direction, FontFuncs, GlyphId, Language, ShapeOptions, ShaperFont};

use crate::block::{BaselineShift, TextBlock, TypesetSettings};
use crate::error::{TypesetError, TypesetResult};
use folio_doc::FaceId;

use crate::fonts::{Face, FaceOrigin, FontBook, FontQuery, PdfCodes};
use folio_doc::{Synthetic, TypesetWarning};

/// A shaped glyph, in em of its run's size; `cluster` is a byte offset into the block's text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ShapedGlyph {
    /// The glyph id (a character code in a PDF font); `None` draws nothing, the pen moves.
    pub id: Option<u32>,
    pub cluster: u32,
    pub advance: f32,
    pub dx: f32,
    /// Upwards, as fonts measure.
    pub dy: f32,
}

/// A maximal piece of the text with one face and one resolved style.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub range: Range<usize>,
    pub face: FaceId,
    /// Size relative to the block's size (smaller for scripts).
    pub rel_size: f32,
    /// Baseline raise in em of the block's size, upwards.
    pub rise: f32,
    pub color: Rgb,
    pub spans: Vec<u32>,
    pub link: Option<u32>,
    pub synthetic: Synthetic,
    /// Right-to-left run; its glyphs are kept in logical order here.
    pub rtl: bool,
    /// Its embedding level by the Unicode Bidirectional Algorithm (odd: right to left): a
    /// line's runs are drawn in the order the levels give.
    pub level: u8,
    /// Glyphs in logical order (clusters never decreasing).
    pub glyphs: Vec<ShapedGlyph>,
}

/// The style in force over a piece of text once the spans are applied.
#[derive(Debug, Clone, PartialEq)]
struct Resolved {
    query: FontQuery,
    color: Rgb,
    shift: Option<BaselineShift>,
    spans: Vec<u32>,
    link: Option<u32>,
}

/// The bidi embedding level of each byte of `text` (one paragraph, its direction from its
/// first strong character; left to right when it has none).
pub(crate) fn bidi_levels(text: &str) -> Vec<u8> {
    let info = unicode_bidi::BidiInfo::new(text, None);
    info.levels.iter().map(|l| l.number()).collect()
}

/// Whether the block's language is written right to left (Arabic, Persian, Urdu, Hebrew…):
/// only then are its lines ordered by the Unicode Bidirectional Algorithm. Text left in
/// another script inside a left-to-right target keeps the shaper's direction per run, as
/// the original fonts drawn by their codes need (right-to-left sources are issue 14's rest).
pub(crate) fn bidi_target(block: &TextBlock) -> bool {
    let Some(lang) = block.lang.as_deref() else {
        return false;
    };
    let primary = lang
        .split(['-', '_'])
        .next()
        .unwrap_or(lang)
        .to_ascii_lowercase();
    matches!(
        primary.as_str(),
        "ar" | "fa" | "ur" | "ps" | "he" | "yi" | "ckb" | "sd" | "ug" | "dv"
    )
}

/// Whether `text` is a right-to-left paragraph: its first strong character is.
pub(crate) fn paragraph_is_rtl(text: &str) -> bool {
    let info = unicode_bidi::BidiInfo::new(text, None);
    info.paragraphs.first().is_some_and(|p| p.level.is_rtl())
}

/// Resolves styles, picks a face per character and shapes every run of `block`.
pub(crate) fn itemize(
    book: &FontBook,
    block: &TextBlock,
    settings: &TypesetSettings,
    warnings: &mut Vec<TypesetWarning>,
) -> TypesetResult<Vec<Run>> {
    let text = block.text.as_str();
    let spans = clamp_spans(block, warnings);
    // Style boundaries: every span edge.
    let mut cuts: Vec<usize> = vec![0, text.len()];
    for (_, r) in &spans {
        cuts.push(r.start);
        cuts.push(r.end);
    }
    // Direction boundaries: where the bidi embedding level changes (a number or a Latin name
    // inside Arabic text), so each run is shaped in one direction.
    let levels = if bidi_target(block) {
        bidi_levels(text)
    } else {
        Vec::new()
    };
    cuts.extend(
        (1..levels.len()).filter(|&i| levels[i] != levels[i - 1] && text.is_char_boundary(i)),
    );
    cuts.sort_unstable();
    cuts.dedup();

    let mut missing: Vec<char> = Vec::new();
    let mut runs: Vec<Run> = Vec::new();
    for w in cuts.windows(2) {
        let seg = w[0]..w[1];
        if seg.is_empty() {
            continue;
        }
        let style = resolve(block, &spans, seg.start);
        let faces = assign_faces(book, &style.query, &text[seg.clone()], &mut missing);
        // Split the segment where the face changes.
        let mut start = seg.start;
        let mut i = 0;
        while i < faces.len() {
            let face = faces[i].1;
            let mut j = i;
            while j < faces.len() && faces[j].1 == face {
                j += 1;
            }
            let end = if j < faces.len() {
                seg.start + faces[j].0
            } else {
                seg.end
            };
            let level = levels.get(start).copied().unwrap_or(0);
            runs.push(make_run(
                book,
                block,
                settings,
                &style,
                start..end,
                face,
                level,
            )?);
            start = end;
            i = j;
        }
    }
    if !missing.is_empty() {
        missing.sort_unstable();
        missing.dedup();
        warnings.push(TypesetWarning::MissingGlyphs {
            block: block.id,
            chars: missing.into_iter().collect(),
        });
    }
    Ok(runs)
}

/// Spans with ranges clamped to the text and to character boundaries.
fn clamp_spans<'a>(
    block: &'a TextBlock,
    warnings: &mut Vec<TypesetWarning>,
) -> Vec<(&'a crate::block::TextSpan, Range<usize>)> {
    let text = &block.text;
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    block
        .spans
        .iter()
        .filter_map(|s| {
            let r = floor(s.range.start)..floor(s.range.end);
            if r != s.range {
                warnings.push(TypesetWarning::SpanClamped {
                    block: block.id,
                    span: s.id,
                });
            }
            (r.start < r.end).then_some((s, r))
        })
        .collect()
}

fn resolve(
    block: &TextBlock,
    spans: &[(&crate::block::TextSpan, Range<usize>)],
    at: usize,
) -> Resolved {
    let mut r = Resolved {
        query: block.style.font,
        color: block.style.color,
        shift: None,
        spans: Vec::new(),
        link: None,
    };
    for (span, range) in spans {
        if !range.contains(&at) {
            continue;
        }
        let s = &span.style;
        if let Some(q) = s.font {
            r.query = q;
        }
        if let Some(b) = s.bold {
            r.query.bold = b;
        }
        if let Some(i) = s.italic {
            r.query.italic = i;
        }
        if s.bold.is_some() || s.italic.is_some() {
            // The original face is one weight and slant; a span that changes either cannot
            // keep it unless it names its own.
            if s.font.is_none() {
                r.query.original = None;
            }
        }
        if let Some(c) = s.color {
            r.color = c;
        }
        if s.shift.is_some() {
            r.shift = s.shift;
        }
        if s.link.is_some() {
            r.link = s.link;
        }
        r.spans.push(span.id);
    }
    r
}

/// Characters that take the face of the character before them rather than choose their own,
/// so that spaces and combining marks do not split runs.
fn inherits_face(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F | 0x200B..=0x200F | 0x00AD)
}

/// The face of each character of `text` as `(byte offset, face)`.
fn assign_faces(
    book: &FontBook,
    query: &FontQuery,
    text: &str,
    missing: &mut Vec<char>,
) -> Vec<(usize, FaceId)> {
    // The original face when it has every glyph this text needs: then the result looks like
    // the source.
    if let Some(orig) = query.original
        && let Ok(face) = book.face(orig)
    {
        if text.chars().all(|c| c.is_control() || face.covers(c)) {
            return text.char_indices().map(|(i, _)| (i, orig)).collect();
        }
        // An original PDF font lacking a character the document shows in another of its
        // fonts (a bullet, a symbol): those characters take that font, as in the source.
        if matches!(face.info().origin, FaceOrigin::Pdf { .. }) {
            let others: Vec<&Face> = book
                .faces()
                .filter(|f| {
                    matches!(f.info().origin, FaceOrigin::Pdf { .. }) && f.info().id != orig
                })
                .collect();
            let pick = |c: char| {
                if c.is_control() || inherits_face(c) || face.covers(c) {
                    Some(orig)
                } else {
                    others.iter().find(|f| f.covers(c)).map(|f| f.info().id)
                }
            };
            let picked: Option<Vec<(usize, FaceId)>> = text
                .char_indices()
                .map(|(i, c)| pick(c).map(|f| (i, f)))
                .collect();
            if let Some(picked) = picked {
                return picked;
            }
        }
    }
    let fallback_query = FontQuery {
        original: None,
        ..*query
    };
    let candidates = book.candidates(&fallback_query);
    let Some(&first) = candidates.first() else {
        // No bundled face at all: only an original one can serve.
        let any = query.original.unwrap_or(FaceId(0));
        return text.char_indices().map(|(i, _)| (i, any)).collect();
    };
    let covers = |id: FaceId, c: char| book.face(id).is_ok_and(|f| f.covers(c));
    let mut out: Vec<(usize, FaceId)> = Vec::with_capacity(text.len());
    let mut prev: Option<FaceId> = None;
    for (i, c) in text.char_indices() {
        let face = if inherits_face(c)
            && let Some(p) = prev
        {
            p
        } else if inherits_face(c) {
            // Leading space: take the face of the first real character.
            let next = text[i..].chars().find(|&c| !inherits_face(c));
            next.and_then(|n| candidates.iter().copied().find(|&id| covers(id, n)))
                .unwrap_or(first)
        } else {
            match candidates.iter().copied().find(|&id| covers(id, c)) {
                Some(id) => id,
                None => {
                    missing.push(c);
                    prev.unwrap_or(first)
                }
            }
        };
        prev = Some(face);
        out.push((i, face));
    }
    out
}

fn make_run(
    book: &FontBook,
    block: &TextBlock,
    settings: &TypesetSettings,
    style: &Resolved,
    range: Range<usize>,
    face_id: FaceId,
    level: u8,
) -> TypesetResult<Run> {
    let face = book.face(face_id)?;
    let info = face.info();
    let synthetic = match info.origin {
        FaceOrigin::Embedded { .. } | FaceOrigin::Pdf { .. } => Synthetic::default(),
        FaceOrigin::Bundled { .. } => Synthetic {
            skew: if style.query.italic && !info.italic {
                settings.synthetic_skew
            } else {
                0.0
            },
            bold: style.query.bold && !info.bold && style.query.class != FontFamilyClass::Symbol,
        },
    };
    let (rel_size, rise) = match style.shift {
        None => (1.0, 0.0),
        Some(BaselineShift::Super) => (settings.script_scale, 0.33),
        Some(BaselineShift::Sub) => (settings.script_scale, -0.15),
    };
    // Text set back on its original lines keeps the original's size: its characters are
    // anchored where the source drew them, and smaller letters would leave gaps in words.
    let rel_size = match block.original {
        Some(_) => rel_size,
        None => rel_size * fallback_scale(info, block.style.x_height),
    };
    // Without bidi levels (a left-to-right target), the shaper guesses from the script.
    let direction = bidi_target(block).then_some(level % 2 == 1);
    let (glyphs, rtl) = shape_text(
        face,
        &block.text,
        range.clone(),
        block.lang.as_deref(),
        direction,
        block.style.vertical,
    )?;
    let glyphs = if block.style.vertical {
        crate::vertical::upright(glyphs)
    } else {
        glyphs
    };
    Ok(Run {
        range,
        face: face_id,
        rel_size,
        rise,
        color: style.color,
        spans: style.spans.clone(),
        link: style.link,
        synthetic,
        rtl,
        level,
        glyphs,
    })
}

/// How much smaller (or larger) a bundled fallback face is set than the block's size so its
/// lowercase letters are as tall as the original font's (Noto's x-height is larger than most
/// book faces': at the same size it looks a size bigger). Bounded, so a wrong figure in a
/// font cannot make the text tiny; never larger than the block's size, since the lines are
/// spaced for that size and a larger face's capitals and accents would reach into the line
/// above. 1 for the document's own faces or when either x-height is unknown.
pub(crate) fn fallback_scale(face: &crate::fonts::FaceInfo, original: Option<f32>) -> f32 {
    const BOUNDS: (f32, f32) = (0.75, 1.0);
    match (&face.origin, original, face.x_height) {
        (FaceOrigin::Bundled { .. }, Some(want), Some(have)) if want > 0.0 && have > 0.0 => {
            (want / have).clamp(BOUNDS.0, BOUNDS.1)
        }
        _ => 1.0,
    }
}

/// Maps characters through a caller-supplied table (embedded subsets with non-Unicode `cmap`s).
struct MappedCmap<'m>(&'m HashMap<u32, u32>);

impl FontFuncs for MappedCmap<'_> {
    fn nominal_glyph(&self, _font: &ShaperFont, c: u32) -> Option<GlyphId> {
        self.0.get(&c).map(|&g| GlyphId::new(g))
    }
}

/// Shapes `text[range]` with `face`, with the text around it as context. Returns the glyphs in
/// logical order, in em, and whether the run is right-to-left.
pub(crate) fn shape_text(
    face: &Face,
    text: &str,
    range: Range<usize>,
    lang: Option<&str>,
    rtl: Option<bool>,
    vertical: bool,
) -> TypesetResult<(Vec<ShapedGlyph>, bool)> {
    if let Some(pdf) = face.pdf_codes() {
        return Ok((shape_by_codes(pdf, text, range), false));
    }
    let Some(font) = face.font() else {
        return Err(TypesetError::Shape {
            message: "face has no font program".into(),
        });
    };
    let mut buffer = Buffer::new();
    for (i, c) in text[range.clone()].char_indices() {
        buffer.push(c as u32, (range.start + i) as u32);
    }
    // A few characters of context are enough for contextual forms and kerning at the edges.
    let pre_start = text[..range.start]
        .char_indices()
        .rev()
        .nth(4)
        .map_or(0, |(i, _)| i);
    buffer.set_pre_context(&text[pre_start..range.start]);
    let post_end = text[range.end..]
        .char_indices()
        .nth(5)
        .map_or(text.len(), |(i, _)| range.end + i);
    buffer.set_post_context(&text[range.end..post_end]);
    buffer.guess_segment_properties();
    match rtl {
        Some(true) => buffer.set_direction(Direction::RightToLeft),
        Some(false) => buffer.set_direction(Direction::LeftToRight),
        None if !matches!(
            buffer.direction(),
            Direction::LeftToRight | Direction::RightToLeft
        ) =>
        {
            buffer.set_direction(Direction::LeftToRight)
        }
        None => {}
    }
    if let Some(lang) = lang {
        buffer.set_language(Language::new(lang));
    }
    let funcs = face.unicode_map().map(MappedCmap);
    let mut shaper = ShaperFont::new(font);
    if let Some(funcs) = &funcs {
        shaper.set_font_funcs(Some(funcs));
    }
    // Vertical writing takes the font's vertical forms (`vert`): punctuation such as 、。「」
    // turned or moved for a column.
    let vert = [harfrust::Feature::new(harfrust::Tag::new(b"vert"), 1, ..)];
    let features: &[harfrust::Feature] = if vertical { &vert } else { &[] };
    harfrust::shape(&shaper, &mut buffer, ShapeOptions::new().features(features)).map_err(|e| {
        TypesetError::Shape {
            message: format!("{e:?}"),
        }
    })?;
    let rtl = buffer.direction() == Direction::RightToLeft;
    let upem = f32::from(face.info().units_per_em.max(1));
    let mut glyphs: Vec<ShapedGlyph> = buffer
        .glyph_infos()
        .iter()
        .zip(buffer.glyph_positions())
        .map(|(info, pos)| ShapedGlyph {
            id: Some(info.glyph_id),
            cluster: info.cluster,
            advance: pos.x_advance as f32 / upem,
            dx: pos.x_offset as f32 / upem,
            dy: pos.y_offset as f32 / upem,
        })
        .collect();
    if rtl {
        glyphs.reverse();
    }
    Ok((glyphs, rtl))
}

/// "Shapes" with a PDF font's own codes: one glyph per character or per ligature the original
/// drew, the reader's advances and kerning. Spaces have no glyph: a move, not a glyph; a
/// character the font lacks is glyph 0 (the caller only picks the face when it covers the text).
fn shape_by_codes(pdf: &PdfCodes, text: &str, range: Range<usize>) -> Vec<ShapedGlyph> {
    let mut glyphs: Vec<ShapedGlyph> = Vec::with_capacity(range.len());
    let mut prev: Option<char> = None;
    let mut i = range.start;
    while i < range.end {
        let rest = &text[i..range.end];
        let Some(c) = rest.chars().next() else { break };
        let ligature = pdf
            .ligatures
            .iter()
            .find(|(seq, _, _)| rest.starts_with(seq.as_str()));
        let (id, advance, len) = if let Some((seq, code, advance)) = ligature {
            (Some(*code), *advance, seq.len())
        } else if c.is_whitespace() {
            (None, pdf.space, c.len_utf8())
        } else {
            let (code, advance) = pdf.codes.get(&c).copied().unwrap_or((0, 0.5));
            (Some(code), advance, c.len_utf8())
        };
        // The original's kerning between this pair widens or narrows the glyph before.
        if let (Some(p), Some(last)) = (prev, glyphs.last_mut())
            && let Some(k) = pdf.kerns.get(&(p, c))
        {
            last.advance += k;
        }
        prev = (!c.is_whitespace())
            .then(|| text[..i + len].chars().next_back())
            .flatten();
        glyphs.push(ShapedGlyph {
            id,
            cluster: i as u32,
            advance,
            dx: 0.0,
            dy: 0.0,
        });
        i += len;
    }
    glyphs
}
