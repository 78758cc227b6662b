//! The driver interface: what each database driver implements. The driver
//! owns the native connection and its prepared-statement cache; logging,
//! counting and transactions are done once, in [`Connection`].
//!
//! [`Connection`]: crate::Connection

use std::fmt;

use crate::dialect::Dialect;
use crate::error::Result;
use crate::model::ColumnDef;
use crate::row::Row;
use crate::transaction::TxOptions;
use crate::value::{Value, ValueRef};

/// The bound parameters of a statement, borrowed: a slice of owned values,
/// or a record's fields read in place (so saving a record copies nothing).
pub trait Params {
    /// Number of parameters.
    fn len(&self) -> usize;
    /// Parameter `idx` (0-based).
    fn get(&self, idx: usize) -> ValueRef<'_>;
    /// The table and column parameter `idx` is written to, when known: for
    /// per-column checks and for naming the column in errors.
    fn target(&self, idx: usize) -> Option<(&'static str, &'static ColumnDef)> {
        let _ = idx;
        None
    }
    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Calls `f` with every parameter in order: its index, its value and
    /// its [`target`](Params::target); stops at the first error.
    /// [`Connection`](crate::Connection) checks a batch of values through
    /// it (a few by index: a closure call per value costs more than it
    /// saves there). The default reads [`get`](Params::get) and
    /// [`target`](Params::target) per index; parameters that can walk
    /// their values faster (a batch of records, row after row) override it.
    fn each<'v>(&'v self, f: &mut EachParam<'_, 'v>) -> Result<()> {
        for i in 0..self.len() {
            f(i, self.get(i), self.target(i))?;
        }
        Ok(())
    }
}

/// What [`Params::each`] calls for each parameter: its index, its value
/// (borrowed for `'v`, as long as the parameters are: a driver may keep
/// it, to bind later) and its target table and column, when known.
pub type EachParam<'f, 'v> =
    dyn FnMut(usize, ValueRef<'v>, Option<(&'static str, &'static ColumnDef)>) -> Result<()> + 'f;

/// [`Params::each`] over owned values, which have no target.
fn each_value<'v>(values: &'v [Value], f: &mut EachParam<'_, 'v>) -> Result<()> {
    for (i, v) in values.iter().enumerate() {
        f(i, v.as_ref(), None)?;
    }
    Ok(())
}

/// `Params` of a list of owned values.
macro_rules! value_params {
    ($(<$(const $n:ident: usize)?> $t:ty),*) => {$(
        impl<$(const $n: usize)?> Params for $t {
            fn len(&self) -> usize {
                <[Value]>::len(self)
            }
            fn get(&self, idx: usize) -> ValueRef<'_> {
                self[idx].as_ref()
            }
            fn each<'v>(&'v self, f: &mut EachParam<'_, 'v>) -> Result<()> {
                each_value(self, f)
            }
        }
    )*};
}

value_params!(<> &[Value], <const N: usize> [Value; N], <> Vec<Value>);

impl fmt::Debug for dyn Params + '_ {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries((0..self.len()).map(|i| self.get(i)))
            .finish()
    }
}

/// Called for each row of [`Backend::query_each`]; returns whether to go on.
pub type RowCallback<'f> = dyn FnMut(&mut dyn Row) -> Result<bool> + 'f;

/// A stream of result rows. Each row is borrowed until the next call.
pub trait RowStream {
    /// The next row, or `None` at the end.
    fn next_row(&mut self) -> Result<Option<&mut dyn Row>>;
}

/// How an INSERT's generated key comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GeneratedKey {
    /// No key is generated (or none is wanted).
    None,
    /// The statement ends in `RETURNING key`: the first column of its row.
    Returning,
    /// The driver reports it (SQLite's `last_insert_rowid`, MySQL's
    /// `LAST_INSERT_ID`).
    LastInsertId,
}

impl GeneratedKey {
    /// How `dialect` gives back a key the database generates, if `wanted`.
    pub(crate) fn of(dialect: &dyn Dialect, wanted: bool) -> Self {
        match (wanted, dialect.insert_returning()) {
            (false, _) => GeneratedKey::None,
            (true, true) => GeneratedKey::Returning,
            (true, false) => GeneratedKey::LastInsertId,
        }
    }
}

/// A transaction-control operation: what [`Backend::transaction`] is asked
/// to do. The driver knows what it runs, so it never re-reads SQL to find
/// out; the SQL text of each operation is the dialect's
/// ([`Dialect::tx_statements`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TxControl<'a> {
    /// Starts the outermost transaction with these options.
    Begin(&'a TxOptions),
    /// Commits the outermost transaction. A connection lost here leaves
    /// the outcome unknown: the caller reports it as
    /// [`Error::AmbiguousCommit`](crate::Error::AmbiguousCommit).
    Commit,
    /// Rolls back the outermost transaction.
    Rollback,
    /// Undoes per-transaction settings after the outermost transaction
    /// ended (SQLite's `query_only`); sent only after a transaction started
    /// with options other than the default.
    End(&'a TxOptions),
    /// Sets a savepoint (an orm-generated ASCII identifier).
    Savepoint(&'a str),
    /// Releases a savepoint.
    ReleaseSavepoint(&'a str),
    /// Rolls back to a savepoint, keeping it.
    RollbackToSavepoint(&'a str),
}

impl fmt::Display for TxControl<'_> {
    /// How the operation is logged.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TxControl::Begin(o) if **o == TxOptions::default() => f.write_str("transaction: begin"),
            TxControl::Begin(o) => write!(f, "transaction: begin {o:?}"),
            TxControl::Commit => f.write_str("transaction: commit"),
            TxControl::Rollback => f.write_str("transaction: rollback"),
            TxControl::End(_) => f.write_str("transaction: end"),
            TxControl::Savepoint(n) => write!(f, "transaction: savepoint {n}"),
            TxControl::ReleaseSavepoint(n) => write!(f, "transaction: release savepoint {n}"),
            TxControl::RollbackToSavepoint(n) => {
                write!(f, "transaction: rollback to savepoint {n}")
            }
        }
    }
}

/// A native database connection. Statements are prepared through a cache
/// keyed by SQL text.
pub trait Backend: Send {
    /// The dialect of this connection.
    fn dialect(&self) -> &'static dyn Dialect;

    /// Runs a statement and returns the number of rows it changed.
    fn execute(&self, sql: &str, params: &dyn Params) -> Result<u64>;

    /// Runs an INSERT and returns its generated key, read as `key` says
    /// (decided once, from the dialect, by the statement compiler): the
    /// first column of the row `RETURNING` gives, the driver's last insert
    /// id, or none.
    fn insert(&self, sql: &str, params: &dyn Params, key: GeneratedKey) -> Result<Option<i64>>;

    /// Runs a query and calls `f` with each row until it returns `false`:
    /// the fast path, used for every query whose rows are consumed at once.
    fn query_each(&self, sql: &str, params: &dyn Params, f: &mut RowCallback<'_>) -> Result<()>;

    /// Runs a query and streams its rows, for iterators that outlive the call.
    fn query<'a>(&'a self, sql: &str, params: &dyn Params) -> Result<Box<dyn RowStream + 'a>>;

    /// Runs statements without parameters, separated by `;`.
    fn execute_batch(&self, sql: &str) -> Result<()>;

    /// Whether this driver checks every bound value with a
    /// [`ValueCheck`](crate::driver::ValueCheck) of its dialect as it binds
    /// it, before the statement runs, reading each value once; the
    /// connection then checks only the number of parameters. `false` by
    /// default: the connection checks every value before the call. A
    /// driver that says `true` returns
    /// [`Error::UnrepresentableValue`](crate::Error::UnrepresentableValue)
    /// only from that check: the connection then counts and logs no
    /// statement (nothing ran), as when it refuses a value itself.
    fn checks_values(&self) -> bool {
        false
    }

    /// Runs a transaction-control operation: the dialect's statements for
    /// it ([`Dialect::tx_statements`]) through
    /// [`execute_batch`](Self::execute_batch) by default. Drivers override
    /// it to run them without the checks a user's batch needs.
    fn transaction(&self, op: TxControl<'_>) -> Result<()> {
        for stmt in self.dialect().tx_statements(op)? {
            self.execute_batch(&stmt)?;
        }
        Ok(())
    }

    /// What schema sync reads from this database. The default has no
    /// catalogue: sync is refused with a typed error.
    fn catalogue(&self) -> &'static dyn crate::schema::Catalogue {
        &crate::schema::NoCatalogue
    }

    /// Sets how many prepared statements are kept.
    fn set_statement_cache_capacity(&self, capacity: usize);

    /// Whether the connection still works (used by pools before reuse).
    fn is_healthy(&self) -> bool {
        self.execute_batch(self.dialect().ping()).is_ok()
    }
}
