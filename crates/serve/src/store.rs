//! Jobs on disk: one folder per job, every file written to a temporary name and renamed.

use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Waiting for a free runner.
    Queued,
    /// Being translated.
    Running,
    /// Translated: `result.pdf` and `report.json` are there.
    Done,
    /// Failed: `error` says why.
    Failed,
}

impl State {
    /// Whether the job will not change any more.
    pub fn is_final(self) -> bool {
        matches!(self, State::Done | State::Failed)
    }
}

/// What the client asked for, as it asked.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct JobOptions {
    /// Target language.
    pub to: String,
    /// Source language (the server's default when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Engine name (the server's default when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// Pages to translate, e.g. `1-3,7` (all when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<String>,
    /// When scanned pages are read by OCR: `auto`, `always` or `never` (auto when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocr: Option<String>,
    /// The uploaded file's name, as the client gave it (shown, never a path on disk).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
}

/// How far a running job is.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Progress {
    /// The pipeline stage running (`read`, `layout`, `translate`, `typeset`, `write`).
    pub stage: Option<String>,
    /// Segments translated so far.
    pub segments_done: usize,
    /// Segments to translate.
    pub segments_total: usize,
}

/// Why a job failed, as the client sees it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JobError {
    /// What failed.
    pub error: String,
    /// What to do about it, when there is something.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

/// One job, as `job.json` holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Job {
    /// Random hex, never a path.
    pub id: String,
    /// Where it is.
    pub state: State,
    /// What was asked.
    pub options: JobOptions,
    /// Pages in the uploaded PDF.
    pub pages: u32,
    /// When it was submitted, in milliseconds since the Unix epoch (the queue's order).
    pub created_ms: u64,
    /// When it last started running (ms since the Unix epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_ms: Option<u64>,
    /// When it was done or failed (ms since the Unix epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_ms: Option<u64>,
    /// How far it is.
    pub progress: Progress,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<JobError>,
    /// How many times its result was written: 1 when first done, one more after each edit.
    /// Page images and clients' copies of an older revision are stale.
    #[serde(default)]
    pub revision: u32,
}

/// Length of a job id in hex digits (128 random bits).
const ID_LEN: usize = 32;

/// Jobs on disk under `DIR/jobs/ID/`.
#[derive(Debug, Clone)]
pub struct JobStore {
    jobs: PathBuf,
}

impl JobStore {
    /// The store under `data`, created if needed.
    pub fn open(data: &Path) -> io::Result<Self> {
        let jobs = data.join("jobs");
        std::fs::create_dir_all(&jobs).map_err(|e| with_path(e, &jobs))?;
        Ok(Self { jobs })
    }

    /// A new queued job holding `pdf`. Its folder is filled under a temporary name and renamed
    /// into place, so a job is either whole or not there.
    pub fn create(&self, options: JobOptions, pages: u32, pdf: &[u8]) -> io::Result<Job> {
        let id = new_id()?;
        let job = Job {
            id: id.clone(),
            state: State::Queued,
            options,
            pages,
            created_ms: now_ms(),
            started_ms: None,
            finished_ms: None,
            progress: Progress::default(),
            error: None,
            revision: 0,
        };
        let tmp = self.jobs.join(format!(".new-{id}"));
        std::fs::create_dir(&tmp).map_err(|e| with_path(e, &tmp))?;
        std::fs::write(tmp.join("input.pdf"), pdf).map_err(|e| with_path(e, &tmp))?;
        std::fs::write(tmp.join("job.json"), to_json(&job)?).map_err(|e| with_path(e, &tmp))?;
        let dir = self.dir(&id);
        std::fs::rename(&tmp, &dir).map_err(|e| with_path(e, &dir))?;
        Ok(job)
    }

    /// Writes `job.json`.
    pub fn save(&self, job: &Job) -> io::Result<()> {
        write_atomic(&self.dir(&job.id).join("job.json"), &to_json(job)?)
    }

    /// The job `id`, if it is stored (`None` too for an id that is not one of ours).
    pub fn load(&self, id: &str) -> Option<Job> {
        if !valid_id(id) {
            return None;
        }
        let text = std::fs::read(self.dir(id).join("job.json")).ok()?;
        serde_json::from_slice(&text).ok()
    }

    /// Every stored job, oldest first; a folder that cannot be read is skipped with a warning
    /// on standard error.
    pub fn load_all(&self) -> io::Result<Vec<Job>> {
        let mut jobs = Vec::new();
        for entry in std::fs::read_dir(&self.jobs).map_err(|e| with_path(e, &self.jobs))? {
            let name = entry?.file_name();
            let Some(id) = name.to_str().filter(|n| valid_id(n)) else {
                continue;
            };
            match self.load(id) {
                Some(job) => jobs.push(job),
                None => eprintln!("warning: job {id}: job.json cannot be read; skipped"),
            }
        }
        jobs.sort_by(|a, b| (a.created_ms, &a.id).cmp(&(b.created_ms, &b.id)));
        Ok(jobs)
    }

    /// Deletes job `id`'s folder: renamed out of the way first, so a crash midway never
    /// leaves a half job that a restart would load.
    pub fn remove(&self, id: &str) -> io::Result<()> {
        let dir = self.dir(id);
        let gone = self.jobs.join(format!(".gone-{id}"));
        std::fs::rename(&dir, &gone).map_err(|e| with_path(e, &dir))?;
        std::fs::remove_dir_all(&gone).map_err(|e| with_path(e, &gone))
    }

    /// The uploaded PDF of job `id`.
    pub fn input(&self, id: &str) -> PathBuf {
        self.dir(id).join("input.pdf")
    }

    /// The translated PDF of job `id` (there once it is done).
    pub fn result(&self, id: &str) -> PathBuf {
        self.dir(id).join("result.pdf")
    }

    /// The report of job `id` (there once it is done).
    pub fn report(&self, id: &str) -> PathBuf {
        self.dir(id).join("report.json")
    }

    /// Every block of job `id`'s result as an editor sees it (there once it is done).
    pub fn blocks(&self, id: &str) -> PathBuf {
        self.dir(id).join("blocks.json")
    }

    /// The editor's translations of job `id`, by block (there once a block was edited).
    pub fn edits(&self, id: &str) -> PathBuf {
        self.dir(id).join("edits.json")
    }

    /// Job `id`'s own translation memory: every translation it received, so a re-run or an
    /// edit's re-render never asks the engine again.
    pub fn memory(&self, id: &str) -> PathBuf {
        self.dir(id).join("memory")
    }

    /// Job `id`'s pages read by OCR, one JSON file each (`page-N.json`, from 0): a re-render
    /// after an edit recalls them instead of running tesseract again.
    pub fn ocr(&self, id: &str) -> PathBuf {
        self.dir(id).join("ocr")
    }

    /// Who translated job `id` (the engine's name, model and pair), for its memory's keys.
    pub fn engine(&self, id: &str) -> PathBuf {
        self.dir(id).join("engine.json")
    }

    /// Job `id`'s rendered page images, made on demand.
    pub fn page_images(&self, id: &str) -> PathBuf {
        self.dir(id).join("pages")
    }

    /// Keeps a rendered page image of a job (`path` under [`JobStore::page_images`]).
    pub fn cache_page_image(&self, path: &Path, png: &[u8]) -> io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| with_path(e, dir))?;
        }
        write_atomic(path, png)
    }

    /// Deletes job `id`'s translation page images of revisions before `revision`: they show a
    /// result that is no longer there.
    pub fn drop_stale_images(&self, id: &str, revision: u32) {
        let Ok(entries) = std::fs::read_dir(self.page_images(id)) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let old = name
                .to_str()
                .and_then(|n| n.strip_prefix("translation-r"))
                .and_then(|n| n.split_once('-'))
                .and_then(|(r, _)| r.parse::<u32>().ok())
                .is_some_and(|r| r < revision);
            if old {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// Stores a finished job's output: its blocks and report first, then the PDF. The
    /// report's [`folio::Report::texts`] go to `blocks.json`, not into `report.json`.
    pub fn write_result(&self, id: &str, pdf: &[u8], mut report: folio::Report) -> io::Result<()> {
        let texts = std::mem::take(&mut report.texts);
        write_atomic(&self.blocks(id), &to_json(&texts)?)?;
        write_atomic(&self.report(id), &to_json(&report)?)?;
        write_atomic(&self.result(id), pdf)
    }

    /// Writes `value` as JSON to `path` (one of this job's files), atomically.
    pub fn write_json(&self, path: &Path, value: &impl Serialize) -> io::Result<()> {
        write_atomic(path, &to_json(value)?)
    }

    /// The bytes of `path` (one of this job's files), `None` when it is not there, to put
    /// back with [`JobStore::restore`].
    pub fn read(&self, path: &Path) -> Option<Vec<u8>> {
        std::fs::read(path).ok()
    }

    /// Puts `path` back as [`JobStore::read`] found it: its old bytes, or no file.
    pub fn restore(&self, path: &Path, bytes: Option<Vec<u8>>) -> io::Result<()> {
        match bytes {
            Some(bytes) => write_atomic(path, &bytes),
            None => match std::fs::remove_file(path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(with_path(e, path)),
                _ => Ok(()),
            },
        }
    }

    /// Reads JSON from `path` (one of this job's files); `None` when the file is not there.
    pub fn read_json<T: serde::de::DeserializeOwned>(&self, path: &Path) -> io::Result<Option<T>> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{}: {e}", path.display()),
                )
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(with_path(e, path)),
        }
    }

    fn dir(&self, id: &str) -> PathBuf {
        debug_assert!(
            valid_id(id),
            "job ids are checked before they reach the disk"
        );
        self.jobs.join(id)
    }
}

/// Whether `id` has the form of a job id: only such ids ever become paths.
pub fn valid_id(id: &str) -> bool {
    id.len() == ID_LEN && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn new_id() -> io::Result<String> {
    let mut bytes = [0u8; ID_LEN / 2];
    getrandom::fill(&mut bytes).map_err(|e| io::Error::other(format!("no randomness: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Milliseconds since the Unix epoch, for the job's times.
pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn to_json(value: &impl Serialize) -> io::Result<Vec<u8>> {
    let mut out = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    out.push(b'\n');
    Ok(out)
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so
/// readers see the old file or the new one, never a part.
fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(|e| with_path(e, &tmp))?;
    std::fs::rename(&tmp, path).map_err(|e| with_path(e, path))
}

fn with_path(err: io::Error, path: &Path) -> io::Error {
    io::Error::new(err.kind(), format!("{}: {err}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_hex_and_paths_are_not_ids() {
        let id = new_id().unwrap();
        assert!(valid_id(&id), "{id}");
        assert_ne!(id, new_id().unwrap());
        for bad in [
            "",
            "..",
            "../etc/passwd",
            &id[1..],
            &id.to_uppercase(),
            &format!("{id}0"),
        ] {
            assert!(!valid_id(bad), "{bad}");
        }
    }
}
