//! Under CI every dialect must run. The PostgreSQL and MariaDB tests are
//! ignored (with the reason) when `cfg(orm_test_postgres)` /
//! `cfg(orm_test_mysql)` is off, that is when the build did not see the
//! server's URL or the driver feature (see `build.rs`); this test makes that
//! a failure under `CI=true` (or `CI=1`), so that no ignored test can hide a
//! missing server there. Outside CI it passes without checking anything.

#[test]
fn ci_requires_every_server() {
    if !std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        return; // not CI: nothing to check (server tests show as ignored)
    }
    let mut missing = Vec::new();
    for (var, cfg_on, feature_on, cfg) in [
        (
            "ORM_TEST_POSTGRES_URL",
            cfg!(orm_test_postgres),
            cfg!(feature = "postgres"),
            "orm_test_postgres",
        ),
        (
            "ORM_TEST_MYSQL_URL",
            cfg!(orm_test_mysql),
            cfg!(feature = "mysql"),
            "orm_test_mysql",
        ),
    ] {
        if std::env::var(var).map_or(true, |u| u.is_empty()) {
            missing.push(format!("{var} is not set"));
        }
        if !feature_on {
            missing.push(format!(
                "the {} feature is off (cargo test --all-features)",
                &cfg["orm_test_".len()..]
            ));
        }
        if !cfg_on {
            missing.push(format!(
                "cfg({cfg}) is off: this build ignores the tests that need that server"
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "under CI every dialect must run (scripts/test-all starts the servers): {}",
        missing.join("; ")
    );
}
