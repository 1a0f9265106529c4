//! One blocking connection to Redis, shared by the threads of a process: what the fleet's
//! limiter and cache send their commands through.

use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use redis::{Client, Connection, RedisResult};

/// How long connecting, sending or waiting for a reply may take: Redis answers these
/// commands in well under a millisecond, so a server that takes seconds is unreachable,
/// and the caller goes on without it instead of hanging.
const TIMEOUT: Duration = Duration::from_secs(2);

/// A connection opened on first use and again after any error (the server restarted, the
/// network broke), with [`TIMEOUT`] on every step.
pub(crate) struct Link {
    client: Client,
    con: Mutex<Option<Connection>>,
}

impl Link {
    /// A link to the server `client` names; connects on first use.
    pub(crate) fn new(client: Client) -> Self {
        Self {
            client,
            con: Mutex::new(None),
        }
    }

    /// Runs `f` on the connection, opening it first if needed. Calls from other threads wait
    /// meanwhile: each takes a round trip to the server, short next to what they guard.
    pub(crate) fn run<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> RedisResult<T>,
    ) -> RedisResult<T> {
        // A poisoned lock means a panic mid-command: the connection is dropped below anyway.
        let mut slot = self.con.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            let con = self.client.get_connection_with_timeout(TIMEOUT)?;
            con.set_read_timeout(Some(TIMEOUT))?;
            con.set_write_timeout(Some(TIMEOUT))?;
            *slot = Some(con);
        }
        let out = f(slot.as_mut().expect("the connection was opened just above"));
        if out.is_err() {
            // The reply may be unread or the socket broken: the next call starts afresh.
            *slot = None;
        }
        out
    }
}

impl fmt::Debug for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The address only: the connection info may hold a password.
        write!(f, "Link({})", self.client.get_connection_info().addr())
    }
}
