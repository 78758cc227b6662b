use orm::prelude::*;

#[derive(Model, Default)]
struct User {
    id: i64,
}

#[derive(Model, Default)]
struct Post {
    id: i64,
    author_id: i64,
    #[db(join = "cross")]
    author: BelongsTo<User>,
}

fn main() {}
