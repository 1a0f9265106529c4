//! Hostile and broken inputs, made here (issue 16): each must end within 10 s and 500 MB with
//! a clear error, or with the pages it could not read named, never with a panic, a hang or an
//! out-of-memory kill.
//!
//! Each case is read in a child process (this test binary, run again on that one test with
//! `FOLIO_HOSTILE_CHILD` set), so its time and peak memory (`VmHWM`) are its own and a hang or
//! a crash fails the test instead of taking the suite with it.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use folio_pdf::{LimitExceeded, Limits, ReadError, ReadOptions};

/// Wall time a case may take, in the child.
const TIME: Duration = Duration::from_secs(10);
/// Peak resident memory a case may take, in the child.
const MEMORY_KB: u64 = 500 * 1024;

// ---------------------------------------------------------------------------------------------
// The cases.

/// A content stream of 1 GiB of spaces, deflated to about 1 MB.
#[test]
fn deflate_bomb_fails_its_page() {
    let outcome = in_child("deflate_bomb_fails_its_page", || {
        let bomb = deflate_repeated(b' ', 1 << 30);
        let mut pdf = Builder::new();
        pdf.tree(&[3, 4]);
        pdf.page(6);
        pdf.text_page_with(b"(fine) Tj", "");
        pdf.stream("/Filter /FlateDecode", &bomb);
        pdf.finish()
    });
    outcome.assert_read_with_failed(&[(0, "a stream decodes to more than the limit")]);
}

/// The streams of a document decode to more than the document's limit in all, though each
/// fits: the document fails. (In process, with small limits: the same path as large ones.)
#[test]
fn deflate_bombs_together_fail_the_document() {
    let content = deflate_repeated(b' ', 4 << 20);
    let mut pdf = Builder::new();
    pdf.tree(&[3, 4, 5]);
    for _ in 0..3 {
        pdf.page(6);
    }
    pdf.stream("/Filter /FlateDecode", &content);
    let limits = Limits {
        max_stream_bytes: 5 << 20,
        max_document_bytes: 10 << 20,
        ..Limits::default()
    };
    let err = read_with(pdf.finish(), limits).unwrap_err();
    assert_eq!(
        err,
        ReadError::Limit(LimitExceeded::DocumentBytes { max: 10 << 20 })
    );
    assert_eq!(
        err.to_string(),
        "the streams decode to more than the limit of 10485760 bytes in all"
    );
}

/// A page that takes longer than the time limit fails with that reason. (In process, with a
/// limit of zero: the clock is read every 4,096 operators.)
#[test]
fn a_page_over_the_time_limit_fails() {
    let mut pdf = Builder::new();
    pdf.tree(&[3]);
    pdf.text_page_with(&b"0 0 m n ".repeat(10_000), "");
    let limits = Limits {
        page_time: Duration::ZERO,
        ..Limits::default()
    };
    let doc = read_with(pdf.finish(), limits).unwrap();
    assert_eq!(
        doc.pages[0].failed.as_deref(),
        Some("the content took longer than the limit of 0ns")
    );
    assert!(doc.pages[0].glyphs.is_empty() && doc.pages[0].words.is_empty());
}

/// A Form XObject whose content draws itself: skipped with a warning, the rest read.
#[test]
fn form_drawing_itself_is_skipped() {
    let outcome = in_child("form_drawing_itself_is_skipped", || {
        let mut pdf = Builder::new();
        pdf.tree(&[3]);
        pdf.text_page_with(
            b"(before) Tj ET /X0 Do BT /F1 12 Tf 72 600 Td (after) Tj",
            "/XObject << /X0 5 0 R >>",
        );
        pdf.stream(
            "/Type /XObject /Subtype /Form /BBox [0 0 612 792] \
             /Resources << /XObject << /X0 5 0 R >> >>",
            b"/X0 Do",
        );
        pdf.finish()
    });
    outcome.assert_read_with_failed(&[]);
    outcome.assert_says(&["words 2", "warning: "]);
}

/// Forms that each draw the next ten times, nine deep: 10⁹ operators from a few bytes.
#[test]
fn forms_fanning_out_fail_their_page() {
    let outcome = in_child("forms_fanning_out_fail_their_page", || {
        let mut pdf = Builder::new();
        let first = 5;
        pdf.tree(&[3]);
        pdf.text_page_with(b"(text) Tj ET /X0 Do BT", "/XObject << /X0 5 0 R >>");
        for level in 0..9 {
            let child = first + level + 1;
            let body = if level == 8 {
                b"0 0 m 1 1 l S ".repeat(10)
            } else {
                b"/X0 Do ".repeat(10)
            };
            pdf.stream(
                &format!(
                    "/Type /XObject /Subtype /Form /BBox [0 0 10 10] \
                     /Resources << /XObject << /X0 {child} 0 R >> >>"
                ),
                &body,
            );
        }
        pdf.finish()
    });
    outcome.assert_read_with_failed(&[(0, "more than the limit of 2000000 operators")]);
}

/// Forms nested 50 deep, each a different object: deeper than the limit, so the page fails.
#[test]
fn forms_nested_too_deep_fail_their_page() {
    let outcome = in_child("forms_nested_too_deep_fail_their_page", || {
        let mut pdf = Builder::new();
        let first = 5;
        pdf.tree(&[3]);
        pdf.text_page_with(b"(text) Tj ET /X0 Do BT", "/XObject << /X0 5 0 R >>");
        for level in 0..50 {
            pdf.stream(
                &format!(
                    "/Type /XObject /Subtype /Form /BBox [0 0 10 10] \
                     /Resources << /XObject << /X0 {} 0 R >> >>",
                    first + level + 1
                ),
                if level == 49 { b"" } else { b"/X0 Do" },
            );
        }
        pdf.finish()
    });
    outcome.assert_read_with_failed(&[(0, "forms nest deeper than the limit of 12")]);
}

/// A page tree whose second kid is the tree itself.
#[test]
fn page_tree_cycle_ends() {
    let outcome = in_child("page_tree_cycle_ends", || {
        let mut pdf = Builder::new();
        pdf.obj(b"<< /Type /Catalog /Pages 2 0 R >>");
        pdf.obj(b"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>");
        pdf.obj(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>");
        pdf.finish()
    });
    outcome.assert_ends_clearly();
}

/// A cross-reference table whose entries point at the table itself, and whose trailer's
/// `/Prev` is its own offset: the reader repairs or refuses, and ends.
#[test]
fn xref_pointing_into_itself_ends() {
    let outcome = in_child("xref_pointing_into_itself_ends", || {
        let mut out = b"%PDF-1.7\n".to_vec();
        let at = out.len();
        let mut xref = "xref\n0 4\n0000000000 65535 f \n".to_string();
        for _ in 1..4 {
            xref += &format!("{at:010} 00000 n \n");
        }
        out.extend_from_slice(xref.as_bytes());
        out.extend_from_slice(
            format!("trailer\n<< /Size 4 /Root 1 0 R /Prev {at} >>\nstartxref\n{at}\n%%EOF\n")
                .as_bytes(),
        );
        out
    });
    outcome.assert_says(&["error: "]);
}

/// A million pages: refused by the page limit, quickly.
#[test]
fn million_pages_stop_at_the_page_limit() {
    let outcome = in_child("million_pages_stop_at_the_page_limit", || {
        let n = 1_000_000u32;
        let mut pdf = Builder::new();
        pdf.obj(b"<< /Type /Catalog /Pages 2 0 R >>");
        let mut kids = Vec::with_capacity(n as usize * 9);
        for i in 0..n {
            write!(kids, "{} 0 R ", i + 3).unwrap();
        }
        let mut tree = format!("<< /Type /Pages /Count {n} /Kids [").into_bytes();
        tree.extend_from_slice(&kids);
        tree.extend_from_slice(b"] >>");
        pdf.obj(&tree);
        for _ in 0..n {
            pdf.obj(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>");
        }
        pdf.finish()
    });
    outcome.assert_says(&["error: the PDF has 1000000 pages, more than the limit of 10000"]);
}

/// A page object in an object stream that inflates to 1 GiB (a deflate bomb hayro-syntax
/// would inflate itself, out of the per-stream budget): the document fails, quickly.
#[test]
fn deflate_bomb_in_an_object_stream_fails_the_document() {
    let outcome = in_child(
        "deflate_bomb_in_an_object_stream_fails_the_document",
        || packed_pages_pdf(1, 1 << 30),
    );
    outcome.assert_says(&["error: a stream decodes to more than the limit of 134217728 bytes"]);
}

/// A million page objects packed in an object stream, out of sight of a scan of the file's
/// bytes: refused by the page limit before hayro-syntax resolves the page tree.
#[test]
fn a_million_pages_in_an_object_stream_stop_at_the_page_limit() {
    let outcome = in_child(
        "a_million_pages_in_an_object_stream_stop_at_the_page_limit",
        || packed_pages_pdf(1_000_000, 0),
    );
    outcome.assert_says(&["error: the PDF has 1000000 pages, more than the limit of 10000"]);
}

/// Pages in an object stream read as any: the two cases above fail for their limits, not for
/// a file the reader cannot open.
#[test]
fn pages_in_an_object_stream_read() {
    let doc = read_with(packed_pages_pdf(2, 1000), Limits::default()).unwrap();
    assert_eq!(doc.pages.len(), 2);
    let text: Vec<&str> = doc.pages[1].words.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(text, ["packed"]);
    assert_eq!(
        folio_pdf::page_count(packed_pages_pdf(3, 0), None, &Limits::default()),
        Ok(3)
    );
    let small = Limits {
        max_pages: 2,
        ..Limits::default()
    };
    assert_eq!(
        folio_pdf::page_count(packed_pages_pdf(3, 0), None, &small),
        Err(ReadError::Limit(LimitExceeded::Pages { pages: 3, max: 2 }))
    );
}

/// One page of 10⁷ operators.
#[test]
fn ten_million_operators_fail_their_page() {
    let outcome = in_child("ten_million_operators_fail_their_page", || {
        let mut content = b"BT /F1 12 Tf 72 720 Td (text) Tj ET ".to_vec();
        content.extend_from_slice(&b"0 0 m n ".repeat(5_000_000));
        let mut pdf = Builder::new();
        pdf.tree(&[3]);
        pdf.page(4);
        pdf.stream("/Filter /FlateDecode", &deflate(&content));
        pdf.finish()
    });
    outcome.assert_read_with_failed(&[(0, "more than the limit of 2000000 operators")]);
}

/// Fonts that claim a billion glyphs: widths from code 0 to 10⁹, a descendant whose `/W`
/// range spans 10⁹ CIDs, widths from code 10⁹ on. The last two are not loaded (their text is
/// read a byte a code), the first reads as it should.
#[test]
fn billion_glyph_fonts_end() {
    let outcome = in_child("billion_glyph_fonts_end", || {
        let mut pdf = Builder::new();
        pdf.tree(&[3]);
        pdf.obj(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 7 0 R \
              /Resources << /Font << /F1 4 0 R /F2 5 0 R /F3 8 0 R >> >> >>",
        );
        pdf.obj(
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /FirstChar 0 \
              /LastChar 1000000000 /Widths [500 500] >>",
        );
        pdf.obj(
            b"<< /Type /Font /Subtype /Type0 /BaseFont /Big /Encoding /Identity-H \
              /DescendantFonts [6 0 R] >>",
        );
        pdf.obj(
            b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Big \
              /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
              /DW 1000 /W [0 1000000000 500 5 [1 2 3]] /CIDToGIDMap /Identity >>",
        );
        pdf.stream(
            "",
            b"BT /F1 12 Tf 72 720 Td (billion) Tj /F2 12 Tf (\xFF\xFF\x00\x41) Tj \
              /F3 12 Tf (a) Tj ET",
        );
        pdf.obj(
            b"<< /Type /Font /Subtype /TrueType /BaseFont /Arial /FirstChar 1000000000 \
              /LastChar 1000000001 /Widths [500 500] >>",
        );
        pdf.finish()
    });
    outcome.assert_read_with_failed(&[]);
    outcome.assert_says(&[
        "font Big (/F2) could not be loaded",
        "font Arial (/F3) could not be loaded",
    ]);
    assert!(!outcome.stdout.contains("(/F1)"), "{}", outcome.stdout);
}

/// Images claiming 10⁹ × 10⁹ samples, as an XObject and inline.
#[test]
fn huge_images_end() {
    let outcome = in_child("huge_images_end", || {
        let mut pdf = Builder::new();
        pdf.tree(&[3]);
        pdf.text_page_with(
            b"(text) Tj ET q 100 0 0 100 0 0 cm /Im0 Do Q \
              BI /W 1000000000 /H 1000000000 /BPC 8 /CS /G ID \x00\x00\x00 EI BT",
            "/XObject << /Im0 5 0 R >>",
        );
        pdf.stream(
            "/Type /XObject /Subtype /Image /Width 1000000000 /Height 1000000000 \
             /BitsPerComponent 8 /ColorSpace /DeviceRGB",
            b"\x00\x00\x00",
        );
        pdf.finish()
    });
    outcome.assert_read_with_failed(&[]);
    outcome.assert_says(&["words 1", "images 2"]);
}

/// A string of a million letters shown at once (over the glyph limit: the page fails), and
/// a name a million letters long.
#[test]
fn megabyte_string_and_name_end() {
    let outcome = in_child("megabyte_string_and_name_end", || {
        let mut content = b"BT /F1 1 Tf 0 700 Td (".to_vec();
        content.extend_from_slice(&b"a".repeat(1 << 20));
        content.extend_from_slice(b") Tj /");
        content.extend_from_slice(&b"N".repeat(1 << 20));
        content.extend_from_slice(b" 12 Tf ET");
        let mut pdf = Builder::new();
        pdf.tree(&[3]);
        pdf.page(4);
        pdf.stream("/Filter /FlateDecode", &deflate(&content));
        pdf.finish()
    });
    outcome.assert_read_with_failed(&[(0, "more than the limit of 250000 glyphs")]);
}

/// A page naming a different missing font with each of 200,000 operators: a warning each
/// would be 200,000 warnings, and finding duplicates among them quadratic.
#[test]
fn a_warning_per_operator_ends() {
    let outcome = in_child("a_warning_per_operator_ends", || {
        let mut content = b"BT 72 720 Td ".to_vec();
        for i in 0..200_000 {
            write!(content, "/Missing{i} 12 Tf ").unwrap();
        }
        content.extend_from_slice(b"ET");
        let mut pdf = Builder::new();
        pdf.tree(&[3]);
        pdf.page(4);
        pdf.stream("/Filter /FlateDecode", &deflate(&content));
        pdf.finish()
    });
    outcome.assert_read_with_failed(&[]);
    outcome.assert_says(&["warning: more than 1000 warnings; the others are left out"]);
    assert_eq!(outcome.lines("warning: ").count(), 1001);
}

/// A corpus file cut at every 1% of its length: each read ends, with an error or pages.
#[test]
fn truncated_files_end() {
    let name = "paper-2col-acm-sigconf-formulas-tables.pdf";
    let Some(path) = folio_test_support::corpus_file(name) else {
        return;
    };
    if std::env::var_os(CHILD).is_some() {
        let bytes = std::fs::read(&path).unwrap();
        for percent in 0..100 {
            let cut = bytes[..bytes.len() * percent / 100].to_vec();
            match folio_pdf::read(cut, &ReadOptions::default()) {
                Ok(doc) => println!("{percent}%: {} pages", doc.pages.len()),
                Err(e) => println!("{percent}%: error: {e}"),
            }
        }
        report_peak();
    }
    let outcome = run_child("truncated_files_end", None);
    assert_eq!(outcome.lines("%: ").count(), 100, "{}", outcome.stdout);
    outcome.assert_says(&["0%: error: not a PDF file", "99%: "]);
}

/// Every corpus file reads under the default limits as it did before them: no page fails and
/// no document is refused for a limit (the limits stop hostile files, not real ones).
#[test]
fn corpus_reads_within_the_default_limits() {
    let Some(dir) = folio_test_support::corpus_dir() else {
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no PDF in {}", dir.display());
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        match folio_pdf::read(bytes, &ReadOptions::default()) {
            Ok(doc) => {
                let failed: Vec<_> = doc.pages.iter().filter_map(|p| p.failed.as_ref()).collect();
                assert!(failed.is_empty(), "{name}: pages failed: {failed:?}");
            }
            Err(e) => assert!(!matches!(e, ReadError::Limit(_)), "{name}: {e}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Running a case in a child and checking what it said.

/// Set in the child: which test it runs.
const CHILD: &str = "FOLIO_HOSTILE_CHILD";

/// Where the parent leaves the PDF for the child.
const FILE: &str = "FOLIO_HOSTILE_FILE";

/// In the parent, makes the PDF, runs the child on it and gives back what it printed, its
/// time and peak memory checked; in the child, reads the PDF and prints the outcome.
fn in_child(test: &str, make: impl FnOnce() -> Vec<u8>) -> Outcome {
    if std::env::var_os(CHILD).is_some() {
        let bytes = std::fs::read(std::env::var_os(FILE).expect("the parent names the file"))
            .expect("the parent wrote the file");
        // After libtest's "test … ", so that each line the parent reads is one of ours.
        println!();
        let start = Instant::now();
        match folio_pdf::read(bytes, &ReadOptions::default()) {
            Ok(doc) => {
                let words: usize = doc.pages.iter().map(|p| p.words.len()).sum();
                let images: usize = doc.pages.iter().map(|p| p.images.len()).sum();
                println!("pages {} words {words} images {images}", doc.pages.len());
                for page in &doc.pages {
                    if let Some(reason) = &page.failed {
                        println!("failed page {}: {reason}", page.index);
                    }
                }
                for w in &doc.warnings {
                    println!("warning: {}", shorten(&w.message));
                }
            }
            Err(e) => println!("error: {}", shorten(&e.to_string())),
        }
        println!("read in {} ms", start.elapsed().as_millis());
        report_peak();
    }
    let path =
        std::env::temp_dir().join(format!("folio-hostile-{test}-{}.pdf", std::process::id()));
    std::fs::write(&path, make()).unwrap();
    let outcome = run_child(test, Some(&path));
    let _ = std::fs::remove_file(&path);
    outcome
}

/// A message cut to a line's length: the parent reads the child's output only once it ends.
fn shorten(message: &str) -> String {
    message.chars().take(300).collect()
}

/// Prints this process's peak resident memory, for the parent, and ends the child (the test's
/// checks are the parent's).
fn report_peak() -> ! {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap_or(0);
    println!("peak {kb} kB");
    std::io::stdout().flush().unwrap();
    std::process::exit(0)
}

/// Runs this test binary on `test` alone as a child (on `file`, if given), killing it past
/// [`TIME`]; checks that it exited cleanly within [`TIME`] and [`MEMORY_KB`].
#[track_caller]
fn run_child(test: &str, file: Option<&std::path::Path>) -> Outcome {
    let exe = std::env::current_exe().unwrap();
    let mut command = Command::new(exe);
    if let Some(file) = file {
        command.env(FILE, file);
    }
    let mut child = command
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, test)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > TIME {
            child.kill().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let took = start.elapsed();
    assert!(
        status.is_some(),
        "{test}: still running after {TIME:?}\n{stdout}"
    );
    assert!(
        status.unwrap().success() && !stderr.contains("panicked"),
        "{test}: the child failed\n{stdout}\n{stderr}"
    );
    let peak: u64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("peak "))
        .and_then(|v| v.trim_end_matches(" kB").parse().ok())
        .expect("the child reports its peak memory");
    let read = stdout
        .lines()
        .find(|l| l.starts_with("read in"))
        .unwrap_or("");
    eprintln!(
        "{test}: child {} ms ({read}), peak {} MB",
        took.as_millis(),
        peak / 1024
    );
    assert!(peak < MEMORY_KB, "{test}: peak memory {peak} kB\n{stdout}");
    Outcome { stdout }
}

/// What a child printed.
struct Outcome {
    stdout: String,
}

impl Outcome {
    fn lines<'a>(&'a self, containing: &'a str) -> impl Iterator<Item = &'a str> {
        self.stdout.lines().filter(move |l| l.contains(containing))
    }

    /// The document was read, and exactly these pages (index, part of the reason) failed.
    #[track_caller]
    fn assert_read_with_failed(&self, failed: &[(u32, &str)]) {
        assert!(self.stdout.contains("pages "), "not read:\n{}", self.stdout);
        let lines: Vec<&str> = self.lines("failed page ").collect();
        assert_eq!(lines.len(), failed.len(), "{}", self.stdout);
        for (line, (page, reason)) in lines.iter().zip(failed) {
            assert!(
                line.starts_with(&format!("failed page {page}: ")) && line.contains(reason),
                "{line}: expected page {page} failed with '{reason}'"
            );
        }
    }

    /// The child printed each of these.
    #[track_caller]
    fn assert_says(&self, said: &[&str]) {
        for s in said {
            assert!(self.stdout.contains(s), "'{s}' not in:\n{}", self.stdout);
        }
    }

    /// The child read the document or gave a one-line error.
    #[track_caller]
    fn assert_ends_clearly(&self) {
        assert!(
            self.stdout
                .lines()
                .any(|l| l.starts_with("pages ") || l.starts_with("error: ")),
            "{}",
            self.stdout
        );
    }
}

fn read_with(bytes: Vec<u8>, limits: Limits) -> Result<folio_doc::Document, ReadError> {
    let options = ReadOptions {
        limits,
        ..ReadOptions::default()
    };
    folio_pdf::read(bytes, &options)
}

// ---------------------------------------------------------------------------------------------
// Making PDFs.

/// `byte` repeated `len` times, deflated (zlib), without holding the whole.
fn deflate_repeated(byte: u8, len: usize) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![byte; 1 << 20];
    for _ in 0..len / chunk.len() {
        enc.write_all(&chunk).unwrap();
    }
    enc.finish().unwrap()
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

/// A PDF of `pages` pages whose page objects sit in one deflated object stream, followed there
/// by `filler` spaces, and are found through a cross-reference stream (ISO 32000-1 §7.5.7,
/// §7.5.8). Objects 1–5 are the catalog, the page tree, the content, the object stream and the
/// cross-reference stream; the pages are 6 on.
fn packed_pages_pdf(pages: u32, filler: usize) -> Vec<u8> {
    const FIRST_PAGE: u32 = 6;
    let mut out = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    let mut plain = |out: &mut Vec<u8>, body: &[u8]| {
        offsets.push(out.len());
        writeln!(out, "{} 0 obj", offsets.len()).unwrap();
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    };
    plain(&mut out, b"<< /Type /Catalog /Pages 2 0 R >>");
    let mut tree = format!(
        "<< /Type /Pages /Count {pages} /MediaBox [0 0 612 792] /Resources << /Font << /F1 \
         << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> /Kids ["
    )
    .into_bytes();
    for i in 0..pages {
        write!(tree, "{} 0 R ", FIRST_PAGE + i).unwrap();
    }
    tree.extend_from_slice(b"] >>");
    plain(&mut out, &tree);
    let content = b"BT /F1 12 Tf 72 720 Td (packed) Tj ET";
    let mut body = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(b"\nendstream");
    plain(&mut out, &body);

    // The object stream: "number offset" pairs, then the objects, then the filler.
    // Short: a million of them stay under the stream limit; the rest is inherited.
    let page = b"<< /Type /Page /Parent 2 0 R /Contents 3 0 R >>\n";
    let mut header = Vec::new();
    for i in 0..pages {
        write!(header, "{} {} ", FIRST_PAGE + i, i as usize * page.len()).unwrap();
    }
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(&header).unwrap();
    for _ in 0..pages {
        enc.write_all(page).unwrap();
    }
    let chunk = vec![b' '; 1 << 20];
    let mut left = filler;
    while left > 0 {
        let n = left.min(chunk.len());
        enc.write_all(&chunk[..n]).unwrap();
        left -= n;
    }
    let packed = enc.finish().unwrap();
    let mut body = format!(
        "<< /Type /ObjStm /N {pages} /First {} /Filter /FlateDecode /Length {} >>\nstream\n",
        header.len(),
        packed.len()
    )
    .into_bytes();
    body.extend_from_slice(&packed);
    body.extend_from_slice(b"\nendstream");
    plain(&mut out, &body);

    // The cross-reference stream: type 1 (offset) for objects 1–5, type 2 (in object 4) after.
    let xref_at = out.len();
    offsets.push(xref_at);
    let size = FIRST_PAGE + pages;
    let mut entries = vec![0u8, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff];
    for &offset in &offsets {
        entries.push(1);
        entries.extend_from_slice(&(offset as u32).to_be_bytes());
        entries.extend_from_slice(&0u32.to_be_bytes());
    }
    for i in 0..pages {
        entries.push(2);
        entries.extend_from_slice(&4u32.to_be_bytes());
        entries.extend_from_slice(&i.to_be_bytes());
    }
    write!(
        out,
        "5 0 obj\n<< /Type /XRef /Size {size} /W [1 4 4] /Root 1 0 R /Length {} >>\nstream\n",
        entries.len()
    )
    .unwrap();
    out.extend_from_slice(&entries);
    write!(out, "\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n").unwrap();
    out
}

/// A PDF written object by object, numbered from 1, with a cross-reference table.
struct Builder {
    out: Vec<u8>,
    offsets: Vec<usize>,
}

impl Builder {
    fn new() -> Self {
        Self {
            out: b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec(),
            offsets: Vec::new(),
        }
    }

    /// The number the next object gets.
    fn next(&self) -> u32 {
        self.offsets.len() as u32 + 1
    }

    fn obj(&mut self, body: &[u8]) -> u32 {
        let num = self.next();
        self.offsets.push(self.out.len());
        writeln!(self.out, "{num} 0 obj").unwrap();
        self.out.extend_from_slice(body);
        self.out.extend_from_slice(b"\nendobj\n");
        num
    }

    fn stream(&mut self, dict: &str, data: &[u8]) -> u32 {
        let mut body = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
        body.extend_from_slice(data);
        body.extend_from_slice(b"\nendstream");
        self.obj(&body)
    }

    /// The catalog (1) and the page tree (2) of these pages; the caller writes them next.
    fn tree(&mut self, kids: &[u32]) {
        self.obj(b"<< /Type /Catalog /Pages 2 0 R >>");
        let kids: Vec<String> = kids.iter().map(|k| format!("{k} 0 R")).collect();
        let n = kids.len();
        self.obj(format!("<< /Type /Pages /Count {n} /Kids [{}] >>", kids.join(" ")).as_bytes());
    }

    /// A page drawing the content stream `content`, with Helvetica as /F1.
    fn page(&mut self, content: u32) {
        self.obj(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content} 0 R \
                 /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 \
                 /BaseFont /Helvetica >> >> >> >>"
            )
            .as_bytes(),
        );
    }

    /// A page drawing `text` inside `BT /F1 12 Tf 72 720 Td … ET`, with extra resources; its
    /// content stream is the next object.
    fn text_page_with(&mut self, text: &[u8], resources: &str) {
        let content = self.next() + 1;
        self.obj(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content} 0 R \
                 /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 \
                 /BaseFont /Helvetica >> >> {resources} >> >>"
            )
            .as_bytes(),
        );
        let mut data = b"BT /F1 12 Tf 72 720 Td ".to_vec();
        data.extend_from_slice(text);
        data.extend_from_slice(b" ET");
        self.stream("", &data);
    }

    fn finish(mut self) -> Vec<u8> {
        let at = self.out.len();
        let n = self.offsets.len() + 1;
        write!(self.out, "xref\n0 {n}\n0000000000 65535 f \n").unwrap();
        for offset in &self.offsets {
            writeln!(self.out, "{offset:010} 00000 n ").unwrap();
        }
        write!(
            self.out,
            "trailer\n<< /Size {n} /Root 1 0 R >>\nstartxref\n{at}\n%%EOF\n"
        )
        .unwrap();
        self.out
    }
}
