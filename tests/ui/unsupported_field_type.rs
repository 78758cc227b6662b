use orm::prelude::*;

#[derive(Model)]
struct User {
    id: i64,
    tags: std::collections::HashMap<String, String>,
}

fn main() {}
