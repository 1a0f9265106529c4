//! Sending one batch: retries with backoff within the rate limits, a timeout per call,
//! splitting the batch when it fails and resending invalid items alone.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use folio_doc::{Segment, SegmentId};

use crate::engine::{Batch, Engine, Listener, estimate_tokens};
use crate::ratelimit::Limiter;
use crate::terms::{BatchTerms, TermBook};
use crate::{Error, LangPair, Result, placeholders};

use super::TranslateOptions;
use super::adaptive::Sizer;

/// What the driver learns of a batch while its replies arrive: items streamed in (for
/// progress), and when the server began generating (for the batch sizes).
pub(super) struct Tracker {
    /// Per segment sent, the segments it answers for (itself and its repeats).
    weights: HashMap<SegmentId, usize>,
    arrived: Mutex<HashSet<SegmentId>>,
    /// Segments answered by the items arrived so far (their weights added up).
    arrived_weight: AtomicUsize,
    /// When the current call's reply began, if the engine said.
    started: Mutex<Option<Instant>>,
}

impl Tracker {
    /// A tracker for a batch whose segments answer for `weights` segments each.
    pub fn new(weights: HashMap<SegmentId, usize>) -> Self {
        Self {
            weights,
            arrived: Mutex::new(HashSet::new()),
            arrived_weight: AtomicUsize::new(0),
            started: Mutex::new(None),
        }
    }

    /// Segments answered by the items arrived so far (not yet checked).
    pub fn arrived(&self) -> usize {
        self.arrived_weight.load(Ordering::Acquire)
    }
}

impl Listener for Tracker {
    fn started(&self) {
        let mut started = self.started.lock().unwrap_or_else(|e| e.into_inner());
        started.get_or_insert_with(Instant::now);
    }

    fn arrived(&self, id: SegmentId) {
        let Some(&weight) = self.weights.get(&id) else {
            return;
        };
        let mut arrived = self.arrived.lock().unwrap_or_else(|e| e.into_inner());
        if arrived.insert(id) {
            self.arrived_weight.fetch_add(weight, Ordering::AcqRel);
        }
    }
}

/// What a batch shares with the rest of the run.
pub(super) struct Shared<'a> {
    pub options: &'a TranslateOptions,
    pub limiter: &'a dyn Limiter,
    /// The moving batch budget, when the engine asks for batches sized by its speed.
    pub sizer: Option<&'a Mutex<Sizer<'a>>>,
    /// The pair whose target language replies are checked against, when they are.
    pub language: Option<&'a LangPair>,
    /// The run's terms, when the engine learns them: each request carries the terms learnt
    /// so far and teaches the book those its reply bears out.
    pub book: Option<&'a TermBook>,
}

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
    pub splits: u64,
    pub resent: u64,
    pub timeouts: u64,
    /// Prompt and completion tokens.
    pub usage: (u64, u64),
    /// Terms whose translation this batch taught the run.
    pub terms_learnt: u64,
    /// Learnt translations carried in this batch's requests.
    pub terms_carried: u64,
    /// Segments whose lost kept items were put back at their relative place on the last try.
    pub items_placed: u64,
}

/// Sends a batch, splitting it on failure and resending invalid items, until every segment
/// has a valid translation or a single-segment failure. With a term book
/// ([`Shared::book`]), each request carries the terms learnt so far and teaches the book
/// those its reply bears out.
pub(super) async fn run_batch<'a>(
    engine: &'a dyn Engine,
    work: Vec<Work<'a>>,
    shared: Shared<'a>,
    tracker: std::sync::Arc<Tracker>,
) -> BatchResult {
    let options = shared.options;
    let mut result = BatchResult::default();
    // Parts still to send, as indices into `work`; the first part is sent first.
    let mut stack: Vec<Vec<usize>> = vec![(0..work.len()).collect()];
    // Items already given their one try alone after a language check failed.
    let mut alone: HashSet<usize> = HashSet::new();
    // Items given their one try alone told why their reply was refused (a placeholder).
    let mut corrected: HashMap<usize, String> = HashMap::new();
    // Items given their last try, sampled ([`Batch::resample`]).
    let mut resampled: HashSet<usize> = HashSet::new();
    while let Some(part) = stack.pop() {
        let segments: Vec<Segment> = part.iter().map(|&w| work[w].segment.clone()).collect();
        let sections: Vec<Option<&str>> = part.iter().map(|&w| work[w].section).collect();
        let mut batch = Batch::new(&segments);
        batch.sections = &sections;
        batch.title = options.title.as_deref();
        batch.listener = Some(&*tracker);
        batch.language_retry = matches!(part[..], [w] if alone.contains(&w));
        batch.correction = match part[..] {
            [w] => corrected.get(&w).map(String::as_str),
            _ => None,
        };
        batch.resample = matches!(part[..], [w] if resampled.contains(&w));
        let terms = match shared.book {
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

        let reply = call(engine, batch, &shared, &tracker, &mut result).await;
        // Terms asked for and not learnt are free for the next batch to ask.
        let release = || {
            if let Some(book) = shared.book {
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
                // A segment alone that has had its correction (or whose engine takes none):
                // a kept item it still lost goes back where it stood.
                let last_try = matches!(part[..], [w] if corrected.contains_key(&w)
                    || resampled.contains(&w)
                    || !engine.heeds_corrections());
                for &w in &part {
                    let seg = &work[w].segment;
                    let checked = match by_id.remove(&seg.id) {
                        None => Err(Error::MissingItem),
                        Some(Err(e)) => Err(e),
                        Some(Ok(text)) => {
                            completion += estimate_tokens(&text) as u64;
                            // A span dropped around words kept as they were is put back; on
                            // the last try, a lost kept item too.
                            let restored = placeholders::restore_spans(&seg.text, &text);
                            let placed = match restored {
                                None if last_try => {
                                    placeholders::restore_spans_and_items(&seg.text, &text)
                                }
                                _ => None,
                            };
                            let was_placed = placed.is_some();
                            let text = placed.or(restored).unwrap_or(text);
                            options
                                .validation
                                .check(&seg.text, &text)
                                .and_then(|()| match shared.language {
                                    Some(pair) => {
                                        options.validation.check_language(pair, &seg.text, &text)
                                    }
                                    None => Ok(()),
                                })
                                .map(|()| {
                                    // Counted only when the segment is accepted with it.
                                    result.items_placed += u64::from(was_placed);
                                    text
                                })
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
                if let Some(book) = shared.book
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
            // Nothing smaller to try: the reason becomes the segment's outcome, except that a
            // reply in the wrong language gets one try alone (a model may drift in a batch
            // and not on one text; at temperature 0 a second try alone would repeat itself),
            // one refused for a reason a model can act on (a placeholder lost, a reply cut
            // short) one try told why ([`Error::correction`]), and, for a model, each of
            // these and a reply it broke one last try sampled ([`Batch::resample`]).
            for (w, e) in failures {
                // What another sample may not repeat: the wrong language, a reason the model
                // was told of, a reply it broke (a string never closed, the item missing).
                let model_may_fix = e.is_language()
                    || e.correction().is_some()
                    || matches!(e, Error::BadReply(_) | Error::MissingItem);
                if e.is_language() && alone.insert(w) {
                    result.resent += 1;
                    stack.push(vec![w]);
                } else if let Some(correction) = e.correction()
                    && engine.heeds_corrections()
                    && !corrected.contains_key(&w)
                {
                    corrected.insert(w, correction);
                    result.resent += 1;
                    stack.push(vec![w]);
                } else if model_may_fix && engine.heeds_corrections() && resampled.insert(w) {
                    result.resent += 1;
                    stack.push(vec![w]);
                } else {
                    result.outcomes.push((work[w].group, Err(e)));
                }
            }
            continue;
        }
        // Resend smaller: items in the wrong language alone, once; the other failed items
        // together when some succeeded, else the part halved.
        result.fallbacks += 1;
        let mut failed: Vec<usize> = Vec::new();
        let mut singles: Vec<usize> = Vec::new();
        for (w, e) in failures {
            if e.is_language() {
                alone.insert(w);
                singles.push(w);
            } else {
                failed.push(w);
            }
        }
        if failed.len() + singles.len() < part.len() || !singles.is_empty() {
            result.resent += (failed.len() + singles.len()) as u64;
            if !failed.is_empty() {
                stack.push(failed);
            }
        } else {
            result.splits += 1;
            let (first, second) = failed.split_at(failed.len() / 2);
            stack.push(second.to_vec());
            stack.push(first.to_vec());
        }
        // Last pushed, first sent: document order.
        stack.extend(singles.into_iter().rev().map(|w| vec![w]));
    }
    result
}

/// Whether a failed request may succeed in smaller pieces: a reply that was unusable as a
/// whole (malformed, truncated), a timeout, a model failing on some input. Not a refusal, a
/// rate limit or a server that stays unavailable: those fail every piece alike.
fn worth_splitting(e: &Error) -> bool {
    !(e.is_refusal()
        || matches!(
            e,
            Error::RateLimited { .. } | Error::Unavailable(_) | Error::Runtime(_)
        ))
}

/// One request with its retries and timeout, each attempt within the rate limits. With batches
/// sized by speed, each attempt's time goes to the sizer, and a batch of several segments that
/// times out is not sent again whole: the caller splits it.
async fn call(
    engine: &dyn Engine,
    batch: Batch<'_>,
    shared: &Shared<'_>,
    tracker: &Tracker,
    result: &mut BatchResult,
) -> Result<crate::Reply> {
    let (options, limiter) = (shared.options, shared.limiter);
    let source_tokens: usize = batch
        .segments
        .iter()
        .map(|s| estimate_tokens(&s.text))
        .sum();
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
        *tracker.started.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let sent = Instant::now();
        let fut = engine.translate(batch);
        let reply = match options.timeout {
            Some(limit) => tokio::time::timeout(limit, fut)
                .await
                .unwrap_or(Err(Error::Timeout(limit))),
            None => fut.await,
        };
        let began = *tracker.started.lock().unwrap_or_else(|e| e.into_inner());
        let work = began.map_or_else(|| sent.elapsed(), |t| t.elapsed());
        match (&reply, shared.sizer) {
            (Err(Error::Timeout(limit)), sizer) => {
                result.timeouts += 1;
                if let Some(sizer) = sizer {
                    lock(sizer).timed_out(source_tokens, *limit);
                    // The same size would time out again: smaller pieces instead.
                    if batch.segments.len() > 1 {
                        return reply;
                    }
                }
            }
            (Ok(_), Some(sizer)) => lock(sizer).replied(source_tokens, work),
            _ => {}
        }
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

/// The sizer, whatever a panicking holder left.
pub(super) fn lock<'s, 'a>(sizer: &'s Mutex<Sizer<'a>>) -> std::sync::MutexGuard<'s, Sizer<'a>> {
    // A panic while holding it cannot leave the sizer inconsistent: every update is one
    // assignment of plain numbers.
    sizer.lock().unwrap_or_else(|e| e.into_inner())
}
