//! Saving: save, insert, save_all (all or nothing), insert_all (multi-row,
//! within the bind-parameter limit), instance methods.

use crate::common::db_test;
use orm::prelude::*;

#[derive(Model, Debug, Clone, PartialEq, Default)]
struct Item {
    id: i64,
    #[db(unique)]
    sku: String,
    qty: i32,
    note: Option<String>,
}

fn item(sku: &str, qty: i32) -> Item {
    Item {
        sku: sku.into(),
        qty,
        ..Default::default()
    }
}

fn save_inserts_then_updates(conn: &Connection) {
    conn.sync::<Item>().unwrap();
    let mut a = item("a", 1);
    a.save(conn).unwrap();
    let mut b = item("b", 2);
    b.save(conn).unwrap();
    assert_eq!((a.id, b.id), (1, 2), "generated keys are written back");
    a.qty = 10;
    a.save(conn).unwrap();
    assert_eq!(Items::count(conn).unwrap(), 2);
    assert_eq!(Items::find(conn, 1).unwrap().qty, 10);
    // insert() forces an INSERT with the key given.
    let mut c = Item {
        id: 42,
        ..item("c", 3)
    };
    c.insert(conn).unwrap();
    assert_eq!(Items::find(conn, 42).unwrap().sku, "c");
}
db_test!(save_inserts_then_updates);

fn instance_methods(conn: &Connection) {
    conn.sync::<Item>().unwrap();
    let mut a = item("a", 1);
    a.save(conn).unwrap();
    a.update_attribute(conn, Items::NOTE, Some("fragile".to_owned()))
        .unwrap();
    assert_eq!(a.note.as_deref(), Some("fragile"), "memory updated too");
    assert_eq!(
        Items::find(conn, a.id).unwrap().note.as_deref(),
        Some("fragile")
    );
    a.update_attributes(
        conn,
        [
            Items::QTY.set(Func::new("qty + ?", (41,))),
            Items::SKU.set("A"),
        ],
    )
    .unwrap();
    assert_eq!((a.qty, a.sku.as_str()), (42, "A"), "formulas are read back");
    // Another writer changes the row; reload reads it.
    Items::all()
        .filter(Items::ID.eq(a.id))
        .update_attribute(conn, Items::QTY, 7)
        .unwrap();
    a.reload(conn).unwrap();
    assert_eq!(a.qty, 7);
    assert!(a.delete(conn).unwrap());
    assert!(!a.delete(conn).unwrap(), "already gone");
    assert_eq!(Items::count(conn).unwrap(), 0);
    assert!(matches!(
        a.update_attribute(conn, Items::QTY, 1),
        Err(Error::NotFound { .. })
    ));
}
db_test!(instance_methods);

fn save_all_is_all_or_nothing(conn: &Connection) {
    conn.sync::<Item>().unwrap();
    let mut existing = item("x", 1);
    existing.save(conn).unwrap();

    existing.qty = 99;
    let mut batch = vec![existing.clone(), item("y", 2), item("x", 3)];
    let err = Items::save_all(conn, &mut batch).unwrap_err();
    assert!(matches!(err, Error::UniqueViolation(_)), "{err:?}");
    assert_eq!(Items::count(conn).unwrap(), 1, "nothing was written");
    assert_eq!(
        Items::find(conn, existing.id).unwrap().qty,
        1,
        "update rolled back"
    );
    assert_eq!(batch[1].id, 0, "keys of rolled-back inserts are reset");

    batch[2].sku = "z".into();
    Items::save_all(conn, &mut batch).unwrap();
    assert_eq!(Items::count(conn).unwrap(), 3);
    assert!(batch.iter().all(|i| i.id > 0));
    assert_eq!(Items::find(conn, existing.id).unwrap().qty, 99);
}
db_test!(save_all_is_all_or_nothing);

fn insert_all_uses_few_multi_row_statements(conn: &Connection) {
    conn.sync::<Item>().unwrap();
    // 3 columns per row: 20_000 rows need 60_000 parameters, more than one
    // statement may carry on SQLite (32_766).
    let rows: Vec<Item> = (0..20_000).map(|i| item(&format!("sku{i}"), i)).collect();
    let before = conn.statement_count();
    let n = Items::insert_all(conn, &rows).unwrap();
    let statements = conn.statement_count() - before;
    assert_eq!(n, 20_000);
    assert_eq!(Items::count(conn).unwrap(), 20_000);
    let per_stmt = conn.dialect().max_params() / 3;
    let inserts = 20_000usize.div_ceil(per_stmt) as u64;
    // One statement is atomic by itself; several run in one transaction.
    let expected = if inserts == 1 { 1 } else { inserts + 2 };
    assert_eq!(
        statements, expected,
        "{inserts} INSERT(s), in BEGIN .. COMMIT when more than one"
    );
    // A failure anywhere writes nothing.
    let dup = vec![item("new1", 1), item("sku5", 1)];
    assert!(matches!(
        Items::insert_all(conn, &dup),
        Err(Error::UniqueViolation(_))
    ));
    assert_eq!(Items::count(conn).unwrap(), 20_000);
    assert_eq!(Items::insert_all(conn, &[]).unwrap(), 0);
}
db_test!(insert_all_uses_few_multi_row_statements);

fn insert_all_mixes_given_and_generated_keys(conn: &Connection) {
    conn.sync::<Item>().unwrap();
    let rows = vec![
        item("a", 1),
        Item {
            id: 100,
            ..item("b", 2)
        },
    ];
    assert_eq!(Items::insert_all(conn, &rows).unwrap(), 2);
    assert_eq!(Items::find(conn, 100).unwrap().sku, "b");
    assert_eq!(
        Items::all().filter(Items::SKU.eq("a")).count(conn).unwrap(),
        1
    );
}
db_test!(insert_all_mixes_given_and_generated_keys);

/// A model whose only column is its generated key: `DEFAULT VALUES`.
#[derive(Model, Debug, Clone, Default, PartialEq)]
struct Ticket {
    id: i64,
}

fn a_model_of_only_a_generated_key_inserts(conn: &Connection) {
    conn.sync::<Ticket>().unwrap();
    let mut t = Ticket::default();
    t.save(conn).unwrap();
    assert!(t.id > 0);
    let mut u = Ticket::default();
    u.save(conn).unwrap();
    assert_ne!(u.id, t.id);
    assert_eq!(
        Tickets::insert_all(conn, &[Ticket::default(), Ticket::default()]).unwrap(),
        2
    );
    assert_eq!(Tickets::count(conn).unwrap(), 4);
    assert!(Tickets::find(conn, t.id).is_ok());
}
db_test!(a_model_of_only_a_generated_key_inserts);
