use orm::prelude::*;

// CockroachDB takes 2 to 2048 buckets: anything else fails to compile, at
// the number.
#[derive(Model)]
#[db(index(tenant, at, hash_sharded(buckets = 4096)))]
struct Event {
    id: i64,
    tenant: i64,
    #[db(index, hash_sharded(buckets = 1))]
    at: i64,
    #[db(unique, hash_sharded(buckets = 0))]
    serial: String,
}

fn main() {}
