//! `folio translate`: a PDF in, the translated PDF and a report out.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use folio_pdf::PageSelection;
use folio_translate::{Config, LangPair, Price, TranslateOptions};
use folio_typeset::FontBook;

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
    /// Source language.
    #[arg(long, default_value = "en")]
    from: String,
    /// Translation engine: `bergamot` (embedded neural MT, offline), `apertium` (an APy
    /// server), `openai` (any OpenAI-compatible server), `pseudo` (pseudo-localization) or
    /// `identity` (returns the source). Default: the config's, else `bergamot`.
    #[arg(long)]
    engine: Option<String>,
    /// Settings file (TOML): engine, its settings, glossary, cache, price table. Flags
    /// override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Folder of Bergamot models (default: `FOLIO_MODELS`, else the per-user `folio/models`).
    #[arg(long)]
    models: Option<PathBuf>,
    /// Server root for `apertium` (default http://127.0.0.1:2737) or `openai`
    /// (default https://api.openai.com/v1).
    #[arg(long)]
    base_url: Option<String>,
    /// Model name for `openai`.
    #[arg(long)]
    model: Option<String>,
    /// Environment variable holding the `openai` API key (default: `OPENAI_API_KEY`).
    #[arg(long)]
    api_key_env: Option<String>,
    /// Requests in flight at most (the engine's own limit still applies).
    #[arg(long, value_name = "N")]
    max_concurrency: Option<usize>,
    /// Requests per minute at most, retries included.
    #[arg(long, value_name = "N")]
    rpm: Option<u32>,
    /// Estimated tokens (prompt and completion) per minute at most.
    #[arg(long, value_name = "N")]
    tpm: Option<u32>,
    /// Glossary CSV (`source,target[,note]`): fixed translations of terms.
    #[arg(long)]
    glossary: Option<PathBuf>,
    /// Translation cache folder, shared by runs and processes (default: `FOLIO_CACHE`, else
    /// `~/.cache/folio`).
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Cache nothing on disk.
    #[arg(long, conflicts_with = "cache")]
    no_cache: bool,
    /// Estimate segments, requests and tokens without calling the engine (nor writing).
    #[arg(long)]
    dry_run: bool,
    /// Prices per million prompt and completion tokens, for the dry run's cost: `0.15,0.60`
    /// (default: the config's `[price]`).
    #[arg(long, value_name = "PROMPT,COMPLETION")]
    price: Option<String>,
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
    /// Folder of fonts for new text (default: the bundled `fonts/`, compiled into the binary).
    #[arg(long)]
    fonts: Option<PathBuf>,
    /// User password of an encrypted PDF.
    #[arg(long)]
    password: Option<String>,
}

/// Runs `folio translate`.
pub fn run(args: TranslateArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.input)
        .with_context(|| format!("{}: cannot read the file", args.input.display()))?;
    let pair = LangPair::new(&args.from, &args.to).map_err(|e| anyhow::anyhow!("{e}"))?;
    let config = make_config(&args)?;
    let models_dir = folio_translate::models_dir(
        args.models.as_deref(),
        std::env::var_os(folio_translate::MODELS_ENV),
    );
    let engine = folio_translate::build_engine(&config, pair, &models_dir)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let fonts = match &args.fonts {
        Some(dir) => FontBook::from_dir(dir)
            .with_context(|| format!("{}: cannot load fonts", dir.display()))?,
        None => FontBook::bundled(),
    };
    // `--no-cache`, else the engine's cache (none for identity and pseudo).
    let cache = if args.no_cache {
        None
    } else {
        folio_translate::build_cache(&config).map_err(|e| anyhow::anyhow!("{e}"))?
    };
    let options = folio::Options {
        translate: TranslateOptions {
            cache,
            max_concurrency: args.max_concurrency,
            rpm: args.rpm,
            tpm: args.tpm,
            ..TranslateOptions::default()
        },
        pages: args.pages.clone(),
        password: args.password.clone(),
        bilingual: args.bilingual,
        ..folio::Options::new(engine.as_ref(), &fonts)
    };
    if args.dry_run {
        return dry_run(&args, config.price(), bytes, &options);
    }
    let mut progress = crate::progress::Progress::new();
    let result = folio::translate(Arc::new(bytes), &options, &mut |e| progress.event(e));
    progress.finish();
    let (out, report) = match result {
        Ok(r) => r,
        Err(err) => {
            eprintln!("error: {}: {err}", args.input.display());
            if let Some(hint) = err.hint() {
                eprintln!("hint: {hint}");
            }
            return Ok(ExitCode::from(1));
        }
    };
    if let Some(dir) = args.output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create the folder", dir.display()))?;
    }
    std::fs::write(&args.output, &out)
        .with_context(|| format!("{}: cannot write", args.output.display()))?;
    if let Some(path) = &args.report {
        let mut f = std::fs::File::create(path)
            .with_context(|| format!("{}: cannot write", path.display()))?;
        serde_json::to_writer_pretty(&mut f, &report)?;
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
        args.output.display(),
        report.pages_translated,
        report.segments.translated,
        kept,
        report.segments.failed.len(),
        report.blocks.rewritten,
        report.blocks.overflowed.len(),
        report.min_scale,
    );
    Ok(if report.segments.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(3)
    })
}

/// The config file if one is given, with the flags written over it.
fn make_config(args: &TranslateArgs) -> anyhow::Result<Config> {
    let mut config = match &args.config {
        Some(path) => Config::load(path).map_err(|e| anyhow::anyhow!("{e}"))?,
        None => Config::default(),
    };
    let engine = args
        .engine
        .clone()
        .or(config.engine.take())
        .unwrap_or_else(|| folio_translate::DEFAULT_ENGINE.into());
    config.glossary = args.glossary.clone().or(config.glossary);
    config.engine = Some(engine);
    config.cache = args.cache.clone().or(config.cache);
    if let Some(url) = &args.base_url {
        config.openai.base_url = Some(url.clone());
        config.apertium.base_url = Some(url.clone());
    }
    config.openai.model = args.model.clone().or(config.openai.model);
    config.openai.api_key_env = args.api_key_env.clone().or(config.openai.api_key_env);
    Ok(config)
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
    let price = match &args.price {
        Some(text) => {
            let (p, c) = text
                .split_once(',')
                .context("--price takes PROMPT,COMPLETION per million tokens")?;
            Some(Price {
                prompt_per_million: p.trim().parse()?,
                completion_per_million: c.trim().parse()?,
            })
        }
        None => price,
    };
    if let Some(price) = price {
        println!("estimated cost: {:.4}", est.cost(price));
    }
    Ok(ExitCode::SUCCESS)
}
