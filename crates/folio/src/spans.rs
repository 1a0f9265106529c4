//! Placeholders back to styles: a translation's `[n]…[/n]` and `[n]` become plain text with
//! typeset spans (bold, italic, links, shifts) and kept items' text.

use folio_doc::{Block, Document, SpanKind};
use folio_translate::placeholders::{Piece, parse};
use folio_typeset::{BaselineShift, Span, SpanStyle};

use crate::pipeline::font_query;

/// Plain text and its spans, from a translation with placeholders.
pub(crate) fn resolve(doc: &Document, block: &Block, translated: &str) -> (String, Vec<Span>) {
    let mut text = String::with_capacity(translated.len());
    let mut spans = Vec::new();
    let mut open: Vec<(u32, usize)> = Vec::new();
    let pieces = parse(translated);
    for (i, piece) in pieces.iter().enumerate() {
        match *piece {
            Piece::Text(t) => text.push_str(t),
            Piece::Open(n) => {
                let closes = pieces[i + 1..].iter().any(|p| *p == Piece::Close(n));
                let kind = block.spans.iter().find(|s| s.id == n).map(|s| &s.kind);
                match kind {
                    Some(SpanKind::Kept { text: kept, .. }) if !closes => text.push_str(kept),
                    _ if closes => open.push((n, text.len())),
                    _ => {}
                }
            }
            Piece::Close(n) => {
                if let Some(at) = open.iter().rposition(|(m, _)| *m == n) {
                    let (_, start) = open.remove(at);
                    if let Some(span) = block.spans.iter().find(|s| s.id == n) {
                        spans.push(Span { id: n, range: start..text.len(), style: style(doc, &span.kind) });
                    }
                }
            }
        }
    }
    (text, spans)
}

fn style(doc: &Document, kind: &SpanKind) -> SpanStyle {
    let mut s = SpanStyle::default();
    match kind {
        SpanKind::Bold => s.bold = Some(true),
        SpanKind::Italic => s.italic = Some(true),
        SpanKind::Style { font, color } => {
            s.font = Some(font_query(doc.font(*font)));
            s.color = Some(*color);
        }
        SpanKind::Link(i) => s.link = Some(*i),
        SpanKind::Superscript => s.shift = Some(BaselineShift::Super),
        SpanKind::Subscript => s.shift = Some(BaselineShift::Sub),
        SpanKind::Kept { .. } => {}
    }
    s
}
