//! What a block is on the page: heading, body, caption, footnote, running header or footer,
//! page number, list item, table cell, formula, code or other.

use folio_doc::{Page, Rect, Role};

use crate::LayoutSettings;
use crate::group::{PageContext, overlap};
use crate::lines::LineInfo;
use crate::text::{ends_sentence, is_cjk, is_list_marker, is_page_number, is_roman};

/// What the role decision looks at besides the block itself.
pub(crate) struct RoleContext<'a> {
    /// The page.
    pub page: &'a Page,
    /// All lines of the page.
    pub lines: &'a [LineInfo],
    /// Rules and pitches.
    pub ctx: &'a PageContext,
    /// The size of running text around this page.
    pub body_size: f32,
    /// Thresholds.
    pub settings: &'a LayoutSettings,
}

/// Decides the role of the block made of `lines` (with `text`, words joined by spaces).
pub(crate) fn classify(
    rc: &RoleContext<'_>,
    block: &[&LineInfo],
    bbox: Rect,
    text: &str,
    size: f32,
) -> Role {
    let page = rc.page;
    let s = &rc.settings.roles;
    let h = page.height.max(1.0);
    let glyphs: usize = block.iter().map(|l| l.glyphs).sum::<usize>().max(1);
    let frac = |f: fn(&LineInfo) -> f32| {
        block.iter().map(|l| f(l) * l.glyphs as f32).sum::<f32>() / glyphs as f32
    };
    let (math, mono, bold) = (frac(|l| l.math), frac(|l| l.mono), frac(|l| l.bold));
    let words: Vec<&str> = text.split_whitespace().collect();
    let zone = rc.settings.running.margin_zone.clamp(0.0, 0.5) * h;
    let in_margin = bbox.y1 <= zone || bbox.y0 >= h - zone;

    if block.iter().any(|l| l.running) {
        return if is_page_number(text) {
            Role::PageNumber
        } else if bbox.center().y < 0.5 * h {
            Role::Header
        } else {
            Role::Footer
        };
    }
    if in_margin && is_page_number(text) && outermost(rc.lines, bbox, h, s.outermost_slack) {
        return Role::PageNumber;
    }
    // Prose words: a few letters or more in a text font (math fonts' letters are variables).
    let prose = words
        .iter()
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= s.prose_letters)
        .count();
    if math >= s.formula_math || (math >= s.formula_some_math && prose <= s.formula_prose_words) {
        return Role::Formula;
    }
    if mono >= s.code_mono {
        return Role::Code;
    }
    let tabular = block.iter().filter(|l| l.tabular).count();
    if 2 * tabular >= block.len() || in_ruled_cell(rc, block, bbox) {
        return Role::TableCell;
    }
    if let Some(strict) = caption_start(&words)
        && (strict || near_figure(page, bbox, size, s.figure_reach))
    {
        return Role::Caption;
    }
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    let short = block.len() <= s.heading_lines && words.len() <= s.heading_words;
    // Chinese and Japanese have no spaces: each of their characters counts as a word.
    let word_count = words.len() + text.chars().filter(|&c| is_cjk(c)).count();
    let ends_sentence = ends_sentence(text) && word_count > s.sentence_words;
    if letters > 0
        && short
        && !ends_sentence
        && (size >= s.heading_ratio * rc.body_size
            || (bold >= s.bold_heading
                && block.len() <= s.bold_heading_lines
                && words.len() <= s.bold_heading_words))
    {
        return Role::Heading;
    }
    if words.first().is_some_and(|w| is_list_marker(w)) && words.len() > 1 {
        return Role::ListItem;
    }
    if size <= s.footnote_ratio * rc.body_size
        && bbox.center().y > s.footnote_below * h
        && !body_below(rc, bbox)
    {
        return Role::Footnote;
    }
    if letters > 0 { Role::Body } else { Role::Other }
}

/// No other line lies further towards the page edge than this box (on its half of the page),
/// by more than `slack` points.
fn outermost(lines: &[LineInfo], bbox: Rect, h: f32, slack: f32) -> bool {
    if bbox.center().y < 0.5 * h {
        !lines.iter().any(|l| l.bbox.y1 < bbox.y0 - slack)
    } else {
        !lines.iter().any(|l| l.bbox.y0 > bbox.y1 + slack)
    }
}

/// Whether the words start a caption: "Figure 3", "Fig. 2:", "Table IV.". `Some(true)` when a
/// colon or full stop follows the number, which makes it a caption wherever it is.
fn caption_start(words: &[&str]) -> Option<bool> {
    let first = *words.first()?;
    let labels = [
        "figure",
        "fig.",
        "fig",
        "table",
        "tab.",
        "listing",
        "algorithm",
        "chart",
        "plate",
        "abbildung",
        "tabelle",
        "exhibit",
    ];
    let (label, glued) = match first.find(|c: char| c.is_ascii_digit()) {
        Some(i) if i > 0 => (&first[..i], Some(&first[i..])),
        _ => (first, None),
    };
    if !labels.contains(&label.to_lowercase().as_str()) {
        return None;
    }
    let number = glued.or_else(|| words.get(1).copied())?;
    let core = number.trim_end_matches([':', '.', '—', '–', '|']);
    let numeric = !core.is_empty()
        && (core
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
            || is_roman(core)
            || (core.chars().count() <= 2
                && core
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())));
    if !numeric {
        return None;
    }
    Some(
        number.ends_with([':', '.', '—', '–', '|'])
            || words
                .get(2)
                .is_some_and(|w| matches!(*w, ":" | "." | "—" | "–" | "|")),
    )
}

/// An image or vector drawing next to the box (within `reach` × the size above or below).
fn near_figure(page: &Page, bbox: Rect, size: f32, reach: f32) -> bool {
    let reach = reach * size.max(1.0);
    let close = |b: &Rect| {
        overlap(*b, bbox) > 0.0
            && (b.y0 - bbox.y1).max(bbox.y0 - b.y1) <= reach
            && b.width() * b.height() >= 0.0
    };
    page.images.iter().any(|i| close(&i.bbox)) || page.paths.iter().any(|p| close(&p.bbox))
}

/// Body-size text below the box in its column: then the box is not at the foot of the page.
fn body_below(rc: &RoleContext<'_>, bbox: Rect) -> bool {
    rc.lines.iter().any(|l| {
        l.bbox.y0 > bbox.y1
            && l.size >= rc.settings.roles.body_ratio * rc.body_size
            && overlap(l.bbox, bbox) > 0.0
            && !l.running
    })
}

/// A short block framed by rules above and below (and either sharing its row with other text
/// or between vertical rules): a cell of a ruled table.
fn in_ruled_cell(rc: &RoleContext<'_>, block: &[&LineInfo], bbox: Rect) -> bool {
    let s = &rc.settings.roles;
    if block.len() > s.ruled_cell_lines || block.iter().any(|l| l.words.len() > s.ruled_cell_words)
    {
        return false;
    }
    // Rules as wide as the cell: fraction bars and underlines are narrower.
    let spans =
        |r: &Rect| r.x0 <= bbox.x0 + s.ruled_cell_span && r.x1 >= bbox.x1 - s.ruled_cell_span;
    let above = rc
        .ctx
        .h_rules
        .iter()
        .filter(|r| r.y1 <= bbox.y0 + s.ruled_cell_slack && spans(r))
        .map(|r| r.y1);
    let below = rc
        .ctx
        .h_rules
        .iter()
        .filter(|r| r.y0 >= bbox.y1 - s.ruled_cell_slack && spans(r))
        .map(|r| r.y0);
    let (Some(a), Some(b)) = (
        above.fold(None, |m: Option<f32>, y| Some(m.map_or(y, |m| m.max(y)))),
        below.fold(None, |m: Option<f32>, y| Some(m.map_or(y, |m| m.min(y)))),
    ) else {
        return false;
    };
    if b - a > s.ruled_cell_height * rc.page.height {
        return false;
    }
    let beside = |left: bool| {
        rc.ctx.v_rules.iter().any(|r| {
            r.y0 <= bbox.y1
                && r.y1 >= bbox.y0
                && if left {
                    r.x1 <= bbox.x0 + s.ruled_cell_slack && bbox.x0 - r.x1 <= s.ruled_cell_side
                } else {
                    r.x0 >= bbox.x1 - s.ruled_cell_slack && r.x0 - bbox.x1 <= s.ruled_cell_side
                }
        })
    };
    block.iter().any(|l| l.row_mates > 0) || (beside(true) && beside(false))
}
