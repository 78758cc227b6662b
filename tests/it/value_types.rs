//! Column types beyond the built-in ones: narrow and unsigned integers, Rust
//! enums stored as text or as integers, and newtypes (also as keys) through
//! `#[derive(DbValue)]`, on every dialect: round trips, conditions on them,
//! and values in the database that do not fit, read as typed errors.

use crate::common::db_test;
use orm::prelude::*;

#[derive(DbValue, Debug, Clone, Copy, PartialEq, Default)]
#[db(rename_all = "snake_case")]
enum Status {
    #[default]
    Draft,
    InReview,
    #[db(rename = "live")]
    Published,
}

#[derive(DbValue, Debug, Clone, Copy, PartialEq, Default)]
#[db(int)]
enum Priority {
    #[default]
    Low = 1,
    High = 10,
}

#[derive(DbValue, Debug, Clone, PartialEq, Default)]
struct Email(String);

#[derive(DbValue, Debug, Clone, Copy, PartialEq, Default)]
#[db(key)]
struct TicketId(i64);

#[derive(Model, Debug, Clone, PartialEq, Default)]
#[db(table = "vt_tickets")]
struct Ticket {
    id: TicketId,
    status: Status,
    priority: Priority,
    reporter: Email,
    cc: Option<Email>,
    previous: Option<Status>,
    tiny: i8,
    port: u16,
    count: u32,
    maybe: Option<u32>,
}

fn ticket() -> Ticket {
    Ticket {
        status: Status::InReview,
        priority: Priority::High,
        reporter: Email("ann@example.com".into()),
        cc: None,
        previous: Some(Status::Published),
        tiny: -128,
        port: u16::MAX,
        count: u32::MAX,
        maybe: Some(7),
        ..Ticket::default()
    }
}

fn db_values_round_trip(conn: &Connection) {
    conn.sync::<Ticket>().unwrap();
    let mut t = ticket();
    t.save(conn).unwrap();
    assert_ne!(t.id, TicketId(0), "a newtype key is generated");
    let back = VtTickets::find(conn, t.id).unwrap();
    assert_eq!(back, t);

    // Stored as the names and numbers they declare.
    let raw: Vec<(String, i64, String, Option<String>)> = conn
        .query(
            "SELECT status, priority, reporter, previous FROM vt_tickets",
            (),
        )
        .unwrap();
    assert_eq!(
        raw,
        [(
            "in_review".to_owned(),
            10,
            "ann@example.com".to_owned(),
            Some("live".to_owned())
        )]
    );

    // Conditions on them.
    let found = VtTickets::filter(VtTickets::STATUS.eq(Status::InReview))
        .filter(VtTickets::PRIORITY.ne(Priority::Low))
        .filter(VtTickets::PREVIOUS.eq(Status::Published))
        .filter(VtTickets::REPORTER.eq(Email("ann@example.com".into())))
        .filter(VtTickets::PORT.eq(u16::MAX))
        .count(conn)
        .unwrap();
    assert_eq!(found, 1);
    let n = VtTickets::filter(VtTickets::ID.eq(t.id))
        .update_attribute(conn, VtTickets::STATUS, Status::Draft)
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(VtTickets::find(conn, t.id).unwrap().status, Status::Draft);
}
db_test!(db_values_round_trip);

fn values_that_do_not_fit_are_typed_errors(conn: &Connection) {
    conn.sync::<Ticket>().unwrap();
    let mut t = ticket();
    t.save(conn).unwrap();
    conn.execute("UPDATE vt_tickets SET status = 'gone'", ())
        .unwrap();
    let err = VtTickets::find(conn, t.id).unwrap_err();
    assert!(
        matches!(&err, Error::Decode { column, .. } if column == "status"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("\"gone\" is not a Status"),
        "{err}"
    );
    conn.execute(
        "UPDATE vt_tickets SET status = 'draft', priority = 5, tiny = 300",
        (),
    )
    .unwrap();
    let err = VtTickets::find(conn, t.id).unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    conn.execute("UPDATE vt_tickets SET priority = 1", ())
        .unwrap();
    let err = VtTickets::find(conn, t.id).unwrap_err();
    assert!(
        matches!(&err, Error::Decode { column, .. } if column == "tiny"),
        "300 is not an i8: {err:?}"
    );
}
db_test!(values_that_do_not_fit_are_typed_errors);
