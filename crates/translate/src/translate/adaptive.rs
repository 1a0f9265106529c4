//! Batch sizes that follow the server's speed: each reply's time per source token is
//! measured, and the next batches are cut to last about the engine's
//! [`batch_target`](crate::Engine::batch_target).
//!
//! Why: a fixed token budget suits one server and not another. On a fast provider 2,000
//! source tokens take seconds; on a small local model they take minutes, past any sane
//! timeout, and a timed-out batch sent again whole times out again. Batches sized to a target
//! latency keep each request well inside the timeout whatever the speed, and stay as large as
//! that allows, so the instruction's cost per source token stays low.
//!
//! The estimate is a moving average of seconds per source token (the reply's length follows
//! the source's, so this is seconds per expected output token up to a constant). Time is the
//! server's work on the reply: from its first token to its end when the engine says when the
//! first came ([`Listener::started`](crate::engine::Listener::started)), else the whole call.
//! A request that waited in the server's queue is thus not taken for a slow one. The budget:
//! - after a reply, `target ÷ seconds per token`, but at most twice the last budget (growing
//!   back step by step when replies come fast);
//! - after a timeout, half the budget of the batch that timed out (with no reply measured yet,
//!   the estimate becomes what the timeout proves: at least the limit for those tokens);
//! - never above the engine's and the options' `max_batch_tokens`, never below one segment
//!   (a batch always carries at least one).
//!
//! [`estimate`](crate::estimate) and the [`Plan`](super::plan::Plan) assume the first budget,
//! the largest: what a run on a fast server sends.

use std::time::Duration;

/// The moving token budget of a run (see the module docs).
#[derive(Debug, Clone)]
pub(super) struct Sizer {
    /// How long a request should take.
    target: Duration,
    /// The largest budget allowed (source tokens).
    max_tokens: usize,
    /// The budget of the next batch (source tokens).
    budget: usize,
    /// Seconds per source token, once a reply has been measured.
    secs_per_token: Option<f64>,
}

/// Weight of the newest measure in the moving average: recent replies count most (a server
/// gets busy, a GPU frees up), yet one odd reply does not swing the budget alone.
const NEWEST: f64 = 0.5;

impl Sizer {
    /// A sizer starting at the largest budget.
    pub fn new(target: Duration, max_tokens: usize) -> Self {
        let max_tokens = max_tokens.max(1);
        Self {
            target,
            max_tokens,
            budget: max_tokens,
            secs_per_token: None,
        }
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
        let rate = match self.secs_per_token {
            Some(old) => old * (1.0 - NEWEST) + sample * NEWEST,
            None => sample,
        };
        self.secs_per_token = Some(rate);
        let fit = if rate > 0.0 {
            self.target.as_secs_f64() / rate
        } else {
            f64::INFINITY
        };
        let grown = self.budget.saturating_mul(2);
        self.budget = (fit.min(grown as f64) as usize).clamp(1, self.max_tokens);
    }

    /// A batch of `tokens` source tokens was cut by the timeout `limit`.
    pub fn timed_out(&mut self, tokens: usize, limit: Duration) {
        if tokens == 0 {
            return;
        }
        // With no reply measured yet, the timeout is the one measure: at least this slow. A
        // measured estimate is kept: the halving answers the timeout, and one fast reply
        // after it may double the budget again.
        if self.secs_per_token.is_none() {
            self.secs_per_token = Some(limit.as_secs_f64() / tokens as f64);
        }
        self.budget = (tokens / 2).clamp(1, self.budget.max(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_follows_speed_halves_on_timeout_and_grows_back_by_doubling() {
        let mut s = Sizer::new(Duration::from_secs(30), 2000);
        assert_eq!(s.budget(), 2000);
        // 2,000 tokens in 120 s: 0.06 s a token, 500 tokens fit in 30 s.
        s.replied(2000, Duration::from_secs(120));
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
}
