//! Connections: URLs, raw escape hatches, statement counting and logging.

use std::time::Duration;

use crate::common::{db_test, db_url_test, TempDb};
use orm::prelude::*;

#[derive(Model, Debug, Clone, Default, PartialEq)]
struct Entry {
    id: i64,
    body: String,
}

#[test]
fn urls_pick_the_dialect() {
    assert_eq!(
        Connection::open("sqlite::memory:")
            .unwrap()
            .dialect()
            .name(),
        "sqlite"
    );
    let db = TempDb::new("url");
    {
        let conn = Connection::open(&db.url()).unwrap();
        conn.sync::<Entry>().unwrap();
        Entry {
            body: "kept".into(),
            ..Default::default()
        }
        .save(&conn)
        .unwrap();
    }
    let conn = Connection::open(&format!("{}?mode=ro", db.url())).unwrap();
    assert_eq!(Entries::first(&conn).unwrap().unwrap().body, "kept");
    assert!(Entry::default().save(&conn).is_err(), "read-only");

    for bad in [
        "nosuch://x",
        "sqlite::memory:?mode=xx",
        "sqlite::memory:?bogus=1",
        "sqlite:///nonexistent-dir/x/y.db?mode=rw",
    ] {
        let err = Connection::open(bad).unwrap_err();
        assert!(
            matches!(err, Error::InvalidUrl(_) | Error::Connection { .. }),
            "{bad}: {err:?}"
        );
    }
    // A dialect left out of the build: a clear error, not a panic.
    #[cfg(not(feature = "postgres"))]
    let err = Connection::open("postgresql://localhost/db").unwrap_err();
    #[cfg(not(feature = "postgres"))]
    assert!(
        matches!(&err, Error::InvalidUrl(m) if m.contains("not available") || m.contains("not built")),
        "{err:?}"
    );
}

#[cfg(feature = "driver")]
#[test]
fn user_dialects_can_be_registered() {
    fn open_mine(url: &str) -> orm::Result<Box<dyn orm::driver::Backend>> {
        let inner = url.replacen("mine:", "sqlite:", 1);
        Ok(Box::new(orm::dialects::sqlite::SqliteBackend::open(
            &inner,
        )?))
    }
    orm::driver::register_dialect("mine", open_mine);
    let conn = Connection::open("mine::memory:").unwrap();
    let v: Vec<orm::Single<i64>> = conn.query("SELECT 2 + ?", (3,)).unwrap();
    assert_eq!(v[0].0, 5);
}

fn raw_escape_hatches_return_typed_rows(conn: &Connection) {
    conn.sync::<Entry>().unwrap();
    let n = conn
        .execute(
            "INSERT INTO entries (body) VALUES (?), (?), ('it''s ?')",
            ("a", "b"),
        )
        .unwrap();
    assert_eq!(n, 3);
    let rows: Vec<(i64, String)> = conn
        .query(
            "SELECT id, body FROM entries WHERE id > ? ORDER BY id",
            (1,),
        )
        .unwrap();
    assert_eq!(rows, [(2, "b".to_owned()), (3, "it's ?".to_owned())]);
    let models: Vec<Entry> = conn
        .query(
            "SELECT id, body FROM entries WHERE body = :b",
            orm::named([("b", "a".into())]),
        )
        .unwrap();
    assert_eq!(
        models,
        [Entry {
            id: 1,
            body: "a".into()
        }]
    );
    let any: Vec<Vec<Value>> = conn.query("SELECT 1, NULL, 'x'", ()).unwrap();
    assert_eq!(
        any,
        [vec![Value::Int(1), Value::Null, Value::Text("x".into())]]
    );
    // Rendering for the dialect is driver-level (feature `driver`).
    #[cfg(feature = "driver")]
    {
        use orm::driver::DriverConnection;
        let (sql, params) = conn.render("a = ? AND b = '?'", (1,)).unwrap();
        let mut placeholder = String::new();
        conn.dialect().placeholder(1, &mut placeholder);
        assert_eq!(
            (sql, params),
            (
                format!("a = {placeholder} AND b = '?'"),
                vec![Value::Int(1)]
            )
        );
    }
}
db_test!(raw_escape_hatches_return_typed_rows);

fn statements_are_counted(conn: &Connection) {
    conn.sync::<Entry>().unwrap();
    let before = conn.statement_count();
    Entries::count(conn).unwrap();
    Entries::all()
        .filter(Entries::BODY.eq("x"))
        .all(conn)
        .unwrap();
    assert_eq!(conn.statement_count() - before, 2);
    conn.set_statement_cache_capacity(1);
    for i in 0..10 {
        Entries::all()
            .filter(Entries::ID.eq(i))
            .first(conn)
            .unwrap();
    }
    assert_eq!(conn.statement_count() - before, 12);
}
db_test!(statements_are_counted);

/// The lines `f` logged to `orm::sql` on this thread that contain `marker`.
fn logged(marker: &str, f: impl FnOnce()) -> Vec<(log::Level, String)> {
    let ((), lines) = crate::common::logs::capture(f);
    lines
        .into_iter()
        .filter(|(_, m)| m.contains(marker))
        .collect()
}

#[test]
fn statements_failures_and_slow_queries_are_logged() {
    let conn = Connection::open("sqlite::memory:").unwrap();

    let ok = logged("marker_ok", || {
        let _: Vec<(i64,)> = conn
            .query("SELECT 1 AS marker_ok WHERE 1 = ?", (1,))
            .unwrap();
    });
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0].0, log::Level::Debug);
    assert!(
        ok[0].1.contains("[Int(1)]"),
        "parameters are logged: {}",
        ok[0].1
    );
    assert!(
        ok[0].1.contains('s') && ok[0].1.contains('('),
        "duration is logged: {}",
        ok[0].1
    );

    let failed = logged("marker_fail", || {
        let _ = conn.execute("SELECT marker_fail FROM nowhere", ());
    });
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].0, log::Level::Warn);
    assert!(failed[0].1.contains("failed"));

    conn.set_slow_query_threshold(Some(Duration::ZERO));
    let slow = logged("marker_slow", || {
        let _: Vec<(i64,)> = conn.query("SELECT 2 AS marker_slow", ()).unwrap();
    });
    assert_eq!(slow[0].0, log::Level::Warn);
    assert!(slow[0].1.starts_with("slow query"));
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_urls_are_checked() {
    // Malformed URLs and unknown parameters: InvalidUrl, the password hidden.
    for bad in [
        "postgresql://u:s3cret@localhost/db?sslmode=sometimes",
        "postgresql://u:s3cret@localhost/db?bogus=1",
        "postgresql://u:s3cret@localhost:0/db",
        "cockroachdb://u:s3cret@localhost/db?sslcert=only-the-cert.pem",
    ] {
        match Connection::open(bad) {
            Err(Error::InvalidUrl(m)) => assert!(!m.contains("s3cret"), "{m}"),
            other => panic!("{bad}: {other:?}"),
        }
    }
    // Nothing listens on port 1: a connection error that says where.
    match Connection::open("postgresql://u@127.0.0.1:1/db?sslmode=disable&connect_timeout=5") {
        Err(Error::Connection { message, .. }) => {
            assert!(message.contains("127.0.0.1:1"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[cfg(all(feature = "postgres", feature = "driver"))]
#[test]
#[cfg_attr(
    not(orm_test_postgres),
    ignore = "PostgreSQL: ORM_TEST_POSTGRES_URL is not set (or the postgres feature is off)"
)]
fn postgres_connections() {
    let url = crate::common::server_url("postgres");
    let conn = Connection::open(&url).unwrap();
    // A postgresql:// URL without dialect=: the server's version() decides.
    assert_eq!(conn.dialect().name(), "postgres");
    assert!(conn.is_healthy());
    // CockroachDB's retry-error test mode, asked of PostgreSQL: refused.
    let sep = if url.contains('?') { '&' } else { '?' };
    let err = Connection::open(&format!("{url}{sep}inject_retry_errors=true")).unwrap_err();
    assert!(matches!(err, Error::InvalidUrl(_)), "{err:?}");
    // One statement at a time per connection: a query while another one's
    // rows are streaming is a typed error, not a panic.
    let mut rows = orm::driver::DriverConnection::query_prepared(
        &conn,
        "SELECT generate_series(1, 3)",
        &Vec::<Value>::new(),
    )
    .unwrap();
    assert!(rows.next_row().unwrap().is_some());
    let err = conn.query::<(i64,)>("SELECT 1", ()).unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
    let mut n = 1;
    while rows.next_row().unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 3);
    assert!(rows.next_row().unwrap().is_none(), "stays finished");
    drop(rows);
    // (A bare `SELECT ?` is text to PostgreSQL: the server infers each
    // parameter's type from where it stands.)
    let one: Vec<(i64,)> = conn.query("SELECT ? + 0", (1,)).unwrap();
    assert_eq!(one, [(1,)]);
    // A type the driver does not read: a decode error naming the column.
    let err = conn
        .query::<Vec<Value>>("SELECT CAST('1 day' AS INTERVAL) AS span", ())
        .unwrap_err();
    assert!(
        matches!(&err, Error::Decode { column, .. } if column == "span"),
        "{err:?}"
    );
    // A cached statement whose result changed shape under it is prepared
    // again (the ALTER goes through `execute`, which keeps the cache).
    let schema = crate::common::unique_name("stale");
    conn.execute_batch(&format!(
        "CREATE SCHEMA \"{schema}\"; SET search_path TO \"{schema}\"; CREATE TABLE t (a INT)"
    ))
    .unwrap();
    conn.execute("INSERT INTO t (a) VALUES (?)", (1,)).unwrap();
    let before: Vec<Vec<Value>> = conn.query("SELECT * FROM t", ()).unwrap();
    assert_eq!(before, [vec![Value::Int(1)]]);
    conn.execute("ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x'", ())
        .unwrap();
    let after: Vec<Vec<Value>> = conn.query("SELECT * FROM t", ()).unwrap();
    assert_eq!(after, [vec![Value::Int(1), Value::Text("x".into())]]);
    // The same for a statement whose rows are streamed.
    let no_params = Vec::<Value>::new();
    let width = |conn: &Connection| {
        let mut rows =
            orm::driver::DriverConnection::query_prepared(conn, "SELECT * FROM t", &no_params)
                .unwrap();
        let row = rows.next_row().unwrap().unwrap();
        row.len()
    };
    assert_eq!(width(&conn), 2);
    conn.execute("ALTER TABLE t ADD COLUMN c INT DEFAULT 3", ())
        .unwrap();
    assert_eq!(width(&conn), 3);
    conn.execute_batch(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
        .unwrap();
    // Integers are range-checked against the parameter's type.
    let err = conn
        .query::<(i64,)>("SELECT CAST(? AS SMALLINT)", (100_000,))
        .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidQuery { message, .. } if message.contains("100000") && message.contains("smallint")),
        "{err:?}"
    );
}

/// Rows are read while another connection of the same database works, in
/// the caller's code between two rows: the driver does not keep the thread
/// while a row is handled (PostgreSQL's reads rows a batch per entry into
/// its client's runtime and hands them out after leaving it, so a read on
/// another connection in between cannot start a runtime within a runtime).
/// More rows than a batch, through the row stream (`iter`) and through a
/// row callback.
fn rows_are_read_while_another_connection_works(url: &str, dialect: &str) {
    let one = Connection::open(url).unwrap();
    let two = Connection::open(url).unwrap();
    one.sync::<Entry>().unwrap();
    let entries: Vec<Entry> = (0..600)
        .map(|i| Entry {
            body: format!("entry {i}"),
            ..Default::default()
        })
        .collect();
    Entries::insert_all(&one, &entries).unwrap();
    let mut seen = 0;
    for entry in Entries::order("id").iter(&one).unwrap() {
        let entry = entry.unwrap();
        assert_eq!(Entries::find(&two, entry.id).unwrap(), entry, "{dialect}");
        seen += 1;
    }
    assert_eq!(seen, 600, "{dialect}");
    // The same through a row callback (the driver interface).
    #[cfg(feature = "driver")]
    {
        let no_params: &[Value] = &[];
        let bodies = orm::driver::DriverConnection::query_map(
            &one,
            "SELECT id, body FROM entries ORDER BY id",
            &no_params,
            |row| {
                let id = row.get_ref(0)?.to_owned();
                let Value::Int(id) = id else {
                    panic!("{dialect}: id {id:?}")
                };
                Ok(Entries::find(&two, id)?.body)
            },
        )
        .unwrap();
        assert_eq!(bodies.len(), 600, "{dialect}");
        assert_eq!(bodies[599], "entry 599", "{dialect}");
    }

    // Rows of large values: a batch ends at its byte limit, not at 256 rows.
    let large: Vec<Entry> = (0..20)
        .map(|i| Entry {
            body: format!("{i:03}").repeat(40_000),
            ..Default::default()
        })
        .collect();
    Entries::insert_all(&one, &large).unwrap();
    let read: Vec<Entry> = Entries::order("id")
        .offset(600)
        .iter(&one)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(read.len(), 20, "{dialect}");
    for (i, entry) in read.iter().enumerate() {
        assert_eq!(entry.body, large[i].body, "{dialect}: large row {i}");
    }
    assert_eq!(
        Entries::order("id").all(&one).unwrap().len(),
        620,
        "{dialect}"
    );
}
db_url_test!(rows_are_read_while_another_connection_works);
