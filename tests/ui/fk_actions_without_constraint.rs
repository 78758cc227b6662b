use orm::prelude::*;

#[derive(Model, Default)]
struct User {
    id: i64,
}

#[derive(Model, Default)]
struct Post {
    id: i64,
    user_id: i64,
    #[db(no_constraint, on_delete = "cascade")]
    user: BelongsTo<User>,
    #[db(no_constraint = true)]
    other: BelongsTo<User>,
    other_id: i64,
}

fn main() {}
