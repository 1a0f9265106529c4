//! One requests- and tokens-per-minute budget for a whole fleet of workers, kept in Redis.
//!
//! The same sliding-window log as [`RateLimiter`], in a sorted set: one member per call made
//! in the last window (a unique number and the call's tokens; the score is when it went, in
//! milliseconds). One Lua script, atomic on the server, trims the log, checks that one more
//! request and its tokens fit, and either counts the call or says how long to wait; the time
//! is the server's (`TIME`), so the workers' clocks need not agree. A 429 from the engine sets
//! `{prefix}:limit:pause_until`, which every acquire honours first.
//!
//! Keys: `{prefix}:limit:log` (expires one window after the last call),
//! `{prefix}:limit:seq` and `{prefix}:limit:pause_until` (expires with the pause).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use folio_translate::{BoxFuture, Limiter, RateLimiter};
use redis::{Client, RedisError, Script};

use crate::redis_link::Link;

/// The window the limits are counted over: limits are per minute.
const WINDOW: Duration = Duration::from_secs(60);

/// How long acquires do without Redis after it failed, before trying it again: long enough
/// not to pay a connection timeout per call, short enough to come back quickly.
const RETRY_REDIS: Duration = Duration::from_secs(1);

/// Counts the call if it fits, else returns the milliseconds to wait.
/// KEYS: log, seq, pause_until. ARGV: rpm, tpm (0: no limit), window (ms), tokens.
const ACQUIRE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
if paused > now then
  return paused - now
end
local rpm, tpm = tonumber(ARGV[1]), tonumber(ARGV[2])
local window, tokens = tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local log = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local n = #log / 2
-- How many of the oldest calls must leave the window for this one to fit.
local leave = 0
if rpm > 0 then
  leave = math.max(leave, n + 1 - rpm)
end
if tpm > 0 then
  local function tokens_of(i) return tonumber(string.match(log[2 * i - 1], ':(%d+)$')) end
  local used = 0
  for i = 1, n do used = used + tokens_of(i) end
  -- A call over the whole budget on its own waits for an empty window.
  local need = math.min(tokens, tpm)
  local k = 0
  while k < n and used + need > tpm do
    k = k + 1
    used = used - tokens_of(k)
  end
  leave = math.max(leave, k)
end
if leave == 0 then
  local id = redis.call('INCR', KEYS[2])
  redis.call('ZADD', KEYS[1], now, id .. ':' .. tokens)
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
return math.max(1, tonumber(log[2 * leave]) + window - now)
";

/// Moves the end of the pause to `delay` ms from now, unless it is already later.
/// KEYS: pause_until. ARGV: delay (ms).
const PAUSE: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local delay = tonumber(ARGV[1])
local paused = tonumber(redis.call('GET', KEYS[1]) or '0')
if now + delay > paused then
  redis.call('SET', KEYS[1], now + delay, 'PX', delay)
end
return 0
";

/// Requests and estimated tokens per minute for every worker of a fleet together: a
/// [`Limiter`] whose count is kept in Redis under a key prefix, so that the workers (threads,
/// processes, machines) sharing the prefix share one budget, and a 429 seen by one of them
/// pauses them all. Use it as [`TranslateOptions::limiter`](folio_translate::TranslateOptions).
///
/// Every worker on a prefix should be given the same limits: each call is checked against the
/// limits of the worker making it, over the calls of all of them. Redis commands are blocking
/// calls on the caller's thread, through one connection per limiter: a round trip of well
/// under a millisecond, next to seconds for an engine's reply.
///
/// # When Redis is unreachable
/// Acquires never hang nor panic. Each Redis command gives up after a few seconds (connect,
/// send, reply); the acquire then falls back to an in-process [`RateLimiter`] with the same
/// limits, so this worker alone keeps to them (the fleet together may exceed them, and the
/// engine's 429s, pausing each worker, take over). Redis is tried again a second later. Each
/// outage gives one warning, collected with [`RedisLimiter::take_warnings`].
#[derive(Debug)]
pub struct RedisLimiter {
    link: Link,
    /// `{prefix}:limit:log`, `…:seq`, `…:pause_until`.
    keys: [String; 3],
    rpm: Option<u32>,
    tpm: Option<u32>,
    window: Duration,
    acquire: Script,
    pause: Script,
    /// Used while Redis is unreachable.
    local: RateLimiter,
    /// Set during an outage: when Redis is tried again.
    retry_at: Mutex<Option<Instant>>,
    warnings: Mutex<Vec<String>>,
}

impl RedisLimiter {
    /// A limiter counting in the Redis server `client` names (it connects on first use), under
    /// keys starting with `prefix` (a fleet's name, such as `folio:{queue}`); `None` means no
    /// limit of that kind (0 is taken as 1).
    pub fn new(client: Client, prefix: &str, rpm: Option<u32>, tpm: Option<u32>) -> Self {
        let rpm = rpm.map(|n| n.max(1));
        let tpm = tpm.map(|n| n.max(1));
        Self {
            link: Link::new(client),
            keys: ["log", "seq", "pause_until"].map(|k| format!("{prefix}:limit:{k}")),
            rpm,
            tpm,
            window: WINDOW,
            acquire: Script::new(ACQUIRE),
            pause: Script::new(PAUSE),
            local: RateLimiter::new(rpm, tpm),
            retry_at: Mutex::new(None),
            warnings: Mutex::default(),
        }
    }

    /// Counts the limits over `window` instead of a minute (at least a millisecond): tests run
    /// in seconds with it. Every worker on the prefix must use the same window.
    pub fn with_window(mut self, window: Duration) -> Self {
        self.window = window.max(Duration::from_millis(1));
        self.local = RateLimiter::new(self.rpm, self.tpm).with_window(self.window);
        self
    }

    /// The warnings since the last call: one per outage of Redis, saying why and that the
    /// worker limits itself alone meanwhile. The worker decides how to show them.
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Runs a command, unless Redis failed less than [`RETRY_REDIS`] ago; `None` when it is
    /// unavailable (the first failure of an outage is recorded as a warning).
    fn with_redis<T>(
        &self,
        command: impl FnOnce(&mut redis::Connection) -> Result<T, RedisError>,
    ) -> Option<T> {
        let mut retry_at = self.retry_at.lock().unwrap_or_else(|e| e.into_inner());
        let outage = retry_at.is_some();
        if retry_at.is_some_and(|at| Instant::now() < at) {
            return None;
        }
        match self.link.run(command) {
            Ok(value) => {
                *retry_at = None;
                Some(value)
            }
            Err(e) => {
                *retry_at = Some(Instant::now() + RETRY_REDIS);
                if !outage {
                    self.warnings
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(format!(
                            "shared rate limit unavailable, this worker limits itself alone \
                             until redis answers: {e}"
                        ));
                }
                None
            }
        }
    }

    /// Counts a call of `tokens` in Redis if it fits now: `Some(ZERO)`; else how long to wait;
    /// `None` when Redis is unavailable.
    fn try_acquire(&self, tokens: u64) -> Option<Duration> {
        let window_ms = u64::try_from(self.window.as_millis()).unwrap_or(u64::MAX);
        let wait: Option<u64> = self.with_redis(|con| {
            self.acquire
                .key(&self.keys[0])
                .key(&self.keys[1])
                .key(&self.keys[2])
                .arg(self.rpm.unwrap_or(0))
                .arg(self.tpm.unwrap_or(0))
                .arg(window_ms)
                .arg(tokens)
                .invoke(con)
        });
        wait.map(Duration::from_millis)
    }
}

impl Limiter for RedisLimiter {
    fn acquire(&self, tokens: u64) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            loop {
                match self.try_acquire(tokens) {
                    Some(Duration::ZERO) => return,
                    // Until the oldest call in the way leaves the window, or the pause ends.
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => return self.local.acquire(tokens).await,
                }
            }
        })
    }

    fn pause(&self, delay: Duration) {
        let delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        if delay_ms == 0 {
            return;
        }
        // Kept here too, for the acquires that go without Redis.
        self.local.pause(delay);
        let _: Option<i64> =
            self.with_redis(|con| self.pause.key(&self.keys[2]).arg(delay_ms).invoke(con));
    }
}
