use orm::prelude::*;

#[derive(Model, Default)]
struct Post {
    id: i64,
    writer_id: i64,
}

#[derive(Model, Default)]
struct User {
    id: i64,
    posts: HasMany<Post>,
}

fn main() {}
