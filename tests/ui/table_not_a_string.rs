use orm::prelude::*;

#[derive(Model)]
#[db(table = 5)]
struct User {
    id: i64,
}

fn main() {}
