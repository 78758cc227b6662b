use orm::prelude::*;

#[derive(Model)]
struct Membership {
    #[db(primary_key)]
    group_id: i64,
    #[db(primary_key)]
    user_id: Option<i64>,
}

fn main() {}
