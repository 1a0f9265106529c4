//! Throughput and peak memory of the whole pipeline with the `pseudo` engine (issue 4):
//! pages per second on one thread, and the peak resident set size (`VmHWM`) of each file's run.
//!
//! ```text
//! cargo bench -p folio --bench translate                 # the two files of the issue
//! cargo bench -p folio --bench translate -- FILE.pdf …   # others (corpus names, or paths)
//! FOLIO_BENCH_RUNS=5 cargo bench -p folio --bench translate
//! ```
//!
//! A corpus name is the repository's copy when there is one, else `FOLIO_CORPUS`'s. Each file is
//! translated `FOLIO_BENCH_RUNS` times (default 3) after one warm-up run; the best and mean
//! times are printed. Each file runs in a process of its own, so its peak memory is its own; the
//! peak includes the fonts loaded at start (Linux only; `?` elsewhere).

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

fn main() {
    // A corpus name found nowhere stays as given, and its read below says so.
    let corpus = |name: &str| folio_test_support::find_corpus_file(name).unwrap_or(name.into());
    let runs: u32 = std::env::var("FOLIO_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    // `cargo bench` passes `--bench`; anything else not starting with `-` is a file.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let files: Vec<PathBuf> = if args.is_empty() {
        DEFAULT_FILES.iter().map(|f| corpus(f)).collect()
    } else {
        args.iter()
            .map(|a| {
                if Path::new(a).exists() {
                    PathBuf::from(a)
                } else {
                    corpus(a)
                }
            })
            .collect()
    };

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
        for run in 0..=runs {
            let start = Instant::now();
            let result = folio::translate(bytes.clone(), &options, &mut |_| {});
            let secs = start.elapsed().as_secs_f64();
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
    }
}

/// Peak resident set size of this process (`VmHWM`), in KiB, on Linux.
fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
