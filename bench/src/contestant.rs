//! What each contestant implements: one method per workload that returns
//! the result in the plain structs of [`crate::data`] (compared with raw's
//! before anything is timed), and a timed variant that returns only a size,
//! so that a contestant whose natural result is another type (orm's models)
//! is not charged for a conversion.

use crate::data::{Nested, NewUser, Post, User, Wide};
use std::hint::black_box;

pub trait Contestant {
    /// Runs a setup script (`;`-separated statements, no parameters).
    fn batch(&mut self, sql: &str);

    /// W1: every user.
    fn users(&mut self) -> Vec<User>;
    /// W2: users with black hair LEFT JOIN their posts.
    fn users_posts(&mut self) -> Vec<(User, Option<Post>)>;
    /// W3: stores the rows that [`Contestant::insert_users`] inserts (not timed).
    fn set_new_users(&mut self, rows: &'static [NewUser<'static>]);
    /// W3: inserts the stored rows in one statement; returns the rows inserted.
    fn insert_users(&mut self) -> u64;
    /// W4: users → posts → comments.
    fn nested(&mut self) -> Nested;
    /// W5: one user by key.
    fn find(&mut self, id: i32) -> User;
    /// W6: stores the row that [`Contestant::insert_user`] inserts (not timed).
    fn set_new_user(&mut self, row: NewUser<'static>);
    /// W6: inserts the stored row; returns its generated key.
    fn insert_user(&mut self) -> i32;
    /// W7: every row of the 16-column table.
    fn wide(&mut self) -> Vec<Wide>;

    fn t_users(&mut self) -> usize {
        black_box(self.users()).len()
    }
    fn t_users_posts(&mut self) -> usize {
        black_box(self.users_posts()).len()
    }
    fn t_nested(&mut self) -> usize {
        black_box(self.nested()).len()
    }
    fn t_find(&mut self, id: i32) -> usize {
        black_box(self.find(id)).id as usize
    }
    fn t_wide(&mut self) -> usize {
        black_box(self.wide()).len()
    }
}
