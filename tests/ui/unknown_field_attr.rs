use orm::prelude::*;

#[derive(Model)]
struct User {
    id: i64,
    #[db(uniq)]
    email: String,
}

fn main() {}
