//! The driver: from a document's segments to one outcome each, whatever the engine does.
//!
//! # Steps
//! 1. Segments with no letters (only numbers, symbols or placeholders) are kept, not sent.
//! 2. Each remaining segment gets a [`CacheKey`]; identical texts share one and are sent once.
//! 3. Keys found in the cache (and valid for their segment) are answered from it.
//! 4. The rest is cut into batches by the token and segment budget, in document order.
//! 5. Batches run, up to the concurrency limit at once, each call waiting as long as the
//!    requests- and tokens-per-minute limits say. A call that fails for a passing reason
//!    (rate limit, timeout, server error) is retried with exponential backoff and jitter,
//!    never sooner than the engine's `Retry-After`; a batch that still fails is split in two
//!    (unless smaller requests would fail alike: a refusal such as a bad key, a server still
//!    down), and items that come back invalid (placeholders lost, empty, implausible length)
//!    are sent again on their own, down to single segments.
//! 6. A single segment that still fails ends [`Outcome::Failed`] with the reason; valid
//!    translations go into the cache. Every segment ends translated, kept or failed.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::future::poll_fn;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use folio_doc::{KeepReason, Outcome, Role, Segment, SegmentId, Translation};
use serde::{Deserialize, Serialize};

use crate::engine::{Batch, BoxFuture, Engine, estimate_tokens};
use crate::ratelimit::RateLimiter;
use crate::{Cache, CacheKey, Error, Result, placeholders};

/// Settings of [`translate_segments`]; `Default` suits the built-in engines.
#[derive(Clone)]
pub struct TranslateOptions {
    /// Where translations are looked up and stored; `None` caches nothing across calls
    /// (duplicates inside the call are still sent once).
    pub cache: Option<Arc<dyn Cache>>,
    /// Goes into every cache key: anything besides the engine that changes the output (the
    /// glossary's hash).
    pub cache_salt: String,
    /// Lowers the engine's token budget per batch.
    pub max_batch_tokens: Option<usize>,
    /// Lowers the engine's segment count per batch.
    pub max_batch_segments: Option<usize>,
    /// Lowers the engine's number of requests in flight.
    pub max_concurrency: Option<usize>,
    /// Requests per minute at most (retries included): calls wait so that no 60 s window
    /// holds more.
    pub rpm: Option<u32>,
    /// Estimated tokens per minute at most (prompt and completion, as
    /// [`Engine::estimate_usage`] says, else twice the source's): calls wait likewise.
    pub tpm: Option<u32>,
    /// Retries of calls failing for a passing reason.
    pub retry: RetryPolicy,
    /// Time allowed for one call; `None` waits as long as the engine takes.
    pub timeout: Option<Duration>,
    /// Checks each translation must pass.
    pub validation: Validation,
    /// Keep segments without letters ([`KeepReason::Number`], [`KeepReason::Symbols`],
    /// [`KeepReason::Empty`]) instead of sending them.
    pub keep_untranslatable: bool,
    /// The document's title, as context for engines that use it.
    pub title: Option<String>,
}

impl Default for TranslateOptions {
    fn default() -> Self {
        Self {
            cache: None,
            cache_salt: String::new(),
            max_batch_tokens: None,
            max_batch_segments: None,
            max_concurrency: None,
            rpm: None,
            tpm: None,
            retry: RetryPolicy::default(),
            timeout: Some(Duration::from_secs(120)),
            validation: Validation::default(),
            keep_untranslatable: true,
            title: None,
        }
    }
}

impl fmt::Debug for TranslateOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TranslateOptions")
            .field("cache", &self.cache.as_ref().map(|_| "dyn Cache"))
            .field("cache_salt", &self.cache_salt)
            .field("max_batch_tokens", &self.max_batch_tokens)
            .field("max_batch_segments", &self.max_batch_segments)
            .field("max_concurrency", &self.max_concurrency)
            .field("rpm", &self.rpm)
            .field("tpm", &self.tpm)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("validation", &self.validation)
            .field("keep_untranslatable", &self.keep_untranslatable)
            .field("title", &self.title)
            .finish()
    }
}

/// How calls failing for a passing reason ([`Error::is_transient`]) are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Delay before the first retry; doubled for each next one.
    pub base_delay: Duration,
    /// Longest delay between attempts (also caps an engine's `Retry-After`).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries: for tests and engines that cannot fail transiently.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            base_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
        }
    }

    /// The delay before retry number `attempt` (from 1): exponential backoff with jitter
    /// (50–100% of the step), or the engine's `Retry-After` (capped at `max_delay`) plus up to
    /// half a step, so calls told to wait alike do not all come back at once. The jitter is
    /// derived from `seed`: runs are reproducible while parallel batches still spread out.
    fn delay(&self, attempt: u32, retry_after: Option<Duration>, seed: u64) -> Duration {
        let step = self
            .base_delay
            .saturating_mul(1 << attempt.saturating_sub(1).min(16));
        let step = step.min(self.max_delay);
        let mix = (seed ^ u64::from(attempt)).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54; // 0..1024
        let jitter = step / 2 * (mix as u32) / 1024;
        match retry_after {
            // The server's delay is the floor, even where the jitter would pass `max_delay`.
            Some(d) => {
                let floor = d.min(self.max_delay);
                floor.max((floor + jitter).min(self.max_delay))
            }
            None => step / 2 + jitter,
        }
    }
}

/// Checks of each translation besides its placeholders ([`placeholders::validate`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Validation {
    /// Smallest accepted ratio of visible characters, translation to source.
    pub min_ratio: f32,
    /// Largest accepted ratio.
    pub max_ratio: f32,
    /// Sources shorter than this many visible characters skip the ratio check (short labels
    /// vary too much between languages).
    pub ratio_min_chars: usize,
}

impl Default for Validation {
    fn default() -> Self {
        Self {
            min_ratio: 0.25,
            max_ratio: 4.0,
            ratio_min_chars: 40,
        }
    }
}

impl Validation {
    /// Checks one translation against its source.
    pub fn check(&self, source: &str, translation: &str) -> Result<()> {
        placeholders::validate(source, translation)?;
        let src = placeholders::strip(source);
        let out = placeholders::strip(translation);
        if out.trim().is_empty() && !src.trim().is_empty() {
            return Err(Error::EmptyTranslation);
        }
        let src_len = src.chars().count();
        if src_len >= self.ratio_min_chars {
            let ratio = out.chars().count() as f32 / src_len as f32;
            if ratio < self.min_ratio || ratio > self.max_ratio {
                return Err(Error::LengthRatio { ratio });
            }
        }
        Ok(())
    }
}

/// Whether `translation` was left in the source language: it is the source, or at least 80%
/// of its lowercase words are words of the source. Checked only when the source has at least
/// four lowercase words, so names, acronyms, labels and code (which rightly survive
/// translation) never count; engines call it on what they return (`identity` must not).
pub fn left_in_source_language(source: &str, translation: &str) -> bool {
    fn common_words(text: &str) -> Vec<String> {
        placeholders::strip(text)
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().any(char::is_alphabetic) && !w.chars().any(char::is_uppercase))
            .map(str::to_string)
            .collect()
    }
    let source_words = common_words(source);
    if source_words.len() < 4 {
        return false;
    }
    let known: HashSet<&str> = source_words.iter().map(String::as_str).collect();
    let words = common_words(translation);
    if words.is_empty() {
        return normalize_ws(source) == normalize_ws(translation);
    }
    let kept = words.iter().filter(|w| known.contains(w.as_str())).count();
    kept * 5 >= words.len() * 4
}

fn normalize_ws(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How far a call of [`translate_segments`] has come, sent after each step that settles
/// segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Segments settled (translated, kept or failed).
    pub done: usize,
    /// Segments in the call.
    pub total: usize,
}

/// What [`translate_segments`] gives back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranslateOutput {
    /// One per input segment, in input order.
    pub translations: Vec<Translation>,
    /// What it cost, for the report.
    pub stats: EngineStats,
    /// Problems that did not stop the translation (a cache that could not be read).
    pub warnings: Vec<String>,
}

/// The engine section of the report: who translated, and what it cost.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineStats {
    /// Engine name.
    pub name: String,
    /// Model id.
    pub model: String,
    /// Calls to the engine, retries included.
    pub requests: u64,
    /// Prompt tokens: as counted by the engine, else estimated (≈ 4 characters a token).
    pub prompt_tokens: u64,
    /// Completion tokens, counted or estimated likewise.
    pub completion_tokens: u64,
    /// Segments answered without a request of their own: from the cache, or as a repeat of a
    /// text earlier in the document.
    pub cache_hits: u64,
    /// Calls repeated after a passing failure (rate limit, timeout, server error).
    pub retries: u64,
    /// Times a batch, or the invalid part of one, was sent again in smaller pieces.
    pub fallbacks: u64,
}

/// Translates a document's segments: one [`Translation`] per segment, in order, each
/// translated, kept with a reason, or failed with a reason (see the module docs for the steps).
///
/// `events` hears of progress. Runs inside a Tokio runtime with the timer enabled (retries
/// sleep and calls time out); from synchronous code use [`translate_segments_blocking`].
pub async fn translate_segments(
    engine: &dyn Engine,
    segments: &[Segment],
    options: &TranslateOptions,
    events: &mut (dyn FnMut(Progress) + Send),
) -> TranslateOutput {
    let info = engine.info();
    let total = segments.len();
    let mut stats = EngineStats {
        name: info.name.clone(),
        model: info.model.clone(),
        ..Default::default()
    };
    let mut warnings = Vec::new();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; total];
    let mut done = 0;

    // 1. Nothing to translate.
    if options.keep_untranslatable {
        for (i, seg) in segments.iter().enumerate() {
            if let Some(reason) = untranslatable(&seg.text) {
                outcomes[i] = Some(Outcome::Kept(reason));
                done += 1;
            }
        }
    }

    // 2. One representative (the first) per distinct text, in document order. Exact text,
    //    not the cache's normalized one: `identity` must give back each text as it was.
    let mut groups: Vec<(CacheKey, Vec<usize>)> = Vec::new();
    let mut group_of: HashMap<&str, usize> = HashMap::new();
    for (i, seg) in segments.iter().enumerate() {
        if outcomes[i].is_some() {
            continue;
        }
        match group_of.get(seg.text.as_str()) {
            Some(&g) => groups[g].1.push(i),
            None => {
                group_of.insert(&seg.text, groups.len());
                groups.push((CacheKey::new(info, &options.cache_salt, &seg.text), vec![i]));
            }
        }
    }

    // 3. The cache.
    let mut to_send: Vec<usize> = Vec::new(); // indices into `groups`
    let keys: Vec<CacheKey> = groups.iter().map(|(k, _)| *k).collect();
    let cached = match &options.cache {
        Some(cache) if !keys.is_empty() => cache.get_many(&keys).unwrap_or_else(|e| {
            warnings.push(format!("{}", Error::Cache(e.to_string())));
            vec![None; keys.len()]
        }),
        _ => vec![None; keys.len()],
    };
    for (g, (_, members)) in groups.iter().enumerate() {
        let source = &segments[members[0]].text;
        match cached.get(g).cloned().flatten() {
            Some(text) if options.validation.check(source, &text).is_ok() => {
                for &i in members {
                    outcomes[i] = Some(Outcome::Translated(text.clone()));
                }
                stats.cache_hits += members.len() as u64;
                done += members.len();
            }
            _ => to_send.push(g),
        }
    }
    events(Progress { done, total });

    // 4. Batches of representatives.
    let sections = sections(segments);
    let limits = info.limits;
    let max_tokens = options
        .max_batch_tokens
        .map_or(limits.max_batch_tokens, |t| t.min(limits.max_batch_tokens));
    let max_segments = options
        .max_batch_segments
        .map_or(limits.max_batch_segments, |n| {
            n.min(limits.max_batch_segments)
        });
    let concurrency = options
        .max_concurrency
        .map_or(limits.max_concurrency, |n| n.min(limits.max_concurrency))
        .max(1);
    let batches = make_batches(segments, &groups, &to_send, max_tokens, max_segments);
    let limiter = RateLimiter::new(options.rpm, options.tpm);

    // 5. Run them, `concurrency` at a time.
    let mut pending = batches.into_iter().map(|batch_groups| {
        let work: Vec<Work<'_>> = batch_groups
            .iter()
            .map(|&g| {
                let i = groups[g].1[0];
                Work {
                    group: g,
                    segment: segments[i].clone(),
                    section: sections[i],
                }
            })
            .collect();
        Box::pin(run_batch(engine, work, options, &limiter)) as BoxFuture<'_, BatchResult>
    });
    let mut in_flight: Vec<BoxFuture<'_, BatchResult>> = Vec::new();
    let mut fresh: Vec<(CacheKey, String)> = Vec::new();
    let mut stored: HashSet<CacheKey> = HashSet::new();
    loop {
        while in_flight.len() < concurrency {
            match pending.next() {
                Some(fut) => in_flight.push(fut),
                None => break,
            }
        }
        if in_flight.is_empty() {
            break;
        }
        // A small `FuturesUnordered`: poll every call in flight, take the first one finished.
        let result = poll_fn(|cx| {
            for k in 0..in_flight.len() {
                if let Poll::Ready(out) = in_flight[k].as_mut().poll(cx) {
                    // `remove`, not `swap_remove`: calls start in document order.
                    drop(in_flight.remove(k));
                    return Poll::Ready(out);
                }
            }
            Poll::Pending
        })
        .await;

        stats.requests += result.requests;
        stats.retries += result.retries;
        stats.fallbacks += result.fallbacks;
        stats.prompt_tokens += result.usage.0;
        stats.completion_tokens += result.usage.1;
        for (g, outcome) in result.outcomes {
            let (key, members) = &groups[g];
            let outcome = match outcome {
                Ok(text) => {
                    stats.cache_hits += members.len() as u64 - 1;
                    // Texts differing only in white space share a key: the first one stored wins,
                    // as it would on a later run.
                    if stored.insert(*key) {
                        fresh.push((*key, text.clone()));
                    }
                    Outcome::Translated(text)
                }
                Err(e) => Outcome::Failed(e.to_string()),
            };
            for &i in members {
                outcomes[i] = Some(outcome.clone());
            }
            done += members.len();
        }
        events(Progress { done, total });
    }

    // 6. Store what was learnt.
    if let Some(cache) = &options.cache
        && !fresh.is_empty()
        && let Err(e) = cache.put_many(&fresh)
    {
        warnings.push(format!("{}", Error::Cache(e.to_string())));
    }

    let translations = segments
        .iter()
        .zip(outcomes)
        .map(|(seg, outcome)| Translation {
            id: seg.id,
            // Every segment was kept, answered from the cache or sent; a hole would be our bug.
            outcome: outcome.unwrap_or_else(|| {
                Outcome::Failed(
                    "segment was never sent to the engine; please report this as a bug".into(),
                )
            }),
        })
        .collect();
    TranslateOutput {
        translations,
        stats,
        warnings,
    }
}

/// What [`translate_segments`] would do, counted without calling the engine (`--dry-run`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Segments in the call.
    pub segments: usize,
    /// Segments kept without translation (no letters).
    pub kept: usize,
    /// Segments answered from the cache or as repeats of an earlier text.
    pub reused: usize,
    /// Distinct texts that would be sent.
    pub sent: usize,
    /// Requests, without retries.
    pub requests: u64,
    /// Tokens of the texts sent (≈ 4 characters a token).
    pub source_tokens: u64,
    /// Prompt tokens, instructions included where the engine says ([`Engine::estimate_usage`]).
    pub prompt_tokens: u64,
    /// Completion tokens expected.
    pub completion_tokens: u64,
}

/// A price per million tokens, for [`Estimate::cost`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Price {
    /// Price of a million prompt tokens.
    pub prompt_per_million: f64,
    /// Price of a million completion tokens.
    pub completion_per_million: f64,
}

impl Estimate {
    /// The cost at `price`.
    pub fn cost(&self, price: Price) -> f64 {
        (self.prompt_tokens as f64 * price.prompt_per_million
            + self.completion_tokens as f64 * price.completion_per_million)
            / 1e6
    }
}

/// Counts what [`translate_segments`] would send with these options: segments kept, reused
/// (cache and repeats), batches and tokens. Reads the cache; never calls the engine.
pub fn estimate(engine: &dyn Engine, segments: &[Segment], options: &TranslateOptions) -> Estimate {
    let info = engine.info();
    let mut est = Estimate {
        segments: segments.len(),
        ..Default::default()
    };
    let mut groups: Vec<(CacheKey, Vec<usize>)> = Vec::new();
    let mut group_of: HashMap<&str, usize> = HashMap::new();
    for (i, seg) in segments.iter().enumerate() {
        if options.keep_untranslatable && untranslatable(&seg.text).is_some() {
            est.kept += 1;
            continue;
        }
        match group_of.get(seg.text.as_str()) {
            Some(&g) => groups[g].1.push(i),
            None => {
                group_of.insert(&seg.text, groups.len());
                groups.push((CacheKey::new(info, &options.cache_salt, &seg.text), vec![i]));
            }
        }
    }
    let keys: Vec<CacheKey> = groups.iter().map(|(k, _)| *k).collect();
    let cached = match &options.cache {
        Some(cache) if !keys.is_empty() => cache
            .get_many(&keys)
            .unwrap_or_else(|_| vec![None; keys.len()]),
        _ => vec![None; keys.len()],
    };
    let mut to_send = Vec::new();
    for (g, (_, members)) in groups.iter().enumerate() {
        if cached.get(g).is_some_and(Option::is_some) {
            est.reused += members.len();
        } else {
            est.reused += members.len() - 1;
            to_send.push(g);
        }
    }
    est.sent = to_send.len();
    let limits = info.limits;
    let max_tokens = options
        .max_batch_tokens
        .map_or(limits.max_batch_tokens, |t| t.min(limits.max_batch_tokens));
    let max_segments = options
        .max_batch_segments
        .map_or(limits.max_batch_segments, |n| {
            n.min(limits.max_batch_segments)
        });
    let sections = sections(segments);
    for batch_groups in make_batches(segments, &groups, &to_send, max_tokens, max_segments) {
        let members: Vec<usize> = batch_groups.iter().map(|&g| groups[g].1[0]).collect();
        let batch_segments: Vec<Segment> = members.iter().map(|&i| segments[i].clone()).collect();
        let batch_sections: Vec<Option<&str>> = members.iter().map(|&i| sections[i]).collect();
        let source: u64 = batch_segments
            .iter()
            .map(|s| estimate_tokens(&s.text) as u64)
            .sum();
        let mut batch = Batch::new(&batch_segments);
        batch.sections = &batch_sections;
        batch.title = options.title.as_deref();
        let usage = engine.estimate_usage(&batch).unwrap_or(crate::Usage {
            prompt_tokens: source,
            completion_tokens: source,
        });
        est.requests += 1;
        est.source_tokens += source;
        est.prompt_tokens += usage.prompt_tokens;
        est.completion_tokens += usage.completion_tokens;
    }
    est
}

/// [`translate_segments`] from synchronous code: runs it on a current-thread Tokio runtime
/// made for the call. Fails only if the runtime cannot start, or when called from inside an
/// async runtime (use [`translate_segments`] there).
pub fn translate_segments_blocking(
    engine: &dyn Engine,
    segments: &[Segment],
    options: &TranslateOptions,
    events: &mut (dyn FnMut(Progress) + Send),
) -> Result<TranslateOutput> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::Runtime(
            "called from inside an async runtime; await translate_segments instead".into(),
        ));
    }
    // Time for retries and timeouts, I/O for the HTTP engines.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime(e.to_string()))?;
    Ok(runtime.block_on(translate_segments(engine, segments, options, events)))
}

/// Why a segment needs no engine: no letters outside its placeholders.
fn untranslatable(text: &str) -> Option<KeepReason> {
    let visible = placeholders::strip(text);
    if visible.chars().any(char::is_alphabetic) {
        None
    } else if visible.chars().any(|c| c.is_ascii_digit()) {
        Some(KeepReason::Number)
    } else if visible.trim().is_empty() {
        Some(KeepReason::Empty)
    } else {
        Some(KeepReason::Symbols)
    }
}

/// For each segment, the text of the last heading before it (placeholders removed later by
/// engines that care).
fn sections(segments: &[Segment]) -> Vec<Option<&str>> {
    let mut current = None;
    segments
        .iter()
        .map(|seg| {
            let before = current;
            if seg.role == Role::Heading {
                current = Some(seg.text.as_str());
            }
            before
        })
        .collect()
}

/// Cuts the groups to send into batches: in document order, each within the token and segment
/// budget (a segment over the token budget goes alone), no id twice in a batch (replies are
/// matched by id).
fn make_batches(
    segments: &[Segment],
    groups: &[(CacheKey, Vec<usize>)],
    to_send: &[usize],
    max_tokens: usize,
    max_segments: usize,
) -> Vec<Vec<usize>> {
    let mut batches = Vec::new();
    let mut batch: Vec<usize> = Vec::new();
    let mut tokens = 0;
    let mut ids: HashSet<SegmentId> = HashSet::new();
    for &g in to_send {
        let seg = &segments[groups[g].1[0]];
        let t = estimate_tokens(&seg.text);
        let full =
            batch.len() >= max_segments.max(1) || tokens + t > max_tokens || ids.contains(&seg.id);
        if !batch.is_empty() && full {
            batches.push(std::mem::take(&mut batch));
            tokens = 0;
            ids.clear();
        }
        batch.push(g);
        tokens += t;
        ids.insert(seg.id);
    }
    if !batch.is_empty() {
        batches.push(batch);
    }
    batches
}

/// One segment to send, with the group it answers for.
struct Work<'a> {
    group: usize,
    segment: Segment,
    section: Option<&'a str>,
}

/// What became of one batch and what it cost.
#[derive(Default)]
struct BatchResult {
    outcomes: Vec<(usize, Result<String>)>,
    requests: u64,
    retries: u64,
    fallbacks: u64,
    /// Prompt and completion tokens.
    usage: (u64, u64),
}

/// Sends a batch, splitting it on failure and resending invalid items, until every segment
/// has a valid translation or a single-segment failure.
async fn run_batch<'a>(
    engine: &'a dyn Engine,
    work: Vec<Work<'a>>,
    options: &'a TranslateOptions,
    limiter: &'a RateLimiter,
) -> BatchResult {
    let mut result = BatchResult::default();
    // Parts still to send, as indices into `work`; the first part is sent first.
    let mut stack: Vec<Vec<usize>> = vec![(0..work.len()).collect()];
    while let Some(part) = stack.pop() {
        let segments: Vec<Segment> = part.iter().map(|&w| work[w].segment.clone()).collect();
        let sections: Vec<Option<&str>> = part.iter().map(|&w| work[w].section).collect();
        let mut batch = Batch::new(&segments);
        batch.sections = &sections;
        batch.title = options.title.as_deref();

        let reply = call(engine, batch, options, limiter, &mut result).await;
        let failures: Vec<(usize, Error)> = match reply {
            // Smaller requests would fail alike (a bad key, a server still down after the
            // retries): the reason becomes every segment's outcome now.
            Err(e) if !worth_splitting(&e) => {
                result
                    .outcomes
                    .extend(part.iter().map(|&w| (work[w].group, Err(e.clone()))));
                continue;
            }
            Err(e) => part.iter().map(|&w| (w, e.clone())).collect(),
            Ok(reply) => {
                let mut by_id: HashMap<SegmentId, Result<String>> = HashMap::new();
                for item in reply.items {
                    by_id.entry(item.id).or_insert(item.text);
                }
                let mut completion = 0;
                let mut failures = Vec::new();
                for &w in &part {
                    let seg = &work[w].segment;
                    let checked = match by_id.remove(&seg.id) {
                        None => Err(Error::MissingItem),
                        Some(Err(e)) => Err(e),
                        Some(Ok(text)) => {
                            completion += estimate_tokens(&text) as u64;
                            options.validation.check(&seg.text, &text).map(|()| text)
                        }
                    };
                    match checked {
                        Ok(text) => result.outcomes.push((work[w].group, Ok(text))),
                        Err(e) => failures.push((w, e)),
                    }
                }
                match reply.usage {
                    Some(usage) => {
                        result.usage.0 += usage.prompt_tokens;
                        result.usage.1 += usage.completion_tokens;
                    }
                    None => {
                        result.usage.0 += segments
                            .iter()
                            .map(|s| estimate_tokens(&s.text) as u64)
                            .sum::<u64>();
                        result.usage.1 += completion;
                    }
                }
                failures
            }
        };
        if failures.is_empty() {
            continue;
        }
        if part.len() == 1 {
            // Nothing smaller to try: the reason becomes the segment's outcome.
            for (w, e) in failures {
                result.outcomes.push((work[w].group, Err(e)));
            }
            continue;
        }
        // Resend smaller: the failed items alone when some succeeded, else the part halved.
        result.fallbacks += 1;
        let failed: Vec<usize> = failures.into_iter().map(|(w, _)| w).collect();
        if failed.len() < part.len() {
            stack.push(failed);
        } else {
            let (first, second) = failed.split_at(failed.len() / 2);
            stack.push(second.to_vec());
            stack.push(first.to_vec());
        }
    }
    result
}

/// Whether a failed request may succeed in smaller pieces: a reply that was unusable as a
/// whole (malformed, truncated), a timeout, a model failing on some input. Not a refusal, a
/// rate limit or a server that stays unavailable: those fail every piece alike.
fn worth_splitting(e: &Error) -> bool {
    !matches!(
        e,
        Error::Rejected(_)
            | Error::RateLimited { .. }
            | Error::Unavailable(_)
            | Error::UnsupportedPair { .. }
            | Error::NoModel { .. }
            | Error::Config(_)
            | Error::Runtime(_)
    )
}

/// One request with its retries and timeout, each attempt within the rate limits.
async fn call(
    engine: &dyn Engine,
    batch: Batch<'_>,
    options: &TranslateOptions,
    limiter: &RateLimiter,
    result: &mut BatchResult,
) -> Result<crate::Reply> {
    let seed = batch.segments.first().map_or(0, |s| u64::from(s.id.0));
    let tokens = if limiter.is_active() {
        engine.estimate_usage(&batch).map_or_else(
            || {
                2 * batch
                    .segments
                    .iter()
                    .map(|s| estimate_tokens(&s.text) as u64)
                    .sum::<u64>()
            },
            |u| u.prompt_tokens + u.completion_tokens,
        )
    } else {
        0
    };
    let mut attempt = 0;
    loop {
        // Waiting for the limits is not part of the call's time.
        limiter.acquire(tokens).await;
        result.requests += 1;
        let fut = engine.translate(batch);
        let reply = match options.timeout {
            Some(limit) => tokio::time::timeout(limit, fut)
                .await
                .unwrap_or(Err(Error::Timeout(limit))),
            None => fut.await,
        };
        match reply {
            Err(e) if e.is_transient() && attempt < options.retry.max_retries => {
                attempt += 1;
                result.retries += 1;
                let delay = options.retry.delay(attempt, e.retry_after(), seed);
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
            }
            reply => return reply,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU64, Ordering};

    use folio_doc::BlockId;

    use super::*;
    use crate::{
        EngineInfo, EngineLimits, Identity, LangPair, MemoryCache, Pseudo, Reply, ReplyItem,
    };

    fn seg(id: u32, text: &str) -> Segment {
        Segment {
            id: SegmentId(id),
            block: Some(BlockId { page: 0, index: id }),
            text: text.into(),
            role: Role::Body,
        }
    }

    fn pair() -> LangPair {
        LangPair::new("en", "pt").unwrap()
    }

    fn quick() -> TranslateOptions {
        TranslateOptions {
            retry: RetryPolicy::none(),
            ..Default::default()
        }
    }

    #[track_caller]
    fn run(
        engine: &dyn Engine,
        segments: &[Segment],
        options: &TranslateOptions,
    ) -> TranslateOutput {
        let out = translate_segments_blocking(engine, segments, options, &mut |_| {}).unwrap();
        assert_eq!(
            out.translations.len(),
            segments.len(),
            "one translation per segment"
        );
        for (t, s) in out.translations.iter().zip(segments) {
            assert_eq!(t.id, s.id, "same order as the input");
        }
        out
    }

    /// A test engine: upper-cases text outside placeholders, counts calls and segments sent,
    /// and fails as its `fail` function says.
    struct TestEngine {
        info: EngineInfo,
        calls: AtomicU64,
        sent: Mutex<Vec<String>>,
        fail: fn(&[Segment], u64) -> Option<Error>,
    }

    impl TestEngine {
        fn new(fail: fn(&[Segment], u64) -> Option<Error>) -> Self {
            let info = EngineInfo {
                name: "test".into(),
                model: "upper".into(),
                pair: pair(),
                prompt_version: 1,
                limits: EngineLimits {
                    max_batch_tokens: 1000,
                    max_batch_segments: 100,
                    max_concurrency: 4,
                },
            };
            Self {
                info,
                calls: AtomicU64::new(0),
                sent: Mutex::default(),
                fail,
            }
        }

        fn calls(&self) -> u64 {
            self.calls.load(Ordering::SeqCst)
        }
    }

    fn upper(text: &str) -> String {
        placeholders::parse(text)
            .into_iter()
            .map(|p| match p {
                placeholders::Piece::Text(t) => t.to_uppercase(),
                p => p.to_string(),
            })
            .collect()
    }

    impl Engine for TestEngine {
        fn info(&self) -> &EngineInfo {
            &self.info
        }

        fn translate<'a>(&'a self, batch: Batch<'a>) -> BoxFuture<'a, Result<Reply>> {
            let call = self.calls.fetch_add(1, Ordering::SeqCst);
            self.sent
                .lock()
                .unwrap()
                .extend(batch.segments.iter().map(|s| s.text.clone()));
            let result = match (self.fail)(batch.segments, call) {
                Some(e) => Err(e),
                None => Ok(Reply {
                    items: batch
                        .segments
                        .iter()
                        .map(|s| ReplyItem::ok(s.id, upper(&s.text)))
                        .collect(),
                    usage: None,
                }),
            };
            Box::pin(async move { result })
        }
    }

    fn never(_: &[Segment], _: u64) -> Option<Error> {
        None
    }

    fn document() -> Vec<Segment> {
        vec![
            seg(0, "Chapter [1]one[/1]"),
            seg(1, "The quick brown fox."),
            seg(2, "Page header"),
            seg(3, "Jumps over the [1]lazy[/1] dog [2]."),
            seg(4, "Page header"),
            seg(5, "Page  header"),
            seg(6, "The end"),
            seg(7, "Page header"),
        ]
    }

    #[test]
    fn identity_returns_the_text_unchanged() {
        let segments = document();
        let out = run(&Identity::new(pair()), &segments, &quick());
        for (t, s) in out.translations.iter().zip(&segments) {
            assert_eq!(t.outcome, Outcome::Translated(s.text.clone()));
        }
        assert_eq!(out.stats.name, "identity");
        assert!(out.stats.prompt_tokens > 0);
    }

    #[test]
    fn pseudo_translates_every_segment_validly() {
        let segments = document();
        let out = run(&Pseudo::new(pair()), &segments, &quick());
        for (t, s) in out.translations.iter().zip(&segments) {
            let Outcome::Translated(text) = &t.outcome else {
                panic!("{t:?}")
            };
            assert_ne!(text, &s.text);
            assert_eq!(placeholders::validate(&s.text, text), Ok(()));
        }
    }

    #[test]
    fn duplicates_are_sent_once() {
        let engine = TestEngine::new(never);
        let segments = document();
        let out = run(&engine, &segments, &quick());
        assert_eq!(engine.calls(), 1);
        assert_eq!(out.stats.requests, 1);
        let sent = engine.sent.lock().unwrap().clone();
        // "Page header" three times goes out once; "Page  header" differs (identity must
        // give back each text exactly).
        assert_eq!(sent.iter().filter(|t| t.starts_with("Page")).count(), 2);
        assert_eq!(sent.len(), 6);
        assert_eq!(out.stats.cache_hits, 2);
        for i in [2, 4, 7] {
            assert_eq!(
                out.translations[i].outcome,
                Outcome::Translated("PAGE HEADER".into())
            );
        }
    }

    #[test]
    fn second_run_is_answered_from_the_cache() {
        let cache = Arc::new(MemoryCache::default());
        let options = TranslateOptions {
            cache: Some(cache.clone()),
            ..quick()
        };
        let segments = document();
        let first = run(&TestEngine::new(never), &segments, &options);
        let engine = TestEngine::new(never);
        let second = run(&engine, &segments, &options);
        assert_eq!(engine.calls(), 0);
        assert_eq!(second.stats.requests, 0);
        assert_eq!(second.stats.cache_hits, segments.len() as u64);
        // "Page  header" shares the key of "Page header", stored first.
        assert_eq!(
            first.translations[5].outcome,
            Outcome::Translated("PAGE  HEADER".into())
        );
        assert_eq!(
            second.translations[5].outcome,
            Outcome::Translated("PAGE HEADER".into())
        );
        for i in [0, 1, 2, 3, 4, 6, 7] {
            assert_eq!(first.translations[i], second.translations[i]);
        }
        // Another model must not reuse them.
        let mut other = TestEngine::new(never);
        other.info.model = "lower".into();
        run(&other, &segments, &options);
        assert_eq!(other.calls(), 1);
    }

    #[test]
    fn batches_respect_the_budget_in_document_order() {
        let engine = TestEngine::new(never);
        let segments: Vec<Segment> = (0..10)
            .map(|i| seg(i, &format!("segment number {i} of ten")))
            .collect();
        let options = TranslateOptions {
            max_batch_segments: Some(3),
            ..quick()
        };
        let out = run(&engine, &segments, &options);
        assert_eq!(engine.calls(), 4);
        let sent = engine.sent.lock().unwrap().clone();
        let texts: Vec<String> = segments.iter().map(|s| s.text.clone()).collect();
        assert_eq!(sent, texts);
        // 7 tokens each: a budget of 15 holds two.
        let engine = TestEngine::new(never);
        let options = TranslateOptions {
            max_batch_tokens: Some(15),
            ..quick()
        };
        run(&engine, &segments, &options);
        assert_eq!(engine.calls(), 5);
        assert!(
            out.translations
                .iter()
                .all(|t| matches!(t.outcome, Outcome::Translated(_)))
        );
    }

    #[test]
    fn failing_batches_are_split_until_all_translate() {
        fn multi(batch: &[Segment], _: u64) -> Option<Error> {
            (batch.len() > 1).then(|| Error::BadReply("wrong item count".into()))
        }
        let engine = TestEngine::new(multi);
        let segments: Vec<Segment> = (0..5).map(|i| seg(i, &format!("text {i}"))).collect();
        let out = run(&engine, &segments, &quick());
        for (t, s) in out.translations.iter().zip(&segments) {
            assert_eq!(t.outcome, Outcome::Translated(upper(&s.text)));
        }
        // 5 → 2+3 → 1+1, 1+2 → 1+1: 4 splits, 9 calls.
        assert_eq!(out.stats.fallbacks, 4);
        assert_eq!(out.stats.requests, 9);
        assert_eq!(engine.calls(), 9);
    }

    #[test]
    fn an_engine_that_always_fails_loses_nothing() {
        fn always(_: &[Segment], _: u64) -> Option<Error> {
            Some(Error::Rejected("invalid api key".into()))
        }
        let segments = document();
        let out = run(&TestEngine::new(always), &segments, &quick());
        for t in &out.translations {
            assert_eq!(
                t.outcome,
                Outcome::Failed("engine rejected the request: invalid api key".into())
            );
        }
        assert_eq!(out.stats.cache_hits, 0);
    }

    #[test]
    fn invalid_items_are_resent_alone_and_fail_with_the_reason() {
        /// Drops placeholder `[2]` whenever it sees it.
        struct Dropper(TestEngine);
        impl Engine for Dropper {
            fn info(&self) -> &EngineInfo {
                &self.0.info
            }
            fn translate<'a>(&'a self, batch: Batch<'a>) -> BoxFuture<'a, Result<Reply>> {
                self.0.calls.fetch_add(1, Ordering::SeqCst);
                let items = batch
                    .segments
                    .iter()
                    .map(|s| ReplyItem::ok(s.id, upper(&s.text).replace("[2]", "")))
                    .collect();
                Box::pin(std::future::ready(Ok(Reply { items, usage: None })))
            }
        }
        let engine = Dropper(TestEngine::new(never));
        let segments = document();
        let out = run(&engine, &segments, &quick());
        assert_eq!(
            out.translations[3].outcome,
            Outcome::Failed("placeholder [2] missing from the translation".into())
        );
        let translated = out
            .translations
            .iter()
            .filter(|t| matches!(t.outcome, Outcome::Translated(_)))
            .count();
        assert_eq!(translated, segments.len() - 1);
        // The batch, then the bad item alone.
        assert_eq!(engine.0.calls(), 2);
        assert_eq!(out.stats.fallbacks, 1);
    }

    #[test]
    fn passing_failures_are_retried() {
        fn flaky(_: &[Segment], call: u64) -> Option<Error> {
            (call < 2).then_some(Error::RateLimited {
                retry_after: Some(Duration::from_millis(1)),
            })
        }
        let engine = TestEngine::new(flaky);
        let options = TranslateOptions {
            retry: RetryPolicy {
                max_retries: 3,
                ..RetryPolicy::default()
            },
            ..quick()
        };
        let out = run(&engine, &document(), &options);
        assert!(
            out.translations
                .iter()
                .all(|t| matches!(t.outcome, Outcome::Translated(_)))
        );
        assert_eq!(out.stats.retries, 2);
        assert_eq!(out.stats.requests, 3);
        assert_eq!(out.stats.fallbacks, 0);
    }

    #[test]
    fn slow_calls_time_out() {
        struct Slow(EngineInfo);
        impl Engine for Slow {
            fn info(&self) -> &EngineInfo {
                &self.0
            }
            fn translate<'a>(&'a self, _: Batch<'a>) -> BoxFuture<'a, Result<Reply>> {
                Box::pin(async {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    Ok(Reply::default())
                })
            }
        }
        let engine = Slow(TestEngine::new(never).info);
        let options = TranslateOptions {
            timeout: Some(Duration::from_millis(10)),
            ..quick()
        };
        let out = run(&engine, &[seg(0, "hello")], &options);
        assert_eq!(
            out.translations[0].outcome,
            Outcome::Failed("engine did not answer within 10 ms".into())
        );
    }

    #[test]
    fn text_without_letters_is_kept() {
        let engine = TestEngine::new(never);
        let segments = [
            seg(0, "12.5 %"),
            seg(1, "[1]"),
            seg(2, " — • "),
            seg(3, "Words"),
        ];
        let out = run(&engine, &segments, &quick());
        let outcomes: Vec<_> = out.translations.iter().map(|t| t.outcome.clone()).collect();
        assert_eq!(
            outcomes,
            [
                Outcome::Kept(KeepReason::Number),
                Outcome::Kept(KeepReason::Empty),
                Outcome::Kept(KeepReason::Symbols),
                Outcome::Translated("WORDS".into()),
            ]
        );
        assert_eq!(engine.sent.lock().unwrap().len(), 1);
    }

    #[test]
    fn progress_reaches_the_total() {
        let engine = TestEngine::new(never);
        let segments: Vec<Segment> = (0..6).map(|i| seg(i, &format!("text {i}"))).collect();
        let options = TranslateOptions {
            max_batch_segments: Some(2),
            ..quick()
        };
        let mut seen = Vec::new();
        translate_segments_blocking(&engine, &segments, &options, &mut |p| seen.push(p)).unwrap();
        let done: Vec<usize> = seen.iter().map(|p| p.done).collect();
        assert_eq!(done, [0, 2, 4, 6]);
        assert!(seen.iter().all(|p| p.total == 6));
    }

    #[test]
    fn validation_checks_emptiness_and_length() {
        let v = Validation::default();
        assert_eq!(v.check("Hello [1]", "[1]"), Err(Error::EmptyTranslation));
        let long = "a sentence of a reasonable length for the ratio check";
        assert!(matches!(
            v.check(long, "curta"),
            Err(Error::LengthRatio { .. })
        ));
        assert_eq!(v.check("OK", "Está bem, então"), Ok(()));
    }

    #[test]
    fn text_left_in_the_source_language_is_recognized() {
        let src = "The [1]quick[/1] brown fox jumps over the lazy dog";
        assert!(left_in_source_language(src, src));
        assert!(left_in_source_language(
            src,
            "The quick brown fox jumps over the lazy perro"
        ));
        assert!(!left_in_source_language(
            src,
            "El [1]rápido[/1] zorro marrón salta sobre el perro perezoso"
        ));
        // Names and short labels survive translation rightly.
        assert!(!left_in_source_language(
            "John Smith, Mary Jones",
            "John Smith, Mary Jones"
        ));
        assert!(!left_in_source_language("See the API", "See the API"));
        assert!(!left_in_source_language(
            "The API uses JSON and HTTP",
            "La API usa JSON y HTTP"
        ));
    }

    #[test]
    fn backoff_grows_and_honours_retry_after() {
        let policy = RetryPolicy::default();
        let d1 = policy.delay(1, None, 7);
        let d3 = policy.delay(3, None, 7);
        assert!(
            d1 >= Duration::from_millis(250) && d1 <= Duration::from_millis(500),
            "{d1:?}"
        );
        assert!(
            d3 >= Duration::from_millis(1000) && d3 <= Duration::from_millis(2000),
            "{d3:?}"
        );
        assert!(policy.delay(30, None, 7) <= policy.max_delay);
    }

    #[test]
    fn retry_after_is_the_floor_of_a_jittered_delay() {
        let policy = RetryPolicy::default();
        let after = Some(Duration::from_secs(2));
        let delays: Vec<Duration> = (0..8).map(|seed| policy.delay(1, after, seed)).collect();
        for d in &delays {
            assert!(
                *d >= Duration::from_secs(2) && *d <= Duration::from_millis(2250),
                "{d:?}"
            );
        }
        // Batches told to wait alike come back at different times, the same on every run.
        assert!(delays.iter().any(|d| *d != delays[0]), "{delays:?}");
        assert_eq!(
            delays,
            (0..8)
                .map(|seed| policy.delay(1, after, seed))
                .collect::<Vec<_>>()
        );
        // A Retry-After past the cap is capped, never lowered below the cap by jitter.
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(600)), 7),
            policy.max_delay
        );
    }

    #[test]
    fn a_refused_batch_fails_whole_without_splitting() {
        fn refuse(_: &[Segment], _: u64) -> Option<Error> {
            Some(Error::Rejected("HTTP 401: bad key".into()))
        }
        let engine = TestEngine::new(refuse);
        let segments: Vec<Segment> = (0..16).map(|i| seg(i, &format!("text {i}"))).collect();
        let out = run(&engine, &segments, &quick());
        assert_eq!(engine.calls(), 1);
        assert_eq!(out.stats.requests, 1);
        assert_eq!(out.stats.fallbacks, 0);
        for t in &out.translations {
            assert_eq!(
                t.outcome,
                Outcome::Failed("engine rejected the request: HTTP 401: bad key".into())
            );
        }
        // A reply unusable as a whole is still worth smaller requests.
        fn garbled(batch: &[Segment], _: u64) -> Option<Error> {
            (batch.len() > 4).then(|| Error::BadReply("truncated".into()))
        }
        let out = run(&TestEngine::new(garbled), &segments, &quick());
        assert!(out.stats.fallbacks > 0);
        assert!(
            out.translations
                .iter()
                .all(|t| matches!(t.outcome, Outcome::Translated(_)))
        );
    }

    /// Records when (in Tokio's time) each call came, and what it carried.
    struct Clocked {
        info: EngineInfo,
        calls: Mutex<Vec<(tokio::time::Instant, usize)>>,
        /// Calls answered 429 with this Retry-After before the first success.
        rate_limited: Mutex<u32>,
    }

    impl Clocked {
        fn new(max_batch_segments: usize, concurrency: usize, rate_limited: u32) -> Self {
            let mut info = TestEngine::new(never).info;
            info.limits.max_batch_segments = max_batch_segments;
            info.limits.max_concurrency = concurrency;
            Self {
                info,
                calls: Mutex::default(),
                rate_limited: Mutex::new(rate_limited),
            }
        }

        /// Seconds since `start` of each call.
        fn times(&self, start: tokio::time::Instant) -> Vec<f64> {
            let calls = self.calls.lock().unwrap();
            calls
                .iter()
                .map(|(t, _)| (t.duration_since(start).as_secs_f64() * 1000.0).round() / 1000.0)
                .collect()
        }
    }

    impl Engine for Clocked {
        fn info(&self) -> &EngineInfo {
            &self.info
        }

        fn translate<'a>(&'a self, batch: Batch<'a>) -> BoxFuture<'a, Result<Reply>> {
            self.calls
                .lock()
                .unwrap()
                .push((tokio::time::Instant::now(), batch.segments.len()));
            let mut left = self.rate_limited.lock().unwrap();
            if *left > 0 {
                *left -= 1;
                return Box::pin(std::future::ready(Err(Error::RateLimited {
                    retry_after: Some(Duration::from_secs(3)),
                })));
            }
            let items = batch
                .segments
                .iter()
                .map(|s| ReplyItem::ok(s.id, upper(&s.text)))
                .collect();
            Box::pin(async move {
                // Each call takes a second of (paused) time.
                tokio::time::sleep(Duration::from_secs(1)).await;
                Ok(Reply { items, usage: None })
            })
        }
    }

    fn words(n: u32) -> Vec<Segment> {
        // 40 characters: 10 tokens each.
        (0..n)
            .map(|i| seg(i, &format!("segment {i:04} of a document, translated")))
            .collect()
    }

    async fn run_async(
        engine: &dyn Engine,
        segments: &[Segment],
        options: &TranslateOptions,
    ) -> TranslateOutput {
        let out = translate_segments(engine, segments, options, &mut |_| {}).await;
        assert!(
            out.translations
                .iter()
                .all(|t| matches!(t.outcome, Outcome::Translated(_))),
            "{:?}",
            out.translations
        );
        out
    }

    #[tokio::test(start_paused = true)]
    async fn requests_per_minute_space_the_calls() {
        // 7 batches of one, 4 at a time, 3 a minute.
        let engine = Clocked::new(1, 4, 0);
        let options = TranslateOptions {
            rpm: Some(3),
            ..quick()
        };
        let start = tokio::time::Instant::now();
        let out = run_async(&engine, &words(7), &options).await;
        assert_eq!(out.stats.requests, 7);
        assert_eq!(
            engine.times(start),
            [0.0, 0.0, 0.0, 60.0, 60.0, 60.0, 120.0]
        );
        // Unlimited, the same run takes two rounds of one second.
        let engine = Clocked::new(1, 4, 0);
        let start = tokio::time::Instant::now();
        run_async(&engine, &words(7), &quick()).await;
        assert_eq!(engine.times(start), [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
    }

    #[tokio::test(start_paused = true)]
    async fn tokens_per_minute_space_the_calls() {
        // Batches of two segments: 20 source tokens, estimated 40 with the reply. 100 a
        // minute hold two batches.
        let engine = Clocked::new(2, 4, 0);
        let options = TranslateOptions {
            tpm: Some(100),
            ..quick()
        };
        let start = tokio::time::Instant::now();
        run_async(&engine, &words(10), &options).await;
        assert_eq!(engine.times(start), [0.0, 0.0, 60.0, 60.0, 120.0]);
        // Over any 60 s window: at most 100 tokens.
        let calls = engine.calls.lock().unwrap().clone();
        for (t, _) in &calls {
            let tokens: usize = calls
                .iter()
                .filter(|(u, _)| *u >= *t && u.duration_since(*t) < Duration::from_secs(60))
                .map(|(_, n)| n * 20)
                .sum();
            assert!(tokens <= 100, "{tokens}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn retries_count_against_the_limit_and_wait_for_retry_after() {
        // Two 429s with Retry-After: 3 s, one batch at a time, 2 requests a minute.
        let engine = Clocked::new(100, 1, 2);
        let options = TranslateOptions {
            rpm: Some(2),
            retry: RetryPolicy {
                max_retries: 3,
                base_delay: Duration::from_millis(100),
                max_delay: Duration::from_secs(30),
            },
            ..quick()
        };
        let start = tokio::time::Instant::now();
        let out = run_async(&engine, &words(3), &options).await;
        assert_eq!(out.stats.retries, 2);
        let times = engine.times(start);
        assert_eq!(times.len(), 3);
        assert_eq!(times[0], 0.0);
        // Retry-After is the floor; jitter adds at most half a step (50 ms).
        assert!((3.0..=3.05).contains(&times[1]), "{times:?}");
        // The third request waits for the first to leave the window.
        assert_eq!(times[2], 60.0);
    }

    #[test]
    fn blocking_refuses_to_nest_in_a_runtime() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let engine = Identity::new(pair());
        let result =
            rt.block_on(async { translate_segments_blocking(&engine, &[], &quick(), &mut |_| {}) });
        assert!(matches!(result, Err(Error::Runtime(_))));
    }

    #[test]
    fn engines_are_object_safe_and_the_future_is_send() {
        fn assert_send<T: Send>(_: &T) {}
        let engine: Arc<dyn Engine> = Arc::new(Identity::new(pair()));
        let segments = [seg(0, "hi")];
        let options = quick();
        let mut events = |_: Progress| {};
        let fut = translate_segments(&*engine, &segments, &options, &mut events);
        assert_send(&fut);
        let boxed: Box<dyn Engine> = crate::builtin("pseudo", pair()).unwrap();
        assert_eq!(boxed.info().name, "pseudo");
        assert!(crate::builtin("nope", pair()).is_err());
    }
}
