//! Transactions: commit on `Ok`, roll back on `Err` or panic, savepoints when
//! nested, and a retrying form with exponential backoff and jitter.

use std::ops::Deref;
use std::time::{Duration, Instant};

use crate::connection::{Connection, LOG_TARGET};
use crate::error::{Error, Result};

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
}

impl Default for RetryPolicy {
    /// 10 attempts, 10 ms doubling to at most 1 s, half of it random, no
    /// deadline.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 10,
            initial_backoff: Duration::from_millis(10),
            multiplier: 2.0,
            max_backoff: Duration::from_secs(1),
            jitter: 0.5,
            deadline: None,
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
}

/// Rolls back the level it guards unless it was committed: covers `Err`
/// returns and panics alike.
struct Guard<'c> {
    conn: &'c Connection,
    depth: u32,
    open: bool,
}

impl Guard<'_> {
    fn rollback(&mut self) -> Result<()> {
        self.open = false;
        self.conn.depth.set(self.depth);
        if self.depth == 0 {
            self.conn.execute_batch("ROLLBACK")
        } else {
            let sp = savepoint_name(self.depth);
            self.conn.execute_batch(&format!(
                "ROLLBACK TO SAVEPOINT {sp}; RELEASE SAVEPOINT {sp}"
            ))
        }
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        if self.open {
            if let Err(e) = self.rollback() {
                log::warn!(target: LOG_TARGET, "rollback failed: {e}");
            }
        }
    }
}

fn savepoint_name(depth: u32) -> String {
    format!("orm_sp_{depth}")
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
        self.run_transaction(1, f)
    }

    fn run_transaction<T>(
        &self,
        attempt: u32,
        f: impl FnOnce(&Transaction<'_>) -> Result<T>,
    ) -> Result<T> {
        let depth = self.depth.get();
        if depth == 0 {
            self.execute_batch(self.dialect().begin_sql())?;
        } else {
            self.execute_batch(&format!("SAVEPOINT {}", savepoint_name(depth)))?;
        }
        self.depth.set(depth + 1);
        let mut guard = Guard {
            conn: self,
            depth,
            open: true,
        };
        let tx = Transaction {
            conn: self,
            attempt,
        };
        match f(&tx) {
            Ok(value) => {
                let commit = if depth == 0 {
                    self.execute_batch("COMMIT")
                } else {
                    self.execute_batch(&format!("RELEASE SAVEPOINT {}", savepoint_name(depth)))
                };
                match commit {
                    Ok(()) => {
                        guard.open = false;
                        self.depth.set(depth);
                        Ok(value)
                    }
                    // The guard rolls back what the failed commit left open.
                    Err(e) => Err(e),
                }
            }
            Err(e) => {
                if let Err(rb) = guard.rollback() {
                    log::warn!(target: LOG_TARGET, "rollback after {e} failed: {rb}");
                }
                Err(e)
            }
        }
    }

    /// Runs `f` in a transaction and runs it again, after an exponential,
    /// jittered backoff, when it fails with a retryable error
    /// ([`Error::is_retryable`]: serialization failures, deadlocks, SQLite
    /// BUSY / LOCKED), up to the policy's attempts and deadline; then fails
    /// with [`Error::RetriesExhausted`]. Other errors are returned at once.
    ///
    /// Inside another transaction it runs once, in a savepoint: the outermost
    /// retrying transaction is the one that retries.
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
        self.retry_transaction_counted(policy, f).map(|(v, _)| v)
    }

    /// Like [`retry_transaction`](Self::retry_transaction), and also returns
    /// how many attempts it took.
    pub fn retry_transaction_counted<T>(
        &self,
        policy: &RetryPolicy,
        mut f: impl FnMut(&Transaction<'_>) -> Result<T>,
    ) -> Result<(T, u32)> {
        if self.in_transaction() {
            return self.run_transaction(1, &mut f).map(|v| (v, 1));
        }
        let start = Instant::now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.run_transaction(attempt, &mut f) {
                Ok(v) => {
                    if attempt > 1 {
                        log::info!(target: LOG_TARGET, "transaction committed after {attempt} attempts");
                    }
                    return Ok((v, attempt));
                }
                Err(e) if e.is_retryable() => {
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
                    log::debug!(target: LOG_TARGET, "attempt {attempt} failed ({e}); retrying in {sleep:?}");
                    std::thread::sleep(sleep);
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
