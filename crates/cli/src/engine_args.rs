//! The engine flags `folio translate` and `folio batch` share, and how they become an engine,
//! a cache, fonts and engine options.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use folio_translate::{Cache, Config, Engine, LangPair, Price, TranslateOptions};
use folio_typeset::FontBook;

/// Which engine translates, with what settings, cache, limits and price.
#[derive(clap::Args)]
pub struct EngineArgs {
    /// Source language.
    #[arg(long, default_value = "en")]
    pub from: String,
    /// Translation engine: `bergamot` (embedded neural MT, offline), `apertium` (an APy
    /// server), `openai` (any OpenAI-compatible server), `pseudo` (pseudo-localization) or
    /// `identity` (returns the source). Default: the config's, else `bergamot`.
    #[arg(long)]
    engine: Option<String>,
    /// Settings file (TOML): engine, its settings, glossary, cache, price table, `[limits]`
    /// on reading a PDF. Flags override it.
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
    /// Seconds an `openai` or `apertium` request may take (default: the config's, else 120
    /// and 60); for `openai`, the wait for the first bytes (extended while the server answers
    /// the run's other requests: queued ones are not cut) and each pause of a streamed reply.
    #[arg(long, value_name = "SECS")]
    timeout: Option<u64>,
    /// Seconds one `openai` request should take: batches are sized to the server's measured
    /// speed to last about this long, up to the batch limits (default: the config's, else 30;
    /// 0 keeps every batch at the maximum).
    #[arg(long, value_name = "SECS")]
    target_batch_secs: Option<u64>,
    /// Requests in flight at most (the engine's own limit still applies).
    #[arg(long, value_name = "N")]
    max_concurrency: Option<usize>,
    /// Requests per minute at most, retries included.
    #[arg(long, value_name = "N")]
    pub rpm: Option<u32>,
    /// Estimated tokens (prompt and completion) per minute at most.
    #[arg(long, value_name = "N")]
    pub tpm: Option<u32>,
    /// Glossary CSV (`source,target[,note]`): fixed translations of terms.
    #[arg(long)]
    glossary: Option<PathBuf>,
    /// Translation cache folder, shared by runs and processes (default: `FOLIO_CACHE`, else
    /// `~/.cache/folio`).
    #[arg(long)]
    cache: Option<PathBuf>,
    /// Cache nothing on disk.
    #[arg(long, conflicts_with = "cache")]
    pub no_cache: bool,
    /// Prices per million prompt and completion tokens, for costs: `0.15,0.60` (default: the
    /// config's `[price]`).
    #[arg(long, value_name = "PROMPT,COMPLETION")]
    price: Option<String>,
    /// Folder of fonts for new text (default: the bundled `fonts/`, compiled into the binary).
    #[arg(long)]
    fonts: Option<PathBuf>,
}

impl EngineArgs {
    /// The config file if one is given, with the flags written over it.
    pub fn config(&self) -> anyhow::Result<Config> {
        self.config_with(None)
    }

    /// [`Self::config`] with `engine` (a service job's choice) over `--engine` and the file's.
    pub fn config_with(&self, engine: Option<&str>) -> anyhow::Result<Config> {
        let mut config = match &self.config {
            Some(path) => Config::load(path).map_err(|e| anyhow::anyhow!("{e}"))?,
            None => Config::default(),
        };
        let engine = engine
            .map(String::from)
            .or(self.engine.clone())
            .or(config.engine.take())
            .unwrap_or_else(|| folio_translate::DEFAULT_ENGINE.into());
        config.glossary = self.glossary.clone().or(config.glossary);
        config.engine = Some(engine);
        config.cache = self.cache.clone().or(config.cache);
        if let Some(url) = &self.base_url {
            config.openai.base_url = Some(url.clone());
            config.apertium.base_url = Some(url.clone());
        }
        config.openai.model = self.model.clone().or(config.openai.model);
        config.openai.api_key_env = self.api_key_env.clone().or(config.openai.api_key_env);
        if let Some(secs) = self.timeout {
            config.openai.timeout_secs = Some(secs);
            config.apertium.timeout_secs = Some(secs);
        }
        config.openai.target_batch_secs =
            self.target_batch_secs.or(config.openai.target_batch_secs);
        Ok(config)
    }

    /// The engine `config` names, from `--from` into `to`.
    pub fn engine(&self, config: &Config, to: &str) -> anyhow::Result<Box<dyn Engine>> {
        self.engine_between(config, &self.from, to)
    }

    /// The engine `config` names, from `from` into `to` (a service job may choose `from`).
    pub fn engine_between(
        &self,
        config: &Config,
        from: &str,
        to: &str,
    ) -> anyhow::Result<Box<dyn Engine>> {
        let pair = LangPair::new(from, to).map_err(|e| anyhow::anyhow!("{e}"))?;
        let models_dir = folio_translate::models_dir(
            self.models.as_deref(),
            std::env::var_os(folio_translate::MODELS_ENV),
        );
        folio_translate::build_engine(config, pair, &models_dir).map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// The fonts for new text: `--fonts`, else the bundled ones.
    pub fn fonts(&self) -> anyhow::Result<FontBook> {
        match &self.fonts {
            Some(dir) => FontBook::from_dir(dir)
                .with_context(|| format!("{}: cannot load fonts", dir.display())),
            None => Ok(FontBook::bundled()),
        }
    }

    /// `--no-cache`: none; else the engine's cache (none for identity and pseudo).
    pub fn cache(&self, config: &Config) -> anyhow::Result<Option<Arc<dyn Cache>>> {
        if self.no_cache {
            return Ok(None);
        }
        folio_translate::build_cache(config).map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// The engine options of a run: `cache`, the request and rate limits.
    pub fn translate_options(&self, cache: Option<Arc<dyn Cache>>) -> TranslateOptions {
        TranslateOptions {
            cache,
            max_concurrency: self.max_concurrency,
            rpm: self.rpm,
            tpm: self.tpm,
            ..TranslateOptions::default()
        }
    }

    /// `--price`, else the config's.
    pub fn price(&self, config: &Config) -> anyhow::Result<Option<Price>> {
        let Some(text) = &self.price else {
            return Ok(config.price());
        };
        let (p, c) = text
            .split_once(',')
            .context("--price takes PROMPT,COMPLETION per million tokens")?;
        Ok(Some(Price {
            prompt_per_million: p.trim().parse().context("--price: not a number")?,
            completion_per_million: c.trim().parse().context("--price: not a number")?,
        }))
    }
}

/// The caps `folio batch` and `folio worker` share: what a batch (or a whole fleet) may
/// spend before it stops starting documents.
#[derive(clap::Args)]
pub struct CapArgs {
    /// Stop starting documents before what they cost (the finished ones' real cost, the
    /// others' estimates) would pass this; needs `--price` or a config `[price]`. For
    /// workers, the whole fleet's spending, kept in Redis.
    #[arg(long, value_name = "USD")]
    budget_usd: Option<f64>,
    /// The same for prompt and completion tokens.
    #[arg(long, value_name = "N")]
    max_tokens: Option<u64>,
}

impl CapArgs {
    /// The caps, checked against the price they need.
    pub fn caps(&self, price: Option<Price>) -> anyhow::Result<folio_batch::Caps> {
        if self.budget_usd.is_some() && price.is_none() {
            anyhow::bail!("--budget-usd needs a price: pass --price PROMPT,COMPLETION");
        }
        Ok(folio_batch::Caps {
            max_tokens: self.max_tokens,
            budget: self.budget_usd,
        })
    }
}
