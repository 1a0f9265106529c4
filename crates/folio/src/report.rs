//! The report of a run (`docs/report.md`): what was translated, kept or failed, how the text
//! fitted, what the engine cost, how long each stage took.

use std::collections::BTreeMap;

use folio_doc::{BlockId, KeepReason, Rect};
use serde::{Deserialize, Serialize};

/// Everything a run did, as JSON for people and dashboards.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Report {
    /// Pages in the file.
    pub pages: u32,
    /// Pages processed.
    pub pages_translated: u32,
    /// Segment outcomes.
    pub segments: SegmentCounts,
    /// Blocks set again, and those that did not fit.
    pub blocks: BlockReport,
    /// Smallest scale of the original size used for any block.
    pub min_scale: f32,
    /// Who translated, at what cost.
    pub engine: EngineReport,
    /// Milliseconds per stage.
    pub timings_ms: BTreeMap<String, u64>,
    /// Problems that did not stop the run.
    pub warnings: Vec<String>,
}

/// How the segments ended.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SegmentCounts {
    /// Translated.
    pub translated: u32,
    /// Kept in the source language, by reason.
    pub kept: BTreeMap<String, u32>,
    /// Failed, each with where and why.
    pub failed: Vec<SegmentIssue>,
}

/// A segment or block that went wrong, with where.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SegmentIssue {
    /// Page, from 1.
    pub page: u32,
    /// The block.
    pub block: BlockId,
    /// Its box.
    pub bbox: Rect,
    /// What went wrong.
    pub reason: String,
}

/// Blocks set again.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BlockReport {
    /// Blocks found by layout.
    pub total: u32,
    /// Blocks rewritten with new text.
    pub rewritten: u32,
    /// Blocks whose text did not fit even at the smallest scale.
    pub overflowed: Vec<SegmentIssue>,
}

/// The engine section.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EngineReport {
    /// Engine name.
    pub name: String,
    /// Model id.
    pub model: String,
    /// Requests sent.
    pub requests: u64,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
    /// Segments answered from the cache or as repeats.
    pub cache_hits: u64,
    /// Retries.
    pub retries: u64,
    /// Batches re-sent in smaller pieces.
    pub fallbacks: u64,
}

/// The report's name for a keep reason.
pub(crate) fn reason_name(r: KeepReason) -> String {
    format!("{r:?}").to_lowercase()
}
