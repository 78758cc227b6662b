//! The floor on PostgreSQL: the `postgres` crate by hand, statements
//! prepared once outside the timed loop, rows streamed (`query_raw`),
//! columns read by index, into the plain structs.

use crate::contestant::Contestant;
use crate::data::{group, marks, Comment, Nested, NewUser, Post, User, Wide};
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::{Client, NoTls, Row, Statement};

pub struct RawPg {
    client: Client,
    users: Statement,
    users_posts: Statement,
    find: Statement,
    insert_one: Statement,
    wide: Statement,
    posts_in: Statement,
    comments_in: Statement,
    insert_many: Option<Statement>,
    new_users: &'static [NewUser<'static>],
    new_user: Option<NewUser<'static>>,
}

const NONE: [&(dyn ToSql + Sync); 0] = [];

fn user(r: &Row) -> User {
    User {
        id: r.get(0),
        name: r.get(1),
        hair_color: r.get(2),
    }
}

fn post(r: &Row, at: usize) -> Post {
    Post {
        id: r.get(at),
        user_id: r.get(at + 1),
        title: r.get(at + 2),
        body: r.get(at + 3),
    }
}

impl RawPg {
    pub fn open(url: &str) -> Self {
        let mut client = Client::connect(url, NoTls).expect("postgres: connect");
        client
            .batch_execute(&crate::data::Backend::Postgres.schema())
            .expect("postgres: schema");
        let mut prep = |sql: &str| client.prepare(sql).expect("postgres: prepare");
        let users = prep("SELECT id, name, hair_color FROM users");
        let users_posts = prep(
            "SELECT users.id, users.name, users.hair_color, posts.id, posts.user_id, posts.title, \
             posts.body FROM users LEFT OUTER JOIN posts ON posts.user_id = users.id \
             WHERE users.hair_color = $1",
        );
        let find = prep("SELECT id, name, hair_color FROM users WHERE id = $1");
        let insert_one = prep("INSERT INTO users (name, hair_color) VALUES ($1, $2) RETURNING id");
        let wide = prep(
            "SELECT id, int_a, int_b, int_c, float_a, float_b, text_a, text_b, text_c, text_d, \
             flag_a, flag_b, day, created_at, updated_at, big FROM wide_rows",
        );
        let posts_in = prep("SELECT id, user_id, title, body FROM posts WHERE user_id = ANY($1)");
        let comments_in = prep("SELECT id, post_id, text FROM comments WHERE post_id = ANY($1)");
        RawPg {
            client,
            users,
            users_posts,
            find,
            insert_one,
            wide,
            posts_in,
            comments_in,
            insert_many: None,
            new_users: &[],
            new_user: None,
        }
    }

    fn collect<T>(
        &mut self,
        stmt: &Statement,
        params: &[&(dyn ToSql + Sync)],
        f: impl Fn(&Row) -> T,
    ) -> Vec<T> {
        self.client
            .query_raw(stmt, params.iter().copied())
            .and_then(|rows| rows.map(|r| Ok(f(&r))).collect())
            .expect("postgres: query")
    }
}

impl Contestant for RawPg {
    fn batch(&mut self, sql: &str) {
        self.client.batch_execute(sql).expect("postgres: batch");
    }

    fn users(&mut self) -> Vec<User> {
        let stmt = self.users.clone();
        self.collect(&stmt, &NONE, user)
    }

    fn users_posts(&mut self) -> Vec<(User, Option<Post>)> {
        let stmt = self.users_posts.clone();
        self.collect(&stmt, &[&"black"], |r| {
            let p = r.get::<_, Option<i32>>(3).map(|_| post(r, 3));
            (user(r), p)
        })
    }

    fn set_new_users(&mut self, rows: &'static [NewUser<'static>]) {
        let sql = format!(
            "INSERT INTO users (name, hair_color) VALUES {}",
            marks(rows.len(), |i| format!("(${}, ${})", 2 * i - 1, 2 * i))
        );
        self.insert_many = Some(self.client.prepare(&sql).expect("postgres: prepare"));
        self.new_users = rows;
    }

    fn insert_users(&mut self) -> u64 {
        let stmt = self.insert_many.clone().expect("set_new_users first");
        let params: Vec<&(dyn ToSql + Sync)> = self
            .new_users
            .iter()
            .flat_map(|u| [&u.name as &(dyn ToSql + Sync), &u.hair_color])
            .collect();
        self.client
            .execute(&stmt, &params)
            .expect("postgres: insert many")
    }

    fn nested(&mut self) -> Nested {
        let users = self.users();
        let ids: Vec<i32> = users.iter().map(|u| u.id).collect();
        let stmt = self.posts_in.clone();
        let posts = self.collect(&stmt, &[&ids], |r| post(r, 0));
        let pids: Vec<i32> = posts.iter().map(|p| p.id).collect();
        let stmt = self.comments_in.clone();
        let comments = self.collect(&stmt, &[&pids], |r| Comment {
            id: r.get(0),
            post_id: r.get(1),
            text: r.get(2),
        });
        group(users, posts, comments)
    }

    fn find(&mut self, id: i32) -> User {
        let row = self
            .client
            .query_one(&self.find, &[&id])
            .expect("postgres: find");
        user(&row)
    }

    fn set_new_user(&mut self, row: NewUser<'static>) {
        self.new_user = Some(row);
    }

    fn insert_user(&mut self) -> i32 {
        let u = self.new_user.as_ref().expect("set_new_user first");
        self.client
            .query_one(&self.insert_one, &[&u.name, &u.hair_color])
            .expect("postgres: insert")
            .get(0)
    }

    fn wide(&mut self) -> Vec<Wide> {
        let stmt = self.wide.clone();
        self.collect(&stmt, &NONE, |r| Wide {
            id: r.get(0),
            int_a: r.get(1),
            int_b: r.get(2),
            int_c: r.get(3),
            float_a: r.get(4),
            float_b: r.get(5),
            text_a: r.get(6),
            text_b: r.get(7),
            text_c: r.get(8),
            text_d: r.get(9),
            flag_a: r.get(10),
            flag_b: r.get(11),
            day: r.get(12),
            created_at: r.get(13),
            updated_at: r.get(14),
            big: r.get(15),
        })
    }
}
