//! The pipeline end to end over the corpus (issue 4, "Must show"): `pseudo` at +35% must give
//! valid PDFs with no source word left, no text out of its place, images, links and outline
//! kept; `identity` must go through every stage and give back what came in.
//!
//! Each file is translated once per engine and shared by the tests of this binary. Figures are
//! printed per file (`cargo test -p folio-tests --test translate -- --nocapture`); the outputs
//! are written to `FOLIO_TEST_OUT` when it names a folder. Big files are cut to a page range
//! to keep the run short.

use std::collections::HashMap;
use std::sync::OnceLock;

use folio_tests::{
    Run, compare_page, corpus_dir, corpus_file, fit_check, image_check, judge,
    leftover_source_words, link_check, new_font_families, our_words, outline_titles,
    pdftotext_words, qpdf_check, translate_file, unreferenced,
};

/// Latin-script corpus files of different kinds, with the pages translated.
const FILES: &[(&str, Option<&str>)] = &[
    ("paper-2col-acm-sigconf-formulas-tables.pdf", None),
    ("paper-2col-aps-revtex-formulas.pdf", None),
    ("book-lshort-en-153p-links.pdf", Some("1-20")),
    ("manual-reportlab-userguide-134p-base14.pdf", Some("1-20")),
    ("gov-federal-register-3col-signed-incremental.pdf", None),
    ("slides-beamer-conference-talk.pdf", None),
    ("magazine-papertex-newspaper-images.pdf", None),
    ("gov-irs-i1040nr-instructions-50p-tables.pdf", Some("1-10")),
    ("tagged-libreoffice-toc.pdf", None),
];

/// Output size allowed beyond the input's, per font family embedded for new text.
const BYTES_PER_FAMILY: usize = 150 * 1024;

/// Every file of [`FILES`] translated with `engine`, or `None` (reported) without the corpus:
/// most of the files are not in the repository.
#[track_caller]
fn runs(engine: &'static str) -> Option<&'static [Run]> {
    corpus_dir()?;
    static PSEUDO: OnceLock<Vec<Run>> = OnceLock::new();
    static IDENTITY: OnceLock<Vec<Run>> = OnceLock::new();
    let cell = match engine {
        "pseudo" => &PSEUDO,
        "identity" => &IDENTITY,
        _ => unreachable!("only pseudo and identity are tested here"),
    };
    let all = cell.get_or_init(|| {
        FILES
            .iter()
            .map(|(file, pages)| {
                let path = corpus_file(file).unwrap_or_else(|| panic!("{file}: not in the corpus"));
                let run = translate_file(&path, engine, *pages)
                    .unwrap_or_else(|e| panic!("{file}: {engine}: {e}"));
                // To look at the outputs: FOLIO_TEST_OUT=DIR.
                if let Some(dir) = std::env::var_os("FOLIO_TEST_OUT") {
                    let path = std::path::Path::new(&dir).join(format!("{engine}-{file}"));
                    let _ = std::fs::create_dir_all(&dir);
                    let _ = std::fs::write(&path, &run.output);
                }
                println!(
                    "{engine:>8} {file}: {} page(s) in {:.0} ms",
                    run.input_doc.pages.len(),
                    run.elapsed.as_secs_f64() * 1000.0
                );
                run
            })
            .collect()
    });
    Some(all)
}

#[test]
fn pseudo_outputs_pass_qpdf_check() {
    let mut failures = Vec::new();
    let Some(all) = runs("pseudo") else {
        return;
    };
    for run in all {
        match qpdf_check(&run.output, &run.name) {
            Ok(w) => println!("{}: qpdf ok, {} warning(s)", run.name, w.len()),
            Err(e) => failures.push(format!("{}: {e}", run.name)),
        }
    }
    judge("qpdf --check failed", failures);
}

#[test]
fn pseudo_translates_every_segment_and_fits_by_the_report() {
    let mut failures = Vec::new();
    let Some(all) = runs("pseudo") else {
        return;
    };
    for run in all {
        let r = &run.report;
        let kept: u32 = r.segments.kept.values().sum();
        println!(
            "{}: {} page(s), blocks {} ({} rewritten, {} overflowed), segments {} translated / {kept} kept / {} failed, min scale {:.2}",
            run.name,
            r.pages_translated,
            r.blocks.total,
            r.blocks.rewritten,
            r.blocks.overflowed.len(),
            r.segments.translated,
            r.segments.failed.len(),
            r.min_scale
        );
        for f in r.segments.failed.iter().chain(&r.blocks.overflowed) {
            failures.push(format!(
                "{}: page {}: {:?}: {}",
                run.name, f.page, f.bbox, f.reason
            ));
        }
        // A block shrunk below the floor is never silent: it is listed with where, and warned.
        let floor = folio_typeset::TypesetSettings::default().floor;
        let below = &r.blocks.below_floor;
        println!("{}: {} block(s) below the floor", run.name, below.len());
        if (r.min_scale < floor - 0.001) == below.is_empty() {
            failures.push(format!(
                "{}: min scale {:.2} but {} block(s) reported below the floor",
                run.name,
                r.min_scale,
                below.len()
            ));
        }
        for b in below {
            if b.page == 0 || b.page > r.pages || b.bbox.width() <= 0.0 || b.bbox.height() <= 0.0 {
                failures.push(format!(
                    "{}: a below-floor block has no place: {b:?}",
                    run.name
                ));
            }
        }
        if !below.is_empty() && !r.warnings.iter().any(|w| w.contains("below the floor")) {
            failures.push(format!(
                "{}: no warning for blocks below the floor",
                run.name
            ));
        }
        let translated = run.translated_blocks().count() as u32;
        if r.blocks.rewritten != translated {
            failures.push(format!(
                "{}: {} block(s) rewritten, layout marks {translated} for translation",
                run.name, r.blocks.rewritten
            ));
        }
    }
    judge("segments failed or blocks overflowed", failures);
}

#[test]
fn pseudo_leaves_no_source_word() {
    let mut failures = Vec::new();
    let Some(all) = runs("pseudo") else {
        return;
    };
    for run in all {
        let (words, left) = leftover_source_words(run);
        println!(
            "{}: {words} source word(s) to replace, {} left",
            run.name,
            left.len()
        );
        for l in left.iter().take(10) {
            failures.push(format!(
                "{}: page {}: '{}' ×{}",
                run.name, l.page, l.word, l.extra
            ));
        }
        if left.len() > 10 {
            failures.push(format!("{}: … {} more", run.name, left.len() - 10));
        }
    }
    judge("source words left in the output", failures);
}

/// The check above is not vacuous: on `identity` output, where every source word comes back,
/// it finds nearly all of them.
#[test]
fn leftover_check_finds_identity_words() {
    let Some(all) = runs("identity") else {
        return;
    };
    for run in all {
        let (words, left) = leftover_source_words(run);
        let extra: usize = left.iter().map(|l| l.extra).sum();
        println!(
            "{}: {extra} of {words} source word(s) found again",
            run.name
        );
        assert!(
            words == 0 || extra as f64 >= 0.9 * words as f64,
            "{}: identity output, yet only {extra} of {words} source words found",
            run.name
        );
    }
}

#[test]
fn pseudo_new_text_stays_on_page_and_off_other_content() {
    if let Some(all) = runs("pseudo") {
        fit(all.iter());
    }
}

fn fit(runs: impl Iterator<Item = &'static Run>) {
    let mut failures = Vec::new();
    for run in runs {
        let fig = fit_check(run);
        let mut by_kind: HashMap<&str, usize> = HashMap::new();
        for c in &fig.collisions {
            *by_kind.entry(c.what).or_default() += 1;
        }
        println!(
            "{}: {} new word(s), {} kept word(s) ({} not found in place), collisions {:?}",
            run.name, fig.new_words, fig.kept_words, fig.kept_lost, by_kind
        );
        for c in fig.collisions.iter().take(8) {
            failures.push(format!(
                "{}: page {}: '{}' at {:?} hits {} (block {:?})",
                run.name, c.page, c.word, c.bbox, c.other, c.block
            ));
        }
        if fig.collisions.len() > 8 {
            failures.push(format!("{}: … {} more", run.name, fig.collisions.len() - 8));
        }
        if fig.kept_lost > 0 {
            failures.push(format!(
                "{}: {} kept word(s) not found at their place",
                run.name, fig.kept_lost
            ));
        }
    }
    judge("new text collides", failures);
}

#[test]
fn pseudo_keeps_images_byte_identical() {
    let mut failures = Vec::new();
    let Some(all) = runs("pseudo") else {
        return;
    };
    for run in all {
        match image_check(run) {
            Ok(fig) => {
                println!(
                    "{}: {} image XObject(s), {} identical; {} drawn on translated pages",
                    run.name, fig.input, fig.identical, fig.drawn
                );
                failures.extend(fig.problems.iter().map(|p| format!("{}: {p}", run.name)));
            }
            Err(e) => failures.push(format!("{}: {e}", run.name)),
        }
    }
    judge("images changed", failures);
}

#[test]
fn pseudo_keeps_links_on_their_words() {
    if let Some(all) = runs("pseudo") {
        links(all.iter());
    }
}

fn links(runs: impl Iterator<Item = &'static Run>) {
    let mut failures = Vec::new();
    for run in runs {
        let fig = link_check(run);
        println!(
            "{}: links {} in, {} out; {} on translated text, {} of them on new words",
            run.name, fig.input, fig.output, fig.on_translated, fig.on_translated_ok
        );
        failures.extend(
            fig.problems
                .iter()
                .take(10)
                .map(|p| format!("{}: {p}", run.name)),
        );
    }
    judge("links lost or misplaced", failures);
}

#[test]
fn pseudo_translates_outline() {
    let mut failures = Vec::new();
    let Some(all) = runs("pseudo") else {
        return;
    };
    for run in all {
        let a = outline_titles(&run.input_doc);
        let b = outline_titles(&run.output_doc);
        let with_letters: Vec<usize> = (0..a.len())
            .filter(|&i| a[i].chars().any(char::is_alphabetic))
            .collect();
        let changed = with_letters
            .iter()
            .filter(|&&i| b.get(i).is_some_and(|t| *t != a[i]))
            .count();
        println!(
            "{}: outline {} entries in, {} out; {changed} of {} with letters translated",
            run.name,
            a.len(),
            b.len(),
            with_letters.len()
        );
        if a.len() != b.len() {
            failures.push(format!(
                "{}: {} entries became {}",
                run.name,
                a.len(),
                b.len()
            ));
        }
        for &i in with_letters
            .iter()
            .filter(|&&i| b.get(i) == Some(&a[i]))
            .take(5)
        {
            failures.push(format!("{}: entry {i} '{}' not translated", run.name, a[i]));
        }
    }
    judge("outline not translated", failures);
}

#[test]
fn pseudo_output_size_within_budget() {
    let mut failures = Vec::new();
    let Some(all) = runs("pseudo") else {
        return;
    };
    for run in all {
        let families = new_font_families(&run.input_doc, &run.output_doc);
        let budget = run.input.len() + BYTES_PER_FAMILY * families.len();
        // Objects nothing refers to (replaced content streams left behind) cost size too.
        let orphans = |b: &[u8]| {
            unreferenced(b).map_or("?".into(), |(n, bytes)| {
                format!("{n} ({:.0} KiB)", bytes as f64 / 1024.0)
            })
        };
        println!(
            "{}: {:.0} KiB in, {:.0} KiB out, {} new font famil(ies) {:?}, budget {:.0} KiB; unreferenced objects: in {}, out {}",
            run.name,
            run.input.len() as f64 / 1024.0,
            run.output.len() as f64 / 1024.0,
            families.len(),
            families,
            budget as f64 / 1024.0,
            orphans(&run.input),
            orphans(&run.output),
        );
        if run.output.len() > budget {
            failures.push(format!(
                "{}: {} bytes > {budget} (input {} + 150 KiB × {} famil(ies))",
                run.name,
                run.output.len(),
                run.input.len(),
                families.len()
            ));
        }
    }
    judge("outputs too big", failures);
}

#[test]
fn identity_rewrites_every_block() {
    let mut failures = Vec::new();
    let Some(all) = runs("identity") else {
        return;
    };
    for run in all {
        let r = &run.report;
        let translated = run.translated_blocks().count() as u32;
        let families = new_font_families(&run.input_doc, &run.output_doc);
        println!(
            "{}: {translated} block(s) to translate, {} rewritten, {} failed; new fonts {:?}",
            run.name,
            r.blocks.rewritten,
            r.segments.failed.len(),
            families
        );
        if translated == 0 || r.blocks.rewritten != translated {
            failures.push(format!(
                "{}: {} block(s) rewritten of {translated}",
                run.name, r.blocks.rewritten
            ));
        }
        if r.engine.name != "identity" {
            failures.push(format!("{}: engine {}", run.name, r.engine.name));
        }
    }
    judge("identity took a short cut", failures);
}

/// Word agreement of identity's output with its input, by our reader and by pdftotext.
#[test]
fn identity_gives_back_the_words() {
    let mut failures = Vec::new();
    let dir = std::env::temp_dir().join(format!("folio-identity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let Some(all) = runs("identity") else {
        return;
    };
    for run in all {
        // Our reader, page by page, words and their places.
        let (ours_a, ours_b) = (our_words(&run.input_doc), our_words(&run.output_doc));
        let mut ours = folio_tests::Score::default();
        for (a, b) in ours_a.iter().zip(&ours_b) {
            ours.add(&compare_page(a, b, 2.0).0);
        }
        // pdftotext on both files, the translated pages only.
        let out_path = dir.join(&run.name);
        std::fs::write(&out_path, &run.output).expect("the output is written");
        let theirs = pdftotext_words(&corpus_file(&run.name).expect("the file was translated"))
            .and_then(|a| {
                let b = pdftotext_words(&out_path)?;
                let mut s = folio_tests::Score::default();
                for (i, (a, b)) in a.iter().zip(&b).enumerate() {
                    if run.pages.as_ref().is_none_or(|p| p.contains(i as u32)) {
                        s.add(&compare_page(a, b, 2.0).0);
                    }
                }
                Ok(s)
            });
        let _ = std::fs::remove_file(&out_path);
        let theirs = match theirs {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!("{}: {e}", run.name));
                continue;
            }
        };
        println!(
            "{}: reader F1 {:.4} ({} → {} words, {:.1}% in place); pdftotext F1 {:.4} ({} → {})",
            run.name,
            ours.f1(),
            ours.ours,
            ours.theirs,
            ours.centre_share() * 100.0,
            theirs.f1(),
            theirs.ours,
            theirs.theirs
        );
        for (who, s) in [("reader", ours), ("pdftotext", theirs)] {
            if s.f1() < 0.99 {
                failures.push(format!("{}: {who} word F1 {:.4} < 0.99", run.name, s.f1()));
            }
        }
    }
    let _ = std::fs::remove_dir(&dir);
    judge("identity changed the words", failures);
}

/// Pixels: SSIM ≥ 0.98 on at least 90% of the text pages.
#[test]
fn identity_looks_the_same() {
    let mut failures = Vec::new();
    let (mut good, mut total) = (0usize, 0usize);
    let Some(all) = runs("identity") else {
        return;
    };
    for run in all {
        let ssims = run.text_page_ssims().unwrap_or_else(|e| panic!("{e}"));
        let ok = ssims.iter().filter(|&&s| s >= 0.98).count();
        let min = ssims.iter().copied().fold(1.0, f64::min);
        let mean = ssims.iter().sum::<f64>() / ssims.len().max(1) as f64;
        println!(
            "{}: {ok}/{} text page(s) at SSIM ≥ 0.98 (mean {mean:.3}, min {min:.3})",
            run.name,
            ssims.len()
        );
        good += ok;
        total += ssims.len();
        if (ok as f64) < 0.9 * ssims.len() as f64 {
            failures.push(format!(
                "{}: {ok}/{} text pages at SSIM ≥ 0.98 (mean {mean:.3}, min {min:.3})",
                run.name,
                ssims.len()
            ));
        }
    }
    println!("all: {good}/{total} text pages at SSIM ≥ 0.98");
    judge("identity output looks different", failures);
}

/// A truncated file whose page tree is lost (the reader finds its 3 pages by searching the
/// file) is written with a new page tree: the output has those pages, with the new text, and
/// passes `qpdf --check`.
#[test]
fn broken_page_tree_is_rebuilt() {
    let name = "broken-truncated-unreadable-metadata.pdf";
    let Some(path) = corpus_file(name) else {
        return;
    };
    let run = translate_file(&path, "pseudo", None).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(
        run.input_doc.pages.len(),
        3,
        "{name}: pages found by the reader"
    );
    let warnings = qpdf_check(&run.output, name).unwrap_or_else(|e| panic!("{name}: {e}"));
    println!("{name}: qpdf ok, {} warning(s)", warnings.len());
    let out = lopdf::Document::load_mem(&run.output).expect("the output loads");
    assert_eq!(
        out.get_pages().len(),
        3,
        "{name}: pages in the output's page tree"
    );
    assert!(
        run.report.blocks.rewritten > 0,
        "{name}: nothing was rewritten"
    );
    let (words, left) = leftover_source_words(&run);
    assert!(
        words > 0 && left.is_empty(),
        "{name}: source words left of {words}: {:?}",
        left.iter().map(|l| (l.page, &l.word)).collect::<Vec<_>>()
    );
}

/// A scanned document is not written back untranslated without a word: the run ends with an
/// error that says why and what to do.
#[test]
fn scanned_pages_end_with_an_error() {
    for name in [
        "scan-linn-brochure-2col.pdf",
        "scan-huckfinn-page-illustration.pdf",
    ] {
        let Some(path) = corpus_file(name) else {
            continue;
        };
        let err = match translate_file(&path, "pseudo", None) {
            Ok(_) => panic!("{name}: a scanned page was 'translated'"),
            Err(e) => e,
        };
        println!("{err}");
        assert!(
            err.contains("scanned image without a text layer"),
            "{name}: {err}"
        );
    }
}
