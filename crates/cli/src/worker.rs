//! `folio worker`: one process of a fleet consuming a Redis queue filled by
//! `folio batch … --queue`. The work is `folio_batch::Worker`'s; this parses the flags, wires
//! SIGTERM and SIGINT to a drain, and prints.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use folio_batch::{
    Fleet, QueueUrl, RedisCache, RedisLimiter, RedisQueue, S3Settings, Settings, Worker,
};

use crate::batch::print_event;
use crate::engine_args::{CapArgs, EngineArgs};

/// Arguments of `folio worker`.
#[derive(clap::Args)]
pub struct WorkerArgs {
    /// The queue: `redis://[:PASSWORD@]HOST:PORT/NAME`, as given to `folio batch --queue`.
    #[arg(long, value_name = "URL")]
    queue: String,
    /// Output folder or `s3://bucket/prefix`, as for `folio batch` (every worker of a queue
    /// writes to the same one).
    #[arg(long, value_name = "PREFIX")]
    out: PathBuf,
    /// Endpoint of an S3-compatible store, as for `folio batch`.
    #[arg(long, value_name = "URL")]
    s3_endpoint: Option<String>,
    /// The engine, its settings, cache, limits and price.
    #[command(flatten)]
    engine: EngineArgs,
    /// Documents translated at once by this process.
    #[arg(long, value_name = "N", default_value_t = 1)]
    concurrency: usize,
    /// Seconds without a heartbeat after which a job goes to another worker.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    lease: u64,
    /// Failed tries of a document before it goes to the dead-letter list.
    #[arg(long, value_name = "N", default_value_t = 3)]
    max_attempts: u32,
    /// On SIGTERM or SIGINT: seconds the jobs in flight may take to finish; the rest are put
    /// back on the queue and the worker exits 0.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    drain: u64,
    /// Exit once the queue has had no job for this many seconds (default: run until stopped).
    #[arg(long, value_name = "SECS")]
    exit_when_idle: Option<u64>,
    /// Documents lost to engine outages in a row before the worker pauses.
    #[arg(long, value_name = "N", default_value_t = 3)]
    breaker_failures: u32,
    /// Seconds of the worker's first pause when the engine keeps failing (doubling up to 300).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    breaker_pause: u64,
    /// Caps on what is spent.
    #[command(flatten)]
    caps: CapArgs,
    /// Days a translation stays in the fleet's shared cache in Redis (give Redis a
    /// `maxmemory` with `maxmemory-policy volatile-lru` too: see docs/batch.md).
    #[arg(long, value_name = "DAYS", default_value_t = 14)]
    cache_days: u64,
    /// The window `--rpm` and `--tpm` are counted over, in seconds (tests use short ones).
    #[arg(long, value_name = "SECS", default_value_t = 60, hide = true)]
    rate_window: u64,
    /// User password of the encrypted inputs.
    #[arg(long)]
    password: Option<String>,
    /// How scanned pages are read.
    #[command(flatten)]
    ocr: crate::ocr::OcrArgs,
}

/// Runs `folio worker`: until stopped, or idle for `--exit-when-idle`.
pub fn run(args: WorkerArgs) -> anyhow::Result<ExitCode> {
    folio_batch::check_supported(&args.out.to_string_lossy())?;
    let url = QueueUrl::parse(&args.queue)?;
    let lease = Duration::from_secs(args.lease.max(1));
    let queue = RedisQueue::open(&url, lease)?;
    let config = args.engine.config()?;
    let price = args.engine.price(&config)?;
    let caps = args.caps.caps(price)?;
    let fonts = args.engine.fonts()?;
    // The fleet's cache: memory, then this machine's disk, then Redis, shared by every worker.
    let cache = if args.engine.no_cache {
        None
    } else {
        let redis = RedisCache::new(queue.client().clone(), &url.key_prefix())
            .with_ttl(Duration::from_secs(args.cache_days.max(1) * 86_400));
        folio_translate::build_cache_over(&config, redis).map_err(|e| anyhow::anyhow!("{e}"))?
    };
    let mut translate = args.engine.translate_options(cache);
    // One budget of requests and tokens for the whole fleet, and a 429 seen by any worker
    // pauses them all (even without --rpm or --tpm).
    let limiter = Arc::new(
        RedisLimiter::new(
            queue.client().clone(),
            &url.key_prefix(),
            args.engine.rpm,
            args.engine.tpm,
        )
        .with_window(Duration::from_secs(args.rate_window.max(1))),
    );
    translate.limiter = Some(limiter.clone());
    let settings = Settings {
        prefix: args.out.clone(),
        s3: S3Settings {
            endpoint: args.s3_endpoint.clone(),
        },
        concurrency: args.concurrency,
        fonts: &fonts,
        translate,
        password: args.password.clone(),
        price,
        caps,
        ocr: args.ocr.settings(),
        limits: folio::limits_from_config(&config.limits, None),
    };
    let fleet = Fleet {
        lease,
        max_attempts: args.max_attempts.max(1),
        breaker_failures: args.breaker_failures,
        breaker_pause: Duration::from_secs(args.breaker_pause),
        exit_when_idle: args.exit_when_idle.map(Duration::from_secs),
        ..Fleet::new(worker_name())
    };
    let make_engine = |to: &str| -> Result<_, String> {
        args.engine.engine(&config, to).map_err(|e| e.to_string())
    };
    let worker = Worker::new(&queue, &settings, fleet, &make_engine, &print_event)?;

    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("cannot listen for SIGTERM and SIGINT")?;
    }
    eprintln!(
        "worker on {} writing to {}: {} at once",
        url.display,
        args.out.display(),
        args.concurrency.max(1)
    );
    let drain = Duration::from_secs(args.drain);
    let result = std::thread::scope(|scope| {
        let runner = scope.spawn(|| worker.run(args.concurrency));
        while !runner.is_finished() && !stop.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(100));
        }
        if !runner.is_finished() {
            worker.stop();
            eprintln!(
                "stopping: no new jobs; {} in flight may take {} s to finish",
                worker.in_flight(),
                drain.as_secs()
            );
            let deadline = Instant::now() + drain;
            while !runner.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(100));
            }
            if !runner.is_finished() {
                let released = worker.release();
                eprintln!("drain deadline passed: {released} job(s) put back on the queue");
                for warning in limiter.take_warnings() {
                    eprintln!("warning: {warning}");
                }
                print_summary(&worker.summary());
                // The jobs' threads cannot be interrupted; their late results are not
                // acknowledged (the queue already has the jobs back).
                std::process::exit(0);
            }
        }
        runner
            .join()
            .expect("the worker's threads catch their panics")
    });
    let summary = result?;
    for warning in limiter.take_warnings() {
        eprintln!("warning: {warning}");
    }
    print_summary(&summary);
    if let Some(reason) = &summary.stopped_by {
        eprintln!(
            "error: stopped by {reason}; the jobs left stay on the queue for a run with a higher cap"
        );
        return Ok(ExitCode::from(4));
    }
    Ok(ExitCode::SUCCESS)
}

/// `host-pid`: unique among the queue's workers while this process lives.
fn worker_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".into());
    format!("{host}-{}", std::process::id())
}

fn print_summary(s: &folio_batch::WorkerSummary) {
    println!(
        "{} done, {} skipped (already written), {} failed tries put back, {} dead-lettered, {} put back for engine outages, {} released; {} pages, {} requests, {} tokens, {} cache hits",
        s.done,
        s.skipped,
        s.failed,
        s.dead,
        s.engine_outages,
        s.released,
        s.pages,
        s.requests,
        s.tokens,
        s.cache_hits
    );
}
