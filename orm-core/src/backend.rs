//! The driver interface: what each database driver implements. The driver
//! owns the native connection and its prepared-statement cache; logging,
//! counting and transactions are done once, in [`Connection`].
//!
//! [`Connection`]: crate::Connection

use crate::dialect::Dialect;
use crate::error::Result;
use crate::row::Row;
use crate::value::Value;

/// A stream of result rows. Each row is borrowed until the next call.
pub trait RowStream {
    /// The next row, or `None` at the end.
    fn next_row(&mut self) -> Result<Option<&dyn Row>>;
}

/// A native database connection. Statements are prepared through a cache
/// keyed by SQL text.
pub trait Backend: Send {
    /// The dialect of this connection.
    fn dialect(&self) -> &'static dyn Dialect;

    /// Runs a statement and returns the number of rows it changed.
    fn execute(&self, sql: &str, params: &[Value]) -> Result<u64>;

    /// Runs an INSERT and returns the generated key, if any: through
    /// `RETURNING` when the dialect says so, otherwise through the driver.
    fn insert(&self, sql: &str, params: &[Value]) -> Result<Option<i64>>;

    /// Runs a query and streams its rows.
    fn query<'a>(&'a self, sql: &str, params: &[Value]) -> Result<Box<dyn RowStream + 'a>>;

    /// Runs statements without parameters, separated by `;`.
    fn execute_batch(&self, sql: &str) -> Result<()>;

    /// Sets how many prepared statements are kept.
    fn set_statement_cache_capacity(&self, capacity: usize);

    /// Whether the connection still works (used by pools before reuse).
    fn is_healthy(&self) -> bool {
        self.execute_batch("SELECT 1").is_ok()
    }
}
