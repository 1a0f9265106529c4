//! The driver's tests: a test engine that upper-cases, fails on cue and keeps time.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use folio_doc::BlockId;

use std::sync::Arc;
use std::time::Duration;

use folio_doc::{KeepReason, Outcome, Role, Segment, SegmentId};

use super::*;
use crate::engine::{Batch, BoxFuture, Engine};
use crate::{
    Cache, EngineInfo, EngineLimits, Identity, LangPair, MemoryCache, Pseudo, Reply, ReplyItem,
    placeholders,
};

fn seg(id: u32, text: &str) -> Segment {
    Segment {
        id: SegmentId(id),
        block: Some(BlockId { page: 0, index: id }),
        text: text.into(),
        role: Role::Body,
    }
}

fn pair() -> LangPair {
    LangPair::new("en", "pt").unwrap()
}

fn quick() -> TranslateOptions {
    TranslateOptions {
        retry: RetryPolicy::none(),
        ..Default::default()
    }
}

#[track_caller]
fn run(engine: &dyn Engine, segments: &[Segment], options: &TranslateOptions) -> TranslateOutput {
    let out = translate_segments_blocking(engine, segments, options, &mut |_| {}).unwrap();
    assert_eq!(
        out.translations.len(),
        segments.len(),
        "one translation per segment"
    );
    for (t, s) in out.translations.iter().zip(segments) {
        assert_eq!(t.id, s.id, "same order as the input");
    }
    out
}

/// A test engine: upper-cases text outside placeholders, counts calls and segments sent,
/// and fails as its `fail` function says.
struct TestEngine {
    info: EngineInfo,
    calls: AtomicU64,
    sent: Mutex<Vec<String>>,
    fail: fn(&[Segment], u64) -> Option<Error>,
}

impl TestEngine {
    fn new(fail: fn(&[Segment], u64) -> Option<Error>) -> Self {
        let info = EngineInfo {
            name: "test".into(),
            model: "upper".into(),
            pair: pair(),
            prompt_version: 1,
            limits: EngineLimits {
                max_batch_tokens: 1000,
                max_batch_segments: 100,
                max_concurrency: 4,
            },
        };
        Self {
            info,
            calls: AtomicU64::new(0),
            sent: Mutex::default(),
            fail,
        }
    }

    fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }
}

fn upper(text: &str) -> String {
    placeholders::parse(text)
        .into_iter()
        .map(|p| match p {
            placeholders::Piece::Text(t) => t.to_uppercase(),
            p => p.to_string(),
        })
        .collect()
}

impl Engine for TestEngine {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn translate<'a>(&'a self, batch: Batch<'a>) -> BoxFuture<'a, Result<Reply>> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        self.sent
            .lock()
            .unwrap()
            .extend(batch.segments.iter().map(|s| s.text.clone()));
        let result = match (self.fail)(batch.segments, call) {
            Some(e) => Err(e),
            None => Ok(Reply {
                items: batch
                    .segments
                    .iter()
                    .map(|s| ReplyItem::ok(s.id, upper(&s.text)))
                    .collect(),
                ..Default::default()
            }),
        };
        Box::pin(async move { result })
    }
}

fn never(_: &[Segment], _: u64) -> Option<Error> {
    None
}

fn document() -> Vec<Segment> {
    vec![
        seg(0, "Chapter [1]one[/1]"),
        seg(1, "The quick brown fox."),
        seg(2, "Page header"),
        seg(3, "Jumps over the [1]lazy[/1] dog [2]."),
        seg(4, "Page header"),
        seg(5, "Page  header"),
        seg(6, "The end"),
        seg(7, "Page header"),
    ]
}

#[test]
fn identity_returns_the_text_unchanged() {
    let segments = document();
    let out = run(&Identity::new(pair()), &segments, &quick());
    for (t, s) in out.translations.iter().zip(&segments) {
        assert_eq!(t.outcome, Outcome::Translated(s.text.clone()));
    }
    assert_eq!(out.stats.name, "identity");
    assert!(out.stats.prompt_tokens > 0);
}

#[test]
fn pseudo_translates_every_segment_validly() {
    let segments = document();
    let out = run(&Pseudo::new(pair()), &segments, &quick());
    for (t, s) in out.translations.iter().zip(&segments) {
        let Outcome::Translated(text) = &t.outcome else {
            panic!("{t:?}")
        };
        assert_ne!(text, &s.text);
        assert_eq!(placeholders::validate(&s.text, text), Ok(()));
    }
}

#[test]
fn duplicates_are_sent_once() {
    let engine = TestEngine::new(never);
    let segments = document();
    let out = run(&engine, &segments, &quick());
    assert_eq!(engine.calls(), 1);
    assert_eq!(out.stats.requests, 1);
    let sent = engine.sent.lock().unwrap().clone();
    // "Page header" three times goes out once; "Page  header" differs (identity must
    // give back each text exactly).
    assert_eq!(sent.iter().filter(|t| t.starts_with("Page")).count(), 2);
    assert_eq!(sent.len(), 6);
    assert_eq!(out.stats.cache_hits, 2);
    for i in [2, 4, 7] {
        assert_eq!(
            out.translations[i].outcome,
            Outcome::Translated("PAGE HEADER".into())
        );
    }
}

#[test]
fn second_run_is_answered_from_the_cache() {
    let cache = Arc::new(MemoryCache::default());
    let options = TranslateOptions {
        cache: Some(cache.clone()),
        ..quick()
    };
    let segments = document();
    let first = run(&TestEngine::new(never), &segments, &options);
    let engine = TestEngine::new(never);
    let second = run(&engine, &segments, &options);
    assert_eq!(engine.calls(), 0);
    assert_eq!(second.stats.requests, 0);
    assert_eq!(second.stats.cache_hits, segments.len() as u64);
    // "Page  header" shares the key of "Page header", stored first.
    assert_eq!(
        first.translations[5].outcome,
        Outcome::Translated("PAGE  HEADER".into())
    );
    assert_eq!(
        second.translations[5].outcome,
        Outcome::Translated("PAGE HEADER".into())
    );
    for i in [0, 1, 2, 3, 4, 6, 7] {
        assert_eq!(first.translations[i], second.translations[i]);
    }
    // Another model must not reuse them.
    let mut other = TestEngine::new(never);
    other.info.model = "lower".into();
    run(&other, &segments, &options);
    assert_eq!(other.calls(), 1);
}

#[test]
fn a_dry_run_counts_what_a_real_run_sends() {
    // A cache entry that lost its placeholder is not used: the text is sent again, and the
    // estimate (which once counted any entry as reused) says so too.
    let cache = Arc::new(MemoryCache::default());
    let engine = TestEngine::new(never);
    let options = TranslateOptions {
        cache: Some(cache.clone()),
        ..quick()
    };
    let segments = document();
    let key = |text: &str| crate::CacheKey::new(engine.info(), "", text);
    cache
        .put_many(&[
            (key("The quick brown fox."), "THE QUICK BROWN FOX.".into()),
            (key("Chapter [1]one[/1]"), "CHAPTER ONE".into()),
        ])
        .unwrap();
    let dry = estimate(&engine, &segments, &options);
    let out = run(&engine, &segments, &options);
    assert_eq!(dry.sent, engine.sent.lock().unwrap().len());
    assert_eq!(dry.requests, out.stats.requests);
    assert_eq!(dry.reused as u64, out.stats.cache_hits);
    assert_eq!(dry.sent, 5);
    assert_eq!(
        out.translations[0].outcome,
        Outcome::Translated("CHAPTER [1]ONE[/1]".into())
    );
}

#[test]
fn batches_respect_the_budget_in_document_order() {
    let engine = TestEngine::new(never);
    let segments: Vec<Segment> = (0..10)
        .map(|i| seg(i, &format!("segment number {i} of ten")))
        .collect();
    let options = TranslateOptions {
        max_batch_segments: Some(3),
        ..quick()
    };
    let out = run(&engine, &segments, &options);
    assert_eq!(engine.calls(), 4);
    let sent = engine.sent.lock().unwrap().clone();
    let texts: Vec<String> = segments.iter().map(|s| s.text.clone()).collect();
    assert_eq!(sent, texts);
    // 7 tokens each: a budget of 15 holds two.
    let engine = TestEngine::new(never);
    let options = TranslateOptions {
        max_batch_tokens: Some(15),
        ..quick()
    };
    run(&engine, &segments, &options);
    assert_eq!(engine.calls(), 5);
    assert!(
        out.translations
            .iter()
            .all(|t| matches!(t.outcome, Outcome::Translated(_)))
    );
}

#[test]
fn failing_batches_are_split_until_all_translate() {
    fn multi(batch: &[Segment], _: u64) -> Option<Error> {
        (batch.len() > 1).then(|| Error::BadReply("wrong item count".into()))
    }
    let engine = TestEngine::new(multi);
    let segments: Vec<Segment> = (0..5).map(|i| seg(i, &format!("text {i}"))).collect();
    let out = run(&engine, &segments, &quick());
    for (t, s) in out.translations.iter().zip(&segments) {
        assert_eq!(t.outcome, Outcome::Translated(upper(&s.text)));
    }
    // 5 → 2+3 → 1+1, 1+2 → 1+1: 4 splits, 9 calls.
    assert_eq!(out.stats.fallbacks, 4);
    assert_eq!(out.stats.requests, 9);
    assert_eq!(engine.calls(), 9);
}

#[test]
fn an_engine_that_always_fails_loses_nothing() {
    fn always(_: &[Segment], _: u64) -> Option<Error> {
        Some(Error::Rejected("invalid api key".into()))
    }
    let segments = document();
    let out = run(&TestEngine::new(always), &segments, &quick());
    for t in &out.translations {
        assert_eq!(
            t.outcome,
            Outcome::Failed("engine rejected the request: invalid api key".into())
        );
    }
    assert_eq!(out.stats.cache_hits, 0);
}

/// A test engine answering each text rewritten by its function (a reply that loses
/// placeholders, say), counting its calls.
struct Rewriter(TestEngine, fn(&str) -> String);

impl Engine for Rewriter {
    fn info(&self) -> &EngineInfo {
        &self.0.info
    }
    fn translate<'a>(&'a self, batch: Batch<'a>) -> BoxFuture<'a, Result<Reply>> {
        self.0.calls.fetch_add(1, Ordering::SeqCst);
        let items = batch
            .segments
            .iter()
            .map(|s| ReplyItem::ok(s.id, (self.1)(&s.text)))
            .collect();
        Box::pin(std::future::ready(Ok(Reply {
            items,
            ..Default::default()
        })))
    }
}

#[test]
fn invalid_items_are_resent_alone_and_fail_with_the_reason() {
    // Drops the end of span 1 whenever it sees it.
    let engine = Rewriter(TestEngine::new(never), |text| {
        upper(text).replace("[/1]", "")
    });
    let segments = document();
    let out = run(&engine, &segments, &quick());
    assert_eq!(
        out.translations[3].outcome,
        Outcome::Failed("placeholder [/1] missing from the translation".into())
    );
    assert_eq!(
        out.translations[0].outcome,
        Outcome::Failed("placeholder [/1] missing from the translation".into())
    );
    let translated = out
        .translations
        .iter()
        .filter(|t| matches!(t.outcome, Outcome::Translated(_)))
        .count();
    assert_eq!(translated, segments.len() - 2);
    // The batch, then the bad items together, then each alone.
    assert_eq!(engine.0.calls(), 4);
    assert_eq!(out.stats.items_placed, 0);
}

#[test]
fn a_kept_item_lost_on_the_last_try_goes_back_at_its_place() {
    // Drops kept item `[2]` whenever it sees it: alone, an engine that takes no correction
    // has had its last try, and the item goes back where it stood.
    let engine = Rewriter(TestEngine::new(never), |text| {
        upper(text).replace(" [2]", "")
    });
    let segments = document();
    let out = run(&engine, &segments, &quick());
    assert_eq!(
        out.translations[3].outcome,
        Outcome::Translated("JUMPS OVER THE [1]LAZY[/1] DOG [2].".into())
    );
    assert_eq!(out.stats.items_placed, 1);
    assert_eq!(engine.0.calls(), 2);
}

#[test]
fn spans_dropped_around_kept_words_are_put_back_without_a_request() {
    // Drops every span's markers and keeps its words: `[1]5[/1]` comes back `5`.
    let engine = Rewriter(TestEngine::new(never), |text| {
        upper(&placeholders::strip(text))
    });
    let segments = [
        seg(0, "the alert,[1]5[/1] may affect landing"),
        seg(1, "see [1]5[/1] and [2]5[/2]"),
    ];
    let out = run(&engine, &segments, &quick());
    assert_eq!(
        out.translations[0].outcome,
        Outcome::Translated("THE ALERT,[1]5[/1] MAY AFFECT LANDING".into())
    );
    // Twice the same words: which one was marked is unknown, so the segment fails.
    assert!(matches!(out.translations[1].outcome, Outcome::Failed(_)));
    // The batch, then the second segment alone; the first was never sent again.
    assert_eq!(engine.0.calls(), 2);
}

#[test]
fn passing_failures_are_retried() {
    fn flaky(_: &[Segment], call: u64) -> Option<Error> {
        (call < 2).then_some(Error::RateLimited {
            retry_after: Some(Duration::from_millis(1)),
        })
    }
    let engine = TestEngine::new(flaky);
    let options = TranslateOptions {
        retry: RetryPolicy {
            max_retries: 3,
            ..RetryPolicy::default()
        },
        ..quick()
    };
    let out = run(&engine, &document(), &options);
    assert!(
        out.translations
            .iter()
            .all(|t| matches!(t.outcome, Outcome::Translated(_)))
    );
    assert_eq!(out.stats.retries, 2);
    assert_eq!(out.stats.requests, 3);
    assert_eq!(out.stats.fallbacks, 0);
}

#[test]
fn slow_calls_time_out() {
    struct Slow(EngineInfo);
    impl Engine for Slow {
        fn info(&self) -> &EngineInfo {
            &self.0
        }
        fn translate<'a>(&'a self, _: Batch<'a>) -> BoxFuture<'a, Result<Reply>> {
            Box::pin(async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                Ok(Reply::default())
            })
        }
    }
    let engine = Slow(TestEngine::new(never).info);
    let options = TranslateOptions {
        timeout: Some(Duration::from_millis(10)),
        ..quick()
    };
    let out = run(&engine, &[seg(0, "hello")], &options);
    assert_eq!(
        out.translations[0].outcome,
        Outcome::Failed("engine did not answer within 10 ms".into())
    );
    // The engine's trouble, counted apart from the text's (a worker puts the document back).
    assert_eq!(out.stats.unavailable, 1);
}

// Issue 12: the driver's 120 s capped the openai engine's longer `timeout_secs`.
#[test]
fn engines_keeping_their_own_time_are_not_cut() {
    struct Patient(EngineInfo);
    impl Engine for Patient {
        fn info(&self) -> &EngineInfo {
            &self.0
        }
        fn translate<'a>(&'a self, batch: Batch<'a>) -> BoxFuture<'a, Result<Reply>> {
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                let items = batch
                    .segments
                    .iter()
                    .map(|s| ReplyItem::ok(s.id, s.text.to_uppercase()))
                    .collect();
                Ok(Reply {
                    items,
                    ..Default::default()
                })
            })
        }
        fn enforces_timeout(&self) -> bool {
            true
        }
    }
    let engine = Patient(TestEngine::new(never).info);
    let options = TranslateOptions {
        timeout: Some(Duration::from_millis(10)),
        ..quick()
    };
    let out = run(&engine, &[seg(0, "hello")], &options);
    assert_eq!(
        out.translations[0].outcome,
        Outcome::Translated("HELLO".into())
    );
    assert_eq!(out.stats.retries, 0);
}

#[test]
fn text_without_letters_is_kept() {
    let engine = TestEngine::new(never);
    let segments = [
        seg(0, "12.5 %"),
        seg(1, "[1]"),
        seg(2, " — • "),
        seg(3, "Words"),
    ];
    let out = run(&engine, &segments, &quick());
    let outcomes: Vec<_> = out.translations.iter().map(|t| t.outcome.clone()).collect();
    assert_eq!(
        outcomes,
        [
            Outcome::Kept(KeepReason::Number),
            Outcome::Kept(KeepReason::Empty),
            Outcome::Kept(KeepReason::Symbols),
            Outcome::Translated("WORDS".into()),
        ]
    );
    assert_eq!(engine.sent.lock().unwrap().len(), 1);
}

#[test]
fn progress_reaches_the_total() {
    let engine = TestEngine::new(never);
    let segments: Vec<Segment> = (0..6).map(|i| seg(i, &format!("text {i}"))).collect();
    let options = TranslateOptions {
        max_batch_segments: Some(2),
        ..quick()
    };
    let mut seen = Vec::new();
    translate_segments_blocking(&engine, &segments, &options, &mut |p| seen.push(p)).unwrap();
    let done: Vec<usize> = seen.iter().map(|p| p.done).collect();
    assert_eq!(done, [0, 2, 4, 6]);
    assert!(seen.iter().all(|p| p.total == 6));
}

#[test]
fn validation_checks_emptiness_and_length() {
    let v = Validation::default();
    assert_eq!(v.check("Hello [1]", "[1]"), Err(Error::EmptyTranslation));
    let long = "a sentence of a reasonable length for the ratio check";
    assert!(matches!(
        v.check(long, "curta"),
        Err(Error::LengthRatio { .. })
    ));
    assert_eq!(v.check("OK", "Está bem, então"), Ok(()));
    // A caption may not come back as a paragraph.
    let paragraph = "Entre em contato com a nossa equipe de atendimento ".repeat(4);
    assert!(matches!(
        v.check("Contact us", &paragraph),
        Err(Error::LengthRatio { .. })
    ));
}

// Issue 12: headings and captions came back unchanged and passed.
#[test]
fn unchanged_prose_fails_unchanged_names_and_code_pass() {
    let v = Validation::default();
    let pair = LangPair::new("en", "pt").unwrap();
    let fails = |text: &str| v.check_language(&pair, text, text).is_err();
    assert!(fails("Water in the valley"));
    assert!(fails("The report describes how water flows"));
    // Names, acronyms, code: Bergamot rightly keeps these in the Debian maintainer's guide.
    for kept in [
        "Alice Smith",
        "NASA",
        "package.init and package.default",
        "Including orig.tar.gz for upload",
    ] {
        assert!(!fails(kept), "{kept}");
    }
    // Off: nothing is checked.
    let off = Validation {
        language: false,
        ..v
    };
    let text = "Water in the valley";
    assert_eq!(off.check_language(&pair, text, text), Ok(()));
}

// Issue 12: a reply inventing text (with a new phone number) passed.
#[test]
fn numbers_the_source_lacks_fail_reformatted_ones_pass() {
    let v = Validation::default();
    assert_eq!(
        v.check("Call us today", "Ligue para 555-0199 hoje"),
        Err(Error::AddedText("555".into()))
    );
    for (src, out) in [
        ("It cost $1,000.50 in 2019", "Custou US$ 1.000,50 em 2019"),
        ("12345 people", "12 345 pessoas"),
        ("Chapter 3", "Capítulo 3"),
        ("three apples", "3 maçãs"),
    ] {
        assert_eq!(v.check(src, out), Ok(()), "{src} → {out}");
    }
}

#[test]
fn text_left_in_the_source_language_is_recognized() {
    let src = "The [1]quick[/1] brown fox jumps over the lazy dog";
    assert!(left_in_source_language(src, src));
    assert!(left_in_source_language(
        src,
        "The quick brown fox jumps over the lazy perro"
    ));
    assert!(!left_in_source_language(
        src,
        "El [1]rápido[/1] zorro marrón salta sobre el perro perezoso"
    ));
    // Names and short labels survive translation rightly.
    assert!(!left_in_source_language(
        "John Smith, Mary Jones",
        "John Smith, Mary Jones"
    ));
    assert!(!left_in_source_language("See the API", "See the API"));
    assert!(!left_in_source_language(
        "The API uses JSON and HTTP",
        "La API usa JSON y HTTP"
    ));
}

#[test]
fn backoff_grows_and_honours_retry_after() {
    let policy = RetryPolicy::default();
    let d1 = policy.delay(1, None, 7);
    let d3 = policy.delay(3, None, 7);
    assert!(
        d1 >= Duration::from_millis(250) && d1 <= Duration::from_millis(500),
        "{d1:?}"
    );
    assert!(
        d3 >= Duration::from_millis(1000) && d3 <= Duration::from_millis(2000),
        "{d3:?}"
    );
    assert!(policy.delay(30, None, 7) <= policy.max_delay);
}

#[test]
fn retry_after_is_the_floor_of_a_jittered_delay() {
    let policy = RetryPolicy::default();
    let after = Some(Duration::from_secs(2));
    let delays: Vec<Duration> = (0..8).map(|seed| policy.delay(1, after, seed)).collect();
    for d in &delays {
        assert!(
            *d >= Duration::from_secs(2) && *d <= Duration::from_millis(2250),
            "{d:?}"
        );
    }
    // Batches told to wait alike come back at different times, the same on every run.
    assert!(delays.iter().any(|d| *d != delays[0]), "{delays:?}");
    assert_eq!(
        delays,
        (0..8)
            .map(|seed| policy.delay(1, after, seed))
            .collect::<Vec<_>>()
    );
    // A Retry-After past the cap is capped, never lowered below the cap by jitter.
    assert_eq!(
        policy.delay(1, Some(Duration::from_secs(600)), 7),
        policy.max_delay
    );
}

#[test]
fn a_refused_batch_fails_whole_without_splitting() {
    fn refuse(_: &[Segment], _: u64) -> Option<Error> {
        Some(Error::Rejected("HTTP 401: bad key".into()))
    }
    let engine = TestEngine::new(refuse);
    let segments: Vec<Segment> = (0..16).map(|i| seg(i, &format!("text {i}"))).collect();
    let out = run(&engine, &segments, &quick());
    assert_eq!(engine.calls(), 1);
    assert_eq!(out.stats.requests, 1);
    assert_eq!(out.stats.fallbacks, 0);
    assert_eq!(
        out.stats.unavailable, 0,
        "a refusal is not the engine being down"
    );
    for t in &out.translations {
        assert_eq!(
            t.outcome,
            Outcome::Failed("engine rejected the request: HTTP 401: bad key".into())
        );
    }
    // A reply unusable as a whole is still worth smaller requests.
    fn garbled(batch: &[Segment], _: u64) -> Option<Error> {
        (batch.len() > 4).then(|| Error::BadReply("truncated".into()))
    }
    let out = run(&TestEngine::new(garbled), &segments, &quick());
    assert!(out.stats.fallbacks > 0);
    assert!(
        out.translations
            .iter()
            .all(|t| matches!(t.outcome, Outcome::Translated(_)))
    );
}

/// Records when (in Tokio's time) each call came, and what it carried.
struct Clocked {
    info: EngineInfo,
    calls: Mutex<Vec<(tokio::time::Instant, usize)>>,
    /// Calls answered 429 with this Retry-After before the first success.
    rate_limited: Mutex<u32>,
}

impl Clocked {
    fn new(max_batch_segments: usize, concurrency: usize, rate_limited: u32) -> Self {
        let mut info = TestEngine::new(never).info;
        info.limits.max_batch_segments = max_batch_segments;
        info.limits.max_concurrency = concurrency;
        Self {
            info,
            calls: Mutex::default(),
            rate_limited: Mutex::new(rate_limited),
        }
    }

    /// Seconds since `start` of each call.
    fn times(&self, start: tokio::time::Instant) -> Vec<f64> {
        let calls = self.calls.lock().unwrap();
        calls
            .iter()
            .map(|(t, _)| (t.duration_since(start).as_secs_f64() * 1000.0).round() / 1000.0)
            .collect()
    }
}

impl Engine for Clocked {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn translate<'a>(&'a self, batch: Batch<'a>) -> BoxFuture<'a, Result<Reply>> {
        self.calls
            .lock()
            .unwrap()
            .push((tokio::time::Instant::now(), batch.segments.len()));
        let mut left = self.rate_limited.lock().unwrap();
        if *left > 0 {
            *left -= 1;
            return Box::pin(std::future::ready(Err(Error::RateLimited {
                retry_after: Some(Duration::from_secs(3)),
            })));
        }
        let items = batch
            .segments
            .iter()
            .map(|s| ReplyItem::ok(s.id, upper(&s.text)))
            .collect();
        Box::pin(async move {
            // Each call takes a second of (paused) time.
            tokio::time::sleep(Duration::from_secs(1)).await;
            Ok(Reply {
                items,
                ..Default::default()
            })
        })
    }
}

fn words(n: u32) -> Vec<Segment> {
    // 40 characters: 10 tokens each.
    (0..n)
        .map(|i| seg(i, &format!("segment {i:04} of a document, translated")))
        .collect()
}

async fn run_async(
    engine: &dyn Engine,
    segments: &[Segment],
    options: &TranslateOptions,
) -> TranslateOutput {
    let out = translate_segments(engine, segments, options, &mut |_| {}).await;
    assert!(
        out.translations
            .iter()
            .all(|t| matches!(t.outcome, Outcome::Translated(_))),
        "{:?}",
        out.translations
    );
    out
}

#[tokio::test(start_paused = true)]
async fn requests_per_minute_space_the_calls() {
    // 7 batches of one, 4 at a time, 3 a minute.
    let engine = Clocked::new(1, 4, 0);
    let options = TranslateOptions {
        rpm: Some(3),
        ..quick()
    };
    let start = tokio::time::Instant::now();
    let out = run_async(&engine, &words(7), &options).await;
    assert_eq!(out.stats.requests, 7);
    assert_eq!(
        engine.times(start),
        [0.0, 0.0, 0.0, 60.0, 60.0, 60.0, 120.0]
    );
    // Unlimited, the same run takes two rounds of one second.
    let engine = Clocked::new(1, 4, 0);
    let start = tokio::time::Instant::now();
    run_async(&engine, &words(7), &quick()).await;
    assert_eq!(engine.times(start), [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
}

#[tokio::test(start_paused = true)]
async fn a_shared_limiter_counts_the_calls_of_every_run() {
    // Two runs of 3 batches each, 4 requests a minute between them: the second run's calls
    // wait for the first run's to leave the window, as if they were one run.
    let limiter = Arc::new(crate::RateLimiter::new(Some(4), None));
    let options = TranslateOptions {
        limiter: Some(limiter),
        ..quick()
    };
    let start = tokio::time::Instant::now();
    let first = Clocked::new(1, 4, 0);
    run_async(&first, &words(3), &options).await;
    let second = Clocked::new(1, 4, 0);
    run_async(&second, &words(3), &options).await;
    assert_eq!(first.times(start), [0.0, 0.0, 0.0]);
    assert_eq!(second.times(start), [1.0, 60.0, 60.0]);
}

#[tokio::test(start_paused = true)]
async fn a_429_pauses_every_run_sharing_the_limiter() {
    // No limits, only the pause: the first run's call is told "429, retry after 3 s" at 0 s;
    // the second run, starting at 0.5 s with three calls of 1 s each, would call at 0.5, 1.5
    // and 2.5 s on its own, and instead waits for the pause to end with the first run.
    let options = TranslateOptions {
        limiter: Some(Arc::new(crate::RateLimiter::new(None, None))),
        retry: RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(30),
        },
        ..quick()
    };
    let start = tokio::time::Instant::now();
    let told = Clocked::new(100, 1, 1);
    let other = Clocked::new(1, 1, 0);
    let second = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        run_async(&other, &words(3), &options).await
    };
    let one = words(1);
    let (first, _) = tokio::join!(run_async(&told, &one, &options), second);
    assert_eq!(first.stats.retries, 1);
    let told = told.times(start);
    let other = other.times(start);
    // Retry-After is the floor; jitter adds at most half a step (50 ms).
    assert!((3.0..=3.05).contains(&told[1]), "{told:?}");
    assert!(other[0] >= 3.0 && other[0] <= told[1], "{other:?} {told:?}");
    assert!((other[1] - other[0] - 1.0).abs() < 1e-6, "{other:?}");

    // Not shared, the second run does not wait.
    let own = TranslateOptions {
        limiter: None,
        ..options.clone()
    };
    let start = tokio::time::Instant::now();
    let told = Clocked::new(100, 1, 1);
    let other = Clocked::new(1, 1, 0);
    let second = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        run_async(&other, &words(3), &own).await
    };
    tokio::join!(run_async(&told, &one, &own), second);
    assert_eq!(other.times(start), [0.5, 1.5, 2.5]);
}

#[tokio::test(start_paused = true)]
async fn tokens_per_minute_space_the_calls() {
    // Batches of two segments: 20 source tokens, estimated 40 with the reply. 100 a
    // minute hold two batches.
    let engine = Clocked::new(2, 4, 0);
    let options = TranslateOptions {
        tpm: Some(100),
        ..quick()
    };
    let start = tokio::time::Instant::now();
    run_async(&engine, &words(10), &options).await;
    assert_eq!(engine.times(start), [0.0, 0.0, 60.0, 60.0, 120.0]);
    // Over any 60 s window: at most 100 tokens.
    let calls = engine.calls.lock().unwrap().clone();
    for (t, _) in &calls {
        let tokens: usize = calls
            .iter()
            .filter(|(u, _)| *u >= *t && u.duration_since(*t) < Duration::from_secs(60))
            .map(|(_, n)| n * 20)
            .sum();
        assert!(tokens <= 100, "{tokens}");
    }
}

#[tokio::test(start_paused = true)]
async fn retries_count_against_the_limit_and_wait_for_retry_after() {
    // Two 429s with Retry-After: 3 s, one batch at a time, 2 requests a minute.
    let engine = Clocked::new(100, 1, 2);
    let options = TranslateOptions {
        rpm: Some(2),
        retry: RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(30),
        },
        ..quick()
    };
    let start = tokio::time::Instant::now();
    let out = run_async(&engine, &words(3), &options).await;
    assert_eq!(out.stats.retries, 2);
    let times = engine.times(start);
    assert_eq!(times.len(), 3);
    assert_eq!(times[0], 0.0);
    // Retry-After is the floor; jitter adds at most half a step (50 ms).
    assert!((3.0..=3.05).contains(&times[1]), "{times:?}");
    // The third request waits for the first to leave the window.
    assert_eq!(times[2], 60.0);
}

#[test]
fn blocking_refuses_to_nest_in_a_runtime() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let engine = Identity::new(pair());
    let result =
        rt.block_on(async { translate_segments_blocking(&engine, &[], &quick(), &mut |_| {}) });
    assert!(matches!(result, Err(Error::Runtime(_))));
}

#[test]
fn engines_are_object_safe_and_the_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let engine: Arc<dyn Engine> = Arc::new(Identity::new(pair()));
    let segments = [seg(0, "hi")];
    let options = quick();
    let mut events = |_: TranslateProgress| {};
    let fut = translate_segments(&*engine, &segments, &options, &mut events);
    assert_send(&fut);
    let boxed: Box<dyn Engine> = crate::builtin("pseudo", pair()).unwrap();
    assert_eq!(boxed.info().name, "pseudo");
    assert!(crate::builtin("nope", pair()).is_err());
}
