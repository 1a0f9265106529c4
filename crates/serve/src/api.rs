//! The HTTP API (`docs/api.md`): routes, the bearer token, limits, and errors as
//! `{"error": …, "hint": …}` with their status.

use std::convert::Infallible;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, Request, State as AxState};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use folio_pdf::{LimitExceeded, ReadError};
use futures_util::stream::{self, Stream, StreamExt};
use serde_json::json;
use subtle::ConstantTimeEq;
use tokio::sync::broadcast;

use crate::Settings;
use crate::edit::{BlockView, EditError, parse_block_name};
use crate::runner::{JobEvent, Runner};
use crate::store::{JobOptions, State, valid_id};

/// What every handler shares.
#[derive(Clone)]
struct App {
    runner: Runner,
    token: Option<Arc<str>>,
    max_upload_bytes: usize,
    limits: folio_pdf::Limits,
    engines: Arc<[String]>,
    /// Turns true when the server begins to shut down.
    stopping: tokio::sync::watch::Receiver<bool>,
}

/// Room for the multipart form's other fields and boundaries around the PDF.
const FORM_SLACK: usize = 64 * 1024;

/// The API's routes over `runner`; `stopping` turns true when the server shuts down, which
/// ends the event streams.
pub fn router(
    runner: Runner,
    settings: &Settings,
    stopping: tokio::sync::watch::Receiver<bool>,
) -> Router {
    let app = App {
        runner,
        token: settings.token.as_deref().map(Arc::from),
        max_upload_bytes: settings.max_upload_bytes,
        limits: settings.limits,
        engines: settings.engines.clone().into(),
        stopping,
    };
    Router::new()
        .route("/v1/engines", get(engines))
        .route("/v1/jobs", post(create_job).get(list_jobs))
        .route("/v1/jobs/{id}", get(get_job).delete(delete_job))
        .route("/v1/jobs/{id}/events", get(job_events))
        .route("/v1/jobs/{id}/run", post(run_again))
        .route("/v1/jobs/{id}/result.pdf", get(result_pdf))
        .route("/v1/jobs/{id}/report.json", get(report_json))
        .route("/v1/jobs/{id}/blocks", get(all_blocks))
        .route("/v1/jobs/{id}/xliff", get(get_xliff).put(put_xliff))
        .route(
            "/v1/jobs/{id}/blocks/{block}",
            axum::routing::put(put_block).delete(delete_block),
        )
        .route("/v1/jobs/{id}/pages/{page}/blocks", get(page_blocks))
        .route("/v1/jobs/{id}/pages/{page}/{image}", get(page_image))
        .fallback(|| async { ApiError::NotFound("no such endpoint") })
        .layer(DefaultBodyLimit::max(
            settings.max_upload_bytes.saturating_add(FORM_SLACK),
        ))
        .layer(axum::middleware::from_fn_with_state(app.clone(), authorize))
        // After the token's layer: the page and its assets hold no data.
        .merge(crate::web::routes())
        .with_state(app)
}

/// Why a request failed; each variant is one status and a message safe to show.
#[derive(Debug)]
enum ApiError {
    /// 401: the token is missing or wrong.
    Unauthorized,
    /// 404: no such job or endpoint.
    NotFound(&'static str),
    /// 400: the request is malformed.
    BadRequest(String),
    /// 409: the job has no result yet.
    NotReady(State),
    /// 413: the upload is larger than the limit.
    TooLarge { limit: usize },
    /// 422: the request is well formed but cannot be done.
    Unprocessable { error: String, hint: Option<String> },
    /// 500: our fault; the details go to the log, not to the client.
    Internal(String),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error, hint) = match self {
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "missing or wrong bearer token".to_string(),
                Some("send the header `Authorization: Bearer TOKEN`".to_string()),
            ),
            ApiError::NotFound(what) => (StatusCode::NOT_FOUND, what.to_string(), None),
            ApiError::BadRequest(error) => (StatusCode::BAD_REQUEST, error, None),
            ApiError::NotReady(state) => (
                StatusCode::CONFLICT,
                format!("the job is {}: it has no result", state_name(state)),
                Some("wait for the job to be done (GET /v1/jobs/ID or its events)".into()),
            ),
            ApiError::TooLarge { limit } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the upload is larger than the limit of {}", size(limit)),
                Some("split the PDF, or ask the operator to raise --max-upload-mb".into()),
            ),
            ApiError::Unprocessable { error, hint } => {
                (StatusCode::UNPROCESSABLE_ENTITY, error, hint)
            }
            ApiError::Internal(detail) => {
                eprintln!("error: {detail}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal error".to_string(),
                    Some("please report this as a bug; the server's log has the details".into()),
                )
            }
        };
        let mut body = json!({ "error": error });
        if let Some(hint) = hint {
            body["hint"] = hint.into();
        }
        (status, Json(body)).into_response()
    }
}

/// A size as people read it: whole megabytes, else kilobytes.
fn size(bytes: usize) -> String {
    const KB: usize = 1024;
    const MB: usize = 1024 * KB;
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else {
        format!("{} KB", bytes.div_ceil(KB))
    }
}

fn state_name(state: State) -> &'static str {
    match state {
        State::Queued => "queued",
        State::Running => "running",
        State::Done => "done",
        State::Failed => "failed",
    }
}

/// Lets a request through when no token is set or it carries the token (compared in
/// constant time, so the answer's timing tells nothing about the token).
async fn authorize(AxState(app): AxState<App>, request: Request, next: Next) -> Response {
    if let Some(token) = &app.token {
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !bool::from(given.as_bytes().ct_eq(token.as_bytes())) {
            return ApiError::Unauthorized.into_response();
        }
    }
    next.run(request).await
}

/// `GET /v1/engines`: the engines a job may name (empty: the server's own only).
async fn engines(AxState(app): AxState<App>) -> Json<serde_json::Value> {
    Json(json!({ "engines": app.engines.as_ref() }))
}

/// `POST /v1/jobs`: a multipart form with `file`, `to`, and optional `from`, `engine`,
/// `pages`, `ocr`; checks the size, the pages and that the PDF opens, then queues the job.
async fn create_job(
    AxState(app): AxState<App>,
    mut form: Multipart,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let mut file = None;
    let mut options = JobOptions::default();
    let too_large = ApiError::TooLarge {
        limit: app.max_upload_bytes,
    };
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large),
            Err(e) => return Err(ApiError::BadRequest(format!("bad form: {}", e.body_text()))),
        };
        let name = field.name().unwrap_or("").to_string();
        let file_name = field.file_name().map(clean_file_name);
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large),
            Err(e) => return Err(ApiError::BadRequest(format!("bad form: {}", e.body_text()))),
        };
        let text = || {
            String::from_utf8(bytes.to_vec())
                .map(|s| s.trim().to_string())
                .map_err(|_| ApiError::BadRequest(format!("field `{name}` is not UTF-8 text")))
        };
        match name.as_str() {
            "file" => {
                options.file_name = file_name;
                file = Some(bytes.clone());
            }
            "to" => options.to = text()?,
            "from" => options.from = Some(text()?).filter(|s| !s.is_empty()),
            "engine" => options.engine = Some(text()?).filter(|s| !s.is_empty()),
            "pages" => options.pages = Some(text()?).filter(|s| !s.is_empty()),
            "ocr" => options.ocr = Some(text()?).filter(|s| !s.is_empty()),
            other => {
                return Err(ApiError::BadRequest(format!(
                    "unknown field `{other}` (expected file, to, from, engine, pages, ocr)"
                )));
            }
        }
    }
    let Some(file) = file else {
        return Err(ApiError::BadRequest("the form has no `file` field".into()));
    };
    if options.to.is_empty() {
        return Err(ApiError::BadRequest(
            "the form has no `to` field (the target language, e.g. `pt-BR`)".into(),
        ));
    }
    if file.len() > app.max_upload_bytes {
        return Err(too_large);
    }
    if let Some(engine) = &options.engine
        && !app.engines.contains(engine)
    {
        return Err(ApiError::Unprocessable {
            error: format!("the engine `{engine}` is not offered here"),
            hint: Some(if app.engines.is_empty() {
                "leave `engine` out: this server translates with its own engine".into()
            } else {
                format!(
                    "choose one of {}, or leave `engine` out for the server's own",
                    app.engines.join(", ")
                )
            }),
        });
    }
    if let Some(pages) = &options.pages
        && let Err(e) = pages.parse::<folio_pdf::PageSelection>()
    {
        return Err(ApiError::Unprocessable {
            error: format!("pages: {e}"),
            hint: Some("write pages as `1-3,7`, numbered from 1".into()),
        });
    }
    if let Some(mode) = &options.ocr
        && let Err(e) = mode.parse::<folio::OcrMode>()
    {
        return Err(ApiError::Unprocessable {
            error: format!("ocr: {e}"),
            hint: Some("leave `ocr` out to read scanned pages when there are some".into()),
        });
    }
    // Opening the file costs little next to translating it; it runs off the async threads.
    let bytes = Arc::new(file.to_vec());
    let count = tokio::task::spawn_blocking({
        let bytes = bytes.clone();
        let limits = app.limits;
        move || folio_pdf::page_count(bytes, None, &limits)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("page count: {e}")))?;
    let pages = count.map_err(|e| ApiError::Unprocessable {
        error: e.to_string(),
        hint: match e {
            ReadError::Limit(LimitExceeded::Pages { .. }) => {
                Some("split the PDF, or ask the operator to raise --max-pages".into())
            }
            _ => e.hint().map(String::from),
        },
    })?;
    let job = tokio::task::spawn_blocking({
        let runner = app.runner.clone();
        move || runner.submit(options, pages, &bytes)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("submit: {e}")))?
    .map_err(|e| ApiError::Internal(format!("cannot store the job: {e}")))?;
    Ok((StatusCode::CREATED, Json(json!({ "id": job.id }))))
}

/// A client's file name as shown back: its last path component, without control characters,
/// at most 200 characters.
fn clean_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    last.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// The job's id checked: anything but one of our ids is 404 before it nears the disk.
fn known(app: &App, id: &str) -> Result<crate::Job, ApiError> {
    const NO_JOB: ApiError = ApiError::NotFound("no such job");
    if !valid_id(id) {
        return Err(NO_JOB);
    }
    app.runner.job(id).ok_or(NO_JOB)
}

/// `GET /v1/jobs/{id}`: the job, with its report once done.
async fn get_job(
    AxState(app): AxState<App>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let job = known(&app, &id)?;
    let mut body = serde_json::to_value(&job).map_err(|e| ApiError::Internal(e.to_string()))?;
    if job.state == State::Done {
        let report = read_file(app.runner.store().report(&id)).await?;
        body["report"] = serde_json::from_slice(&report)
            .map_err(|e| ApiError::Internal(format!("job {id}: report.json: {e}")))?;
    }
    Ok(Json(body))
}

/// `GET /v1/jobs`: every job, newest first, without reports.
async fn list_jobs(AxState(app): AxState<App>) -> Json<serde_json::Value> {
    Json(json!({ "jobs": app.runner.jobs() }))
}

/// `POST /v1/jobs/{id}/run`: a done or failed job queued again (what failed is translated
/// again; the job's memory and edits are kept), 202 with the job; 409 while it runs.
async fn run_again(
    AxState(app): AxState<App>,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<crate::Job>), ApiError> {
    known(&app, &id)?;
    match app.runner.run_again(&id) {
        Some(Ok(job)) => Ok((StatusCode::ACCEPTED, Json(job))),
        Some(Err(job)) => Err(ApiError::NotReady(job.state)),
        None => Err(ApiError::NotFound("no such job")),
    }
}

/// `DELETE /v1/jobs/{id}`: a done or failed job and its files.
async fn delete_job(
    AxState(app): AxState<App>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    known(&app, &id)?;
    let runner = app.runner.clone();
    tokio::task::spawn_blocking(move || runner.delete(&id))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/jobs/{id}/result.pdf`.
async fn result_pdf(
    AxState(app): AxState<App>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let path = done(&app, &id)?.result(&id);
    let bytes = read_file(path).await?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], bytes).into_response())
}

/// `GET /v1/jobs/{id}/report.json`.
async fn report_json(
    AxState(app): AxState<App>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let path = done(&app, &id)?.report(&id);
    let bytes = read_file(path).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response())
}

/// The store, when job `id` is done; otherwise why there is no result.
fn done<'a>(app: &'a App, id: &str) -> Result<&'a crate::JobStore, ApiError> {
    match known(app, id)?.state {
        State::Done => Ok(app.runner.store()),
        state => Err(ApiError::NotReady(state)),
    }
}

async fn read_file(path: std::path::PathBuf) -> Result<Vec<u8>, ApiError> {
    tokio::task::spawn_blocking(move || {
        std::fs::read(&path).map_err(|e| ApiError::Internal(format!("{}: {e}", path.display())))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
}

impl From<EditError> for ApiError {
    fn from(e: EditError) -> Self {
        match e {
            EditError::NoBlock => ApiError::NotFound("no such block"),
            EditError::NotDone(state) => ApiError::NotReady(state),
            EditError::Refused { error, hint } => ApiError::Unprocessable {
                error,
                hint: Some(hint),
            },
            EditError::Internal(detail) => ApiError::Internal(detail),
        }
    }
}

/// Runs `work` on a thread of its own, off the async threads: the pipeline starts a runtime
/// of its own, which it refuses to do on one of tokio's threads (its blocking pool included).
async fn on_own_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    let (sent, answer) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("folio-edit".into())
        .spawn(move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            let _ = sent.send(out);
        })
        .map_err(|e| ApiError::Internal(format!("cannot start a thread: {e}")))?;
    match answer.await {
        Ok(Ok(out)) => Ok(out),
        Ok(Err(_)) => Err(ApiError::Internal("the edit panicked".into())),
        Err(_) => Err(ApiError::Internal(
            "the edit's thread ended without an answer".into(),
        )),
    }
}

/// The blocks of done job `id`, read off the async threads.
async fn blocks_of(app: &App, id: &str) -> Result<Vec<folio::BlockText>, ApiError> {
    known(app, id)?;
    let runner = app.runner.clone();
    let id = id.to_string();
    tokio::task::spawn_blocking(move || runner.blocks(&id))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(ApiError::from)
}

/// `?status=failed,overflowed` on the block lists.
#[derive(serde::Deserialize)]
struct BlockFilter {
    status: Option<String>,
}

impl BlockFilter {
    fn keeps(&self, block: &folio::BlockText) -> bool {
        let Some(wanted) = &self.status else {
            return true;
        };
        let status = serde_json::to_value(block.status).unwrap_or_default();
        wanted
            .split(',')
            .any(|w| status.as_str() == Some(w.trim()) || (w.trim() == "edited" && block.edited))
    }
}

/// `GET /v1/jobs/{id}/blocks`: every block of the document (`?status=failed,overflowed,shrunk`
/// for the ones to look at), in reading order.
async fn all_blocks(
    AxState(app): AxState<App>,
    Path(id): Path<String>,
    Query(filter): Query<BlockFilter>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let blocks = blocks_of(&app, &id).await?;
    let revision = known(&app, &id)?.revision;
    let views: Vec<BlockView> = blocks
        .iter()
        .filter(|b| filter.keeps(b))
        .map(BlockView::from)
        .collect();
    Ok(Json(json!({ "revision": revision, "blocks": views })))
}

/// `GET /v1/jobs/{id}/pages/{n}/blocks`: the blocks of page `n` (from 1).
async fn page_blocks(
    AxState(app): AxState<App>,
    Path((id, page)): Path<(String, u32)>,
    Query(filter): Query<BlockFilter>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let job = known(&app, &id)?;
    if page == 0 || page > job.pages {
        return Err(ApiError::NotFound("no such page"));
    }
    let blocks = blocks_of(&app, &id).await?;
    let views: Vec<BlockView> = blocks
        .iter()
        .filter(|b| b.id.page + 1 == page && filter.keeps(b))
        .map(BlockView::from)
        .collect();
    Ok(Json(
        json!({ "page": page, "revision": job.revision, "blocks": views }),
    ))
}

/// The body of `PUT /v1/jobs/{id}/blocks/{block}`.
#[derive(serde::Deserialize)]
struct BlockEdit {
    translation: String,
}

/// `PUT /v1/jobs/{id}/blocks/{block}`: the editor's translation of a block, placeholders
/// checked; the result is written again and a `page` event sent.
async fn put_block(
    AxState(app): AxState<App>,
    Path((id, block)): Path<(String, String)>,
    body: Result<Json<BlockEdit>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<crate::edit::Edited>, ApiError> {
    let Json(edit) = body.map_err(|e| {
        ApiError::BadRequest(format!(
            "{}; send {{\"translation\": \"…\"}}",
            e.body_text()
        ))
    })?;
    edit_block(&app, &id, &block, Some(edit.translation)).await
}

/// `DELETE /v1/jobs/{id}/blocks/{block}`: drops the editor's translation of a block; the
/// engine's is set again.
async fn delete_block(
    AxState(app): AxState<App>,
    Path((id, block)): Path<(String, String)>,
) -> Result<Json<crate::edit::Edited>, ApiError> {
    edit_block(&app, &id, &block, None).await
}

async fn edit_block(
    app: &App,
    id: &str,
    block: &str,
    translation: Option<String>,
) -> Result<Json<crate::edit::Edited>, ApiError> {
    known(app, id)?;
    let block = parse_block_name(block).ok_or(ApiError::NotFound("no such block"))?;
    let runner = app.runner.clone();
    let id = id.to_string();
    let edited = on_own_thread(move || runner.edit(&id, &[(block, translation)])).await??;
    Ok(Json(edited))
}

/// The job's blocks as an XLIFF document.
async fn xliff_of(app: &App, id: &str) -> Result<folio_xliff::Document, ApiError> {
    let job = known(app, id)?;
    let blocks = blocks_of(app, id).await?;
    let store = app.runner.store();
    let info: Option<folio_translate::EngineInfo> = store
        .read_json(&store.engine(id))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let from = info
        .as_ref()
        .map_or("en", |i| i.pair.from.as_str())
        .to_string();
    let original = job
        .options
        .file_name
        .clone()
        .unwrap_or_else(|| format!("{id}.pdf"));
    Ok(crate::edit::xliff_document(
        &blocks,
        &original,
        &from,
        &job.options.to,
    ))
}

/// `GET /v1/jobs/{id}/xliff`: the document's blocks as XLIFF 1.2, for a translator's tool.
async fn get_xliff(
    AxState(app): AxState<App>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let doc = xliff_of(&app, &id).await?;
    let stem = doc.original.trim_end_matches(".pdf").replace('"', "");
    let disposition = format!(
        "attachment; filename=\"{stem}.{}.xlf\"",
        doc.target_language
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-xliff+xml".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        folio_xliff::write(&doc),
    )
        .into_response())
}

/// `PUT /v1/jobs/{id}/xliff`: a translator's XLIFF back: every changed unit checked (ids,
/// sources, placeholders) before any is applied, then applied as edits in one re-render. A
/// file with any error changes nothing.
async fn put_xliff(
    AxState(app): AxState<App>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<crate::edit::Edited>, ApiError> {
    let current = xliff_of(&app, &id).await?;
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::Unprocessable {
        error: "the XLIFF file is not UTF-8".into(),
        hint: Some("save it as UTF-8 from the CAT tool".into()),
    })?;
    let bad = |e: folio_xliff::XliffError| ApiError::Unprocessable {
        error: e.to_string(),
        hint: e.hint().map(String::from),
    };
    let imported = folio_xliff::read(text).map_err(bad)?;
    let changes = folio_xliff::changes(&imported, &current).map_err(bad)?;
    let changes: Vec<_> = changes
        .into_iter()
        .filter_map(|c| Some((parse_block_name(&c.id)?, Some(c.target))))
        .collect();
    let runner = app.runner.clone();
    let edited = on_own_thread(move || runner.edit(&id, &changes)).await??;
    Ok(Json(edited))
}

/// `?dpi=` of a page image.
#[derive(serde::Deserialize)]
struct ImageQuery {
    dpi: Option<u32>,
}

/// Page images are rendered between these resolutions (a phone's thumbnail to print).
const DPI_RANGE: std::ops::RangeInclusive<u32> = 18..=300;

/// `GET /v1/jobs/{id}/pages/{n}/{source|translation}.png?dpi=96`: the page rendered,
/// cached with the job until an edit writes a new revision.
async fn page_image(
    AxState(app): AxState<App>,
    Path((id, page, image)): Path<(String, u32, String)>,
    Query(query): Query<ImageQuery>,
) -> Result<Response, ApiError> {
    let job = known(&app, &id)?;
    if page == 0 || page > job.pages {
        return Err(ApiError::NotFound("no such page"));
    }
    let dpi = query.dpi.unwrap_or(96);
    if !DPI_RANGE.contains(&dpi) {
        return Err(ApiError::Unprocessable {
            error: format!("dpi {dpi} is out of range"),
            hint: Some(format!(
                "ask for {} to {} dots per inch",
                DPI_RANGE.start(),
                DPI_RANGE.end()
            )),
        });
    }
    let store = app.runner.store().clone();
    let (pdf, name) = match image.as_str() {
        "source.png" => (store.input(&id), format!("source-{page}-{dpi}.png")),
        "translation.png" => {
            done(&app, &id)?;
            let name = format!("translation-r{}-{page}-{dpi}.png", job.revision);
            (store.result(&id), name)
        }
        _ => {
            return Err(ApiError::NotFound(
                "no such image: ask for source.png or translation.png",
            ));
        }
    };
    let cached = store.page_images(&id).join(name);
    let png = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, ApiError> {
        if let Ok(png) = std::fs::read(&cached) {
            return Ok(png);
        }
        let bytes = std::fs::read(&pdf)
            .map_err(|e| ApiError::Internal(format!("{}: {e}", pdf.display())))?;
        let image = folio_qa::render_page(&bytes, page as usize - 1, dpi as f32).map_err(|e| {
            ApiError::Unprocessable {
                error: format!("page {page} cannot be rendered: {e}"),
                hint: None,
            }
        })?;
        let mut png = Vec::new();
        image
            .write_to(
                &mut std::io::Cursor::new(&mut png),
                folio_qa::image::ImageFormat::Png,
            )
            .map_err(|e| ApiError::Internal(format!("png: {e}")))?;
        if let Err(e) = store.cache_page_image(&cached, &png) {
            eprintln!("warning: {}: {e}", cached.display());
        }
        Ok(png)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok((
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        png,
    )
        .into_response())
}

/// `?follow=true` on the events: go on after `done` with the edits' `page` events.
#[derive(serde::Deserialize)]
struct EventsQuery {
    #[serde(default)]
    follow: bool,
}

/// `GET /v1/jobs/{id}/events`: Server-Sent Events. First the job as it is now (`progress`,
/// or `done`/`failed` and the end), then each change until it is done or failed.
async fn job_events(
    AxState(app): AxState<App>,
    Path(id): Path<String>,
    Query(query): Query<EventsQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    known(&app, &id)?;
    let (rx, now) = app
        .runner
        .subscribe(&id)
        .ok_or(ApiError::NotFound("no such job"))?;
    let follow = query.follow;
    let ends = move |event: &JobEvent| match event {
        JobEvent::Progress(_) | JobEvent::Page(..) => false,
        JobEvent::Done(_) => !follow,
        JobEvent::Failed(_) => true,
    };
    let first = JobEvent::of(now);
    let finished = ends(&first);
    let first = stream::iter([Ok(sse_event(&first))]);
    let runner = app.runner.clone();
    let rest = stream::unfold((rx, finished), move |(mut rx, finished)| {
        let runner = runner.clone();
        let id = id.clone();
        async move {
            if finished {
                return None;
            }
            loop {
                match rx.recv().await {
                    Ok(event) => {
                        let end = ends(&event);
                        return Some((Ok(sse_event(&event)), (rx, end)));
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    // The job ended: its channel closes; a follower goes on with a new one.
                    Err(broadcast::error::RecvError::Closed) if follow => {
                        rx = runner.subscribe(&id)?.0;
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        }
    });
    let mut stopping = app.stopping.clone();
    let stopped = async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    Ok(Sse::new(first.chain(rest).take_until(stopped)).keep_alive(KeepAlive::default()))
}

fn sse_event(event: &JobEvent) -> Event {
    let (name, job) = match event {
        JobEvent::Progress(job) => ("progress", job),
        JobEvent::Done(job) => ("done", job),
        JobEvent::Failed(job) => ("failed", job),
        JobEvent::Page(job, pages) => {
            let data = json!({ "id": job.id, "revision": job.revision, "pages": pages });
            return Event::default().event("page").data(data.to_string());
        }
    };
    let data = serde_json::to_string(job).unwrap_or_else(|_| "{}".into());
    Event::default().event(name).data(data)
}
