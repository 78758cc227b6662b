use orm::prelude::*;

#[derive(Model, Default)]
struct User {
    id: i64,
}

#[orm::scopes]
impl Users {
    pub fn everyone(self) -> Self {
        self
    }
}

fn main() {}
