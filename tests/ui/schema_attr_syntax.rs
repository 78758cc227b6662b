use orm::prelude::*;

#[derive(Model)]
#[db(check = "price > 0")]
struct Product {
    #[db(default = 1)]
    id: i64,
    #[db(size = 0)]
    code: String,
    #[db(default = some_const)]
    price: i64,
    #[db(default = raw("1; DROP TABLE products"))]
    stock: i64,
    #[db(default = raw(1))]
    weight: f64,
}

fn main() {}
