//! `folio batch --queue` and `folio worker` against a real `redis-server` (started on a free
//! port by each test): workers sharing a queue, `kill -9` of a worker mid-document, SIGTERM
//! drains, dead letters, and an engine outage that opens the circuit. Engines: `pseudo`, or
//! the fake OpenAI server (slow, down or rate limiting on demand) where the test needs a
//! document to take time or the engine to fail.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use fake_openai::FakeOpenAi;
use folio_test_support::RedisServer;
use serde_json::Value;
use support::{assert_translated, count, files, folio, ledger, repo_pdf, text};

#[path = "../../translate/tests/support/fake_openai.rs"]
mod fake_openai;
mod support;

const THREE: [&str; 3] = [
    "tests/corpus/made/table-ruled.pdf",
    "tests/corpus/made/table-unruled.pdf",
    "tests/corpus/made/math-stix2.pdf",
];

/// A test's Redis, folders and queue.
struct Setup {
    redis: RedisServer,
    dir: PathBuf,
    out: PathBuf,
}

impl Setup {
    fn start(test: &str) -> Option<Self> {
        let redis = RedisServer::start()?;
        let dir = support::workdir("fleet", test);
        let out = dir.join("out");
        Some(Self { redis, dir, out })
    }

    fn queue(&self) -> String {
        self.redis.url("nightly")
    }

    /// A manifest of `docs` (id, repository path) into `to`.
    fn manifest(&self, docs: &[(&str, PathBuf)], to: &str) -> PathBuf {
        let mut csv = String::from("id,input,to\n");
        for (id, path) in docs {
            csv += &format!("{id},{},{to}\n", path.display());
        }
        let path = self.dir.join("manifest.csv");
        std::fs::write(&path, csv).unwrap();
        path
    }

    /// The three documents of the repository, as `doc0`…`doc2`.
    fn three(&self, to: &str) -> PathBuf {
        let docs: Vec<(String, PathBuf)> = THREE
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("doc{i}"), repo_pdf(p)))
            .collect();
        let docs: Vec<(&str, PathBuf)> =
            docs.iter().map(|(i, p)| (i.as_str(), p.clone())).collect();
        self.manifest(&docs, to)
    }

    /// `folio batch MANIFEST --queue`: puts the jobs on the queue.
    #[track_caller]
    fn enqueue(&self, manifest: &Path) {
        let run = folio()
            .arg("batch")
            .arg(manifest)
            .arg("--out")
            .arg(&self.out)
            .args(["--queue", &self.queue()])
            .output()
            .unwrap();
        assert!(run.status.success(), "{}", text(&run.stderr));
    }

    /// `folio worker` on the queue with `args` (and the fake server's key), started, output
    /// captured.
    fn worker<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Child {
        folio()
            .arg("worker")
            .args(["--queue", &self.queue()])
            .arg("--out")
            .arg(&self.out)
            .args(args)
            .env("FOLIO_FLEET_TEST_KEY", FakeOpenAi::KEY)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// `folio batch status --json`.
    fn status(&self) -> Value {
        let run = folio()
            .args(["batch", "status", "--json", "--queue", &self.queue()])
            .output()
            .unwrap();
        assert!(run.status.success(), "{}", text(&run.stderr));
        serde_json::from_slice(&run.stdout).unwrap()
    }
}

/// The flags of the `openai` engine on the fake server, with no disk cache and batches of two
/// segments (so a document takes several requests); `extra` is appended.
fn openai(server: &FakeOpenAi, dir: &Path, extra: &[&str]) -> Vec<String> {
    let config = dir.join("openai.toml");
    std::fs::write(&config, "[openai]\nmax_batch_segments = 2\n").unwrap();
    [
        "--engine",
        "openai",
        "--model",
        "test",
        "--api-key-env",
        "FOLIO_FLEET_TEST_KEY",
        "--no-cache",
        "--max-concurrency",
        "1",
        "--config",
    ]
    .into_iter()
    .map(String::from)
    .chain([
        config.display().to_string(),
        "--base-url".into(),
        server.base_url(),
    ])
    .chain(extra.iter().map(|a| a.to_string()))
    .collect()
}

/// Waits for a child with a deadline, killing it if it passes.
#[track_caller]
fn finish(child: Child, limit: Duration) -> Output {
    let start = Instant::now();
    let mut child = child;
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "the worker did not end within {limit:?}:\n{}",
                text(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// Waits until `ready` holds, for at most `limit`.
#[track_caller]
fn wait_for(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(
            start.elapsed() < limit,
            "{what} did not happen within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn signal(child: &Child, name: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

fn counts(status: &Value) -> (u64, u64, u64, u64) {
    let s = &status["status"];
    let n = |k: &str| s[k].as_u64().unwrap();
    (n("queued"), n("in_flight"), n("done"), n("dead"))
}

#[track_caller]
fn assert_ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn no_partial_files(out: &Path) -> bool {
    !files(out)
        .iter()
        .any(|p| p.to_string_lossy().contains(".partial"))
}

#[test]
fn two_workers_share_a_queue_and_write_each_output_once() {
    let Some(t) = Setup::start("share") else {
        return;
    };
    let manifest = t.three("pt-BR;es");
    t.enqueue(&manifest);
    assert_eq!(counts(&t.status()), (6, 0, 0, 0));

    let args = ["--engine", "pseudo", "--exit-when-idle", "2"];
    let (a, b) = (t.worker(&args), t.worker(&args));
    let (a, b) = (
        finish(a, Duration::from_secs(120)),
        finish(b, Duration::from_secs(120)),
    );
    let (a, b) = (assert_ok(&a), assert_ok(&b));
    let done = |s: &str| -> u64 { s.split(" done").next().unwrap().trim().parse().unwrap() };
    assert_eq!(done(&a) + done(&b), 6, "{a}\n{b}");
    for i in 0..3 {
        for to in ["pt-BR", "es"] {
            assert_translated(&t.out.join(format!("doc{i}/{to}.pdf")));
            let report: Value = serde_json::from_slice(
                &std::fs::read(t.out.join(format!("doc{i}/{to}.report.json"))).unwrap(),
            )
            .unwrap();
            assert_eq!(report["fingerprint"].as_str().map(str::len), Some(32));
        }
    }
    let entries = ledger(&t.out);
    let finished = count(&entries, "done");
    assert_eq!(finished.len(), 6, "{entries:?}");
    assert!(finished.values().all(|&n| n == 1), "{finished:?}");
    assert_eq!(counts(&t.status()), (0, 0, 6, 0));
    assert!(no_partial_files(&t.out));

    // The same manifest again: a worker finds every output written from the same input and
    // settings, and writes nothing.
    let before: Vec<_> = files(&t.out)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pdf"))
        .map(|p| (std::fs::metadata(&p).unwrap().modified().unwrap(), p))
        .collect();
    t.enqueue(&manifest);
    let again = assert_ok(&finish(t.worker(&args), Duration::from_secs(60)));
    assert!(again.starts_with("0 done, 6 skipped"), "{again}");
    for (modified, p) in before {
        assert_eq!(std::fs::metadata(&p).unwrap().modified().unwrap(), modified);
    }
    assert_eq!(counts(&t.status()), (0, 0, 12, 0));
}

#[test]
fn a_worker_killed_mid_document_loses_nothing() {
    let Some(t) = Setup::start("kill") else {
        return;
    };
    let server = FakeOpenAi::start();
    server.set_latency(Duration::from_millis(300));
    let manifest = t.manifest(&[("ruled", repo_pdf(THREE[0]))], "es");
    t.enqueue(&manifest);
    let args = openai(&server, &t.dir, &["--lease", "2", "--exit-when-idle", "4"]);

    let mut first = t.worker(&args);
    wait_for(
        "the first worker's third request",
        Duration::from_secs(60),
        || server.requests() >= 3,
    );
    first.kill().unwrap(); // SIGKILL: no drain, no cleanup
    first.wait().unwrap();
    let sent_before = server.requests();
    assert_eq!(
        counts(&t.status()).1,
        1,
        "the job is still leased to the dead worker"
    );

    // Another worker takes it once the lease runs out and finishes it.
    let second = assert_ok(&finish(t.worker(&args), Duration::from_secs(120)));
    assert!(second.starts_with("1 done"), "{second}");
    assert!(server.requests() > sent_before);
    assert_translated(&t.out.join("ruled/es.pdf"));
    let entries = ledger(&t.out);
    assert_eq!(
        count(&entries, "started")[&("ruled".into(), "es".into())],
        2
    );
    assert_eq!(count(&entries, "done")[&("ruled".into(), "es".into())], 1);
    assert_eq!(counts(&t.status()), (0, 0, 1, 0));
    assert!(no_partial_files(&t.out));
}

#[test]
fn sigterm_finishes_the_jobs_in_flight_then_puts_back_what_cannot_finish() {
    let Some(t) = Setup::start("drain") else {
        return;
    };
    let server = FakeOpenAi::start();
    server.set_latency(Duration::from_millis(300));
    t.enqueue(&t.three("es"));

    // A drain long enough: the document in flight is finished and written, the others stay
    // queued, and the worker exits 0.
    let args = openai(&server, &t.dir, &["--drain", "120"]);
    let worker = t.worker(&args);
    wait_for("a request", Duration::from_secs(60), || {
        server.requests() >= 1
    });
    signal(&worker, "TERM");
    let out = finish(worker, Duration::from_secs(120));
    let stdout = assert_ok(&out);
    assert!(
        text(&out.stderr).contains("stopping: no new jobs"),
        "{}",
        text(&out.stderr)
    );
    assert!(stdout.starts_with("1 done"), "{stdout}");
    assert_translated(&t.out.join("doc0/es.pdf"));
    assert_eq!(counts(&t.status()), (2, 0, 1, 0));

    // A drain too short for the document in flight: it goes back on the queue at once (no
    // waiting for its lease), nothing is written for it, and the worker still exits 0.
    let args = openai(&server, &t.dir, &["--drain", "0"]);
    let seen = server.requests();
    let worker = t.worker(&args);
    wait_for("a request", Duration::from_secs(60), || {
        server.requests() > seen
    });
    signal(&worker, "TERM");
    let out = finish(worker, Duration::from_secs(60));
    assert_ok(&out);
    assert!(
        text(&out.stderr).contains("1 job(s) put back on the queue"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(counts(&t.status()), (2, 0, 1, 0));
    assert!(!t.out.join("doc1/es.pdf").exists());
    assert!(no_partial_files(&t.out));
}

#[test]
fn an_unreadable_pdf_is_dead_lettered_while_the_rest_finishes() {
    let Some(t) = Setup::start("dead") else {
        return;
    };
    let broken = t.dir.join("broken.pdf");
    std::fs::write(&broken, b"%PDF-1.7\nthis is not a PDF\n").unwrap();
    let manifest = t.manifest(
        &[
            ("good1", repo_pdf(THREE[0])),
            ("broken", broken),
            ("good2", repo_pdf(THREE[1])),
        ],
        "es",
    );
    t.enqueue(&manifest);
    let out = finish(
        t.worker(&[
            "--engine",
            "pseudo",
            "--max-attempts",
            "2",
            "--exit-when-idle",
            "2",
        ]),
        Duration::from_secs(120),
    );
    let stdout = assert_ok(&out);
    assert!(stdout.contains("1 dead-lettered"), "{stdout}");
    assert_translated(&t.out.join("good1/es.pdf"));
    assert_translated(&t.out.join("good2/es.pdf"));
    assert!(!t.out.join("broken/es.pdf").exists());
    let status = t.status();
    assert_eq!(counts(&status), (0, 0, 2, 1));
    let dead = &status["dead_letters"][0];
    assert_eq!(dead["job"]["id"], "broken");
    assert_eq!(
        dead["job"]["attempts"], 1,
        "one try put back, the second gave up"
    );
    let error = dead["error"].as_str().unwrap();
    assert!(error.starts_with("failed 2 times; last error: "), "{error}");
    // Its failed tries are in the ledger with the reader's message.
    let failed = count(&ledger(&t.out), "failed");
    assert_eq!(failed[&("broken".into(), "es".into())], 2);

    // The plain status names it.
    let plain = folio()
        .args(["batch", "status", "--queue", &t.queue()])
        .output()
        .unwrap();
    let plain = assert_ok(&plain);
    assert!(plain.contains("0 queued, 0 in flight, 2 done"), "{plain}");
    assert!(
        plain.contains("dead: broken → es: failed 2 times"),
        "{plain}"
    );
}

#[test]
fn an_engine_outage_opens_the_circuit_and_dead_letters_nothing() {
    let Some(t) = Setup::start("outage") else {
        return;
    };
    let server = FakeOpenAi::start();
    server.set_down(true);
    let manifest = t.manifest(
        &[
            ("ruled", repo_pdf(THREE[0])),
            ("unruled", repo_pdf(THREE[1])),
        ],
        "es",
    );
    t.enqueue(&manifest);
    let args = openai(
        &server,
        &t.dir,
        &[
            "--breaker-failures",
            "1",
            "--breaker-pause",
            "2",
            "--max-attempts",
            "1",
            "--exit-when-idle",
            "2",
        ],
    );
    let worker = t.worker(&args);
    // Down long enough for a document to fail whole (its retries included) and the circuit
    // to open; then the engine comes back.
    wait_for("the first outage", Duration::from_secs(60), || {
        t.status()["status"]["requeued"].as_u64() >= Some(1)
    });
    server.set_down(false);
    let out = finish(worker, Duration::from_secs(120));
    let stdout = assert_ok(&out);
    let log = text(&out.stderr);
    assert!(
        log.contains("pausing 2 s: the engine keeps failing"),
        "{log}"
    );
    assert!(log.contains("put back, not counted as a try"), "{log}");
    // With --max-attempts 1 a counted failure would have dead-lettered the document.
    assert!(stdout.starts_with("2 done"), "{stdout}");
    assert_eq!(counts(&t.status()), (0, 0, 2, 0));
    assert_translated(&t.out.join("ruled/es.pdf"));
    assert_translated(&t.out.join("unruled/es.pdf"));
    // Nothing half translated was ever published: each output written once, after the outage.
    let finished = count(&ledger(&t.out), "done");
    assert!(finished.values().all(|&n| n == 1), "{finished:?}");
}

#[test]
fn the_fleets_token_cap_holds_for_all_workers_together() {
    let Some(t) = Setup::start("cap") else {
        return;
    };
    let ruled = repo_pdf(THREE[0]);
    let manifest = t.manifest(
        &[("a", ruled.clone()), ("b", ruled.clone()), ("c", ruled)],
        "es",
    );
    // One document's estimate, and what it really uses.
    let est = folio()
        .arg("batch")
        .arg(&manifest)
        .arg("--out")
        .arg(t.dir.join("estimate"))
        .args(["--engine", "pseudo", "--estimate"])
        .output()
        .unwrap();
    let line = assert_ok(&est);
    let estimate: u64 = line
        .split('~')
        .skip(1)
        .map(|s| s.split(' ').next().unwrap().parse::<u64>().expect(&line))
        .sum::<u64>()
        / 3;
    // A cap for two documents and half of a third: the third would pass it.
    t.enqueue(&manifest);
    let measure = t.worker(&["--engine", "pseudo", "--exit-when-idle", "1"]);
    let measured = assert_ok(&finish(measure, Duration::from_secs(60)));
    let used = t.status()["status"]["spent_tokens"].as_u64().unwrap() / 3;
    assert!(used > 0, "{measured}");

    let cap = used + estimate + estimate / 2;
    let capped = Setup {
        redis: t.redis,
        dir: t.dir.clone(),
        out: t.dir.join("capped"),
    };
    let queue = capped.redis.url("capped");
    let queued = folio()
        .arg("batch")
        .arg(&manifest)
        .arg("--out")
        .arg(&capped.out)
        .args(["--queue", &queue])
        .output()
        .unwrap();
    assert_ok(&queued);
    let workers: Vec<Child> = (0..2)
        .map(|_| {
            folio()
                .args(["worker", "--queue", &queue, "--engine", "pseudo"])
                .arg("--out")
                .arg(&capped.out)
                .args(["--max-tokens", &cap.to_string(), "--exit-when-idle", "2"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = workers
        .into_iter()
        .map(|w| finish(w, Duration::from_secs(60)))
        .collect();
    // Some worker met the cap and says so (exit 4); the job it would have started is left.
    let stopped: Vec<&Output> = outputs
        .iter()
        .filter(|o| o.status.code() == Some(4))
        .collect();
    assert!(!stopped.is_empty(), "{outputs:?}");
    assert!(text(&stopped[0].stderr).contains("stopped by --max-tokens"));
    let run = folio()
        .args(["batch", "status", "--json", "--queue", &queue])
        .output()
        .unwrap();
    let status: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(counts(&status), (1, 0, 2, 0), "{status}");
    let spent = status["status"]["spent_tokens"].as_u64().unwrap();
    assert!(
        spent <= cap,
        "the fleet spent {spent} tokens over its cap of {cap}"
    );
}

#[test]
fn two_workers_keep_to_one_shared_rate_limit() {
    let Some(t) = Setup::start("rate") else {
        return;
    };
    let server = FakeOpenAi::start();
    // The server refuses a 7th request within 2.8 s; the fleet allows 6 in 3 s, so that the
    // moment a request leaves a worker and the moment it reaches the server may differ.
    server.set_rpm(6, Duration::from_millis(2800));
    let manifest = t.manifest(
        &[
            ("ruled", repo_pdf(THREE[0])),
            ("unruled", repo_pdf(THREE[1])),
        ],
        "es",
    );
    t.enqueue(&manifest);
    let args = openai(
        &server,
        &t.dir,
        &["--rpm", "6", "--rate-window", "3", "--exit-when-idle", "2"],
    );
    let start = Instant::now();
    let (a, b) = (t.worker(&args), t.worker(&args));
    let (a, b) = (
        finish(a, Duration::from_secs(180)),
        finish(b, Duration::from_secs(180)),
    );
    let elapsed = start.elapsed();
    assert_ok(&a);
    assert_ok(&b);
    assert_eq!(counts(&t.status()), (0, 0, 2, 0));
    let requests = server.requests();
    assert_eq!(
        server.limited(),
        0,
        "no request went over the server's limit"
    );
    // Paced: 6 requests a window, so the last went at least this many windows after the first.
    assert!(
        requests > 12,
        "{requests} requests: too few to test a limit of 6"
    );
    let windows = (requests - 1) / 6;
    assert!(
        elapsed >= Duration::from_secs(3 * windows as u64),
        "{requests} requests in {elapsed:?}"
    );
    for id in ["ruled", "unruled"] {
        assert_translated(&t.out.join(format!("{id}/es.pdf")));
        let report: Value = serde_json::from_slice(
            &std::fs::read(t.out.join(format!("{id}/es.report.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(report["segments"]["failed"], serde_json::json!([]), "{id}");
    }
}

#[test]
fn a_segment_one_worker_translated_is_a_cache_hit_for_another() {
    let Some(t) = Setup::start("cache") else {
        return;
    };
    let server = FakeOpenAi::start();
    // Each worker has a disk cache of its own (two machines); Redis is what they share.
    let worker = |id: &str, cache: &str| {
        let manifest = t.manifest(&[(id, repo_pdf(THREE[0]))], "es");
        t.enqueue(&manifest);
        let cache = t.dir.join(cache).display().to_string();
        let args: Vec<String> = openai(
            &server,
            &t.dir,
            &["--cache", &cache, "--exit-when-idle", "1"],
        )
        .into_iter()
        .filter(|a| a != "--no-cache")
        .collect();
        assert_ok(&finish(t.worker(&args), Duration::from_secs(120)));
        let report: Value = serde_json::from_slice(
            &std::fs::read(t.out.join(format!("{id}/es.report.json"))).unwrap(),
        )
        .unwrap();
        report
    };
    let first = worker("first", "cache-a");
    let sent = server.requests();
    assert!(sent > 0 && first["engine"]["requests"].as_u64() > Some(0));
    // The same document under another id, on "another machine": every segment from Redis.
    let second = worker("second", "cache-b");
    assert_eq!(server.requests(), sent, "nothing sent again");
    assert_eq!(second["engine"]["requests"], 0);
    assert!(second["engine"]["cache_hits"].as_u64() >= first["segments"]["translated"].as_u64());
    assert_translated(&t.out.join("second/es.pdf"));
}
