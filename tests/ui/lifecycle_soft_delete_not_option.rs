use chrono::{DateTime, Utc};
use orm::prelude::*;

#[derive(Model)]
struct Post {
    id: i64,
    #[db(soft_delete)]
    deleted_at: DateTime<Utc>,
}

fn main() {}
