use orm::prelude::*;

#[derive(Model)]
struct Sheep {
    id: i64,
}

fn main() {}
