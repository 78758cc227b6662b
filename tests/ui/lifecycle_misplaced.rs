use chrono::{DateTime, Utc};
use orm::prelude::*;

#[derive(Model)]
struct Post {
    #[db(version)]
    id: i64,
    #[db(updated_at)]
    changed: DateTime<Utc>,
    #[db(updated_at)]
    modified: DateTime<Utc>,
    #[db(created_at, updated_at)]
    stamped: DateTime<Utc>,
    #[db(soft_delete, soft_delete)]
    deleted_at: Option<DateTime<Utc>>,
    #[db(skip, created_at)]
    cached: Option<DateTime<Utc>>,
}

fn main() {}
