use orm::prelude::*;

#[derive(Model)]
#[db(table = users, mapper = "Users")]
struct User {
    id: i64,
}

fn main() {}
