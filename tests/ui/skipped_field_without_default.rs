use orm::prelude::*;

struct Handle;

#[derive(Model)]
struct User {
    id: i64,
    #[db(skip)]
    handle: Handle,
}

fn main() {}
