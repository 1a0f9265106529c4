//! Shared helpers for the corpus tests: where the corpus is, what its manifest says, how to
//! read a file without letting a hang or a panic take the test down, and how to compare our
//! words with `pdftotext -bbox`'s.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use folio_doc::{Document, Rect};
use folio_pdf::{ReadError, ReadOptions};
use unicode_normalization::UnicodeNormalization;

mod make;
mod output;
pub use output::{
    Collision, Digest, FitFigures, ImageFigures, Leftover, LinkFigures, ObjId, Run, fit_check,
    fonts, image_check, image_streams, leftover_source_words, letter_tokens, link_check,
    new_font_families, options, outline_titles, qpdf_check, text_pages, translate_file,
    unreferenced,
};

// Where the corpus and its files are, and what a missing one does: `folio-test-support`.
pub use folio_test_support::{corpus_dir, corpus_file, made_files, missing, tool};
pub use make::{one_page_pdf, scan_pdf};

/// Fails with every message at once, so one run shows every file that misses the bar.
#[track_caller]
pub fn judge(what: &str, failures: Vec<String>) {
    if !failures.is_empty() {
        panic!("{what}:\n  {}", failures.join("\n  "));
    }
}

/// The Bergamot engine for English → Brazilian Portuguese from the default models folder, or
/// `None` when no model is installed (reported by [`missing`]: a failure under CI).
#[track_caller]
pub fn bergamot_en_pt() -> Option<folio_translate::Bergamot> {
    let pair = folio_translate::LangPair::new("en", "pt-BR").expect("en and pt-BR are valid tags");
    match folio_translate::Bergamot::new(pair, &folio_translate::BergamotOptions::default()) {
        Ok(engine) => Some(engine),
        Err(e) => {
            missing(&format!(
                "no Bergamot model ({e}); run `folio models fetch` or scripts/fetch-models.sh"
            ));
            None
        }
    }
}

/// The pseudo engine with every reply's text passed through `rewrite`: an engine that loses
/// a marker, or writes a wider alphabet, on demand. Replies are not checked for their
/// language (the rewrite decides what they are).
pub struct RewrittenPseudo {
    /// The engine whose replies are rewritten.
    pub pseudo: folio_translate::Pseudo,
    /// What each reply's text becomes.
    pub rewrite: fn(&str) -> String,
}

impl folio_translate::Engine for RewrittenPseudo {
    fn info(&self) -> &folio_translate::EngineInfo {
        self.pseudo.info()
    }

    fn translate<'a>(
        &'a self,
        batch: folio_translate::Batch<'a>,
    ) -> folio_translate::BoxFuture<'a, folio_translate::Result<folio_translate::Reply>> {
        Box::pin(async move {
            let mut reply = self.pseudo.translate(batch).await?;
            for item in &mut reply.items {
                if let Ok(text) = &mut item.text {
                    *text = (self.rewrite)(text);
                }
            }
            Ok(reply)
        })
    }

    fn checks_language(&self) -> bool {
        false
    }
}

/// One row of `MANIFEST.tsv`.
#[derive(Debug, Clone)]
pub struct Entry {
    /// File name inside the corpus folder.
    pub file: String,
    /// The `kind` column: comma- and semicolon-separated tags.
    pub kind: String,
    /// Page count as the manifest gives it (`None` for `?`).
    pub pages: Option<u32>,
    /// The `notes` column.
    pub notes: String,
    /// The corpus folder the manifest was read from.
    dir: PathBuf,
}

impl Entry {
    /// Full path of the file.
    pub fn path(&self) -> PathBuf {
        self.dir.join(&self.file)
    }
}

/// The manifest's rows, in file order; `None` (reported by [`corpus_dir`]) without the corpus.
///
/// # Panics
/// When the corpus is there but its manifest cannot be read.
#[track_caller]
pub fn manifest() -> Option<Vec<Entry>> {
    let dir = corpus_dir()?;
    let path = dir.join("MANIFEST.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (set FOLIO_CORPUS to the corpus folder)",
            path.display()
        )
    });
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let (file, kind, pages, notes) = (col("file"), col("kind"), col("pages"), col("notes"));
    let rows = lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cells: Vec<&str> = l.split('\t').collect();
            let cell = |i: Option<usize>| {
                i.and_then(|i| cells.get(i))
                    .copied()
                    .unwrap_or("")
                    .to_string()
            };
            Entry {
                file: cell(file),
                kind: cell(kind),
                pages: cell(pages).parse().ok(),
                notes: cell(notes),
                dir: dir.clone(),
            }
        })
        .collect();
    Some(rows)
}

/// How a guarded read ended.
#[derive(Debug)]
// One value per read, matched at once: boxing the document would only cost the tests clarity.
#[allow(clippy::large_enum_variant)]
pub enum Outcome {
    /// The reader returned (a document or an error).
    Done(Result<Document, ReadError>),
    /// The reader panicked, with the panic's message.
    Panicked(String),
    /// The reader did not return in time.
    TimedOut,
}

/// Reads a file on its own thread, so a panic is caught and a hang is cut off after `limit`.
/// Also returns how long the read took.
pub fn read_guarded(path: &Path, options: ReadOptions, limit: Duration) -> (Outcome, Duration) {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return (
                Outcome::Panicked(format!("cannot read {}: {e}", path.display())),
                Duration::ZERO,
            );
        }
    };
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    let spawned = thread::Builder::new().stack_size(64 << 20).spawn(move || {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            folio_pdf::read(bytes, &options)
        }));
        let _ = tx.send(result);
    });
    if let Err(e) = spawned {
        return (
            Outcome::Panicked(format!("cannot spawn a thread: {e}")),
            Duration::ZERO,
        );
    }
    let outcome = match rx.recv_timeout(limit) {
        Ok(Ok(result)) => Outcome::Done(result),
        Ok(Err(panic)) => Outcome::Panicked(panic_message(&*panic)),
        Err(_) => Outcome::TimedOut,
    };
    (outcome, start.elapsed())
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".into()
    }
}

/// A word with its box, as compared.
#[derive(Debug, Clone, PartialEq)]
pub struct BoxWord {
    /// The text, NFKC-normalised.
    pub text: String,
    /// Its box (points, top-left origin, y down).
    pub bbox: Rect,
}

/// Normalises a word for comparison: Unicode NFKC, nothing else.
pub fn normalize(text: &str) -> String {
    text.nfkc().collect()
}

/// Our words, page by page, normalised (empty words dropped).
///
/// `pdftotext` drops every character whose centre lies off the page (text running past the
/// right margin, say); we keep them, since they are in the file. To compare like with like,
/// such glyphs are left out of our words here.
pub fn our_words(doc: &Document) -> Vec<Vec<BoxWord>> {
    doc.pages
        .iter()
        .map(|p| {
            let on_page = |g: u32| {
                let c = p.glyphs[g as usize].bbox.center();
                (0.0..=p.width).contains(&c.x) && (0.0..=p.height).contains(&c.y)
            };
            p.words
                .iter()
                .filter_map(|w| {
                    if w.glyphs.iter().all(|&g| on_page(g)) {
                        return Some(BoxWord {
                            text: normalize(&w.text),
                            bbox: w.bbox,
                        });
                    }
                    let kept: Vec<u32> = w.glyphs.iter().copied().filter(|&g| on_page(g)).collect();
                    let text: String = kept
                        .iter()
                        .map(|&g| p.glyphs[g as usize].text.as_str())
                        .collect();
                    let x = Rect::bounding(kept.iter().flat_map(|&g| {
                        let b = p.glyphs[g as usize].bbox;
                        [
                            folio_doc::Point { x: b.x0, y: b.y0 },
                            folio_doc::Point { x: b.x1, y: b.y1 },
                        ]
                    }))?;
                    Some(BoxWord {
                        text: normalize(&text),
                        bbox: Rect {
                            x0: x.x0,
                            x1: x.x1,
                            ..w.bbox
                        },
                    })
                })
                .filter(|w| !w.text.trim().is_empty())
                .collect()
        })
        .collect()
}

/// Runs `pdftotext -bbox` on a file and parses its words, page by page. `Err` says why it
/// could not run.
pub fn pdftotext_words(path: &Path) -> Result<Vec<Vec<BoxWord>>, String> {
    Ok(pdftotext_pages(path)?
        .into_iter()
        .map(|p| p.words)
        .collect())
}

/// One page as `pdftotext -bbox` sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextPage {
    /// The page's width and height in points (its crop box).
    pub width: f32,
    /// See [`TextPage::width`].
    pub height: f32,
    /// Its words, in pdftotext's order.
    pub words: Vec<BoxWord>,
}

/// Runs `pdftotext -bbox` on a file and parses its pages: size and words. `Err` says why it
/// could not run.
pub fn pdftotext_pages(path: &Path) -> Result<Vec<TextPage>, String> {
    let out = Command::new("pdftotext")
        .arg("-bbox")
        // Coordinates relative to the crop box, the page as displayed (as ours are); by
        // default pdftotext measures from the media box's top.
        .arg("-cropbox")
        .arg("-q")
        .arg(path)
        .arg("-")
        .output()
        .map_err(|e| format!("cannot run pdftotext (install poppler-utils): {e}"))?;
    if !out.status.success() && out.stdout.is_empty() {
        return Err(format!(
            "pdftotext failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(parse_bbox_html(&String::from_utf8_lossy(&out.stdout)))
}

/// Parses `pdftotext -bbox` output: `<page width=… height=…>` then
/// `<word xMin=… yMin=… xMax=… yMax=…>text</word>`.
pub fn parse_bbox_html(html: &str) -> Vec<TextPage> {
    let attr = |attrs: &str, name: &str| -> f32 {
        attrs
            .split_whitespace()
            .find_map(|a| {
                a.strip_prefix(name)?
                    .strip_prefix("=\"")?
                    .trim_end_matches('>')
                    .strip_suffix('"')?
                    .parse()
                    .ok()
            })
            .unwrap_or(0.0)
    };
    let mut pages: Vec<TextPage> = Vec::new();
    for line in html.lines() {
        let line = line.trim();
        if let Some(attrs) = line.strip_prefix("<page ") {
            pages.push(TextPage {
                width: attr(attrs, "width"),
                height: attr(attrs, "height"),
                words: Vec::new(),
            });
        } else if let Some(rest) = line.strip_prefix("<word ") {
            let Some((attrs, tail)) = rest.split_once('>') else {
                continue;
            };
            let text = tail.strip_suffix("</word>").unwrap_or(tail);
            let at = |name| attr(attrs, name);
            let bbox = Rect::new(at("xMin"), at("yMin"), at("xMax"), at("yMax"));
            let text = normalize(&unescape(text));
            if let Some(page) = pages.last_mut()
                && !text.trim().is_empty()
            {
                page.words.push(BoxWord { text, bbox });
            }
        }
    }
    pages
}

fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let ch = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Agreement of one page (or a sum of pages).
#[derive(Debug, Clone, Copy, Default)]
pub struct Score {
    /// Our words.
    pub ours: usize,
    /// pdftotext's words.
    pub theirs: usize,
    /// Words in both bags (multiset intersection).
    pub matched: usize,
    /// Matched words whose box centres are within the distance asked.
    pub close: usize,
}

impl Score {
    /// Adds another page's counts.
    pub fn add(&mut self, o: &Score) {
        self.ours += o.ours;
        self.theirs += o.theirs;
        self.matched += o.matched;
        self.close += o.close;
    }

    /// Bag-of-words F1 (1 when both are empty).
    pub fn f1(&self) -> f64 {
        if self.ours + self.theirs == 0 {
            return 1.0;
        }
        2.0 * self.matched as f64 / (self.ours + self.theirs) as f64
    }

    /// Share of matched words whose centres agree (1 when nothing matched).
    pub fn centre_share(&self) -> f64 {
        if self.matched == 0 {
            return 1.0;
        }
        self.close as f64 / self.matched as f64
    }
}

/// Compares one page's bags of words, pairing equal words nearest first, and counts the
/// pairs whose box centres are within `tolerance` points (Euclidean).
/// Returns the score and, for diagnostics, the unmatched words of each side.
pub fn compare_page(
    ours: &[BoxWord],
    theirs: &[BoxWord],
    tolerance: f32,
) -> (Score, Vec<BoxWord>, Vec<BoxWord>) {
    let mut by_text: HashMap<&str, (Vec<usize>, Vec<usize>)> = HashMap::new();
    for (i, w) in ours.iter().enumerate() {
        by_text.entry(w.text.as_str()).or_default().0.push(i);
    }
    for (i, w) in theirs.iter().enumerate() {
        by_text.entry(w.text.as_str()).or_default().1.push(i);
    }
    let mut score = Score {
        ours: ours.len(),
        theirs: theirs.len(),
        ..Score::default()
    };
    let mut lost_ours = Vec::new();
    let mut lost_theirs = Vec::new();
    let dist = |a: &Rect, b: &Rect| {
        let (ca, cb) = (a.center(), b.center());
        ((ca.x - cb.x).powi(2) + (ca.y - cb.y).powi(2)).sqrt()
    };
    let mut texts: Vec<&&str> = by_text.keys().collect();
    texts.sort();
    for text in texts {
        let (a, b) = &by_text[*text];
        let n = a.len().min(b.len());
        score.matched += n;
        // Greedy nearest pairs (exact enough: equal words are rarely close to each other).
        let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
        if a.len() * b.len() <= 4_000_000 {
            for &i in a {
                for &j in b {
                    pairs.push((dist(&ours[i].bbox, &theirs[j].bbox), i, j));
                }
            }
        }
        pairs.sort_by(|x, y| x.0.total_cmp(&y.0));
        let mut used_a = std::collections::HashSet::new();
        let mut used_b = std::collections::HashSet::new();
        for (d, i, j) in pairs {
            if used_a.contains(&i) || used_b.contains(&j) {
                continue;
            }
            used_a.insert(i);
            used_b.insert(j);
            if d <= tolerance {
                score.close += 1;
            }
        }
        if a.len() > n {
            lost_ours.extend(
                a.iter()
                    .filter(|i| !used_a.contains(*i))
                    .map(|&i| ours[i].clone()),
            );
        }
        if b.len() > n {
            lost_theirs.extend(
                b.iter()
                    .filter(|j| !used_b.contains(*j))
                    .map(|&j| theirs[j].clone()),
            );
        }
    }
    (score, lost_ours, lost_theirs)
}

/// Pairs of words whose boxes overlap by more than 30% of the smaller one's area.
pub fn overlapping_pairs(words: &[BoxWord]) -> usize {
    let mut boxes: Vec<Rect> = words
        .iter()
        .map(|w| w.bbox)
        .filter(|b| b.area() > 0.0)
        .collect();
    boxes.sort_by(|a, b| a.y0.total_cmp(&b.y0));
    let mut pairs = 0;
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            if b.y0 >= a.y1 {
                break;
            }
            let w = a.x1.min(b.x1) - a.x0.max(b.x0);
            let h = a.y1.min(b.y1) - a.y0.max(b.y0);
            if w > 0.0 && h > 0.0 && w * h > 0.3 * a.area().min(b.area()) {
                pairs += 1;
            }
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pdftotext_bbox() {
        let html = "<doc>\n  <page width=\"612\" height=\"792\">\n    <word xMin=\"1.5\" yMin=\"2\" xMax=\"3\" yMax=\"4\">a&amp;b</word>\n  </page>\n  <page width=\"612\" height=\"792\">\n  </page>\n</doc>";
        let pages = parse_bbox_html(html);
        assert_eq!(pages.len(), 2);
        assert_eq!((pages[0].width, pages[0].height), (612.0, 792.0));
        assert_eq!(
            pages[0].words,
            vec![BoxWord {
                text: "a&b".into(),
                bbox: Rect::new(1.5, 2.0, 3.0, 4.0)
            }]
        );
        assert!(pages[1].words.is_empty());
    }

    #[test]
    fn scores_bags_and_centres() {
        let w = |t: &str, x: f32| BoxWord {
            text: t.into(),
            bbox: Rect::new(x, 0.0, x + 10.0, 10.0),
        };
        let ours = [w("a", 0.0), w("b", 20.0), w("c", 40.0)];
        let theirs = [w("a", 1.0), w("b", 25.0), w("d", 40.0)];
        let (s, lo, lt) = compare_page(&ours, &theirs, 2.0);
        assert_eq!((s.matched, s.close), (2, 1));
        assert!((s.f1() - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!((lo[0].text.as_str(), lt[0].text.as_str()), ("c", "d"));
    }

    #[test]
    fn normalizes_ligatures() {
        assert_eq!(normalize("ﬁne"), "fine");
    }
}
