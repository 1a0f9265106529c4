//! An editor's view of a run: translations fixed before it (an editor's edits), and each
//! block's source, translation and how it ended, for an editor to step through and correct.

use std::collections::{HashMap, HashSet};

use folio_doc::{Action, Block, BlockId, Outcome, Rect, Role, Segment, SegmentId, Translation};
use serde::{Deserialize, Serialize};

use crate::report::{Report, reason_name};
use crate::segments::DocumentText;
use crate::typeset::Typeset;

/// A translation fixed before the run, for one block: it replaces the engine's, which is not
/// asked, for as long as the block's source is the one it was made for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fixed {
    /// The block's source when the translation was made (placeholders included).
    pub source: String,
    /// The translation, with the source's placeholders.
    pub translation: String,
}

/// How a block ended, as an editor sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockStatus {
    /// Translated and set at a usual size.
    Translated,
    /// Left in the source language on purpose (`reason` says why).
    Kept,
    /// No usable translation: the original text stays (`reason` says why).
    Failed,
    /// Set, but drawn past its box even at the smallest size.
    Overflowed,
    /// Set only below the floor size: visibly smaller than its neighbours.
    Shrunk,
}

/// One block of a run as an editor sees it ([`crate::Options::record_blocks`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockText {
    /// Which block.
    pub id: BlockId,
    /// Its box on the page, in display coordinates (points from the top left).
    pub bbox: Rect,
    /// What it is on the page.
    pub role: Role,
    /// The text read, with placeholders (`[n]…[/n]`, `[n]`).
    pub source: String,
    /// The translation set, with the same placeholders; `None` when kept or failed.
    pub translation: Option<String>,
    /// How it ended.
    pub status: BlockStatus,
    /// Why it was kept or failed, or how it did not fit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The scale of its original size it was set at (1 when set at the original size).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<f32>,
    /// Whether the translation is an editor's ([`crate::Options::fixed`]).
    #[serde(default)]
    pub edited: bool,
    /// Whether an editor may give it a translation: not when the layout kept it as it is
    /// (a formula, a number, code), which is never sent.
    #[serde(default)]
    pub editable: bool,
}

/// The segments to send to the engine and the translations fixed before the run: a segment
/// whose block has a fixed translation made for its source (and whose placeholders agree)
/// is not sent. A fixed translation that no longer fits its block is dropped with a warning.
pub(crate) fn set_apart_fixed(
    text: &DocumentText,
    sent: Vec<Segment>,
    fixed: &HashMap<BlockId, Fixed>,
    warnings: &mut Vec<String>,
) -> (Vec<Segment>, Vec<Translation>) {
    if fixed.is_empty() {
        return (sent, Vec::new());
    }
    let sources: HashMap<SegmentId, &str> = text
        .segments
        .iter()
        .map(|s| (s.id, s.text.as_str()))
        .collect();
    let mut given = Vec::new();
    let mut to_send = Vec::with_capacity(sent.len());
    for segment in sent {
        let found = segment.block.and_then(|b| Some((b, fixed.get(&b)?)));
        let Some((block, f)) = found else {
            to_send.push(segment);
            continue;
        };
        let source = sources.get(&segment.id).copied().unwrap_or_default();
        let usable = if f.source != source {
            Err("its source changed".to_string())
        } else {
            folio_doc::placeholders::validate(source, &f.translation).map_err(|e| e.to_string())
        };
        match usable {
            Ok(()) => given.push(Translation {
                id: segment.id,
                outcome: Outcome::Translated(f.translation.clone()),
            }),
            Err(why) => {
                warnings.push(format!(
                    "page {}: the edit of block {} was not used ({why}); the engine translated it",
                    block.page + 1,
                    block.index
                ));
                to_send.push(segment);
            }
        }
    }
    (to_send, given)
}

/// Every block of the run as an editor sees it, in reading order: blocks kept by the layout,
/// and each translated block's outcome and fit.
pub(crate) fn block_texts(
    blocks: &[Block],
    text: &DocumentText,
    outcomes: &HashMap<SegmentId, &Outcome>,
    edited: &HashSet<SegmentId>,
    typeset: &Typeset<'_>,
    report: &Report,
) -> Vec<BlockText> {
    let reasons = |issues: &[crate::SegmentIssue]| -> HashMap<BlockId, String> {
        issues.iter().map(|i| (i.block, i.reason.clone())).collect()
    };
    let shrunk = reasons(&report.blocks.below_floor);
    let overflowed_why = reasons(&report.blocks.overflowed);
    let failed: HashMap<BlockId, &str> = report
        .segments
        .failed
        .iter()
        .map(|i| (i.block, i.reason.as_str()))
        .collect();
    let set: HashMap<BlockId, (f32, bool)> = typeset
        .blocks
        .iter()
        .filter(|b| !b.placed.lines.is_empty())
        .map(|b| (b.block.id, (b.placed.scale, b.placed.overflowed)))
        .collect();
    let segment_of: HashMap<BlockId, SegmentId> =
        text.of_blocks().map(|(s, b)| (b, s.id)).collect();
    blocks
        .iter()
        .map(|block| {
            let mut out = BlockText {
                id: block.id,
                bbox: block.bbox,
                role: block.role,
                source: block.source.clone(),
                translation: None,
                status: BlockStatus::Failed,
                reason: None,
                scale: None,
                edited: false,
                editable: block.action == Action::Translate,
            };
            if let Action::Keep(reason) = block.action {
                out.status = BlockStatus::Kept;
                out.reason = Some(reason_name(reason));
                return out;
            }
            let Some(&segment) = segment_of.get(&block.id) else {
                return out;
            };
            out.edited = edited.contains(&segment);
            match outcomes.get(&segment) {
                Some(Outcome::Translated(t)) => out.translation = Some(t.clone()),
                Some(Outcome::Kept(reason)) => {
                    out.status = BlockStatus::Kept;
                    out.reason = Some(reason_name(*reason));
                    return out;
                }
                Some(Outcome::Failed(why)) => {
                    out.reason = Some(why.clone());
                    return out;
                }
                None => {}
            }
            match set.get(&block.id) {
                Some(&(scale, overflowed)) => {
                    out.scale = Some(scale);
                    (out.status, out.reason) = if overflowed {
                        let why = overflowed_why.get(&block.id).cloned();
                        (BlockStatus::Overflowed, why)
                    } else if let Some(why) = shrunk.get(&block.id) {
                        (BlockStatus::Shrunk, Some(why.clone()))
                    } else {
                        (BlockStatus::Translated, None)
                    };
                }
                None => {
                    out.reason = Some(
                        failed
                            .get(&block.id)
                            .map_or("no translation came back", |r| r)
                            .to_string(),
                    );
                }
            }
            out
        })
        .collect()
}
