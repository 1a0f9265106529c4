//! Word-level text agreement: do both files say the same words in the same places?

use std::collections::BTreeMap;

use folio_doc::Rect;

/// A word as compared: its text and box (points, top-left origin, y down).
#[derive(Debug, Clone, PartialEq)]
pub struct PageWord {
    /// The word's text.
    pub text: String,
    /// Its box on the page.
    pub bbox: Rect,
}

/// How the words of one page agree between two files.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WordStats {
    /// Words on the page in A.
    pub words_a: usize,
    /// Words on the page in B.
    pub words_b: usize,
    /// Words found in both (as a bag: repeated words count as often as both have them).
    pub matched: usize,
    /// F1 of the two bags of words, 1.0 when both are equal (or both empty).
    pub f1: f64,
    /// Matched words whose box moved by more than the tolerance on any edge.
    pub moved: usize,
    /// The largest edge displacement among matched words, in points.
    pub max_shift: f32,
}

/// Above this many candidate pairs for one text, words are paired in reading order instead of
/// by distance (a page of 3,000 dots would otherwise cost 9 million pairs).
const MAX_PAIRS: usize = 250_000;

/// Compares the words of one page. Equal texts are paired nearest first; a pair counts as moved
/// when an edge of its box shifted by more than `tolerance` points.
pub fn compare_words(a: &[PageWord], b: &[PageWord], tolerance: f32) -> WordStats {
    let mut by_text: BTreeMap<&str, (Vec<&Rect>, Vec<&Rect>)> = BTreeMap::new();
    for w in a {
        by_text.entry(&w.text).or_default().0.push(&w.bbox);
    }
    for w in b {
        by_text.entry(&w.text).or_default().1.push(&w.bbox);
    }
    let mut matched = 0;
    let mut moved = 0;
    let mut max_shift: f32 = 0.0;
    for (ra, rb) in by_text.values() {
        for (x, y) in pair_boxes(ra, rb) {
            matched += 1;
            let shift = edge_shift(x, y);
            max_shift = max_shift.max(shift);
            if shift > tolerance {
                moved += 1;
            }
        }
    }
    let total = a.len() + b.len();
    let f1 = if total == 0 {
        1.0
    } else {
        2.0 * matched as f64 / total as f64
    };
    WordStats {
        words_a: a.len(),
        words_b: b.len(),
        matched,
        f1,
        moved,
        max_shift,
    }
}

/// The largest distance any edge moved.
fn edge_shift(a: &Rect, b: &Rect) -> f32 {
    [(a.x0 - b.x0), (a.y0 - b.y0), (a.x1 - b.x1), (a.y1 - b.y1)]
        .into_iter()
        .fold(0.0, |m, d| m.max(d.abs()))
}

/// Pairs boxes of equal text: greedily nearest first, or in reading order when too many.
fn pair_boxes<'r>(a: &[&'r Rect], b: &[&'r Rect]) -> Vec<(&'r Rect, &'r Rect)> {
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    if a.len() * b.len() > MAX_PAIRS {
        let order = |v: &[&'r Rect]| {
            let mut v = v.to_vec();
            v.sort_by(|p, q| p.y0.total_cmp(&q.y0).then(p.x0.total_cmp(&q.x0)));
            v
        };
        return order(a).into_iter().zip(order(b)).collect();
    }
    let mut candidates: Vec<(f32, usize, usize)> = Vec::with_capacity(a.len() * b.len());
    for (i, x) in a.iter().enumerate() {
        for (j, y) in b.iter().enumerate() {
            candidates.push((edge_shift(x, y), i, j));
        }
    }
    candidates.sort_by(|p, q| p.0.total_cmp(&q.0).then((p.1, p.2).cmp(&(q.1, q.2))));
    let (mut used_a, mut used_b) = (vec![false; a.len()], vec![false; b.len()]);
    let mut pairs = Vec::new();
    for (_, i, j) in candidates {
        if !used_a[i] && !used_b[j] {
            used_a[i] = true;
            used_b[j] = true;
            pairs.push((a[i], b[j]));
        }
    }
    pairs
}

/// The words of a read document, page by page (pages keyed by their index in the file).
pub fn document_words(doc: &folio_doc::Document) -> BTreeMap<u32, Vec<PageWord>> {
    doc.pages
        .iter()
        .map(|p| {
            let words = p
                .words
                .iter()
                .map(|w| PageWord {
                    text: w.text.clone(),
                    bbox: w.bbox,
                })
                .collect();
            (p.index, words)
        })
        .collect()
}

/// Writes words as TSV, one a line: `page x0 y0 x1 y1 text`, pages from 1, boxes to 1/10 pt
/// (the move tolerance is points, and goldens stay small).
/// Tabs, newlines and backslashes in the text are escaped as `\t`, `\n`, `\\`.
pub fn words_to_tsv(pages: &BTreeMap<u32, Vec<PageWord>>) -> String {
    let mut out = String::from("page\tx0\ty0\tx1\ty1\ttext\n");
    for (index, words) in pages {
        for w in words {
            let r = w.bbox;
            out.push_str(&format!(
                "{}\t{:.1}\t{:.1}\t{:.1}\t{:.1}\t{}\n",
                index + 1,
                r.x0,
                r.y0,
                r.x1,
                r.y1,
                escape(&w.text)
            ));
        }
    }
    out
}

/// Reads the TSV written by [`words_to_tsv`]; an error names the line.
pub fn words_from_tsv(tsv: &str) -> Result<BTreeMap<u32, Vec<PageWord>>, String> {
    let mut pages: BTreeMap<u32, Vec<PageWord>> = BTreeMap::new();
    for (n, line) in tsv.lines().enumerate().skip(1) {
        if line.is_empty() {
            continue;
        }
        let bad = |what: &str| format!("line {}: {what}", n + 1);
        let cols: Vec<&str> = line.splitn(6, '\t').collect();
        let [page, x0, y0, x1, y1, text] = cols[..] else {
            return Err(bad("expected 6 tab-separated columns"));
        };
        let page: u32 = page.parse().map_err(|_| bad("page is not a number"))?;
        if page == 0 {
            return Err(bad("pages are numbered from 1"));
        }
        let num = |s: &str| {
            s.parse::<f32>()
                .map_err(|_| bad("coordinate is not a number"))
        };
        let bbox = Rect::new(num(x0)?, num(y0)?, num(x1)?, num(y1)?);
        pages.entry(page - 1).or_default().push(PageWord {
            text: unescape(text),
            bbox,
        });
    }
    Ok(pages)
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\t', "\\t")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str, x: f32, y: f32) -> PageWord {
        PageWord {
            text: text.into(),
            bbox: Rect::new(x, y, x + 20.0, y + 10.0),
        }
    }

    #[test]
    fn equal_pages_agree() {
        let a = [w("the", 0.0, 0.0), w("cat", 30.0, 0.0), w("the", 60.0, 0.0)];
        let s = compare_words(&a, &a, 2.0);
        assert_eq!((s.f1, s.moved, s.matched), (1.0, 0, 3));
    }

    #[test]
    fn one_moved_word_is_counted_once() {
        let a = [w("the", 0.0, 0.0), w("cat", 30.0, 0.0), w("the", 60.0, 0.0)];
        let b = [w("the", 0.0, 0.0), w("cat", 30.0, 5.0), w("the", 61.0, 0.0)];
        let s = compare_words(&a, &b, 2.0);
        assert_eq!((s.f1, s.moved), (1.0, 1));
        assert_eq!(s.max_shift, 5.0);
    }

    #[test]
    fn different_words_lower_f1() {
        let a = [w("a", 0.0, 0.0), w("b", 0.0, 0.0)];
        let b = [w("a", 0.0, 0.0), w("c", 0.0, 0.0)];
        assert_eq!(compare_words(&a, &b, 2.0).f1, 0.5);
        assert_eq!(compare_words(&[], &[], 2.0).f1, 1.0);
        assert_eq!(compare_words(&a, &[], 2.0).f1, 0.0);
    }

    #[test]
    fn tsv_round_trips_odd_text() {
        let mut pages = BTreeMap::new();
        pages.insert(
            2,
            vec![w("tab\there", 1.0, 2.0), w("back\\slash\nnl", 3.5, 4.5)],
        );
        let tsv = words_to_tsv(&pages);
        assert_eq!(words_from_tsv(&tsv).unwrap(), pages);
        assert!(
            tsv.lines()
                .nth(1)
                .unwrap()
                .starts_with("3\t1.0\t2.0\t21.0\t12.0\ttab\\there")
        );
        assert!(
            words_from_tsv("page\n1\t2\n")
                .unwrap_err()
                .contains("line 2")
        );
    }
}
