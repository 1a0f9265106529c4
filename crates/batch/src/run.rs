//! Running a batch: the (document, target) pairs in priority order, a few at a time, each
//! output written once, every event in the ledger; and estimating one without running it.

use std::collections::{HashMap, VecDeque};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use folio_translate::{Engine, Estimate, Price, TranslateOptions};
use folio_typeset::FontBook;
use serde::{Deserialize, Serialize};

use crate::{
    Entry, Error, Job, Ledger, LedgerState, OutputKeys, S3Access, S3Settings, Storage, is_s3,
    open_output,
};

/// Makes the engine for a target language. Passed in by the caller (the CLI builds engines
/// from its flags and config), called once per target; the engine is then shared by every
/// document going into that language.
pub type EngineMaker<'a> = dyn Fn(&str) -> Result<Box<dyn Engine>, String> + Sync + 'a;

/// How a batch runs: where outputs go, how many documents at once, the shared engine
/// settings and the caps.
pub struct Settings<'a> {
    /// The output folder or `s3://bucket/prefix` (`PREFIX`): `PREFIX/id/L.pdf`, the ledger,
    /// the summary.
    pub prefix: PathBuf,
    /// How S3 inputs and outputs are reached, beyond the AWS environment variables.
    pub s3: S3Settings,
    /// Documents in flight at once (at least 1).
    pub concurrency: usize,
    /// The fonts new text may use.
    pub fonts: &'a FontBook,
    /// Engine options every document starts from: the shared cache and rate limiter, batch
    /// limits, retries.
    pub translate: TranslateOptions,
    /// The user password of encrypted inputs, when they share one.
    pub password: Option<String>,
    /// Prices per million tokens, for costs and the budget.
    pub price: Option<Price>,
    /// When to stop starting new documents.
    pub caps: Caps,
    /// How scanned pages are read by OCR (the `folio batch` and `folio worker` default is
    /// auto, as `folio translate`'s; the language, when empty, is each document's source's).
    pub ocr: folio::OcrSettings,
    /// What reading one document may cost (the config's `[limits]`): a document over a
    /// document limit fails its job, a page over a page limit fails alone.
    pub limits: folio_pdf::Limits,
}

/// Limits on what a batch may spend, checked against each document's estimate before it
/// starts: the batch stops starting documents before a cap would be passed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Caps {
    /// Prompt and completion tokens, all documents together.
    pub max_tokens: Option<u64>,
    /// Cost at [`Settings::price`], all documents together.
    pub budget: Option<f64>,
}

impl Caps {
    /// Whether any cap is set.
    pub fn any(&self) -> bool {
        self.max_tokens.is_some() || self.budget.is_some()
    }
}

/// What happens, as it happens, for the caller to show (the batch itself prints nothing).
#[derive(Debug, Clone)]
pub enum Event<'a> {
    /// A (document, target) started.
    Started {
        /// The document.
        id: &'a str,
        /// The target.
        to: &'a str,
        /// 1 for the first try, counting earlier runs'.
        attempt: u32,
    },
    /// It was written.
    Done {
        /// The document.
        id: &'a str,
        /// The target.
        to: &'a str,
        /// Pages translated.
        pages: u32,
        /// Segments translated.
        segments: u32,
        /// Segments that failed inside an otherwise written document.
        failed_segments: usize,
        /// Tokens used.
        tokens: u64,
        /// Seconds it took.
        seconds: f64,
    },
    /// It failed; the others go on.
    Failed {
        /// The document.
        id: &'a str,
        /// The target.
        to: &'a str,
        /// Why.
        error: &'a str,
    },
    /// A cap would be passed by starting it: it and the rest are left.
    Capped {
        /// The document.
        id: &'a str,
        /// The target.
        to: &'a str,
        /// Which cap, and by how much.
        reason: &'a str,
    },
    /// Its outputs were already written from the same input and settings (a worker given a
    /// job twice).
    Skipped {
        /// The document.
        id: &'a str,
        /// The target.
        to: &'a str,
    },
    /// A worker gave it up: it is on the queue's dead-letter list.
    Dead {
        /// The document.
        id: &'a str,
        /// The target.
        to: &'a str,
        /// Why.
        error: &'a str,
    },
    /// A worker stops taking jobs for a while: the engine keeps failing.
    Paused {
        /// For how long.
        seconds: f64,
        /// The last failure.
        reason: &'a str,
    },
    /// Something the user should know that stops nothing (stale temporaries removed).
    Note(&'a str),
}

impl<'a> Event<'a> {
    /// The `Done` event of a document written, from its report.
    pub(crate) fn done(id: &'a str, to: &'a str, report: &folio::Report, seconds: f64) -> Self {
        Event::Done {
            id,
            to,
            pages: report.pages_translated,
            segments: report.segments.translated,
            failed_segments: report.segments.failed.len(),
            tokens: report.engine.prompt_tokens + report.engine.completion_tokens,
            seconds,
        }
    }
}

/// A (document, target) pair, as the summary lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobKey {
    /// The document's id.
    pub id: String,
    /// The target language.
    pub to: String,
}

/// A (document, target) that failed, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    /// The document's id.
    pub id: String,
    /// The target language.
    pub to: String,
    /// The pipeline's message.
    pub error: String,
}

/// What a run did, printed at the end and written to `PREFIX/summary.json`. Counts are of
/// outputs: one per (document, target).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Outputs written by this run.
    pub done: u32,
    /// Outputs that failed (listed in `failures`).
    pub failed: u32,
    /// Outputs already there from an earlier run, not redone.
    pub skipped: u32,
    /// Outputs not started because a cap would have been passed (listed in `left_jobs`).
    pub left: u32,
    /// Pages translated by this run.
    pub pages: u64,
    /// Wall-clock seconds of the run.
    pub seconds: f64,
    /// Pages translated per wall-clock second.
    pub pages_per_second: f64,
    /// Segments translated.
    pub segments: u64,
    /// Engine requests, retries included.
    pub requests: u64,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
    /// Prompt and completion tokens.
    pub tokens: u64,
    /// Segments answered from the cache or as a repeat, without a request of their own.
    pub cache_hits: u64,
    /// `cache_hits` over the segments translated (0 when there were none).
    pub cache_hit_rate: f64,
    /// Cost at the price given, if one was.
    pub cost: Option<f64>,
    /// What stopped the batch early, if a cap did.
    pub stopped_by: Option<String>,
    /// The failures, with their errors.
    pub failures: Vec<Failure>,
    /// The outputs a cap left unstarted.
    pub left_jobs: Vec<JobKey>,
}

impl Summary {
    /// The summary's file name under the output folder.
    pub const FILE: &str = "summary.json";
}

/// What a whole batch would send and cost, without calling the engine nor writing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BatchEstimate {
    /// Outputs counted.
    pub outputs: u32,
    /// Outputs already there (not counted: a run skips them).
    pub skipped: u32,
    /// Outputs whose input cannot be read, with why (not counted).
    pub failures: Vec<Failure>,
    /// The counts of every output added up.
    pub total: Estimate,
    /// Cost at the price given, if one was.
    pub cost: Option<f64>,
}

/// One (document, target) to do.
struct Task<'j> {
    job: &'j Job,
    to: &'j str,
    paths: OutputKeys,
}

/// The pairs of `jobs`, highest priority first; equal priorities in manifest order, a
/// document's targets in their order.
fn tasks(jobs: &[Job]) -> Vec<Task<'_>> {
    let mut order: Vec<&Job> = jobs.iter().collect();
    order.sort_by_key(|j| std::cmp::Reverse(j.priority));
    order
        .into_iter()
        .flat_map(|job| {
            job.targets.iter().map(move |to| Task {
                job,
                to,
                paths: OutputKeys::new(&job.id, to),
            })
        })
        .collect()
}

/// An engine made for a target, or why it could not be.
type Built = Result<Arc<dyn Engine>, String>;

/// The engines by target, each made once and shared.
pub(crate) struct Engines<'a> {
    make: &'a EngineMaker<'a>,
    built: Mutex<HashMap<String, Built>>,
}

impl<'a> Engines<'a> {
    pub(crate) fn new(make: &'a EngineMaker<'a>) -> Self {
        Self {
            make,
            built: Mutex::default(),
        }
    }

    /// Makes the engines of every target in `tasks` now, so that one that cannot be set up
    /// stops the batch before it starts rather than failing each of its documents.
    fn prepare<'t>(&self, tasks: impl IntoIterator<Item = &'t Task<'t>>) -> Result<(), Error> {
        for task in tasks {
            self.get(task.to).map_err(|message| Error::Engine {
                to: task.to.to_string(),
                message,
            })?;
        }
        Ok(())
    }

    /// The engine into `to`, made on first use (a failure is kept and given again).
    pub(crate) fn get(&self, to: &str) -> Built {
        let mut built = self.built.lock().unwrap_or_else(|e| e.into_inner());
        built
            .entry(to.to_string())
            .or_insert_with(|| (self.make)(to).map(Arc::from))
            .clone()
    }
}

/// The pipeline's options for one document into one target.
fn options<'o>(
    settings: &'o Settings<'_>,
    engine: &'o dyn Engine,
    job: &Job,
) -> folio::Options<'o> {
    folio::Options {
        translate: settings.translate.clone(),
        pages: job.pages.clone(),
        password: settings.password.clone(),
        ocr: settings.ocr.clone(),
        limits: settings.limits,
        ..folio::Options::new(engine, settings.fonts)
    }
}

/// Reads an input, a local file or an S3 object, saying which when it cannot.
pub(crate) fn read_input(path: &Path, s3: &S3Access) -> Result<Arc<Vec<u8>>, String> {
    if is_s3(path) {
        return s3
            .read(&path.to_string_lossy())
            .map(Arc::new)
            .map_err(|e| e.to_string());
    }
    std::fs::read(path)
        .map(Arc::new)
        .map_err(|e| format!("{}: cannot read the file: {e}", path.display()))
}

/// Splits `tasks` into those whose PDF is already in `store` and those to do.
fn split_done<'j>(
    tasks: Vec<Task<'j>>,
    store: &dyn Storage,
) -> Result<(Vec<Task<'j>>, Vec<Task<'j>>), Error> {
    let (mut done, mut todo) = (Vec::new(), Vec::new());
    for task in tasks {
        if store.exists(&task.paths.pdf)? {
            done.push(task);
        } else {
            todo.push(task);
        }
    }
    Ok((done, todo))
}

/// The pipeline's error as one line, with its hint.
pub(crate) fn message(err: &folio::Error) -> String {
    match err.hint() {
        Some(hint) => format!("{err} (hint: {hint})"),
        None => err.to_string(),
    }
}

/// Counts what the batch would send and cost, without calling the engine nor writing
/// anything; outputs already written are not counted.
pub fn estimate(
    jobs: &[Job],
    settings: &Settings<'_>,
    make_engine: &EngineMaker<'_>,
) -> Result<BatchEstimate, Error> {
    let s3 = S3Access::new(settings.s3.clone());
    let store = open_output(&settings.prefix, &s3)?;
    let engines = Engines::new(make_engine);
    let mut out = BatchEstimate::default();
    let (done, todo) = split_done(tasks(jobs), store.as_ref())?;
    out.skipped = done.len() as u32;
    engines.prepare(&todo)?;
    for task in todo {
        match estimate_task(&task, settings, &engines, &s3) {
            Ok(e) => {
                out.outputs += 1;
                out.total += &e;
            }
            Err(error) => out.failures.push(Failure {
                id: task.job.id.clone(),
                to: task.to.to_string(),
                error,
            }),
        }
    }
    out.cost = settings.price.map(|p| out.total.cost(p));
    Ok(out)
}

/// One pair's estimate.
fn estimate_task(
    task: &Task<'_>,
    settings: &Settings<'_>,
    engines: &Engines<'_>,
    s3: &S3Access,
) -> Result<Estimate, String> {
    let engine = engines.get(task.to)?;
    let bytes = read_input(&task.job.input, s3)?;
    let options = options(settings, engine.as_ref(), task.job);
    folio::estimate(bytes, &options).map_err(|e| message(&e))
}

/// What the threads share while the batch runs.
struct Shared<'s, 'j> {
    settings: &'s Settings<'s>,
    engines: Engines<'s>,
    s3: &'s S3Access,
    store: Arc<dyn Storage>,
    ledger: Ledger,
    history: LedgerState,
    queue: Mutex<VecDeque<Task<'j>>>,
    /// Estimated tokens and cost of the documents started, against the caps.
    committed: Mutex<(u64, f64)>,
    stopped: AtomicBool,
    summary: Mutex<Summary>,
    events: &'s (dyn Fn(Event<'_>) + Sync),
}

/// Runs the batch: every (document, target) whose PDF is not already under `prefix` is
/// translated, `concurrency` at a time, highest priority first; each event goes to the
/// ledger and to `events`. A document that fails is recorded and the others go on; only
/// an output folder that cannot be written stops the batch. Writes and returns the summary.
pub fn run(
    jobs: &[Job],
    settings: &Settings<'_>,
    make_engine: &EngineMaker<'_>,
    events: &(dyn Fn(Event<'_>) + Sync),
) -> Result<Summary, Error> {
    let start = Instant::now();
    let s3 = S3Access::new(settings.s3.clone());
    let store = open_output(&settings.prefix, &s3)?;
    let (done, todo) = split_done(tasks(jobs), store.as_ref())?;
    let engines = Engines::new(make_engine);
    engines.prepare(&todo)?;
    // One process per local output folder (on S3 this is the user's to keep).
    let _lock = store
        .local_path(crate::PrefixLock::FILE)
        .map(|path| crate::PrefixLock::take(&path))
        .transpose()?;
    // Creates the folder, or checks the bucket answers, before anything is translated.
    let stale = store.prepare()?;
    if stale > 0 {
        events(Event::Note(&format!(
            "removed {stale} unfinished temporary file(s) of an earlier run"
        )));
    }
    let (ledger, history) = Ledger::open(&store)?;
    let summary = Summary {
        skipped: done.len() as u32,
        ..Summary::default()
    };
    log_recovered(&ledger, &history, &done, store.as_ref())?;
    let queue = VecDeque::from(todo);
    let shared = Shared {
        settings,
        engines,
        s3: &s3,
        store,
        ledger,
        history,
        queue: Mutex::new(queue),
        committed: Mutex::default(),
        stopped: AtomicBool::new(false),
        summary: Mutex::new(summary),
        events,
    };
    let workers = settings.concurrency.max(1);
    let fatal: Mutex<Option<Error>> = Mutex::default();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                if let Err(e) = work(&shared) {
                    shared.stopped.store(true, Ordering::SeqCst);
                    fatal
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .get_or_insert(e);
                }
            });
        }
    });
    if let Some(e) = fatal.into_inner().unwrap_or_else(|e| e.into_inner()) {
        return Err(e);
    }
    let mut summary = shared
        .summary
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    summary.seconds = start.elapsed().as_secs_f64();
    if summary.seconds > 0.0 {
        summary.pages_per_second = summary.pages as f64 / summary.seconds;
    }
    summary.tokens = summary.prompt_tokens + summary.completion_tokens;
    // Hits are segments translated without a request of their own, so they are part of
    // `segments`; the rate is the share of translated segments that cost nothing.
    if summary.segments > 0 {
        summary.cache_hit_rate = (summary.cache_hits as f64 / summary.segments as f64).min(1.0);
    }
    summary.cost = cost(
        summary.prompt_tokens,
        summary.completion_tokens,
        settings.price,
    );
    let mut json = serde_json::to_vec_pretty(&summary).expect("the summary always serializes");
    json.push(b'\n');
    shared.store.put(Summary::FILE, &json)?;
    Ok(summary)
}

/// Logs `done` for the finished pairs the ledger does not know as done: their PDF was renamed
/// into place by a run killed before it could log it. So each finished pair has one `done`.
fn log_recovered(
    ledger: &Ledger,
    history: &LedgerState,
    done: &[Task<'_>],
    store: &dyn Storage,
) -> Result<(), Error> {
    for task in done {
        let past = history.history(&task.job.id, task.to);
        if past.done {
            continue;
        }
        ledger.append(&Entry::Done {
            id: task.job.id.clone(),
            to: task.to.to_string(),
            attempt: past.attempts.max(1),
            pages: pages_in_report(store, &task.paths.report),
            segments: 0,
            tokens: 0,
            seconds: 0.0,
            recovered: true,
        })?;
    }
    Ok(())
}

/// Pages translated, as an output's report says (0 when it cannot be read).
fn pages_in_report(store: &dyn Storage, key: &str) -> u32 {
    store
        .get(key)
        .ok()
        .flatten()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v.get("pages_translated")?.as_u64())
        .map_or(0, |n| n as u32)
}

/// One thread: takes pairs from the queue until it is empty or the batch stopped.
fn work(shared: &Shared<'_, '_>) -> Result<(), Error> {
    loop {
        let Some(task) = shared
            .queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front()
        else {
            return Ok(());
        };
        if shared.stopped.load(Ordering::SeqCst) {
            leave(shared, task);
            continue;
        }
        let Some(committed) = within_caps(shared, &task) else {
            leave(shared, task);
            continue;
        };
        let spent = run_task(shared, &task)?;
        // The estimate held against the caps gives way to what the document really used, so
        // an estimate that was low does not let the batch overrun its cap.
        let mut total = shared.committed.lock().unwrap_or_else(|e| e.into_inner());
        total.0 = total.0 - committed.0 + spent.0;
        total.1 = total.1 - committed.1 + spent.1;
    }
}

/// Counts `task` as left by a cap.
fn leave(shared: &Shared<'_, '_>, task: Task<'_>) {
    let mut summary = shared.summary.lock().unwrap_or_else(|e| e.into_inner());
    summary.left += 1;
    summary.left_jobs.push(JobKey {
        id: task.job.id.clone(),
        to: task.to.to_string(),
    });
}

/// Whether starting `task` keeps the batch within its caps: what finished documents used
/// plus the estimates of those in flight and of this one. If it does, the tokens and cost
/// now held for it; if not, `None`, and the batch stops starting documents. An input that
/// cannot be estimated goes ahead (its run fails with the pipeline's message).
fn within_caps(shared: &Shared<'_, '_>, task: &Task<'_>) -> Option<(u64, f64)> {
    let caps = shared.settings.caps;
    if !caps.any() {
        return Some((0, 0.0));
    }
    let Ok(est) = estimate_task(task, shared.settings, &shared.engines, shared.s3) else {
        return Some((0, 0.0));
    };
    let tokens = est.prompt_tokens + est.completion_tokens;
    let cost = shared.settings.price.map_or(0.0, |p| est.cost(p));
    let mut committed = shared.committed.lock().unwrap_or_else(|e| e.into_inner());
    let reason = if let Some(max) = caps.max_tokens.filter(|&m| committed.0 + tokens > m) {
        Some(format!(
            "--max-tokens {max}: {} tokens started, this one needs ~{tokens}",
            committed.0
        ))
    } else {
        caps.budget.filter(|&b| committed.1 + cost > b).map(|b| {
            format!(
                "--budget-usd {b}: {:.4} started, this one needs ~{cost:.4}",
                committed.1
            )
        })
    };
    if let Some(reason) = reason {
        if !shared.stopped.swap(true, Ordering::SeqCst) {
            (shared.events)(Event::Capped {
                id: &task.job.id,
                to: task.to,
                reason: &reason,
            });
            shared
                .summary
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .stopped_by = Some(reason);
        }
        return None;
    }
    committed.0 += tokens;
    committed.1 += cost;
    Some((tokens, cost))
}

/// Translates one pair and records how it went: the tokens and cost it used. `Err` only
/// when the ledger or an output cannot be written, which stops the batch.
fn run_task(shared: &Shared<'_, '_>, task: &Task<'_>) -> Result<(u64, f64), Error> {
    let (id, to) = (task.job.id.as_str(), task.to);
    let attempt = shared.history.history(id, to).attempts + 1;
    let at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    shared.ledger.append(&Entry::Started {
        id: id.into(),
        to: to.into(),
        attempt,
        at,
    })?;
    (shared.events)(Event::Started { id, to, attempt });
    let start = Instant::now();
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| translate_one(shared, task)))
        .unwrap_or_else(|_| {
            Err("the pipeline panicked on this document (please report this as a bug)".to_string())
        });
    let (pdf, report, fingerprint) = match result {
        Ok(out) => out,
        Err(error) => {
            shared
                .ledger
                .append(&Entry::failed(id, to, attempt, &error))?;
            (shared.events)(Event::Failed {
                id,
                to,
                error: &error,
            });
            let mut summary = shared.summary.lock().unwrap_or_else(|e| e.into_inner());
            summary.failed += 1;
            summary.failures.push(Failure {
                id: id.into(),
                to: to.into(),
                error,
            });
            return Ok((0, 0.0));
        }
    };
    // The report first: the PDF's presence is what marks the pair done.
    let json = crate::worker::report_json(
        &report,
        &fingerprint,
        id,
        to,
        &task.job.input.to_string_lossy(),
    );
    shared.store.put(&task.paths.report, &json)?;
    shared.store.put(&task.paths.pdf, &pdf)?;
    let seconds = start.elapsed().as_secs_f64();
    shared
        .ledger
        .append(&Entry::done(id, to, attempt, &report, seconds))?;
    (shared.events)(Event::done(id, to, &report, seconds));
    let mut summary = shared.summary.lock().unwrap_or_else(|e| e.into_inner());
    summary.done += 1;
    summary.pages += u64::from(report.pages_translated);
    summary.segments += u64::from(report.segments.translated);
    summary.requests += report.engine.requests;
    summary.prompt_tokens += report.engine.prompt_tokens;
    summary.completion_tokens += report.engine.completion_tokens;
    summary.cache_hits += report.engine.cache_hits;
    Ok(spent(&report, shared.settings.price))
}

/// What tokens cost at `price`, when there is one.
fn cost(prompt_tokens: u64, completion_tokens: u64, price: Option<Price>) -> Option<f64> {
    price.map(|p| {
        Estimate {
            prompt_tokens,
            completion_tokens,
            ..Estimate::default()
        }
        .cost(p)
    })
}

/// The tokens a document used, as its report says, and their cost at `price` (0 without one):
/// what the caps count.
pub(crate) fn spent(report: &folio::Report, price: Option<Price>) -> (u64, f64) {
    let e = &report.engine;
    (
        e.prompt_tokens + e.completion_tokens,
        cost(e.prompt_tokens, e.completion_tokens, price).unwrap_or(0.0),
    )
}

/// The pipeline on one pair: the PDF, its report and the output's fingerprint, or the error
/// as the pipeline says it.
fn translate_one(
    shared: &Shared<'_, '_>,
    task: &Task<'_>,
) -> Result<(Vec<u8>, folio::Report, String), String> {
    let engine = shared.engines.get(task.to)?;
    let bytes = read_input(&task.job.input, shared.s3)?;
    let pages = task.job.pages.as_ref().map(|p| p.to_string());
    let fingerprint = crate::fingerprint(&bytes, task.to, pages.as_deref(), engine.as_ref());
    let options = options(shared.settings, engine.as_ref(), task.job);
    let (pdf, report) = folio::translate(bytes, &options, &mut |_| {}).map_err(|e| message(&e))?;
    Ok((pdf, report, fingerprint))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: &str, targets: &[&str], priority: i64) -> Job {
        Job {
            id: id.into(),
            input: PathBuf::from(format!("{id}.pdf")),
            targets: targets.iter().map(|t| t.to_string()).collect(),
            priority,
            pages: None,
            line: 0,
        }
    }

    #[test]
    fn pairs_go_by_priority_then_manifest_order_then_target_order() {
        let jobs = [
            job("a", &["es"], 0),
            job("b", &["pt-BR", "es"], 2),
            job("c", &["es"], 0),
            job("d", &["es"], 2),
        ];
        let order: Vec<String> = tasks(&jobs)
            .iter()
            .map(|t| format!("{}/{}", t.job.id, t.to))
            .collect();
        assert_eq!(order, ["b/pt-BR", "b/es", "d/es", "a/es", "c/es"]);
        let first = &tasks(&jobs)[0];
        assert_eq!(first.paths.pdf, "b/pt-BR.pdf");
        assert_eq!(first.paths.report, "b/pt-BR.report.json");
    }
}
