//! Reads routed to a MariaDB replica: a primary with a binary log and a
//! replica streaming from it (`CHANGE MASTER TO .. MASTER_USE_GTID`), both
//! throw-away servers on loopback behind one pool
//! (`orm::replicated_pool`). Plain reads go to the replica; a connection
//! reads its own writes on the primary; a replica whose SQL thread is
//! stopped reports no lag (`Seconds_Behind_Master` NULL) and is skipped
//! with a warning, as is a dead one. Real servers and real replication.
//!
//! Runs with the MariaDB tests (when `ORM_TEST_MYSQL_URL` is set) and needs
//! the MariaDB binaries (`mariadbd`, `mariadb-install-db`, `mariadb`).
#![cfg(feature = "mysql")]

use std::time::Duration;

use crate::common::eventually;
use crate::common::logs::capture;
use crate::common::maria_server::MariaServer;
use orm::prelude::*;
use orm::ReadRouting;

#[derive(Model, Debug, Clone, Default, PartialEq)]
#[db(table = "rp_notes")]
struct Note {
    id: i64,
    #[db(size = 40)]
    label: String,
}

#[test]
#[cfg_attr(
    not(orm_test_mysql),
    ignore = "MariaDB: ORM_TEST_MYSQL_URL is not set (or the mysql feature is off)"
)]
fn reads_go_to_the_mariadb_replica_and_fall_back_when_it_stops_or_dies() {
    let primary = MariaServer::start(
        "primary",
        &[
            "--log-bin=mariadb-bin",
            "--server-id=1",
            "--binlog-format=ROW",
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let replica = MariaServer::start("replica", &["--server-id=2", "--skip-log-bin"])
        .unwrap_or_else(|e| panic!("{e}"));
    replica
        .sql(&format!(
            "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT={}, MASTER_USER='orm', \
             MASTER_PASSWORD='orm', MASTER_USE_GTID=slave_pos; START SLAVE;",
            primary.port
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    primary
        .sql("CREATE DATABASE rp CHARACTER SET utf8mb4")
        .unwrap();
    eventually("the database replicated", || {
        Connection::open(&replica.url("rp")).is_ok()
    });
    let window = Duration::from_millis(400);
    let pool = orm::replicated_pool(
        &primary.url("rp"),
        &[&replica.url("rp")],
        PoolOptions {
            max_size: 2,
            ..PoolOptions::default()
        },
        ReadRouting::default()
            .read_your_writes(window)
            .max_lag(Some(Duration::from_secs(5)))
            .lag_check_interval(Duration::from_millis(100))
            .down_retry(Duration::from_millis(300)),
    )
    .unwrap();
    let reads = || pool.replica_status()[0].reads;
    let on_replica = Connection::open(&replica.url("rp")).unwrap();
    let conn = pool.get().unwrap();
    conn.sync::<Note>().unwrap();
    Note {
        label: "first".into(),
        ..Default::default()
    }
    .save(&conn)
    .unwrap();
    assert_eq!(RpNotes::count(&conn).unwrap(), 1, "read-your-writes");
    assert_eq!(reads(), 0);

    eventually("replication", || {
        RpNotes::count(&on_replica).is_ok_and(|n| n == 1)
    });
    std::thread::sleep(window);
    assert_eq!(RpNotes::all().all(&conn).unwrap().len(), 1);
    assert_eq!(reads(), 1, "the replica served the read");
    let status = &pool.replica_status()[0];
    assert!(status.usable && status.lag.is_some(), "{status:?}");
    assert_eq!(RpNotes::all().on_primary().count(&conn).unwrap(), 1);
    assert_eq!(reads(), 1, "on_primary: the primary");

    // The replica's SQL thread stops: it cannot say how far behind it is,
    // so it is skipped and reads see the primary's rows.
    replica.sql("STOP SLAVE SQL_THREAD").unwrap();
    {
        let other = pool.get().unwrap();
        Note {
            label: "second".into(),
            ..Default::default()
        }
        .save(&other)
        .unwrap();
    }
    std::thread::sleep(Duration::from_millis(200));
    let (count, logged) = capture(|| RpNotes::count(&conn).unwrap());
    assert_eq!(count, 2, "the stopped replica is skipped");
    assert!(
        logged.iter().any(|(level, line)| *level == log::Level::Warn
            && line.contains("replica #1 is skipped")
            && line.contains("unknown")),
        "{logged:?}"
    );
    assert!(!pool.replica_status()[0].usable);

    replica.sql("START SLAVE SQL_THREAD").unwrap();
    let before = reads();
    eventually("the replica serves reads again", || {
        RpNotes::count(&conn).unwrap() == 2 && reads() > before
    });

    // The replica dies: reads fall back to the primary, without an error.
    drop(on_replica);
    replica.kill();
    crate::common::replicas::reads_survive_a_dead_replica(
        &pool,
        || RpNotes::count(&conn).unwrap(),
        2,
    );
}
