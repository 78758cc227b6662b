use orm::prelude::*;

#[derive(Model)]
struct User {
    id: i64,
    #[db(column = "a")]
    first: String,
    #[db(column = "a")]
    second: String,
}

fn main() {}
