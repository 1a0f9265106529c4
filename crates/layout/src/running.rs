//! Running headers, footers and page numbers: text repeated at the same place on nearby
//! pages (modulo its digits), found by comparing each page's margins with its neighbours'.

use folio_doc::{Document, Page};

use crate::LayoutSettings;
use crate::text::running_key;

/// A line in the top or bottom margin zone of a page.
#[derive(Debug, Clone)]
pub(crate) struct MarginLine {
    /// Index of the line in its page's lines.
    line: usize,
    /// Its text with digits masked (see [`running_key`]).
    key: String,
    /// Top of its box.
    y0: f32,
    /// Height of its box.
    h: f32,
    /// In the top zone (else the bottom one).
    top: bool,
    /// The outermost line on its side of the page, with white space of at least a line's
    /// height between it and the text further in.
    isolated: bool,
}

/// The lines of `page` in its margin zones.
pub(crate) fn margin_lines(page: &Page, settings: &LayoutSettings) -> Vec<MarginLine> {
    let s = &settings.running;
    let h = page.height.max(1.0);
    let zone = s.margin_zone.clamp(0.0, 0.5) * h;
    let mut out = Vec::new();
    for (i, line) in page.lines.iter().enumerate() {
        let b = line.bbox;
        let top = b.y1 <= zone;
        let bottom = b.y0 >= h - zone;
        if !(top || bottom) || !b.y0.is_finite() || !b.y1.is_finite() {
            continue;
        }
        let text: Vec<&str> = line
            .words
            .iter()
            .filter_map(|&w| page.words.get(w as usize))
            .map(|w| w.text.as_str())
            .collect();
        let key = running_key(&text.join(" "));
        if key.is_empty() {
            continue;
        }
        // The white space towards the inside of the page, and whether any line is further out.
        let lh = b.height().max(1.0);
        let mut gap = f32::INFINITY;
        let mut outermost = true;
        for other in &page.lines {
            let o = other.bbox;
            if std::ptr::eq(other, line) {
                continue;
            }
            if top {
                if o.y0 >= b.y1 - s.overlap * lh {
                    gap = gap.min(o.y0 - b.y1);
                } else if o.y1 <= b.y0 + s.overlap * lh {
                    outermost = false;
                }
            } else if o.y1 <= b.y0 + s.overlap * lh {
                gap = gap.min(b.y0 - o.y1);
            } else if o.y0 >= b.y1 - s.overlap * lh {
                outermost = false;
            }
        }
        out.push(MarginLine {
            line: i,
            key,
            y0: b.y0,
            h: b.height(),
            top,
            isolated: outermost && gap >= s.isolation * lh,
        });
    }
    out
}

/// Which lines of `doc.pages[at]` are running headers or footers: the same text (digits
/// masked) at the same height on a page within `settings.running.window` pages, or an isolated
/// outermost line at the same height and size on two such pages (a header whose words change
/// with the section). `margins` gives a page's margin lines (computed once per document).
pub(crate) fn running_lines(
    doc: &Document,
    at: usize,
    settings: &LayoutSettings,
    margins: &mut dyn FnMut(usize) -> Vec<MarginLine>,
) -> Vec<bool> {
    let Some(page) = doc.pages.get(at) else {
        return Vec::new();
    };
    let mut running = vec![false; page.lines.len()];
    let own = margins(at);
    if own.is_empty() {
        return running;
    }
    let s = &settings.running;
    let w = s.window as usize;
    let others: Vec<Vec<MarginLine>> = (at.saturating_sub(w)
        ..=(at + w).min(doc.pages.len().saturating_sub(1)))
        .filter(|&p| p != at)
        .map(&mut *margins)
        .collect();
    for m in &own {
        let same_text = others.iter().any(|o| {
            o.iter()
                .any(|n| n.key == m.key && (n.y0 - m.y0).abs() <= s.same_text_y)
        });
        let same_place = m.isolated
            && others
                .iter()
                .filter(|o| {
                    o.iter().any(|n| {
                        n.isolated
                            && n.top == m.top
                            && (n.y0 - m.y0).abs() <= s.same_place
                            && (n.h - m.h).abs() <= s.same_place
                    })
                })
                .count()
                >= s.same_place_pages;
        if (same_text || same_place)
            && let Some(r) = running.get_mut(m.line)
        {
            *r = true;
        }
    }
    running
}
