//! What is particular to the MySQL / MariaDB driver: URLs, DDL, affected-row
//! semantics, multi-statement batches, value decoding, streaming, and
//! retryable lock errors. The tests that need the server run when
//! `ORM_TEST_MYSQL_URL` is set (with the `mysql` feature) and are listed as
//! ignored otherwise; the shared suite covers everything else.
#![cfg(feature = "mysql")]

use std::sync::{Arc, Barrier};
use std::time::Duration;

use orm::prelude::*;
use orm::DecodeError;

#[derive(Model, Debug, Clone, Default, PartialEq)]
struct Gizmo {
    id: i64,
    #[db(unique)]
    code: String,
    notes: String,
    #[db(index)]
    blob_key: Vec<u8>,
    data: Vec<u8>,
    on: bool,
    count: i32,
}

#[test]
fn bad_urls_and_unreachable_servers_are_typed_errors() {
    let err = Connection::open("mysql://u:secret@127.0.0.1/x?bogus=1").unwrap_err();
    match &err {
        Error::InvalidUrl(m) => {
            assert!(m.contains("bogus"), "{m}");
            assert!(!m.contains("secret"), "the password is not shown: {m}");
        }
        other => panic!("expected InvalidUrl, got {other:?}"),
    }
    for bad in [
        "mysql://h:99999/x",
        "mysql://h/x?ssl-mode=maybe",
        "mysql://h/x?ssl-cert=/c.pem",
        "mariadb://h/x?cache=lots",
    ] {
        assert!(
            matches!(Connection::open(bad), Err(Error::InvalidUrl(_))),
            "{bad}"
        );
    }
    // Nothing listens on port 1: a connection error that says where.
    let err = Connection::open("mysql://u:secret@127.0.0.1:1/x?ssl-mode=DISABLED").unwrap_err();
    match &err {
        Error::Connection { message, source } => {
            assert!(message.contains("127.0.0.1:1"), "{message}");
            assert!(!message.contains("secret"), "{message}");
            assert!(source.is_some(), "the driver error is the source");
        }
        other => panic!("expected a connection error, got {other:?}"),
    }
    let err = Connection::open("mysql://u@[::1]:1/x?ssl-mode=DISABLED").unwrap_err();
    assert!(
        matches!(&err, Error::Connection { message, .. } if message.contains("[::1]:1")),
        "{err:?}"
    );
    // A client certificate that does not exist.
    let err = Connection::open(
        "mysql://u@127.0.0.1:1/x?ssl-mode=REQUIRED&ssl-cert=/nonexistent.pem&ssl-key=/k.pem",
    )
    .unwrap_err();
    assert!(
        matches!(&err, Error::Connection { message, .. } if message.contains("/nonexistent.pem")),
        "{err:?}"
    );
}

#[test]
#[cfg_attr(
    not(orm_test_mysql),
    ignore = "MariaDB: ORM_TEST_MYSQL_URL is not set (or the mysql feature is off)"
)]
fn tables_are_innodb_utf8mb4_with_indexable_strings() {
    let conn = crate::common::test_db("mysql");
    let report = conn.sync::<Gizmo>().unwrap();
    assert!(report.created_table);
    let ddl: Vec<(String, String)> = conn.query("SHOW CREATE TABLE gizmos", ()).unwrap();
    let ddl = &ddl[0].1;
    assert!(ddl.contains("ENGINE=InnoDB"), "{ddl}");
    assert!(ddl.contains("CHARSET=utf8mb4"), "{ddl}");
    assert!(
        ddl.contains("`id` bigint(20) NOT NULL AUTO_INCREMENT")
            || ddl.contains("`id` bigint NOT NULL AUTO_INCREMENT"),
        "{ddl}"
    );
    assert!(ddl.contains("`code` varchar(255) NOT NULL"), "{ddl}");
    assert!(ddl.contains("`notes` longtext NOT NULL"), "{ddl}");
    assert!(ddl.contains("`blob_key` varbinary(255) NOT NULL"), "{ddl}");
    assert!(ddl.contains("`data` longblob NOT NULL"), "{ddl}");
    assert!(ddl.contains("`on` tinyint(1) NOT NULL"), "{ddl}");
    let again = conn.sync::<Gizmo>().unwrap();
    assert!(!again.changed() && again.drift.is_empty(), "{again:?}");

    let mut g = Gizmo {
        code: "a`b".into(),
        notes: "x".repeat(70_000 / 2),
        blob_key: vec![1, 2],
        data: vec![0; 100_000],
        on: true,
        count: 3,
        ..Default::default()
    };
    g.save(&conn).unwrap();
    assert_eq!(g.id, 1, "LAST_INSERT_ID is written back");
    assert_eq!(Gizmos::find(&conn, 1).unwrap(), g);
    // The keyed text column holds 255 characters: longer text is refused
    // before it is sent, not cut by the server.
    let mut long = Gizmo {
        code: "é".repeat(256),
        ..Default::default()
    };
    let err = long.save(&conn).unwrap_err();
    assert!(matches!(err, Error::UnrepresentableValue { .. }), "{err:?}");
    assert_eq!(Gizmos::count(&conn).unwrap(), 1, "nothing written");
}

#[test]
#[cfg_attr(
    not(orm_test_mysql),
    ignore = "MariaDB: ORM_TEST_MYSQL_URL is not set (or the mysql feature is off)"
)]
fn an_update_that_changes_nothing_still_finds_its_row() {
    let conn = crate::common::test_db("mysql");
    conn.sync::<Gizmo>().unwrap();
    let mut g = Gizmo {
        code: "same".into(),
        ..Default::default()
    };
    g.save(&conn).unwrap();
    // Every column written with the value it has: 0 rows changed, 1 matched.
    g.save(&conn).unwrap();
    assert_eq!(
        Gizmos::filter(Gizmos::ID.eq(g.id))
            .update_attribute(&conn, Gizmos::COUNT, 0)
            .unwrap(),
        1
    );
    g.update_attribute(&conn, Gizmos::COUNT, 0).unwrap();
}

#[test]
#[cfg_attr(
    not(orm_test_mysql),
    ignore = "MariaDB: ORM_TEST_MYSQL_URL is not set (or the mysql feature is off)"
)]
fn batches_run_every_statement_and_report_a_later_failure() {
    let conn = crate::common::test_db("mysql");
    conn.execute_batch(
        "CREATE TABLE t (x INT); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2);\n",
    )
    .unwrap();
    let n: Vec<(i64,)> = conn.query("SELECT COUNT(*) FROM t", ()).unwrap();
    assert_eq!(n[0].0, 2);
    let err = conn
        .execute_batch("INSERT INTO t VALUES (3); SELECT * FROM nowhere; INSERT INTO t VALUES (4)")
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnknownTable { table } if table == "nowhere"),
        "{err:?}"
    );
    let n: Vec<(i64,)> = conn.query("SELECT COUNT(*) FROM t", ()).unwrap();
    assert_eq!(n[0].0, 3, "the statements after the failure did not run");
    // Statements MySQL cannot prepare still run without parameters.
    conn.execute("LOCK TABLES t WRITE", ()).unwrap();
    conn.execute("UNLOCK TABLES", ()).unwrap();
}

#[test]
#[cfg_attr(
    not(orm_test_mysql),
    ignore = "MariaDB: ORM_TEST_MYSQL_URL is not set (or the mysql feature is off)"
)]
fn values_decode_by_column_type() {
    let conn = crate::common::test_db("mysql");
    conn.execute_batch("CREATE TABLE n (v INT NOT NULL); INSERT INTO n VALUES (1), (2), (6)")
        .unwrap();
    // SUM and AVG of integers are DECIMALs: integers when integral.
    let s: Vec<(i64, f64, f64)> = conn
        .query("SELECT SUM(v), AVG(v), STDDEV_POP(v) FROM n", ())
        .unwrap();
    assert_eq!(s[0].0, 9);
    assert_eq!(s[0].1, 3.0);
    assert!((s[0].2 - (14.0f64 / 3.0).sqrt()).abs() < 1e-9, "{s:?}");
    let row: Vec<(String, Vec<u8>, String, chrono::NaiveDate)> = conn
        .query(
            "SELECT TIME '12:34:56', CAST('xy' AS BINARY), 'é', DATE '2024-02-29'",
            (),
        )
        .unwrap();
    assert_eq!(
        row,
        [(
            "12:34:56.000000".to_owned(),
            b"xy".to_vec(),
            "é".to_owned(),
            chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
        )]
    );
    conn.execute_batch("CREATE TABLE bits (b BIT(3)); INSERT INTO bits VALUES (b'101')")
        .unwrap();
    let bits: Vec<(i64,)> = conn.query("SELECT b FROM bits WHERE b = ?", (5,)).unwrap();
    assert_eq!(bits, [(5,)], "BIT reads as an integer");
    // An unsigned value beyond i64 is a decode error, not a wrapped number.
    let err = conn
        .query::<(i64,)>("SELECT CAST(18446744073709551615 AS UNSIGNED)", ())
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Decode {
                reason: DecodeError::OutOfRange { .. },
                ..
            }
        ),
        "{err:?}"
    );
    // Binary strings are bytes, not text.
    let err = conn
        .query::<(String,)>("SELECT CAST('xy' AS BINARY)", ())
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Decode {
                reason: DecodeError::WrongType { found: "blob" },
                ..
            }
        ),
        "{err:?}"
    );
    // NOW() is UTC, as stored timestamps are.
    let now: Vec<(chrono::NaiveDateTime,)> = conn.query("SELECT NOW()", ()).unwrap();
    let drift = (now[0].0 - chrono::Utc::now().naive_utc())
        .num_seconds()
        .abs();
    assert!(drift < 60, "the session time zone is UTC ({drift} s off)");
}

#[test]
#[cfg_attr(
    not(orm_test_mysql),
    ignore = "MariaDB: ORM_TEST_MYSQL_URL is not set (or the mysql feature is off)"
)]
fn an_open_iterator_holds_the_connection_without_panicking() {
    let conn = crate::common::test_db("mysql");
    conn.sync::<Gizmo>().unwrap();
    for c in ["a", "b", "c"] {
        Gizmo {
            code: c.into(),
            ..Default::default()
        }
        .save(&conn)
        .unwrap();
    }
    let mut rows = Gizmos::order("id").iter(&conn).unwrap();
    assert_eq!(rows.next().unwrap().unwrap().code, "a");
    let err = Gizmos::count(&conn).unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
    assert!(!conn.is_healthy());
    drop(rows);
    assert_eq!(Gizmos::count(&conn).unwrap(), 3);
    assert!(conn.is_healthy());
    // Read to the end, the iterator lets go by itself.
    let all: Vec<Gizmo> = Gizmos::order("id")
        .iter(&conn)
        .unwrap()
        .collect::<orm::Result<_>>()
        .unwrap();
    assert_eq!(all.len(), 3);
}

#[derive(Model, Debug, Clone, Default)]
struct Slot {
    id: i64,
    n: i64,
}

#[test]
#[cfg_attr(
    not(orm_test_mysql),
    ignore = "MariaDB: ORM_TEST_MYSQL_URL is not set (or the mysql feature is off)"
)]
fn lock_errors_are_retryable() {
    let (url, _guard) = crate::common::test_url("mysql");
    let setup = Connection::open(&url).unwrap();
    setup.sync::<Slot>().unwrap();
    for _ in 0..2 {
        Slot::default().save(&setup).unwrap();
    }

    // Lock wait timeout: 1205, a serialization failure.
    let holder = Connection::open(&url).unwrap();
    holder.execute_batch("BEGIN").unwrap();
    holder
        .execute("UPDATE slots SET n = n + 1 WHERE id = ?", (1,))
        .unwrap();
    let waiter = Connection::open(&url).unwrap();
    waiter
        .execute_batch("SET SESSION innodb_lock_wait_timeout = 1")
        .unwrap();
    let err = waiter
        .execute("UPDATE slots SET n = n + 1 WHERE id = ?", (1,))
        .unwrap_err();
    assert!(
        matches!(err, Error::SerializationFailure(_)) && err.is_retryable(),
        "{err:?}"
    );
    holder.execute_batch("ROLLBACK").unwrap();

    // Deadlock: two transactions lock the two rows in opposite orders.
    let barrier = Arc::new(Barrier::new(2));
    let results: Vec<orm::Result<()>> = std::thread::scope(|s| {
        let handles: Vec<_> = [(1, 2), (2, 1)]
            .into_iter()
            .map(|(first, second)| {
                let (url, barrier) = (url.clone(), Arc::clone(&barrier));
                s.spawn(move || {
                    let conn = Connection::open(&url)?;
                    conn.transaction(|tx| {
                        tx.execute("UPDATE slots SET n = n + 1 WHERE id = ?", (first,))?;
                        barrier.wait();
                        std::thread::sleep(Duration::from_millis(50));
                        tx.execute("UPDATE slots SET n = n + 1 WHERE id = ?", (second,))?;
                        Ok(())
                    })
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("no panic"))
            .collect()
    });
    let deadlocks: Vec<&Error> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(deadlocks.len(), 1, "{results:?}");
    assert!(
        matches!(deadlocks[0], Error::Deadlock(_)) && deadlocks[0].is_retryable(),
        "{:?}",
        deadlocks[0]
    );
    assert_eq!(
        deadlocks[0].db_error().and_then(|d| d.code.as_deref()),
        Some("1213")
    );
}
