//! Helpers shared by the integration tests.

#![allow(dead_code, reason = "each test binary uses some")]

pub mod fake_openai;

use folio_doc::{BlockId, Outcome, Role, Segment, SegmentId};
use folio_translate::TranslateOutput;

/// A segment of page 0.
pub fn seg(id: u32, text: &str, role: Role) -> Segment {
    Segment {
        id: SegmentId(id),
        block: Some(BlockId {
            page: id / 20,
            index: id,
        }),
        text: text.into(),
        role,
    }
}

const WORDS: &[&str] = &[
    "the",
    "report",
    "describes",
    "how",
    "water",
    "flows",
    "through",
    "small",
    "rivers",
    "and",
    "into",
    "the",
    "sea",
    "during",
    "long",
    "summers",
    "when",
    "farmers",
    "need",
    "it",
    "most",
    "for",
    "their",
    "fields",
    "of",
    "wheat",
    "while",
    "cities",
    "grow",
    "along",
    "banks",
    "where",
    "old",
    "mills",
    "once",
    "stood",
    "beside",
    "quiet",
    "bridges",
];

/// A deterministic document of `n` segments shaped like a real one: a heading every ten
/// segments, paragraphs of 25–95 words with a styled span now and then, a running header
/// repeated on every page.
pub fn document(n: u32) -> Vec<Segment> {
    let mut state = 0x2545_f491_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..n)
        .map(|i| {
            if i % 20 == 19 {
                return seg(i, "Rivers and Fields: Annual Report", Role::Header);
            }
            if i % 10 == 0 {
                return seg(
                    i,
                    &format!("Chapter {}: Water in the valley", i / 10 + 1),
                    Role::Heading,
                );
            }
            let len = 25 + (next() % 70) as usize;
            let mut words: Vec<String> = (0..len)
                .map(|_| WORDS[(next() % WORDS.len() as u64) as usize].to_string())
                .collect();
            if i % 3 == 0 {
                let at = (next() % (len as u64 - 3)) as usize;
                words[at] = format!("[1]{}", words[at]);
                words[at + 2] = format!("{}[/1]", words[at + 2]);
            }
            if i % 7 == 0 {
                words.push("[2]".into());
            }
            words[0] = capitalize(&words[0]);
            seg(i, &format!("{}.", words.join(" ")), Role::Body)
        })
        .collect()
}

fn capitalize(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Asserts one outcome per segment, each translated or failed with a reason; returns how many
/// failed.
#[track_caller]
pub fn nothing_lost(segments: &[Segment], out: &TranslateOutput) -> usize {
    assert_eq!(out.translations.len(), segments.len());
    let mut failed = 0;
    for (t, s) in out.translations.iter().zip(segments) {
        assert_eq!(t.id, s.id);
        match &t.outcome {
            Outcome::Translated(text) => assert_ne!(text, &s.text, "{:?} left as is", s.id),
            Outcome::Failed(reason) => {
                assert!(!reason.is_empty());
                failed += 1;
            }
            Outcome::Kept(_) => {}
        }
    }
    failed
}
