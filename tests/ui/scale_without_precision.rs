use orm::prelude::*;

#[derive(Model)]
struct Product {
    id: i64,
    #[db(scale = 2)]
    price: i64,
}

fn main() {}
