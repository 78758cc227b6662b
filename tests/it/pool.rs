//! The connection pool: shared between threads, bounded, health-checked.

use std::time::Duration;

use crate::common::{db_url_test, TempDb};
use orm::prelude::*;

#[derive(Model, Debug, Clone, Default)]
struct Counter {
    id: i64,
    n: i64,
}

#[test]
fn pool_serves_threads_and_bounds_connections() {
    let db = TempDb::new("pool");
    let url = format!("{}?journal_mode=wal", db.url());
    let pool = orm::pool(
        &url,
        PoolOptions {
            max_size: 4,
            checkout_timeout: Duration::from_secs(10),
            ..PoolOptions::default()
        },
    )
    .unwrap();
    {
        let conn = pool.get().unwrap();
        conn.sync::<Counter>().unwrap();
        Counter { id: 0, n: 0 }.save(&conn).unwrap();
    }
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let pool = pool.clone();
            std::thread::spawn(move || {
                for _ in 0..25 {
                    let conn = pool.get().unwrap();
                    conn.retry_transaction(&RetryPolicy::default(), |tx| {
                        Counters::all()
                            .filter(Counters::ID.eq(1))
                            .update_sql(tx, "n = n + 1", ())
                            .map(|_| ())
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let conn = pool.get().unwrap();
    assert_eq!(Counters::find(&conn, 1).unwrap().n, 200);
    let (open, _idle) = pool.state();
    assert!(open <= 4, "{open} connections open");
}

#[test]
fn checkout_times_out_with_a_typed_error() {
    let pool = Pool::new(
        PoolOptions {
            max_size: 1,
            checkout_timeout: Duration::from_millis(200),
            ..PoolOptions::default()
        },
        || Connection::open("sqlite::memory:"),
    )
    .unwrap();
    let held = pool.get().unwrap();
    let err = pool.get().unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    assert!(err.to_string().contains("no connection available"), "{err}");
    drop(held);
    assert!(pool.get().is_ok());
}

#[test]
fn metrics_count_checkouts_waits_and_timeouts() {
    let pool = Pool::new(
        PoolOptions {
            max_size: 1,
            checkout_timeout: Duration::from_millis(100),
            ..PoolOptions::default()
        },
        || Connection::open("sqlite::memory:"),
    )
    .unwrap();
    let m = pool.metrics();
    assert_eq!((m.checkouts, m.waits, m.timeouts, m.max_size), (0, 0, 0, 1));
    let held = pool.get().unwrap();
    let m = pool.metrics();
    assert_eq!((m.connections, m.in_use, m.idle, m.checkouts), (1, 1, 0, 1));
    // The first checkout may have waited for the connection to open.
    let w = m.waits;
    assert!(w <= 1);
    // A second checkout waits, and times out.
    assert!(pool.get().is_err());
    let m = pool.metrics();
    assert_eq!((m.checkouts, m.waits, m.timeouts), (1, w + 1, 1));
    assert!(m.wait_time >= Duration::from_millis(90), "{m:?}");
    // One that waits for the connection to come back.
    std::thread::scope(|s| {
        let waiter = s.spawn(|| pool.get().map(drop));
        std::thread::sleep(Duration::from_millis(30));
        drop(held);
        waiter.join().unwrap().unwrap();
    });
    let m = pool.metrics();
    assert_eq!((m.checkouts, m.waits, m.timeouts), (2, w + 2, 1));
    assert_eq!((m.in_use, m.idle), (0, 1));
    // An idle connection is taken at once.
    drop(pool.get().unwrap());
    let m = pool.metrics();
    assert_eq!((m.checkouts, m.waits), (3, w + 2));
}

#[test]
fn bad_urls_fail_when_the_pool_opens() {
    assert!(Pool::open("nosuch://x").is_err());
    assert!(Pool::open("sqlite::memory:").is_ok());
}

/// A pooled connection that the server kills is reported as a connection
/// error, and the pool never hands it out again.
fn a_broken_connection_is_replaced(url: &str, name: &str) {
    let (who, kill) = match name {
        "postgres" => (
            "SELECT pg_backend_pid()::BIGINT",
            "SELECT pg_terminate_backend(?::INT)",
        ),
        "mysql" => ("SELECT CONNECTION_ID()", "KILL CONNECTION ?"),
        other => unreachable!("{other} has no server connection to kill"),
    };
    let pool = orm::pool(
        url,
        PoolOptions {
            max_size: 2,
            ..PoolOptions::default()
        },
    )
    .unwrap();
    let admin = Connection::open(url).unwrap();
    let conn = pool.get().unwrap();
    let id = conn.query::<(i64,)>(who, ()).unwrap()[0].0;
    admin.execute(kill, (id,)).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let err = conn.query::<(i64,)>("SELECT 1", ()).unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{name}: {err:?}");
    assert!(conn.is_broken(), "{name}");
    drop(conn);
    let fresh = pool.get().unwrap();
    let new_id = fresh.query::<(i64,)>(who, ()).unwrap()[0].0;
    assert_ne!(
        new_id, id,
        "{name}: the killed connection was not handed out again"
    );
    assert_eq!(fresh.query::<(i64,)>("SELECT 1", ()).unwrap()[0].0, 1);
}
db_url_test!(a_broken_connection_is_replaced: postgres, mysql);
