//! The stage's entry points: a page or a whole document to blocks.

use folio_doc::{Block, BlockId, BlockLine, Document, Page};

use crate::LayoutSettings;
use crate::fonts::{FontTraits, font_traits, traits_of};
use crate::group::{PageContext, group_lines, rules};
use crate::inline::{self, Base};
use crate::keep::decide;
use crate::lines::{LineInfo, bump, line_infos, top};
use crate::roles::{RoleContext, classify};
use crate::running::{MarginLine, margin_lines, running_lines};
use crate::style::{block_style, common_right_edges};

/// Lays out every page of `doc`: the blocks of all pages, page by page, each in reading order
/// (a block's [`BlockId`] names its page).
pub fn layout_document(doc: &Document, settings: &LayoutSettings) -> Vec<Block> {
    let mut layout = IncrementalLayout::new(settings);
    layout
        .lay_out_ready(doc, true)
        .into_iter()
        .flat_map(|(_, blocks)| blocks)
        .collect()
}

/// Lays out one page of `doc` into blocks in reading order. The other pages of `doc` are
/// consulted for running headers and footers and for the body text size; a page that is not
/// one of `doc.pages` is laid out on its own.
pub fn layout_page(doc: &Document, page: &Page, settings: &LayoutSettings) -> Vec<Block> {
    let fonts = font_traits(doc);
    let at = doc.pages.iter().position(|p| std::ptr::eq(p, page));
    let mut summaries = Summaries::default();
    layout_at(doc, page, at, &fonts, &mut summaries, settings)
}

/// Lays a document out while it is being read, so that a long document's glyphs need not all
/// be held at once: a page is laid out as soon as the pages it is compared with (the
/// [`RunningSettings::window`](crate::RunningSettings::window) pages after it) are read, and
/// from then on nothing reads its glyphs, words or lines again; the caller may let them go.
/// The blocks are those [`layout_document`] gives.
pub struct IncrementalLayout<'s> {
    settings: &'s LayoutSettings,
    /// What neighbouring pages are compared on, taken from each page when first seen.
    summaries: Summaries,
    /// The traits of the fonts loaded so far (fonts are only ever added).
    fonts: Vec<FontTraits>,
    /// The first page (by position in `doc.pages`) not laid out yet.
    next: usize,
    /// How many pages are summarised.
    summarised: usize,
}

impl<'s> IncrementalLayout<'s> {
    /// Nothing laid out yet.
    pub fn new(settings: &'s LayoutSettings) -> Self {
        Self {
            settings,
            summaries: Summaries::default(),
            fonts: Vec::new(),
            next: 0,
            summarised: 0,
        }
    }

    /// Lays out the pages of `doc` that are ready: those followed by a whole window of read
    /// pages, or all that are left when `complete` (no page is still to come). Returns each
    /// page's blocks with its position in `doc.pages`. The pages read so far are summarised
    /// first, so a page laid out earlier may have lost its glyphs since.
    pub fn lay_out_ready(&mut self, doc: &Document, complete: bool) -> Vec<(usize, Vec<Block>)> {
        for at in self.summarised..doc.pages.len() {
            self.summaries.take(doc, at, self.settings);
        }
        self.summarised = self.summarised.max(doc.pages.len());
        self.fonts.extend(
            doc.fonts[self.fonts.len().min(doc.fonts.len())..]
                .iter()
                .map(traits_of),
        );
        let window = self.settings.running.window.max(1) as usize;
        let end = if complete {
            doc.pages.len()
        } else {
            doc.pages.len().saturating_sub(window)
        };
        let mut out = Vec::new();
        while self.next < end {
            let at = self.next;
            let blocks = layout_at(
                doc,
                &doc.pages[at],
                Some(at),
                &self.fonts,
                &mut self.summaries,
                self.settings,
            );
            out.push((at, blocks));
            self.next += 1;
        }
        out
    }
}

/// Per-page facts other pages are compared on, computed once per page.
#[derive(Default)]
struct Summaries {
    /// Each page's margin lines, for running headers and footers.
    margins: Vec<Option<Vec<MarginLine>>>,
    /// Each page's glyph counts by size (× 10), for the body text size.
    sizes: Vec<Option<Vec<(i32, usize)>>>,
}

impl Summaries {
    /// Summarises page `at` of `doc` unless it is already.
    fn take(&mut self, doc: &Document, at: usize, settings: &LayoutSettings) {
        if self.margins.len() <= at {
            self.margins.resize(at + 1, None);
            self.sizes.resize(at + 1, None);
        }
        if self.margins[at].is_none() {
            self.margins[at] = Some(margin_lines(&doc.pages[at], settings));
            self.sizes[at] = Some(size_counts(&doc.pages[at]));
        }
    }

    /// The margin lines of page `at`, summarising it first if need be.
    fn margins(&mut self, doc: &Document, at: usize, settings: &LayoutSettings) -> Vec<MarginLine> {
        if at >= doc.pages.len() {
            return Vec::new();
        }
        self.take(doc, at, settings);
        self.margins[at].clone().unwrap_or_default()
    }

    /// Glyph counts by size (× 10) on page `at`, summarising it first if need be.
    fn sizes(&mut self, doc: &Document, at: usize, settings: &LayoutSettings) -> &[(i32, usize)] {
        if at >= doc.pages.len() {
            return &[];
        }
        self.take(doc, at, settings);
        self.sizes[at].as_deref().unwrap_or_default()
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
fn body_size(
    doc: &Document,
    page: &Page,
    at: Option<usize>,
    summaries: &mut Summaries,
    settings: &LayoutSettings,
) -> f32 {
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
            let n = doc.pages.len();
            let w = settings.running.window.max(1) as usize;
            for p in at.saturating_sub(w)..=(at + w).min(n.saturating_sub(1)) {
                add(summaries.sizes(doc, p, settings));
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
    summaries: &mut Summaries,
    settings: &LayoutSettings,
) -> Vec<Block> {
    let running = match at {
        Some(at) => running_lines(doc, at, settings, &mut |p| {
            summaries.margins(doc, p, settings)
        }),
        None => Vec::new(),
    };
    let body = body_size(doc, page, at, summaries, settings);
    let Some(split) = crate::vertical::split(page) else {
        return lay_out_lines(doc, page, &running, body, fonts, settings);
    };
    // Columns of vertical writing are laid out on the page turned a quarter turn, as lines;
    // the rest of the page as it is. The part with more text is read first.
    let flat_running: Vec<bool> = split
        .flat_lines
        .iter()
        .map(|&i| running.get(i).copied().unwrap_or(false))
        .collect();
    let flat = lay_out_lines(doc, &split.flat, &flat_running, body, fonts, settings);
    let turned_settings = crate::vertical::settings(settings);
    let columns = lay_out_lines(doc, &split.turned, &[], body, fonts, &turned_settings)
        .into_iter()
        .map(|b| crate::vertical::turn_back(b, split.turn));
    let mut blocks: Vec<Block> = if split.vertical_glyphs >= split.flat_glyphs {
        columns.chain(flat).collect()
    } else {
        flat.into_iter().chain(columns).collect()
    };
    for (i, b) in blocks.iter_mut().enumerate() {
        b.id.index = i as u32;
    }
    blocks
}

/// Lays out the lines of `page` (those of the page's reader, or of one part of it) into
/// blocks in reading order; `running` says which of its lines are running headers or footers.
fn lay_out_lines(
    doc: &Document,
    page: &Page,
    running: &[bool],
    body: f32,
    fonts: &[FontTraits],
    settings: &LayoutSettings,
) -> Vec<Block> {
    let mut lines = line_infos(page, fonts, &settings.lines, &settings.inline);
    for l in &mut lines {
        l.running = l
            .sources
            .iter()
            .any(|&i| running.get(i).copied().unwrap_or(false));
    }
    let (h_rules, _) = rules(page, &settings.blocks);
    let lines = crate::tables::mark_cells(page, fonts, lines, &h_rules, settings);
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
