//! A fleet worker: takes (document, target) jobs from a shared [`Queue`], translates them with
//! the same pipeline and outputs as `folio batch`, and ends each job only once its outputs are
//! durably written. Any number run side by side, on any number of machines.
//!
//! What keeps a fleet safe:
//! - **Leases.** A thread heartbeats every job in flight; a worker that dies stops
//!   heartbeating, and its jobs go to other workers when their lease runs out.
//! - **Exactly one output.** Each output's report records a [`fingerprint`] of the input's
//!   bytes, the target and the settings; a job whose PDF and report are there with the same
//!   fingerprint is done without translating (a second delivery writes nothing). Outputs are
//!   written whole or not at all (the PDF first, then the report that marks it done).
//! - **Dead letters.** A try that fails on the document itself (an unreadable PDF) puts the
//!   job back with its error; after [`Fleet::max_attempts`] such tries, or after
//!   [`Fleet::max_deliveries`] deliveries no worker ended (it kills its workers), the job goes
//!   to the dead-letter list with its last error.
//! - **A circuit breaker.** A document whose segments failed because the engine was down
//!   (unreachable, timing out, 5xx, rate limiting after every retry) is not published half
//!   translated and not counted against the document: it is put back, and after
//!   [`Fleet::breaker_failures`] such documents in a row the worker stops taking jobs for a
//!   while (30 s, doubling up to 5 min), instead of burning the queue into dead letters.
//! - **Caps for the whole fleet.** With `--max-tokens` or `--budget-usd`, each document's
//!   estimate is held against counters every worker shares ([`Queue::reserve`]) before it
//!   starts, and replaced by what it used when it ends; a document that would pass a cap goes
//!   back on the queue and the worker stops taking jobs.
//! - **Drain.** [`Worker::stop`] (on SIGTERM) stops taking jobs; the jobs in flight finish,
//!   and [`Worker::release`] puts back the ones that could not finish in time.

use std::collections::HashMap;
use std::hash::Hasher;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use folio_translate::Engine;
use serde::{Deserialize, Serialize};
use siphasher::sip128::{Hasher128, SipHasher13};

use crate::run::{Engines, message, read_input, spent};
use crate::{
    Delivery, EngineMaker, Entry, Error, Event, Ledger, OutputKeys, Queue, QueuedJob, S3Access,
    Settings, Storage, open_output,
};

/// How a worker treats the queue, beyond the batch [`Settings`] it shares with `folio batch`.
#[derive(Debug, Clone)]
pub struct Fleet {
    /// This worker's name in the queue (`host-pid`); its threads add `-N`.
    pub name: String,
    /// Time without a heartbeat after which a job is given to another worker; heartbeats go
    /// every third of it.
    pub lease: Duration,
    /// Failed tries of a document before it is dead-lettered.
    pub max_attempts: u32,
    /// Deliveries no worker ended (killed or crashed on it) before it is dead-lettered.
    pub max_deliveries: u32,
    /// Documents lost to engine outages in a row that open the circuit.
    pub breaker_failures: u32,
    /// The first pause of an open circuit; each reopening doubles it, up to five minutes.
    pub breaker_pause: Duration,
    /// Stop when the queue has had nothing to take for this long (`None`: run until stopped).
    pub exit_when_idle: Option<Duration>,
}

impl Fleet {
    /// The defaults, for a worker named `name`.
    pub fn new(name: String) -> Self {
        Self {
            name,
            lease: Duration::from_secs(300),
            max_attempts: 3,
            max_deliveries: 5,
            breaker_failures: 3,
            breaker_pause: Duration::from_secs(30),
            exit_when_idle: None,
        }
    }
}

/// What a worker did, printed when it stops.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkerSummary {
    /// Jobs translated and written.
    pub done: u32,
    /// Jobs found already written (a second delivery).
    pub skipped: u32,
    /// Tries that failed on the document, put back for another try.
    pub failed: u32,
    /// Jobs dead-lettered.
    pub dead: u32,
    /// Jobs put back because the engine was down.
    pub engine_outages: u32,
    /// Jobs put back unfinished by a drain.
    pub released: u32,
    /// Pages translated.
    pub pages: u64,
    /// Engine requests.
    pub requests: u64,
    /// Prompt and completion tokens.
    pub tokens: u64,
    /// Segments answered from the cache.
    pub cache_hits: u64,
    /// The cap that stopped the worker, if one did.
    pub stopped_by: Option<String>,
}

/// The fingerprint of one output: the input's bytes, the target, the pages asked and the
/// engine (name, model, prompt version). An output whose report has the same one needs no
/// redoing; a changed input or engine makes a new one.
pub fn fingerprint(input: &[u8], to: &str, pages: Option<&str>, engine: &dyn Engine) -> String {
    let info = engine.info();
    let mut h = SipHasher13::new_with_keys(0x666f_6c69_6f2d_6f75, 0x7470_7574_2d6b_6579);
    for field in [
        input,
        to.as_bytes(),
        pages.unwrap_or("").as_bytes(),
        info.name.as_bytes(),
        info.model.as_bytes(),
        &info.prompt_version.to_le_bytes(),
    ] {
        h.write_u64(field.len() as u64);
        h.write(field);
    }
    format!("{:032x}", h.finish128().as_u128())
}

/// The report as written next to the PDF: the pipeline's report with the output's
/// [`fingerprint`] and job (document id, target, input) added.
pub(crate) fn report_json(
    report: &folio::Report,
    fingerprint: &str,
    id: &str,
    to: &str,
    input: &str,
) -> Vec<u8> {
    let mut value = serde_json::to_value(report).expect("reports always serialize");
    if let Some(map) = value.as_object_mut() {
        map.insert("fingerprint".into(), fingerprint.into());
        map.insert(
            "job".into(),
            serde_json::json!({"id": id, "to": to, "input": input}),
        );
    }
    let mut json = serde_json::to_vec_pretty(&value).expect("JSON values always serialize");
    json.push(b'\n');
    json
}

/// The circuit breaker of one worker's threads.
struct Breaker {
    threshold: u32,
    first_pause: Duration,
    state: Mutex<BreakerState>,
}

#[derive(Default)]
struct BreakerState {
    /// Engine outages in a row.
    failures: u32,
    /// Closed again at this instant, when open.
    open_until: Option<Instant>,
    /// The next opening's pause.
    pause: Option<Duration>,
}

impl Breaker {
    fn record(&self, outage: bool) -> Option<Duration> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if !outage {
            *s = BreakerState::default();
            return None;
        }
        s.failures += 1;
        if s.failures < self.threshold.max(1) {
            return None;
        }
        let pause = s.pause.unwrap_or(self.first_pause);
        s.pause = Some((pause * 2).min(Duration::from_secs(300)));
        s.failures = 0;
        s.open_until = Some(Instant::now() + pause);
        Some(pause)
    }

    /// How long the circuit stays open, if it is.
    fn open_for(&self) -> Option<Duration> {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.open_until
            .and_then(|t| t.checked_duration_since(Instant::now()))
    }
}

/// One worker process's threads over a queue.
pub struct Worker<'a> {
    queue: &'a dyn Queue,
    settings: &'a Settings<'a>,
    fleet: Fleet,
    engines: Engines<'a>,
    s3: S3Access,
    store: Arc<dyn Storage>,
    ledger: Ledger,
    events: &'a (dyn Fn(Event<'_>) + Sync),
    breaker: Breaker,
    stopping: AtomicBool,
    /// Jobs being worked on, by delivery handle, with the thread's name in the queue.
    in_flight: Mutex<HashMap<String, (String, Delivery)>>,
    /// Set once every worker thread has ended: the heartbeat thread's signal to end.
    finished: (Mutex<bool>, Condvar),
    last_taken: Mutex<Instant>,
    summary: Mutex<WorkerSummary>,
}

impl<'a> Worker<'a> {
    /// A worker on `queue` writing under `settings.prefix`; checks the output can be written
    /// before it takes any job.
    pub fn new(
        queue: &'a dyn Queue,
        settings: &'a Settings<'a>,
        fleet: Fleet,
        make_engine: &'a EngineMaker<'a>,
        events: &'a (dyn Fn(Event<'_>) + Sync),
    ) -> Result<Self, Error> {
        let s3 = S3Access::new(settings.s3.clone());
        let store = open_output(&settings.prefix, &s3)?;
        let stale = store.prepare()?;
        if stale > 0 {
            events(Event::Note(&format!(
                "removed {stale} unfinished temporary file(s) of a stopped process"
            )));
        }
        let ledger = Ledger::open_for_appending(&store)?;
        let breaker = Breaker {
            threshold: fleet.breaker_failures,
            first_pause: fleet.breaker_pause,
            state: Mutex::default(),
        };
        Ok(Self {
            queue,
            settings,
            fleet,
            engines: Engines::new(make_engine),
            s3,
            store,
            ledger,
            events,
            breaker,
            stopping: AtomicBool::new(false),
            in_flight: Mutex::default(),
            finished: (Mutex::new(false), Condvar::new()),
            last_taken: Mutex::new(Instant::now()),
            summary: Mutex::default(),
        })
    }

    /// Stops taking jobs; the jobs in flight go on ([`Worker::run`] returns when they end).
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// Jobs in flight now.
    pub fn in_flight(&self) -> usize {
        self.lock_in_flight().len()
    }

    /// Puts every job still in flight back on the queue, not counted as a try (a drain's
    /// deadline passed); returns how many. Their threads' late results are not acknowledged
    /// twice: the queue already ended those deliveries.
    pub fn release(&self) -> usize {
        let jobs: Vec<Delivery> = self.lock_in_flight().drain().map(|(_, (_, d))| d).collect();
        let mut released = 0;
        for d in &jobs {
            if self.queue.requeue(d, &d.job).is_ok() {
                released += 1;
            }
        }
        self.lock_summary().released += released as u32;
        released
    }

    /// What the worker did so far.
    pub fn summary(&self) -> WorkerSummary {
        self.lock_summary().clone()
    }

    /// Takes and does jobs on `threads` threads until stopped (or idle, with
    /// [`Fleet::exit_when_idle`]); `Err` only when the queue or the output cannot be reached.
    pub fn run(&self, threads: usize) -> Result<WorkerSummary, Error> {
        let fatal: Mutex<Option<Error>> = Mutex::default();
        std::thread::scope(|scope| {
            scope.spawn(|| self.heartbeat());
            let workers: Vec<_> = (0..threads.max(1))
                .map(|n| {
                    let name = format!("{}-{n}", self.fleet.name);
                    let fatal = &fatal;
                    scope.spawn(move || {
                        if let Err(e) = self.work(&name) {
                            fatal
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .get_or_insert(e);
                            self.stop();
                        }
                    })
                })
                .collect();
            for w in workers {
                let _ = w.join();
            }
            let (lock, wake) = &self.finished;
            *lock.lock().unwrap_or_else(|e| e.into_inner()) = true;
            wake.notify_all();
        });
        match fatal.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(e) => Err(e),
            None => Ok(self.summary()),
        }
    }

    /// Renews the lease of every job in flight, every third of the lease (a drain's jobs
    /// included), until every worker thread has ended.
    fn heartbeat(&self) {
        let every = (self.fleet.lease / 3).max(Duration::from_millis(50));
        let (lock, wake) = &self.finished;
        loop {
            let finished = lock.lock().unwrap_or_else(|e| e.into_inner());
            let (finished, _) = wake
                .wait_timeout_while(finished, every, |done| !*done)
                .unwrap_or_else(|e| e.into_inner());
            if *finished {
                return;
            }
            drop(finished);
            let jobs: Vec<(String, Delivery)> = self.lock_in_flight().values().cloned().collect();
            for (thread, d) in &jobs {
                if let Ok(false) = self.queue.heartbeat(thread, d) {
                    (self.events)(Event::Note(&format!(
                        "{} → {}: its lease ran out and another worker took it; this one's \
                         result will not be written twice",
                        d.job.id, d.job.to
                    )));
                }
            }
        }
    }

    /// One thread: take, do, end, until stopped.
    fn work(&self, thread: &str) -> Result<(), Error> {
        while !self.stopping.load(Ordering::SeqCst) {
            if let Some(open) = self.breaker.open_for() {
                std::thread::sleep(open.min(Duration::from_millis(200)));
                continue;
            }
            let Some(delivery) = self.queue.take(thread, Duration::from_millis(500))? else {
                if let Some(idle) = self.fleet.exit_when_idle {
                    let since = self
                        .last_taken
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .elapsed();
                    if since >= idle && self.in_flight() == 0 {
                        return Ok(());
                    }
                }
                continue;
            };
            *self.last_taken.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
            self.lock_in_flight().insert(
                delivery.handle.clone(),
                (thread.to_string(), delivery.clone()),
            );
            let result = self.handle(&delivery);
            self.lock_in_flight().remove(&delivery.handle);
            *self.last_taken.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
            result?;
        }
        Ok(())
    }

    /// Does one delivery and ends it; `Err` only when the queue or the output cannot be
    /// written.
    fn handle(&self, d: &Delivery) -> Result<(), Error> {
        let job = &d.job;
        let (id, to) = (job.id.as_str(), job.to.as_str());
        if d.deliveries > self.fleet.max_deliveries {
            let error = format!(
                "taken {} times by workers that never finished it (killed or crashed while on \
                 it){}",
                d.deliveries - 1,
                job.last_error
                    .as_deref()
                    .map(|e| format!("; last error: {e}"))
                    .unwrap_or_default()
            );
            return self.give_up(d, &error);
        }
        let attempt = job.attempts + 1;
        self.ledger.append(&Entry::Started {
            id: id.into(),
            to: to.into(),
            attempt,
            at: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |t| t.as_secs()),
        })?;
        (self.events)(Event::Started { id, to, attempt });
        let start = Instant::now();
        let keys = OutputKeys::new(id, to);
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| self.translate(job, &keys)))
            .unwrap_or_else(|_| {
                Err(Try::Failed(
                    "the pipeline panicked on this document (please report this as a bug)".into(),
                ))
            });
        match outcome {
            Ok(Translated::AlreadyDone) => {
                // The report says which pages; the queue counts none twice.
                self.queue.done(d, 0)?;
                (self.events)(Event::Skipped { id, to });
                self.lock_summary().skipped += 1;
                Ok(())
            }
            Ok(Translated::Written(report)) => {
                let seconds = start.elapsed().as_secs_f64();
                let tokens = report.engine.prompt_tokens + report.engine.completion_tokens;
                self.ledger
                    .append(&Entry::done(id, to, attempt, &report, seconds))?;
                // Acknowledged only now that the outputs are written.
                self.queue.done(d, report.pages_translated)?;
                self.breaker.record(false);
                (self.events)(Event::done(id, to, &report, seconds));
                let mut s = self.lock_summary();
                s.done += 1;
                s.pages += u64::from(report.pages_translated);
                s.requests += report.engine.requests;
                s.tokens += tokens;
                s.cache_hits += report.engine.cache_hits;
                Ok(())
            }
            Err(Try::EngineDown(error)) => {
                self.ledger
                    .append(&Entry::failed(id, to, attempt, &error))?;
                (self.events)(Event::Failed {
                    id,
                    to,
                    error: &format!("{error}; put back, not counted as a try"),
                });
                let mut again = job.clone();
                again.last_error = Some(error.clone());
                self.queue.requeue(d, &again)?;
                self.lock_summary().engine_outages += 1;
                if let Some(pause) = self.breaker.record(true) {
                    (self.events)(Event::Paused {
                        seconds: pause.as_secs_f64(),
                        reason: &error,
                    });
                }
                Ok(())
            }
            Err(Try::Failed(error)) => {
                self.ledger
                    .append(&Entry::failed(id, to, attempt, &error))?;
                if attempt >= self.fleet.max_attempts {
                    return self
                        .give_up(d, &format!("failed {attempt} times; last error: {error}"));
                }
                (self.events)(Event::Failed {
                    id,
                    to,
                    error: &error,
                });
                let mut again = job.clone();
                again.attempts = attempt;
                again.last_error = Some(error.clone());
                self.queue.requeue(d, &again)?;
                self.lock_summary().failed += 1;
                Ok(())
            }
            Err(Try::Capped(reason)) => {
                self.queue.requeue(d, job)?;
                if !self.stopping.swap(true, Ordering::SeqCst) {
                    (self.events)(Event::Capped {
                        id,
                        to,
                        reason: &reason,
                    });
                    self.lock_summary().stopped_by = Some(reason);
                }
                self.stop();
                Ok(())
            }
            Err(Try::Storage(e)) => Err(e),
        }
    }

    /// Dead-letters a delivery with `error`.
    fn give_up(&self, d: &Delivery, error: &str) -> Result<(), Error> {
        self.queue.dead(d, error)?;
        self.lock_summary().dead += 1;
        (self.events)(Event::Dead {
            id: &d.job.id,
            to: &d.job.to,
            error,
        });
        Ok(())
    }

    /// The pipeline on one job, its outputs written; or why not.
    fn translate(&self, job: &QueuedJob, keys: &OutputKeys) -> Result<Translated, Try> {
        let engine = self.engines.get(&job.to).map_err(Try::Failed)?;
        let pages = match job.pages.as_deref().map(str::parse) {
            None => None,
            Some(Ok(p)) => Some(p),
            Some(Err(e)) => return Err(Try::Failed(format!("pages: {e}"))),
        };
        let bytes = read_input(Path::new(&job.input), &self.s3).map_err(Try::Failed)?;
        let fingerprint = fingerprint(&bytes, &job.to, job.pages.as_deref(), engine.as_ref());
        if self.already_written(keys, &fingerprint)? {
            return Ok(Translated::AlreadyDone);
        }
        let options = folio::Options {
            translate: self.settings.translate.clone(),
            pages,
            password: self.settings.password.clone(),
            ocr: self.settings.ocr.clone(),
            limits: self.settings.limits,
            ..folio::Options::new(engine.as_ref(), self.settings.fonts)
        };
        let held = self.hold(&bytes, &options)?;
        let result = folio::translate(bytes, &options, &mut |_| {});
        // The fleet's spending, for the caps and `folio batch status`: what was held gives way
        // to what the document used.
        let (tokens, cost) = held.unwrap_or((0, 0.0));
        let (used, used_cost) = result
            .as_ref()
            .map_or((0, 0.0), |(_, r)| spent(r, self.settings.price));
        self.queue
            .settle(used as i64 - tokens as i64, used_cost - cost)
            .map_err(Try::Storage)?;
        let (pdf, report) = result.map_err(|e| Try::Failed(message(&e)))?;
        if report.engine.unavailable > 0 {
            let reason = report
                .segments
                .failed
                .first()
                .map_or("the engine was unavailable", |f| f.reason.as_str());
            return Err(Try::EngineDown(format!(
                "{} segments failed because the engine was down ({reason})",
                report.engine.unavailable
            )));
        }
        // The PDF first: the report, with the fingerprint, is what marks the output done.
        self.store.put(&keys.pdf, &pdf).map_err(Try::Storage)?;
        self.store
            .put(
                &keys.report,
                &report_json(&report, &fingerprint, &job.id, &job.to, &job.input),
            )
            .map_err(Try::Storage)?;
        Ok(Translated::Written(Box::new(report)))
    }

    /// With caps set: the document's estimated tokens and cost, held against the fleet's caps
    /// (`Try::Capped` when they would pass one). Without caps: nothing to hold.
    fn hold(
        &self,
        bytes: &Arc<Vec<u8>>,
        options: &folio::Options<'_>,
    ) -> Result<Option<(u64, f64)>, Try> {
        let caps = self.settings.caps;
        if !caps.any() {
            return Ok(None);
        }
        let est = folio::estimate(bytes.clone(), options).map_err(|e| Try::Failed(message(&e)))?;
        let tokens = est.prompt_tokens + est.completion_tokens;
        let cost = self.settings.price.map_or(0.0, |p| est.cost(p));
        match self
            .queue
            .reserve(tokens, cost, &caps)
            .map_err(Try::Storage)?
        {
            Some(reason) => Err(Try::Capped(reason)),
            None => Ok(Some((tokens, cost))),
        }
    }

    /// Whether the output is there, written from the same input and settings.
    fn already_written(&self, keys: &OutputKeys, fingerprint: &str) -> Result<bool, Try> {
        let Some(report) = self.store.get(&keys.report).map_err(Try::Storage)? else {
            return Ok(false);
        };
        let same = serde_json::from_slice::<serde_json::Value>(&report)
            .ok()
            .and_then(|v| Some(v.get("fingerprint")?.as_str()? == fingerprint))
            .unwrap_or(false);
        Ok(same && self.store.exists(&keys.pdf).map_err(Try::Storage)?)
    }

    fn lock_in_flight(&self) -> std::sync::MutexGuard<'_, HashMap<String, (String, Delivery)>> {
        self.in_flight.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_summary(&self) -> std::sync::MutexGuard<'_, WorkerSummary> {
        self.summary.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A job's try that wrote its outputs.
enum Translated {
    /// Translated and written now.
    Written(Box<folio::Report>),
    /// The outputs were there from the same input and settings.
    AlreadyDone,
}

/// A job's try that did not.
enum Try {
    /// The document or its settings: counted as a try.
    Failed(String),
    /// The engine was down: not the document's fault.
    EngineDown(String),
    /// Starting it would pass the fleet's cap: it goes back, and the worker stops.
    Capped(String),
    /// The output could not be written: the worker stops.
    Storage(Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_breaker_opens_after_outages_in_a_row_and_pauses_longer_each_time() {
        let breaker = Breaker {
            threshold: 2,
            first_pause: Duration::from_secs(30),
            state: Mutex::default(),
        };
        assert_eq!(breaker.record(true), None);
        assert_eq!(breaker.record(false), None, "a success resets the count");
        assert_eq!(breaker.record(true), None);
        assert_eq!(breaker.record(true), Some(Duration::from_secs(30)));
        assert!(breaker.open_for().is_some());
        assert_eq!(breaker.record(true), None);
        assert_eq!(breaker.record(true), Some(Duration::from_secs(60)));
        breaker.record(false);
        assert!(breaker.open_for().is_none());
    }
}
