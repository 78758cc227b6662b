//! The floor on MySQL / MariaDB: the `mysql` crate by hand, statements
//! prepared once outside the timed loop (binary protocol), columns taken by
//! index, into the plain structs.

use crate::contestant::Contestant;
use crate::data::{group, marks, Comment, Nested, NewUser, Post, User, Wide};
use chrono::{NaiveDate, NaiveDateTime};
use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder, Params, Row, Statement, Value};
use std::collections::HashMap;

pub struct RawMysql {
    conn: Conn,
    users: Statement,
    users_posts: Statement,
    find: Statement,
    insert_one: Statement,
    wide: Statement,
    posts_in: HashMap<usize, Statement>,
    comments_in: HashMap<usize, Statement>,
    insert_many: Option<Statement>,
    new_users: &'static [NewUser<'static>],
    new_user: Option<NewUser<'static>>,
}

fn take<T: mysql::prelude::FromValue>(r: &mut Row, i: usize) -> T {
    r.take(i).expect("mysql: no such column")
}

/// DATE and DATETIME arrive as `Value::Date` in the binary protocol.
fn datetime(v: Value) -> Option<NaiveDateTime> {
    match v {
        Value::NULL => None,
        Value::Date(y, mo, d, h, mi, s, us) => Some(
            NaiveDate::from_ymd_opt(i32::from(y), u32::from(mo), u32::from(d))
                .and_then(|d| d.and_hms_micro_opt(u32::from(h), u32::from(mi), u32::from(s), us))
                .expect("mysql: invalid date"),
        ),
        other => panic!("mysql: not a date: {other:?}"),
    }
}

fn take_datetime(r: &mut Row, i: usize) -> Option<NaiveDateTime> {
    datetime(r.take(i).expect("mysql: no such column"))
}

fn user(r: &mut Row) -> User {
    User {
        id: take(r, 0),
        name: take(r, 1),
        hair_color: take(r, 2),
    }
}

fn post(r: &mut Row, at: usize) -> Post {
    Post {
        id: take(r, at),
        user_id: take(r, at + 1),
        title: take(r, at + 2),
        body: take(r, at + 3),
    }
}

impl RawMysql {
    pub fn open(url: &str) -> Self {
        // TCP, as orm and Diesel connect (the crate would otherwise switch
        // to the server's Unix socket).
        let opts =
            OptsBuilder::from_opts(Opts::from_url(url).expect("mysql: url")).prefer_socket(false);
        let mut conn = Conn::new(opts).expect("mysql: connect");
        conn.query_drop(crate::data::Backend::Mysql.schema())
            .expect("mysql: schema");
        let mut prep = |sql: &str| conn.prep(sql).expect("mysql: prepare");
        let users = prep("SELECT id, name, hair_color FROM users");
        let users_posts = prep(
            "SELECT users.id, users.name, users.hair_color, posts.id, posts.user_id, posts.title, \
             posts.body FROM users LEFT OUTER JOIN posts ON posts.user_id = users.id \
             WHERE users.hair_color = ?",
        );
        let find = prep("SELECT id, name, hair_color FROM users WHERE id = ?");
        let insert_one = prep("INSERT INTO users (name, hair_color) VALUES (?, ?)");
        let wide = prep(
            "SELECT id, int_a, int_b, int_c, float_a, float_b, text_a, text_b, text_c, text_d, \
             flag_a, flag_b, day, created_at, updated_at, big FROM wide_rows",
        );
        RawMysql {
            conn,
            users,
            users_posts,
            find,
            insert_one,
            wide,
            posts_in: HashMap::new(),
            comments_in: HashMap::new(),
            insert_many: None,
            new_users: &[],
            new_user: None,
        }
    }

    fn collect<T>(
        &mut self,
        stmt: &Statement,
        params: impl Into<Params>,
        mut f: impl FnMut(&mut Row) -> T,
    ) -> Vec<T> {
        let result = self.conn.exec_iter(stmt, params).expect("mysql: query");
        result.map(|row| f(&mut row.expect("mysql: row"))).collect()
    }

    fn stmt_in(&mut self, posts: bool, n: usize) -> Statement {
        let (cache, sql) = if posts {
            (
                &mut self.posts_in,
                "SELECT id, user_id, title, body FROM posts WHERE user_id IN",
            )
        } else {
            (
                &mut self.comments_in,
                "SELECT id, post_id, text FROM comments WHERE post_id IN",
            )
        };
        let conn = &mut self.conn;
        cache
            .entry(n)
            .or_insert_with(|| {
                conn.prep(format!("{sql} ({})", marks(n, |_| "?".to_owned())))
                    .expect("mysql: prepare")
            })
            .clone()
    }
}

impl Contestant for RawMysql {
    fn batch(&mut self, sql: &str) {
        self.conn.query_drop(sql).expect("mysql: batch");
    }

    fn users(&mut self) -> Vec<User> {
        let stmt = self.users.clone();
        self.collect(&stmt, (), user)
    }

    fn users_posts(&mut self) -> Vec<(User, Option<Post>)> {
        let stmt = self.users_posts.clone();
        self.collect(&stmt, ("black",), |r| {
            let p = take::<Option<i32>>(r, 3).map(|id| Post {
                id,
                user_id: take(r, 4),
                title: take(r, 5),
                body: take(r, 6),
            });
            (user(r), p)
        })
    }

    fn set_new_users(&mut self, rows: &'static [NewUser<'static>]) {
        let sql = format!(
            "INSERT INTO users (name, hair_color) VALUES {}",
            marks(rows.len(), |_| "(?, ?)".to_owned())
        );
        self.insert_many = Some(self.conn.prep(sql).expect("mysql: prepare"));
        self.new_users = rows;
    }

    fn insert_users(&mut self) -> u64 {
        let stmt = self.insert_many.clone().expect("set_new_users first");
        let params: Vec<Value> = self
            .new_users
            .iter()
            .flat_map(|u| [Value::from(u.name), Value::from(u.hair_color)])
            .collect();
        self.conn
            .exec_drop(&stmt, Params::Positional(params))
            .expect("mysql: insert many");
        self.conn.affected_rows()
    }

    fn nested(&mut self) -> Nested {
        let users = self.users();
        let ids: Vec<Value> = users.iter().map(|u| Value::from(u.id)).collect();
        let stmt = self.stmt_in(true, ids.len());
        let posts = self.collect(&stmt, Params::Positional(ids), |r| post(r, 0));
        let pids: Vec<Value> = posts.iter().map(|p| Value::from(p.id)).collect();
        let stmt = self.stmt_in(false, pids.len());
        let comments = self.collect(&stmt, Params::Positional(pids), |r| Comment {
            id: take(r, 0),
            post_id: take(r, 1),
            text: take(r, 2),
        });
        group(users, posts, comments)
    }

    fn find(&mut self, id: i32) -> User {
        let mut row: Row = self
            .conn
            .exec_first(&self.find, (id,))
            .expect("mysql: find")
            .expect("mysql: no such user");
        user(&mut row)
    }

    fn set_new_user(&mut self, row: NewUser<'static>) {
        self.new_user = Some(row);
    }

    fn insert_user(&mut self) -> i32 {
        let u = self.new_user.as_ref().expect("set_new_user first");
        self.conn
            .exec_drop(&self.insert_one, (u.name, u.hair_color))
            .expect("mysql: insert");
        self.conn.last_insert_id() as i32
    }

    fn wide(&mut self) -> Vec<Wide> {
        let stmt = self.wide.clone();
        self.collect(&stmt, (), |r| Wide {
            id: take(r, 0),
            int_a: take(r, 1),
            int_b: take(r, 2),
            int_c: take(r, 3),
            float_a: take(r, 4),
            float_b: take(r, 5),
            text_a: take(r, 6),
            text_b: take(r, 7),
            text_c: take(r, 8),
            text_d: take(r, 9),
            flag_a: take(r, 10),
            flag_b: take(r, 11),
            day: take_datetime(r, 12).expect("NULL day").date(),
            created_at: take_datetime(r, 13).expect("NULL created_at"),
            updated_at: take_datetime(r, 14),
            big: take(r, 15),
        })
    }
}
