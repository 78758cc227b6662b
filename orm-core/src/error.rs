//! The one error type of the crate, and the driver error it wraps.

use std::error::Error as StdError;
use std::fmt;

/// Result alias used throughout `orm`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error reported by the database driver, kept as the `source` of the
/// typed [`Error`] variants.
#[derive(Debug)]
pub struct DbError {
    /// The driver's code: a SQLSTATE on PostgreSQL, the extended result code
    /// on SQLite, the server error number on MySQL.
    pub code: Option<String>,
    /// The database's message.
    pub message: String,
    /// The driver's own error value.
    pub source: Option<Box<dyn StdError + Send + Sync + 'static>>,
}

impl DbError {
    /// Builds a driver error from its parts.
    pub fn new(
        code: Option<String>,
        message: impl Into<String>,
        source: Option<Box<dyn StdError + Send + Sync + 'static>>,
    ) -> Self {
        DbError {
            code,
            message: message.into(),
            source,
        }
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{} (code {code})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl StdError for DbError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// Why a database value could not become the Rust value asked for.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The column held NULL but the field is not an `Option`.
    #[error("unexpected NULL")]
    UnexpectedNull,
    /// The column held a value of another kind.
    #[error("found a {found} value")]
    WrongType {
        /// What the database returned.
        found: &'static str,
    },
    /// The value does not fit the Rust type.
    #[error("value {value} out of range")]
    OutOfRange {
        /// The value, printed.
        value: String,
    },
    /// The value could not be parsed (e.g. a malformed date).
    #[error("invalid value: {0}")]
    Invalid(String),
}

/// Every error `orm` reports. Match on the variants; the driver's error, where
/// there is one, is the [`source`](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `find` or `first` matched no row, or a record to update no longer exists.
    #[error("no {table} record matched")]
    NotFound {
        /// The table searched.
        table: String,
    },
    /// Optimistic locking: a write of a record with a `#[db(version)]`
    /// column matched no row because another write changed the row (and its
    /// version) since the record was read. Nothing was written; reload the
    /// record and decide again. A record whose row is gone (or hidden by the
    /// default filter, e.g. soft-deleted) is [`Error::NotFound`] instead:
    /// after a write matches no row, one more query tells the two apart. Not
    /// retried by the retrying transactions (the record in memory is stale).
    #[error(
        "stale {table} record (key {}): its row was changed since it was read",
        key_text(key)
    )]
    StaleRecord {
        /// The table of the record.
        table: String,
        /// The record's key.
        key: crate::value::Value,
    },
    /// A UNIQUE or PRIMARY KEY constraint was violated.
    #[error("unique constraint violated: {0}")]
    UniqueViolation(#[source] DbError),
    /// A FOREIGN KEY constraint was violated.
    #[error("foreign key constraint violated: {0}")]
    ForeignKeyViolation(#[source] DbError),
    /// A NOT NULL constraint was violated.
    #[error("not-null constraint violated: {0}")]
    NotNullViolation(#[source] DbError),
    /// A CHECK constraint was violated.
    #[error("check constraint violated: {0}")]
    CheckViolation(#[source] DbError),
    /// The transaction lost a conflict and may succeed if run again
    /// (PostgreSQL 40001, SQLite BUSY / LOCKED). Retryable.
    #[error("serialization failure, the transaction may be retried: {0}")]
    SerializationFailure(#[source] DbError),
    /// A deadlock was detected and this transaction was chosen as the victim.
    /// Retryable.
    #[error("deadlock detected, the transaction may be retried: {0}")]
    Deadlock(#[source] DbError),
    /// The outcome of a COMMIT is unknown (PostgreSQL / CockroachDB SQLSTATE
    /// 40003, or the connection was lost during COMMIT): the transaction may
    /// or may not have been applied. Not retried automatically.
    #[error("the transaction's outcome is unknown (it may have committed): {0}")]
    AmbiguousCommit(#[source] DbError),
    /// A value read from the database does not fit the field it is read into.
    #[error("cannot decode {table}.{column} as {expected}: {reason}")]
    Decode {
        /// The table (or `?` for a raw query).
        table: String,
        /// The column.
        column: String,
        /// The Rust type asked for.
        expected: &'static str,
        /// What was wrong.
        reason: DecodeError,
    },
    /// A value the database would not store or compare exactly: NaN where
    /// the database has none, a date-time finer than the microseconds every
    /// dialect keeps, a decimal with more places than its column. Nothing
    /// was sent; the connection is fine.
    #[error("cannot send {target} exactly: {reason}")]
    UnrepresentableValue {
        /// `table.column` when known, otherwise `parameter N` (1-based).
        target: String,
        /// Why, and what to do instead.
        reason: String,
    },
    /// A string given where a name belongs (a column, a table, an alias)
    /// is not a usable name: empty, with surrounding whitespace or control
    /// characters, longer than the dialect allows, or not a name at all
    /// (an expression, which needs [`Sql::raw`](crate::Sql::raw)). Nothing
    /// was sent.
    #[error("invalid name {name:?}: {reason}")]
    InvalidName {
        /// The string as given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A statement carries more bound parameters than the dialect's
    /// protocol allows (PostgreSQL counts them in 16 bits). Nothing was
    /// sent; the connection is fine.
    #[error("{given} bound parameters exceed the {max} one statement may carry")]
    TooManyParameters {
        /// How many the statement has.
        given: usize,
        /// The dialect's limit.
        max: usize,
    },
    /// A statement (its text or its values) is larger than the server
    /// accepts in one message (MySQL's `max_allowed_packet`). The statement
    /// was not run (at most prepared); the connection is fine.
    #[error("a statement of about {bytes} bytes exceeds {what} ({max} bytes)")]
    StatementTooLarge {
        /// The statement's size, about.
        bytes: usize,
        /// The limit.
        max: usize,
        /// Which limit.
        what: String,
    },
    /// A column name does not exist (checked before sending where possible,
    /// otherwise reported by the database).
    #[error("unknown column {column}{}", table.as_ref().map(|t| format!(" in {t}")).unwrap_or_default())]
    UnknownColumn {
        /// The table, when known.
        table: Option<String>,
        /// The column.
        column: String,
    },
    /// A table does not exist.
    #[error("unknown table {table}")]
    UnknownTable {
        /// The table.
        table: String,
    },
    /// The query is malformed: a placeholder count mismatch, a bad order
    /// clause, a comparison with NULL, a SQL syntax error reported by the
    /// database, and the like.
    #[error("invalid query: {message}")]
    InvalidQuery {
        /// What is wrong.
        message: String,
        /// The driver's error, if the database reported it.
        #[source]
        source: Option<DbError>,
    },
    /// An UPDATE or DELETE on a scope with no condition. Call
    /// [`all_rows`](crate::Scoped::all_rows) on the scope to mean it.
    #[error("refusing to {action} every row of {table} without a condition; call .all_rows() on the scope to mean it")]
    MissingCondition {
        /// `update` or `delete`.
        action: &'static str,
        /// The table.
        table: String,
    },
    /// A relation was loaded one parent at a time for this many parents in
    /// one unit of work, under [`NPlusOne::Fail`](crate::NPlusOne::Fail):
    /// load it with `include` instead.
    #[error("N+1 queries: relation `{relation}` of {table} was loaded one parent at a time for {parents} parents; load it for all of them with include(..)")]
    NPlusOne {
        /// The parent model's table.
        table: String,
        /// The relation.
        relation: String,
        /// How many parents were loaded one at a time.
        parents: usize,
    },
    /// A scope-level write (`update_attribute(s)`, `update_sql`, `delete`)
    /// on a model with [`Hooks`](crate::Hooks), which it would skip: write
    /// the records one by one, or say
    /// [`skip_hooks`](crate::Scoped::skip_hooks) on the scope.
    #[error("refusing to {action} rows of {table} through a scope: its hooks would not run; write the records one by one, or call .skip_hooks() on the scope")]
    HooksSkipped {
        /// `update` or `delete`.
        action: &'static str,
        /// The table.
        table: String,
    },
    /// The connection could not be opened or was lost.
    #[error("connection error: {message}")]
    Connection {
        /// What happened.
        message: String,
        /// The driver's error.
        #[source]
        source: Option<DbError>,
    },
    /// A connection URL could not be understood, or names a dialect that is
    /// not compiled in.
    #[error("bad connection URL: {0}")]
    InvalidUrl(String),
    /// A retrying transaction ran out of attempts (or time); the last error is
    /// the source.
    #[error("transaction failed after {attempts} attempts: {last}")]
    RetriesExhausted {
        /// How many times the closure ran.
        attempts: u32,
        /// The error of the last attempt.
        #[source]
        last: Box<Error>,
    },
    /// Versioned migrations ([`Migrations`](crate::migrate::Migrations))
    /// could not be read or run: a malformed folder, an applied migration
    /// whose file was edited or is gone, a missing `down.sql`, or a
    /// statement that failed (named, with the database's error as the
    /// source).
    #[error("migration {migration}: {message}")]
    Migration {
        /// The migration, as `<version>_<name>` (its folder's name), or the
        /// folder read.
        migration: String,
        /// What is wrong.
        message: String,
        /// The database's error, when a statement failed.
        #[source]
        source: Option<Box<Error>>,
    },
    /// Any other database error.
    #[error("database error: {0}")]
    Database(#[source] DbError),
}

/// A key as an error message shows it: a number as it is, anything else
/// as its debug form (quoted text).
fn key_text(key: &crate::value::Value) -> String {
    match key {
        crate::value::Value::Int(i) => i.to_string(),
        crate::value::Value::Text(s) => format!("{s:?}"),
        other => format!("{other:?}"),
    }
}

impl Error {
    /// Whether running the whole transaction again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::SerializationFailure(_) | Error::Deadlock(_))
    }

    /// The driver error behind this error, if any.
    pub fn db_error(&self) -> Option<&DbError> {
        match self {
            Error::UniqueViolation(e)
            | Error::ForeignKeyViolation(e)
            | Error::NotNullViolation(e)
            | Error::CheckViolation(e)
            | Error::SerializationFailure(e)
            | Error::Deadlock(e)
            | Error::AmbiguousCommit(e)
            | Error::Database(e) => Some(e),
            Error::InvalidQuery { source, .. } | Error::Connection { source, .. } => {
                source.as_ref()
            }
            _ => None,
        }
    }

    /// An [`Error::InvalidQuery`] with no driver error.
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidQuery {
            message: message.into(),
            source: None,
        }
    }
}
