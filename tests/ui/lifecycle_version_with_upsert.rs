use orm::prelude::*;

#[derive(Model)]
struct Setting {
    #[db(primary_key)]
    name: String,
    value: String,
    #[db(version)]
    version: i32,
}

fn main() {}
