//! orm, written as a user would write it: derived models with relations,
//! mappers and scopes. The same code runs on every backend.

use crate::contestant::Contestant;
use crate::data::{self, Nested, NewUser};
use orm::prelude::*;
use std::hint::black_box;

/// The models, as an application would declare them.
pub mod m {
    use chrono::{NaiveDate, NaiveDateTime};
    use orm::prelude::*;

    #[derive(Model, Debug, Clone, Default)]
    pub struct User {
        pub id: i32,
        pub name: String,
        pub hair_color: Option<String>,
        pub posts: HasMany<Post>,
    }

    #[derive(Model, Debug, Clone, Default)]
    pub struct Post {
        pub id: i32,
        pub user_id: i32,
        pub title: String,
        pub body: Option<String>,
        pub comments: HasMany<Comment>,
    }

    #[derive(Model, Debug, Clone, Default)]
    pub struct Comment {
        pub id: i32,
        pub post_id: i32,
        pub text: String,
    }

    #[derive(Model, Debug, Clone, Default)]
    #[db(table = "wide_rows")]
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

    #[orm::scopes]
    impl UserScope {
        /// Users with black hair.
        pub fn black_haired(self) -> Self {
            self.filter(Users::HAIR_COLOR.eq("black"))
        }
    }
}

use m::{Posts, Users, WideRows};

pub struct OrmSide {
    conn: Connection,
    new_users: Vec<m::User>,
    new_user: m::User,
}

impl OrmSide {
    pub fn open(url: &str) -> Self {
        OrmSide {
            conn: Connection::open(url).expect("orm: open"),
            new_users: Vec::new(),
            new_user: m::User::default(),
        }
    }

    fn load_users(&self) -> Vec<m::User> {
        Users::load_all(&self.conn).expect("orm: users")
    }

    fn load_users_posts(&self) -> Vec<(m::User, Option<m::Post>)> {
        Users::black_haired()
            .all_joined(&self.conn, Users::POSTS)
            .expect("orm: users LEFT JOIN posts")
    }

    fn load_nested(&self) -> Vec<m::User> {
        Users::all()
            .include(Users::POSTS.then(Posts::COMMENTS))
            .all(&self.conn)
            .expect("orm: include")
    }

    fn load_wide(&self) -> Vec<m::Wide> {
        WideRows::load_all(&self.conn).expect("orm: wide")
    }
}

fn user(u: m::User) -> data::User {
    data::User {
        id: u.id,
        name: u.name,
        hair_color: u.hair_color,
    }
}

fn post(p: &m::Post) -> data::Post {
    data::Post {
        id: p.id,
        user_id: p.user_id,
        title: p.title.clone(),
        body: p.body.clone(),
    }
}

impl Contestant for OrmSide {
    fn batch(&mut self, sql: &str) {
        self.conn.execute_batch(sql).expect("orm: batch");
    }

    fn users(&mut self) -> Vec<data::User> {
        self.load_users().into_iter().map(user).collect()
    }

    fn users_posts(&mut self) -> Vec<(data::User, Option<data::Post>)> {
        self.load_users_posts()
            .into_iter()
            .map(|(u, p)| (user(u), p.as_ref().map(post)))
            .collect()
    }

    fn set_new_users(&mut self, rows: &'static [NewUser<'static>]) {
        self.new_users = rows
            .iter()
            .map(|r| m::User {
                name: r.name.to_owned(),
                hair_color: r.hair_color.map(str::to_owned),
                ..Default::default()
            })
            .collect();
    }

    fn insert_users(&mut self) -> u64 {
        Users::insert_all(&self.conn, &self.new_users).expect("orm: insert_all")
    }

    fn nested(&mut self) -> Nested {
        self.load_nested()
            .into_iter()
            .map(|u| {
                let posts = u
                    .posts
                    .get()
                    .expect("posts not loaded")
                    .iter()
                    .map(|p| {
                        let comments = p
                            .comments
                            .get()
                            .expect("comments not loaded")
                            .iter()
                            .map(|c| data::Comment {
                                id: c.id,
                                post_id: c.post_id,
                                text: c.text.clone(),
                            })
                            .collect();
                        (post(p), comments)
                    })
                    .collect();
                (user(u), posts)
            })
            .collect()
    }

    fn find(&mut self, id: i32) -> data::User {
        user(Users::find(&self.conn, id).expect("orm: find"))
    }

    fn set_new_user(&mut self, row: NewUser<'static>) {
        self.new_user = m::User {
            name: row.name.to_owned(),
            hair_color: row.hair_color.map(str::to_owned),
            ..Default::default()
        };
    }

    fn insert_user(&mut self) -> i32 {
        // The same record saved again and again: a zero key means "new".
        self.new_user.id = 0;
        self.new_user.save(&self.conn).expect("orm: save");
        self.new_user.id
    }

    fn wide(&mut self) -> Vec<data::Wide> {
        self.load_wide()
            .into_iter()
            .map(|w| data::Wide {
                id: w.id,
                int_a: w.int_a,
                int_b: w.int_b,
                int_c: w.int_c,
                float_a: w.float_a,
                float_b: w.float_b,
                text_a: w.text_a,
                text_b: w.text_b,
                text_c: w.text_c,
                text_d: w.text_d,
                flag_a: w.flag_a,
                flag_b: w.flag_b,
                day: w.day,
                created_at: w.created_at,
                updated_at: w.updated_at,
                big: w.big,
            })
            .collect()
    }

    fn t_users(&mut self) -> usize {
        black_box(self.load_users()).len()
    }
    fn t_users_posts(&mut self) -> usize {
        black_box(self.load_users_posts()).len()
    }
    fn t_nested(&mut self) -> usize {
        black_box(self.load_nested()).len()
    }
    fn t_find(&mut self, id: i32) -> usize {
        black_box(Users::find(&self.conn, id).expect("orm: find")).id as usize
    }
    fn t_wide(&mut self) -> usize {
        black_box(self.load_wide()).len()
    }
}
