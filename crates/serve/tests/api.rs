//! The API against a real server on 127.0.0.1 (port 0), with the `pseudo` engine and the
//! repository's small PDFs.

mod common;

use common::*;
use folio_serve::JobOptions;

#[test]
fn upload_runs_to_done_and_serves_the_translated_pdf_and_report() {
    with_server(
        "upload",
        |_| {},
        async |client, server, data| {
            let (status, created) = upload(client, server, None, &example()).await;
            assert_eq!(status, 201, "{created}");
            let id = created["id"].as_str().expect("an id").to_string();
            assert!(
                id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()),
                "{id}"
            );

            let job = wait_final(client, server, &id).await;
            assert_eq!(job["state"], "done", "{job}");
            assert!(
                job["report"]["segments"]["translated"].as_u64().unwrap() > 0,
                "{job}"
            );

            let (status, report) =
                get_json(client, &format!("{}/v1/jobs/{id}/report.json", server.url)).await;
            assert_eq!(status, 200);
            assert_eq!(report, job["report"]);

            let pdf = client
                .get(format!("{}/v1/jobs/{id}/result.pdf", server.url))
                .send()
                .await
                .unwrap();
            assert_eq!(pdf.status(), 200);
            assert_eq!(pdf.headers()["content-type"], "application/pdf");
            let pdf = pdf.bytes().await.unwrap();
            assert!(pdf.starts_with(b"%PDF"));
            std::fs::write(data.join("result.pdf"), &pdf).unwrap();
            if folio_test_support::tool("pdftotext", "poppler-utils") {
                let text = |path: &Path| {
                    let out = std::process::Command::new("pdftotext")
                        .arg(path)
                        .arg("-")
                        .output()
                        .unwrap();
                    String::from_utf8_lossy(&out.stdout).into_owned()
                };
                let before = accented(&text(&folio_test_support::repo_root().join(EXAMPLE)));
                let after = accented(&text(&data.join("result.pdf")));
                assert!(
                    after > before + 500,
                    "pseudo translation not in the text: {before} → {after} accented letters"
                );
            }
        },
    );
}

// Uploads refused before the server reads them whole are kept small here: a server answers
// before it reads the rest, and a client still writing a large body sees the connection close
// (a broken pipe) instead of the answer.

#[test]
fn a_token_is_required_when_set() {
    with_server(
        "token",
        |s| s.token = Some("s3cret".into()),
        async |client, server, _| {
            let (status, body) = upload(client, server, None, b"%PDF-1.4 small").await;
            assert_eq!(status, 401, "{body}");
            assert!(body["error"].as_str().unwrap().contains("token"), "{body}");
            assert!(body["hint"].as_str().unwrap().contains("Bearer"), "{body}");
            let (status, _) = upload(client, server, Some("s3cre"), b"%PDF-1.4 small").await;
            assert_eq!(status, 401);

            let (status, created) = upload(client, server, Some("s3cret"), &example()).await;
            assert_eq!(status, 201, "{created}");
            let url = format!("{}/v1/jobs/{}", server.url, created["id"].as_str().unwrap());
            assert_eq!(client.get(&url).send().await.unwrap().status(), 401);
            let response = client.get(&url).bearer_auth("s3cret").send().await.unwrap();
            assert_eq!(response.status(), 200);
        },
    );
}

#[test]
fn an_upload_over_the_size_limit_is_413() {
    with_server(
        "size",
        |s| s.max_upload_bytes = 8 * 1024,
        async |client, server, _| {
            let (status, body) = upload(client, server, None, &vec![b'x'; 32 * 1024]).await;
            assert_eq!(status, 413, "{body}");
            assert!(
                body["error"].as_str().unwrap().contains("limit of 8 KB"),
                "{body}"
            );
            assert!(
                body["hint"].as_str().unwrap().contains("--max-upload-mb"),
                "{body}"
            );
        },
    );
}

#[test]
fn limits_and_unreadable_files_are_clear_errors() {
    with_server(
        "limits",
        |s| s.limits.max_pages = 1,
        async |client, server, _| {
            // Not a PDF: the reader's own message and hint.
            let (status, body) = upload(client, server, None, b"hello, this is not a PDF").await;
            assert_eq!(status, 422, "{body}");
            let expected = folio_pdf::page_count(
                b"hello, this is not a PDF".to_vec(),
                None,
                &folio_pdf::Limits::default(),
            )
            .unwrap_err();
            assert_eq!(body["error"], expected.to_string(), "{body}");
            assert_eq!(body["hint"], expected.hint().unwrap(), "{body}");

            // An engine the server does not offer.
            let (content_type, form_body) =
                form(&[("to", "pt-BR"), ("engine", "openai")], Some(&example()));
            let response = client
                .post(format!("{}/v1/jobs", server.url))
                .header("content-type", content_type)
                .body(form_body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 422);
            let body: Value = response.json().await.unwrap();
            assert_eq!(
                body["error"], "the engine `openai` is not offered here",
                "{body}"
            );
            assert!(body["hint"].as_str().unwrap().contains("pseudo"), "{body}");

            // Two pages, over the limit of one: 422 naming the limit.
            let (status, body) = upload(client, server, None, &example()).await;
            assert_eq!(status, 422, "{body}");
            assert!(
                body["error"].as_str().unwrap().contains("limit of 1"),
                "{body}"
            );

            // Ids are ours or nothing: unknown and malformed ids are 404, as JSON.
            for id in [
                "0123456789abcdef0123456789abcdef",
                "abc",
                "..%2F..%2Fetc",
                "ZZ",
            ] {
                let (status, body) =
                    get_json(client, &format!("{}/v1/jobs/{id}", server.url)).await;
                assert_eq!(status, 404, "{id}: {body}");
                assert!(body["error"].is_string(), "{id}: {body}");
                let (status, _) =
                    get_json(client, &format!("{}/v1/jobs/{id}/result.pdf", server.url)).await;
                assert_eq!(status, 404, "{id}");
            }
        },
    );
}

#[test]
fn events_stream_ends_with_done() {
    with_server(
        "events",
        |_| {},
        async |client, server, _| {
            let (status, created) = upload(client, server, None, &example()).await;
            assert_eq!(status, 201, "{created}");
            let id = created["id"].as_str().unwrap();
            let mut response = client
                .get(format!("{}/v1/jobs/{id}/events", server.url))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            assert_eq!(response.headers()["content-type"], "text/event-stream");
            let mut text = String::new();
            let read_all = async {
                while let Some(chunk) = response.chunk().await.unwrap() {
                    text.push_str(&String::from_utf8_lossy(&chunk));
                }
            };
            tokio::time::timeout(PATIENCE, read_all)
                .await
                .expect("the stream ends");
            assert!(text.contains("event: done\n"), "{text}");
            assert!(!text.contains("event: failed"), "{text}");
            // The last event is the end: done, with the job in its data.
            let last = text.trim_end().rsplit("\n\n").next().unwrap();
            assert!(last.starts_with("event: done\ndata: {"), "{last}");
            assert!(last.contains(r#""state":"done""#), "{last}");
        },
    );
}

#[test]
fn a_restart_keeps_done_jobs_and_finishes_queued_and_running_ones() {
    let data = data_dir("restart");
    let done_id = {
        let server = Server::start(settings(&data));
        block_on(async {
            let client = reqwest::Client::new();
            let (status, created) = upload(&client, &server, None, &example()).await;
            assert_eq!(status, 201, "{created}");
            let id = created["id"].as_str().unwrap().to_string();
            assert_eq!(wait_final(&client, &server, &id).await["state"], "done");
            id
        })
    };
    // While no server runs: one job left queued, one left running (as after a crash).
    let store = JobStore::open(&data).unwrap();
    let options = JobOptions {
        to: "pt-BR".into(),
        engine: Some("pseudo".into()),
        ..JobOptions::default()
    };
    let queued = store.create(options.clone(), 2, &example()).unwrap();
    let mut running = store.create(options, 2, &example()).unwrap();
    running.state = State::Running;
    store.save(&running).unwrap();

    let server = Server::start(settings(&data));
    block_on(async {
        let client = reqwest::Client::new();
        let (status, job) = get_json(&client, &format!("{}/v1/jobs/{done_id}", server.url)).await;
        assert_eq!(status, 200);
        assert_eq!(job["state"], "done", "{job}");
        let pdf = client
            .get(format!("{}/v1/jobs/{done_id}/result.pdf", server.url))
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.status(), 200);
        for id in [&queued.id, &running.id] {
            let job = wait_final(&client, &server, id).await;
            assert_eq!(job["state"], "done", "{job}");
        }
    });
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn a_panic_fails_the_job_with_its_message() {
    with_server(
        "panic",
        |s| s.make_engine = Arc::new(|_: &EngineRequest<'_>| panic!("engine exploded")),
        async |client, server, _| {
            let (status, created) = upload(client, server, None, &example()).await;
            assert_eq!(status, 201, "{created}");
            let job = wait_final(client, server, created["id"].as_str().unwrap()).await;
            assert_eq!(job["state"], "failed", "{job}");
            assert_eq!(
                job["error"]["error"], "internal error: engine exploded",
                "{job}"
            );
            assert!(
                job["error"]["hint"].as_str().unwrap().contains("report"),
                "{job}"
            );
            // The server still answers.
            let (status, _) = upload(client, server, None, &example()).await;
            assert_eq!(status, 201);
        },
    );
}

#[test]
fn a_job_past_its_time_limit_fails() {
    with_server(
        "timeout",
        |s| s.job_timeout = Duration::ZERO,
        async |client, server, _| {
            let (status, created) = upload(client, server, None, &example()).await;
            assert_eq!(status, 201, "{created}");
            let job = wait_final(client, server, created["id"].as_str().unwrap()).await;
            assert_eq!(job["state"], "failed", "{job}");
            assert!(
                job["error"]["error"]
                    .as_str()
                    .unwrap()
                    .contains("longer than the limit of 0 s"),
                "{job}"
            );
        },
    );
}

#[test]
fn jobs_run_one_at_a_time_in_the_order_they_came() {
    let data = data_dir("order");
    let base = settings(&data);
    let make = base.make_engine.clone();
    let server = Server::start(Settings {
        jobs: 1,
        // Slow enough that the later jobs are still queued when asked about.
        make_engine: Arc::new(move |request: &EngineRequest<'_>| {
            std::thread::sleep(Duration::from_millis(300));
            make(request)
        }),
        ..base
    });
    block_on(async {
        let client = reqwest::Client::new();
        let mut ids = Vec::new();
        for _ in 0..3 {
            let (status, created) = upload(&client, &server, None, &example()).await;
            assert_eq!(status, 201, "{created}");
            ids.push(created["id"].as_str().unwrap().to_string());
        }
        // The last one waits: no result yet, and it says why.
        let (status, job) = get_json(&client, &format!("{}/v1/jobs/{}", server.url, ids[2])).await;
        assert_eq!(
            (status, job["state"].as_str()),
            (200, Some("queued")),
            "{job}"
        );
        let (status, body) = get_json(
            &client,
            &format!("{}/v1/jobs/{}/result.pdf", server.url, ids[2]),
        )
        .await;
        assert_eq!(status, 409, "{body}");
        assert!(body["error"].as_str().unwrap().contains("queued"), "{body}");

        let mut jobs = Vec::new();
        for id in &ids {
            jobs.push(wait_final(&client, &server, id).await);
        }
        for pair in jobs.windows(2) {
            assert_eq!(pair[0]["state"], "done", "{}", pair[0]);
            let finished = pair[0]["finished_ms"].as_u64().unwrap();
            let next_started = pair[1]["started_ms"].as_u64().unwrap();
            assert!(
                finished <= next_started,
                "overlap or out of order: {} then {}",
                pair[0],
                pair[1]
            );
        }
    });
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn the_preview_page_needs_no_token_and_the_engines_do() {
    with_server(
        "page",
        |s| s.token = Some("s3cret".into()),
        async |client, server, _| {
            for (path, kind) in [
                ("/", "text/html"),
                ("/app.js", "text/javascript"),
                ("/app.css", "text/css"),
            ] {
                let response = client
                    .get(format!("{}{path}", server.url))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 200, "{path}");
                let headers = response.headers();
                let content_type = headers["content-type"].to_str().unwrap();
                assert!(content_type.starts_with(kind), "{path}: {content_type}");
                assert!(headers.contains_key("content-security-policy"), "{path}");
            }
            let engines = format!("{}/v1/engines", server.url);
            assert_eq!(client.get(&engines).send().await.unwrap().status(), 401);
            let response = client.get(&engines).bearer_auth("s3cret").send().await;
            let body: Value = response.unwrap().json().await.unwrap();
            assert_eq!(body["engines"], serde_json::json!(["pseudo"]), "{body}");
        },
    );
}

/// An open preview page follows its job's events for as long as it is open: the server must
/// still stop, ending the stream.
#[test]
fn a_followed_event_stream_ends_when_the_server_stops() {
    let data = data_dir("stop-following");
    let server = Server::start(settings(&data));
    let client = reqwest::Client::new();
    let mut events = block_on(async {
        let (status, created) = upload(&client, &server, None, &example()).await;
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_str().unwrap();
        assert_eq!(wait_final(&client, &server, id).await["state"], "done");
        let url = format!("{}/v1/jobs/{id}/events?follow=true", server.url);
        let mut events = client.get(url).send().await.unwrap();
        let first = events.chunk().await.unwrap().expect("the job as it is now");
        assert!(String::from_utf8_lossy(&first).contains("event: done"));
        events
    });
    let (stopped, stop) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        drop(server);
        let _ = stopped.send(());
    });
    assert!(
        stop.recv_timeout(Duration::from_secs(10)).is_ok(),
        "the server did not stop while its events were followed"
    );
    let ended = block_on(async {
        let drain = async { while let Ok(Some(_)) = events.chunk().await {} };
        tokio::time::timeout(Duration::from_secs(5), drain).await
    });
    assert!(ended.is_ok(), "the stream goes on after the server stopped");
    let _ = std::fs::remove_dir_all(&data);
}
