//! Placeholders back to styles: a translation's `[n]…[/n]` and `[n]` become plain text with
//! typeset spans (bold, italic, links, shifts) and kept items' text.

use std::collections::HashMap;

use folio_doc::placeholders::{Piece, parse};
use folio_doc::{Block, Document, FontId, SpanKind};
use folio_typeset::{BaselineShift, FaceId, FontQuery, SpanStyle, TextSpan};

use crate::drawn::{Drawn, SpanDrawn};

/// Plain text and its spans, from a translation with placeholders.
pub(crate) fn resolve(
    doc: &Document,
    drawn: &Drawn,
    block: &Block,
    translated: &str,
    originals: &HashMap<FontId, FaceId>,
) -> (String, Vec<TextSpan>) {
    let mut text = String::with_capacity(translated.len());
    let mut spans = Vec::new();
    let mut open: Vec<(u32, usize)> = Vec::new();
    let pieces = parse(translated);
    for (i, piece) in pieces.iter().enumerate() {
        match *piece {
            Piece::Text(t) => text.push_str(t),
            Piece::Open(n) => {
                let closes = pieces[i + 1..].contains(&Piece::Close(n));
                let kind = block.spans.iter().find(|s| s.id == n).map(|s| &s.kind);
                match kind {
                    Some(SpanKind::Kept { text: kept, .. }) if !closes => {
                        let start = text.len();
                        text.push_str(kept);
                        if block.spans.iter().any(|s| s.id == n) {
                            let span = drawn.spans.get(&n);
                            // Kept code or a formula keeps its own font and colour.
                            if let Some(style) = kept_style(doc, block, span, originals) {
                                spans.push(TextSpan {
                                    id: n,
                                    range: start..text.len(),
                                    style,
                                });
                            }
                            // A kept citation or address that was a link stays one ("[3, 15]"
                            // may hold two).
                            for (link, range) in span.iter().flat_map(|s| s.links.iter().cloned()) {
                                let style = SpanStyle {
                                    link: Some(link),
                                    ..SpanStyle::default()
                                };
                                spans.push(TextSpan {
                                    id: n,
                                    range: start + range.start..start + range.end,
                                    style,
                                });
                            }
                        }
                    }
                    _ if closes => open.push((n, text.len())),
                    _ => {}
                }
            }
            Piece::Close(n) => {
                if let Some(at) = open.iter().rposition(|(m, _)| *m == n) {
                    let (_, start) = open.remove(at);
                    if let Some(span) = block.spans.iter().find(|s| s.id == n) {
                        let font = drawn.spans.get(&n).and_then(|s| s.font);
                        spans.push(TextSpan {
                            id: n,
                            range: start..text.len(),
                            style: style(doc, &span.kind, font, originals),
                        });
                    }
                }
            }
        }
    }
    (text, spans)
}

/// A kept item's look where it differs from its block's: the font and colour most of its
/// glyphs were drawn in.
fn kept_style(
    doc: &Document,
    block: &Block,
    span: Option<&SpanDrawn>,
    originals: &HashMap<FontId, FaceId>,
) -> Option<SpanStyle> {
    let span = span?;
    let font = span.font?;
    if font == block.style.font {
        return None;
    }
    Some(style(
        doc,
        &SpanKind::Style {
            font,
            color: span.color.unwrap_or(block.style.color),
        },
        Some(font),
        originals,
    ))
}

fn style(
    doc: &Document,
    kind: &SpanKind,
    font: Option<FontId>,
    originals: &HashMap<FontId, FaceId>,
) -> SpanStyle {
    let mut s = SpanStyle::default();
    // The span's own original font, when it has one: an italic word stays in the document's
    // italic, not in a bundled one.
    let own = |f: FontId| FontQuery {
        original: originals.get(&f).copied(),
        ..FontQuery::like(doc.font(f))
    };
    match kind {
        SpanKind::Bold => {
            s.bold = Some(true);
            s.font = font.map(own);
        }
        SpanKind::Italic => {
            s.italic = Some(true);
            s.font = font.map(own);
        }
        SpanKind::Style { font, color } => {
            s.font = Some(own(*font));
            s.color = Some(*color);
        }
        SpanKind::Link(i) => s.link = Some(*i),
        SpanKind::Superscript => s.shift = Some(BaselineShift::Super),
        SpanKind::Subscript => s.shift = Some(BaselineShift::Sub),
        SpanKind::Kept { .. } => {}
    }
    s
}
