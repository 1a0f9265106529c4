//! `folio batch` with S3 inputs and outputs, against a real S3-compatible server: moto in
//! server mode (`moto_server`, PyPI `moto[server]`), started on 127.0.0.1 by each test and
//! killed when it ends. Without `moto_server` the tests say SKIPPED, or fail under CI.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{repo_pdf, text};

mod support;

/// moto checks no signature but reads the access key from this header to pick the account
/// owning what `folio` writes; without it, objects `folio` PUT cannot be read back.
const AUTHORIZATION: &str = "Authorization: AWS4-HMAC-SHA256 \
    Credential=testing/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0";

/// A moto server on a free local port, killed on drop.
struct Moto {
    child: Child,
    port: u16,
}

impl Moto {
    /// Starts `moto_server` and waits until it answers; `None` (after reporting it missing)
    /// when it is not installed.
    fn start() -> Option<Moto> {
        if !folio_test_support::tool("moto_server", "python3 -m pip install 'moto[server]'") {
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server runs (it answered --version)");
        let moto = Moto { child, port };
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "moto_server did not listen on {port} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// One plain HTTP/1.0 request (moto does not check signatures): status, head and body.
    fn request(&self, method: &str, path: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let head = format!(
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\n{AUTHORIZATION}\r\n\r\n",
            self.port,
            body.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut reply = Vec::new();
        stream.read_to_end(&mut reply).unwrap();
        let split = reply
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("an HTTP reply has a head");
        let head = String::from_utf8_lossy(&reply[..split]).into_owned();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, head, reply[split + 4..].to_vec())
    }

    /// Creates `bucket` (object_store cannot).
    fn create_bucket(&self, bucket: &str) {
        let (status, head, _) = self.request("PUT", &format!("/{bucket}"), b"");
        assert_eq!(status, 200, "creating {bucket}: {head}");
    }

    fn put(&self, bucket: &str, key: &str, bytes: &[u8]) {
        let (status, head, _) = self.request("PUT", &format!("/{bucket}/{key}"), bytes);
        assert_eq!(status, 200, "putting {key}: {head}");
    }

    /// The object's bytes, `None` when it is not there.
    fn get(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        let (status, head, body) = self.request("GET", &format!("/{bucket}/{key}"), b"");
        if status != 200 {
            eprintln!("GET {key}: {head}");
        }
        (status == 200).then_some(body)
    }

    /// The object's `ETag` and `Last-Modified` headers: they change when it is PUT again.
    fn version(&self, bucket: &str, key: &str) -> String {
        let (status, head, _) = self.request("HEAD", &format!("/{bucket}/{key}"), b"");
        assert_eq!(status, 200, "{key}: {head}");
        head.lines()
            .filter(|l| {
                let l = l.to_ascii_lowercase();
                l.starts_with("etag:") || l.starts_with("last-modified:")
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The keys under `prefix`, sorted.
    fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        let (status, _, body) = self.request(
            "GET",
            &format!("/{bucket}?list-type=2&max-keys=1000&prefix={prefix}"),
            b"",
        );
        assert_eq!(status, 200);
        let xml = String::from_utf8(body).unwrap();
        let mut keys: Vec<String> = xml
            .split("<Key>")
            .skip(1)
            .map(|s| s.split("</Key>").next().unwrap().to_string())
            .collect();
        keys.sort();
        keys
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh folder for one test.
fn workdir(test: &str) -> PathBuf {
    support::workdir("batch-s3", test)
}

/// `folio` with dummy credentials and only the AWS variables given in `env`.
fn folio_s3(env: &[(&str, &str)]) -> Command {
    let mut command = support::folio();
    for (name, _) in std::env::vars() {
        if name.starts_with("AWS_") {
            command.env_remove(name);
        }
    }
    command
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .envs(env.iter().copied());
    command
}

/// `folio batch MANIFEST --out OUT --engine pseudo ARGS` with dummy credentials and only
/// the AWS variables given in `env`.
fn batch(manifest: &Path, out: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    folio_s3(env)
        .arg("batch")
        .arg(manifest)
        .args(["--out", out, "--engine", "pseudo"])
        .args(args)
        .output()
        .unwrap()
}

/// Asserts a PDF's bytes read back with Folio's reader and its text is pseudo-translated.
#[track_caller]
fn assert_translated(name: &str, bytes: Vec<u8>) {
    support::assert_translated_bytes(name, bytes)
}

/// The ledger's events on S3, in order.
fn ledger(moto: &Moto, bucket: &str, prefix: &str) -> Vec<Value> {
    moto.keys(bucket, &format!("{prefix}/ledger/"))
        .iter()
        .map(|k| serde_json::from_slice(&moto.get(bucket, k).unwrap()).unwrap())
        .collect()
}

const TWO: [&str; 2] = [
    "tests/corpus/made/table-ruled.pdf",
    "tests/corpus/made/table-unruled.pdf",
];

#[test]
fn s3_inputs_and_outputs_and_a_rerun_redoes_nothing() {
    let Some(moto) = Moto::start() else { return };
    let dir = workdir("roundtrip");
    moto.create_bucket("folio");
    let mut csv = String::from("id,input,to\n");
    for (i, path) in TWO.iter().enumerate() {
        moto.put(
            "folio",
            &format!("in/doc{i}.pdf"),
            &std::fs::read(repo_pdf(path)).unwrap(),
        );
        csv += &format!("doc{i},s3://folio/in/doc{i}.pdf,pt-BR;es\n");
    }
    let manifest = dir.join("manifest.csv");
    std::fs::write(&manifest, csv).unwrap();
    let endpoint = moto.endpoint();
    let run = batch(
        &manifest,
        "s3://folio/run1",
        &["--s3-endpoint", &endpoint],
        &[],
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));

    let keys = moto.keys("folio", "run1/");
    let outputs: Vec<&String> = keys.iter().filter(|k| !k.contains("/ledger/")).collect();
    assert_eq!(
        outputs,
        [
            "run1/doc0/es.pdf",
            "run1/doc0/es.report.json",
            "run1/doc0/pt-BR.pdf",
            "run1/doc0/pt-BR.report.json",
            "run1/doc1/es.pdf",
            "run1/doc1/es.report.json",
            "run1/doc1/pt-BR.pdf",
            "run1/doc1/pt-BR.report.json",
            "run1/summary.json",
        ]
    );
    for key in outputs.iter().filter(|k| k.ends_with(".pdf")) {
        assert_translated(key, moto.get("folio", key).unwrap());
    }
    let summary: Value =
        serde_json::from_slice(&moto.get("folio", "run1/summary.json").unwrap()).unwrap();
    assert_eq!(summary["done"], 4, "{summary}");
    let events = ledger(&moto, "folio", "run1");
    let started = events.iter().filter(|e| e["event"] == "started").count();
    let done = events.iter().filter(|e| e["event"] == "done").count();
    assert_eq!((started, done), (4, 4), "{events:?}");

    // A rerun, with the endpoint from AWS_ENDPOINT_URL this time: nothing is PUT again.
    let before: Vec<String> = outputs
        .iter()
        .filter(|k| !k.ends_with("summary.json"))
        .map(|k| moto.version("folio", k))
        .collect();
    // Last-Modified counts seconds: a PUT after this would show.
    std::thread::sleep(Duration::from_millis(1100));
    let run = batch(
        &manifest,
        "s3://folio/run1",
        &[],
        &[("AWS_ENDPOINT_URL", &endpoint)],
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let after: Vec<String> = outputs
        .iter()
        .filter(|k| !k.ends_with("summary.json"))
        .map(|k| moto.version("folio", k))
        .collect();
    assert_eq!(before, after);
    let summary: Value =
        serde_json::from_slice(&moto.get("folio", "run1/summary.json").unwrap()).unwrap();
    assert_eq!(summary["done"], 0, "{summary}");
    assert_eq!(summary["skipped"], 4, "{summary}");
    let events = ledger(&moto, "folio", "run1");
    assert_eq!(
        events.iter().filter(|e| e["event"] == "started").count(),
        4,
        "{events:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_broken_input_fails_alone_with_its_error() {
    let Some(moto) = Moto::start() else { return };
    let dir = workdir("broken");
    moto.create_bucket("out");
    let garbage = dir.join("garbage.pdf");
    std::fs::write(&garbage, b"this is not a PDF at all \x00\x01\x02").unwrap();
    let good = repo_pdf(TWO[0]);
    let csv = format!(
        "id,input,to\ngood,{},es\ngarbage,{},es\nabsent,s3://out/nowhere.pdf,es\n",
        good.display(),
        garbage.display()
    );
    let manifest = dir.join("manifest.csv");
    std::fs::write(&manifest, csv).unwrap();
    let run = batch(
        &manifest,
        "s3://out/run2",
        &["--s3-endpoint", &moto.endpoint()],
        &[],
    );
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("failed garbage → es"), "{stderr}");
    assert!(
        stderr.contains("failed absent → es: s3://out/nowhere.pdf"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_translated("good/es.pdf", moto.get("out", "run2/good/es.pdf").unwrap());
    assert_eq!(moto.get("out", "run2/garbage/es.pdf"), None);
    let events = ledger(&moto, "out", "run2");
    let failed: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "failed")
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(failed.len(), 2, "{events:?}");
    assert!(failed.contains(&"garbage") && failed.contains(&"absent"));
    let summary: Value =
        serde_json::from_slice(&moto.get("out", "run2/summary.json").unwrap()).unwrap();
    assert_eq!(summary["done"], 1, "{summary}");
    assert_eq!(summary["failed"], 2, "{summary}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_wrong_endpoint_or_a_missing_bucket_is_a_clear_error() {
    let Some(moto) = Moto::start() else { return };
    let dir = workdir("wrong");
    let manifest = dir.join("manifest.csv");
    std::fs::write(
        &manifest,
        format!("id,input,to\na,{},es\n", repo_pdf(TWO[0]).display()),
    )
    .unwrap();

    let run = batch(
        &manifest,
        "s3://missing-bucket/x",
        &["--s3-endpoint", &moto.endpoint()],
        &[],
    );
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("s3://missing-bucket/x"), "{stderr}");
    assert!(stderr.contains("hint: check the credentials"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // Nothing listens on a port just freed.
    let closed = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let start = Instant::now();
    let run = batch(
        &manifest,
        "s3://folio/x",
        &["--s3-endpoint", &format!("http://127.0.0.1:{closed}")],
        &[],
    );
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("s3://folio/x"), "{stderr}");
    assert!(
        stderr.contains("--s3-endpoint or AWS_ENDPOINT_URL"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "gave up too slowly"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Uploads `n` documents (the two repository PDFs in turn) as `in/doc{i}.pdf` and writes a
/// manifest of them into `to`.
fn upload(moto: &Moto, bucket: &str, dir: &Path, n: usize, to: &str) -> PathBuf {
    let mut csv = String::from("id,input,to\n");
    for i in 0..n {
        let bytes = std::fs::read(repo_pdf(TWO[i % 2])).unwrap();
        moto.put(bucket, &format!("in/doc{i}.pdf"), &bytes);
        csv += &format!("doc{i},s3://{bucket}/in/doc{i}.pdf,{to}\n");
    }
    let manifest = dir.join("manifest.csv");
    std::fs::write(&manifest, csv).unwrap();
    manifest
}

#[test]
fn a_batch_killed_mid_run_leaves_no_partial_object_and_resumes() {
    let Some(moto) = Moto::start() else { return };
    let dir = workdir("kill");
    moto.create_bucket("folio");
    let manifest = upload(&moto, "folio", &dir, 8, "es");
    let endpoint = moto.endpoint();
    let mut run = folio_s3(&[])
        .arg("batch")
        .arg(&manifest)
        .args(["--out", "s3://folio/run", "--engine", "pseudo"])
        .args(["--concurrency", "1", "--s3-endpoint", &endpoint])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed once the first document is written, in the middle of the others.
    let start = Instant::now();
    while moto.keys("folio", "run/doc0/es.pdf").is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "doc0 never written"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    run.kill().unwrap();
    run.wait().unwrap();
    let written: Vec<String> = moto
        .keys("folio", "run/")
        .into_iter()
        .filter(|k| k.ends_with(".pdf"))
        .collect();
    assert!(
        written.len() < 8,
        "the kill came too late to test anything: {written:?}"
    );
    // Every object there is whole: each PDF reads back complete.
    for key in &written {
        assert_translated(key, moto.get("folio", key).unwrap());
    }

    let rerun = batch(
        &manifest,
        "s3://folio/run",
        &["--s3-endpoint", &endpoint],
        &[],
    );
    assert_eq!(rerun.status.code(), Some(0), "{}", text(&rerun.stderr));
    for i in 0..8 {
        let key = format!("run/doc{i}/es.pdf");
        assert_translated(&key, moto.get("folio", &key).unwrap());
    }
    // Each output exactly once in the ledger, whether the killed run or the rerun did it.
    let events = ledger(&moto, "folio", "run");
    for i in 0..8 {
        let done = events
            .iter()
            .filter(|e| e["event"] == "done" && e["id"] == format!("doc{i}"))
            .count();
        assert_eq!(done, 1, "doc{i}: {events:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn workers_read_and_write_s3() {
    let Some(moto) = Moto::start() else { return };
    let Some(redis) = folio_test_support::RedisServer::start() else {
        return;
    };
    let dir = workdir("worker");
    moto.create_bucket("folio");
    let manifest = upload(&moto, "folio", &dir, 2, "pt-BR;es");
    let queue = redis.url("s3-test");
    let endpoint = moto.endpoint();
    let queued = folio_s3(&[])
        .arg("batch")
        .arg(&manifest)
        .args(["--out", "s3://folio/fleet", "--queue", &queue])
        .output()
        .unwrap();
    assert!(queued.status.success(), "{}", text(&queued.stderr));
    let worker = folio_s3(&[("AWS_ENDPOINT_URL", &endpoint)])
        .args(["worker", "--queue", &queue, "--out", "s3://folio/fleet"])
        .args(["--engine", "pseudo", "--exit-when-idle", "2"])
        .output()
        .unwrap();
    assert!(worker.status.success(), "{}", text(&worker.stderr));
    assert!(
        text(&worker.stdout).starts_with("4 done"),
        "{}",
        text(&worker.stdout)
    );
    for i in 0..2 {
        for to in ["pt-BR", "es"] {
            let key = format!("fleet/doc{i}/{to}.pdf");
            assert_translated(&key, moto.get("folio", &key).unwrap());
            let report: Value = serde_json::from_slice(
                &moto
                    .get("folio", &format!("fleet/doc{i}/{to}.report.json"))
                    .unwrap(),
            )
            .unwrap();
            assert_eq!(report["job"]["input"], format!("s3://folio/in/doc{i}.pdf"));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
