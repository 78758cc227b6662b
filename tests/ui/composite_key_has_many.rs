use orm::prelude::*;

#[derive(Model, Default)]
struct Note {
    id: i64,
    membership_id: i64,
}

#[derive(Model)]
struct Membership {
    #[db(primary_key)]
    group_id: i64,
    #[db(primary_key)]
    user_id: i64,
    notes: HasMany<Note>,
}

fn main() {}
