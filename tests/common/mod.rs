//! Shared test harness: each database test runs once per dialect, as a test
//! of its own.
//!
//! `db_test!(name)` turns `fn name(conn: &Connection)` into the tests
//! `name::sqlite`, `name::postgres` and `name::mysql`; `db_url_test!(name)`
//! does the same for `fn name(url: &str, dialect: &str)` (tests that open
//! several connections: pools, stress). Each run gets a database of its own:
//!
//! - SQLite: in memory, fresh per test (a file in WAL mode for URL tests);
//! - PostgreSQL (`ORM_TEST_POSTGRES_URL`): a schema of its own, dropped
//!   afterwards, so tests run in parallel;
//! - MySQL / MariaDB (`ORM_TEST_MYSQL_URL`): a database of its own, dropped
//!   afterwards.
//!
//! A server dialect whose URL is not set (or whose cargo feature is off) is
//! not skipped silently: the build script (`build.rs`) leaves
//! `cfg(orm_test_postgres)` / `cfg(orm_test_mysql)` off, and its tests are
//! listed as `ignored` with the reason. A test that runs (the cfg is on, or
//! `--include-ignored`) and finds no URL, or cannot reach its server, fails.
//! Under `CI=true`, `tests/it/ci_servers.rs` fails when either cfg is off.
//!
//! Tests of one dialect only carry the same attribute themselves, e.g.
//! `#[cfg_attr(not(orm_test_postgres), ignore = "PostgreSQL: ...")]`, and
//! open their database with [`test_db`] or [`test_url`].
#![allow(dead_code)]

use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};

use orm::prelude::*;

pub mod logs;
pub mod maria_server;
pub mod pg_server;
#[cfg(feature = "driver")]
pub mod recorder;
pub mod replicas;

/// A database for one test; cleaned up when dropped.
pub struct TestDb {
    conn: Connection,
    cleanup: Option<String>,
}

impl Deref for TestDb {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(sql) = &self.cleanup {
            if let Err(e) = self.conn.execute_batch(sql) {
                eprintln!("cleanup {sql:?} failed: {e}");
            }
        }
    }
}

/// Whether the tests run under CI (`CI=true` or `CI=1`), where every
/// dialect must run.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Waits until `check` holds, at most 60 s (replication, promotion and
/// restarts take a moment), and returns how long it took.
pub fn eventually(what: &str, mut check: impl FnMut() -> bool) -> std::time::Duration {
    let start = std::time::Instant::now();
    while !check() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "{what}: not within 60 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    start.elapsed()
}

/// A name unique to this test run, usable as a schema or database name.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// The URL of a server dialect (`"postgres"` or `"mysql"`). Panics when it
/// is not set or the driver is not compiled in: a test that runs needs its
/// server (without one the test is ignored, see the module docs).
pub fn server_url(dialect: &str) -> String {
    let (var, feature_on) = match dialect {
        "postgres" => ("ORM_TEST_POSTGRES_URL", cfg!(feature = "postgres")),
        "mysql" => ("ORM_TEST_MYSQL_URL", cfg!(feature = "mysql")),
        other => panic!("{other} is not a server dialect"),
    };
    let url = std::env::var(var).ok().filter(|u| !u.is_empty());
    match (url, feature_on) {
        (Some(url), true) => url,
        (Some(_), false) => {
            panic!("{var} is set but this build lacks the driver (cargo test --all-features)")
        }
        (None, _) => panic!(
            "{var} is not set: this {dialect} test needs its server \
             (scripts/servers start DIR starts one)"
        ),
    }
}

fn postgres() -> TestDb {
    let url = server_url("postgres");
    let conn = Connection::open(&url)
        .unwrap_or_else(|e| panic!("PostgreSQL at ORM_TEST_POSTGRES_URL is unreachable: {e}"));
    let schema = unique_name("t");
    conn.execute_batch(&format!(
        "CREATE SCHEMA \"{schema}\"; SET search_path TO \"{schema}\""
    ))
    .expect("create a test schema");
    TestDb {
        conn,
        cleanup: Some(format!("DROP SCHEMA \"{schema}\" CASCADE")),
    }
}

fn mysql() -> TestDb {
    let url = server_url("mysql");
    let conn = Connection::open(&url)
        .unwrap_or_else(|e| panic!("MySQL at ORM_TEST_MYSQL_URL is unreachable: {e}"));
    let db = unique_name("t");
    conn.execute_batch(&format!(
        "CREATE DATABASE `{db}` CHARACTER SET utf8mb4; USE `{db}`"
    ))
    .expect("create a test database");
    TestDb {
        conn,
        cleanup: Some(format!("DROP DATABASE `{db}`")),
    }
}

/// A fresh database of `dialect` (`"sqlite"`, `"postgres"` or `"mysql"`),
/// dropped with the returned value. Panics when a server dialect is not
/// configured or cannot be reached.
pub fn test_db(dialect: &str) -> TestDb {
    match dialect {
        "sqlite" => TestDb {
            conn: Connection::open("sqlite::memory:").expect("in-memory SQLite opens"),
            cleanup: None,
        },
        "postgres" => postgres(),
        "mysql" => mysql(),
        other => panic!("unknown test dialect {other}"),
    }
}

/// Runs `test` against a fresh database of `dialect` (what `db_test!`'s
/// tests call).
pub fn run_on(dialect: &str, test: impl FnOnce(&Connection)) {
    let db = test_db(dialect);
    test(&db);
}

/// A temporary file path that is removed when dropped.
pub struct TempDb(pub std::path::PathBuf);

impl TempDb {
    pub fn new(tag: &str) -> Self {
        let mut p = std::env::temp_dir();
        p.push(format!("orm-test-{}.db", unique_name(tag)));
        TempDb(p)
    }

    pub fn url(&self) -> String {
        format!("sqlite://{}", self.0.display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

/// A URL of a database of `dialect` of its own, for tests that open several
/// connections (pools, stress): SQLite gets a file database in WAL mode,
/// PostgreSQL a schema of its own (through the `options` URL parameter),
/// MySQL a database of its own. Dropped when the returned guard is.
pub fn test_url(dialect: &str) -> (String, Box<dyn std::any::Any>) {
    match dialect {
        "sqlite" => {
            let file = TempDb::new("urls");
            (format!("{}?journal_mode=wal", file.url()), Box::new(file))
        }
        "postgres" => {
            let db = postgres();
            let base = server_url("postgres");
            let schema = db
                .conn
                .query::<(String,)>("SELECT current_schema()", ())
                .expect("current schema")
                .remove(0)
                .0;
            let sep = if base.contains('?') { '&' } else { '?' };
            let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
            (url, Box::new(db))
        }
        "mysql" => {
            let db = mysql();
            let base = server_url("mysql");
            let name = db
                .conn
                .query::<(String,)>("SELECT DATABASE()", ())
                .expect("current database")
                .remove(0)
                .0;
            let (head, query) = base
                .split_once('?')
                .map_or((base.as_str(), None), |(h, q)| (h, Some(q)));
            let prefix = head.rsplit_once('/').map_or(head, |(p, _)| p);
            let url = match query {
                Some(q) => format!("{prefix}/{name}?{q}"),
                None => format!("{prefix}/{name}"),
            };
            (url, Box::new(db))
        }
        other => panic!("unknown test dialect {other}"),
    }
}

/// Runs `test` with the URL of a database of `dialect` of its own and the
/// dialect's name (what `db_url_test!`'s tests call).
pub fn run_with_url(dialect: &str, test: impl FnOnce(&str, &str)) {
    let (url, _guard) = test_url(dialect);
    test(&url, dialect);
}

/// Makes `fn $name(conn: &Connection)` (defined next to it) one test per
/// dialect, in a module named after it: `$name::sqlite`, `$name::postgres`,
/// `$name::mysql`, each on a fresh database. The server dialects are
/// `ignored` (with the reason) when their URL is not set at build time.
///
/// ```ignore
/// /// Doc comments and other attributes stay on the function.
/// fn saves_records(conn: &Connection) {
///     conn.sync::<Record>().unwrap();
/// }
/// db_test!(saves_records);
/// ```
///
/// `db_test!(name: postgres, mysql)` makes only the listed dialects' tests.
#[allow(unused_macros)] // not every test file uses every macro
macro_rules! db_test {
    ($name:ident) => {
        $crate::common::db_test!($name: sqlite, postgres, mysql);
    };
    ($name:ident: $($dialect:ident),+ $(,)?) => {
        mod $name {
            $($crate::common::dialect_test!(run_on, $name, $dialect);)+
        }
    };
}

/// `db_test!` for `fn $name(url: &str, dialect: &str)`: the URL of a
/// database of the dialect's own (see [`test_url`]) and the dialect's name
/// (`"sqlite"`, `"postgres"` or `"mysql"`).
#[allow(unused_macros)] // not every test file uses every macro
macro_rules! db_url_test {
    ($name:ident) => {
        $crate::common::db_url_test!($name: sqlite, postgres, mysql);
    };
    ($name:ident: $($dialect:ident),+ $(,)?) => {
        mod $name {
            $($crate::common::dialect_test!(run_with_url, $name, $dialect);)+
        }
    };
}

/// One dialect's `#[test]` of a `db_test!` / `db_url_test!`, calling
/// `common::$runner("dialect", super::$name)`.
#[allow(unused_macros)] // not every test file uses every macro
macro_rules! dialect_test {
    ($runner:ident, $name:ident, sqlite) => {
        #[test]
        fn sqlite() {
            $crate::common::$runner("sqlite", super::$name)
        }
    };
    ($runner:ident, $name:ident, postgres) => {
        #[test]
        #[cfg_attr(
            not(orm_test_postgres),
            ignore = "PostgreSQL: ORM_TEST_POSTGRES_URL is not set (or the postgres feature is off)"
        )]
        fn postgres() {
            $crate::common::$runner("postgres", super::$name)
        }
    };
    ($runner:ident, $name:ident, mysql) => {
        #[test]
        #[cfg_attr(
            not(orm_test_mysql),
            ignore = "MariaDB: ORM_TEST_MYSQL_URL is not set (or the mysql feature is off)"
        )]
        fn mysql() {
            $crate::common::$runner("mysql", super::$name)
        }
    };
}

#[allow(unused_imports)]
pub(crate) use {db_test, db_url_test, dialect_test};
