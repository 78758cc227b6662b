use orm::prelude::*;

#[derive(Model, Default)]
struct Comment {
    id: i64,
    post_id: i64,
}

#[derive(Model, Default)]
struct Post {
    id: i64,
    #[db(on_delete = "cascade")]
    title: String,
    #[db(on_update = "restrict")]
    comments: HasMany<Comment>,
    #[db(no_constraint)]
    #[db(skip)]
    note: String,
}

fn main() {}
