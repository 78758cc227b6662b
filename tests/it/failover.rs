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

/// Waits until `check` holds (replication and promotion take a moment).
fn eventually(what: &str, mut check: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !check() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{what}: not within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    start.elapsed()
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
    let standby = PgServer::standby_of(&primary, "standby").unwrap_or_else(|e| panic!("{e}"));
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
