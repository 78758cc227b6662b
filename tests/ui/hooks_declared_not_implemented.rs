// #[db(hooks)] without an `impl Hooks`: refused.
use orm::prelude::*;

#[derive(Model, Debug, Clone, Default)]
#[db(hooks)]
struct Account {
    id: i64,
    balance: i64,
}

fn main() {}
