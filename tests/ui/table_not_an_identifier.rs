use orm::prelude::*;

#[derive(Model)]
#[db(table = "audit-log")]
struct Entry {
    id: i64,
}

fn main() {}
