//! Both retry paths against PostgreSQL, with real conflicts between
//! concurrent sessions:
//!
//! - PostgreSQL's: a retryable error rolls the whole transaction back and
//!   runs a new one (rolling back to a savepoint in PostgreSQL would keep the
//!   old snapshot). Driven by SERIALIZABLE read-modify-write contention.
//! - CockroachDB's savepoint protocol (`SAVEPOINT cockroach_restart` after
//!   BEGIN, `ROLLBACK TO SAVEPOINT` on a retryable error, `RELEASE SAVEPOINT`
//!   as the commit point, then COMMIT), used automatically by the
//!   cockroachdb dialect; here on a PostgreSQL server through
//!   `?dialect=cockroachdb`, driven by real deadlocks (which that protocol
//!   recovers from on PostgreSQL too).
//!
//! They run when `ORM_TEST_POSTGRES_URL` is set and are listed as ignored
//! otherwise.
#![cfg(feature = "postgres")]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Barrier;
use std::time::Duration;

use orm::prelude::*;

#[derive(Model, Debug, Clone, Default)]
struct Counter {
    id: i64,
    n: i64,
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 100,
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

#[test]
#[cfg_attr(
    not(orm_test_postgres),
    ignore = "PostgreSQL: ORM_TEST_POSTGRES_URL is not set (or the postgres feature is off)"
)]
fn postgres_retries_serialization_failures_with_new_transactions() {
    let (url, _guard) = crate::common::test_url("postgres");
    let setup = Connection::open(&url).unwrap();
    setup.sync::<Counter>().unwrap();
    Counter { id: 1, n: 0 }.insert(&setup).unwrap();
    assert_eq!(setup.dialect().restart_savepoint(), None);

    let (threads, per_thread) = (4, 25);
    let attempts = AtomicU32::new(0);
    let start = Barrier::new(threads);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let conn = Connection::open(&url).unwrap();
                start.wait();
                for _ in 0..per_thread {
                    let (_, n) = conn
                        .retry_transaction_with(&policy(), &TxOptions::serializable(), |tx| {
                            let mut c = Counters::find(tx, 1)?;
                            std::thread::sleep(Duration::from_millis(1));
                            c.n += 1;
                            c.save(tx)
                        })
                        .unwrap();
                    attempts.fetch_add(n, Ordering::Relaxed);
                }
            });
        }
    });
    let total = (threads * per_thread) as u32;
    assert_eq!(
        Counters::find(&setup, 1).unwrap().n,
        i64::from(total),
        "no lost update"
    );
    assert!(
        attempts.into_inner() > total,
        "SERIALIZABLE read-modify-write from {threads} sessions conflicts"
    );
}

#[test]
#[cfg_attr(
    not(orm_test_postgres),
    ignore = "PostgreSQL: ORM_TEST_POSTGRES_URL is not set (or the postgres feature is off)"
)]
fn cockroach_savepoint_protocol_recovers_from_deadlocks() {
    let (url, _guard) = crate::common::test_url("postgres");
    let setup = Connection::open(&url).unwrap();
    setup.sync::<Counter>().unwrap();
    Counter { id: 1, n: 0 }.insert(&setup).unwrap();
    Counter { id: 2, n: 0 }.insert(&setup).unwrap();

    let crdb_url = format!("{url}&dialect=cockroachdb");
    let probe = Connection::open(&crdb_url).unwrap();
    assert_eq!(probe.dialect().name(), "cockroachdb");
    assert_eq!(
        probe.dialect().restart_savepoint(),
        Some("cockroach_restart")
    );

    let rounds = 5;
    let attempts = AtomicU32::new(0);
    let start = Barrier::new(2);
    std::thread::scope(|s| {
        for (first, second) in [(1, 2), (2, 1)] {
            let (url, attempts, start) = (&crdb_url, &attempts, &start);
            s.spawn(move || {
                let conn = Connection::open(url).unwrap();
                start.wait();
                for _ in 0..rounds {
                    let (_, n) = conn
                        .retry_transaction_with(&policy(), &TxOptions::default(), |tx| {
                            // Lock the two rows in opposite orders in the two
                            // sessions: PostgreSQL picks a deadlock victim.
                            Counters::all().filter(Counters::ID.eq(first)).update_sql(
                                tx,
                                "n = n + 1",
                                (),
                            )?;
                            std::thread::sleep(Duration::from_millis(20));
                            Counters::all().filter(Counters::ID.eq(second)).update_sql(
                                tx,
                                "n = n + 1",
                                (),
                            )?;
                            Ok(())
                        })
                        .unwrap();
                    attempts.fetch_add(n, Ordering::Relaxed);
                }
            });
        }
    });
    let counts: Vec<i64> = Counters::order("id").pluck(&setup, Counters::N).unwrap();
    assert_eq!(
        counts,
        [2 * rounds, 2 * rounds],
        "every transfer applied exactly once"
    );
    assert!(
        attempts.into_inner() > 2 * rounds as u32,
        "the opposite lock orders deadlocked at least once"
    );
}

#[derive(Model, Debug, Clone, Default)]
struct Duty {
    id: i64,
    class: i64,
}

/// Write skew under SERIALIZABLE: each transaction reads the other's class
/// and inserts into it. PostgreSQL's SSI lets both statements through and
/// fails the second COMMIT with 40001; the retrying transaction runs again.
#[test]
#[cfg_attr(
    not(orm_test_postgres),
    ignore = "PostgreSQL: ORM_TEST_POSTGRES_URL is not set (or the postgres feature is off)"
)]
fn a_serialization_failure_at_commit_is_retried() {
    let (url, _guard) = crate::common::test_url("postgres");
    let setup = Connection::open(&url).unwrap();
    setup.sync::<Duty>().unwrap();
    let (read, wrote, first_done) = (Barrier::new(2), Barrier::new(2), Barrier::new(2));
    let commit_errors = AtomicU32::new(0);
    std::thread::scope(|s| {
        s.spawn(|| {
            let conn = Connection::open(&url).unwrap();
            conn.transaction_with(&TxOptions::serializable(), |tx| {
                Duties::filter(Duties::CLASS.eq(2)).count(tx)?;
                read.wait();
                Duty { id: 0, class: 1 }.save(tx)?;
                wrote.wait();
                Ok(())
            })
            .unwrap();
            first_done.wait();
        });
        s.spawn(|| {
            let conn = Connection::open(&url).unwrap();
            let ((), attempts) = conn
                .retry_transaction_with(&policy(), &TxOptions::serializable(), |tx| {
                    Duties::filter(Duties::CLASS.eq(1)).count(tx)?;
                    if tx.attempt() == 1 {
                        read.wait();
                    }
                    Duty { id: 0, class: 2 }.save(tx)?;
                    if tx.attempt() == 1 {
                        wrote.wait();
                        // COMMIT only after the other transaction committed.
                        first_done.wait();
                    }
                    Ok(())
                })
                .inspect_err(|_| {
                    commit_errors.fetch_add(1, Ordering::Relaxed);
                })
                .unwrap();
            assert_eq!(
                attempts, 2,
                "the first COMMIT failed with 40001 and was retried"
            );
        });
    });
    assert_eq!(commit_errors.into_inner(), 0);
    assert_eq!(Duties::count(&setup).unwrap(), 2);
}
