//! The editor's speed (issue 13): the time from an edit's request to its answer (the page set
//! again, the PDF written again, from the job's memory), and the API's answers to 50 clients
//! polling while a job runs.
//!
//! ```sh
//! FOLIO_CORPUS=../shared/corpus cargo bench -p folio-serve --bench edit
//! ```
//!
//! The server runs in this process on 127.0.0.1 with the `pseudo` engine. First part: the acm
//! paper (6 pages) is translated, then a block of its first page is edited 20 times (each a
//! new text); the edit's time is printed as median and slowest, with the time of one full
//! translation beside it. Second part: 50 clients poll `GET /v1/jobs/{id}` every 100 ms while
//! `lshort` (153 pages) is translated; the answers' median and 99th percentile, and the job's
//! time with and without them.
//!
//! Measured on the 2-core machine of 2026-12-04 (release build, while another build ran):
//! `acm paper: translated in 0.21 s; an edit answered in 0.15 s median, 0.22 s slowest (20)`;
//! `lshort 153 pages: 1.45 s alone, 1.48 s with 50 clients polling; polls answered in 1.7 ms
//! median, 26.8 ms p99 (750 polls)`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::*;

fn corpus_pdf(name: &str) -> Vec<u8> {
    let path = folio_test_support::find_corpus_file(name)
        .unwrap_or_else(|| panic!("{name} is not in the corpus: set FOLIO_CORPUS"));
    std::fs::read(path).unwrap()
}

async fn submit(client: &reqwest::Client, server: &Server, pdf: &[u8]) -> String {
    let (content_type, body) = form(&[("to", "pt-BR"), ("engine", "pseudo")], Some(pdf));
    let response = client
        .post(format!("{}/v1/jobs", server.url))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    created["id"].as_str().unwrap().to_string()
}

fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn main() {
    let data = data_dir("bench-edit");
    let mut settings = settings(&data);
    settings.limits.max_pages = 1000;
    let server = Server::start(settings);
    block_on(async {
        let client = reqwest::Client::new();

        // An edit on the acm paper's first page.
        let start = Instant::now();
        let id = submit(
            &client,
            &server,
            &corpus_pdf("paper-2col-acm-sigconf-formulas-tables.pdf"),
        )
        .await;
        let job = wait_final(&client, &server, &id).await;
        assert_eq!(job["state"], "done", "{job}");
        let translated = start.elapsed();
        let (_, page) = get_json(
            &client,
            &format!("{}/v1/jobs/{id}/pages/1/blocks", server.url),
        )
        .await;
        let block = page["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| {
                b["editable"] == true
                    && b["role"] == "body"
                    && !b["source"].as_str().unwrap().contains("[1]")
            })
            .expect("a body block without spans on page 1")
            .clone();
        let url = format!(
            "{}/v1/jobs/{id}/blocks/{}",
            server.url,
            block["id"].as_str().unwrap()
        );
        let mut times = Vec::new();
        for n in 0..20 {
            let start = Instant::now();
            let response = client
                .put(&url)
                .json(&serde_json::json!({ "translation": format!("Edição número {n} deste parágrafo.") }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
            response.bytes().await.unwrap();
            times.push(start.elapsed());
        }
        times.sort();
        println!(
            "acm paper: translated in {}; an edit answered in {} median, {} slowest ({})",
            seconds(translated),
            seconds(times[times.len() / 2]),
            seconds(times[times.len() - 1]),
            times.len()
        );

        // 50 clients polling while a long job runs.
        let lshort = corpus_pdf("book-lshort-en-153p-links.pdf");
        let start = Instant::now();
        let id = submit(&client, &server, &lshort).await;
        wait_final(&client, &server, &id).await;
        let alone = start.elapsed();
        let start = Instant::now();
        let id = submit(&client, &server, &lshort).await;
        let job_url = format!("{}/v1/jobs/{id}", server.url);
        let pollers: Vec<_> = (0..50)
            .map(|_| {
                let client = client.clone();
                let job_url = job_url.clone();
                tokio::spawn(async move {
                    let mut times = Vec::new();
                    loop {
                        let asked = Instant::now();
                        let job: Value = client
                            .get(&job_url)
                            .send()
                            .await
                            .unwrap()
                            .json()
                            .await
                            .unwrap();
                        times.push(asked.elapsed());
                        if job["state"] == "done" || job["state"] == "failed" {
                            return times;
                        }
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                })
            })
            .collect();
        let mut polls = Vec::new();
        for poller in pollers {
            polls.extend(poller.await.unwrap());
        }
        let polled = start.elapsed();
        polls.sort();
        let at = |q: f64| polls[((polls.len() - 1) as f64 * q) as usize];
        println!(
            "lshort 153 pages: {} alone, {} with 50 clients polling; polls answered in {:.1} ms median, {:.1} ms p99 ({} polls)",
            seconds(alone),
            seconds(polled),
            at(0.5).as_secs_f64() * 1000.0,
            at(0.99).as_secs_f64() * 1000.0,
            polls.len()
        );
    });
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}
