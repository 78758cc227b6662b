use orm::prelude::*;

#[derive(Model)]
struct User {
    email: String,
    name: String,
}

fn main() {}
