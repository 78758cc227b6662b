//! Models with relation and change-tracking fields derive serde's
//! `Serialize` / `Deserialize` (feature `serde`): a loaded relation
//! serializes as its data, an unloaded one is an error unless the field is
//! skipped, and never a silent `[]`.
#![cfg(all(feature = "serde", feature = "sqlite"))]

use orm::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Model, Debug, Clone, Default, Serialize, Deserialize)]
#[db(table = "sd_authors")]
struct Author {
    id: i64,
    name: String,
    #[serde(default)]
    books: HasMany<Book>,
    #[serde(skip)]
    snapshot: Snapshot,
}

#[derive(Model, Debug, Clone, Default, Serialize, Deserialize)]
#[db(table = "sd_books")]
struct Book {
    id: i64,
    author_id: i64,
    title: String,
    /// Left out of the JSON when not loaded.
    #[serde(default, skip_serializing_if = "BelongsTo::is_unloaded")]
    author: BelongsTo<Author>,
    /// A snapshot serializes as null and reads back as "not persisted".
    #[serde(default)]
    snapshot: Snapshot,
}

fn seed(conn: &Connection) {
    conn.apply(&conn.schema_plan::<(Author, Book)>().unwrap())
        .unwrap();
    let mut ann = Author {
        name: "Ann".into(),
        ..Default::default()
    };
    ann.save(conn).unwrap();
    for title in ["A", "B"] {
        Book {
            author_id: ann.id,
            title: title.into(),
            ..Default::default()
        }
        .save(conn)
        .unwrap();
    }
}

#[test]
fn loaded_relations_serialize_as_their_data() {
    let conn = Connection::open("sqlite::memory:").unwrap();
    seed(&conn);
    let authors = SdAuthors::all()
        .include(SdAuthors::BOOKS)
        .all(&conn)
        .unwrap();
    let v = serde_json::to_value(&authors).unwrap();
    assert_eq!(
        v,
        json!([{"id": 1, "name": "Ann", "books": [
            {"id": 1, "author_id": 1, "title": "A", "snapshot": null},
            {"id": 2, "author_id": 1, "title": "B", "snapshot": null},
        ]}])
    );
    let books = SdBooks::all()
        .include(SdBooks::AUTHOR)
        .order("id")
        .all(&conn)
        .unwrap();
    // The author's own books were not loaded: an error, not an empty list.
    let err = serde_json::to_value(&books[0]).unwrap_err().to_string();
    assert!(err.contains("HasMany"), "{err}");
    let author = books[0].author.get().flatten().unwrap();
    assert_eq!(author.name, "Ann");
}

#[test]
fn unloaded_relations_are_an_error_or_skipped() {
    let conn = Connection::open("sqlite::memory:").unwrap();
    seed(&conn);
    let ann = SdAuthors::find(&conn, 1).unwrap();
    let err = serde_json::to_string(&ann).unwrap_err().to_string();
    assert!(
        err.contains("not loaded") && err.contains("HasMany"),
        "{err}"
    );
    // Skipped when not loaded, by the field's own attribute.
    let book = SdBooks::find(&conn, 1).unwrap();
    let v = serde_json::to_value(&book).unwrap();
    assert!(v.get("author").is_none(), "{v}");
}

#[test]
fn records_deserialize_with_relations_and_snapshots() {
    let a: Author = serde_json::from_value(json!({
        "id": 7, "name": "Bo", "books": [{"id": 1, "author_id": 7, "title": "C", "snapshot": null}]
    }))
    .unwrap();
    assert_eq!(a.books.get().map(<[Book]>::len), Some(1));
    assert!(!a.snapshot.is_persisted());
    let a: Author = serde_json::from_value(json!({"id": 7, "name": "Bo"})).unwrap();
    assert!(
        !a.books.is_loaded(),
        "a missing relation is not loaded, not empty"
    );
    let b: Book =
        serde_json::from_value(json!({"id": 1, "author_id": 7, "title": "C", "author": null}))
            .unwrap();
    assert!(!b.author.is_loaded());
    assert!(!b.snapshot.is_persisted());
}
