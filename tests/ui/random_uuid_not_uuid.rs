use orm::prelude::*;

// random_uuid makes a UUID: the key must be a uuid::Uuid.
#[derive(Model)]
struct Device {
    #[db(primary_key, default = random_uuid)]
    code: String,
    name: String,
}

fn main() {}
