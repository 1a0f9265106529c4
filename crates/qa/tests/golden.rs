//! The golden cases of the repository pass, and a check fails when a blessed word moves.

use std::path::{Path, PathBuf};

fn repo_golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../golden")
}

fn tmp(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A copy of the repository's golden folder with only the cases this crate can run alone
/// (engine `reader`); the translating cases need the pipeline and run in `folio qa check`.
fn reader_golden(dir: &Path) -> PathBuf {
    let golden = dir.join("golden");
    copy_dir(&repo_golden(), &golden);
    for entry in std::fs::read_dir(golden.join("cases")).unwrap() {
        let path = entry.unwrap().path();
        let toml = std::fs::read_to_string(&path).unwrap();
        let reader = toml
            .lines()
            .any(|l| l.replace(' ', "") == "engine=\"reader\"");
        if !reader {
            std::fs::remove_file(&path).unwrap();
        }
    }
    golden
}

#[test]
fn the_golden_cases_pass() {
    let dir = tmp("qa-golden-check");
    let golden = reader_golden(&dir);
    let out = dir.join("out");
    let run = folio_qa::check_all(&golden, None, &out, None).unwrap();
    assert!(run.cases.len() >= 3, "{} cases", run.cases.len());
    for c in &run.cases {
        println!("{}: {} notes {:?}", c.name, c.comparison.summary(), c.notes);
        assert!(
            c.passed(),
            "{}: {:?} {:?}",
            c.name,
            c.notes,
            c.failures().map(|p| p.to_string()).collect::<Vec<_>>()
        );
    }
    assert!(run.passed());
    assert!(run.report.exists());
}

#[test]
fn a_moved_blessed_word_fails_the_check_on_its_page() {
    let dir = tmp("qa-golden-moved");
    let golden = reader_golden(&dir);
    // Move the 10th word of the table case 5 pt to the right in the blessed list.
    let tsv_path = golden.join("blessed/table-fbi-nics/words.tsv");
    let tsv = std::fs::read_to_string(&tsv_path).unwrap();
    let mut lines: Vec<String> = tsv.lines().map(String::from).collect();
    let mut cols: Vec<String> = lines[10].split('\t').map(String::from).collect();
    for i in [1, 3] {
        cols[i] = format!("{:.1}", cols[i].parse::<f32>().unwrap() + 5.0);
    }
    lines[10] = cols.join("\t");
    std::fs::write(&tsv_path, lines.join("\n") + "\n").unwrap();

    let run = folio_qa::check_all(&golden, None, &dir.join("out"), None).unwrap();
    assert!(!run.passed());
    let failed = run.failed();
    assert_eq!(failed, ["table-fbi-nics"]);
    let case = run
        .cases
        .iter()
        .find(|c| c.name == "table-fbi-nics")
        .unwrap();
    let pages: Vec<_> = case.failures().collect();
    assert_eq!(pages.len(), 1);
    assert_eq!(pages[0].words.unwrap().moved, 1);
    assert!(
        pages[0].problems.iter().any(|p| p.contains("moved")),
        "{:?}",
        pages[0].problems
    );
    let html = std::fs::read_to_string(&run.report).unwrap();
    assert!(html.contains("word(s) moved"));

    // Blessing the case again makes the check pass.
    folio_qa::bless_all(&golden, Some("table-fbi-nics"), None).unwrap();
    assert!(
        folio_qa::check_all(&golden, None, &dir.join("out"), None)
            .unwrap()
            .passed()
    );
}

#[test]
fn a_case_with_an_unknown_engine_is_refused() {
    let dir = tmp("qa-golden-engine");
    std::fs::create_dir_all(dir.join("cases")).unwrap();
    std::fs::write(
        dir.join("cases/x.toml"),
        "input = \"inputs/x.pdf\"\nengine = \"magic\"\n",
    )
    .unwrap();
    let err = folio_qa::load_cases(&dir).unwrap_err().to_string();
    assert!(err.contains("unknown engine 'magic'"), "{err}");
    std::fs::write(
        dir.join("cases/x.toml"),
        "input = \"inputs/x.pdf\"\nengine = \"pseudo\"\n",
    )
    .unwrap();
    let err = folio_qa::load_cases(&dir).unwrap_err().to_string();
    assert!(err.contains("needs target_lang"), "{err}");
}

#[test]
fn a_translating_case_without_a_pipeline_says_so() {
    let dir = tmp("qa-golden-pipeline");
    let golden = dir.join("golden");
    copy_dir(&repo_golden(), &golden);
    std::fs::write(
        golden.join("cases/pseudo.toml"),
        "input = \"inputs/font-type3-matplotlib.pdf\"\nengine = \"pseudo\"\ntarget_lang = \"pt\"\n",
    )
    .unwrap();
    let err = folio_qa::bless_all(&golden, Some("pseudo"), None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("engine 'pseudo' cannot run"), "{err}");
    let run = folio_qa::check_all(&golden, Some("pseudo"), &dir.join("out"), None).unwrap();
    assert!(!run.passed());
    assert!(
        run.cases[0].notes[0].contains("no blessed output"),
        "{:?}",
        run.cases[0].notes
    );
}
