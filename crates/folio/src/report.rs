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
    /// Who translated, at what cost (requests, tokens, cache hits, retries, fallbacks).
    pub engine: folio_translate::EngineStats,
    /// Milliseconds per stage.
    pub timings_ms: BTreeMap<String, u64>,
    /// Problems that did not stop the run.
    pub warnings: Vec<String>,
    /// Every block's source, translation and fit, when [`crate::Options::record_blocks`]
    /// asked (an editor's view); empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub texts: Vec<crate::BlockText>,
    /// What OCR read, when it read any page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ocr: Option<OcrReport>,
    /// Pages left unchanged because they could not be read or written (a resource limit, a
    /// bug caught), each with why; the rest of the document is translated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failed_pages: Vec<PageFailure>,
}

/// The pages read by OCR.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OcrReport {
    /// Tesseract's language code.
    pub language: String,
    /// The pages read, from 1.
    pub pages: Vec<u32>,
    /// Words read with enough confidence (text from then on).
    pub words: u32,
    /// Words read with too little confidence, left as pixels of the image.
    pub low_confidence: Vec<LowConfidenceWord>,
    /// Milliseconds spent on OCR (rendering and tesseract), within the read stage's time.
    pub ms: u64,
    /// Of those, milliseconds in tesseract itself.
    pub tesseract_ms: u64,
}

/// A word OCR was not sure of, left as it is in the image.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LowConfidenceWord {
    /// Page, from 1.
    pub page: u32,
    /// What tesseract read.
    pub text: String,
    /// Its confidence, 0–100.
    pub confidence: f32,
    /// Where.
    pub bbox: Rect,
}

/// A page left as it was, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageFailure {
    /// Page, from 1.
    pub page: u32,
    /// What went wrong.
    pub reason: String,
}

impl Report {
    /// Notes the pages the reader could not read (each has a warning too).
    pub(crate) fn add_unread_pages(&mut self, doc: &folio_doc::Document) {
        self.failed_pages.extend(doc.pages.iter().filter_map(|p| {
            Some(PageFailure {
                page: p.index + 1,
                reason: p.failed.clone()?,
            })
        }));
    }

    /// Notes the pages the writer left unchanged (pages from 0), with a warning each.
    pub(crate) fn add_unwritten_pages(&mut self, pages: &[(u32, String)]) {
        for (page, reason) in pages {
            self.warnings.push(format!(
                "page {}: left untranslated, as it was: {reason}",
                page + 1
            ));
            self.failed_pages.push(PageFailure {
                page: page + 1,
                reason: reason.clone(),
            });
        }
    }
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
    /// Blocks that fit only below the floor scale (`TypesetSettings::floor`): visibly smaller
    /// than their neighbours, each with where and the scale used.
    #[serde(default)]
    pub below_floor: Vec<SegmentIssue>,
    /// Blocks with characters no font has (drawn as empty boxes), each with the characters.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_glyphs: Vec<SegmentIssue>,
}

/// The report's name for a keep reason: the IR's serde name (`page_number`, as in
/// `folio inspect --json`).
pub(crate) fn reason_name(r: KeepReason) -> String {
    match r {
        KeepReason::Formula => "formula",
        KeepReason::Code => "code",
        KeepReason::Number => "number",
        KeepReason::Url => "url",
        KeepReason::Email => "email",
        KeepReason::Symbols => "symbols",
        KeepReason::PageNumber => "page_number",
        KeepReason::Citation => "citation",
        KeepReason::Empty => "empty",
        KeepReason::OtherLanguage => "other_language",
        KeepReason::Rotated => "rotated",
        KeepReason::FormField => "form_field",
        KeepReason::NoWidth => "no_width",
        KeepReason::Annotation => "annotation",
    }
    .to_string()
}
