//! The QA harness on real PDFs: a file equals itself, a moved word flags exactly its page
//! (files from the repository's copies, else `FOLIO_CORPUS`), and hayro renders every
//! non-broken file of the corpus (`FOLIO_CORPUS`) without panicking. What is missing skips a
//! test with a note, and fails it under CI (see `folio-test-support`).

use std::path::Path;
use std::process::Command;

use folio_qa::{CompareOptions, NoImages, PdfRenderer, PngDir, QaError, compare_pdfs};

/// The bytes of a corpus file, `None` (reported) when it is nowhere.
#[track_caller]
fn corpus_file(name: &str) -> Option<Vec<u8>> {
    let path = folio_test_support::corpus_file(name)?;
    Some(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// `(file, kind)` for every entry of the corpus's MANIFEST.tsv.
fn manifest(corpus: &Path) -> Vec<(String, String)> {
    let path = corpus.join("MANIFEST.tsv");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (set FOLIO_CORPUS)", path.display()));
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            Some((cols.first()?.to_string(), cols.get(3)?.to_string()))
        })
        .collect()
}

fn first_pages(n: u32) -> Option<folio_pdf::PageSelection> {
    Some(format!("1-{n}").parse().expect("a valid page range"))
}

/// Several pages, three columns, real fonts: a US Federal Register issue (public domain).
const MULTIPAGE: &str = "gov-federal-register-3col-signed-incremental.pdf";

#[test]
fn a_file_compared_with_itself_is_identical() {
    for name in [
        MULTIPAGE,
        "table-fbi-nics-firearm-checks-landscape.pdf",
        "thai-polyglossia-example.pdf",
    ] {
        let Some(bytes) = corpus_file(name) else {
            continue;
        };
        let options = CompareOptions {
            dpi: 36.0,
            pages: first_pages(3),
            ..Default::default()
        };
        let c = compare_pdfs(bytes.clone(), bytes, &options, &mut NoImages).unwrap();
        assert!(!c.pages.is_empty(), "{name}: no pages compared");
        for p in &c.pages {
            println!("{name} {p}");
            let pixels = p
                .pixels
                .unwrap_or_else(|| panic!("{name} page {}: not rendered", p.index + 1));
            let words = p
                .words
                .unwrap_or_else(|| panic!("{name} page {}: not read", p.index + 1));
            assert_eq!(pixels.ssim, 1.0, "{name} page {}", p.index + 1);
            assert_eq!(pixels.mad, 0.0, "{name} page {}", p.index + 1);
            assert_eq!(
                (words.f1, words.moved),
                (1.0, 0),
                "{name} page {}",
                p.index + 1
            );
            assert!(
                !p.flagged(),
                "{name} page {}: {:?}",
                p.index + 1,
                p.problems
            );
        }
    }
}

/// Makes a copy of `MULTIPAGE` in which the page number of page 2 ("47699") sits 9 pt higher,
/// in the empty top margin (dropped into the text columns instead, it would cut their words
/// apart): `qpdf --qdf` writes the content streams uncompressed, then the `y` operand of the
/// first `Tm` on page 2 (`11 0 0 11 536.42 750 Tm`) changes from 750 to 759. The edit keeps the
/// length of the stream, so offsets and `/Length` stay valid.
fn copy_with_moved_word(original: &Path, dir: &Path) -> Vec<u8> {
    let qdf = dir.join("moved-word.qdf.pdf");
    let status = Command::new("qpdf")
        .args(["--qdf", "--object-streams=disable"])
        .arg(original)
        .arg(&qdf)
        .status()
        .expect("qpdf is needed for this test: apt-get install qpdf");
    // qpdf exits 3 for warnings (the file carries an incremental signature update).
    assert!(
        matches!(status.code(), Some(0 | 3)),
        "qpdf failed: {status}"
    );
    let mut bytes = std::fs::read(&qdf).unwrap();
    let marker = b"%% Contents for page 2";
    let start = find(&bytes, marker, 0).expect("qdf marks page contents");
    let tm = find(&bytes, b" Tm", start).expect("a Tm on page 2");
    let line_start = bytes[..tm].iter().rposition(|&c| c == b'\n').unwrap() + 1;
    let line = String::from_utf8_lossy(&bytes[line_start..tm + 3]).into_owned();
    assert_eq!(
        line, "11 0 0 11 536.42 750 Tm",
        "the corpus file changed: update this test"
    );
    let y = line_start + "11 0 0 11 536.42 75".len();
    assert_eq!(bytes[y], b'0');
    bytes[y] = b'9';
    bytes
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[test]
fn a_moved_word_flags_exactly_its_page() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("qa-moved-word");
    std::fs::create_dir_all(&dir).unwrap();
    let Some(path) = folio_test_support::corpus_file(MULTIPAGE) else {
        return;
    };
    if !folio_test_support::tool("qpdf", "qpdf") {
        return;
    }
    let original = std::fs::read(&path).unwrap();
    let edited = copy_with_moved_word(&path, &dir);
    let options = CompareOptions {
        dpi: 36.0,
        pages: first_pages(4),
        ..Default::default()
    };
    let mut sink = PngDir::new(dir.join("report"), "").unwrap();
    let c = compare_pdfs(original, edited, &options, &mut sink).unwrap();
    for p in &c.pages {
        println!("{p}");
    }
    assert_eq!(c.pages.len(), 4);
    let flagged: Vec<usize> = c.flagged().map(|p| p.index).collect();
    assert_eq!(flagged, [1], "only page 2 should be flagged");
    for p in &c.pages {
        let (pixels, words) = (p.pixels.unwrap(), p.words.unwrap());
        if p.index == 1 {
            assert!(pixels.ssim < 1.0 && pixels.mad > 0.0, "{p}");
            assert_eq!(words.moved, 1, "exactly the page number moved: {p}");
            assert!((words.max_shift - 9.0).abs() < 0.5, "moved by 9 pt: {p}");
            assert_eq!(words.f1, 1.0, "no word lost: {p}");
            // The pixels alone flag it too, with the default thresholds.
            assert!(p.problems.iter().any(|x| x.starts_with("ssim")), "{p}");
            assert!(p.problems.iter().any(|x| x.starts_with("mad")), "{p}");
            // The changed pixels are where the page number was and where it went (36 dpi).
            let [x0, y0, x1, y1] = pixels.changed_box.unwrap();
            assert!(
                x0 as f32 >= 536.0 / 2.0 - 2.0 && x1 as f32 <= 580.0 / 2.0,
                "{:?}",
                pixels.changed_box
            );
            assert!(y1 - y0 < 70, "{:?}", pixels.changed_box);
        } else {
            assert_eq!(pixels.ssim, 1.0, "{p}");
            assert_eq!((words.f1, words.moved), (1.0, 0), "{p}");
        }
    }
    let report = folio_qa::write_report(
        &dir.join("report"),
        "moved word",
        &[folio_qa::ReportSection {
            title: "moved word".into(),
            label_a: "original".into(),
            label_b: "edited".into(),
            image_prefix: String::new(),
            comparison: &c,
            notes: Vec::new(),
        }],
    )
    .unwrap();
    let html = std::fs::read_to_string(&report).unwrap();
    // Worst page first: page 2's card comes before page 1's.
    assert!(html.find("<h3>page 2</h3>").unwrap() < html.find("<h3>page 1</h3>").unwrap());
    assert!(dir.join("report/p002-diff.png").exists());
}

/// Files hayro is not expected to open: damaged beyond repair, or needing a password.
fn expected_unopenable(name: &str) -> bool {
    name.starts_with("broken-header-only") || name.starts_with("encrypted-user-password")
}

#[test]
fn hayro_renders_the_first_pages_of_every_corpus_file() {
    const DPI: f32 = 36.0;
    let mut failures = Vec::new();
    let Some(corpus) = folio_test_support::corpus_dir() else {
        return;
    };
    let (mut pages, mut total_ms) = (0usize, 0.0f64);
    for (name, _kind) in manifest(&corpus) {
        let broken = name.starts_with("broken-");
        let Ok(bytes) = std::fs::read(corpus.join(&name)) else {
            failures.push(format!("{name}: missing from the corpus"));
            continue;
        };
        let renderer = match PdfRenderer::new(bytes) {
            Ok(r) => r,
            Err(e) => {
                println!("{name}: not opened: {e}");
                if !broken && !expected_unopenable(&name) {
                    failures.push(format!("{name}: {e}"));
                }
                continue;
            }
        };
        let n = renderer.page_count().min(3);
        for page in renderer.render_pages(0..n, DPI) {
            pages += 1;
            total_ms += page.ms;
            match &page.image {
                Ok(img) => {
                    println!(
                        "{name} p{}: {}x{} px, {:.1} ms",
                        page.index + 1,
                        img.width(),
                        img.height(),
                        page.ms
                    );
                    assert!(img.width() > 0 && img.height() > 0);
                }
                Err(e) => {
                    println!(
                        "{name} p{}: NOT RENDERED ({:.1} ms): {e}",
                        page.index + 1,
                        page.ms
                    );
                    if !broken || matches!(e, QaError::RenderPanic(_)) {
                        failures.push(format!("{name} page {}: {e}", page.index + 1));
                    }
                }
            }
        }
    }
    println!(
        "{pages} page(s) rendered at {DPI} dpi, {:.1} ms/page on average",
        total_ms / pages.max(1) as f64
    );
    assert!(pages > 100, "the corpus looks empty: {pages} pages");
    assert!(
        failures.is_empty(),
        "pages not rendered:\n{}",
        failures.join("\n")
    );
}
