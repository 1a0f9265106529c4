//! The `identity` engine: returns the source, for round-trip fidelity tests.

use crate::engine::{Batch, BoxFuture, Engine, EngineInfo, EngineLimits, Reply};
use crate::{LangPair, Result};

/// Returns each segment's text unchanged, placeholders included. It goes through the whole
/// pipeline like any engine, so a round trip shows what rewriting alone does to a PDF.
#[derive(Debug, Clone)]
pub struct Identity {
    info: EngineInfo,
}

impl Identity {
    /// An identity engine for a pair (any pair works; the pair only labels the output).
    pub fn new(pair: LangPair) -> Self {
        let limits = EngineLimits {
            max_batch_tokens: 100_000,
            max_batch_segments: 10_000,
            max_concurrency: 1,
        };
        Self {
            info: EngineInfo {
                name: "identity".into(),
                model: "identity".into(),
                pair,
                prompt_version: 0,
                limits,
            },
        }
    }
}

impl Engine for Identity {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn translate<'a>(&'a self, batch: Batch<'a>) -> BoxFuture<'a, Result<Reply>> {
        Reply::now(&batch, str::to_string)
    }

    /// The output is the source, on purpose.
    fn checks_language(&self) -> bool {
        false
    }
}
