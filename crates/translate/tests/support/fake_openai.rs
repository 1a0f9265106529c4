//! A fake OpenAI-compatible chat-completions server for tests: real HTTP/1.1 on 127.0.0.1,
//! the real request and reply shapes, faults on demand.
//!
//! It "translates" with `pseudolocalize` (accented look-alike letters), so a correct answer is
//! never in the source language. Faults come two ways:
//! - queued ([`FakeOpenAi::push`]): the next requests of two or more items get them, one
//!   each, in order;
//! - sticky ([`FakeOpenAi::stick`]): every item whose text contains a marker gets the fault,
//!   every time.
//!
//! Like a provider it can also be slow ([`FakeOpenAi::set_latency`]), limit requests per
//! minute, answering 429 with `Retry-After` above the limit ([`FakeOpenAi::set_rpm`]), or be
//! down, answering 500 to everything ([`FakeOpenAi::set_down`]).
//!
//! Like a small local server it can generate at a pace, taking time per item
//! ([`FakeOpenAi::set_item_time`], for some requests only with
//! [`FakeOpenAi::slow_for`]), and serve a fixed number of requests at once, the others
//! waiting in its queue without a byte sent, as `llama-server -np 1` does
//! ([`FakeOpenAi::set_slots`]).
//!
//! Like llama.cpp or vLLM it honours `max_tokens` (a longer reply is cut, `finish_reason:
//! "length"`), answers `{"items":[…]}` when `response_format` asks for it, and streams
//! server-sent events when `stream` is true. Like an older server it can refuse either with a
//! 400 ([`FakeOpenAi::reject_schema`], [`FakeOpenAi::reject_stream`]).
//!
//! Like a model left to itself it translates terms one way in one request and maybe another
//! way in the next ([`FakeOpenAi::set_terms`]: each term of its table has several
//! translations, picked by request number), unless the prompt's glossary says which to use.
//! Asked for terms (a line ending `for: "a"; "b"`), it adds `"terms":[{"source","target"}]` to its reply:
//! how it translated each.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use folio_translate::{estimate_tokens, pseudolocalize};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does wrong.
#[derive(Debug, Clone, PartialEq)]
#[allow(dead_code, reason = "each test binary uses some")]
pub enum Fault {
    /// No fault: answers correctly (a spacer in the queue).
    None,
    /// HTTP 429 with `Retry-After: n` seconds.
    RateLimit(u64),
    /// HTTP 500.
    ServerError,
    /// Answers correctly after this delay.
    Slow(Duration),
    /// The reply's JSON array is cut in the middle of its second half.
    Truncated,
    /// The last item is missing from the reply.
    DropItem,
    /// An item (the first with one) loses its first placeholder.
    DropPlaceholder,
    /// An item (the first with one) has its first placeholder twice.
    DuplicatePlaceholder,
    /// Like [`Fault::DropPlaceholder`], until the prompt says the last reply was refused
    /// (a model that keeps the marker once told it lost it).
    DropPlaceholderUntilTold,
    /// The reply is cut to its first word, until the prompt says the last reply was refused
    /// (a model that stops early, then translates the whole text once told).
    CutShortUntilTold,
    /// An item comes back as its source text, until the request is sampled (temperature above
    /// 0): a small model that copies a sentence at its likeliest reply.
    UnchangedUntilSampled,
    /// The whole reply is prose instead of JSON, until the request is sampled (a small model
    /// that breaks its JSON at its likeliest reply).
    BrokenUntilSampled,
    /// An item (the first of more than eight words) comes back untranslated.
    Untranslated,
    /// The reply is wrapped in a ```json fence with a sentence before it.
    Fenced,
    /// The reply is prose, without a single item.
    Garbage,
    /// The reply lacks its opening `[` (or `{"items":[`).
    NoOpeningBracket,
    /// The model loses its way: after the items it repeats itself until `max_tokens` (or the
    /// server's own cap of 100,000 tokens), and the reply has no closing bracket.
    Runaway,
    /// Streamed: half the reply, then nothing for this long.
    Stall(Duration),
    /// Streamed: half the reply, then the connection closes.
    Cut,
    /// An item comes back as its source text, however short.
    Unchanged,
    /// An item comes back as this text instead of its translation (a model answering in
    /// another language, or inventing).
    Answer(String),
}

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq)]
#[allow(dead_code, reason = "each test binary uses some")]
pub struct Seen {
    /// The system prompt.
    pub system: String,
    /// The items sent.
    pub items: usize,
    /// Prompt tokens counted (≈ 4 characters a token, like the crate's estimate).
    pub prompt_tokens: u64,
    /// The request's `max_tokens`.
    pub max_tokens: Option<u64>,
    /// Whether it asked for structured output (`response_format`).
    pub structured: bool,
    /// Whether it asked for a streamed reply.
    pub stream: bool,
    /// Completion tokens of the reply sent (of the part sent, when cut).
    pub completion_tokens: u64,
    /// The terms the prompt asked for.
    pub asked: Vec<String>,
    /// The glossary rows of the prompt (`source = target`).
    pub rows: Vec<(String, String)>,
    /// The items' texts.
    pub texts: Vec<String>,
    /// How long it waited in the server's queue for a slot.
    pub queued: Duration,
    /// Whether a demonstration (a worked example) came before the request.
    pub demonstrated: bool,
    /// Whether it was sampled (a temperature above 0).
    pub sampled: bool,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Fault>,
    sticky: Vec<(String, Fault)>,
    seen: Vec<Seen>,
    /// Every answer takes this long.
    latency: Option<Duration>,
    /// Requests allowed per window, and the window.
    rpm: Option<(usize, Duration)>,
    /// When the requests let through under the limit arrived.
    accepted: Vec<Instant>,
    /// Requests answered 429 by the limit.
    limited: usize,
    /// Answers 500 to everything.
    down: bool,
    /// Answers 400 to requests with `response_format`.
    reject_schema: bool,
    /// Answers 400 to requests with `stream: true`.
    reject_stream: bool,
    /// Terms and their possible translations, longest term first.
    terms: Vec<(String, Vec<String>)>,
    /// Replies given for these exact texts instead of the pseudo-localized one.
    answers: Vec<(String, String)>,
    /// Generation time per item of a reply.
    item_time: Option<Duration>,
    /// Only these requests (numbered from 0) take `item_time`.
    slow_requests: Option<std::ops::Range<usize>>,
    /// Requests served at once; the others wait for a slot.
    slots: Option<Arc<tokio::sync::Semaphore>>,
    /// Requests being answered now, and the most at once.
    serving: usize,
    most_serving: usize,
}

/// A running fake server; it stops with the test process.
pub struct FakeOpenAi {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
}

#[allow(dead_code, reason = "each test binary uses some")]
impl FakeOpenAi {
    /// Key the server expects as `Authorization: Bearer …`.
    pub const KEY: &'static str = "test-key";

    /// Starts a server on a free loopback port, on its own thread and runtime.
    pub fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("listener");
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(serve(stream, shared.clone()));
                }
            });
        });
        Self { addr, state }
    }

    /// The base URL to give the engine (`http://127.0.0.1:port/v1`).
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Queues faults for the next requests.
    pub fn push(&self, faults: impl IntoIterator<Item = Fault>) {
        self.state.lock().unwrap().queue.extend(faults);
    }

    /// Applies `fault` to every item whose text contains `marker`.
    pub fn stick(&self, marker: &str, fault: Fault) {
        self.state
            .lock()
            .unwrap()
            .sticky
            .push((marker.to_string(), fault));
    }

    /// The requests seen so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    /// Number of requests seen so far.
    pub fn requests(&self) -> usize {
        self.state.lock().unwrap().seen.len()
    }

    /// Every answer comes after `latency`, as a provider's would.
    pub fn set_latency(&self, latency: Duration) {
        self.state.lock().unwrap().latency = Some(latency);
    }

    /// At most `limit` requests are answered per `window` (a sliding window); those above get
    /// 429 with `Retry-After` (whole seconds until the oldest leaves the window).
    pub fn set_rpm(&self, limit: usize, window: Duration) {
        self.state.lock().unwrap().rpm = Some((limit, window));
    }

    /// While `down`, every request gets a 500.
    pub fn set_down(&self, down: bool) {
        self.state.lock().unwrap().down = down;
    }

    /// When the requests answered under the rate limit arrived.
    pub fn accepted(&self) -> Vec<Instant> {
        self.state.lock().unwrap().accepted.clone()
    }

    /// Requests refused with 429 by the rate limit.
    pub fn limited(&self) -> usize {
        self.state.lock().unwrap().limited
    }

    /// Refuses `response_format` with a 400, as servers without structured output do.
    pub fn reject_schema(&self) {
        self.state.lock().unwrap().reject_schema = true;
    }

    /// Refuses `stream: true` with a 400, as servers without streaming do.
    pub fn reject_stream(&self) {
        self.state.lock().unwrap().reject_stream = true;
    }

    /// Translates each term of `table` (matched as a whole word, any case) into one of its
    /// translations: the one the prompt's glossary gives, else the one picked by the request's
    /// number (request `n` takes translation `n` modulo their count).
    pub fn set_terms(&self, table: &[(&str, &[&str])]) {
        let mut terms: Vec<(String, Vec<String>)> = table
            .iter()
            .map(|(t, v)| (t.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect();
        terms.sort_by_key(|(t, _)| std::cmp::Reverse(t.len()));
        self.state.lock().unwrap().terms = terms;
    }

    /// Answers each of these source texts with the text given (a real translation written for
    /// a test), whatever the target; other texts are pseudo-localized.
    pub fn set_answers(&self, answers: &[(&str, &str)]) {
        self.state.lock().unwrap().answers = answers
            .iter()
            .map(|(s, t)| (s.to_string(), t.to_string()))
            .collect();
    }

    /// Generating takes `per_item` for each item of a reply: before a whole answer, spread
    /// over the events of a streamed one.
    pub fn set_item_time(&self, per_item: Duration) {
        self.state.lock().unwrap().item_time = Some(per_item);
    }

    /// Only `requests` (numbered from 0) take the item time; the others are fast (a server
    /// getting busy, then freeing up).
    pub fn slow_for(&self, requests: std::ops::Range<usize>) {
        self.state.lock().unwrap().slow_requests = Some(requests);
    }

    /// Serves `n` requests at once; the others wait in a queue, nothing sent to them, as
    /// `llama-server -np n` does.
    pub fn set_slots(&self, n: usize) {
        self.state.lock().unwrap().slots = Some(Arc::new(tokio::sync::Semaphore::new(n)));
    }

    /// The most requests answered at once.
    pub fn most_served_at_once(&self) -> usize {
        self.state.lock().unwrap().most_serving
    }
}

/// What to send back.
enum Answer {
    /// One HTTP response: status, extra header lines, body, and a delay before it.
    Whole(u16, String, String, Option<Duration>),
    /// Server-sent events after a delay; a `Stall` or `Cut` fault applies half way; a pause
    /// after each event (generation time).
    Stream(Vec<String>, Option<Duration>, Option<Fault>, Duration),
}

impl From<(u16, String, String, Option<Duration>)> for Answer {
    fn from((status, extra, body, delay): (u16, String, String, Option<Duration>)) -> Self {
        Self::Whole(status, extra, body, delay)
    }
}

async fn serve(mut stream: TcpStream, state: Arc<Mutex<State>>) {
    let Some((head, body)) = read_request(&mut stream).await else {
        return;
    };
    // Wait for a slot, as a server with fewer slots than requests does: nothing is sent.
    let arrived = Instant::now();
    let slots = state.lock().unwrap().slots.clone();
    let _slot = match &slots {
        Some(s) => Some(s.clone().acquire_owned().await.expect("never closed")),
        None => None,
    };
    let queued = arrived.elapsed();
    {
        let mut st = state.lock().unwrap();
        st.serving += 1;
        st.most_serving = st.most_serving.max(st.serving);
    }
    let answer = respond(&head, &body, &state, queued);
    answer_with(answer, stream).await;
    state.lock().unwrap().serving -= 1;
}

async fn answer_with(answer: Answer, mut stream: TcpStream) {
    let (status, extra, reply, delay) = match answer {
        Answer::Whole(status, extra, reply, delay) => (status, extra, reply, delay),
        Answer::Stream(events, delay, fault, pace) => {
            return send_events(events, delay, fault, pace, stream).await;
        }
    };
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        _ => "Internal Server Error",
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{reply}",
        reply.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Sends server-sent events one write each, as a generating server does; a `Stall` or `Cut`
/// fault strikes after half of them.
async fn send_events(
    events: Vec<String>,
    delay: Option<Duration>,
    fault: Option<Fault>,
    pace: Duration,
    mut socket: TcpStream,
) {
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n";
    if socket.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let half = events.len() / 2;
    for (i, event) in events.iter().enumerate() {
        if i == half {
            match fault {
                Some(Fault::Stall(d)) => tokio::time::sleep(d).await,
                Some(Fault::Cut) => {
                    let _ = socket.shutdown().await;
                    return;
                }
                _ => {}
            }
        }
        if socket.write_all(event.as_bytes()).await.is_err() {
            return; // the client gave up
        }
        let _ = socket.flush().await;
        // Let each event go out on its own, as tokens do.
        if pace.is_zero() {
            tokio::task::yield_now().await;
        } else {
            tokio::time::sleep(pace).await;
        }
    }
    let _ = socket.shutdown().await;
}

/// Reads the head (lowercased) and the body of one request.
async fn read_request(stream: &mut TcpStream) -> Option<(String, String)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[head_end..head_end + length]).to_string();
    Some((head, body))
}

fn error(status: u16, message: &str) -> (u16, String, String, Option<Duration>) {
    let body = json!({"error": {"message": message, "type": "test"}}).to_string();
    (status, String::new(), body, None)
}

/// The answer to one request.
fn respond(head: &str, body: &str, state: &Mutex<State>, queued: Duration) -> Answer {
    if !head.starts_with("POST /v1/chat/completions ") {
        return error(404, "unknown endpoint").into();
    }
    let auth_ok = head.lines().any(|l| {
        l.split_once(':').is_some_and(|(k, v)| {
            k.eq_ignore_ascii_case("authorization")
                && v.trim() == format!("Bearer {}", FakeOpenAi::KEY)
        })
    });
    if !auth_ok {
        return error(401, "Incorrect API key provided").into();
    }
    let Ok(request) = serde_json::from_str::<Value>(body) else {
        return error(400, "body is not JSON").into();
    };
    let temperature = request["temperature"].as_f64().expect("a temperature");
    assert!(
        (0.0..=1.0).contains(&temperature),
        "temperature {temperature}"
    );
    let sampled = temperature > 0.0;
    let system = request["messages"][0]["content"]
        .as_str()
        .unwrap_or("")
        .to_string();
    // The request is the last message; turns between it and the system prompt are a
    // demonstration (a user message and the assistant's reply).
    let messages = request["messages"].as_array().cloned().unwrap_or_default();
    let demonstrated = messages.len() > 2;
    let user = messages
        .last()
        .and_then(|m| m["content"].as_str())
        .unwrap_or("");
    // The texts by id, as `{"id","text"}` items in id order.
    let by_id: serde_json::Map<String, Value> =
        serde_json::from_str(user).expect("user message is a JSON object of texts by id");
    let mut items: Vec<Value> = by_id
        .into_iter()
        .map(|(id, text)| json!({"id": id.parse::<u64>().expect("ids are numbers"), "text": text}))
        .collect();
    items.sort_by_key(|i| i["id"].as_u64());
    let prompt_tokens = (estimate_tokens(&system) + estimate_tokens(user)) as u64;
    let max_tokens = request["max_tokens"].as_u64();
    let structured = request.get("response_format").is_some();
    let streamed = request["stream"] == json!(true);
    let include_usage = request["stream_options"]["include_usage"] == json!(true);

    let (rows, asked) = prompt_terms(&system);
    let (fault, sticky, latency, item_time, table, request_number, answers) = {
        let mut state = state.lock().unwrap();
        let request_number = state.seen.len();
        let item_time = match &state.slow_requests {
            Some(slow) if !slow.contains(&state.seen.len()) => None,
            _ => state.item_time,
        };
        state.seen.push(Seen {
            system: system.clone(),
            items: items.len(),
            prompt_tokens,
            max_tokens,
            structured,
            stream: streamed,
            completion_tokens: 0,
            asked: asked.clone(),
            rows: rows.clone(),
            texts: items
                .iter()
                .map(|i| i["text"].as_str().unwrap_or("").to_string())
                .collect(),
            queued,
            demonstrated,
            sampled,
        });
        if state.down {
            return error(500, "The server had an error").into();
        }
        if structured && state.reject_schema {
            return error(
                400,
                "'response_format' of type 'json_schema' is not supported with this model",
            )
            .into();
        }
        if streamed && state.reject_stream {
            return error(400, "Unrecognized request argument supplied: stream").into();
        }
        if let Some((limit, window)) = state.rpm {
            let now = Instant::now();
            let recent: Vec<Instant> = state
                .accepted
                .iter()
                .copied()
                .filter(|&t| now.duration_since(t) < window)
                .collect();
            if recent.len() >= limit {
                state.limited += 1;
                let wait = window.saturating_sub(now.duration_since(recent[recent.len() - limit]));
                let (status, _, body, _) = error(429, "Rate limit reached for requests");
                let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
                return (status, format!("Retry-After: {secs}\r\n"), body, None).into();
            }
            state.accepted.push(now);
        }
        // Queued faults hit batches; an item resent alone gets through (else whether a
        // segment ends failed would depend on how the queue lines up with the resends).
        let fault = if items.len() >= 2 {
            state.queue.pop_front()
        } else {
            None
        };
        (
            fault,
            state.sticky.clone(),
            state.latency,
            item_time,
            state.terms.clone(),
            request_number,
            state.answers.clone(),
        )
    };
    // Each term of the table one way in this request: as the glossary says, else by number.
    let chosen: Vec<(String, String)> = table
        .iter()
        .map(|(term, variants)| {
            let given = rows.iter().find(|(s, _)| s.eq_ignore_ascii_case(term));
            let target = given.map_or_else(
                || variants[request_number % variants.len()].clone(),
                |(_, t)| t.clone(),
            );
            (term.clone(), target)
        })
        .collect();
    let generation = item_time.map_or(Duration::ZERO, |t| t * items.len() as u32);
    match fault {
        Some(Fault::RateLimit(secs)) => {
            let (status, _, body, _) = error(429, "Rate limit reached");
            return (status, format!("Retry-After: {secs}\r\n"), body, None).into();
        }
        Some(Fault::ServerError) => return error(500, "The server had an error").into(),
        _ => {}
    }

    let mut out: Vec<Value> = Vec::new();
    let mut used = false; // an item fault applies to one item
    let mut broken = false; // a sticky fault breaks the whole reply
    for item in &items {
        let text = item["text"].as_str().unwrap_or("");
        let mut answer = answers
            .iter()
            .find(|(source, _)| source == text)
            .map_or_else(|| translate(text, &chosen), |(_, t)| t.clone());
        let mut stuck = false;
        for (_, f) in sticky.iter().filter(|(m, _)| text.contains(m.as_str())) {
            let until_told = matches!(
                f,
                Fault::DropPlaceholderUntilTold | Fault::CutShortUntilTold
            );
            let until_sampled =
                matches!(f, Fault::UnchangedUntilSampled | Fault::BrokenUntilSampled);
            if until_told && system.contains("was refused") || until_sampled && sampled {
                continue;
            }
            broken |= matches!(f, Fault::BrokenUntilSampled);
            stuck |= apply(f, text, &mut answer);
        }
        if let Some(f) = &fault
            && !used
            && !stuck
        {
            used = apply(f, text, &mut answer);
        }
        out.push(json!({"id": item["id"], "text": answer}));
    }
    if fault == Some(Fault::DropItem) {
        out.pop();
    }
    let mut content = if !asked.is_empty() {
        // Asked for terms: how each was translated, after the items.
        let terms: Vec<Value> = asked
            .iter()
            .map(|a| {
                let target = chosen
                    .iter()
                    .find(|(t, _)| t.eq_ignore_ascii_case(a))
                    .map_or_else(|| pseudolocalize(a, 1.0), |(_, t)| t.clone());
                json!({"source": a, "target": target})
            })
            .collect();
        json!({ "items": out, "terms": terms }).to_string()
    } else if structured {
        json!({ "items": out }).to_string()
    } else {
        serde_json::to_string(&out).expect("serialize")
    };
    let mut finish = "stop";
    if broken {
        content = "I am sorry, but I cannot translate these texts for you today.".into();
    }
    match &fault {
        Some(Fault::Garbage) => {
            content = "I am sorry, but I cannot translate these texts for you today.".into();
        }
        Some(Fault::NoOpeningBracket) => {
            let at = content.find('[').expect("an array");
            content = content[at + 1..].to_string();
        }
        Some(Fault::Runaway) => {
            // The items, then the same phrase over and over, never closing.
            content.truncate(content.len() - if structured { 2 } else { 1 });
            content.push_str(", {\"id\": 0, \"text\": \"");
            let cap = max_tokens.unwrap_or(100_000) as usize;
            while estimate_tokens(&content) < cap + 8 {
                content.push_str("and again and again ");
            }
        }
        Some(Fault::Truncated) => {
            let cut = content
                .char_indices()
                .map(|(i, _)| i)
                .find(|&i| i >= content.len() * 3 / 4)
                .unwrap_or(0);
            content.truncate(cut);
            finish = "length";
        }
        Some(Fault::Fenced) => {
            content = format!("Here is the translation:\n```json\n{content}\n```")
        }
        _ => {}
    }
    // Generation stops at `max_tokens`, as on a real server.
    if let Some(cap) = max_tokens
        && estimate_tokens(&content) as u64 > cap
    {
        let cut = content
            .char_indices()
            .nth(cap as usize * 4)
            .map_or(content.len(), |(i, _)| i);
        content.truncate(cut);
        finish = "length";
    }
    let completion_tokens = estimate_tokens(&content) as u64;
    let delay = match fault {
        Some(Fault::Slow(d)) => Some(d),
        _ => latency,
    };
    {
        let mut state = state.lock().unwrap();
        let last = state.seen.last_mut().expect("this request was recorded");
        last.completion_tokens = match fault {
            Some(Fault::Stall(_) | Fault::Cut) if streamed => completion_tokens / 2,
            _ => completion_tokens,
        };
    }
    if streamed {
        let usage = include_usage.then_some((prompt_tokens, completion_tokens));
        let fault = fault.filter(|f| matches!(f, Fault::Stall(_) | Fault::Cut));
        let events = events(&content, finish, usage);
        let pace = generation / events.len().max(1) as u32;
        return Answer::Stream(events, delay, fault, pace);
    }
    // A whole answer comes once generated.
    let delay = match (delay, generation.is_zero()) {
        (d, true) => d,
        (d, false) => Some(d.unwrap_or_default() + generation),
    };
    let reply = json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": request["model"],
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "finish_reason": finish,
        }],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    });
    (200, String::new(), reply.to_string(), delay).into()
}

/// The glossary rows (`source = target` lines after the `Glossary` line) and the terms asked
/// for (after `}] for: `, JSON strings separated by `; `) of a system prompt.
fn prompt_terms(system: &str) -> (Vec<(String, String)>, Vec<String>) {
    let mut rows = Vec::new();
    let mut asked = Vec::new();
    let mut in_glossary = false;
    for line in system.lines() {
        if let Some((_, list)) = line.split_once("}] for: ") {
            // `"a"; "b"` as the JSON array `["a","b"]` (a `"; "` inside a string would have
            // its quotes escaped).
            let array = format!("[{}]", list.replace("\"; \"", "\",\""));
            asked = serde_json::from_str(&array).expect("the Terms line is JSON strings");
            in_glossary = false;
        } else if line.starts_with("Glossary") {
            in_glossary = true;
        } else if in_glossary && let Some((s, t)) = line.split_once(" = ") {
            rows.push((s.to_string(), t.to_string()));
        }
    }
    (rows, asked)
}

/// The fake translation of an item: the terms of the table as `chosen`, the rest
/// pseudo-localized.
fn translate(text: &str, chosen: &[(String, String)]) -> String {
    let lower = text.to_lowercase();
    if chosen.is_empty() || lower.len() != text.len() {
        return pseudolocalize(text, 1.0);
    }
    // Non-overlapping whole-word matches, longer terms first (the table is sorted so).
    let mut matches: Vec<(usize, usize, &str)> = Vec::new();
    for (term, target) in chosen {
        let term = term.to_lowercase();
        let mut from = 0;
        while let Some(i) = lower[from..].find(&term).map(|i| i + from) {
            let end = i + term.len();
            from = i + 1;
            let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
            if word(lower[..i].chars().next_back()) || word(lower[end..].chars().next()) {
                continue;
            }
            if !matches.iter().any(|&(s, e, _)| i < e && s < end) {
                matches.push((i, end, target));
            }
        }
    }
    matches.sort();
    let mut out = String::new();
    let mut at = 0;
    for (start, end, target) in matches {
        out.push_str(&pseudolocalize(&text[at..start], 1.0));
        out.push_str(target);
        at = end;
    }
    out.push_str(&pseudolocalize(&text[at..], 1.0));
    out
}

/// A reply as server-sent events: the content in pieces of a few characters, the finish
/// reason, the usage when asked for, and `[DONE]`.
fn events(content: &str, finish: &str, usage: Option<(u64, u64)>) -> Vec<String> {
    let event = |value: Value| format!("data: {value}\n\n");
    let chunk = |delta: Value, finish: Option<&str>| {
        event(json!({
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }))
    };
    let mut out = vec![chunk(json!({"role": "assistant", "content": ""}), None)];
    let chars: Vec<char> = content.chars().collect();
    for piece in chars.chunks(16) {
        let piece: String = piece.iter().collect();
        out.push(chunk(json!({ "content": piece }), None));
    }
    out.push(chunk(json!({}), Some(finish)));
    if let Some((prompt, completion)) = usage {
        out.push(event(json!({
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "choices": [],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        })));
    }
    out.push("data: [DONE]\n\n".into());
    out
}

/// Applies an item fault to `answer` if the item qualifies (it has a placeholder to drop or
/// double; it is long enough to be recognized as untranslated); whether it did.
fn apply(fault: &Fault, text: &str, answer: &mut String) -> bool {
    match (fault, first_placeholder(answer)) {
        (Fault::Unchanged | Fault::UnchangedUntilSampled, _) => {
            *answer = text.to_string();
            true
        }
        (Fault::Answer(instead), _) => {
            answer.clone_from(instead);
            true
        }
        (Fault::Untranslated, _) if text.split_whitespace().count() > 8 => {
            *answer = text.to_string();
            true
        }
        (Fault::DropPlaceholder | Fault::DropPlaceholderUntilTold, Some(p)) => {
            *answer = answer.replacen(&p, "", 1);
            true
        }
        (Fault::CutShortUntilTold, _) => {
            *answer = answer
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
            true
        }
        (Fault::DuplicatePlaceholder, Some(p)) => {
            *answer = answer.replacen(&p, &format!("{p}{p}"), 1);
            true
        }
        _ => false,
    }
}

/// The first `[n]` or `[/n]` in a text.
fn first_placeholder(text: &str) -> Option<String> {
    folio_doc::placeholders::parse(text)
        .into_iter()
        .find(|p| !matches!(p, folio_doc::placeholders::Piece::Text(_)))
        .map(|p| p.to_string())
}
