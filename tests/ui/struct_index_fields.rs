// Indexes declared on the struct list two or more column fields, once each.
use orm::prelude::*;

#[derive(Model, Debug, Clone, Default)]
#[db(unique(shelf, nope), index(shelf, shelf), unique(slot), index)]
struct Placement {
    id: i64,
    shelf: i64,
    slot: i32,
}

fn main() {}
