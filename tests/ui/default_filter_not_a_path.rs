use orm::prelude::*;

#[derive(Model)]
#[db(default_filter = "hidden = false")]
struct Doc {
    id: i64,
    hidden: bool,
}

fn main() {}
