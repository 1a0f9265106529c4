//! What the `folio` command's tests share: fresh folders, the repository's small PDFs, the
//! binary, the ledger, and checks that an output is a complete, translated PDF.

#![allow(dead_code, reason = "each test binary uses some")]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// A fresh folder for one test (`group` keeps test files apart).
pub fn workdir(group: &str, test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("folio-{group}-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A small PDF of the repository.
#[track_caller]
pub fn repo_pdf(path: &str) -> PathBuf {
    let p = folio_test_support::repo_root().join(path);
    assert!(
        p.is_file(),
        "{} is missing from the repository",
        p.display()
    );
    p
}

/// The `folio` binary built for these tests.
pub fn folio() -> Command {
    Command::new(env!("CARGO_BIN_EXE_folio"))
}

/// Output bytes as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The entries of a local ledger (`OUT/ledger.jsonl`), in order.
pub fn ledger(out: &Path) -> Vec<Value> {
    std::fs::read_to_string(out.join("ledger.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// How many `event` lines the ledger has per (id, to).
pub fn count(entries: &[Value], event: &str) -> HashMap<(String, String), usize> {
    let mut counts = HashMap::new();
    for e in entries.iter().filter(|e| e["event"] == event) {
        let key = (
            e["id"].as_str().unwrap().to_string(),
            e["to"].as_str().unwrap().to_string(),
        );
        *counts.entry(key).or_default() += 1;
    }
    counts
}

/// Every file under `dir`, recursively, sorted.
pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut all = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            all.extend(files(&p));
        } else {
            all.push(p);
        }
    }
    all.sort();
    all
}

/// The words of a PDF's bytes, read back with Folio's reader (so it must be complete).
#[track_caller]
pub fn words_of(name: &str, bytes: Vec<u8>) -> Vec<String> {
    let doc = folio_pdf::read(bytes, &folio_pdf::ReadOptions::default())
        .unwrap_or_else(|e| panic!("{name}: not a readable PDF: {e}"));
    doc.pages
        .iter()
        .flat_map(|p| p.words.iter().map(|w| w.text.to_string()))
        .collect()
}

/// The words of a PDF file.
#[track_caller]
pub fn words(path: &Path) -> Vec<String> {
    words_of(&path.display().to_string(), std::fs::read(path).unwrap())
}

/// Asserts a PDF's bytes are pseudo-translated: most of its words with letters carry the
/// pseudo engine's accented letters, which the English inputs have none of.
#[track_caller]
pub fn assert_translated_bytes(name: &str, bytes: Vec<u8>) {
    let words = words_of(name, bytes);
    let lettered: Vec<&String> = words
        .iter()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .collect();
    let accented = lettered.iter().filter(|w| !w.is_ascii()).count();
    assert!(
        !lettered.is_empty() && accented * 2 > lettered.len(),
        "{name}: {accented} of {} words pseudo-translated: {:?}",
        lettered.len(),
        &words[..words.len().min(20)]
    );
}

/// [`assert_translated_bytes`] of a file.
#[track_caller]
pub fn assert_translated(path: &Path) {
    assert_translated_bytes(&path.display().to_string(), std::fs::read(path).unwrap());
}
