//! Sending one batch: retries with backoff within the rate limits, a timeout per call,
//! splitting the batch when it fails and resending invalid items alone.

use std::collections::HashMap;

use folio_doc::{Segment, SegmentId};

use crate::engine::{Batch, Engine, estimate_tokens};
use crate::ratelimit::Limiter;
use crate::terms::{BatchTerms, TermBook};
use crate::{Error, Result};

use super::TranslateOptions;

/// One segment to send, with the group it answers for.
pub(super) struct Work<'a> {
    pub group: usize,
    pub segment: Segment,
    pub section: Option<&'a str>,
}

/// What became of one batch and what it cost.
#[derive(Default)]
pub(super) struct BatchResult {
    pub outcomes: Vec<(usize, Result<String>)>,
    pub requests: u64,
    pub retries: u64,
    pub fallbacks: u64,
    /// Prompt and completion tokens.
    pub usage: (u64, u64),
    /// Terms whose translation this batch taught the run.
    pub terms_learnt: u64,
    /// Learnt translations carried in this batch's requests.
    pub terms_carried: u64,
}

/// Sends a batch, splitting it on failure and resending invalid items, until every segment
/// has a valid translation or a single-segment failure. With a term `book`, each request
/// carries the terms learnt so far and teaches the book those its reply bears out.
pub(super) async fn run_batch<'a>(
    engine: &'a dyn Engine,
    work: Vec<Work<'a>>,
    options: &'a TranslateOptions,
    limiter: &'a dyn Limiter,
    book: Option<&'a TermBook>,
) -> BatchResult {
    let mut result = BatchResult::default();
    // Parts still to send, as indices into `work`; the first part is sent first.
    let mut stack: Vec<Vec<usize>> = vec![(0..work.len()).collect()];
    while let Some(part) = stack.pop() {
        let segments: Vec<Segment> = part.iter().map(|&w| work[w].segment.clone()).collect();
        let sections: Vec<Option<&str>> = part.iter().map(|&w| work[w].section).collect();
        let mut batch = Batch::new(&segments);
        batch.sections = &sections;
        batch.title = options.title.as_deref();
        let terms = match book {
            Some(b) => {
                let texts: Vec<&str> = segments.iter().map(|s| s.text.as_str()).collect();
                b.wait_for_answers(&texts).await;
                b.for_batch(&texts)
            }
            None => BatchTerms::default(),
        };
        batch.terms = &terms.known;
        batch.new_terms = &terms.ask;
        result.terms_carried += terms.known.len() as u64;

        let reply = call(engine, batch, options, limiter, &mut result).await;
        // Terms asked for and not learnt are free for the next batch to ask.
        let release = || {
            if let Some(book) = book {
                book.release(&terms.ask);
            }
        };
        let failures: Vec<(usize, Error)> = match reply {
            // Smaller requests would fail alike (a bad key, a server still down after the
            // retries): the reason becomes every segment's outcome now.
            Err(e) if !worth_splitting(&e) => {
                release();
                result
                    .outcomes
                    .extend(part.iter().map(|&w| (work[w].group, Err(e.clone()))));
                continue;
            }
            Err(e) => {
                release();
                part.iter().map(|&w| (w, e.clone())).collect()
            }
            Ok(reply) => {
                let mut by_id: HashMap<SegmentId, Result<String>> = HashMap::new();
                for item in reply.items {
                    by_id.entry(item.id).or_insert(item.text);
                }
                let mut completion = 0;
                let mut failures = Vec::new();
                let first_accepted = result.outcomes.len();
                let mut accepted = Vec::new();
                for &w in &part {
                    let seg = &work[w].segment;
                    let checked = match by_id.remove(&seg.id) {
                        None => Err(Error::MissingItem),
                        Some(Err(e)) => Err(e),
                        Some(Ok(text)) => {
                            completion += estimate_tokens(&text) as u64;
                            options.validation.check(&seg.text, &text).map(|()| text)
                        }
                    };
                    match checked {
                        Ok(text) => {
                            accepted.push(w);
                            result.outcomes.push((work[w].group, Ok(text)));
                        }
                        Err(e) => failures.push((w, e)),
                    }
                }
                if let Some(book) = book
                    && !reply.terms.is_empty()
                {
                    // The items accepted from this reply bear out the terms it offers.
                    let pairs: Vec<(&str, &str)> = accepted
                        .iter()
                        .zip(&result.outcomes[first_accepted..])
                        .filter_map(|(&w, (_, text))| {
                            Some((work[w].segment.text.as_str(), text.as_deref().ok()?))
                        })
                        .collect();
                    result.terms_learnt += book.learn(&terms.ask, &reply.terms, &pairs);
                }
                release();
                match reply.usage {
                    Some(usage) => {
                        result.usage.0 += usage.prompt_tokens;
                        result.usage.1 += usage.completion_tokens;
                    }
                    None => {
                        result.usage.0 += segments
                            .iter()
                            .map(|s| estimate_tokens(&s.text) as u64)
                            .sum::<u64>();
                        result.usage.1 += completion;
                    }
                }
                failures
            }
        };
        if failures.is_empty() {
            continue;
        }
        if part.len() == 1 {
            // Nothing smaller to try: the reason becomes the segment's outcome.
            for (w, e) in failures {
                result.outcomes.push((work[w].group, Err(e)));
            }
            continue;
        }
        // Resend smaller: the failed items alone when some succeeded, else the part halved.
        result.fallbacks += 1;
        let failed: Vec<usize> = failures.into_iter().map(|(w, _)| w).collect();
        if failed.len() < part.len() {
            stack.push(failed);
        } else {
            let (first, second) = failed.split_at(failed.len() / 2);
            stack.push(second.to_vec());
            stack.push(first.to_vec());
        }
    }
    result
}

/// Whether a failed request may succeed in smaller pieces: a reply that was unusable as a
/// whole (malformed, truncated), a timeout, a model failing on some input. Not a refusal, a
/// rate limit or a server that stays unavailable: those fail every piece alike.
fn worth_splitting(e: &Error) -> bool {
    !matches!(
        e,
        Error::Rejected(_)
            | Error::RateLimited { .. }
            | Error::Unavailable(_)
            | Error::UnsupportedPair { .. }
            | Error::NoModel { .. }
            | Error::Config(_)
            | Error::Runtime(_)
    )
}

/// One request with its retries and timeout, each attempt within the rate limits.
async fn call(
    engine: &dyn Engine,
    batch: Batch<'_>,
    options: &TranslateOptions,
    limiter: &dyn Limiter,
    result: &mut BatchResult,
) -> Result<crate::Reply> {
    let seed = batch.segments.first().map_or(0, |s| u64::from(s.id.0));
    let tokens = engine.estimate_usage(&batch).map_or_else(
        || {
            2 * batch
                .segments
                .iter()
                .map(|s| estimate_tokens(&s.text) as u64)
                .sum::<u64>()
        },
        |u| u.prompt_tokens + u.completion_tokens,
    );
    let mut attempt = 0;
    loop {
        // Waiting for the limits is not part of the call's time.
        limiter.acquire(tokens).await;
        result.requests += 1;
        let fut = engine.translate(batch);
        let reply = match options.timeout {
            Some(limit) => tokio::time::timeout(limit, fut)
                .await
                .unwrap_or(Err(Error::Timeout(limit))),
            None => fut.await,
        };
        match reply {
            Err(e) if e.is_transient() => {
                // The delay of the next retry: the server's `Retry-After` (capped), else backoff.
                let delay = options.retry.delay(attempt + 1, e.retry_after(), seed);
                if matches!(e, Error::RateLimited { .. }) && !delay.is_zero() {
                    // The server's limit is shared: every caller of the limiter waits as long,
                    // instead of each finding out with a 429 of its own.
                    limiter.pause(delay);
                }
                if attempt >= options.retry.max_retries {
                    return Err(e);
                }
                attempt += 1;
                result.retries += 1;
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
            }
            reply => return reply,
        }
    }
}
