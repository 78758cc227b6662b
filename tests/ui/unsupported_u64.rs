use orm::prelude::*;

#[derive(Model)]
struct Counter {
    id: i64,
    hits: u64,
}

fn main() {}
