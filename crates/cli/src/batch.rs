//! `folio batch`: a manifest of PDFs and target languages in, a folder (or S3 prefix) of
//! translated PDFs, reports, a ledger and a summary out. The work is `folio_batch`'s; this parses the flags
//! and prints.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use std::time::Duration;

use folio_batch::{Event, Ledger, Queue, QueueUrl, RedisQueue, S3Settings, Settings, Summary};
use folio_translate::RateLimiter;

use crate::engine_args::{CapArgs, EngineArgs};

/// Arguments of `folio batch`.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BatchArgs {
    /// `status`: what a queue holds.
    #[command(subcommand)]
    action: Option<BatchAction>,
    /// The manifest: `.csv` with a header `id,input,to[,priority][,pages]`, or `.jsonl` with
    /// those fields; `to` lists targets separated by `;` (`pt-BR;es`).
    #[arg(required = true)]
    manifest: Option<PathBuf>,
    /// Output folder or `s3://bucket/prefix`: `OUT/id/LANG.pdf`, `OUT/id/LANG.report.json`,
    /// `OUT/ledger.jsonl` (on S3 `OUT/ledger/`, one object per event), `OUT/summary.json`.
    #[arg(long, value_name = "PREFIX", required = true)]
    out: Option<PathBuf>,
    /// Put the jobs on this queue for `folio worker`s instead of running them here:
    /// `redis://[:PASSWORD@]HOST:PORT/NAME`.
    #[arg(long, value_name = "URL")]
    queue: Option<String>,
    /// With `--queue`: wait while the queue holds this many unfinished jobs.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    max_backlog: u64,
    /// Endpoint of an S3-compatible store for `s3://` inputs and outputs (over
    /// `AWS_ENDPOINT_URL`); plain http is allowed when it is http. Credentials and region come
    /// from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`.
    #[arg(long, value_name = "URL")]
    s3_endpoint: Option<String>,
    /// The engine, its settings, cache, limits and price (shared by every document).
    #[command(flatten)]
    engine: EngineArgs,
    /// Documents translated at once.
    #[arg(long, value_name = "N", default_value_t = 2)]
    concurrency: usize,
    /// Print the whole batch's segments, requests, tokens and cost (`--price`) without
    /// calling the engine nor writing anything.
    #[arg(long)]
    estimate: bool,
    /// Caps on what is spent.
    #[command(flatten)]
    caps: CapArgs,
    /// User password of the encrypted inputs.
    #[arg(long)]
    password: Option<String>,
    /// How scanned pages are read.
    #[command(flatten)]
    ocr: crate::ocr::OcrArgs,
}

/// What `folio batch` can do besides running a manifest.
#[derive(clap::Subcommand)]
enum BatchAction {
    /// What a queue holds: queued, in flight, done, dead, throughput, workers.
    Status(StatusArgs),
}

/// Arguments of `folio batch status`.
#[derive(clap::Args)]
struct StatusArgs {
    /// The queue: `redis://[:PASSWORD@]HOST:PORT/NAME`.
    #[arg(long, value_name = "URL")]
    queue: String,
    /// Print the counts as JSON.
    #[arg(long)]
    json: bool,
    /// Dead letters to list, newest first.
    #[arg(long, value_name = "N", default_value_t = 10)]
    dead: usize,
}

/// Runs `folio batch`.
pub fn run(args: BatchArgs) -> anyhow::Result<ExitCode> {
    if let Some(BatchAction::Status(status)) = &args.action {
        return print_status(status);
    }
    let (Some(manifest), Some(out)) = (&args.manifest, &args.out) else {
        anyhow::bail!("folio batch needs a MANIFEST and --out PREFIX");
    };
    folio_batch::check_supported(&out.to_string_lossy())?;
    let jobs = folio_batch::read_manifest(manifest)?;
    if let Some(queue) = &args.queue {
        return enqueue(&jobs, queue, args.max_backlog);
    }
    let config = args.engine.config()?;
    let price = args.engine.price(&config)?;
    let caps = args.caps.caps(price)?;
    let fonts = args.engine.fonts()?;
    let mut translate = args.engine.translate_options(args.engine.cache(&config)?);
    // One limiter for every document in flight, so together they keep to --rpm and --tpm.
    if args.engine.rpm.is_some() || args.engine.tpm.is_some() {
        translate.limiter = Some(Arc::new(RateLimiter::new(args.engine.rpm, args.engine.tpm)));
    }
    let settings = Settings {
        prefix: out.clone(),
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
    let make_engine = |to: &str| -> Result<_, String> {
        args.engine.engine(&config, to).map_err(|e| e.to_string())
    };
    if args.estimate {
        let est = folio_batch::estimate(&jobs, &settings, &make_engine)?;
        for f in &est.failures {
            eprintln!("error: {} → {}: {}", f.id, f.to, f.error);
        }
        let t = &est.total;
        println!(
            "{} outputs to do ({} already done): {} segments ({} kept, {} reused, {} to send) in {} requests; {} source tokens, ~{} prompt and ~{} completion tokens",
            est.outputs,
            est.skipped,
            t.segments,
            t.kept,
            t.reused,
            t.sent,
            t.requests,
            t.source_tokens,
            t.prompt_tokens,
            t.completion_tokens
        );
        if let Some(cost) = est.cost {
            println!("estimated cost: {cost:.4}");
        }
        if !est.failures.is_empty() {
            println!(
                "{} outputs cannot be estimated (see above)",
                est.failures.len()
            );
            return Ok(ExitCode::from(1));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let summary = folio_batch::run(&jobs, &settings, &make_engine, &print_event)?;
    print_summary(&summary, out);
    Ok(if summary.failed > 0 {
        eprintln!(
            "error: {} of {} outputs failed (their errors are in {})",
            summary.failed,
            summary.done + summary.failed + summary.skipped + summary.left,
            ledger_name(out)
        );
        ExitCode::from(1)
    } else if summary.left > 0 {
        eprintln!(
            "error: stopped at the cap with {} outputs left; run again with a higher cap to finish them",
            summary.left
        );
        ExitCode::from(4)
    } else {
        ExitCode::SUCCESS
    })
}

/// Where the ledger of output `out` is, for messages.
fn ledger_name(out: &std::path::Path) -> String {
    if folio_batch::is_s3(out) {
        format!("{}/", out.join(Ledger::FOLDER).display())
    } else {
        out.join(Ledger::FILE).display().to_string()
    }
}

/// Puts the manifest's jobs on a queue, waiting while its backlog is full.
fn enqueue(jobs: &[folio_batch::Job], url: &str, max_backlog: u64) -> anyhow::Result<ExitCode> {
    let url = QueueUrl::parse(url)?;
    let queue = RedisQueue::open(&url, Duration::from_secs(300))?;
    let warned = std::sync::atomic::AtomicBool::new(false);
    let added = folio_batch::enqueue(&queue, jobs, max_backlog, &|outstanding| {
        if !warned.swap(true, std::sync::atomic::Ordering::Relaxed) {
            eprintln!(
                "waiting: the queue holds {outstanding} unfinished jobs (--max-backlog {max_backlog})"
            );
        }
    })?;
    println!(
        "{added} jobs queued on {}; run `folio worker --queue {} --out PREFIX` to do them",
        url.display, url.display
    );
    Ok(ExitCode::SUCCESS)
}

/// `folio batch status`.
fn print_status(args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let url = QueueUrl::parse(&args.queue)?;
    let queue = RedisQueue::open(&url, Duration::from_secs(300))?;
    let status = queue.status()?;
    let dead = queue.dead_letters(args.dead)?;
    if args.json {
        let value = serde_json::json!({"status": status, "dead_letters": dead});
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{}: {} queued, {} in flight, {} done ({} pages), {} dead, {} put back; {:.1} jobs/min over the last 5 min; {} workers active; {} tokens spent",
        queue.address(),
        status.queued,
        status.in_flight,
        status.done,
        status.pages,
        status.dead,
        status.requeued,
        status.done_per_minute,
        status.workers,
        status.spent_tokens
    );
    for d in &dead {
        println!("dead: {} → {}: {}", d.job.id, d.job.to, d.error);
    }
    Ok(ExitCode::SUCCESS)
}

/// One stderr line per event.
pub(crate) fn print_event(event: Event<'_>) {
    match event {
        Event::Started { id, to, attempt } if attempt > 1 => {
            eprintln!("started {id} → {to} (attempt {attempt})")
        }
        Event::Started { id, to, .. } => eprintln!("started {id} → {to}"),
        Event::Done {
            id,
            to,
            pages,
            segments,
            failed_segments,
            tokens,
            seconds,
        } => {
            let failed = match failed_segments {
                0 => String::new(),
                n => format!(", {n} segments failed (see its report)"),
            };
            eprintln!(
                "done {id} → {to}: {pages} pages, {segments} segments, {tokens} tokens, {seconds:.1} s{failed}"
            )
        }
        Event::Failed { id, to, error } => eprintln!("failed {id} → {to}: {error}"),
        Event::Capped { id, to, reason } => {
            eprintln!("stopping before {id} → {to}: {reason}")
        }
        Event::Skipped { id, to } => eprintln!("skipped {id} → {to}: already written"),
        Event::Dead { id, to, error } => eprintln!("dead {id} → {to}: {error}"),
        Event::Paused { seconds, reason } => {
            eprintln!("pausing {seconds:.0} s: the engine keeps failing ({reason})")
        }
        Event::Note(text) => eprintln!("note: {text}"),
    }
}

/// The summary on stdout.
fn print_summary(s: &Summary, out: &std::path::Path) {
    println!(
        "{} done, {} failed, {} skipped (already done), {} left; {} pages in {:.1} s ({:.2} pages/s); {} segments, {} requests, {} tokens, cache hit rate {:.0} %",
        s.done,
        s.failed,
        s.skipped,
        s.left,
        s.pages,
        s.seconds,
        s.pages_per_second,
        s.segments,
        s.requests,
        s.tokens,
        s.cache_hit_rate * 100.0
    );
    if let Some(cost) = s.cost {
        println!("cost: {cost:.4}");
    }
    for f in &s.failures {
        println!("failed: {} → {}: {}", f.id, f.to, f.error);
    }
    if let Some(reason) = &s.stopped_by {
        let left: Vec<String> = s
            .left_jobs
            .iter()
            .map(|k| format!("{} → {}", k.id, k.to))
            .collect();
        println!("stopped by {reason}; left: {}", left.join(", "));
    }
    println!("summary: {}", out.join(Summary::FILE).display());
}
