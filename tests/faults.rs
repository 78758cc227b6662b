//! Faults: a throw-away PostgreSQL is killed in the middle of a stress run
//! and restarted. Each transfer carries an idempotency key written in its
//! transaction, so the transfers caught by the crash go on with new
//! connections once the server is back (a lost commit is looked up by its
//! key, never applied twice): nothing fails, nothing panics, and afterwards
//! the sum of balances is the initial total.
#![cfg(feature = "postgres")]

mod common;

#[path = "../examples/bank.rs"]
#[allow(dead_code)]
mod bank;

use std::time::Duration;

use common::pg_server::PgServer;
use orm::prelude::*;

/// Runs with the PostgreSQL tests (`ORM_TEST_POSTGRES_URL` set), on a
/// server of its own: without PostgreSQL's binaries it fails.
#[test]
#[cfg_attr(
    not(orm_test_postgres),
    ignore = "PostgreSQL: ORM_TEST_POSTGRES_URL is not set (or the postgres feature is off)"
)]
fn killing_the_server_mid_stress_loses_no_money() {
    let server = PgServer::start("faults", &["max_connections = 50"], None, |_, _| {})
        .unwrap_or_else(|why| panic!("faults needs a PostgreSQL server of its own: {why}"));
    let opts = bank::Options {
        url: server.url(),
        stress: true,
        threads: 4,
        accounts: 20,
        transfers: 40_000,
    };
    let outcome = std::thread::scope(|s| {
        let run = s.spawn(|| bank::run_stress(&opts));
        std::thread::sleep(Duration::from_millis(1500));
        server.kill();
        std::thread::sleep(Duration::from_millis(1000));
        if let Err(e) = server.restart() {
            // The stress workers would wait for the server forever: fail the
            // whole test binary loudly instead of hanging.
            eprintln!("faults: the PostgreSQL server did not restart: {e}");
            std::process::exit(1);
        }
        run.join()
    });
    let report = outcome
        .expect("the stress run does not panic")
        .unwrap_or_else(|e| panic!("the stress run reports instead of failing: {e}"));
    eprintln!("{report}");
    assert!(
        report.reconnects > 0,
        "the kill happened mid-run, so some transfers needed a new connection"
    );
    assert_eq!(report.failed, 0, "every transfer resumed after the restart");
    assert_eq!(report.committed, opts.transfers);
    assert_eq!(report.total_before, 20 * 1000);
    // Read the total on a fresh connection, after recovery.
    let conn = Connection::open(&server.url()).unwrap();
    let balances: Vec<i64> = bank_balances(&conn);
    assert_eq!(
        balances.iter().sum::<i64>(),
        report.total_before,
        "no money created or lost"
    );
    assert_eq!(report.total_after, report.total_before);
}

fn bank_balances(conn: &Connection) -> Vec<i64> {
    conn.query::<(i64,)>("SELECT balance FROM accounts", ())
        .unwrap()
        .into_iter()
        .map(|r| r.0)
        .collect()
}

/// The bank's stress run with 8 threads through a multi-host URL
/// (`target_session_attrs=read-write`) over a primary and its synchronous
/// hot standby; mid-run the primary crashes and the standby is promoted.
/// Every transfer commits exactly once: none fails, each idempotency key
/// is recorded once, and the total is conserved.
#[test]
#[cfg_attr(
    not(orm_test_postgres),
    ignore = "PostgreSQL: ORM_TEST_POSTGRES_URL is not set (or the postgres feature is off)"
)]
fn bank_stress_through_a_multi_host_url_survives_a_failover() {
    let primary = PgServer::start(
        "bank-primary",
        &[
            "wal_level = replica",
            "synchronous_standby_names = '*'",
            "max_connections = 50",
        ],
        None,
        |_, _| {},
    )
    .unwrap_or_else(|why| panic!("the failover needs PostgreSQL servers of its own: {why}"));
    let standby = PgServer::standby_of(
        &primary,
        "bank-standby",
        &["synchronous_standby_names = ''"],
    )
    .unwrap_or_else(|why| panic!("no standby: {why}"));
    let url = format!(
        "postgresql://postgres@127.0.0.1:{},127.0.0.1:{}/postgres?sslmode=disable\
         &connect_timeout=5&target_session_attrs=read-write",
        primary.port, standby.port
    );
    let opts = bank::Options {
        url,
        stress: true,
        threads: 8,
        accounts: 20,
        transfers: 3_000,
    };
    let started = std::time::Instant::now();
    let outcome = std::thread::scope(|s| {
        let run = s.spawn(|| bank::run_stress(&opts));
        std::thread::sleep(Duration::from_millis(1500));
        primary.kill();
        if let Err(e) = standby.promote() {
            eprintln!("faults: the standby was not promoted: {e}");
            std::process::exit(1);
        }
        run.join()
    });
    let report = outcome
        .expect("the stress run does not panic")
        .unwrap_or_else(|e| panic!("the stress run reports instead of failing: {e}"));
    eprintln!(
        "bank failover through a multi-host URL: {report} (whole run {:?})",
        started.elapsed()
    );
    assert!(
        report.committed < opts.transfers || report.reconnects > 0,
        "the crash happened mid-run"
    );
    assert_eq!(
        report.failed, 0,
        "every transfer resumed on the new primary"
    );
    assert_eq!(report.committed, opts.transfers);
    let conn = Connection::open(&standby.url()).unwrap();
    let keys: Vec<(i64,)> = conn
        .query(
            "SELECT COUNT(*) FROM orm_idempotency_keys WHERE idempotency_key LIKE 'bank-%'",
            (),
        )
        .unwrap();
    assert_eq!(
        keys[0].0 as u64, opts.transfers,
        "each transfer recorded exactly once"
    );
    let balances = bank_balances(&conn);
    assert_eq!(balances.iter().sum::<i64>(), 20 * 1000, "money conserved");
    assert_eq!(report.total_after, report.total_before);
}
