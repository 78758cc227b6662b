use orm::prelude::*;

#[derive(Model)]
struct Product {
    id: i64,
    #[db(size = 20)]
    price: i64,
}

#[derive(Model)]
struct Stock {
    id: i64,
    #[db(default = "none")]
    count: i32,
}

#[derive(Model)]
struct Shelf {
    id: i64,
    #[db(default = 70000)]
    slot: i16,
}

fn main() {}
