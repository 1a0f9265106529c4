//! `--dry-run`: what a run would send and cost, counted from the same [`Plan`] a real run
//! follows, without calling the engine.

use folio_doc::Segment;
use serde::{Deserialize, Serialize};

use crate::Usage;
use crate::engine::{Batch, Engine, estimate_tokens};
use crate::terms::{self, BatchTerms};
#[cfg(doc)]
use crate::translate_segments;

use super::TranslateOptions;
use super::plan::Plan;

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

/// Adds another call's counts: a batch's estimate is the sum of its documents'.
impl std::ops::AddAssign<&Estimate> for Estimate {
    fn add_assign(&mut self, e: &Estimate) {
        self.segments += e.segments;
        self.kept += e.kept;
        self.reused += e.reused;
        self.sent += e.sent;
        self.requests += e.requests;
        self.source_tokens += e.source_tokens;
        self.prompt_tokens += e.prompt_tokens;
        self.completion_tokens += e.completion_tokens;
    }
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
///
/// With an engine that learns terms, each term is counted as learnt by the first batch that
/// asks for it, its translation as long as the term: exact when batches go one at a time,
/// while batches in flight together may each ask for a term new to both.
pub fn estimate(engine: &dyn Engine, segments: &[Segment], options: &TranslateOptions) -> Estimate {
    let plan = Plan::new(engine, segments, options);
    let mut est = Estimate {
        segments: segments.len(),
        kept: plan.kept.iter().flatten().count(),
        ..Default::default()
    };
    for (group, cached) in plan.groups.iter().zip(&plan.cached) {
        if cached.is_some() {
            est.reused += group.members.len();
        } else {
            est.reused += group.members.len() - 1;
            est.sent += 1;
        }
    }
    let book = if plan.batches.is_empty() {
        None
    } else {
        terms::book_for(engine, segments, options)
    };
    for batch_groups in &plan.batches {
        let members: Vec<usize> = batch_groups
            .iter()
            .map(|&g| plan.groups[g].representative())
            .collect();
        let batch_segments: Vec<Segment> = members.iter().map(|&i| segments[i].clone()).collect();
        let batch_sections: Vec<Option<&str>> = members.iter().map(|&i| plan.sections[i]).collect();
        let source: u64 = batch_segments
            .iter()
            .map(|s| estimate_tokens(&s.text) as u64)
            .sum();
        let mut batch = Batch::new(&batch_segments);
        batch.sections = &batch_sections;
        batch.title = options.title.as_deref();
        let terms = book.as_ref().map_or_else(BatchTerms::default, |(b, _)| {
            let texts: Vec<&str> = batch_segments.iter().map(|s| s.text.as_str()).collect();
            b.for_batch(&texts)
        });
        batch.terms = &terms.known;
        batch.new_terms = &terms.ask;
        if let Some((book, _)) = &book {
            book.assume_learnt(&terms.ask);
        }
        let usage = engine.estimate_usage(&batch).unwrap_or(Usage {
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
