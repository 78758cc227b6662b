use orm::prelude::*;

#[derive(Model)]
struct Post {
    id: i64,
    #[db(version)]
    version: Option<i64>,
}

fn main() {}
