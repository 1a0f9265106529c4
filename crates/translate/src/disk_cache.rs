//! A persistent translation cache on disk that concurrent processes can share.
//!
//! # Why one file per entry
//! The store is a directory with one small file per translation, named by the 128-bit
//! [`CacheKey`] in hex (`v1/3f/3fa2…e1`: 256 subdirectories keep directories small). A write
//! goes to a temporary file in the same directory, which is then renamed over the final name;
//! rename is atomic on POSIX and Windows file systems, so a reader sees either no entry or a
//! whole one, never a torn write, and any number of processes (batch workers on one machine,
//! a server and a CLI) read and write at once without locks. Two writers of one key write the
//! same translation of the same text by the same engine, so whichever rename lands last is fine.
//!
//! The alternatives were weighed: redb takes an exclusive lock on its file, so a second
//! process cannot open the cache while a first one runs; SQLite in WAL mode shares well but
//! adds a C library to the build and serializes writers. Files cost an inode per segment,
//! acceptable for a cache that may be deleted at any time; this needs no dependency.
//!
//! Each file holds a one-line header (`folio-cache 1`) and the translation in UTF-8. A file
//! that cannot be read or lacks the header counts as a miss.

use std::io::{ErrorKind, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Cache, CacheKey, Error, Result};

/// The first line of every entry file; a format change bumps it (and the `v1` directory).
const HEADER: &str = "folio-cache 1\n";

/// Translations stored as files under a directory (see the module docs).
#[derive(Debug)]
pub struct DiskCache {
    /// `<root>/v1`.
    dir: PathBuf,
    /// Makes temporary file names unique within the process.
    counter: AtomicU64,
}

impl DiskCache {
    /// A cache under `root`, created if missing.
    pub fn open(root: impl AsRef<Path>) -> Result<Self> {
        let dir = root.as_ref().join("v1");
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::Cache(format!("{}: {e}", dir.display())))?;
        Ok(Self {
            dir,
            counter: AtomicU64::new(0),
        })
    }

    /// A cache in the default directory ([`default_cache_dir`]).
    pub fn open_default() -> Result<Self> {
        let root = default_cache_dir().ok_or_else(|| {
            Error::Cache("no cache directory: set XDG_CACHE_HOME or HOME, or pass --cache".into())
        })?;
        Self::open(root)
    }

    /// The directory holding the entries.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: CacheKey) -> PathBuf {
        let hex = key.to_string();
        self.dir.join(&hex[..2]).join(hex)
    }
}

impl Cache for DiskCache {
    fn get(&self, key: CacheKey) -> Result<Option<String>> {
        let path = self.path(key);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(String::from_utf8(bytes)
                .ok()
                .and_then(|s| s.strip_prefix(HEADER).map(str::to_string))),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::Cache(format!("{}: {e}", path.display()))),
        }
    }

    fn put(&self, key: CacheKey, translation: &str) -> Result<()> {
        let path = self.path(key);
        let err = |p: &Path, e: std::io::Error| Error::Cache(format!("{}: {e}", p.display()));
        let Some(parent) = path.parent() else {
            return Ok(()); // cannot happen: the path is `dir/xx/key`
        };
        std::fs::create_dir_all(parent).map_err(|e| err(parent, e))?;
        let tmp = parent.join(format!(
            ".tmp-{}-{}-{key}",
            std::process::id(),
            self.counter.fetch_add(1, Ordering::Relaxed)
        ));
        let written = (|| {
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(HEADER.as_bytes())?;
            file.write_all(translation.as_bytes())?;
            // No fsync: losing a cache entry in a crash costs one request, syncing costs every write.
            drop(file);
            std::fs::rename(&tmp, &path)
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(err(&path, e));
        }
        Ok(())
    }
}

/// The default cache directory: `$FOLIO_CACHE`, else `$XDG_CACHE_HOME/folio`, else
/// `~/Library/Caches/folio` on macOS, `%LOCALAPPDATA%\folio\cache` on Windows and
/// `~/.cache/folio` elsewhere. `None` when none of these variables is set.
pub fn default_cache_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = var("FOLIO_CACHE") {
        return Some(dir);
    }
    if let Some(dir) = var("XDG_CACHE_HOME") {
        return Some(dir.join("folio"));
    }
    if cfg!(windows) {
        return var("LOCALAPPDATA").map(|d| d.join("folio").join("cache"));
    }
    let home = var("HOME")?;
    Some(if cfg!(target_os = "macos") {
        home.join("Library").join("Caches").join("folio")
    } else {
        home.join(".cache").join("folio")
    })
}

/// A fast cache in front of a slower one (memory in front of a [`DiskCache`]; nested, memory,
/// disk and a shared store): reads try the front first and fill it from the back store;
/// writes go to both. Lookups of many keys ask the back store once, for the front's misses.
/// An error of either store is the operation's error.
#[derive(Debug)]
pub struct Layered<F, B> {
    /// The fast store, consulted first.
    pub front: F,
    /// The persistent store.
    pub back: B,
}

impl<F: Cache, B: Cache> Cache for Layered<F, B> {
    fn get(&self, key: CacheKey) -> Result<Option<String>> {
        if let Some(hit) = self.front.get(key)? {
            return Ok(Some(hit));
        }
        let hit = self.back.get(key)?;
        if let Some(text) = &hit {
            self.front.put(key, text)?;
        }
        Ok(hit)
    }

    fn put(&self, key: CacheKey, translation: &str) -> Result<()> {
        self.front.put(key, translation)?;
        self.back.put(key, translation)
    }

    fn get_many(&self, keys: &[CacheKey]) -> Result<Vec<Option<String>>> {
        let mut found = self.front.get_many(keys)?;
        let missing: Vec<usize> = (0..keys.len()).filter(|&i| found[i].is_none()).collect();
        if missing.is_empty() {
            return Ok(found);
        }
        let back = self
            .back
            .get_many(&missing.iter().map(|&i| keys[i]).collect::<Vec<_>>())?;
        let mut fill = Vec::new();
        for (i, hit) in missing.into_iter().zip(back) {
            if let Some(text) = hit {
                fill.push((keys[i], text.clone()));
                found[i] = Some(text);
            }
        }
        self.front.put_many(&fill)?;
        Ok(found)
    }

    fn put_many(&self, entries: &[(CacheKey, String)]) -> Result<()> {
        self.front.put_many(entries)?;
        self.back.put_many(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryCache;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("folio-disk-cache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn entries_survive_reopening() {
        let dir = temp_dir("reopen");
        let cache = DiskCache::open(&dir).unwrap();
        assert_eq!(cache.get(CacheKey(42)).unwrap(), None);
        cache.put(CacheKey(42), "Olá, [1]mundo[/1]\n").unwrap();
        cache.put(CacheKey(42), "Olá, [1]mundo[/1]\n").unwrap();
        drop(cache);
        let cache = DiskCache::open(&dir).unwrap();
        assert_eq!(
            cache.get(CacheKey(42)).unwrap().as_deref(),
            Some("Olá, [1]mundo[/1]\n")
        );
        // No temporary files are left behind.
        let sub = cache.path(CacheKey(42));
        let names: Vec<_> = std::fs::read_dir(sub.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        // A damaged entry is a miss.
        std::fs::write(&sub, "garbage").unwrap();
        assert_eq!(cache.get(CacheKey(42)).unwrap(), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn layered_fills_the_front() {
        let dir = temp_dir("layered");
        DiskCache::open(&dir)
            .unwrap()
            .put(CacheKey(1), "um")
            .unwrap();
        let layered = Layered {
            front: MemoryCache::new(10),
            back: DiskCache::open(&dir).unwrap(),
        };
        assert_eq!(layered.get(CacheKey(1)).unwrap().as_deref(), Some("um"));
        assert_eq!(layered.front.len(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn layered_get_many_asks_the_back_for_the_misses_only() {
        // Memory, memory, memory: three tiers, each holding one entry.
        let layered = Layered {
            front: MemoryCache::new(10),
            back: Layered {
                front: MemoryCache::new(10),
                back: MemoryCache::new(10),
            },
        };
        layered.front.put(CacheKey(1), "um").unwrap();
        layered.back.front.put(CacheKey(2), "dois").unwrap();
        layered.back.back.put(CacheKey(3), "três").unwrap();
        let keys = [1, 2, 3, 4].map(CacheKey);
        let found = layered.get_many(&keys).unwrap();
        assert_eq!(
            found,
            [Some("um"), Some("dois"), Some("três"), None].map(|t| t.map(String::from))
        );
        // Hits fill the tiers in front of where they were found.
        assert_eq!(layered.front.len(), 3);
        assert_eq!(layered.back.front.len(), 2);
        assert_eq!(layered.back.back.len(), 1);
        layered
            .put_many(&[(CacheKey(5), "cinco".to_string())])
            .unwrap();
        assert_eq!(
            layered.back.back.get(CacheKey(5)).unwrap().as_deref(),
            Some("cinco")
        );
    }
}
