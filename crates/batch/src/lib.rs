//! Batch translation on one machine: a manifest of PDFs and target languages in, one
//! translated PDF and report per document and target out, resumable after any interruption.
//!
//! # Steps
//! 1. [`read_manifest`]: a CSV or JSON Lines file → [`Job`]s (id, input, targets, priority,
//!    pages), every line checked, errors naming the line.
//! 2. [`run`]: the jobs' (document, target) pairs, highest priority first, pulled from one
//!    queue by a few threads sharing one engine per target, one cache and one rate limiter;
//!    each output written whole or not at all through a [`Storage`] (a local folder: a
//!    temporary file renamed, [`write_atomic`]; S3: one PUT), each event appended to the
//!    [`Ledger`]; outputs already there are skipped, so running the same batch again resumes
//!    it. Ends with a [`Summary`].
//! 3. [`estimate`]: the same pairs counted (segments, requests, tokens, cost) without calling
//!    the engine nor writing anything.
//!
//! The layout of the output folder is [`OutputKeys`]; the command line and the docs are
//! `folio batch` and `docs/batch.md`.
//!
//! # Limitations
//! Inputs and outputs are local paths or `s3://` URIs (no other remote storage), one process
//! works on an output prefix at a time, and the workers are threads of that process (no queue
//! shared between machines).

mod error;
mod ledger;
mod manifest;
mod output;
mod queue;
mod redis_link;
mod redis_queue;
mod run;
mod shared_cache;
mod shared_limit;
mod store;
mod worker;

pub use error::{Error, check_supported};
pub use ledger::{Entry, History, Ledger, LedgerState};
pub use manifest::{Job, read_manifest};
pub use output::{OutputKeys, PrefixLock, remove_stale_temporaries, write_atomic};
pub use queue::{DeadLetter, Delivery, Queue, QueueStatus, QueuedJob, enqueue};
pub use redis_queue::{QueueUrl, RedisQueue};
pub use run::{
    BatchEstimate, Caps, EngineMaker, Event, Failure, JobKey, Settings, Summary, estimate, run,
};
pub use shared_cache::{RedisCache, build_fleet_cache};
pub use shared_limit::RedisLimiter;
pub use store::{S3Access, S3Settings, Storage, is_s3, open_output};
pub use worker::{Fleet, Worker, WorkerSummary, fingerprint};
