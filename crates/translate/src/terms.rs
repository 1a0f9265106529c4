//! One term, one translation: a document's terms found before translating, and the first
//! translation of each carried into every later request, without a request of its own.
//!
//! # Finding candidates
//! [`candidate_terms`] reads every distinct text of the document once and counts words, pairs
//! and triples of words within phrases (placeholders and punctuation end a phrase). A
//! candidate is
//! - a **technical word** (`LaTeX`, `UTF-8`, `PDF`: a capital after a small letter, letters
//!   with digits, or all capitals) or a **capitalised word** away from the start of a sentence
//!   (`Unicode`, `Knuth`), seen so at least twice and mostly so;
//! - a **phrase** of two or three words (`math mode`, `table of contents`) seen at least three
//!   times, starting and ending with no stop-word, and far more often together than its end
//!   words' frequencies would give by chance (so common words side by side are not terms);
//! - a **heading's** word or phrase (`Environments`, `Cross References`) found in at least two
//!   other texts.
//!
//! No stop-word, number or placeholder is ever a candidate. The result is ordered (most
//! frequent first, then alphabetical) and capped at [`MAX_CANDIDATES`], so a run is
//! deterministic. On the 153 pages of `lshort` (2,510 segments) it finds 359 candidates in
//! about 0.2 s in a debug build.
//!
//! # Learning their translations
//! The driver keeps a [`TermBook`] for the run. Each batch carries the translations already
//! learnt for the candidates occurring in it ([`Batch::terms`]) and asks for the others
//! ([`Batch::new_terms`]); an engine that can (the LLM engine) asks the model to list, in the
//! same reply, how it translated them ([`Reply::terms`]). The first translation offered for a
//! term is accepted when it appears in the batch's accepted translation of a text holding the
//! term; later offers for it are ignored, and later batches get it in their prompt. A user's
//! glossary always wins: the engine leaves its terms out of both lists.
//!
//! A term asked for by a batch in flight is not asked again by another; a batch holding such
//! terms often enough ([`WAIT_FOR`]) waits for that answer before it is sent, so it carries
//! the translation instead of choosing its own.
//!
//! [`Batch::terms`]: crate::Batch::terms
//! [`Batch::new_terms`]: crate::Batch::new_terms
//! [`Reply::terms`]: crate::Reply::terms

use std::collections::{HashMap, HashSet};
use std::hash::Hasher;
use std::sync::Mutex;

use folio_doc::{Role, Segment};
use serde::{Deserialize, Serialize};
use siphasher::sip128::{Hasher128, SipHasher13};

use crate::engine::{Engine, EngineInfo, estimate_tokens};
use crate::glossary::{Term, find_word};
use crate::placeholders::{self, Piece};
use crate::{CacheKey, TranslateOptions};

/// At most this many candidates per document: the most frequent. Each costs prompt tokens
/// only in batches where it occurs, but a very long list is mostly noise.
pub const MAX_CANDIDATES: usize = 400;

/// Prompt tokens the term lines (learnt rows and terms asked for) may take, as a share of the
/// source tokens sent: the carry-over must not undo what large batches save (≈ 1.2 prompt
/// tokens per source token). What a batch leaves unspent goes to the next; within a batch,
/// the terms occurring most often in it go first. On lshort through the fake server: 93.0% of
/// repeated terms one way at 3.5%, 95.2% at 8%, 96.8% at 12% (1.226 prompt tokens per source
/// token), 97.3% at 15%.
const TERM_SHARE: f64 = 0.12;

/// A batch waits for the answer of a batch in flight asking for its terms when they occur at
/// least this often in it; fewer are not worth the wait. On lshort through the fake server
/// (50 ms a reply, 4 in flight): 93% of term occurrences one way, in 1.24 s, against 90% in
/// 0.93 s never waiting; always waiting is no better than 6 and slower.
const WAIT_FOR: usize = 6;

/// The term lines' budget of a small batch.
const MIN_TERM_TOKENS: usize = 12;

/// A phrase must occur this many times more often than its end words' frequencies predict.
const MIN_ASSOCIATION: f64 = 8.0;

/// Function words, and general words frequent in any text, that neither start nor end a term
/// (English; a phrase in another language is judged by its frequency alone, and its very
/// common words are caught by [`is_frequent`]).
const STOP_WORDS: &[&str] = &[
    "a",
    "able",
    "about",
    "above",
    "advice",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "available",
    "basic",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "best",
    "better",
    "between",
    "big",
    "both",
    "but",
    "by",
    "can",
    "cannot",
    "case",
    "cases",
    "change",
    "changes",
    "changing",
    "common",
    "complete",
    "could",
    "did",
    "different",
    "do",
    "does",
    "doing",
    "done",
    "down",
    "during",
    "each",
    "easy",
    "either",
    "else",
    "end",
    "even",
    "ever",
    "every",
    "example",
    "examples",
    "extra",
    "fact",
    "far",
    "few",
    "find",
    "first",
    "following",
    "for",
    "from",
    "further",
    "get",
    "gets",
    "give",
    "given",
    "gives",
    "good",
    "great",
    "had",
    "hand",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "high",
    "him",
    "his",
    "how",
    "however",
    "i",
    "if",
    "important",
    "in",
    "instance",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "kind",
    "know",
    "large",
    "last",
    "left",
    "less",
    "let",
    "like",
    "line",
    "lines",
    "little",
    "long",
    "look",
    "lot",
    "low",
    "made",
    "make",
    "makes",
    "many",
    "may",
    "me",
    "means",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "need",
    "needs",
    "new",
    "next",
    "no",
    "nor",
    "not",
    "now",
    "number",
    "of",
    "off",
    "often",
    "old",
    "on",
    "once",
    "one",
    "only",
    "or",
    "order",
    "other",
    "our",
    "out",
    "over",
    "own",
    "page",
    "pages",
    "part",
    "people",
    "per",
    "place",
    "point",
    "possible",
    "previous",
    "problem",
    "problems",
    "producing",
    "real",
    "right",
    "same",
    "second",
    "see",
    "she",
    "short",
    "should",
    "simple",
    "since",
    "single",
    "small",
    "so",
    "some",
    "special",
    "start",
    "still",
    "such",
    "sure",
    "take",
    "text",
    "than",
    "thank",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "thing",
    "things",
    "this",
    "those",
    "through",
    "thus",
    "time",
    "to",
    "too",
    "try",
    "two",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "usage",
    "use",
    "used",
    "uses",
    "using",
    "very",
    "via",
    "want",
    "was",
    "way",
    "we",
    "well",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whole",
    "whom",
    "why",
    "will",
    "with",
    "within",
    "without",
    "work",
    "working",
    "would",
    "write",
    "yet",
    "you",
    "your",
    "yours",
    "yourself",
];

/// The candidate terms of a document, most frequent first: what an LLM engine is asked to
/// translate one way throughout ([`crate::Engine::learns_terms`]), found without a request.
///
/// Technical words (`LaTeX`, `UTF-8`, `PDF`) and words capitalised inside sentences; phrases
/// of two or three words whose words go together far more often than chance (`math mode`,
/// `table of contents`); words and phrases of headings the text uses again. Never a stop-word,
/// a number or a placeholder; texts repeated (a running header) count once; deterministic.
pub fn candidate_terms(segments: &[Segment]) -> Vec<String> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut stats = Stats::default();
    for seg in segments {
        if !seen.insert(seg.text.as_str()) {
            continue;
        }
        stats.add(&seg.text, seg.role == Role::Heading);
    }
    stats.candidates()
}

/// A word as read: its text and whether a sentence starts with it.
struct Word<'a> {
    text: &'a str,
    lower: String,
    sentence_start: bool,
}

/// Counts over the document's distinct texts.
#[derive(Default)]
struct Stats {
    /// Texts read.
    texts: usize,
    /// Words read.
    words: usize,
    /// Per lowercased word: occurrences.
    word_count: HashMap<String, usize>,
    /// Per lowercased word: texts it occurs in.
    text_count: HashMap<String, usize>,
    /// Per lowercased word: occurrences marking it a term (technical, or capitalised inside a
    /// sentence) and occurrences in small letters.
    marked: HashMap<String, (usize, usize)>,
    /// Per lowercased phrase of 2 or 3 words: occurrences outside headings.
    phrases: HashMap<Vec<String>, usize>,
    /// Lowercased words and phrases of headings.
    heading_terms: HashSet<Vec<String>>,
    /// Per lowercased word or phrase: how it is written, and how often each way.
    surface: HashMap<Vec<String>, HashMap<String, usize>>,
}

impl Stats {
    fn add(&mut self, text: &str, heading: bool) {
        self.texts += 1;
        let mut in_text: HashSet<String> = HashSet::new();
        for phrase in phrases(text) {
            for (i, w) in phrase.iter().enumerate() {
                self.words += 1;
                *self.word_count.entry(w.lower.clone()).or_default() += 1;
                in_text.insert(w.lower.clone());
                let entry = self.marked.entry(w.lower.clone()).or_default();
                // Title-case headings say nothing of which words are names.
                let capitalised = !heading && !w.sentence_start && is_capitalised(w.text);
                if is_technical(w.text) || capitalised {
                    entry.0 += 1;
                } else if !w.text.chars().any(char::is_uppercase) {
                    entry.1 += 1;
                }
                self.note_surface(std::slice::from_ref(w), heading);
                for n in 2..=3 {
                    if i + n > phrase.len() {
                        break;
                    }
                    let words = &phrase[i..i + n];
                    let key: Vec<String> = words.iter().map(|w| w.lower.clone()).collect();
                    if heading {
                        self.heading_terms.insert(key.clone());
                    } else {
                        *self.phrases.entry(key).or_default() += 1;
                    }
                    self.note_surface(words, heading);
                }
                if heading {
                    self.heading_terms.insert(vec![w.lower.clone()]);
                }
            }
        }
        for w in in_text {
            *self.text_count.entry(w).or_default() += 1;
        }
    }

    fn note_surface(&mut self, words: &[Word<'_>], heading: bool) {
        let key: Vec<String> = words.iter().map(|w| w.lower.clone()).collect();
        // A capital only because a sentence starts with the word, or because the heading is
        // in title case, says nothing of how the term is written.
        let written: Vec<&str> = words
            .iter()
            .map(|w| {
                if (heading || w.sentence_start) && is_capitalised(w.text) {
                    w.lower.as_str()
                } else {
                    w.text
                }
            })
            .collect();
        *self
            .surface
            .entry(key)
            .or_default()
            .entry(written.join(" "))
            .or_default() += 1;
    }

    fn is_stop(&self, word: &str) -> bool {
        // A word very frequent in small letters is a function word of the language; one
        // mostly written as a name or a technical word (`TeX`) is not, however frequent.
        let (marked, plain) = self.marked.get(word).copied().unwrap_or_default();
        STOP_WORDS.binary_search(&word).is_ok()
            || !word.chars().any(char::is_alphabetic)
            || word.chars().count() < 2
            || (plain > marked
                && is_frequent(self.text_count.get(word).copied().unwrap_or(0), self.texts))
    }

    fn candidates(&self) -> Vec<String> {
        let mut found: Vec<(usize, Vec<String>)> = Vec::new();
        // Technical and capitalised words.
        for (word, &(marked, plain)) in &self.marked {
            if marked >= 2
                && marked >= 2 * plain
                && !self.is_stop(word)
                && word.chars().filter(|c| c.is_alphabetic()).count() >= 2
            {
                found.push((self.word_count[word], vec![word.clone()]));
            }
        }
        // Phrases whose words go together.
        let n = self.words.max(1) as f64;
        for (key, &count) in &self.phrases {
            let (first, last) = (&key[0], &key[key.len() - 1]);
            if count < 3 || self.is_stop(first) || self.is_stop(last) {
                continue;
            }
            let expected = self.word_count[first] as f64 * self.word_count[last] as f64 / n;
            if count as f64 >= MIN_ASSOCIATION * expected {
                found.push((count, key.clone()));
            }
        }
        // Words and phrases of headings that the text uses too.
        for key in &self.heading_terms {
            let (first, last) = (&key[0], &key[key.len() - 1]);
            if self.is_stop(first) || self.is_stop(last) {
                continue;
            }
            let count = if key.len() == 1 {
                // A single word: at least four letters, in two texts besides its heading.
                if first.chars().count() < 4 {
                    continue;
                }
                self.text_count[first].saturating_sub(1)
            } else {
                self.phrases.get(key).copied().unwrap_or(0)
            };
            if count >= 2 {
                found.push((count, key.clone()));
            }
        }
        found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        // A term found by two rules once, with its higher count.
        let mut kept: HashSet<Vec<String>> = HashSet::new();
        found.retain(|(_, key)| kept.insert(key.clone()));
        // A word met mostly inside a phrase found (`mode` in `math mode`) is that phrase's.
        let phrases: Vec<(usize, Vec<String>)> =
            found.iter().filter(|(_, k)| k.len() > 1).cloned().collect();
        found.retain(|(_, key)| {
            key.len() > 1
                || !phrases.iter().any(|(count, phrase)| {
                    phrase.contains(&key[0]) && 2 * count >= self.word_count[&key[0]]
                })
        });
        // A plural goes with its singular (`packages`, `package`): one row serves both, as
        // matching takes either (see `occurrences`).
        found.retain(|(_, key)| {
            let last = &key[key.len() - 1];
            let singular = |cut: &str| {
                let mut k = key.clone();
                k[key.len() - 1] = last.strip_suffix(cut)?.to_string();
                Some(k)
            };
            ![singular("s"), singular("es")]
                .into_iter()
                .flatten()
                .any(|k| !k[k.len() - 1].is_empty() && kept.contains(&k))
        });
        found
            .into_iter()
            .take(MAX_CANDIDATES)
            .map(|(_, key)| self.written(&key))
            .collect()
    }

    /// The way a word or phrase is most often written (ties: the first in sort order).
    fn written(&self, key: &[String]) -> String {
        self.surface
            .get(key)
            .and_then(|forms| {
                forms
                    .iter()
                    .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                    .map(|(form, _)| form.clone())
            })
            .unwrap_or_else(|| key.join(" "))
    }
}

/// Whether a word in this many of the document's texts is too common to be a term: one text
/// in ten, in a document long enough to tell.
fn is_frequent(texts_with: usize, texts: usize) -> bool {
    texts >= 100 && texts_with * 10 >= texts
}

/// `LaTeX`, `pdfTeX`, `UTF-8`, `PDF`: a capital after a small letter, letters with digits, or
/// two or more letters all capitals.
fn is_technical(word: &str) -> bool {
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    let upper = word.chars().filter(|c| c.is_uppercase()).count();
    let digits = word.chars().any(|c| c.is_ascii_digit());
    let inner_capital = word
        .chars()
        .zip(word.chars().skip(1))
        .any(|(a, b)| a.is_lowercase() && b.is_uppercase());
    letters >= 1
        && (inner_capital || (digits && letters >= 1) || (letters >= 2 && upper == letters))
}

/// A capital, then small letters only.
fn is_capitalised(word: &str) -> bool {
    let mut chars = word.chars();
    chars.next().is_some_and(char::is_uppercase) && !chars.any(char::is_uppercase)
}

/// A text's phrases: runs of words between punctuation and placeholders.
fn phrases(text: &str) -> Vec<Vec<Word<'_>>> {
    let mut out: Vec<Vec<Word<'_>>> = Vec::new();
    let mut sentence_start = true;
    for piece in placeholders::parse(text) {
        let Piece::Text(t) = piece else {
            out.push(Vec::new());
            continue;
        };
        let mut phrase: Vec<Word<'_>> = Vec::new();
        let mut start: Option<usize> = None;
        let mut chars = t.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let next = chars.peek().map(|&(_, n)| n);
            // Hyphens, apostrophes and dots join the letters on both sides (`UTF-8`, `e.g`).
            let joins = matches!(c, '-' | '\'' | '’' | '.')
                && start.is_some()
                && next.is_some_and(char::is_alphanumeric);
            if c.is_alphanumeric() || joins {
                start.get_or_insert(i);
                continue;
            }
            if let Some(s) = start.take() {
                phrase.push(word(&t[s..i], &mut sentence_start));
            }
            if !c.is_whitespace() {
                // Punctuation ends the phrase; a full stop also the sentence.
                sentence_start |= matches!(c, '.' | '!' | '?' | ':' | ';' | '•');
                out.push(std::mem::take(&mut phrase));
            }
        }
        if let Some(s) = start {
            phrase.push(word(&t[s..], &mut sentence_start));
        }
        out.push(phrase);
    }
    out.retain(|p| !p.is_empty());
    out
}

fn word<'a>(text: &'a str, sentence_start: &mut bool) -> Word<'a> {
    let w = Word {
        text,
        lower: text.to_lowercase(),
        sentence_start: *sentence_start,
    };
    *sentence_start = false;
    w
}

/// The term book of a run, when the options ask for one, the engine learns terms and the
/// document has candidates; with the translations an earlier run of the document learnt, if
/// the cache has them, and the key to store them under.
pub(crate) fn book_for(
    engine: &dyn Engine,
    segments: &[Segment],
    options: &TranslateOptions,
) -> Option<(TermBook, CacheKey)> {
    if !options.learn_terms || !engine.learns_terms() {
        return None;
    }
    let mut seen = HashSet::new();
    let texts: Vec<&str> = segments
        .iter()
        .map(|s| s.text.as_str())
        .filter(|t| seen.insert(*t))
        .collect();
    let book = TermBook::new(candidate_terms(segments), &texts);
    if book.is_empty() {
        return None;
    }
    let key = book_key(engine.info(), &options.cache_salt, segments);
    if let Some(cache) = &options.cache
        && let Ok(Some(stored)) = cache.get(key)
    {
        book.restore_json(&stored);
    }
    Some((book, key))
}

/// Where a document's learnt terms are cached: a key of the same engine and salt as its
/// translations, over a hash of all its texts (a different document, or the same one
/// changed, starts afresh).
fn book_key(info: &EngineInfo, salt: &str, segments: &[Segment]) -> CacheKey {
    let mut h = SipHasher13::new_with_keys(0x7465_726d_7321, 0x666f_6c69_6f21);
    for seg in segments {
        h.write_u64(seg.text.len() as u64);
        h.write(seg.text.as_bytes());
    }
    // Not a text any segment can have: a NUL never reaches the engine.
    let name = format!("\0folio-terms\0{:032x}", h.finish128().as_u128());
    CacheKey::new(info, salt, &name)
}

/// What a run has learnt about its document's terms (see the module docs): the candidates,
/// and the translation accepted for each so far. Shared by the batches in flight.
#[derive(Debug)]
pub(crate) struct TermBook {
    /// Candidates as written, most frequent first.
    candidates: Vec<String>,
    /// The same, lowercased, for matching.
    lower: Vec<String>,
    /// Per candidate, its occurrences in the document's distinct texts.
    total: Vec<usize>,
    /// Per candidate, its accepted translation, or whether a request in flight asks for it
    /// (another asking too would only pay for a second answer).
    learnt: Mutex<Vec<Learning>>,
    /// Prompt tokens for term lines earned by the batches so far and not spent (see
    /// [`TERM_SHARE`]): a batch with few terms leaves room to one with many.
    balance: Mutex<usize>,
    /// Woken when a term asked for is learnt or given up.
    answered: tokio::sync::Notify,
}

/// What a run knows of one candidate's translation.
#[derive(Debug, Clone, Default, PartialEq)]
enum Learning {
    /// Nothing yet.
    #[default]
    Unknown,
    /// A request in flight asks for it.
    Asked,
    /// Accepted.
    Learnt(String),
}

impl Learning {
    fn learnt(&self) -> Option<&String> {
        match self {
            Self::Learnt(t) => Some(t),
            _ => None,
        }
    }
}

/// The terms of one request: those with a translation to carry, those to ask for.
#[derive(Debug, Default)]
pub(crate) struct BatchTerms {
    /// Learnt translations of terms occurring in the batch.
    pub known: Vec<Term>,
    /// Terms occurring in the batch with no translation yet.
    pub ask: Vec<String>,
}

/// Terms learnt by a run, in the form they are stored in the cache between runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Learnt(pub Vec<(String, String)>);

impl TermBook {
    /// A book of these candidates of the document of `texts`, none translated yet.
    pub fn new(candidates: Vec<String>, texts: &[&str]) -> Self {
        let lower: Vec<String> = candidates.iter().map(|c| c.to_lowercase()).collect();
        let hay = texts.join("\n").to_lowercase();
        let total = lower.iter().map(|term| occurrences(&hay, term)).collect();
        let learnt = Mutex::new(vec![Learning::Unknown; candidates.len()]);
        Self {
            candidates,
            lower,
            total,
            learnt,
            balance: Mutex::new(0),
            answered: tokio::sync::Notify::new(),
        }
    }

    /// Whether there is nothing to learn.
    pub fn is_empty(&self) -> bool {
        self.candidates.is_empty()
    }

    /// Waits while a request in flight asks for a term occurring in `texts`: its answer will
    /// be carried here, where asking again would let this batch choose its own. A request
    /// waits only before it asks and is never waited on until it has asked, so none waits on
    /// itself.
    pub async fn wait_for_answers(&self, texts: &[&str]) {
        let hay = texts.join("\n").to_lowercase();
        loop {
            let answered = self.answered.notified();
            tokio::pin!(answered);
            // Registered before looking, so an answer between the two is not missed.
            answered.as_mut().enable();
            let pending: usize = {
                let learnt = self.learnt.lock().expect("no panic while the lock is held");
                self.lower
                    .iter()
                    .zip(learnt.iter())
                    .filter(|(_, l)| **l == Learning::Asked)
                    .map(|(term, _)| occurrences(&hay, term))
                    .sum()
            };
            if pending < WAIT_FOR {
                return;
            }
            answered.await;
        }
    }

    /// The candidates occurring in `texts`, split into those learnt and those not.
    pub fn for_batch(&self, texts: &[&str]) -> BatchTerms {
        let hay = texts.join("\n").to_lowercase();
        let source: usize = texts.iter().map(|t| estimate_tokens(t)).sum();
        let mut balance = self
            .balance
            .lock()
            .expect("no panic while the lock is held");
        *balance += ((source as f64 * TERM_SHARE) as usize).max(MIN_TERM_TOKENS);
        let budget = *balance;
        // The terms occurring, most occurrences in the batch first: a row carried protects
        // every occurrence of its term in the batch.
        let mut found: Vec<(usize, usize)> = self
            .lower
            .iter()
            .enumerate()
            .filter_map(|(i, term)| {
                let n = occurrences(&hay, term);
                (n > 0).then_some((n, i))
            })
            .collect();
        found.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut learnt = self.learnt.lock().expect("no panic while the lock is held");
        let mut out = BatchTerms::default();
        let mut spent = 0;
        for (n, i) in found {
            let source = &self.candidates[i];
            let cost = match &learnt[i] {
                // A term kept as it is needs no reminder.
                Learning::Learnt(target) if target == source => continue,
                Learning::Learnt(target) => estimate_tokens(source) + estimate_tokens(target) + 2,
                Learning::Asked => continue,
                // A term found in no other batch has no later translation to agree with.
                Learning::Unknown if self.total[i] <= n => continue,
                Learning::Unknown => estimate_tokens(source) + 1,
            };
            // A smaller one further down may still fit.
            if spent + cost > budget {
                continue;
            }
            spent += cost;
            match &learnt[i] {
                Learning::Learnt(target) => out.known.push(Term {
                    source: source.clone(),
                    target: target.clone(),
                    note: None,
                }),
                _ => {
                    out.ask.push(source.clone());
                    learnt[i] = Learning::Asked;
                }
            }
        }
        *balance -= spent;
        out
    }

    /// Accepts the offered translations of asked terms that the batch's accepted translations
    /// bear out: `pairs` are (source, translation) of the segments accepted. The first
    /// translation accepted for a term stays. Gives how many were accepted.
    pub fn learn(&self, asked: &[String], offered: &[Term], pairs: &[(&str, &str)]) -> u64 {
        let mut learnt = self.learnt.lock().expect("no panic while the lock is held");
        let mut accepted = 0;
        for offer in offered {
            let source = offer.source.trim().to_lowercase();
            let target = offer.target.trim();
            if !asked.iter().any(|a| a.to_lowercase() == source) || !plausible(&source, target) {
                continue;
            }
            let Some(i) = self.lower.iter().position(|c| *c == source) else {
                continue;
            };
            if learnt[i].learnt().is_some() {
                continue;
            }
            let target_lower = target.to_lowercase();
            // Singular or plural on either side: the batch may hold only `fonts`, and its
            // translation `fuentes` for the `fuente` offered.
            let borne_out = pairs.iter().any(|(src, translation)| {
                occurrences(&src.to_lowercase(), &source) > 0
                    && occurrences(&translation.to_lowercase(), &target_lower) > 0
            });
            // Other words of the sources, left as they were in a translation, are no
            // translation of the term: a small model offered `FAA = horizontal stabilizer`
            // from a paragraph holding both, and every later batch was told to use it.
            let copied = target_lower != source
                && pairs
                    .iter()
                    .any(|(src, _)| occurrences(&src.to_lowercase(), &target_lower) > 0);
            if borne_out && !copied {
                learnt[i] = Learning::Learnt(target.to_string());
                accepted += 1;
            }
        }
        drop(learnt);
        self.answered.notify_waiters();
        accepted
    }

    /// Frees the terms a request asked for and did not get (its reply lacked them, or it
    /// failed), so a later batch asks again.
    pub fn release(&self, asked: &[String]) {
        let mut learnt = self.learnt.lock().expect("no panic while the lock is held");
        for a in asked {
            let a = a.to_lowercase();
            if let Some(i) = self.lower.iter().position(|c| *c == a)
                && learnt[i] == Learning::Asked
            {
                learnt[i] = Learning::Unknown;
            }
        }
        drop(learnt);
        self.answered.notify_waiters();
    }

    /// The translations learnt so far, in candidate order.
    pub fn learnt(&self) -> Learnt {
        let learnt = self.learnt.lock().expect("no panic while the lock is held");
        Learnt(
            self.candidates
                .iter()
                .zip(learnt.iter())
                .filter_map(|(c, t)| Some((c.clone(), t.learnt()?.clone())))
                .collect(),
        )
    }

    /// The learnt translations as stored in the cache.
    pub fn to_json(&self) -> String {
        // Pairs of strings always serialize.
        serde_json::to_string(&self.learnt()).unwrap_or_default()
    }

    /// Takes back translations stored by [`TermBook::to_json`]; anything else is ignored (the
    /// terms are then learnt again).
    pub fn restore_json(&self, stored: &str) {
        if let Ok(earlier) = serde_json::from_str::<Learnt>(stored) {
            self.restore(&earlier);
        }
    }

    /// Counts as learnt, translated as written, every term asked: what a dry run assumes.
    pub fn assume_learnt(&self, asked: &[String]) {
        let mut learnt = self.learnt.lock().expect("no panic while the lock is held");
        for a in asked {
            let a = a.to_lowercase();
            if let Some(i) = self.lower.iter().position(|c| *c == a)
                && learnt[i].learnt().is_none()
            {
                learnt[i] = Learning::Learnt(self.candidates[i].clone());
            }
        }
    }

    /// Takes back translations learnt by an earlier run of the same document (a run stopped
    /// half way), so the rest of the document follows them.
    pub fn restore(&self, earlier: &Learnt) {
        let mut learnt = self.learnt.lock().expect("no panic while the lock is held");
        for (source, target) in &earlier.0 {
            let source = source.to_lowercase();
            if let Some(i) = self.lower.iter().position(|c| *c == source)
                && learnt[i].learnt().is_none()
            {
                learnt[i] = Learning::Learnt(target.clone());
            }
        }
    }
}

/// Whole-word occurrences of `term` in `hay` (both lowercased), in the singular or with an
/// English plural's `s` or `es`.
fn occurrences(hay: &str, term: &str) -> usize {
    [term.to_string(), format!("{term}s"), format!("{term}es")]
        .iter()
        .map(|form| {
            let mut n = 0;
            let mut from = 0;
            while let Some(i) = find_word(hay, form, from) {
                n += 1;
                from = i + form.len();
            }
            n
        })
        .sum()
}

/// Whether an offered translation can be one: a short phrase, no placeholder, one line.
fn plausible(source: &str, target: &str) -> bool {
    let len = target.chars().count();
    !target.is_empty()
        && len <= 4 * source.chars().count() + 16
        && !target.contains(['\n', '[', ']', '{', '}'])
}

#[cfg(test)]
mod tests {
    use folio_doc::SegmentId;

    use super::*;

    fn seg(id: u32, text: &str, role: Role) -> Segment {
        Segment {
            id: SegmentId(id),
            block: None,
            text: text.into(),
            role,
        }
    }

    #[test]
    fn stop_words_are_sorted() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn candidates_are_frequent_technical_and_heading_terms() {
        let texts = [
            ("Typesetting Mathematics", Role::Heading),
            (
                "In math mode, LaTeX sets formulas. Math mode is entered with a dollar.",
                Role::Body,
            ),
            (
                "The [1]math mode[/1] of LaTeX differs from text mode; see the table of contents.",
                Role::Body,
            ),
            (
                "Leave math mode before the end of the line, as in TeX.",
                Role::Body,
            ),
            (
                "Mathematics is hard. The table of contents lists it. Use UTF-8.",
                Role::Body,
            ),
            (
                "The table of contents is made by LaTeX from the mathematics chapter.",
                Role::Body,
            ),
            ("The table of contents is long.", Role::Body),
            ("The table of contents is long.", Role::Body),
            (
                "Files are read as UTF-8 by Unicode engines, and Unicode is everywhere.",
                Role::Body,
            ),
            (
                "Your first document is short. The first document is short.",
                Role::Body,
            ),
        ];
        let segments: Vec<Segment> = texts
            .iter()
            .enumerate()
            .map(|(i, (t, r))| seg(i as u32, t, *r))
            .collect();
        let found = candidate_terms(&segments);
        // Not: "text mode" (once), "first document" (a stop-word first), "Typesetting" (in no
        // other text), "Mathematics" and "Files" (capitalised only to start a sentence).
        assert_eq!(
            found,
            [
                "math mode",
                "table of contents",
                "LaTeX",
                "mathematics",
                "Unicode",
                "UTF-8",
            ],
            "{found:?}"
        );
        // Deterministic.
        assert_eq!(candidate_terms(&segments), found);
    }

    #[test]
    fn the_book_asks_then_carries() {
        let texts = ["In Math mode, LaTeX sets formulas."];
        let later = ["Leave math mode; LaTeX and TeX agree."];
        let book = TermBook::new(
            vec!["math mode".into(), "LaTeX".into(), "TeX".into()],
            &[texts[0], later[0], "TeX, LaTeX"],
        );
        let first = book.for_batch(&texts);
        assert!(first.known.is_empty());
        assert_eq!(first.ask, ["math mode", "LaTeX"]);
        let offered = [
            Term {
                source: "Math Mode".into(),
                target: "modo matemático".into(),
                note: None,
            },
            // Not borne out by the translation: not learnt.
            Term {
                source: "LaTeX".into(),
                target: "LaTeχ".into(),
                note: None,
            },
            // Not asked: not learnt.
            Term {
                source: "TeX".into(),
                target: "TeX".into(),
                note: None,
            },
        ];
        let pairs = [(texts[0], "En modo matemático, LaTeX compone fórmulas.")];
        // Asked and not yet answered: no other batch asks for them meanwhile.
        assert!(book.for_batch(&texts).ask.is_empty());
        assert_eq!(book.learn(&first.ask, &offered, &pairs), 1);
        book.release(&first.ask);
        let second = book.for_batch(&later);
        assert_eq!(second.known.len(), 1);
        assert_eq!(second.known[0].target, "modo matemático");
        assert_eq!(second.ask, ["LaTeX", "TeX"]);
        // A later, different offer does not replace the first.
        let other = [Term {
            source: "math mode".into(),
            target: "modo de fórmulas".into(),
            note: None,
        }];
        let pairs = [("math mode", "modo de fórmulas")];
        assert_eq!(book.learn(&["math mode".into()], &other, &pairs), 0);
        assert_eq!(
            book.learnt(),
            Learnt(vec![("math mode".into(), "modo matemático".into())])
        );
        let again = TermBook::new(vec!["LaTeX".into(), "math mode".into()], &texts);
        again.restore(&book.learnt());
        assert_eq!(again.for_batch(&["math mode"]).known.len(), 1);
    }

    #[test]
    fn other_source_words_left_in_a_translation_are_not_learnt() {
        let text = "The FAA proposes to change the horizontal stabilizer wiring.";
        let book = TermBook::new(vec!["FAA".into(), "AD".into()], &[text, "FAA, AD"]);
        let ask = book.for_batch(&[text]).ask;
        let offered = [Term {
            source: "FAA".into(),
            target: "horizontal stabilizer".into(),
            note: None,
        }];
        // The model left the other words in English: the offer is in the translation.
        let pairs = [(
            text,
            "A FAA propõe mudar a fiação do horizontal stabilizer.",
        )];
        assert_eq!(book.learn(&ask, &offered, &pairs), 0);
        // A name kept as it is, is learnt.
        let kept = [Term {
            source: "FAA".into(),
            target: "FAA".into(),
            note: None,
        }];
        assert_eq!(book.learn(&ask, &kept, &pairs), 1);
    }
}
