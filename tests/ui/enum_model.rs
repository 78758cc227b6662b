use orm::prelude::*;

#[derive(Model)]
enum User {
    Active { id: i64 },
    Banned { id: i64 },
}

fn main() {}
