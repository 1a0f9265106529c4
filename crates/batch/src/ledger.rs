//! The ledger: an append-only log of what happened to each (document, target). It is what a
//! rerun reads to count attempts, and what people read to see what failed and why.
//!
//! In a local folder it is `PREFIX/ledger.jsonl`, one JSON object a line. Each line is
//! written with one `write` call on a file opened for appending and flushed at once, so a
//! killed run leaves at most a torn last line; [`Ledger::open`] ends such a line before
//! appending and skips lines it cannot read.
//!
//! S3 has no append, so there each event is an object of its own,
//! `PREFIX/ledger/<milliseconds>-<process>-<sequence>.json`, written by one PUT: a kill loses
//! at most the event being written, never an earlier one. Names sort in the order events
//! happened; [`Ledger::open`] lists and reads them all.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::{Error, Storage};

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

    /// The `done` entry of a try that wrote its outputs, from its report.
    pub fn done(id: &str, to: &str, attempt: u32, report: &folio::Report, seconds: f64) -> Self {
        Entry::Done {
            id: id.into(),
            to: to.into(),
            attempt,
            pages: report.pages_translated,
            segments: report.segments.translated,
            tokens: report.engine.prompt_tokens + report.engine.completion_tokens,
            seconds,
            recovered: false,
        }
    }

    /// The `failed` entry of a try.
    pub fn failed(id: &str, to: &str, attempt: u32, error: &str) -> Self {
        Entry::Failed {
            id: id.into(),
            to: to.into(),
            attempt,
            error: error.into(),
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
pub struct Ledger {
    /// Where it is, for messages.
    name: String,
    sink: Sink,
}

/// Where the ledger's events go.
enum Sink {
    /// Lines appended to a local file.
    File(Mutex<File>),
    /// One object per event under `ledger/` (S3).
    Objects {
        store: Arc<dyn Storage>,
        /// Events written by this process, so two in the same millisecond differ.
        written: AtomicU64,
    },
}

impl Ledger {
    /// The ledger's file name under a local output folder.
    pub const FILE: &str = "ledger.jsonl";
    /// The folder of the ledger's events under an S3 output prefix.
    pub const FOLDER: &str = "ledger";

    /// Opens (or creates) the ledger of `store` and reads what it holds.
    pub fn open(store: &Arc<dyn Storage>) -> Result<(Ledger, LedgerState), Error> {
        match store.local_path(Self::FILE) {
            Some(path) => Self::open_file(&path),
            None => Self::open_objects(store),
        }
    }

    /// Opens (or creates) the ledger of `store` to add events, without reading the ones
    /// there: a fleet worker needs no history (the queue counts attempts), and a ledger of
    /// millions of events is not worth reading at every start.
    pub fn open_for_appending(store: &Arc<dyn Storage>) -> Result<Ledger, Error> {
        let Some(path) = store.local_path(Self::FILE) else {
            return Ok(Self::objects(store));
        };
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        // A line torn by a kill is ended, so the next one starts on its own line.
        let len = file.metadata().map_err(|e| Error::io(&path, e))?.len();
        if len > 0 {
            let mut last = [0u8];
            file.seek(SeekFrom::Start(len - 1))
                .and_then(|_| file.read_exact(&mut last))
                .map_err(|e| Error::io(&path, e))?;
            if last[0] != b'\n' {
                file.write_all(b"\n").map_err(|e| Error::io(&path, e))?;
            }
        }
        Ok(Ledger {
            name: path.display().to_string(),
            sink: Sink::File(Mutex::new(file)),
        })
    }

    /// The local `ledger.jsonl`.
    fn open_file(path: &Path) -> Result<(Ledger, LedgerState), Error> {
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        let mut text = String::new();
        file.read_to_string(&mut text)
            .map_err(|e| Error::io(path, e))?;
        let mut state = LedgerState::default();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            state.read(line.as_bytes());
        }
        // A line torn by a kill is ended, so the next one starts on its own line.
        if !text.is_empty() && !text.ends_with('\n') {
            file.seek(SeekFrom::End(0))
                .and_then(|_| file.write_all(b"\n"))
                .map_err(|e| Error::io(path, e))?;
        }
        let ledger = Ledger {
            name: path.display().to_string(),
            sink: Sink::File(Mutex::new(file)),
        };
        Ok((ledger, state))
    }

    /// The events under `ledger/` of a store without append.
    fn open_objects(store: &Arc<dyn Storage>) -> Result<(Ledger, LedgerState), Error> {
        let mut state = LedgerState::default();
        for key in store.list(Self::FOLDER)? {
            // An object listed but gone by now was removed by someone: nothing to count.
            if let Some(bytes) = store.get(&key)? {
                state.read(&bytes);
            }
        }
        Ok((Self::objects(store), state))
    }

    /// A ledger of one object per event under `ledger/`.
    fn objects(store: &Arc<dyn Storage>) -> Ledger {
        Ledger {
            name: store.name(&format!("{}/", Self::FOLDER)),
            sink: Sink::Objects {
                store: store.clone(),
                written: AtomicU64::new(0),
            },
        }
    }

    /// Appends one entry: a line flushed to the file, or an object of its own.
    pub fn append(&self, entry: &Entry) -> Result<(), Error> {
        let mut line = serde_json::to_string(entry).expect("ledger entries always serialize");
        line.push('\n');
        match &self.sink {
            Sink::File(file) => {
                // A poisoned lock only means another thread panicked between two whole lines.
                let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
                file.write_all(line.as_bytes())
                    .and_then(|()| file.flush())
                    .map_err(|e| Error::io(&self.name, e))
            }
            Sink::Objects { store, written } => {
                let millis = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis());
                let n = written.fetch_add(1, Ordering::SeqCst);
                let key = format!("{}/{millis:014}-{}-{n:06}.json", Self::FOLDER, writer());
                store.put(&key, line.as_bytes())
            }
        }
    }

    /// Where the ledger is: a file's path or the `ledger/` prefix's URI.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// This process among every process writing events to the same store, on any machine: its
/// id and the nanoseconds of its first event (two machines' processes may share an id).
fn writer() -> &'static str {
    static WRITER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    WRITER.get_or_init(|| {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        format!("{}.{nanos:09}", std::process::id())
    })
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger").field("name", &self.name).finish()
    }
}

impl LedgerState {
    /// Counts one event's JSON in, or an unreadable one (torn by a kill).
    fn read(&mut self, json: &[u8]) {
        match serde_json::from_slice::<Entry>(json) {
            Ok(entry) => self.record(&entry),
            Err(_) => self.unreadable_lines += 1,
        }
    }

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
        let store = crate::open_output(&dir, &crate::S3Access::default()).unwrap();
        let (ledger, state) = Ledger::open(&store).unwrap();
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
        let (_, state) = Ledger::open(&store).unwrap();
        assert_eq!(state.unreadable_lines, 1);
        assert_eq!(state.history("a", "es").last_error.as_deref(), Some("boom"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
