//! Constraint violations and bad input come back as typed errors, never a
//! panic and never a partial write.

use crate::common::db_test;
use orm::prelude::*;

#[derive(Model, Debug, Clone, Default)]
struct Member {
    id: i64,
    #[db(unique)]
    email: String,
}

fn unique_violation(conn: &Connection) {
    conn.sync::<Member>().unwrap();
    let mut a = Member {
        email: "a@x".into(),
        ..Default::default()
    };
    a.save(conn).unwrap();
    let mut b = Member {
        email: "a@x".into(),
        ..Default::default()
    };
    let err = b.save(conn).unwrap_err();
    assert!(matches!(err, Error::UniqueViolation(_)), "{err:?}");
    assert_eq!(b.id, 0, "no key was written back");
    assert!(err.db_error().is_some());
    assert!(
        std::error::Error::source(&err).is_some(),
        "the driver error is the source"
    );
    // Duplicate primary key.
    let mut c = Member {
        id: a.id,
        email: "c@x".into(),
    };
    assert!(matches!(c.insert(conn), Err(Error::UniqueViolation(_))));
}
db_test!(unique_violation);

fn foreign_key_not_null_and_check_violations(conn: &Connection) {
    // Portable DDL: keys given explicitly (only SQLite generates an
    // INTEGER PRIMARY KEY by itself) and a table-level FOREIGN KEY
    // (MySQL ignores a REFERENCES clause on a column).
    conn.execute_batch(
        "CREATE TABLE parents (id INTEGER PRIMARY KEY);
         CREATE TABLE kids (
             id INTEGER PRIMARY KEY,
             parent_id INTEGER NOT NULL,
             age INTEGER CHECK (age >= 0),
             FOREIGN KEY (parent_id) REFERENCES parents (id)
         );",
    )
    .unwrap();
    conn.execute("INSERT INTO parents (id) VALUES (?)", (1,))
        .unwrap();
    let err = conn
        .execute(
            "INSERT INTO kids (id, parent_id, age) VALUES (?, ?, ?)",
            (1, 2, 1),
        )
        .unwrap_err();
    assert!(matches!(err, Error::ForeignKeyViolation(_)), "{err:?}");
    let err = conn
        .execute(
            "INSERT INTO kids (id, parent_id, age) VALUES (?, ?, ?)",
            (1, Value::Null, 1),
        )
        .unwrap_err();
    assert!(matches!(err, Error::NotNullViolation(_)), "{err:?}");
    let err = conn
        .execute(
            "INSERT INTO kids (id, parent_id, age) VALUES (?, ?, ?)",
            (1, 1, -1),
        )
        .unwrap_err();
    assert!(matches!(err, Error::CheckViolation(_)), "{err:?}");
    let n: Vec<(i64,)> = conn.query("SELECT COUNT(*) FROM kids", ()).unwrap();
    assert_eq!(n[0].0, 0);
}
db_test!(foreign_key_not_null_and_check_violations);

fn unknown_table_and_bad_sql(conn: &Connection) {
    let err = conn
        .execute("DELETE FROM nowhere WHERE id = ?", (1,))
        .unwrap_err();
    assert!(
        matches!(&err, Error::UnknownTable { table } if table == "nowhere"),
        "{err:?}"
    );
    let err = conn.execute("SELEKT 1", ()).unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
    let err = conn.execute("SELECT ?", (1, 2)).unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
    // Reading a table that does not exist through a model.
    let err = Members::count(conn).unwrap_err();
    assert!(matches!(err, Error::UnknownTable { .. }), "{err:?}");
}
db_test!(unknown_table_and_bad_sql);

fn errors_are_not_retryable_unless_they_say_so(conn: &Connection) {
    conn.sync::<Member>().unwrap();
    let err = conn.execute("SELEKT", ()).unwrap_err();
    assert!(!err.is_retryable());
}
db_test!(errors_are_not_retryable_unless_they_say_so);
