//! Shared test harness: every test runs against each available database.
//!
//! SQLite (in memory, a fresh database per test) is always available. Server
//! dialects slot in here when they are built: each reads its URL from the
//! environment, and under `CI=true` an unreachable server is a failure, not a
//! skip.
#![allow(dead_code)]

use orm::prelude::*;

/// A fresh database of every available dialect, named.
pub fn databases() -> Vec<(&'static str, Connection)> {
    let out = vec![(
        "sqlite",
        Connection::open("sqlite::memory:").expect("in-memory SQLite opens"),
    )];
    for var in ["ORM_TEST_POSTGRES_URL", "ORM_TEST_MYSQL_URL"] {
        if std::env::var_os(var).is_some() {
            let msg = format!(
                "{var} is set, but this build has no driver for it yet: the server dialects are not built"
            );
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("{msg}");
            }
            eprintln!("SKIPPED: {msg}");
        }
    }
    out
}

/// Runs `f` against a fresh database of every available dialect.
pub fn each_db(f: impl Fn(&Connection)) {
    for (name, conn) in databases() {
        eprintln!("-- on {name}");
        f(&conn);
    }
}

/// A temporary file path that is removed when dropped.
pub struct TempDb(pub std::path::PathBuf);

impl TempDb {
    pub fn new(tag: &str) -> Self {
        let mut p = std::env::temp_dir();
        p.push(format!(
            "orm-test-{tag}-{}-{}.db",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
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
