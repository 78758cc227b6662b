// #[db(partial)] needs `unique` and a soft-delete column.
use orm::prelude::*;

#[derive(Model, Debug, Clone, Default)]
struct Subscriber {
    id: i64,
    #[db(unique, partial)]
    email: String,
    #[db(partial)]
    name: String,
}

fn main() {}
