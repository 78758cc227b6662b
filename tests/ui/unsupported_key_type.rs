use orm::prelude::*;

#[derive(Model)]
struct Measure {
    #[db(primary_key)]
    code: f64,
    label: String,
}

fn main() {}
