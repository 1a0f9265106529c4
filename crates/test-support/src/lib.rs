//! What Folio's tests share about their surroundings: where the corpus is, where one corpus
//! file is, and what happens when a test's prerequisite is missing.
//!
//! A crate of its own, with no dependencies, so every crate's tests can use it as a
//! dev-dependency and the workspace tests (`folio-tests`) as a dependency; none of them can
//! depend on another's tests.
//!
//! - The **corpus** is the folder named by `FOLIO_CORPUS` (`MANIFEST.tsv` says what each file
//!   is); nothing is assumed when it is not set.
//! - A **corpus file** is taken from the repository when it is there (`tests/corpus/`, then
//!   `golden/inputs/`: permissively licensed copies, see `tests/corpus/SOURCES.md`), else from
//!   `FOLIO_CORPUS`.
//! - A **missing prerequisite** (the corpus, a file of it, a tool such as `pdftotext` or
//!   `qpdf`, a service, a model) makes the test print `SKIPPED` with what is missing and
//!   return, so `cargo test --workspace` passes on a fresh clone; when the `CI` environment
//!   variable is set (CI runs with `CI=true`), the test fails with that message instead.
//! - **Servers** the product talks to in production ([`RedisServer`]) are started for real on
//!   127.0.0.1 on a [`free_port`] and stopped when dropped.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod servers;

pub use servers::{RedisServer, free_port};

/// Folders of the repository holding permissively licensed corpus files, searched in order.
const IN_REPO: &[&str] = &["tests/corpus", "golden/inputs", MADE];

/// The folder of documents made for the tests, from sources in the same folder
/// (`tests/corpus/made/make.sh`): categories the corpus lacks or that Folio must handle in
/// fonts and tools the corpus does not use.
const MADE: &str = "tests/corpus/made";

/// The repository's root (this crate lives in `crates/test-support`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether a missing prerequisite fails the test: the `CI` environment variable is set (to
/// anything but an empty string, `0` or `false`).
pub fn required() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// Reports that the running test cannot do (all or part of) its job because `what` is
/// missing: under CI ([`required`]) it panics with the message; otherwise it prints
/// `SKIPPED <test>: <what>` to stderr (shown with `--nocapture`) and returns, and the caller
/// returns or skips that part.
#[track_caller]
pub fn missing(what: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("test");
    if required() {
        panic!("{test}: {what} (CI is set, so a missing prerequisite fails the test)");
    }
    eprintln!("SKIPPED {test}: {what}");
}

/// The corpus folder from `FOLIO_CORPUS`, if it is set and is a folder; otherwise reports it
/// [`missing`] and returns `None`. For tests over the whole corpus or over files that are not
/// in the repository.
#[track_caller]
pub fn corpus_dir() -> Option<PathBuf> {
    match std::env::var_os("FOLIO_CORPUS") {
        Some(dir) if Path::new(&dir).is_dir() => Some(PathBuf::from(dir)),
        Some(dir) => {
            missing(&format!(
                "FOLIO_CORPUS={} is not a folder; it must name the corpus folder",
                Path::new(&dir).display()
            ));
            None
        }
        None => {
            missing(
                "the corpus is needed and FOLIO_CORPUS is not set (set it to the corpus folder)",
            );
            None
        }
    }
}

/// Where the corpus file `name` is, without reporting anything: the repository's copy, else
/// `FOLIO_CORPUS/name` when that exists.
pub fn find_corpus_file(name: &str) -> Option<PathBuf> {
    let root = repo_root();
    IN_REPO
        .iter()
        .map(|dir| root.join(dir).join(name))
        .chain(std::env::var_os("FOLIO_CORPUS").map(|dir| Path::new(&dir).join(name)))
        .find(|path| path.is_file())
}

/// The corpus file `name` ([`find_corpus_file`]); when it is nowhere, reports it [`missing`]
/// and returns `None`.
#[track_caller]
pub fn corpus_file(name: &str) -> Option<PathBuf> {
    let found = find_corpus_file(name);
    if found.is_none() {
        let why = match std::env::var_os("FOLIO_CORPUS") {
            Some(dir) => format!("not in {}", Path::new(&dir).display()),
            None => "not in the repository, and FOLIO_CORPUS is not set".to_string(),
        };
        missing(&format!("corpus file {name} is needed: {why}"));
    }
    found
}

/// The made documents ([`MADE`]) whose names start with `prefix`, sorted: a test over a
/// category (`"math-"`, `"table-"`) takes every document of it, so a new one is tested as soon
/// as it is made.
pub fn made_files(prefix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join(MADE))
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension().is_some_and(|e| e == "pdf")
                && path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(prefix))
        })
        .collect();
    files.sort();
    files
}

/// Whether the command-line tool `program` runs (`program --version`); when it does not,
/// reports it [`missing`] with `install` (what provides it) and returns `false`.
#[track_caller]
pub fn tool(program: &str, install: &str) -> bool {
    let runs = Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !runs {
        missing(&format!(
            "{program} is needed and does not run (install {install})"
        ));
    }
    runs
}

/// The text `pdftotext` gives of a PDF's bytes (read from its standard input), or `None`
/// when poppler-utils is missing (reported as [`missing`]).
#[track_caller]
pub fn pdftotext(pdf: &[u8]) -> Option<String> {
    use std::io::Write as _;
    if !tool("pdftotext", "poppler-utils") {
        return None;
    }
    let mut child = Command::new("pdftotext")
        .args(["-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("pdftotext starts");
    let mut stdin = child.stdin.take().expect("a pipe");
    // Written from a thread: pdftotext may answer before it has read all.
    let pdf = pdf.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&pdf);
    });
    let out = child.wait_with_output().expect("pdftotext runs");
    let _ = writer.join();
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A PDF written by hand from its objects' bodies, numbered from 1 in order, with a classic
/// cross-reference table and object 1 as the catalog: for tests that need a file no library
/// would write (a page over a limit, a font written inline).
pub fn pdf_of_objects(objects: &[Vec<u8>]) -> Vec<u8> {
    use std::io::Write as _;
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        writeln!(out, "{} 0 obj", i + 1).unwrap();
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let at = out.len();
    let n = offsets.len() + 1;
    write!(out, "xref\n0 {n}\n0000000000 65535 f \n").unwrap();
    for offset in &offsets {
        writeln!(out, "{offset:010} 00000 n ").unwrap();
    }
    write!(
        out,
        "trailer\n<< /Size {n} /Root 1 0 R >>\nstartxref\n{at}\n%%EOF\n"
    )
    .unwrap();
    out
}

/// The body of a stream object holding `content`, unfiltered.
pub fn stream_object(content: &[u8]) -> Vec<u8> {
    let mut body = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
    body.extend_from_slice(content);
    body.extend_from_slice(b"\nendstream");
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_copies_are_found_without_the_corpus() {
        let path = find_corpus_file("table-fbi-nics-firearm-checks-landscape.pdf")
            .expect("golden/inputs has it");
        assert!(path.starts_with(repo_root()));
    }

    #[test]
    fn unknown_files_are_not_found_in_the_repository() {
        assert!(
            IN_REPO
                .iter()
                .all(|d| !repo_root().join(d).join("no-such-file.pdf").exists())
        );
    }
}
