//! The `apertium` engine: rule-based machine translation through an Apertium APy server.
//!
//! APy (Debian package `apertium-apy`, language data in `apertium-eng-spa`, `apertium-eng-cat`,
//! `apertium-en-gl`, …) takes one text per request: `POST {base_url}/translate`, form-encoded
//! (`langpair=eng|spa`, `q=…`, `markUnknown=no` so unknown words get no `*`); JSON bodies are
//! rejected. It answers `{"responseData":{"translatedText":…},"responseStatus":200}`, or HTTP
//! 400 with an `explanation` ("That pair is not installed").
//!
//! The default format is HTML, which keeps the `[n]…[/n]` placeholders, and literal `<`, `&`
//! pass through unchanged (measured with APy 0.11.7). So the engine sends each segment as
//! is, one request per segment (its limits make the driver send batches of one, so the report
//! counts real requests), several at once.
//!
//! Language pairs: APy names languages by ISO 639-3 codes (`eng|spa`); the engine maps the
//! primary subtags of the pair (`en`, `es`). Variants (`eng|cat_valencia`) are chosen with
//! [`ApertiumOptions::langpair`]. `GET /listPairs` ([`Apertium::list_pairs`]) says what a server
//! has.

use std::time::Duration;

use serde_json::Value;

use crate::engine::{Batch, BoxFuture, Engine, EngineInfo, EngineLimits, Reply, ReplyItem};
use crate::{Error, LangPair, Result};

/// Settings of the [`Apertium`] engine.
#[derive(Debug, Clone)]
pub struct ApertiumOptions {
    /// Where APy listens.
    pub base_url: String,
    /// The APy language pair (`eng|cat_valencia`); `None` derives it from the pair (`eng|spa`).
    pub langpair: Option<String>,
    /// Requests in flight at once (APy measured fastest at 4 with `-i 2 -u 2` on 2 cores).
    pub max_concurrency: usize,
    /// Time allowed for one request.
    pub timeout: Duration,
}

impl Default for ApertiumOptions {
    fn default() -> Self {
        Self {
            base_url: "http://127.0.0.1:2737".into(),
            langpair: None,
            max_concurrency: 4,
            timeout: Duration::from_secs(60),
        }
    }
}

/// Translates through an Apertium APy server (see the module docs).
#[derive(Debug)]
pub struct Apertium {
    info: EngineInfo,
    client: reqwest::Client,
    base_url: String,
    langpair: String,
    timeout: Duration,
}

impl Apertium {
    /// An engine for `pair` with these settings. Nothing is sent yet: a server that is down
    /// or lacks the pair shows in the first request's error.
    pub fn new(pair: LangPair, options: ApertiumOptions) -> Result<Self> {
        let base_url = options.base_url.trim_end_matches('/').to_string();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(Error::Config(format!(
                "base URL {:?} must start with http:// or https://",
                options.base_url
            )));
        }
        let langpair = match options.langpair {
            Some(lp) if lp.contains('|') => lp,
            Some(lp) => {
                return Err(Error::Config(format!(
                    "Apertium language pair {lp:?} must look like eng|spa"
                )));
            }
            None => format!(
                "{}|{}",
                alpha3(pair.from_primary()),
                alpha3(pair.to_primary())
            ),
        };
        let client = reqwest::Client::builder()
            .timeout(options.timeout)
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            info: EngineInfo {
                name: "apertium".into(),
                model: langpair.clone(),
                pair,
                prompt_version: 1,
                limits: EngineLimits {
                    max_batch_tokens: 100_000,
                    max_batch_segments: 1,
                    max_concurrency: options.max_concurrency.max(1),
                },
            },
            client,
            base_url,
            langpair,
            timeout: options.timeout,
        })
    }

    /// The APy language pair sent (`eng|spa`).
    pub fn langpair(&self) -> &str {
        &self.langpair
    }

    /// Sends a request and reads its JSON reply; HTTP errors become the driver's errors.
    async fn json(&self, request: reqwest::RequestBuilder, what: &str) -> Result<Value> {
        let response = request.send().await.map_err(|e| self.http_error(&e))?;
        let status = response.status().as_u16();
        let body = response.text().await.map_err(|e| self.http_error(&e))?;
        if status != 200 {
            return Err(status_error(status, &body, &self.langpair));
        }
        serde_json::from_str(&body).map_err(|e| Error::BadReply(format!("{what} is not JSON: {e}")))
    }

    /// The pairs the server has, as `eng|spa`.
    pub async fn list_pairs(&self) -> Result<Vec<String>> {
        let url = format!("{}/listPairs", self.base_url);
        let value = self.json(self.client.get(&url), "listPairs").await?;
        let pairs = value
            .get("responseData")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::BadReply("listPairs has no responseData".into()))?;
        Ok(pairs
            .iter()
            .filter_map(|p| {
                let from = p.get("sourceLanguage")?.as_str()?;
                let to = p.get("targetLanguage")?.as_str()?;
                Some(format!("{from}|{to}"))
            })
            .collect())
    }

    /// Translates one text.
    async fn translate_one(&self, text: &str) -> Result<String> {
        let url = format!("{}/translate", self.base_url);
        let form = [
            ("langpair", self.langpair.as_str()),
            ("q", text),
            ("markUnknown", "no"),
        ];
        let value = self
            .json(self.client.post(&url).form(&form), "the response")
            .await?;
        value
            .pointer("/responseData/translatedText")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| Error::BadReply("no responseData.translatedText".into()))
    }

    fn http_error(&self, e: &reqwest::Error) -> Error {
        if e.is_timeout() {
            Error::Timeout(self.timeout)
        } else if e.is_connect() {
            Error::Unavailable(format!(
                "cannot connect to the Apertium server at {} (is apertium-apy running?)",
                self.base_url
            ))
        } else {
            Error::Unavailable(e.to_string())
        }
    }
}

impl Engine for Apertium {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn translate<'a>(&'a self, batch: Batch<'a>) -> BoxFuture<'a, Result<Reply>> {
        Box::pin(async move {
            // The driver sends one segment per batch (limits); a larger batch, from another
            // caller, goes one request after another.
            let mut items = Vec::with_capacity(batch.segments.len());
            for segment in batch.segments {
                // Whether it is still in the source language is the driver's check.
                let text = match self.translate_one(&segment.text).await {
                    Ok(text) => Ok(text),
                    // The whole call fails on an error that is not about this segment, so the
                    // driver retries or reports it once.
                    Err(e) if batch.segments.len() == 1 || e.is_transient() => return Err(e),
                    Err(e) => Err(e),
                };
                items.push(ReplyItem {
                    id: segment.id,
                    text,
                });
            }
            Ok(Reply {
                items,
                ..Default::default()
            })
        })
    }

    /// Each request has the configured timeout, which the driver must not shorten.
    fn enforces_timeout(&self) -> bool {
        true
    }
}

/// The error for an HTTP error status from APy.
fn status_error(status: u16, body: &str, langpair: &str) -> Error {
    let explanation = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("explanation")?.as_str().map(str::to_string))
        .unwrap_or_else(|| body.chars().take(200).collect());
    if explanation.contains("not installed") {
        let package = langpair.replace('|', "-");
        return Error::Rejected(format!(
            "the Apertium server has no pair {langpair} (install apertium-{package}, or pick \
             another pair)"
        ));
    }
    let detail = format!("HTTP {status}: {}", explanation.trim());
    match status {
        408 | 429 | 500..=599 => Error::Unavailable(detail),
        _ => Error::Rejected(detail),
    }
}

/// The ISO 639-3 code APy uses for an ISO 639-1 one; other codes go as given (APy itself
/// maps some two-letter codes).
fn alpha3(code: &str) -> &str {
    const CODES: &[(&str, &str)] = &[
        ("af", "afr"),
        ("an", "arg"),
        ("ar", "ara"),
        ("be", "bel"),
        ("bg", "bul"),
        ("br", "bre"),
        ("ca", "cat"),
        ("cs", "ces"),
        ("cy", "cym"),
        ("da", "dan"),
        ("de", "deu"),
        ("el", "ell"),
        ("en", "eng"),
        ("eo", "epo"),
        ("es", "spa"),
        ("et", "est"),
        ("eu", "eus"),
        ("fa", "fas"),
        ("fi", "fin"),
        ("fr", "fra"),
        ("ga", "gle"),
        ("gd", "gla"),
        ("gl", "glg"),
        ("he", "heb"),
        ("hi", "hin"),
        ("hr", "hrv"),
        ("hu", "hun"),
        ("id", "ind"),
        ("is", "isl"),
        ("it", "ita"),
        ("kk", "kaz"),
        ("lt", "lit"),
        ("lv", "lav"),
        ("mk", "mkd"),
        ("ms", "msa"),
        ("mt", "mlt"),
        ("nb", "nob"),
        ("nl", "nld"),
        ("nn", "nno"),
        ("oc", "oci"),
        ("pl", "pol"),
        ("pt", "por"),
        ("ro", "ron"),
        ("ru", "rus"),
        ("sc", "srd"),
        ("sk", "slk"),
        ("sl", "slv"),
        ("sq", "sqi"),
        ("sv", "swe"),
        ("tr", "tur"),
        ("tt", "tat"),
        ("uk", "ukr"),
        ("ur", "urd"),
    ];
    CODES
        .iter()
        .find(|(two, _)| *two == code)
        .map_or(code, |(_, three)| three)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_map_to_apy_codes() {
        let engine = Apertium::new(
            LangPair::new("en-US", "es").unwrap(),
            ApertiumOptions::default(),
        )
        .unwrap();
        assert_eq!(engine.langpair(), "eng|spa");
        assert_eq!(engine.info().model, "eng|spa");
        assert_eq!(engine.info().limits.max_batch_segments, 1);
        let engine = Apertium::new(
            LangPair::new("en", "ca").unwrap(),
            ApertiumOptions {
                langpair: Some("eng|cat_valencia".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(engine.langpair(), "eng|cat_valencia");
        assert!(
            Apertium::new(
                LangPair::new("en", "ca").unwrap(),
                ApertiumOptions {
                    langpair: Some("eng-cat".into()),
                    ..Default::default()
                },
            )
            .is_err()
        );
    }

    #[test]
    fn missing_pairs_name_the_package() {
        let e = status_error(
            400,
            r#"{"status": "error", "code": 400, "explanation": "That pair is not installed"}"#,
            "eng|fra",
        );
        assert!(e.to_string().contains("apertium-eng-fra"), "{e}");
        assert!(!e.is_transient());
        assert!(status_error(503, "down", "eng|spa").is_transient());
    }
}
