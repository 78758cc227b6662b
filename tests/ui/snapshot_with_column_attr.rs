use orm::prelude::*;

#[derive(Model)]
struct User {
    id: i64,
    #[db(unique)]
    changes: Snapshot,
}

fn main() {}
