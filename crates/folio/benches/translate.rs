//! Throughput and peak memory of the whole pipeline with the `pseudo` engine (issue 4):
//! pages per second on one thread, and the peak resident set size (`VmHWM`) of each file's run.
//!
//! ```text
//! cargo bench -p folio --bench translate                 # the two files of the issue
//! cargo bench -p folio --bench translate -- FILE.pdf …   # others (corpus names, or paths)
//! cargo bench -p folio --bench translate -- --long       # long documents, made here
//! FOLIO_BENCH_RUNS=5 cargo bench -p folio --bench translate
//! ```
//!
//! A corpus name is the repository's copy when there is one, else `FOLIO_CORPUS`'s. Each file is
//! translated `FOLIO_BENCH_RUNS` times (default 3) after one warm-up run; the best and mean
//! times are printed. Each file runs in a process of its own, so its peak memory is its own; the
//! peak includes the fonts loaded at start (Linux only; `?` elsewhere).
//!
//! Long documents, for memory against length: a name below is made on first use into
//! `target/bench-inputs/` and reused after. `--long` runs lshort and all of these.
//! - `lshort-x7.pdf`: the 153-page lshort book seven times over, 1,071 pages (`qpdf --empty
//!   --pages`, so `qpdf` must be installed);
//! - `one-line-N.pdf`: N pages of one line each in Helvetica, its words varying with the page
//!   (written here with lopdf), e.g. `one-line-5000.pdf`, `one-line-20000.pdf`.
//!
//! Figures with `--long` (release, best of 3 after a warm-up, a 2-core machine shared with two
//! builds; the history in `docs/report.md`): lshort 153 pages 1.0 s, 58 MiB; lshort × 7 1,071
//! pages 5.9 s, 165 MiB; 5,000 one-line pages 0.75 s, 83 MiB; 20,000 one-line pages 3.0 s,
//! 265 MiB. Pages are read and laid out one by one, so a book's peak is its typeset text as
//! the writer starts; for one-line pages it is the writer's (`peak RSS as each stage started`
//! shows it).
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use folio_translate::LangPair;
use folio_typeset::FontBook;

/// The files the issue names: a 153-page book and a two-column paper.
const DEFAULT_FILES: &[&str] = &[
    "book-lshort-en-153p-links.pdf",
    "paper-2col-acm-sigconf-formulas-tables.pdf",
];

/// The book the long inputs repeat.
const LSHORT: &str = "book-lshort-en-153p-links.pdf";

/// What `--long` runs: the book, the book seven times, and many one-line pages.
const LONG_FILES: &[&str] = &[
    LSHORT,
    "lshort-x7.pdf",
    "one-line-5000.pdf",
    "one-line-20000.pdf",
];

fn main() {
    // A corpus name found nowhere stays as given, and its read below says so.
    let corpus = |name: &str| folio_test_support::find_corpus_file(name).unwrap_or(name.into());
    let runs: u32 = std::env::var("FOLIO_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    // `cargo bench` passes `--bench`; anything else not starting with `-` is a file.
    let long = std::env::args().any(|a| a == "--long");
    let mut args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if long {
        args.extend(LONG_FILES.iter().map(|f| f.to_string()));
    } else if args.is_empty() {
        args.extend(DEFAULT_FILES.iter().map(|f| f.to_string()));
    }
    let files: Vec<PathBuf> = args
        .iter()
        .map(|a| {
            if Path::new(a).exists() {
                PathBuf::from(a)
            } else {
                made(a).unwrap_or_else(|| corpus(a))
            }
        })
        .collect();

    // One process per file, so each peak is that file's alone (an allocator keeps freed memory,
    // which would otherwise count towards the next file).
    if files.len() > 1 {
        let exe = std::env::current_exe().expect("the benchmark knows its own path");
        for f in &files {
            match std::process::Command::new(&exe).arg(f).status() {
                Ok(s) if s.success() => {}
                Ok(s) => eprintln!("{}: the run ended with {s}", f.display()),
                Err(e) => eprintln!("{}: cannot run {}: {e}", f.display(), exe.display()),
            }
        }
        return;
    }

    let fonts = FontBook::bundled();
    let pair = LangPair::new("en", "pt-BR").expect("en and pt-BR are valid tags");
    let engine = folio_translate::builtin("pseudo", pair).expect("pseudo is a built-in engine");
    let options = folio::Options::new(engine.as_ref(), &fonts);
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!("folio translate --engine pseudo, {runs} run(s) after a warm-up, {profile} build");
    for path in &files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = match std::fs::read(path) {
            Ok(b) => Arc::new(b),
            Err(e) => {
                eprintln!(
                    "{}: {e} (a corpus file: set FOLIO_CORPUS to the corpus folder)",
                    path.display()
                );
                continue;
            }
        };
        let mut times = Vec::new();
        let mut last = None;
        let mut marks = Vec::new();
        let mut end_of_warm_up = None;
        for run in 0..=runs {
            let start = Instant::now();
            // The warm-up run notes the peak so far as each stage starts: which stage raised it.
            let mut on_event = |e| {
                if let (0, folio::Event::Started(stage)) = (run, e) {
                    marks.push((stage, peak_rss_kb()));
                }
            };
            let result = folio::translate(bytes.clone(), &options, &mut on_event);
            let secs = start.elapsed().as_secs_f64();
            if run == 0 {
                end_of_warm_up = peak_rss_kb();
            }
            match result {
                Ok((out, report)) => {
                    if run > 0 {
                        times.push(secs);
                    }
                    last = Some((out.len(), report));
                }
                Err(e) => {
                    eprintln!("{name}: {e}");
                    break;
                }
            }
        }
        let Some((out_len, report)) = last else {
            continue;
        };
        if times.is_empty() {
            continue;
        }
        let best = times.iter().copied().fold(f64::INFINITY, f64::min);
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        let pages = f64::from(report.pages_translated);
        let stages: Vec<String> = report
            .timings_ms
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        let mb =
            |kb: Option<u64>| kb.map_or("?".to_string(), |kb| format!("{:.0}", kb as f64 / 1024.0));
        let marks: Vec<String> = marks
            .iter()
            .map(|(stage, kb)| format!("{stage:?} {}", mb(*kb)))
            .chain([format!("end {}", mb(end_of_warm_up))])
            .collect();
        println!(
            "{name}: {} pages, best {:.0} ms ({:.1} pages/s), mean {:.0} ms ({:.1} pages/s); peak RSS {}; {} KiB → {} KiB; last run ms: {}",
            report.pages_translated,
            best * 1000.0,
            pages / best,
            mean * 1000.0,
            pages / mean,
            peak_rss_kb().map_or("?".to_string(), |kb| format!(
                "{:.0} MiB",
                kb as f64 / 1024.0
            )),
            bytes.len() / 1024,
            out_len / 1024,
            stages.join(", "),
        );
        println!(
            "  peak RSS (MiB) as each stage started, warm-up run: {}",
            marks.join(", ")
        );
    }
}

/// Peak resident set size of this process (`VmHWM`), in KiB, on Linux.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The path of a long input named as in the header (`lshort-x7.pdf`, `one-line-N.pdf`), made
/// into `target/bench-inputs/` unless it is there; `None` for other names.
fn made(name: &str) -> Option<PathBuf> {
    let stem = name.strip_suffix(".pdf").unwrap_or(name);
    let pages: Option<u32> = stem.strip_prefix("one-line-").and_then(|n| n.parse().ok());
    if stem != "lshort-x7" && pages.is_none() {
        return None;
    }
    // The benchmark runs as target/<profile>/deps/translate-<hash>.
    let exe = std::env::current_exe().ok()?;
    let dir = exe.ancestors().nth(3)?.join("bench-inputs");
    let path = dir.join(format!("{stem}.pdf"));
    if path.exists() {
        return Some(path);
    }
    std::fs::create_dir_all(&dir).ok()?;
    match pages {
        Some(n) => std::fs::write(&path, one_line_pages(n)).ok()?,
        None => {
            let book = folio_test_support::find_corpus_file(LSHORT)?;
            let status = std::process::Command::new("qpdf")
                .arg("--empty")
                .arg("--pages")
                .args(std::iter::repeat_n(&book, 7))
                .arg("--")
                .arg(&path)
                .status();
            if !status.is_ok_and(|s| s.success()) {
                eprintln!("{name}: qpdf could not make it (is qpdf installed?)");
                return None;
            }
        }
    }
    Some(path)
}

/// A PDF of `n` pages, each one line of Helvetica whose words change with the page (so the
/// engine sees no repeats).
fn one_line_pages(n: u32) -> Vec<u8> {
    use lopdf::{Object, Stream, dictionary};
    let mut pdf = lopdf::Document::with_version("1.7");
    let pages_id = pdf.new_object_id();
    let font = pdf.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type1",
        "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let resources = pdf.add_object(dictionary! { "Font" => dictionary! { "F1" => font } });
    const WORDS: [&str; 8] = [
        "river", "stone", "light", "garden", "window", "letter", "morning", "bridge",
    ];
    let kids: Vec<Object> = (0..n)
        .map(|i| {
            let words: Vec<&str> = (0..6)
                .map(|k| WORDS[((i >> (3 * k)) as usize + k) % WORDS.len()])
                .collect();
            let line = format!(
                "BT /F1 12 Tf 72 720 Td (The {} end here.) Tj ET",
                words.join(" ")
            );
            let content = pdf.add_object(Stream::new(dictionary! {}, line.into_bytes()));
            pdf.add_object(dictionary! {
                "Type" => "Page",
                "Parent" => pages_id,
                "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
                "Resources" => resources,
                "Contents" => content,
            })
            .into()
        })
        .collect();
    pdf.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => n,
        }),
    );
    let catalog = pdf.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    pdf.trailer.set("Root", catalog);
    let mut out = Vec::new();
    pdf.save_to(&mut out)
        .expect("writing to memory cannot fail");
    out
}
