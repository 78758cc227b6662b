// Hooks implemented without #[db(hooks)] would never fire: refused.
use orm::prelude::*;
use orm::Hooks;

#[derive(Model, Debug, Clone, Default)]
struct Account {
    id: i64,
    balance: i64,
}

impl Hooks for Account {}

fn main() {}
