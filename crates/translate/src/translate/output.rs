//! What the driver reports: progress events, one outcome per segment, and what it cost.

use folio_doc::Translation;
use serde::{Deserialize, Serialize};

#[cfg(doc)]
use crate::translate_segments;

/// How far a call of [`translate_segments`] has come: sent after each step that settles
/// segments, and as each item of a streamed reply arrives (so a progress bar moves per
/// segment, not per batch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranslateProgress {
    /// Segments settled (translated, kept or failed), or whose translation has arrived in a
    /// reply still coming (checked when the reply ends). Never goes down.
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
    /// Times a batch, or the invalid part of one, was sent again in smaller pieces (each
    /// time counted again below as a split or as resent items).
    pub fallbacks: u64,
    /// Batches halved and sent again as two after failing whole (a timeout, a reply with no
    /// usable item).
    #[serde(default)]
    pub splits: u64,
    /// Segments sent again after their item came back missing or failing a check (a
    /// placeholder lost, the wrong language): each is paid for twice.
    #[serde(default)]
    pub resent: u64,
    /// Calls cut by a timeout (the engine's, or the driver's), retried or not.
    #[serde(default)]
    pub timeouts: u64,
    /// With batches sized by the engine's speed
    /// ([`Engine::pace`](crate::Engine::pace)): the token budget the run
    /// ended with, to set `max_batch_tokens` for the next run on the same server.
    #[serde(default)]
    pub last_batch_tokens: Option<usize>,
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
    /// Segments whose reply lost a kept item (an inline formula, a URL kept as it was) on
    /// their last try, the item put back at the same relative place in the translation
    /// ([`restore_spans_and_items`](folio_doc::placeholders::restore_spans_and_items)): it may
    /// stand a word or two from where a translator would put it.
    #[serde(default)]
    pub items_placed: u64,
}
