//! The per-segment translation cache: keys, the store trait, and an in-memory store.
//!
//! Translations are cached per segment, not per batch, so a segment is reused whatever it was
//! batched with. The key hashes everything that decides the output: engine, model, language
//! pair, prompt version, a caller's salt (the glossary's hash) and the normalized source text.
//! Stores come in through [`crate::TranslateOptions::cache`]; there is no global cache.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::Hasher;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use siphasher::sip128::{Hasher128, SipHasher13};
use unicode_normalization::UnicodeNormalization;

use crate::{EngineInfo, Result};

/// Version of the key derivation; bumping it orphans every stored entry.
const KEY_VERSION: u32 = 1;

/// A 128-bit content hash naming one translation of one source text; stable across runs,
/// machines and Rust versions (SipHash-1-3 with fixed keys), so a disk store can be shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CacheKey(pub u128);

impl CacheKey {
    /// The key of `source` translated by the engine described by `info`, with `salt` standing
    /// for anything else that changes the output (a glossary's hash; empty when nothing does).
    pub fn new(info: &EngineInfo, salt: &str, source: &str) -> Self {
        let mut h = SipHasher13::new_with_keys(0x666f_6c69_6f2d_7472, 0x616e_736c_6174_6531);
        let mut field = |bytes: &[u8]| {
            // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
            h.write_u64(bytes.len() as u64);
            h.write(bytes);
        };
        field(&KEY_VERSION.to_le_bytes());
        field(info.name.as_bytes());
        field(info.model.as_bytes());
        field(info.pair.from.as_bytes());
        field(info.pair.to.as_bytes());
        field(&info.prompt_version.to_le_bytes());
        field(salt.as_bytes());
        field(normalize(source).as_bytes());
        Self(h.finish128().as_u128())
    }
}

impl fmt::Display for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

/// The source text as the cache sees it: Unicode NFC, runs of white space as one space, trimmed.
/// Texts differing only in these ways share a translation.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.nfc().collect::<String>().split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// A store of translations by [`CacheKey`]. Errors are reported, not fatal: the driver treats
/// a failed read as a miss and turns both into warnings.
pub trait Cache: Send + Sync {
    /// The stored translation, if any.
    fn get(&self, key: CacheKey) -> Result<Option<String>>;

    /// Stores a translation (validated before it gets here).
    fn put(&self, key: CacheKey, translation: &str) -> Result<()>;

    /// Several lookups at once; stores with a per-call cost (a disk transaction) override it.
    fn get_many(&self, keys: &[CacheKey]) -> Result<Vec<Option<String>>> {
        keys.iter().map(|&k| self.get(k)).collect()
    }

    /// Several stores at once; stores with a per-call cost override it.
    fn put_many(&self, entries: &[(CacheKey, String)]) -> Result<()> {
        entries.iter().try_for_each(|(k, t)| self.put(*k, t))
    }
}

/// A shared store is a store: one cache behind several layers or runs (a server's, under
/// each job's own).
impl<C: Cache + ?Sized> Cache for std::sync::Arc<C> {
    fn get(&self, key: CacheKey) -> Result<Option<String>> {
        (**self).get(key)
    }

    fn put(&self, key: CacheKey, translation: &str) -> Result<()> {
        (**self).put(key, translation)
    }

    fn get_many(&self, keys: &[CacheKey]) -> Result<Vec<Option<String>>> {
        (**self).get_many(keys)
    }

    fn put_many(&self, entries: &[(CacheKey, String)]) -> Result<()> {
        (**self).put_many(entries)
    }
}

/// A cache that stores nothing: the null implementation, when reuse across runs is unwanted.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCache;

impl Cache for NoCache {
    fn get(&self, _: CacheKey) -> Result<Option<String>> {
        Ok(None)
    }

    fn put(&self, _: CacheKey, _: &str) -> Result<()> {
        Ok(())
    }
}

/// An in-memory cache holding up to a number of entries, dropping the oldest first: reuse
/// within a process (a server, a batch job) without touching the disk.
#[derive(Debug)]
pub struct MemoryCache {
    capacity: usize,
    inner: Mutex<MemoryInner>,
}

#[derive(Debug, Default)]
struct MemoryInner {
    map: HashMap<CacheKey, String>,
    order: VecDeque<CacheKey>,
}

impl MemoryCache {
    /// A cache of at most `capacity` entries (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            inner: Mutex::default(),
        }
    }

    /// Number of entries held.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryInner> {
        // A panic elsewhere while holding the lock leaves the map consistent (each operation
        // is a single insert or remove), so a poisoned lock is still usable.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Default for MemoryCache {
    /// Room for 100,000 segments (tens of MB at most).
    fn default() -> Self {
        Self::new(100_000)
    }
}

impl Cache for MemoryCache {
    fn get(&self, key: CacheKey) -> Result<Option<String>> {
        Ok(self.lock().map.get(&key).cloned())
    }

    fn put(&self, key: CacheKey, translation: &str) -> Result<()> {
        let mut inner = self.lock();
        if inner.map.insert(key, translation.to_string()).is_none() {
            inner.order.push_back(key);
        }
        while inner.map.len() > self.capacity {
            match inner.order.pop_front() {
                Some(old) => {
                    inner.map.remove(&old);
                }
                None => break,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EngineLimits, LangPair};

    fn info(name: &str, model: &str, to: &str, prompt_version: u32) -> EngineInfo {
        EngineInfo {
            name: name.into(),
            model: model.into(),
            pair: LangPair::new("en", to).unwrap(),
            prompt_version,
            limits: EngineLimits::default(),
        }
    }

    #[test]
    fn key_depends_on_everything_that_decides_the_output() {
        let base = info("openai", "m1", "pt", 1);
        let k = CacheKey::new(&base, "", "Hello world");
        assert_eq!(k, CacheKey::new(&base, "", "  Hello \n world "));
        assert_eq!(k, CacheKey::new(&base, "", "Hello world"));
        assert_ne!(
            k,
            CacheKey::new(&info("apertium", "m1", "pt", 1), "", "Hello world")
        );
        assert_ne!(
            k,
            CacheKey::new(&info("openai", "m2", "pt", 1), "", "Hello world")
        );
        assert_ne!(
            k,
            CacheKey::new(&info("openai", "m1", "es", 1), "", "Hello world")
        );
        assert_ne!(
            k,
            CacheKey::new(&info("openai", "m1", "pt", 2), "", "Hello world")
        );
        assert_ne!(k, CacheKey::new(&base, "glossary:1", "Hello world"));
        assert_ne!(k, CacheKey::new(&base, "", "Hello World"));
    }

    #[test]
    fn key_is_stable_across_runs() {
        // A changed value here orphans every disk cache: bump KEY_VERSION on purpose instead.
        let k = CacheKey::new(&info("pseudo", "factor=1.35", "pt", 1), "", "Hello world");
        assert_eq!(k.to_string(), "16e9d36eeb0fc1e05967057f3b57db34");
        assert_eq!(
            k,
            CacheKey::new(&info("pseudo", "factor=1.35", "pt", 1), "", "Hello world")
        );
    }

    #[test]
    fn normalize_composes_and_collapses() {
        assert_eq!(normalize(" cafe\u{301}\t au\n\nlait "), "café au lait");
    }

    #[test]
    fn memory_cache_drops_oldest_beyond_capacity() {
        let cache = MemoryCache::new(2);
        for (i, t) in ["a", "b", "c"].into_iter().enumerate() {
            cache.put(CacheKey(i as u128), t).unwrap();
        }
        assert_eq!(cache.len(), 2);
        assert_eq!(cache.get(CacheKey(0)).unwrap(), None);
        assert_eq!(cache.get(CacheKey(2)).unwrap().as_deref(), Some("c"));
    }
}
