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
    level: u8,
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
        level: u8::MAX,
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
    // Lists of them in fragments; a Vec<u8> is still one blob, not a list.
    let n = VtTickets::all()
        .where_("status IN (?)", (vec![Status::InReview, Status::Draft],))
        .filter(VtTickets::LEVEL.eq(u8::MAX))
        .count(conn)
        .unwrap();
    assert_eq!(n, 1);
    let arg = orm::IntoArg::into_arg(vec![1u8, 2, 3]);
    assert!(matches!(arg, orm::Expr::Value(Value::Blob(_))), "{arg:?}");
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

#[derive(Model, Debug, Clone, PartialEq, Default)]
#[db(table = "vt_slots")]
struct Slot {
    id: i64,
    opens: chrono::NaiveTime,
    closes: Option<chrono::NaiveTime>,
}

fn times_of_day_round_trip_and_compare(conn: &Connection) {
    use chrono::NaiveTime;
    conn.sync::<Slot>().unwrap();
    let t = |h, m, s, us| NaiveTime::from_hms_micro_opt(h, m, s, us).unwrap();
    let mut slots = vec![
        Slot {
            opens: t(9, 30, 0, 0),
            closes: Some(t(17, 45, 30, 250_000)),
            ..Default::default()
        },
        Slot {
            opens: t(23, 59, 59, 999_999),
            closes: None,
            ..Default::default()
        },
        Slot {
            opens: t(0, 0, 0, 1),
            ..Default::default()
        },
    ];
    for s in &mut slots {
        s.save(conn).unwrap();
    }
    for s in &slots {
        assert_eq!(&VtSlots::find(conn, s.id).unwrap(), s);
    }
    // Compared and ordered as times of day.
    let late: Vec<NaiveTime> = VtSlots::filter(VtSlots::OPENS.gt(t(9, 0, 0, 0)))
        .order("opens")
        .pluck(conn, VtSlots::OPENS)
        .unwrap();
    assert_eq!(late, [t(9, 30, 0, 0), t(23, 59, 59, 999_999)]);
    // Finer than a microsecond: refused before sending.
    let mut fine = Slot {
        opens: NaiveTime::from_hms_nano_opt(1, 2, 3, 4).unwrap(),
        ..Default::default()
    };
    assert!(matches!(
        fine.save(conn),
        Err(Error::UnrepresentableValue { .. })
    ));
    assert_eq!(VtSlots::count(conn).unwrap(), 3);
    settled::<Slot>(conn);
}
db_test!(times_of_day_round_trip_and_compare);

fn settled<M: Model>(conn: &Connection) {
    let again = conn.schema_plan::<M>().unwrap();
    assert!(again.is_empty() && again.drift.is_empty(), "{again:?}");
}

#[derive(Model, Debug, Clone, PartialEq)]
#[db(table = "vt_moments")]
struct Moment {
    id: i64,
    at: chrono::DateTime<chrono::FixedOffset>,
    #[cfg(feature = "time")]
    day: time::Date,
    #[cfg(feature = "time")]
    clock: time::Time,
    #[cfg(feature = "time")]
    local: time::PrimitiveDateTime,
    #[cfg(feature = "time")]
    instant: Option<time::OffsetDateTime>,
}

fn offsets_and_the_time_crate(conn: &Connection) {
    conn.sync::<Moment>().unwrap();
    let at = chrono::DateTime::parse_from_rfc3339("2024-05-01T12:30:00.25+02:00").unwrap();
    let mut m = Moment {
        id: 0,
        at,
        #[cfg(feature = "time")]
        day: time::Date::from_calendar_date(2024, time::Month::February, 29).unwrap(),
        #[cfg(feature = "time")]
        clock: time::Time::from_hms_micro(23, 59, 59, 999_999).unwrap(),
        #[cfg(feature = "time")]
        local: time::PrimitiveDateTime::new(
            time::Date::from_calendar_date(1999, time::Month::December, 31).unwrap(),
            time::Time::from_hms(23, 0, 0).unwrap(),
        ),
        #[cfg(feature = "time")]
        instant: Some(
            time::OffsetDateTime::from_unix_timestamp(1_700_000_000)
                .unwrap()
                .to_offset(time::UtcOffset::from_hms(-5, 0, 0).unwrap()),
        ),
    };
    m.save(conn).unwrap();
    let back = VtMoments::find(conn, m.id).unwrap();
    // The same instants, read back at UTC.
    assert_eq!(back, m);
    assert_eq!(back.at.offset().local_minus_utc(), 0);
    assert_eq!(back.at.to_rfc3339(), "2024-05-01T10:30:00.250+00:00");
    let n = VtMoments::filter(VtMoments::AT.eq(at)).count(conn).unwrap();
    assert_eq!(n, 1);
}
db_test!(offsets_and_the_time_crate);

#[cfg(all(feature = "json", feature = "serde"))]
mod typed_json {
    use crate::common::db_test;
    use orm::prelude::*;
    use orm::Json;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
    struct Settings {
        theme: String,
        sizes: Vec<u8>,
        extra: Option<std::collections::BTreeMap<String, i64>>,
    }

    #[derive(Model, Debug, Clone, PartialEq)]
    #[db(table = "vt_profiles")]
    struct Profile {
        id: i64,
        settings: Json<Settings>,
        old: Option<Json<Settings>>,
    }

    /// A map with non-string keys: not JSON.
    #[derive(Serialize)]
    struct NotJson(std::collections::HashMap<(i32, i32), i32>);

    fn typed_json_round_trips(conn: &Connection) {
        conn.sync::<Profile>().unwrap();
        let s = Settings {
            theme: "dark".into(),
            sizes: vec![12, 14],
            extra: Some([("a".to_owned(), 1)].into()),
        };
        let mut p = Profile {
            id: 0,
            settings: Json::new(s.clone()).unwrap(),
            old: None,
        };
        p.save(conn).unwrap();
        let back = VtProfiles::find(conn, p.id).unwrap();
        assert_eq!(back.settings.get(), &s);
        assert_eq!(back.settings.theme, "dark");
        assert!(back.old.is_none());
        p.settings
            .set(Settings {
                theme: "light".into(),
                ..s.clone()
            })
            .unwrap();
        p.save(conn).unwrap();
        assert_eq!(
            VtProfiles::find(conn, p.id).unwrap().settings.theme,
            "light"
        );
        // A document that does not fit the type: a decode error.
        conn.execute("UPDATE vt_profiles SET settings = '{\"theme\": 3}'", ())
            .unwrap();
        let err = VtProfiles::find(conn, p.id).unwrap_err();
        assert!(
            matches!(&err, Error::Decode { column, .. } if column == "settings"),
            "{err:?}"
        );
        // What cannot be JSON is refused when it is built.
        let mut map = std::collections::HashMap::new();
        map.insert((1, 2), 3);
        assert!(Json::new(NotJson(map)).is_err());
    }
    db_test!(typed_json_round_trips);
}
