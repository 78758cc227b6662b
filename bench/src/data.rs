//! The schema and data of Diesel's own benchmark suite (`users`, `posts`,
//! `comments`), plus a 16-column table for W7; the plain structs that the
//! raw drivers and Diesel fill, and against which every result is compared.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use std::collections::HashMap;
use std::fmt::Write as _;

diesel::table! {
    users (id) {
        id -> Integer,
        name -> Text,
        hair_color -> Nullable<Text>,
    }
}

diesel::table! {
    posts (id) {
        id -> Integer,
        user_id -> Integer,
        title -> Text,
        body -> Nullable<Text>,
    }
}

diesel::table! {
    comments (id) {
        id -> Integer,
        post_id -> Integer,
        text -> Text,
    }
}

diesel::table! {
    wide_rows (id) {
        id -> Integer,
        int_a -> Integer,
        int_b -> BigInt,
        int_c -> Nullable<Integer>,
        float_a -> Double,
        float_b -> Nullable<Double>,
        text_a -> Text,
        text_b -> Text,
        text_c -> Nullable<Text>,
        text_d -> Nullable<Text>,
        flag_a -> Bool,
        flag_b -> Bool,
        day -> Date,
        created_at -> Timestamp,
        updated_at -> Nullable<Timestamp>,
        big -> Nullable<BigInt>,
    }
}

diesel::joinable!(posts -> users (user_id));
diesel::joinable!(comments -> posts (post_id));
diesel::allow_tables_to_appear_in_same_query!(users, posts, comments);

/// A user, as the raw drivers and Diesel load it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i32,
    pub name: String,
    pub hair_color: Option<String>,
}

/// A post.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Identifiable, Associations)]
#[diesel(table_name = posts, belongs_to(User))]
pub struct Post {
    pub id: i32,
    pub user_id: i32,
    pub title: String,
    pub body: Option<String>,
}

/// A comment.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Identifiable, Associations)]
#[diesel(table_name = comments, belongs_to(Post))]
pub struct Comment {
    pub id: i32,
    pub post_id: i32,
    pub text: String,
}

/// A user to insert (W3, W6).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
pub struct NewUser<'a> {
    pub name: &'a str,
    pub hair_color: Option<&'a str>,
}

/// A row of 16 mixed columns (W7).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = wide_rows)]
pub struct Wide {
    pub id: i32,
    pub int_a: i32,
    pub int_b: i64,
    pub int_c: Option<i32>,
    pub float_a: f64,
    pub float_b: Option<f64>,
    pub text_a: String,
    pub text_b: String,
    pub text_c: Option<String>,
    pub text_d: Option<String>,
    pub flag_a: bool,
    pub flag_b: bool,
    pub day: NaiveDate,
    pub created_at: NaiveDateTime,
    pub updated_at: Option<NaiveDateTime>,
    pub big: Option<i64>,
}

/// Users with their posts, each post with its comments (W4).
pub type Nested = Vec<(User, Vec<(Post, Vec<Comment>)>)>;

/// The database a run talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    Mysql,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
        }
    }

    /// Drops and creates the four tables.
    pub fn schema(self) -> String {
        let (key, int, big, dbl, text, boolean, ts, tail) = match self {
            Backend::Sqlite => (
                "INTEGER PRIMARY KEY",
                "INTEGER",
                "BIGINT",
                "DOUBLE",
                "TEXT",
                "BOOLEAN",
                "TIMESTAMP",
                "",
            ),
            Backend::Postgres => (
                "SERIAL PRIMARY KEY",
                "INTEGER",
                "BIGINT",
                "DOUBLE PRECISION",
                "TEXT",
                "BOOLEAN",
                "TIMESTAMP",
                "",
            ),
            Backend::Mysql => (
                "INTEGER AUTO_INCREMENT PRIMARY KEY",
                "INTEGER",
                "BIGINT",
                "DOUBLE",
                "TEXT",
                "BOOLEAN",
                "DATETIME",
                " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
            ),
        };
        format!(
            "DROP TABLE IF EXISTS comments;
             DROP TABLE IF EXISTS posts;
             DROP TABLE IF EXISTS users;
             DROP TABLE IF EXISTS wide_rows;
             CREATE TABLE users (id {key}, name {text} NOT NULL, hair_color {text}){tail};
             CREATE TABLE posts (id {key}, user_id {int} NOT NULL, title {text} NOT NULL, body {text}){tail};
             CREATE TABLE comments (id {key}, post_id {int} NOT NULL, text {text} NOT NULL){tail};
             CREATE INDEX posts_user_id ON posts (user_id);
             CREATE INDEX comments_post_id ON comments (post_id);
             CREATE TABLE wide_rows (id {key}, int_a {int} NOT NULL, int_b {big} NOT NULL, int_c {int},
               float_a {dbl} NOT NULL, float_b {dbl}, text_a {text} NOT NULL, text_b {text} NOT NULL,
               text_c {text}, text_d {text}, flag_a {boolean} NOT NULL, flag_b {boolean} NOT NULL,
               day DATE NOT NULL, created_at {ts} NOT NULL, updated_at {ts}, big {big}){tail};"
        )
    }

    /// Empties the tables; the next generated key is 1.
    pub fn truncate(self) -> &'static str {
        match self {
            Backend::Sqlite => {
                "DELETE FROM comments; DELETE FROM posts; DELETE FROM users; DELETE FROM wide_rows;"
            }
            Backend::Postgres => "TRUNCATE comments, posts, users, wide_rows RESTART IDENTITY;",
            Backend::Mysql => {
                "TRUNCATE TABLE comments; TRUNCATE TABLE posts; TRUNCATE TABLE users; TRUNCATE TABLE wide_rows;"
            }
        }
    }

    /// Points the key sequences past the explicit keys inserted.
    fn fix_sequences(self, out: &mut String) {
        if self == Backend::Postgres {
            for t in ["users", "posts", "comments", "wide_rows"] {
                let _ = writeln!(
                    out,
                    "SELECT setval(pg_get_serial_sequence('{t}', 'id'), COALESCE((SELECT MAX(id) FROM {t}), 0) + 1, false);"
                );
            }
        }
    }

    fn boolean(self, b: bool) -> &'static str {
        match (self, b) {
            (Backend::Sqlite, true) => "1",
            (Backend::Sqlite, false) => "0",
            (_, true) => "TRUE",
            (_, false) => "FALSE",
        }
    }
}

fn opt(v: Option<String>) -> String {
    v.map_or_else(|| "NULL".to_owned(), |s| format!("'{s}'"))
}

/// Multi-row INSERTs of at most 500 rows each.
fn inserts(out: &mut String, head: &str, rows: impl Iterator<Item = String>) {
    let rows: Vec<String> = rows.collect();
    for chunk in rows.chunks(500) {
        let _ = writeln!(out, "{head} VALUES {};", chunk.join(", "));
    }
}

/// The hair colour of user `i`: black, brown or none in turn.
pub fn hair(i: usize) -> Option<&'static str> {
    match i % 3 {
        0 => Some("black"),
        1 => Some("brown"),
        _ => None,
    }
}

fn user_rows(n: usize) -> impl Iterator<Item = String> {
    (1..=n).map(|i| format!("({i}, 'User {i}', {})", opt(hair(i).map(str::to_owned))))
}

/// The script that empties the tables and loads the data of a workload.
pub struct Seed;

impl Seed {
    /// W1, W5: `n` users.
    pub fn users(b: Backend, n: usize) -> String {
        let mut s = b.truncate().to_owned();
        inserts(
            &mut s,
            "INSERT INTO users (id, name, hair_color)",
            user_rows(n),
        );
        b.fix_sequences(&mut s);
        s
    }

    /// W2: `n` users; every even-numbered user has one post.
    pub fn users_with_some_posts(b: Backend, n: usize) -> String {
        let mut s = Self::users(b, n);
        inserts(
            &mut s,
            "INSERT INTO posts (id, user_id, title, body)",
            (1..=n / 2).map(|p| {
                let u = p * 2;
                format!(
                    "({p}, {u}, 'Post {p} by user {u}', {})",
                    opt((p % 2 == 0).then(|| format!("Body of post {p}")))
                )
            }),
        );
        b.fix_sequences(&mut s);
        s
    }

    /// W4: `n` users, 10 posts each, 10 comments per post.
    pub fn users_posts_comments(b: Backend, n: usize) -> String {
        let mut s = Self::users(b, n);
        inserts(
            &mut s,
            "INSERT INTO posts (id, user_id, title, body)",
            (1..=n * 10).map(|p| {
                let u = (p - 1) / 10 + 1;
                format!(
                    "({p}, {u}, 'Post {p} by user {u}', {})",
                    opt((p % 2 == 0).then(|| format!("Body of post {p}")))
                )
            }),
        );
        inserts(
            &mut s,
            "INSERT INTO comments (id, post_id, text)",
            (1..=n * 100).map(|c| {
                let p = (c - 1) / 10 + 1;
                format!("({c}, {p}, 'Comment {c} on post {p}')")
            }),
        );
        b.fix_sequences(&mut s);
        s
    }

    /// W7: `n` rows of 16 columns.
    pub fn wide(b: Backend, n: usize) -> String {
        let mut s = b.truncate().to_owned();
        inserts(
            &mut s,
            "INSERT INTO wide_rows (id, int_a, int_b, int_c, float_a, float_b, text_a, text_b, \
             text_c, text_d, flag_a, flag_b, day, created_at, updated_at, big)",
            (1..=n).map(|i| {
                let day = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
                    + chrono::Days::new(i as u64 % 1500);
                let at = day.and_hms_opt((i % 24) as u32, (i % 60) as u32, (i * 7 % 60) as u32)
                    .unwrap();
                format!(
                    "({i}, {}, {}, {}, {}, {}, 'text a {i}', 'a somewhat longer text b for row {i}', \
                     {}, {}, {}, {}, '{}', '{}', {}, {})",
                    i as i32 * 3 - 1000,
                    i as i64 * 1_000_003,
                    if i % 3 == 0 { "NULL".to_owned() } else { (i * 2).to_string() },
                    i as f64 * 0.25,
                    if i % 4 == 0 { "NULL".to_owned() } else { format!("{}", i as f64 * 1.5) },
                    opt((i % 2 == 0).then(|| format!("text c {i}"))),
                    opt((i % 5 != 0).then(|| format!("text d {i} with some more words"))),
                    b.boolean(i % 2 == 0),
                    b.boolean(i % 3 == 0),
                    day.format("%Y-%m-%d"),
                    at.format("%Y-%m-%d %H:%M:%S"),
                    opt((i % 2 == 1).then(|| (at + chrono::TimeDelta::hours(5)).format("%Y-%m-%d %H:%M:%S").to_string())),
                    if i % 6 == 0 { "NULL".to_owned() } else { (i as i64 * -7_000_000_001).to_string() },
                )
            }),
        );
        b.fix_sequences(&mut s);
        s
    }
}

/// Rows to insert in W3 and W6 (leaked: they live as long as the run).
pub fn new_users(n: usize) -> &'static [NewUser<'static>] {
    let rows: Vec<NewUser<'static>> = (1..=n)
        .map(|i| NewUser {
            name: Box::leak(format!("New user {i}").into_boxed_str()),
            hair_color: hair(i),
        })
        .collect();
    Box::leak(rows.into_boxed_slice())
}

/// `n` placeholders: `?, ?, ?`.
pub fn marks(n: usize, mark: impl Fn(usize) -> String) -> String {
    (1..=n).map(mark).collect::<Vec<_>>().join(", ")
}

/// Groups posts under their users and comments under their posts, keeping
/// the order in which each arrived (what a hand-written loader does, and
/// what Diesel's `grouped_by` does).
pub fn group(users: Vec<User>, posts: Vec<Post>, comments: Vec<Comment>) -> Nested {
    let post_at: HashMap<i32, usize> = posts.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    let mut by_post: Vec<Vec<Comment>> = vec![Vec::new(); posts.len()];
    for c in comments {
        if let Some(&i) = post_at.get(&c.post_id) {
            by_post[i].push(c);
        }
    }
    let user_at: HashMap<i32, usize> = users.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
    let mut by_user: Vec<Vec<(Post, Vec<Comment>)>> = vec![Vec::new(); users.len()];
    for (p, cs) in posts.into_iter().zip(by_post) {
        if let Some(&i) = user_at.get(&p.user_id) {
            by_user[i].push((p, cs));
        }
    }
    users.into_iter().zip(by_user).collect()
}
