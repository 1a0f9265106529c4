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
            // The engine keeps its own time: the driver's `timeout` does not apply to it.
            timeout: Duration::from_millis(1500),
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
    // The dry run counted what was then sent: the requests exactly; the prompt tokens within
    // 1%, since batches in flight together each ask for a term new to both where the dry run
    // has the later one carry it.
    assert_eq!(server.requests() as u64, dry.requests);
    let off = out.stats.prompt_tokens.abs_diff(dry.prompt_tokens);
    assert!(
        off * 100 <= dry.prompt_tokens,
        "{} vs {}",
        out.stats.prompt_tokens,
        dry.prompt_tokens
    );
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
    // 429 and 500 are retried; the slow reply timed out, and since batches follow the
    // server's speed it was not sent again whole but in two halves.
    assert!(out.stats.retries >= 2, "{:?}", out.stats);
    assert_eq!(out.stats.timeouts, 1, "{:?}", out.stats);
    assert!(out.stats.splits >= 1, "{:?}", out.stats);
    // Missing and invalid items were sent again, and counted.
    assert!(out.stats.resent >= 3, "{:?}", out.stats);
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
    // Several batches' worth: the first refused, none of the others is sent.
    let segments = document(120);
    let out = run(&engine, &segments, &options());
    assert_eq!(out.stats.retries, 0);
    // One request: halving the batch, or sending the next, would only be refused again.
    assert_eq!(out.stats.requests, 1);
    assert_eq!(out.stats.fallbacks, 0);
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("segments were not sent: the engine refused a whole batch")),
        "{:?}",
        out.warnings
    );
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

/// An engine for `server` with the default limits, changed by `change`.
fn engine_with(server: &FakeOpenAi, change: impl FnOnce(&mut OpenAiOptions)) -> OpenAi {
    engine_into(server, "es", change)
}

/// [`engine_with`] from English into `to`.
fn engine_into(server: &FakeOpenAi, to: &str, change: impl FnOnce(&mut OpenAiOptions)) -> OpenAi {
    let mut options = OpenAiOptions {
        base_url: server.base_url(),
        model: "fake-model".into(),
        api_key: Some(FakeOpenAi::KEY.into()),
        timeout: Duration::from_millis(1500),
        ..Default::default()
    };
    change(&mut options);
    OpenAi::new(LangPair::new("en", to).unwrap(), options).unwrap()
}

/// Items sent in all requests seen.
fn items_sent(server: &FakeOpenAi) -> usize {
    server.seen().iter().map(|s| s.items).sum()
}

// Issue 12: a reply lacking its opening `[` was rejected, the parser taking the `[` of a `[1]`
// marker for the array.
#[test]
fn a_reply_without_its_opening_bracket_is_used() {
    for (structured, stream) in [(false, false), (true, true)] {
        let server = FakeOpenAi::start();
        let engine = engine_with(&server, |o| {
            o.structured_output = structured;
            o.stream = stream;
        });
        // The first segment has a marker, so the bare reply starts `{"id":0,"text":"…[1]…`.
        let mut segments = document(8);
        segments[0].text = "The [1]river[/1] flows through the valley every spring.".into();
        server.push([Fault::NoOpeningBracket]);
        let out = run(&engine, &segments, &options());
        assert_eq!(nothing_lost(&segments, &out), 0);
        assert_eq!(out.stats.fallbacks, 0, "{:?}", out.stats);
        // No item sent twice: the reply was used as it came.
        assert_eq!(items_sent(&server), segments.len());
    }
}

#[test]
fn every_request_caps_its_reply_and_a_runaway_stops_there() {
    let server = FakeOpenAi::start();
    let engine = engine_with(&server, |o| o.limits.max_concurrency = 1);
    let segments = document(40);
    server.push([Fault::Runaway]);
    let out = run(&engine, &segments, &options());
    assert_eq!(nothing_lost(&segments, &out), 0);
    let seen = server.seen();
    for s in &seen {
        let cap = s.max_tokens.expect("every request sets max_tokens");
        // Room for the reply, but not the server's own cap.
        assert!(cap > s.completion_tokens || s == &seen[0], "{s:?}");
        assert!(cap < 4 * s.prompt_tokens, "{s:?}");
    }
    // The runaway reply ended at its cap, and its complete items were kept: none sent twice.
    assert_eq!(Some(seen[0].completion_tokens), seen[0].max_tokens);
    let distinct: std::collections::HashSet<&str> =
        segments.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(items_sent(&server), distinct.len(), "{seen:?}");
    assert_eq!(out.stats.retries, 0);
}

// Issue 12: `timeout_secs` could not raise the timeout above the driver's 120 s.
#[test]
fn the_engine_timeout_is_the_configured_one() {
    let server = FakeOpenAi::start();
    server.set_latency(Duration::from_millis(1200));
    let config = folio_translate::Config::from_toml(&format!(
        "[openai]\nbase_url = \"{}\"\ntimeout_secs = 5\n",
        server.base_url()
    ))
    .unwrap();
    let mut openai = config.openai_options();
    openai.api_key = Some(FakeOpenAi::KEY.into());
    assert_eq!(openai.timeout, Duration::from_secs(5));
    let engine = OpenAi::new(LangPair::new("en", "es").unwrap(), openai).unwrap();
    let segments = document(6);
    // A driver limit below the server's latency: the engine's own limit wins.
    let options = TranslateOptions {
        timeout: Some(Duration::from_millis(300)),
        ..options()
    };
    let out = run(&engine, &segments, &options);
    assert_eq!(nothing_lost(&segments, &out), 0);
    assert_eq!(out.stats.retries, 0, "{:?}", out.stats);
    assert_eq!(out.stats.timeouts, 0, "{:?}", out.stats);
    assert_eq!(items_sent(&server), segments.len());
}

// Issue 12: the tokens of rejected replies were not counted in the report.
#[test]
fn tokens_of_unusable_replies_are_counted() {
    for stream in [false, true] {
        let server = FakeOpenAi::start();
        let engine = engine_with(&server, |o| o.stream = stream);
        let segments = document(8);
        server.push([Fault::Garbage]);
        let out = run(&engine, &segments, &options());
        assert_eq!(nothing_lost(&segments, &out), 0);
        let seen = server.seen();
        assert!(seen.len() >= 3, "{seen:?}");
        assert!(seen[0].completion_tokens > 0);
        let prompt: u64 = seen.iter().map(|s| s.prompt_tokens).sum();
        let completion: u64 = seen.iter().map(|s| s.completion_tokens).sum();
        assert_eq!(out.stats.prompt_tokens, prompt);
        assert_eq!(out.stats.completion_tokens, completion);
    }
}

#[test]
fn structured_output_is_asked_for_and_its_shape_read() {
    let server = FakeOpenAi::start();
    let engine = engine_with(&server, |o| o.stream = false);
    let segments = document(40);
    let out = run(&engine, &segments, &options());
    assert_eq!(nothing_lost(&segments, &out), 0);
    assert!(server.seen().iter().all(|s| s.structured && !s.stream));
    assert_eq!(out.stats.fallbacks, 0);
}

#[test]
fn a_server_refusing_structured_output_gets_the_plain_prompt_after_one_refusal() {
    let server = FakeOpenAi::start();
    server.reject_schema();
    // Several batches at once: still only the first request is refused.
    let engine = engine_with(&server, |o| o.limits.max_batch_segments = 4);
    let segments = document(40);
    let out = run(&engine, &segments, &options());
    assert_eq!(nothing_lost(&segments, &out), 0);
    let seen = server.seen();
    assert_eq!(seen.iter().filter(|s| s.structured).count(), 1);
    assert!(seen[0].structured && seen.len() > 5);
    assert_eq!(out.stats.retries, 0);
}

#[test]
fn a_server_refusing_to_stream_answers_whole_after_one_refusal() {
    let server = FakeOpenAi::start();
    server.reject_stream();
    server.reject_schema();
    let engine = engine_with(&server, |o| o.limits.max_batch_segments = 4);
    let segments = document(40);
    let out = run(&engine, &segments, &options());
    assert_eq!(nothing_lost(&segments, &out), 0);
    let seen = server.seen();
    // Refused for the schema, then for the stream, then never again.
    assert_eq!(seen.iter().filter(|s| s.structured).count(), 1);
    assert_eq!(seen.iter().filter(|s| s.stream).count(), 2);
    assert_eq!(out.stats.retries, 0);
}

#[test]
fn a_streamed_reply_may_outlast_the_timeout_while_it_keeps_coming() {
    let server = FakeOpenAi::start();
    // Each pause is shorter than the timeout; the whole reply is not.
    let engine = engine_with(&server, |o| o.timeout = Duration::from_millis(400));
    let segments = document(8);
    server.push([Fault::Stall(Duration::from_millis(300))]);
    server.set_latency(Duration::from_millis(300));
    let out = run(&engine, &segments, &options());
    assert_eq!(nothing_lost(&segments, &out), 0);
    assert_eq!(out.stats.timeouts, 0, "{:?}", out.stats);
    assert_eq!(items_sent(&server), segments.len());
    assert!(server.seen()[0].stream);
}

#[test]
fn a_stalled_stream_keeps_its_items_and_resends_only_the_rest() {
    let server = FakeOpenAi::start();
    let engine = engine_with(&server, |o| o.timeout = Duration::from_millis(500));
    let segments = document(8);
    server.push([Fault::Stall(Duration::from_secs(20))]);
    let start = Instant::now();
    let out = run(&engine, &segments, &options());
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(nothing_lost(&segments, &out), 0);
    // The probe, cut; the rest of it; the rest of the document.
    let seen = server.seen();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(
        seen[1].items > 0 && seen[1].items < seen[0].items,
        "{seen:?}"
    );
    assert_eq!(out.stats.retries, 0);
}

#[test]
fn a_stream_cut_half_way_keeps_its_items_and_resends_only_the_rest() {
    let server = FakeOpenAi::start();
    let engine = engine_with(&server, |_| {});
    let segments = document(8);
    server.push([Fault::Cut]);
    let out = run(&engine, &segments, &options());
    assert_eq!(nothing_lost(&segments, &out), 0);
    // The probe, cut; the rest of it; the rest of the document.
    let seen = server.seen();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(
        seen[1].items > 0 && seen[1].items < seen[0].items,
        "{seen:?}"
    );
    // What the cut reply brought still counts.
    assert!(out.stats.completion_tokens > seen[1].completion_tokens);
}

// Issue 12: the cache was written only at the end, so a run killed at 25 minutes kept none of
// its 13 paid requests.
#[tokio::test]
async fn a_run_stopped_half_way_keeps_what_it_paid_for() {
    let server = FakeOpenAi::start();
    // About 14 batches one after another, 300 ms each: stopped at 1.5 s, some are answered.
    server.set_latency(Duration::from_millis(300));
    let engine = engine_with(&server, |o| {
        o.limits.max_batch_segments = 4;
        o.limits.max_concurrency = 1;
    });
    let segments = document(60);
    let cache = Arc::new(folio_translate::MemoryCache::default());
    let options = TranslateOptions {
        cache: Some(cache.clone()),
        ..options()
    };
    let to_send = estimate(&engine, &segments, &options).sent;
    // The run is stopped (its future dropped, as a killed process stops) part way through.
    let first = tokio::time::timeout(
        Duration::from_millis(1500),
        folio_translate::translate_segments(&engine, &segments, &options, &mut |_| {}),
    )
    .await;
    assert!(first.is_err(), "the first run should not have finished");
    // What is left to send (the cache also holds the terms learnt so far).
    let left = estimate(&engine, &segments, &options).sent;
    assert!(left > 0 && left < to_send, "{left} of {to_send}");

    let before = items_sent(&server);
    let out = folio_translate::translate_segments(&engine, &segments, &options, &mut |_| {}).await;
    assert_eq!(nothing_lost(&segments, &out), 0);
    assert_eq!(items_sent(&server) - before, left);
}

/// The lshort book's segments, as the pipeline makes them (read, layout, segments), or `None`
/// when the corpus is missing.
fn lshort() -> Option<Vec<folio_doc::Segment>> {
    let path = folio_test_support::corpus_file("book-lshort-en-153p-links.pdf")?;
    let bytes = std::fs::read(&path).expect("the corpus file is readable");
    let doc = folio_pdf::read(Arc::new(bytes), &folio_pdf::ReadOptions::default())
        .expect("the corpus file reads");
    let blocks = folio_layout::layout_document(&doc, &folio_layout::LayoutSettings::default());
    Some(folio_layout::segments(&blocks))
}

/// Terms of lshort a translator would keep one way, as a reader would pick them (not from
/// `candidate_terms`), each with the translations the fake server chooses among.
const LSHORT_TERMS: &[&str] = &[
    "LaTeX",
    "TeX",
    "math mode",
    "table of contents",
    "document class",
    "Unicode",
    "PostScript",
    "BibTeX",
    "environment",
    "package",
    "font",
    "preamble",
    "footnote",
    "cross-references",
    "subscript",
];

/// How often each repeated term of `table` came out the same way: per term, the share of its
/// occurrences in the translations that use its most used translation; and over all.
fn consistency(
    segments: &[folio_doc::Segment],
    out: &TranslateOutput,
    table: &[(String, Vec<String>)],
) -> (f64, Vec<(String, usize, f64)>) {
    let mut per_term = Vec::new();
    let (mut modal_total, mut total) = (0, 0);
    for (term, variants) in table {
        let mut counts = vec![0usize; variants.len()];
        for (s, t) in segments.iter().zip(&out.translations) {
            let Outcome::Translated(text) = &t.outcome else {
                continue;
            };
            if !contains_word(&s.text.to_lowercase(), &term.to_lowercase()) {
                continue;
            }
            for (k, v) in variants.iter().enumerate() {
                counts[k] += text.matches(v.as_str()).count();
            }
        }
        let n: usize = counts.iter().sum();
        if n < 2 {
            continue;
        }
        let modal = counts.iter().copied().max().unwrap_or(0);
        modal_total += modal;
        total += n;
        per_term.push((term.clone(), n, modal as f64 / n as f64));
    }
    (modal_total as f64 / total.max(1) as f64, per_term)
}

fn contains_word(hay: &str, needle: &str) -> bool {
    hay.match_indices(needle).any(|(i, _)| {
        let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
        !word(hay[..i].chars().next_back()) && !word(hay[i + needle.len()..].chars().next())
    })
}

// Issue 12: one term, one translation, with no request of its own.
#[test]
fn terms_are_translated_one_way_through_lshort() {
    let Some(segments) = lshort() else {
        return;
    };
    let start = Instant::now();
    let candidates = folio_translate::candidate_terms(&segments);
    let found_in = start.elapsed();
    println!(
        "lshort: {} segments, {} candidate terms found in {found_in:?}: {:?}",
        segments.len(),
        candidates.len(),
        &candidates[..candidates.len().min(60)]
    );
    // Three translations per term, none a substring of another.
    let table: Vec<(String, Vec<String>)> = LSHORT_TERMS
        .iter()
        .map(|t| {
            let base = folio_translate::pseudolocalize(t, 1.0);
            (
                t.to_string(),
                (1..=3).map(|k| format!("{base}~{k}")).collect(),
            )
        })
        .collect();
    let source = source_tokens(&segments);
    let mut figures = Vec::new();
    for learn_terms in [false, true] {
        let server = FakeOpenAi::start();
        let refs: Vec<(&str, Vec<&str>)> = table
            .iter()
            .map(|(t, v)| (t.as_str(), v.iter().map(String::as_str).collect()))
            .collect();
        let refs: Vec<(&str, &[&str])> = refs.iter().map(|(t, v)| (*t, v.as_slice())).collect();
        server.set_terms(&refs);
        // The default limits: 4 batches in flight after the first; 50 ms a reply, to show
        // what waiting for terms asked by a batch in flight costs in time.
        server.set_latency(Duration::from_millis(50));
        let engine = engine_with(&server, |_| {});
        let mut options = TranslateOptions {
            learn_terms,
            ..options()
        };
        // The fake server's answers are pseudo-localized English, in no language a language
        // identifier knows: what is measured here is the terms.
        options.validation.language = false;
        let started = Instant::now();
        let out = run(&engine, &segments, &options);
        let elapsed = started.elapsed();
        assert_eq!(nothing_lost(&segments, &out), 0);
        let (overall, per_term) = consistency(&segments, &out, &table);
        let per_source = out.stats.prompt_tokens as f64 / source as f64;
        println!(
            "carry-over {}: {:.1}% of repeated term occurrences translated one way; {} requests \
             in {elapsed:.2?}, \
             {} prompt tokens for {source} source tokens = {per_source:.3} per source token, {} \
             completion tokens; {} terms learnt, {} rows carried; per term: {:?}",
            if learn_terms { "on" } else { "off" },
            overall * 100.0,
            out.stats.requests,
            out.stats.prompt_tokens,
            out.stats.completion_tokens,
            out.stats.terms_learnt,
            out.stats.terms_carried,
            per_term
                .iter()
                .map(|(t, n, c)| format!("{t} {n}× {:.0}%", c * 100.0))
                .collect::<Vec<_>>(),
        );
        figures.push((overall, per_term, per_source, out.stats.clone()));
    }
    let (off, on) = (&figures[0], &figures[1]);
    // Without the carry-over the fake server's choice varies: the test can fail.
    assert!(off.0 < 0.6, "{}", off.0);
    // Issue 12 asks for 95% within 1.3 prompt tokens per source token: 96.8% at 1.226 (the
    // texts sent by id, the term lines within 12% of the source tokens).
    assert!(on.0 >= 0.95, "{}", on.0);
    assert!(on.2 <= 1.3, "{}", on.2);
    // No extra request.
    assert_eq!(on.3.requests, off.3.requests);
    assert!(
        on.3.terms_learnt > 0 && on.3.terms_carried > 0,
        "{:?}",
        on.3
    );
}

// A run stopped half way keeps the terms it learnt: the next run of the document carries them
// from its first request, so the whole document agrees.
#[tokio::test]
async fn learnt_terms_survive_a_run_stopped_half_way() {
    let server = FakeOpenAi::start();
    server.set_latency(Duration::from_millis(300));
    server.set_terms(&[(
        "Flux Capacitor",
        &["Çåþåçíŧóŕ-A", "Çåþåçíŧóŕ-B", "Çåþåçíŧóŕ-C"],
    )]);
    let engine = engine_with(&server, |o| {
        o.limits.max_batch_segments = 4;
        o.limits.max_concurrency = 1;
    });
    let segments: Vec<folio_doc::Segment> = (0..40)
        .map(|i| {
            seg(
                i,
                &format!("Unit {i} keeps the Flux Capacitor of the time machine charged."),
                Role::Body,
            )
        })
        .collect();
    assert_eq!(
        folio_translate::candidate_terms(&segments)
            .first()
            .map(String::as_str),
        Some("Flux Capacitor")
    );
    let cache = Arc::new(folio_translate::MemoryCache::default());
    let options = TranslateOptions {
        cache: Some(cache.clone()),
        ..options()
    };
    let first = tokio::time::timeout(
        Duration::from_millis(1500),
        folio_translate::translate_segments(&engine, &segments, &options, &mut |_| {}),
    )
    .await;
    assert!(first.is_err(), "the first run should not have finished");
    let before = server.requests();
    let learnt = server.seen()[1].rows.clone();
    assert!(!learnt.is_empty(), "{:?}", server.seen()[1]);

    let out = folio_translate::translate_segments(&engine, &segments, &options, &mut |_| {}).await;
    assert_eq!(nothing_lost(&segments, &out), 0);
    // The second run asked for nothing it knew, and carried what the first learnt.
    let resumed = &server.seen()[before];
    assert!(resumed.asked.is_empty(), "{resumed:?}");
    assert_eq!(resumed.rows, learnt);
    let (_, target) = learnt
        .iter()
        .find(|(s, _)| s == "Flux Capacitor")
        .expect("the term was learnt");
    for t in &out.translations {
        let Outcome::Translated(text) = &t.outcome else {
            panic!("{t:?}");
        };
        assert!(text.contains(target.as_str()), "{text}");
    }
}

/// `n` distinct segments of 80 characters (20 estimated tokens) each.
fn even_segments(n: u32) -> Vec<folio_doc::Segment> {
    (0..n)
        .map(|i| {
            let mut text = format!("Item {i:03}: water flows through small rivers into the sea");
            while text.len() < 80 {
                text.push_str(" and fields");
            }
            text.truncate(80);
            seg(i, &text, Role::Body)
        })
        .collect()
}

/// Batches sized to last 600 ms, of at most 16 segments of [`even_segments`] (20 tokens each).
fn paced(o: &mut OpenAiOptions, concurrency: usize) {
    o.batch_target = Some(Duration::from_millis(600));
    o.limits = EngineLimits {
        max_batch_tokens: 16 * 20,
        max_batch_segments: 16,
        max_concurrency: concurrency,
    };
}

// Issue 12: batches of a fixed size timed out on a slow server and were sent again whole.
#[test]
fn batches_shrink_after_timeouts_and_grow_back_when_replies_are_fast() {
    let server = FakeOpenAi::start();
    // Fast for the probe, then busy (150 ms an item) for six requests, then fast again.
    server.set_item_time(Duration::from_millis(150));
    server.slow_for(1..7);
    let engine = engine_with(&server, |o| {
        // Whole replies: a slow one times out (a stream would keep coming).
        o.stream = false;
        o.timeout = Duration::from_millis(1000);
        paced(o, 1);
    });
    let segments = even_segments(160);
    let dry = estimate(&engine, &segments, &options());
    let out = run(&engine, &segments, &options());
    assert_eq!(nothing_lost(&segments, &out), 0);
    let sizes: Vec<usize> = server.seen().iter().map(|s| s.items).collect();
    println!("batch sizes seen: {sizes:?}; {:?}", out.stats);
    // The probe (an eighth of the largest budget), then the largest: what the estimate
    // assumes (the probe and 10 batches, the last one short).
    assert_eq!(&sizes[..2], [2, 16], "{sizes:?}");
    assert_eq!(dry.requests, 11);
    // The server got busy: 16 items (2.4 s) and 8 (1.2 s) time out, and are halved, never
    // sent again whole.
    assert_eq!(&sizes[..4], [2, 16, 8, 4], "{sizes:?}");
    assert!(out.stats.timeouts >= 2, "{:?}", out.stats);
    assert_eq!(out.stats.splits, out.stats.timeouts, "{:?}", out.stats);
    assert_eq!(out.stats.retries, 0, "{:?}", out.stats);
    // No batch that timed out was sent again at its size while the server stayed busy.
    assert!(sizes[2..7].iter().all(|&n| n < 16), "{sizes:?}");
    // Fast again: the size doubles back to the maximum, step by step.
    let fast = &sizes[7..];
    let first_full = fast.iter().position(|&n| n == 16).expect("grew back to 16");
    assert!(first_full >= 1, "{sizes:?}");
    assert!(
        fast[..first_full].iter().any(|&n| n > 4 && n < 16),
        "{sizes:?}"
    );
    assert!(
        fast[first_full..fast.len() - 1].iter().all(|&n| n == 16),
        "{sizes:?}"
    );
    assert_eq!(out.stats.last_batch_tokens, Some(16 * 20));
    assert_eq!(out.stats.requests as usize, sizes.len());
}

// Issue 12: on a slow server the first batch, at the largest budget, streamed for a quarter
// of an hour before the sizer learnt anything.
#[test]
fn a_slow_server_is_probed_first_and_no_batch_outlasts_the_target() {
    let server = FakeOpenAi::start();
    // 50 ms an item of about 20 tokens: 12 items fit the 600 ms target, 16 do not.
    server.set_item_time(Duration::from_millis(50));
    let engine = engine_with(&server, |o| paced(o, 2));
    let segments = even_segments(60);
    let out = run(&engine, &segments, &options());
    assert_eq!(nothing_lost(&segments, &out), 0);
    let sizes: Vec<usize> = server.seen().iter().map(|s| s.items).collect();
    println!("batch sizes seen: {sizes:?}; {:?}", out.stats);
    // The probe, an eighth of the largest budget, then batches the speed allows.
    assert_eq!(sizes[0], 2, "{sizes:?}");
    assert!(sizes.iter().all(|&n| n <= 13), "{sizes:?}");
    assert!(sizes[1] >= 8, "{sizes:?}");
    assert_eq!(out.stats.timeouts, 0, "{:?}", out.stats);

    // The engine's next document starts from the speed measured: no probe.
    let before = server.requests();
    let more = even_segments(80)[60..].to_vec();
    let dry = estimate(&engine, &more, &options());
    let out = run(&engine, &more, &options());
    assert_eq!(nothing_lost(&more, &out), 0);
    let sizes: Vec<usize> = server.seen()[before..].iter().map(|s| s.items).collect();
    assert!(sizes[0] >= 8 && sizes[0] <= 13, "{sizes:?}");
    // The dry run knows there is no probe: 20 items in batches of the largest budget, 16.
    assert_eq!(dry.requests, 2);
}

// Issue 12: with four requests in flight and a one-slot server, the queued ones were cut
// after seconds of actual generation.
#[test]
fn requests_queued_by_a_one_slot_server_are_not_cut() {
    let server = FakeOpenAi::start();
    server.set_slots(1);
    // 8 items take 480 ms to generate, streamed token by token.
    server.set_item_time(Duration::from_millis(60));
    let timeout = Duration::from_millis(500);
    let engine = engine_with(&server, |o| {
        o.timeout = timeout;
        o.batch_target = None;
        o.limits = EngineLimits {
            max_batch_tokens: 100_000,
            max_batch_segments: 8,
            max_concurrency: 4,
        };
    });
    let segments = even_segments(48);
    let out = run(&engine, &segments, &options());
    let seen = server.seen();
    let longest_wait = seen.iter().map(|s| s.queued).max().unwrap();
    println!(
        "{} requests, longest wait in the queue {longest_wait:?} (timeout {timeout:?}); {:?}",
        seen.len(),
        out.stats
    );
    assert_eq!(server.most_served_at_once(), 1);
    // Requests did wait in the queue for longer than the timeout...
    assert!(longest_wait > timeout * 2, "{longest_wait:?}");
    // ...and none was cut for it.
    assert_eq!(out.stats.timeouts, 0, "{:?}", out.stats);
    assert_eq!(out.stats.retries, 0, "{:?}", out.stats);
    assert_eq!(nothing_lost(&segments, &out), 0);
    assert_eq!(seen.len(), 6);
}

/// Requests whose items include one containing `marker`.
fn requests_with(server: &FakeOpenAi, marker: &str) -> usize {
    server
        .seen()
        .iter()
        .filter(|s| s.texts.iter().any(|t| t.contains(marker)))
        .count()
}

/// Each segment's failure reason, if it failed.
fn reasons(out: &TranslateOutput) -> Vec<Option<&str>> {
    out.translations
        .iter()
        .map(|t| match &t.outcome {
            Outcome::Failed(r) => Some(r.as_str()),
            _ => None,
        })
        .collect()
}

// Issue 12: replies were checked for English only with four or more lowercase words.
#[test]
fn replies_in_the_wrong_language_are_retried_alone_then_sampled_then_failed() {
    let server = FakeOpenAi::start();
    let engine = engine(&server, OpenAiOptions::default().limits);
    let segments = [
        seg(
            0,
            "The report describes how water flows through small rivers.",
            Role::Body,
        ),
        seg(
            1,
            "ENGLISH farmers need water for their fields during long summers.",
            Role::Body,
        ),
        seg(
            2,
            "GERMAN old mills once stood beside quiet bridges along the banks.",
            Role::Body,
        ),
        seg(
            3,
            "Cities grow along the banks where old mills once stood.",
            Role::Body,
        ),
        seg(
            4,
            "COPIED the bridges are quiet in the long summers of the valley.",
            Role::Body,
        ),
    ];
    // Still English, in other words (so not the source's); German instead of Spanish; copied
    // until sampled.
    server.stick("COPIED", Fault::UnchangedUntilSampled);
    server.stick(
        "ENGLISH",
        Fault::Answer("Farmers want a lot of water for the crops in the hot months.".into()),
    );
    server.stick(
        "GERMAN",
        Fault::Answer(
            "Alte Mühlen standen einst neben stillen Brücken am Ufer des Flusses.".into(),
        ),
    );
    let out = run(&engine, &segments, &options());
    assert_eq!(
        reasons(&out),
        [
            None,
            Some("the translation was left in the source language"),
            Some("the translation is in German, not Spanish"),
            None,
            None,
        ]
    );
    // Sent in the batch, then alone, then alone and sampled.
    for marker in ["ENGLISH", "GERMAN", "COPIED"] {
        assert_eq!(requests_with(&server, marker), 3, "{marker}");
    }
    assert_eq!(out.stats.resent, 6, "{:?}", out.stats);
    assert_eq!(server.requests(), 7);
    // The tries alone show the target language first (a worked example), instead of
    // repeating the request that failed; the batch did not. Only the last try is sampled.
    let seen = server.seen();
    let alone: Vec<_> = seen.iter().filter(|s| s.items == 1).collect();
    assert_eq!(alone.len(), 6);
    assert!(alone.iter().all(|s| s.demonstrated), "{seen:?}");
    assert_eq!(seen.iter().filter(|s| s.sampled).count(), 3, "{seen:?}");
    assert!(
        seen.iter()
            .filter(|s| s.items > 1)
            .all(|s| !s.demonstrated && !s.sampled)
    );
}

#[test]
fn a_reply_broken_for_a_lone_segment_gets_a_last_sampled_try() {
    let server = FakeOpenAi::start();
    let engine = engine(&server, OpenAiOptions::default().limits);
    let segments = [seg(
        0,
        "For further information contact the office.",
        Role::Body,
    )];
    server.stick("office", Fault::BrokenUntilSampled);
    let out = run(&engine, &segments, &options());
    assert_eq!(reasons(&out), [None]);
    let sampled: Vec<bool> = server.seen().iter().map(|s| s.sampled).collect();
    assert_eq!(
        sampled,
        [false, true],
        "{:?} {:?}",
        out.stats,
        out.translations
    );
    assert_eq!(out.stats.resent, 1, "{:?}", out.stats);
}

#[test]
fn a_heading_left_unchanged_fails_a_name_kept_passes() {
    let server = FakeOpenAi::start();
    let engine = engine(&server, OpenAiOptions::default().limits);
    let segments = [
        seg(0, "Water in the valley", Role::Heading),
        seg(1, "Alice Smith", Role::Body),
        seg(2, "NASA and ESA", Role::Body),
        seg(
            3,
            "The report describes how water flows through small rivers.",
            Role::Body,
        ),
    ];
    for unchanged in ["Water in the valley", "Alice Smith", "NASA"] {
        server.stick(unchanged, Fault::Unchanged);
    }
    let out = run(&engine, &segments, &options());
    assert_eq!(
        reasons(&out),
        [
            Some("the translation was left in the source language"),
            None,
            None,
            None
        ]
    );
    assert_eq!(
        out.translations[1].outcome,
        Outcome::Translated("Alice Smith".into())
    );
    // In its batch, alone, alone sampled.
    assert_eq!(requests_with(&server, "Water in the valley"), 3);
}

#[test]
fn a_reply_inventing_text_fails() {
    let server = FakeOpenAi::start();
    let engine = engine(&server, OpenAiOptions::default().limits);
    let segments = [
        seg(0, "Contact us", Role::Heading),
        seg(
            1,
            "The report describes how water flows through small rivers.",
            Role::Body,
        ),
    ];
    server.stick(
        "Contact us",
        Fault::Answer("Contáctenos al 555-0199".into()),
    );
    let out = run(&engine, &segments, &options());
    assert_eq!(
        reasons(&out),
        [
            Some("the translation adds \"555\", which is not in the source"),
            None
        ]
    );
}

// Issue 12: the progress bar stayed at 0 until whole batches finished.
#[test]
fn progress_moves_per_item_of_a_streamed_reply() {
    let server = FakeOpenAi::start();
    // One batch of 8 items, 100 ms each.
    server.set_item_time(Duration::from_millis(100));
    let engine = engine_with(&server, |o| {
        o.batch_target = None;
    });
    let segments = even_segments(8);
    let mut events: Vec<(Instant, usize)> = Vec::new();
    let out = translate_segments_blocking(&engine, &segments, &options(), &mut |p| {
        events.push((Instant::now(), p.done));
    })
    .unwrap();
    assert_eq!(nothing_lost(&segments, &out), 0);
    assert_eq!(server.requests(), 1);
    let done: Vec<usize> = events.iter().map(|e| e.1).collect();
    println!("progress: {done:?}");
    assert!(done.windows(2).all(|w| w[0] <= w[1]), "{done:?}");
    assert_eq!(done.last(), Some(&8));
    // Items counted as they arrived, before the reply ended.
    let between: Vec<&(Instant, usize)> = events.iter().filter(|e| e.1 > 0 && e.1 < 8).collect();
    assert!(between.len() >= 6, "{done:?}");
    let end = events.last().unwrap().0;
    assert!(end - between[0].0 >= Duration::from_millis(300), "{done:?}");
}

#[test]
fn a_refused_reply_is_sent_again_alone_told_why() {
    let server = FakeOpenAi::start();
    let engine = engine(&server, OpenAiOptions::default().limits);
    let segments = [
        seg(
            0,
            "Rivers carry [1]fresh water[/1] to the valley.",
            Role::Body,
        ),
        seg(
            1,
            "TOLD the [1]old mill[/1] stood by the [2]bridge[/2] for years.",
            Role::Body,
        ),
        seg(2, "Farmers need water for their fields.", Role::Body),
        seg(3, "STUBBORN the [1]marker[/1] is always lost.", Role::Body),
        seg(
            4,
            "CUT and the Ethiopian Civil Aviation Authority (ECAA).",
            Role::Body,
        ),
    ];
    server.stick("TOLD", Fault::DropPlaceholderUntilTold);
    server.stick("STUBBORN", Fault::DropPlaceholder);
    server.stick("CUT", Fault::CutShortUntilTold);
    let out = run(&engine, &segments, &options());
    assert_eq!(
        reasons(&out),
        [
            None,
            None,
            None,
            Some("placeholder [1] missing from the translation"),
            None,
        ]
    );
    // Each failed item was sent in its batch, then together, then alone and told why and
    // what to do; the one still failing once more, told and sampled.
    let told: Vec<_> = server
        .seen()
        .into_iter()
        .filter(|s| s.system.contains("was refused"))
        .collect();
    assert_eq!(told.len(), 4, "{told:?}");
    assert!(told.iter().all(|s| s.items == 1), "{told:?}");
    let lost = "placeholder [1] missing from the translation. Put every marker";
    assert_eq!(
        told.iter().filter(|s| s.system.contains(lost)).count(),
        3,
        "{told:?}"
    );
    assert_eq!(told.iter().filter(|s| s.sampled).count(), 1, "{told:?}");
    assert!(
        told.iter().any(|s| s
            .system
            .contains("as long as the source. Translate the whole text")),
        "{told:?}"
    );
    assert_eq!(server.requests(), out.stats.requests as usize);
}

#[test]
fn a_kept_item_lost_even_when_told_goes_back_at_its_place() {
    let server = FakeOpenAi::start();
    let engine = engine(&server, OpenAiOptions::default().limits);
    let segments = [
        seg(0, "Rivers carry fresh water to the valley.", Role::Body),
        seg(
            1,
            "STUBBORN the speed is given by [1] for every plane in the fleet.",
            Role::Body,
        ),
    ];
    server.stick("STUBBORN", Fault::DropPlaceholder);
    let out = run(&engine, &segments, &options());
    assert_eq!(reasons(&out), [None, None]);
    let Outcome::Translated(text) = &out.translations[1].outcome else {
        panic!("{:?}", out.translations[1]);
    };
    // Seven words of thirteen before it in the source: about as far into the translation.
    let words: Vec<&str> = text.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| *w == "[1]")
        .expect("the item is back");
    assert!((6..=8).contains(&at), "{text}");
    assert_eq!(out.stats.items_placed, 1, "{:?}", out.stats);
    // Told once what it lost, as before: the item was placed on that last try only.
    let told = server
        .seen()
        .into_iter()
        .filter(|s| s.system.contains("was refused"))
        .count();
    assert_eq!(told, 1);
}

/// English sentences with their Japanese and Arabic translations, written for the test as a
/// translator would: spans and lone items kept, a name and a model number inside.
const SCRIPT_SENTENCES: &[(&str, &str, &str)] = &[
    (
        "The committee will review all comments received before [1]May 3[/1].",
        "委員会は[1]5月3日[/1]までに受け取ったすべてのコメントを検討します。",
        "ستراجع اللجنة جميع التعليقات الواردة قبل [1]3 مايو[/1].",
    ),
    (
        "Send your questions to the [1]Federal Aviation Administration[/1] by email.",
        "ご質問は電子メールで[1]連邦航空局[/1]までお送りください。",
        "أرسل أسئلتك إلى [1]إدارة الطيران الفيدرالية[/1] عبر البريد الإلكتروني.",
    ),
    (
        "This proposed rule would require new software for the flight control computer [1].",
        "この規則案は、飛行制御コンピューター用の新しいソフトウェアを要求するものです[1]。",
        "تتطلب هذه القاعدة المقترحة برنامجًا جديدًا لحاسوب التحكم في الطيران [1].",
    ),
    (
        "The Boeing Company Model 737-8 airplanes are affected by this proposed rule.",
        "この規則案は、ボーイング社の737-8型機を対象とします。",
        "تتأثر طائرات شركة بوينغ من طراز 737-8 بهذه القاعدة المقترحة.",
    ),
];

// Issue 14: the LLM engine into Japanese and Arabic, real sentences through the real checks
// (placeholders and the language identifier on).
#[test]
fn japanese_and_arabic_replies_pass_the_checks_with_their_placeholders() {
    for (to, column) in [("ja", 1), ("ar", 2)] {
        let server = FakeOpenAi::start();
        let answers: Vec<(&str, &str)> = SCRIPT_SENTENCES
            .iter()
            .map(|row| (row.0, if column == 1 { row.1 } else { row.2 }))
            .collect();
        // One more source, answered in English: left in the source language, it must fail.
        let english = "Commenters should explain how the proposed change would affect them.";
        let segments: Vec<folio_doc::Segment> = SCRIPT_SENTENCES
            .iter()
            .map(|row| row.0)
            .chain([english])
            .enumerate()
            .map(|(i, text)| seg(i as u32, text, Role::Body))
            .collect();
        server.set_answers(&[answers.as_slice(), &[(english, english)]].concat());
        let engine = engine_into(&server, to, |_| {});
        let out = run(&engine, &segments, &options());
        for (k, (_, want)) in answers.iter().enumerate() {
            assert_eq!(
                out.translations[k].outcome,
                Outcome::Translated(want.to_string()),
                "{to} {k}"
            );
        }
        assert_eq!(
            out.translations[answers.len()].outcome,
            Outcome::Failed("the translation was left in the source language".into()),
            "{to}"
        );
        // The prompt named the target language.
        let name = if to == "ja" { "Japanese" } else { "Arabic" };
        assert!(server.seen()[0].system.contains(name), "{to}");
    }
}
