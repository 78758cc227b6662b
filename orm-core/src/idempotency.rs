//! Transactions applied exactly once per key, across lost connections and
//! failovers: the key is written in the same transaction as the work, so
//! that a commit whose outcome was lost (an ambiguous commit: CockroachDB's
//! `40003`, or a connection gone at COMMIT) is resolved by looking the key
//! up, on whichever server is the primary now, instead of guessing.

use std::borrow::Cow;
use std::time::Instant;

use chrono::{DateTime, SubsecRound, Utc};

use crate::cond::{Cond, Op};
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::expr::{ColRef, Expr};
use crate::model::{column_def, ColumnDef};
use crate::pool::Pool;
use crate::query::{compile, Filter, Item, Select};
use crate::schema::TableSpec;
use crate::sql::SqlBuilder;
use crate::transaction::{RetryPolicy, Transaction, TxOptions};
use crate::value::Value;

/// The keys' table.
const TABLE: &str = "orm_idempotency_keys";

const COLUMNS: &[ColumnDef] = &[
    column_def::<String>("idempotency_key").with_key(false),
    column_def::<DateTime<Utc>>("applied_at"),
];

const KEY_ONLY: &[Item<'static>] = &[Item::Columns {
    qualifier: None,
    columns: COLUMNS.split_at(1).0,
}];

/// The longest key, in characters (it is a primary key on every dialect).
pub const MAX_KEY_LEN: usize = 200;

/// What [`Pool::idempotent_transaction`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Applied<T> {
    /// The work ran and committed now, with its result.
    Now(T),
    /// The key was already recorded: an earlier attempt (whose commit may
    /// have looked lost) or another client applied it. The work did not run
    /// again.
    Earlier,
}

/// What an idempotent transaction went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct IdempotencyStats {
    /// Runs of the closure, across connections.
    pub attempts: u32,
    /// Commits whose outcome was lost (resolved by looking the key up).
    pub ambiguous: u32,
    /// Times a connection was lost or could not be had, and a new one
    /// taken from the pool.
    pub reconnects: u32,
}

fn key_col() -> ColRef {
    ColRef {
        table: None,
        name: Cow::Borrowed("idempotency_key"),
    }
}

fn ensure(conn: &Connection) -> Result<()> {
    TableSpec::ensure_internal(conn, TABLE, COLUMNS)
}

/// Whether `key` is recorded.
fn recorded(conn: &Connection, key: &str) -> Result<bool> {
    let mut select = Select::from(TABLE, KEY_ONLY);
    select.filter.push(Filter::Owned(Cond::Cmp {
        lhs: Expr::Col(key_col()),
        op: Op::Eq,
        rhs: Expr::Value(Value::Text(key.to_owned())),
    }));
    let mut b = SqlBuilder::new(conn.dialect());
    compile::select(&mut b, &select)?;
    let (sql, params) = b.finish();
    let rows: Vec<(String,)> = conn.query_all(&sql, &params)?;
    Ok(!rows.is_empty())
}

/// Records `key` (in the caller's transaction).
fn record(conn: &Connection, key: &str) -> Result<()> {
    let values = [
        Expr::Value(Value::Text(key.to_owned())),
        Expr::Value(Value::Timestamp(Utc::now().trunc_subsecs(6))),
    ];
    TableSpec::insert_internal(conn, TABLE, COLUMNS, &values)
}

/// Whether `e` means the connection (or its server) went away: the work
/// may be retried on a new connection, after looking the key up.
fn lost(e: &Error) -> bool {
    matches!(e, Error::Connection { .. } | Error::AmbiguousCommit(_))
}

impl Pool {
    /// Runs `f` in a retrying transaction that also records `key` (an
    /// idempotency key: a transfer id, a request id), so that the work is
    /// applied exactly once however the attempt ends:
    ///
    /// - serialization failures are retried on the same connection, as by
    ///   [`Connection::retry_transaction`];
    /// - a connection lost during the transaction, or at its COMMIT (an
    ///   ambiguous commit), is retried on a new connection from the pool,
    ///   after looking the key up there: if the lost commit did apply, the
    ///   answer is [`Applied::Earlier`] and `f` does not run again. With a
    ///   multi-host URL (`target_session_attrs=read-write`), the new
    ///   connection is the new primary after a failover;
    /// - a key already recorded (by an earlier call, or another client) is
    ///   [`Applied::Earlier`] as well.
    ///
    /// `policy` bounds the attempts and the time, across connections. The
    /// keys live in `orm_idempotency_keys` (created when missing); delete
    /// old rows when their keys can no longer come back.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// use orm::Applied;
    /// #[derive(Model, Debug, Default)]
    /// struct Transfer { id: i64, amount: i64 }
    ///
    /// let pool = orm::pool("sqlite::memory:", PoolOptions::default())?;
    /// pool.get()?.sync::<Transfer>()?;
    /// let policy = RetryPolicy::default();
    /// let pay = |tx: &Transaction<'_>| Transfer { amount: 5, ..Default::default() }.save(tx);
    /// let (first, _) = pool.idempotent_transaction(&policy, "transfer-42", pay)?;
    /// assert_eq!(first, Applied::Now(()));
    /// // The same key again (a client retrying after a timeout): not applied twice.
    /// let (again, _) = pool.idempotent_transaction(&policy, "transfer-42", pay)?;
    /// assert_eq!(again, Applied::Earlier);
    /// assert_eq!(Transfers::count(&*pool.get()?)?, 1);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn idempotent_transaction<T>(
        &self,
        policy: &RetryPolicy,
        key: &str,
        f: impl FnMut(&Transaction<'_>) -> Result<T>,
    ) -> Result<(Applied<T>, IdempotencyStats)> {
        self.idempotent_transaction_with(policy, &TxOptions::default(), key, f)
    }

    /// [`idempotent_transaction`](Self::idempotent_transaction) with
    /// transaction options (e.g. [`TxOptions::serializable`], for
    /// read-modify-write work such as a transfer between balances).
    pub fn idempotent_transaction_with<T>(
        &self,
        policy: &RetryPolicy,
        options: &TxOptions,
        key: &str,
        mut f: impl FnMut(&Transaction<'_>) -> Result<T>,
    ) -> Result<(Applied<T>, IdempotencyStats)> {
        if key.is_empty() || key.chars().count() > MAX_KEY_LEN || key.contains('\0') {
            return Err(Error::invalid(format!(
                "an idempotency key is 1 to {MAX_KEY_LEN} characters without NUL, not {key:?}"
            )));
        }
        let mut stats = IdempotencyStats::default();
        let started = Instant::now();
        // Ambiguous commits are resolved here, by the key: the retries of
        // the same connection only take serialization failures.
        let same_connection = RetryPolicy {
            retry_ambiguous: false,
            ..policy.clone()
        };
        loop {
            let outcome = self.get().and_then(|conn| {
                {
                    let mut ready = self
                        .idempotency_ready
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    if !*ready {
                        // Another process may be creating it too: one more
                        // look settles it.
                        ensure(&conn).or_else(|_| ensure(&conn))?;
                        *ready = true;
                    }
                }
                if recorded(&conn, key)? {
                    return Ok(Some(Applied::Earlier));
                }
                let mut taken = false;
                let res = conn.retry_transaction_with(&same_connection, options, |tx| {
                    stats.attempts += 1;
                    if let Err(e) = record(tx, key) {
                        taken = matches!(e, Error::UniqueViolation(_));
                        return Err(e);
                    }
                    f(tx)
                });
                match res {
                    Ok((v, _)) => Ok(Some(Applied::Now(v))),
                    // Another client recorded the key between the lookup
                    // and this insert.
                    Err(_) if taken => Ok(Some(Applied::Earlier)),
                    Err(e) => Err(e),
                }
            });
            match outcome {
                Ok(Some(done)) => return Ok((done, stats)),
                Ok(None) => unreachable!("every path decides"),
                Err(e) if lost(&e) => {
                    stats.reconnects += 1;
                    if matches!(e, Error::AmbiguousCommit(_)) {
                        stats.ambiguous += 1;
                    }
                    let out_of_time = policy.deadline.is_some_and(|d| started.elapsed() >= d);
                    if stats.reconnects >= policy.max_attempts.max(1) || out_of_time {
                        return Err(e);
                    }
                    log::warn!(
                        target: crate::connection::LOG_TARGET,
                        "idempotent transaction {}: {}; retrying on a new connection",
                        crate::connection::Escaped(key),
                        crate::connection::Escaped(&e.to_string())
                    );
                    std::thread::sleep(policy.backoff(stats.reconnects));
                }
                Err(e) => return Err(e),
            }
        }
    }
}
