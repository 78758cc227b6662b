//! Transactions: commit, rollback on error and on panic, savepoints, and the
//! retrying form on real lock contention.

use std::sync::mpsc;
use std::time::Duration;

use crate::common::{db_test, db_url_test, TempDb};
use orm::prelude::*;

#[derive(Model, Debug, Clone, Default, PartialEq)]
struct Account {
    id: i64,
    balance: i64,
}

fn count(conn: &Connection) -> i64 {
    Accounts::count(conn).unwrap()
}

fn new_account(balance: i64) -> Account {
    Account { id: 0, balance }
}

fn commit_on_ok(conn: &Connection) {
    conn.sync::<Account>().unwrap();
    let id = conn
        .transaction(|tx| {
            assert!(tx.in_transaction());
            let mut a = new_account(5);
            a.save(tx)?;
            Ok(a.id)
        })
        .unwrap();
    assert!(!conn.in_transaction());
    assert_eq!(Accounts::find(conn, id).unwrap().balance, 5);
}
db_test!(commit_on_ok);

fn rollback_on_error_leaves_nothing_written(conn: &Connection) {
    conn.sync::<Account>().unwrap();
    let res: orm::Result<()> = conn.transaction(|tx| {
        new_account(1).save(tx)?;
        new_account(2).save(tx)?;
        Err(Error::invalid("changed my mind"))
    });
    assert!(matches!(res, Err(Error::InvalidQuery { .. })));
    assert_eq!(count(conn), 0);
    assert!(!conn.in_transaction());
}
db_test!(rollback_on_error_leaves_nothing_written);

fn rollback_on_panic(conn: &Connection) {
    conn.sync::<Account>().unwrap();
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _: orm::Result<()> = conn.transaction(|tx| {
            new_account(1).save(tx)?;
            panic!("boom");
        });
    }));
    assert!(res.is_err());
    assert!(!conn.in_transaction());
    assert_eq!(count(conn), 0);
    // The connection is usable afterwards.
    new_account(3).save(conn).unwrap();
    assert_eq!(count(conn), 1);
}
db_test!(rollback_on_panic);

fn nested_transactions_use_savepoints(conn: &Connection) {
    conn.sync::<Account>().unwrap();
    conn.transaction(|tx| {
        new_account(1).save(tx)?;
        let inner: orm::Result<()> = tx.transaction(|tx2| {
            new_account(2).save(tx2)?;
            Err(Error::invalid("inner fails"))
        });
        assert!(inner.is_err());
        assert_eq!(count(tx), 1, "only the inner work was undone");
        tx.transaction(|tx2| new_account(3).save(tx2))?;
        Ok(())
    })
    .unwrap();
    let balances: Vec<i64> = Accounts::order("balance")
        .pluck(conn, Accounts::BALANCE)
        .unwrap();
    assert_eq!(balances, [1, 3]);
    // An outer failure undoes committed savepoints too.
    let res: orm::Result<()> = conn.transaction(|tx| {
        tx.transaction(|tx2| new_account(4).save(tx2))?;
        Err(Error::invalid("outer fails"))
    });
    assert!(res.is_err());
    assert_eq!(count(conn), 2);
}
db_test!(nested_transactions_use_savepoints);

fn non_retryable_errors_are_not_retried(conn: &Connection) {
    conn.sync::<Account>().unwrap();
    let mut runs = 0;
    let res: orm::Result<()> = conn.retry_transaction(&RetryPolicy::default(), |tx| {
        runs += 1;
        tx.execute("INSERT INTO nowhere VALUES (1)", ())?;
        Ok(())
    });
    assert!(matches!(res, Err(Error::UnknownTable { .. })), "{res:?}");
    assert_eq!(runs, 1);
}
db_test!(non_retryable_errors_are_not_retried);

fn fast_policy(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        initial_backoff: Duration::from_millis(5),
        multiplier: 2.0,
        max_backoff: Duration::from_millis(40),
        jitter: 0.5,
        ..RetryPolicy::default()
    }
}

/// Holds SQLite's write lock on `url` from another connection until told to
/// let go.
fn hold_write_lock(url: String) -> (mpsc::Sender<()>, std::thread::JoinHandle<()>) {
    let (locked_tx, locked_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let handle = std::thread::spawn(move || {
        let holder = Connection::open(&url).unwrap();
        holder.execute_batch("BEGIN IMMEDIATE").unwrap();
        locked_tx.send(()).unwrap();
        let _ = release_rx.recv();
        holder.execute_batch("COMMIT").unwrap();
    });
    locked_rx.recv().unwrap();
    (release_tx, handle)
}

#[test]
fn retrying_transaction_waits_out_a_busy_database() {
    let db = TempDb::new("busy");
    let url = format!("{}?busy_timeout=0", db.url());
    let conn = Connection::open(&url).unwrap();
    conn.sync::<Account>().unwrap();
    new_account(100).save(&conn).unwrap();

    let (release, holder) = hold_write_lock(db.url());
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(150));
        let _ = release.send(());
    });
    let (balance, attempts) = conn
        .retry_transaction_counted(&fast_policy(100), |tx| {
            let mut a = Accounts::find(tx, 1)?;
            a.balance += 1;
            a.save(tx)?;
            Ok(a.balance)
        })
        .unwrap();
    releaser.join().unwrap();
    holder.join().unwrap();
    assert_eq!(balance, 101);
    assert!(attempts > 1, "the lock forced at least one retry");
    assert_eq!(Accounts::find(&conn, 1).unwrap().balance, 101);
}

#[test]
fn retries_run_out_with_a_typed_error() {
    let db = TempDb::new("exhausted");
    let conn = Connection::open(&format!("{}?busy_timeout=0", db.url())).unwrap();
    conn.sync::<Account>().unwrap();
    let (release, holder) = hold_write_lock(db.url());
    let mut runs = 0;
    let res = conn.retry_transaction(&fast_policy(3), |tx| {
        runs += 1;
        new_account(1).save(tx)
    });
    release.send(()).unwrap();
    holder.join().unwrap();
    match res {
        Err(Error::RetriesExhausted { attempts, last }) => {
            assert_eq!(attempts, 3);
            assert!(last.is_retryable(), "{last:?}");
        }
        other => panic!("expected RetriesExhausted, got {other:?}"),
    }
    assert_eq!(runs, 3);
    assert_eq!(count(&conn), 0);
}

#[test]
fn deadline_stops_retrying() {
    let db = TempDb::new("deadline");
    let conn = Connection::open(&format!("{}?busy_timeout=0", db.url())).unwrap();
    conn.sync::<Account>().unwrap();
    let (release, holder) = hold_write_lock(db.url());
    let policy = RetryPolicy {
        deadline: Some(Duration::from_millis(60)),
        ..fast_policy(1000)
    };
    let res = conn.retry_transaction(&policy, |tx| new_account(1).save(tx));
    release.send(()).unwrap();
    holder.join().unwrap();
    assert!(matches!(res, Err(Error::RetriesExhausted { attempts, .. }) if attempts < 1000));
}

fn isolation_levels_and_read_only_transactions(conn: &Connection) {
    use orm::{Isolation, TxOptions};
    conn.sync::<Account>().unwrap();
    for level in [
        Isolation::ReadCommitted,
        Isolation::RepeatableRead,
        Isolation::Serializable,
    ] {
        let opts = TxOptions::default().isolation(level);
        // A priority is CockroachDB's: refused here, before anything runs.
        let err = conn
            .transaction_with(&opts.priority(orm::TxPriority::High), |_| Ok(()))
            .unwrap_err();
        assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
        conn.transaction_with(&opts, |tx| new_account(1).save(tx))
            .unwrap();
    }
    assert_eq!(count(conn), 3);
    // A read-only transaction reads, and refuses to write.
    let ro = TxOptions::serializable().read_only();
    assert_eq!(conn.transaction_with(&ro, |tx| Ok(count(tx))).unwrap(), 3);
    let err = conn
        .transaction_with(&ro, |tx| new_account(1).save(tx))
        .unwrap_err();
    assert!(
        !matches!(err, Error::InvalidQuery { .. }),
        "a database refusal: {err:?}"
    );
    assert_eq!(count(conn), 3);
    // The connection is read-write again afterwards.
    new_account(1).save(conn).unwrap();
    assert_eq!(count(conn), 4);
    // Options apply to the outermost transaction only.
    let nested = conn.transaction(|tx| tx.transaction_with(&ro, |_| Ok(())));
    assert!(matches!(nested, Err(Error::InvalidQuery { .. })));
    // A retrying transaction takes options and reports its attempts.
    let (n, attempts) = conn
        .retry_transaction_with(&RetryPolicy::default(), &TxOptions::serializable(), |tx| {
            Ok(count(tx))
        })
        .unwrap();
    assert_eq!((n, attempts), (4, 1));
}
db_test!(isolation_levels_and_read_only_transactions);

/// Read-modify-write under the database's default isolation: with
/// `for_update` no increment is lost, whatever the interleaving (PostgreSQL
/// and MariaDB lock the row; SQLite locks the database and retries).
fn for_update_loses_no_increment(url: &str, name: &str) {
    const THREADS: i64 = 4;
    const EACH: i64 = 25;
    let setup = Connection::open(url).unwrap();
    setup.sync::<Account>().unwrap();
    let mut acc = new_account(0);
    acc.save(&setup).unwrap();
    let id = acc.id;
    let policy = RetryPolicy {
        max_attempts: 100,
        ..RetryPolicy::default()
    };
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            let policy = policy.clone();
            s.spawn(move || {
                let conn = Connection::open(url).unwrap();
                for _ in 0..EACH {
                    conn.retry_transaction(&policy, |tx| {
                        let mut a = Accounts::filter(Accounts::ID.eq(id))
                            .for_update()
                            .first(tx)?
                            .expect("the account");
                        a.balance += 1;
                        a.save(tx)
                    })
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                }
            });
        }
    });
    let a = Accounts::find(&setup, id).unwrap();
    assert_eq!(a.balance, THREADS * EACH, "{name}: an increment was lost");
    setup.execute_batch("DROP TABLE accounts").unwrap();
}
db_url_test!(for_update_loses_no_increment);

#[test]
fn for_update_sql_per_dialect() {
    let scope = Accounts::filter(Accounts::ID.eq(1)).for_update();
    let pg = orm::AnsiDialect;
    assert!(scope
        .to_sql_for(&pg)
        .unwrap()
        .sql
        .ends_with(r#"WHERE "id" = $1 FOR UPDATE"#));
    assert!(Accounts::all()
        .for_share()
        .limit(2)
        .to_sql()
        .unwrap()
        .sql
        .ends_with("LIMIT 2 FOR SHARE"));
    #[cfg(feature = "mysql")]
    assert!(Accounts::all()
        .for_share()
        .to_sql_for(&orm::dialects::mysql::MysqlDialect::DEFAULT)
        .unwrap()
        .sql
        .ends_with("LOCK IN SHARE MODE"));
    #[cfg(feature = "sqlite")]
    assert!(!scope
        .to_sql_for(&orm::dialects::sqlite::SqliteDialect)
        .unwrap()
        .sql
        .contains("FOR"));
}

/// A work queue: rows another transaction holds are skipped with
/// `skip_locked`, and `no_wait` fails at once instead of waiting. SQLite has
/// no row locks and refuses both with a typed error.
fn skip_locked_and_no_wait(url: &str, name: &str) {
    let a = Connection::open(url).unwrap();
    let b = Connection::open(url).unwrap();
    a.sync::<Account>().unwrap();
    for i in 0..3 {
        new_account(i).save(&a).unwrap();
    }
    let queue = || Accounts::all().order("id").limit(1);
    if name == "sqlite" {
        for scope in [queue().skip_locked(), queue().no_wait()] {
            let err = scope.first(&a).unwrap_err();
            assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
        }
        a.execute_batch("DROP TABLE accounts").unwrap();
        return;
    }
    a.transaction(|tx| {
        let first = queue().for_update().first(tx)?.unwrap();
        b.transaction(|tb| {
            // The first row is held by `a`: the next one is taken.
            let next = queue().skip_locked().first(tb)?.unwrap();
            assert_ne!(next.id, first.id, "{name}");
            let ids: Vec<i64> = Accounts::all()
                .order("id")
                .skip_locked()
                .pluck(tb, Accounts::ID)?;
            assert_eq!(ids.len(), 2, "{name}: the held row is skipped");
            Ok(())
        })?;
        let err = b.transaction(|tb| queue().no_wait().first(tb)).unwrap_err();
        assert!(
            !matches!(err, Error::Connection { .. }),
            "{name}: a lock error, not a lost connection: {err:?}"
        );
        // `find` through a locking scope keeps the lock.
        let err = b
            .transaction(|tb| Accounts::all().no_wait().find(tb, first.id))
            .unwrap_err();
        assert!(
            !matches!(err, Error::NotFound { .. } | Error::Connection { .. }),
            "{name}: find through a locking scope refuses the held row: {err:?}"
        );
        assert!(!b.is_broken());
        Ok(())
    })
    .unwrap();
    assert_eq!(queue().no_wait().for_update().all(&b).unwrap().len(), 1);
    a.execute_batch("DROP TABLE accounts").unwrap();
}
db_url_test!(skip_locked_and_no_wait);

/// Transaction control is a typed step the driver takes, never SQL text it
/// recognises. A user's own `COMMIT` batch inside the closure is just a
/// statement: orm's transaction stays open by its own state and its COMMIT
/// follows (SQLite refuses it, no transaction being active; PostgreSQL and
/// MySQL accept it). And only orm's own commit point turns a lost connection
/// into an ambiguous commit: the user's `COMMIT` on a killed connection is a
/// lost connection, orm's COMMIT after it an `AmbiguousCommit`.
fn a_users_commit_is_not_orms(url: &str, dialect: &str) {
    let conn = Connection::open(url).unwrap();
    conn.sync::<Account>().unwrap();
    let res = conn.transaction(|tx| {
        new_account(1).save(tx)?;
        tx.execute_batch("COMMIT")?;
        assert!(tx.in_transaction(), "orm's transaction is still open");
        Ok(())
    });
    match dialect {
        "sqlite" => assert!(
            matches!(&res, Err(Error::Database(db)) if db.message.contains("no transaction")),
            "{res:?}"
        ),
        _ => res.unwrap(),
    }
    assert!(!conn.in_transaction());
    assert!(!conn.is_broken());
    assert_eq!(count(&conn), 1, "the user's COMMIT committed the row");
    // The next transactions run as usual.
    conn.transaction(|tx| new_account(2).save(tx)).unwrap();
    let _ = conn.transaction(|tx| {
        new_account(3).save(tx)?;
        Err::<(), _>(Error::invalid("undo"))
    });
    assert_eq!(count(&conn), 2);

    let (who, kill) = match dialect {
        "sqlite" => return,
        "postgres" => (
            "SELECT pg_backend_pid()::BIGINT",
            "SELECT pg_terminate_backend(?::INT)",
        ),
        _ => ("SELECT CONNECTION_ID()", "KILL CONNECTION ?"),
    };
    let victim = Connection::open(url).unwrap();
    let id = victim.query::<(i64,)>(who, ()).unwrap()[0].0;
    let res = victim.transaction(|tx| {
        new_account(4).save(tx)?;
        conn.execute(kill, (id,)).unwrap();
        std::thread::sleep(Duration::from_millis(200));
        // The first statement reads the server's farewell, if it sent one;
        // the user's COMMIT then meets a closed connection.
        assert!(tx.query::<(i64,)>("SELECT 1", ()).is_err());
        let err = tx.execute_batch("COMMIT").unwrap_err();
        assert!(matches!(err, Error::Connection { .. }), "{err:?}");
        Ok(())
    });
    assert!(matches!(res, Err(Error::AmbiguousCommit(_))), "{res:?}");
    assert!(victim.is_broken());
    assert!(!victim.in_transaction());
    assert_eq!(count(&conn), 2, "the killed transaction was not applied");
}
db_url_test!(a_users_commit_is_not_orms);
