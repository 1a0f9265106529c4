//! `folio batch`: a manifest of PDFs and target languages in, a folder (or S3 prefix) of
//! translated PDFs, reports, a ledger and a summary out. The work is `folio_batch`'s; this parses the flags
//! and prints.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use folio_batch::{Caps, Event, Ledger, S3Settings, Settings, Summary};
use folio_translate::RateLimiter;

use crate::engine_args::EngineArgs;

/// Arguments of `folio batch`.
#[derive(clap::Args)]
pub struct BatchArgs {
    /// The manifest: `.csv` with a header `id,input,to[,priority][,pages]`, or `.jsonl` with
    /// those fields; `to` lists targets separated by `;` (`pt-BR;es`).
    manifest: PathBuf,
    /// Output folder or `s3://bucket/prefix`: `OUT/id/LANG.pdf`, `OUT/id/LANG.report.json`,
    /// `OUT/ledger.jsonl` (on S3 `OUT/ledger/`, one object per event), `OUT/summary.json`.
    #[arg(long, value_name = "PREFIX")]
    out: PathBuf,
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
    /// Stop starting documents before their estimated cost would pass this (needs `--price`
    /// or a config `[price]`).
    #[arg(long, value_name = "USD")]
    budget_usd: Option<f64>,
    /// Stop starting documents before their estimated tokens would pass this.
    #[arg(long, value_name = "N")]
    max_tokens: Option<u64>,
    /// User password of the encrypted inputs.
    #[arg(long)]
    password: Option<String>,
}

/// Runs `folio batch`.
pub fn run(args: BatchArgs) -> anyhow::Result<ExitCode> {
    folio_batch::check_supported(&args.out.to_string_lossy())?;
    let jobs = folio_batch::read_manifest(&args.manifest)?;
    let config = args.engine.config()?;
    let price = args.engine.price(&config)?;
    if args.budget_usd.is_some() && price.is_none() {
        anyhow::bail!("--budget-usd needs a price: pass --price PROMPT,COMPLETION");
    }
    let fonts = args.engine.fonts()?;
    let mut translate = args.engine.translate_options(args.engine.cache(&config)?);
    // One limiter for every document in flight, so together they keep to --rpm and --tpm.
    if args.engine.rpm.is_some() || args.engine.tpm.is_some() {
        translate.limiter = Some(Arc::new(RateLimiter::new(args.engine.rpm, args.engine.tpm)));
    }
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
        caps: Caps {
            max_tokens: args.max_tokens,
            budget: args.budget_usd,
        },
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
    print_summary(&summary, &args.out);
    Ok(if summary.failed > 0 {
        eprintln!(
            "error: {} of {} outputs failed (their errors are in {})",
            summary.failed,
            summary.done + summary.failed + summary.skipped + summary.left,
            ledger_name(&args.out)
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

/// One stderr line per event.
fn print_event(event: Event<'_>) {
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
