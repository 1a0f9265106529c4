//! Folio as an HTTP service: PDFs uploaded as jobs, translated by the same pipeline as
//! `folio translate`, their progress, result and report served as JSON, files and
//! Server-Sent Events. The `folio serve` command is glue around [`serve`].
//!
//! # Brief overview
//! - [`JobStore`] keeps every job in a folder of its own under the data folder: `input.pdf`,
//!   `job.json` (state, options, progress, error), then `result.pdf` and `report.json`. Every
//!   file is written to a temporary name and renamed, so a crash never leaves half a file.
//! - The runner (private) runs at most [`Settings::jobs`] jobs at once, the others waiting in
//!   the order they came; each runs [`folio::translate`] on a thread of its own, under a time
//!   limit, with panics caught and turned into a failed job. On start, the jobs found queued or
//!   running are queued again.
//! - The API (private `api` module, documented in `docs/api.md`) checks the bearer token,
//!   the upload size and page count, and answers errors as `{"error": …, "hint": …}`.
//! - The preview page (private `web` module) is served at `/`: an editor's view of a job,
//!   plain HTML, CSS and JavaScript built into the binary.
//!
//! # Limitations
//! A pipeline run cannot be interrupted from outside: a job past its time limit is marked
//! failed at once, and its thread stops at the pipeline's next progress event.

mod api;
mod edit;
mod runner;
mod store;
mod web;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use folio_translate::{Engine, TranslateOptions};
use folio_typeset::FontBook;

pub use edit::{fixed_from_xliff, xliff_document};
pub use store::{Job, JobError, JobOptions, JobStore, Progress, State};

/// What a job asks of the engine: the caller (the `folio` command) turns it into an engine
/// with its server-wide settings, cache and limits.
#[derive(Debug, Clone, Copy)]
pub struct EngineRequest<'a> {
    /// The engine's name when the job chose one (`pseudo`, `openai`, …), else the server's.
    pub engine: Option<&'a str>,
    /// The source language when the job gave one, else the server's.
    pub from: Option<&'a str>,
    /// The target language.
    pub to: &'a str,
}

/// Gives the engine and its options for a job; an error is the job's failure message.
/// A function passed in, so this crate does not depend on the command line's flags. The
/// engine is shared: a maker may give jobs asking for the same engine and languages the same
/// one, so that what it learnt (an LLM server's speed, a model loaded) serves them all.
pub type EngineMaker =
    dyn Fn(&EngineRequest<'_>) -> Result<(Arc<dyn Engine>, TranslateOptions), String> + Send + Sync;

/// How the service runs: where jobs live, its limits, and how engines are made.
#[derive(Clone)]
pub struct Settings {
    /// The data folder: one folder per job under `DIR/jobs/`.
    pub data: PathBuf,
    /// When set, every request needs `Authorization: Bearer TOKEN`.
    pub token: Option<String>,
    /// Largest PDF accepted, in bytes (a larger upload is 413).
    pub max_upload_bytes: usize,
    /// What reading one PDF may cost (the config's `[limits]`): a PDF of more than
    /// `limits.max_pages` pages is 422 at upload; a page over a page limit fails alone, a
    /// document over a document limit fails its job.
    pub limits: folio_pdf::Limits,
    /// Jobs translated at once; the others wait in order.
    pub jobs: usize,
    /// How long one job may run before it is failed.
    pub job_timeout: Duration,
    /// The fonts for new text, shared by every job.
    pub fonts: Arc<FontBook>,
    /// Gives each job its engine (shared by jobs asking for the same one).
    pub make_engine: Arc<EngineMaker>,
    /// Engines a job may name (`engine` in the form); a job naming another is refused (422).
    /// Empty: jobs use the server's engine only, so a client cannot spend on an engine (a paid
    /// API) the operator did not offer.
    pub engines: Vec<String>,
    /// How scanned pages are read: the tesseract command, its language (empty: each job's
    /// source language's), the confidence floor. Each job chooses when (`ocr` in the form:
    /// auto, always or never; auto when absent), so this mode is not used.
    pub ocr: folio::OcrSettings,
}

/// Serves the API on `listener` until `shutdown` completes: opens the job store, queues again
/// the jobs a previous run left queued or running, and starts the runner.
pub async fn serve(
    listener: tokio::net::TcpListener,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = JobStore::open(&settings.data)?;
    let runner = runner::Runner::start(store, &settings)?;
    // A graceful shutdown waits for every connection, and a followed event stream (an open
    // preview page) never ends by itself: the streams end when the shutdown starts.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let app = api::router(runner, &settings, stopping);
    let shutdown = async move {
        shutdown.await;
        let _ = stop.send(true);
    };
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
