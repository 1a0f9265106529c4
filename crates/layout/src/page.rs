//! The stage's entry points: a page or a whole document to blocks.

use folio_doc::{Block, BlockId, BlockLine, Document, Page};

use crate::LayoutSettings;
use crate::fonts::{FontTraits, font_traits};
use crate::group::{PageContext, group_lines, rules};
use crate::inline::{self, Base};
use crate::keep::decide;
use crate::lines::{LineInfo, bump, line_infos, top};
use crate::roles::{RoleContext, classify};
use crate::running::{MarginCache, running_lines};
use crate::style::{block_style, common_right_edges};

/// Lays out every page of `doc`: the blocks of all pages, page by page, each in reading order
/// (a block's [`BlockId`] names its page).
pub fn layout_document(doc: &Document, settings: &LayoutSettings) -> Vec<Block> {
    let fonts = font_traits(doc);
    let mut cache = DocCache::new(doc, settings);
    let mut out = Vec::new();
    for at in 0..doc.pages.len() {
        out.extend(layout_at(
            doc,
            &doc.pages[at],
            Some(at),
            &fonts,
            &mut cache,
            settings,
        ));
    }
    out
}

/// Lays out one page of `doc` into blocks in reading order. The other pages of `doc` are
/// consulted for running headers and footers and for the body text size; a page that is not
/// one of `doc.pages` is laid out on its own.
pub fn layout_page(doc: &Document, page: &Page, settings: &LayoutSettings) -> Vec<Block> {
    let fonts = font_traits(doc);
    let at = doc.pages.iter().position(|p| std::ptr::eq(p, page));
    let mut cache = DocCache::new(doc, settings);
    layout_at(doc, page, at, &fonts, &mut cache, settings)
}

/// Per-page facts computed once per document and shared by the pages that look at them.
struct DocCache<'a> {
    margins: MarginCache<'a>,
    sizes: Vec<Option<Vec<(i32, usize)>>>,
    doc: &'a Document,
}

impl<'a> DocCache<'a> {
    fn new(doc: &'a Document, settings: &'a LayoutSettings) -> Self {
        Self {
            margins: MarginCache::new(doc, settings),
            sizes: vec![None; doc.pages.len()],
            doc,
        }
    }

    /// Glyph counts by size (× 10) on page `at`.
    fn sizes(&mut self, at: usize) -> &[(i32, usize)] {
        let doc = self.doc;
        self.sizes[at].get_or_insert_with(|| size_counts(&doc.pages[at]))
    }
}

fn size_counts(page: &Page) -> Vec<(i32, usize)> {
    let mut counts = Vec::new();
    for g in &page.glyphs {
        if g.size.is_finite() && g.text.chars().any(|c| !c.is_whitespace()) && !g.clipped_away() {
            bump(&mut counts, (g.size * 10.0).round() as i32);
        }
    }
    counts
}

/// The size most glyphs have on the page and its neighbours (the body text size).
fn body_size(page: &Page, at: Option<usize>, cache: &mut DocCache<'_>, window: u32) -> f32 {
    let mut total: Vec<(i32, usize)> = Vec::new();
    let mut add = |counts: &[(i32, usize)]| {
        for &(k, c) in counts {
            match total.iter_mut().find(|(j, _)| *j == k) {
                Some(t) => t.1 += c,
                None => total.push((k, c)),
            }
        }
    };
    match at {
        Some(at) => {
            let n = cache.doc.pages.len();
            let w = window.max(1) as usize;
            for p in at.saturating_sub(w)..=(at + w).min(n.saturating_sub(1)) {
                add(cache.sizes(p));
            }
        }
        None => add(&size_counts(page)),
    }
    top(&total).map_or(10.0, |s| s as f32 / 10.0).max(0.1)
}

fn layout_at(
    doc: &Document,
    page: &Page,
    at: Option<usize>,
    fonts: &[FontTraits],
    cache: &mut DocCache<'_>,
    settings: &LayoutSettings,
) -> Vec<Block> {
    let mut lines = line_infos(page, fonts, &settings.lines, &settings.inline);
    if let Some(at) = at {
        let running = running_lines(doc, at, settings, &mut |p| cache.margins.get(p));
        for l in &mut lines {
            l.running = l
                .sources
                .iter()
                .any(|&i| running.get(i).copied().unwrap_or(false));
        }
    }
    let (h_rules, _) = rules(page, &settings.blocks);
    let lines = crate::tables::mark_cells(page, fonts, lines, &h_rules, settings);
    let body = body_size(page, at, cache, settings.running.window);
    let ctx = PageContext::new(page, &lines, &settings.blocks);
    let right_edges = common_right_edges(&lines, &settings.style);
    let groups = group_lines(&lines, &ctx, settings);
    let rc = RoleContext {
        page,
        lines: &lines,
        ctx: &ctx,
        body_size: body,
        settings,
    };

    let mut blocks = Vec::with_capacity(groups.len());
    for group in groups {
        let members: Vec<&LineInfo> = group.iter().map(|&i| &lines[i]).collect();
        let Some(bbox) = members.iter().map(|l| l.bbox).reduce(|a, b| a.union(&b)) else {
            continue;
        };
        let style = block_style(page, &members, &ctx, &right_edges, &settings.style);
        let text: Vec<&str> = members.iter().map(|l| l.text.as_str()).collect();
        let text = text.join(" ");
        let role = classify(&rc, &members, bbox, &text, style.size);
        let inline = inline::build(
            doc,
            page,
            fonts,
            &members,
            Base {
                font: style.font,
                color: style.color,
            },
            &settings.inline,
        );
        // Form field values are the user's data, drawn by the viewer: never translated; nor is
        // what annotations draw over the page.
        let streams = || {
            members
                .iter()
                .flat_map(|l| &l.words)
                .filter_map(|&w| page.words.get(w as usize))
                .flat_map(|w| {
                    w.glyphs
                        .iter()
                        .filter_map(|&g| page.glyphs.get(g as usize))
                        .map(|g| g.addr.stream)
                })
        };
        let field = streams().any(|s| matches!(s, folio_doc::StreamId::Field(_)));
        let annotation = streams().any(|s| matches!(s, folio_doc::StreamId::Annotation(_)));
        let action = if field {
            folio_doc::Action::Keep(folio_doc::KeepReason::FormField)
        } else if annotation {
            folio_doc::Action::Keep(folio_doc::KeepReason::Annotation)
        } else if bbox.width() < settings.keep.min_width && style.angle == 0.0 {
            folio_doc::Action::Keep(folio_doc::KeepReason::NoWidth)
        } else {
            decide(role, style.angle, &inline, settings)
        };
        blocks.push(Block {
            id: BlockId {
                page: page.index,
                index: blocks.len() as u32,
            },
            bbox,
            role,
            lines: members
                .iter()
                .map(|l| BlockLine {
                    bbox: l.bbox,
                    words: l.words.clone(),
                })
                .collect(),
            style,
            source: inline.source,
            spans: inline.spans,
            action,
        });
    }
    blocks
}
