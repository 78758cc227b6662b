use orm::prelude::*;

#[derive(Model)]
struct User {
    id: i64,
    #[db(skip, primary_key)]
    code: String,
}

fn main() {}
