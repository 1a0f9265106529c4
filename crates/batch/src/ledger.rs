//! The ledger: an append-only log of what happened to each (document, target), one JSON
//! object a line, in `PREFIX/ledger.jsonl`. It is what a rerun reads to count attempts, and
//! what people read to see what failed and why.
//!
//! Each line is written with one `write` call on a file opened for appending and flushed at
//! once, so a killed run leaves at most a torn last line; [`Ledger::open`] ends such a line
//! before appending and skips lines it cannot read.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::Error;

/// One event of the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Entry {
    /// A (document, target) was started.
    Started {
        /// The document's id.
        id: String,
        /// The target language.
        to: String,
        /// 1 for the first try, counting the tries of earlier runs.
        attempt: u32,
        /// Seconds since the Unix epoch.
        at: u64,
    },
    /// Its PDF and report were written.
    Done {
        /// The document's id.
        id: String,
        /// The target language.
        to: String,
        /// Which try it was.
        attempt: u32,
        /// Pages translated.
        pages: u32,
        /// Segments translated.
        segments: u32,
        /// Prompt and completion tokens.
        tokens: u64,
        /// Wall-clock seconds it took.
        seconds: f64,
        /// The output was found written by a run killed before it could log this line.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        recovered: bool,
    },
    /// It could not be done; a rerun tries again.
    Failed {
        /// The document's id.
        id: String,
        /// The target language.
        to: String,
        /// Which try it was.
        attempt: u32,
        /// Why, as the pipeline said it.
        error: String,
    },
}

impl Entry {
    /// The (document, target) the entry is about.
    pub fn key(&self) -> (&str, &str) {
        match self {
            Entry::Started { id, to, .. }
            | Entry::Done { id, to, .. }
            | Entry::Failed { id, to, .. } => (id, to),
        }
    }
}

/// What the ledger says about one (document, target) so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// Tries started.
    pub attempts: u32,
    /// Whether one of them finished.
    pub done: bool,
    /// The last failure's message.
    pub last_error: Option<String>,
}

/// What earlier runs left in the ledger.
#[derive(Debug, Clone, Default)]
pub struct LedgerState {
    /// Per (document id, target).
    pub jobs: HashMap<(String, String), History>,
    /// Lines that could not be read (a line torn by a kill), skipped.
    pub unreadable_lines: usize,
}

/// The open ledger, shared by the batch's threads.
#[derive(Debug)]
pub struct Ledger {
    path: PathBuf,
    file: Mutex<File>,
}

impl Ledger {
    /// The ledger's file name under the output folder.
    pub const FILE: &str = "ledger.jsonl";

    /// Opens (or creates) `prefix/ledger.jsonl` and reads what it holds.
    pub fn open(prefix: &Path) -> Result<(Ledger, LedgerState), Error> {
        let path = prefix.join(Self::FILE);
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        let mut text = String::new();
        file.read_to_string(&mut text)
            .map_err(|e| Error::io(&path, e))?;
        let mut state = LedgerState::default();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str::<Entry>(line) {
                Ok(entry) => state.record(&entry),
                Err(_) => state.unreadable_lines += 1,
            }
        }
        // A line torn by a kill is ended, so the next one starts on its own line.
        if !text.is_empty() && !text.ends_with('\n') {
            file.seek(SeekFrom::End(0))
                .and_then(|_| file.write_all(b"\n"))
                .map_err(|e| Error::io(&path, e))?;
        }
        let ledger = Ledger {
            path,
            file: Mutex::new(file),
        };
        Ok((ledger, state))
    }

    /// Appends one entry, as one line, and flushes it to the file.
    pub fn append(&self, entry: &Entry) -> Result<(), Error> {
        let mut line = serde_json::to_string(entry).expect("ledger entries always serialize");
        line.push('\n');
        // A poisoned lock only means another thread panicked between two whole lines.
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(line.as_bytes())
            .and_then(|()| file.flush())
            .map_err(|e| Error::io(&self.path, e))
    }

    /// Where the ledger is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl LedgerState {
    /// Counts `entry` in.
    fn record(&mut self, entry: &Entry) {
        let (id, to) = entry.key();
        let history = self.jobs.entry((id.into(), to.into())).or_default();
        match entry {
            Entry::Started { attempt, .. } => history.attempts = history.attempts.max(*attempt),
            Entry::Done { .. } => history.done = true,
            Entry::Failed { error, .. } => history.last_error = Some(error.clone()),
        }
    }

    /// What is known of (`id`, `to`).
    pub fn history(&self, id: &str, to: &str) -> History {
        self.jobs
            .get(&(id.to_string(), to.to_string()))
            .cloned()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_torn_last_line_is_skipped_and_ended() {
        let dir = std::env::temp_dir().join(format!("folio-batch-ledger-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(Ledger::FILE);
        std::fs::write(
            &path,
            "{\"event\":\"started\",\"id\":\"a\",\"to\":\"es\",\"attempt\":2,\"at\":1}\n{\"event\":\"done\",\"id\":\"a\",\"to\"",
        )
        .unwrap();
        let (ledger, state) = Ledger::open(&dir).unwrap();
        assert_eq!(state.unreadable_lines, 1);
        assert_eq!(state.history("a", "es").attempts, 2);
        assert!(!state.history("a", "es").done);
        ledger
            .append(&Entry::Failed {
                id: "a".into(),
                to: "es".into(),
                attempt: 3,
                error: "boom".into(),
            })
            .unwrap();
        drop(ledger);
        let (_, state) = Ledger::open(&dir).unwrap();
        assert_eq!(state.unreadable_lines, 1);
        assert_eq!(state.history("a", "es").last_error.as_deref(), Some("boom"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
