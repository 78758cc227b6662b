//! The floor on SQLite: rusqlite by hand, statements prepared once outside
//! the timed loop, columns read by index, into the plain structs.

use crate::contestant::Contestant;
use crate::data::{group, marks, Comment, Nested, NewUser, Post, User, Wide};
use rusqlite::{params, params_from_iter, Connection, Row, Statement, ToSql};
use std::collections::HashMap;

pub struct RawSqlite {
    conn: &'static Connection,
    users: Statement<'static>,
    users_posts: Statement<'static>,
    find: Statement<'static>,
    insert_one: Statement<'static>,
    wide: Statement<'static>,
    /// Multi-row INSERT for the stored rows, and the rows.
    insert_many: Option<Statement<'static>>,
    new_users: &'static [NewUser<'static>],
    new_user: Option<NewUser<'static>>,
    /// `... IN (?, ?, ..)` statements by number of keys.
    posts_in: HashMap<usize, Statement<'static>>,
    comments_in: HashMap<usize, Statement<'static>>,
}

pub const USERS: &str = "SELECT id, name, hair_color FROM users";
pub const USERS_POSTS: &str = "SELECT users.id, users.name, users.hair_color, posts.id, \
    posts.user_id, posts.title, posts.body FROM users LEFT OUTER JOIN posts ON posts.user_id = users.id \
    WHERE users.hair_color = ?";
pub const FIND: &str = "SELECT id, name, hair_color FROM users WHERE id = ?";
pub const INSERT_ONE: &str = "INSERT INTO users (name, hair_color) VALUES (?, ?)";
pub const WIDE: &str = "SELECT id, int_a, int_b, int_c, float_a, float_b, text_a, text_b, text_c, \
    text_d, flag_a, flag_b, day, created_at, updated_at, big FROM wide_rows";

fn user(r: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        name: r.get(1)?,
        hair_color: r.get(2)?,
    })
}

fn post(r: &Row<'_>, at: usize) -> rusqlite::Result<Post> {
    Ok(Post {
        id: r.get(at)?,
        user_id: r.get(at + 1)?,
        title: r.get(at + 2)?,
        body: r.get(at + 3)?,
    })
}

impl RawSqlite {
    pub fn open() -> Self {
        let conn: &'static Connection = Box::leak(Box::new(
            Connection::open_in_memory().expect("rusqlite: open"),
        ));
        conn.execute_batch(&crate::data::Backend::Sqlite.schema())
            .expect("rusqlite: schema");
        let prep = |sql: &str| conn.prepare(sql).expect("rusqlite: prepare");
        RawSqlite {
            conn,
            users: prep(USERS),
            users_posts: prep(USERS_POSTS),
            find: prep(FIND),
            insert_one: prep(INSERT_ONE),
            wide: prep(WIDE),
            insert_many: None,
            new_users: &[],
            new_user: None,
            posts_in: HashMap::new(),
            comments_in: HashMap::new(),
        }
    }
}

impl Contestant for RawSqlite {
    fn batch(&mut self, sql: &str) {
        self.conn.execute_batch(sql).expect("rusqlite: batch");
    }

    fn users(&mut self) -> Vec<User> {
        self.users
            .query_map([], user)
            .and_then(|rows| rows.collect())
            .expect("rusqlite: users")
    }

    fn users_posts(&mut self) -> Vec<(User, Option<Post>)> {
        self.users_posts
            .query_map(["black"], |r| {
                let p = match r.get::<_, Option<i32>>(3)? {
                    Some(_) => Some(post(r, 3)?),
                    None => None,
                };
                Ok((user(r)?, p))
            })
            .and_then(|rows| rows.collect())
            .expect("rusqlite: users_posts")
    }

    fn set_new_users(&mut self, rows: &'static [NewUser<'static>]) {
        let sql = format!(
            "INSERT INTO users (name, hair_color) VALUES {}",
            marks(rows.len(), |_| "(?, ?)".to_owned())
        );
        self.insert_many = Some(self.conn.prepare(&sql).expect("rusqlite: prepare"));
        self.new_users = rows;
    }

    fn insert_users(&mut self) -> u64 {
        let stmt = self.insert_many.as_mut().expect("set_new_users first");
        let params = self
            .new_users
            .iter()
            .flat_map(|u| [&u.name as &dyn ToSql, &u.hair_color as &dyn ToSql]);
        stmt.execute(params_from_iter(params))
            .expect("rusqlite: insert many") as u64
    }

    fn nested(&mut self) -> Nested {
        let users = self.users();
        let conn = self.conn;
        let ids: Vec<i32> = users.iter().map(|u| u.id).collect();
        let stmt = self.posts_in.entry(ids.len()).or_insert_with(|| {
            conn.prepare(&format!(
                "SELECT id, user_id, title, body FROM posts WHERE user_id IN ({})",
                marks(ids.len(), |_| "?".to_owned())
            ))
            .expect("rusqlite: prepare")
        });
        let posts: Vec<Post> = stmt
            .query_map(params_from_iter(&ids), |r| post(r, 0))
            .and_then(|rows| rows.collect())
            .expect("rusqlite: posts");
        let pids: Vec<i32> = posts.iter().map(|p| p.id).collect();
        let stmt = self.comments_in.entry(pids.len()).or_insert_with(|| {
            conn.prepare(&format!(
                "SELECT id, post_id, text FROM comments WHERE post_id IN ({})",
                marks(pids.len(), |_| "?".to_owned())
            ))
            .expect("rusqlite: prepare")
        });
        let comments: Vec<Comment> = stmt
            .query_map(params_from_iter(&pids), |r| {
                Ok(Comment {
                    id: r.get(0)?,
                    post_id: r.get(1)?,
                    text: r.get(2)?,
                })
            })
            .and_then(|rows| rows.collect())
            .expect("rusqlite: comments");
        group(users, posts, comments)
    }

    fn find(&mut self, id: i32) -> User {
        self.find.query_row([id], user).expect("rusqlite: find")
    }

    fn set_new_user(&mut self, row: NewUser<'static>) {
        self.new_user = Some(row);
    }

    fn insert_user(&mut self) -> i32 {
        let u = self.new_user.as_ref().expect("set_new_user first");
        self.insert_one
            .insert(params![u.name, u.hair_color])
            .expect("rusqlite: insert") as i32
    }

    fn wide(&mut self) -> Vec<Wide> {
        self.wide
            .query_map([], |r| {
                Ok(Wide {
                    id: r.get(0)?,
                    int_a: r.get(1)?,
                    int_b: r.get(2)?,
                    int_c: r.get(3)?,
                    float_a: r.get(4)?,
                    float_b: r.get(5)?,
                    text_a: r.get(6)?,
                    text_b: r.get(7)?,
                    text_c: r.get(8)?,
                    text_d: r.get(9)?,
                    flag_a: r.get(10)?,
                    flag_b: r.get(11)?,
                    day: r.get(12)?,
                    created_at: r.get(13)?,
                    updated_at: r.get(14)?,
                    big: r.get(15)?,
                })
            })
            .and_then(|rows| rows.collect())
            .expect("rusqlite: wide")
    }
}
