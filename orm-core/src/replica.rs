//! Read replicas: a pool's plain reads routed to healthy replicas that are
//! not too far behind, everything else on the primary.
//!
//! What goes where is decided per statement, on the connection that runs
//! it: a read of a scope (not `FOR UPDATE` / `FOR SHARE`, not
//! [`on_primary`](crate::Scoped::on_primary), not in a transaction, not
//! within the read-your-writes window after this connection wrote) runs on
//! a replica; every other statement on the primary.

use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::backend::{Params, RowCallback};
use crate::connection::{Connection, LOG_TARGET, NO_PARAMS};
use crate::error::{Error, Result};
use crate::pool::Pool;
use crate::value::ValueRef;

/// How a pool with replicas ([`Pool::with_replicas`]) routes reads.
///
/// ```
/// use std::time::Duration;
/// let routing = orm::ReadRouting::default()
///     .read_your_writes(Duration::from_secs(5))
///     .max_lag(Some(Duration::from_secs(2)));
/// assert_eq!(routing.max_lag, Some(Duration::from_secs(2)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadRouting {
    /// After a connection writes (any statement that is not a routed read,
    /// a transaction included), its reads go to the primary for this long,
    /// so that it reads what it wrote.
    pub read_your_writes: Duration,
    /// A replica further behind the primary than this, as the replica
    /// itself reports it, is skipped (with a warning) until it catches
    /// up; so is one whose lag it cannot report (replication stopped).
    /// `None`: lag is not measured.
    pub max_lag: Option<Duration>,
    /// How often a replica's lag is measured (one statement on one of its
    /// connections, by whichever read finds the measure stale).
    pub lag_check_interval: Duration,
    /// How long a replica that failed (no connection, a lost connection)
    /// is skipped before it is tried again.
    pub down_retry: Duration,
    /// How long a read waits for a connection of a replica before it
    /// counts the replica as down.
    pub checkout_timeout: Duration,
}

impl Default for ReadRouting {
    /// Read-your-writes for 2 s, at most 5 s of lag measured every second,
    /// a failed replica retried after 5 s, 1 s to get one of its
    /// connections.
    fn default() -> Self {
        ReadRouting {
            read_your_writes: Duration::from_secs(2),
            max_lag: Some(Duration::from_secs(5)),
            lag_check_interval: Duration::from_secs(1),
            down_retry: Duration::from_secs(5),
            checkout_timeout: Duration::from_secs(1),
        }
    }
}

impl ReadRouting {
    /// Sets [`read_your_writes`](Self::read_your_writes).
    pub fn read_your_writes(mut self, window: Duration) -> Self {
        self.read_your_writes = window;
        self
    }
    /// Sets [`max_lag`](Self::max_lag).
    pub fn max_lag(mut self, bound: Option<Duration>) -> Self {
        self.max_lag = bound;
        self
    }
    /// Sets [`lag_check_interval`](Self::lag_check_interval).
    pub fn lag_check_interval(mut self, every: Duration) -> Self {
        self.lag_check_interval = every;
        self
    }
    /// Sets [`down_retry`](Self::down_retry).
    pub fn down_retry(mut self, after: Duration) -> Self {
        self.down_retry = after;
        self
    }
    /// Sets [`checkout_timeout`](Self::checkout_timeout).
    pub fn checkout_timeout(mut self, timeout: Duration) -> Self {
        self.checkout_timeout = timeout;
        self
    }
}

/// What [`Pool::replica_status`] reports of one replica.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReplicaStatus {
    /// The replica's number: its place in the list given to
    /// [`Pool::with_replicas`], from 1.
    pub number: usize,
    /// Whether reads go to it now.
    pub usable: bool,
    /// Its lag when last measured (`None`: not measured, or unknown).
    pub lag: Option<Duration>,
    /// Reads it ran.
    pub reads: u64,
    /// Why it is skipped, when it is.
    pub reason: Option<String>,
}

/// A pool's replicas, shared by all its connections.
pub(crate) struct Replicas {
    list: Vec<Replica>,
    next: AtomicUsize,
    routing: ReadRouting,
}

struct Replica {
    pool: Pool,
    number: usize,
    health: Mutex<Health>,
    reads: std::sync::atomic::AtomicU64,
}

#[derive(Default)]
struct Health {
    /// When the verdict was reached; `None`: never checked.
    checked_at: Option<Instant>,
    /// A read is measuring the lag now: the others keep the old verdict.
    checking: bool,
    /// `None`: usable; otherwise why not.
    skip: Option<Skip>,
    lag: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq)]
enum Skip {
    Down(String),
    Lagging(String),
}

impl Replicas {
    pub(crate) fn new(pools: Vec<Pool>, routing: ReadRouting) -> Replicas {
        Replicas {
            list: pools
                .into_iter()
                .enumerate()
                .map(|(i, pool)| Replica {
                    pool,
                    number: i + 1,
                    health: Mutex::new(Health::default()),
                    reads: Default::default(),
                })
                .collect(),
            next: AtomicUsize::new(0),
            routing,
        }
    }

    pub(crate) fn status(&self) -> Vec<ReplicaStatus> {
        self.list
            .iter()
            .map(|r| {
                let h = r.health();
                ReplicaStatus {
                    number: r.number,
                    usable: h.skip.is_none(),
                    lag: h.lag,
                    reads: r.reads.load(Ordering::Relaxed),
                    reason: h.skip.as_ref().map(|s| match s {
                        Skip::Down(why) | Skip::Lagging(why) => why.clone(),
                    }),
                }
            })
            .collect()
    }

    /// Runs a read on the first usable replica in turn. `None`: no replica
    /// could run it (none usable, or each failed before returning a row),
    /// so the primary runs it.
    fn run(
        &self,
        primary: &Connection,
        sql: &str,
        params: &dyn Params,
        f: &mut RowCallback<'_>,
    ) -> Option<Result<()>> {
        let n = self.list.len();
        let first = self.next.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            let replica = &self.list[(first + i) % n];
            let Some(conn) = replica.checkout(&self.routing, primary) else {
                continue;
            };
            let mut delivered = false;
            let res = conn.query_each_prepared(sql, params, &mut |row| {
                delivered = true;
                f(row)
            });
            match res {
                // Nothing was handed to the caller yet: the read can run
                // elsewhere. A lost connection takes the replica out; a
                // standby's conflict with recovery (40001), or a table it
                // has not replayed the creation of yet, only this read.
                Err(e)
                    if !delivered
                        && (conn.is_broken()
                            || e.is_retryable()
                            || matches!(e, Error::UnknownTable { .. })) =>
                {
                    if conn.is_broken() {
                        replica.set(Some(Skip::Down(e.to_string())), None);
                    }
                    continue;
                }
                res => {
                    replica.reads.fetch_add(1, Ordering::Relaxed);
                    return Some(res);
                }
            }
        }
        None
    }
}

impl Replica {
    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A connection of this replica if it is usable now: its last verdict,
    /// or a new one when that is stale.
    fn checkout(
        &self,
        routing: &ReadRouting,
        primary: &Connection,
    ) -> Option<crate::pool::PooledConnection> {
        {
            let mut h = self.health();
            let stale_after = match h.skip {
                Some(Skip::Down(_)) => routing.down_retry,
                _ => routing.lag_check_interval,
            };
            let due = h.checked_at.is_none_or(|t| t.elapsed() >= stale_after);
            if h.checking || !due {
                if h.skip.is_some() {
                    return None;
                }
                drop(h);
                return self.connect(routing);
            }
            h.checking = true;
        }
        // This read measures the replica; the others keep the old verdict.
        let conn = self.connect(routing)?;
        let (skip, lag) = match measure(&conn, routing, primary) {
            Ok(verdict) => verdict,
            Err(e) => (Some(Skip::Down(e.to_string())), None),
        };
        let usable = skip.is_none();
        self.set(skip, lag);
        usable.then_some(conn)
    }

    fn connect(&self, routing: &ReadRouting) -> Option<crate::pool::PooledConnection> {
        match self.pool.get_within(routing.checkout_timeout) {
            Ok(conn) => Some(conn),
            Err(e) => {
                self.set(Some(Skip::Down(e.to_string())), None);
                None
            }
        }
    }

    /// Records a verdict, and logs when it changes.
    fn set(&self, skip: Option<Skip>, lag: Option<Duration>) {
        let kind = |s: &Option<Skip>| match s {
            None => 0,
            Some(Skip::Down(_)) => 1,
            Some(Skip::Lagging(_)) => 2,
        };
        let mut h = self.health();
        let changed = kind(&h.skip) != kind(&skip) || (h.checked_at.is_none() && skip.is_some());
        let was_skipped = h.skip.is_some();
        h.checked_at = Some(Instant::now());
        h.checking = false;
        h.lag = lag;
        h.skip = skip;
        if !changed {
            return;
        }
        let n = self.number;
        match &h.skip {
            Some(Skip::Down(why)) => log::warn!(
                target: LOG_TARGET,
                "replica #{n} is skipped, reads fall back to the primary or another replica: \
                 it failed: {}",
                crate::connection::Escaped(why)
            ),
            Some(Skip::Lagging(why)) => log::warn!(
                target: LOG_TARGET,
                "replica #{n} is skipped, reads fall back to the primary or another replica: \
                 {}",
                crate::connection::Escaped(why)
            ),
            None if was_skipped => {
                log::info!(target: LOG_TARGET, "replica #{n} serves reads again")
            }
            None => {}
        }
    }
}

/// Measures a replica's lag; a verdict: skipped (why) or usable, and the
/// lag.
fn measure(
    conn: &Connection,
    routing: &ReadRouting,
    primary: &Connection,
) -> Result<(Option<Skip>, Option<Duration>)> {
    if conn.dialect().name() != primary.dialect().name() {
        return Ok((
            Some(Skip::Down(format!(
                "it speaks {}, the primary {}",
                conn.dialect().name(),
                primary.dialect().name()
            ))),
            None,
        ));
    }
    let Some(bound) = routing.max_lag else {
        return Ok((None, None));
    };
    let Some((sql, column)) = conn.dialect().replica_lag_query() else {
        // The database has no way to tell: the replica is trusted.
        return Ok((None, None));
    };
    let mut lag: Option<Option<Duration>> = None;
    conn.query_each_prepared(sql, NO_PARAMS, &mut |row| {
        let i = row.column_index(column).ok_or_else(|| {
            Error::invalid(format!("the replica's lag report has no column {column}"))
        })?;
        let seconds = match row.get_ref(i)? {
            ValueRef::Null => None,
            ValueRef::Int(s) => Some(s as f64),
            ValueRef::Float(s) => Some(s),
            ValueRef::Text(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        };
        lag = Some(
            seconds
                .filter(|s| s.is_finite())
                .map(|s| Duration::from_secs_f64(s.max(0.0))),
        );
        Ok(false)
    })?;
    Ok(match lag {
        // No row: the server replicates from nothing (a promoted standby,
        // a MariaDB server without a primary): nothing to lag behind.
        None => (None, Some(Duration::ZERO)),
        Some(None) => (
            Some(Skip::Lagging(
                "its lag is unknown (replication stopped, or nothing replayed yet)".into(),
            )),
            None,
        ),
        Some(Some(lag)) if lag > bound => (
            Some(Skip::Lagging(format!(
                "it is {lag:?} behind the primary, more than {bound:?}"
            ))),
            Some(lag),
        ),
        Some(Some(lag)) => (None, Some(lag)),
    })
}

/// Whether a statement on a connection is a read that may go to a replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Read {
    /// Not a routed read: it may write (raw SQL included).
    #[default]
    No,
    /// A scope's read that may run on a replica.
    Replica,
    /// A scope's read that must run on the primary (locks, `on_primary`).
    Primary,
}

/// A connection's routing state: its pool's replicas, whether the
/// statement under way is a routed read, when it last wrote.
#[derive(Default)]
pub(crate) struct Route {
    replicas: RefCell<Option<Arc<Replicas>>>,
    read: Cell<Read>,
    last_write: Cell<Option<Instant>>,
}

impl Route {
    /// Attaches a pool's replicas (at checkout).
    pub(crate) fn attach(&self, replicas: &Arc<Replicas>) {
        let mut mine = self.replicas.borrow_mut();
        if !mine.as_ref().is_some_and(|m| Arc::ptr_eq(m, replicas)) {
            *mine = Some(replicas.clone());
        }
    }

    /// A statement ran on the primary: one that is not a routed read is
    /// counted as a write, for read-your-writes.
    #[inline]
    pub(crate) fn ran(&self) {
        if self.read.get() == Read::No && self.replicas.borrow().is_some() {
            self.last_write.set(Some(Instant::now()));
        }
    }
}

/// Marks the statements run while it lives as a scope's reads (see
/// [`Connection::reading`]).
pub(crate) struct Reading<'c> {
    route: &'c Route,
    before: Read,
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        self.route.read.set(self.before);
    }
}

impl Connection {
    /// Marks the statements run until the guard drops as a scope's reads:
    /// on a replica if the pool has one and `primary` is false.
    #[inline]
    pub(crate) fn reading(&self, primary: bool) -> Reading<'_> {
        let route = &self.route;
        let before = route.read.replace(if primary {
            Read::Primary
        } else {
            Read::Replica
        });
        Reading { route, before }
    }

    /// Runs a read on a replica when it should go to one; `None`: the
    /// primary runs it.
    #[inline]
    pub(crate) fn on_replica(
        &self,
        sql: &str,
        params: &dyn Params,
        f: &mut RowCallback<'_>,
    ) -> Option<Result<()>> {
        let route = &self.route;
        if route.read.get() != Read::Replica || self.in_transaction() {
            return None;
        }
        let replicas = route.replicas.borrow().clone()?;
        if let Some(t) = route.last_write.get() {
            if t.elapsed() < replicas.routing.read_your_writes {
                return None;
            }
        }
        replicas.run(self, sql, params, f)
    }
}
