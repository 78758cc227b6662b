//! A thread-safe connection pool (r2d2 underneath).
//!
//! Connections are opened on demand up to a maximum, checked with a round
//! trip before each reuse, and a connection whose last statement failed
//! because the connection itself failed is dropped, never handed out again.

use std::fmt;
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

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
    max_size: u32,
    counters: Arc<Counters>,
    /// Whether the idempotency keys' table is known to exist (held while
    /// it is created, so that threads do not race to create it).
    pub(crate) idempotency_ready: Arc<std::sync::Mutex<bool>>,
    /// The replicas plain reads go to ([`Pool::with_replicas`]).
    replicas: Option<Arc<crate::replica::Replicas>>,
}

/// What the pool counts as it hands connections out.
#[derive(Debug, Default)]
struct Counters {
    checkouts: AtomicU64,
    waits: AtomicU64,
    timeouts: AtomicU64,
    wait_micros: AtomicU64,
}

/// A pool's state and what it has counted since it was built: read with
/// [`Pool::metrics`], e.g. to export to a monitoring system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PoolMetrics {
    /// Connections open.
    pub connections: u32,
    /// Open connections waiting in the pool.
    pub idle: u32,
    /// Open connections checked out.
    pub in_use: u32,
    /// The most connections the pool opens.
    pub max_size: u32,
    /// Successful checkouts.
    pub checkouts: u64,
    /// Checkouts that found no idle connection and waited for one to be
    /// returned or opened (those that timed out included).
    pub waits: u64,
    /// Checkouts that failed: no connection within the checkout timeout
    /// (or none could be opened).
    pub timeouts: u64,
    /// The time those waits took, in total.
    pub wait_time: Duration,
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
        Ok(Pool::new_lazy(options, open))
    }

    /// Like [`new`](Self::new), but does not wait for a first connection:
    /// connections are opened in the background (failures are logged and
    /// retried) and on demand, so a server that is down when the
    /// application starts fails nothing here, only the checkouts that find
    /// no connection: for a replica ([`with_replicas`](Self::with_replicas)).
    pub fn new_lazy(
        options: PoolOptions,
        open: impl Fn() -> Result<Connection> + Send + Sync + 'static,
    ) -> Pool {
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
        Pool {
            inner,
            checkout_timeout: options.checkout_timeout,
            max_size: options.max_size.max(1),
            counters: Arc::default(),
            idempotency_ready: Arc::default(),
            replicas: None,
        }
    }

    /// This pool, its plain reads routed to `replicas` (pools of servers
    /// that replicate this pool's database), as `routing` says.
    ///
    /// A read of a scope (`all`, `first`, `find`, `count`, `pluck`,
    /// `exists`, includes) goes to a usable replica, in turn; everything
    /// else runs on this pool's server, the primary: writes, raw SQL,
    /// transactions (their reads too), streams ([`Scoped::iter`](crate::Scoped::iter)),
    /// scopes that lock rows (`for_update`, `for_share`) and scopes marked
    /// [`on_primary`](crate::Scoped::on_primary). After a connection
    /// writes, its reads stay on the primary for
    /// [`read_your_writes`](crate::ReadRouting::read_your_writes). A
    /// replica that is down, or further behind than
    /// [`max_lag`](crate::ReadRouting::max_lag) as it reports itself
    /// ([`Dialect::replica_lag_query`](crate::Dialect::replica_lag_query)),
    /// is skipped with a warning (log target `orm::sql`) and tried again
    /// later; with no replica usable, reads run on the primary. A read
    /// that fails on a replica before returning a row (a lost connection,
    /// a standby's conflict with recovery, a table it has not replayed the
    /// creation of yet) runs again elsewhere.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// use orm::{Pool, ReadRouting};
    /// # let dir = std::env::temp_dir().join(format!("orm-doc-replicas-{}", std::process::id()));
    /// # std::fs::create_dir_all(&dir).unwrap();
    /// # let url = format!("sqlite://{}/app.db", dir.display());
    /// # #[derive(Model, Debug)] struct Note { id: i64, text: String }
    /// // Here the "replica" is the same SQLite file; in production, a
    /// // streaming standby of a PostgreSQL primary, or a MariaDB replica.
    /// let replica = orm::pool(&url, PoolOptions::default())?;
    /// let pool = orm::pool(&url, PoolOptions::default())?
    ///     .with_replicas([replica], ReadRouting::default());
    /// let conn = pool.get()?;
    /// conn.sync::<Note>()?;
    /// Note { id: 0, text: "hello".into() }.save(&conn)?; // the primary
    /// let notes = Notes::all().all(&conn)?; // the primary: this connection just wrote
    /// let again = Notes::all().on_primary().all(&conn)?; // always the primary
    /// assert_eq!(notes.len(), again.len());
    /// # drop(conn); std::fs::remove_dir_all(&dir).ok();
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn with_replicas(
        mut self,
        replicas: impl IntoIterator<Item = Pool>,
        routing: crate::replica::ReadRouting,
    ) -> Pool {
        let list: Vec<Pool> = replicas.into_iter().collect();
        self.replicas =
            (!list.is_empty()).then(|| Arc::new(crate::replica::Replicas::new(list, routing)));
        self
    }

    /// The state of each replica reads are routed to (empty without
    /// replicas): usable or skipped and why, its last measured lag, the
    /// reads it ran.
    pub fn replica_status(&self) -> Vec<crate::replica::ReplicaStatus> {
        self.replicas
            .as_ref()
            .map(|r| r.status())
            .unwrap_or_default()
    }

    /// A connection within `timeout` (not the pool's checkout timeout).
    pub(crate) fn get_within(&self, timeout: Duration) -> Result<PooledConnection> {
        let conn = self
            .inner
            .get_timeout(timeout)
            .map_err(|e| Error::Connection {
                message: format!("no connection available within {timeout:?}: {e}"),
                source: None,
            })?;
        self.counters.checkouts.fetch_add(1, Ordering::Relaxed);
        conn.reset_unit_of_work();
        Ok(PooledConnection { inner: conn })
    }

    /// A connection from the pool, waiting up to the checkout timeout. It
    /// goes back to the pool when dropped.
    pub fn get(&self) -> Result<PooledConnection> {
        let c = &self.counters;
        let conn = match self.inner.try_get() {
            Some(conn) => conn,
            None => {
                // No idle connection: wait for one to be returned or opened.
                let started = Instant::now();
                let got = self.inner.get();
                let waited = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
                c.waits.fetch_add(1, Ordering::Relaxed);
                c.wait_micros.fetch_add(waited, Ordering::Relaxed);
                got.map_err(|e| {
                    c.timeouts.fetch_add(1, Ordering::Relaxed);
                    Error::Connection {
                        message: format!(
                            "no connection available within {:?}: {e}",
                            self.checkout_timeout
                        ),
                        source: None,
                    }
                })?
            }
        };
        c.checkouts.fetch_add(1, Ordering::Relaxed);
        // Each checkout is a unit of work for N+1 detection.
        conn.reset_unit_of_work();
        if let Some(replicas) = &self.replicas {
            conn.route.attach(replicas);
        }
        Ok(PooledConnection { inner: conn })
    }

    /// The pool's connections (open, idle, in use) and what it counted:
    /// checkouts, waits for a connection, timeouts, time spent waiting.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// let pool = orm::pool("sqlite::memory:", PoolOptions::default())?;
    /// let conn = pool.get()?;
    /// let m = pool.metrics();
    /// assert_eq!((m.in_use, m.checkouts, m.timeouts), (1, 1, 0));
    /// # drop(conn);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn metrics(&self) -> PoolMetrics {
        let s = self.inner.state();
        let c = &self.counters;
        PoolMetrics {
            connections: s.connections,
            idle: s.idle_connections,
            in_use: s.connections.saturating_sub(s.idle_connections),
            max_size: self.max_size,
            checkouts: c.checkouts.load(Ordering::Relaxed),
            waits: c.waits.load(Ordering::Relaxed),
            timeouts: c.timeouts.load(Ordering::Relaxed),
            wait_time: Duration::from_micros(c.wait_micros.load(Ordering::Relaxed)),
        }
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
