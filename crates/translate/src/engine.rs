//! The engine trait: what every translator (identity, pseudo, Bergamot, Apertium, an LLM)
//! implements, and the data going in and out of one call.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use folio_doc::{Segment, SegmentId};
use serde::{Deserialize, Serialize};

use crate::{LangPair, Result, Term};

/// A boxed future that can move between threads: what [`Engine::translate`] returns, so the
/// trait stays object-safe (`Box<dyn Engine>`, `Arc<dyn Engine>`) without the async-trait crate.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A translator of batches of segments.
///
/// Implementations translate what they are sent and nothing more: the driver
/// ([`crate::translate_segments`]) does deduplication, caching, batching, validation, retries
/// and splitting. An engine returns an error for the batch as a whole ([`Error::is_transient`]
/// says whether to try again), or one item per segment, each a text or an error.
///
/// [`Error::is_transient`]: crate::Error::is_transient
pub trait Engine: Send + Sync {
    /// Who the engine is, what it translates and how much it takes at once.
    fn info(&self) -> &EngineInfo;

    /// Translates one batch. Texts carry placeholders (`[n]…[/n]`, `[n]`) that must come back
    /// byte-exact; the reply's items are matched to segments by id, in any order.
    fn translate<'a>(&'a self, batch: Batch<'a>) -> BoxFuture<'a, Result<Reply>>;

    /// The tokens a request for this batch would cost, for `--dry-run` estimates
    /// ([`crate::estimate`]); `None` (the default) counts the source texts only, for engines
    /// without a per-token price.
    fn estimate_usage(&self, batch: &Batch<'_>) -> Option<Usage> {
        let _ = batch;
        None
    }

    /// Whether the engine bounds its requests in time itself (an HTTP engine's configured
    /// timeout; a streamed reply's limit on pauses). The driver then adds no limit of its own
    /// ([`TranslateOptions::timeout`](crate::TranslateOptions::timeout)), which would override
    /// the engine's setting and cut a long reply that is still arriving. `false` by default.
    fn enforces_timeout(&self) -> bool {
        false
    }

    /// Whether the engine keeps a document's terms consistent: it uses the translations in
    /// [`Batch::terms`] and reports how it translated [`Batch::new_terms`] in [`Reply::terms`].
    /// The driver finds a document's candidate terms only for such an engine (an LLM);
    /// `false` by default.
    fn learns_terms(&self) -> bool {
        false
    }
    /// Whether the engine heeds [`Batch::correction`] (an LLM told why its last reply was
    /// refused): only then is a segment refused for a reason it can act on (a placeholder lost,
    /// a reply cut short: [`Error::correction`]) sent once more, told so. An
    /// engine that would answer the same again says `false` (the default).
    fn heeds_corrections(&self) -> bool {
        false
    }

    /// The pace of an engine that wants batches sized by its speed: the driver then measures
    /// each reply's time per source token and cuts the next batches to last about
    /// [`Pace::target`] (within [`EngineLimits`]), shrinking them after a timeout. `None` (the
    /// default) keeps the batches [`EngineLimits`] gives, for engines whose time per batch
    /// does not matter (in-process, or fast and without a per-request timeout).
    fn pace(&self) -> Option<&Pace> {
        None
    }

    /// Whether the driver checks the language of this engine's output (wrong language, left
    /// in the source language; see [`Validation`](crate::Validation)). `true` by default;
    /// engines whose output is not a translation (`identity`, `pseudo`) say `false`.
    fn checks_language(&self) -> bool {
        true
    }
}

/// What an engine tells the driver while a reply arrives, so progress moves per segment and
/// batch sizes follow the server's speed rather than its queue. Engines that answer at once
/// need not call it.
pub trait Listener: Sync {
    /// The server began generating the reply (its first token came): the time before was the
    /// server's queue and its reading of the prompt, not the reply's length.
    fn started(&self);
    /// Segment `id`'s item arrived complete, before the rest of the reply (a streamed reply).
    /// It may still fail the driver's checks; calling it twice for one id counts once.
    fn arrived(&self, id: SegmentId);
}

/// What identifies an engine's output and bounds its requests: name and model go into cache
/// keys and the report, limits into batching.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineInfo {
    /// The engine's name, as given to `--engine` (`pseudo`, `openai`).
    pub name: String,
    /// The model or configuration that decides the output (`gpt-4o-mini`, `enpt-1693087644`,
    /// `factor=1.35`); a different model must not reuse cached translations.
    pub model: String,
    /// The language pair it was set up for.
    pub pair: LangPair,
    /// Version of the prompt or of any pre/post-processing that changes the output; bumping it
    /// invalidates cached translations.
    pub prompt_version: u32,
    /// How much one request may carry.
    pub limits: EngineLimits,
}

/// How much one request may carry and how many may run at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineLimits {
    /// Estimated source tokens per batch (see [`estimate_tokens`]); a longer single segment is
    /// still sent, alone.
    pub max_batch_tokens: usize,
    /// Segments per batch.
    pub max_batch_segments: usize,
    /// Requests in flight at once.
    pub max_concurrency: usize,
}

impl Default for EngineLimits {
    fn default() -> Self {
        Self {
            max_batch_tokens: 2000,
            max_batch_segments: 64,
            max_concurrency: 1,
        }
    }
}

/// One request's worth of segments, with the document context an LLM prompt can use.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct Batch<'a> {
    /// The segments, in document order, ids unique.
    pub segments: &'a [Segment],
    /// For each segment, the text of the nearest heading before it, if any (for context).
    pub sections: &'a [Option<&'a str>],
    /// The document's title, if known.
    pub title: Option<&'a str>,
    /// Translations learnt earlier in the document for terms occurring in this batch, to be
    /// used again (see [`Engine::learns_terms`]).
    pub terms: &'a [Term],
    /// Terms occurring in this batch with no translation yet: the engine reports how it
    /// translated them in [`Reply::terms`], so later batches use the same.
    pub new_terms: &'a [String],
    /// Who hears of the reply as it arrives ([`Batch::started`], [`Batch::arrived`]).
    pub listener: Option<&'a dyn Listener>,
    /// The segment came back in the wrong language (or left in the source's) and is sent
    /// again alone: the engine should ask differently rather than repeat itself (an LLM
    /// prompt shows the target language first).
    pub language_retry: bool,
    /// The segment is sent again alone because its reply was refused: the reason and what to
    /// do instead ([`Error::correction`](crate::Error::correction)); an engine that can be
    /// told (an LLM) is told, so it does not repeat the mistake.
    pub correction: Option<&'a str>,
    /// The segment failed every try so far, alone, asked and told: the engine should answer
    /// differently this once (an LLM samples instead of taking its likeliest reply, which at
    /// temperature 0 is the same mistake again).
    pub resample: bool,
}

impl std::fmt::Debug for Batch<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("segments", &self.segments)
            .field("sections", &self.sections)
            .field("title", &self.title)
            .field("terms", &self.terms)
            .field("new_terms", &self.new_terms)
            .field("language_retry", &self.language_retry)
            .field("correction", &self.correction)
            .field("listener", &self.listener.map(|_| "dyn Listener"))
            .finish()
    }
}

impl<'a> Batch<'a> {
    /// A batch without context.
    pub fn new(segments: &'a [Segment]) -> Self {
        Self {
            segments,
            sections: &[],
            title: None,
            terms: &[],
            new_terms: &[],
            listener: None,
            language_retry: false,
            correction: None,
            resample: false,
        }
    }

    /// Tells the listener, if any, that the server began generating the reply.
    pub fn started(&self) {
        if let Some(l) = self.listener {
            l.started();
        }
    }

    /// Tells the listener, if any, that segment `id`'s item arrived complete.
    pub fn arrived(&self, id: SegmentId) {
        if let Some(l) = self.listener {
            l.arrived(id);
        }
    }

    /// The nearest heading before segment `i` of the batch.
    pub fn section(&self, i: usize) -> Option<&'a str> {
        self.sections.get(i).copied().flatten()
    }
}

/// An engine's answer to a batch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reply {
    /// One item per segment translated; missing ids count as failures of those segments.
    pub items: Vec<ReplyItem>,
    /// Tokens the request cost, when the engine counts them; else the driver estimates.
    pub usage: Option<Usage>,
    /// How the engine translated the batch's [`Batch::new_terms`], for those it says (`note`
    /// unused); the driver accepts those the items bear out.
    pub terms: Vec<Term>,
}

impl Reply {
    /// A reply made at once from each segment's text, for engines that need no I/O
    /// (identity, pseudo).
    pub fn now<'a>(
        batch: &Batch<'_>,
        translate: impl Fn(&str) -> String,
    ) -> BoxFuture<'a, Result<Reply>> {
        let items = batch
            .segments
            .iter()
            .map(|s| ReplyItem::ok(s.id, translate(&s.text)))
            .collect();
        Box::pin(std::future::ready(Ok(Reply {
            items,
            ..Default::default()
        })))
    }
}

/// The engine's result for one segment.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyItem {
    /// The segment.
    pub id: SegmentId,
    /// Its translation, or why the engine could not give one.
    pub text: Result<String>,
}

impl ReplyItem {
    /// A translated item.
    pub fn ok(id: SegmentId, text: impl Into<String>) -> Self {
        Self {
            id,
            text: Ok(text.into()),
        }
    }
}

/// Tokens counted for a request, for cost accounting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens sent (prompt and source texts).
    pub prompt_tokens: u64,
    /// Tokens received.
    pub completion_tokens: u64,
}

/// A rough token count (≈ 4 characters a token, at least 1 for non-empty text): enough to fill
/// batches and estimate costs before a tokenizer-specific count comes back.
pub fn estimate_tokens(text: &str) -> usize {
    text.chars().count().div_ceil(4)
}

/// How long an engine's requests should take, and how fast its server was found to be: kept
/// by the engine, so every run through it (the documents of `folio batch` and its workers,
/// the jobs of `folio serve`: one engine per language pair) starts from what the runs before
/// it measured, and only the first run of an engine probes the server with a small batch.
#[derive(Debug)]
pub struct Pace {
    target: Duration,
    /// Seconds of the server's work per source token, once measured.
    secs_per_token: std::sync::Mutex<Option<f64>>,
}

impl Pace {
    /// A pace aiming at requests of `target`, with no speed measured yet.
    pub fn new(target: Duration) -> Self {
        Self {
            target,
            secs_per_token: std::sync::Mutex::new(None),
        }
    }

    /// How long one request should take.
    pub fn target(&self) -> Duration {
        self.target
    }

    /// The server's measured seconds per source token, if any reply was measured yet.
    pub fn secs_per_token(&self) -> Option<f64> {
        *self
            .secs_per_token
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Records a new measure of the server's speed.
    pub fn set_secs_per_token(&self, secs: f64) {
        *self
            .secs_per_token
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(secs);
    }
}
