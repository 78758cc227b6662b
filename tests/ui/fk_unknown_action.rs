use orm::prelude::*;

#[derive(Model, Default)]
struct User {
    id: i64,
}

#[derive(Model, Default)]
struct Post {
    id: i64,
    user_id: i64,
    editor_id: i64,
    #[db(on_delete = "delete")]
    user: BelongsTo<User>,
    #[db(on_update = cascade)]
    editor: BelongsTo<User>,
}

fn main() {}
