//! Tables: which lines of a page are cells of a table, and which of them make one cell.
//!
//! A table is found by what every producer leaves, ruled or not: **rows**, baselines holding
//! several pieces of text side by side, at most [`TableSettings::long_cells`] of them long,
//! at least [`TableSettings::min_rows`] of them close together; and **columns**, the strips
//! between vertical bands of white that the text of no row crosses (gutters wider than a word
//! space), at least [`TableSettings::min_columns`] of them. Rules need no pass of their own:
//! a ruled table's vertical rules lie in its gutters, and its horizontal rules separate rows.
//!
//! Every line inside the table is then a cell of the column it lies in. A line continues the
//! cell above it in its column only when the text was wrapped there: it is a line's distance
//! below, starts where that line starts, no rule lies between them, and (unless rules separate
//! every row) its first word would not have fitted at the end of the line above. So a
//! description wrapped over three lines is one cell, and the next row's description, one line
//! further down, is another. Pieces of one column on one baseline (a justified line the reader
//! split at its wide spaces) become one line.

use folio_doc::{Page, Rect};

use crate::fonts::FontTraits;
use crate::lines::{LineInfo, body_traits, measure};
use crate::{BlockSettings, LayoutSettings, TableSettings};

/// A table found on the page: its columns' x-ranges, left to right, and the lines (indices)
/// on its row baselines.
struct Table {
    columns: Vec<(f32, f32)>,
    /// Baseline groups (indices into the page's baseline list) of its rows, top to bottom.
    rows: Vec<usize>,
}

/// Finds the page's tables and marks their lines: each gets the cell it belongs to and is
/// tabular; pieces of one cell on one baseline are merged into one line. Lines outside
/// tables are returned as they were, in the same order.
pub(crate) fn mark_cells(
    page: &Page,
    fonts: &[FontTraits],
    mut lines: Vec<LineInfo>,
    h_rules: &[Rect],
    settings: &LayoutSettings,
) -> Vec<LineInfo> {
    let s = &settings.tables;
    let baselines = baselines(&lines, settings);
    let tables = find_tables(&lines, &baselines, page.width, settings);
    if tables.is_empty() {
        return lines;
    }
    // For each line: its cell and, for a piece merged into another, the line it joins.
    let mut cell: Vec<Option<u32>> = vec![None; lines.len()];
    let mut joins: Vec<Option<usize>> = vec![None; lines.len()];
    let mut next_id = 0u32;
    for table in &tables {
        let members = members(&lines, &baselines, table, h_rules, s);
        // Pieces of one column on one baseline, a word space or a justified line's wide space
        // apart: the first (leftmost) takes the others.
        let mut heads: Vec<(usize, usize, usize)> = Vec::new(); // (baseline, column, line)
        let mut tail: Option<(usize, usize, usize, f32)> = None; // (baseline, column, head, x1)
        for &(b, col, i) in &members {
            let l = &lines[i];
            match tail {
                Some((tb, tc, head, x1))
                    if tb == b
                        && tc == col
                        && l.bbox.x0 - x1 <= settings.lines.rejoin_gap * l.size =>
                {
                    joins[i] = Some(head);
                    tail = Some((b, col, head, l.bbox.x1));
                }
                _ => {
                    heads.push((b, col, i));
                    tail = Some((b, col, i, l.bbox.x1));
                }
            }
        }
        // Cells, top to bottom: a line continues the cell of the line above in its column
        // when the text wrapped there; a baseline on which any column starts a new cell is a
        // new row, and every line on it starts a cell.
        let ruled = ruled(&lines, &baselines, table, h_rules);
        let words = |k: usize| {
            members
                .iter()
                .filter(|m| m.2 == k || joins[m.2] == Some(k))
                .map(|m| m.2)
                .collect::<Vec<usize>>()
        };
        let mut last_in_column: Vec<Option<usize>> = vec![None; table.columns.len()];
        let mut at = 0;
        while at < heads.len() {
            let b = heads[at].0;
            let row: Vec<(usize, usize)> = heads[at..]
                .iter()
                .take_while(|h| h.0 == b)
                .map(|h| (h.1, h.2))
                .collect();
            at += row.len();
            let continued: Vec<Option<usize>> = row
                .iter()
                .map(|&(col, i)| {
                    last_in_column[col].filter(|&above| {
                        same_look(&lines[above], &lines[i], &settings.blocks)
                            && wraps(
                                page,
                                &lines,
                                &words(above),
                                &words(i),
                                table.columns[col],
                                h_rules,
                                ruled,
                                s,
                            )
                    })
                })
                .collect();
            let new_row = continued.iter().any(Option::is_none);
            for (&(col, i), above) in row.iter().zip(continued) {
                cell[i] = match above.filter(|_| !new_row) {
                    Some(above) => cell[above],
                    None => {
                        next_id += 1;
                        Some(next_id)
                    }
                };
                last_in_column[col] = Some(i);
            }
        }
    }
    // Merge the pieces into their head line, keeping the reading order of the heads.
    let mut pieces: Vec<Vec<usize>> = vec![Vec::new(); lines.len()];
    for (i, j) in joins.iter().enumerate() {
        if let Some(head) = j {
            pieces[*head].push(i);
        }
    }
    let body = body_traits(page, fonts);
    for i in 0..lines.len() {
        if cell[i].is_none() && joins[i].is_none() {
            continue;
        }
        if !pieces[i].is_empty() {
            let mut parts: Vec<usize> = pieces[i].clone();
            parts.push(i);
            parts.sort_by(|&a, &b| lines[a].bbox.x0.total_cmp(&lines[b].bbox.x0));
            let words: Vec<u32> = parts.iter().flat_map(|&k| lines[k].words.clone()).collect();
            let bbox = parts
                .iter()
                .map(|&k| lines[k].bbox)
                .reduce(|a, b| a.union(&b))
                .unwrap_or(lines[i].bbox);
            let merged = measure(
                page,
                fonts,
                &words,
                bbox,
                body,
                &settings.lines,
                &settings.inline,
            );
            let sources = parts
                .iter()
                .flat_map(|&k| lines[k].sources.clone())
                .collect();
            let running = parts.iter().any(|&k| lines[k].running);
            let row_mates = lines[i].row_mates;
            lines[i] = LineInfo {
                sources,
                running,
                row_mates,
                ..merged
            };
        }
        lines[i].cell = cell[i];
        lines[i].tabular = true;
    }
    lines
        .into_iter()
        .enumerate()
        .filter(|(i, _)| joins[*i].is_none())
        .map(|(_, l)| l)
        .collect()
}

/// The page's horizontal lines but code (a listing beside what it typesets is no table)
/// grouped by baseline, top to bottom (indices into `lines`, each
/// group left to right).
fn baselines(lines: &[LineInfo], settings: &LayoutSettings) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            let l = &lines[i];
            l.angle == 0.0
                && !l.running
                && !l.words.is_empty()
                && l.mono <= settings.blocks.mono_line
        })
        .collect();
    order.sort_by(|&a, &b| lines[a].baseline.total_cmp(&lines[b].baseline));
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let first = &lines[order[start]];
        let mut end = start + 1;
        while end < order.len()
            && lines[order[end]].baseline - first.baseline
                <= settings.lines.row_tolerance * first.size.max(2.0)
        {
            end += 1;
        }
        let mut group = order[start..end].to_vec();
        group.sort_by(|&a, &b| lines[a].bbox.x0.total_cmp(&lines[b].bbox.x0));
        out.push(group);
        start = end;
    }
    out
}

/// Whether a line is as wide as a column of running text: beside a table, never in it.
fn too_wide(line: &LineInfo, page_width: f32, s: &TableSettings) -> bool {
    line.bbox.width() >= s.max_cell_width * page_width
}

/// Whether a baseline may be a table row: two or more short pieces side by side and few long
/// ones, lines as wide as a column of running text set aside (a table in one column of a
/// paper shares its baselines with the other column).
fn is_row(lines: &[LineInfo], group: &[usize], page_width: f32, settings: &LayoutSettings) -> bool {
    let l = &settings.lines;
    let pieces: Vec<&LineInfo> = group
        .iter()
        .map(|&i| &lines[i])
        .filter(|x| !too_wide(x, page_width, &settings.tables))
        .collect();
    let long = pieces
        .iter()
        .filter(|x| x.words.len() > l.cell_words || x.bbox.width() >= l.cell_width * page_width)
        .count();
    pieces.len() >= 2 + long && long <= settings.tables.long_cells
}

/// The tables of the page: runs of row baselines close together whose pieces leave enough
/// column gutters, cut where a line between them crosses a gutter.
fn find_tables(
    lines: &[LineInfo],
    baselines: &[Vec<usize>],
    page_width: f32,
    settings: &LayoutSettings,
) -> Vec<Table> {
    let s = &settings.tables;
    let rows: Vec<usize> = (0..baselines.len())
        .filter(|&b| is_row(lines, &baselines[b], page_width, settings))
        .collect();
    let baseline = |b: usize| lines[baselines[b][0]].baseline;
    let size = |b: usize| lines[baselines[b][0]].size.max(1.0);
    // Runs of rows close together.
    let mut work: Vec<Vec<usize>> = Vec::new();
    for &b in &rows {
        match work.last_mut() {
            Some(run)
                if baseline(b) - baseline(*run.last().unwrap_or(&b)) <= s.row_gap * size(b) =>
            {
                run.push(b)
            }
            _ => work.push(vec![b]),
        }
    }
    let mut tables = Vec::new();
    while let Some(run) = work.pop() {
        if run.len() < s.min_rows {
            continue;
        }
        // A column holds text on two rows at least: a line of another column of the page
        // beside one row is no column of the table.
        let columns: Vec<(f32, f32)> = columns(lines, baselines, &run, page_width, s)
            .into_iter()
            .filter(|&c| {
                run.iter()
                    .filter(|&&b| {
                        baselines[b]
                            .iter()
                            .any(|&i| column_of(lines[i].bbox, &[c], s.wrap_edge).is_some())
                    })
                    .count()
                    >= 2
            })
            .collect();
        // A column of running text beside the table goes on above its first row, a line's
        // distance up, inside the column's width: it is no column of the table.
        let top = lines[baselines[run[0]][0]].baseline;
        let columns: Vec<(f32, f32)> = columns
            .iter()
            .copied()
            .filter(|&c| {
                !baselines[..run[0]].iter().flatten().any(|&i| {
                    let l = &lines[i];
                    top - l.baseline > 0.0
                        && top - l.baseline <= s.wrap_pitch * l.size
                        && column_of(l.bbox, &[c], s.wrap_edge).is_some()
                })
            })
            .collect();
        if columns.len() < s.min_columns {
            continue;
        }
        // A line between the rows that crosses a gutter (a paragraph between two tables)
        // cuts the run there.
        let (first, last) = (run[0], run[run.len() - 1]);
        let (x0, x1) = (columns[0].0, columns[columns.len() - 1].1);
        let cut = (first + 1..last).find(|&b| {
            baselines[b].iter().any(|&i| {
                let r = lines[i].bbox;
                let across = r.x1 > x0 && r.x0 < x1;
                let in_row = run.contains(&b) && !too_wide(&lines[i], page_width, s);
                across && !in_row && column_of(r, &columns, s.wrap_edge).is_none()
            })
        });
        match cut {
            Some(b) => {
                work.push(run.iter().copied().filter(|&r| r < b).collect());
                work.push(run.iter().copied().filter(|&r| r > b).collect());
            }
            None => tables.push(Table { columns, rows: run }),
        }
    }
    tables
}

/// The columns of a run of rows: the strips their pieces cover, split at gaps of white wider
/// than [`TableSettings::gutter`] × the size. A strip crossed on only a few rows (at most
/// [`TableSettings::spanning_rows`] of them: a header spanning two columns) is still white.
fn columns(
    lines: &[LineInfo],
    baselines: &[Vec<usize>],
    run: &[usize],
    page_width: f32,
    s: &TableSettings,
) -> Vec<(f32, f32)> {
    // Each row's covered strips (pieces closer than a gutter are one strip).
    let mut events: Vec<(f32, i32)> = Vec::new();
    let mut size = 0.0f32;
    for &b in run {
        let mut strips: Vec<(f32, f32)> = Vec::new();
        for &i in baselines[b]
            .iter()
            .filter(|&&i| !too_wide(&lines[i], page_width, s))
        {
            let (x0, x1) = (lines[i].bbox.x0, lines[i].bbox.x1);
            size = size.max(lines[i].size);
            match strips.last_mut() {
                Some(c) if x0 - c.1 < s.gutter * lines[i].size => c.1 = c.1.max(x1),
                _ => strips.push((x0, x1)),
            }
        }
        for (x0, x1) in strips {
            events.push((x0, 1));
            events.push((x1, -1));
        }
    }
    events.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let allowed = (s.spanning_rows * run.len() as f32).floor() as i32;
    let mut out: Vec<(f32, f32)> = Vec::new();
    let mut depth = 0;
    let mut start: Option<f32> = None;
    for (x, d) in events {
        let before = depth;
        depth += d;
        if before <= allowed && depth > allowed {
            start = Some(x);
        } else if before > allowed
            && depth <= allowed
            && let Some(x0) = start.take()
        {
            match out.last_mut() {
                Some(c) if x0 - c.1 < s.gutter * size => c.1 = x,
                _ => out.push((x0, x)),
            }
        }
    }
    out
}

/// The column a box lies in: it starts in the column (within `slack`, pt) and ends before
/// the next column starts (a wrapped line may reach a little past the column's other lines).
fn column_of(b: Rect, columns: &[(f32, f32)], slack: f32) -> Option<usize> {
    columns.iter().enumerate().position(|(k, &(x0, x1))| {
        let next = columns.get(k + 1).map_or(f32::INFINITY, |c| c.0);
        b.x0 >= x0 - slack && b.x0 <= x1 && b.x1 <= (x1 + slack).max(next - slack)
    })
}

/// Whether rules separate the table's rows: a horizontal rule across most of the table
/// between at least half of its consecutive rows.
fn ruled(lines: &[LineInfo], baselines: &[Vec<usize>], table: &Table, h_rules: &[Rect]) -> bool {
    let (x0, x1) = (table.columns[0].0, table.columns[table.columns.len() - 1].1);
    let baseline = |b: usize| lines[baselines[b][0]].baseline;
    let separated = table
        .rows
        .windows(2)
        .filter(|w| {
            h_rules.iter().any(|r| {
                let y = 0.5 * (r.y0 + r.y1);
                y > baseline(w[0])
                    && y < baseline(w[1])
                    && r.x1.min(x1) - r.x0.max(x0) >= 0.5 * (x1 - x0)
            })
        })
        .count();
    table.rows.len() >= 2 && 2 * separated >= table.rows.len() - 1
}

/// The table's lines, top to bottom: (baseline group, column, line). Lines on the table's
/// baselines lying in a column, then the lines below its last row that continue a cell of it.
fn members(
    lines: &[LineInfo],
    baselines: &[Vec<usize>],
    table: &Table,
    h_rules: &[Rect],
    s: &TableSettings,
) -> Vec<(usize, usize, usize)> {
    let (first, last) = (table.rows[0], table.rows[table.rows.len() - 1]);
    let mut out: Vec<(usize, usize, usize)> = Vec::new();
    for (b, group) in baselines.iter().enumerate().take(last + 1).skip(first) {
        for &i in group {
            if let Some(col) = column_of(lines[i].bbox, &table.columns, s.wrap_edge) {
                out.push((b, col, i));
            }
        }
    }
    // Text wrapped in the last row's cells, below it.
    for (b, group) in baselines.iter().enumerate().skip(last + 1) {
        let mut any = false;
        for &i in group {
            let Some(col) = column_of(lines[i].bbox, &table.columns, s.wrap_edge) else {
                continue;
            };
            let Some(&(_, _, above)) = out.iter().rev().find(|m| m.1 == col) else {
                continue;
            };
            let n = &lines[i];
            let a = &lines[above];
            let fits_under = n.baseline - a.baseline <= s.wrap_pitch * a.size
                && (n.bbox.x0 - a.bbox.x0).abs() <= s.wrap_edge
                && !rule_between(h_rules, a.baseline, (n.bbox, n.baseline, n.size));
            if fits_under {
                out.push((b, col, i));
                any = true;
            }
        }
        if !any {
            break;
        }
    }
    out
}

/// Whether a horizontal rule lies between the baseline of a line above and the top of the
/// x-height of a line below (`below`: its box, baseline and size), across the lower line.
/// Baselines, not boxes: the font boxes of lines set close reach over the rules between them.
fn rule_between(h_rules: &[Rect], above: f32, below: (Rect, f32, f32)) -> bool {
    let (b, baseline, size) = below;
    h_rules.iter().any(|r| {
        let y = 0.5 * (r.y0 + r.y1);
        y > above && y < baseline - 0.5 * size && r.x1.min(b.x1) - r.x0.max(b.x0) > 0.0
    })
}

/// Whether two lines look like one paragraph's: the same size and weight class (a cell's
/// title set larger or bold above its text is a block of its own, as outside tables).
fn same_look(a: &LineInfo, b: &LineInfo, s: &BlockSettings) -> bool {
    (a.size - b.size).abs() <= s.size_tolerance * a.size.min(b.size)
        && (a.bold > s.bold_line) == (b.bold > s.bold_line)
}

/// Whether the line made of `below` (line indices, left to right) continues the cell whose
/// last line is made of `above`, in the column spanning `column`: the text wrapped there.
#[allow(clippy::too_many_arguments)]
fn wraps(
    page: &Page,
    lines: &[LineInfo],
    above: &[usize],
    below: &[usize],
    column: (f32, f32),
    h_rules: &[Rect],
    ruled: bool,
    s: &TableSettings,
) -> bool {
    let bbox = |ks: &[usize]| ks.iter().map(|&k| lines[k].bbox).reduce(|a, b| a.union(&b));
    let (Some(a), Some(n)) = (bbox(above), bbox(below)) else {
        return false;
    };
    let (Some(&ai), Some(&ni)) = (above.first(), below.first()) else {
        return false;
    };
    let size = lines[ai].size.max(1.0);
    let dy = lines[ni].baseline - lines[ai].baseline;
    let starts_under = (n.x0 - a.x0).abs() <= s.wrap_edge
        || ((n.x0 + n.x1) - (a.x0 + a.x1)).abs() <= 2.0 * s.wrap_edge;
    let under = (n, lines[ni].baseline, lines[ni].size);
    if dy <= 0.0
        || dy > s.wrap_pitch * size
        || !starts_under
        || rule_between(h_rules, lines[ai].baseline, under)
    {
        return false;
    }
    if ruled {
        return true;
    }
    // The first word below would not have fitted after the last word above.
    let above_words: usize = above.iter().map(|&k| lines[k].words.len()).sum();
    let first_word = below
        .iter()
        .flat_map(|&k| lines[k].words.iter())
        .filter_map(|&w| page.words.get(w as usize))
        .map(|w| w.bbox)
        .min_by(|x, y| x.x0.total_cmp(&y.x0));
    let Some(first_word) = first_word else {
        return false;
    };
    above_words >= 2 && a.x1 + 0.25 * size + first_word.width() > column.1 - 1.0
}

#[cfg(test)]
mod tests {
    use super::column_of;
    use folio_doc::Rect;

    #[test]
    fn a_line_is_in_the_column_it_starts_in_and_ends_before_the_next() {
        let columns = [(50.0, 120.0), (140.0, 300.0), (320.0, 380.0)];
        let at = |x0: f32, x1: f32| column_of(Rect::new(x0, 0.0, x1, 10.0), &columns, 2.0);
        assert_eq!(at(50.0, 110.0), Some(0));
        // A wrapped line reaching a little past its column's other lines, short of the next.
        assert_eq!(at(50.0, 130.0), Some(0));
        assert_eq!(at(141.0, 300.0), Some(1));
        // Across a gutter: no column.
        assert_eq!(at(50.0, 200.0), None);
        assert_eq!(at(10.0, 40.0), None);
    }
}
