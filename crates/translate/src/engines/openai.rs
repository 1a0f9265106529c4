//! The `openai` engine: any OpenAI-compatible chat-completions server (OpenAI, vLLM, Ollama,
//! llama.cpp server, DeepSeek, …).
//!
//! # The request
//! A batch goes as one `POST {base_url}/chat/completions` at temperature 0 (a segment's last
//! try, after it failed alone, asked and told: [`RESAMPLE_TEMPERATURE`]) with two messages:
//! - a short system prompt, written once per batch: source and target language, the
//!   placeholder rules, the document title and the section headings of the batch as context,
//!   the glossary rows whose source term occurs in the batch, then the translations learnt
//!   earlier in the document for the batch's other terms, and the batch's terms still without
//!   one (see "Terms" below);
//! - the segments as a compact JSON object keyed by id, `{"0":"…","1":"…"}`, ids numbered
//!   within the batch (short numbers cost fewer tokens than document-wide ids).
//!
//! Batches are large (2,000 source tokens by default) so the instruction costs little per
//! source token: about 1.1–1.2 prompt tokens per source token overall.
//!
//! Every request sets `max_tokens` from the batch's expected reply ([`budget`], terms asked
//! for included), so a model
//! that loses its way stops there instead of at the server's limit. By default it also asks
//! for **structured output** (`response_format` with a JSON schema of
//! `{"items":[{"id","text"}]}`, and `"terms"` when the batch asks for some, which servers
//! enforce with a grammar) and a **streamed**
//! reply (`stream: true`, with `stream_options.include_usage` for the token counts). A
//! server that refuses either (HTTP 400 naming `response_format`, `json_schema` or `stream`)
//! gets the request again without it, and never again for the rest of the run; until the
//! first answer says what the server takes, requests go one at a time, so only one is refused.
//!
//! # Terms
//! One term is translated one way through a document, without a request of its own (BabelDOC
//! spends a third of its requests on a term-extraction pass). The driver finds the document's
//! candidate terms before translating ([`crate::candidate_terms`]) and gives each batch the
//! translations learnt so far for the candidates it holds ([`Batch::terms`]: "use these", in
//! the glossary's list) and the candidates still without one ([`Batch::new_terms`]). For
//! those, the reply gets a second field, `"terms":[{"source","target"}]` (in the schema, and
//! in words for the plain prompt), saying how the model translated each; the parser reads it
//! when present and ignores its absence ([`Reply::terms`]). A user's glossary wins: its terms
//! are neither carried nor asked for. Only the terms occurring in the batch go into its prompt,
//! as with the glossary, so prompts stay short.
//!
//! # Time
//! The configured `timeout` is the one limit, and it measures the server's work, not the wait
//! in its queue. A local server often has fewer slots than requests in flight (llama.cpp's
//! `llama-server -np 1` answers one at a time and queues the rest, sending nothing to them);
//! a wall-clock limit per request would cut the queued ones after seconds of real work.
//! - While a request waits for the first bytes of its answer (the response head, then, for a
//!   streamed reply, its first token), `timeout` runs from the last bytes any request of this
//!   engine received: as long as the server keeps answering the others, the wait is its queue
//!   and goes on. When nothing at all has come for `timeout`, the server is stuck (or its
//!   prompt reading is slower than the limit allows) and every waiting request times out.
//! - Once a streamed reply has begun, `timeout` bounds each pause between its bytes; it may
//!   take as long as it needs while it keeps coming.
//! - A reply read whole (a server that does not stream) gets `timeout` for its head, with the
//!   same allowance for the queue, then `timeout` again for its body.
//!
//! The engine tells the driver when generation began ([`Batch::started`]: the first token of a
//! streamed reply), so batch sizes follow the generation speed rather than the queue
//! ([`Engine::pace`]: `batch_target`, 30 s by default), and when each item arrived
//! ([`Batch::arrived`]), so progress moves per segment. Since the engine keeps its own time,
//! the driver does not add a limit of its own ([`Engine::enforces_timeout`]).
//!
//! # The reply
//! The model must answer its items with the same ids. Parsing is forgiving ([`reply`]): a
//! ```` ```json ```` fence or prose around the items is skipped, a missing opening `[` is
//! tolerated, ids may be numbers or strings, and a truncated reply (cut by `max_tokens`, a
//! stream that stalls or breaks) still yields the items before the cut. Items missing from the
//! reply are left for the driver, which resends only those; an item that is the source text
//! (or mostly its words) is returned as [`Error::LeftInSourceLanguage`], so it is retried alone
//! and then reported failed, never silently kept in the source language (the driver checks
//! every item's language besides, with a language identifier). A reply with no
//! usable item fails each of its segments with [`Error::BadReply`] but still reports its
//! tokens, which were paid for.
//!
//! HTTP 429 becomes [`Error::RateLimited`] with the server's `Retry-After` (or `retry-after-ms`),
//! 5xx, 408 and connection failures [`Error::Unavailable`], a timeout [`Error::Timeout`]: the
//! driver retries those with backoff. Other 4xx (a bad key, an unknown model) are
//! [`Error::Rejected`]. Token counts come from the reply's `usage`, else are estimated.

mod budget;
mod demo;
mod reply;
mod stream;

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::engine::{
    Batch, BoxFuture, Engine, EngineInfo, EngineLimits, Pace, Reply, ReplyItem, Usage,
    estimate_tokens,
};
use crate::glossary::{Glossary, Term};
use crate::{Error, LangPair, Result, placeholders};

use reply::{parse_items, parse_terms};
use stream::StreamReader;

/// Version of the prompt and of the reply handling; part of every cache key. 3: learnt terms
/// in the glossary's list, terms asked for in the reply. 4: texts sent as an object by id.
const PROMPT_VERSION: u32 = 4;

/// The temperature of a segment's last try ([`Batch::resample`]): at 0 a model gives its
/// likeliest reply, the one that failed; sampled, a small model that copied a sentence in
/// English or cut it short often translates it whole.
pub const RESAMPLE_TEMPERATURE: f64 = 0.7;

/// Settings of the [`OpenAi`] engine; `Default` targets OpenAI's API with `gpt-4o-mini`.
#[derive(Debug, Clone)]
pub struct OpenAiOptions {
    /// The API root, up to and including the version (`https://api.openai.com/v1`,
    /// `http://127.0.0.1:8080/v1`); `/chat/completions` is appended.
    pub base_url: String,
    /// The model name sent with each request; part of the cache key.
    pub model: String,
    /// The API key. `None` reads the variable named by `api_key_env`; no key at all sends no
    /// `Authorization` header (local servers need none).
    pub api_key: Option<String>,
    /// The environment variable holding the key.
    pub api_key_env: String,
    /// The limit on the server's silence: the wait for an answer's first bytes (counted from
    /// the last bytes any request received, so time queued behind other requests does not
    /// count), each pause of a streamed reply, and the body of a reply read whole.
    pub timeout: Duration,
    /// How much one request may carry and how many run at once.
    pub limits: EngineLimits,
    /// Terms with fixed translations; the rows occurring in a batch go into its prompt.
    pub glossary: Option<Arc<Glossary>>,
    /// Ask for structured output (a JSON schema of the reply) while the server accepts it.
    pub structured_output: bool,
    /// Ask for a streamed reply while the server accepts it.
    pub stream: bool,
    /// How long one request should take: batches are sized to the measured speed to last about
    /// this long, within `limits` ([`Engine::pace`]); `None` keeps them at `limits`.
    pub batch_target: Option<Duration>,
}

impl Default for OpenAiOptions {
    fn default() -> Self {
        Self {
            base_url: "https://api.openai.com/v1".into(),
            model: "gpt-4o-mini".into(),
            api_key: None,
            api_key_env: "OPENAI_API_KEY".into(),
            timeout: Duration::from_secs(120),
            limits: EngineLimits {
                // ~2,000 source tokens come back as ~2,600 target tokens plus JSON: within
                // every current model's output limit.
                max_batch_tokens: 2000,
                max_batch_segments: 100,
                max_concurrency: 4,
            },
            glossary: None,
            structured_output: true,
            stream: true,
            // Well inside the default timeout, and long enough that the instruction is a small
            // part of each request.
            batch_target: Some(Duration::from_secs(30)),
        }
    }
}

/// Translates batches with an OpenAI-compatible chat-completions server (see the module docs).
#[derive(Debug)]
pub struct OpenAi {
    info: EngineInfo,
    /// The model name sent (`info.model` may carry the glossary's salt besides).
    model: String,
    client: reqwest::Client,
    endpoint: String,
    api_key: Option<String>,
    timeout: Duration,
    glossary: Option<Arc<Glossary>>,
    features: Features,
    /// The batch target and the speed measured, shared by every run through the engine.
    pace: Option<Pace>,
    /// When any request of this engine last received bytes: while the server answers some,
    /// the others wait in its queue, not on a stuck server (see the module docs).
    last_bytes: Mutex<Option<Instant>>,
}

/// What the requests ask of the server, narrowed as it refuses things; shared by every
/// request of the engine, so a refusal is learnt once per run.
#[derive(Debug)]
struct Features {
    /// Send `response_format` with the reply's JSON schema.
    structured: AtomicBool,
    /// Send `stream: true`.
    stream: AtomicBool,
    /// Whether a server answer has shown what it accepts (or there is nothing to learn).
    known: AtomicBool,
    /// Held by the one request finding out, so others do not all get refused alike.
    probe: tokio::sync::Mutex<()>,
}

/// A reply as received, whole or streamed, before its items are read.
struct Received {
    content: String,
    usage: Option<Usage>,
    finish_reason: Option<String>,
    /// Why the reply stopped early (a stalled or broken stream), if it did.
    cut: Option<Error>,
}

impl OpenAi {
    /// An engine for `pair` with these settings. Fails on a base URL that is not `http(s)://`
    /// or an HTTP client that cannot be built; a missing key shows only when the server
    /// refuses a request.
    pub fn new(pair: LangPair, options: OpenAiOptions) -> Result<Self> {
        let base = options.base_url.trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(Error::Config(format!(
                "base URL {:?} must start with http:// or https://",
                options.base_url
            )));
        }
        // No overall timeout on the client: a streamed reply may take longer than `timeout`
        // as long as it keeps coming (see `send` and `read_stream`).
        let client = reqwest::Client::builder()
            .connect_timeout(options.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        let api_key = options
            .api_key
            .or_else(|| std::env::var(&options.api_key_env).ok())
            .filter(|k| !k.trim().is_empty());
        // A glossary changes the prompt, so it changes the output: it goes into the cache key.
        let mut cache_model = options.model.clone();
        if let Some(g) = options.glossary.as_deref().filter(|g| !g.is_empty()) {
            cache_model = format!("{cache_model}+{}", g.salt());
        }
        Ok(Self {
            info: EngineInfo {
                name: "openai".into(),
                model: cache_model,
                pair,
                prompt_version: PROMPT_VERSION,
                limits: options.limits,
            },
            model: options.model,
            client,
            endpoint: format!("{base}/chat/completions"),
            api_key,
            timeout: options.timeout,
            glossary: options.glossary,
            features: Features {
                structured: AtomicBool::new(options.structured_output),
                stream: AtomicBool::new(options.stream),
                known: AtomicBool::new(!options.structured_output && !options.stream),
                probe: tokio::sync::Mutex::new(()),
            },
            pace: options.batch_target.filter(|t| !t.is_zero()).map(Pace::new),
            last_bytes: Mutex::new(None),
        })
    }

    /// The system prompt of a batch: the instruction, its context, its glossary rows and
    /// learnt terms, and the terms it asks for.
    pub fn system_prompt(&self, batch: &Batch<'_>) -> String {
        let pair = &self.info.pair;
        let terms = self.terms_of(batch);
        let mut p = format!(
            "Translate each text, given by id, from {} to {}. Reply with only JSON: \
             {{\"items\":[{{\"id\",\"text\"}}]}}, one per id. Keep the markers [n] \
             and [/n] exactly, each once, around the matching words. Keep numbers, URLs, code \
             and formulas as they are.",
            language_name(&pair.from),
            language_name(&pair.to)
        );
        if let Some(title) = batch.title.map(context_text).filter(|t| !t.is_empty()) {
            let _ = write!(p, "\nDocument: {}", json_string(&title));
        }
        let mut headings: Vec<String> = Vec::new();
        for i in 0..batch.segments.len() {
            if let Some(h) = batch.section(i).map(context_text).filter(|h| !h.is_empty())
                && !headings.contains(&h)
            {
                headings.push(h);
            }
        }
        // A batch spans a few sections at most; more would cost tokens for little context.
        if !headings.is_empty() {
            let shown: Vec<String> = headings.iter().take(3).map(|h| json_string(h)).collect();
            let label = if shown.len() == 1 {
                "Section"
            } else {
                "Sections"
            };
            let _ = write!(p, "\n{label}: {}", shown.join("; "));
        }
        if !terms.rows.is_empty() {
            p.push_str("\nGlossary (use these):");
            for t in &terms.rows {
                let _ = write!(p, "\n{} = {}", t.source, t.target);
                if let Some(note) = &t.note {
                    let _ = write!(p, " ({note})");
                }
            }
        }
        if let Some(why) = batch.correction {
            let _ = write!(p, "\nYour last reply for this item was refused: {why}");
        }
        if !terms.ask.is_empty() {
            let asked: Vec<String> = terms.ask.iter().map(|t| json_string(t)).collect();
            // Short: it is in most prompts. The schema, when sent, says the same.
            let _ = write!(
                p,
                "\nAlso reply \"terms\":[{{\"source\",\"target\"}}] for: {}",
                asked.join("; ")
            );
        }
        p
    }

    /// The glossary rows of a batch (the user's, then the learnt ones it does not cover) and
    /// the terms to ask for (those it does not cover).
    fn terms_of<'b>(&'b self, batch: &Batch<'b>) -> PromptTerms<'b> {
        let glossary = self.glossary.as_deref().filter(|g| !g.is_empty());
        let mut rows: Vec<&Term> = Vec::new();
        if let Some(glossary) = glossary {
            let texts: Vec<&str> = batch.segments.iter().map(|s| s.text.as_str()).collect();
            rows = glossary.occurring(&texts);
        }
        // The user's glossary wins over anything learnt: a term it covers (alone or inside
        // the candidate) is neither carried nor asked for.
        let covered = |term: &str| glossary.is_some_and(|g| !g.occurring(&[term]).is_empty());
        rows.extend(batch.terms.iter().filter(|t| !covered(&t.source)));
        let ask = batch
            .new_terms
            .iter()
            .map(String::as_str)
            .filter(|t| !covered(t))
            .collect();
        PromptTerms { rows, ask }
    }

    /// The user message of a batch: its segments as a JSON object of texts by batch-local id
    /// (`{"0":"…","1":"…"}`). Two tokens of JSON an item, where an array of `{"id","text"}`
    /// objects takes five: on lshort's 2,510 segments, 1.256 prompt tokens per source token
    /// fell to 1.10.
    pub fn user_message(batch: &Batch<'_>) -> String {
        // Written by hand: a `serde_json::Map` would sort the ids as strings ("10" before "2").
        let items: Vec<String> = batch
            .segments
            .iter()
            .enumerate()
            .map(|(id, s)| format!("\"{id}\":{}", json_string(&s.text)))
            .collect();
        format!("{{{}}}", items.join(","))
    }

    /// The `max_tokens` of the request for `batch` (see [`budget`]).
    pub fn max_tokens(&self, batch: &Batch<'_>) -> u64 {
        let asked = self.terms_of(batch).ask;
        budget::max_tokens(batch, &self.info.pair.to)
            + budget::terms_tokens(&asked, &self.info.pair.to)
    }

    async fn call(&self, batch: Batch<'_>) -> Result<Reply> {
        let system = self.system_prompt(&batch);
        let user = Self::user_message(&batch);
        let max_tokens = self.max_tokens(&batch);
        let asks_terms = !self.terms_of(&batch).ask.is_empty();
        let mut messages = vec![json!({"role": "system", "content": system})];
        // A request sent again because its reply was in the wrong language shows the target
        // language first, instead of repeating itself ([`demo`]).
        let demo = batch
            .language_retry
            .then(|| {
                demo::demonstration(self.info.pair.from_primary(), self.info.pair.to_primary())
            })
            .flatten();
        let demo_tokens: usize = demo
            .iter()
            .flatten()
            .map(|m| estimate_tokens(m["content"].as_str().unwrap_or("")))
            .sum();
        messages.extend(demo.into_iter().flatten());
        messages.push(json!({"role": "user", "content": user}));

        let temperature = if batch.resample {
            RESAMPLE_TEMPERATURE
        } else {
            0.0
        };
        let (response, streaming) = self
            .post(&messages, max_tokens, temperature, asks_terms)
            .await?;
        let status = response.status();
        if !status.is_success() {
            let retry_after = retry_after(response.headers());
            let text = self.within(self.timeout, response.text()).await?;
            return Err(status_error(status.as_u16(), retry_after, &text));
        }
        // A server may ignore `stream` and answer whole: the content type says which it did.
        let is_stream = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        let received = if streaming && is_stream {
            self.read_stream(response, &batch).await?
        } else {
            // The head came (after the queue): the body within the timeout.
            self.read_whole(response, self.timeout).await?
        };
        let estimated = Usage {
            prompt_tokens: (estimate_tokens(&system) + estimate_tokens(&user) + demo_tokens) as u64,
            completion_tokens: estimate_tokens(&received.content) as u64,
        };
        items_of(&batch, received, estimated)
    }

    /// Posts the request, asking for structured output and streaming unless the server is
    /// known to refuse them; a refusal is learnt for the whole run and the request sent again
    /// without what was refused. Gives the response and whether it was asked to stream.
    async fn post(
        &self,
        messages: &[Value],
        max_tokens: u64,
        temperature: f64,
        asks_terms: bool,
    ) -> Result<(reqwest::Response, bool)> {
        // Until an answer shows what the server accepts, one request at a time finds out
        // (holding the lock until this function returns).
        let mut _probe = None;
        if !self.features.known.load(Ordering::Acquire) {
            let guard = self.features.probe.lock().await;
            // Those that waited while the first found out go at once.
            if !self.features.known.load(Ordering::Acquire) {
                _probe = Some(guard);
            }
        }
        loop {
            let structured = self.features.structured.load(Ordering::Acquire);
            let streaming = self.features.stream.load(Ordering::Acquire);
            let mut body = json!({
                "model": self.model,
                "temperature": temperature,
                "max_tokens": max_tokens,
                "messages": messages,
            });
            if structured {
                body["response_format"] = reply_schema(asks_terms);
            }
            if streaming {
                body["stream"] = json!(true);
                body["stream_options"] = json!({"include_usage": true});
            }
            let response = self.send(&body).await?;
            let status = response.status().as_u16();
            if (status == 400 || status == 422) && (structured || streaming) {
                let retry_after = retry_after(response.headers());
                let text = self.within(self.timeout, response.text()).await?;
                // Drop what the server named, and ask again without it.
                let lower = text.to_lowercase();
                if structured
                    && (lower.contains("response_format") || lower.contains("json_schema"))
                {
                    self.features.structured.store(false, Ordering::Release);
                    continue;
                }
                if streaming && lower.contains("stream") {
                    self.features.stream.store(false, Ordering::Release);
                    continue;
                }
                self.features.known.store(true, Ordering::Release);
                return Err(status_error(status, retry_after, &text));
            }
            // A 429 or a 5xx says nothing of what the server accepts: the next request asks.
            if status < 300 || (status < 500 && status != 429) {
                self.features.known.store(true, Ordering::Release);
            }
            return Ok((response, streaming));
        }
    }

    /// Sends the request; its answer's head must come within the timeout, counted from the
    /// last bytes any request received (see the module docs).
    async fn send(&self, body: &Value) -> Result<reqwest::Response> {
        let mut request = self.client.post(&self.endpoint).json(body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key);
        }
        let response = self.first_bytes(request.send()).await?;
        self.heard();
        Ok(response)
    }

    /// Waits for the first bytes of an answer: `timeout` from now or from the last bytes any
    /// request of the engine received, whichever is later, so a request queued behind others
    /// that are being answered keeps waiting (see the module docs).
    async fn first_bytes<T>(&self, step: impl Future<Output = reqwest::Result<T>>) -> Result<T> {
        let mut step = std::pin::pin!(step);
        let mut deadline = Instant::now() + self.timeout;
        loop {
            match tokio::time::timeout_at(deadline.into(), &mut step).await {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(e)) => return Err(self.http_error(&e)),
                Err(_) => {
                    let last = *self.last_bytes.lock().unwrap_or_else(|e| e.into_inner());
                    match last.map(|t| t + self.timeout) {
                        Some(later) if later > Instant::now() => deadline = later,
                        _ => return Err(Error::Timeout(self.timeout)),
                    }
                }
            }
        }
    }

    /// Notes that bytes of an answer arrived: the server is working.
    fn heard(&self) {
        *self.last_bytes.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
    }

    /// Runs one step of the exchange within `limit`; running out is [`Error::Timeout`] with
    /// the configured timeout.
    async fn within<T>(
        &self,
        limit: Duration,
        step: impl Future<Output = reqwest::Result<T>>,
    ) -> Result<T> {
        match tokio::time::timeout(limit, step).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(self.http_error(&e)),
            Err(_) => Err(Error::Timeout(self.timeout)),
        }
    }

    /// A reply sent whole, as one JSON object, read within `limit`.
    async fn read_whole(&self, response: reqwest::Response, limit: Duration) -> Result<Received> {
        let text = self.within(limit, response.text()).await?;
        self.heard();
        let reply: Value = serde_json::from_str(&text)
            .map_err(|e| Error::BadReply(format!("the response is not JSON: {e}")))?;
        let content = reply
            .pointer("/choices/0/message/content")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::BadReply("no choices[0].message.content".into()))?;
        let usage = match (
            reply
                .pointer("/usage/prompt_tokens")
                .and_then(Value::as_u64),
            reply
                .pointer("/usage/completion_tokens")
                .and_then(Value::as_u64),
        ) {
            (Some(prompt_tokens), Some(completion_tokens)) => Some(Usage {
                prompt_tokens,
                completion_tokens,
            }),
            _ => None,
        };
        Ok(Received {
            content: content.to_string(),
            usage,
            finish_reason: reply
                .pointer("/choices/0/finish_reason")
                .and_then(Value::as_str)
                .map(str::to_string),
            cut: None,
        })
    }

    /// A streamed reply, read until `[DONE]`. Until its first token it waits as for the
    /// first bytes ([`Self::first_bytes`]: the server may still be busy with other requests);
    /// then a pause longer than the timeout, or a connection lost before the end, cuts it:
    /// what arrived is kept (its complete items are used) with the reason. The batch's listener
    /// hears when the first token came and when each item is complete.
    async fn read_stream(
        &self,
        mut response: reqwest::Response,
        batch: &Batch<'_>,
    ) -> Result<Received> {
        let mut reader = StreamReader::default();
        let mut announced = 0;
        let cut = loop {
            let next = if reader.content.is_empty() {
                self.first_bytes(response.chunk()).await
            } else {
                self.within(self.timeout, response.chunk()).await
            };
            match next {
                Ok(Some(chunk)) => {
                    self.heard();
                    let had = reader.content.len();
                    if let Err(e) = reader.feed(&chunk) {
                        break Some(e);
                    }
                    if had == 0 && !reader.content.is_empty() {
                        batch.started();
                    }
                    // An item is complete when a `}` closes it: read the items then.
                    if reader.content[had..].contains('}') {
                        let items = parse_items(&reader.content);
                        for &(id, _) in items.iter().skip(announced) {
                            if let Some(segment) = batch.segments.get(id) {
                                batch.arrived(segment.id);
                            }
                        }
                        announced = announced.max(items.len());
                    }
                }
                Ok(None) if reader.finished() => break None,
                Ok(None) => {
                    break Some(Error::Unavailable(
                        "the stream ended before the reply was complete".into(),
                    ));
                }
                Err(e) => break Some(e),
            }
            if reader.done {
                break None;
            }
        };
        Ok(Received {
            content: reader.content,
            usage: reader.usage,
            finish_reason: reader.finish_reason,
            cut,
        })
    }

    fn http_error(&self, e: &reqwest::Error) -> Error {
        if e.is_timeout() {
            Error::Timeout(self.timeout)
        } else if e.is_connect() {
            Error::Unavailable(format!(
                "cannot connect to {}: {}",
                self.endpoint,
                source_chain(e)
            ))
        } else {
            Error::Unavailable(source_chain(e))
        }
    }
}

impl Engine for OpenAi {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn translate<'a>(&'a self, batch: Batch<'a>) -> BoxFuture<'a, Result<Reply>> {
        Box::pin(self.call(batch))
    }

    /// The exact prompt (estimated at ≈ 4 characters a token); the completion as the items'
    /// JSON grown by 15%, a typical English → Romance expansion, and the terms asked for.
    fn estimate_usage(&self, batch: &Batch<'_>) -> Option<Usage> {
        let user = Self::user_message(batch);
        let prompt = estimate_tokens(&self.system_prompt(batch)) + estimate_tokens(&user);
        let asked = self.terms_of(batch).ask;
        // `{"source":"…","target":"…"},` per term: twice the term and ~10 tokens of JSON.
        let terms: u64 = asked
            .iter()
            .map(|t| 2 * estimate_tokens(t) as u64 + 10)
            .sum();
        Some(Usage {
            prompt_tokens: prompt as u64,
            completion_tokens: (estimate_tokens(&user) as u64 * 115).div_ceil(100) + terms,
        })
    }

    /// A streamed reply is bounded by pauses, not by its whole length (see the module docs).
    fn enforces_timeout(&self) -> bool {
        true
    }

    /// Learnt terms go into the prompt; new ones are asked for in the reply.
    /// The prompt of a segment sent again says why its last reply was refused.
    fn heeds_corrections(&self) -> bool {
        true
    }

    fn learns_terms(&self) -> bool {
        true
    }

    /// Batches sized to last about `target_batch_secs` (see the module docs).
    fn pace(&self) -> Option<&Pace> {
        self.pace.as_ref()
    }
}

/// The term lines of a batch's prompt.
struct PromptTerms<'a> {
    /// Glossary rows: the user's, then the learnt ones.
    rows: Vec<&'a Term>,
    /// Terms whose translation the reply should give.
    ask: Vec<&'a str>,
}

/// The `response_format` asking for `{"items":[{"id":int,"text":string}]}`, and
/// `"terms":[{"source":string,"target":string}]` after the items when the batch asks for terms
/// (after: a reply cut short then loses terms, which are asked again, rather than items). An
/// object at the top, every field required, as OpenAI's strict mode requires; llama.cpp, vLLM
/// and Ollama turn it into a grammar.
fn reply_schema(with_terms: bool) -> Value {
    let pair = |a: &str, a_type: &str, b: &str| {
        json!({
            "type": "array",
            "items": {
                "type": "object",
                "properties": {a: {"type": a_type}, b: {"type": "string"}},
                "required": [a, b],
                "additionalProperties": false,
            },
        })
    };
    let mut properties = serde_json::Map::new();
    properties.insert("items".into(), pair("id", "integer", "text"));
    let mut required = vec![json!("items")];
    if with_terms {
        properties.insert("terms".into(), pair("source", "string", "target"));
        required.push(json!("terms"));
    }
    json!({
        "type": "json_schema",
        "json_schema": {
            "name": "translations",
            "strict": true,
            "schema": {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": false,
            },
        },
    })
}

/// The reply's items matched to the batch's segments. A reply with no item at all fails each
/// segment with the reason, keeping its tokens in the count, unless it was cut before any
/// item came: then the cut is the error, and the driver retries the batch.
fn items_of(batch: &Batch<'_>, received: Received, estimated: Usage) -> Result<Reply> {
    let usage = Some(received.usage.unwrap_or(estimated));
    let parsed = parse_items(&received.content);
    if parsed.is_empty() {
        if let Some(cut) = received.cut {
            return Err(cut);
        }
        let reason = if received.finish_reason.as_deref() == Some("length") {
            "the reply was cut off before its first item"
        } else {
            "no JSON items of {id, text} in the reply"
        };
        let items = batch
            .segments
            .iter()
            .map(|s| ReplyItem {
                id: s.id,
                text: Err(Error::BadReply(reason.into())),
            })
            .collect();
        return Ok(Reply {
            items,
            usage,
            terms: Vec::new(),
        });
    }
    let mut items: Vec<ReplyItem> = Vec::with_capacity(batch.segments.len());
    let mut seen = vec![false; batch.segments.len()];
    for (id, text) in parsed {
        // Unknown ids are dropped; of duplicates the first wins; absent ones are resent by
        // the driver.
        let Some(segment) = batch.segments.get(id) else {
            continue;
        };
        if std::mem::replace(&mut seen[id], true) {
            continue;
        }
        // Whether it is still in the source language is the driver's check, for every engine.
        items.push(ReplyItem::ok(segment.id, text));
    }
    let terms = if batch.new_terms.is_empty() {
        Vec::new()
    } else {
        parse_terms(&received.content)
            .into_iter()
            .map(|(source, target)| Term {
                source,
                target,
                note: None,
            })
            .collect()
    };
    Ok(Reply {
        items,
        usage,
        terms,
    })
}

/// An error with its causes, `: `-separated (reqwest's own message rarely says why).
fn source_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let _ = write!(msg, ": {c}");
        cause = c.source();
    }
    msg
}

/// The delay a 429 asks for: `retry-after-ms` (OpenAI) or `Retry-After` in seconds.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let get = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<f64>().ok();
    let secs = get("retry-after-ms")
        .map(|ms| ms / 1000.0)
        .or_else(|| get("retry-after"))?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(3600.0)))
}

/// The error for a non-success HTTP status, with the server's message when it gives one.
fn status_error(status: u16, retry_after: Option<Duration>, body: &str) -> Error {
    let message = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| {
            v.pointer("/error/message")
                .or_else(|| v.get("error"))
                .or_else(|| v.get("message"))
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| body.chars().take(200).collect());
    let detail = format!("HTTP {status}: {}", message.trim());
    match status {
        429 => Error::RateLimited { retry_after },
        408 | 500..=599 => Error::Unavailable(detail),
        401 | 403 => Error::Rejected(format!("{detail} (is the API key set?)")),
        _ => Error::Rejected(detail),
    }
}

/// Context text for the prompt: placeholders removed, white space collapsed, at most 100
/// characters.
fn context_text(text: &str) -> String {
    let plain = placeholders::strip(text);
    let words: Vec<&str> = plain.split_whitespace().collect();
    let mut out = words.join(" ");
    if let Some((i, _)) = out.char_indices().nth(100) {
        out.truncate(i);
        out.push('…');
    }
    out
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

/// The English name of a language for the prompt (models follow "Brazilian Portuguese"
/// better than "pt-BR"); the code itself when not in the table.
pub fn language_name(code: &str) -> String {
    const NAMES: &[(&str, &str)] = &[
        ("pt-BR", "Brazilian Portuguese"),
        ("pt-PT", "European Portuguese"),
        ("zh-Hans", "Simplified Chinese"),
        ("zh-Hant", "Traditional Chinese"),
        ("zh-CN", "Simplified Chinese"),
        ("zh-TW", "Traditional Chinese"),
        ("en", "English"),
        ("es", "Spanish"),
        ("pt", "Portuguese"),
        ("fr", "French"),
        ("de", "German"),
        ("it", "Italian"),
        ("ca", "Catalan"),
        ("gl", "Galician"),
        ("eu", "Basque"),
        ("nl", "Dutch"),
        ("sv", "Swedish"),
        ("da", "Danish"),
        ("nb", "Norwegian Bokmål"),
        ("fi", "Finnish"),
        ("pl", "Polish"),
        ("cs", "Czech"),
        ("ro", "Romanian"),
        ("hu", "Hungarian"),
        ("el", "Greek"),
        ("ru", "Russian"),
        ("uk", "Ukrainian"),
        ("tr", "Turkish"),
        ("ar", "Arabic"),
        ("he", "Hebrew"),
        ("fa", "Persian"),
        ("hi", "Hindi"),
        ("bn", "Bengali"),
        ("id", "Indonesian"),
        ("vi", "Vietnamese"),
        ("th", "Thai"),
        ("zh", "Chinese"),
        ("ja", "Japanese"),
        ("ko", "Korean"),
    ];
    let primary = code.split('-').next().unwrap_or(code);
    NAMES
        .iter()
        .find(|(c, _)| *c == code)
        .or_else(|| NAMES.iter().find(|(c, _)| *c == primary))
        .map_or_else(|| code.to_string(), |(_, name)| (*name).to_string())
}

#[cfg(test)]
mod tests {
    use folio_doc::{BlockId, Role, Segment, SegmentId};

    use super::*;
    use crate::glossary::Term;

    fn seg(id: u32, text: &str, role: Role) -> Segment {
        Segment {
            id: SegmentId(id),
            block: Some(BlockId { page: 0, index: id }),
            text: text.into(),
            role,
        }
    }

    /// An engine from English to Spanish with `glossary`, for looking at its prompts.
    fn english_to_spanish_with(glossary: Glossary) -> OpenAi {
        OpenAi::new(
            LangPair::new("en", "es").unwrap(),
            OpenAiOptions {
                base_url: "http://127.0.0.1:9/v1".into(),
                api_key: Some("k".into()),
                glossary: Some(Arc::new(glossary)),
                ..Default::default()
            },
        )
        .unwrap()
    }

    #[test]
    fn prompt_has_context_and_only_the_glossary_rows_used() {
        let glossary = Glossary::new([
            Term {
                source: "fox".into(),
                target: "zorro".into(),
                note: None,
            },
            Term {
                source: "badger".into(),
                target: "tejón".into(),
                note: None,
            },
        ]);
        let engine = english_to_spanish_with(glossary);
        let segments = [
            seg(7, "The [1]quick[/1] fox", Role::Body),
            seg(9, "jumps \"high\"", Role::Body),
        ];
        let sections = [Some("Foxes [1]today[/1]"), Some("Foxes [1]today[/1]")];
        let mut batch = Batch::new(&segments);
        batch.sections = &sections;
        batch.title = Some("A Field Guide");
        let system = engine.system_prompt(&batch);
        assert!(system.contains("from English to Spanish"), "{system}");
        assert!(system.contains("Document: \"A Field Guide\""), "{system}");
        assert!(system.contains("Section: \"Foxes today\""), "{system}");
        assert!(system.contains("fox = zorro"), "{system}");
        assert!(!system.contains("tejón"), "{system}");
        assert!(
            estimate_tokens(&system) < 100,
            "{}",
            estimate_tokens(&system)
        );
        assert_eq!(
            OpenAi::user_message(&batch),
            r#"{"0":"The [1]quick[/1] fox","1":"jumps \"high\""}"#
        );
        assert!(engine.info().model.starts_with("gpt-4o-mini+glossary:"));
    }

    #[test]
    fn learnt_terms_are_carried_and_asked_but_the_glossary_wins() {
        let glossary = Glossary::new([Term {
            source: "fox".into(),
            target: "zorro".into(),
            note: None,
        }]);
        let engine = english_to_spanish_with(glossary);
        let segments = [seg(1, "The fox and the hare in the burrow", Role::Body)];
        let learnt = [
            Term {
                source: "fox".into(),
                target: "raposa".into(),
                note: None,
            },
            Term {
                source: "burrow".into(),
                target: "madriguera".into(),
                note: None,
            },
        ];
        let new_terms = ["hare".to_string(), "the fox".to_string()];
        let mut batch = Batch::new(&segments);
        batch.terms = &learnt;
        batch.new_terms = &new_terms;
        let system = engine.system_prompt(&batch);
        assert!(
            system.contains("fox = zorro\nburrow = madriguera"),
            "{system}"
        );
        assert!(!system.contains("raposa"), "{system}");
        assert!(system.ends_with("}] for: \"hare\""), "{system}");
        // The reply's schema asks for the terms; without new terms, it does not.
        assert!(reply_schema(true).to_string().contains("\"terms\""));
        assert!(!reply_schema(false).to_string().contains("\"terms\""));
        assert!(engine.max_tokens(&batch) > budget::max_tokens(&batch, "es"));
        batch.new_terms = &[];
        assert!(!engine.system_prompt(&batch).contains("terms"));
    }

    #[test]
    fn statuses_map_to_retryable_errors() {
        let e = status_error(429, Some(Duration::from_secs(2)), "{}");
        assert!(e.is_transient());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
        assert!(status_error(503, None, "busy").is_transient());
        let e = status_error(401, None, r#"{"error":{"message":"Incorrect API key"}}"#);
        assert!(!e.is_transient());
        assert!(e.to_string().contains("Incorrect API key"), "{e}");
        assert!(
            OpenAi::new(
                LangPair::new("en", "es").unwrap(),
                OpenAiOptions {
                    base_url: "ftp://x".into(),
                    ..Default::default()
                }
            )
            .is_err()
        );
    }

    #[test]
    fn language_names() {
        assert_eq!(language_name("pt-BR"), "Brazilian Portuguese");
        assert_eq!(language_name("es-MX"), "Spanish");
        assert_eq!(language_name("xx"), "xx");
    }
}
