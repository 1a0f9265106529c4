//! The model's worker pool: threads that load the model once and share it, a queue of jobs,
//! and the replies back to async or blocking callers.

use std::sync::{Mutex, mpsc};

use fxtranslate::engine::Engine as Model;
use tokio::sync::oneshot;

use crate::models::ModelInfo;
use crate::{Error, Result};

use super::align::translate_segment;

/// Texts to translate, and where their translations go.
pub(super) struct Job {
    pub texts: Vec<String>,
    pub reply: ReplyTo,
}

/// Where a job's translations go: an awaiting future, or a blocked caller.
pub(super) enum ReplyTo {
    Async(oneshot::Sender<Vec<Result<String>>>),
    Blocking(mpsc::Sender<Vec<Result<String>>>),
}

/// The error of a pool whose threads are gone.
pub(super) fn stopped() -> Error {
    Error::Model("the model's threads stopped; please report this as a bug".into())
}

/// Cuts texts into at most `n` runs of about equal length, in order.
pub(super) fn split_even(texts: Vec<String>, n: usize) -> Vec<Vec<String>> {
    let total: usize = texts.iter().map(String::len).sum();
    let share = total.div_ceil(n.max(1)).max(1);
    let mut parts: Vec<Vec<String>> = vec![Vec::new()];
    let mut filled = 0;
    for text in texts {
        if filled >= share && parts.last().is_some_and(|p| !p.is_empty()) {
            parts.push(Vec::new());
            filled = 0;
        }
        filled += text.len();
        if let Some(part) = parts.last_mut() {
            part.push(text);
        }
    }
    parts
}

/// Starts the model's threads: one loads the model and owns it; it and `threads - 1` helpers
/// borrowing the model take jobs until every sender is gone. Returns once the model is loaded.
pub(super) fn start(model: &ModelInfo, threads: usize) -> Result<mpsc::Sender<Job>> {
    let (jobs, queue) = mpsc::channel::<Job>();
    let (ready, loaded) = mpsc::channel::<Result<()>>();
    let model = model.clone();
    // The name checks and stand-ins read English capitalisation.
    let english = model.from == "en" || model.from.starts_with("en-");
    std::thread::Builder::new()
        .name(format!("bergamot-{}", model.id))
        .spawn(move || {
            let mt = match load(&model) {
                Ok(mt) => mt,
                Err(e) => {
                    let _ = ready.send(Err(e));
                    return;
                }
            };
            let _ = ready.send(Ok(()));
            let queue = Mutex::new(queue);
            std::thread::scope(|scope| {
                for _ in 1..threads {
                    scope.spawn(|| serve(&mt, &queue, english));
                }
                serve(&mt, &queue, english);
            });
        })
        .map_err(|e| Error::Model(format!("cannot start the model's thread: {e}")))?;
    loaded.recv().map_err(|_| stopped())??;
    Ok(jobs)
}

/// Takes jobs from the queue and answers them, until the queue is closed.
fn serve(mt: &Model, queue: &Mutex<mpsc::Receiver<Job>>, english: bool) {
    loop {
        let job = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        if let ReplyTo::Async(tx) = &job.reply
            && tx.is_closed()
        {
            continue; // the caller gave up (timeout): don't spend the CPU
        }
        let outputs: Vec<Result<String>> = job
            .texts
            .iter()
            .map(|t| guarded(|| translate_segment(mt, t, english)))
            .collect();
        // A caller that stopped waiting just doesn't get the reply.
        let _ = match job.reply {
            ReplyTo::Async(tx) => tx.send(outputs).is_ok(),
            ReplyTo::Blocking(tx) => tx.send(outputs).is_ok(),
        };
    }
}

/// Loads a model's weights (memory-mapped), vocabularies and shortlist.
fn load(model: &ModelInfo) -> Result<Model> {
    let shortlist = match &model.shortlist {
        Some(path) => Some(
            std::fs::read(path).map_err(|e| Error::Model(format!("{}: {e}", path.display())))?,
        ),
        None => None,
    };
    guarded(|| {
        let mt = Model::load_mmapped(&model.model, &model.src_vocab, &model.trg_vocab)
            .map_err(|e| Error::Model(format!("{}: {e}", model.dir.display())))?;
        Ok(match &shortlist {
            Some(bytes) => mt.with_shortlist_bytes(bytes),
            None => mt,
        })
    })?
}

/// Runs model code, turning a panic inside it (a corrupt model file) into an error instead of
/// taking the process down.
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".into());
        Error::Model(format!(
            "the model crashed: {what}; please report this as a bug"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_are_split_evenly_in_order() {
        let texts = |v: &[&str]| v.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        let parts = split_even(texts(&["aaaa", "b", "c", "dddd", "e"]), 2);
        assert_eq!(parts, [texts(&["aaaa", "b", "c"]), texts(&["dddd", "e"])]);
        assert_eq!(split_even(texts(&["a"]), 4), [texts(&["a"])]);
        assert_eq!(split_even(Vec::new(), 2), [Vec::<String>::new()]);
    }
}
