//! `in_list` / `not_in` over every column type, on every dialect, short
//! and long: on PostgreSQL a list of more than 1 000 items is one array
//! parameter (`col = ANY($1)`, in the binary or the text format), otherwise
//! a parameter per item. Both must select the same rows, NULLs and awkward
//! text included.

use crate::common::db_test;
use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use orm::prelude::*;

#[derive(Model, Debug, Clone, Default, PartialEq)]
struct Thing {
    id: i64,
    name: String,
    flag: bool,
    ratio: f64,
    day: NaiveDate,
    at: NaiveDateTime,
    stamp: chrono::DateTime<chrono::Utc>,
    note: Option<String>,
    small: i16,
}

fn things() -> Vec<Thing> {
    let day = |d| NaiveDate::from_ymd_opt(2024, 5, d).unwrap();
    let names = [
        "plain",
        "with \"quotes\"",
        "back\\slash",
        "{braces,comma}",
        "NULL",
    ];
    names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let i32_ = u32::try_from(i).unwrap() + 1;
            Thing {
                id: 0,
                name: (*n).to_owned(),
                flag: i % 2 == 0,
                ratio: 0.5 * f64::from(i32_),
                day: day(i32_),
                at: day(i32_).and_hms_micro_opt(12, 0, 0, 250).unwrap(),
                stamp: Utc.with_ymd_and_hms(2024, 5, i32_, 8, 0, 0).unwrap(),
                note: (i % 2 == 1).then(|| format!("n{i}")),
                small: i16::try_from(i).unwrap(),
            }
        })
        .collect()
}

/// `list` as it is, and padded to more than 1 000 items with values no row
/// holds (on PostgreSQL the long one is one array parameter).
fn short_and_long<T: Clone>(list: Vec<T>, pad: impl Fn(usize) -> T) -> [Vec<T>; 2] {
    let mut long = list.clone();
    long.extend((0..1001).map(pad));
    [list, long]
}

fn in_list_matches_every_type(conn: &Connection) {
    conn.sync::<Thing>().unwrap();
    let all = things();
    Things::insert_all(conn, &all).unwrap();
    let count = |s: ThingScope| s.count(conn).unwrap();
    let far = NaiveDate::from_ymd_opt(2200, 1, 1).unwrap();
    let far_day = |i: usize| far + chrono::Days::new(i as u64);

    let names: Vec<String> = all[1..4].iter().map(|t| t.name.clone()).collect();
    for names in short_and_long(names, |i| format!("pad \"{i}\" \\ {{,}}")) {
        assert_eq!(
            count(Things::filter(Things::NAME.in_list(names.clone()))),
            3
        );
        assert_eq!(count(Things::filter(Things::NAME.not_in(names))), 2);
    }
    for flags in short_and_long(vec![true], |_| true) {
        assert_eq!(count(Things::filter(Things::FLAG.in_list(flags))), 3);
    }
    for ratios in short_and_long(vec![0.5, 2.5], |i| 1e6 + i as f64) {
        assert_eq!(count(Things::filter(Things::RATIO.in_list(ratios))), 2);
    }
    let days: Vec<NaiveDate> = all.iter().take(2).map(|t| t.day).collect();
    for days in short_and_long(days, far_day) {
        assert_eq!(count(Things::filter(Things::DAY.in_list(days))), 2);
    }
    let ats: Vec<NaiveDateTime> = all.iter().skip(3).map(|t| t.at).collect();
    for ats in short_and_long(ats, |i| far_day(i).and_hms_opt(1, 2, 3).unwrap()) {
        assert_eq!(count(Things::filter(Things::AT.in_list(ats))), 2);
    }
    let stamps: Vec<_> = all.iter().skip(4).map(|t| t.stamp).collect();
    for stamps in short_and_long(stamps, |i| {
        far_day(i).and_hms_opt(0, 0, 0).unwrap().and_utc()
    }) {
        assert_eq!(count(Things::filter(Things::STAMP.in_list(stamps))), 1);
    }
    for smalls in short_and_long(vec![0i16, 4], |i| 100 + i as i16) {
        assert_eq!(count(Things::filter(Things::SMALL.in_list(smalls))), 2);
    }
    // A NULL item matches nothing (as `IN (.., NULL)` does), and makes
    // NOT IN match nothing.
    let notes = vec![Some("n1".to_owned()), None];
    for notes in short_and_long(notes, |i| Some(format!("pad{i}"))) {
        assert_eq!(
            count(Things::filter(Things::NOTE.in_list(notes.clone()))),
            1
        );
        assert_eq!(count(Things::filter(Things::NOTE.not_in(notes))), 0);
    }
    // Out of range for the column: no row (SQLite, MariaDB) or a typed
    // value error (PostgreSQL binds it as a smallint), the connection usable.
    for smalls in short_and_long(vec![70_000i64], |i| i as i64 + 100) {
        match Things::filter(col("small").in_list(smalls)).count(conn) {
            Ok(n) => assert_eq!(n, 0),
            Err(e) => assert!(
                !matches!(e, Error::Connection { .. }),
                "a value error, not a lost connection: {e:?}"
            ),
        }
    }
    assert!(!conn.is_broken());
    assert_eq!(count(Things::all()), 5);
    // Many keys in one statement.
    let ids: Vec<i64> = (1..=5000).collect();
    assert_eq!(count(Things::filter(Things::ID.in_list(ids))), 5);
}
db_test!(in_list_matches_every_type);

#[test]
fn postgres_sends_one_array_parameter() {
    #[cfg(feature = "postgres")]
    {
        use orm::dialects::postgres::PostgresDialect;
        let names: Vec<String> = (0..1001).map(|i| format!("n{i}")).collect();
        let st = Things::filter(Things::NAME.in_list(names))
            .filter(Things::ID.not_in(1..=1001))
            .to_sql_for(&PostgresDialect)
            .unwrap();
        assert!(
            st.sql
                .ends_with(r#"WHERE "name" = ANY($1) AND "id" <> ALL($2)"#),
            "{}",
            st.sql
        );
        assert_eq!(st.params.len(), 2);
        // Up to 1 000 items, an IN list the server plans for its values.
        let st = Things::filter(Things::ID.in_list([1, 2]))
            .to_sql_for(&PostgresDialect)
            .unwrap();
        assert!(st.sql.ends_with(r#"WHERE "id" IN ($1, $2)"#), "{}", st.sql);
    }
    // The generic SQL shown by to_sql keeps one parameter per item.
    let st = Things::filter(Things::NAME.in_list(["a", "b"]))
        .to_sql()
        .unwrap();
    assert!(
        st.sql.ends_with(r#"WHERE "name" IN ($1, $2)"#),
        "{}",
        st.sql
    );
}
