use orm::prelude::*;

// The database makes the primary key only: orm writes every other column.
#[derive(Model)]
struct Device {
    id: i64,
    #[db(default = random_uuid)]
    token: String,
}

// A composite key is never generated.
#[derive(Model)]
struct Line {
    #[db(primary_key, default = random_uuid)]
    order: String,
    #[db(primary_key)]
    line: i32,
}

fn main() {}
