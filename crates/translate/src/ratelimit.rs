//! Requests and tokens per minute: the driver waits before a call that would go over either.
//!
//! A sliding-window log: every call made in the last 60 s is remembered with its estimated
//! tokens. A new call goes when one more request and its tokens fit in what the window still
//! allows, else it sleeps until the oldest call that stands in the way leaves the window. So in
//! any 60 s window there are at most `rpm` calls and `tpm` tokens, exactly, whatever the
//! concurrency (a token bucket would allow up to twice that across a window's edge).
//!
//! A 429 from the engine [pauses](Limiter::pause) every caller of the limiter alike.
//!
//! Time is Tokio's ([`tokio::time::Instant`]): tests pause it and assert the spacing of calls.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::BoxFuture;

/// The window the limits are counted over, unless [`RateLimiter::with_window`] says otherwise.
const WINDOW: Duration = Duration::from_secs(60);

/// What the driver waits on before each request: the limits of one run, of a batch's runs
/// together ([`RateLimiter`]), or of a fleet of workers on many machines (a limiter kept in a
/// shared store, such as `folio_batch::RedisLimiter`). A trait so that where the count is
/// kept is the caller's choice; set it in
/// [`TranslateOptions::limiter`](crate::TranslateOptions::limiter).
pub trait Limiter: Send + Sync + fmt::Debug {
    /// Waits until a call of an estimated `tokens` fits in the limits, then counts it as made.
    fn acquire(&self, tokens: u64) -> BoxFuture<'_, ()>;

    /// Holds back every call not yet started, from every caller sharing the limiter, for
    /// `delay` from now (a pause already running longer stays). The driver calls it when the
    /// engine answers "too many requests" (HTTP 429): the server's limit is shared too, so one
    /// caller told to wait means all of them should.
    fn pause(&self, delay: Duration);
}

/// Limits on requests and estimated tokens per minute, shared by the calls of one run, or by
/// the runs of a whole batch ([`TranslateOptions::limiter`](crate::TranslateOptions::limiter))
/// so that documents translated side by side stay under one budget together. Kept in memory:
/// for one process.
#[derive(Debug)]
pub struct RateLimiter {
    rpm: Option<u32>,
    tpm: Option<u32>,
    window: Duration,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Calls of the last window, oldest first: when each went, and its tokens.
    log: VecDeque<(Instant, u64)>,
    /// No call starts before this ([`Limiter::pause`]).
    paused_until: Option<Instant>,
}

impl RateLimiter {
    /// A limiter; `None` means no limit of that kind (0 is taken as 1).
    pub fn new(rpm: Option<u32>, tpm: Option<u32>) -> Self {
        Self {
            rpm: rpm.map(|n| n.max(1)),
            tpm: tpm.map(|n| n.max(1)),
            window: WINDOW,
            state: Mutex::default(),
        }
    }

    /// Counts the limits over `window` instead of a minute: tests run in seconds with it.
    pub fn with_window(mut self, window: Duration) -> Self {
        self.window = window.max(Duration::from_millis(1));
        self
    }

    /// Whether it limits anything.
    pub(crate) fn is_active(&self) -> bool {
        self.rpm.is_some() || self.tpm.is_some()
    }

    /// Counts the call if it fits now; else the instant to try again.
    fn try_acquire(&self, now: Instant, tokens: u64) -> Option<Instant> {
        // A poisoned lock only means another call panicked mid-update of a plain log.
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(until) = state.paused_until.filter(|&until| now < until) {
            return Some(until);
        }
        if !self.is_active() {
            return None;
        }
        let log = &mut state.log;
        while log
            .front()
            .is_some_and(|&(t, _)| now.duration_since(t) >= self.window)
        {
            log.pop_front();
        }
        // How many of the oldest entries must leave the window for the call to fit.
        let mut leave = 0;
        if let Some(rpm) = self.rpm {
            leave = leave.max((log.len() + 1).saturating_sub(rpm as usize));
        }
        if let Some(tpm) = self.tpm {
            let mut used: u64 = log.iter().map(|&(_, t)| t).sum();
            let mut k = 0;
            // An oversized call waits for an empty window.
            while k < log.len() && used + tokens.min(u64::from(tpm)) > u64::from(tpm) {
                used -= log[k].1;
                k += 1;
            }
            leave = leave.max(k);
        }
        if leave == 0 {
            log.push_back((now, tokens));
            None
        } else {
            Some(log[leave - 1].0 + self.window)
        }
    }
}

impl Limiter for RateLimiter {
    /// Waits until a call of `tokens` fits in the limits, then counts it as made. A call over
    /// the whole `tpm` on its own waits for an empty window instead of forever.
    fn acquire(&self, tokens: u64) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            while let Some(until) = self.try_acquire(Instant::now(), tokens) {
                tokio::time::sleep_until(until).await;
            }
        })
    }

    fn pause(&self, delay: Duration) {
        let until = Instant::now() + delay;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.paused_until = state.paused_until.max(Some(until));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn at(limiter: &RateLimiter, start: Instant, secs: u64, tokens: u64) -> Option<u64> {
        limiter
            .try_acquire(start + Duration::from_secs(secs), tokens)
            .map(|t| t.duration_since(start).as_secs())
    }

    #[tokio::test(start_paused = true)]
    async fn requests_per_minute() {
        let limiter = RateLimiter::new(Some(2), None);
        let s = Instant::now();
        assert_eq!(at(&limiter, s, 0, 10), None);
        assert_eq!(at(&limiter, s, 10, 10), None);
        assert_eq!(at(&limiter, s, 20, 10), Some(60));
        assert_eq!(at(&limiter, s, 60, 10), None);
        assert_eq!(at(&limiter, s, 61, 10), Some(70));
    }

    #[tokio::test(start_paused = true)]
    async fn tokens_per_minute() {
        let limiter = RateLimiter::new(None, Some(100));
        let s = Instant::now();
        assert_eq!(at(&limiter, s, 0, 60), None);
        assert_eq!(at(&limiter, s, 5, 30), None);
        // 60 + 30 + 50 > 100: the first call must leave first.
        assert_eq!(at(&limiter, s, 6, 50), Some(60));
        // 60 + 30 + 90 > 100: both.
        assert_eq!(at(&limiter, s, 6, 90), Some(65));
        assert_eq!(at(&limiter, s, 60, 50), None);
        // Larger than the whole budget: waits for an empty window, then goes.
        assert_eq!(at(&limiter, s, 61, 500), Some(120));
        assert_eq!(at(&limiter, s, 120, 500), None);
    }

    #[tokio::test(start_paused = true)]
    async fn acquire_sleeps_until_it_fits() {
        let limiter = RateLimiter::new(Some(1), None);
        let start = Instant::now();
        for _ in 0..3 {
            limiter.acquire(1).await;
        }
        assert_eq!(start.elapsed(), Duration::from_secs(120));
        let unlimited = RateLimiter::new(None, None);
        assert!(!unlimited.is_active());
        let start = Instant::now();
        for _ in 0..100 {
            unlimited.acquire(1_000_000).await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_every_call_back() {
        let unlimited = RateLimiter::new(None, None);
        let start = Instant::now();
        unlimited.pause(Duration::from_secs(5));
        // A shorter pause does not cut the running one short.
        unlimited.pause(Duration::from_secs(1));
        unlimited.acquire(1).await;
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        unlimited.acquire(1).await;
        assert_eq!(start.elapsed(), Duration::from_secs(5));
        // The window is a parameter.
        let limiter = RateLimiter::new(Some(1), None).with_window(Duration::from_secs(2));
        let start = Instant::now();
        for _ in 0..3 {
            limiter.acquire(1).await;
        }
        assert_eq!(start.elapsed(), Duration::from_secs(4));
    }
}
