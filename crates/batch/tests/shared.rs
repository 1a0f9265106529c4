//! The fleet's shared rate limit and cache against a real redis-server: two limiters or caches
//! with clients of their own stand for two workers.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use folio_batch::{RedisCache, RedisLimiter};
use folio_test_support::RedisServer;
use folio_translate::build_cache_over;
use folio_translate::{Cache, CacheKey, Config, Error, Limiter};

fn client(server: &RedisServer) -> redis::Client {
    redis::Client::open(server.url("")).unwrap()
}

/// Runs `future` to the end on a runtime of its own, as each worker thread does.
fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(future)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("folio-shared-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

const WINDOW: Duration = Duration::from_secs(1);

/// Two workers, each a thread with a limiter of its own on the same prefix, acquiring calls of
/// `tokens` for `run`: when each call went (as the test saw it) and its tokens.
fn two_workers(
    server: &RedisServer,
    prefix: &str,
    rpm: Option<u32>,
    tpm: Option<u32>,
    tokens: u64,
) -> Vec<Instant> {
    let run = Duration::from_millis(2500);
    let start = Instant::now();
    let times = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let limiter = RedisLimiter::new(client(server), prefix, rpm, tpm).with_window(WINDOW);
            let times = Arc::clone(&times);
            std::thread::spawn(move || {
                block_on(async {
                    while start.elapsed() < run {
                        limiter.acquire(tokens).await;
                        times.lock().unwrap().push(Instant::now());
                    }
                });
                assert!(limiter.take_warnings().is_empty());
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let mut times = Arc::into_inner(times).unwrap().into_inner().unwrap();
    times.sort();
    times
}

/// The most calls the test saw in any window. The test sees a call a little after the server
/// counted it, so the windows checked are a little shorter than the limiter's.
#[track_caller]
fn most_in_a_window(times: &[Instant]) -> usize {
    let window = WINDOW - Duration::from_millis(200);
    times
        .iter()
        .map(|&t| times.iter().filter(|&&u| u >= t && u - t < window).count())
        .max()
        .unwrap_or(0)
}

#[test]
fn two_workers_share_one_request_budget() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let times = two_workers(&server, "folio:rpm", Some(4), None, 1);
    assert!(most_in_a_window(&times) <= 4, "{times:?}");
    // Windows starting at about 0, 1 and 2 s: the budget is used, not only respected.
    assert!(times.len() >= 8, "{}", times.len());
}

#[test]
fn two_workers_share_one_token_budget() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    // 30 tokens a call, 100 a window: 3 calls.
    let times = two_workers(&server, "folio:tpm", None, Some(100), 30);
    assert!(most_in_a_window(&times) <= 3, "{times:?}");
    assert!(times.len() >= 6, "{}", times.len());
}

#[test]
fn a_pause_holds_back_every_worker() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let told = RedisLimiter::new(client(&server), "folio:pause", Some(100), None);
    let other = RedisLimiter::new(client(&server), "folio:pause", Some(100), None);
    block_on(async {
        let start = Instant::now();
        other.acquire(1).await;
        assert!(start.elapsed() < Duration::from_millis(500));
        told.pause(Duration::from_secs(1));
        // A shorter pause does not cut it short.
        told.pause(Duration::from_millis(10));
        let start = Instant::now();
        other.acquire(1).await;
        let waited = start.elapsed();
        assert!(
            (Duration::from_millis(900)..Duration::from_millis(1500)).contains(&waited),
            "{waited:?}"
        );
        // Over: no more waiting.
        let start = Instant::now();
        told.acquire(1).await;
        assert!(start.elapsed() < Duration::from_millis(500));
    });
}

#[test]
fn a_translation_stored_by_one_worker_is_a_hit_for_another() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let one = RedisCache::new(client(&server), "folio:cache");
    let two = RedisCache::new(client(&server), "folio:cache");
    let key = CacheKey(0x2a);
    assert_eq!(two.get(key).unwrap(), None);
    one.put(key, "Olá, [1]mundo[/1]\n").unwrap();
    assert_eq!(
        two.get(key).unwrap().as_deref(),
        Some("Olá, [1]mundo[/1]\n")
    );
    assert_eq!(
        one.redis_key(key),
        "folio:cache:cache:0000000000000000000000000000002a"
    );

    two.put_many(&[(CacheKey(1), "um".into()), (CacheKey(2), "dois".into())])
        .unwrap();
    let found = one
        .get_many(&[CacheKey(2), CacheKey(3), key, CacheKey(1)])
        .unwrap();
    assert_eq!(
        found,
        [Some("dois"), None, Some("Olá, [1]mundo[/1]\n"), Some("um")].map(|t| t.map(String::from))
    );
    assert_eq!(one.get_many(&[]).unwrap(), Vec::<Option<String>>::new());
    one.put_many(&[]).unwrap();

    // Entries expire only when asked to.
    let mut con = client(&server).get_connection().unwrap();
    let mut ttl = |key: CacheKey| -> i64 {
        redis::cmd("PTTL")
            .arg(one.redis_key(key))
            .query(&mut con)
            .unwrap()
    };
    assert_eq!(ttl(key), -1);
    let expiring =
        RedisCache::new(client(&server), "folio:cache").with_ttl(Duration::from_secs(60));
    expiring.put(CacheKey(7), "sete").unwrap();
    expiring.put_many(&[(CacheKey(8), "oito".into())]).unwrap();
    for key in [CacheKey(7), CacheKey(8)] {
        let left = ttl(key);
        assert!((59_000..=60_000).contains(&left), "{left}");
    }
}

#[test]
fn the_fleet_cache_is_memory_then_disk_then_redis() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let config = |name: &str| Config {
        engine: Some("openai".into()),
        cache: Some(temp_dir(name)),
        ..Config::default()
    };
    let (config_one, config_two) = (config("one"), config("two"));
    let redis = |s: &RedisServer| RedisCache::new(client(s), "folio:fleet");
    let one = build_cache_over(&config_one, redis(&server))
        .unwrap()
        .unwrap();
    let two = build_cache_over(&config_two, redis(&server))
        .unwrap()
        .unwrap();
    one.put_many(&[(CacheKey(1), "um".into())]).unwrap();
    // The second worker finds it in Redis, and keeps it on its disk.
    assert_eq!(
        two.get_many(&[CacheKey(1), CacheKey(2)]).unwrap(),
        [Some("um".to_string()), None]
    );
    let disk = folio_translate::DiskCache::open(config_two.cache.as_ref().unwrap()).unwrap();
    assert_eq!(disk.get(CacheKey(1)).unwrap().as_deref(), Some("um"));
    // Engines that run bare get no cache.
    let pseudo = Config {
        engine: Some("pseudo".into()),
        ..config("pseudo")
    };
    assert!(build_cache_over(&pseudo, redis(&server)).unwrap().is_none());
    for c in [config_one, config_two, pseudo] {
        let _ = std::fs::remove_dir_all(c.cache.unwrap());
    }
}

#[test]
fn a_redis_that_is_down_gives_warnings_not_hangs() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let url = server.url("");
    drop(server);
    let client = || redis::Client::open(url.as_str()).unwrap();

    // The limiter keeps to its limits alone, and says so once.
    let limiter = RedisLimiter::new(client(), "folio:down", Some(2), None).with_window(WINDOW);
    let start = Instant::now();
    block_on(async {
        for _ in 0..3 {
            limiter.acquire(1).await;
        }
        limiter.pause(Duration::from_millis(100));
    });
    let took = start.elapsed();
    assert!(
        (Duration::from_millis(900)..Duration::from_secs(5)).contains(&took),
        "{took:?}"
    );
    let warnings = limiter.take_warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("shared rate limit unavailable"),
        "{warnings:?}"
    );
    assert!(limiter.take_warnings().is_empty());

    // The cache fails with errors the driver turns into warnings.
    let cache = RedisCache::new(client(), "folio:down");
    assert!(matches!(cache.get(CacheKey(1)), Err(Error::Cache(_))));
    assert!(matches!(
        cache.put_many(&[(CacheKey(1), "um".into())]),
        Err(Error::Cache(_))
    ));
    // The fleet's cache still stores in memory and on disk, and answers from them.
    let config = Config {
        engine: Some("openai".into()),
        cache: Some(temp_dir("down")),
        ..Config::default()
    };
    let fleet = build_cache_over(&config, cache).unwrap().unwrap();
    let put = fleet.put_many(&[(CacheKey(1), "um".into())]);
    assert!(matches!(put, Err(Error::Cache(m)) if m.starts_with("redis: ")));
    assert_eq!(
        fleet.get_many(&[CacheKey(1)]).unwrap(),
        [Some("um".to_string())]
    );
    let _ = std::fs::remove_dir_all(config.cache.unwrap());
}
