//! Numbering the translatable blocks as segments for the engines.

use folio_doc::{Action, Block, Segment, SegmentId};

/// The segments to translate: one per block whose action is [`Action::Translate`], numbered
/// from 0 in block order, so ids are stable for the same document and settings.
pub fn segments(blocks: &[Block]) -> Vec<Segment> {
    blocks
        .iter()
        .filter(|b| b.action == Action::Translate)
        .enumerate()
        .map(|(i, b)| Segment {
            id: SegmentId(i as u32),
            block: Some(b.id),
            text: b.source.clone(),
            role: b.role,
        })
        .collect()
}
