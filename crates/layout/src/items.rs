//! Blocks whose lines are separate items: a centred author or address block (a name, an
//! institution, a city and a country, an e-mail address, each on its own line) reads as one
//! paragraph to the grouping, but reflowed into one it loses what made it legible. Such a
//! group becomes one block per item, so each line is translated and set on its own.
//!
//! # When a centred group's lines are items
//! The group is narrow (at most [`BlockSettings::item_block_width`] of the page), its lines
//! share a centre but not their left edges, and it is cut before each line that starts with
//! anything but a lower-case letter, or that is (or follows) an e-mail address or a web
//! address. It is not cut after a line ending with a hyphen (a word or an address broken
//! across lines) or with a word that cannot end a phrase ("of", "and", "the": a title going on).

use folio_doc::Rect;

use crate::BlockSettings;
use crate::lines::LineInfo;

/// Words after which a line goes on: a title or a phrase broken across lines, not an item.
const GOES_ON: [&str; 16] = [
    "a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with", "de",
    "&",
];

/// Splits each group of centred item lines (see the module docs) into its items.
pub(crate) fn split_items(
    groups: Vec<Vec<usize>>,
    lines: &[LineInfo],
    page_width: f32,
    s: &BlockSettings,
) -> Vec<Vec<usize>> {
    let mut out = Vec::with_capacity(groups.len());
    for group in groups {
        let members: Vec<&LineInfo> = group.iter().map(|&i| &lines[i]).collect();
        if !centred_items(&members, page_width, s) {
            out.push(group);
            continue;
        }
        let mut cur: Vec<usize> = Vec::new();
        for (k, &i) in group.iter().enumerate() {
            if k > 0 && item_break(&lines[group[k - 1]].text, &lines[i].text) {
                out.push(std::mem::take(&mut cur));
            }
            cur.push(i);
        }
        out.push(cur);
    }
    out
}

/// Whether the lines are a narrow centred group of lines of different widths.
fn centred_items(members: &[&LineInfo], page_width: f32, s: &BlockSettings) -> bool {
    let [first, ..] = members else { return false };
    if members.len() < 2 || members.iter().any(|l| l.tabular || l.angle != 0.0) {
        return false;
    }
    let Some(union) = members.iter().map(|l| l.bbox).reduce(|a, b| a.union(&b)) else {
        return false;
    };
    if union.width() > s.item_block_width * page_width {
        return false;
    }
    let size = members.iter().map(|l| l.size).fold(f32::INFINITY, f32::min);
    let tol = (s.edge_tolerance * size).max(s.edge_tolerance_min);
    let centre = |b: Rect| 0.5 * (b.x0 + b.x1);
    let shared_centre = members
        .iter()
        .all(|l| (centre(l.bbox) - centre(first.bbox)).abs() <= tol);
    let ragged = members
        .iter()
        .any(|l| (l.bbox.x0 - first.bbox.x0).abs() > tol);
    shared_centre && ragged
}

/// Whether a new item starts at the line `next`, after the line `prev`.
fn item_break(prev: &str, next: &str) -> bool {
    let prev = prev.trim_end();
    if prev.ends_with(['-', '‐', '–', '/']) {
        return false;
    }
    let last = prev.rsplit(char::is_whitespace).next().unwrap_or("");
    if GOES_ON.contains(&last.to_lowercase().as_str()) {
        return false;
    }
    let starts_lower = next
        .trim_start()
        .chars()
        .next()
        .is_some_and(char::is_lowercase);
    !starts_lower || is_address(prev) || is_address(next)
}

/// Whether a line is an e-mail or web address and nothing else.
fn is_address(line: &str) -> bool {
    let line = line.trim();
    !line.contains(char::is_whitespace)
        && (line.contains('@') || line.starts_with("http") || line.starts_with("www."))
}

#[cfg(test)]
mod tests {
    use super::item_break;

    #[test]
    fn items_break_where_a_new_line_is_a_new_item() {
        assert!(item_break("The Thørväld Group", "Hekla, Iceland"));
        assert!(item_break("Hekla, Iceland", "larst@affiliation.org"));
        assert!(item_break(
            "trovato@corporation.com",
            "webmaster@marysville-"
        ));
        assert!(!item_break("webmaster@marysville-", "ohio.com"));
        assert!(!item_break("A Study of the Effects of", "Climate Change"));
        assert!(!item_break("a centred sentence that", "goes on here."));
        assert!(item_break(
            "Palmer Research Laboratories",
            "San Antonio, Texas, USA"
        ));
    }
}
