//! No silent wrong results: every value read or written is exactly what the
//! user meant, or a typed error. Each test here failed on the code before
//! the fix it pins, on every dialect where it applies.

use crate::common::db_test;
use chrono::{NaiveDate, NaiveDateTime};
use orm::prelude::*;

fn name(conn: &Connection) -> &'static str {
    conn.dialect().name()
}

// ---- 1. rows are decoded by column name, resolved once per statement ----

/// The table as first synced.
#[derive(Model, Debug, Clone, Default)]
#[db(table = "members", mapper = "MembersV1", scope = "MemberV1Scope")]
struct MemberV1 {
    id: i64,
    name: String,
}

/// The model after a column was added between two existing ones: `sync`
/// appends it, so the table's order (id, name, email) differs from the
/// struct's (id, email, name).
#[derive(Model, Debug, Clone, Default, PartialEq)]
#[db(table = "members")]
struct Member {
    id: i64,
    email: String,
    name: String,
}

#[derive(FromRow, Debug, PartialEq)]
struct NameAndEmail {
    name: String,
    email: String,
}

fn raw_queries_decode_models_by_column_name(conn: &Connection) {
    conn.sync::<MemberV1>().unwrap();
    conn.sync::<Member>().unwrap();
    let mut ann = Member {
        email: "ann@example.com".into(),
        name: "Ann".into(),
        ..Default::default()
    };
    ann.save(conn).unwrap();
    let rows: Vec<Member> = conn.query("SELECT * FROM members", ()).unwrap();
    assert_eq!(rows, [ann.clone()], "{}", name(conn));
    // Any order, any extra column.
    let rows: Vec<Member> = conn
        .query("SELECT name, 42 AS extra, email, id FROM members", ())
        .unwrap();
    assert_eq!(rows, [ann.clone()]);
    let rows: Vec<NameAndEmail> = conn
        .query("SELECT email, id, name FROM members", ())
        .unwrap();
    assert_eq!(
        rows,
        [NameAndEmail {
            name: "Ann".into(),
            email: "ann@example.com".into()
        }]
    );
    // A missing column is a typed error naming it.
    match conn.query::<Member>("SELECT id, name FROM members", ()) {
        Err(Error::UnknownColumn { table, column }) => {
            assert_eq!(column, "email");
            assert_eq!(table.as_deref(), Some("members"));
        }
        other => panic!("expected UnknownColumn, got {other:?}"),
    }
    match conn.query::<NameAndEmail>("SELECT name FROM members", ()) {
        Err(Error::UnknownColumn { column, .. }) => assert_eq!(column, "email"),
        other => panic!("expected UnknownColumn, got {other:?}"),
    }
    // Scopes read the same rows.
    assert_eq!(Members::all().all(conn).unwrap(), [ann]);
}
db_test!(raw_queries_decode_models_by_column_name);

// ---- 3. the guard on unconditioned writes reasons about the condition tree ----

#[derive(Model, Debug, Clone, Default)]
struct Note {
    id: i64,
    body: String,
    tag: Option<String>,
}

fn three_notes(conn: &Connection) {
    conn.sync::<Note>().unwrap();
    for body in ["a", "b", "c"] {
        Note {
            body: body.into(),
            ..Default::default()
        }
        .save(conn)
        .unwrap();
    }
}

fn scopes_matching_every_row_need_all_rows_to_write(conn: &Connection) {
    three_notes(conn);
    let refused = |res: orm::Result<u64>, what: &str| match res {
        Err(Error::MissingCondition { .. }) => {}
        other => panic!("{what}: expected MissingCondition, got {other:?}"),
    };
    refused(Notes::all().or(Notes::all()).delete(conn), "all OR all");
    refused(
        Notes::filter(Notes::BODY.eq("a"))
            .or(Notes::all())
            .delete(conn),
        "x OR all",
    );
    refused(
        Notes::filter(Notes::BODY.not_in(Vec::<String>::new())).delete(conn),
        "NOT IN ()",
    );
    refused(Notes::where_("1 = 1", ()).delete(conn), "1 = 1");
    refused(
        Notes::where_("? = ?", (1, 1)).delete(conn),
        "a constant fragment",
    );
    refused(
        Notes::all()
            .filter(Notes::BODY.eq("a").or(Notes::ID.is_not_null()))
            .delete(conn),
        "x OR a NOT NULL column IS NOT NULL",
    );
    refused(
        Notes::all()
            .filter(Notes::BODY.in_list(Vec::<String>::new()).not())
            .update_attribute(conn, Notes::TAG, Some("x".to_owned())),
        "NOT (IN ())",
    );
    refused(
        Notes::all()
            .filter(Cond::Or(vec![Cond::And(vec![]), Notes::BODY.eq("a")]))
            .update_attribute(conn, Notes::TAG, Some("x".to_owned())),
        "empty AND OR x",
    );
    assert_eq!(Notes::all().count(conn).unwrap(), 3, "nothing was deleted");
    assert_eq!(
        Notes::all()
            .filter(Notes::TAG.is_not_null())
            .count(conn)
            .unwrap(),
        0,
        "nothing was updated"
    );

    // Conditions that depend on the row still work, as does all_rows.
    assert_eq!(Notes::filter(Notes::BODY.eq("a")).delete(conn).unwrap(), 1);
    assert_eq!(
        Notes::filter(Notes::BODY.eq("b"))
            .or(Notes::filter(Notes::BODY.eq("zzz")))
            .delete(conn)
            .unwrap(),
        1
    );
    assert_eq!(Notes::where_("body = ?", ("c",)).count(conn).unwrap(), 1);
    assert_eq!(
        Notes::all()
            .or(Notes::all())
            .all_rows()
            .delete(conn)
            .unwrap(),
        1
    );
    // A condition matching nothing is harmless.
    assert_eq!(
        Notes::filter(Notes::BODY.in_list(Vec::<String>::new()))
            .delete(conn)
            .unwrap(),
        0
    );
}
db_test!(scopes_matching_every_row_need_all_rows_to_write);

// ---- 4 and 5: full-join orphans follow the scope; count counts what all returns ----

#[derive(Model, Debug, Clone, Default)]
struct Author {
    id: i64,
    name: String,
    posts: HasMany<Story>,
}

#[derive(Model, Debug, Clone, Default)]
#[db(table = "stories")]
struct Story {
    id: i64,
    author_id: Option<i64>,
    title: String,
    created_at: NaiveDate,
    author: BelongsTo<Author>,
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, d).unwrap()
}

fn library(conn: &Connection) {
    conn.sync::<Author>().unwrap();
    conn.sync::<Story>().unwrap();
    let mut ann = Author {
        name: "ann".into(),
        ..Default::default()
    };
    ann.save(conn).unwrap();
    let mut bob = Author {
        name: "bob".into(),
        ..Default::default()
    };
    bob.save(conn).unwrap();
    Author {
        name: "cat".into(),
        ..Default::default()
    }
    .save(conn)
    .unwrap();
    for (author, title, d) in [
        (Some(ann.id), "ann old", 1),
        (Some(ann.id), "ann new", 20),
        (Some(bob.id), "bob old", 2),
        (None, "orphan old", 3),
        (None, "orphan new", 25),
    ] {
        Story {
            author_id: author,
            title: title.into(),
            created_at: day(d),
            ..Default::default()
        }
        .save(conn)
        .unwrap();
    }
}

fn full_join_orphans_satisfy_the_scope(conn: &Connection) {
    library(conn);
    // The Go doc's example: authors with recent stories, and the recent
    // stories that have no author.
    let (authors, orphans) = Authors::all()
        .cond("stories.created_at", Op::Gte, day(15))
        .full_join_all(conn, Authors::POSTS)
        .unwrap();
    let names: Vec<_> = authors.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["ann"], "{}", name(conn));
    let titles: Vec<_> = orphans.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles, ["orphan new"]);

    // Without conditions, every author and every orphan.
    let (authors, orphans) = Authors::all().full_join_all(conn, Authors::POSTS).unwrap();
    assert_eq!(authors.len(), 3);
    assert_eq!(orphans.len(), 2);

    // A condition on this model's columns holds for no orphan: for an
    // orphan they are NULL.
    let (authors, orphans) = Authors::filter(Authors::NAME.eq("ann"))
        .full_join_all(conn, Authors::POSTS)
        .unwrap();
    assert_eq!(authors.len(), 1);
    assert!(orphans.is_empty(), "{orphans:?}");

    // From the other side: the orphans are authors, filtered by a
    // condition on their columns.
    let (stories, lonely) = Stories::all()
        .cond("authors.name", Op::Eq, "cat")
        .full_join_all(conn, Stories::AUTHOR)
        .unwrap();
    assert!(stories.is_empty());
    let names: Vec<_> = lonely.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["cat"]);
    let (stories, lonely) = Stories::all()
        .cond("authors.name", Op::Eq, "bob")
        .full_join_all(conn, Stories::AUTHOR)
        .unwrap();
    assert_eq!(stories.len(), 1);
    assert!(lonely.is_empty());
}
db_test!(full_join_orphans_satisfy_the_scope);

fn count_counts_the_rows_all_returns(conn: &Connection) {
    library(conn);
    let window = Stories::all().order("id").limit(1).offset(1);
    assert_eq!(window.all(conn).unwrap().len(), 1);
    assert_eq!(window.count(conn).unwrap(), 1, "{}", name(conn));
    assert_eq!(window.count_without_limit(conn).unwrap(), 5);
    let tail = Stories::all().order("id").offset(3);
    assert_eq!(tail.count(conn).unwrap(), 2);
    let past_end = Stories::all().limit(10).offset(4);
    assert_eq!(past_end.count(conn).unwrap(), 1);
    let distinct_window = Authors::all()
        .join(Authors::POSTS)
        .distinct()
        .order("authors.id")
        .limit(1);
    assert_eq!(distinct_window.all(conn).unwrap().len(), 1);
    assert_eq!(distinct_window.count(conn).unwrap(), 1);
    let groups = Stories::all().group_by("author_id").limit(2);
    assert_eq!(groups.count(conn).unwrap(), 2);
    assert_eq!(groups.count_without_limit(conn).unwrap(), 3);
    assert_eq!(
        Stories::all().limit(2).count_on(conn, "author_id").unwrap(),
        2
    );
}
db_test!(count_counts_the_rows_all_returns);

// ---- 6. values are stored exactly, or refused with a typed error ----

#[derive(Model, Debug, Clone, Default, PartialEq)]
struct Measure {
    id: i64,
    value: f64,
    at: Option<NaiveDateTime>,
    label: String,
    #[db(unique)]
    code: Option<String>,
}

fn refused_naming(res: orm::Result<()>, column: &str) {
    match res {
        Err(Error::UnrepresentableValue { target, reason }) => {
            assert_eq!(target, column, "{reason}");
        }
        other => panic!("expected UnrepresentableValue for {column}, got {other:?}"),
    }
}

fn floats_round_trip_or_are_refused(conn: &Connection) {
    conn.sync::<Measure>().unwrap();
    let dialect = name(conn);
    for v in [
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        -0.0,
        1e308,
        5e-324,
    ] {
        let mut m = Measure {
            value: v,
            ..Default::default()
        };
        let stores = match dialect {
            "postgres" => true,
            "sqlite" => !v.is_nan(),
            _ => v.is_finite(),
        };
        let res = m.save(conn);
        if stores {
            res.unwrap_or_else(|e| panic!("{dialect} {v}: {e}"));
            let back = Measures::find(conn, m.id).unwrap().value;
            assert!(
                back == v || (back.is_nan() && v.is_nan()),
                "{dialect}: {v} came back as {back}"
            );
        } else {
            refused_naming(res, "measures.value");
        }
    }
    // A refused value runs nothing (no statement counted, whether the
    // driver checks it as it binds it or the connection before the call),
    // and the statement it was refused for runs with good values next.
    if dialect != "postgres" {
        let mut bad = Measure {
            value: f64::NAN,
            label: "bad".into(),
            ..Default::default()
        };
        let res = orm::assert_queries!(conn, 0, { bad.save(conn) });
        refused_naming(res, "measures.value");
        assert!(bad.id == 0, "a refused record gets no key");
        let mut good = Measure {
            value: 2.5,
            label: "good".into(),
            ..Default::default()
        };
        good.save(conn).unwrap();
        assert_eq!(Measures::find(conn, good.id).unwrap(), good);
    }
    // In a batch too (its parameters checked row after row), naming the
    // column, and nothing is written.
    if dialect != "postgres" {
        let before = Measures::all().count(conn).unwrap();
        let batch: Vec<Measure> = [1.0, 2.0, f64::NAN]
            .into_iter()
            .map(|value| Measure {
                value,
                label: "batch".into(),
                ..Default::default()
            })
            .collect();
        refused_naming(
            Measures::insert_all(conn, &batch).map(drop),
            "measures.value",
        );
        assert_eq!(Measures::all().count(conn).unwrap(), before);
    }
    // A NaN in a condition is refused too, never compared as NULL.
    let q = Measures::filter(Measures::VALUE.eq(f64::NAN)).count(conn);
    if dialect == "postgres" {
        q.unwrap();
    } else {
        assert!(
            matches!(q, Err(Error::UnrepresentableValue { .. })),
            "{q:?}"
        );
    }
}
db_test!(floats_round_trip_or_are_refused);

fn date_times_finer_than_microseconds_are_refused(conn: &Connection) {
    conn.sync::<Measure>().unwrap();
    let base = NaiveDate::from_ymd_opt(2024, 6, 30)
        .unwrap()
        .and_hms_micro_opt(23, 59, 59, 123_456)
        .unwrap();
    let mut m = Measure {
        at: Some(base),
        ..Default::default()
    };
    m.save(conn).unwrap();
    assert_eq!(Measures::find(conn, m.id).unwrap().at, Some(base));

    let nanos = base.with_nanosecond(123_456_789).unwrap();
    let mut n = Measure {
        at: Some(nanos),
        ..Default::default()
    };
    refused_naming(n.save(conn), "measures.at");
    let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
        .unwrap()
        .and_hms_milli_opt(23, 59, 59, 1_500)
        .unwrap();
    n.at = Some(leap);
    refused_naming(n.save(conn), "measures.at");
    assert_eq!(Measures::all().count(conn).unwrap(), 1, "nothing written");
}
db_test!(date_times_finer_than_microseconds_are_refused);

use chrono::Timelike as _;

fn long_text_round_trips_and_keyed_text_is_checked(conn: &Connection) {
    conn.sync::<Measure>().unwrap();
    let big = "é".repeat(512 * 1024); // 1 MiB of UTF-8
    let mut m = Measure {
        label: big.clone(),
        ..Default::default()
    };
    m.save(conn)
        .unwrap_or_else(|e| panic!("{}: {e}", name(conn)));
    assert_eq!(Measures::find(conn, m.id).unwrap().label, big);
    if name(conn) == "mysql" {
        // A unique text column is VARCHAR(255) on MySQL.
        let mut k = Measure {
            code: Some("x".repeat(256)),
            ..Default::default()
        };
        refused_naming(k.save(conn), "measures.code");
        k.code = Some("é".repeat(255));
        k.save(conn).unwrap();
    }
}
db_test!(long_text_round_trips_and_keyed_text_is_checked);

fn averages_agree_across_dialects(conn: &Connection) {
    conn.sync::<Scored>().unwrap();
    for s in [68, 68, 69] {
        Scored {
            score: s,
            ..Default::default()
        }
        .save(conn)
        .unwrap();
    }
    let avg = Scoreds::all().avg(conn, Scoreds::SCORE).unwrap();
    assert_eq!(avg, Some(205.0 / 3.0), "{}", name(conn));
}
db_test!(averages_agree_across_dialects);

#[derive(Model, Debug, Clone, Default)]
struct Scored {
    id: i64,
    score: i32,
}

#[cfg(feature = "decimal")]
mod decimals {
    use super::*;
    use rust_decimal::Decimal;

    #[derive(Model, Debug, Clone, Default)]
    struct Price {
        id: i64,
        #[db(precision = 10, scale = 2)]
        amount: Decimal,
    }

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn decimals_compare_and_order_by_value(conn: &Connection) {
        conn.sync::<Price>().unwrap();
        for a in ["10.00", "9.00", "100.5", "-2", "9.5"] {
            Price {
                amount: d(a),
                ..Default::default()
            }
            .save(conn)
            .unwrap();
        }
        let ordered: Vec<String> = Prices::all()
            .order("amount")
            .pluck(conn, Prices::AMOUNT)
            .unwrap()
            .into_iter()
            .map(|x: Decimal| x.normalize().to_string())
            .collect();
        assert_eq!(ordered, ["-2", "9", "9.5", "10", "100.5"], "{}", name(conn));
        assert_eq!(
            Prices::filter(Prices::AMOUNT.gt(d("9.5")))
                .count(conn)
                .unwrap(),
            2
        );
        assert_eq!(
            Prices::filter(Prices::AMOUNT.eq(d("10")))
                .count(conn)
                .unwrap(),
            1
        );
        assert_eq!(
            Prices::all().max(conn, Prices::AMOUNT).unwrap(),
            Some(d("100.50"))
        );
        assert_eq!(
            Prices::all().min(conn, Prices::AMOUNT).unwrap(),
            Some(d("-2"))
        );
        // More places than the column keeps: refused, not rounded.
        let mut p = Price {
            amount: d("1.234"),
            ..Default::default()
        };
        refused_naming(p.save(conn), "prices.amount");
        assert_eq!(Prices::all().count(conn).unwrap(), 5);
    }
    db_test!(decimals_compare_and_order_by_value);
}

// ---- 2. include keys are compared by value ----

#[cfg(feature = "uuid")]
mod uuid_keys {
    use super::*;
    use uuid::Uuid;

    #[derive(Model, Debug, Clone, Default)]
    struct Team {
        id: Uuid,
        name: String,
        players: HasMany<Player>,
    }

    #[derive(Model, Debug, Clone, Default)]
    struct Player {
        id: i64,
        team_id: Uuid,
        name: String,
        team: BelongsTo<Team>,
    }

    fn includes_match_uuid_keys_by_value(conn: &Connection) {
        conn.sync::<Team>().unwrap();
        conn.sync::<Player>().unwrap();
        let mut red = Team {
            id: Uuid::from_u128(0x1234_5678_9abc_def0_1234_5678_9abc_def0),
            name: "red".into(),
            ..Default::default()
        };
        red.save(conn).unwrap();
        let mut p = Player {
            name: "pat".into(),
            ..Default::default()
        };
        red.players().save(conn, &mut p).unwrap();
        assert_eq!(red.players().count(conn).unwrap(), 1);
        let teams = Teams::all().include(Teams::PLAYERS).all(conn).unwrap();
        assert_eq!(
            teams[0].players.get().map(<[Player]>::len),
            Some(1),
            "{}",
            name(conn)
        );
        let players = Players::all().include(Players::TEAM).all(conn).unwrap();
        assert_eq!(
            players[0].team.get().flatten().map(|t| t.name.as_str()),
            Some("red")
        );
    }
    db_test!(includes_match_uuid_keys_by_value);
}

// ---- 7. a pool over sqlite::memory: shares one database ----

#[test]
fn a_pool_over_memory_shares_one_database() {
    let pool = orm::pool(
        "sqlite::memory:",
        PoolOptions {
            max_size: 3,
            ..PoolOptions::default()
        },
    )
    .unwrap();
    let first = pool.get().unwrap();
    first.sync::<Note>().unwrap();
    Note {
        body: "shared".into(),
        ..Default::default()
    }
    .save(&first)
    .unwrap();
    let second = pool.get().unwrap();
    assert_eq!(Notes::all().count(&second).unwrap(), 1);
    drop((first, second));
    // A second pool has a database of its own.
    let other = orm::pool("sqlite::memory:", PoolOptions::default()).unwrap();
    assert!(matches!(
        Notes::all().count(&other.get().unwrap()),
        Err(Error::UnknownTable { .. })
    ));
    // Threads see the same data.
    let handles: Vec<_> = (0..3)
        .map(|_| {
            let pool = pool.clone();
            std::thread::spawn(move || Notes::all().count(&pool.get().unwrap()).unwrap())
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), 1);
    }
}

// ---- 8. bad URLs are typed errors, and never show a password ----

#[test]
fn numeric_url_options_are_bounded() {
    for url in [
        "sqlite::memory:?busy_timeout=2147483648",
        "sqlite::memory:?busy_timeout=18446744073709551615",
        "sqlite::memory:?busy_timeout=-1",
        "sqlite::memory:?cache=99999999999",
    ] {
        match Connection::open(url) {
            Err(Error::InvalidUrl(msg)) => assert!(msg.contains("from 0 to"), "{msg}"),
            other => panic!("{url}: expected InvalidUrl, got {other:?}"),
        }
    }
    assert!(Connection::open("sqlite::memory:?busy_timeout=2147483647").is_ok());
}

#[cfg(feature = "postgres")]
#[test]
fn passwords_are_redacted_after_decoding() {
    for url in [
        "postgres://u@127.0.0.1:1/db?pass%77ord=s3cr3t&sslmode=bogus",
        "postgres://u@127.0.0.1:1/db?password=s3cr3t&connect_timeout=99999999999",
        "postgres://u:s3cr3t@127.0.0.1:1/db?connect_timeout=x",
    ] {
        let err = Connection::open(url).unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(matches!(err, Error::InvalidUrl(_)), "{err:?}");
    }
}

// ---- decoding never rounds silently ----

#[derive(FromRow, Debug)]
struct Narrow {
    x: f32,
}

fn floats_are_decoded_exactly_or_refused(conn: &Connection) {
    let (double, int) = match name(conn) {
        "postgres" => ("DOUBLE PRECISION", "BIGINT"),
        "mysql" => ("DOUBLE", "SIGNED"),
        _ => ("REAL", "INTEGER"),
    };
    let as_double = format!("SELECT CAST(? AS {double}) AS x");
    let ok: Vec<Narrow> = conn.query(&as_double, (0.5f64,)).unwrap();
    assert_eq!(ok[0].x, 0.5);
    let widened = f64::from(0.1f32);
    let ok: Vec<Narrow> = conn.query(&as_double, (widened,)).unwrap();
    assert_eq!(ok[0].x, 0.1f32);
    for bad in [0.1f64, 1e300] {
        match conn.query::<Narrow>(&as_double, (bad,)) {
            Err(Error::Decode { column, .. }) => assert_eq!(column, "x"),
            other => panic!("{}: {bad} into f32: {other:?}", name(conn)),
        }
    }
    let big = (1i64 << 53) + 1;
    let as_int = format!("SELECT CAST(? AS {int}) AS x");
    match conn.query::<(f64,)>(&as_int, (big,)) {
        Err(Error::Decode { .. }) => {}
        other => panic!("{}: {big} into f64: {other:?}", name(conn)),
    }
    if name(conn) == "postgres" {
        // Binding to a `real` or `double precision` parameter never
        // rounds either; the connection stays usable.
        for (sql, bad) in [
            ("SELECT CAST(? AS REAL)", Value::Float(0.1)),
            ("SELECT CAST(? AS DOUBLE PRECISION)", Value::Int(big)),
        ] {
            let res = conn.query::<(f64,)>(sql, [bad.clone()]);
            assert!(
                matches!(res, Err(Error::InvalidQuery { .. })),
                "{sql} {bad:?}: {res:?}"
            );
        }
        let ok: Vec<(f32,)> = conn
            .query("SELECT CAST(? AS REAL)", (f64::from(0.1f32),))
            .unwrap();
        assert_eq!(ok[0].0, 0.1f32);
    }
}
db_test!(floats_are_decoded_exactly_or_refused);

// ---- text is handed over where the driver owns it ----

/// Reads column 0 as text twice, by hand.
#[derive(Debug)]
struct TwiceRead(String, Option<String>);

impl orm::FromRow for TwiceRead {
    fn from_row(row: &mut dyn orm::Row, _layout: orm::Layout<'_>) -> orm::Result<Self> {
        let first: String = orm::decode(row, 0, "t", "a")?;
        let second: Option<String> = orm::decode(row, 0, "t", "a")?;
        Ok(TwiceRead(first, second))
    }
}

fn text_cells_decode_once_each(conn: &Connection) {
    // Strings of every shape come back whole, NULL as None.
    let rows: Vec<(String, Option<String>, Option<String>)> = conn
        .query(
            "SELECT ?, ?, CAST(NULL AS CHAR(1))",
            ("", "ünïcödé ✓ ".repeat(300)),
        )
        .unwrap();
    assert_eq!(rows[0].0, "");
    assert_eq!(
        rows[0].1.as_deref(),
        Some("ünïcödé ✓ ".repeat(300).as_str())
    );
    assert_eq!(rows[0].2, None);
    // MySQL's rows own their text and hand it over to the first `String`
    // read; a second read of that cell is a typed error there (read each
    // column once), while the other drivers lend it again.
    let res = conn.query::<TwiceRead>("SELECT 'x' AS a", ());
    match (name(conn), res) {
        ("mysql", Err(Error::InvalidQuery { message, .. })) => {
            assert!(message.contains("already read"), "{message}")
        }
        (_, Ok(rows)) if name(conn) != "mysql" => {
            assert_eq!(rows[0].0, "x");
            assert_eq!(rows[0].1.as_deref(), Some("x"));
        }
        (n, other) => panic!("{n}: {other:?}"),
    }
    // The connection is still usable.
    let one: Vec<(i64,)> = conn.query("SELECT 1", ()).unwrap();
    assert_eq!(one, [(1,)]);
}
db_test!(text_cells_decode_once_each);
