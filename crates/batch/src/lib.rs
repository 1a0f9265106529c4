//! Batch translation: a manifest of PDFs and target languages in, one translated PDF and
//! report per document and target out, resumable after any interruption; on one machine, or
//! by a fleet of workers on a shared queue.
//!
//! # One machine
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
//! # A fleet
//! 1. [`enqueue`]: the pairs onto a [`Queue`] ([`RedisQueue`]: Redis Streams), with a bound
//!    on the backlog.
//! 2. [`Worker`]: any number of processes take jobs, translate them as [`run`] does, and end
//!    each only once its outputs are written; leases, dead letters, a circuit breaker, a
//!    drain and fleet-wide caps are the worker's. They share a rate limit
//!    ([`RedisLimiter`]) and a cache tier ([`RedisCache`], behind memory and disk by
//!    [`folio_translate::build_cache_over`]).
//!
//! The layout of the output folder is [`OutputKeys`]; the command line and the docs are
//! `folio batch`, `folio worker` and `docs/batch.md`.
//!
//! # Limitations
//! Inputs and outputs are local paths or `s3://` URIs (no other remote storage); the only
//! queue is Redis Streams.

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
pub use shared_cache::RedisCache;
pub use shared_limit::RedisLimiter;
pub use store::{S3Access, S3Settings, Storage, is_s3, open_output};
pub use worker::{Fleet, Worker, WorkerSummary, fingerprint};
