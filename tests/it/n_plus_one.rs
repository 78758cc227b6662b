//! N+1 detection: a relation loaded one parent at a time is reported (a
//! `warn` log, or an error in strict mode); the same work with `include`
//! is not. And `assert_queries!` pins statement counts. A test binary of its
//! own, because the logger is global.

use crate::common::db_test;
use orm::prelude::*;
use orm::NPlusOne;

#[derive(Model, Debug, Clone, Default)]
struct User {
    id: i64,
    name: String,
    posts: HasMany<Post>,
}

#[derive(Model, Debug, Clone, Default)]
struct Post {
    id: i64,
    title: String,
    user_id: i64,
    user: BelongsTo<User>,
}

/// The warnings `f` logged to `orm::sql` on this thread.
fn warnings<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    let (out, lines) = crate::common::logs::capture(f);
    let warned = lines
        .into_iter()
        .filter(|(l, _)| *l <= log::Level::Warn)
        .map(|(_, m)| m)
        .collect();
    (out, warned)
}

fn seed(conn: &Connection) {
    conn.sync::<User>().unwrap();
    conn.sync::<Post>().unwrap();
    for i in 0..30 {
        let mut u = User {
            name: format!("u{i}"),
            ..Default::default()
        };
        u.save(conn).unwrap();
        let mut p = Post {
            title: format!("p{i}"),
            ..Default::default()
        };
        u.posts().save(conn, &mut p).unwrap();
    }
}

fn n_plus_one_is_reported_and_include_is_not(conn: &Connection) {
    seed(conn);
    conn.set_n_plus_one(NPlusOne::warn());
    // 30 users, then their posts one user at a time: reported once.
    let (loaded, warned) = warnings(|| {
        conn.unit_of_work(|conn| {
            let users = Users::all().all(conn)?;
            let mut n = 0;
            for u in &users {
                n += u.posts().all(conn)?.len();
            }
            Ok(n)
        })
        .unwrap()
    });
    assert_eq!(loaded, 30);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert!(
        warned[0].contains("`posts` of users") && warned[0].contains("include"),
        "{}",
        warned[0]
    );
    // The same with include: two statements, nothing reported.
    let (_, warned) = warnings(|| {
        conn.unit_of_work(|conn| {
            let users =
                orm::assert_queries!(conn, 2, { Users::all().include(Users::POSTS).all(conn)? });
            let n: usize = users.iter().map(|u| u.posts.get().unwrap().len()).sum();
            assert_eq!(n, 30);
            Ok(())
        })
        .unwrap()
    });
    assert!(warned.is_empty(), "{warned:?}");
    // belongs-to, one post at a time, in strict mode: a typed error at the
    // threshold, inside a transaction (a unit of work of its own).
    conn.set_n_plus_one(NPlusOne::Fail { after: 5 });
    let err = conn
        .transaction(|tx| {
            for p in Posts::all().order("id").all(tx)? {
                Posts::USER.parent_required(tx, &p)?;
            }
            Ok(())
        })
        .unwrap_err();
    assert!(
        matches!(&err, Error::NPlusOne { relation, parents: 5, .. } if relation == "user"),
        "{err:?}"
    );
    // A few parents are not N+1; neither is the same parent again and again.
    conn.unit_of_work(|conn| {
        let users = Users::all().order("id").limit(4).all(conn)?;
        for u in &users {
            u.posts().all(conn)?;
            u.posts().all(conn)?;
        }
        Ok(())
    })
    .unwrap();
    conn.set_n_plus_one(NPlusOne::Off);
}
db_test!(n_plus_one_is_reported_and_include_is_not);

#[test]
fn a_pool_checkout_is_a_unit_of_work() {
    let pool = orm::pool(
        "sqlite::memory:",
        PoolOptions {
            max_size: 1,
            n_plus_one: NPlusOne::Fail { after: 3 },
            ..PoolOptions::default()
        },
    )
    .unwrap();
    seed(&pool.get().unwrap());
    // Two parents per checkout, many checkouts: never three in one unit.
    for _ in 0..5 {
        let conn = pool.get().unwrap();
        for u in Users::all().order("id").limit(2).all(&conn).unwrap() {
            u.posts().all(&conn).unwrap();
        }
    }
    let conn = pool.get().unwrap();
    let users = Users::all().order("id").limit(3).all(&conn).unwrap();
    let res: Result<Vec<_>> = users.iter().map(|u| u.posts().all(&conn)).collect();
    assert!(matches!(res, Err(Error::NPlusOne { .. })), "{res:?}");
}

#[test]
#[should_panic(expected = "expected 1 statement(s), the block ran 2")]
fn assert_queries_fails_on_a_different_count() {
    let conn = Connection::open("sqlite::memory:").unwrap();
    orm::assert_queries!(&conn, 1, {
        conn.execute_batch("SELECT 1").unwrap();
        conn.execute_batch("SELECT 2").unwrap();
    });
}
