//! Lifecycle columns on every dialect: timestamps (`#[db(created_at)]`,
//! `#[db(updated_at)]`), soft delete (`#[db(soft_delete)]`) through the
//! default-filter seam, and optimistic locking (`#[db(version)]`) with two
//! connections.

use std::cell::Cell;

use crate::common::{db_test, db_url_test};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use orm::prelude::*;

// ---- timestamps ----

#[derive(Model, Debug, Clone, Default)]
struct Article {
    id: i64,
    title: String,
    #[db(created_at)]
    created_at: DateTime<Utc>,
    #[db(updated_at)]
    updated_at: Option<NaiveDateTime>,
}

fn article(title: &str) -> Article {
    Article {
        title: title.into(),
        ..Default::default()
    }
}

/// Waits until the clock has moved on by a millisecond, so that two writes
/// get different stamps.
fn tick() {
    std::thread::sleep(std::time::Duration::from_millis(3));
}

fn assert_micros(t: DateTime<Utc>) {
    assert_eq!(t.timestamp_subsec_nanos() % 1_000, 0, "{t}: finer than µs");
}

fn timestamps_are_set_on_every_write_path(conn: &Connection) {
    conn.sync::<Article>().unwrap();
    let start = Utc::now() - chrono::TimeDelta::seconds(1);

    // save (insert): both columns, one instant, in memory and in the row.
    let mut a = article("a");
    a.save(conn).unwrap();
    assert!(a.created_at > start);
    assert_micros(a.created_at);
    assert_eq!(a.updated_at, Some(a.created_at.naive_utc()));
    let row = Articles::find(conn, a.id).unwrap();
    assert_eq!(row.created_at, a.created_at);
    assert_eq!(row.updated_at, a.updated_at);

    // save (update): updated_at moves, created_at stays.
    tick();
    a.title = "a2".into();
    a.save(conn).unwrap();
    let row = Articles::find(conn, a.id).unwrap();
    assert_eq!(row.created_at, a.created_at);
    assert!(row.updated_at > Some(a.created_at.naive_utc()));
    assert_eq!(row.updated_at, a.updated_at);

    // instance update_attribute.
    let before = a.updated_at;
    tick();
    a.update_attribute(conn, Articles::TITLE, "a3").unwrap();
    assert!(a.updated_at > before);
    assert_eq!(Articles::find(conn, a.id).unwrap().updated_at, a.updated_at);

    // touch: only updated_at.
    let before = a.updated_at;
    tick();
    a.touch(conn).unwrap();
    assert!(a.updated_at > before);
    let row = Articles::find(conn, a.id).unwrap();
    assert_eq!((row.title.as_str(), row.updated_at), ("a3", a.updated_at));

    // insert_all: one statement, one instant for every row.
    tick();
    let n = Articles::insert_all(conn, &[article("b"), article("c"), article("d")]).unwrap();
    assert_eq!(n, 3);
    let rows = Articles::filter(Articles::TITLE.in_list(["b", "c", "d"]))
        .all(conn)
        .unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows[0].created_at > a.created_at);
    assert!(rows.iter().all(|r| r.created_at == rows[0].created_at
        && r.updated_at == Some(rows[0].created_at.naive_utc())));

    // save_all: stamped and written back.
    let mut batch = vec![article("e"), article("f")];
    Articles::save_all(conn, &mut batch).unwrap();
    assert!(batch.iter().all(|r| r.created_at > a.created_at));

    // Scope updates set updated_at on every matched row, one instant.
    tick();
    let changed = Articles::filter(Articles::TITLE.in_list(["b", "c"]))
        .update_attribute(conn, Articles::TITLE, "bc")
        .unwrap();
    assert_eq!(changed, 2);
    let bc = Articles::filter(Articles::TITLE.eq("bc"))
        .all(conn)
        .unwrap();
    assert!(bc[0].updated_at > Some(rows[0].created_at.naive_utc()));
    assert_eq!(bc[0].updated_at, bc[1].updated_at);
    // An updated_at assigned by the caller is kept.
    let fixed = NaiveDateTime::parse_from_str("2020-01-02 03:04:05", "%Y-%m-%d %H:%M:%S").unwrap();
    Articles::filter(Articles::TITLE.eq("bc"))
        .update_attributes(conn, [Articles::UPDATED_AT.set(Some(fixed))])
        .unwrap();
    assert!(Articles::filter(Articles::TITLE.eq("bc"))
        .all(conn)
        .unwrap()
        .iter()
        .all(|r| r.updated_at == Some(fixed)));
}
db_test!(timestamps_are_set_on_every_write_path);

fn timestamps_can_be_kept_per_call(conn: &Connection) {
    conn.sync::<Article>().unwrap();
    let old = Utc.with_ymd_and_hms(2001, 2, 3, 4, 5, 6).unwrap();
    let mut a = Article {
        title: "imported".into(),
        created_at: old,
        updated_at: Some(old.naive_utc()),
        ..Default::default()
    };
    conn.without_timestamps(|c| a.save(c)).unwrap();
    let row = Articles::find(conn, a.id).unwrap();
    assert_eq!(
        (row.created_at, row.updated_at),
        (old, Some(old.naive_utc()))
    );
    // Through every path inside the closure, and only there.
    let result: orm::Result<()> = conn.without_timestamps(|c| {
        a.title = "edited".into();
        a.save(c)?;
        a.update_attribute(c, Articles::TITLE, "edited twice")?;
        Articles::filter(Articles::ID.eq(a.id)).update_attribute(c, Articles::TITLE, "third")?;
        let copy = Article { id: 0, ..a.clone() };
        Articles::insert_all(c, &[copy])?;
        c.transaction(|tx| a.update_attribute(tx, Articles::TITLE, "fourth"))
    });
    result.unwrap();
    assert_eq!(a.updated_at, Some(old.naive_utc()));
    let rows = Articles::all().all(conn).unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows
        .iter()
        .all(|r| r.created_at == old && r.updated_at == Some(old.naive_utc())));
    // A panic inside ends the setting too.
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        conn.without_timestamps(|_| panic!("boom"))
    }));
    assert!(caught.is_err());
    a.update_attribute(conn, Articles::TITLE, "stamped")
        .unwrap();
    assert!(a.updated_at > Some(old.naive_utc()));
}
db_test!(timestamps_can_be_kept_per_call);

// ---- soft delete ----

/// The user's own default filter, applied with the soft-delete condition.
fn on_shelf() -> Cond {
    Books::SHELVED.eq(false)
}

#[derive(Model, Debug, Clone, Default)]
struct Author {
    id: i64,
    name: String,
    books: HasMany<Book>,
}

#[derive(Model, Debug, Clone, Default)]
#[db(default_filter = "on_shelf")]
struct Book {
    id: i64,
    author_id: Option<i64>,
    title: String,
    shelved: bool,
    #[db(soft_delete)]
    deleted_at: Option<DateTime<Utc>>,
    #[db(updated_at)]
    updated_at: Option<DateTime<Utc>>,
    author: BelongsTo<Author>,
    reviews: HasMany<Review>,
}

#[derive(Model, Debug, Clone, Default)]
struct Review {
    id: i64,
    book_id: i64,
    text: String,
    // A hard-deleted book takes its reviews with it (the foreign key).
    #[db(on_delete = "cascade")]
    book: BelongsTo<Book>,
}

fn sorted(books: &[Book]) -> Vec<&str> {
    let mut t: Vec<&str> = books.iter().map(|b| b.title.as_str()).collect();
    t.sort_unstable();
    t
}

struct Shelf {
    ann: Author,
    kept: Book,
    gone: Book,
    review_of_gone: Review,
}

fn shelf(conn: &Connection) -> Shelf {
    conn.sync::<Author>().unwrap();
    conn.sync::<Book>().unwrap();
    conn.sync::<Review>().unwrap();
    let mut ann = Author {
        name: "ann".into(),
        ..Default::default()
    };
    ann.save(conn).unwrap();
    let book = |author: Option<i64>, title: &str, shelved: bool| {
        let mut b = Book {
            author_id: author,
            title: title.into(),
            shelved,
            ..Default::default()
        };
        b.save(conn).unwrap();
        b
    };
    let kept = book(Some(ann.id), "kept", false);
    let mut gone = book(Some(ann.id), "gone", false);
    book(Some(ann.id), "shelved", true);
    book(None, "orphan kept", false);
    let mut orphan_gone = book(None, "orphan gone", false);
    let review = |book_id: i64, text: &str| {
        let mut r = Review {
            book_id,
            text: text.into(),
            ..Default::default()
        };
        r.save(conn).unwrap();
        r
    };
    review(kept.id, "on kept");
    let review_of_gone = review(gone.id, "on gone");
    // Soft deletes: the field is set in memory, the row stays.
    let before = gone.updated_at;
    tick();
    assert!(gone.delete(conn).unwrap());
    assert!(gone.deleted_at.is_some());
    assert!(gone.updated_at > before);
    assert_eq!(
        gone.updated_at, gone.deleted_at,
        "one clock reading per statement"
    );
    assert!(!gone.clone().delete(conn).unwrap(), "already deleted");
    assert!(orphan_gone.delete(conn).unwrap());
    Shelf {
        ann,
        kept,
        gone,
        review_of_gone,
    }
}

fn soft_deleted_rows_are_left_out_of_every_query(conn: &Connection) {
    let s = shelf(conn);
    assert!(Books::all()
        .to_sql()
        .unwrap()
        .sql
        .contains(r#""shelved" = $1 AND "deleted_at" IS NULL"#));
    // Scopes and their terminal calls.
    assert_eq!(
        sorted(&Books::all().all(conn).unwrap()),
        ["kept", "orphan kept"]
    );
    assert_eq!(
        sorted(&Books::load_all(conn).unwrap()),
        ["kept", "orphan kept"]
    );
    assert!(matches!(
        Books::find(conn, s.gone.id),
        Err(Error::NotFound { .. })
    ));
    assert_eq!(Books::all().count(conn).unwrap(), 2);
    assert_eq!(Books::all().limit(10).count(conn).unwrap(), 2);
    assert_eq!(
        Books::all().count_on(conn, "DISTINCT author_id").unwrap(),
        1
    );
    assert!(!Books::filter(Books::TITLE.eq("gone")).exists(conn).unwrap());
    assert_eq!(Books::all().pluck(conn, Books::ID).unwrap().len(), 2);
    assert_eq!(
        Books::all().max(conn, Books::ID).unwrap(),
        Some(s.gone.id + 2),
        "the orphan kept, not the orphan gone"
    );
    assert_eq!(Books::all().iter(conn).unwrap().count(), 2);

    // Joins from another model into this one.
    let joined = |title: &str| {
        Authors::all()
            .inner_join(Authors::BOOKS)
            .filter(Books::TITLE.eq(title))
            .count(conn)
            .unwrap()
    };
    assert_eq!((joined("kept"), joined("gone")), (1, 0));
    let aliased = Authors::all()
        .join_as(Authors::BOOKS, "b")
        .filter(col("b.title").eq("gone"))
        .count(conn)
        .unwrap();
    assert_eq!(aliased, 0);
    let reviews_of_gone = Reviews::all()
        .inner_join(Reviews::BOOK)
        .filter(Books::TITLE.eq("gone"))
        .count(conn)
        .unwrap();
    assert_eq!(reviews_of_gone, 0);

    // Includes and accessors into this model.
    let authors = Authors::all().include(Authors::BOOKS).all(conn).unwrap();
    assert_eq!(sorted(authors[0].books.get().unwrap()), ["kept"]);
    assert_eq!(s.ann.books().count(conn).unwrap(), 1);
    let reviews = Reviews::all()
        .order("id")
        .include(Reviews::BOOK)
        .all(conn)
        .unwrap();
    assert!(reviews[0].book.get().unwrap().is_some());
    assert!(reviews[1].book.get().unwrap().is_none(), "its book is gone");
    assert!(matches!(
        s.review_of_gone.book(conn),
        Err(Error::NotFound { .. })
    ));

    // Full-join orphans: a deleted book is no orphan, and relates nothing.
    let (_, orphans) = Authors::all().full_join_all(conn, Authors::BOOKS).unwrap();
    assert_eq!(sorted(&orphans), ["orphan kept"]);
    let (_, lonely) = Books::all().full_join_all(conn, Books::REVIEWS).unwrap();
    let texts: Vec<&str> = lonely.iter().map(|r| r.text.as_str()).collect();
    assert_eq!(texts, ["on gone"]);

    // with_deleted lifts only the soft delete; only_deleted selects;
    // without_default_filter lifts both.
    assert_eq!(
        sorted(&Books::all().with_deleted().all(conn).unwrap()),
        ["gone", "kept", "orphan gone", "orphan kept"]
    );
    assert_eq!(
        sorted(&Books::all().only_deleted().all(conn).unwrap()),
        ["gone", "orphan gone"]
    );
    assert_eq!(
        Books::all().without_default_filter().count(conn).unwrap(),
        5
    );
    assert_eq!(
        Books::all()
            .with_deleted()
            .find(conn, s.gone.id)
            .unwrap()
            .deleted_at,
        s.gone.deleted_at
    );
    let (_, orphans) = Authors::all()
        .without_default_filter()
        .full_join_all(conn, Authors::BOOKS)
        .unwrap();
    assert_eq!(sorted(&orphans), ["orphan gone", "orphan kept"]);
}
db_test!(soft_deleted_rows_are_left_out_of_every_query);

fn soft_delete_restore_and_hard_delete(conn: &Connection) {
    let mut s = shelf(conn);
    // A soft-deleted record is not there to update; reload still reads it.
    let mut gone = s.gone.clone();
    gone.title = "edited".into();
    assert!(matches!(gone.save(conn), Err(Error::NotFound { .. })));
    gone.reload(conn).unwrap();
    assert_eq!(gone.title, "gone");

    // restore.
    assert!(s.gone.restore(conn).unwrap());
    assert_eq!(s.gone.deleted_at, None);
    assert!(!s.gone.restore(conn).unwrap(), "not deleted any more");
    assert_eq!(Books::find(conn, s.gone.id).unwrap().title, "gone");

    // Scope delete: the rows stay, stamped; the guard wants a condition.
    assert!(matches!(
        Books::all().delete(conn),
        Err(Error::MissingCondition { .. })
    ));
    let n = Books::filter(Books::TITLE.in_list(["kept", "gone"]))
        .delete(conn)
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(Books::all().count(conn).unwrap(), 1);
    let deleted = Books::filter(Books::TITLE.in_list(["kept", "gone"]))
        .with_deleted()
        .all(conn)
        .unwrap();
    assert_eq!(deleted.len(), 2);
    assert!(deleted
        .iter()
        .all(|b| b.deleted_at.is_some() && b.deleted_at == deleted[0].deleted_at));
    // Deleting again changes nothing (already deleted rows keep their date).
    let again = Books::filter(Books::TITLE.eq("kept"))
        .with_deleted()
        .delete(conn)
        .unwrap();
    assert_eq!(again, 0);
    assert_eq!(
        Books::filter(Books::TITLE.eq("kept"))
            .only_deleted()
            .delete(conn)
            .unwrap(),
        0
    );

    // Record hard_delete: the real DELETE, also of a soft-deleted row.
    assert!(s.kept.hard_delete(conn).unwrap());
    assert!(!s.kept.hard_delete(conn).unwrap());
    assert_eq!(Books::all().with_deleted().count(conn).unwrap(), 3);
    // Scope hard_delete: the rows the scope sees.
    assert_eq!(
        Books::filter(Books::TITLE.eq("gone"))
            .hard_delete(conn)
            .unwrap(),
        0,
        "deleted rows are not in a plain scope"
    );
    assert_eq!(
        Books::filter(Books::TITLE.like("%gone"))
            .only_deleted()
            .hard_delete(conn)
            .unwrap(),
        2
    );
    assert_eq!(
        sorted(&Books::all().without_default_filter().all(conn).unwrap()),
        ["orphan kept", "shelved"]
    );
}
db_test!(soft_delete_restore_and_hard_delete);

// ---- optimistic locking ----

#[derive(Model, Debug, Clone, Default)]
struct Account {
    id: i64,
    owner: String,
    balance: i64,
    #[db(version)]
    lock_version: i32,
    #[db(updated_at)]
    updated_at: Option<DateTime<Utc>>,
}

fn balance(conn: &Connection, id: i64) -> (i64, i32) {
    let a = Accounts::find(conn, id).unwrap();
    (a.balance, a.lock_version)
}

fn is_stale(r: orm::Result<impl std::fmt::Debug>, id: i64) -> bool {
    match r {
        Err(Error::StaleRecord { table, key }) => {
            assert_eq!((table.as_str(), key), ("accounts", Value::Int(id)));
            true
        }
        other => panic!("expected StaleRecord, got {other:?}"),
    }
}

fn optimistic_locking_with_two_connections(url: &str, dialect: &str) {
    let one = Connection::open(url).unwrap();
    let two = Connection::open(url).unwrap();
    one.sync::<Account>().unwrap();
    let mut acc = Account {
        owner: "ann".into(),
        balance: 100,
        ..Default::default()
    };
    acc.save(&one).unwrap();
    let id = acc.id;
    assert_eq!(acc.lock_version, 0);

    // Two copies; the second connection writes first.
    let mut mine = Accounts::find(&one, id).unwrap();
    let mut theirs = Accounts::find(&two, id).unwrap();
    theirs.balance = 50;
    theirs.save(&two).unwrap();
    assert_eq!(theirs.lock_version, 1, "{dialect}");
    assert_eq!(balance(&one, id), (50, 1));

    // Every write of the stale copy fails and writes nothing; the record
    // is left as it was.
    mine.balance = 70;
    let stamp = mine.updated_at;
    assert!(is_stale(mine.save(&one), id));
    assert_eq!((mine.lock_version, mine.updated_at), (0, stamp));
    assert!(is_stale(
        mine.update_attribute(&one, Accounts::BALANCE, 80),
        id
    ));
    assert!(is_stale(mine.delete(&one), id));
    assert!(is_stale(mine.hard_delete(&one), id));
    assert!(is_stale(mine.touch(&one), id));
    assert_eq!(balance(&two, id), (50, 1));

    // Reloaded, it writes, and the other copy is stale in turn.
    mine.reload(&one).unwrap();
    mine.update_attribute(&one, Accounts::BALANCE, 80).unwrap();
    assert_eq!(mine.lock_version, 2);
    assert!(is_stale(theirs.save(&two), id));
    mine.touch(&one).unwrap();
    assert_eq!(balance(&two, id), (80, 3));

    // Scope updates increment the version: records read before are stale.
    Accounts::filter(Accounts::ID.eq(id))
        .update_attribute(&two, Accounts::BALANCE, 90)
        .unwrap();
    assert_eq!(balance(&one, id), (90, 4));
    assert!(is_stale(mine.save(&one), id));

    // A stale write inside a transaction fails it: the other writes roll
    // back.
    let mut other = Account {
        owner: "bob".into(),
        balance: 1,
        ..Default::default()
    };
    other.save(&one).unwrap();
    let res = one.transaction(|tx| {
        Accounts::filter(Accounts::ID.eq(other.id)).update_attribute(tx, Accounts::BALANCE, 2)?;
        mine.save(tx)
    });
    assert!(is_stale(res, id));
    assert_eq!(balance(&two, other.id), (1, 0));

    // Inside a retrying transaction: an attempt that is rolled back does
    // not count; the version moves once per committed write.
    let attempts = Cell::new(0);
    let policy = RetryPolicy::default();
    let saved = one
        .retry_transaction(&policy, |tx| {
            attempts.set(attempts.get() + 1);
            let mut a = Accounts::find(tx, id)?;
            a.balance += 1;
            a.save(tx)?;
            if attempts.get() == 1 {
                return Err(Error::SerializationFailure(orm::DbError::new(
                    Some("40001".into()),
                    "forced",
                    None,
                )));
            }
            Ok(a)
        })
        .unwrap();
    assert_eq!(attempts.get(), 2);
    assert_eq!((saved.balance, saved.lock_version), (91, 5));
    assert_eq!(balance(&two, id), (91, 5));

    // The other connection changes the row between this transaction's read
    // and its write: the write matches no row (StaleRecord, and the
    // transaction writes nothing), or the database refuses it as a
    // serialization failure and the transaction runs again on fresh data.
    let attempts = Cell::new(0);
    let res = one.retry_transaction(&policy, |tx| {
        attempts.set(attempts.get() + 1);
        let mut a = Accounts::find(tx, id)?;
        if attempts.get() == 1 {
            Accounts::filter(Accounts::ID.eq(id)).update_attribute(&two, Accounts::OWNER, "eve")?;
        }
        Accounts::filter(Accounts::ID.eq(other.id)).update_attribute(tx, Accounts::BALANCE, 3)?;
        a.balance += 10;
        a.save(tx)?;
        Ok(a)
    });
    match res {
        Ok(a) => {
            assert!(attempts.get() > 1, "{dialect}: the first attempt was stale");
            assert_eq!(
                (a.owner.as_str(), a.balance, a.lock_version),
                ("eve", 101, 7)
            );
            assert_eq!(balance(&two, id), (101, 7));
            assert_eq!(balance(&two, other.id).0, 3);
        }
        Err(e) => {
            assert!(is_stale(Err::<(), _>(e), id), "{dialect}");
            assert_eq!(balance(&two, id), (91, 6), "{dialect}");
            assert_eq!(balance(&two, other.id).0, 1, "{dialect}: rolled back");
        }
    }

    // A row that is gone is NotFound, not stale.
    let mut copy = Accounts::find(&one, id).unwrap();
    Accounts::find(&two, id).unwrap().delete(&two).unwrap();
    copy.balance = 0;
    assert!(matches!(copy.save(&one), Err(Error::NotFound { .. })));
    assert!(!copy.delete(&one).unwrap());
}
db_url_test!(optimistic_locking_with_two_connections);

/// The statements a versioned record write runs, pinned.
fn version_sql_is_one_statement(conn: &Connection) {
    conn.sync::<Account>().unwrap();
    let mut a = Account {
        owner: "ann".into(),
        ..Default::default()
    };
    a.save(conn).unwrap();
    let before = conn.statement_count();
    a.balance = 5;
    a.save(conn).unwrap();
    a.update_attribute(conn, Accounts::BALANCE, 6).unwrap();
    a.delete(conn).unwrap();
    assert_eq!(conn.statement_count() - before, 3, "no extra reads");
    assert_eq!(a.lock_version, 2);
}
db_test!(version_sql_is_one_statement);

/// A unique index that leaves soft-deleted rows out: an address may be
/// used again once its record is deleted.
#[derive(Model, Debug, Clone, Default)]
struct Subscriber {
    id: i64,
    #[db(unique, partial)]
    email: String,
    #[db(soft_delete)]
    deleted_at: Option<chrono::DateTime<chrono::Utc>>,
}

fn partial_unique_indexes_leave_soft_deleted_rows_out(conn: &Connection) {
    if conn.dialect().name() == "mysql" {
        // No partial indexes: sync says so, before creating anything,
        // rather than making a plain one.
        let err = conn.sync::<Subscriber>().unwrap_err();
        assert!(
            matches!(&err, Error::InvalidQuery { message, .. } if message.contains("partial")),
            "{err:?}"
        );
        let tables: Vec<(i64,)> = conn
            .query(
                "SELECT COUNT(*) FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'subscribers'",
                (),
            )
            .unwrap();
        assert_eq!(tables[0].0, 0, "nothing was created");
        return;
    }
    conn.sync::<Subscriber>().unwrap();
    assert!(!conn.sync::<Subscriber>().unwrap().changed(), "idempotent");
    let sub = |e: &str| Subscriber {
        email: e.into(),
        ..Default::default()
    };
    let mut first = sub("a@x");
    first.save(conn).unwrap();
    assert!(matches!(
        sub("a@x").save(conn),
        Err(Error::UniqueViolation(_))
    ));
    first.delete(conn).unwrap();
    let mut again = sub("a@x");
    again.save(conn).unwrap();
    assert_eq!(
        Subscribers::all()
            .with_deleted()
            .filter(Subscribers::EMAIL.eq("a@x"))
            .count(conn)
            .unwrap(),
        2
    );
    assert!(matches!(
        sub("a@x").save(conn),
        Err(Error::UniqueViolation(_))
    ));
}
db_test!(partial_unique_indexes_leave_soft_deleted_rows_out);
