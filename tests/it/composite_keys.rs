//! Composite primary keys (`#[db(primary_key)]` on several fields): the
//! table's `PRIMARY KEY (a, b)`, find by the tuple, save (an upsert on
//! both columns), update, delete, reload, `insert_all`, relations and
//! includes through a join table with data of its own, on every dialect.

use crate::common::db_test;
use orm::prelude::*;

#[derive(Model, Debug, Clone, Default, PartialEq)]
#[db(table = "ck_orders")]
struct Order {
    id: i64,
    customer: String,
    lines: HasMany<OrderLine>,
}

#[derive(Model, Debug, Clone, Default, PartialEq)]
#[db(table = "ck_products")]
struct Product {
    id: i64,
    name: String,
}

/// A join table whose key is its two foreign keys.
#[derive(Model, Debug, Clone, Default, PartialEq)]
#[db(table = "ck_order_lines")]
struct OrderLine {
    #[db(primary_key)]
    order_id: i64,
    #[db(primary_key)]
    product_id: i64,
    quantity: i32,
    order: BelongsTo<Order>,
    product: BelongsTo<Product>,
}

/// A composite key with a snapshot (change tracking): inserts and updates
/// are told apart, and only changed columns are written.
#[derive(Model, Debug, Clone, Default)]
#[db(table = "ck_rates")]
struct Rate {
    #[db(primary_key)]
    currency: String,
    #[db(primary_key)]
    day: chrono::NaiveDate,
    value: f64,
    note: Option<String>,
    snapshot: Snapshot,
}

fn line(order_id: i64, product_id: i64, quantity: i32) -> OrderLine {
    OrderLine {
        order_id,
        product_id,
        quantity,
        ..OrderLine::default()
    }
}

fn seed(conn: &Connection) -> (Order, Product, Product) {
    let plan = conn.schema_plan::<(Order, Product, OrderLine)>().unwrap();
    let create = plan
        .changes
        .iter()
        .find(|c| c.table == "ck_order_lines")
        .unwrap();
    assert!(create.sql.contains("PRIMARY KEY ("), "{}", create.sql);
    conn.apply(&plan).unwrap();
    assert!(conn
        .schema_plan::<(Order, Product, OrderLine)>()
        .unwrap()
        .is_empty());
    let mut order = Order {
        customer: "ann".into(),
        ..Order::default()
    };
    order.save(conn).unwrap();
    let mut tea = Product {
        name: "tea".into(),
        ..Product::default()
    };
    tea.save(conn).unwrap();
    let mut cup = Product {
        name: "cup".into(),
        ..Product::default()
    };
    cup.save(conn).unwrap();
    (order, tea, cup)
}

fn composite_keys_find_save_update_delete(conn: &Connection) {
    let (order, tea, cup) = seed(conn);
    let mut a = line(order.id, tea.id, 2);
    a.save(conn).unwrap();
    let mut b = line(order.id, cup.id, 1);
    b.save(conn).unwrap();
    assert_eq!(CkOrderLines::count(conn).unwrap(), 2);

    let found = CkOrderLines::find(conn, (order.id, tea.id)).unwrap();
    assert_eq!(found.quantity, 2);
    assert!(matches!(
        CkOrderLines::find(conn, (order.id, 999)),
        Err(Error::NotFound { .. })
    ));

    // Saving again upserts on both columns: one row, the new quantity.
    a.quantity = 5;
    a.save(conn).unwrap();
    assert_eq!(CkOrderLines::count(conn).unwrap(), 2);
    let quantities = |conn: &Connection| {
        [tea.id, cup.id].map(|product| {
            CkOrderLines::find(conn, (order.id, product))
                .unwrap()
                .quantity
        })
    };
    assert_eq!(quantities(conn), [5, 1]);

    // A record update finds its row by both columns.
    a.update_attribute(conn, CkOrderLines::QUANTITY, 7).unwrap();
    assert_eq!(quantities(conn), [7, 1]);
    let mut stale = b.clone();
    stale.quantity = 0;
    stale.reload(conn).unwrap();
    assert_eq!(stale, b);

    // Delete removes that row only.
    a.delete(conn).unwrap();
    assert!(CkOrderLines::find(conn, (order.id, tea.id)).is_err());
    assert_eq!(CkOrderLines::count(conn).unwrap(), 1);

    // Many rows at once, then a scope delete by condition.
    let n = CkOrderLines::insert_all(conn, &[line(order.id, tea.id, 3)]).unwrap();
    assert_eq!(n, 1);
    let duplicate = CkOrderLines::insert_all(conn, &[line(order.id, tea.id, 4)]);
    assert!(
        matches!(duplicate, Err(Error::UniqueViolation(_))),
        "{duplicate:?}"
    );
    let n = CkOrderLines::all()
        .filter(CkOrderLines::PRODUCT_ID.eq(tea.id))
        .delete(conn)
        .unwrap();
    assert_eq!(n, 1);

    // Through a scope that needs the rows' keys (a limit): refused, typed.
    let err = CkOrderLines::all()
        .filter(CkOrderLines::QUANTITY.gt(0))
        .order("quantity")
        .limit(1)
        .update_attribute(conn, CkOrderLines::QUANTITY, 9)
        .unwrap_err();
    assert!(err.to_string().contains("composite"), "{err}");
}
db_test!(composite_keys_find_save_update_delete);

fn join_tables_with_composite_keys_relate_and_include(conn: &Connection) {
    let (order, tea, cup) = seed(conn);
    // Saving through the parent's accessor sets the foreign key.
    let mut a = line(0, tea.id, 2);
    order.lines().save(conn, &mut a).unwrap();
    assert_eq!(a.order_id, order.id);
    line(order.id, cup.id, 1).save(conn).unwrap();

    let orders = CkOrders::all().include(CkOrders::LINES).all(conn).unwrap();
    let lines = orders[0].lines.get().unwrap();
    assert_eq!(lines.len(), 2);

    let lines = CkOrderLines::all()
        .order("quantity")
        .include(CkOrderLines::PRODUCT)
        .include(CkOrderLines::ORDER)
        .all(conn)
        .unwrap();
    let names: Vec<&str> = lines
        .iter()
        .map(|l| l.product.get().unwrap().unwrap().name.as_str())
        .collect();
    assert_eq!(names, ["cup", "tea"]);
    assert_eq!(lines[0].order(conn).unwrap().customer, "ann");
    assert_eq!(order.lines().count(conn).unwrap(), 2);

    // The join table's foreign keys are constraints: a line for a missing
    // product is refused.
    let err = line(order.id, 999, 1).save(conn).unwrap_err();
    assert!(matches!(err, Error::ForeignKeyViolation(_)), "{err:?}");
}
db_test!(join_tables_with_composite_keys_relate_and_include);

fn composite_keys_with_change_tracking(conn: &Connection) {
    conn.sync::<Rate>().unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let mut eur = Rate {
        currency: "EUR".into(),
        day,
        value: 1.08,
        ..Rate::default()
    };
    eur.save(conn).unwrap(); // new per its snapshot: an INSERT
    assert!(matches!(
        Rate {
            currency: "EUR".into(),
            day,
            value: 2.0,
            ..Rate::default()
        }
        .save(conn),
        Err(Error::UniqueViolation(_))
    ));
    eur.note = Some("ecb".into());
    eur.save(conn).unwrap(); // saved: an UPDATE of the changed column
    let back = CkRates::find(conn, ("EUR".to_owned(), day)).unwrap();
    assert_eq!((back.value, back.note.as_deref()), (1.08, Some("ecb")));
    assert_eq!(back.is_new(), Some(false), "a loaded record is not new");
}
db_test!(composite_keys_with_change_tracking);
