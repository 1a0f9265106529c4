//! The plan of a run, made before any call: which segments are kept, which texts repeat,
//! which are answered from the cache, and the batches the rest is sent in. A real run
//! ([`translate_segments`]) and a dry run ([`estimate`]) follow the same plan, so a dry run
//! counts exactly what a real run would send.

use std::collections::{HashMap, HashSet};

use folio_doc::{KeepReason, Role, Segment, SegmentId};

use crate::engine::{Engine, estimate_tokens};
use crate::{CacheKey, Error, placeholders};
#[cfg(doc)]
use crate::{estimate, translate_segments};

use super::TranslateOptions;
use super::adaptive;

/// Segments sharing one exact text: sent once, through their first member.
pub(super) struct Group {
    /// The text's cache key.
    pub key: CacheKey,
    /// Indices of the segments with this text, in document order; never empty.
    pub members: Vec<usize>,
}

impl Group {
    /// The segment sent for the whole group.
    pub fn representative(&self) -> usize {
        self.members[0]
    }
}

/// Steps 1 to 4 of the driver, decided up front.
pub(super) struct Plan<'a> {
    /// Per segment: why it is kept without sending (no letters), if it is.
    pub kept: Vec<Option<KeepReason>>,
    /// Distinct texts of the segments not kept, in document order.
    pub groups: Vec<Group>,
    /// Per group: a valid translation found in the cache.
    pub cached: Vec<Option<String>>,
    /// The groups left to send, in document order (indices into `groups`).
    pub to_send: Vec<usize>,
    /// `to_send` cut into batches by the largest budget: what is sent unless the engine
    /// asks for batches sized by its speed. Then the first batch is the probe
    /// ([`adaptive::first_budget`]), the next ones follow the measured speed
    /// ([`next_batch`](Self::next_batch)), and these are what a fast server gets: the probe,
    /// then the largest budget.
    pub batches: Vec<Vec<usize>>,
    /// The largest token budget of a batch: the engine's, lowered by the options.
    pub max_tokens: usize,
    /// The largest segment count of a batch, likewise.
    pub max_segments: usize,
    /// Per segment: the text of the last heading before it.
    pub sections: Vec<Option<&'a str>>,
    /// Problems met while planning (a cache that could not be read).
    pub warnings: Vec<String>,
}

impl<'a> Plan<'a> {
    /// Plans the translation of `segments` by `engine`: reads the cache, calls nothing.
    pub fn new(engine: &dyn Engine, segments: &'a [Segment], options: &TranslateOptions) -> Self {
        let info = engine.info();
        let mut warnings = Vec::new();

        // 1. Nothing to translate.
        let kept: Vec<Option<KeepReason>> = segments
            .iter()
            .map(|seg| {
                if options.keep_untranslatable {
                    untranslatable(&seg.text)
                } else {
                    None
                }
            })
            .collect();

        // 2. One representative (the first) per distinct text, in document order. Exact text,
        //    not the cache's normalized one: `identity` must give back each text as it was.
        let mut groups: Vec<Group> = Vec::new();
        let mut group_of: HashMap<&str, usize> = HashMap::new();
        for (i, seg) in segments.iter().enumerate() {
            if kept[i].is_some() {
                continue;
            }
            match group_of.get(seg.text.as_str()) {
                Some(&g) => groups[g].members.push(i),
                None => {
                    group_of.insert(&seg.text, groups.len());
                    groups.push(Group {
                        key: CacheKey::new(info, &options.cache_salt, &seg.text),
                        members: vec![i],
                    });
                }
            }
        }

        // 3. The cache: an entry counts only if it passes today's checks for its segment.
        let keys: Vec<CacheKey> = groups.iter().map(|g| g.key).collect();
        let found = match &options.cache {
            Some(cache) if !keys.is_empty() => cache.get_many(&keys).unwrap_or_else(|e| {
                warnings.push(format!("{}", Error::Cache(e.to_string())));
                vec![None; keys.len()]
            }),
            _ => vec![None; keys.len()],
        };
        let mut cached = Vec::with_capacity(groups.len());
        let mut to_send: Vec<usize> = Vec::new();
        for (g, group) in groups.iter().enumerate() {
            let source = &segments[group.representative()].text;
            match found.get(g).cloned().flatten() {
                Some(text) if options.validation.check(source, &text).is_ok() => {
                    cached.push(Some(text));
                }
                _ => {
                    cached.push(None);
                    to_send.push(g);
                }
            }
        }

        // 4. Batches of representatives.
        let limits = info.limits;
        let max_tokens = options
            .max_batch_tokens
            .map_or(limits.max_batch_tokens, |t| t.min(limits.max_batch_tokens));
        let max_segments = options
            .max_batch_segments
            .map_or(limits.max_batch_segments, |n| {
                n.min(limits.max_batch_segments)
            });
        let mut batches = Vec::new();
        let mut next = 0;
        // The probe, when the engine sizes its batches by a speed it has not measured yet.
        let probe = adaptive::pace(engine)
            .filter(|pace| pace.secs_per_token().is_none())
            .map(|_| adaptive::first_budget(max_tokens));
        while next < to_send.len() {
            let budget = match probe {
                Some(probe) if batches.is_empty() => probe,
                _ => max_tokens,
            };
            batches.push(cut_batch(
                segments,
                &groups,
                &to_send,
                &mut next,
                budget,
                max_segments,
            ));
        }

        Self {
            kept,
            groups,
            cached,
            to_send,
            batches,
            max_tokens,
            max_segments,
            sections: sections(segments),
            warnings,
        }
    }
}

impl Plan<'_> {
    /// The next batch of `to_send` from position `*next` on (advanced past it), within
    /// `max_tokens` and the plan's segment budget; empty when all are taken.
    pub fn next_batch(
        &self,
        segments: &[Segment],
        next: &mut usize,
        max_tokens: usize,
    ) -> Vec<usize> {
        cut_batch(
            segments,
            &self.groups,
            &self.to_send,
            next,
            max_tokens.min(self.max_tokens),
            self.max_segments,
        )
    }
}

/// Why a segment needs no engine: no letters outside its placeholders.
fn untranslatable(text: &str) -> Option<KeepReason> {
    let visible = placeholders::strip(text);
    if visible.chars().any(char::is_alphabetic) {
        None
    } else if visible.chars().any(|c| c.is_ascii_digit()) {
        Some(KeepReason::Number)
    } else if visible.trim().is_empty() {
        Some(KeepReason::Empty)
    } else {
        Some(KeepReason::Symbols)
    }
}

/// For each segment, the text of the last heading before it (placeholders removed later by
/// engines that care).
fn sections(segments: &[Segment]) -> Vec<Option<&str>> {
    let mut current = None;
    segments
        .iter()
        .map(|seg| {
            let before = current;
            if seg.role == Role::Heading {
                current = Some(seg.text.as_str());
            }
            before
        })
        .collect()
}

/// Cuts the next batch from `to_send[*next..]`: in document order, within the token and
/// segment budget (a segment over the token budget goes alone), no id twice (replies are
/// matched by id). Advances `*next` past it.
fn cut_batch(
    segments: &[Segment],
    groups: &[Group],
    to_send: &[usize],
    next: &mut usize,
    max_tokens: usize,
    max_segments: usize,
) -> Vec<usize> {
    let mut batch: Vec<usize> = Vec::new();
    let mut tokens = 0;
    let mut ids: HashSet<SegmentId> = HashSet::new();
    while let Some(&g) = to_send.get(*next) {
        let seg = &segments[groups[g].representative()];
        let t = estimate_tokens(&seg.text);
        let full =
            batch.len() >= max_segments.max(1) || tokens + t > max_tokens || ids.contains(&seg.id);
        if !batch.is_empty() && full {
            break;
        }
        batch.push(g);
        tokens += t;
        ids.insert(seg.id);
        *next += 1;
    }
    batch
}
