//! A thread-safe connection pool (r2d2 underneath).
//!
//! Connections are opened on demand up to a maximum, checked with a round
//! trip before each reuse, and a connection whose last statement failed
//! because the connection itself failed is dropped, never handed out again.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use crate::connection::Connection;
use crate::error::{Error, Result};

type Opener = dyn Fn() -> Result<Connection> + Send + Sync;

/// Sizes and timeouts of a [`Pool`].
#[derive(Debug, Clone, PartialEq)]
pub struct PoolOptions {
    /// Most connections open at once.
    pub max_size: u32,
    /// Connections kept open when idle (`None`: as many as `max_size`).
    pub min_idle: Option<u32>,
    /// How long `get` waits for a free connection before failing.
    pub checkout_timeout: Duration,
    /// Whether a connection is checked with a round trip before reuse.
    pub health_check: bool,
    /// Idle connections are closed after this long (`None`: never).
    pub idle_timeout: Option<Duration>,
    /// Whether statement logs show parameter values (see
    /// [`Connection::set_log_parameters`]); `false` redacts them.
    pub log_parameters: bool,
    /// N+1 detection on every connection (see
    /// [`Connection::set_n_plus_one`]); each checkout is a unit of work.
    pub n_plus_one: crate::NPlusOne,
}

impl Default for PoolOptions {
    /// 10 connections, 30 s checkout timeout, health checks on, idle
    /// connections closed after 10 minutes, parameters logged.
    fn default() -> Self {
        PoolOptions {
            max_size: 10,
            min_idle: None,
            checkout_timeout: Duration::from_secs(30),
            health_check: true,
            idle_timeout: Some(Duration::from_secs(600)),
            log_parameters: true,
            n_plus_one: crate::NPlusOne::Off,
        }
    }
}

struct Manager {
    open: Arc<Opener>,
    log_parameters: bool,
    n_plus_one: crate::NPlusOne,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Connection;
    type Error = Error;

    fn connect(&self) -> Result<Connection> {
        let conn = (self.open)()?;
        conn.set_log_parameters(self.log_parameters);
        conn.set_n_plus_one(self.n_plus_one);
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut Connection) -> Result<()> {
        if conn.is_healthy() {
            Ok(())
        } else {
            Err(Error::Connection {
                message: "the pooled connection failed its health check".into(),
                source: None,
            })
        }
    }

    fn has_broken(&self, conn: &mut Connection) -> bool {
        conn.is_broken() || conn.in_transaction()
    }
}

impl fmt::Debug for Manager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Manager")
    }
}

/// A pool of connections to one database, shareable between threads (it is
/// cheap to clone).
///
/// ```
/// # use orm::prelude::*;
/// use orm::{Pool, PoolOptions};
/// let pool = Pool::new(PoolOptions { max_size: 4, ..PoolOptions::default() }, || {
///     Connection::open("sqlite::memory:")
/// })?;
/// let conn = pool.get()?;
/// let one: Vec<(i64,)> = conn.query("SELECT 1", ())?;
/// assert_eq!(one[0].0, 1);
/// # Ok::<(), orm::Error>(())
/// ```
#[derive(Clone)]
pub struct Pool {
    inner: r2d2::Pool<Manager>,
    checkout_timeout: Duration,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.inner.state();
        f.debug_struct("Pool")
            .field("connections", &state.connections)
            .field("idle", &state.idle_connections)
            .finish()
    }
}

impl Pool {
    /// A pool whose connections are opened by `open` (e.g.
    /// `|| Connection::open(&url)`). Opens one connection at once, so that a
    /// bad URL or an unreachable server fails here with the driver's error.
    pub fn new(
        options: PoolOptions,
        open: impl Fn() -> Result<Connection> + Send + Sync + 'static,
    ) -> Result<Pool> {
        // Fail fast, with the driver's own error, on a bad URL or an
        // unreachable server (r2d2 would retry until the checkout timeout).
        drop(open()?);
        let inner = r2d2::Pool::builder()
            .max_size(options.max_size.max(1))
            .min_idle(options.min_idle)
            .connection_timeout(options.checkout_timeout)
            .test_on_check_out(options.health_check)
            .idle_timeout(options.idle_timeout)
            .error_handler(Box::new(LogErrors))
            .build_unchecked(Manager {
                open: Arc::new(open),
                log_parameters: options.log_parameters,
                n_plus_one: options.n_plus_one,
            });
        Ok(Pool {
            inner,
            checkout_timeout: options.checkout_timeout,
        })
    }

    /// A connection from the pool, waiting up to the checkout timeout. It
    /// goes back to the pool when dropped.
    pub fn get(&self) -> Result<PooledConnection> {
        self.inner
            .get()
            .map(|c| {
                // Each checkout is a unit of work for N+1 detection.
                c.reset_unit_of_work();
                PooledConnection { inner: c }
            })
            .map_err(|e| Error::Connection {
                message: format!(
                    "no connection available within {:?}: {e}",
                    self.checkout_timeout
                ),
                source: None,
            })
    }

    /// Connections open, and how many of them are idle.
    pub fn state(&self) -> (u32, u32) {
        let s = self.inner.state();
        (s.connections, s.idle_connections)
    }
}

#[derive(Debug)]
struct LogErrors;

impl r2d2::HandleError<Error> for LogErrors {
    fn handle_error(&self, error: Error) {
        log::warn!(target: crate::connection::LOG_TARGET, "pool: {}", crate::connection::Escaped(&error.to_string()));
    }
}

/// A connection checked out of a [`Pool`]; dereferences to [`Connection`].
pub struct PooledConnection {
    inner: r2d2::PooledConnection<Manager>,
}

impl fmt::Debug for PooledConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.inner, f)
    }
}

impl Deref for PooledConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.inner
    }
}
