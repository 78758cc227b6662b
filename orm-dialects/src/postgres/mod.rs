//! PostgreSQL and CockroachDB through the `postgres` crate (stub, being built).

use orm_core::{Connection, Error, Result};

/// Opens a PostgreSQL or CockroachDB connection from a URL.
pub fn open(url: &str) -> Result<Connection> {
    Err(Error::InvalidUrl(format!(
        "{url:?}: the postgres driver is not built yet"
    )))
}
