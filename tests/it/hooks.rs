//! Lifecycle hooks fire on every path that writes or loads a hooked model,
//! a `before_*` veto writes nothing, scope-level writes are refused unless
//! they say `skip_hooks`, and `after_commit` runs once per record, after the
//! commit that counts — never for a rolled-back attempt of a retrying
//! transaction.

use std::cell::RefCell;

use crate::common::db_test;
use orm::prelude::*;
use orm::{DbError, Hooks};

thread_local! {
    static LOG: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

fn log(s: String) {
    LOG.with(|l| l.borrow_mut().push(s));
}

fn take() -> Vec<String> {
    LOG.with(|l| std::mem::take(&mut *l.borrow_mut()))
}

#[derive(Model, Debug, Clone, Default)]
#[db(hooks)]
struct Author {
    id: i64,
    name: String,
    books: HasMany<Book>,
}

#[derive(Model, Debug, Clone, Default)]
#[db(hooks)]
struct Book {
    id: i64,
    title: String,
    author_id: i64,
    author: BelongsTo<Author>,
}

macro_rules! logged {
    ($($hook:ident),*) => {$(
        fn $hook(&mut self, _conn: &Connection) -> orm::Result<()> {
            log(format!("{}:{}", stringify!($hook), self.name));
            Ok(())
        }
    )*};
}

impl Hooks for Author {
    logged!(
        before_create,
        before_update,
        after_create,
        after_update,
        after_save,
        after_delete,
        after_find
    );
    fn before_save(&mut self, _conn: &Connection) -> orm::Result<()> {
        log(format!("before_save:{}", self.name));
        if self.name == "veto" {
            return Err(orm::Error::invalid("vetoed"));
        }
        self.name = self.name.trim().to_owned();
        Ok(())
    }
    fn before_delete(&mut self, _conn: &Connection) -> orm::Result<()> {
        log(format!("before_delete:{}", self.name));
        if self.name == "keep" {
            return Err(orm::Error::invalid("kept"));
        }
        Ok(())
    }
    fn after_commit(&self, _conn: &Connection) -> orm::Result<()> {
        log(format!("after_commit:{}", self.name));
        Ok(())
    }
    fn after_rollback(&self, _conn: &Connection) -> orm::Result<()> {
        log(format!("after_rollback:{}", self.name));
        Ok(())
    }
}

impl Hooks for Book {
    fn before_save(&mut self, _conn: &Connection) -> orm::Result<()> {
        log(format!("book before_save:{}", self.title));
        Ok(())
    }
    fn after_find(&mut self, _conn: &Connection) -> orm::Result<()> {
        log(format!("book after_find:{}", self.title));
        Ok(())
    }
}

fn author(name: &str) -> Author {
    Author {
        name: name.into(),
        ..Default::default()
    }
}

fn hooks_fire_on_every_write_path(conn: &Connection) {
    conn.sync::<Author>().unwrap();
    conn.sync::<Book>().unwrap();
    take();
    // Insert through save: before hooks can change the record.
    let mut a = author(" ann ");
    a.save(conn).unwrap();
    assert_eq!(
        take(),
        [
            "before_save: ann ",
            "before_create:ann",
            "after_create:ann",
            "after_save:ann",
            "after_commit:ann"
        ]
    );
    assert_eq!(Authors::find(conn, a.id).unwrap().name, "ann");
    take();
    // Update through save, update_attribute.
    a.name = "anne".into();
    a.save(conn).unwrap();
    assert_eq!(
        take(),
        [
            "before_save:anne",
            "before_update:anne",
            "after_update:anne",
            "after_save:anne",
            "after_commit:anne"
        ]
    );
    a.update_attribute(conn, Authors::NAME, "annie").unwrap();
    assert_eq!(take()[0], "before_save:anne");
    // insert: create hooks.
    let mut b = author("bob");
    b.insert(conn).unwrap();
    assert_eq!(take()[1], "before_create:bob");
    // insert_all and save_all: per record.
    Authors::insert_all(conn, &[author("c1"), author("c2")]).unwrap();
    let log = take();
    assert!(log.contains(&"after_create:c1".to_owned()), "{log:?}");
    assert!(log.contains(&"after_commit:c2".to_owned()), "{log:?}");
    let mut two = vec![author("d1"), author("d2")];
    Authors::save_all(conn, &mut two).unwrap();
    let log = take();
    assert_eq!(
        log.iter().filter(|l| l.starts_with("after_commit")).count(),
        2
    );
    // Saving through a has-many accessor.
    let mut book = Book {
        title: "b1".into(),
        ..Default::default()
    };
    a.books().save(conn, &mut book).unwrap();
    assert_eq!(take(), ["book before_save:b1"]);
    // A veto writes nothing.
    let before = Authors::count(conn).unwrap();
    let mut v = author("veto");
    assert!(v.save(conn).is_err());
    assert_eq!(v.id, 0, "still new");
    assert_eq!(Authors::count(conn).unwrap(), before);
    assert_eq!(take(), ["before_save:veto"]);
    // Delete, and a vetoed delete.
    b.delete(conn).unwrap();
    assert_eq!(
        take(),
        ["before_delete:bob", "after_delete:bob", "after_commit:bob"]
    );
    let mut k = author("keep");
    k.save(conn).unwrap();
    take();
    assert!(k.delete(conn).is_err());
    assert!(Authors::find(conn, k.id).is_ok(), "not deleted");
    take();
    // Scope-level writes would skip the hooks: refused unless asked.
    let err = Authors::filter(Authors::NAME.eq("keep"))
        .delete(conn)
        .unwrap_err();
    assert!(matches!(err, Error::HooksSkipped { .. }), "{err:?}");
    let err = Authors::filter(Authors::ID.eq(a.id))
        .update_attribute(conn, Authors::NAME, "x")
        .unwrap_err();
    assert!(matches!(err, Error::HooksSkipped { .. }), "{err:?}");
    assert_eq!(
        Authors::filter(Authors::NAME.eq("keep"))
            .skip_hooks()
            .delete(conn)
            .unwrap(),
        1
    );
    assert!(take().is_empty());
}
db_test!(hooks_fire_on_every_write_path);

fn after_find_fires_on_every_load_path(conn: &Connection) {
    conn.sync::<Author>().unwrap();
    conn.sync::<Book>().unwrap();
    let mut a = author("ann");
    a.save(conn).unwrap();
    let mut book = Book {
        title: "t".into(),
        ..Default::default()
    };
    a.books().save(conn, &mut book).unwrap();
    take();
    Authors::find(conn, a.id).unwrap();
    Authors::all().all(conn).unwrap();
    Authors::load_all(conn).unwrap();
    Authors::all().first(conn).unwrap();
    Authors::filter(Authors::NAME.eq("ann")).all(conn).unwrap();
    for r in Authors::all().iter(conn).unwrap() {
        r.unwrap();
    }
    assert_eq!(take(), vec!["after_find:ann".to_owned(); 6]);
    let loaded = Authors::all().include(Authors::BOOKS).all(conn).unwrap();
    assert_eq!(loaded[0].books.get().unwrap().len(), 1);
    assert_eq!(take(), ["after_find:ann", "book after_find:t"]);
    let books = Books::all().include(Books::AUTHOR).all(conn).unwrap();
    assert_eq!(books[0].author.get().unwrap().unwrap().name, "ann");
    assert_eq!(take(), ["book after_find:t", "after_find:ann"]);
    a.books().all(conn).unwrap();
    assert_eq!(take(), ["book after_find:t"]);
}
db_test!(after_find_fires_on_every_load_path);

fn after_commit_runs_once_after_the_commit_that_counts(conn: &Connection) {
    conn.sync::<Author>().unwrap();
    take();
    // Inside a transaction: after the outermost commit, once per record.
    conn.transaction(|tx| {
        author("t1").save(tx)?;
        tx.transaction(|inner| author("t2").save(inner))?;
        assert!(
            !take().iter().any(|l| l.starts_with("after_commit")),
            "nothing before the commit"
        );
        Ok(())
    })
    .unwrap();
    let log = take();
    assert_eq!(
        log.iter()
            .filter(|l| l.starts_with("after_commit"))
            .collect::<Vec<_>>(),
        ["after_commit:t1", "after_commit:t2"]
    );
    // A rolled-back savepoint: after_rollback for its record only.
    conn.transaction(|tx| {
        author("kept").save(tx)?;
        let _ = tx.transaction(|inner| {
            author("undone").save(inner)?;
            Err::<(), _>(orm::Error::invalid("undo"))
        });
        Ok(())
    })
    .unwrap();
    let log: Vec<String> = take()
        .into_iter()
        .filter(|l| l.starts_with("after_"))
        .filter(|l| l.contains("commit") || l.contains("rollback"))
        .collect();
    assert_eq!(log, ["after_rollback:undone", "after_commit:kept"]);
    // A retrying transaction whose first attempt fails with a serialization
    // failure: the record of that attempt is rolled back, the final attempt
    // commits once.
    let policy = RetryPolicy {
        initial_backoff: std::time::Duration::from_millis(1),
        ..RetryPolicy::default()
    };
    let (_, attempts) = conn
        .retry_transaction_counted(&policy, |tx| {
            let mut r = author(&format!("try{}", tx.attempt()));
            r.save(tx)?;
            if tx.attempt() == 1 {
                return Err(orm::Error::SerializationFailure(DbError::new(
                    Some("40001".into()),
                    "forced",
                    None,
                )));
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(attempts, 2);
    let log: Vec<String> = take()
        .into_iter()
        .filter(|l| l.contains("commit") || l.contains("rollback"))
        .collect();
    assert_eq!(log, ["after_rollback:try1", "after_commit:try2"]);
    assert_eq!(
        Authors::filter(Authors::NAME.eq("try1"))
            .count(conn)
            .unwrap(),
        0
    );
}
db_test!(after_commit_runs_once_after_the_commit_that_counts);
