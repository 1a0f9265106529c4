//! Servers the product uses in production, started for real by the tests that need them: each
//! on 127.0.0.1 on a free port, stopped (killed) when the handle is dropped.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free TCP port on 127.0.0.1 (the OS picks it; a server started right after binds it).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("the loopback interface can bind a port")
        .port()
}

/// Waits until something listens on `port`, for at most `limit`.
#[track_caller]
fn wait_for_port(port: u16, what: &str, limit: Duration) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < limit,
            "{what} did not listen on {port} within {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A `redis-server` (Debian package `redis-server`) with nothing saved to disk, on a free
/// port of 127.0.0.1, killed on drop.
pub struct RedisServer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts one and waits until it listens; `None` (after reporting it [`missing`]
    /// (crate::missing)) when `redis-server` is not installed.
    #[track_caller]
    pub fn start() -> Option<Self> {
        if !crate::tool("redis-server", "the Debian package redis-server") {
            return None;
        }
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("folio-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary folder for redis-server");
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server runs (it answered --version)");
        let server = Self { child, port, dir };
        wait_for_port(port, "redis-server", Duration::from_secs(20));
        Some(server)
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:PORT/` followed by `path` (a queue name, a database number).
    pub fn url(&self, path: &str) -> String {
        format!("redis://127.0.0.1:{}/{path}", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
