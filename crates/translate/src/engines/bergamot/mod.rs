//! The `bergamot` engine: Firefox Translations (Bergamot/Marian) neural models, run in-process
//! on the CPU through the `fxtranslate` crate. Offline, no key; the default engine.
//!
//! # Placeholders
//! The model drops or mangles markup (`{`, `}`, `<b>`, and brackets more often than not), so
//! placeholders never reach it. For a segment with placeholders:
//! 1. the placeholders are taken out, remembering where each sat in the plain text;
//! 2. the plain text is split into sentences (as `translate_long` does) and each sentence
//!    holding a placeholder is translated with word alignment (`translate_aligned`): each target
//!    word is aligned to the source word its tokens attend to most;
//! 3. a span `[n]…[/n]` goes around the target words aligned to the source words it covered
//!    (from the first such word to the last), and a kept item `[n]` goes after the target word
//!    aligned to the source word before it, keeping its spaces;
//! 4. spans that would cross after that (two spans whose words the translation interleaves) are
//!    repaired or, failing that, the sentence is translated piece by piece between placeholders
//!    instead: worse wording, but every placeholder in place. The result is checked with
//!    [`placeholders::validate`] before it is returned.
//!
//! Before all this, kept items inside a sentence and names the model cannot spell are replaced
//! by stand-ins it copies through (`X1`, `X2`: see `standins`), put back after; only when the
//! model loses one is the segment translated with the holes as above.
//!
//! Sentences without placeholders are translated exactly as `translate_long` translates them,
//! so a segment's translation does not depend on how it was batched. The same input always
//! gives the same output (greedy decoding, no sampling, no threads inside a sentence).

mod align;
mod fixes;
mod pool;
mod standins;

use std::fmt;
use std::path::PathBuf;
use std::sync::{Mutex, mpsc};

use tokio::sync::oneshot;

use crate::engine::{Batch, BoxFuture, Engine, EngineInfo, EngineLimits, Reply, ReplyItem};
use crate::models::{self, ModelInfo};
#[cfg(doc)]
use crate::placeholders;
use crate::{Error, LangPair, Result};

use pool::{Job, ReplyTo, split_even, start, stopped};

/// Settings of the [`Bergamot`] engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BergamotOptions {
    /// The models folder ([`crate::models_dir`] resolves `--models` and `FOLIO_MODELS`).
    pub models_dir: PathBuf,
    /// Batches translated at once, each on its own thread sharing one copy of the weights
    /// (a few MiB of scratch each); 0 means one per CPU. The output does not depend on it.
    pub threads: usize,
}

impl Default for BergamotOptions {
    fn default() -> Self {
        Self {
            models_dir: models::default_models_dir(),
            threads: 0,
        }
    }
}

/// Translates with a Bergamot model loaded from a models folder (see [`crate::models`]).
///
/// The model runs on threads of its own, started with the engine and ended when it is dropped:
/// `fxtranslate`'s model may be shared between threads but not moved to another, so it stays
/// on the thread that loaded it, and the async caller only waits for a reply (its thread is
/// never blocked, whatever runtime polls it). A batch whose caller has stopped waiting (timed
/// out) before it started is skipped.
pub struct Bergamot {
    info: EngineInfo,
    model: ModelInfo,
    threads: usize,
    jobs: Mutex<mpsc::Sender<Job>>,
}

impl fmt::Debug for Bergamot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bergamot")
            .field("info", &self.info)
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

impl Bergamot {
    /// The engine's name, as given to `--engine`.
    pub const NAME: &str = "bergamot";

    /// Loads the model for `pair` from `options.models_dir`. No model for the pair gives
    /// [`Error::NoModel`], naming what to install.
    pub fn new(pair: LangPair, options: &BergamotOptions) -> Result<Self> {
        let model = models::find_model(&options.models_dir, &pair)?;
        Self::from_model(pair, model, options)
    }

    /// Loads a model found by [`crate::list_models`] or [`crate::find_model`]; it must serve
    /// `pair` ([`ModelInfo::serves`]). `options.models_dir` is not used.
    pub fn from_model(pair: LangPair, model: ModelInfo, options: &BergamotOptions) -> Result<Self> {
        if !model.serves(&pair) {
            return Err(Error::UnsupportedPair {
                engine: format!("{} with model {}", Self::NAME, model.id),
                pair: pair.to_string(),
            });
        }
        let threads = match options.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        };
        let jobs = start(&model, threads)?;
        let info = EngineInfo {
            name: Self::NAME.into(),
            model: model.id.clone(),
            pair,
            // Version of the placeholder transfer and clean-up below: bump when it changes the
            // output (2: invented parentheticals dropped; 3: stand-ins for kept items and
            // foreign names).
            prompt_version: 3,
            limits: EngineLimits {
                // No per-request cost, so batches are large; bounded so one batch takes a few
                // seconds (≈ 1,300 words/s a thread) and stays far below call timeouts.
                max_batch_tokens: 4000,
                max_batch_segments: 512,
                // Each batch is spread over the threads; a second one queues meanwhile.
                max_concurrency: 2,
            },
        };
        Ok(Self {
            info,
            model,
            threads,
            jobs: Mutex::new(jobs),
        })
    }

    /// The model in use.
    pub fn model(&self) -> &ModelInfo {
        &self.model
    }

    /// Translates texts on the calling thread's behalf, placeholders carried across (see the
    /// module docs): blocks until the model is done. Not for async code (use the [`Engine`]
    /// trait there).
    pub fn translate_texts(&self, texts: &[&str]) -> Result<Vec<String>> {
        let (tx, rx) = mpsc::channel();
        self.submit(Job {
            texts: texts.iter().map(|t| t.to_string()).collect(),
            reply: ReplyTo::Blocking(tx),
        })?;
        let outputs = rx.recv().map_err(|_| stopped())?;
        outputs.into_iter().collect()
    }

    fn submit(&self, job: Job) -> Result<()> {
        let jobs = self.jobs.lock().map_err(|_| stopped())?;
        jobs.send(job).map_err(|_| stopped())
    }
}

impl Engine for Bergamot {
    fn info(&self) -> &EngineInfo {
        &self.info
    }

    fn translate<'a>(&'a self, batch: Batch<'a>) -> BoxFuture<'a, Result<Reply>> {
        let ids: Vec<_> = batch.segments.iter().map(|s| s.id).collect();
        let texts: Vec<String> = batch.segments.iter().map(|s| s.text.clone()).collect();
        // One job per thread, so a single batch keeps every thread busy.
        let mut waiting = Vec::new();
        let mut sent = Ok(());
        for part in split_even(texts, self.threads) {
            let (tx, rx) = oneshot::channel();
            waiting.push(rx);
            sent = sent.and(self.submit(Job {
                texts: part,
                reply: ReplyTo::Async(tx),
            }));
        }
        Box::pin(async move {
            sent?;
            let mut outputs = Vec::with_capacity(ids.len());
            for rx in waiting {
                outputs.extend(rx.await.map_err(|_| stopped())?);
            }
            let items = ids
                .into_iter()
                .zip(outputs)
                .map(|(id, text)| ReplyItem { id, text })
                .collect();
            Ok(Reply {
                items,
                ..Default::default()
            })
        })
    }
}
