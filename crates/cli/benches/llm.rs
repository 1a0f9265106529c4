//! The whole pipeline against a real OpenAI-compatible server (issue 12): `folio translate
//! --engine openai` on real PDFs, with what it cost per source token and per page.
//!
//! ```text
//! scripts/llm-server.sh --port 8080 --background      # llama.cpp and a 0.5B model, local
//! FOLIO_LLM_URL=http://127.0.0.1:8080/v1 cargo bench -p folio-cli --bench llm
//! FOLIO_LLM_URL=… cargo bench -p folio-cli --bench llm -- FILE.pdf … [--to es] [--model M]
//! ```
//!
//! Without `FOLIO_LLM_URL` it says so and does nothing. The default input is the README's
//! example (two pages of the US Federal Register). Each file is first estimated
//! (`--dry-run`, for its source tokens), then translated once without a cache, with the
//! engine's defaults (streaming, structured output, adaptive batches). Printed per file: wall
//! time and seconds per page, segments translated and failed (with each failure's reason),
//! every engine counter of the report (requests, retries, resends, timeouts, …), prompt and
//! completion tokens per source token, and how long the progress went without moving.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The README's example.
const DEFAULT_INPUT: &str = "examples/federal-register-2020-17221-p1-2.pdf";

fn main() {
    let Ok(url) = std::env::var("FOLIO_LLM_URL") else {
        println!(
            "FOLIO_LLM_URL is not set: start a server (scripts/llm-server.sh) and set it to its /v1 address"
        );
        return;
    };
    let mut files = Vec::new();
    let mut to = "pt-BR".to_string();
    let mut model = "local".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--to" => to = args.next().expect("--to LANG"),
            "--model" => model = args.next().expect("--model NAME"),
            "--bench" => {}
            other => files.push(PathBuf::from(other)),
        }
    }
    if files.is_empty() {
        files.push(repo().join(DEFAULT_INPUT));
    }
    println!("folio translate --engine openai against {url} (model {model}), to {to}");
    for file in &files {
        run(file, &url, &model, &to);
    }
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `folio` binary; a local server takes any API key.
fn folio() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_folio"));
    if std::env::var_os("OPENAI_API_KEY").is_none() {
        command.env("OPENAI_API_KEY", "none");
    }
    command
}

fn engine_args<'a>(url: &'a str, model: &'a str, to: &'a str) -> [&'a str; 8] {
    [
        "--to",
        to,
        "--engine",
        "openai",
        "--base-url",
        url,
        "--model",
        model,
    ]
}

fn run(file: &Path, url: &str, model: &str, to: &str) {
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    let dir = repo().join("target/bench-llm");
    std::fs::create_dir_all(&dir).expect("target/bench-llm");
    let out = dir.join(format!("{name}.{to}.pdf"));
    let report_path = dir.join(format!("{name}.{to}.report.json"));

    let estimate = folio()
        .arg("translate")
        .arg(file)
        .arg("-o")
        .arg(&out)
        .args(engine_args(url, model, to))
        .args(["--dry-run", "--no-cache"])
        .output()
        .expect("folio runs");
    let estimate = String::from_utf8_lossy(&estimate.stdout).to_string();
    let source_tokens: f64 = estimate
        .split(';')
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(f64::NAN);

    let start = Instant::now();
    let mut child = folio()
        .arg("translate")
        .arg(file)
        .arg("-o")
        .arg(&out)
        .args(engine_args(url, model, to))
        .args(["--no-cache", "--report"])
        .arg(&report_path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("folio runs");
    // Progress lines ("  12/57 segments") as they come: the longest wait between moves.
    let mut last_move = None::<Instant>;
    let mut longest_still = Duration::ZERO;
    let mut moves = 0;
    for line in BufReader::new(child.stderr.take().expect("stderr")).lines() {
        let Ok(line) = line else { break };
        if line.trim_end().ends_with(" segments") && line.contains('/') {
            let now = Instant::now();
            if let Some(t) = last_move {
                longest_still = longest_still.max(now - t);
            }
            last_move = Some(now);
            moves += 1;
        } else if line.starts_with("Translate") {
            last_move = Some(Instant::now());
        }
    }
    let status = child.wait().expect("folio ends");
    let wall = start.elapsed();

    let report: Value = std::fs::read(&report_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(Value::Null);
    let pages = report["pages_translated"].as_f64().unwrap_or(f64::NAN);
    let failed = report["segments"]["failed"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let translated = report["segments"]["translated"].as_u64().unwrap_or(0);
    let engine = &report["engine"];
    let tokens = |key: &str| engine[key].as_f64().unwrap_or(f64::NAN);
    println!(
        "{name}: exit {}, {:.0} s ({:.0} s a page); {translated} segments translated, {} failed; \
         {source_tokens} source tokens: {:.2} prompt and {:.2} completion tokens per source token; \
         progress moved {moves} times, at most {:.0} s without moving",
        status
            .code()
            .map_or("signal".to_string(), |c| c.to_string()),
        wall.as_secs_f64(),
        wall.as_secs_f64() / pages,
        failed.len(),
        tokens("prompt_tokens") / source_tokens,
        tokens("completion_tokens") / source_tokens,
        longest_still.as_secs_f64(),
    );
    if let Some(fields) = engine.as_object() {
        let counters: Vec<String> = fields
            .iter()
            .filter(|(_, v)| v.is_number())
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        println!("  engine: {}", counters.join(", "));
    }
    for f in &failed {
        println!(
            "  failed: page {} block {}: {}",
            f["page"],
            f["block"]["index"],
            f["reason"].as_str().unwrap_or("?")
        );
    }
}
