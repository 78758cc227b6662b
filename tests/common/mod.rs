//! Shared test harness: every test runs against each available database.
//!
//! - SQLite (in memory, a fresh database per test) is always available.
//! - PostgreSQL when `ORM_TEST_POSTGRES_URL` is set: each test gets a schema
//!   of its own (dropped afterwards), so tests run in parallel.
//! - MySQL / MariaDB when `ORM_TEST_MYSQL_URL` is set: each test gets a
//!   database of its own (dropped afterwards).
//!
//! A dialect that is not configured is skipped with a notice on stderr (once
//! per test binary, past the test harness's output capture). Under `CI=true`
//! a missing URL, a driver not compiled in, or a server that cannot be reached
//! fails the test instead.
#![allow(dead_code)]

use std::io::Write as _;
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

use orm::prelude::*;

pub mod pg_server;

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

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Says something on the real stderr, past libtest's capture.
fn notice(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}

static SKIP_PG: Once = Once::new();
static SKIP_MY: Once = Once::new();

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

/// The URL of a server dialect, or `None` (with a notice) when it is not
/// configured. Panics under CI.
pub fn server_url(var: &str, feature_on: bool, once: &Once) -> Option<String> {
    let url = std::env::var(var).ok().filter(|u| !u.is_empty());
    let problem = match (&url, feature_on) {
        (Some(_), true) => return url,
        (Some(_), false) => {
            format!("{var} is set but this build lacks the driver (cargo test --all-features)")
        }
        (None, _) => format!("{var} is not set"),
    };
    if in_ci() {
        panic!("{problem}: under CI every dialect must run (scripts/test-all starts the servers)");
    }
    once.call_once(|| notice(&format!("SKIPPED dialect: {problem}; only SQLite ran")));
    None
}

fn postgres() -> Option<TestDb> {
    let url = server_url(
        "ORM_TEST_POSTGRES_URL",
        cfg!(feature = "postgres"),
        &SKIP_PG,
    )?;
    let conn = Connection::open(&url)
        .unwrap_or_else(|e| panic!("PostgreSQL at ORM_TEST_POSTGRES_URL is unreachable: {e}"));
    let schema = unique_name("t");
    conn.execute_batch(&format!(
        "CREATE SCHEMA \"{schema}\"; SET search_path TO \"{schema}\""
    ))
    .expect("create a test schema");
    Some(TestDb {
        conn,
        cleanup: Some(format!("DROP SCHEMA \"{schema}\" CASCADE")),
    })
}

fn mysql() -> Option<TestDb> {
    let url = server_url("ORM_TEST_MYSQL_URL", cfg!(feature = "mysql"), &SKIP_MY)?;
    let conn = Connection::open(&url)
        .unwrap_or_else(|e| panic!("MySQL at ORM_TEST_MYSQL_URL is unreachable: {e}"));
    let db = unique_name("t");
    conn.execute_batch(&format!(
        "CREATE DATABASE `{db}` CHARACTER SET utf8mb4; USE `{db}`"
    ))
    .expect("create a test database");
    Some(TestDb {
        conn,
        cleanup: Some(format!("DROP DATABASE `{db}`")),
    })
}

/// A fresh database of every available dialect, named.
pub fn databases() -> Vec<(&'static str, TestDb)> {
    let mut out = vec![(
        "sqlite",
        TestDb {
            conn: Connection::open("sqlite::memory:").expect("in-memory SQLite opens"),
            cleanup: None,
        },
    )];
    if let Some(db) = postgres() {
        out.push(("postgres", db));
    }
    if let Some(db) = mysql() {
        out.push(("mysql", db));
    }
    out
}

/// Runs `f` against a fresh database of every available dialect.
pub fn each_db(f: impl Fn(&Connection)) {
    for (name, db) in databases() {
        eprintln!("-- on {name}");
        f(&db);
    }
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

/// A URL of every available dialect for tests that open several connections
/// (pools, stress): SQLite gets a file database in WAL mode, PostgreSQL a
/// schema of its own (through the `options` URL parameter), MySQL a database
/// of its own. Dropped when the returned guard is.
pub fn database_urls() -> Vec<(&'static str, String, Box<dyn std::any::Any>)> {
    let mut out: Vec<(&'static str, String, Box<dyn std::any::Any>)> = Vec::new();
    let file = TempDb::new("urls");
    out.push((
        "sqlite",
        format!("{}?journal_mode=wal", file.url()),
        Box::new(file),
    ));
    if let Some(db) = postgres() {
        let base = std::env::var("ORM_TEST_POSTGRES_URL").unwrap_or_default();
        let schema = db
            .conn
            .query::<(String,)>("SELECT current_schema()", ())
            .expect("current schema")
            .remove(0)
            .0;
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
        out.push(("postgres", url, Box::new(db)));
    }
    if let Some(db) = mysql() {
        let base = std::env::var("ORM_TEST_MYSQL_URL").unwrap_or_default();
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
        out.push(("mysql", url, Box::new(db)));
    }
    out
}
