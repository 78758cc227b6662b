//! SQLite through `rusqlite`, with SQLite compiled in.
//!
//! URLs: `sqlite::memory:` (a private in-memory database; a pool opened on
//! it shares one in-memory database among its connections),
//! `sqlite://relative/path.db`, `sqlite:///absolute/path.db`, with options
//! `?mode=ro|rw|rwc` (default `rwc`), `busy_timeout=<ms>` (default 5000),
//! `journal_mode=wal|delete|...`, `foreign_keys=on|off` (default on),
//! `cache=<statements>` (default 256).

pub(crate) mod catalogue;
mod collation;
mod dialect;
mod row;
mod statements;

use std::time::Duration;

use orm_core::driver::{
    Backend, DriverConnection, RowStream, DATETIME_FORMAT, TIMESTAMP_FORMAT, TIME_FORMAT,
};
use orm_core::driver::{GeneratedKey, Params, RowCallback, TxControl, ValueCheck};
use orm_core::{Connection, DbError, Dialect, Error, Result, ValueRef};
use rusqlite::config::DbConfig;
use rusqlite::types::{ToSqlOutput, ValueRef as SqlValueRef};
use rusqlite::{ffi, OpenFlags, Statement, ToSql};

pub use catalogue::SqliteCatalogue;
pub use dialect::SqliteDialect;
use row::{SqliteRow, SqliteRows};
use statements::{InUse, Statements};

static DIALECT: SqliteDialect = SqliteDialect;

/// A SQLite connection.
pub struct SqliteBackend {
    /// The connection and its prepared statements.
    statements: Statements,
    /// The check of each bound value, run as it is bound
    /// ([`Backend::checks_values`]).
    check: ValueCheck,
}

impl std::fmt::Debug for SqliteBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteBackend")
            .field("path", &self.conn().path())
            .finish()
    }
}

/// Opens a SQLite connection from a URL (see the module documentation).
pub fn open(url: &str) -> Result<Connection> {
    Ok(<Connection as DriverConnection>::from_backend(Box::new(
        SqliteBackend::open(url)?,
    )))
}

/// Wraps an open `rusqlite` connection.
pub fn from_rusqlite(conn: rusqlite::Connection) -> Result<Connection> {
    Ok(<Connection as DriverConnection>::from_backend(Box::new(
        SqliteBackend::new(conn, true, 256)?,
    )))
}

/// Whether a SQLite path names a private in-memory database.
fn is_memory_path(path: &str) -> bool {
    path == ":memory:" || path.is_empty()
}

/// Whether `url` names a private in-memory database (`sqlite::memory:`).
pub(crate) fn is_memory_url(url: &str) -> bool {
    url.strip_prefix("sqlite:").is_some_and(|rest| {
        let path = rest.split_once('?').map_or(rest, |(p, _)| p);
        is_memory_path(path.strip_prefix("//").unwrap_or(path))
    })
}

/// A pool over one in-memory database. Each `sqlite::memory:` connection
/// has a database of its own, so the pool's connections instead share one,
/// named uniquely in SQLite's `memdb` VFS (ordinary locking, no shared
/// cache); a connection held by the pool's opener keeps it alive as long as
/// the pool, and it is freed with the pool.
pub(crate) fn memory_pool(url: &str, options: orm_core::PoolOptions) -> Result<orm_core::Pool> {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Mutex;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = format!(
        "file:/orm-memory-pool-{}-{}?vfs=memdb",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let anchor = Mutex::new(<Connection as DriverConnection>::from_backend(Box::new(
        SqliteBackend::open_at(url, Some(&name))?,
    )));
    let url = url.to_owned();
    orm_core::Pool::new(options, move || {
        let _keep_alive = &anchor;
        Ok(<Connection as DriverConnection>::from_backend(Box::new(
            SqliteBackend::open_at(&url, Some(&name))?,
        )))
    })
}

fn bad_url(url: &str, why: &str) -> Error {
    Error::InvalidUrl(format!("{url:?}: {why}"))
}

impl SqliteBackend {
    fn new(conn: rusqlite::Connection, foreign_keys: bool, cache: usize) -> Result<Self> {
        conn.pragma_update(None, "foreign_keys", foreign_keys)
            .map_err(map_error)?;
        conn.create_collation(collation::DECIMAL_COLLATION, collation::compare_decimals)
            .map_err(map_error)?;
        // A double-quoted name is a name: a misspelled one is an error, never
        // silently a string literal.
        for dqs in [
            DbConfig::SQLITE_DBCONFIG_DQS_DML,
            DbConfig::SQLITE_DBCONFIG_DQS_DDL,
        ] {
            conn.set_db_config(dqs, false).map_err(map_error)?;
        }
        Ok(SqliteBackend {
            statements: Statements::new(conn, cache),
            check: ValueCheck::new(&DIALECT),
        })
    }

    #[inline]
    fn conn(&self) -> &rusqlite::Connection {
        self.statements.conn()
    }

    /// Opens a connection from a `sqlite:` URL.
    pub fn open(url: &str) -> Result<Self> {
        Self::open_at(url, None)
    }

    /// Opens a connection from a `sqlite:` URL, or with the URL's options to
    /// the database at `path` instead of the URL's path.
    fn open_at(url: &str, path_override: Option<&str>) -> Result<Self> {
        let rest = url
            .strip_prefix("sqlite:")
            .ok_or_else(|| bad_url(url, "not a sqlite: URL"))?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let path = path_override.unwrap_or_else(|| path.strip_prefix("//").unwrap_or(path));
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let (mut busy, mut journal, mut foreign_keys, mut cache) =
            (5000u64, None::<String>, true, 256usize);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "mode" => {
                    flags -= OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE;
                    flags |= match v {
                        "ro" => OpenFlags::SQLITE_OPEN_READ_ONLY,
                        "rw" => OpenFlags::SQLITE_OPEN_READ_WRITE,
                        "rwc" => OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
                        _ => return Err(bad_url(url, "mode must be ro, rw or rwc")),
                    };
                }
                "busy_timeout" => {
                    // SQLite takes a C int of milliseconds.
                    busy = crate::url::bounded(k, v, 0, i32::MAX as u64, "milliseconds")
                        .map_err(|why| bad_url(url, &why))?;
                }
                "journal_mode" => journal = Some(v.to_owned()),
                "foreign_keys" => {
                    foreign_keys = match v {
                        "on" | "true" | "1" => true,
                        "off" | "false" | "0" => false,
                        _ => return Err(bad_url(url, "foreign_keys must be on or off")),
                    }
                }
                "cache" => {
                    cache = crate::url::bounded(k, v, 0, crate::url::MAX_CACHE, "statements")
                        .map_err(|why| bad_url(url, &why))? as usize;
                }
                _ => return Err(bad_url(url, &format!("unknown option {k:?}"))),
            }
        }
        let conn = if is_memory_path(path) {
            rusqlite::Connection::open_in_memory()
        } else {
            rusqlite::Connection::open_with_flags(path, flags)
        }
        .map_err(|e| Error::Connection {
            message: format!("cannot open SQLite database {path:?}"),
            source: Some(db_error(&e)),
        })?;
        conn.busy_timeout(Duration::from_millis(busy))
            .map_err(map_error)?;
        if let Some(mode) = journal {
            conn.pragma_update_and_check(None, "journal_mode", &mode, |_| Ok(()))
                .map_err(map_error)?;
        }
        Self::new(conn, foreign_keys, cache)
    }

    /// Runs `sql` with `params`: the rows it changed. Always inlined, so
    /// that the statement is bound and run where it stays, as in
    /// `query_each` (a `save` of a new record: 72 instructions less than
    /// through [`prepare`](Self::prepare), whose statement is returned
    /// through memory, callgrind).
    #[inline(always)]
    fn run(&self, sql: &str, params: &dyn Params) -> Result<u64> {
        let mut stmt = self.statements.get(sql).map_err(map_error)?;
        bind(&mut stmt, sql, params, &self.check)?;
        let n = stmt.raw_execute().map_err(map_error)?;
        Ok(n as u64)
    }

    /// The statement of `sql`, its parameters bound.
    #[inline]
    fn prepare(&self, sql: &str, params: &dyn Params) -> Result<InUse<'_>> {
        let mut stmt = self.statements.get(sql).map_err(map_error)?;
        bind(&mut stmt, sql, params, &self.check)?;
        Ok(stmt)
    }
}

/// Binds `params` to `stmt`, the statement of `sql`, each value checked by
/// `check` as it is bound. Inlined into each caller, so that the statement
/// is bound where it stays (a `find`: about 30 instructions less than
/// returning it bound, callgrind).
#[inline(always)]
fn bind(stmt: &mut InUse<'_>, sql: &str, params: &dyn Params, check: &ValueCheck) -> Result<()> {
    let expected = stmt.parameter_count();
    let given = params.len();
    if expected != given {
        return Err(Error::invalid(format!(
            "statement expects {expected} parameter(s), {given} given: {sql}"
        )));
    }
    if given > 0 && bind_values(stmt, params, check)? {
        stmt.clear_when_done();
    }
    Ok(())
}

/// Binds each of `params` to `stmt`, checked by `check` first (each value
/// read once: the connection leaves the check to this driver); whether one
/// was large (see `InUse::clear_when_done`). A function of its own, into
/// which rusqlite's binding is inlined (about 25 instructions a value less
/// than with `bind` inlined into each caller and rusqlite's called:
/// `insert_all` of 100).
#[inline(never)]
fn bind_values(stmt: &mut Statement<'_>, params: &dyn Params, check: &ValueCheck) -> Result<bool> {
    let mut large = false;
    for i in 0..params.len() {
        let value = params.get(i);
        if let Err(e) = check.check(i, value, params) {
            // Nothing runs: no value stays bound in the cached statement.
            stmt.clear_bindings();
            return Err(e);
        }
        large |= !small(&value);
        if let Err(e) = stmt.raw_bind_parameter(i + 1, Bind(value)) {
            stmt.clear_bindings();
            return Err(map_error(e));
        }
    }
    Ok(large)
}

impl Backend for SqliteBackend {
    fn dialect(&self) -> &'static dyn Dialect {
        &DIALECT
    }

    fn execute(&self, sql: &str, params: &dyn Params) -> Result<u64> {
        self.run(sql, params)
    }

    fn insert(&self, sql: &str, params: &dyn Params, key: GeneratedKey) -> Result<Option<i64>> {
        match key {
            GeneratedKey::Returning => {
                let mut stmt = self.prepare(sql, params)?;
                let mut rows = stmt.raw_query();
                match rows.next().map_err(map_error)? {
                    Some(row) => row.get(0).map(Some).map_err(map_error),
                    None => Ok(None),
                }
            }
            GeneratedKey::LastInsertId => {
                let n = self.run(sql, params)?;
                Ok((n > 0).then(|| self.conn().last_insert_rowid()))
            }
            _ => self.run(sql, params).map(|_| None),
        }
    }

    fn query_each(&self, sql: &str, params: &dyn Params, f: &mut RowCallback<'_>) -> Result<()> {
        let mut stmt = self.statements.get(sql).map_err(map_error)?;
        bind(&mut stmt, sql, params, &self.check)?;
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next().map_err(map_error)? {
            if !f(&mut SqliteRow(row))? {
                break;
            }
        }
        Ok(())
    }

    fn query<'a>(&'a self, sql: &str, params: &dyn Params) -> Result<Box<dyn RowStream + 'a>> {
        let stmt = self.prepare(sql, params)?;
        Ok(Box::new(SqliteRows::start(stmt)))
    }

    fn execute_batch(&self, sql: &str) -> Result<()> {
        self.conn().execute_batch(sql).map_err(map_error)
    }

    fn checks_values(&self) -> bool {
        true
    }

    fn transaction(&self, op: TxControl<'_>) -> Result<()> {
        // Every transaction runs these: prepared once, not parsed again on
        // each call as `execute_batch` would.
        for sql in DIALECT.tx_statements(op)? {
            let mut stmt = self.statements.get(&sql).map_err(map_error)?;
            stmt.raw_execute().map_err(map_error)?;
        }
        Ok(())
    }

    fn catalogue(&self) -> &'static dyn orm_core::driver::Catalogue {
        &catalogue::SqliteCatalogue
    }

    fn set_statement_cache_capacity(&self, capacity: usize) {
        self.statements.set_capacity(capacity);
    }

    fn is_healthy(&self) -> bool {
        self.conn()
            .query_row("SELECT 1", [], |r| r.get::<_, i64>(0))
            .is_ok()
    }
}

/// Binds an `orm` value as a SQLite value, borrowing text and bytes.
struct Bind<'a>(ValueRef<'a>);

impl ToSql for Bind<'_> {
    /// Inline: the values SQLite stores as they are; the others, written
    /// as text, in [`as_text`] (a frame of its own: with them here, a
    /// `find` by an integer key cost 54 instructions more, callgrind).
    #[inline]
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            ValueRef::Null => ToSqlOutput::Borrowed(SqlValueRef::Null),
            ValueRef::Bool(b) => ToSqlOutput::Borrowed(SqlValueRef::Integer(i64::from(b))),
            ValueRef::Int(i) => ToSqlOutput::Borrowed(SqlValueRef::Integer(i)),
            ValueRef::Float(f) => ToSqlOutput::Borrowed(SqlValueRef::Real(f)),
            ValueRef::Text(s) => ToSqlOutput::Borrowed(SqlValueRef::Text(s.as_bytes())),
            ValueRef::Blob(b) => ToSqlOutput::Borrowed(SqlValueRef::Blob(b)),
            other => ToSqlOutput::from(as_text(other)?),
        })
    }
}

/// A value SQLite has no type for, as the text orm stores it as.
#[inline(never)]
fn as_text(value: ValueRef<'_>) -> rusqlite::Result<String> {
    Ok(match value {
        ValueRef::Date(d) => d.format("%Y-%m-%d").to_string(),
        ValueRef::DateTime(d) => d.format(DATETIME_FORMAT).to_string(),
        ValueRef::Timestamp(d) => d.format(TIMESTAMP_FORMAT).to_string(),
        ValueRef::Time(t) => t.format(TIME_FORMAT).to_string(),
        #[cfg(feature = "decimal")]
        ValueRef::Decimal(d) => d.to_string(),
        #[cfg(feature = "uuid")]
        ValueRef::Uuid(u) => u.hyphenated().to_string(),
        #[cfg(feature = "json")]
        ValueRef::Json(j) => j.to_string(),
        other => {
            return Err(rusqlite::Error::ToSqlConversionFailure(
                format!("unsupported value {other:?}").into(),
            ))
        }
    })
}

/// Whether SQLite's copy of a bound value is small enough to leave in a
/// cached statement until its next use (see `InUse::clear_when_done`).
fn small(value: &ValueRef<'_>) -> bool {
    /// The longest text or blob left bound.
    const SMALL: usize = 1024;
    match value {
        ValueRef::Null | ValueRef::Bool(_) | ValueRef::Int(_) | ValueRef::Float(_) => true,
        ValueRef::Text(s) => s.len() <= SMALL,
        ValueRef::Blob(b) => b.len() <= SMALL,
        _ => false,
    }
}

fn db_error(e: &rusqlite::Error) -> DbError {
    let code = match e {
        rusqlite::Error::SqliteFailure(f, _) => Some(f.extended_code.to_string()),
        _ => None,
    };
    DbError::new(code, e.to_string(), None)
}

/// Classifies a `rusqlite` error into a typed [`Error`].
pub fn map_error(e: rusqlite::Error) -> Error {
    let message = e.to_string();
    let db = |e: rusqlite::Error| {
        let code = match &e {
            rusqlite::Error::SqliteFailure(f, _) => Some(f.extended_code.to_string()),
            _ => None,
        };
        DbError::new(code, message.clone(), Some(Box::new(e)))
    };
    match &e {
        rusqlite::Error::SqliteFailure(f, msg) => {
            let msg = msg.clone().unwrap_or_default();
            let msg = msg.as_str();
            match f.extended_code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    Error::UniqueViolation(db(e))
                }
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => Error::ForeignKeyViolation(db(e)),
                // An `ON DELETE/UPDATE RESTRICT` action halts the statement
                // as a trigger would.
                ffi::SQLITE_CONSTRAINT_TRIGGER if msg.starts_with("FOREIGN KEY constraint") => {
                    Error::ForeignKeyViolation(db(e))
                }
                ffi::SQLITE_CONSTRAINT_NOTNULL => Error::NotNullViolation(db(e)),
                ffi::SQLITE_CONSTRAINT_CHECK => Error::CheckViolation(db(e)),
                _ => match f.code {
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => {
                        Error::SerializationFailure(db(e))
                    }
                    rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::NotADatabase => {
                        Error::Connection {
                            message: msg.to_owned(),
                            source: Some(db(e)),
                        }
                    }
                    _ => classify_message(msg, db(e)),
                },
            }
        }
        rusqlite::Error::SqlInputError { msg, .. } => {
            let msg = msg.clone();
            classify_message(&msg, db(e))
        }
        rusqlite::Error::InvalidParameterCount(..)
        | rusqlite::Error::InvalidParameterName(_)
        | rusqlite::Error::MultipleStatement
        | rusqlite::Error::InvalidQuery
        | rusqlite::Error::ExecuteReturnedResults => {
            let msg = message.clone();
            Error::InvalidQuery {
                message: msg,
                source: Some(db(e)),
            }
        }
        _ => Error::Database(db(e)),
    }
}

fn classify_message(msg: &str, db: DbError) -> Error {
    if let Some(rest) = msg.strip_prefix("no such column: ") {
        let (table, column) = match rest.rsplit_once('.') {
            Some((t, c)) => (Some(t.to_owned()), c.to_owned()),
            None => (None, rest.to_owned()),
        };
        return Error::UnknownColumn { table, column };
    }
    if let Some(rest) = msg.strip_prefix("no such table: ") {
        return Error::UnknownTable {
            table: rest.to_owned(),
        };
    }
    if msg.contains("has no column named ") {
        let column = msg.rsplit(' ').next().unwrap_or_default().to_owned();
        let table = msg
            .strip_prefix("table ")
            .and_then(|r| r.split(' ').next())
            .map(str::to_owned);
        return Error::UnknownColumn { table, column };
    }
    if msg.contains("syntax error")
        || msg.contains("incomplete input")
        || msg.contains("no such function")
        || msg.contains("ambiguous column")
        || msg.contains("misuse of aggregate")
    {
        return Error::InvalidQuery {
            message: msg.to_owned(),
            source: Some(db),
        };
    }
    Error::Database(db)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transactions_through_cached_statements() {
        let b = SqliteBackend::open("sqlite::memory:").unwrap();
        b.execute_batch("CREATE TABLE t (a INTEGER)").unwrap();
        let default = orm_core::TxOptions::default();
        for commit in [true, false] {
            b.transaction(TxControl::Begin(&default)).unwrap();
            b.transaction(TxControl::Savepoint("orm_sp_1")).unwrap();
            b.execute("INSERT INTO t (a) VALUES (1)", orm_core::driver::NO_PARAMS)
                .unwrap();
            b.transaction(TxControl::ReleaseSavepoint("orm_sp_1"))
                .unwrap();
            b.transaction(if commit {
                TxControl::Commit
            } else {
                TxControl::Rollback
            })
            .unwrap();
        }
        let err = b.transaction(TxControl::Commit).unwrap_err();
        assert!(err.to_string().contains("no transaction"), "{err}");
        let mut n = 0;
        b.query_each(
            "SELECT COUNT(*) FROM t",
            orm_core::driver::NO_PARAMS,
            &mut |r| {
                n = match r.get_ref(0)? {
                    ValueRef::Int(i) => i,
                    other => panic!("{other:?}"),
                };
                Ok(true)
            },
        )
        .unwrap();
        assert_eq!(n, 1);
    }

    /// A value SQLite cannot take fails the statement with an error, runs
    /// nothing, and leaves the cached statement usable.
    #[test]
    fn a_failed_bind_leaves_the_statement_usable() {
        use orm_core::Value;
        let b = SqliteBackend::open("sqlite::memory:").unwrap();
        b.execute_batch("CREATE TABLE t (a TEXT, b INTEGER)")
            .unwrap();
        let sql = "INSERT INTO t (a, b) VALUES (?, ?)";
        let bad = [
            Value::Text("x".repeat(2000)),
            Value::List(vec![Value::Int(1)]),
        ];
        let err = b.execute(sql, &bad.as_slice()).unwrap_err();
        assert!(err.to_string().contains("unsupported value"), "{err}");
        let good = [Value::Text("y".into()), Value::Int(2)];
        assert_eq!(b.execute(sql, &good.as_slice()).unwrap(), 1);
        let mut rows = Vec::new();
        b.query_each(
            "SELECT a, b FROM t",
            orm_core::driver::NO_PARAMS,
            &mut |r| {
                rows.push((r.get_ref(0)?.to_owned(), r.get_ref(1)?.to_owned()));
                Ok(true)
            },
        )
        .unwrap();
        assert_eq!(rows, [(Value::Text("y".into()), Value::Int(2))]);
    }
}
