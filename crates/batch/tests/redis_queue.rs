//! The Redis Streams queue against a real `redis-server` (started on a free port by each
//! test): leases, reclaim, requeue, dead letters and the counts `folio batch status` prints.

use std::time::Duration;

use folio_batch::{Queue, QueueUrl, QueuedJob, RedisQueue};
use folio_test_support::RedisServer;

fn job(id: &str) -> QueuedJob {
    QueuedJob {
        id: id.into(),
        input: format!("{id}.pdf"),
        to: "es".into(),
        priority: 0,
        pages: None,
        attempts: 0,
        last_error: None,
    }
}

fn queue(server: &RedisServer, lease: Duration) -> RedisQueue {
    RedisQueue::open(&QueueUrl::parse(&server.url("q")).unwrap(), lease).unwrap()
}

#[test]
fn each_job_goes_to_one_worker_and_ends_once() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let q = queue(&server, Duration::from_secs(60));
    q.push(&[job("a"), job("b")]).unwrap();
    let status = q.status().unwrap();
    assert_eq!((status.queued, status.in_flight), (2, 0));

    let a = q.take("w1", Duration::from_millis(10)).unwrap().unwrap();
    let b = q.take("w2", Duration::from_millis(10)).unwrap().unwrap();
    assert_eq!((a.job.id.as_str(), b.job.id.as_str()), ("a", "b"));
    assert_eq!((a.deliveries, b.deliveries), (1, 1));
    assert!(q.take("w3", Duration::from_millis(10)).unwrap().is_none());
    let status = q.status().unwrap();
    assert_eq!((status.queued, status.in_flight, status.workers), (0, 2, 2));

    assert!(q.heartbeat("w1", &a).unwrap());
    assert!(!q.heartbeat("w2", &a).unwrap(), "a is w1's, not w2's");
    q.done(&a, 7).unwrap();
    // Ending it twice (a slow worker after a reclaim) counts nothing twice.
    q.done(&a, 7).unwrap();
    let mut again = b.job.clone();
    again.attempts = 1;
    again.last_error = Some("cannot read".into());
    q.requeue(&b, &again).unwrap();
    let b2 = q.take("w1", Duration::from_millis(10)).unwrap().unwrap();
    assert_eq!(b2.job, again);
    q.dead(&b2, "gave up").unwrap();

    let status = q.status().unwrap();
    assert_eq!(
        (status.queued, status.in_flight, status.done, status.pages),
        (0, 0, 1, 7)
    );
    assert_eq!((status.requeued, status.dead), (1, 1));
    assert!(status.done_per_minute > 0.0);
    let dead = q.dead_letters(10).unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].job.id, "b");
    assert_eq!(dead[0].error, "gave up");
}

#[test]
fn a_lease_that_runs_out_is_reclaimed_by_another_worker() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let q = queue(&server, Duration::from_millis(300));
    q.push(&[job("a")]).unwrap();
    let first = q.take("w1", Duration::from_millis(10)).unwrap().unwrap();
    // Heartbeats keep it.
    for _ in 0..4 {
        std::thread::sleep(Duration::from_millis(150));
        assert!(q.heartbeat("w1", &first).unwrap());
        assert!(q.take("w2", Duration::from_millis(10)).unwrap().is_none());
    }
    // Without them, the lease runs out and w2 gets it, as a second delivery.
    std::thread::sleep(Duration::from_millis(400));
    let second = q.take("w2", Duration::from_millis(10)).unwrap().unwrap();
    assert_eq!(second.job.id, "a");
    assert_eq!(second.deliveries, 2);
    assert!(!q.heartbeat("w1", &first).unwrap(), "w1 lost it");
    q.done(&second, 1).unwrap();
    assert_eq!(q.status().unwrap().done, 1);
}

#[test]
fn an_entry_that_is_not_a_job_is_dead_lettered() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let q = queue(&server, Duration::from_secs(60));
    let mut conn = q.client().get_connection().unwrap();
    let _: String = redis::cmd("XADD")
        .arg("folio:q:jobs")
        .arg("*")
        .arg("job")
        .arg("{not json")
        .query(&mut conn)
        .unwrap();
    q.push(&[job("a")]).unwrap();
    let next = q.take("w1", Duration::from_millis(10)).unwrap();
    assert!(next.is_none(), "the bad entry is not handed out");
    let dead = q.dead_letters(1).unwrap();
    assert!(dead[0].error.contains("not a Folio job"), "{:?}", dead[0]);
    assert_eq!(
        q.take("w1", Duration::from_millis(10))
            .unwrap()
            .unwrap()
            .job
            .id,
        "a"
    );
}

#[test]
fn an_unreachable_server_is_a_clear_error() {
    let port = folio_test_support::free_port();
    let url = QueueUrl::parse(&format!("redis://:hunter2@127.0.0.1:{port}/q")).unwrap();
    let err = match RedisQueue::open(&url, Duration::from_secs(1)) {
        Ok(_) => panic!("nothing listens on {port}"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains(&format!("redis://127.0.0.1:{port}/q")),
        "{err}"
    );
    assert!(err.contains("hint:"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}

#[test]
fn a_lapsed_lease_behind_many_live_ones_is_found() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let q = queue(&server, Duration::from_millis(300));
    let jobs: Vec<QueuedJob> = (0..25).map(|i| job(&format!("d{i}"))).collect();
    q.push(&jobs).unwrap();
    let live: Vec<_> = (0..24)
        .map(|_| q.take("w1", Duration::from_millis(10)).unwrap().unwrap())
        .collect();
    let lost = q
        .take("dead-worker", Duration::from_millis(10))
        .unwrap()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    // w1 is alive and renews its 24; the last one's worker is gone.
    for d in &live {
        assert!(q.heartbeat("w1", d).unwrap());
    }
    // Each reclaim looks at a few pending entries; the search goes on where it stopped.
    let found = (0..6).find_map(|_| q.take("w2", Duration::from_millis(10)).unwrap());
    let found = found.expect("the lapsed job, behind 24 live ones, is reclaimed");
    assert_eq!(found.job.id, lost.job.id);
    assert_eq!(found.deliveries, 2);
}
