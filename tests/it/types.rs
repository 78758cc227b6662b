//! Optional value types, each behind a feature: exact decimals (`decimal`),
//! UUIDs (`uuid`), JSON documents (`json`). Run with `--all-features`.
#![cfg(any(feature = "decimal", feature = "uuid", feature = "json"))]

use crate::common::db_test;
use orm::prelude::*;

#[cfg(feature = "decimal")]
mod decimal {
    use super::*;
    use rust_decimal::Decimal;

    #[derive(Model, Debug, Clone, PartialEq, Default)]
    struct Product {
        id: i64,
        #[db(unique)]
        name: String,
        #[db(precision = 18, scale = 2)]
        price: Decimal,
        discount: Option<Decimal>,
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn decimals_are_exact_at_their_declared_scale(conn: &Connection) {
        assert_eq!(
            <Product as orm::Model>::COLUMNS[2].sql_type,
            orm::SqlType::Decimal(18, 2)
        );
        conn.sync::<Product>().unwrap();
        let mut p = Product {
            name: "Ice Cream".into(),
            price: d("123.4"),
            discount: Some(d("0.1")),
            ..Default::default()
        };
        p.save(conn).unwrap();
        let back = Products::find(conn, p.id).unwrap();
        assert_eq!(back.price.to_string(), "123.40", "stored at scale 2");
        assert_eq!(back.discount, Some(d("0.1")));
        // Arithmetic that floats get wrong stays exact.
        let mut q = Product {
            name: "Penny".into(),
            price: d("0.1") + d("0.2"),
            ..Default::default()
        };
        q.save(conn).unwrap();
        assert_eq!(Products::find(conn, q.id).unwrap().price, d("0.30"));
        assert_eq!(
            Products::filter(Products::PRICE.eq(d("123.40")))
                .count(conn)
                .unwrap(),
            1
        );
        let prices: Vec<Decimal> = Products::order("id").pluck(conn, Products::PRICE).unwrap();
        assert_eq!(prices, [d("123.40"), d("0.30")]);
        assert_eq!(sync_again(conn), 0);
    }
    db_test!(decimals_are_exact_at_their_declared_scale);

    fn sync_again(conn: &Connection) -> usize {
        let report = conn.sync::<Product>().unwrap();
        assert!(!report.changed());
        report.drift.len()
    }
}

#[cfg(feature = "uuid")]
mod uuid_type {
    use super::*;
    use uuid::Uuid;

    #[derive(Model, Debug, Clone, PartialEq)]
    struct Token {
        #[db(primary_key)]
        id: Uuid,
        owner: String,
        parent: Option<Uuid>,
    }

    fn uuids_round_trip_and_key_records(conn: &Connection) {
        conn.sync::<Token>().unwrap();
        let a = Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
        let b = Uuid::from_u128(42);
        let mut t = Token {
            id: a,
            owner: "ann".into(),
            parent: None,
        };
        t.save(conn).unwrap();
        let mut u = Token {
            id: b,
            owner: "bob".into(),
            parent: Some(a),
        };
        u.save(conn).unwrap();
        u.owner = "bea".into();
        u.save(conn).unwrap(); // user-supplied key: upsert
        assert_eq!(Tokens::count(conn).unwrap(), 2);
        assert_eq!(Tokens::find(conn, b).unwrap().owner, "bea");
        assert_eq!(
            Tokens::filter(Tokens::PARENT.eq(&t))
                .first(conn)
                .unwrap()
                .unwrap()
                .id,
            b
        );
    }
    db_test!(uuids_round_trip_and_key_records);
}

#[cfg(feature = "json")]
mod json_type {
    use super::*;
    use serde_json::json;

    #[derive(Model, Debug, Clone, PartialEq, Default)]
    struct Event {
        id: i64,
        kind: String,
        payload: serde_json::Value,
        extra: Option<serde_json::Value>,
    }

    fn json_documents_round_trip(conn: &Connection) {
        conn.sync::<Event>().unwrap();
        let doc = json!({"user": 7, "tags": ["a", "b"], "nested": {"ok": true, "n": 1.5}});
        let mut e = Event {
            kind: "login".into(),
            payload: doc.clone(),
            extra: None,
            ..Default::default()
        };
        e.save(conn).unwrap();
        let back = Events::find(conn, e.id).unwrap();
        assert_eq!(back.payload, doc);
        assert_eq!(back.extra, None);
        e.update_attribute(conn, Events::EXTRA, Some(json!([1, 2, 3])))
            .unwrap();
        assert_eq!(
            Events::find(conn, e.id).unwrap().extra,
            Some(json!([1, 2, 3]))
        );
    }
    db_test!(json_documents_round_trip);
}
