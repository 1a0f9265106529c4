//! Real engines through the whole pipeline on corpus pages: the embedded Bergamot model
//! translates English PDFs into Portuguese; the output reads as Portuguese and no source
//! sentence of prose survives (names and addresses may, rightly).
//!
//! The models are where `folio` looks (`FOLIO_MODELS`, else the per-user data folder; `folio
//! models fetch` installs them). When they are missing the test says so and passes, or fails
//! under CI (`folio-test-support`); so it does without the corpus.

use std::collections::HashSet;
use std::sync::Arc;

use folio_doc::Action;
use folio_tests::{corpus_dir, corpus_file};

/// Common Portuguese function words; running Portuguese text is full of them.
const PORTUGUESE: &[&str] = &[
    "de", "que", "o", "a", "os", "as", "para", "com", "não", "uma", "um", "é", "em", "do", "da",
    "dos", "das", "no", "na", "nos", "nas", "por", "se", "ao", "ou", "mais", "como", "pelo",
    "pela",
];

/// English function words: a sentence with two of them is prose, not a name or an address
/// (which the model rightly leaves as it is).
const ENGLISH: &[&str] = &[
    "the", "of", "and", "to", "in", "is", "for", "that", "with", "on", "are", "be", "this", "by",
    "it", "you", "your",
];

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[test]
fn bergamot_translates_corpus_pages_into_portuguese() {
    let Some(engine) = folio_tests::bergamot_en_pt() else {
        return;
    };
    // One of its files is not in the repository (GPL).
    if corpus_dir().is_none() {
        return;
    }
    let cases = [
        ("gov-federal-register-3col-signed-incremental.pdf", "1-2"),
        ("paper-2col-acm-sigconf-formulas-tables.pdf", "1"),
        ("manual-debian-maint-guide-en-63p.pdf", "9-10"),
    ];
    let portuguese: HashSet<&str> = PORTUGUESE.iter().copied().collect();
    let mut failures = Vec::new();
    for (file, pages) in cases {
        let path = corpus_file(file).unwrap_or_else(|| panic!("{file}: not in the corpus"));
        let bytes = Arc::new(std::fs::read(path).unwrap());
        let options = folio_tests::options(&engine, Some(pages.parse().unwrap()), None);
        let start = std::time::Instant::now();
        let (out, report) = folio::translate(bytes.clone(), &options, &mut |_| {}).unwrap();
        let secs = start.elapsed().as_secs_f64();

        let read = folio_pdf::ReadOptions {
            pages: Some(pages.parse().unwrap()),
            ..Default::default()
        };
        let input = folio_pdf::read(bytes, &read).unwrap();
        let output = folio_pdf::read(out, &read).unwrap();
        let out_text: String = output
            .pages
            .iter()
            .map(|p| p.text())
            .collect::<Vec<_>>()
            .join("\n");
        let out_words = words(&out_text);
        let pt = out_words
            .iter()
            .filter(|w| portuguese.contains(w.as_str()))
            .count();
        let share = pt as f64 / out_words.len().max(1) as f64;

        // Sentences of six words or more from translated blocks must not come back as they were.
        let flat = out_words.join(" ");
        let blocks =
            folio_layout::layout_document(&input, &folio_layout::LayoutSettings::default());
        let mut sentences = 0;
        let mut survived = Vec::new();
        for b in blocks.iter().filter(|b| b.action == Action::Translate) {
            let plain = folio_doc::placeholders::strip(&b.source);
            for sentence in plain.split(['.', ';', ':', '?', '!']) {
                let w = words(sentence);
                let prose = w.iter().filter(|w| ENGLISH.contains(&w.as_str())).count() >= 2;
                if w.len() >= 6 && prose {
                    sentences += 1;
                    if flat.contains(&w.join(" ")) {
                        survived.push(sentence.trim().to_string());
                    }
                }
            }
        }
        println!(
            "{file} pages {pages}: {} segments translated, {} failed, {} requests in {secs:.1} s; \
             Portuguese function words {:.1}% of {} words; {}/{} source sentences survived",
            report.segments.translated,
            report.segments.failed.len(),
            report.engine.requests,
            100.0 * share,
            out_words.len(),
            survived.len(),
            sentences
        );
        if share < 0.12 {
            failures.push(format!(
                "{file}: only {:.1}% Portuguese function words",
                100.0 * share
            ));
        }
        // The Federal Register sets its text in whole (not subset) Type 1 fonts: Portuguese
        // letters they were never asked for ("ç", "ã") are in them, so no font is added.
        let added = folio_tests::new_font_families(&input, &output);
        println!("{file}: fonts added {added:?}");
        if file.starts_with("gov-federal-register") && !added.is_empty() {
            failures.push(format!(
                "{file}: new fonts {added:?} where the original ones have every letter"
            ));
        }
        if !report.segments.failed.is_empty() {
            failures.push(format!(
                "{file}: {} segments failed: {:?}",
                report.segments.failed.len(),
                report.segments.failed.first()
            ));
        }
        if !survived.is_empty() {
            failures.push(format!(
                "{file}: source sentences survived: {:?}",
                &survived[..survived.len().min(3)]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
