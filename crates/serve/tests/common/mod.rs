//! What the API tests share: a server on 127.0.0.1 (port 0) over a fresh data folder, with
//! the `pseudo` engine, and a client's small helpers.
#![allow(dead_code, unused_imports, reason = "each test and bench uses some")]

pub use std::future::Future;
pub use std::path::{Path, PathBuf};
pub use std::sync::Arc;
pub use std::time::{Duration, Instant};

pub use folio_serve::{EngineRequest, JobStore, Settings, State};
pub use folio_translate::{Config, LangPair, TranslateOptions};
pub use serde_json::Value;

/// The two-page example of the README.
pub const EXAMPLE: &str = "examples/federal-register-2020-17221-p1-2.pdf";

/// How long a job may take here before the test gives up.
pub const PATIENCE: Duration = Duration::from_secs(180);

pub fn example() -> Vec<u8> {
    std::fs::read(folio_test_support::repo_root().join(EXAMPLE))
        .expect("the example is in the repository")
}

/// A fresh data folder for one test.
pub fn data_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("folio-serve-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

pub fn settings(data: &Path) -> Settings {
    Settings {
        data: data.to_path_buf(),
        token: None,
        max_upload_bytes: 20 * 1024 * 1024,
        limits: folio_pdf::Limits {
            max_pages: 100,
            ..folio_pdf::Limits::default()
        },
        jobs: 1,
        job_timeout: Duration::from_secs(600),
        fonts: Arc::new(folio_typeset::FontBook::bundled()),
        engines: vec!["pseudo".into()],
        make_engine: Arc::new(|request: &EngineRequest<'_>| {
            let config = Config {
                engine: Some(request.engine.unwrap_or("pseudo").into()),
                ..Config::default()
            };
            let pair = LangPair::new(request.from.unwrap_or("en"), request.to)
                .map_err(|e| e.to_string())?;
            let models =
                folio_translate::models_dir(None, std::env::var_os(folio_translate::MODELS_ENV));
            let engine =
                folio_translate::build_engine(&config, pair, &models).map_err(|e| e.to_string())?;
            Ok((Arc::from(engine), TranslateOptions::default()))
        }),
        ocr: folio::OcrSettings {
            language: String::new(),
            ..folio::OcrSettings::default()
        },
    }
}

/// A server on its own thread and runtime, stopped when dropped.
pub struct Server {
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn start(settings: Settings) -> Self {
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = runtime();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                folio_serve::serve(listener, settings, async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
            });
            // A job still running is left to finish on its own thread, as after a crash.
            runtime.shutdown_background();
        });
        let addr = addr_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the server starts");
        Server {
            url: format!("http://{addr}"),
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop.take().map(|s| s.send(()));
        let _ = self.thread.take().map(|t| t.join());
    }
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

pub fn block_on<F: Future>(f: F) -> F::Output {
    runtime().block_on(f)
}

/// Runs `test` with a client against a server over a fresh data folder named `name`, its
/// settings changed by `change`; the server stops and the folder goes after.
pub fn with_server(
    name: &str,
    change: impl FnOnce(&mut Settings),
    test: impl AsyncFnOnce(&reqwest::Client, &Server, &Path),
) {
    let data = data_dir(name);
    let mut settings = settings(&data);
    change(&mut settings);
    let server = Server::start(settings);
    block_on(test(&reqwest::Client::new(), &server, &data));
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

/// A multipart form: text fields, then the file when given.
pub fn form(fields: &[(&str, &str)], file: Option<&[u8]>) -> (String, Vec<u8>) {
    const BOUNDARY: &str = "folio-test-boundary-7d3f";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some(file) = file {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"in.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

/// `POST /v1/jobs` with the pseudo engine into Portuguese: the status and the JSON body.
pub async fn upload(
    client: &reqwest::Client,
    server: &Server,
    token: Option<&str>,
    pdf: &[u8],
) -> (u16, Value) {
    let (content_type, body) = form(&[("to", "pt-BR"), ("engine", "pseudo")], Some(pdf));
    let mut request = client
        .post(format!("{}/v1/jobs", server.url))
        .header("content-type", content_type)
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub async fn get_json(client: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Polls the job until it is done or failed; panics after [`PATIENCE`].
pub async fn wait_final(client: &reqwest::Client, server: &Server, id: &str) -> Value {
    let start = Instant::now();
    loop {
        let (status, job) = get_json(client, &format!("{}/v1/jobs/{id}", server.url)).await;
        assert_eq!(status, 200, "{job}");
        if matches!(job["state"].as_str(), Some("done" | "failed")) {
            return job;
        }
        assert!(start.elapsed() < PATIENCE, "job {id} not finished: {job}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Letters with a diacritic: the pseudo engine accents the letters it translates.
pub fn accented(text: &str) -> usize {
    text.chars()
        .filter(|c| c.is_alphabetic() && !c.is_ascii())
        .count()
}

/// The text of a PDF by `pdftotext`, or `None` when poppler-utils is not installed.
pub fn pdftotext(pdf: &[u8]) -> Option<String> {
    folio_test_support::pdftotext(pdf)
}
