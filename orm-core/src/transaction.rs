//! Transactions: commit on `Ok`, roll back on `Err` or panic, savepoints when
//! nested, and a retrying form with exponential backoff and jitter.

use std::ops::Deref;
use std::time::{Duration, Instant};

use crate::backend::TxControl;
use crate::connection::{Connection, Escaped, LOG_TARGET};
use crate::error::{Error, Result};

/// An isolation level. Dialects map it to their own; SQLite is always
/// serializable, which satisfies every level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// READ COMMITTED.
    ReadCommitted,
    /// REPEATABLE READ.
    RepeatableRead,
    /// SERIALIZABLE.
    Serializable,
}

impl Isolation {
    /// The SQL name of the level.
    pub fn sql(self) -> &'static str {
        match self {
            Isolation::ReadCommitted => "READ COMMITTED",
            Isolation::RepeatableRead => "REPEATABLE READ",
            Isolation::Serializable => "SERIALIZABLE",
        }
    }
}

/// A CockroachDB transaction's priority: which of two conflicting
/// transactions waits, or is pushed to retry (`BEGIN TRANSACTION PRIORITY
/// HIGH`). Other databases have none, and refuse it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxPriority {
    /// `LOW`.
    Low,
    /// `NORMAL`.
    Normal,
    /// `HIGH`.
    High,
}

impl TxPriority {
    /// The SQL name.
    pub fn sql(self) -> &'static str {
        match self {
            TxPriority::Low => "LOW",
            TxPriority::Normal => "NORMAL",
            TxPriority::High => "HIGH",
        }
    }
}

/// How a transaction starts: isolation level, access mode and (CockroachDB)
/// priority. The default is the database's default level, read-write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TxOptions {
    /// The isolation level, or the database's default.
    pub isolation: Option<Isolation>,
    /// Whether the transaction may only read.
    pub read_only: bool,
    /// The transaction's priority (CockroachDB only).
    pub priority: Option<TxPriority>,
}

impl TxOptions {
    /// SERIALIZABLE, read-write.
    pub fn serializable() -> Self {
        TxOptions {
            isolation: Some(Isolation::Serializable),
            ..TxOptions::default()
        }
    }

    /// The same options, at isolation level `level`.
    pub fn isolation(mut self, level: Isolation) -> Self {
        self.isolation = Some(level);
        self
    }

    /// The same options, with CockroachDB's transaction priority `p`.
    pub fn priority(mut self, p: TxPriority) -> Self {
        self.priority = Some(p);
        self
    }

    /// The same options, read-only.
    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }
}

/// An open transaction. It dereferences to the [`Connection`], so every
/// scope and record method takes it where a connection is expected.
#[derive(Debug)]
pub struct Transaction<'c> {
    conn: &'c Connection,
    attempt: u32,
}

impl Deref for Transaction<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Transaction<'_> {
    /// Which run of a retrying transaction this is (1 for the first, and for
    /// plain transactions).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
}

/// How a retrying transaction backs off between attempts.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Most runs of the closure, the first included.
    pub max_attempts: u32,
    /// Sleep before the second attempt.
    pub initial_backoff: Duration,
    /// Factor applied to the sleep after each attempt.
    pub multiplier: f64,
    /// Longest sleep.
    pub max_backoff: Duration,
    /// Fraction (0 to 1) of each sleep that is random, so that competing
    /// clients spread out.
    pub jitter: f64,
    /// No new attempt starts after this much time since the first.
    pub deadline: Option<Duration>,
    /// Whether an [`Error::AmbiguousCommit`] is retried too. Only for work
    /// that is safe to apply twice (idempotent); off by default.
    pub retry_ambiguous: bool,
}

impl Default for RetryPolicy {
    /// 10 attempts, 10 ms doubling to at most 1 s, half of it random, no
    /// deadline, ambiguous commits not retried.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(10),
            multiplier: 2.0,
            max_backoff: Duration::from_secs(1),
            jitter: 0.5,
            deadline: None,
            retry_ambiguous: false,
        }
    }
}

impl RetryPolicy {
    /// The sleep after attempt `attempt` (1-based), before jitter.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .multiplier
            .max(1.0)
            .powi(i32::try_from(attempt.saturating_sub(1)).unwrap_or(i32::MAX));
        let secs = (self.initial_backoff.as_secs_f64() * exp).min(self.max_backoff.as_secs_f64());
        Duration::from_secs_f64(secs.max(0.0))
    }

    fn jittered(&self, attempt: u32) -> Duration {
        let base = self.backoff(attempt);
        let jitter = self.jitter.clamp(0.0, 1.0);
        base.mul_f64(1.0 - jitter * fastrand::f64())
    }

    fn should_retry(&self, e: &Error) -> bool {
        e.is_retryable() || (self.retry_ambiguous && matches!(e, Error::AmbiguousCommit(_)))
    }
}

/// Rolls back the level it guards unless it was committed: covers `Err`
/// returns and panics alike.
struct Guard<'c> {
    conn: &'c Connection,
    depth: u32,
    options: TxOptions,
    open: bool,
    /// The `after_commit` hooks queued before this level began.
    mark: usize,
}

impl Guard<'_> {
    fn rollback(&mut self) -> Result<()> {
        self.open = false;
        self.conn.depth.set(self.depth);
        // What this level wrote is undone: `after_rollback`, not commit.
        self.conn.finish_pending(self.mark, false);
        if self.depth == 0 {
            let res = self.conn.tx_control(TxControl::Rollback);
            self.conn.end_transaction(&self.options);
            res
        } else {
            let sp = savepoint_name(self.depth);
            self.conn
                .tx_control(TxControl::RollbackToSavepoint(&sp))
                .and_then(|()| self.conn.tx_control(TxControl::ReleaseSavepoint(&sp)))
        }
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        if self.open {
            if let Err(e) = self.rollback() {
                log::warn!(target: LOG_TARGET, "rollback failed: {}", Escaped(&e.to_string()));
            }
        }
    }
}

fn savepoint_name(depth: u32) -> String {
    format!("orm_sp_{depth}")
}

/// A COMMIT (or the RELEASE of a retry protocol's savepoint, its commit
/// point) that failed because the connection went away may or may not have
/// been applied: the one place where that is decided.
fn commit_error(e: Error) -> Error {
    match e {
        Error::Connection { message, source } => Error::AmbiguousCommit(
            source.unwrap_or_else(|| crate::error::DbError::new(None, message, None)),
        ),
        other => other,
    }
}

impl Connection {
    /// Runs `f` in a transaction: commits if it returns `Ok`, rolls back if it
    /// returns `Err` or panics. Called inside a transaction, it uses a
    /// savepoint, so only the inner work is undone on error.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// let conn = Connection::open("sqlite::memory:")?;
    /// conn.execute("CREATE TABLE t (a INTEGER)", ())?;
    /// let r: Result<(), orm::Error> = conn.transaction(|tx| {
    ///     tx.execute("INSERT INTO t VALUES (1)", ())?;
    ///     tx.execute("INSERT INTO nope VALUES (1)", ())?; // fails
    ///     Ok(())
    /// });
    /// assert!(r.is_err());
    /// let n: Vec<(i64,)> = conn.query("SELECT COUNT(*) FROM t", ())?;
    /// assert_eq!(n[0].0, 0); // nothing written
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn transaction<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        self.run_transaction(1, &TxOptions::default(), f)
    }

    /// Like [`transaction`](Self::transaction), started with `options`
    /// (isolation level, read-only). Options apply to the outermost
    /// transaction; a nested call with options other than the default is an
    /// error.
    pub fn transaction_with<T>(
        &self,
        options: &TxOptions,
        f: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        self.run_transaction(1, options, f)
    }

    fn begin(&self, depth: u32, options: &TxOptions) -> Result<()> {
        if depth == 0 {
            // An outermost transaction is a unit of work (N+1 detection).
            self.reset_unit_of_work();
            self.tx_control(TxControl::Begin(options))
        } else if *options != TxOptions::default() {
            Err(Error::invalid(
                "transaction options apply to the outermost transaction only",
            ))
        } else {
            self.tx_control(TxControl::Savepoint(&savepoint_name(depth)))
        }
    }

    fn end_transaction(&self, options: &TxOptions) {
        self.reset_unit_of_work();
        if *options == TxOptions::default() {
            return;
        }
        if let Err(e) = self.tx_control(TxControl::End(options)) {
            log::warn!(target: LOG_TARGET, "resetting the transaction's settings failed: {}", Escaped(&e.to_string()));
        }
    }

    fn run_transaction<T>(
        &self,
        attempt: u32,
        options: &TxOptions,
        f: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let depth = self.depth.get();
        let mark = self.pending_len();
        self.begin(depth, options)?;
        self.depth.set(depth + 1);
        let mut guard = Guard {
            conn: self,
            depth,
            options: *options,
            open: true,
            mark,
        };
        let tx = Transaction {
            conn: self,
            attempt,
        };
        match f(&tx) {
            Ok(value) => {
                let commit = if depth == 0 {
                    self.tx_control(TxControl::Commit).map_err(commit_error)
                } else {
                    self.tx_control(TxControl::ReleaseSavepoint(&savepoint_name(depth)))
                };
                match commit {
                    Ok(()) => {
                        guard.open = false;
                        self.depth.set(depth);
                        if depth == 0 {
                            self.end_transaction(options);
                            self.finish_pending(0, true);
                        }
                        Ok(value)
                    }
                    // The guard rolls back what the failed commit left open.
                    Err(e) => Err(e),
                }
            }
            Err(e) => {
                if let Err(rb) = guard.rollback() {
                    log::warn!(target: LOG_TARGET, "rollback after {} failed: {}", Escaped(&e.to_string()), Escaped(&rb.to_string()));
                }
                Err(e)
            }
        }
    }

    /// Runs `f` in a transaction and runs it again, after an exponential,
    /// jittered backoff, when it fails with a retryable error
    /// ([`Error::is_retryable`]: serialization failures, deadlocks, lock
    /// timeouts, SQLite BUSY / LOCKED — at COMMIT too), up to the policy's
    /// attempts and deadline; then fails with [`Error::RetriesExhausted`].
    /// Other errors are returned at once; an [`Error::AmbiguousCommit`] only
    /// retries if the policy opts in.
    ///
    /// On CockroachDB the retries follow its savepoint protocol inside one
    /// transaction; elsewhere each retry is a new transaction.
    ///
    /// Inside another transaction it runs once, in a savepoint: the outermost
    /// retrying transaction is the one that retries.
    ///
    /// Read the records the closure changes inside it: a record read
    /// outside and saved inside keeps what an undone attempt wrote into it
    /// (a generated key, timestamps, an incremented `#[db(version)]`), so
    /// the next attempt would save it as that attempt left it. Hooks'
    /// `after_commit` runs only for the attempt that commits.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// let conn = Connection::open("sqlite::memory:")?;
    /// let mut runs = 0;
    /// let v = conn.retry_transaction(&RetryPolicy::default(), |tx| {
    ///     runs += 1;
    ///     tx.query::<(i64,)>("SELECT 41 + 1", ()).map(|r| r[0].0)
    /// })?;
    /// assert_eq!((v, runs), (42, 1));
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn retry_transaction<T>(
        &self,
        policy: &RetryPolicy,
        f: impl FnMut(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        self.retry_transaction_with(policy, &TxOptions::default(), f)
            .map(|(v, _)| v)
    }

    /// Like [`retry_transaction`](Self::retry_transaction), and also returns
    /// how many attempts it took.
    pub fn retry_transaction_counted<T>(
        &self,
        policy: &RetryPolicy,
        f: impl FnMut(&Transaction<'_>) -> Result<T>,
    ) -> Result<(T, u32)> {
        self.retry_transaction_with(policy, &TxOptions::default(), f)
    }

    /// A retrying transaction started with `options` (e.g.
    /// [`TxOptions::serializable`]); returns the closure's value and how many
    /// attempts it took.
    pub fn retry_transaction_with<T>(
        &self,
        policy: &RetryPolicy,
        options: &TxOptions,
        mut f: impl FnMut(&Transaction<'_>) -> Result<T>,
    ) -> Result<(T, u32)> {
        if self.in_transaction() {
            return self.run_transaction(1, options, &mut f).map(|v| (v, 1));
        }
        if let Some(savepoint) = self.dialect().restart_savepoint() {
            return self.retry_in_savepoint(policy, options, savepoint, f);
        }
        let start = Instant::now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.run_transaction(attempt, options, &mut f) {
                Ok(v) => return Ok(self.committed(v, attempt)),
                Err(e) if policy.should_retry(&e) => self.back_off(policy, start, attempt, e)?,
                Err(e) => return Err(e),
            }
        }
    }

    fn committed<T>(&self, v: T, attempt: u32) -> (T, u32) {
        if attempt > 1 {
            log::info!(target: LOG_TARGET, "transaction committed after {attempt} attempts");
        }
        (v, attempt)
    }

    /// Sleeps before the next attempt, or fails when the policy says stop.
    fn back_off(&self, policy: &RetryPolicy, start: Instant, attempt: u32, e: Error) -> Result<()> {
        let out_of_time = policy.deadline.is_some_and(|d| start.elapsed() >= d);
        if attempt >= policy.max_attempts.max(1) || out_of_time {
            return Err(Error::RetriesExhausted {
                attempts: attempt,
                last: Box::new(e),
            });
        }
        let mut sleep = policy.jittered(attempt);
        if let Some(d) = policy.deadline {
            sleep = sleep.min(d.saturating_sub(start.elapsed()));
        }
        log::debug!(target: LOG_TARGET, "attempt {attempt} failed ({}); retrying in {sleep:?}", Escaped(&e.to_string()));
        std::thread::sleep(sleep);
        Ok(())
    }

    /// CockroachDB's client-side retry protocol: BEGIN; SAVEPOINT s; run;
    /// on a retryable error ROLLBACK TO SAVEPOINT s and run again; RELEASE
    /// SAVEPOINT s is the commit point; then COMMIT.
    fn retry_in_savepoint<T>(
        &self,
        policy: &RetryPolicy,
        options: &TxOptions,
        savepoint: &str,
        mut f: impl FnMut(&Transaction<'_>) -> Result<T>,
    ) -> Result<(T, u32)> {
        let start = Instant::now();
        self.begin(0, options)?;
        self.depth.set(1);
        let mut guard = Guard {
            conn: self,
            depth: 0,
            options: *options,
            open: true,
            mark: self.pending_len(),
        };
        self.tx_control(TxControl::Savepoint(savepoint))?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let tx = Transaction {
                conn: self,
                attempt,
            };
            let attempt_mark = self.pending_len();
            let res = f(&tx).and_then(|v| {
                self.tx_control(TxControl::ReleaseSavepoint(savepoint))
                    .map_err(commit_error)?;
                Ok(v)
            });
            match res {
                Ok(v) => {
                    self.tx_control(TxControl::Commit).map_err(commit_error)?;
                    guard.open = false;
                    self.depth.set(0);
                    self.end_transaction(options);
                    self.finish_pending(0, true);
                    return Ok(self.committed(v, attempt));
                }
                Err(e) if policy.should_retry(&e) => {
                    // This attempt's writes are rolled back.
                    self.finish_pending(attempt_mark, false);
                    self.back_off(policy, start, attempt, e)?;
                    self.tx_control(TxControl::RollbackToSavepoint(savepoint))?;
                }
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ambiguous_commits_retry_only_on_opt_in() {
        let ambiguous = || Error::AmbiguousCommit(crate::error::DbError::new(None, "lost", None));
        let busy = Error::SerializationFailure(crate::error::DbError::new(None, "busy", None));
        let p = RetryPolicy::default();
        assert!(p.should_retry(&busy));
        assert!(!p.should_retry(&ambiguous()));
        let opt_in = RetryPolicy {
            retry_ambiguous: true,
            ..RetryPolicy::default()
        };
        assert!(opt_in.should_retry(&ambiguous()));
        assert!(!opt_in.should_retry(&Error::invalid("no")));
        // A lost connection at COMMIT is ambiguous.
        let lost = Error::Connection {
            message: "gone".into(),
            source: None,
        };
        assert!(matches!(commit_error(lost), Error::AmbiguousCommit(_)));
    }

    #[test]
    fn backoff_grows_and_caps() {
        let p = RetryPolicy {
            initial_backoff: Duration::from_millis(10),
            multiplier: 2.0,
            max_backoff: Duration::from_millis(50),
            ..RetryPolicy::default()
        };
        assert_eq!(p.backoff(1), Duration::from_millis(10));
        assert_eq!(p.backoff(2), Duration::from_millis(20));
        assert_eq!(p.backoff(3), Duration::from_millis(40));
        assert_eq!(p.backoff(4), Duration::from_millis(50));
        for a in 1..6 {
            assert!(p.jittered(a) <= p.backoff(a));
            assert!(p.jittered(a) >= p.backoff(a).mul_f64(0.5));
        }
    }
}
