use orm::prelude::*;

#[derive(Model)]
#[db(unique(tenant, code, hash_sharded(buckets = 4), hash_sharded))]
struct Event {
    id: i64,
    tenant: i64,
    // Qualifies an index: without one it is an error.
    #[db(hash_sharded)]
    at: i64,
    #[db(index, hash_sharded = 16)]
    code: String,
    #[db(unique, hash_sharded(shards = 4))]
    name: String,
    #[db(index, hash_sharded())]
    kind: String,
    #[db(skip, hash_sharded)]
    cache: String,
}

fn main() {}
