//! Build script of the `orm` facade crate. It exists for the integration
//! tests only: the library's code never uses what it sets.
//!
//! libtest can only mark a test as ignored when the test is compiled, so
//! whether a database server is configured has to be known at build time.
//! This script sets:
//!
//! - `cfg(orm_test_postgres)` when `ORM_TEST_POSTGRES_URL` is set (and not
//!   empty) and the `postgres` feature is on;
//! - `cfg(orm_test_mysql)` when `ORM_TEST_MYSQL_URL` is set (and not empty)
//!   and the `mysql` feature is on.
//!
//! The tests that need a server carry
//! `#[cfg_attr(not(orm_test_postgres), ignore = "...")]` (or the MySQL one),
//! so without a server they are listed as `ignored` with the reason, never
//! counted as passed. `tests/it/ci_servers.rs` fails under `CI=true` when either
//! cfg is off, so that an ignored test cannot hide a missing server in CI.
//!
//! Changing either variable re-runs this script, which rebuilds the crate
//! and its tests.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    for (cfg, var, feature) in [
        (
            "orm_test_postgres",
            "ORM_TEST_POSTGRES_URL",
            "CARGO_FEATURE_POSTGRES",
        ),
        (
            "orm_test_mysql",
            "ORM_TEST_MYSQL_URL",
            "CARGO_FEATURE_MYSQL",
        ),
    ] {
        println!("cargo::rerun-if-env-changed={var}");
        println!("cargo::rustc-check-cfg=cfg({cfg})");
        let url_set = std::env::var_os(var).is_some_and(|v| !v.is_empty());
        let feature_on = std::env::var_os(feature).is_some();
        if url_set && feature_on {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}
