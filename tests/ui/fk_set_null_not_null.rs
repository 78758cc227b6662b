use orm::prelude::*;

#[derive(Model, Default)]
struct User {
    id: i64,
}

#[derive(Model, Default)]
struct Post {
    id: i64,
    user_id: i64,
    #[db(on_delete = "set_null", on_update = "set_null")]
    user: BelongsTo<User>,
}

fn main() {}
