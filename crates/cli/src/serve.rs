//! `folio serve`: the HTTP service of `folio_serve`, with the engine flags of `folio translate`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use folio_serve::{EngineRequest, Settings};
use folio_translate::{Engine, Limiter, RateLimiter};

use crate::engine_args::EngineArgs;

/// Arguments of `folio serve`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Folder of the jobs (created if needed); a restart over the same folder keeps them.
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
    /// Require `Authorization: Bearer TOKEN` on every request (better in the environment
    /// variable than on the command line, which other users of the machine can see).
    #[arg(long, env = "FOLIO_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Largest PDF accepted, in megabytes.
    #[arg(long, value_name = "N", default_value_t = 100)]
    max_upload_mb: usize,
    /// Most pages a PDF may have (default: the config's `[limits]`, else 500).
    #[arg(long, value_name = "N")]
    max_pages: Option<u32>,
    /// Jobs translated at once; the others wait in the order they came.
    #[arg(long, value_name = "N", default_value_t = 1)]
    jobs: usize,
    /// Seconds one job may run before it is failed.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    job_timeout: u64,
    /// Engines a job may choose besides the server's (`--engine`), e.g. `pseudo,identity`;
    /// by default a job always uses the server's.
    #[arg(long, value_name = "NAME,…", value_delimiter = ',')]
    allow_engines: Vec<String>,
    /// The default engine, its settings, cache, limits (a job may choose the engine and the
    /// source language).
    #[command(flatten)]
    engine: EngineArgs,
}

/// Runs `folio serve` until SIGTERM or SIGINT.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    // A bad config file or fonts folder stops the start, not each job.
    let config = args.engine.config()?;
    // The server's own engine may always be named.
    let mut engines = args.allow_engines.clone();
    engines.extend(config.engine.clone());
    let fonts = Arc::new(args.engine.fonts()?);
    // A service bounds what one upload may cost: the config's `[limits]`, with a page limit
    // of its own by default (a PDF of more is refused at upload).
    let max_pages = args.max_pages.or(config.limits.max_pages).or(Some(500));
    let limits = folio::limits_from_config(&config.limits, max_pages);
    // One limiter for every job in flight, so together they keep to --rpm and --tpm.
    let limiter: Option<Arc<dyn Limiter>> = (args.engine.rpm.is_some()
        || args.engine.tpm.is_some())
    .then(|| Arc::new(RateLimiter::new(args.engine.rpm, args.engine.tpm)) as _);
    let engine_args = Arc::new(args.engine);
    let shared = SharedEngines::default();
    let make_engine = move |request: &EngineRequest<'_>| {
        let build = || -> anyhow::Result<_> {
            let config = engine_args.config_with(request.engine)?;
            let engine = shared.get(&engine_args, &config, request)?;
            let mut options = engine_args.translate_options(engine_args.cache(&config)?);
            options.limiter = limiter.clone();
            Ok((engine, options))
        };
        build().map_err(|e| format!("{e:#}"))
    };
    let settings = Settings {
        data: args.data,
        token: args.token,
        max_upload_bytes: args.max_upload_mb.saturating_mul(1024 * 1024),
        limits,
        jobs: args.jobs,
        job_timeout: Duration::from_secs(args.job_timeout),
        fonts,
        make_engine: Arc::new(make_engine),
        engines,
        ocr: folio::OcrSettings {
            language: String::new(),
            ..folio::OcrSettings::default()
        },
    };
    // SIGTERM or SIGINT: stop taking requests, answer those under way, and exit; the jobs
    // running then are queued again by the next start.
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("cannot listen for SIGTERM and SIGINT")?;
    }
    let stopped = async move {
        while !stop.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    // One thread answers requests (they are short); each job runs on a thread of its own.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        eprintln!(
            "listening on http://{} (jobs in {})",
            listener.local_addr()?,
            settings.data.display()
        );
        folio_serve::serve(listener, settings, stopped)
            .await
            .context("the server stopped")
    })?;
    eprintln!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// The service's engines, one per engine name and language pair, kept across jobs: a Bergamot
/// model loads once, and an LLM server's measured speed sizes every later job's batches, with
/// no probe of its own.
#[derive(Default)]
struct SharedEngines {
    built: Mutex<HashMap<EngineKey, Arc<dyn Engine>>>,
}

/// An engine's name (`None`: the server's), source and target language.
type EngineKey = (Option<String>, String, String);

impl SharedEngines {
    /// The engine `request` asks for, built with `config` on first use.
    fn get(
        &self,
        args: &EngineArgs,
        config: &folio_translate::Config,
        request: &EngineRequest<'_>,
    ) -> anyhow::Result<Arc<dyn Engine>> {
        let from = request.from.unwrap_or(&args.from);
        let key = (
            request.engine.map(str::to_string),
            from.to_string(),
            request.to.to_string(),
        );
        let cached = self
            .built
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .cloned();
        if let Some(engine) = cached {
            return Ok(engine);
        }
        // Built outside the lock: loading a model takes a while.
        let engine: Arc<dyn Engine> = Arc::from(args.engine_between(config, from, request.to)?);
        Ok(self
            .built
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_insert(engine)
            .clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        engine: EngineArgs,
    }

    #[test]
    fn jobs_asking_for_the_same_engine_and_languages_share_it() {
        let args = Cli::parse_from(["folio", "--engine", "pseudo"]).engine;
        let config = args.config_with(None).unwrap();
        let shared = SharedEngines::default();
        let ask = |to| EngineRequest {
            engine: None,
            from: None,
            to,
        };
        let first = shared.get(&args, &config, &ask("pt-BR")).unwrap();
        let again = shared.get(&args, &config, &ask("pt-BR")).unwrap();
        let other = shared.get(&args, &config, &ask("es")).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        assert!(!Arc::ptr_eq(&first, &other));
        assert_eq!(other.info().pair.to, "es");
    }
}
