use orm::prelude::*;

#[derive(Model)]
#[db(tabel = "x")]
struct User {
    id: i64,
}

fn main() {}
