//! Scopes: immutable chainable values, the SQL they render, and what they
//! return when run.

use crate::common::db_test;
use chrono::{NaiveDate, NaiveDateTime};
use orm::prelude::*;
use orm::{Statement, Value};

#[derive(Model, Debug, Clone, PartialEq, Default)]
struct User {
    id: i64,
    name: String,
    email: String,
    role: String,
    score: i64,
    welcomed_at: Option<NaiveDateTime>,
    activated_at: Option<NaiveDateTime>,
    last_login: Option<NaiveDateTime>,
}

fn at(day: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2024, 6, day)
        .unwrap()
        .and_hms_opt(12, 0, 0)
        .unwrap()
}

#[orm::scopes]
impl UserScope {
    /// Users never sent the welcome mail.
    pub fn unwelcomed(self) -> Self {
        self.filter(Users::WELCOMED_AT.eq(None))
    }
    /// Users who activated their account.
    pub fn activated(self) -> Self {
        self.filter(Users::ACTIVATED_AT.ne(None))
    }
    /// Users who logged in since `cutoff`.
    pub fn recently_active(self, cutoff: NaiveDateTime) -> Self {
        self.filter(Users::LAST_LOGIN.gte(cutoff))
    }
    /// Admins.
    pub fn admins(self) -> Self {
        self.filter(Users::ROLE.eq("admin"))
    }
    /// A fallible named scope: `Self` inside the return type is the scope.
    pub fn min_score(self, min: i64) -> orm::Result<Self> {
        if min < 0 {
            return Err(Error::invalid("a minimum score cannot be negative"));
        }
        Ok(self.filter(Users::SCORE.gte(min)))
    }
}

/// A plain impl block works too, for scopes used only in chains.
impl UserScope {
    fn top(self, n: u64) -> Self {
        self.order("score DESC").limit(n)
    }
}

fn seed(conn: &Connection) -> Vec<User> {
    conn.sync::<User>().unwrap();
    let mut users = vec![
        User {
            name: "ann".into(),
            email: "ann@x.org".into(),
            role: "admin".into(),
            score: 30,
            welcomed_at: Some(at(1)),
            activated_at: Some(at(1)),
            last_login: Some(at(20)),
            ..Default::default()
        },
        User {
            name: "bob".into(),
            email: "bob@x.org".into(),
            role: "guest".into(),
            score: 10,
            activated_at: Some(at(2)),
            last_login: Some(at(3)),
            ..Default::default()
        },
        User {
            name: "cid".into(),
            email: "cid@x.org".into(),
            role: "guest".into(),
            score: 20,
            last_login: Some(at(25)),
            ..Default::default()
        },
        User {
            name: "dee".into(),
            email: "dee@x.org".into(),
            role: "admin".into(),
            score: 40,
            ..Default::default()
        },
    ];
    Users::save_all(conn, &mut users).unwrap();
    users
}

fn names(users: Vec<User>) -> Vec<String> {
    users.into_iter().map(|u| u.name).collect()
}

fn sql(s: &impl Scoped) -> Statement {
    s.to_sql().unwrap()
}

fn named_scopes_start_on_the_mapper_and_chain_both_ways(conn: &Connection) {
    seed(conn);
    let a = Users::recently_active(at(10)).activated();
    let b = Users::activated().recently_active(at(10));
    assert_eq!(names(a.order("name").all(conn).unwrap()), ["ann"]);
    assert_eq!(names(b.order("name").all(conn).unwrap()), ["ann"]);
    assert_eq!(Users::unwelcomed().count(conn).unwrap(), 3);
    assert_eq!(Users::min_score(25).unwrap().count(conn).unwrap(), 2);
    assert_eq!(
        Users::admins().min_score(35).unwrap().count(conn).unwrap(),
        1
    );
    assert!(Users::min_score(-1).is_err());
    assert_eq!(names(Users::admins().top(1).all(conn).unwrap()), ["dee"]);
    // Terminal calls work on the named-scope type.
    assert_eq!(
        Users::unwelcomed().pluck(conn, Users::EMAIL).unwrap().len(),
        3
    );
}
db_test!(named_scopes_start_on_the_mapper_and_chain_both_ways);

fn scopes_are_values_and_branches_never_share_state(conn: &Connection) {
    let base = Users::admins();
    let left = base.clone().filter(Users::NAME.eq("ann")).order("name");
    let right = base.clone().filter(Users::NAME.eq("dee")).limit(1);
    assert_eq!(
        sql(&base).sql,
        r#"SELECT "id", "name", "email", "role", "score", "welcomed_at", "activated_at", "last_login" FROM "users" WHERE "role" = $1"#
    );
    assert!(sql(&left)
        .sql
        .ends_with(r#"WHERE "role" = $1 AND "name" = $2 ORDER BY "name" ASC"#));
    assert!(sql(&right)
        .sql
        .ends_with(r#"WHERE "role" = $1 AND "name" = $2 LIMIT 1"#));
    assert_eq!(
        sql(&left).params,
        vec![Value::from("admin"), Value::from("ann")]
    );
    assert_eq!(
        sql(&right).params,
        vec![Value::from("admin"), Value::from("dee")]
    );
    seed(conn);
    assert_eq!(names(left.all(conn).unwrap()), ["ann"]);
    assert_eq!(names(right.all(conn).unwrap()), ["dee"]);
    assert_eq!(base.count(conn).unwrap(), 2);
}
db_test!(scopes_are_values_and_branches_never_share_state);

fn where_fragments_are_parenthesised_and_bound(conn: &Connection) {
    let s = Users::where_("role = ? OR role = ?", ("admin", "guest")).filter(Users::SCORE.eq(10));
    let st = sql(&s);
    assert!(
        st.sql
            .ends_with(r#"WHERE (role = $1 OR role = $2) AND "score" = $3"#),
        "{}",
        st.sql
    );
    seed(conn);
    assert_eq!(names(s.all(conn).unwrap()), ["bob"]);
    let named = Users::where_(
        "score >= :min AND (role = :role OR name = :role)",
        orm::named([("min", 15.into()), ("role", "guest".into())]),
    );
    assert_eq!(names(named.all(conn).unwrap()), ["cid"]);
    // A `?` inside a literal is not a placeholder.
    let lit = Users::where_("name <> '?' AND score > ?", (25,)).order("score");
    assert_eq!(names(lit.all(conn).unwrap()), ["ann", "dee"]);
}
db_test!(where_fragments_are_parenthesised_and_bound);

fn comparisons_and_null(conn: &Connection) {
    seed(conn);
    let count = |s: UserScope| s.count(conn).unwrap();
    assert_eq!(count(Users::all().filter(Users::SCORE.lt(20))), 1);
    assert_eq!(count(Users::all().filter(Users::SCORE.lte(20))), 2);
    assert_eq!(count(Users::all().filter(Users::SCORE.gt(20))), 2);
    assert_eq!(count(Users::all().filter(Users::SCORE.gte(20))), 3);
    assert_eq!(count(Users::all().filter(Users::SCORE.ne(20))), 3);
    assert_eq!(count(Users::all().filter(Users::WELCOMED_AT.eq(None))), 3);
    assert_eq!(count(Users::all().filter(Users::WELCOMED_AT.ne(None))), 1);
    assert_eq!(count(Users::all().filter(Users::WELCOMED_AT.eq(at(1)))), 1);
    assert_eq!(count(Users::all().filter(Users::SCORE.between(15, 35))), 2);
    assert_eq!(count(Users::all().filter(Users::NAME.like("%e%"))), 1);
    // The doc's Cond(col, op, v) and EqualTo(col, nil) with run-time names.
    assert_eq!(count(Users::all().cond("score", Op::Gte, 30)), 2);
    assert_eq!(count(Users::all().equal_to("welcomed_at", Value::Null)), 3);
    // A NULL with < is an error, not a query that silently matches nothing.
    let err = Users::all()
        .filter(col("score").lt(Value::Null))
        .all(conn)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { .. }), "{err:?}");
    let st = sql(&Users::all()
        .filter(Users::WELCOMED_AT.eq(None))
        .filter(Users::LAST_LOGIN.ne(None)));
    assert!(st
        .sql
        .ends_with(r#"WHERE "welcomed_at" IS NULL AND "last_login" IS NOT NULL"#));
    assert!(st.params.is_empty());
}
db_test!(comparisons_and_null);

fn in_lists_empty_and_not(conn: &Connection) {
    seed(conn);
    let count = |s: UserScope| s.count(conn).unwrap();
    assert_eq!(
        count(Users::all().filter(Users::NAME.in_list(["ann", "bob", "zed"]))),
        2
    );
    assert_eq!(
        count(Users::all().filter(Users::NAME.in_list(Vec::<String>::new()))),
        0
    );
    assert_eq!(count(Users::all().filter(Users::NAME.not_in(["ann"]))), 3);
    assert_eq!(
        count(Users::all().filter(Users::NAME.not_in(Vec::<String>::new()))),
        4
    );
    assert!(
        sql(&Users::all().filter(Users::ID.in_list(Vec::<i64>::new())))
            .sql
            .ends_with("WHERE 1 = 0")
    );
}
db_test!(in_lists_empty_and_not);

/// Scopes alike but for their values share one rendering of their text
/// (the model's SQL cache keeps it per shape). Whatever changes the text is
/// part of the shape: a NULL (`IS NULL`), a list's length, a limit, an
/// operator. Each run below follows one of another shape or values; debug
/// builds (these tests) also check every cached text and its parameters
/// against a full rendering.
fn scopes_of_one_shape_share_their_text_not_their_values(conn: &Connection) {
    seed(conn);
    let by_name = |n: &str| names(Users::all().filter(Users::NAME.eq(n)).all(conn).unwrap());
    assert_eq!(by_name("ann"), ["ann"]);
    assert_eq!(by_name("bob"), ["bob"]);
    let welcomed = |v: Option<NaiveDateTime>| {
        names(
            Users::all()
                .filter(Users::WELCOMED_AT.eq(v))
                .order_by(Users::NAME.asc())
                .all(conn)
                .unwrap(),
        )
    };
    assert_eq!(welcomed(Some(at(1))), ["ann"]);
    assert_eq!(welcomed(None), ["bob", "cid", "dee"]);
    assert_eq!(welcomed(Some(at(2))), Vec::<String>::new());
    for list in [&["ann"][..], &["ann", "bob", "cid"], &["dee", "zed"], &[]] {
        let got = Users::all()
            .filter(Users::NAME.in_list(list.iter().copied()))
            .order_by(Users::NAME.asc())
            .all(conn)
            .unwrap();
        let want: Vec<&str> = list.iter().copied().filter(|n| *n != "zed").collect();
        let mut want = want;
        want.sort_unstable();
        assert_eq!(names(got), want);
    }
    for n in [1, 3, 2] {
        let top = Users::all().top(n).all(conn).unwrap();
        assert_eq!(top.len(), n as usize);
    }
    // Several values, several conditions, in order: each lands in its place.
    let between = |lo: i64, hi: i64, role: &str| {
        names(
            Users::all()
                .filter(Users::SCORE.between(lo, hi))
                .filter(Users::ROLE.eq(role).or(Users::NAME.eq("cid")))
                .order_by(Users::NAME.asc())
                .all(conn)
                .unwrap(),
        )
    };
    assert_eq!(between(0, 100, "admin"), ["ann", "cid", "dee"]);
    assert_eq!(between(15, 35, "guest"), ["cid"]);
    assert_eq!(between(15, 45, "admin"), ["ann", "cid", "dee"]);
    // The same shape through first and exists.
    let first_above = |score: i64| {
        Users::all()
            .filter(Users::SCORE.gt(score))
            .order_by(Users::SCORE.asc())
            .first(conn)
            .unwrap()
            .map(|u| u.name)
    };
    assert_eq!(first_above(25).as_deref(), Some("ann"));
    assert_eq!(first_above(35).as_deref(), Some("dee"));
    assert_eq!(first_above(45), None);
    assert!(Users::all()
        .filter(Users::NAME.eq("dee"))
        .exists(conn)
        .unwrap());
    assert!(!Users::all()
        .filter(Users::NAME.eq("eve"))
        .exists(conn)
        .unwrap());
    // Counts, aggregates and plucks have shapes of their own.
    for (min, admins, total) in [(15, 2, 70), (35, 1, 40), (0, 2, 70), (100, 0, 0)] {
        let above = Users::all().filter(Users::SCORE.gte(min));
        let admins_above = above.clone().filter(Users::ROLE.eq("admin"));
        assert_eq!(admins_above.count(conn).unwrap(), admins);
        let sum: Option<i64> = admins_above.sum(conn, Users::SCORE).unwrap();
        assert_eq!(sum.unwrap_or(0), total);
        let emails: Vec<String> = admins_above
            .order_by(Users::NAME.asc())
            .pluck(conn, Users::EMAIL)
            .unwrap();
        assert_eq!(emails.len() as i64, admins);
        assert_eq!(
            above.clone().limit(1).count(conn).unwrap(),
            i64::from(min < 100)
        );
    }
    // What to_sql shows follows the values' kinds too.
    assert!(sql(&Users::all().filter(Users::WELCOMED_AT.eq(at(1))))
        .sql
        .ends_with(r#""welcomed_at" = $1"#));
    assert!(sql(&Users::all().filter(Users::WELCOMED_AT.eq(None)))
        .sql
        .ends_with(r#""welcomed_at" IS NULL"#));
}
db_test!(scopes_of_one_shape_share_their_text_not_their_values);

fn or_groups(conn: &Connection) {
    seed(conn);
    let s = Users::all()
        .filter(Users::ROLE.eq("guest"))
        .filter(Users::SCORE.gt(15))
        .or(Users::all().filter(Users::NAME.eq("ann")))
        .order("name");
    assert_eq!(names(s.all(conn).unwrap()), ["ann", "cid"]);
    // A condition added after the OR applies to the whole group.
    let narrowed = s.clone().filter(Users::SCORE.lt(25));
    assert_eq!(names(narrowed.all(conn).unwrap()), ["cid"]);
    let c = Users::NAME.eq("bob").or(Users::NAME.eq("dee"));
    assert_eq!(count_of(conn, Users::filter(c)), 2);
    let n = Users::filter(Users::ROLE.eq("admin").not());
    assert_eq!(count_of(conn, n), 2);
    let st = sql(&Users::all()
        .filter(Users::ROLE.eq("a"))
        .or(Users::all().filter(Users::ROLE.eq("b"))));
    assert!(
        st.sql
            .ends_with(r#"WHERE (("role" = $1) OR ("role" = $2))"#),
        "{}",
        st.sql
    );
}
db_test!(or_groups);

fn count_of(conn: &Connection, s: UserScope) -> i64 {
    s.count(conn).unwrap()
}

fn order_directions_are_parsed_case_insensitively(conn: &Connection) {
    let st = sql(&Users::order("score desc, name").order("id ASC"));
    assert!(
        st.sql
            .ends_with(r#"ORDER BY "score" DESC, "name" ASC, "id" ASC"#),
        "{}",
        st.sql
    );
    let st = sql(&Users::order("score DESC").reorder("name Desc"));
    assert!(st.sql.ends_with(r#"ORDER BY "name" DESC"#), "{}", st.sql);
    let st = sql(&Users::order_by(Users::SCORE.desc()));
    assert!(st.sql.ends_with(r#"ORDER BY "score" DESC"#));
    seed(conn);
    assert_eq!(
        names(Users::order("score DESC").all(conn).unwrap()),
        ["dee", "ann", "cid", "bob"]
    );
    // An expression is raw SQL, and says so; as a string it is a name.
    assert_eq!(
        names(
            Users::order(Sql::raw("LENGTH(email) DESC"))
                .order("name desc")
                .all(conn)
                .unwrap()
        ),
        ["dee", "cid", "bob", "ann"]
    );
    assert!(matches!(
        Users::order("LENGTH(email) DESC").all(conn),
        Err(Error::UnknownColumn { .. })
    ));
    let err = Users::order("nope").all(conn).unwrap_err();
    assert!(matches!(err, Error::UnknownColumn { ref column, .. } if column == "nope"));
}
db_test!(order_directions_are_parsed_case_insensitively);

fn limit_and_offset_are_literals_and_offset_alone_works(conn: &Connection) {
    let st = sql(&Users::order("id").limit(2).offset(1));
    assert!(st.sql.ends_with("LIMIT 2 OFFSET 1"));
    assert!(st.params.is_empty());
    seed(conn);
    let rendered = Users::order("id")
        .offset(2)
        .to_sql_for(conn.dialect())
        .unwrap();
    assert!(rendered.sql.contains("OFFSET 2"), "{}", rendered.sql);
    assert_eq!(
        names(Users::order("id").offset(2).all(conn).unwrap()),
        ["cid", "dee"]
    );
    assert_eq!(
        names(Users::order("id").limit(2).offset(1).all(conn).unwrap()),
        ["bob", "cid"]
    );
    // Count counts what all() returns; count_without_limit the total.
    assert_eq!(
        Users::order("id").limit(1).offset(3).count(conn).unwrap(),
        1
    );
    assert_eq!(
        Users::order("id")
            .limit(1)
            .offset(3)
            .count_without_limit(conn)
            .unwrap(),
        4
    );
    // first() adds LIMIT 1 and keeps the order.
    assert_eq!(
        Users::order("score").first(conn).unwrap().unwrap().name,
        "bob"
    );
    assert!(Users::all()
        .filter(Users::NAME.eq("zed"))
        .first(conn)
        .unwrap()
        .is_none());
}
db_test!(limit_and_offset_are_literals_and_offset_alone_works);

fn group_by_and_having_survive_later_calls(conn: &Connection) {
    let s = Users::all()
        .group_by("role")
        .having("COUNT(*) >= ?", (2,))
        .order("role")
        .limit(10);
    let st = sql(&s);
    assert!(
        st.sql
            .contains(r#"GROUP BY "role" HAVING (COUNT(*) >= $1) ORDER BY "role" ASC LIMIT 10"#),
        "{}",
        st.sql
    );
    let copied = s.clone().filter(Users::SCORE.gt(0));
    assert!(sql(&copied).sql.contains("GROUP BY"));
    assert!(sql(&copied).sql.contains("HAVING"));
    seed(conn);
    let roles: Vec<String> = copied.pluck(conn, Users::ROLE).unwrap();
    assert_eq!(roles, ["admin", "guest"]);
    // Count of a grouped scope counts the groups.
    assert_eq!(copied.count(conn).unwrap(), 2);
    let sums: Vec<(String, i64)> = conn
        .query(
            "SELECT role, SUM(score) FROM users GROUP BY role HAVING SUM(score) > ? ORDER BY role",
            (40,),
        )
        .unwrap();
    assert_eq!(sums, [("admin".to_owned(), 70)]);
}
db_test!(group_by_and_having_survive_later_calls);

fn func_and_col_are_accepted_as_values(conn: &Connection) {
    seed(conn);
    // Users who logged in after they were activated (Col).
    let s = Users::all().filter(Users::LAST_LOGIN.gt(Col::new("activated_at")));
    assert_eq!(names(s.order("name").all(conn).unwrap()), ["ann", "bob"]);
    // A typed column works as a value too.
    let s = Users::all().filter(Users::LAST_LOGIN.gt(Users::ACTIVATED_AT));
    assert_eq!(s.count(conn).unwrap(), 2);
    // Func with bound parameters, on the right of a comparison.
    // (`? * ?` alone would leave PostgreSQL no type to infer.)
    let f = Func::new("? * 10", (2,));
    assert_eq!(
        names(Users::all().filter(Users::SCORE.eq(f)).all(conn).unwrap()),
        ["cid"]
    );
    // Func and Col as where_ arguments.
    let s = Users::where_("score > ?", (Func::new("? + 10", (15,)),));
    assert_eq!(s.count(conn).unwrap(), 2);
    let s = Users::where_("? = ?", (Col::new("name"), "ann"));
    assert_eq!(s.count(conn).unwrap(), 1);
    // Func in an in-list.
    let s =
        Users::all().filter(Users::SCORE.in_list([Func::new("5 * ?", (2,)), Func::new("40", ())]));
    assert_eq!(s.count(conn).unwrap(), 2);
    let st = sql(&Users::all().filter(Users::SCORE.lt(Func::new("ABS(?)", (-3,)))));
    assert!(st.sql.ends_with(r#"WHERE "score" < ABS($1)"#), "{}", st.sql);
    assert_eq!(st.params, vec![Value::Int(-3)]);
}
db_test!(func_and_col_are_accepted_as_values);

fn a_record_stands_for_its_key(conn: &Connection) {
    #[derive(Model, Debug, Clone, Default)]
    struct Note {
        id: i64,
        user_id: i64,
        reviewer_id: Option<i64>,
        body: String,
    }
    let users = seed(conn);
    conn.sync::<Note>().unwrap();
    let (ann, bob) = (&users[0], &users[1]);
    for (u, r) in [(ann, Some(bob.id)), (ann, None), (bob, Some(ann.id))] {
        Note {
            user_id: u.id,
            reviewer_id: r,
            body: "hi".into(),
            ..Default::default()
        }
        .save(conn)
        .unwrap();
    }
    assert_eq!(
        Notes::filter(Notes::USER_ID.eq(ann)).count(conn).unwrap(),
        2
    );
    assert_eq!(
        Notes::filter(Notes::REVIEWER_ID.eq(bob))
            .count(conn)
            .unwrap(),
        1
    );
}
db_test!(a_record_stands_for_its_key);

fn reserved_words_are_quoted(conn: &Connection) {
    #[derive(Model, Debug, Clone, Default)]
    #[db(table = "order", mapper = "Orders")]
    struct Order {
        id: i64,
        #[db(column = "select")]
        select: String,
        group: i64,
    }
    conn.sync::<Order>().unwrap();
    Order {
        select: "x".into(),
        group: 3,
        ..Default::default()
    }
    .save(conn)
    .unwrap();
    let got: Vec<(String, i64)> = Orders::all()
        .filter(Orders::GROUP.eq(3))
        .order("group DESC")
        .pluck(conn, (Orders::SELECT, Orders::GROUP))
        .unwrap();
    assert_eq!(got, [("x".to_owned(), 3)]);
}
db_test!(reserved_words_are_quoted);

fn terminal_calls(conn: &Connection) {
    let users = seed(conn);
    let ann = &users[0];
    // find respects the scope's conditions.
    assert_eq!(Users::find(conn, ann.id).unwrap().name, "ann");
    assert_eq!(Users::admins().find(conn, ann.id).unwrap().name, "ann");
    let err = Users::all()
        .filter(Users::ROLE.eq("guest"))
        .find(conn, ann.id)
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { ref table } if table == "users"));
    assert!(matches!(
        Users::find(conn, 999),
        Err(Error::NotFound { .. })
    ));
    // exists, count_on, pluck of NULLs, several columns, formulas.
    assert!(Users::admins().exists(conn).unwrap());
    assert!(!Users::all()
        .filter(Users::NAME.eq("zed"))
        .exists(conn)
        .unwrap());
    assert_eq!(Users::all().count_on(conn, "DISTINCT role").unwrap(), 2);
    let logins: Vec<Option<NaiveDateTime>> =
        Users::order("id").pluck(conn, Users::WELCOMED_AT).unwrap();
    assert_eq!(logins, [Some(at(1)), None, None, None]);
    let pairs: Vec<(String, i64)> = Users::order("id")
        .limit(2)
        .pluck(conn, (Users::NAME, Users::SCORE))
        .unwrap();
    assert_eq!(pairs, [("ann".to_owned(), 30), ("bob".to_owned(), 10)]);
    // `||` is OR on MySQL: concatenation is CONCAT there.
    let concat = match conn.dialect().name() {
        "mysql" => "CONCAT(UPPER(name), ?)",
        _ => "UPPER(name) || ?",
    };
    let upper: Vec<String> = Users::order("id")
        .limit(1)
        .pluck_expr(conn, Func::new(concat, ("'; DROP TABLE users; --",)))
        .unwrap();
    assert_eq!(upper, ["ANN'; DROP TABLE users; --"]);
    assert_eq!(
        Users::count(conn).unwrap(),
        4,
        "the value was bound, not inlined"
    );
    // iter streams rows.
    let mut seen = 0;
    for u in Users::order("id").iter(conn).unwrap() {
        let u = u.unwrap();
        assert!(!u.name.is_empty());
        seen += 1;
    }
    assert_eq!(seen, 4);
}
db_test!(terminal_calls);

fn updates_and_deletes(conn: &Connection) {
    seed(conn);
    let n = Users::all()
        .filter(Users::ROLE.eq("guest"))
        .update_attribute(conn, Users::SCORE, 0)
        .unwrap();
    assert_eq!(n, 2);
    let n = Users::admins()
        .update_attributes(
            conn,
            [
                Users::ROLE.set("staff"),
                Users::SCORE.set(Func::new("score + ?", (1,))),
            ],
        )
        .unwrap();
    assert_eq!(n, 2);
    let scores: Vec<i64> = Users::order("id").pluck(conn, Users::SCORE).unwrap();
    assert_eq!(scores, [31, 0, 0, 41]);
    let n = Users::all()
        .filter(Users::ROLE.eq("staff"))
        .update_sql(conn, "score = score * ?, name = UPPER(name)", (2,))
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(
        Users::order("id").pluck(conn, Users::NAME).unwrap(),
        ["ANN", "bob", "cid", "DEE"]
    );
    // Ordered and limited updates touch exactly those rows.
    let n = Users::order("score DESC")
        .limit(1)
        .all_rows()
        .update_attribute(conn, Users::NAME, "top")
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(
        Users::order("score DESC")
            .first(conn)
            .unwrap()
            .unwrap()
            .name,
        "top"
    );
    // Deletes.
    assert_eq!(
        Users::all()
            .filter(Users::SCORE.eq(0))
            .delete(conn)
            .unwrap(),
        2
    );
    assert_eq!(Users::count(conn).unwrap(), 2);
}
db_test!(updates_and_deletes);

fn unconditioned_writes_need_an_explicit_opt_in(conn: &Connection) {
    seed(conn);
    let err = Users::all().delete(conn).unwrap_err();
    assert!(
        matches!(
            err,
            Error::MissingCondition {
                action: "delete",
                ..
            }
        ),
        "{err:?}"
    );
    let err = Users::all()
        .update_attribute(conn, Users::SCORE, 1)
        .unwrap_err();
    assert!(matches!(
        err,
        Error::MissingCondition {
            action: "update",
            ..
        }
    ));
    assert_eq!(Users::count(conn).unwrap(), 4);
    assert_eq!(
        Users::all()
            .all_rows()
            .update_attribute(conn, Users::SCORE, 1)
            .unwrap(),
        4
    );
    assert_eq!(Users::all().all_rows().delete(conn).unwrap(), 4);
}
db_test!(unconditioned_writes_need_an_explicit_opt_in);

fn unknown_columns_are_typed_errors(conn: &Connection) {
    seed(conn);
    // Named at run time: checked before anything is sent.
    let before = conn.statement_count();
    let err = Users::equal_to("nope", 1).all(conn).unwrap_err();
    assert!(
        matches!(&err, Error::UnknownColumn { column, table: Some(t) } if column == "nope" && t == "users"),
        "{err:?}"
    );
    assert_eq!(conn.statement_count(), before);
    // Inside a SQL fragment: reported by the database, typed.
    let err = Users::where_("nope = ?", (1,)).all(conn).unwrap_err();
    assert!(
        matches!(&err, Error::UnknownColumn { column, .. } if column == "nope"),
        "{err:?}"
    );
    // Placeholder count mismatches are caught before sending.
    let err = Users::where_("score = ? AND name = ?", (1,))
        .all(conn)
        .unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { .. }));
}
db_test!(unknown_columns_are_typed_errors);

fn find_applies_only_the_conditions(conn: &Connection) {
    let users = seed(conn);
    let bob = users[1].id;
    let s = Users::order("id").offset(3).limit(1);
    assert_eq!(s.find(conn, bob).unwrap().name, "bob");
    assert!(matches!(
        Users::admins().offset(1).find(conn, bob),
        Err(Error::NotFound { .. })
    ));
    // count_on of a grouped scope is refused rather than ignored.
    let err = Users::group_by("role")
        .count_on(conn, "DISTINCT name")
        .unwrap_err();
    assert!(matches!(err, Error::InvalidQuery { .. }));
    assert_eq!(Users::group_by("role").count(conn).unwrap(), 2);
    // Mapper starters and terminals.
    assert_eq!(Users::filter(Users::SCORE.gt(15)).count(conn).unwrap(), 3);
    assert_eq!(
        Users::filter(Users::NAME.in_list(["ann", "bob"]))
            .count(conn)
            .unwrap(),
        2
    );
    assert_eq!(Users::count_on(conn, "DISTINCT role").unwrap(), 2);
    assert!(Users::exists(conn).unwrap());
    assert_eq!(Users::load_all(conn).unwrap().len(), 4);
    assert_eq!(Users::pluck(conn, Users::NAME).unwrap().len(), 4);
}
db_test!(find_applies_only_the_conditions);
