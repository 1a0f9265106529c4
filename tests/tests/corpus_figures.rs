//! The fidelity figures over every document the tests have: the whole corpus (`FOLIO_CORPUS`,
//! its `MANIFEST.tsv`) and the documents made for the tests (`tests/corpus/made/`). This is
//! what says whether Folio holds on documents nobody tuned it for.
//!
//! Per file, printed (`cargo test -p folio-tests --test corpus_figures -- --nocapture`):
//! - `identity`: the share of text pages whose render matches the input's (SSIM ≥ 0.98); over
//!   all files it must be at least 95%.
//! - `pseudo` (+35% longer text): word pairs overlapping by more than 30% of the smaller word
//!   and words crossing the page's edge, both counted from the output's own word boxes as
//!   `pdftotext -bbox` gives them (less the words a clip hides, which no reader sees), never
//!   more than the input's; source words left in the output at most 2% of those that should
//!   have gone.
//!
//! Files the reader must refuse (encrypted with a password, broken beyond repair, scans) end
//! with their error, printed; any other file that fails to translate fails the test. Files
//! longer than [`MAX_PAGES`] are cut to their first pages to keep the run short.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use folio_doc::{Document, Glyph};
use folio_tests::{
    BoxWord, Run, TextPage, judge, leftover_source_words, made_files, manifest, overlapping_pairs,
    pdftotext_pages, tool, translate_file,
};

/// Pages translated per file at most (from the first).
const MAX_PAGES: u32 = 20;

/// One document to measure.
struct Doc {
    /// The file name.
    name: String,
    path: PathBuf,
    /// The pages to translate (`None`: all).
    pages: Option<String>,
    /// The reader may refuse it: the manifest says it is encrypted, malformed or scanned.
    may_fail: bool,
}

/// The corpus's files and the made documents; `None` (reported) without the corpus.
fn documents() -> Option<Vec<Doc>> {
    let mut docs: Vec<Doc> = manifest()?
        .into_iter()
        .map(|entry| Doc {
            name: entry.file.clone(),
            path: entry.path(),
            pages: match entry.pages {
                Some(n) if n <= MAX_PAGES => None,
                _ => Some(format!("1-{MAX_PAGES}")),
            },
            may_fail: ["encrypted", "malformed", "scanned"]
                .iter()
                .any(|k| entry.kind.contains(k)),
        })
        .collect();
    for path in made_files("") {
        docs.push(Doc {
            name: format!("made/{}", path.file_name().unwrap_or_default().display()),
            path,
            pages: None,
            may_fail: false,
        });
    }
    Some(docs)
}

/// Every document translated with `engine` (its error when it has none), shared by the tests.
fn runs(engine: &'static str) -> Option<&'static [(Doc, Result<Run, String>)]> {
    static PSEUDO: OnceLock<Vec<(Doc, Result<Run, String>)>> = OnceLock::new();
    static IDENTITY: OnceLock<Vec<(Doc, Result<Run, String>)>> = OnceLock::new();
    let cell = match engine {
        "pseudo" => &PSEUDO,
        _ => &IDENTITY,
    };
    if cell.get().is_none() {
        let docs = documents()?;
        let _ = cell.set(
            docs.into_iter()
                .map(|doc| {
                    let run = translate_file(&doc.path, engine, doc.pages.as_deref());
                    (doc, run)
                })
                .collect(),
        );
    }
    cell.get().map(Vec::as_slice)
}

/// The failures of files that must translate; prints the others' errors.
fn unexpected_errors(all: &[(Doc, Result<Run, String>)], engine: &str) -> Vec<String> {
    let mut failures = Vec::new();
    for (doc, run) in all {
        if let Err(e) = run {
            let first = e.lines().next().unwrap_or_default();
            if doc.may_fail {
                println!("{engine:>8} {}: refused as it should be: {first}", doc.name);
            } else {
                failures.push(format!("{}: {first}", doc.name));
            }
        }
    }
    failures
}

/// Identity: at least 95% of all text pages render as the input does (SSIM ≥ 0.98).
#[test]
fn identity_looks_the_same_on_every_document() {
    let Some(all) = runs("identity") else {
        return;
    };
    let mut failures = unexpected_errors(all, "identity");
    let (mut good, mut total) = (0usize, 0usize);
    for (doc, run) in all {
        let Ok(run) = run else { continue };
        let ssims = match run.text_page_ssims() {
            Ok(ssims) => ssims,
            Err(e) => {
                failures.push(format!("cannot compare: {e}"));
                continue;
            }
        };
        let ok = ssims.iter().filter(|&&s| s >= 0.98).count();
        let min = ssims.iter().copied().fold(1.0, f64::min);
        println!(
            "identity {}: {ok}/{} text page(s) at SSIM ≥ 0.98 (min {min:.3})",
            doc.name,
            ssims.len()
        );
        good += ok;
        total += ssims.len();
    }
    let share = good as f64 / total.max(1) as f64;
    println!(
        "identity, all documents: {good}/{total} text pages at SSIM ≥ 0.98 ({:.1}%)",
        100.0 * share
    );
    if share < 0.95 {
        failures.push(format!(
            "{good}/{total} text pages at SSIM ≥ 0.98, fewer than 95%"
        ));
    }
    judge("identity output looks different", failures);
}

/// Overlapping word pairs and words across the page's edge on the pages of `selected`.
#[derive(Debug, Default, Clone, Copy)]
struct Crowding {
    /// Word pairs whose boxes overlap by more than 30% of the smaller box.
    collisions: usize,
    /// Words whose box crosses the page's edge by more than a point.
    off_page: usize,
}

fn crowding(pages: &[TextPage], selected: &dyn Fn(u32) -> bool, doc: &Document) -> Crowding {
    let mut c = Crowding::default();
    for (i, page) in pages.iter().enumerate() {
        if !selected(i as u32) {
            continue;
        }
        let hidden = hidden_glyphs(doc, i as u32);
        let words: Vec<BoxWord> = page
            .words
            .iter()
            .filter(|w| !starts_hidden(w, &hidden))
            .cloned()
            .collect();
        c.collisions += overlapping_pairs(&words);
        // The page as displayed: `pdftotext` gives a rotated page's words turned but its size
        // unturned.
        let (width, height) = doc
            .pages
            .iter()
            .find(|p| p.index == i as u32)
            .map_or((page.width, page.height), |p| (p.width, p.height));
        c.off_page += words
            .iter()
            .filter(|w| {
                let b = w.bbox;
                b.x0 < -1.0 || b.y0 < -1.0 || b.x1 > width + 1.0 || b.y1 > height + 1.0
            })
            .count();
    }
    c
}

/// The glyphs a clip hides on page `index` of `doc`, as our reader sees them: no reader of
/// the page sees them, though `pdftotext` gives them as words.
fn hidden_glyphs(doc: &Document, index: u32) -> Vec<&Glyph> {
    doc.pages
        .iter()
        .filter(|p| p.index == index)
        .flat_map(|p| &p.glyphs)
        .filter(|g| g.clipped_away())
        .collect()
}

/// Whether a `pdftotext` word starts with a hidden glyph: its first letter, where it begins.
fn starts_hidden(word: &BoxWord, hidden: &[&Glyph]) -> bool {
    let b = word.bbox;
    let Some(first) = word.text.chars().next() else {
        return false;
    };
    hidden.iter().any(|g| {
        let cy = (g.bbox.y0 + g.bbox.y1) / 2.0;
        (g.bbox.x0 - b.x0).abs() < 1.0 && b.y0 <= cy && cy <= b.y1 && g.text.starts_with(first)
    })
}

/// `pdftotext -bbox` of some bytes, through a file in `dir`.
fn text_pages_of(bytes: &[u8], dir: &Path, name: &str) -> Result<Vec<TextPage>, String> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    let pages = pdftotext_pages(&path);
    let _ = std::fs::remove_file(&path);
    pages
}

/// Files that do not meet the crowding bar yet, each with the most it may have and why: all
/// are sources in scripts the pipeline does not handle yet (right-to-left, stacked marks).
/// Everything else must meet the bar; a listed file must not get worse. A file that meets the
/// bar is printed so its line can go.
const NOT_YET: &[Crowded] = &[Crowded {
    file: "libreoffice-burmese-padauk-features-landscape.pdf",
    collisions: 4,
    off_page: 0,
    why: "Burmese source: pdftotext splits stacked marks into words of their own (complex \
              scripts: not handled yet)",
}];

/// A file's allowance in [`NOT_YET`].
struct Crowded {
    file: &'static str,
    collisions: usize,
    off_page: usize,
    why: &'static str,
}

/// Pseudo at +35%: no more overlapping words and no more words off the page than the input
/// has (or than [`NOT_YET`] allows), and at most 2% of the source words left.
#[test]
fn pseudo_fits_on_every_document() {
    if !tool("pdftotext", "poppler-utils") {
        return;
    }
    let Some(all) = runs("pseudo") else {
        return;
    };
    let mut failures = unexpected_errors(all, "pseudo");
    let dir = std::env::temp_dir().join(format!("folio-figures-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let (mut sum_in, mut sum_out, mut sum_left, mut sum_gone) = (0, 0, 0, 0);
    for (doc, run) in all {
        let Ok(run) = run else { continue };
        let pages = |bytes: &[u8], side: &str| text_pages_of(bytes, &dir, side);
        let (input, output) = match (pages(&run.input, "in.pdf"), pages(&run.output, "out.pdf")) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) | (_, Err(e)) => {
                failures.push(format!("{}: {e}", doc.name));
                continue;
            }
        };
        let selected = |i: u32| run.pages.as_ref().is_none_or(|p| p.contains(i));
        let (a, b) = (
            crowding(&input, &selected, &run.input_doc),
            crowding(&output, &selected, &run.output_doc),
        );
        let (gone, left) = leftover_source_words(run);
        let left: usize = left.iter().map(|l| l.extra).sum();
        let share = left as f64 / gone.max(1) as f64;
        println!(
            "  pseudo {}: overlapping pairs {} → {}, off the page {} → {}, source words left {left}/{gone} ({:.1}%)",
            doc.name,
            a.collisions,
            b.collisions,
            a.off_page,
            b.off_page,
            100.0 * share
        );
        (sum_in, sum_out) = (sum_in + a.collisions, sum_out + b.collisions);
        (sum_left, sum_gone) = (sum_left + left, sum_gone + gone);
        let allowed = NOT_YET.iter().find(|c| c.file == doc.name);
        let (max_collisions, max_off) = allowed.map_or((a.collisions, a.off_page), |c| {
            (c.collisions.max(a.collisions), c.off_page.max(a.off_page))
        });
        if b.collisions > max_collisions {
            failures.push(format!(
                "{}: {} overlapping word pairs, the input has {}, at most {max_collisions} allowed",
                doc.name, b.collisions, a.collisions
            ));
        }
        if b.off_page > max_off {
            failures.push(format!(
                "{}: {} words off the page, the input has {}, at most {max_off} allowed",
                doc.name, b.off_page, a.off_page
            ));
        }
        if let Some(c) = allowed {
            if b.collisions <= a.collisions && b.off_page <= a.off_page {
                println!("    now meets the bar: {} can leave NOT_YET", c.file);
            } else {
                println!("    not yet: {}", c.why);
            }
        }
        if share > 0.02 {
            failures.push(format!(
                "{}: {left} of {gone} source words left ({:.1}%)",
                doc.name,
                100.0 * share
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "  pseudo, all documents: overlapping pairs {sum_in} → {sum_out}, source words left {sum_left}/{sum_gone}"
    );
    judge(
        "pseudo output crowds its words or leaves source text",
        failures,
    );
}
