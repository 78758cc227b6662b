//! Column defaults (`#[db(default = ..)]`), text sizes (`#[db(size = N)]`),
//! check constraints (`#[db(check = raw(".."))]`) and indexes built
//! without blocking writes (`PlanOptions::concurrent_indexes`), on every
//! dialect: what the plan declares, what the database then does, and that
//! planning again changes nothing.

use crate::common::db_test;
use orm::prelude::*;
use orm::{ChangeKind, Drift, PlanOptions};

/// A table whose columns the database fills when an INSERT leaves them out.
#[derive(Model, Debug, Clone, Default)]
#[db(table = "cs_tasks")]
struct Task {
    id: i64,
    title: String,
    #[db(default = "draft")]
    status: String,
    #[db(default = "it's a \\ path")]
    note: String,
    #[db(default = 3)]
    priority: i32,
    #[db(default = -7)]
    offset: i64,
    #[db(default = 1.5)]
    weight: f64,
    #[db(default = true)]
    active: bool,
    #[db(default = 10)]
    budget: Option<i64>,
}

/// The same table as another program writes it: the title only.
#[derive(Model, Debug, Clone, Default)]
#[db(table = "cs_tasks", mapper = "TaskTitles")]
struct TaskTitle {
    id: i64,
    title: String,
}

/// A column whose default is a SQL expression, through the raw marker.
#[derive(Model, Debug, Clone, Default)]
#[db(table = "cs_stamps")]
struct Stamp {
    id: i64,
    label: String,
    #[db(default = raw("CURRENT_TIMESTAMP"))]
    at: Option<chrono::NaiveDateTime>,
}

#[derive(Model, Debug, Clone, Default)]
#[db(table = "cs_stamps", mapper = "StampLabels")]
struct StampLabel {
    id: i64,
    label: String,
}

#[derive(Model, Debug, Clone, Default)]
#[db(table = "cs_codes")]
struct Code {
    id: i64,
    #[db(size = 5)]
    code: String,
    #[db(size = 40, unique)]
    slug: Option<String>,
}

#[derive(Model, Debug, Clone, Default)]
#[db(table = "cs_prices")]
#[db(check = raw("price >= 0"), check = raw("discount <= price"))]
struct Price {
    id: i64,
    price: i64,
    discount: i64,
}

/// The prices' table as made before its checks were declared.
#[derive(Model, Debug, Clone, Default)]
#[db(table = "cs_prices", mapper = "PlainPrices")]
struct PlainPrice {
    id: i64,
    price: i64,
    discount: i64,
}

#[derive(Model, Debug, Clone, Default)]
#[db(table = "cs_events")]
struct Event {
    id: i64,
    kind: i32,
}

#[derive(Model, Debug, Clone, Default)]
#[db(table = "cs_events", mapper = "IndexedEvents")]
struct IndexedEvent {
    id: i64,
    #[db(index)]
    kind: i32,
}

fn settled<S: orm::Schema>(conn: &Connection) {
    let again = conn.schema_plan::<S>().unwrap();
    assert!(again.is_empty(), "{again}");
    assert!(again.drift.is_empty(), "{:?}", again.drift);
}

fn defaults_fill_what_an_insert_leaves_out(conn: &Connection) {
    let plan = conn.schema_plan::<Task>().unwrap();
    let sql = plan.to_string();
    assert!(sql.contains("DEFAULT 3"), "{sql}");
    assert!(sql.contains("DEFAULT -7"), "{sql}");
    assert!(sql.contains("DEFAULT 1.5"), "{sql}");
    conn.apply(&plan).unwrap();
    settled::<Task>(conn);

    let mut other = TaskTitle {
        title: "written elsewhere".into(),
        ..Default::default()
    };
    other.save(conn).unwrap();
    let t = CsTasks::find(conn, other.id).unwrap();
    assert_eq!(t.status, "draft");
    assert_eq!(t.note, "it's a \\ path", "quotes and backslashes kept");
    assert_eq!((t.priority, t.offset, t.weight), (3, -7, 1.5));
    assert!(t.active);
    assert_eq!(t.budget, Some(10));

    // orm's own INSERT writes every field: the defaults do not apply.
    let mut mine = Task {
        title: "mine".into(),
        ..Default::default()
    };
    mine.save(conn).unwrap();
    let m = CsTasks::find(conn, mine.id).unwrap();
    assert_eq!(
        (m.status.as_str(), m.priority, m.active, m.budget),
        ("", 0, false, None)
    );
}
db_test!(defaults_fill_what_an_insert_leaves_out);

fn added_columns_give_existing_rows_their_default(conn: &Connection) {
    conn.sync::<TaskTitle>().unwrap();
    let mut old = TaskTitle {
        title: "before".into(),
        ..Default::default()
    };
    old.save(conn).unwrap();
    let report = conn.sync::<Task>().unwrap();
    assert_eq!(report.added_columns.len(), 7, "{report:?}");
    settled::<Task>(conn);
    let t = CsTasks::find(conn, old.id).unwrap();
    assert_eq!(
        (t.status.as_str(), t.priority, t.active),
        ("draft", 3, true)
    );
    assert_eq!(t.budget, Some(10), "a nullable column added with a default");
}
db_test!(added_columns_give_existing_rows_their_default);

fn raw_defaults_are_expressions(conn: &Connection) {
    let plan = conn.schema_plan::<Stamp>().unwrap();
    assert!(
        plan.to_string().contains("DEFAULT (CURRENT_TIMESTAMP)"),
        "{plan}"
    );
    conn.apply(&plan).unwrap();
    settled::<Stamp>(conn);
    let mut s = StampLabel {
        label: "now".into(),
        ..Default::default()
    };
    s.save(conn).unwrap();
    let at = CsStamps::find(conn, s.id).unwrap().at.expect("the default");
    let age = chrono::Utc::now().naive_utc().signed_duration_since(at);
    assert!(age.num_hours().abs() < 24, "{at}");
}
db_test!(raw_defaults_are_expressions);

fn sized_text_is_varchar_and_longer_values_are_refused(conn: &Connection) {
    let plan = conn.schema_plan::<Code>().unwrap();
    assert!(plan.to_string().contains("VARCHAR(5)"), "{plan}");
    assert!(plan.to_string().contains("VARCHAR(40)"), "{plan}");
    conn.apply(&plan).unwrap();
    settled::<Code>(conn);

    let mut ok = Code {
        code: "ééééé".into(), // five characters, ten bytes
        slug: Some("s".repeat(40)),
        ..Default::default()
    };
    ok.save(conn).unwrap();
    assert_eq!(CsCodes::find(conn, ok.id).unwrap().code, "ééééé");

    let mut long = Code {
        code: "abcdef".into(),
        ..Default::default()
    };
    let err = long.save(conn).unwrap_err();
    assert!(
        matches!(err, Error::UnrepresentableValue { .. }),
        "refused before it is sent: {err:?}"
    );
    assert!(err.to_string().contains("VARCHAR(5)"), "{err}");
    let err = CsCodes::filter(CsCodes::ID.eq(ok.id))
        .update_attribute(conn, CsCodes::SLUG, Some("s".repeat(41)))
        .unwrap_err();
    assert!(matches!(err, Error::UnrepresentableValue { .. }), "{err:?}");
    assert_eq!(CsCodes::count(conn).unwrap(), 1, "nothing written");
    assert!(
        CsCodes::find(conn, ok.id).is_ok(),
        "the connection still works"
    );
}
db_test!(sized_text_is_varchar_and_longer_values_are_refused);

fn check_constraints_are_enforced_by_the_database(conn: &Connection) {
    let plan = conn.schema_plan::<Price>().unwrap();
    let sql = plan.to_string();
    assert_eq!(sql.matches(" CHECK (").count(), 2, "{sql}");
    assert!(sql.contains("CONSTRAINT "), "{sql}");
    conn.apply(&plan).unwrap();
    settled::<Price>(conn);

    let mut p = Price {
        price: 10,
        discount: 2,
        ..Default::default()
    };
    p.save(conn).unwrap();
    p.price = -1;
    assert!(
        matches!(p.save(conn), Err(Error::CheckViolation(_))),
        "price >= 0"
    );
    let mut q = Price {
        price: 5,
        discount: 6,
        ..Default::default()
    };
    assert!(matches!(q.save(conn), Err(Error::CheckViolation(_))));
    assert_eq!(CsPrices::count(conn).unwrap(), 1);
    assert_eq!(CsPrices::find(conn, p.id).unwrap().price, 10);
}
db_test!(check_constraints_are_enforced_by_the_database);

fn checks_are_added_to_existing_tables(conn: &Connection) {
    conn.sync::<PlainPrice>().unwrap();
    let plan = conn.schema_plan::<Price>().unwrap();
    if conn.dialect().name() == "sqlite" {
        // SQLite adds no constraint to an existing table: drift.
        assert!(plan.is_empty(), "{plan}");
        assert_eq!(plan.drift.len(), 2, "{:?}", plan.drift);
        assert!(plan
            .drift
            .iter()
            .all(|(_, d)| matches!(d, Drift::MissingCheck { .. })));
        return;
    }
    let added: Vec<_> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.kind, ChangeKind::AddCheck(_)))
        .collect();
    assert_eq!(added.len(), 2, "{plan}");
    assert!(added[0].sql.starts_with("ALTER TABLE "), "{}", added[0].sql);
    let report = conn.sync::<Price>().unwrap();
    assert_eq!(report.added_checks.len(), 2, "{report:?}");
    settled::<Price>(conn);
    let mut bad = Price {
        price: -5,
        ..Default::default()
    };
    assert!(matches!(bad.save(conn), Err(Error::CheckViolation(_))));
}
db_test!(checks_are_added_to_existing_tables);

fn concurrent_indexes_on_request(conn: &Connection) {
    conn.sync::<Event>().unwrap();
    let options = PlanOptions::default().concurrent_indexes(true);
    let plan = conn.schema_plan_with::<IndexedEvent>(&options).unwrap();
    assert_eq!(plan.changes.len(), 1, "{plan}");
    let sql = &plan.changes[0].sql;
    if conn.dialect().name() == "postgres" {
        assert!(sql.starts_with("CREATE INDEX CONCURRENTLY "), "{sql}");
    } else {
        assert!(sql.starts_with("CREATE INDEX "), "{sql}");
        assert!(!sql.contains("CONCURRENTLY"), "{sql}");
    }
    conn.apply(&plan).unwrap();
    settled::<IndexedEvent>(conn);
    // Without the option, the same index is built as usual.
    let plain = conn.schema_plan::<Event>().unwrap();
    assert!(plain.is_empty());
}
db_test!(concurrent_indexes_on_request);

fn generated_migrations_add_and_drop_checks(conn: &Connection) {
    use orm::migrate::{generate, Migrations};
    conn.sync::<PlainPrice>().unwrap();
    let dir = std::env::temp_dir().join(crate::common::unique_name("orm-checks"));
    let folder = generate::<Price>(conn, &dir, "price_checks")
        .unwrap()
        .expect("two checks to add");
    let down = std::fs::read_to_string(folder.join("down.sql")).unwrap();
    assert_eq!(down.matches("DROP CONSTRAINT").count(), 2, "{down}");
    let migrations = Migrations::from_dir(&dir).unwrap();
    migrations.run(conn).unwrap();
    settled::<Price>(conn);
    let mut bad = Price {
        price: -5,
        ..Default::default()
    };
    assert!(matches!(bad.save(conn), Err(Error::CheckViolation(_))));
    migrations.revert(conn).unwrap();
    bad.save(conn).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}
// SQLite adds no check to an existing table (drift, above).
db_test!(generated_migrations_add_and_drop_checks: postgres, mysql);
