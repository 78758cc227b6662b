use orm::prelude::*;

#[derive(Model)]
struct User {
    id: i64,
    #[db(column = "")]
    email: String,
}

fn main() {}
