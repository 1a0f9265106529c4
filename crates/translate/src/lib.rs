//! Folio's translation stage: [`Segment`]s in, one [`Translation`] each out.
//!
//! Engines sit behind one object-safe async trait, [`Engine`]: a batch of segments in, one item
//! per segment out. Everything an engine should not have to care about is done once, by
//! [`translate_segments`]: skipping text with nothing to translate, sending repeated texts once,
//! the per-segment [`Cache`], batching by a token budget (or by the engine's measured speed)
//! with stable ids, retries with backoff, timeouts, checking each translation (placeholders,
//! emptiness, length, invented numbers, its language) and splitting batches that fail. Nothing is dropped silently: each segment ends [`Outcome::Translated`],
//! [`Outcome::Kept`] with a reason, or [`Outcome::Failed`] with a reason.
//!
//! ```
//! use folio_doc::{BlockId, Outcome, Role, Segment, SegmentId};
//! use folio_translate::{LangPair, Pseudo, TranslateOptions, translate_segments_blocking};
//!
//! let engine = Pseudo::new(LangPair::new("en", "pt")?);
//! let segments = [Segment {
//!     id: SegmentId(0),
//!     block: Some(BlockId { page: 0, index: 0 }),
//!     text: "The [1]quick[/1] fox".into(),
//!     role: Role::Body,
//! }];
//! let out = translate_segments_blocking(&engine, &segments, &TranslateOptions::default(), &mut |_| {})?;
//! assert!(matches!(&out.translations[0].outcome, Outcome::Translated(t) if t.contains("[1]")));
//! # Ok::<(), folio_translate::Error>(())
//! ```
//!
//! # Brief overview
//! - [`Engine`], [`EngineInfo`], [`Batch`], [`Reply`]: the trait and what goes through it;
//!   [`Listener`]: what an engine tells the driver while a reply arrives.
//! - [`Identity`], [`Pseudo`]: the built-in engines ([`builtin`] picks one by name).
//! - [`OpenAi`] (any OpenAI-compatible chat-completions server) and [`Apertium`] (an APy
//!   server): the HTTP engines, set up with [`OpenAiOptions`] and [`ApertiumOptions`].
//! - [`Glossary`]: fixed term translations; in the LLM prompt, or enforced on an MT engine by
//!   wrapping it in [`Glossed`].
//! - [`candidate_terms`]: a document's terms, found before translating, so an LLM engine
//!   translates each one way throughout ([`Engine::learns_terms`]), with no extra request.
//! - [`Bergamot`] (feature `bergamot`, on by default): Firefox Translations models in-process;
//!   [`list_models`], [`find_model`] and [`models_dir`] find them on disk.
//! - [`translate_segments`] (async) and [`translate_segments_blocking`]: the driver, with
//!   [`TranslateOptions`], [`TranslateProgress`] events and [`TranslateOutput`] with
//!   [`EngineStats`].
//! - [`placeholders`]: the `[n]…[/n]` and `[n]` format (from [`folio_doc::placeholders`]) and its
//!   check with this crate's [`Error`].
//! - [`Cache`], [`CacheKey`], [`MemoryCache`], [`NoCache`]: the per-segment cache;
//!   [`DiskCache`] persists it for concurrent processes, [`Layered`] puts memory in front.
//! - [`Limiter`]: what calls wait on (requests and tokens per minute, pauses after a 429);
//!   [`RateLimiter`] keeps the count in memory, for one process.
//! - [`estimate`]: what a run would send and cost ([`Estimate`], [`Price`]), without calling.
//! - [`Config`]: engine settings from a TOML file; [`build_engine`] and [`build_cache`] make
//!   the engine it names and its cache, the one policy the CLI, QA and tests share.
//!
//! # Limitations
//! Engines run on the caller's runtime; one that computes on the CPU (an in-process model)
//! should move its work off the async thread itself (`tokio::task::spawn_blocking`). Token
//! counts of engines that do not report them are estimates (≈ 4 characters a token).

mod build;
mod cache;
mod config;
mod disk_cache;
mod engine;
mod engines;
mod error;
mod glossary;
mod lang;
pub mod models;
pub mod placeholders;
mod ratelimit;
mod terms;
mod translate;

pub use build::{DEFAULT_ENGINE, build_cache, build_cache_over, build_engine, runs_bare};
pub use cache::{Cache, CacheKey, MemoryCache, NoCache, normalize};
pub use config::{ApertiumConfig, Config, LimitsConfig, OpenAiConfig, PriceConfig};
pub use disk_cache::{DiskCache, Layered, default_cache_dir};
pub use engine::{
    Batch, BoxFuture, Engine, EngineInfo, EngineLimits, Listener, Pace, Reply, ReplyItem, Usage,
    estimate_tokens,
};
pub use engines::{
    Apertium, ApertiumOptions, BUILTIN, Identity, OpenAi, OpenAiOptions, Pseudo, builtin,
    language_name, pseudolocalize,
};
#[cfg(feature = "bergamot")]
pub use engines::{Bergamot, BergamotOptions};
pub use error::{Error, Result};
pub use glossary::{Glossary, Glossed, Term, csv_fields};
pub use lang::LangPair;
pub use models::{
    FETCH_MODELS, InstalledModels, MODELS_ENV, ModelInfo, default_models_dir, find_model,
    list_models, models_dir, user_models_dir,
};
pub use ratelimit::{Limiter, RateLimiter};
pub use terms::candidate_terms;
pub use translate::{
    EngineStats, Estimate, Price, RetryPolicy, TranslateOptions, TranslateOutput,
    TranslateProgress, Validation, estimate, left_in_source_language, translate_segments,
    translate_segments_blocking,
};

#[doc(no_inline)]
pub use folio_doc::{KeepReason, Outcome, Segment, SegmentId, Translation};
