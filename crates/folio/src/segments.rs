//! A document's text as the engine gets it: its blocks' segments, then its outline titles and
//! title; each sent without a table of contents' leaders, without a list item's marker and with
//! capitals folded, and given all three back when it returns. A real run and a dry run (`estimate`) send exactly this.

use std::collections::HashMap;

use folio_doc::{
    Block, BlockId, Document, KeepReason, ObjRef, Outcome, OutlineItem, Role, Segment, SegmentId,
    SpanKind,
};

use crate::caps::{self, Folded};
use crate::leaders::{self, Leaders};
use crate::markers::{self, Marker};

/// The segments of a document, and what each that is not a block's stands for.
pub(crate) struct DocumentText {
    /// The blocks to translate, then the outline titles and the title (as headings).
    pub segments: Vec<Segment>,
    /// The segments of text outside the pages.
    extras: HashMap<SegmentId, Extra>,
    /// The atomic items of each block's segment that are enumerators ("1.", "IV."), which
    /// stay off the engine when they start the segment.
    kept_markers: HashMap<SegmentId, Vec<u32>>,
}

/// Text outside the pages that is translated too.
enum Extra {
    /// An outline item's title.
    Outline(ObjRef),
    /// The document's `/Title`.
    Title,
}

/// What was taken off the segments sent, to give back to their translations.
#[derive(Default)]
pub(crate) struct Unfold {
    leaders: HashMap<SegmentId, Leaders>,
    markers: HashMap<SegmentId, Marker>,
    folds: HashMap<SegmentId, Folded>,
}

impl DocumentText {
    /// The document's text: `blocks` to translate (see [`folio_layout::segments`]), its
    /// outline titles and its title.
    pub fn new(doc: &Document, blocks: &[Block]) -> Self {
        let segments = folio_layout::segments(blocks);
        let by_id: HashMap<BlockId, &Block> = blocks.iter().map(|b| (b.id, b)).collect();
        let kept_markers = segments
            .iter()
            .filter_map(|s| {
                let block = by_id.get(&s.block?)?;
                Some((s.id, kept_marker_ids(block)))
            })
            .collect();
        let mut text = Self {
            segments,
            extras: HashMap::new(),
            kept_markers,
        };
        let mut outline = Vec::new();
        flatten_outline(&doc.outline, &mut outline);
        for (obj, title) in outline {
            text.push_extra(&title, Extra::Outline(obj));
        }
        if let Some(title) = &doc.info.title {
            text.push_extra(title, Extra::Title);
        }
        text
    }

    fn push_extra(&mut self, text: &str, what: Extra) {
        if text.trim().is_empty() {
            return;
        }
        let id = SegmentId(self.segments.len() as u32);
        self.segments.push(Segment {
            id,
            block: None,
            text: text.to_string(),
            role: Role::Heading,
        });
        self.extras.insert(id, what);
    }

    /// The block each segment of a block comes from, with the segment.
    pub fn of_blocks(&self) -> impl Iterator<Item = (&Segment, BlockId)> {
        self.segments
            .iter()
            .filter_map(|s| s.block.map(|block| (s, block)))
    }

    /// The segments as the engine gets them, and what to give back to their translations.
    pub fn to_send(&self) -> (Vec<Segment>, Unfold) {
        let mut unfold = Unfold::default();
        let sent = self
            .segments
            .iter()
            .map(|s| {
                let entry = match leaders::split(&s.text) {
                    Some((entry, l)) => {
                        unfold.leaders.insert(s.id, l);
                        entry
                    }
                    None => s.text.clone(),
                };
                let kept = self.kept_markers.get(&s.id);
                let is_kept_marker = |n: u32| kept.is_some_and(|k| k.contains(&n));
                let item = match markers::split(&entry, is_kept_marker) {
                    Some((item, m)) => {
                        unfold.markers.insert(s.id, m);
                        item
                    }
                    None => entry,
                };
                let (text, folded) = caps::fold(&item);
                unfold.folds.insert(s.id, folded);
                Segment { text, ..s.clone() }
            })
            .collect();
        (sent, unfold)
    }

    /// The translated outline titles and title, from the segments' outcomes.
    pub fn extras_translated(
        &self,
        outcomes: &HashMap<SegmentId, &Outcome>,
    ) -> (Vec<(ObjRef, String)>, Option<String>) {
        let mut outline = Vec::new();
        let mut title = None;
        // In segment order, as the outline was walked.
        let mut ids: Vec<&SegmentId> = self.extras.keys().collect();
        ids.sort();
        for id in ids {
            let Some(Outcome::Translated(t)) = outcomes.get(id) else {
                continue;
            };
            let text = folio_doc::placeholders::strip(t);
            match self.extras[id] {
                Extra::Outline(obj) => outline.push((obj, text)),
                Extra::Title => title = Some(text),
            }
        }
        (outline, title)
    }
}

impl Unfold {
    /// Gives each translation the capitals, list marker and leaders its segment was sent
    /// without.
    pub fn apply(&self, outcomes: &mut [folio_doc::Translation]) {
        for t in outcomes {
            if let Outcome::Translated(text) = &mut t.outcome {
                if let Some(f) = self.folds.get(&t.id) {
                    *text = caps::restore(text, f);
                }
                if let Some(m) = self.markers.get(&t.id) {
                    *text = markers::join(text, m);
                }
                if let Some(l) = self.leaders.get(&t.id) {
                    *text = leaders::join(text, l);
                }
            }
        }
    }
}

/// The block's atomic items that are enumerators: kept numbers ("1.", "IV.", "b)") and any
/// kept item spelling a list marker.
fn kept_marker_ids(block: &Block) -> Vec<u32> {
    block
        .spans
        .iter()
        .filter(|s| match &s.kind {
            SpanKind::Kept { text, reason } => {
                *reason == KeepReason::Number || folio_layout::is_list_marker(text.trim())
            }
            _ => false,
        })
        .map(|s| s.id)
        .collect()
}

fn flatten_outline(items: &[OutlineItem], out: &mut Vec<(ObjRef, String)>) {
    for item in items {
        if let Some(obj) = item.obj {
            out.push((obj, item.title.clone()));
        }
        flatten_outline(&item.children, out);
    }
}
