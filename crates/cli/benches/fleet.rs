//! Fleet throughput (issue 11): 1, 2 and 4 `folio worker` processes on one Redis queue,
//! against the fake OpenAI server answering each request after a fixed latency and refusing
//! (429) requests above a fixed number per minute. Documents a minute should grow with the
//! workers until the limit, then hold at it, with the fleet's shared limit (`--rpm`, kept in
//! Redis) keeping the server's 429s away and no segment failing.
//!
//! ```text
//! cargo bench -p folio-cli --bench fleet
//! cargo bench -p folio-cli --bench fleet -- --seconds 240 --rpm 400 --latency-ms 300 --workers 1,2,4
//! ```
//!
//! Each configuration gets a fresh queue with more documents than it can do and a fake server
//! of its own, runs for `--seconds` (default 180), then stops its workers with SIGTERM
//! (`--drain 0`). The rates are measured after the first minute, over whole minutes: a
//! sliding window lets a burst of `rpm` requests go at the start of each window when the
//! workers could do more, so only whole windows show the rate the limit holds. Printed per configuration: documents done a
//! minute, requests the server answered a minute, the 429s it sent in the whole run, segments that failed in the written reports, and the workers' warnings (a shared
//! limit that could not reach Redis). Needs `redis-server`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fake_openai::FakeOpenAi;
use folio_batch::{Queue, QueueUrl, RedisQueue};
use folio_test_support::RedisServer;

#[path = "../../translate/tests/support/fake_openai.rs"]
#[allow(dead_code, reason = "the benchmark uses part of the fake server")]
mod fake_openai;

/// Time before the rates are measured: one window of the limit.
const WARM_UP: Duration = Duration::from_secs(60);

/// The documents, in turn (one page each, 20-40 segments).
const INPUTS: [&str; 3] = [
    "tests/corpus/made/table-ruled.pdf",
    "tests/corpus/made/table-unruled.pdf",
    "tests/corpus/made/math-stix2.pdf",
];

struct Args {
    seconds: u64,
    rpm: usize,
    latency: Duration,
    workers: Vec<usize>,
}

fn args() -> Args {
    let mut args = Args {
        seconds: 180,
        rpm: 400,
        latency: Duration::from_millis(300),
        workers: vec![1, 2, 4],
    };
    let given: Vec<String> = std::env::args().skip(1).collect();
    let mut it = given.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().map(String::as_str).unwrap_or_default();
        match flag.as_str() {
            "--seconds" => args.seconds = value().parse().expect("--seconds N"),
            "--rpm" => args.rpm = value().parse().expect("--rpm N"),
            "--latency-ms" => {
                args.latency = Duration::from_millis(value().parse().expect("--latency-ms N"))
            }
            "--workers" => {
                args.workers = value()
                    .split(',')
                    .map(|n| n.parse().expect("--workers 1,2,4"))
                    .collect()
            }
            _ => {} // `cargo bench` passes --bench
        }
    }
    args
}

fn main() {
    let args = args();
    let Some(redis) = RedisServer::start() else {
        eprintln!("the fleet benchmark needs redis-server");
        std::process::exit(1);
    };
    let dir = std::env::temp_dir().join(format!("folio-fleet-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("openai.toml");
    // A few requests per document, so documents are many requests as real ones are.
    std::fs::write(&config, "[openai]\nmax_batch_segments = 8\n").unwrap();

    println!(
        "fake server: {} ms a request, {} requests a minute; {} s per configuration",
        args.latency.as_millis(),
        args.rpm,
        args.seconds
    );
    println!("workers  docs/min  requests/min  429s  failed segments  warnings");
    for &workers in &args.workers {
        // A server of its own: the last configuration's requests must not count against this
        // one's limit (the fleet's limit is the queue's, new for each).
        let server = FakeOpenAi::start();
        server.set_latency(args.latency);
        // The server counts over 58 s, the fleet over 60 s: a request reaches the server a
        // little after it leaves a worker, and that jitter alone must not look like a broken
        // limit.
        server.set_rpm(args.rpm, Duration::from_secs(58));
        // More documents than any configuration can do in the time.
        let documents = 60 * workers.max(4) * args.seconds as usize / 30;
        let name = format!("bench{workers}");
        let out = dir.join(&name);
        let manifest = dir.join(format!("{name}.csv"));
        let mut csv = String::from("id,input,to\n");
        for i in 0..documents {
            let input = folio_test_support::repo_root().join(INPUTS[i % INPUTS.len()]);
            csv += &format!("d{i},{},es\n", input.display());
        }
        std::fs::write(&manifest, csv).unwrap();
        let queue_url = redis.url(&name);
        let queued = folio()
            .arg("batch")
            .arg(&manifest)
            .arg("--out")
            .arg(&out)
            .args(["--queue", &queue_url])
            .output()
            .unwrap();
        assert!(queued.status.success(), "{queued:?}");
        let queue = RedisQueue::open(
            &QueueUrl::parse(&queue_url).unwrap(),
            Duration::from_secs(60),
        )
        .unwrap();

        let logs: Vec<PathBuf> = (0..workers)
            .map(|i| dir.join(format!("{name}-worker{i}.log")))
            .collect();
        let children: Vec<Child> = logs
            .iter()
            .map(|log| worker(&queue_url, &out, &config, &server, args.rpm, log))
            .collect();
        // The first minute is a burst (a sliding window lets `rpm` requests go at once); the
        // rates are measured after it, when the fleet is in its steady state.
        std::thread::sleep(WARM_UP);
        let (done_before, measured) = (queue.status().unwrap().done, Instant::now());
        std::thread::sleep(Duration::from_secs(args.seconds).saturating_sub(WARM_UP));
        let done = queue.status().unwrap().done - done_before;
        let elapsed = measured.elapsed();
        for child in &children {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
        }
        for mut child in children {
            let _ = child.wait();
        }
        let minutes = elapsed.as_secs_f64() / 60.0;
        let answered = server
            .accepted()
            .iter()
            .filter(|&&t| t >= measured && t <= measured + elapsed)
            .count();
        let warnings = logs
            .iter()
            .map(|l| std::fs::read_to_string(l).unwrap_or_default())
            .map(|log| log.lines().filter(|l| l.starts_with("warning:")).count())
            .sum::<usize>();
        println!(
            "{workers:>7}  {:>8.1}  {:>12.1}  {:>4}  {:>15}  {warnings}",
            done as f64 / minutes,
            answered as f64 / minutes,
            server.limited(),
            failed_segments(&out)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn folio() -> Command {
    Command::new(env!("CARGO_BIN_EXE_folio"))
}

/// One worker on the fake server: one document and one request at a time, no cache (every
/// document costs its requests), the fleet's limit at the server's.
fn worker(
    queue: &str,
    out: &Path,
    config: &Path,
    server: &FakeOpenAi,
    rpm: usize,
    log: &Path,
) -> Child {
    folio()
        .args(["worker", "--queue", queue])
        .arg("--out")
        .arg(out)
        .args(["--engine", "openai", "--model", "bench", "--base-url"])
        .arg(server.base_url())
        .arg("--config")
        .arg(config)
        .args(["--api-key-env", "FOLIO_BENCH_KEY", "--no-cache"])
        .args([
            "--max-concurrency",
            "1",
            "--concurrency",
            "1",
            "--drain",
            "0",
        ])
        .args(["--rpm", &rpm.to_string()])
        .env("FOLIO_BENCH_KEY", FakeOpenAi::KEY)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap()
}

/// Failed segments over every report under `out`.
fn failed_segments(out: &Path) -> usize {
    let mut failed = 0;
    let mut stack: Vec<PathBuf> = vec![out.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().ends_with(".report.json") {
                let report: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                failed += report["segments"]["failed"].as_array().map_or(0, Vec::len);
            }
        }
    }
    failed
}
