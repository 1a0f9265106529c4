//! The driver: from a document's segments to one outcome each, whatever the engine does.
//!
//! # Steps
//! 1. Segments with no letters (only numbers, symbols or placeholders) are kept, not sent.
//! 2. Each remaining segment gets a [`CacheKey`]; identical texts share one and are sent once.
//! 3. Keys found in the cache (and valid for their segment) are answered from it.
//! 4. The rest is cut into batches by the token and segment budget, in document order. An
//!    engine with a [`pace`](Engine::pace) gets batches cut as calls start, to the size its
//!    measured speed allows, the first through an engine being a small probe sent alone
//!    ([`adaptive`]); the others get the plan's.
//! 5. Batches run, up to the concurrency limit at once, each call waiting as long as the
//!    requests- and tokens-per-minute limits say. A call that fails for a passing reason
//!    (rate limit, timeout, server error) is retried with exponential backoff and jitter,
//!    never sooner than the engine's `Retry-After` (a 429 pauses the limiter, so every call
//!    sharing it waits as long); with batches sized by speed, a batch of several segments
//!    that times out is halved instead of sent again whole. A batch that still fails is split
//!    in two (unless smaller requests would fail alike: a refusal such as a bad key, a server
//!    still down), and items that come back invalid (placeholders lost, empty, implausible
//!    length, invented numbers: [`Validation`]) are sent again; items in the wrong language
//!    alone and once, the others down to single segments. Progress events count items of a
//!    streamed reply as they arrive ([`Listener`](crate::Listener)).
//!    A batch refused as a whole ([`Error::is_refusal`]: a bad key, an unknown model) stops
//!    the run: no other batch is sent, and the segments not sent fail with its reason.
//! 6. A single segment that still fails ends [`Outcome::Failed`] with the reason; valid
//!    translations go into the cache as each batch finishes, so a run stopped half way keeps
//!    what it paid for. Every segment ends translated, kept or failed.
//!
//! With an engine that learns terms ([`Engine::learns_terms`]), the document's candidate
//! terms are found first ([`crate::candidate_terms`]); each batch carries the translations
//! learnt so far for its terms and asks for the others, and the first batch runs alone, so the
//! batches after it start from its terms. A term asked for by a batch in flight is not asked
//! again; a batch holding such terms six times or more waits for the answer, and one holding
//! fewer translates them as it will (the first translation accepted wins from then on).
//! Learnt terms go into the cache with the translations (under a key naming the document's
//! texts), so a run stopped half way resumes with them.
//!
//! Steps 1–4 are the [`plan`](Plan), shared with [`estimate`] (which assumes the plan's
//! batches: the largest size); step 5 is [`batch`].

mod adaptive;
mod batch;
mod estimate;
mod language;
mod options;
mod output;
mod plan;
mod validation;

use std::collections::{HashMap, HashSet};
use std::future::poll_fn;
use std::sync::{Arc, Mutex};
use std::task::Poll;

use folio_doc::{Outcome, Segment, Translation};

use crate::engine::{BoxFuture, Engine};
use crate::ratelimit::{Limiter, RateLimiter};
use crate::terms;
use crate::{CacheKey, Error, Result};

use adaptive::Sizer;
use batch::{BatchResult, Shared, Tracker, Work, lock, run_batch};
pub use estimate::{Estimate, Price, estimate};
pub use options::{RetryPolicy, TranslateOptions};
pub use output::{EngineStats, TranslateOutput, TranslateProgress};
use plan::Plan;
pub use validation::{Validation, left_in_source_language};

/// Translates a document's segments: one [`Translation`] per segment, in order, each
/// translated, kept with a reason, or failed with a reason (see the module docs for the steps).
///
/// `events` hears of progress. Runs inside a Tokio runtime with the timer enabled (retries
/// sleep and calls time out); from synchronous code use [`translate_segments_blocking`].
pub async fn translate_segments(
    engine: &dyn Engine,
    segments: &[Segment],
    options: &TranslateOptions,
    events: &mut (dyn FnMut(TranslateProgress) + Send),
) -> TranslateOutput {
    // An engine that keeps its own time must not be cut short by ours (a streamed reply
    // still arriving, a timeout configured above the default).
    let own_time;
    let options = if engine.enforces_timeout() && options.timeout.is_some() {
        own_time = TranslateOptions {
            timeout: None,
            ..options.clone()
        };
        &own_time
    } else {
        options
    };
    let info = engine.info();
    let total = segments.len();
    let mut stats = EngineStats {
        name: info.name.clone(),
        model: info.model.clone(),
        ..Default::default()
    };
    let mut outcomes: Vec<Option<Outcome>> = vec![None; total];
    let mut done = 0;

    // 1–4. Kept, repeats, the cache, batches.
    let plan = Plan::new(engine, segments, options);
    let mut warnings = plan.warnings.clone();
    for (i, reason) in plan.kept.iter().enumerate() {
        if let Some(reason) = reason {
            outcomes[i] = Some(Outcome::Kept(*reason));
            done += 1;
        }
    }
    for (group, cached) in plan.groups.iter().zip(&plan.cached) {
        if let Some(text) = cached {
            for &i in &group.members {
                outcomes[i] = Some(Outcome::Translated(text.clone()));
            }
            stats.cache_hits += group.members.len() as u64;
            done += group.members.len();
        }
    }
    events(TranslateProgress { done, total });

    // The document's terms, for an engine that keeps them consistent; those learnt by an
    // earlier run of the same document come back from the cache.
    let (book, book_key) = if plan.batches.is_empty() {
        None
    } else {
        terms::book_for(engine, segments, options)
    }
    .unzip();

    let limits = info.limits;
    let concurrency = options
        .max_concurrency
        .map_or(limits.max_concurrency, |n| n.min(limits.max_concurrency))
        .max(1);
    let own_limiter;
    let limiter: &dyn Limiter = match &options.limiter {
        Some(shared) => shared.as_ref(),
        None => {
            own_limiter = RateLimiter::new(options.rpm, options.tpm);
            &own_limiter
        }
    };

    // 5. Run them, `concurrency` at a time. Batches are cut as calls start: by the plan's
    //    budget, or by the one the sizer learns from the replies (see `adaptive`).
    let sizer = adaptive::pace(engine).map(|pace| Mutex::new(Sizer::new(pace, plan.max_tokens)));
    let probing = sizer.as_ref().is_some_and(|s| lock(s).probing());
    let language = (engine.checks_language() && options.validation.language).then_some(&info.pair);
    let mut next = 0;
    let mut planned = plan.batches.iter();
    let mut next_batch = || -> Option<Vec<usize>> {
        match &sizer {
            None => planned.next().cloned(),
            Some(sizer) => {
                let budget = lock(sizer).budget();
                let batch = plan.next_batch(segments, &mut next, budget);
                (!batch.is_empty()).then_some(batch)
            }
        }
    };
    let mut in_flight: Vec<(BoxFuture<'_, BatchResult>, Arc<Tracker>)> = Vec::new();
    // A refusal of a whole batch (a bad key, an unknown model): nothing more is sent.
    let mut refused: Option<String> = None;
    let mut stored: HashSet<CacheKey> = HashSet::new();
    let mut finished = 0;
    // Segments shown done: settled, plus those whose items arrived in replies still coming.
    let mut shown = done;
    loop {
        // The first batch runs alone when it learns terms (the others then start from its
        // terms) or probes the server's speed (the others are then cut to it).
        let limit = if (book.is_some() || probing) && finished == 0 {
            1
        } else {
            concurrency
        };
        while in_flight.len() < limit && refused.is_none() {
            let Some(batch_groups) = next_batch() else {
                break;
            };
            let mut weights = HashMap::new();
            let work: Vec<Work<'_>> = batch_groups
                .iter()
                .map(|&g| {
                    let i = plan.groups[g].representative();
                    weights.insert(segments[i].id, plan.groups[g].members.len());
                    Work {
                        group: g,
                        segment: segments[i].clone(),
                        section: plan.sections[i],
                    }
                })
                .collect();
            let tracker = Arc::new(Tracker::new(weights));
            let shared = Shared {
                options,
                limiter,
                sizer: sizer.as_ref(),
                language,
                book: book.as_ref(),
            };
            let fut = Box::pin(run_batch(engine, work, shared, tracker.clone()));
            in_flight.push((fut as BoxFuture<'_, BatchResult>, tracker));
        }
        if in_flight.is_empty() {
            break;
        }
        // A small `FuturesUnordered`: poll every call in flight, take the first one finished;
        // or, when items of a streamed reply arrived, report them.
        let step = poll_fn(|cx| {
            for k in 0..in_flight.len() {
                if let Poll::Ready(out) = in_flight[k].0.as_mut().poll(cx) {
                    // `remove`, not `swap_remove`: calls start in document order.
                    drop(in_flight.remove(k));
                    return Poll::Ready(Some(out));
                }
            }
            let arrived: usize = in_flight.iter().map(|(_, t)| t.arrived()).sum();
            if done + arrived > shown {
                return Poll::Ready(None);
            }
            Poll::Pending
        })
        .await;
        let Some(result) = step else {
            shown = done + in_flight.iter().map(|(_, t)| t.arrived()).sum::<usize>();
            events(TranslateProgress { done: shown, total });
            continue;
        };
        finished += 1;

        stats.requests += result.requests;
        stats.retries += result.retries;
        stats.fallbacks += result.fallbacks;
        stats.splits += result.splits;
        stats.resent += result.resent;
        stats.timeouts += result.timeouts;
        stats.prompt_tokens += result.usage.0;
        stats.completion_tokens += result.usage.1;
        stats.terms_learnt += result.terms_learnt;
        stats.terms_carried += result.terms_carried;
        stats.items_placed += result.items_placed;
        if refused.is_none() {
            refused = refusal(&result.outcomes);
        }
        let mut fresh: Vec<(CacheKey, String)> = Vec::new();
        if let (Some(book), Some(key)) = (&book, book_key)
            && result.terms_learnt > 0
        {
            fresh.push((key, book.to_json()));
        }
        for (g, outcome) in result.outcomes {
            let plan::Group { key, members } = &plan.groups[g];
            let outcome = match outcome {
                Ok(text) => {
                    stats.cache_hits += members.len() as u64 - 1;
                    // Texts differing only in white space share a key: the first one stored wins,
                    // as it would on a later run.
                    if stored.insert(*key) {
                        fresh.push((*key, text.clone()));
                    }
                    Outcome::Translated(text)
                }
                Err(e) => {
                    if e.is_transient() {
                        stats.unavailable += members.len() as u64;
                    }
                    Outcome::Failed(e.to_string())
                }
            };
            for &i in members {
                outcomes[i] = Some(outcome.clone());
            }
            done += members.len();
        }
        // 6. Store what was learnt as soon as it is: a run stopped half way (killed, out of
        // budget) has paid for these answers, and the next run takes them from the cache.
        if let Some(cache) = &options.cache
            && !fresh.is_empty()
            && let Err(e) = cache.put_many(&fresh)
        {
            let warning = Error::Cache(e.to_string()).to_string();
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        }
        // Never backwards: items counted on arrival are settled now, with their repeats.
        shown = shown.max(done + in_flight.iter().map(|(_, t)| t.arrived()).sum::<usize>());
        events(TranslateProgress { done: shown, total });
    }
    if let Some(sizer) = &sizer {
        stats.last_batch_tokens = Some(lock(sizer).budget());
    }
    if let Some(reason) = &refused {
        let unsent = outcomes.iter().filter(|o| o.is_none()).count();
        if unsent > 0 {
            warnings.push(format!(
                "{unsent} segments were not sent: the engine refused a whole batch ({reason})"
            ));
            for outcome in outcomes.iter_mut().filter(|o| o.is_none()) {
                *outcome = Some(Outcome::Failed(reason.clone()));
            }
            events(TranslateProgress { done: total, total });
        }
    }

    let translations = segments
        .iter()
        .zip(outcomes)
        .map(|(seg, outcome)| Translation {
            id: seg.id,
            // Every segment was kept, answered from the cache or sent; a hole would be our bug.
            outcome: outcome.unwrap_or_else(|| {
                Outcome::Failed(
                    "segment was never sent to the engine; please report this as a bug".into(),
                )
            }),
        })
        .collect();
    TranslateOutput {
        translations,
        stats,
        warnings,
    }
}

/// The reason a batch was refused as a whole, if it was: every segment failed, for one
/// reason that any other request would meet too ([`Error::is_refusal`]).
fn refusal(outcomes: &[(usize, Result<String>)]) -> Option<String> {
    let (_, Err(first)) = outcomes.first()? else {
        return None;
    };
    let whole = outcomes
        .iter()
        .all(|(_, o)| matches!(o, Err(e) if e == first));
    (first.is_refusal() && whole).then(|| first.to_string())
}

/// [`translate_segments`] from synchronous code: runs it on a current-thread Tokio runtime
/// made for the call. Fails only if the runtime cannot start, or when called from inside an
/// async runtime (use [`translate_segments`] there).
pub fn translate_segments_blocking(
    engine: &dyn Engine,
    segments: &[Segment],
    options: &TranslateOptions,
    events: &mut (dyn FnMut(TranslateProgress) + Send),
) -> Result<TranslateOutput> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::Runtime(
            "called from inside an async runtime; await translate_segments instead".into(),
        ));
    }
    // Time for retries and timeouts, I/O for the HTTP engines.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime(e.to_string()))?;
    Ok(runtime.block_on(translate_segments(engine, segments, options, events)))
}

#[cfg(test)]
mod tests;
