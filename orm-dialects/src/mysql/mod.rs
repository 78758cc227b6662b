//! MySQL and MariaDB through the `mysql` crate (stub, being built).

use orm_core::{Connection, Error, Result};

/// Opens a MySQL or MariaDB connection from a URL.
pub fn open(url: &str) -> Result<Connection> {
    Err(Error::InvalidUrl(format!(
        "{url:?}: the mysql driver is not built yet"
    )))
}
