//! The queue a fleet of workers shares: what a job is, what a worker does with one, and the
//! small trait a queue engine implements (Redis Streams today, [`crate::RedisQueue`]; SQS or
//! NATS JetStream would be other implementations of the same trait).
//!
//! A job taken from the queue is *leased* to one worker. The worker ends it one of four
//! ways, and until then keeps the lease with heartbeats; a job whose lease runs out (its
//! worker was killed, or lost its network) is taken by another worker:
//! - [`Queue::done`]: its outputs are written; it leaves the queue.
//! - [`Queue::requeue`]: put back at the end, to be tried again (a failed try, counted in
//!   [`QueuedJob::attempts`]; or an engine outage or a drain, not counted).
//! - [`Queue::dead`]: given up, kept on a dead-letter list with its last error.
//! - nothing: the lease runs out and another worker takes it.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{Caps, Error};

/// One (document, target) on a queue: everything a worker needs to do it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedJob {
    /// The document's id: its outputs are `PREFIX/id/TO.pdf` and `PREFIX/id/TO.report.json`.
    pub id: String,
    /// The PDF: a local path (as the workers see it) or an `s3://bucket/key` URI.
    pub input: String,
    /// The target language.
    pub to: String,
    /// The manifest's priority (the producer enqueues higher first).
    #[serde(default)]
    pub priority: i64,
    /// Only these pages (`3-5,7`); absent: every page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<String>,
    /// Tries that failed on the document itself (an unreadable PDF); engine outages and
    /// drains are not counted.
    #[serde(default)]
    pub attempts: u32,
    /// Why the last try failed, if one did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

/// A job leased to one worker, with what the queue knows about its deliveries.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The job.
    pub job: QueuedJob,
    /// Times it was handed to a worker, this time included: more than 1 means a worker took
    /// it before and never ended it (killed, crashed, or too slow to heartbeat).
    pub deliveries: u32,
    /// The queue's own name for this delivery (a stream entry id).
    pub handle: String,
}

/// A job given up on, as `folio batch status` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// The job as it was last queued.
    pub job: QueuedJob,
    /// Why it was given up.
    pub error: String,
}

/// What a queue holds and has done, for `folio batch status`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueueStatus {
    /// Jobs waiting for a worker.
    pub queued: u64,
    /// Jobs leased to a worker now.
    pub in_flight: u64,
    /// Jobs done (outputs written), all time.
    pub done: u64,
    /// Pages of the jobs done.
    pub pages: u64,
    /// Jobs put back for another try (failed tries, engine outages, drains), all time.
    pub requeued: u64,
    /// Jobs on the dead-letter list.
    pub dead: u64,
    /// Jobs done in the last five minutes, per minute.
    pub done_per_minute: f64,
    /// Workers that took or heartbeat a job within the lease.
    pub workers: u64,
    /// Tokens the fleet's jobs used, and hold for jobs in flight when caps are set.
    pub spent_tokens: u64,
    /// Their cost at the workers' price.
    pub spent_cost: f64,
}

impl QueueStatus {
    /// Jobs added and not finished: waiting or in flight. What a producer's backlog bound is
    /// checked against.
    pub fn outstanding(&self) -> u64 {
        self.queued + self.in_flight
    }
}

/// A queue of jobs shared by processes on any number of machines. Every method may be called
/// from several threads at once.
pub trait Queue: Send + Sync {
    /// Where the queue is, for messages (`redis://host:port/name`, without a password).
    fn address(&self) -> &str;

    /// Adds jobs at the end, in order.
    fn push(&self, jobs: &[QueuedJob]) -> Result<(), Error>;

    /// The next job for `worker`: first one whose lease ran out, else a new one, waiting up to
    /// `wait` for one to come; `None` when none came.
    fn take(&self, worker: &str, wait: Duration) -> Result<Option<Delivery>, Error>;

    /// Renews `worker`'s lease on a job still being worked on. `false` when the job is no
    /// longer that worker's (its lease ran out and another worker took it).
    fn heartbeat(&self, worker: &str, delivery: &Delivery) -> Result<bool, Error>;

    /// The job's outputs are durably written: it leaves the queue, counted done with its
    /// pages. Only after this is a job finished.
    fn done(&self, delivery: &Delivery, pages: u32) -> Result<(), Error>;

    /// Puts the job back at the end of the queue as `job` (the caller updates its attempts
    /// and last error), ending this delivery.
    fn requeue(&self, delivery: &Delivery, job: &QueuedJob) -> Result<(), Error>;

    /// Gives the job up: onto the dead-letter list with `error`, out of the queue.
    fn dead(&self, delivery: &Delivery, error: &str) -> Result<(), Error>;

    /// Counts of what is queued, in flight, done and dead.
    fn status(&self) -> Result<QueueStatus, Error>;

    /// The last `n` dead letters, newest first.
    fn dead_letters(&self, n: usize) -> Result<Vec<DeadLetter>, Error>;

    /// Holds `tokens` and `cost` of a job about to start against the fleet's `caps`, counted
    /// with what every worker spent or holds: `None` when they fit (and are now held), else
    /// which cap would be passed. A queue without shared counters lets everything through.
    fn reserve(&self, tokens: u64, cost: f64, caps: &Caps) -> Result<Option<String>, Error> {
        let _ = (tokens, cost, caps);
        Ok(None)
    }

    /// Replaces what [`Queue::reserve`] held for a job by what it really used (`tokens` and
    /// `cost` are the differences; negative when it used less).
    fn settle(&self, tokens: i64, cost: f64) -> Result<(), Error> {
        let _ = (tokens, cost);
        Ok(())
    }
}

/// Puts a manifest's (document, target) pairs on `queue`, highest priority first (equal
/// priorities in manifest order), a hundred at a time; while the queue holds `max_backlog`
/// or more unfinished jobs it waits, calling `waiting` with how many there are, so a
/// producer never runs far ahead of the workers. Returns how many jobs it added.
pub fn enqueue(
    queue: &dyn Queue,
    jobs: &[crate::Job],
    max_backlog: u64,
    waiting: &dyn Fn(u64),
) -> Result<usize, Error> {
    let mut order: Vec<&crate::Job> = jobs.iter().collect();
    order.sort_by_key(|j| std::cmp::Reverse(j.priority));
    let queued: Vec<QueuedJob> = order
        .into_iter()
        .flat_map(|job| {
            job.targets.iter().map(move |to| QueuedJob {
                id: job.id.clone(),
                input: job.input.to_string_lossy().into_owned(),
                to: to.clone(),
                priority: job.priority,
                pages: job.pages.as_ref().map(|p| p.to_string()),
                attempts: 0,
                last_error: None,
            })
        })
        .collect();
    let max_backlog = max_backlog.max(1);
    for chunk in queued.chunks(100) {
        loop {
            let outstanding = queue.status()?.outstanding();
            if outstanding < max_backlog {
                break;
            }
            waiting(outstanding);
            std::thread::sleep(Duration::from_secs(1));
        }
        queue.push(chunk)?;
    }
    Ok(queued.len())
}
