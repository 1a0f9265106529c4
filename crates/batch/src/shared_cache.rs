//! The fleet's translation cache: one Redis for every worker, behind each worker's memory and
//! disk caches ([`folio_translate::build_cache_over`]), so a segment translated by one
//! machine is not paid for again by another.

use std::time::Duration;

use folio_translate::{Cache, CacheKey, Error, Result};
use redis::{Client, RedisError};

use crate::redis_link::Link;

/// A [`Cache`] in Redis: key `{prefix}:cache:{key as 32 hex digits}`, value the translation,
/// optionally expiring. Lookups of a document's segments are one `MGET`, stores one pipeline.
///
/// Errors (Redis unreachable: each command gives up after a few seconds) are
/// [`Error::Cache`], which the driver reports as warnings, reading nothing and sending the
/// segments to the engine; it never hangs nor panics.
#[derive(Debug)]
pub struct RedisCache {
    link: Link,
    prefix: String,
    ttl: Option<Duration>,
}

impl RedisCache {
    /// A cache in the Redis server `client` names (it connects on first use), under keys
    /// starting with `prefix` (a fleet's name, such as `folio:{queue}`); entries never expire.
    pub fn new(client: Client, prefix: &str) -> Self {
        Self {
            link: Link::new(client),
            prefix: prefix.to_string(),
            ttl: None,
        }
    }

    /// Entries stored from now on expire `ttl` after they were last stored (whole
    /// milliseconds, at least one): Redis's memory stays bounded by what was used lately.
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = Some(ttl.max(Duration::from_millis(1)));
        self
    }

    /// The Redis key of `key`.
    pub fn redis_key(&self, key: CacheKey) -> String {
        format!("{}:cache:{key}", self.prefix)
    }

    fn set(&self, pipe: &mut redis::Pipeline, key: CacheKey, translation: &str) {
        let set = pipe.cmd("SET").arg(self.redis_key(key)).arg(translation);
        if let Some(ttl) = self.ttl {
            set.arg("PX")
                .arg(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX));
        }
        set.ignore();
    }
}

/// A Redis failure as the cache's error.
fn cache_error(e: RedisError) -> Error {
    Error::Cache(format!("redis: {e}"))
}

impl Cache for RedisCache {
    fn get(&self, key: CacheKey) -> Result<Option<String>> {
        Ok(self.get_many(&[key])?.pop().flatten())
    }

    fn put(&self, key: CacheKey, translation: &str) -> Result<()> {
        self.put_many(&[(key, translation.to_string())])
    }

    fn get_many(&self, keys: &[CacheKey]) -> Result<Vec<Option<String>>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let names: Vec<String> = keys.iter().map(|&k| self.redis_key(k)).collect();
        self.link
            .run(|con| redis::cmd("MGET").arg(&names).query(con))
            .map_err(cache_error)
    }

    fn put_many(&self, entries: &[(CacheKey, String)]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut pipe = redis::pipe();
        for (key, translation) in entries {
            self.set(&mut pipe, *key, translation);
        }
        self.link
            .run(|con| pipe.query::<()>(con))
            .map_err(cache_error)
    }
}
