//! Diesel 2.3, sync, typed DSL, written as its guide writes it. The code is
//! the same on every backend except "insert one, key back" (RETURNING on
//! SQLite and PostgreSQL, `LAST_INSERT_ID()` on MySQL), so a macro stamps
//! one module per connection type.

macro_rules! diesel_side {
    ($module:ident, $feature:literal, $conn:ty, |$c:ident, $u:ident| $insert_one:block) => {
        #[cfg(feature = $feature)]
        pub mod $module {
            use crate::contestant::Contestant;
            use crate::data::{
                posts, users, wide_rows, Comment, Nested, NewUser, Post, User, Wide,
            };
            use diesel::connection::SimpleConnection;
            use diesel::prelude::*;

            pub struct DieselSide {
                conn: $conn,
                new_users: &'static [NewUser<'static>],
                new_user: Option<NewUser<'static>>,
            }

            impl DieselSide {
                pub fn open(url: &str) -> Self {
                    DieselSide {
                        conn: <$conn>::establish(url).expect("diesel: connect"),
                        new_users: &[],
                        new_user: None,
                    }
                }
            }

            impl Contestant for DieselSide {
                fn batch(&mut self, sql: &str) {
                    self.conn.batch_execute(sql).expect("diesel: batch");
                }

                fn users(&mut self) -> Vec<User> {
                    users::table
                        .select(User::as_select())
                        .load(&mut self.conn)
                        .expect("diesel: users")
                }

                fn users_posts(&mut self) -> Vec<(User, Option<Post>)> {
                    users::table
                        .left_join(posts::table)
                        .filter(users::hair_color.eq("black"))
                        .select((User::as_select(), Option::<Post>::as_select()))
                        .load(&mut self.conn)
                        .expect("diesel: users LEFT JOIN posts")
                }

                fn set_new_users(&mut self, rows: &'static [NewUser<'static>]) {
                    self.new_users = rows;
                }

                fn insert_users(&mut self) -> u64 {
                    diesel::insert_into(users::table)
                        .values(self.new_users)
                        .execute(&mut self.conn)
                        .expect("diesel: insert many") as u64
                }

                fn nested(&mut self) -> Nested {
                    let conn = &mut self.conn;
                    let users = users::table
                        .select(User::as_select())
                        .load(conn)
                        .expect("diesel: users");
                    let posts = Post::belonging_to(&users)
                        .select(Post::as_select())
                        .load(conn)
                        .expect("diesel: posts");
                    let comments = Comment::belonging_to(&posts)
                        .select(Comment::as_select())
                        .load(conn)
                        .expect("diesel: comments");
                    let comments = comments.grouped_by(&posts);
                    let posts_and_comments = posts.into_iter().zip(comments).grouped_by(&users);
                    users.into_iter().zip(posts_and_comments).collect()
                }

                fn find(&mut self, id: i32) -> User {
                    users::table
                        .find(id)
                        .select(User::as_select())
                        .first(&mut self.conn)
                        .expect("diesel: find")
                }

                fn set_new_user(&mut self, row: NewUser<'static>) {
                    self.new_user = Some(row);
                }

                fn insert_user(&mut self) -> i32 {
                    let $c = &mut self.conn;
                    let $u = self.new_user.as_ref().expect("set_new_user first");
                    $insert_one
                }

                fn wide(&mut self) -> Vec<Wide> {
                    wide_rows::table
                        .select(Wide::as_select())
                        .load(&mut self.conn)
                        .expect("diesel: wide")
                }
            }
        }
    };
}

diesel_side!(sqlite, "sqlite", diesel::SqliteConnection, |conn, u| {
    diesel::insert_into(users::table)
        .values(u)
        .returning(users::id)
        .get_result(conn)
        .expect("diesel: insert")
});

diesel_side!(postgres, "postgres", diesel::PgConnection, |conn, u| {
    diesel::insert_into(users::table)
        .values(u)
        .returning(users::id)
        .get_result(conn)
        .expect("diesel: insert")
});

diesel_side!(mysql, "mysql", diesel::MysqlConnection, |conn, u| {
    use diesel::sql_types::{BigInt, Unsigned};
    diesel::insert_into(users::table)
        .values(u)
        .execute(conn)
        .expect("diesel: insert");
    diesel::select(diesel::dsl::sql::<Unsigned<BigInt>>("LAST_INSERT_ID()"))
        .get_result::<u64>(conn)
        .expect("diesel: LAST_INSERT_ID()") as i32
});
