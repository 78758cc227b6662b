//! orm against raw rusqlite doing the same work, on in-memory SQLite.
//!
//! `cargo bench --bench sqlite` prints, for each operation, the median time
//! per operation over several rounds, for orm and for rusqlite, and their
//! ratio. Nothing is asserted: timings are for reading, not for tests.

use std::hint::black_box;
use std::time::{Duration, Instant};

use orm::prelude::*;

#[derive(Model, Debug, Clone, Default)]
struct Account {
    id: i64,
    owner: String,
    balance: i64,
    rate: f64,
    note: Option<String>,
}

const ROWS: i64 = 1_000;

fn setup() -> (Connection, rusqlite::Connection) {
    let conn = Connection::open("sqlite::memory:").unwrap();
    conn.sync::<Account>().unwrap();
    let rows: Vec<Account> = (1..=ROWS)
        .map(|i| Account {
            id: i,
            owner: format!("owner number {i}"),
            balance: i * 10,
            rate: i as f64 / 7.0,
            note: (i % 2 == 0).then(|| format!("note {i}")),
        })
        .collect();
    Accounts::insert_all(&conn, &rows).unwrap();

    let raw = rusqlite::Connection::open_in_memory().unwrap();
    raw.execute_batch(
        "CREATE TABLE accounts (id INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL, \
         balance BIGINT NOT NULL, rate DOUBLE NOT NULL, note TEXT)",
    )
    .unwrap();
    {
        let mut stmt = raw
            .prepare("INSERT INTO accounts (id, owner, balance, rate, note) VALUES (?, ?, ?, ?, ?)")
            .unwrap();
        for r in &rows {
            stmt.execute(rusqlite::params![r.id, r.owner, r.balance, r.rate, r.note])
                .unwrap();
        }
    }
    (conn, raw)
}

fn raw_account(row: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        id: row.get(0)?,
        owner: row.get(1)?,
        balance: row.get(2)?,
        rate: row.get(3)?,
        note: row.get(4)?,
    })
}

/// Median time per call of `a` and of `b`, over `rounds` rounds of `iters`
/// calls each; the rounds of the two alternate, so that drift in the
/// machine's speed affects both alike.
fn measure_pair(
    iters: u32,
    rounds: usize,
    mut a: impl FnMut(),
    mut b: impl FnMut(),
) -> (Duration, Duration) {
    for _ in 0..iters / 10 + 1 {
        a();
        b();
    }
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..iters {
            f();
        }
        start.elapsed() / iters
    };
    let (mut sa, mut sb) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        sa.push(time(&mut a));
        sb.push(time(&mut b));
    }
    sa.sort();
    sb.sort();
    (sa[rounds / 2], sb[rounds / 2])
}

fn report(name: &str, orm: Duration, raw: Duration) {
    println!(
        "{name:<34} {:>12.2?} {:>12.2?} {:>8.3}",
        orm,
        raw,
        orm.as_secs_f64() / raw.as_secs_f64()
    );
}

fn main() {
    let (conn, raw) = setup();
    let rounds = 15;
    println!(
        "{:<34} {:>12} {:>12} {:>8}",
        "operation", "orm", "rusqlite", "orm/raw"
    );

    let counter = std::cell::Cell::new(0i64);
    let next = || {
        let id = counter.get() % ROWS + 1;
        counter.set(id);
        id
    };
    let (orm_find, raw_find) = measure_pair(
        20_000,
        rounds,
        || {
            let id = next();
            black_box(Accounts::find(&conn, id).unwrap());
        },
        || {
            let id = next();
            let mut stmt = raw
                .prepare_cached(
                    "SELECT id, owner, balance, rate, note FROM accounts WHERE id = ? LIMIT 1",
                )
                .unwrap();
            black_box(stmt.query_row([id], raw_account).unwrap());
        },
    );
    report("find by key", orm_find, raw_find);

    let (orm_all, raw_all) = measure_pair(
        200,
        rounds,
        || {
            black_box(Accounts::all().all(&conn).unwrap());
        },
        || {
            let mut stmt = raw
                .prepare_cached("SELECT id, owner, balance, rate, note FROM accounts")
                .unwrap();
            let v: Vec<Account> = stmt
                .query_map([], raw_account)
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            black_box(v);
        },
    );
    report("all 1000 rows (decode)", orm_all, raw_all);

    let (orm_scope, raw_scope) = measure_pair(
        2_000,
        rounds,
        || {
            black_box(
                Accounts::all()
                    .filter(Accounts::BALANCE.gt(5_000))
                    .order("balance DESC")
                    .limit(20)
                    .all(&conn)
                    .unwrap(),
            );
        },
        || {
            let mut stmt = raw
            .prepare_cached(
                "SELECT id, owner, balance, rate, note FROM accounts WHERE balance > ? ORDER BY balance DESC LIMIT 20",
            )
            .unwrap();
            let v: Vec<Account> = stmt
                .query_map([5_000], raw_account)
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            black_box(v);
        },
    );
    report("scope: where/order/limit 20", orm_scope, raw_scope);

    let (orm_count, raw_count) = measure_pair(
        20_000,
        rounds,
        || {
            black_box(
                Accounts::all()
                    .filter(Accounts::BALANCE.gt(5_000))
                    .count(&conn)
                    .unwrap(),
            );
        },
        || {
            let mut stmt = raw
                .prepare_cached("SELECT COUNT(*) FROM accounts WHERE balance > ?")
                .unwrap();
            black_box(stmt.query_row([5_000], |r| r.get::<_, i64>(0)).unwrap());
        },
    );
    report("count with condition", orm_count, raw_count);

    let (orm_update, raw_update) = measure_pair(
        20_000,
        rounds,
        || {
            let id = next();
            let mut a = Account {
                id,
                owner: "x".into(),
                balance: id,
                rate: 1.0,
                note: None,
            };
            a.save(&conn).unwrap();
        },
        || {
            let id = next();
            let mut stmt = raw
                .prepare_cached(
                    "UPDATE accounts SET owner = ?, balance = ?, rate = ?, note = ? WHERE id = ?",
                )
                .unwrap();
            stmt.execute(rusqlite::params!["x", id, 1.0, None::<String>, id])
                .unwrap();
        },
    );
    report("save (update by key)", orm_update, raw_update);
}
