//! `folio translate`: a PDF in, the translated PDF and a report out.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use folio_pdf::PageSelection;
use folio_translate::Price;

use crate::engine_args::EngineArgs;

/// Arguments of `folio translate`.
#[derive(clap::Args)]
pub struct TranslateArgs {
    /// The PDF to translate.
    input: PathBuf,
    /// Where to write the translated PDF.
    #[arg(short, long)]
    output: PathBuf,
    /// Target language (BCP 47, e.g. `pt-BR`, `es`).
    #[arg(long)]
    to: String,
    /// The engine, its settings, cache, limits and price.
    #[command(flatten)]
    engine: EngineArgs,
    /// Estimate segments, requests and tokens without calling the engine (nor writing).
    #[arg(long)]
    dry_run: bool,
    /// Only these pages, e.g. `1-3,7` (from 1); the others are copied unchanged.
    #[arg(long)]
    pages: Option<PageSelection>,
    /// Also keep the original: `side` (original left, translation right, on one wide page)
    /// or `alternate` (each original page followed by its translation).
    #[arg(long, value_name = "side|alternate")]
    bilingual: Option<folio_pdf::Bilingual>,
    /// Write the run's report (JSON) here.
    #[arg(long)]
    report: Option<PathBuf>,
    /// User password of an encrypted PDF.
    #[arg(long)]
    password: Option<String>,
    /// How scanned pages are read.
    #[command(flatten)]
    ocr: crate::ocr::OcrArgs,
    /// Refuse a PDF of more pages than this (default: the config's `[limits]`, else 10000).
    #[arg(long, value_name = "N")]
    max_pages: Option<u32>,
}

/// Runs `folio translate`.
pub fn run(args: TranslateArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.input)
        .with_context(|| format!("{}: cannot read the file", args.input.display()))?;
    let config = args.engine.config()?;
    let engine = args.engine.engine(&config, &args.to)?;
    let fonts = args.engine.fonts()?;
    let options = folio::Options {
        translate: args.engine.translate_options(args.engine.cache(&config)?),
        pages: args.pages.clone(),
        password: args.password.clone(),
        bilingual: args.bilingual,
        ocr: args.ocr.settings(),
        limits: folio::limits_from_config(&config.limits, args.max_pages),
        ..folio::Options::new(engine.as_ref(), &fonts)
    };
    if args.dry_run {
        return dry_run(&args, args.engine.price(&config)?, bytes, &options);
    }
    let Some((out, report)) = run_pipeline(&args.input, bytes, &options) else {
        return Ok(ExitCode::from(1));
    };
    write_output(&args.output, args.report.as_deref(), &out, &report)
}

/// Runs the pipeline with a progress display; `None` after printing why it failed (and a
/// hint), for the command to exit 1.
pub fn run_pipeline(
    input: &std::path::Path,
    bytes: Vec<u8>,
    options: &folio::Options<'_>,
) -> Option<(Vec<u8>, folio::Report)> {
    let mut progress = crate::progress::Progress::new();
    let result = folio::translate(Arc::new(bytes), options, &mut |e| progress.event(e));
    progress.finish();
    match result {
        Ok(out) => Some(out),
        Err(err) => {
            eprintln!("error: {}: {err}", input.display());
            if let Some(hint) = err.hint() {
                eprintln!("hint: {hint}");
            }
            None
        }
    }
}

/// Writes the translated PDF and the report, prints the first warnings and a summary line:
/// exit code 0, or 3 when segments failed.
pub fn write_output(
    output: &std::path::Path,
    report_path: Option<&std::path::Path>,
    out: &[u8],
    report: &folio::Report,
) -> anyhow::Result<ExitCode> {
    if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create the folder", dir.display()))?;
    }
    std::fs::write(output, out).with_context(|| format!("{}: cannot write", output.display()))?;
    if let Some(path) = report_path {
        let mut f = std::fs::File::create(path)
            .with_context(|| format!("{}: cannot write", path.display()))?;
        serde_json::to_writer_pretty(&mut f, report)?;
        writeln!(f)?;
    }
    // The first warnings here, all of them in the report.
    const SHOWN: usize = 10;
    for w in report.warnings.iter().take(SHOWN) {
        eprintln!("warning: {w}");
    }
    if report.warnings.len() > SHOWN {
        eprintln!(
            "… {} more warning(s) in the report (--report)",
            report.warnings.len() - SHOWN
        );
    }
    let kept: u32 = report.segments.kept.values().sum();
    eprintln!(
        "wrote {} ({} pages): {} segments translated, {} kept, {} failed; {} blocks rewritten, {} overflowed; smallest scale {:.2}",
        output.display(),
        report.pages_translated,
        report.segments.translated,
        kept,
        report.segments.failed.len(),
        report.blocks.rewritten,
        report.blocks.overflowed.len(),
        report.min_scale,
    );
    if !report.failed_pages.is_empty() {
        let pages: Vec<String> = report
            .failed_pages
            .iter()
            .map(|f| f.page.to_string())
            .collect();
        eprintln!(
            "page(s) {} could not be translated and are copied unchanged (reasons in the warnings and the report)",
            pages.join(", ")
        );
    }
    Ok(
        if report.segments.failed.is_empty() && report.failed_pages.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(3)
        },
    )
}

/// Arguments of `folio models`.
#[derive(clap::Args)]
pub struct ModelsArgs {
    /// Folder of Bergamot models (default: `FOLIO_MODELS`, else the per-user `folio/models`).
    #[arg(long)]
    models: Option<PathBuf>,
}

/// Lists the installed Bergamot models.
pub fn models(args: ModelsArgs) -> anyhow::Result<ExitCode> {
    let dir = folio_translate::models_dir(
        args.models.as_deref(),
        std::env::var_os(folio_translate::MODELS_ENV),
    );
    let installed = folio_translate::list_models(&dir).map_err(|e| anyhow::anyhow!("{e}"))?;
    if installed.models.is_empty() {
        println!("no models in {} (run folio models fetch)", dir.display());
    }
    for m in &installed.models {
        println!("{}\t{} → {}\t{}", m.id, m.from, m.to, m.dir.display());
    }
    for w in &installed.warnings {
        eprintln!("warning: {w}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints what a run would cost, without calling the engine.
fn dry_run(
    args: &TranslateArgs,
    price: Option<Price>,
    bytes: Vec<u8>,
    options: &folio::Options<'_>,
) -> anyhow::Result<ExitCode> {
    let est = match folio::estimate(Arc::new(bytes), options) {
        Ok(e) => e,
        Err(err) => {
            eprintln!("error: {}: {err}", args.input.display());
            return Ok(ExitCode::from(1));
        }
    };
    println!(
        "{}: {} segments ({} kept, {} reused, {} to send) in {} requests; {} source tokens, ~{} prompt and ~{} completion tokens",
        args.input.display(),
        est.segments,
        est.kept,
        est.reused,
        est.sent,
        est.requests,
        est.source_tokens,
        est.prompt_tokens,
        est.completion_tokens
    );
    if let Some(price) = price {
        println!("estimated cost: {:.4}", est.cost(price));
    }
    Ok(ExitCode::SUCCESS)
}
