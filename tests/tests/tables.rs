//! Tables: a cell is a block, rows stay rows, a cell's translation stays in its cell, and the
//! codes, dates and amounts of cells are kept.
//!
//! Over the documents made for this (`tests/corpus/made/table-*.pdf`: a ruled grid with wrapped
//! description cells, booktabs and unruled tables, a landscape page with `/Rotate 90` and nine
//! columns). The cells' texts come from each document's LaTeX source (every row of a
//! `tabular` on one source line, cells separated by `&`); the test finds each cell's words on
//! the page (its first word, then the next on the same line or at the start of the line
//! below), so it knows where each cell is without trusting the layout under test.

use std::collections::HashSet;
use std::path::Path;

use folio_doc::{Action, Page, Rect};
use folio_test_support::made_files;
use folio_tests::{Run, fit_check, translate_file};

/// A cell of a table: its row and column in the source, its words, and where they are.
#[derive(Debug)]
struct Cell {
    table: usize,
    row: usize,
    col: usize,
    text: String,
    /// Indices into the page's words.
    words: Vec<u32>,
    bbox: Rect,
}

/// The cells' texts of every `tabular` of a LaTeX source: tables of rows of cells.
fn source_tables(tex: &str) -> Vec<Vec<Vec<String>>> {
    let mut tables = Vec::new();
    let mut current: Option<Vec<Vec<String>>> = None;
    for line in tex.lines() {
        let line = line.trim();
        if line.starts_with("\\begin{tabular}") {
            current = Some(Vec::new());
        } else if line.starts_with("\\end{tabular}") {
            tables.extend(current.take());
        } else if let Some(rows) = current.as_mut()
            && line.contains('&')
        {
            let row = line.split("\\\\").next().unwrap_or(line);
            rows.push(row.split('&').map(latex_text).collect());
        }
    }
    tables
}

/// The text LaTeX prints for a cell's source (the few commands the sources use).
fn latex_text(cell: &str) -> String {
    let t = cell.trim().replace("\\textbf{", "").replace("\\$", "$");
    t.replace(['{', '}'], "").trim().to_string()
}

/// Finds the words of each cell on the page, row by row: the first unused word equal to the
/// cell's first word from which the cell's next words follow on its line or at the start of
/// the lines below.
fn find_cells(page: &Page, tables: &[Vec<Vec<String>>]) -> Vec<Cell> {
    let mut used: HashSet<u32> = HashSet::new();
    let mut cells = Vec::new();
    let mut order: Vec<u32> = (0..page.words.len() as u32).collect();
    order.sort_by(|&a, &b| {
        let (ra, rb) = (page.words[a as usize].bbox, page.words[b as usize].bbox);
        ra.y0.total_cmp(&rb.y0).then(ra.x0.total_cmp(&rb.x0))
    });
    for (t, rows) in tables.iter().enumerate() {
        for (r, row) in rows.iter().enumerate() {
            for (c, text) in row.iter().enumerate() {
                let want: Vec<&str> = text.split_whitespace().collect();
                if want.is_empty() {
                    continue;
                }
                let found = order
                    .iter()
                    .filter(|&&w| !used.contains(&w) && page.words[w as usize].text == want[0])
                    .find_map(|&w| follow(page, w, &want[1..], &used));
                let words = found.unwrap_or_else(|| {
                    panic!("cell '{text}' (table {t}, row {r}, column {c}) not found on the page")
                });
                used.extend(&words);
                let bbox = words
                    .iter()
                    .map(|&w| page.words[w as usize].bbox)
                    .reduce(|a, b| a.union(&b))
                    .unwrap();
                cells.push(Cell {
                    table: t,
                    row: r,
                    col: c,
                    text: text.clone(),
                    words,
                    bbox,
                });
            }
        }
    }
    cells
}

/// The words `rest` following word `first`: each next on the same line (a word space on) or
/// first on the next line, at the cell's left edge; a word hyphenated at a line's end is found
/// as its two pieces.
fn follow(page: &Page, first: u32, rest: &[&str], used: &HashSet<u32>) -> Option<Vec<u32>> {
    let mut words = vec![first];
    let left = page.words[first as usize].bbox.x0;
    let next_after = |words: &[u32], text: &dyn Fn(&str) -> bool| {
        let prev = page.words[*words.last()? as usize].bbox;
        let size = prev.height().max(1.0);
        (0..page.words.len() as u32).find(|&w| {
            let b = page.words[w as usize].bbox;
            !used.contains(&w)
                && !words.contains(&w)
                && text(&page.words[w as usize].text)
                && (((b.y0 - prev.y0).abs() < 0.3 * size
                    && b.x0 > prev.x1 - 0.5
                    && b.x0 < prev.x1 + 3.0 * size)
                    || (b.y0 > prev.y0 + 0.5 * size
                        && b.y0 < prev.y1 + 0.8 * size
                        && (b.x0 - left).abs() < 2.0))
        })
    };
    for want in rest {
        if let Some(w) = next_after(&words, &|t| t == *want) {
            words.push(w);
            continue;
        }
        // Hyphenated: "work-" then "shop".
        let head = next_after(&words, &|t| {
            t.len() > 1 && t.ends_with('-') && want.starts_with(&t[..t.len() - 1])
        })?;
        let cut = page.words[head as usize].text.len() - 1;
        words.push(head);
        let tail = next_after(&words, &|t| t == &want[cut..])?;
        words.push(tail);
    }
    Some(words)
}

/// Where a cell's text may be: between the columns beside it and the rows above and below,
/// and inside any rule drawn between them.
fn cell_region(page: &Page, cells: &[Cell], cell: &Cell) -> Rect {
    let same_table = || cells.iter().filter(|c| c.table == cell.table);
    let column = |k: usize| same_table().filter(move |c| c.col == k).map(|c| c.bbox);
    let row = |k: usize| same_table().filter(move |c| c.row == k).map(|c| c.bbox);
    let table = same_table()
        .map(|c| c.bbox)
        .reduce(|a, b| a.union(&b))
        .unwrap();
    let this_col = column(cell.col).reduce(|a, b| a.union(&b)).unwrap();
    let this_row = row(cell.row).reduce(|a, b| a.union(&b)).unwrap();
    let mut x0 = if cell.col == 0 {
        this_col.x0 - 6.0
    } else {
        column(cell.col - 1).map(|b| b.x1).fold(f32::MIN, f32::max)
    };
    let mut x1 = column(cell.col + 1)
        .map(|b| b.x0)
        .reduce(f32::min)
        .unwrap_or(this_col.x1 + 6.0);
    let mut y0 = if cell.row == 0 {
        this_row.y0 - 6.0
    } else {
        row(cell.row - 1).map(|b| b.y1).fold(f32::MIN, f32::max)
    };
    // Below the last row: up to the next text below the table.
    let below = page
        .words
        .iter()
        .map(|w| w.bbox)
        .filter(|b| b.y0 > table.y1 && b.x1 > table.x0 && b.x0 < table.x1)
        .map(|b| b.y0)
        .fold(page.height, f32::min);
    let mut y1 = row(cell.row + 1).map(|b| b.y0).fold(below, f32::min);
    // Rules in between are the cell's edges.
    for p in &page.paths {
        let r = p.bbox;
        let spans_y = r.y0 <= cell.bbox.y0 && r.y1 >= cell.bbox.y1;
        let spans_x = r.x0 <= cell.bbox.x0 && r.x1 >= cell.bbox.x1;
        if r.width() <= 2.0 && spans_y {
            if r.x1 <= cell.bbox.x0 + 0.5 {
                x0 = x0.max(r.x1);
            } else if r.x0 >= cell.bbox.x1 - 0.5 {
                x1 = x1.min(r.x0);
            }
        }
        if r.height() <= 2.0 && spans_x {
            if r.y1 <= cell.bbox.y0 + 0.5 {
                y0 = y0.max(r.y1);
            } else if r.y0 >= cell.bbox.y1 - 0.5 {
                y1 = y1.min(r.y0);
            }
        }
    }
    Rect::new(x0, y0, x1, y1)
}

/// A word of the pseudo engine's output or of the source reduced to what both share: ASCII
/// letters in lower case, runs of one letter as one (the engine doubles vowels).
fn skeleton(text: &str) -> String {
    const LOWER: &str = "áƀçďéƒĝĥíĵķļḿñöþǫŕšŧüṽŵẋýž";
    const UPPER: &str = "ÁƁÇĎÉƑĜĤÍĴĶĻḾÑÖÞǪŔŠŦÜṼŴẊÝŽ";
    let mut out = String::new();
    for c in text.chars() {
        let plain = LOWER
            .chars()
            .position(|a| a == c)
            .or_else(|| UPPER.chars().position(|a| a == c))
            .map(|i| (b'a' + i as u8) as char)
            .or_else(|| c.is_ascii_alphabetic().then(|| c.to_ascii_lowercase()));
        if let Some(p) = plain
            && !out.ends_with(p)
        {
            out.push(p);
        }
    }
    out
}

/// Whether a cell's text is a code, date, amount or number: no lowercase word in it.
fn is_token(text: &str) -> bool {
    !text.chars().any(|c| c.is_lowercase()) && text.chars().any(|c| c.is_ascii_digit())
}

/// The made table documents, each with its source's tables, or none (reported) when the folder
/// holds none.
fn documents() -> Vec<(std::path::PathBuf, Vec<Vec<Vec<String>>>)> {
    let files = made_files("table-");
    assert!(
        !files.is_empty(),
        "tests/corpus/made/table-*.pdf are committed with the repository"
    );
    files
        .into_iter()
        .map(|pdf| {
            let tex = std::fs::read_to_string(pdf.with_extension("tex"))
                .unwrap_or_else(|e| panic!("{}: its source: {e}", pdf.display()));
            let tables = source_tables(&tex);
            assert!(!tables.is_empty(), "{}: no tabular", pdf.display());
            (pdf, tables)
        })
        .collect()
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// Each cell of each table is one block of its own: no block holds words of two cells (two
/// rows of a column, or two columns), and a cell wrapped over several lines is one block.
#[test]
fn each_cell_is_its_own_block() {
    let mut failures = Vec::new();
    for (pdf, tables) in documents() {
        let run = translate_file(&pdf, "identity", None).expect("the document is read");
        let page = &run.input_doc.pages[0];
        let cells = find_cells(page, &tables);
        let block_of = |w: u32| {
            run.blocks
                .iter()
                .position(|b| b.lines.iter().any(|l| l.words.contains(&w)))
        };
        let (mut own, mut merged, mut split) = (0, 0, 0);
        for cell in &cells {
            let blocks: HashSet<Option<usize>> = cell.words.iter().map(|&w| block_of(w)).collect();
            let block_words: HashSet<u32> = blocks
                .iter()
                .flatten()
                .flat_map(|&b| run.blocks[b].lines.iter().flat_map(|l| l.words.clone()))
                .collect();
            let cell_words: HashSet<u32> = cell.words.iter().copied().collect();
            if blocks.len() > 1 {
                split += 1;
                failures.push(format!(
                    "{}: cell '{}' (row {}, column {}) is split over {} blocks",
                    name(&pdf),
                    cell.text,
                    cell.row,
                    cell.col,
                    blocks.len()
                ));
            } else if block_words != cell_words {
                merged += 1;
                let others: Vec<&str> = block_words
                    .difference(&cell_words)
                    .map(|&w| page.words[w as usize].text.as_str())
                    .take(8)
                    .collect();
                failures.push(format!(
                    "{}: cell '{}' (row {}, column {}) shares its block with {:?}",
                    name(&pdf),
                    cell.text,
                    cell.row,
                    cell.col,
                    others
                ));
            } else {
                own += 1;
            }
        }
        println!(
            "{}: {} cells: {own} their own block, {merged} merged with other text, {split} split",
            name(&pdf),
            cells.len()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Codes, dates and amounts of cells are not sent to the engine and come back as they were.
#[test]
fn codes_dates_and_amounts_of_cells_are_kept() {
    let mut failures = Vec::new();
    for (pdf, tables) in documents() {
        let run = translate_file(&pdf, "pseudo", None).expect("the document is translated");
        let sent: Vec<&str> = run
            .blocks
            .iter()
            .filter(|b| matches!(b.action, Action::Translate))
            .map(|b| b.source.as_str())
            .collect();
        let out: Vec<&str> = run.output_doc.pages[0]
            .words
            .iter()
            .map(|w| w.text.as_str())
            .collect();
        let mut tokens = 0;
        for text in tables.iter().flatten().flatten().filter(|t| is_token(t)) {
            tokens += 1;
            let sent_as_word = |s: &&&str| {
                s.split(|c: char| c.is_whitespace() || c == '[' || c == ']')
                    .any(|w| w.trim_end_matches([',', '.', ';', ':']) == text)
            };
            if let Some(s) = sent.iter().find(sent_as_word) {
                failures.push(format!("{}: '{text}' is sent: {s}", name(&pdf)));
            }
            if !out.contains(&text.as_str()) {
                failures.push(format!("{}: '{text}' is not in the output", name(&pdf)));
            }
        }
        println!("{}: {tokens} codes, dates and amounts", name(&pdf));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Under the pseudo engine (35% longer text), every new word of a cell stays inside its cell:
/// its column's x-range and its row's y-range, within the rules around it; and the output's
/// new text collides with nothing (`fit_check`).
#[test]
fn a_cell_refits_within_its_cell() {
    let mut failures = Vec::new();
    for (pdf, tables) in documents() {
        let run: Run = translate_file(&pdf, "pseudo", None).expect("the document is translated");
        let input = &run.input_doc.pages[0];
        let output = &run.output_doc.pages[0];
        let cells = find_cells(input, &tables);
        let regions: Vec<Rect> = cells
            .iter()
            .map(|c| cell_region(input, &cells, c))
            .collect();
        let skeletons: Vec<String> = cells.iter().map(|c| skeleton(&c.text)).collect();
        let tables_box: Vec<Rect> = (0..tables.len())
            .filter_map(|t| {
                cells
                    .iter()
                    .zip(&regions)
                    .filter(|(c, _)| c.table == t)
                    .map(|(_, r)| *r)
                    .reduce(|a, b| a.union(&b))
            })
            .collect();
        let kept: HashSet<&str> = cells
            .iter()
            .filter(|c| is_token(&c.text))
            .flat_map(|c| c.text.split_whitespace())
            .collect();
        let (mut inside, mut outside) = (0, 0);
        for w in &output.words {
            let sk = skeleton(&w.text);
            if sk.is_empty() || kept.contains(w.text.as_str()) {
                continue;
            }
            let c = w.bbox.center();
            let in_table = tables_box
                .iter()
                .any(|t| c.x >= t.x0 && c.x <= t.x1 && c.y >= t.y0 && c.y <= t.y1);
            if !in_table {
                continue;
            }
            // Its own cell: one whose text holds the word, whose region holds the word.
            let core = Rect::new(
                w.bbox.x0 + 0.5,
                w.bbox.y0 + 0.25 * w.bbox.height(),
                w.bbox.x1 - 0.5,
                w.bbox.y1 - 0.25 * w.bbox.height(),
            );
            let home = regions.iter().zip(&skeletons).any(|(r, s)| {
                s.contains(&sk)
                    && core.x0 >= r.x0 - 0.5
                    && core.x1 <= r.x1 + 0.5
                    && core.y0 >= r.y0 - 0.5
                    && core.y1 <= r.y1 + 0.5
            });
            if home {
                inside += 1;
            } else {
                outside += 1;
                failures.push(format!(
                    "{}: '{}' at {:?} is outside its cell",
                    name(&pdf),
                    w.text,
                    w.bbox
                ));
            }
        }
        let fit = fit_check(&run);
        println!(
            "{}: {inside} new words of cells inside their cell, {outside} outside; {} collisions",
            name(&pdf),
            fit.collisions.len()
        );
        for c in &fit.collisions {
            failures.push(format!(
                "{}: '{}' at {:?} hits {}",
                name(&pdf),
                c.word,
                c.bbox,
                c.other
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sources_give_the_cells() {
    let tex = "\\begin{tabular}{|l|l|}\n\\hline\n\\textbf{No.} & Cost \\\\\nA1 & \\$1,234.50 \\\\[2pt]\n\\end{tabular}";
    let tables = source_tables(tex);
    assert_eq!(
        tables,
        vec![vec![
            vec!["No.".to_string(), "Cost".to_string()],
            vec!["A1".to_string(), "$1,234.50".to_string()]
        ]]
    );
    assert_eq!(skeleton("Ááññüüááļ"), "anual");
    assert_eq!(skeleton("Annual"), "anual");
    assert!(is_token("DHAS20190061") && is_token("2019-03-14") && !is_token("Postage"));
}
