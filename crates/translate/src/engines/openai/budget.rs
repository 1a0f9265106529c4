//! How many tokens a reply may take: `max_tokens` of each request.
//!
//! Without a cap, a model that loses its way (repeating a phrase, translating the prompt) runs
//! until the server's own limit, which on a small local server is minutes of work thrown
//! away. The cap is the batch's expected reply with room to spare: the source's tokens times
//! how much longer text gets in the target language, times a margin, plus the JSON around
//! each item. A reply that hits it ends with `finish_reason: "length"` and keeps the items
//! completed before the cut.

use crate::engine::{Batch, estimate_tokens};

/// Room over the expected length: translations vary, and tokenizers count differently from
/// [`estimate_tokens`] (≈ 4 characters a token).
const MARGIN: f64 = 1.5;

/// Tokens of JSON per item: `{"id":12,"text":""},` is 8–12 tokens in common tokenizers.
const ITEM_OVERHEAD: u64 = 12;

/// Tokens of JSON around the items (`{"items":[` … `]}`), and a floor for tiny batches.
const REPLY_OVERHEAD: u64 = 32;

/// The `max_tokens` of a request for `batch` translated into `target`.
pub(crate) fn max_tokens(batch: &Batch<'_>, target: &str) -> u64 {
    let source: usize = batch
        .segments
        .iter()
        .map(|s| estimate_tokens(&s.text))
        .sum();
    let expected = source as f64 * length_ratio(target) * MARGIN;
    expected.ceil() as u64 + ITEM_OVERHEAD * batch.segments.len() as u64 + REPLY_OVERHEAD
}

/// The room a reply needs for the terms asked: each as `{"source":"…","target":"…"},`, the
/// source as sent and the target as long as a translation of it may be, plus the JSON.
pub(crate) fn terms_tokens(asked: &[&str], target: &str) -> u64 {
    if asked.is_empty() {
        return 0;
    }
    let words: f64 = asked
        .iter()
        .map(|t| estimate_tokens(t) as f64 * (1.0 + length_ratio(target) * MARGIN))
        .sum();
    words.ceil() as u64 + ITEM_OVERHEAD * asked.len() as u64 + 8
}

/// Tokens of a translation into `target` per token of English-like source. Tokenizers are
/// trained mostly on English and Latin-script text, so other scripts take more tokens for the
/// same meaning; Romance and Germanic translations also run longer in characters.
fn length_ratio(target: &str) -> f64 {
    let primary = target.split('-').next().unwrap_or(target);
    match primary {
        "en" => 1.0,
        "es" | "pt" | "fr" | "it" | "ca" | "gl" | "ro" | "de" | "nl" | "sv" | "da" | "nb" => 1.3,
        "zh" | "ja" | "ko" => 1.5,
        "ru" | "uk" | "pl" | "cs" | "hu" | "fi" | "tr" | "vi" | "id" | "eu" => 1.6,
        "el" | "ar" | "he" | "fa" | "hi" | "bn" => 2.0,
        "th" => 2.5,
        // An unknown language: assume a costly script rather than cut good replies short.
        _ => 2.0,
    }
}

#[cfg(test)]
mod tests {
    use folio_doc::{Role, Segment, SegmentId};

    use super::*;

    #[test]
    fn the_cap_follows_the_source_and_the_target() {
        let segments: Vec<Segment> = (0..10)
            .map(|i| Segment {
                id: SegmentId(i),
                block: None,
                text: "x".repeat(400), // 100 tokens each
                role: Role::Body,
            })
            .collect();
        let batch = Batch::new(&segments);
        // 1,000 source tokens × 1.3 × 1.5 + 10 items × 12 + 32.
        assert_eq!(max_tokens(&batch, "es"), 1950 + 120 + 32);
        assert!(max_tokens(&batch, "ja") > max_tokens(&batch, "pt-BR"));
        assert!(max_tokens(&batch, "xx") >= max_tokens(&batch, "ru"));
        assert_eq!(terms_tokens(&[], "es"), 0);
        // "math mode": 3 tokens + 3 × 1.3 × 1.5, 12 of JSON, 8 for the key.
        assert_eq!(terms_tokens(&["math mode"], "es"), 9 + 12 + 8);
    }
}
