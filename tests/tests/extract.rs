//! Extraction over the whole corpus (`MANIFEST.tsv`, folder from `FOLIO_CORPUS`):
//! - every file reads without a panic or a hang, or fails with its clear error;
//! - the error messages of the encrypted and broken files say what to do;
//! - scanned files have scanned pages;
//! - on every file whose `pdftotext -bbox` output is trustworthy, our words agree with it:
//!   bag-of-words F1 ≥ 0.98 and ≥ 95% of matched words with box centres within 2 pt;
//! - fonts without `/ToUnicode` still give the right text where the encoding allows.
//!
//! Run with `cargo test -p folio-tests --test extract -- --nocapture` to see the table.

use std::time::Duration;

use folio_doc::PageKind;
use folio_pdf::{ReadError, ReadOptions};
use folio_tests::{
    Entry, Outcome, Score, compare_page, manifest, our_words, pdftotext_words, read_guarded,
};

/// A read slower than this is a hang.
const LIMIT: Duration = Duration::from_secs(60);

/// Bag-of-words F1 asked of every compared file.
const MIN_F1: f64 = 0.98;

/// Share of matched words whose box centres must be within [`CENTRE_TOLERANCE`] of pdftotext's.
const MIN_CENTRES: f64 = 0.95;

/// Distance between box centres that counts as agreement, in points.
const CENTRE_TOLERANCE: f32 = 2.0;

/// Files where `pdftotext` itself is wrong, so agreeing with it would be wrong too.
/// Each is excluded from the comparison (not from the other checks) for the reason given.
const PDFTOTEXT_WRONG: &[(&str, &str)] = &[
    (
        "rtl-arabic-word-scheherazade-features.pdf",
        "its sample tables draw the superscript alef (U+0670) with no advance back over each \
         letter form; pdftotext takes that for an overlap and gives the mark as a word of its \
         own (136 times: 'ٰ'), where it belongs to its letter ('ئٰ')",
    ),
    (
        "rtl-urdu-nastaliq-libreoffice-landscape.pdf",
        "pdftotext gives the Nastaliq words in drawing order, reversed ('قوقح' for 'حقوق', \
         'ںون' for 'نوں', 'وج' for 'جو'); we give logical order",
    ),
    (
        "cyrillic-lshort-ru-153p-type3-mojibake.pdf",
        "MANIFEST: Cyrillic in Type 3 and Type 1 fonts without ToUnicode extracts as mojibake \
         (CP1251 bytes read as Latin-1) in pdftotext",
    ),
    (
        "slides-arabic-beamer-type3.pdf",
        "MANIFEST: Arabic in Type 3 fonts with a custom encoding extracts partly garbled in pdftotext",
    ),
    (
        "table-excel-hebrew-ezra-chart-rotated.pdf",
        "MANIFEST: the legacy-encoded SIL Ezra font gives legacy codes, not Unicode Hebrew, \
         in pdftotext",
    ),
    (
        "broken-truncated-unreadable-metadata.pdf",
        "MANIFEST: the page tree is unrecoverable for poppler (pdftotext gives 4 empty pages); \
         we recover the text of a datasheet ('+105°C', '(Pull-ON,', '12/10/09'), so there is \
         nothing to compare with",
    ),
    (
        "thai-polyglossia-example.pdf",
        "pdftotext breaks Thai words where a zero-advance mark is drawn back over its base \
         ('ตระหนัก' comes out as 'ตระหนั' + 'ก'); Thai has no spaces, so its word bag is \
         not a reference",
    ),
    (
        "rtl-hebrew-reledmac-critical-edition.pdf",
        "pdftotext breaks pointed Hebrew at every vowel point and cantillation mark (each is \
         drawn with no advance back over its letter, which poppler takes for an overlap), so \
         'בְּרֵאשִׁית' comes out as fragments such as 'ְו', '\u{596}', 'ךְ' in visual order; \
         its word bag is not a reference",
    ),
    (
        "rtl-arabic-xelatex-book.pdf",
        "XeTeX draws Arabic glyph by glyph from left to right (visual order) and pdftotext keeps \
         the drawing order, so every Arabic word comes out reversed ('ةيبرعلا' for 'العربية'); \
         we give logical order",
    ),
    (
        "rtl-arabic-weasyprint-habibi.pdf",
        "WeasyPrint's ToUnicode maps the Latin font's 'h' to 'حَبيبي h' and one Arabic glyph to \
         'حَبيبي ' again: pdftotext reports the one Arabic word twice; the page shows it once",
    ),
];

/// Files whose math fonts `pdftotext` reads wrongly: only words made of letters, digits and
/// ordinary punctuation are compared (on both sides; see [`plain_word`]), for the reason given.
const PDFTOTEXT_MATH_GARBLED: &[(&str, &str)] = &[
    (
        "book-geotopo-de-117p-math-linearized.pdf",
        "its Computer Modern math fonts (CMSY, CMEX, MSBM) have no ToUnicode; pdftotext reads \
         their built-in encoding codes as text ('k' for ‖, '6=' for ≠, 'hx' for 〈x, '[' for ⋃, \
         control characters for ⋂ and ■), where we take Unicode from the glyph names",
    ),
    (
        "cjk-lshort-zh-cn-139p.pdf",
        "its math chapter's CMEX/CMSY fonts have no ToUnicode; pdftotext gives their codes \
         ('P' for ∑, 'Z' for ∫, 'k' for ∥, U+F8F4 and control characters for brace pieces), \
         where we take Unicode from the glyph names. The filter also drops the runs holding \
         full-width punctuation ('。'), where pdftotext ends some CJK runs and we don't \
         (17,725 of our 24,116 words are compared)",
    ),
];

/// Whether a word is plain text: letters, digits and ordinary punctuation only, no math
/// symbol and no control character.
fn plain_word(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_alphanumeric() || ".,;:!?'\"()-–—/%’‘“”„«»…".contains(c))
}

/// Files where `pdftotext`'s words are right but its boxes are not: the F1 is checked, the
/// centres are not.
const PDFTOTEXT_BOXES_WRONG: &[(&str, &str)] = &[(
    "cjk-ja-miyazawa-jo-no-tounicode.pdf",
    "vertical writing (Identity-V): a glyph hangs below its vertical origin (ISO 32000-2, \
     9.7.4.3), but pdftotext's boxes end at it, one em (9.6 pt) above the drawn glyphs",
)];

/// Files where we fall short of pdftotext for a reason that is ours, known and not yet fixed.
/// They are held to the F1 they reach today (a regression still fails the test) and listed in
/// the output, so the gap stays visible until it is closed.
const KNOWN_GAPS: &[(&str, f64, &str)] = &[];

/// Files that are expected not to open, with the error they must give.
const EXPECTED_ERRORS: &[(&str, &str)] = &[
    (
        "broken-header-only-invalid.pdf",
        "the PDF is damaged beyond repair: no page tree found",
    ),
    (
        "encrypted-user-password-libreoffice.pdf",
        "the PDF is encrypted and needs a user password",
    ),
];

fn is_malformed_or_encrypted(e: &Entry) -> bool {
    e.kind.contains("malformed") || e.kind.contains("encrypted")
}

#[test]
fn every_file_reads_or_fails_clearly() {
    let Some(entries) = manifest() else {
        return;
    };
    let mut failures = Vec::new();
    for entry in entries {
        let (outcome, took) = read_guarded(&entry.path(), ReadOptions::default(), LIMIT);
        match outcome {
            Outcome::Done(Ok(doc)) => {
                if let Some(n) = entry.pages
                    && doc.pages.len() as u32 != n
                    && !is_malformed_or_encrypted(&entry)
                {
                    failures.push(format!(
                        "{}: read {} pages, the manifest says {n}",
                        entry.file,
                        doc.pages.len()
                    ));
                }
            }
            Outcome::Done(Err(e)) => {
                if !is_malformed_or_encrypted(&entry) {
                    failures.push(format!("{}: a sound file failed to read: {e}", entry.file));
                } else if e.to_string().is_empty() {
                    failures.push(format!("{}: empty error message", entry.file));
                }
                println!("{}: {e} (hint: {})", entry.file, e.hint().unwrap_or("-"));
            }
            Outcome::Panicked(msg) => failures.push(format!("{}: PANIC: {msg}", entry.file)),
            Outcome::TimedOut => {
                failures.push(format!("{}: HANG: no result after {LIMIT:?}", entry.file))
            }
        }
        if took > Duration::from_secs(10) {
            println!("{}: slow read ({took:?})", entry.file);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[track_caller]
fn read_err(file: &str, options: ReadOptions) -> ReadError {
    let path = folio_tests::corpus_file(file).unwrap_or_else(|| panic!("{file}: not found"));
    match read_guarded(&path, options, LIMIT).0 {
        Outcome::Done(Err(e)) => e,
        Outcome::Done(Ok(_)) => panic!("{file}: read, but should have failed"),
        other => panic!("{file}: {other:?}"),
    }
}

#[test]
fn error_messages_say_what_to_do() {
    // Its files are not in the repository (CC-BY-SA).
    if folio_tests::corpus_dir().is_none() {
        return;
    }
    for (file, message) in EXPECTED_ERRORS {
        let e = read_err(file, ReadOptions::default());
        assert_eq!(e.to_string(), *message, "{file}");
        assert!(e.hint().is_some(), "{file}: no hint");
    }
    let e = read_err(
        "encrypted-user-password-libreoffice.pdf",
        ReadOptions::default(),
    );
    assert_eq!(e, ReadError::PasswordRequired);
    assert_eq!(e.hint(), Some("pass the user password with --password"));
    let e = read_err("broken-header-only-invalid.pdf", ReadOptions::default());
    assert_eq!(
        e.hint(),
        Some("the file is too damaged to repair; open it in a viewer and save a new copy")
    );

    let wrong = ReadOptions {
        password: Some("nope".into()),
        ..ReadOptions::default()
    };
    let e = read_err("encrypted-user-password-libreoffice.pdf", wrong);
    assert_eq!(e, ReadError::WrongPassword);
    assert_eq!(e.to_string(), "the password does not open this PDF");

    // With the right password it opens, and has text.
    let right = ReadOptions {
        password: Some("openpassword".into()),
        ..ReadOptions::default()
    };
    let path = folio_tests::corpus_file("encrypted-user-password-libreoffice.pdf")
        .expect("it was read above");
    match read_guarded(&path, right, LIMIT).0 {
        Outcome::Done(Ok(doc)) => {
            assert!(doc.info.encrypted);
            assert!(doc.pages[0].words.len() > 20, "{:?}", doc.pages[0].text());
        }
        other => panic!("with its password: {other:?}"),
    }
}

#[test]
fn scanned_files_have_scanned_pages() {
    let Some(entries) = manifest() else {
        return;
    };
    for entry in entries.iter().filter(|e| e.file.starts_with("scan-")) {
        match read_guarded(&entry.path(), ReadOptions::default(), LIMIT).0 {
            Outcome::Done(Ok(doc)) => {
                for page in &doc.pages {
                    assert_eq!(
                        page.kind,
                        PageKind::Scanned,
                        "{} page {}",
                        entry.file,
                        page.index + 1
                    );
                }
            }
            other => panic!("{}: {other:?}", entry.file),
        }
    }
}

/// One file's comparison with pdftotext.
struct FileScore {
    file: String,
    pages: usize,
    score: Score,
    /// Unmatched words, ours and theirs, with page numbers, for the failure report.
    lost_ours: Vec<(usize, String)>,
    lost_theirs: Vec<(usize, String)>,
    /// Matched words whose centres disagree: (page, text, ours, theirs).
    far: Vec<String>,
}

fn compare_file(entry: &Entry) -> Result<FileScore, String> {
    let theirs = pdftotext_words(&entry.path())?;
    let doc = match read_guarded(&entry.path(), ReadOptions::default(), LIMIT).0 {
        Outcome::Done(Ok(doc)) => doc,
        other => return Err(format!("did not read: {other:?}")),
    };
    let mut ours = our_words(&doc);
    let mut theirs = theirs;
    if PDFTOTEXT_MATH_GARBLED.iter().any(|(f, _)| *f == entry.file) {
        for page in ours.iter_mut().chain(theirs.iter_mut()) {
            page.retain(|w| plain_word(&w.text));
        }
    }
    if ours.len() != theirs.len() {
        // A damaged file may be repaired into a different page count; a sound one may not.
        if !is_malformed_or_encrypted(entry) {
            return Err(format!(
                "{} pages read, pdftotext has {}",
                ours.len(),
                theirs.len()
            ));
        }
        let n = ours.len().max(theirs.len());
        ours.resize(n, Vec::new());
        theirs.resize(n, Vec::new());
    }
    let mut fs = FileScore {
        file: entry.file.clone(),
        pages: ours.len(),
        score: Score::default(),
        lost_ours: Vec::new(),
        lost_theirs: Vec::new(),
        far: Vec::new(),
    };
    for (page, (o, t)) in ours.iter().zip(&theirs).enumerate() {
        let (s, lo, lt) = compare_page(o, t, CENTRE_TOLERANCE);
        fs.score.add(&s);
        fs.lost_ours
            .extend(lo.into_iter().map(|w| (page + 1, w.text)));
        fs.lost_theirs
            .extend(lt.into_iter().map(|w| (page + 1, w.text)));
        if s.close < s.matched && fs.far.len() < 8 {
            // Show a few matched-but-far words.
            for w in o {
                if fs.far.len() >= 8 {
                    break;
                }
                let near = t.iter().filter(|x| x.text == w.text).min_by(|a, b| {
                    let d = |x: &folio_tests::BoxWord| {
                        (x.bbox.center().x - w.bbox.center().x).abs()
                            + (x.bbox.center().y - w.bbox.center().y).abs()
                    };
                    d(a).total_cmp(&d(b))
                });
                if let Some(x) = near {
                    let (a, b) = (w.bbox, x.bbox);
                    let d = ((a.center().x - b.center().x).powi(2)
                        + (a.center().y - b.center().y).powi(2))
                    .sqrt();
                    if d > CENTRE_TOLERANCE {
                        fs.far.push(format!(
                            "p{} {:?} ours [{:.1} {:.1} {:.1} {:.1}] theirs [{:.1} {:.1} {:.1} {:.1}]",
                            page + 1,
                            w.text,
                            a.x0,
                            a.y0,
                            a.x1,
                            a.y1,
                            b.x0,
                            b.y0,
                            b.x1,
                            b.y1
                        ));
                    }
                }
            }
        }
    }
    Ok(fs)
}

#[test]
fn words_agree_with_pdftotext() {
    let Some(all) = manifest() else {
        return;
    };
    if !folio_tests::tool("pdftotext", "poppler-utils") {
        return;
    }
    let entries: Vec<Entry> = all
        .into_iter()
        .filter(|e| !PDFTOTEXT_WRONG.iter().any(|(f, _)| *f == e.file))
        .filter(|e| !EXPECTED_ERRORS.iter().any(|(f, _)| *f == e.file))
        // `FOLIO_ONLY=word` compares only the files whose name contains it (when iterating).
        .filter(|e| std::env::var("FOLIO_ONLY").map_or(true, |only| e.file.contains(&only)))
        .collect();

    // Two workers: the files are independent, and pdftotext runs beside our reader.
    let queue = std::sync::Mutex::new(entries.iter().collect::<Vec<_>>());
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let next = queue.lock().map(|mut q| q.pop()).unwrap_or(None);
                    let Some(entry) = next else { break };
                    let r = compare_file(entry);
                    if let Ok(mut res) = results.lock() {
                        res.push((entry.file.clone(), r));
                    }
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by(|a, b| a.0.cmp(&b.0));

    println!();
    println!(
        "{:<52} {:>5} {:>7} {:>7} {:>7} {:>8}",
        "file", "pages", "ours", "theirs", "F1", "centres"
    );
    let mut failures = Vec::new();
    let mut total = Score::default();
    for (file, r) in &results {
        match r {
            Ok(fs) => {
                let s = &fs.score;
                total.add(s);
                let boxes_wrong = PDFTOTEXT_BOXES_WRONG.iter().any(|(f, _)| f == file);
                let math = PDFTOTEXT_MATH_GARBLED.iter().any(|(f, _)| f == file);
                let gap = KNOWN_GAPS.iter().find(|(f, _, _)| f == file);
                let min_f1 = gap.map_or(MIN_F1, |g| g.1);
                let ok = s.f1() >= min_f1 && (boxes_wrong || s.centre_share() >= MIN_CENTRES);
                println!(
                    "{:<52} {:>5} {:>7} {:>7} {:>7.4} {:>7.1}%{}",
                    fs.file,
                    fs.pages,
                    s.ours,
                    s.theirs,
                    s.f1(),
                    100.0 * s.centre_share(),
                    if !ok {
                        "  FAIL"
                    } else if boxes_wrong {
                        "  (centres not checked)"
                    } else if math {
                        "  (plain words only)"
                    } else if gap.is_some() {
                        "  (known gap)"
                    } else {
                        ""
                    }
                );
                if !ok {
                    failures.push(format!(
                        "{file}: F1 {:.4}, centres {:.1}%\n  only ours: {:?}\n  only pdftotext: {:?}\n  far: {:#?}",
                        s.f1(),
                        100.0 * s.centre_share(),
                        fs.lost_ours.iter().take(25).collect::<Vec<_>>(),
                        fs.lost_theirs.iter().take(25).collect::<Vec<_>>(),
                        fs.far,
                    ));
                }
            }
            Err(e) => {
                println!("{file:<52} ERROR {e}");
                failures.push(format!("{file}: {e}"));
            }
        }
    }
    println!(
        "{:<52} {:>5} {:>7} {:>7} {:>7.4} {:>7.1}%",
        "TOTAL",
        "",
        total.ours,
        total.theirs,
        total.f1(),
        100.0 * total.centre_share()
    );
    for (file, why) in PDFTOTEXT_WRONG {
        println!("excluded {file}: {why}");
    }
    for (file, why) in PDFTOTEXT_MATH_GARBLED {
        println!("plain words only on {file}: {why}");
    }
    for (file, why) in PDFTOTEXT_BOXES_WRONG {
        println!("centres not checked on {file}: {why}");
    }
    for (file, floor, why) in KNOWN_GAPS {
        println!("known gap on {file} (held to F1 ≥ {floor}): {why}");
    }
    assert!(
        failures.is_empty(),
        "{} files disagree with pdftotext:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// Words a file must contain, on a page (from 1).
#[track_caller]
fn assert_words(file: &str, page: usize, expected: &[&str]) {
    let Some(path) = folio_tests::corpus_file(file) else {
        return;
    };
    let doc = match read_guarded(&path, ReadOptions::default(), LIMIT).0 {
        Outcome::Done(Ok(doc)) => doc,
        other => panic!("{file}: {other:?}"),
    };
    let words: Vec<String> = doc.pages[page - 1]
        .words
        .iter()
        .map(|w| folio_tests::normalize(&w.text))
        .collect();
    let missing: Vec<&&str> = expected
        .iter()
        .filter(|e| !words.iter().any(|w| w == **e))
        .collect();
    assert!(
        missing.is_empty(),
        "{file} page {page}: missing {missing:?}; words: {words:?}"
    );
}

/// A subset TrueType font with no `/ToUnicode` whose encoding does *not* allow the text: it
/// shows "Phone" through arbitrary codes (`"7+%-`), its cmap maps them to private-use glyph
/// names (uniF022…) and there is no `/Encoding`. The best a reader can do is what pdftotext
/// does: keep the word, in place, as the codes read in the standard encoding (no U+FFFD, no
/// dropped glyphs), so that a later OCR step can replace it.
#[test]
fn truetype_without_to_unicode_keeps_the_word() {
    assert_words("font-truetype-no-tounicode.pdf", 1, &["\"7+%-"]);
}

/// pdfTeX Type 1 fonts without `/ToUnicode`: text comes from the glyph names of the
/// encoding (`/Differences` or the font's built-in encoding), ligatures expanded.
#[test]
fn tex_type1_without_to_unicode_gives_text() {
    let Some(path) = folio_tests::corpus_file("paper-2col-aps-revtex-formulas.pdf") else {
        return;
    };
    assert_words(
        "paper-2col-aps-revtex-formulas.pdf",
        1,
        &[
            "Manuscript",
            "Title:",
            "Linebreak",
            "Author",
            "institution",
            "address",
        ],
    );
    // "fi"/"ff" ligature glyphs, from Type 1 fonts with no ToUnicode at all.
    let Outcome::Done(Ok(doc)) = read_guarded(&path, ReadOptions::default(), LIMIT).0 else {
        panic!("paper-2col-aps-revtex-formulas.pdf did not read");
    };
    let text: String = doc.pages.iter().map(|p| p.text()).collect();
    for word in ["first", "different", "effect"] {
        assert!(text.contains(word), "no {word:?} in the text");
    }
}
