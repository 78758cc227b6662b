use orm::prelude::*;

#[derive(Model)]
struct Post {
    id: i64,
    #[db(created_at)]
    created_at: String,
}

fn main() {}
