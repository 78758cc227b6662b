use orm::prelude::*;

#[derive(Model)]
#[db(table = "users")]
#[db(table = "people")]
struct User {
    id: i64,
}

fn main() {}
