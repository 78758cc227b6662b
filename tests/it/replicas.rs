//! Reads routed to a replica: a PostgreSQL primary and a hot standby
//! streaming from it (`pg_basebackup -R`) on loopback, behind one pool
//! (`orm::replicated_pool`). Plain reads go to the standby; writes,
//! transactions, row locks and `on_primary` scopes to the primary; a
//! connection reads its own writes; a standby that lags (its replay
//! paused) or is down is skipped with a warning, and reads fall back to
//! the primary. Real servers and real replication: no mocks.
//!
//! Runs with the PostgreSQL tests (when `ORM_TEST_POSTGRES_URL` is set) and
//! needs the PostgreSQL binaries (`ORM_TEST_PG_BIN`).
#![cfg(feature = "postgres")]

use std::time::Duration;

use crate::common::eventually;
use crate::common::logs::capture;
use crate::common::pg_server::{pg_bin, PgServer};
use orm::prelude::*;
use orm::ReadRouting;

#[derive(Model, Debug, Clone, Default, PartialEq)]
#[db(table = "rp_events")]
struct Event {
    id: i64,
    label: String,
}

#[derive(Model, Debug, Clone, Default)]
#[db(table = "rp_lates")]
struct Late {
    id: i64,
}

/// Reads the standby served so far.
fn replica_reads(pool: &Pool) -> u64 {
    pool.replica_status()[0].reads
}

#[test]
#[cfg_attr(
    not(orm_test_postgres),
    ignore = "PostgreSQL: ORM_TEST_POSTGRES_URL is not set (or the postgres feature is off)"
)]
fn reads_go_to_the_standby_except_own_writes_locks_and_a_lagging_or_dead_standby() {
    assert!(
        pg_bin().is_some(),
        "replicas: no PostgreSQL binaries (set ORM_TEST_PG_BIN or install postgresql)"
    );
    let primary = PgServer::start("rp-primary", &["wal_level = replica"], None, |_, _| {})
        .unwrap_or_else(|e| panic!("{e}"));
    let standby =
        PgServer::standby_of(&primary, "rp-standby", &[]).unwrap_or_else(|e| panic!("{e}"));
    let window = Duration::from_millis(400);
    let routing = ReadRouting::default()
        .read_your_writes(window)
        .max_lag(Some(Duration::from_secs(1)))
        .lag_check_interval(Duration::from_millis(100))
        .down_retry(Duration::from_millis(300));
    let pool = orm::replicated_pool(
        &primary.url(),
        &[&standby.url()],
        PoolOptions {
            max_size: 2,
            ..PoolOptions::default()
        },
        routing.clone(),
    )
    .unwrap();
    let on_standby = Connection::open(&standby.url()).unwrap();
    let conn = pool.get().unwrap();
    conn.sync::<Event>().unwrap();
    Event {
        label: "first".into(),
        ..Default::default()
    }
    .save(&conn)
    .unwrap();

    // Read-your-writes: right after the write, this connection reads on
    // the primary and sees it, whatever the standby has replayed.
    assert_eq!(RpEvents::count(&conn).unwrap(), 1);
    assert_eq!(replica_reads(&pool), 0, "within the window: the primary");

    // Past the window, plain reads go to the standby once it has the row.
    eventually("replication", || {
        RpEvents::count(&on_standby).is_ok_and(|n| n == 1)
    });
    std::thread::sleep(window);
    let before = replica_reads(&pool);
    assert_eq!(RpEvents::count(&conn).unwrap(), 1);
    let all = RpEvents::all().order("id").all(&conn).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(RpEvents::find(&conn, all[0].id).unwrap(), all[0]);
    assert_eq!(
        replica_reads(&pool),
        before + 3,
        "count, all, find: the standby"
    );
    let status = &pool.replica_status()[0];
    assert!(status.usable && status.lag.is_some(), "{status:?}");

    // Scopes that ask for the primary, row locks and transactions read
    // there; the standby sees none of it.
    let before = replica_reads(&pool);
    assert_eq!(RpEvents::all().on_primary().count(&conn).unwrap(), 1);
    conn.transaction(|tx| {
        let locked = RpEvents::all().for_update().all(tx)?;
        assert_eq!(locked.len(), 1);
        RpEvents::count(tx)
    })
    .unwrap();
    assert_eq!(replica_reads(&pool), before, "all on the primary");
    // The transaction counts as a write: reads stay on the primary for the
    // window, then go back to the standby.
    RpEvents::count(&conn).unwrap();
    assert_eq!(replica_reads(&pool), before);
    std::thread::sleep(window);
    RpEvents::count(&conn).unwrap();
    assert_eq!(replica_reads(&pool), before + 1);

    // The standby stops replaying: it falls behind the bound, is skipped
    // with a warning, and reads see the primary's rows.
    on_standby
        .execute("SELECT pg_wal_replay_pause()", ())
        .unwrap();
    {
        // Written on another connection: `conn` keeps reading on replicas.
        let other = pool.get().unwrap();
        Event {
            label: "second".into(),
            ..Default::default()
        }
        .save(&other)
        .unwrap();
    }
    std::thread::sleep(Duration::from_millis(1300));
    let (count, logged) = capture(|| RpEvents::count(&conn).unwrap());
    assert_eq!(count, 2, "the lagging standby is skipped");
    assert!(
        logged.iter().any(|(level, line)| *level == log::Level::Warn
            && line.contains("replica #1 is skipped")
            && line.contains("behind the primary")),
        "{logged:?}"
    );
    let status = &pool.replica_status()[0];
    assert!(!status.usable, "{status:?}");
    assert!(status.lag.is_some_and(|l| l > Duration::from_secs(1)));

    // Without a lag bound the paused standby keeps serving reads; a table
    // created since, which it has not replayed, is read on the primary.
    let unbounded = orm::replicated_pool(
        &primary.url(),
        &[&standby.url()],
        PoolOptions {
            max_size: 1,
            ..PoolOptions::default()
        },
        routing.max_lag(None),
    )
    .unwrap();
    Connection::open(&primary.url())
        .unwrap()
        .sync::<Late>()
        .unwrap();
    let reader = unbounded.get().unwrap();
    assert_eq!(RpLates::count(&reader).unwrap(), 0, "read on the primary");
    assert_eq!(
        RpEvents::count(&reader).unwrap(),
        1,
        "the paused standby's count"
    );

    // Replaying again, it catches up and serves reads again.
    on_standby
        .execute("SELECT pg_wal_replay_resume()", ())
        .unwrap();
    let before = replica_reads(&pool);
    eventually("the standby serves reads again", || {
        RpEvents::count(&conn).unwrap() == 2 && replica_reads(&pool) > before
    });

    // The standby goes away: reads fall back to the primary, with a
    // warning, without an error and within the checkout timeout.
    drop(on_standby);
    standby.kill();
    crate::common::replicas::reads_survive_a_dead_replica(
        &pool,
        || RpEvents::count(&conn).unwrap(),
        2,
    );
    for _ in 0..5 {
        assert_eq!(RpEvents::all().all(&conn).unwrap().len(), 2);
    }
}
