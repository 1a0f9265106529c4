//! The [`Queue`] on Redis Streams: one stream of jobs read by one consumer group, so each job
//! goes to one worker, stays in the group's pending list until that worker ends it, and is
//! reclaimed (`XAUTOCLAIM`) by another worker when its lease runs out.
//!
//! Keys, for a queue named `NAME` (`redis://host:port/NAME`):
//! - `folio:NAME:jobs`: the stream; each entry has one field, `job`, the [`QueuedJob`] as JSON.
//!   Consumer group `workers`; a worker is a consumer named `host-pid-thread`.
//! - `folio:NAME:dead`: the dead-letter stream, entries `job` and `error`.
//! - `folio:NAME:stats`: a hash of counters (`done`, `pages`, `requeued`).
//! - `folio:NAME:done_log`: a sorted set of the last hour's finished entries by the server's
//!   time in milliseconds, for the throughput.
//! - `folio:NAME:spent`: a hash of the tokens and cost the fleet's jobs used or hold, against
//!   the caps (`--max-tokens`, `--budget-usd`).
//!
//! Ending a delivery (done, requeue, dead) is one Lua script each, so it happens whole: the
//! entry is acknowledged and deleted, and its counter or replacement written, together; a
//! delivery another worker already ended counts nothing twice. Leases are Redis's idle times:
//! a heartbeat claims the entry again for its own worker, which resets its idle time.

use std::sync::Mutex;
use std::time::Duration;

use redis::streams::{
    StreamAutoClaimReply, StreamId, StreamInfoConsumersReply, StreamInfoGroupsReply,
    StreamPendingCountReply, StreamRangeReply, StreamReadReply,
};
use redis::{Client, Connection, FromRedisValue, RedisResult, Script};

use crate::{Caps, DeadLetter, Delivery, Error, Queue, QueueStatus, QueuedJob};

/// The consumer group every worker joins.
const GROUP: &str = "workers";

/// How long a connection waits for Redis before giving up on a command (besides a blocking
/// read's own wait).
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// A queue's address: `redis://[:PASSWORD@]HOST[:PORT]/NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueUrl {
    /// The server, as the Redis client takes it (`redis://[:PASSWORD@]HOST:PORT/`).
    pub server: String,
    /// The queue's name: its keys are `folio:NAME:…`.
    pub name: String,
    /// `redis://HOST:PORT/NAME`, without the password, for messages.
    pub display: String,
}

impl QueueUrl {
    /// Parses a queue URL, saying what is wrong with it.
    pub fn parse(url: &str) -> Result<Self, Error> {
        let bad = |message: &str| Error::Queue {
            queue: url.split('@').next_back().unwrap_or(url).to_string(),
            message: message.to_string(),
        };
        let rest = url.strip_prefix("redis://").ok_or_else(|| {
            bad("a queue is redis://HOST:PORT/NAME (rediss:// and other schemes are not supported)")
        })?;
        let (authority, name) = rest
            .split_once('/')
            .ok_or_else(|| bad("the queue's name is missing: redis://HOST:PORT/NAME"))?;
        let name = name.trim_end_matches('/');
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(bad(
                "the queue's name must be letters, digits, '-', '_' or '.': redis://HOST:PORT/NAME",
            ));
        }
        let host = authority.rsplit('@').next().unwrap_or(authority);
        if host.is_empty() {
            return Err(bad("the Redis host is missing: redis://HOST:PORT/NAME"));
        }
        Ok(Self {
            server: format!("redis://{authority}/"),
            name: name.to_string(),
            display: format!("redis://{host}/{name}"),
        })
    }

    /// The prefix of every key of this queue (`folio:NAME`), for what the fleet shares beside
    /// it (the rate limit, the cache).
    pub fn key_prefix(&self) -> String {
        format!("folio:{}", self.name)
    }
}

/// A [`Queue`] on a Redis server's streams.
pub struct RedisQueue {
    url: QueueUrl,
    client: Client,
    lease: Duration,
    /// Idle connections; each thread takes one for a command (a blocking read holds its own).
    pool: Mutex<Vec<Connection>>,
    /// Where the next search for lapsed leases starts in the pending list: each `XAUTOCLAIM`
    /// looks at a few entries only, so the search walks the list round after round instead of
    /// looking at its head forever.
    reclaim_from: Mutex<String>,
    jobs: String,
    dead: String,
    stats: String,
    done_log: String,
    spent: String,
}

impl RedisQueue {
    /// Connects to the queue at `url`, creating its stream and consumer group if they are not
    /// there. A job leased to a worker that does not heartbeat within `lease` is given to
    /// another.
    pub fn open(url: &QueueUrl, lease: Duration) -> Result<Self, Error> {
        let client = Client::open(url.server.as_str()).map_err(|e| Error::Queue {
            queue: url.display.clone(),
            message: e.to_string(),
        })?;
        let prefix = url.key_prefix();
        let queue = Self {
            url: url.clone(),
            client,
            lease,
            pool: Mutex::default(),
            reclaim_from: Mutex::new("0-0".into()),
            jobs: format!("{prefix}:jobs"),
            dead: format!("{prefix}:dead"),
            stats: format!("{prefix}:stats"),
            done_log: format!("{prefix}:done_log"),
            spent: format!("{prefix}:spent"),
        };
        queue.with(|c| {
            let created: RedisResult<()> = redis::cmd("XGROUP")
                .arg("CREATE")
                .arg(&queue.jobs)
                .arg(GROUP)
                .arg("0")
                .arg("MKSTREAM")
                .query(c);
            match created {
                Err(e) if e.code() == Some("BUSYGROUP") => Ok(()),
                other => other,
            }
        })?;
        Ok(queue)
    }

    /// The Redis client, for what the fleet shares beside the queue.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The queue's address.
    pub fn url(&self) -> &QueueUrl {
        &self.url
    }

    /// Runs `f` on a pooled connection (a new one when none is idle); a connection that failed
    /// is dropped rather than reused.
    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> RedisResult<T>) -> Result<T, Error> {
        let pooled = self.pool.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut conn = match pooled {
            Some(c) => c,
            None => self.connect()?,
        };
        match f(&mut conn) {
            Ok(v) => {
                self.pool
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(conn);
                Ok(v)
            }
            Err(e) => Err(self.error(e)),
        }
    }

    fn connect(&self) -> Result<Connection, Error> {
        let conn = self
            .client
            .get_connection_with_timeout(Duration::from_secs(5))
            .map_err(|e| self.error(e))?;
        conn.set_read_timeout(Some(IO_TIMEOUT))
            .and_then(|()| conn.set_write_timeout(Some(IO_TIMEOUT)))
            .map_err(|e| self.error(e))?;
        Ok(conn)
    }

    fn error(&self, e: redis::RedisError) -> Error {
        Error::Queue {
            queue: self.url.display.clone(),
            message: e.to_string(),
        }
    }

    /// The delivery of a stream entry, or `None` (after dead-lettering it) when the entry is
    /// not a Folio job.
    fn delivery(&self, entry: StreamId, deliveries: u32) -> Result<Option<Delivery>, Error> {
        let text = entry
            .map
            .get("job")
            .and_then(|v| String::from_redis_value(v.clone()).ok());
        let job = text
            .as_deref()
            .map(serde_json::from_str::<QueuedJob>)
            .transpose();
        match job {
            Ok(Some(job)) => Ok(Some(Delivery {
                job,
                deliveries,
                handle: entry.id,
            })),
            _ => {
                let raw = text.unwrap_or_default();
                self.with(|c| {
                    DEAD.key(&self.jobs)
                        .key(&self.dead)
                        .arg(GROUP)
                        .arg(&entry.id)
                        .arg(&raw)
                        .arg("not a Folio job (expected a field `job` holding a job as JSON)")
                        .invoke::<i64>(c)
                })?;
                Ok(None)
            }
        }
    }
}

/// Acknowledges and deletes a delivery, counts it done with its pages and logs it by the
/// server's time; 0 when the delivery was already ended.
static DONE: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('HINCRBY', KEYS[2], 'done', 1)
redis.call('HINCRBY', KEYS[2], 'pages', ARGV[3])
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[3], ms, ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ms - 3600000)
return 1
",
    )
});

/// Ends a delivery and adds the job again at the end of the stream.
static REQUEUE: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XADD', KEYS[1], '*', 'job', ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('HINCRBY', KEYS[2], 'requeued', 1)
return 1
",
    )
});

/// Ends a delivery and adds the job with its error to the dead-letter stream.
static DEAD: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('XADD', KEYS[2], '*', 'job', ARGV[3], 'error', ARGV[4])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
",
    )
});

/// Adds a job's tokens and cost to what the fleet spent if both stay within their caps
/// (`-1`: no cap); else returns which cap (`tokens` or `cost`) and what was spent.
static RESERVE: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"
local tokens = tonumber(redis.call('HGET', KEYS[1], 'tokens') or '0')
local cost = tonumber(redis.call('HGET', KEYS[1], 'cost') or '0')
local max_tokens = tonumber(ARGV[3])
local budget = tonumber(ARGV[4])
if max_tokens >= 0 and tokens + tonumber(ARGV[1]) > max_tokens then
  return {'tokens', tostring(tokens)}
end
if budget >= 0 and cost + tonumber(ARGV[2]) > budget then
  return {'cost', tostring(cost)}
end
redis.call('HINCRBY', KEYS[1], 'tokens', ARGV[1])
redis.call('HINCRBYFLOAT', KEYS[1], 'cost', ARGV[2])
return {}
",
    )
});

/// Claims an entry again for the worker holding it, which resets its idle time; 0 when the
/// entry is no longer pending for that worker.
static HEARTBEAT: std::sync::LazyLock<Script> = std::sync::LazyLock::new(|| {
    Script::new(
        r"
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if #p == 0 or p[1][2] ~= ARGV[2] then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'JUSTID')
return 1
",
    )
});

impl Queue for RedisQueue {
    fn address(&self) -> &str {
        &self.url.display
    }

    fn push(&self, jobs: &[QueuedJob]) -> Result<(), Error> {
        for chunk in jobs.chunks(500) {
            let mut pipe = redis::pipe();
            for job in chunk {
                let json = serde_json::to_string(job).expect("jobs always serialize");
                pipe.cmd("XADD")
                    .arg(&self.jobs)
                    .arg("*")
                    .arg("job")
                    .arg(json)
                    .ignore();
            }
            self.with(|c| pipe.query::<()>(c))?;
        }
        Ok(())
    }

    fn take(&self, worker: &str, wait: Duration) -> Result<Option<Delivery>, Error> {
        let lease_ms = self.lease.as_millis().max(1) as u64;
        let from = self
            .reclaim_from
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let claimed: StreamAutoClaimReply = self.with(|c| {
            redis::cmd("XAUTOCLAIM")
                .arg(&self.jobs)
                .arg(GROUP)
                .arg(worker)
                .arg(lease_ms)
                .arg(&from)
                .arg("COUNT")
                .arg(1)
                .query(c)
        })?;
        // "0-0" when the search reached the end of the list: the next one starts over.
        *self.reclaim_from.lock().unwrap_or_else(|e| e.into_inner()) =
            claimed.next_stream_id.clone();
        if let Some(entry) = claimed.claimed.into_iter().next() {
            let pending: StreamPendingCountReply = self.with(|c| {
                redis::cmd("XPENDING")
                    .arg(&self.jobs)
                    .arg(GROUP)
                    .arg(&entry.id)
                    .arg(&entry.id)
                    .arg(1)
                    .query(c)
            })?;
            let deliveries = pending.ids.first().map_or(2, |p| p.times_delivered as u32);
            return self.delivery(entry, deliveries);
        }
        let wait_ms = wait.as_millis().max(1) as u64;
        let read: Option<StreamReadReply> = self.with(|c| {
            redis::cmd("XREADGROUP")
                .arg("GROUP")
                .arg(GROUP)
                .arg(worker)
                .arg("COUNT")
                .arg(1)
                .arg("BLOCK")
                .arg(wait_ms)
                .arg("STREAMS")
                .arg(&self.jobs)
                .arg(">")
                .query(c)
        })?;
        let entry = read.and_then(|r| r.keys.into_iter().next()?.ids.into_iter().next());
        match entry {
            Some(entry) => self.delivery(entry, 1),
            None => Ok(None),
        }
    }

    fn heartbeat(&self, worker: &str, delivery: &Delivery) -> Result<bool, Error> {
        let kept: i64 = self.with(|c| {
            HEARTBEAT
                .key(&self.jobs)
                .arg(GROUP)
                .arg(worker)
                .arg(&delivery.handle)
                .invoke(c)
        })?;
        Ok(kept == 1)
    }

    fn done(&self, delivery: &Delivery, pages: u32) -> Result<(), Error> {
        self.with(|c| {
            DONE.key(&self.jobs)
                .key(&self.stats)
                .key(&self.done_log)
                .arg(GROUP)
                .arg(&delivery.handle)
                .arg(pages)
                .invoke::<i64>(c)
        })?;
        Ok(())
    }

    fn requeue(&self, delivery: &Delivery, job: &QueuedJob) -> Result<(), Error> {
        let json = serde_json::to_string(job).expect("jobs always serialize");
        self.with(|c| {
            REQUEUE
                .key(&self.jobs)
                .key(&self.stats)
                .arg(GROUP)
                .arg(&delivery.handle)
                .arg(&json)
                .invoke::<i64>(c)
        })?;
        Ok(())
    }

    fn dead(&self, delivery: &Delivery, error: &str) -> Result<(), Error> {
        let json = serde_json::to_string(&delivery.job).expect("jobs always serialize");
        self.with(|c| {
            DEAD.key(&self.jobs)
                .key(&self.dead)
                .arg(GROUP)
                .arg(&delivery.handle)
                .arg(&json)
                .arg(error)
                .invoke::<i64>(c)
        })?;
        Ok(())
    }

    fn status(&self) -> Result<QueueStatus, Error> {
        let lease_ms = self.lease.as_millis() as u64;
        let (groups, consumers, stats, dead, time, length): (
            StreamInfoGroupsReply,
            StreamInfoConsumersReply,
            std::collections::HashMap<String, u64>,
            u64,
            (u64, u64),
            u64,
        ) = self.with(|c| {
            redis::pipe()
                .cmd("XINFO")
                .arg("GROUPS")
                .arg(&self.jobs)
                .cmd("XINFO")
                .arg("CONSUMERS")
                .arg(&self.jobs)
                .arg(GROUP)
                .cmd("HGETALL")
                .arg(&self.stats)
                .cmd("XLEN")
                .arg(&self.dead)
                .cmd("TIME")
                .cmd("XLEN")
                .arg(&self.jobs)
                .query(c)
        })?;
        let now_ms = time.0 * 1000 + time.1 / 1000;
        let spent: std::collections::HashMap<String, f64> =
            self.with(|c| redis::cmd("HGETALL").arg(&self.spent).query(c))?;
        let recent: u64 = self.with(|c| {
            redis::cmd("ZCOUNT")
                .arg(&self.done_log)
                .arg(now_ms.saturating_sub(300_000))
                .arg("+inf")
                .query(c)
        })?;
        let group = groups.groups.iter().find(|g| g.name == GROUP);
        let in_flight = group.map_or(0, |g| g.pending as u64);
        // `lag` is Redis 7's; before it, entries not yet acknowledged less those in flight.
        let queued = group
            .and_then(|g| g.lag)
            .map_or(length.saturating_sub(in_flight), |l| l as u64);
        Ok(QueueStatus {
            queued,
            in_flight,
            done: stats.get("done").copied().unwrap_or(0),
            pages: stats.get("pages").copied().unwrap_or(0),
            requeued: stats.get("requeued").copied().unwrap_or(0),
            dead,
            done_per_minute: recent as f64 / 5.0,
            workers: consumers
                .consumers
                .iter()
                .filter(|c| (c.idle as u64) < lease_ms)
                .count() as u64,
            spent_tokens: spent.get("tokens").copied().unwrap_or(0.0) as u64,
            spent_cost: spent.get("cost").copied().unwrap_or(0.0),
        })
    }

    fn reserve(&self, tokens: u64, cost: f64, caps: &Caps) -> Result<Option<String>, Error> {
        let refused: Vec<String> = self.with(|c| {
            RESERVE
                .key(&self.spent)
                .arg(tokens)
                .arg(cost)
                .arg(caps.max_tokens.map_or(-1, |m| m as i64))
                .arg(caps.budget.unwrap_or(-1.0))
                .invoke(c)
        })?;
        Ok(match refused.as_slice() {
            [cap, spent] if cap == "tokens" => Some(format!(
                "--max-tokens {}: the fleet used or holds {spent} tokens, this job needs ~{tokens}",
                caps.max_tokens.unwrap_or(0)
            )),
            [_, spent] => Some(format!(
                "--budget-usd {}: the fleet spent or holds {spent}, this job needs ~{cost:.4}",
                caps.budget.unwrap_or(0.0)
            )),
            _ => None,
        })
    }

    fn settle(&self, tokens: i64, cost: f64) -> Result<(), Error> {
        self.with(|c| {
            redis::pipe()
                .cmd("HINCRBY")
                .arg(&self.spent)
                .arg("tokens")
                .arg(tokens)
                .ignore()
                .cmd("HINCRBYFLOAT")
                .arg(&self.spent)
                .arg("cost")
                .arg(cost)
                .ignore()
                .query::<()>(c)
        })
    }

    fn dead_letters(&self, n: usize) -> Result<Vec<DeadLetter>, Error> {
        let range: StreamRangeReply = self.with(|c| {
            redis::cmd("XREVRANGE")
                .arg(&self.dead)
                .arg("+")
                .arg("-")
                .arg("COUNT")
                .arg(n)
                .query(c)
        })?;
        Ok(range
            .ids
            .into_iter()
            .map(|entry| {
                let field = |name: &str| {
                    entry
                        .map
                        .get(name)
                        .and_then(|v| String::from_redis_value(v.clone()).ok())
                        .unwrap_or_default()
                };
                let raw = field("job");
                let job = serde_json::from_str(&raw).unwrap_or_else(|_| QueuedJob {
                    id: raw,
                    input: String::new(),
                    to: String::new(),
                    priority: 0,
                    pages: None,
                    attempts: 0,
                    last_error: None,
                });
                DeadLetter {
                    job,
                    error: field("error"),
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_urls_name_a_server_and_a_queue() {
        let url = QueueUrl::parse("redis://:secret@cache.local:6380/nightly-pt").unwrap();
        assert_eq!(url.server, "redis://:secret@cache.local:6380/");
        assert_eq!(url.name, "nightly-pt");
        assert_eq!(url.display, "redis://cache.local:6380/nightly-pt");
        assert_eq!(url.key_prefix(), "folio:nightly-pt");
        for bad in [
            "redis://host:6379",
            "redis://host:6379/",
            "rediss://host/q",
            "redis://host/a b",
        ] {
            assert!(QueueUrl::parse(bad).is_err(), "{bad}");
        }
        let err = QueueUrl::parse("redis://:pw@host:1/")
            .unwrap_err()
            .to_string();
        assert!(
            !err.contains("pw"),
            "the password stays out of messages: {err}"
        );
    }
}
