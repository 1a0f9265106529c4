//! Vertical writing (CJK columns, read top to bottom, columns right to left), laid out by the
//! same steps as horizontal text: the page is turned a quarter turn, so that each column
//! becomes a line read left to right and the columns follow each other top to bottom. Lines
//! then group into paragraphs as horizontal lines do (same size, a regular pitch; a wider gap
//! or an indent starts a new paragraph), and the blocks found are turned back.

use folio_doc::{Block, Page, Point, Rect};

use crate::LayoutSettings;

/// A page's horizontal text and its vertical text, each a page of its own: `flat` holds the
/// page's other lines, `turned` its columns, turned so that they read as horizontal lines.
/// Both keep every glyph and word at its index, so blocks of either name the page's own.
pub(crate) struct Split {
    /// The page without its columns.
    pub flat: Page,
    /// For each line of `flat`, its index in the page's lines.
    pub flat_lines: Vec<usize>,
    /// The page turned, with only its columns as lines.
    pub turned: Page,
    /// Glyphs in columns, to order the two parts (the main text first).
    pub vertical_glyphs: usize,
    /// Glyphs in other lines.
    pub flat_glyphs: usize,
    /// The turn, to map the blocks back.
    pub turn: Turn,
}

/// The quarter turn that takes a page's vertical writing to horizontal lines: down a column
/// becomes left to right, right to left across columns becomes top to bottom.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Turn {
    /// The page's width.
    width: f32,
}

impl Turn {
    /// A point of the page in the turned frame.
    fn point(self, p: Point) -> Point {
        Point {
            x: p.y,
            y: self.width - p.x,
        }
    }

    /// A rectangle of the page in the turned frame.
    fn rect(self, r: Rect) -> Rect {
        Rect::new(r.y0, self.width - r.x1, r.y1, self.width - r.x0)
    }

    /// A rectangle of the turned frame back on the page.
    pub(crate) fn back(self, r: Rect) -> Rect {
        Rect::new(self.width - r.y1, r.x0, self.width - r.y0, r.x1)
    }
}

/// Splits a page that has columns of vertical writing; `None` when it has none.
pub(crate) fn split(page: &Page) -> Option<Split> {
    if !page.lines.iter().any(|l| l.vertical) {
        return None;
    }
    let glyphs_of = |l: &folio_doc::Line| -> usize {
        l.words
            .iter()
            .filter_map(|&w| page.words.get(w as usize))
            .map(|w| w.glyphs.len())
            .sum()
    };
    let flat_lines: Vec<usize> = (0..page.lines.len())
        .filter(|&i| !page.lines[i].vertical)
        .collect();
    let mut flat = page.clone();
    flat.lines = flat_lines.iter().map(|&i| page.lines[i].clone()).collect();
    let turn = Turn { width: page.width };
    let mut turned = page.clone();
    turned.width = page.height;
    turned.height = page.width;
    turned.lines = page
        .lines
        .iter()
        .filter(|l| l.vertical)
        .map(|l| folio_doc::Line {
            bbox: turn.rect(l.bbox),
            words: l.words.clone(),
            vertical: false,
        })
        .collect();
    for g in &mut turned.glyphs {
        // A glyph written vertically hangs from its origin, centred on it: turned, its
        // baseline is where a horizontal glyph's would be in that em box (0.38 em below the
        // centre line), so baselines and boxes agree as layout expects.
        let centre = turn.point(g.origin);
        g.origin = Point {
            x: centre.x,
            y: centre.y + 0.38 * g.size.abs(),
        };
        g.bbox = turn.rect(g.bbox);
        g.clip = g.clip.map(|c| turn.rect(c));
    }
    for w in &mut turned.words {
        w.bbox = turn.rect(w.bbox);
    }
    for p in &mut turned.paths {
        p.bbox = turn.rect(p.bbox);
    }
    for i in &mut turned.images {
        i.bbox = turn.rect(i.bbox);
    }
    for l in &mut turned.links {
        l.rect = turn.rect(l.rect);
    }
    let vertical_glyphs = page
        .lines
        .iter()
        .filter(|l| l.vertical)
        .map(glyphs_of)
        .sum();
    let flat_glyphs = flat.lines.iter().map(glyphs_of).sum();
    Some(Split {
        flat,
        flat_lines,
        turned,
        vertical_glyphs,
        flat_glyphs,
        turn,
    })
}

/// A block laid out on the turned page, back on the page: its box and its lines' boxes
/// turned back, its lines (columns) right to left, and marked vertical.
pub(crate) fn turn_back(mut block: Block, turn: Turn) -> Block {
    block.bbox = turn.back(block.bbox);
    for l in &mut block.lines {
        l.bbox = turn.back(l.bbox);
    }
    block.style.vertical = true;
    block
}

/// The settings columns are grouped with: a column set a character or two lower than the one
/// before continues its paragraph (a parenthesis carried on in a poem, a hanging indent); a
/// paragraph still ends after a short column closing a sentence, or at a wider gap.
pub(crate) fn settings(settings: &LayoutSettings) -> LayoutSettings {
    let mut s = settings.clone();
    s.blocks.edge_tolerance = s.blocks.edge_tolerance.max(COLUMN_INDENT);
    s
}

/// How far (in em) a column may start below the paragraph's others and still continue it.
const COLUMN_INDENT: f32 = 2.2;
