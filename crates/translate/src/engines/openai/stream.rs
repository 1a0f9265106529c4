//! Reading a streamed reply: server-sent events (`data: {…}` lines, `data: [DONE]` last).
//!
//! Each event carries a piece of the reply in `choices[0].delta.content`; with
//! `stream_options.include_usage` the last one before `[DONE]` carries `usage`. Bytes arrive
//! in arbitrary chunks, so a line may be split between two of them.

use serde_json::Value;

use crate::engine::Usage;
use crate::{Error, Result};

/// What a streamed reply has said so far.
#[derive(Debug, Default)]
pub(crate) struct StreamReader {
    /// The end of the last chunk when it stopped mid-line.
    partial: Vec<u8>,
    /// The reply's text so far.
    pub content: String,
    /// Tokens, from the last event, when the server counts them.
    pub usage: Option<Usage>,
    /// Why generation stopped (`stop`, `length`), once said.
    pub finish_reason: Option<String>,
    /// Whether `data: [DONE]` arrived.
    pub done: bool,
}

impl StreamReader {
    /// Reads the complete lines of a chunk; an event reporting an error fails.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<()> {
        self.partial.extend_from_slice(chunk);
        while let Some(end) = self.partial.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=end).collect();
            self.line(String::from_utf8_lossy(&line).trim())?;
        }
        Ok(())
    }

    /// Whether the reply is complete: `[DONE]` came, or (from servers that omit it) a
    /// finish reason.
    pub fn finished(&self) -> bool {
        self.done || self.finish_reason.is_some()
    }

    fn line(&mut self, line: &str) -> Result<()> {
        // Comments (`: keep-alive`), `event:` and `id:` lines carry nothing we use.
        let Some(data) = line.strip_prefix("data:").map(str::trim) else {
            return Ok(());
        };
        if data == "[DONE]" {
            self.done = true;
            return Ok(());
        }
        let Ok(event) = serde_json::from_str::<Value>(data) else {
            return Err(Error::BadReply(format!(
                "a streamed event is not JSON: {}",
                data.chars().take(100).collect::<String>()
            )));
        };
        if let Some(error) = event.get("error") {
            let message = error
                .get("message")
                .and_then(Value::as_str)
                .map_or_else(|| error.to_string(), str::to_string);
            return Err(Error::Unavailable(format!("the stream failed: {message}")));
        }
        if let Some(piece) = event
            .pointer("/choices/0/delta/content")
            .and_then(Value::as_str)
        {
            self.content.push_str(piece);
        }
        if let Some(reason) = event
            .pointer("/choices/0/finish_reason")
            .and_then(Value::as_str)
        {
            self.finish_reason = Some(reason.to_string());
        }
        if let (Some(prompt_tokens), Some(completion_tokens)) = (
            event
                .pointer("/usage/prompt_tokens")
                .and_then(Value::as_u64),
            event
                .pointer("/usage/completion_tokens")
                .and_then(Value::as_u64),
        ) {
            self.usage = Some(Usage {
                prompt_tokens,
                completion_tokens,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_anywhere_make_the_reply() {
        let events = concat!(
            ": keep-alive\n\n",
            "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"content\":\"[{\\\"id\\\":0,\"}}]}\n\n",
            "data: {\"choices\":[{\"delta\":{\"content\":\"\\\"text\\\":\\\"Hola\\\"}]\"},\"finish_reason\":\"stop\"}]}\r\n\r\n",
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":7}}\n\n",
            "data: [DONE]\n\n",
        );
        // Every split point: chunks end mid-line, mid-character even.
        for split in 0..events.len() {
            let mut reader = StreamReader::default();
            reader.feed(&events.as_bytes()[..split]).unwrap();
            reader.feed(&events.as_bytes()[split..]).unwrap();
            assert_eq!(reader.content, r#"[{"id":0,"text":"Hola"}]"#);
            assert_eq!(reader.finish_reason.as_deref(), Some("stop"));
            assert_eq!(
                reader.usage,
                Some(Usage {
                    prompt_tokens: 12,
                    completion_tokens: 7
                })
            );
            assert!(reader.done && reader.finished());
        }
    }

    #[test]
    fn an_error_event_fails() {
        let mut reader = StreamReader::default();
        let e = reader
            .feed(b"data: {\"error\":{\"message\":\"out of memory\"}}\n")
            .unwrap_err();
        assert!(e.to_string().contains("out of memory"), "{e}");
        assert!(e.is_transient());
    }
}
