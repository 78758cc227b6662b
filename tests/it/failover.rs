//! Several servers behind one URL: a PostgreSQL primary and a hot standby
//! streaming from it (`pg_basebackup -R`) on loopback, reached through a
//! multi-host URL with libpq's `target_session_attrs`; then the primary
//! crashes, the standby is promoted, and a pool built from the same URL
//! finds the new primary. Real servers and real replication: no mocks.
//!
//! Runs with the PostgreSQL tests (when `ORM_TEST_POSTGRES_URL` is set) and
//! needs the PostgreSQL binaries (`ORM_TEST_PG_BIN`).
#![cfg(feature = "postgres")]

use std::time::{Duration, Instant};

use crate::common::eventually;
use crate::common::pg_server::{pg_bin, PgServer};
use orm::prelude::*;

#[derive(Model, Debug, Clone, Default, PartialEq)]
#[db(table = "fo_events")]
struct Event {
    id: i64,
    label: String,
}

/// The port of the server `conn` reached, and whether it is a standby.
fn whereabouts(conn: &Connection) -> (i32, bool) {
    let rows: Vec<(i32, bool)> = conn
        .query("SELECT inet_server_port(), pg_is_in_recovery()", ())
        .unwrap();
    rows[0]
}

fn url(hosts: &[&PgServer], attrs: &str) -> String {
    let list: Vec<String> = hosts
        .iter()
        .map(|s| format!("127.0.0.1:{}", s.port))
        .collect();
    format!(
        "postgresql://postgres@{}/postgres?sslmode=disable&connect_timeout=5&target_session_attrs={attrs}",
        list.join(",")
    )
}

#[test]
#[cfg_attr(
    not(orm_test_postgres),
    ignore = "PostgreSQL: ORM_TEST_POSTGRES_URL is not set (or the postgres feature is off)"
)]
fn target_session_attrs_choose_the_server_and_a_pool_follows_a_failover() {
    assert!(
        pg_bin().is_some(),
        "failover: no PostgreSQL binaries (set ORM_TEST_PG_BIN or install postgresql)"
    );
    let primary = PgServer::start("primary", &["wal_level = replica"], None, |_, _| {})
        .unwrap_or_else(|e| panic!("{e}"));
    let standby = PgServer::standby_of(&primary, "standby", &[]).unwrap_or_else(|e| panic!("{e}"));
    let (p, s) = (primary.port as i32, standby.port as i32);

    // Each kind of server, whatever the order of the list.
    for (hosts, attrs, want) in [
        (vec![&primary, &standby], "any", (p, false)),
        (vec![&standby, &primary], "any", (s, true)),
        (vec![&standby, &primary], "read-write", (p, false)),
        (vec![&standby, &primary], "primary", (p, false)),
        (vec![&primary, &standby], "read-only", (s, true)),
        (vec![&primary, &standby], "standby", (s, true)),
        (vec![&primary, &standby], "prefer-standby", (s, true)),
        (vec![&primary], "prefer-standby", (p, false)),
    ] {
        let conn = Connection::open(&url(&hosts, attrs)).unwrap_or_else(|e| panic!("{attrs}: {e}"));
        assert_eq!(whereabouts(&conn), want, "{attrs}");
    }
    // None of the right kind: a clear error naming each host.
    let err = Connection::open(&url(&[&primary], "standby")).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, Error::Connection { .. }) && msg.contains("not standby"),
        "{msg}"
    );

    // Writes go to the primary and replicate to the standby.
    let rw = url(&[&standby, &primary], "read-write");
    let pool = orm::pool(
        &rw,
        PoolOptions {
            max_size: 2,
            checkout_timeout: Duration::from_secs(30),
            ..PoolOptions::default()
        },
    )
    .unwrap();
    {
        let conn = pool.get().unwrap();
        conn.sync::<Event>().unwrap();
        Event {
            label: "before".into(),
            ..Default::default()
        }
        .save(&conn)
        .unwrap();
    }
    let reader = Connection::open(&url(&[&primary, &standby], "standby")).unwrap();
    eventually("replication", || {
        FoEvents::count(&reader).is_ok_and(|n| n == 1)
    });
    assert!(
        FoEvents::all().all_rows().delete(&reader).is_err(),
        "a standby refuses writes"
    );

    // The primary crashes: the connection in hand fails, and is not
    // handed out again.
    let held = pool.get().unwrap();
    primary.kill();
    let err = FoEvents::count(&held).unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    assert!(held.is_broken());
    drop(held);

    // Promote the standby; the pool's next connections find it through
    // the same URL.
    let promoted = Instant::now();
    standby.promote().unwrap();
    let mut conn = None;
    let waited = eventually("a read-write server", || match pool.get() {
        Ok(c) if whereabouts(&c) == (s, false) => {
            conn = Some(c);
            true
        }
        _ => false,
    });
    let conn = conn.unwrap();
    Event {
        label: "after".into(),
        ..Default::default()
    }
    .save(&conn)
    .unwrap();
    let labels: Vec<String> = FoEvents::all()
        .order("id")
        .pluck(&conn, FoEvents::LABEL)
        .unwrap();
    assert_eq!(labels, ["before", "after"], "nothing lost, nothing twice");
    eprintln!(
        "failover: writable again {:?} after the promotion ({:?} after it was asked for)",
        waited,
        promoted.elapsed()
    );
}

#[derive(Model, Debug, Clone, Default)]
#[db(table = "fo_accounts")]
struct Account {
    id: i64,
    balance: i64,
}

/// One row per applied transfer, written in the transfer's transaction.
#[derive(Model, Debug, Clone, Default)]
#[db(table = "fo_transfers")]
struct Transfer {
    id: i64,
    #[db(unique, size = 40)]
    transfer_key: String,
    amount: i64,
}

#[test]
#[cfg_attr(
    not(orm_test_postgres),
    ignore = "PostgreSQL: ORM_TEST_POSTGRES_URL is not set (or the postgres feature is off)"
)]
fn no_transfer_is_lost_or_applied_twice_across_a_failover() {
    use orm::Applied;
    use std::sync::atomic::{AtomicU32, Ordering};
    assert!(pg_bin().is_some(), "failover: no PostgreSQL binaries");
    // Synchronous replication: a commit the client saw is on the standby.
    let primary = PgServer::start(
        "primary",
        &["wal_level = replica", "synchronous_standby_names = '*'"],
        None,
        |_, _| {},
    )
    .unwrap_or_else(|e| panic!("{e}"));
    // Promoted, it has no standby of its own to wait for.
    let standby = PgServer::standby_of(&primary, "standby", &["synchronous_standby_names = ''"])
        .unwrap_or_else(|e| panic!("{e}"));
    let rw = url(&[&primary, &standby], "read-write");
    let pool = orm::pool(
        &rw,
        PoolOptions {
            max_size: 8,
            checkout_timeout: Duration::from_secs(10),
            ..PoolOptions::default()
        },
    )
    .unwrap();
    const ACCOUNTS: i64 = 20;
    const THREADS: u32 = 8;
    const PER_THREAD: u32 = 60;
    {
        let conn = pool.get().unwrap();
        conn.apply(&conn.schema_plan::<(Account, Transfer)>().unwrap())
            .unwrap();
        let accounts: Vec<Account> = (1..=ACCOUNTS)
            .map(|id| Account { id, balance: 1_000 })
            .collect();
        FoAccounts::insert_all(&conn, &accounts).unwrap();
    }
    let policy = RetryPolicy {
        max_attempts: 100,
        max_backoff: Duration::from_millis(500),
        deadline: Some(Duration::from_secs(90)),
        ..RetryPolicy::default()
    };
    let (done, retries, ambiguous, reconnects, earlier, failed) = (
        AtomicU32::new(0),
        AtomicU32::new(0),
        AtomicU32::new(0),
        AtomicU32::new(0),
        AtomicU32::new(0),
        AtomicU32::new(0),
    );
    let mut applied_keys = std::sync::Mutex::new(Vec::new());
    let mut failover_took = Duration::ZERO;
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let (pool, policy) = (&pool, &policy);
            let (done, retries, ambiguous, reconnects, earlier, failed) =
                (&done, &retries, &ambiguous, &reconnects, &earlier, &failed);
            let applied_keys = &applied_keys;
            s.spawn(move || {
                let mut rng = fastrand::Rng::with_seed(u64::from(t));
                for n in 0..PER_THREAD {
                    let key = format!("t{t}-{n}");
                    let (from, to) = (rng.i64(1..=ACCOUNTS), rng.i64(1..=ACCOUNTS));
                    let amount = rng.i64(1..=50);
                    let serializable = TxOptions::serializable();
                    let res = pool.idempotent_transaction_with(policy, &serializable, &key, |tx| {
                        let mut a = FoAccounts::find(tx, from)?;
                        a.balance -= amount;
                        a.save(tx)?;
                        let mut b = FoAccounts::find(tx, to)?;
                        b.balance += amount;
                        b.save(tx)?;
                        Transfer {
                            transfer_key: key.clone(),
                            amount,
                            ..Default::default()
                        }
                        .save(tx)
                    });
                    match res {
                        Ok((outcome, stats)) => {
                            retries.fetch_add(stats.attempts.saturating_sub(1), Ordering::Relaxed);
                            ambiguous.fetch_add(stats.ambiguous, Ordering::Relaxed);
                            reconnects.fetch_add(stats.reconnects, Ordering::Relaxed);
                            if outcome == Applied::Earlier {
                                earlier.fetch_add(1, Ordering::Relaxed);
                            }
                            done.fetch_add(1, Ordering::Relaxed);
                            applied_keys.lock().unwrap().push(key);
                        }
                        Err(e) => {
                            eprintln!("transfer {key} failed: {e}");
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            });
        }
        // Mid-run: the primary crashes, the standby is promoted.
        eventually("transfers under way", || {
            done.load(Ordering::Relaxed) >= THREADS * PER_THREAD / 4
        });
        let t0 = Instant::now();
        primary.kill();
        standby.promote().unwrap();
        let before = done.load(Ordering::Relaxed);
        eventually("transfers resume on the new primary", || {
            done.load(Ordering::Relaxed) > before + THREADS
        });
        failover_took = t0.elapsed();
    });
    let conn = pool.get().unwrap();
    assert_eq!(whereabouts(&conn), (standby.port as i32, false));
    let balances = FoAccounts::pluck(&conn, FoAccounts::BALANCE).unwrap();
    assert_eq!(
        balances.iter().sum::<i64>(),
        ACCOUNTS * 1_000,
        "money conserved"
    );
    let mut logged: Vec<String> = FoTransfers::pluck(&conn, FoTransfers::TRANSFER_KEY).unwrap();
    logged.sort();
    let mut applied = std::mem::take(applied_keys.get_mut().unwrap());
    applied.sort();
    let failed = failed.load(Ordering::Relaxed);
    assert_eq!(failed, 0, "every transfer resolved within the policy");
    assert_eq!(
        logged, applied,
        "each transfer reported applied is in the log exactly once, and nothing else is"
    );
    eprintln!(
        "failover stress: {} transfers by {THREADS} threads, resumed {:?} after the crash; \
         retries={} ambiguous_commits={} reconnects={} resolved_as_earlier={} failed={failed}",
        applied.len(),
        failover_took,
        retries.load(Ordering::Relaxed),
        ambiguous.load(Ordering::Relaxed),
        reconnects.load(Ordering::Relaxed),
        earlier.load(Ordering::Relaxed),
    );
}
