//! The `openai` engine against a fake OpenAI-compatible server speaking the real wire format,
//! with faults injected on demand.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use folio_doc::{Outcome, Role};
use folio_translate::{
    EngineLimits, Glossary, LangPair, OpenAi, OpenAiOptions, Price, RetryPolicy, TranslateOptions,
    TranslateOutput, estimate, estimate_tokens, translate_segments_blocking,
};
use support::fake_openai::{FakeOpenAi, Fault};
use support::{document, nothing_lost, seg};

fn engine(server: &FakeOpenAi, limits: EngineLimits) -> OpenAi {
    OpenAi::new(
        LangPair::new("en", "es").unwrap(),
        OpenAiOptions {
            base_url: server.base_url(),
            model: "fake-model".into(),
            api_key: Some(FakeOpenAi::KEY.into()),
            limits,
            ..Default::default()
        },
    )
    .unwrap()
}

fn options() -> TranslateOptions {
    TranslateOptions {
        retry: RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_secs(5),
        },
        timeout: Some(Duration::from_millis(1500)),
        title: Some("Rivers and Fields".into()),
        ..Default::default()
    }
}

fn run(
    engine: &OpenAi,
    segments: &[folio_doc::Segment],
    options: &TranslateOptions,
) -> TranslateOutput {
    translate_segments_blocking(engine, segments, options, &mut |_| {}).unwrap()
}

/// Source tokens of the distinct texts sent (what per-paragraph translation would send too).
fn source_tokens(segments: &[folio_doc::Segment]) -> u64 {
    let mut seen = std::collections::HashSet::new();
    segments
        .iter()
        .filter(|s| seen.insert(s.text.clone()))
        .map(|s| estimate_tokens(&s.text) as u64)
        .sum()
}

#[test]
fn a_clean_run_is_cheap_per_source_token() {
    let server = FakeOpenAi::start();
    let engine = engine(&server, OpenAiOptions::default().limits);
    let segments = document(400);
    let dry = estimate(&engine, &segments, &options());
    let out = run(&engine, &segments, &options());
    // The dry run counted what was then sent.
    assert_eq!(server.requests() as u64, dry.requests);
    assert_eq!(out.stats.prompt_tokens, dry.prompt_tokens);
    assert_eq!(dry.sent + dry.reused + dry.kept, segments.len());
    let price = Price {
        prompt_per_million: 0.15,
        completion_per_million: 0.60,
    };
    println!("dry run: {dry:?}, cost ${:.4}", dry.cost(price));
    assert_eq!(nothing_lost(&segments, &out), 0);
    let source = source_tokens(&segments);
    let per_token = out.stats.prompt_tokens as f64 / source as f64;
    let per_segment = out.stats.requests as f64 / segments.len() as f64;
    // What BabelDOC-style batching (≤ 200 tokens and ≤ 5 paragraphs a request) would send.
    let small_batches = {
        let (mut n, mut tokens, mut count) = (0, 0, 0);
        let mut seen = std::collections::HashSet::new();
        for s in segments.iter().filter(|s| seen.insert(s.text.clone())) {
            let t = estimate_tokens(&s.text);
            if count == 0 || tokens + t > 200 || count == 5 {
                n += 1;
                tokens = 0;
                count = 0;
            }
            tokens += t;
            count += 1;
        }
        n
    };
    println!(
        "clean run: {} segments, {} requests ({per_segment:.3} per segment; per-paragraph: {}, \
         ≤200-token/5-paragraph batches: {small_batches}), {} prompt tokens for {source} \
         source tokens = {per_token:.3} per source token, {} completion tokens",
        segments.len(),
        out.stats.requests,
        segments.len(),
        out.stats.prompt_tokens,
        out.stats.completion_tokens,
    );
    assert_eq!(out.stats.requests as usize, server.requests());
    assert!(per_token <= 1.3, "{per_token}");
    assert!(
        out.stats.requests * 3 <= small_batches,
        "{} vs {small_batches}",
        out.stats.requests
    );
    assert_eq!(out.stats.retries, 0);
    assert_eq!(out.stats.fallbacks, 0);
    // The running header went once.
    assert!(out.stats.cache_hits >= 19);
    // Context reached the prompt.
    let seen = server.seen();
    assert!(
        seen[0].system.contains("Document: \"Rivers and Fields\""),
        "{}",
        seen[0].system
    );
    assert!(seen.iter().any(|s| s.system.contains("Section: \"Chapter")));
}

#[test]
fn every_fault_ends_translated_or_failed_with_a_reason() {
    let server = FakeOpenAi::start();
    let limits = EngineLimits {
        max_batch_tokens: 600,
        max_batch_segments: 8,
        // One at a time: the queued faults then meet the requests in a known order.
        max_concurrency: 1,
    };
    let engine = engine(&server, limits);
    let mut segments = document(120);
    // Segments the server always gets wrong.
    segments[41].text = "STUCK this sentence is always left in the source language.".into();
    segments[52].text = "DROPS the [1]placeholder[/1] of this one is always dropped.".into();
    segments[63].text = "TWICE the [1]placeholder[/1] of this one is always doubled.".into();
    server.stick("STUCK", Fault::Untranslated);
    server.stick("DROPS", Fault::DropPlaceholder);
    server.stick("TWICE", Fault::DuplicatePlaceholder);
    server.push([
        Fault::RateLimit(1),
        Fault::ServerError,
        Fault::Slow(Duration::from_secs(3)),
        Fault::Truncated,
        Fault::DropItem,
        Fault::DropPlaceholder,
        Fault::DuplicatePlaceholder,
        Fault::Untranslated,
        Fault::Fenced,
    ]);
    let start = Instant::now();
    let out = run(&engine, &segments, &options());
    let elapsed = start.elapsed();
    let failed = nothing_lost(&segments, &out);
    let reasons: Vec<(usize, &str)> = out
        .translations
        .iter()
        .enumerate()
        .filter_map(|(i, t)| match &t.outcome {
            Outcome::Failed(r) => Some((i, r.as_str())),
            _ => None,
        })
        .collect();
    println!(
        "faults: {} requests for {} segments, {} retries, {} fallbacks, {} failed in {:?}: {reasons:?}",
        out.stats.requests,
        segments.len(),
        out.stats.retries,
        out.stats.fallbacks,
        failed,
        elapsed
    );
    assert_eq!(
        reasons,
        [
            (41, "the translation was left in the source language"),
            (52, "placeholder [1] missing from the translation"),
            (
                63,
                "placeholder [1] occurs more than once in the translation"
            ),
        ]
    );
    // 429, 500 and the slow reply are retried.
    assert!(out.stats.retries >= 3, "{:?}", out.stats);
    // Truncated, short, and invalid items are resent in smaller pieces.
    assert!(out.stats.fallbacks >= 5, "{:?}", out.stats);
    // Retry-After: 1 was honoured.
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert_eq!(out.stats.requests as usize, server.requests());
}

#[test]
fn a_bad_key_fails_every_segment_with_the_reason() {
    let server = FakeOpenAi::start();
    let engine = OpenAi::new(
        LangPair::new("en", "es").unwrap(),
        OpenAiOptions {
            base_url: server.base_url(),
            api_key: Some("wrong".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let segments = document(6);
    let out = run(&engine, &segments, &options());
    assert_eq!(out.stats.retries, 0);
    // One request: halving the batch would only be refused again.
    assert_eq!(out.stats.requests, 1);
    assert_eq!(out.stats.fallbacks, 0);
    for t in &out.translations {
        assert_eq!(
            t.outcome,
            Outcome::Failed(
                "engine rejected the request: HTTP 401: Incorrect API key provided (is the API key set?)"
                    .into()
            )
        );
    }
}

#[test]
fn a_server_that_is_down_is_retried_then_reported() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let engine = OpenAi::new(
        LangPair::new("en", "es").unwrap(),
        OpenAiOptions {
            base_url: format!("http://127.0.0.1:{port}/v1"),
            ..Default::default()
        },
    )
    .unwrap();
    let segments = [seg(0, "Hello there, world", Role::Body)];
    let out = run(&engine, &segments, &options());
    assert_eq!(out.stats.retries, 3);
    let Outcome::Failed(reason) = &out.translations[0].outcome else {
        panic!("{:?}", out.translations[0]);
    };
    assert!(
        reason.starts_with("engine unavailable: cannot connect to http://127.0.0.1:"),
        "{reason}"
    );
}

#[test]
fn glossary_rows_of_the_batch_go_into_the_prompt() {
    let server = FakeOpenAi::start();
    let glossary =
        Glossary::from_csv("source,target\nwater,agua\nmills,molinos\nsubmarine,submarino\n")
            .unwrap();
    let engine = OpenAi::new(
        LangPair::new("en", "es").unwrap(),
        OpenAiOptions {
            base_url: server.base_url(),
            api_key: Some(FakeOpenAi::KEY.into()),
            glossary: Some(Arc::new(glossary)),
            ..Default::default()
        },
    )
    .unwrap();
    let segments = document(30);
    let out = run(&engine, &segments, &options());
    assert_eq!(nothing_lost(&segments, &out), 0);
    let system = &server.seen()[0].system;
    assert!(system.contains("water = agua"), "{system}");
    assert!(!system.contains("submarino"), "{system}");
}
