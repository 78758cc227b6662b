//! Names are never SQL: every API that takes a run-time string where a name
//! belongs reads it as a name, checks it against the models of the query
//! and quotes it, or refuses it with a typed error before anything is sent.
//! After every hostile string, a canary table is unchanged.

use crate::common::db_test;
use orm::prelude::*;
use orm::Terms;

#[derive(Model, Debug, Clone, Default, PartialEq)]
struct Account {
    id: i64,
    owner: String,
    balance: i64,
}

#[derive(Model, Debug, Clone, Default)]
struct Secret {
    id: i64,
    v: String,
}

#[derive(Model, Debug, Clone, Default)]
#[db(table = "entries")]
struct Entry {
    id: i64,
    account_id: i64,
    amount: i64,
    account: BelongsTo<Account>,
}

/// Hostile strings: subqueries, comments, quotes of every kind, stacked
/// statements, NUL and control characters, Unicode look-alikes, over-long
/// names, placeholders, expressions.
fn hostile() -> Vec<String> {
    let mut v: Vec<String> = [
        "(SELECT v FROM secrets)",
        "(SELECT CASE WHEN substr(v,1,1)='s' THEN id ELSE -id END FROM secrets)",
        "id; DROP TABLE secrets",
        "id; DELETE FROM secrets",
        "id --",
        "id -- comment",
        "id--",
        "id /* c */",
        "id/*",
        "*/",
        "id #",
        "id#",
        "'",
        "''",
        "'id'",
        "\"",
        "\"\"",
        "\"id\"",
        "id\"",
        "\"id\"; DELETE FROM secrets; --",
        "`",
        "``",
        "`id`",
        "id`; DELETE FROM secrets; #",
        "[id]",
        "[",
        "]",
        "1",
        "1=1",
        "id OR 1=1",
        "id UNION SELECT v FROM secrets",
        "CASE WHEN 1=1 THEN id ELSE balance END",
        "id\0",
        "\0",
        "i\0d",
        "id\n",
        "\nid",
        "id\r\nDELETE FROM secrets",
        "\tid",
        "id\u{1b}[31m",
        "ıd",
        "іd",
        "ｉｄ",
        "id\u{200b}",
        "\u{200b}id",
        "id\u{202e}",
        "id\u{feff}",
        " id",
        "id ",
        "",
        " ",
        ".",
        "accounts.",
        ".id",
        "accounts..id",
        "accounts.id.x",
        "x.y.z",
        "secrets.v",
        "secrets.id",
        "nope.id",
        "pg_catalog.pg_tables",
        "information_schema.tables",
        "sqlite_master.sql",
        "mysql.user",
        "id DESC; DROP TABLE secrets",
        "id DESC DESC",
        "id ASC DESC",
        "id NULLS",
        "id NULLS MIDDLE",
        "id NULLS FIRST LAST",
        "id DESC NULLS FIRST --",
        "$1",
        "?",
        "??",
        ":name",
        "$$",
        "$tag$x$tag$",
        "E'\\x'",
        "id)",
        "(id",
        "id,",
        ",id",
        "id,,balance",
        "lower(owner)",
        "sleep(1)",
        "pg_sleep(1)",
        "randomblob(1000000000)",
        "@@version",
        "version()",
        "id\\",
        "\\",
        "%",
        "_",
        "*",
        "accounts.*",
        "id AS x",
        "id x",
        "count(*)",
        "DISTINCT",
        "DISTINCT DISTINCT id",
        "id COLLATE \"C\"",
        "id::text",
        "id || 'x'",
        "-id",
        "+id",
        "NULL",
        "TRUE",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    v.push("a".repeat(64));
    v.push("a".repeat(200));
    v.push("é".repeat(40));
    v.push(format!("accounts.{}", "b".repeat(70)));
    v.push(format!("{}.id", "t".repeat(70)));
    v
}

fn canary_intact(conn: &Connection, what: &str) {
    let all: Vec<(i64, String)> = Secrets::all()
        .pluck(conn, (Secrets::ID, Secrets::V))
        .unwrap_or_else(|e| panic!("after {what:?} the canary cannot be read: {e}"));
    assert_eq!(all, [(1, "s3cr3t".to_owned())], "after {what:?}");
    let n = Accounts::all().count(conn).unwrap();
    assert_eq!(n, 3, "after {what:?}");
}

fn setup(conn: &Connection) {
    conn.sync::<Account>().unwrap();
    conn.sync::<Entry>().unwrap();
    conn.sync::<Secret>().unwrap();
    Secret {
        id: 0,
        v: "s3cr3t".into(),
    }
    .save(conn)
    .unwrap();
    for (owner, balance) in [("ann", 30), ("bob", 10), ("cat", 20)] {
        Account {
            owner: owner.into(),
            balance,
            ..Default::default()
        }
        .save(conn)
        .unwrap();
    }
}

/// Runs `f`, which must work, or fail with a typed error before anything is
/// sent; its result never holds the secret.
fn try_one<T: std::fmt::Debug>(conn: &Connection, what: &str, f: impl FnOnce() -> orm::Result<T>) {
    let before = conn.statement_count();
    match f() {
        Ok(v) => {
            let shown = format!("{v:?}");
            assert!(!shown.contains("s3cr3t"), "{what:?} leaked: {shown}");
        }
        Err(
            Error::InvalidName { .. } | Error::UnknownColumn { .. } | Error::UnknownTable { .. },
        ) => {
            assert_eq!(
                conn.statement_count(),
                before,
                "{what:?}: refused, but only after sending"
            );
        }
        Err(e) => panic!("{what:?}: not a typed name error: {e:?}"),
    }
}

fn hostile_names_are_quoted_or_refused(conn: &Connection) {
    setup(conn);
    let names = hostile();
    assert!(names.len() >= 100, "{} hostile strings", names.len());
    for name in &names {
        let n = name.as_str();
        try_one(conn, n, || Accounts::all().order(n).all(conn));
        try_one(conn, n, || {
            Accounts::all().order(format!("{n} DESC")).all(conn)
        });
        try_one(conn, n, || Accounts::all().reorder(n).first(conn));
        try_one(conn, n, || Accounts::all().group_by(n).count(conn));
        try_one(conn, n, || Accounts::all().filter(col(n).eq(1)).count(conn));
        try_one(conn, n, || Accounts::equal_to(n, 1).all(conn));
        try_one(conn, n, || Accounts::all().cond(n, Op::Gt, 0).exists(conn));
        try_one(conn, n, || {
            Accounts::all().select::<Vec<orm::Value>>(conn, n)
        });
        try_one(conn, n, || Accounts::all().count_on(conn, n));
        try_one(conn, n, || {
            Accounts::all().pluck_expr::<orm::Value>(conn, Col::new(n))
        });
        try_one(conn, n, || {
            Entries::all()
                .join_as(Entries::ACCOUNT, n)
                .order("id")
                .all(conn)
        });
        try_one(conn, n, || {
            Accounts::filter(Accounts::OWNER.eq("nobody")).update_attributes(conn, [col(n).set(1)])
        });
        canary_intact(conn, n);
    }
    // The connection is as good as new.
    assert_eq!(Accounts::all().order("id").all(conn).unwrap().len(), 3);
}
db_test!(hostile_names_are_quoted_or_refused);

/// A "sort by" parameter taken straight from a request.
fn a_sort_parameter_from_a_request_is_safe(conn: &Connection) {
    setup(conn);
    let request = |query: &str| -> orm::Result<Vec<String>> {
        let sort = query
            .split('&')
            .find_map(|p| p.strip_prefix("sort="))
            .unwrap_or("id");
        Accounts::all().order(sort).pluck(conn, Accounts::OWNER)
    };
    assert_eq!(request("sort=balance DESC").unwrap(), ["ann", "cat", "bob"]);
    assert_eq!(request("sort=owner").unwrap(), ["ann", "bob", "cat"]);
    assert_eq!(request("page=2").unwrap(), ["ann", "bob", "cat"]);
    for evil in [
        "sort=(SELECT CASE WHEN substr(v,1,1)='s' THEN id ELSE -id END FROM secrets)",
        "sort=id; DROP TABLE secrets",
        "sort=id --",
        "sort=balance DESC LIMIT 1",
        "sort=secrets.v",
    ] {
        let before = conn.statement_count();
        let err = request(evil).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidName { .. }
                    | Error::UnknownColumn { .. }
                    | Error::UnknownTable { .. }
            ),
            "{evil}: {err:?}"
        );
        assert_eq!(conn.statement_count(), before, "{evil}: nothing is sent");
        canary_intact(conn, evil);
    }
}
db_test!(a_sort_parameter_from_a_request_is_safe);

/// Typed orderings, NULLs placement on every dialect, and expressions only
/// through the raw marker.
fn typed_orderings_and_nulls(conn: &Connection) {
    conn.sync::<Ranked>().unwrap();
    for (name, rank) in [("a", Some(2)), ("b", None), ("c", Some(1))] {
        Ranked {
            name: name.into(),
            rank,
            ..Default::default()
        }
        .save(conn)
        .unwrap();
    }
    let names = |s: RankedScope| -> Vec<String> { s.pluck(conn, Rankeds::NAME).unwrap() };
    assert_eq!(
        names(Rankeds::order_by(Rankeds::RANK.asc().nulls_last())),
        ["c", "a", "b"]
    );
    assert_eq!(
        names(Rankeds::order_by(Rankeds::RANK.asc().nulls_first())),
        ["b", "c", "a"]
    );
    assert_eq!(
        names(Rankeds::order_by(Rankeds::RANK.desc().nulls_last())),
        ["a", "c", "b"]
    );
    assert_eq!(
        names(Rankeds::order("rank DESC NULLS FIRST")),
        ["b", "a", "c"]
    );
    assert_eq!(
        names(Rankeds::all().order(Sql::raw("CASE WHEN name = 'c' THEN 0 ELSE 1 END, name"))),
        ["c", "a", "b"]
    );
    assert_eq!(
        names(Rankeds::all().order(Terms::from("name DESC"))),
        ["c", "b", "a"]
    );
}
db_test!(typed_orderings_and_nulls);

#[derive(Model, Debug, Clone, Default)]
struct Ranked {
    id: i64,
    name: String,
    rank: Option<i32>,
}

/// Over-long names are refused where the database would truncate them, and
/// a misspelled quoted name on SQLite is an error, never a string literal.
fn long_names_and_sqlite_string_fallback(conn: &Connection) {
    setup(conn);
    let long = "x".repeat(64);
    let err = Accounts::all().order(long.as_str()).all(conn).unwrap_err();
    match conn.dialect().name() {
        "postgres" => assert!(matches!(err, Error::InvalidName { .. }), "{err:?}"),
        _ => assert!(matches!(err, Error::UnknownColumn { .. }), "{err:?}"),
    }
    // SQLite took `"nope"` for the string 'nope' when no column had that
    // name: now it is the error it should be (MySQL's double quotes are
    // string quotes unless ANSI_QUOTES is set).
    if conn.dialect().name() != "mysql" {
        let raw = Accounts::all().where_("\"nope\" = 'nope'", ()).count(conn);
        assert!(raw.is_err(), "{:?}", raw);
    }
}
db_test!(long_names_and_sqlite_string_fallback);

/// Fragments are read by each dialect's own lexical rules: placeholders are
/// found only in code, a trailing comment cannot swallow what the statement
/// adds, a list binds to one placeholder, `??` is a literal `?`.
fn fragments_follow_each_dialects_lexical_rules(conn: &Connection) {
    setup(conn);
    let d = conn.dialect().name();
    let owners = |s: AccountScope| -> orm::Result<Vec<String>> {
        s.order("id").pluck(conn, Accounts::OWNER)
    };
    // A trailing line comment: the closing parenthesis, ORDER BY and LIMIT
    // that follow still apply.
    assert_eq!(
        owners(Accounts::where_("balance > ? -- only the rich", (15,)).limit(1)).unwrap(),
        ["ann"]
    );
    if d == "mysql" {
        assert_eq!(
            owners(Accounts::where_("balance > ? # only the rich", (15,)).limit(1)).unwrap(),
            ["ann"]
        );
        // `--` without a space is two minus signs on MySQL.
        assert_eq!(
            owners(Accounts::where_("balance > 5--?", (10,))).unwrap(),
            ["ann", "cat"]
        );
        // A backslash escapes the quote: the `?` is inside the literal.
        assert_eq!(
            owners(Accounts::where_("owner <> 'x\\'?' AND balance > ?", (15,))).unwrap(),
            ["ann", "cat"]
        );
    } else {
        // `--?` is a comment: its `?` is not a placeholder.
        let res = owners(Accounts::where_("balance > 5--?", (-10,)));
        assert!(matches!(res, Err(Error::InvalidQuery { .. })), "{res:?}");
    }
    if d == "postgres" {
        assert_eq!(
            owners(Accounts::where_("owner <> E'x\\'?' AND balance > ?", (15,))).unwrap(),
            ["ann", "cat"]
        );
        assert_eq!(
            owners(Accounts::where_(
                "balance > ? /* a /* nested ? */ comment ? */",
                (15,)
            ))
            .unwrap(),
            ["ann", "cat"]
        );
        assert_eq!(
            owners(Accounts::where_("owner <> $q$?$q$ AND balance > ?", (15,))).unwrap(),
            ["ann", "cat"]
        );
        let has: Vec<(bool,)> = conn
            .query("SELECT CAST(? AS jsonb) ?? 'a'", (r#"{"a": 1}"#,))
            .unwrap();
        assert_eq!(has, [(true,)]);
    }
    if d == "sqlite" {
        assert_eq!(
            owners(Accounts::where_("[balance] > ? AND [owner] <> '?'", (15,))).unwrap(),
            ["ann", "cat"]
        );
    }
    // A list binds to one placeholder.
    assert_eq!(
        owners(Accounts::where_(
            "owner IN (?) AND balance > ?",
            (vec!["ann", "bob"], 5)
        ))
        .unwrap(),
        ["ann", "bob"]
    );
    assert_eq!(
        owners(Accounts::where_(
            "owner IN (:who)",
            orm::named([("who", orm::Value::Null)])
        ))
        .unwrap(),
        Vec::<String>::new()
    );
    let empty = owners(Accounts::where_("owner IN (?)", (Vec::<String>::new(),)));
    assert!(
        matches!(empty, Err(Error::InvalidQuery { .. })),
        "{empty:?}"
    );
    // Unterminated literals and comments would swallow the rest: refused
    // before anything is sent.
    for bad in ["owner = 'x", "owner = \"x", "balance > 1 /* ", "owner = `x"] {
        let before = conn.statement_count();
        let res = Accounts::where_(Sql::raw(bad), ()).count(conn);
        let lexed_as_code = d != "mysql" && bad.contains('`');
        if !lexed_as_code {
            assert!(
                matches!(res, Err(Error::InvalidQuery { .. })),
                "{bad}: {res:?}"
            );
            assert_eq!(conn.statement_count(), before, "{bad}: nothing sent");
        }
        canary_intact(conn, bad);
    }
    canary_intact(conn, "fragments");
}
db_test!(fragments_follow_each_dialects_lexical_rules);
