//! Schema sync: create, add, never drop, report drift, idempotent.

use crate::common::db_test;
use orm::prelude::*;
use orm::Drift;

#[derive(Model, Debug, Clone, Default)]
#[db(table = "widgets", mapper = "WidgetsV1")]
struct WidgetV1 {
    id: i64,
    name: String,
    legacy: Option<String>,
}

#[derive(Model, Debug, Clone, Default)]
#[db(table = "widgets", mapper = "WidgetsV2")]
struct WidgetV2 {
    id: i64,
    #[db(unique)]
    name: String,
    #[db(index)]
    weight: i32,
    color: Option<String>,
}

#[derive(Model, Debug, Clone, Default)]
#[db(table = "widgets", mapper = "WidgetsV3")]
struct WidgetV3 {
    id: i64,
    name: Vec<u8>,
    weight: Option<i32>,
}

fn sync_creates_then_changes_nothing(conn: &Connection) {
    let first = conn.sync::<WidgetV2>().unwrap();
    assert!(first.created_table);
    assert_eq!(first.created_indexes.len(), 2);
    assert!(first.drift.is_empty(), "{:?}", first.drift);
    let again = WidgetsV2::sync(conn).unwrap();
    assert!(!again.changed(), "{again:?}");
    assert!(again.drift.is_empty(), "{:?}", again.drift);
    // The unique index works.
    let w = |n: &str| WidgetV2 {
        name: n.into(),
        ..Default::default()
    };
    w("a").save(conn).unwrap();
    assert!(matches!(w("a").save(conn), Err(Error::UniqueViolation(_))));
}
db_test!(sync_creates_then_changes_nothing);

fn sync_adds_missing_columns_and_keeps_data(conn: &Connection) {
    conn.sync::<WidgetV1>().unwrap();
    WidgetV1 {
        name: "old".into(),
        legacy: Some("keep me".into()),
        ..Default::default()
    }
    .save(conn)
    .unwrap();

    let report = conn.sync::<WidgetV2>().unwrap();
    assert!(!report.created_table);
    assert_eq!(report.added_columns, ["weight", "color"]);
    assert_eq!(report.created_indexes.len(), 2);
    // MySQL's strings are LONGTEXT.
    let text = if conn.dialect().name() == "mysql" {
        "LONGTEXT"
    } else {
        "TEXT"
    };
    let mut drift = vec![Drift::ExtraColumn {
        column: "legacy".into(),
        db_type: text.into(),
    }];
    if conn.dialect().name() == "mysql" {
        // An indexed string is VARCHAR(255) on MySQL; sync does not
        // change the type of the existing LONGTEXT column, it reports it.
        drift.insert(
            0,
            Drift::TypeMismatch {
                column: "name".into(),
                expected: "VARCHAR(255)".into(),
                actual: text.into(),
            },
        );
    }
    assert_eq!(report.drift, drift);
    // Existing rows read with the new model; the new NOT NULL column got
    // a zero default; the extra column is untouched.
    let w = WidgetsV2::all().first(conn).unwrap().unwrap();
    assert_eq!((w.name.as_str(), w.weight, w.color), ("old", 0, None));
    let legacy: Vec<(Option<String>,)> = conn.query("SELECT legacy FROM widgets", ()).unwrap();
    assert_eq!(legacy[0].0.as_deref(), Some("keep me"));

    let again = conn.sync::<WidgetV2>().unwrap();
    assert!(!again.changed());
}
db_test!(sync_adds_missing_columns_and_keeps_data);

fn sync_reports_type_and_nullability_drift_without_fixing_it(conn: &Connection) {
    conn.sync::<WidgetV2>().unwrap();
    let report = conn.sync::<WidgetV3>().unwrap();
    assert!(!report.changed());
    // What V2 declared for its unique `name` string.
    let v2_name = conn
        .dialect()
        .column_type(&<WidgetV2 as orm::Model>::COLUMNS[1])
        .into_owned();
    assert!(
        report.drift.contains(&Drift::TypeMismatch {
            column: "name".into(),
            expected: conn
                .dialect()
                .column_type(&<WidgetV3 as orm::Model>::COLUMNS[1])
                .into_owned(),
            actual: if conn.dialect().name() == "mysql" {
                v2_name
            } else {
                "TEXT".into()
            },
        }),
        "{:?}",
        report.drift
    );
    assert!(report.drift.contains(&Drift::NullabilityMismatch {
        column: "weight".into(),
        model_nullable: true,
    }));
    assert!(report
        .drift
        .iter()
        .any(|d| matches!(d, Drift::ExtraColumn { column, .. } if column == "color")));
    // Drift is displayable for logs.
    assert!(report.drift.iter().all(|d| !d.to_string().is_empty()));
}
db_test!(sync_reports_type_and_nullability_drift_without_fixing_it);

/// Index names longer than the database keeps (63 bytes on PostgreSQL,
/// which truncates, 64 on MySQL) are shortened with a hash, the same every
/// time: a second sync finds the index and changes nothing.
#[derive(Model, Debug, Clone, Default)]
#[db(table = "subscriptions_of_the_weekly_newsletter")]
struct LongNames {
    id: i64,
    #[db(unique)]
    address_of_the_subscriber_for_the_mailing: String,
}

fn long_index_names_are_shortened_deterministically(conn: &Connection) {
    let report = conn.sync::<LongNames>().unwrap();
    assert_eq!(report.created_indexes.len(), 1);
    let name = &report.created_indexes[0];
    let max = conn.dialect().max_identifier_len().unwrap_or(usize::MAX);
    assert!(name.len() <= max, "{name}");
    assert!(!conn.sync::<LongNames>().unwrap().changed(), "idempotent");
    let row = |a: &str| LongNames {
        address_of_the_subscriber_for_the_mailing: a.into(),
        ..Default::default()
    };
    row("a").save(conn).unwrap();
    assert!(matches!(
        row("a").save(conn),
        Err(Error::UniqueViolation(_))
    ));
}
db_test!(long_index_names_are_shortened_deterministically);

#[derive(Model, Debug, Clone, Default)]
struct Shelf {
    id: i64,
    #[db(unique)]
    label: String,
}

#[derive(Model, Debug, Clone, Default)]
struct Crate {
    id: i64,
    #[db(index)]
    shelf_id: i64,
    weight: Option<f64>,
}

/// Plan, then apply: the plan lists each change with its SQL, in order,
/// without running anything; applying it and planning again gives an empty
/// plan; a column added to the model is one ADD COLUMN.
fn schema_plans_are_reviewed_then_applied(conn: &Connection) {
    let before = conn.statement_count();
    let plan = conn.schema_plan::<(Shelf, Crate)>().unwrap();
    let kinds: Vec<_> = plan
        .changes
        .iter()
        .map(|c| (c.table.as_str(), &c.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("shelves", &orm::ChangeKind::CreateTable),
            (
                "shelves",
                &orm::ChangeKind::CreateIndex("ux_shelves_label".into())
            ),
            ("crates", &orm::ChangeKind::CreateTable),
            (
                "crates",
                &orm::ChangeKind::CreateIndex("ix_crates_shelf_id".into())
            ),
        ]
        .iter()
        .map(|(t, k)| (*t, *k))
        .collect::<Vec<_>>()
    );
    assert!(plan.changes[0].sql.starts_with("CREATE TABLE"));
    assert_eq!(plan.to_string().lines().count(), 4);
    // Planning only reads the catalogue.
    assert_eq!(conn.statement_count() - before, 2, "two catalogue reads");
    assert!(Shelves::count(conn).is_err(), "nothing was created");
    conn.apply(&plan).unwrap();
    assert!(conn.schema_plan::<(Shelf, Crate)>().unwrap().is_empty());
    // A column the table lacks: one change.
    conn.execute_batch("CREATE TABLE sparse_rows (id INTEGER PRIMARY KEY)")
        .unwrap();
    #[derive(Model, Debug, Clone, Default)]
    #[db(table = "sparse_rows")]
    struct SparseRow {
        id: i64,
        note: Option<String>,
    }
    let plan = conn.schema_plan::<SparseRow>().unwrap();
    assert_eq!(plan.changes.len(), 1, "{plan}");
    assert_eq!(
        plan.changes[0].kind,
        orm::ChangeKind::AddColumn("note".into())
    );
    conn.apply(&plan).unwrap();
    assert!(conn.schema_plan::<SparseRow>().unwrap().is_empty());
}
db_test!(schema_plans_are_reviewed_then_applied);

/// A SQLite table made by hand with equivalent types (by SQLite's type
/// affinity) shows no drift.
#[derive(Model, Debug, Clone, Default)]
#[db(table = "handmade_rows")]
struct Handmade {
    id: i64,
    flag: bool,
    small: i16,
    big: i64,
    ratio: f64,
    name: String,
    at: chrono::NaiveDateTime,
}

#[cfg(feature = "sqlite")]
#[test]
fn a_handmade_sqlite_table_with_equivalent_types_is_no_drift() {
    let conn = Connection::open("sqlite::memory:").unwrap();
    conn.execute_batch(
        "CREATE TABLE handmade_rows (id INTEGER PRIMARY KEY AUTOINCREMENT, flag INTEGER NOT NULL, \
         small INT NOT NULL, big INTEGER NOT NULL, ratio FLOAT NOT NULL, \
         name VARCHAR(80) NOT NULL, at TEXT NOT NULL)",
    )
    .unwrap();
    let report = conn.sync::<Handmade>().unwrap();
    assert!(report.drift.is_empty(), "{:?}", report.drift);
    assert!(!report.changed());
    // A text column where an integer goes is drift: NUMERIC-less TEXT
    // affinity would store it as text.
    conn.execute_batch(
        "CREATE TABLE handmade_flags (id INTEGER PRIMARY KEY AUTOINCREMENT, flag TEXT)",
    )
    .unwrap();
    #[derive(Model, Debug, Clone, Default)]
    #[db(table = "handmade_flags")]
    struct Handmade2 {
        id: i64,
        flag: Option<bool>,
    }
    let report = conn.sync::<Handmade2>().unwrap();
    assert!(
        report
            .drift
            .iter()
            .any(|d| matches!(d, Drift::TypeMismatch { column, .. } if column == "flag")),
        "{:?}",
        report.drift
    );
}

/// Indexes over several columns, declared on the struct: unique together,
/// and a plain composite index.
#[derive(Model, Debug, Clone, Default)]
#[db(unique(shelf, slot), index(shelf, label))]
struct Placement {
    id: i64,
    shelf: i64,
    slot: i32,
    label: String,
}

fn composite_indexes_are_created_and_enforced(conn: &Connection) {
    let report = conn.sync::<Placement>().unwrap();
    assert_eq!(
        report.created_indexes,
        ["ux_placements_shelf_slot", "ix_placements_shelf_label"]
    );
    assert!(conn.schema_plan::<Placement>().unwrap().is_empty());
    let at = |shelf: i64, slot: i32| Placement {
        shelf,
        slot,
        label: "x".into(),
        ..Default::default()
    };
    at(1, 1).save(conn).unwrap();
    at(1, 2).save(conn).unwrap();
    at(2, 1).save(conn).unwrap();
    assert!(matches!(
        at(1, 1).save(conn),
        Err(Error::UniqueViolation(_))
    ));
}
db_test!(composite_indexes_are_created_and_enforced);
