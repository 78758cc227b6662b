//! `all_joined`: a scope's records paired with a relation's, from one LEFT
//! OUTER JOIN, typed, with no select list written by hand. Every test runs
//! on each available dialect.

use crate::common::db_test;
use chrono::{DateTime, Utc};
use orm::prelude::*;

#[derive(Model, Debug, Clone, Default, PartialEq)]
#[db(table = "jp_authors")]
struct Author {
    id: i64,
    name: String,
    #[db(foreign_key = "author_id")]
    books: HasMany<Book>,
}

/// A column named as the author's (`name`), and soft-deleted rows.
#[derive(Model, Debug, Clone, Default, PartialEq)]
#[db(table = "jp_books")]
struct Book {
    id: i64,
    author_id: i64,
    name: String,
    #[db(soft_delete)]
    deleted_at: Option<DateTime<Utc>>,
}

#[derive(Model, Debug, Clone, Default)]
#[db(table = "jp_nodes")]
struct Node {
    id: i64,
    parent_id: Option<i64>,
    parent: BelongsTo<Node>,
}

fn names(pairs: &[(Author, Option<Book>)]) -> Vec<(&str, Option<&str>)> {
    pairs
        .iter()
        .map(|(a, b)| (a.name.as_str(), b.as_ref().map(|b| b.name.as_str())))
        .collect()
}

fn pairs_of_a_left_join(conn: &Connection) {
    conn.apply(&conn.schema_plan::<(Author, Book, Node)>().unwrap())
        .unwrap();
    let mut ids = Vec::new();
    for name in ["ann", "bob", "cid"] {
        let mut a = Author {
            name: name.into(),
            ..Default::default()
        };
        a.save(conn).unwrap();
        ids.push(a.id);
    }
    for (author, name) in [(ids[0], "ann-1"), (ids[0], "ann-2"), (ids[2], "cid-1")] {
        Book {
            author_id: author,
            name: name.into(),
            ..Default::default()
        }
        .save(conn)
        .unwrap();
    }
    let ordered = || JpAuthors::all().order("jp_authors.id, jp_books.id");
    let all = ordered().all_joined(conn, JpAuthors::BOOKS).unwrap();
    assert_eq!(
        names(&all),
        [
            ("ann", Some("ann-1")),
            ("ann", Some("ann-2")),
            ("bob", None),
            ("cid", Some("cid-1"))
        ]
    );
    assert_eq!(all[0].0.id, ids[0]);
    assert_eq!(all[0].1.as_ref().unwrap().author_id, ids[0]);

    // A condition on a column both tables have is the scope's own.
    let ann = ordered()
        .filter(JpAuthors::NAME.eq("ann"))
        .all_joined(conn, JpAuthors::BOOKS)
        .unwrap();
    assert_eq!(
        names(&ann),
        [("ann", Some("ann-1")), ("ann", Some("ann-2"))]
    );
    // A condition on the joined table, and a limit.
    let one = ordered()
        .filter(JpBooks::NAME.eq("cid-1"))
        .limit(1)
        .all_joined(conn, JpAuthors::BOOKS)
        .unwrap();
    assert_eq!(names(&one), [("cid", Some("cid-1"))]);

    // A soft-deleted book is not joined: cid has none left.
    let mut gone = JpBooks::filter(JpBooks::NAME.eq("cid-1"))
        .first(conn)
        .unwrap()
        .unwrap();
    assert!(gone.delete(conn).unwrap());
    let all = ordered().all_joined(conn, JpAuthors::BOOKS).unwrap();
    assert_eq!(names(&all)[3], ("cid", None));

    // The scope's own (inner) join of the relation is used as it is.
    let inner = ordered()
        .inner_join(JpAuthors::BOOKS)
        .all_joined(conn, JpAuthors::BOOKS)
        .unwrap();
    assert_eq!(
        names(&inner),
        [("ann", Some("ann-1")), ("ann", Some("ann-2"))]
    );

    // A model joined with itself would need an alias: refused.
    let err = JpNodes::all()
        .all_joined(conn, JpNodes::PARENT)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
}
db_test!(pairs_of_a_left_join);
