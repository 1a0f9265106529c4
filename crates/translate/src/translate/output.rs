//! What the driver reports: progress events, one outcome per segment, and what it cost.

use folio_doc::Translation;
use serde::{Deserialize, Serialize};

#[cfg(doc)]
use crate::translate_segments;

/// How far a call of [`translate_segments`] has come, sent after each step that settles
/// segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranslateProgress {
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
    /// Segments that failed because the engine was unreachable, timed out, failed on its side
    /// or kept rate limiting, after every retry: the engine's trouble, not the text's, so a
    /// fleet worker puts the document back rather than publish it half translated.
    #[serde(default)]
    pub unavailable: u64,
    /// The document's terms whose first translation was learnt from a reply and then carried
    /// into later prompts (engines that learn terms: `openai`).
    #[serde(default)]
    pub terms_learnt: u64,
    /// Learnt term translations sent in prompts, summed over requests: what consistency cost
    /// in prompt rows.
    #[serde(default)]
    pub terms_carried: u64,
}
