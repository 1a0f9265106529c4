//! Settings of the driver: budgets, limits, timeouts and how passing failures are retried.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

#[cfg(doc)]
use crate::RateLimiter;
use crate::{Cache, Limiter};
#[cfg(doc)]
use crate::{Engine, Error, KeepReason, translate_segments};

use super::Validation;

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
    /// A limiter shared with other runs (a batch's documents in flight together: a
    /// [`RateLimiter`]; a fleet of workers: one kept in a shared store); when set, it is used
    /// instead of one made from `rpm` and `tpm` for this run alone. A 429 from the engine
    /// [pauses](Limiter::pause) it, so every run sharing it waits.
    pub limiter: Option<Arc<dyn Limiter>>,
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
    /// Translate each of the document's terms one way throughout, with engines that can
    /// ([`Engine::learns_terms`]): the first translation of a term is carried into the
    /// prompts of the batches after it. Costs no request; `false` lets each batch choose.
    pub learn_terms: bool,
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
            limiter: None,
            retry: RetryPolicy::default(),
            timeout: Some(Duration::from_secs(120)),
            validation: Validation::default(),
            keep_untranslatable: true,
            title: None,
            learn_terms: true,
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
            .field("limiter", &self.limiter)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("validation", &self.validation)
            .field("keep_untranslatable", &self.keep_untranslatable)
            .field("title", &self.title)
            .field("learn_terms", &self.learn_terms)
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
    pub(super) fn delay(&self, attempt: u32, retry_after: Option<Duration>, seed: u64) -> Duration {
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
