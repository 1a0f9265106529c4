//! How each block to translate was drawn, taken from its page's glyphs right after the page is
//! laid out: all that typesetting and writing ask of the glyphs. The pipeline then lets the
//! page's glyphs, words and lines go (about 100 bytes a glyph, over a thousand glyphs on a
//! book's page) while the next pages are read, so a long document's glyphs are never all held.

use std::collections::HashMap;
use std::ops::Range;

use folio_doc::{Action, Block, BlockId, Document, FontId, OriginalLines, Page, Rect, Rgb, Span};

/// How one block was drawn.
#[derive(Debug, Default)]
pub(crate) struct Drawn {
    /// The clip its text was drawn under ([`folio_layout::block_clip`]).
    pub clip: Option<Rect>,
    /// Whether that clip cut some of its glyphs ([`folio_layout::clip_cuts`]).
    pub clip_cuts: bool,
    /// Its first line's baseline ([`folio_layout::first_baseline`]).
    pub first_baseline: Option<f32>,
    /// The glyphs that draw its text, which the writer removes ([`folio_layout::drawn_glyphs`]).
    pub glyphs: Vec<u32>,
    /// Where the lines and characters of its source text were drawn, for a translation that
    /// comes back unchanged ([`folio_layout::original_lines`]).
    pub original: Option<OriginalLines>,
    /// Each of its spans, by span id.
    pub spans: HashMap<u32, SpanDrawn>,
}

/// How one span of a block was drawn.
#[derive(Debug, Default)]
pub(crate) struct SpanDrawn {
    /// The font most of its glyphs were drawn in.
    pub font: Option<FontId>,
    /// Its first glyph's colour.
    pub color: Option<Rgb>,
    /// For a kept item: the links over its glyphs, each with the byte range of the kept text
    /// its glyphs spell.
    pub links: Vec<(u32, Range<usize>)>,
}

/// How each block of `page` that is to be translated was drawn, by block. `blocks` are the
/// page's (as the layout gives them); `doc` gives the fonts.
pub(crate) fn page_drawn<'b>(
    doc: &'b Document,
    page: &'b Page,
    blocks: &'b [Block],
) -> impl Iterator<Item = (BlockId, Drawn)> + 'b {
    blocks
        .iter()
        .filter(|b| b.action == Action::Translate)
        .map(move |b| (b.id, drawn(doc, page, b)))
}

fn drawn(doc: &Document, page: &Page, block: &Block) -> Drawn {
    // A span id named twice stands for its first span, as placeholders are resolved.
    let mut spans = HashMap::new();
    for span in &block.spans {
        spans
            .entry(span.id)
            .or_insert_with(|| span_drawn(page, span));
    }
    let mut drawn = Drawn {
        clip: folio_layout::block_clip(page, block),
        clip_cuts: folio_layout::clip_cuts(page, block),
        first_baseline: folio_layout::first_baseline(page, block),
        glyphs: folio_layout::drawn_glyphs(page, [block]),
        original: None,
        spans,
    };
    let (source, _) = crate::spans::resolve(doc, &drawn, block, &block.source, &HashMap::new());
    drawn.original = folio_layout::original_lines(page, block, &source);
    drawn
}

fn span_drawn(page: &Page, span: &Span) -> SpanDrawn {
    let glyphs = || {
        span.glyphs
            .iter()
            .filter_map(|&g| page.glyphs.get(g as usize))
    };
    let mut counts: HashMap<FontId, usize> = HashMap::new();
    for g in glyphs() {
        *counts.entry(g.font).or_default() += 1;
    }
    let font = counts
        .into_iter()
        .max_by_key(|&(f, n)| (n, std::cmp::Reverse(f)))
        .map(|(f, _)| f);
    let links = match &span.kind {
        folio_doc::SpanKind::Kept { text: kept, .. } => links_under(page, span, kept),
        _ => Vec::new(),
    };
    SpanDrawn {
        font,
        color: glyphs().map(|g| g.color).next(),
        links,
    }
}

/// The links over a kept item's glyphs, each with the byte range of `kept` its glyphs spell.
fn links_under(page: &Page, span: &Span, kept: &str) -> Vec<(u32, Range<usize>)> {
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
        let inside: Vec<&Range<usize>> = placed
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

/// Empties what no stage after layout reads of a page, once its blocks' [`Drawn`] are taken:
/// its glyphs, words and lines.
pub(crate) fn let_glyphs_go(page: &mut Page) {
    page.glyphs = Vec::new();
    page.words = Vec::new();
    page.lines = Vec::new();
}
