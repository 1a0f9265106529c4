//! Issue 5's request benchmark: what the `openai` engine sends for three corpus documents
//! (against the fake server), beside what per-paragraph requests (PDFMathTranslate) and small
//! batches with a full instruction each (BabelDOC: ≤ 200 tokens or ≤ 5 paragraphs a request)
//! would send for the same segments.
//!
//! ```text
//! cargo test -p folio-translate --test benchmark -- --nocapture
//! ```
//!
//! The segments are the pipeline's (read, layout, `folio_layout::segments`; the outline titles
//! the pipeline adds are left out). All three counts use the same texts: the distinct ones with
//! letters (what the driver sends), so repeats and numbers help nobody. The comparisons count
//! the instruction as our engine's system prompt without context, and each paragraph's
//! tokens without JSON around them: they favour the other tools. Tokens are ≈ 4 characters.
//!
//! Each document is the repository's copy when there is one, else `FOLIO_CORPUS`'s; a document
//! found nowhere is skipped with a note (and fails the test under CI: see `folio-test-support`).

mod support;

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use folio_doc::Segment;
use folio_pdf::{PageSelection, ReadOptions};
use folio_translate::{
    Batch, LangPair, OpenAi, OpenAiOptions, RetryPolicy, TranslateOptions, estimate,
    estimate_tokens, translate_segments_blocking,
};
use support::fake_openai::FakeOpenAi;
use support::nothing_lost;

/// The documents: file and pages (from 1; all when `None`).
const DOCUMENTS: &[(&str, Option<&str>)] = &[
    ("paper-2col-acm-sigconf-formulas-tables.pdf", None),
    ("manual-debian-maint-guide-en-63p.pdf", Some("1-20")),
    ("gov-irs-i1040nr-instructions-50p-tables.pdf", Some("1-20")),
];

/// The issue's aims.
const MIN_FEWER_REQUESTS: f64 = 3.0;
const MAX_PROMPT_PER_SOURCE: f64 = 1.3;

/// The segments the pipeline would translate, and the pages read.
fn segments(path: &Path, pages: Option<&str>) -> (Vec<Segment>, usize) {
    let bytes = std::fs::read(path).expect("the corpus file is readable");
    let options = ReadOptions {
        password: None,
        pages: pages.map(|p| p.parse::<PageSelection>().expect("a valid page range")),
        ..ReadOptions::default()
    };
    let doc = folio_pdf::read(Arc::new(bytes), &options).expect("the corpus file reads");
    let blocks = folio_layout::layout_document(&doc, &folio_layout::LayoutSettings::default());
    (folio_layout::segments(&blocks), doc.pages.len())
}

/// Requests and prompt tokens of one way of sending.
#[derive(Debug, Clone, Copy, Default)]
struct Cost {
    requests: u64,
    prompt_tokens: u64,
}

/// One request per paragraph, each with the instruction.
fn per_paragraph(texts: &[&str], instruction: u64) -> Cost {
    Cost {
        requests: texts.len() as u64,
        prompt_tokens: texts
            .iter()
            .map(|t| instruction + estimate_tokens(t) as u64)
            .sum(),
    }
}

/// Batches of ≤ 200 tokens or ≤ 5 paragraphs, each with the instruction.
fn small_batches(texts: &[&str], instruction: u64) -> Cost {
    let mut cost = Cost::default();
    let (mut tokens, mut count) = (0, 0);
    for t in texts {
        let n = estimate_tokens(t);
        if count == 0 || tokens + n > 200 || count == 5 {
            cost.requests += 1;
            cost.prompt_tokens += instruction;
            tokens = 0;
            count = 0;
        }
        tokens += n;
        count += 1;
        cost.prompt_tokens += n as u64;
    }
    cost
}

#[test]
fn requests_and_prompt_tokens_on_three_documents() {
    let server = FakeOpenAi::start();
    let engine = OpenAi::new(
        LangPair::new("en", "pt-BR").expect("valid tags"),
        OpenAiOptions {
            base_url: server.base_url(),
            model: "fake-model".into(),
            api_key: Some(FakeOpenAi::KEY.into()),
            ..Default::default()
        },
    )
    .expect("the engine builds");
    let options = TranslateOptions {
        retry: RetryPolicy::none(),
        timeout: Some(Duration::from_secs(20)),
        ..Default::default()
    };
    let instruction = estimate_tokens(&engine.system_prompt(&Batch::new(&[]))) as u64;

    println!(
        "\ninstruction prompt (ours, no context): {instruction} tokens; tokens ≈ 4 characters\n"
    );
    println!(
        "{:<46} {:>5} {:>6} {:>7} | {:>8} {:>8} {:>8} | {:>6} {:>6} {:>6} | {:>6}",
        "document",
        "pages",
        "texts",
        "source",
        "req/pg",
        "para/pg",
        "bdoc/pg",
        "ours",
        "para",
        "bdoc",
        "fewer"
    );
    println!(
        "{:<46} {:>20} | {:>26} | {:>20} |",
        "", "", "requests per page", "prompt / source token"
    );
    let mut failures = Vec::new();
    let mut ran = 0;
    for &(file, pages) in DOCUMENTS {
        let Some(path) = folio_test_support::corpus_file(file) else {
            continue;
        };
        ran += 1;
        let (segments, page_count) = segments(&path, pages);
        let planned = estimate(&engine, &segments, &options);
        let before = server.requests();
        let out = translate_segments_blocking(&engine, &segments, &options, &mut |_| {})
            .expect("the runtime starts");
        assert_eq!(nothing_lost(&segments, &out), 0, "{file}: failed segments");
        let ours = Cost {
            requests: (server.requests() - before) as u64,
            prompt_tokens: out.stats.prompt_tokens,
        };
        assert_eq!(ours.requests, out.stats.requests, "{file}");

        // The texts sent: distinct, with letters (the driver's first two steps).
        let mut seen = HashSet::new();
        let texts: Vec<&str> = segments
            .iter()
            .map(|s| s.text.as_str())
            .filter(|t| seen.insert(*t))
            .filter(|t| {
                folio_doc::placeholders::strip(t)
                    .chars()
                    .any(char::is_alphabetic)
            })
            .collect();
        let source: u64 = texts.iter().map(|t| estimate_tokens(t) as u64).sum();
        assert_eq!(source, planned.source_tokens, "{file}: texts sent");
        let para = per_paragraph(&texts, instruction);
        let bdoc = small_batches(&texts, instruction);

        let pages = page_count.max(1) as f64;
        let per_source = |c: Cost| c.prompt_tokens as f64 / source.max(1) as f64;
        let fewer = bdoc.requests as f64 / ours.requests.max(1) as f64;
        println!(
            "{:<46} {:>5} {:>6} {:>7} | {:>8.2} {:>8.2} {:>8.2} | {:>6.3} {:>6.3} {:>6.3} | {:>5.1}×",
            file,
            page_count,
            texts.len(),
            source,
            ours.requests as f64 / pages,
            para.requests as f64 / pages,
            bdoc.requests as f64 / pages,
            per_source(ours),
            per_source(para),
            per_source(bdoc),
            fewer,
        );
        if fewer < MIN_FEWER_REQUESTS {
            failures.push(format!(
                "{file}: {} requests, only {fewer:.2}× fewer than BabelDOC-style batches ({})",
                ours.requests, bdoc.requests
            ));
        }
        if per_source(ours) > MAX_PROMPT_PER_SOURCE {
            failures.push(format!(
                "{file}: {:.3} prompt tokens per source token (aim ≤ {MAX_PROMPT_PER_SOURCE})",
                per_source(ours)
            ));
        }
    }
    if ran == 0 {
        println!("no corpus documents found; nothing measured");
    }
    assert!(failures.is_empty(), "aims missed:\n{}", failures.join("\n"));
}
