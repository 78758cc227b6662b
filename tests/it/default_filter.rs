//! The seam for "every statement on this table": a model's default filter
//! (`#[db(default_filter = "..")]`) applies to every path that reads or
//! writes its rows, and `without_default_filter()` lifts it for one scope.

use crate::common::db_test;
use orm::prelude::*;

/// Hidden documents are not there, for every statement.
fn visible() -> Cond {
    Docs::HIDDEN.eq(false)
}

#[derive(Model, Debug, Clone, Default)]
#[db(default_filter = "visible")]
struct Doc {
    id: i64,
    owner_id: Option<i64>,
    title: String,
    hidden: bool,
    owner: BelongsTo<Owner>,
    notes: HasMany<DocNote>,
}

#[derive(Model, Debug, Clone, Default)]
struct Owner {
    id: i64,
    name: String,
    docs: HasMany<Doc>,
}

#[derive(Model, Debug, Clone, Default)]
struct DocNote {
    id: i64,
    doc_id: i64,
    text: String,
    // A deleted doc takes its notes with it (the foreign key).
    #[db(on_delete = "cascade")]
    doc: BelongsTo<Doc>,
}

struct Seed {
    ann: Owner,
    shown: Doc,
    secret: Doc,
    orphan_secret: Doc,
    note_on_secret: DocNote,
}

fn seed(conn: &Connection) -> Seed {
    conn.sync::<Owner>().unwrap();
    conn.sync::<Doc>().unwrap();
    conn.sync::<DocNote>().unwrap();
    let mut ann = Owner {
        name: "ann".into(),
        ..Default::default()
    };
    ann.save(conn).unwrap();
    let doc = |owner: Option<i64>, title: &str, hidden: bool| {
        let mut d = Doc {
            owner_id: owner,
            title: title.into(),
            hidden,
            ..Default::default()
        };
        d.save(conn).unwrap();
        d
    };
    let shown = doc(Some(ann.id), "shown", false);
    let secret = doc(Some(ann.id), "secret", true);
    doc(None, "orphan shown", false);
    let orphan_secret = doc(None, "orphan secret", true);
    let note = |doc_id: i64, text: &str| {
        let mut n = DocNote {
            doc_id,
            text: text.into(),
            ..Default::default()
        };
        n.save(conn).unwrap();
        n
    };
    note(shown.id, "on shown");
    let note_on_secret = note(secret.id, "on secret");
    Seed {
        ann,
        shown,
        secret,
        orphan_secret,
        note_on_secret,
    }
}

fn titles(docs: &[Doc]) -> Vec<&str> {
    let mut t: Vec<&str> = docs.iter().map(|d| d.title.as_str()).collect();
    t.sort_unstable();
    t
}

fn every_read_path_applies_the_filter(conn: &Connection) {
    let s = seed(conn);
    // Scopes and their terminal calls.
    assert_eq!(
        titles(&Docs::all().all(conn).unwrap()),
        ["orphan shown", "shown"]
    );
    assert_eq!(
        titles(&Docs::load_all(conn).unwrap()),
        ["orphan shown", "shown"]
    );
    assert!(Docs::all()
        .to_sql()
        .unwrap()
        .sql
        .contains(r#""hidden" = $1"#));
    assert!(matches!(
        Docs::find(conn, s.secret.id),
        Err(Error::NotFound { .. })
    ));
    assert_eq!(Docs::find(conn, s.shown.id).unwrap().title, "shown");
    assert_eq!(Docs::all().count(conn).unwrap(), 2);
    assert_eq!(Docs::all().limit(5).count(conn).unwrap(), 2);
    assert_eq!(Docs::all().count_without_limit(conn).unwrap(), 2);
    assert_eq!(Docs::all().count_on(conn, "DISTINCT owner_id").unwrap(), 1);
    assert!(!Docs::filter(Docs::TITLE.eq("secret")).exists(conn).unwrap());
    assert_eq!(Docs::all().pluck(conn, Docs::ID).unwrap().len(), 2);
    assert_eq!(
        Docs::all().max(conn, Docs::ID).unwrap(),
        Some(s.orphan_secret.id - 1)
    );
    assert_eq!(
        Docs::all()
            .select::<Vec<orm::Value>>(conn, "title")
            .unwrap()
            .len(),
        2
    );
    assert_eq!(Docs::all().iter(conn).unwrap().count(), 2);
    assert!(Docs::all().first(conn).unwrap().is_some_and(|d| !d.hidden));

    // Joins from another model: the hidden rows are not joined.
    let joined = Owners::all()
        .inner_join(Owners::DOCS)
        .filter(Docs::TITLE.eq("secret"))
        .count(conn)
        .unwrap();
    assert_eq!(joined, 0);
    let aliased = Owners::all()
        .join_as(Owners::DOCS, "d")
        .filter(col("d.title").eq("secret"))
        .count(conn)
        .unwrap();
    assert_eq!(aliased, 0);

    // Includes and accessors into the filtered model.
    let owners = Owners::all().include(Owners::DOCS).all(conn).unwrap();
    assert_eq!(titles(owners[0].docs.get().unwrap()), ["shown"]);
    assert_eq!(s.ann.docs().count(conn).unwrap(), 1);
    let notes = DocNotes::all()
        .order("id")
        .include(DocNotes::DOC)
        .all(conn)
        .unwrap();
    assert!(notes[0].doc.get().unwrap().is_some());
    assert!(notes[1].doc.get().unwrap().is_none(), "its doc is hidden");
    assert!(matches!(
        s.note_on_secret.doc(conn),
        Err(Error::NotFound { .. })
    ));

    // Full-join orphans: a hidden doc is no orphan; a note whose doc is
    // hidden is one.
    let (_, orphans) = Owners::all().full_join_all(conn, Owners::DOCS).unwrap();
    assert_eq!(titles(&orphans), ["orphan shown"]);
    let (_, lonely) = Docs::all().full_join_all(conn, Docs::NOTES).unwrap();
    let texts: Vec<&str> = lonely.iter().map(|n| n.text.as_str()).collect();
    assert_eq!(texts, ["on secret"]);

    // Lifted for one scope.
    let all = Docs::all().without_default_filter();
    assert_eq!(all.count(conn).unwrap(), 4);
    assert_eq!(
        Docs::all()
            .without_default_filter()
            .find(conn, s.secret.id)
            .unwrap()
            .title,
        "secret"
    );
    assert_eq!(
        Owners::all()
            .inner_join(Owners::DOCS)
            .without_default_filter()
            .filter(Docs::TITLE.eq("secret"))
            .count(conn)
            .unwrap(),
        1
    );
    let (_, orphans) = Owners::all()
        .without_default_filter()
        .full_join_all(conn, Owners::DOCS)
        .unwrap();
    assert_eq!(titles(&orphans), ["orphan secret", "orphan shown"]);
}
db_test!(every_read_path_applies_the_filter);

fn every_write_path_applies_the_filter(conn: &Connection) {
    let s = seed(conn);
    // Scope updates and deletes do not touch hidden rows.
    assert_eq!(
        Docs::filter(Docs::TITLE.eq("secret"))
            .update_attribute(conn, Docs::TITLE, "leaked")
            .unwrap(),
        0
    );
    assert_eq!(
        Docs::filter(Docs::TITLE.eq("secret")).delete(conn).unwrap(),
        0
    );
    // The guard still wants a condition of the caller's own: the default
    // filter is not one.
    assert!(matches!(
        Docs::all().delete(conn),
        Err(Error::MissingCondition { .. })
    ));
    // Records: a hidden row is not there to update or delete.
    let mut secret = s.secret.clone();
    secret.title = "changed".into();
    assert!(matches!(secret.save(conn), Err(Error::NotFound { .. })));
    assert!(!secret.delete(conn).unwrap());
    let mut shown = s.shown.clone();
    shown.title = "renamed".into();
    shown.save(conn).unwrap();
    assert_eq!(Docs::find(conn, shown.id).unwrap().title, "renamed");
    // Nothing hidden changed.
    let hidden: Vec<String> = Docs::filter(Docs::HIDDEN.eq(true))
        .without_default_filter()
        .order("id")
        .pluck(conn, Docs::TITLE)
        .unwrap();
    assert_eq!(hidden, ["secret", "orphan secret"]);
    // Lifted, the same writes reach them.
    assert_eq!(
        Docs::filter(Docs::TITLE.eq("secret"))
            .without_default_filter()
            .delete(conn)
            .unwrap(),
        1
    );
}
db_test!(every_write_path_applies_the_filter);
