//! The persistent cache: a second run makes no request, and several processes share a
//! directory at once.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use folio_translate::{
    Cache, CacheKey, DiskCache, LangPair, OpenAi, OpenAiOptions, TranslateOptions,
    translate_segments_blocking,
};
use support::fake_openai::FakeOpenAi;
use support::{document, nothing_lost};

/// Set in the child process of `another_process_shares_the_directory`: the directory to use.
const CHILD_DIR: &str = "FOLIO_TEST_CACHE_CHILD_DIR";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("folio-cache-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_second_run_makes_no_request() {
    let dir = temp_dir("second-run");
    let server = FakeOpenAi::start();
    let engine = OpenAi::new(
        LangPair::new("en", "pt-BR").unwrap(),
        OpenAiOptions {
            base_url: server.base_url(),
            api_key: Some(FakeOpenAi::KEY.into()),
            ..Default::default()
        },
    )
    .unwrap();
    let segments = document(150);
    let mut outputs = Vec::new();
    for _ in 0..2 {
        // A fresh store each run, as a new process would open it.
        let options = TranslateOptions {
            cache: Some(Arc::new(DiskCache::open(&dir).unwrap())),
            ..Default::default()
        };
        let out = translate_segments_blocking(&engine, &segments, &options, &mut |_| {}).unwrap();
        assert_eq!(nothing_lost(&segments, &out), 0);
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        outputs.push(out);
    }
    assert!(outputs[0].stats.requests > 0);
    assert_eq!(outputs[1].stats.requests, 0);
    assert_eq!(outputs[1].stats.cache_hits, segments.len() as u64);
    assert_eq!(outputs[0].translations, outputs[1].translations);
    println!(
        "first run {} requests, second run {} (server saw {})",
        outputs[0].stats.requests,
        outputs[1].stats.requests,
        server.requests()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn text(key: u128) -> String {
    format!("tradução número {key} [1]com marca[/1]")
}

/// Writes keys `from..to` and reads back every one of them.
fn write_and_check(dir: &Path, from: u128, to: u128) {
    let cache = DiskCache::open(dir).unwrap();
    for k in from..to {
        cache.put(CacheKey(k), &text(k)).unwrap();
        // Reads of keys another writer may be writing at this moment: absent or whole.
        if let Some(t) = cache.get(CacheKey(k ^ 1)).unwrap() {
            assert_eq!(t, text(k ^ 1));
        }
    }
    for k in from..to {
        assert_eq!(cache.get(CacheKey(k)).unwrap(), Some(text(k)));
    }
}

#[test]
fn threads_with_their_own_stores_share_the_directory() {
    let dir = temp_dir("threads");
    // Overlapping ranges: the same keys written by several stores at once.
    let threads: Vec<_> = (0..4u128)
        .map(|t| {
            let dir = dir.clone();
            std::thread::spawn(move || write_and_check(&dir, t * 150, t * 150 + 300))
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let cache = DiskCache::open(&dir).unwrap();
    for k in 0..750 {
        assert_eq!(cache.get(CacheKey(k)).unwrap(), Some(text(k)));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn another_process_shares_the_directory() {
    if let Some(dir) = std::env::var_os(CHILD_DIR) {
        // The child: write its half while the parent writes the other.
        write_and_check(Path::new(&dir), 500, 1500);
        return;
    }
    let dir = temp_dir("process");
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "another_process_shares_the_directory", "--quiet"])
        .env(CHILD_DIR, &dir)
        .spawn()
        .unwrap();
    write_and_check(&dir, 0, 1000);
    assert!(child.wait().unwrap().success(), "the child process failed");
    let cache = DiskCache::open(&dir).unwrap();
    for k in 0..1500 {
        assert_eq!(cache.get(CacheKey(k)).unwrap(), Some(text(k)), "key {k}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
