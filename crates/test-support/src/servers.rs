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
        // A free port may be taken by another test's server between our look and its bind:
        // then ours exits, or the port answers with another server's folder. Try again.
        for _ in 0..10 {
            let port = free_port();
            let dir =
                std::env::temp_dir().join(format!("folio-redis-{}-{port}", std::process::id()));
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
            let mut server = Self { child, port, dir };
            if server.answers_as_itself(Duration::from_secs(20)) {
                return Some(server);
            }
        }
        panic!("redis-server could not start on a free port in 10 tries");
    }

    /// Waits until the server on its port answers with this server's folder (`CONFIG GET
    /// dir`); `false` when it exited first, or another server answers there.
    fn answers_as_itself(&mut self, limit: Duration) -> bool {
        use std::io::{Read as _, Write as _};
        let start = Instant::now();
        let dir = std::fs::canonicalize(&self.dir).unwrap_or_else(|_| self.dir.clone());
        while start.elapsed() < limit {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return false;
            }
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let asked = stream.write_all(b"*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$3\r\ndir\r\n");
                let mut answer = vec![0u8; 4096];
                let n = asked.and_then(|()| stream.read(&mut answer)).unwrap_or(0);
                let answer = String::from_utf8_lossy(&answer[..n]);
                if answer.contains('*') {
                    return answer.contains(&*dir.to_string_lossy());
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "redis-server did not answer on {} within {limit:?}",
            self.port
        );
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
