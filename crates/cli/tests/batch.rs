//! `folio batch` end to end, with the `pseudo` engine (no network, deterministic): outputs,
//! the ledger, resuming (also after `kill -9`), priorities, failures, estimates and caps.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{assert_translated, count, files, folio, ledger, repo_pdf, text};

mod support;

/// Runs `folio batch MANIFEST --out OUT --engine pseudo ARGS`.
fn batch(manifest: &Path, out: &Path, args: &[&str]) -> Output {
    folio()
        .arg("batch")
        .arg(manifest)
        .arg("--out")
        .arg(out)
        .args(["--engine", "pseudo"])
        .args(args)
        .output()
        .unwrap()
}

fn summary(out: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap()
}

/// A fresh folder for one test.
fn workdir(test: &str) -> PathBuf {
    support::workdir("batch", test)
}

const THREE: [&str; 3] = [
    "tests/corpus/made/table-ruled.pdf",
    "tests/corpus/made/table-unruled.pdf",
    "tests/corpus/made/math-stix2.pdf",
];

/// A CSV manifest of the three documents into `to`.
fn three_documents(dir: &Path, to: &str) -> PathBuf {
    let mut csv = String::from("id,input,to\n");
    for (i, path) in THREE.iter().enumerate() {
        csv += &format!("doc{i},{},{to}\n", repo_pdf(path).display());
    }
    let manifest = dir.join("manifest.csv");
    std::fs::write(&manifest, csv).unwrap();
    manifest
}

#[test]
fn three_documents_into_two_languages_then_a_rerun_redoes_nothing() {
    let dir = workdir("three");
    let manifest = three_documents(&dir, "pt-BR;es");
    let out = dir.join("out");

    let run = batch(&manifest, &out, &["--concurrency", "2"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    for i in 0..3 {
        for to in ["pt-BR", "es"] {
            let pdf = out.join(format!("doc{i}/{to}.pdf"));
            assert_translated(&pdf);
            let report: Value = serde_json::from_slice(
                &std::fs::read(out.join(format!("doc{i}/{to}.report.json"))).unwrap(),
            )
            .unwrap();
            assert!(report["segments"]["translated"].as_u64().unwrap() > 0);
        }
    }
    let entries = ledger(&out);
    let done = count(&entries, "done");
    assert_eq!(done.len(), 6, "{entries:?}");
    assert!(done.values().all(|&n| n == 1), "{done:?}");
    let s = summary(&out);
    assert_eq!(
        (s["done"].as_u64(), s["failed"].as_u64()),
        (Some(6), Some(0))
    );
    assert!(s["pages"].as_u64().unwrap() >= 6 && s["pages_per_second"].as_f64().unwrap() > 0.0);
    assert!(
        text(&run.stdout).contains("6 done, 0 failed"),
        "{}",
        text(&run.stdout)
    );
    // One started and one done line per output on stderr.
    let log = text(&run.stderr);
    assert_eq!(
        log.lines().filter(|l| l.starts_with("started ")).count(),
        6,
        "{log}"
    );
    assert_eq!(
        log.lines().filter(|l| l.starts_with("done ")).count(),
        6,
        "{log}"
    );
    assert!(
        !files(&out)
            .iter()
            .any(|p| p.to_string_lossy().contains(".partial"))
    );

    // The same command again: every output is skipped, none rewritten.
    let before: Vec<_> = files(&out)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pdf" || e == "json"))
        .filter(|p| !p.ends_with("summary.json"))
        .map(|p| {
            let meta = std::fs::metadata(&p).unwrap();
            (
                p.clone(),
                meta.modified().unwrap(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    assert_eq!(before.len(), 12);
    let rerun = batch(&manifest, &out, &["--concurrency", "2"]);
    assert!(rerun.status.success(), "{}", text(&rerun.stderr));
    for (path, modified, bytes) in &before {
        let meta = std::fs::metadata(path).unwrap();
        assert_eq!(
            &meta.modified().unwrap(),
            modified,
            "{} rewritten",
            path.display()
        );
        assert_eq!(
            &std::fs::read(path).unwrap(),
            bytes,
            "{} changed",
            path.display()
        );
    }
    let s = summary(&out);
    assert_eq!(
        (s["done"].as_u64(), s["skipped"].as_u64()),
        (Some(0), Some(6))
    );
    assert!(
        !text(&rerun.stderr).contains("started "),
        "{}",
        text(&rerun.stderr)
    );
    assert_eq!(count(&ledger(&out), "done").values().sum::<usize>(), 6);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_jsonl_manifest_starts_by_priority_then_manifest_order() {
    let dir = workdir("priority");
    let pdf = repo_pdf("tests/corpus/made/table-ruled.pdf");
    let mut jsonl = String::new();
    for (id, priority) in [("a", 0), ("b", 5), ("c", 0), ("d", 9), ("e", 5)] {
        jsonl += &serde_json::json!({"id": id, "input": pdf, "to": "es", "priority": priority})
            .to_string();
        jsonl.push('\n');
    }
    // No priority: 0.
    jsonl += &serde_json::json!({"id": "f", "input": pdf, "to": "es"}).to_string();
    let manifest = dir.join("manifest.jsonl");
    std::fs::write(&manifest, jsonl).unwrap();
    let out = dir.join("out");
    let run = batch(&manifest, &out, &["--concurrency", "1"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let started: Vec<String> = ledger(&out)
        .iter()
        .filter(|e| e["event"] == "started")
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(started, ["d", "b", "e", "a", "c", "f"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn broken_inputs_fail_with_their_error_and_the_others_finish() {
    let dir = workdir("broken");
    let garbage = dir.join("garbage.pdf");
    std::fs::write(&garbage, b"this is not a PDF at all \x00\x01\x02").unwrap();
    let good = repo_pdf("tests/corpus/made/table-ruled.pdf");
    let mut csv = format!(
        "id,input,to\ngood,{},pt-BR;es\ngarbage,{},es\nmissing,{},es\n",
        good.display(),
        garbage.display(),
        dir.join("nowhere.pdf").display()
    );
    let encrypted = folio_test_support::corpus_file("encrypted-user-password-libreoffice.pdf");
    if let Some(path) = &encrypted {
        csv += &format!("locked,{},es\n", path.display());
    }
    let manifest = dir.join("manifest.csv");
    std::fs::write(&manifest, csv).unwrap();
    let out = dir.join("out");
    let run = batch(&manifest, &out, &[]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
    assert!(
        text(&run.stderr).contains("outputs failed"),
        "{}",
        text(&run.stderr)
    );
    assert_translated(&out.join("good/pt-BR.pdf"));
    assert_translated(&out.join("good/es.pdf"));
    let entries = ledger(&out);
    let error = |id: &str| {
        entries
            .iter()
            .find(|e| e["event"] == "failed" && e["id"] == id)
            .and_then(|e| e["error"].as_str())
            .unwrap_or_else(|| panic!("no failure of {id} in {entries:?}"))
            .to_string()
    };
    assert!(
        error("garbage").contains("not a PDF"),
        "{}",
        error("garbage")
    );
    assert!(
        error("missing").contains("cannot read the file"),
        "{}",
        error("missing")
    );
    if encrypted.is_some() {
        assert!(error("locked").contains("password"), "{}", error("locked"));
    }
    assert_eq!(count(&entries, "done").len(), 2);
    let s = summary(&out);
    let failed = 2 + u64::from(encrypted.is_some());
    assert_eq!(
        (s["done"].as_u64(), s["failed"].as_u64()),
        (Some(2), Some(failed))
    );
    assert!(!out.join("garbage").join("es.pdf").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn killed_mid_batch_the_rerun_finishes_each_output_exactly_once() {
    let dir = workdir("kill");
    let pdf = repo_pdf("tests/corpus/gov-federal-register-3col-signed-incremental.pdf");
    let ids: Vec<String> = (0..20).map(|i| format!("copy{i:02}")).collect();
    let mut csv = String::from("id,input,to,pages\n");
    for id in &ids {
        csv += &format!("{id},{},pt-BR;es,1-6\n", pdf.display());
    }
    let manifest = dir.join("manifest.csv");
    std::fs::write(&manifest, csv).unwrap();
    let out = dir.join("out");
    let outputs: Vec<PathBuf> = ids
        .iter()
        .flat_map(|id| ["pt-BR", "es"].map(|to| out.join(id).join(format!("{to}.pdf"))))
        .collect();

    let mut child = folio()
        .arg("batch")
        .arg(&manifest)
        .arg("--out")
        .arg(&out)
        .args(["--engine", "pseudo", "--concurrency", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !outputs.iter().any(|p| p.exists()) {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no output after 2 minutes"
        );
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the batch ended ({status}) before any output appeared");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let finished = outputs.iter().filter(|p| p.exists()).count();
    assert!(
        finished < outputs.len(),
        "the batch finished before the kill; the test needs a longer one"
    );
    // A temporary file as a kill in the middle of a write leaves it.
    let stale = out.join(&ids[ids.len() - 1]).join(".es.pdf.partial");
    std::fs::create_dir_all(stale.parent().unwrap()).unwrap();
    std::fs::write(&stale, b"%PDF-1.7 half").unwrap();

    let rerun = batch(&manifest, &out, &["--concurrency", "2"]);
    assert!(rerun.status.success(), "{}", text(&rerun.stderr));
    for p in &outputs {
        assert_translated(p);
    }
    let all = files(&out);
    assert!(
        !all.iter().any(|p| p.to_string_lossy().contains(".partial")),
        "{all:?}"
    );
    assert_eq!(
        all.iter()
            .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
            .count(),
        outputs.len()
    );
    let entries = ledger(&out);
    let done = count(&entries, "done");
    assert_eq!(done.len(), outputs.len(), "{done:?}");
    assert!(done.values().all(|&n| n == 1), "{done:?}");
    let s = summary(&out);
    assert_eq!(
        s["done"].as_u64().unwrap() + s["skipped"].as_u64().unwrap(),
        outputs.len() as u64
    );
    assert!(s["skipped"].as_u64().unwrap() >= finished as u64);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The number before " segments (" in a line of estimates.
#[track_caller]
fn segments_in(line: &str) -> u64 {
    let head = &line[..line.find(" segments (").expect(line)];
    head.rsplit([' ', ':']).next().unwrap().parse().expect(line)
}

/// The `~N prompt and ~M completion tokens` of a line of estimates, added.
#[track_caller]
fn tokens_in(line: &str) -> u64 {
    line.split('~')
        .skip(1)
        .map(|s| s.split(' ').next().unwrap().parse::<u64>().expect(line))
        .sum()
}

#[test]
fn estimate_writes_nothing_and_max_tokens_stops_before_the_cap() {
    let dir = workdir("estimate");
    let manifest = three_documents(&dir, "es");
    let out = dir.join("out");
    let est = batch(&manifest, &out, &["--estimate", "--price", "0.15,0.60"]);
    assert!(est.status.success(), "{}", text(&est.stderr));
    assert!(!out.exists(), "--estimate wrote {}", out.display());
    let stdout = text(&est.stdout);
    assert!(stdout.contains("3 outputs to do"), "{stdout}");
    assert!(stdout.contains("estimated cost: "), "{stdout}");
    // The batch's totals are the documents' dry runs added up.
    let (mut segments, mut tokens) = (0, 0);
    let mut per_document = Vec::new();
    for path in THREE {
        let dry = folio()
            .arg("translate")
            .arg(repo_pdf(path))
            .args([
                "-o",
                "unused.pdf",
                "--to",
                "es",
                "--engine",
                "pseudo",
                "--dry-run",
            ])
            .output()
            .unwrap();
        let line = text(&dry.stdout);
        segments += segments_in(&line);
        tokens += tokens_in(&line);
        per_document.push(tokens_in(&line));
    }
    assert_eq!(segments_in(&stdout), segments, "{stdout}");
    assert_eq!(tokens_in(&stdout), tokens, "{stdout}");

    // A cap that holds the first two documents only.
    let cap = per_document[0] + per_document[1] + per_document[2] / 2;
    let run = batch(
        &manifest,
        &out,
        &["--concurrency", "1", "--max-tokens", &cap.to_string()],
    );
    assert_eq!(run.status.code(), Some(4), "{}", text(&run.stderr));
    let stdout = text(&run.stdout);
    assert!(stdout.contains("left: doc2 → es"), "{stdout}");
    assert!(text(&run.stderr).contains("stopping before doc2 → es"));
    assert!(out.join("doc0/es.pdf").is_file() && out.join("doc1/es.pdf").is_file());
    assert!(!out.join("doc2").exists());
    assert_eq!(count(&ledger(&out), "started").len(), 2);
    let s = summary(&out);
    assert_eq!((s["done"].as_u64(), s["left"].as_u64()), (Some(2), Some(1)));
    // What was really used, not only what was estimated, stays under the cap.
    assert!(s["tokens"].as_u64().unwrap() <= cap, "{s}");

    // The same cap as a budget: at 1 per million tokens, `cap` tokens cost `cap / 1e6`.
    let budget = format!("{}", cap as f64 / 1e6);
    let out = dir.join("out-budget");
    let no_price = batch(&manifest, &out, &["--budget-usd", &budget]);
    assert_eq!(no_price.status.code(), Some(2));
    assert!(text(&no_price.stderr).contains("--budget-usd needs a price"));
    let run = batch(
        &manifest,
        &out,
        &[
            "--concurrency",
            "1",
            "--budget-usd",
            &budget,
            "--price",
            "1,1",
        ],
    );
    assert_eq!(run.status.code(), Some(4), "{}", text(&run.stderr));
    assert!(text(&run.stdout).contains("left: doc2 → es"));
    assert!(!out.join("doc2").exists());
    let s = summary(&out);
    assert_eq!((s["done"].as_u64(), s["left"].as_u64()), (Some(2), Some(1)));
    assert!(s["cost"].as_f64().unwrap() > 0.0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn manifest_and_path_errors_say_what_and_where() {
    let dir = workdir("errors");
    let manifest = dir.join("manifest.csv");
    std::fs::write(&manifest, "id,input,to\na,a.pdf,es\nb,b.pdf,\n").unwrap();
    let run = batch(&manifest, &dir.join("out"), &[]);
    assert_eq!(run.status.code(), Some(2));
    let err = text(&run.stderr);
    assert!(err.contains("line 3: `to` is missing"), "{err}");
    assert!(!dir.join("out").exists());

    std::fs::write(&manifest, "id,input,to\na,a.pdf,es\n").unwrap();
    let run = batch(&manifest, Path::new("https://example.org/out"), &[]);
    assert_eq!(run.status.code(), Some(2));
    assert!(text(&run.stderr).contains("https:// URLs are not supported"));

    // An engine that cannot be set up stops the batch before any document starts.
    let run = folio()
        .arg("batch")
        .arg(&manifest)
        .arg("--out")
        .arg(dir.join("out"))
        .args(["--engine", "nope"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let err = text(&run.stderr);
    assert!(err.contains("cannot set up the engine into es"), "{err}");
    assert!(!dir.join("out").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_second_process_on_the_same_output_folder_is_refused() {
    let dir = workdir("lock");
    let manifest = three_documents(&dir, "es");
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    // A running process holds the folder (as a `folio batch` in progress would).
    let mut holder = Command::new("sleep").arg("30").spawn().unwrap();
    std::fs::write(out.join(".folio-batch.lock"), holder.id().to_string()).unwrap();
    let run = batch(&manifest, &out, &[]);
    assert_eq!(run.status.code(), Some(2));
    let err = text(&run.stderr);
    assert!(
        err.contains(&format!("another folio batch (process {})", holder.id())),
        "{err}"
    );
    assert!(err.contains("--queue"), "{err}");
    assert!(!out.join("doc0").exists());
    // Once that process is gone (killed: its lock is left behind), the folder is taken over.
    holder.kill().unwrap();
    holder.wait().unwrap();
    let run = batch(&manifest, &out, &[]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert!(!out.join(".folio-batch.lock").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
