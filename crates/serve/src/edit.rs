//! An editor's work on a done job: its blocks as the editor sees them, a block's translation
//! replaced (checked, stored, the result written again), and the job's memory, from which
//! that re-render takes every other translation without asking the engine.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use folio::{BlockStatus, BlockText, Fixed};
use folio_doc::BlockId;
use folio_translate::{Batch, BoxFuture, Engine, EngineInfo, Reply};
use serde::Serialize;

use crate::store::JobStore;

/// A block's name in the API and in `edits.json`: `p3-12` is block 12 (from 0, in reading
/// order) of page 3 (from 1).
pub fn block_name(id: BlockId) -> String {
    format!("p{}-{}", id.page + 1, id.index)
}

/// The block a name stands for; `None` for anything else.
pub fn parse_block_name(name: &str) -> Option<BlockId> {
    let (page, index) = name.strip_prefix('p')?.split_once('-')?;
    let number = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let page: u32 = number(page)?;
    Some(BlockId {
        page: page.checked_sub(1)?,
        index: number(index)?,
    })
}

/// The editor's translations of a job, by block name (`edits.json`).
pub type Edits = BTreeMap<String, Fixed>;

/// The edits as the pipeline takes them; a name that is not a block's is skipped.
pub fn fixed_of(edits: &Edits) -> HashMap<BlockId, Fixed> {
    edits
        .iter()
        .filter_map(|(name, f)| Some((parse_block_name(name)?, f.clone())))
        .collect()
}

/// A block as the API shows it: [`BlockText`] with its name, and its box as four numbers.
#[derive(Debug, Clone, Serialize)]
pub struct BlockView {
    /// The block's name (`p3-12`).
    pub id: String,
    /// Page, from 1.
    pub page: u32,
    /// `[x0, y0, x1, y1]` in points from the page's top left.
    pub bbox: [f32; 4],
    /// What the block is (`heading`, `body`, `caption`, …).
    pub role: folio_doc::Role,
    /// The text read, with placeholders.
    pub source: String,
    /// The translation set, with placeholders; `null` when kept or failed.
    pub translation: Option<String>,
    /// `translated`, `kept`, `failed`, `overflowed` or `shrunk`.
    pub status: BlockStatus,
    /// Why it was kept or failed, or how it did not fit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The scale of its original size it was set at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale: Option<f32>,
    /// Whether the translation is an editor's.
    pub edited: bool,
    /// Whether it can be edited: blocks the layout kept as they are (formulas, numbers,
    /// code) cannot.
    pub editable: bool,
}

impl From<&BlockText> for BlockView {
    fn from(b: &BlockText) -> Self {
        Self {
            id: block_name(b.id),
            page: b.id.page + 1,
            bbox: [b.bbox.x0, b.bbox.y0, b.bbox.x1, b.bbox.y1],
            role: b.role,
            source: b.source.clone(),
            translation: b.translation.clone(),
            status: b.status,
            reason: b.reason.clone(),
            scale: b.scale,
            edited: b.edited,
            editable: b.editable,
        }
    }
}

/// What an edit did: the result's new revision, the pages that changed, the blocks edited
/// as they are now.
#[derive(Debug, Clone, Serialize)]
pub struct Edited {
    /// The result's revision now.
    pub revision: u32,
    /// Pages (from 1) whose blocks changed.
    pub pages: Vec<u32>,
    /// The blocks edited, as now set.
    pub blocks: Vec<BlockView>,
}

/// Why an edit was refused; each names what to change.
#[derive(Debug)]
pub enum EditError {
    /// No block of that name.
    NoBlock,
    /// The job has no result to edit yet.
    NotDone(crate::State),
    /// The translation cannot be used (its placeholders, an empty text, a kept block).
    Refused {
        /// What is wrong.
        error: String,
        /// What to do.
        hint: String,
    },
    /// The store or the pipeline failed.
    Internal(String),
}

/// Checks `translation` for `block`: not empty, an editable block, and every placeholder of
/// the source exactly once (the pipeline needs them to put links and styles back).
pub fn check_edit(block: &BlockText, translation: &str) -> Result<(), EditError> {
    if !block.editable {
        return Err(EditError::Refused {
            error: format!(
                "block {} is kept as it is ({}): it is not translated",
                block_name(block.id),
                block.reason.as_deref().unwrap_or("kept")
            ),
            hint: "edit another block; formulas, numbers and code stay as they are".into(),
        });
    }
    if translation.trim().is_empty() {
        return Err(EditError::Refused {
            error: "the translation is empty".into(),
            hint: "to show the original text, put the source text as the translation".into(),
        });
    }
    folio_doc::placeholders::validate(&block.source, translation).map_err(|e| {
        EditError::Refused {
            error: e.to_string(),
            hint: format!(
                "keep every placeholder of the source exactly once, in order of opening: the source is {:?}",
                block.source
            ),
        }
    })
}

/// The pages whose blocks differ between two results (the pages an edit changed).
pub fn changed_pages(before: &[BlockText], after: &[BlockText]) -> Vec<u32> {
    let before: HashMap<BlockId, &BlockText> = before.iter().map(|b| (b.id, b)).collect();
    let mut pages = BTreeSet::new();
    for b in after {
        if before.get(&b.id).is_none_or(|old| *old != b) {
            pages.insert(b.id.page + 1);
        }
    }
    pages.into_iter().collect()
}

/// The engine of a re-render: it answers nothing, so a translation that is not in the job's
/// memory (a segment that failed) stays failed instead of costing a request; its info is the
/// job's engine's, so the memory's keys match.
pub struct Remembered {
    info: EngineInfo,
}

impl Remembered {
    /// Stands for the engine `info` describes.
    pub fn new(info: EngineInfo) -> Self {
        Self { info }
    }
}

impl Engine for Remembered {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn translate<'a>(&'a self, _: Batch<'a>) -> BoxFuture<'a, folio_translate::Result<Reply>> {
        Box::pin(std::future::ready(Err(folio_translate::Error::Rejected(
            "not translated in the job's run; an edit's re-render does not ask the engine (edit the block)".into(),
        ))))
    }

    fn checks_language(&self) -> bool {
        false
    }
}

/// The job's own memory in front of the server's cache (when there is one): every
/// translation the job receives is kept with the job.
pub fn job_memory(
    store: &JobStore,
    id: &str,
    server: Option<Arc<dyn folio_translate::Cache>>,
) -> folio_translate::Result<Arc<dyn folio_translate::Cache>> {
    let own = folio_translate::DiskCache::open(store.memory(id))?;
    Ok(match server {
        Some(back) => Arc::new(folio_translate::Layered { front: own, back }),
        None => Arc::new(own),
    })
}

/// A document's blocks as an XLIFF file's units, for a translator: each block a unit named as
/// in the API (`p3-12`), its page, box and role in a note; blocks the layout kept are
/// `translate="no"`, and blocks without a translation have no target.
pub fn xliff_document(
    blocks: &[BlockText],
    original: &str,
    from: &str,
    to: &str,
) -> folio_xliff::Document {
    let units = blocks
        .iter()
        .map(|b| {
            let r = &b.bbox;
            let role = serde_json::to_value(b.role).unwrap_or_default();
            folio_xliff::Unit {
                id: block_name(b.id),
                source: b.source.clone(),
                target: b.translation.clone(),
                translate: b.editable,
                note: Some(format!(
                    "page {}, box {:.0} {:.0} {:.0} {:.0}, {}",
                    b.id.page + 1,
                    r.x0,
                    r.y0,
                    r.x1,
                    r.y1,
                    role.as_str().unwrap_or("block")
                )),
            }
        })
        .collect();
    folio_xliff::Document {
        original: original.to_string(),
        source_language: from.to_string(),
        target_language: to.to_string(),
        units,
    }
}

/// The translations of an XLIFF file as edits, for a run that has no earlier result to check
/// them against (`folio xliff import`): every unit with a target, its placeholders checked
/// against its own source. The pipeline uses each only while its block's source is the same.
pub fn fixed_from_xliff(doc: &folio_xliff::Document) -> Result<HashMap<BlockId, Fixed>, String> {
    let mut fixed = HashMap::new();
    for unit in &doc.units {
        let Some(target) = unit.target.as_ref().filter(|t| !t.trim().is_empty()) else {
            continue;
        };
        if !unit.translate {
            continue;
        }
        let block = parse_block_name(&unit.id)
            .ok_or_else(|| format!("unit {:?} is not one of Folio's blocks (p3-12)", unit.id))?;
        folio_doc::placeholders::validate(&unit.source, target)
            .map_err(|e| format!("unit {:?}: {e}", unit.id))?;
        fixed.insert(
            block,
            Fixed {
                source: unit.source.clone(),
                translation: target.clone(),
            },
        );
    }
    Ok(fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_names_round_trip_and_nothing_else_parses() {
        let id = BlockId { page: 2, index: 12 };
        assert_eq!(block_name(id), "p3-12");
        assert_eq!(parse_block_name("p3-12"), Some(id));
        for bad in [
            "", "p0-1", "3-12", "p3", "p3-", "p-1", "p3-+1", "p3-1x", "../p3-1",
        ] {
            assert_eq!(parse_block_name(bad), None, "{bad}");
        }
    }
}
