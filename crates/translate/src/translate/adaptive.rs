//! Batch sizes that follow the server's speed: each reply's time per source token is
//! measured, and the next batches are cut to last about the engine's
//! [`Pace::target`](crate::Pace::target).
//!
//! Why: a fixed token budget suits one server and not another. On a fast provider 2,000
//! source tokens take seconds; on a small local model they take minutes, past any sane
//! timeout, and a timed-out batch sent again whole times out again. Batches sized to a target
//! latency keep each request well inside the timeout whatever the speed, and stay as large as
//! that allows, so the instruction's cost per source token stays low.
//!
//! The speed is a moving average of seconds per source token (the reply's length follows
//! the source's, so this is seconds per expected output token up to a constant). Time is the
//! server's work on the reply: from its first token to its end when the engine says when the
//! first came ([`Listener::started`](crate::engine::Listener::started)), else the whole call.
//! A request that waited in the server's queue is thus not taken for a slow one. The budget:
//! - with no speed measured yet, an eighth of the largest ([`first_budget`]): the first
//!   request through an engine is a probe, sent alone, so that a slow server is found out in
//!   seconds, not after minutes of one large reply (on a small local model a 2,000-token batch
//!   streams for a quarter of an hour);
//! - after the probe's reply, or at the start of a run through an engine that measured its
//!   server before ([`Pace`]: a batch's later documents), `target ÷ seconds per token`: on a
//!   fast server the largest budget at once;
//! - after a later reply, the same, but at most twice the last budget (growing back step by
//!   step when replies come fast again);
//! - after a timeout, half the budget of the batch that timed out (with no reply measured yet,
//!   the speed becomes what the timeout proves: at least the limit for those tokens);
//! - never above the engine's and the options' `max_batch_tokens`, never below one segment
//!   (a batch always carries at least one).
//!
//! [`estimate`](crate::estimate) and the [`Plan`](super::plan::Plan) assume what a run on a
//! fast server sends: the probe (when the engine has measured nothing yet), then batches of
//! the largest budget.

use std::time::Duration;

use crate::{Engine, Pace};

/// The moving token budget of a run (see the module docs).
#[derive(Debug)]
pub(super) struct Sizer<'a> {
    /// The target and the server's speed, shared with the engine's other runs.
    pace: &'a Pace,
    /// The largest budget allowed (source tokens).
    max_tokens: usize,
    /// The budget of the next batch (source tokens).
    budget: usize,
}

/// Weight of the newest measure in the moving average: recent replies count most (a server
/// gets busy, a GPU frees up), yet one odd reply does not swing the budget alone.
const NEWEST: f64 = 0.5;

/// The pace of `engine`, when its batches follow the server's speed.
pub(super) fn pace(engine: &dyn Engine) -> Option<&Pace> {
    engine.pace().filter(|p| !p.target().is_zero())
}

/// The budget of the probe, the first batch through an engine that has measured nothing yet.
pub(super) fn first_budget(max_tokens: usize) -> usize {
    (max_tokens / 8).max(1)
}

impl<'a> Sizer<'a> {
    /// A sizer starting from what `pace` knows: the probe's budget, or the one its measured
    /// speed allows.
    pub fn new(pace: &'a Pace, max_tokens: usize) -> Self {
        let max_tokens = max_tokens.max(1);
        let budget = match pace.secs_per_token() {
            Some(rate) => fit(pace.target(), rate, max_tokens),
            None => first_budget(max_tokens),
        };
        Self {
            pace,
            max_tokens,
            budget,
        }
    }

    /// Whether the next batch is a probe: no speed measured yet.
    pub fn probing(&self) -> bool {
        self.pace.secs_per_token().is_none()
    }

    /// The token budget of the next batch.
    pub fn budget(&self) -> usize {
        self.budget
    }

    /// A reply to a batch of `tokens` source tokens took `work` of the server's time.
    pub fn replied(&mut self, tokens: usize, work: Duration) {
        if tokens == 0 {
            return;
        }
        let sample = work.as_secs_f64() / tokens as f64;
        let (rate, ceiling) = match self.pace.secs_per_token() {
            Some(old) => (
                old * (1.0 - NEWEST) + sample * NEWEST,
                self.budget.saturating_mul(2),
            ),
            // The probe's reply: the speed is all there is to know.
            None => (sample, self.max_tokens),
        };
        self.pace.set_secs_per_token(rate);
        self.budget = fit(self.pace.target(), rate, ceiling.min(self.max_tokens));
    }

    /// A batch of `tokens` source tokens was cut by the timeout `limit`.
    pub fn timed_out(&mut self, tokens: usize, limit: Duration) {
        if tokens == 0 {
            return;
        }
        // With no reply measured yet, the timeout is the one measure: at least this slow. A
        // measured speed is kept: the halving answers the timeout, and one fast reply after it
        // may double the budget again.
        if self.pace.secs_per_token().is_none() {
            self.pace
                .set_secs_per_token(limit.as_secs_f64() / tokens as f64);
        }
        self.budget = (tokens / 2).clamp(1, self.budget.max(1));
    }
}

/// The budget a request of `target` allows at `secs_per_token`, within `1..=ceiling`.
fn fit(target: Duration, secs_per_token: f64, ceiling: usize) -> usize {
    let tokens = if secs_per_token > 0.0 {
        target.as_secs_f64() / secs_per_token
    } else {
        f64::INFINITY
    };
    (tokens.min(ceiling as f64) as usize).clamp(1, ceiling.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_follows_speed_halves_on_timeout_and_grows_back_by_doubling() {
        let pace = Pace::new(Duration::from_secs(30));
        let mut s = Sizer::new(&pace, 2000);
        // The probe: an eighth.
        assert!(s.probing());
        assert_eq!(s.budget(), 250);
        // 250 tokens in 15 s: 0.06 s a token, 500 tokens fit in 30 s.
        s.replied(250, Duration::from_secs(15));
        assert!(!s.probing());
        assert_eq!(s.budget(), 500);
        s.timed_out(500, Duration::from_secs(120));
        assert_eq!(s.budget(), 250);
        // Fast replies: doubling at most, up to the maximum.
        let mut seen = Vec::new();
        for _ in 0..6 {
            let tokens = s.budget();
            s.replied(tokens, Duration::from_millis(10));
            seen.push(s.budget());
        }
        assert_eq!(seen, [500, 1000, 2000, 2000, 2000, 2000]);
        // Never below one token: a batch carries at least one segment.
        s.timed_out(1, Duration::from_secs(1));
        assert_eq!(s.budget(), 1);
    }

    #[test]
    fn a_fast_probe_opens_the_largest_budget_at_once_and_later_runs_skip_it() {
        let pace = Pace::new(Duration::from_secs(30));
        let mut s = Sizer::new(&pace, 2000);
        s.replied(250, Duration::from_millis(800));
        assert_eq!(s.budget(), 2000);
        // The engine's next run starts from the speed measured.
        let next = Sizer::new(&pace, 2000);
        assert!(!next.probing());
        assert_eq!(next.budget(), 2000);
        // A probe timed out: what the timeout proves, halved.
        let pace = Pace::new(Duration::from_secs(30));
        let mut s = Sizer::new(&pace, 2000);
        s.timed_out(250, Duration::from_secs(120));
        assert_eq!(s.budget(), 125);
        // The next run starts from that speed: 120 s for 250 tokens, 62 fit in 30 s.
        assert_eq!(Sizer::new(&pace, 2000).budget(), 62);
    }
}
