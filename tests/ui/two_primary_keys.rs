use orm::prelude::*;

#[derive(Model)]
struct User {
    #[db(primary_key)]
    email: String,
    #[db(primary_key)]
    login: String,
}

fn main() {}
