//! The runner: a queue of job ids, at most N jobs translating at once, each on a thread of
//! its own; the jobs' state in memory and on disk, and a broadcast of each job's events.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{Semaphore, broadcast, mpsc};

use folio_translate::{Engine, TranslateOptions};

use crate::edit;
use crate::store::{Job, JobError, JobOptions, JobStore, State, now_ms};
use crate::{EngineMaker, EngineRequest, Settings};

/// Events of one job, as the `events` stream sends them.
#[derive(Debug, Clone)]
pub enum JobEvent {
    /// The job moved: its state and progress.
    Progress(Job),
    /// The job is done.
    Done(Job),
    /// The job failed.
    Failed(Job),
    /// An edit wrote the result again: the job (its new revision) and the pages that changed.
    Page(Job, Vec<u32>),
}

impl JobEvent {
    /// The event for `job` as it is now.
    pub fn of(job: Job) -> Self {
        match job.state {
            State::Done => JobEvent::Done(job),
            State::Failed => JobEvent::Failed(job),
            State::Queued | State::Running => JobEvent::Progress(job),
        }
    }
}

/// Events kept for a slow listener; one that falls further behind skips to the newest.
const EVENT_BACKLOG: usize = 64;

/// Starts the jobs and keeps their state; cheap to clone.
#[derive(Clone)]
pub struct Runner {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    store: JobStore,
    /// Every job's latest state (`job.json` is written on each change of state or stage).
    jobs: Mutex<HashMap<String, Job>>,
    events: Mutex<HashMap<String, broadcast::Sender<JobEvent>>>,
    queue: mpsc::UnboundedSender<String>,
    make_engine: Arc<EngineMaker>,
    fonts: Arc<folio_typeset::FontBook>,
    /// What reading one PDF may cost.
    limits: folio_pdf::Limits,
    job_timeout: Duration,
    /// How scanned pages are read (each job says when).
    ocr: folio::OcrSettings,
    /// One lock per job being edited: its edits are applied one after the other.
    edit_locks: Mutex<HashMap<String, Arc<Mutex<()>>>>,
}

/// The payload a cancelled pipeline unwinds with (no panic message is printed for it).
struct Cancelled;

impl Runner {
    /// Loads the stored jobs, queues again those left queued or running (oldest first), and
    /// starts the dispatcher. Must be called inside a tokio runtime.
    pub fn start(store: JobStore, settings: &Settings) -> std::io::Result<Self> {
        let (queue, rx) = mpsc::unbounded_channel();
        let mut jobs = HashMap::new();
        let mut again = Vec::new();
        for mut job in store.load_all()? {
            if !job.state.is_final() {
                job.state = State::Queued;
                job.started_ms = None;
                job.progress = Default::default();
                store.save(&job)?;
                again.push(job.id.clone());
            }
            jobs.insert(job.id.clone(), job);
        }
        let inner = Arc::new(Inner {
            store,
            jobs: Mutex::new(jobs),
            events: Mutex::new(HashMap::new()),
            queue,
            make_engine: settings.make_engine.clone(),
            fonts: settings.fonts.clone(),
            limits: settings.limits,
            job_timeout: settings.job_timeout,
            ocr: settings.ocr.clone(),
            edit_locks: Mutex::default(),
        });
        for id in again {
            inner.enqueue(id);
        }
        let slots = Arc::new(Semaphore::new(settings.jobs.max(1)));
        tokio::spawn(dispatch(inner.clone(), rx, slots));
        Ok(Self { inner })
    }

    /// Stores a new job and queues it.
    pub fn submit(&self, options: JobOptions, pages: u32, pdf: &[u8]) -> std::io::Result<Job> {
        let job = self.inner.store.create(options, pages, pdf)?;
        self.inner.lock_jobs().insert(job.id.clone(), job.clone());
        self.inner.enqueue(job.id.clone());
        Ok(job)
    }

    /// The job `id` as it is now.
    pub fn job(&self, id: &str) -> Option<Job> {
        self.inner.lock_jobs().get(id).cloned()
    }

    /// The job's events from now on, and the job as it is now (read after subscribing, so no
    /// event falls between them).
    pub fn subscribe(&self, id: &str) -> Option<(broadcast::Receiver<JobEvent>, Job)> {
        let rx = self.inner.sender(id).subscribe();
        Some((rx, self.job(id)?))
    }

    /// Every job, newest first.
    pub fn jobs(&self) -> Vec<Job> {
        let mut jobs: Vec<Job> = self.inner.lock_jobs().values().cloned().collect();
        jobs.sort_by(|a, b| (b.created_ms, &b.id).cmp(&(a.created_ms, &a.id)));
        jobs
    }

    /// Queues done or failed job `id` again: the engine is asked only for what the job's
    /// memory and edits do not hold (the segments that failed), and the edits are kept. `None`
    /// when there is no such job; the job as it was when it is still queued or running.
    pub fn run_again(&self, id: &str) -> Option<Result<Job, Job>> {
        // Not while an edit writes the result.
        let lock = self.inner.edit_lock(id);
        let _alone = lock.lock().unwrap_or_else(PoisonError::into_inner);
        let job = {
            let mut jobs = self.inner.lock_jobs();
            let job = jobs.get_mut(id)?;
            if !job.state.is_final() {
                return Some(Err(job.clone()));
            }
            job.state = State::Queued;
            job.error = None;
            job.started_ms = None;
            job.finished_ms = None;
            job.progress = Default::default();
            job.clone()
        };
        if let Err(e) = self.inner.store.save(&job) {
            eprintln!("warning: job {id}: cannot save its state: {e}");
        }
        let _ = self.inner.sender(id).send(JobEvent::of(job.clone()));
        self.inner.enqueue(id.to_string());
        Some(Ok(job))
    }

    /// Deletes done or failed job `id` and its files; a queued or running job stays (its
    /// state is the error).
    pub fn delete(&self, id: &str) -> Result<(), edit::EditError> {
        let job = self.job(id).ok_or(edit::EditError::NoBlock)?;
        if !job.state.is_final() {
            return Err(edit::EditError::NotDone(job.state));
        }
        // No edit may be writing its files meanwhile.
        let lock = self.inner.edit_lock(id);
        let _alone = lock.lock().unwrap_or_else(PoisonError::into_inner);
        self.inner.lock_jobs().remove(id);
        self.inner
            .store
            .remove(id)
            .map_err(|e| edit::EditError::Internal(e.to_string()))
    }

    /// Where the job's files are.
    pub fn store(&self) -> &JobStore {
        &self.inner.store
    }

    /// Every block of done job `id` as the editor sees it.
    pub fn blocks(&self, id: &str) -> Result<Vec<folio::BlockText>, edit::EditError> {
        let job = self.job(id).ok_or(edit::EditError::NoBlock)?;
        if job.state != State::Done {
            return Err(edit::EditError::NotDone(job.state));
        }
        let store = &self.inner.store;
        Ok(store
            .read_json(&store.blocks(id))
            .map_err(|e| edit::EditError::Internal(e.to_string()))?
            .unwrap_or_default())
    }

    /// Applies an editor's changes to done job `id` (a translation for a block, or `None` to
    /// drop the block's edit and take the engine's again), then writes its result again from
    /// the job's memory and the edits, without asking the engine. Blocking: call it off the
    /// async threads, on a thread of its own (the pipeline starts a runtime).
    pub fn edit(
        &self,
        id: &str,
        changes: &[(folio_doc::BlockId, Option<String>)],
    ) -> Result<edit::Edited, edit::EditError> {
        use edit::EditError;
        let lock = {
            let mut locks = self
                .inner
                .edit_locks
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            locks.entry(id.to_string()).or_default().clone()
        };
        let _one_at_a_time = lock.lock().unwrap_or_else(PoisonError::into_inner);
        let before = self.blocks(id)?;
        let job = self.job(id).ok_or(EditError::NoBlock)?;
        if changes.is_empty() {
            return Ok(edit::Edited {
                revision: job.revision,
                pages: Vec::new(),
                blocks: Vec::new(),
            });
        }
        let store = &self.inner.store;
        let failed = |e: std::io::Error| EditError::Internal(e.to_string());
        let by_id: HashMap<folio_doc::BlockId, &folio::BlockText> =
            before.iter().map(|b| (b.id, b)).collect();
        let mut edits: edit::Edits = store
            .read_json(&store.edits(id))
            .map_err(failed)?
            .unwrap_or_default();
        for (block, translation) in changes {
            let text = by_id.get(block).ok_or(EditError::NoBlock)?;
            let name = edit::block_name(*block);
            match translation {
                Some(t) => {
                    edit::check_edit(text, t)?;
                    edits.insert(
                        name,
                        folio::Fixed {
                            source: text.source.clone(),
                            translation: t.to_string(),
                        },
                    );
                }
                None => {
                    edits.remove(&name);
                }
            }
        }
        let info: folio_translate::EngineInfo = store
            .read_json(&store.engine(id))
            .map_err(failed)?
            .ok_or_else(|| EditError::Internal(format!("job {id}: engine.json is missing")))?;
        let engine = edit::Remembered::new(info);
        let translate = TranslateOptions {
            cache: Some(
                edit::job_memory(store, id, None)
                    .map_err(|e| EditError::Internal(e.to_string()))?,
            ),
            ..TranslateOptions::default()
        };
        // The edits are stored first, so the re-render reads them as a job's run does.
        let previous = store.read(&store.edits(id));
        store.write_json(&store.edits(id), &edits).map_err(failed)?;
        let rendered = render(&self.inner, &job, &engine, translate, &mut |_| {});
        let (pdf, mut report) = match rendered {
            Ok(out) => out,
            Err(e) => {
                // Nothing changes when the re-render fails: the edits go back as they were.
                let _ = store.restore(&store.edits(id), previous);
                return Err(EditError::Internal(e.error));
            }
        };
        // The engine's cost is that of the job's run; a re-render costs nothing.
        let old: Option<folio::Report> = store.read_json(&store.report(id)).map_err(failed)?;
        if let Some(old) = old {
            report.engine = old.engine;
        }
        let pages = edit::changed_pages(&before, &report.texts);
        let changed = changes
            .iter()
            .filter_map(|(block, _)| report.texts.iter().find(|b| b.id == *block))
            .map(edit::BlockView::from)
            .collect();
        store.write_result(id, &pdf, report).map_err(failed)?;
        let job = self.inner.revise(id, pages.clone()).map_err(failed)?;
        Ok(edit::Edited {
            revision: job.revision,
            pages,
            blocks: changed,
        })
    }
}

impl Inner {
    fn lock_jobs(&self) -> std::sync::MutexGuard<'_, HashMap<String, Job>> {
        // A panic never happens while the lock is held; if one did, the map is still whole.
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The lock that puts job `id`'s edits (and its deletion) one after the other.
    fn edit_lock(&self, id: &str) -> Arc<Mutex<()>> {
        let mut locks = self
            .edit_locks
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        locks.entry(id.to_string()).or_default().clone()
    }

    fn sender(&self, id: &str) -> broadcast::Sender<JobEvent> {
        let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
        events
            .entry(id.to_string())
            .or_insert_with(|| broadcast::channel(EVENT_BACKLOG).0)
            .clone()
    }

    fn enqueue(&self, id: String) {
        // The dispatcher lives as long as the runtime, so the receiver is never dropped first.
        let _ = self.queue.send(id);
    }

    /// Changes job `id` with `change` unless it is done or failed, broadcasts it, and writes
    /// `job.json` when `persist`.
    fn update(&self, id: &str, persist: bool, change: impl FnOnce(&mut Job)) {
        let job = {
            let mut jobs = self.lock_jobs();
            // A final job stays as it ended (a thread past its time limit may still report).
            let Some(job) = jobs.get_mut(id).filter(|job| !job.state.is_final()) else {
                return;
            };
            change(job);
            job.clone()
        };
        if persist && let Err(e) = self.store.save(&job) {
            eprintln!("warning: job {id}: cannot save its state: {e}");
        }
        let last = job.state.is_final();
        let _ = self.sender(id).send(JobEvent::of(job));
        if last {
            // Its listeners have the last event and then see the channel closed; a later one
            // gets a new channel and the job's final state first.
            let mut events = self.events.lock().unwrap_or_else(PoisonError::into_inner);
            events.remove(id);
        }
    }

    /// Counts a new revision of done job `id`'s result, and tells its listeners which pages
    /// changed.
    fn revise(&self, id: &str, pages: Vec<u32>) -> std::io::Result<Job> {
        let job = {
            let mut jobs = self.lock_jobs();
            let job = jobs
                .get_mut(id)
                .ok_or_else(|| std::io::Error::other(format!("job {id} is gone")))?;
            job.revision += 1;
            job.clone()
        };
        self.store.save(&job)?;
        self.store.drop_stale_images(id, job.revision);
        let _ = self.sender(id).send(JobEvent::Page(job.clone(), pages));
        Ok(job)
    }

    fn fail(&self, id: &str, error: JobError) {
        self.update(id, true, |job| {
            job.state = State::Failed;
            job.finished_ms = Some(now_ms());
            job.error = Some(error);
        });
    }
}

/// Takes queued ids in order and starts each when a slot is free.
async fn dispatch(
    inner: Arc<Inner>,
    mut rx: mpsc::UnboundedReceiver<String>,
    slots: Arc<Semaphore>,
) {
    while let Some(id) = rx.recv().await {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let inner = inner.clone();
        tokio::spawn(async move {
            run(&inner, &id).await;
            drop(slot);
        });
    }
}

/// Runs one job to its end: done, failed, or past its time limit.
async fn run(inner: &Arc<Inner>, id: &str) {
    let Some(job) = inner.lock_jobs().get(id).cloned() else {
        return;
    };
    inner.update(id, true, |job| {
        job.state = State::Running;
        job.started_ms = Some(now_ms());
    });
    let cancel = Arc::new(AtomicBool::new(false));
    // A thread of our own, not tokio's blocking pool: the engines start their own runtime,
    // which they refuse to do on a thread that belongs to one.
    let (sent, mut finished) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name(format!("job-{id}"))
        .spawn({
            let inner = inner.clone();
            let cancel = cancel.clone();
            move || {
                let _ = sent.send(translate(&inner, &job, &cancel));
            }
        });
    if let Err(e) = spawned {
        inner.fail(
            id,
            JobError {
                error: format!("cannot start the job's thread: {e}"),
                hint: None,
            },
        );
        return;
    }
    let outcome = match tokio::time::timeout(inner.job_timeout, &mut finished).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(_)) => Err(JobError {
            error: "the job's thread ended without an answer".into(),
            hint: Some("please report this as a bug".into()),
        }),
        Err(_) => {
            inner.fail(
                id,
                JobError {
                    error: format!(
                        "the job took longer than the limit of {} s",
                        inner.job_timeout.as_secs()
                    ),
                    hint: Some(
                        "translate fewer pages at once (`pages`), or ask the operator to raise the limit"
                            .into(),
                    ),
                },
            );
            // The slot stays taken until the thread has stopped (at its next progress event).
            cancel.store(true, Ordering::Relaxed);
            let _ = finished.await;
            return;
        }
    };
    match outcome {
        Ok(()) => inner.update(id, true, |job| {
            job.state = State::Done;
            job.finished_ms = Some(now_ms());
            job.progress.stage = None;
            job.revision += 1;
        }),
        Err(error) => inner.fail(id, error),
    }
}

/// The blocking part of a job, with panics (a bug anywhere: the engine's construction, the
/// pipeline, the store) caught and turned into the job's failure.
fn translate(inner: &Arc<Inner>, job: &Job, cancel: &AtomicBool) -> Result<(), JobError> {
    match std::panic::catch_unwind(AssertUnwindSafe(|| run_pipeline(inner, job, cancel))) {
        Ok(outcome) => outcome,
        Err(payload) if payload.is::<Cancelled>() => Err(JobError {
            error: "the job was stopped".into(),
            hint: None,
        }),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(JobError {
                error: format!("internal error: {message}"),
                hint: Some("please report this as a bug, with the PDF if you can share it".into()),
            })
        }
    }
}

/// Gets the job's engine, runs the pipeline (the job's memory first, its edits fixed) and
/// stores the result.
fn run_pipeline(inner: &Arc<Inner>, job: &Job, cancel: &AtomicBool) -> Result<(), JobError> {
    let request = EngineRequest {
        engine: job.options.engine.as_deref(),
        from: job.options.from.as_deref(),
        to: &job.options.to,
    };
    let (engine, mut translate) =
        (inner.make_engine)(&request).map_err(|error| JobError { error, hint: None })?;
    let store = &inner.store;
    translate.cache =
        Some(edit::job_memory(store, &job.id, translate.cache.take()).map_err(internal("memory"))?);
    store
        .write_json(&store.engine(&job.id), engine.info())
        .map_err(internal("engine.json"))?;
    let id = job.id.as_str();
    let mut events = |event: folio::Event| {
        if cancel.load(Ordering::Relaxed) {
            std::panic::resume_unwind(Box::new(Cancelled));
        }
        match event {
            folio::Event::Started(stage) => inner.update(id, true, |job| {
                job.progress.stage = Some(format!("{stage:?}").to_lowercase());
            }),
            folio::Event::Translated { done, total } => inner.update(id, false, |job| {
                job.progress.segments_done = done;
                job.progress.segments_total = total;
            }),
        }
    };
    let (pdf, report) = render(inner, job, engine.as_ref(), translate, &mut events)?;
    store
        .write_result(id, &pdf, report)
        .map_err(internal("cannot store the result"))?;
    store.drop_stale_images(id, job.revision + 1);
    Ok(())
}

/// Runs the pipeline on job `job`'s input with `engine`, its edits fixed, every block
/// recorded for the editor.
pub(crate) fn render(
    inner: &Inner,
    job: &Job,
    engine: &dyn Engine,
    translate: TranslateOptions,
    events: &mut (dyn FnMut(folio::Event) + Send),
) -> Result<(Vec<u8>, folio::Report), JobError> {
    let store = &inner.store;
    let bytes = std::fs::read(store.input(&job.id)).map_err(|e| JobError {
        error: format!("cannot read the uploaded file: {e}"),
        hint: None,
    })?;
    let pages = match job.options.pages.as_deref().map(str::parse) {
        None => None,
        Some(Ok(pages)) => Some(pages),
        Some(Err(e)) => {
            return Err(JobError {
                error: format!("pages: {e}"),
                hint: None,
            });
        }
    };
    let edits: edit::Edits = store
        .read_json(&store.edits(&job.id))
        .map_err(internal("edits.json"))?
        .unwrap_or_default();
    // Checked at upload; a job stored before the field existed reads scans (auto).
    let mode = job
        .options
        .ocr
        .as_deref()
        .and_then(|m| m.parse().ok())
        .unwrap_or(folio::OcrMode::Auto);
    let memory = JobOcr(store.ocr(&job.id));
    let options = folio::Options {
        translate,
        pages,
        fixed: edit::fixed_of(&edits),
        record_blocks: true,
        ocr: folio::OcrSettings {
            mode,
            ..inner.ocr.clone()
        },
        ocr_memory: Some(&memory),
        limits: inner.limits,
        ..folio::Options::new(engine, &inner.fonts)
    };
    folio::translate(Arc::new(bytes), &options, events).map_err(|e| JobError {
        error: e.to_string(),
        hint: e.hint().map(String::from),
    })
}

/// A job's pages read by OCR, one JSON file each in its folder: the job's run keeps them, its
/// re-renders after edits recall them (tesseract runs once a page per job).
struct JobOcr(std::path::PathBuf);

impl JobOcr {
    fn page(&self, page: u32) -> std::path::PathBuf {
        self.0.join(format!("page-{page}.json"))
    }
}

impl folio::OcrMemory for JobOcr {
    fn recall(&self, page: u32) -> Option<folio::OcrPage> {
        let bytes = std::fs::read(self.page(page)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    fn remember(&self, page: &folio::OcrPage) {
        let kept = std::fs::create_dir_all(&self.0).and_then(|()| {
            let json = serde_json::to_vec(page).map_err(std::io::Error::other)?;
            std::fs::write(self.page(page.page), json)
        });
        // Not kept (a full disk): a re-render reads the page again, nothing worse.
        drop(kept);
    }
}

/// Turns a store error into the job's failure, naming what failed.
fn internal<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> JobError {
    move |e| JobError {
        error: format!("{what}: {e}"),
        hint: None,
    }
}
