//! Blocks whose lines are separate items: a centred author or address block (a name, an
//! institution, a city and a country, an e-mail address, each on its own line) reads as one
//! paragraph to the grouping, but reflowed into one it loses what made it legible. Such a
//! group becomes one block per item, so each line is translated and set on its own.
//!
//! # When a centred group's lines are items
//! The group is narrow (at most [`BlockSettings::item_block_width`] of the page), its lines
//! share a centre but not their left edges, none is mostly monospace or math (code and
//! formulas have their own blocks), and it looks like an address: three lines or more, or a
//! line with a comma (`Hekla, Iceland`) or an e-mail or web address. (Two lines without are
//! more often a title broken in two: `Student Loan Interest Deduction` / `Worksheet—Line 32`.) It is cut before a line that starts with a capital letter
//! after a line ending in a capitalised word (`The Thørväld Group` / `Hekla, Iceland`), and
//! before and after a line that is an e-mail or web address. A line ending in punctuation or
//! in a lower-case word (a sentence, a title going on: `Einführung in die`) or a hyphen (an
//! address broken across lines) is never cut from the next.

use folio_doc::Rect;

use crate::BlockSettings;
use crate::lines::LineInfo;

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
    let odd = |l: &&LineInfo| {
        l.tabular
            || l.cell.is_some()
            || l.angle != 0.0
            || l.mono > s.mono_line
            || l.math > s.math_line
    };
    if members.len() < 2 || members.iter().any(odd) {
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
    let address = members.len() >= 3
        || members
            .iter()
            .any(|l| l.text.contains(',') || is_address(&l.text));
    shared_centre && ragged && address
}

/// Whether a new item starts at the line `next`, after the line `prev`.
fn item_break(prev: &str, next: &str) -> bool {
    let prev = prev.trim_end();
    if prev.ends_with(['-', '‐', '–', '/']) {
        return false;
    }
    if is_address(prev) || is_address(next) {
        return true;
    }
    let last = prev.rsplit(char::is_whitespace).next().unwrap_or("");
    let capitalised = last.chars().next().is_some_and(char::is_uppercase);
    let ends_word = last
        .chars()
        .last()
        .is_some_and(|c| !c.is_ascii_punctuation());
    let starts_capital = next
        .trim_start()
        .chars()
        .next()
        .is_some_and(char::is_uppercase);
    capitalised && ends_word && starts_capital
}

/// Whether a line is an e-mail or web address and nothing else (`name@host.org`, `https://…`,
/// `www.…`; not a macro name like `\cals@bgcolor`).
fn is_address(line: &str) -> bool {
    let line = line.trim();
    let email = line
        .split_once('@')
        .is_some_and(|(user, host)| !user.is_empty() && host.contains('.'));
    !line.contains(char::is_whitespace)
        && (email || line.starts_with("http") || line.starts_with("www."))
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
        assert!(!item_break("Einführung in die", "Geometrie und Topologie"));
        assert!(!item_break("a centred sentence that", "goes on here."));
        assert!(!item_break(
            "This AD replaces 2018–23–51,",
            "Amendment 39–19512"
        ));
        assert!(!item_break(
            "This is the total tax you have paid.",
            "Lines 71 and 72a."
        ));
        assert!(!item_break("Date acquired", "(mo., day, yr.)"));
        assert!(!item_break("1", "2"));
        assert!(!item_break("Color:", "\\cals@bgcolor"));
        assert!(item_break(
            "Palmer Research Laboratories",
            "San Antonio, Texas, USA"
        ));
    }
}
