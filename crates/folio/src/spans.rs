//! Placeholders back to styles: a translation's `[n]…[/n]` and `[n]` become plain text with
//! typeset spans (bold, italic, links, shifts) and kept items' text.

use std::collections::HashMap;

use folio_doc::placeholders::{Piece, parse};
use folio_doc::{Block, Document, FontId, SpanKind};
use folio_typeset::{BaselineShift, FaceId, FontQuery, SpanStyle, TextSpan};

/// Plain text and its spans, from a translation with placeholders.
pub(crate) fn resolve(
    doc: &Document,
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
                        if let Some(span) = block.spans.iter().find(|s| s.id == n) {
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
                            for (link, range) in links_under(doc, block, span, kept) {
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
                        let font = span_font(doc, block, span);
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

/// The links over a kept item's glyphs, each with the byte range of `kept` its glyphs spell.
fn links_under(
    doc: &Document,
    block: &Block,
    span: &folio_doc::Span,
    kept: &str,
) -> Vec<(u32, std::ops::Range<usize>)> {
    let Some(page) = doc.page(block.id.page) else {
        return Vec::new();
    };
    // Where each glyph's text sits in the kept text, in order.
    let mut at = 0usize;
    let mut placed = Vec::new();
    for g in span
        .glyphs
        .iter()
        .filter_map(|&g| page.glyphs.get(g as usize))
    {
        if g.text.is_empty() {
            continue;
        }
        if let Some(k) = kept[at..].find(g.text.as_str()) {
            let start = at + k;
            at = start + g.text.len();
            placed.push((g.bbox.center(), start..at));
        }
    }
    let mut out = Vec::new();
    for (i, link) in page.links.iter().enumerate() {
        let r = link.rect;
        let inside: Vec<&std::ops::Range<usize>> = placed
            .iter()
            .filter(|(c, _)| r.x0 <= c.x && c.x <= r.x1 && r.y0 <= c.y && c.y <= r.y1)
            .map(|(_, range)| range)
            .collect();
        if let (Some(first), Some(last)) = (inside.first(), inside.last()) {
            out.push((i as u32, first.start..last.end));
        }
    }
    out
}

/// A kept item's look where it differs from its block's: the font and colour most of its
/// glyphs were drawn in.
fn kept_style(
    doc: &Document,
    block: &Block,
    span: &folio_doc::Span,
    originals: &HashMap<FontId, FaceId>,
) -> Option<SpanStyle> {
    let font = span_font(doc, block, span)?;
    if font == block.style.font {
        return None;
    }
    let page = doc.page(block.id.page)?;
    let color = span
        .glyphs
        .iter()
        .filter_map(|&g| page.glyphs.get(g as usize))
        .map(|g| g.color)
        .next();
    Some(style(
        doc,
        &SpanKind::Style {
            font,
            color: color.unwrap_or(block.style.color),
        },
        Some(font),
        originals,
    ))
}

/// The font most of a span's glyphs were drawn in.
fn span_font(doc: &Document, block: &Block, span: &folio_doc::Span) -> Option<FontId> {
    let page = doc.page(block.id.page)?;
    let mut counts: HashMap<FontId, usize> = HashMap::new();
    for &g in &span.glyphs {
        if let Some(glyph) = page.glyphs.get(g as usize) {
            *counts.entry(glyph.font).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .max_by_key(|&(f, n)| (n, std::cmp::Reverse(f)))
        .map(|(f, _)| f)
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
