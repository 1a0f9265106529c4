//! Engine settings from a TOML file, so a batch job is one command.
//!
//! ```toml
//! engine = "openai"          # openai, apertium, or a built-in engine's name
//! glossary = "terms.csv"     # optional; relative paths are from the config file
//! cache = "/var/cache/folio" # optional; default: the user cache directory
//!
//! [openai]
//! base_url = "http://127.0.0.1:8080/v1"
//! model = "qwen2.5-7b-instruct"
//! api_key_env = "OPENAI_API_KEY"
//! timeout_secs = 120         # the server's silence: first bytes (not queued time), each pause
//! max_batch_tokens = 2000
//! max_batch_segments = 100
//! max_concurrency = 4
//! target_batch_secs = 30     # size batches to last about this long; 0: always the maximum
//! stream = true              # ask for a streamed reply (dropped if the server refuses)
//! structured_output = true   # ask for a JSON schema (dropped if the server refuses)
//!
//! [apertium]
//! base_url = "http://127.0.0.1:2737"
//! langpair = "eng|cat_valencia"
//!
//! [price]                    # per million tokens, for --dry-run
//! prompt = 0.15
//! completion = 0.60
//!
//! [limits]                   # what reading one PDF may cost (defaults: folio_pdf::Limits)
//! max_pages = 10000          # --max-pages
//! max_objects = 10000000
//! max_stream_mb = 128        # one stream, decoded
//! max_document_mb = 1024     # all the streams read, decoded
//! max_depth = 12             # Form XObjects within each other
//! max_operators = 2000000    # per page, its forms' included
//! max_glyphs = 250000        # per page
//! page_secs = 5              # per page
//! ```
//!
//! Every key is optional; unknown keys are errors (a typo must not be ignored silently).
//! Command-line flags override the file: the caller changes the fields before building.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::{ApertiumOptions, Error, Glossary, OpenAiOptions, Price, Result};

/// The settings file (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The engine's name.
    pub engine: Option<String>,
    /// A glossary CSV file.
    pub glossary: Option<PathBuf>,
    /// The persistent cache directory.
    pub cache: Option<PathBuf>,
    /// Settings of the `openai` engine.
    #[serde(default)]
    pub openai: OpenAiConfig,
    /// Settings of the `apertium` engine.
    #[serde(default)]
    pub apertium: ApertiumConfig,
    /// Prices per million tokens.
    pub price: Option<PriceConfig>,
    /// What reading one PDF may cost.
    #[serde(default)]
    pub limits: LimitsConfig,
}

/// The `[openai]` table; absent keys keep [`OpenAiOptions::default`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenAiConfig {
    /// API root (`…/v1`).
    pub base_url: Option<String>,
    /// Model name.
    pub model: Option<String>,
    /// Environment variable holding the key.
    pub api_key_env: Option<String>,
    /// Seconds of the server's silence allowed: before the first bytes (time queued behind
    /// this run's other requests not counted), and each pause of a streamed reply.
    pub timeout_secs: Option<u64>,
    /// Source tokens per batch.
    pub max_batch_tokens: Option<usize>,
    /// Segments per batch.
    pub max_batch_segments: Option<usize>,
    /// Requests in flight.
    pub max_concurrency: Option<usize>,
    /// Seconds one request should take: batches follow the server's measured speed, up to
    /// `max_batch_tokens`; 0 keeps them at the maximum.
    pub target_batch_secs: Option<u64>,
    /// Ask for streamed replies.
    pub stream: Option<bool>,
    /// Ask for structured output (a JSON schema of the reply).
    pub structured_output: Option<bool>,
}

/// The `[apertium]` table; absent keys keep [`ApertiumOptions::default`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApertiumConfig {
    /// Where APy listens.
    pub base_url: Option<String>,
    /// The APy pair (`eng|cat_valencia`).
    pub langpair: Option<String>,
    /// Requests in flight.
    pub max_concurrency: Option<usize>,
    /// Seconds allowed per request.
    pub timeout_secs: Option<u64>,
}

/// The `[price]` table: per million tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceConfig {
    /// Price of a million prompt tokens.
    pub prompt: f64,
    /// Price of a million completion tokens.
    pub completion: f64,
}

/// The `[limits]` table; absent keys keep the reader's defaults (`folio_pdf::Limits`).
/// Sizes are in MiB, times in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    /// Pages a document may have.
    pub max_pages: Option<u32>,
    /// Objects a document may have.
    pub max_objects: Option<usize>,
    /// MiB one stream may decode to.
    pub max_stream_mb: Option<u64>,
    /// MiB all the streams read may decode to, together.
    pub max_document_mb: Option<u64>,
    /// How deep Form XObjects may nest.
    pub max_depth: Option<u32>,
    /// Content operators one page may run.
    pub max_operators: Option<u64>,
    /// Glyphs one page may show.
    pub max_glyphs: Option<u64>,
    /// Seconds one page's content may take to read.
    pub page_secs: Option<f64>,
}

impl Config {
    /// Parses TOML text.
    pub fn from_toml(text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| Error::Config(e.to_string()))
    }

    /// Reads a file; relative `glossary` and `cache` paths are made relative to its folder.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
        let mut config = Self::from_toml(&text)
            .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
        let base = path.parent().unwrap_or(Path::new(""));
        for p in [&mut config.glossary, &mut config.cache]
            .into_iter()
            .flatten()
        {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
        Ok(config)
    }

    /// The `openai` engine's options.
    pub fn openai_options(&self) -> OpenAiOptions {
        let c = &self.openai;
        let mut o = OpenAiOptions::default();
        if let Some(v) = &c.base_url {
            o.base_url.clone_from(v);
        }
        if let Some(v) = &c.model {
            o.model.clone_from(v);
        }
        if let Some(v) = &c.api_key_env {
            o.api_key_env.clone_from(v);
        }
        if let Some(v) = c.timeout_secs {
            o.timeout = Duration::from_secs(v);
        }
        if let Some(v) = c.max_batch_tokens {
            o.limits.max_batch_tokens = v;
        }
        if let Some(v) = c.max_batch_segments {
            o.limits.max_batch_segments = v;
        }
        if let Some(v) = c.max_concurrency {
            o.limits.max_concurrency = v;
        }
        if let Some(v) = c.target_batch_secs {
            o.batch_target = (v > 0).then(|| Duration::from_secs(v));
        }
        if let Some(v) = c.stream {
            o.stream = v;
        }
        if let Some(v) = c.structured_output {
            o.structured_output = v;
        }
        o
    }

    /// The `apertium` engine's options.
    pub fn apertium_options(&self) -> ApertiumOptions {
        let c = &self.apertium;
        let mut o = ApertiumOptions::default();
        if let Some(v) = &c.base_url {
            o.base_url.clone_from(v);
        }
        o.langpair.clone_from(&c.langpair);
        if let Some(v) = c.max_concurrency {
            o.max_concurrency = v;
        }
        if let Some(v) = c.timeout_secs {
            o.timeout = Duration::from_secs(v);
        }
        o
    }

    /// The price table, if any.
    pub fn price(&self) -> Option<Price> {
        self.price.map(|p| Price {
            prompt_per_million: p.prompt,
            completion_per_million: p.completion,
        })
    }

    /// The glossary file read, if one is set.
    pub fn load_glossary(&self) -> Result<Option<Glossary>> {
        self.glossary.as_deref().map(Glossary::load).transpose()
    }

    /// The engine's name: the one set, else [`DEFAULT_ENGINE`](crate::DEFAULT_ENGINE).
    /// [`build_engine`](crate::build_engine) builds it.
    pub fn engine_name(&self) -> &str {
        self.engine.as_deref().unwrap_or(crate::DEFAULT_ENGINE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_limit_is_an_error() {
        let e = Config::from_toml("[limits]\nmax_page = 3\n").unwrap_err();
        assert!(e.to_string().contains("unknown field `max_page`"), "{e}");
    }

    #[test]
    fn a_full_file_parses_and_builds() {
        let config = Config::from_toml(
            r#"
            engine = "openai"
            [openai]
            base_url = "http://127.0.0.1:8080/v1"
            model = "qwen"
            max_batch_tokens = 3000
            timeout_secs = 600
            stream = false
            [apertium]
            langpair = "eng|cat_valencia"
            [limits]
            max_pages = 100
            page_secs = 1.5

            [price]
            prompt = 0.15
            completion = 0.6
            "#,
        )
        .unwrap();
        let o = config.openai_options();
        assert_eq!(o.model, "qwen");
        assert_eq!(o.limits.max_batch_tokens, 3000);
        assert_eq!(o.limits.max_batch_segments, 100);
        assert_eq!(o.timeout, Duration::from_secs(600));
        assert!(!o.stream && o.structured_output);
        assert_eq!(
            config.apertium_options().langpair.as_deref(),
            Some("eng|cat_valencia")
        );
        assert_eq!(config.limits.max_pages, Some(100));
        assert_eq!(config.limits.page_secs, Some(1.5));
        assert_eq!(config.limits.max_stream_mb, None);
        assert_eq!(config.price().unwrap().completion_per_million, 0.6);
        assert_eq!(config.engine_name(), "openai");
    }

    #[test]
    fn typos_are_errors() {
        let e = Config::from_toml("[openai]\nmodle = \"x\"\n").unwrap_err();
        assert!(e.to_string().contains("modle"), "{e}");
        let empty = Config::from_toml("").unwrap();
        assert_eq!(empty.engine_name(), "bergamot");
    }
}
