//! Glossaries: terms that must be translated one way.
//!
//! A glossary is a CSV file of `source,target[,note]` rows (a first row `source,target…` is a
//! header and skipped; fields may be double-quoted, `""` inside quotes is a quote). How it is
//! enforced depends on the engine:
//! - an LLM ([`crate::OpenAi`]) gets the rows whose source term occurs in a batch in its
//!   prompt, in place of any translation the run learnt for the same term
//!   ([`crate::candidate_terms`]);
//! - a machine-translation engine is wrapped in [`Glossed`]: each term is replaced by a lone
//!   placeholder `[n]` before the engine sees the text (placeholders survive Apertium and
//!   Bergamot), and the placeholder is replaced by the target term afterwards.
//!
//! Matching is case-insensitive on whole words; longer terms win over shorter ones inside them.
//! [`Glossary::salt`] goes into cache keys, so editing a glossary never reuses translations made
//! without it.

use std::fmt::Write as _;
use std::hash::Hasher;
use std::path::Path;

use folio_doc::Segment;
use siphasher::sip128::{Hasher128, SipHasher13};

use crate::engine::{Batch, BoxFuture, Engine, EngineInfo, Reply, ReplyItem};
use crate::placeholders::{self, Piece};
use crate::{Error, Result};

/// One glossary row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The term in the source language.
    pub source: String,
    /// Its required translation.
    pub target: String,
    /// A note for translators (LLM prompts show it).
    pub note: Option<String>,
}

/// A list of terms with fixed translations (see the module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Glossary {
    /// Longest source term first, so longer terms are matched before the words inside them.
    terms: Vec<Term>,
}

impl Glossary {
    /// A glossary of these terms (empty source or target terms are dropped).
    pub fn new(terms: impl IntoIterator<Item = Term>) -> Self {
        let mut terms: Vec<Term> = terms
            .into_iter()
            .filter(|t| !t.source.trim().is_empty() && !t.target.trim().is_empty())
            .collect();
        terms.sort_by(|a, b| {
            b.source
                .chars()
                .count()
                .cmp(&a.source.chars().count())
                .then_with(|| a.source.cmp(&b.source))
        });
        terms.dedup_by(|a, b| a.source.to_lowercase() == b.source.to_lowercase());
        Self { terms }
    }

    /// Reads `source,target[,note]` CSV text.
    pub fn from_csv(text: &str) -> Result<Self> {
        let mut terms = Vec::new();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let fields = csv_fields(line)
                .ok_or_else(|| Error::Config(format!("glossary line {}: unclosed quote", n + 1)))?;
            if n == 0
                && fields
                    .first()
                    .is_some_and(|f| f.eq_ignore_ascii_case("source"))
            {
                continue;
            }
            let mut fields = fields.into_iter();
            let (Some(source), Some(target)) = (fields.next(), fields.next()) else {
                return Err(Error::Config(format!(
                    "glossary line {}: expected source,target[,note]",
                    n + 1
                )));
            };
            let note = fields.next().filter(|s| !s.trim().is_empty());
            terms.push(Term {
                source: source.trim().to_string(),
                target: target.trim().to_string(),
                note,
            });
        }
        Ok(Self::new(terms))
    }

    /// Reads a CSV file (see [`Glossary::from_csv`]).
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
        Self::from_csv(&text)
    }

    /// The terms, longest source first.
    pub fn terms(&self) -> &[Term] {
        &self.terms
    }

    /// Whether it has no terms.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// A string naming this glossary's content, for [`crate::TranslateOptions::cache_salt`]
    /// (empty for an empty glossary, so no glossary and an empty one share the cache).
    pub fn salt(&self) -> String {
        if self.terms.is_empty() {
            return String::new();
        }
        let mut h = SipHasher13::new_with_keys(0x676c_6f73, 0x7361_7279);
        for t in &self.terms {
            for field in [&t.source, &t.target, t.note.as_deref().unwrap_or("")] {
                h.write_u64(field.len() as u64);
                h.write(field.as_bytes());
            }
        }
        format!("glossary:{:032x}", h.finish128().as_u128())
    }

    /// The terms occurring in any of these texts, longest first; a term only found inside a
    /// longer one ("learning" in "machine learning") does not count.
    pub fn occurring<'a>(&'a self, texts: &[&str]) -> Vec<&'a Term> {
        let mut found: Vec<&Term> = Vec::new();
        for text in texts {
            let mut rest = *text;
            while let Some((start, len, term)) = self.first_match(rest) {
                if !found.iter().any(|t| std::ptr::eq(*t, term)) {
                    found.push(term);
                }
                rest = &rest[start + len..];
            }
        }
        // Back in glossary order (longest first).
        found.sort_by_key(|t| self.terms.iter().position(|u| std::ptr::eq(*t, u)));
        found
    }

    /// Replaces each term occurring in `text` by a lone placeholder numbered after the text's
    /// own ones; gives the new text and, per new placeholder, the target term to put back.
    pub fn protect(&self, text: &str) -> (String, Vec<(u32, String)>) {
        let mut next = placeholders::parse(text)
            .iter()
            .filter_map(|p| match p {
                Piece::Open(n) | Piece::Close(n) => Some(n + 1),
                Piece::Text(_) => None,
            })
            .max()
            .unwrap_or(1)
            .max(1);
        let mut out = String::with_capacity(text.len());
        let mut subs: Vec<(u32, String)> = Vec::new();
        for piece in placeholders::parse(text) {
            let Piece::Text(mut rest) = piece else {
                out.push_str(&piece.to_string());
                continue;
            };
            // Earliest match in the remaining text; at one position the longest term.
            while let Some((start, len, term)) = self.first_match(rest) {
                out.push_str(&rest[..start]);
                // The same term twice gets two placeholders: each may occur only once.
                let n = next;
                next += 1;
                subs.push((n, term.target.clone()));
                let _ = write!(out, "[{n}]");
                rest = &rest[start + len..];
            }
            out.push_str(rest);
        }
        (out, subs)
    }

    /// The earliest whole-word occurrence of a term in `text`: start, byte length, term.
    fn first_match(&self, text: &str) -> Option<(usize, usize, &Term)> {
        let lower = text.to_lowercase();
        if lower.len() != text.len() {
            // Case folding changed byte lengths (rare scripts): match case-sensitively instead.
            return self
                .terms
                .iter()
                .filter_map(|t| find_word(text, &t.source, 0).map(|i| (i, t.source.len(), t)))
                .min_by_key(|&(i, len, _)| (i, usize::MAX - len));
        }
        self.terms
            .iter()
            .filter_map(|t| {
                find_word(&lower, &t.source.to_lowercase(), 0).map(|i| (i, t.source.len(), t))
            })
            .min_by_key(|&(i, len, _)| (i, usize::MAX - len))
    }
}

/// Puts the target terms back in place of their placeholders.
pub(crate) fn restore(text: &str, subs: &[(u32, String)]) -> String {
    placeholders::parse(text)
        .into_iter()
        .map(|p| match p {
            Piece::Open(n) => subs
                .iter()
                .find(|(m, _)| *m == n)
                .map_or_else(|| p.to_string(), |(_, t)| t.clone()),
            p => p.to_string(),
        })
        .collect()
}

/// The byte offset of `needle` in `hay` at or after `from`, not inside a longer word.
pub(crate) fn find_word(hay: &str, needle: &str, from: usize) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    let mut at = from;
    while let Some(i) = hay.get(at..)?.find(needle) {
        let start = at + i;
        let end = start + needle.len();
        let before = hay[..start].chars().next_back();
        let after = hay[end..].chars().next();
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        if !word(before) && !word(after) {
            return Some(start);
        }
        at = start + hay[start..].chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// Splits one CSV line (fields in double quotes may hold commas, `""` is a quote); `None`
/// when a quote is left open. Shared by the CSV files Folio reads: glossaries, manifests.
pub fn csv_fields(line: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            (false, ',') => fields.push(std::mem::take(&mut field)),
            (_, c) => field.push(c),
        }
    }
    if quoted {
        return None;
    }
    fields.push(field);
    Some(fields)
}

/// Enforces a glossary on a machine-translation engine: terms become placeholders on the way
/// in and target terms on the way out (see the module docs). The cache model gets the
/// glossary's salt, so cached translations made without it are not reused.
pub struct Glossed {
    inner: Box<dyn Engine>,
    glossary: Glossary,
    info: EngineInfo,
}

impl Glossed {
    /// Wraps `inner`.
    pub fn new(inner: Box<dyn Engine>, glossary: Glossary) -> Self {
        let mut info = inner.info().clone();
        if !glossary.is_empty() {
            info.model = format!("{}+{}", info.model, glossary.salt());
        }
        Self {
            inner,
            glossary,
            info,
        }
    }
}

impl Engine for Glossed {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn translate<'a>(&'a self, batch: Batch<'a>) -> BoxFuture<'a, Result<Reply>> {
        Box::pin(async move {
            let mut subs = Vec::with_capacity(batch.segments.len());
            let protected: Vec<Segment> = batch
                .segments
                .iter()
                .map(|s| {
                    let (text, sub) = self.glossary.protect(&s.text);
                    subs.push((s.id, sub));
                    Segment { text, ..s.clone() }
                })
                .collect();
            let mut inner_batch = Batch::new(&protected);
            inner_batch.sections = batch.sections;
            inner_batch.title = batch.title;
            inner_batch.listener = batch.listener;
            let reply = self.inner.translate(inner_batch).await?;
            let items = reply
                .items
                .into_iter()
                .map(|item| {
                    let sub = subs.iter().find(|(id, _)| *id == item.id).map(|(_, s)| s);
                    match (item.text, sub) {
                        (Ok(text), Some(sub)) if !sub.is_empty() => {
                            // Every protected term must come back before it is restored.
                            let text = match protected.iter().find(|s| s.id == item.id) {
                                Some(p) => placeholders::validate(&p.text, &text)
                                    .map(|()| restore(&text, sub)),
                                None => Ok(text),
                            };
                            ReplyItem { id: item.id, text }
                        }
                        (text, _) => ReplyItem { id: item.id, text },
                    }
                })
                .collect();
            Ok(Reply {
                items,
                usage: reply.usage,
                terms: reply.terms,
            })
        })
    }

    fn enforces_timeout(&self) -> bool {
        self.inner.enforces_timeout()
    }

    fn pace(&self) -> Option<&crate::Pace> {
        self.inner.pace()
    }

    fn checks_language(&self) -> bool {
        self.inner.checks_language()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glossary() -> Glossary {
        Glossary::from_csv(
            "source,target,note\n\"Folio\",Folio,product name\nmachine learning,aprendizaje automático\nlearning,aprendizaje\n",
        )
        .unwrap()
    }

    #[test]
    fn csv_is_read_longest_first() {
        let g = glossary();
        let sources: Vec<&str> = g.terms().iter().map(|t| t.source.as_str()).collect();
        assert_eq!(sources, ["machine learning", "learning", "Folio"]);
        assert_eq!(g.terms()[2].note.as_deref(), Some("product name"));
        assert!(g.salt().starts_with("glossary:"));
        assert!(Glossary::from_csv("a,\"b").is_err());
        assert!(Glossary::from_csv("onlyone").is_err());
    }

    #[test]
    fn occurring_terms_match_whole_words() {
        let g = glossary();
        let found: Vec<&str> = g
            .occurring(&["Machine learning in folio", "relearning"])
            .iter()
            .map(|t| t.source.as_str())
            .collect();
        assert_eq!(found, ["machine learning", "Folio"]);
    }

    #[test]
    fn protect_and_restore_round_trip() {
        let g = glossary();
        let (text, subs) = g.protect("Use [1]Folio[/1] for machine learning and learning.");
        assert_eq!(text, "Use [1][2][/1] for [3] and [4].");
        let back = restore("Usa [1][2][/1] para [3] y [4].", &subs);
        assert_eq!(
            back,
            "Usa [1]Folio[/1] para aprendizaje automático y aprendizaje."
        );
    }
}
