//! `#[derive(Model)]`: naming, attributes, keys, field types and decoding.

use crate::common::db_test;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use orm::prelude::*;
use orm::DecodeError;

mod naming {
    use orm::Model;

    #[derive(Model)]
    pub struct Post {
        pub id: i64,
    }
    #[derive(Model)]
    pub struct BlogPost {
        pub id: i64,
    }
    #[derive(Model)]
    pub struct Category {
        pub id: i64,
    }
    #[derive(Model)]
    pub struct Box {
        pub id: i64,
    }
    #[derive(Model)]
    pub struct Status {
        pub id: i64,
    }
    #[derive(Model)]
    pub struct Person {
        pub id: i64,
    }
    #[derive(Model)]
    pub struct Child {
        pub id: i64,
    }
    #[derive(Model)]
    #[db(table = "legacy_things", mapper = "Things")]
    pub struct Thing {
        pub id: i64,
    }
}

#[test]
fn table_names_follow_rails_plurals() {
    use naming::*;
    assert_eq!(<Post as orm::Model>::TABLE, "posts");
    assert_eq!(<BlogPost as orm::Model>::TABLE, "blog_posts");
    assert_eq!(<Category as orm::Model>::TABLE, "categories");
    assert_eq!(<naming::Box as orm::Model>::TABLE, "boxes");
    assert_eq!(<Status as orm::Model>::TABLE, "statuses");
    assert_eq!(<Person as orm::Model>::TABLE, "people");
    assert_eq!(<Child as orm::Model>::TABLE, "children");
    assert_eq!(<Thing as orm::Model>::TABLE, "legacy_things");
}

#[test]
fn mappers_are_named_after_the_table() {
    use naming::*;
    // Each mapper exists with the expected name and maps the right model.
    fn model_of<M: orm::Mapper>() -> &'static str {
        <M::Model as orm::Model>::TABLE
    }
    assert_eq!(model_of::<Posts>(), "posts");
    assert_eq!(model_of::<BlogPosts>(), "blog_posts");
    assert_eq!(model_of::<Categories>(), "categories");
    assert_eq!(model_of::<Boxes>(), "boxes");
    assert_eq!(model_of::<Statuses>(), "statuses");
    assert_eq!(model_of::<People>(), "people");
    assert_eq!(model_of::<Children>(), "children");
    assert_eq!(model_of::<Things>(), "legacy_things");
}

#[derive(Model, Debug, Clone, PartialEq, Default)]
struct Article {
    id: i32,
    #[db(column = "headline")]
    title: String,
    #[db(skip)]
    cached_words: Vec<String>,
    #[db(index)]
    author_id: i64,
}

fn columns_overrides_and_skip(conn: &Connection) {
    let names: Vec<&str> = Article::COLUMNS.iter().map(|c| c.name).collect();
    assert_eq!(names, ["id", "headline", "author_id"]);
    assert_eq!(Articles::TITLE.name(), "headline");
    assert!(Article::COLUMNS[0].primary_key && Article::COLUMNS[0].auto_increment);
    assert!(Article::COLUMNS[2].index);
    conn.sync::<Article>().unwrap();
    let mut a = Article {
        title: "Hello".into(),
        cached_words: vec!["x".into()],
        author_id: 7,
        ..Default::default()
    };
    a.save(conn).unwrap();
    assert_eq!(a.id, 1, "an i32 key is generated and written back");
    let back = Articles::find(conn, a.id).unwrap();
    assert_eq!(back.title, "Hello");
    assert!(
        back.cached_words.is_empty(),
        "skipped fields read as Default"
    );
}
db_test!(columns_overrides_and_skip);

#[derive(Model, Debug, Clone, PartialEq)]
struct Country {
    #[db(primary_key)]
    code: String,
    name: String,
}

fn user_supplied_keys_are_upserted(conn: &Connection) {
    assert!(!Country::COLUMNS[0].auto_increment);
    conn.sync::<Country>().unwrap();
    let mut fr = Country {
        code: "FR".into(),
        name: "France".into(),
    };
    fr.save(conn).unwrap();
    fr.name = "République française".into();
    fr.save(conn).unwrap();
    assert_eq!(Countries::count(conn).unwrap(), 1);
    assert_eq!(
        Countries::find(conn, "FR".to_owned()).unwrap().name,
        "République française"
    );
}
db_test!(user_supplied_keys_are_upserted);

#[derive(Model, Debug, Clone, PartialEq, Default)]
struct Gadget {
    id: Option<i64>,
    label: String,
}

fn option_keys_none_means_new(conn: &Connection) {
    conn.sync::<Gadget>().unwrap();
    let mut g = Gadget {
        id: None,
        label: "a".into(),
    };
    g.save(conn).unwrap();
    assert_eq!(g.id, Some(1));
    g.label = "b".into();
    g.save(conn).unwrap();
    assert_eq!(Gadgets::count(conn).unwrap(), 1);
    assert_eq!(Gadgets::find(conn, Some(1)).unwrap().label, "b");
}
db_test!(option_keys_none_means_new);

#[derive(Model, Debug, Clone, PartialEq, Default)]
struct Small {
    id: i16,
    n: i32,
}

fn new_records_are_inserted_whatever_the_integer_type(conn: &Connection) {
    conn.sync::<Small>().unwrap();
    let mut s = Small { id: 0, n: 1 };
    s.save(conn).unwrap();
    assert_eq!(s.id, 1);
    let mut t = Small { id: 0, n: 2 };
    t.save(conn).unwrap();
    assert_eq!(t.id, 2);
    assert_eq!(Smalls::count(conn).unwrap(), 2);
}
db_test!(new_records_are_inserted_whatever_the_integer_type);

#[derive(Model, Debug, Clone, PartialEq)]
struct Everything {
    id: i64,
    flag: bool,
    tiny: i16,
    medium: i32,
    big: i64,
    single: f32,
    double: f64,
    text: String,
    bytes: Vec<u8>,
    day: NaiveDate,
    moment: NaiveDateTime,
    instant: DateTime<Utc>,
    o_flag: Option<bool>,
    o_tiny: Option<i16>,
    o_medium: Option<i32>,
    o_big: Option<i64>,
    o_single: Option<f32>,
    o_double: Option<f64>,
    o_text: Option<String>,
    o_bytes: Option<Vec<u8>>,
    o_day: Option<NaiveDate>,
    o_moment: Option<NaiveDateTime>,
    o_instant: Option<DateTime<Utc>>,
}

fn sample(some: bool) -> Everything {
    let day = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
    let moment = day.and_hms_micro_opt(23, 59, 58, 123_456).unwrap();
    let instant = moment.and_utc();
    Everything {
        id: 0,
        flag: true,
        tiny: -32768,
        medium: 2_147_483_647,
        big: -9_223_372_036_854_775_808,
        single: 1.5,
        double: -0.1,
        text: "héllo 'quoted' \"double\" ?".into(),
        bytes: vec![0, 255, 7],
        day,
        moment,
        instant,
        o_flag: some.then_some(false),
        o_tiny: some.then_some(3),
        o_medium: some.then_some(-4),
        o_big: some.then_some(5),
        o_single: some.then_some(0.25),
        o_double: some.then_some(1e300),
        o_text: some.then(String::new),
        o_bytes: some.then(Vec::new),
        o_day: some.then_some(day),
        o_moment: some.then_some(moment),
        o_instant: some.then_some(instant),
    }
}

fn every_field_type_round_trips(conn: &Connection) {
    conn.sync::<Everything>().unwrap();
    for some in [true, false] {
        let mut e = sample(some);
        e.save(conn).unwrap();
        let back = Everythings::find(conn, e.id).unwrap();
        assert_eq!(back, e, "some = {some}");
    }
    // NULLs are written for None.
    let nulls = Everythings::filter(Everythings::O_TEXT.eq(None))
        .count(conn)
        .unwrap();
    assert_eq!(nulls, 1);
}
db_test!(every_field_type_round_trips);

fn dates_compare_in_conditions(conn: &Connection) {
    conn.sync::<Everything>().unwrap();
    let mut e = sample(true);
    e.save(conn).unwrap();
    let before = e.moment - chrono::Duration::seconds(1);
    let after = e.moment + chrono::Duration::seconds(1);
    assert_eq!(
        Everythings::all()
            .filter(Everythings::MOMENT.gt(before))
            .count(conn)
            .unwrap(),
        1
    );
    assert_eq!(
        Everythings::all()
            .filter(Everythings::MOMENT.gt(after))
            .count(conn)
            .unwrap(),
        0
    );
    assert_eq!(
        Everythings::all()
            .filter(Everythings::INSTANT.between(before.and_utc(), after.and_utc()))
            .count(conn)
            .unwrap(),
        1
    );
    assert_eq!(
        Everythings::all()
            .filter(Everythings::DAY.eq(e.day))
            .count(conn)
            .unwrap(),
        1
    );
}
db_test!(dates_compare_in_conditions);

#[derive(Model, Debug)]
#[db(table = "loose", mapper = "Stricts")]
struct Strict {
    id: i64,
    name: String,
}

#[derive(Model, Debug)]
#[db(table = "loose", mapper = "Looses")]
struct Loose {
    id: i64,
    name: Option<String>,
}

fn null_into_non_option_is_a_typed_decode_error(conn: &Connection) {
    conn.sync::<Loose>().unwrap();
    Loose { id: 0, name: None }.save(conn).unwrap();
    let err = orm::Scope::<Strict>::default().all(conn).unwrap_err();
    match err {
        Error::Decode {
            table,
            column,
            expected,
            reason,
        } => {
            assert_eq!(table, "loose");
            assert_eq!(column, "name");
            assert!(expected.contains("String"), "{expected}");
            assert_eq!(reason, DecodeError::UnexpectedNull);
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}
db_test!(null_into_non_option_is_a_typed_decode_error);

#[derive(Model, Debug)]
#[db(table = "numbers", mapper = "Wides")]
struct Wide {
    id: i64,
    n: i64,
}

#[derive(Model, Debug)]
#[db(table = "numbers", mapper = "Narrows")]
struct Narrow {
    id: i64,
    n: i16,
}

fn out_of_range_and_wrong_type_are_decode_errors(conn: &Connection) {
    conn.sync::<Wide>().unwrap();
    Wide { id: 0, n: 100_000 }.save(conn).unwrap();
    let err = orm::Scope::<Narrow>::default().all(conn).unwrap_err();
    assert!(
        matches!(&err, Error::Decode { column, reason: DecodeError::OutOfRange { .. }, .. } if column == "n"),
        "{err:?}"
    );
    let err = conn
        .query::<(String,)>("SELECT n FROM numbers", ())
        .unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Decode {
                reason: DecodeError::WrongType { found: "integer" },
                ..
            }
        ),
        "{err:?}"
    );
}
db_test!(out_of_range_and_wrong_type_are_decode_errors);

#[derive(Model, Debug, Clone, Default)]
struct Tracked {
    id: i64,
    a: String,
    b: String,
    snapshot: Snapshot,
}

fn snapshot_saves_only_changed_columns(conn: &Connection) {
    conn.sync::<Tracked>().unwrap();
    let mut t = Tracked {
        a: "a0".into(),
        b: "b0".into(),
        ..Default::default()
    };
    assert!(!t.snapshot.is_persisted());
    t.save(conn).unwrap();
    assert!(t.snapshot.is_persisted());

    // Two copies change different columns; both changes survive.
    let mut one = Trackeds::find(conn, t.id).unwrap();
    let mut two = Trackeds::find(conn, t.id).unwrap();
    one.a = "a1".into();
    two.b = "b1".into();
    one.save(conn).unwrap();
    two.save(conn).unwrap();
    let back = Trackeds::find(conn, t.id).unwrap();
    assert_eq!((back.a.as_str(), back.b.as_str()), ("a1", "b1"));

    // Nothing changed: no statement at all.
    let before = conn.statement_count();
    let mut same = Trackeds::find(conn, t.id).unwrap();
    let after_find = conn.statement_count();
    same.save(conn).unwrap();
    assert_eq!(conn.statement_count(), after_find);
    assert_eq!(after_find, before + 1);
}
db_test!(snapshot_saves_only_changed_columns);

fn untracked_update_writes_all_columns_but_not_the_key(conn: &Connection) {
    conn.sync::<Article>().unwrap();
    let mut a = Article {
        title: "t".into(),
        author_id: 1,
        ..Default::default()
    };
    a.save(conn).unwrap();
    a.title = "u".into();
    a.save(conn).unwrap();
    assert_eq!(Articles::find(conn, a.id).unwrap().title, "u");
    // Updating a row that is gone is NotFound, not a silent no-op.
    Articles::all()
        .filter(Articles::ID.eq(a.id))
        .delete(conn)
        .unwrap();
    a.title = "v".into();
    assert!(matches!(a.save(conn), Err(Error::NotFound { .. })));
}
db_test!(untracked_update_writes_all_columns_but_not_the_key);
