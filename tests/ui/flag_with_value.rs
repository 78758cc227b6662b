use orm::prelude::*;

#[derive(Model)]
struct User {
    id: i64,
    #[db(skip = true)]
    cache: String,
}

fn main() {}
