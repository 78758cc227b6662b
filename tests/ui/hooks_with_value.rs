// #[db(hooks)] is a flag.
use orm::prelude::*;

#[derive(Model, Debug, Clone, Default)]
#[db(hooks = "yes")]
struct Account {
    id: i64,
    balance: i64,
}

fn main() {}
