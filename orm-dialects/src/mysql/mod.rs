//! MySQL and MariaDB through the `mysql` crate.
//!
//! URLs: `mysql://user:password@host:port/database?options` (or
//! `mariadb://`); see the options below. Statements with parameters run as
//! prepared statements (the binary protocol, so values come back typed),
//! kept in a cache by SQL text; [`execute_batch`](orm_core::driver::Backend::execute_batch)
//! sends its statements as one multi-statement text query.
//!
//! Each connection:
//! - asks for `CLIENT_FOUND_ROWS`, so that an UPDATE reports the rows it
//!   *matched*, even those it left unchanged (saving an unchanged record is
//!   not mistaken for a deleted one);
//! - sets its session time zone to UTC (`SET time_zone = '+00:00'`):
//!   `DateTime<Utc>` values are stored as UTC in `DATETIME(6)` columns, and
//!   `NOW()` or `TIMESTAMP` columns then agree with them;
//! - never switches to the server's unix socket behind the caller's back
//!   (ask for one with `socket=`).
//!
//! A streaming query ([`Backend::query`](orm_core::driver::Backend), behind
//! `Scope::iter`) holds the connection until the iterator is dropped: MySQL
//! sends a whole result before it takes the next statement, so running
//! another statement on the same connection meanwhile is an
//! [`Error::InvalidQuery`] (use a second connection, or collect first).
//!
//! # TLS
//!
//! `ssl-mode` follows the `mysql` client: `DISABLED`; `PREFERRED` (the
//! default: TLS when the server offers it, without checking its certificate,
//! plain TCP when it does not); `REQUIRED` (TLS or fail, certificate not
//! checked); `VERIFY_CA` (the server's certificate must be signed by the CAs
//! of `ssl-ca`, or the system's); `VERIFY_IDENTITY` (and must name the host).
//! `ssl-ca` without an `ssl-mode` means `VERIFY_CA`. A client certificate is
//! given as two PEM files, `ssl-cert` (the certificate, optionally followed by
//! its chain) and `ssl-key` (its private key, unencrypted), which the TLS
//! library (rustls) reads itself: no copy of the key is written anywhere.
//! Without `ssl-ca`, verifying modes trust the Mozilla root store
//! (webpki-roots). TLS does not apply to unix sockets (`socket=`), which the
//! server treats as secure.
//!
//! # Options
//!
//! `ssl-mode` (also `sslmode`), `ssl-ca`, `ssl-cert`, `ssl-key`, `socket`,
//! `connect-timeout` (seconds, default 10), `cache` (prepared statements
//! kept, default 256). Anything else is an [`Error::InvalidUrl`].

pub(crate) mod catalogue;
mod dialect;
mod row;
mod url;

use std::cell::{Cell, RefCell, RefMut};
use std::path::Path;

use crate::cache::StatementCache;
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use mysql::consts::CapabilityFlags;
use mysql::prelude::Queryable;
use mysql::{ClientIdentity, Conn, DriverError, OptsBuilder, SslOpts, Statement, Value as MyValue};
use orm_core::driver::{Backend, DriverConnection, RowStream};
use orm_core::driver::{GeneratedKey, Params, RowCallback, TxControl};
use orm_core::{Connection, DbError, Dialect, Error, Result, ValueRef};

pub use catalogue::MysqlCatalogue;
pub use dialect::MysqlDialect;
use row::{MysqlRow, MysqlRows, Results};
use url::{MysqlUrl, SslMode, Target};

static DIALECT: MysqlDialect = MysqlDialect::DEFAULT;
static DIALECT_NO_BACKSLASH: MysqlDialect = MysqlDialect::NO_BACKSLASH_ESCAPES;

/// "This command is not supported in the prepared statement protocol yet."
const ER_UNSUPPORTED_PS: u16 = 1295;

/// A MySQL or MariaDB connection.
pub struct MysqlBackend {
    inner: RefCell<Inner>,
    /// Statements to keep, applied at the next prepare (the cache may be
    /// borrowed by a running query when it is set).
    capacity: Cell<usize>,
    /// Where the connection goes, for `Debug`.
    target: String,
    /// The dialect of the session: how it reads string literals depends on
    /// its `sql_mode`.
    dialect: &'static MysqlDialect,
}

impl std::fmt::Debug for MysqlBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MysqlBackend")
            .field("target", &self.target)
            .finish()
    }
}

/// The native connection and its prepared statements.
pub(crate) struct Inner {
    conn: Conn,
    stmts: StmtCache,
    /// The server's `max_allowed_packet`: a larger statement would make the
    /// server drop the connection, so it is refused before it is sent.
    max_packet: usize,
}

/// Prepared statements by SQL text, least recently used first out (the
/// drivers' shared LRU), closed on the server when evicted. Kept here rather
/// than in the `mysql` crate's own cache so that its size can change at run
/// time.
struct StmtCache {
    lru: StatementCache<Statement>,
}

impl StmtCache {
    fn new(capacity: usize) -> Self {
        StmtCache {
            // At least the statement being run.
            lru: StatementCache::new(capacity.max(1)),
        }
    }

    /// The prepared statement of `sql`, prepared now if it is not cached.
    fn prepare(&mut self, conn: &mut Conn, sql: &str) -> mysql::Result<Statement> {
        if let Some(stmt) = self.lru.get(sql) {
            return Ok(stmt);
        }
        let stmt = conn.prep(sql)?;
        close(conn, self.lru.put(sql, stmt.clone()))?;
        Ok(stmt)
    }

    /// Closes every cached statement.
    fn clear(&mut self, conn: &mut Conn) -> mysql::Result<()> {
        close(conn, self.lru.clear())
    }

    fn capacity(&self) -> usize {
        self.lru.capacity()
    }

    fn set_capacity(&mut self, conn: &mut Conn, capacity: usize) -> mysql::Result<()> {
        close(conn, self.lru.set_capacity(capacity.max(1)))
    }
}

/// Closes evicted statements on the server.
fn close(conn: &mut Conn, evicted: Vec<Statement>) -> mysql::Result<()> {
    evicted.into_iter().try_for_each(|s| conn.close(s))
}

/// Opens a MySQL or MariaDB connection from a URL (see the module
/// documentation).
pub fn open(url: &str) -> Result<Connection> {
    Ok(<Connection as DriverConnection>::from_backend(Box::new(
        MysqlBackend::open(url)?,
    )))
}

impl MysqlBackend {
    /// Opens a connection from a `mysql://` or `mariadb://` URL.
    pub fn open(url: &str) -> Result<Self> {
        let cfg = url::parse(url)?;
        let mut conn = connect(&cfg)?;
        let (max_packet, sql_mode) = conn
            .query_first::<(u64, String), _>("SELECT @@max_allowed_packet, @@sql_mode")
            .map_err(map_error)?
            .map(|(n, mode)| (usize::try_from(n).unwrap_or(usize::MAX), mode))
            .unwrap_or((usize::MAX, String::new()));
        let dialect = if sql_mode
            .split(',')
            .any(|m| m.eq_ignore_ascii_case("NO_BACKSLASH_ESCAPES"))
        {
            &DIALECT_NO_BACKSLASH
        } else {
            &DIALECT
        };
        Ok(MysqlBackend {
            inner: RefCell::new(Inner {
                conn,
                stmts: StmtCache::new(cfg.cache),
                max_packet,
            }),
            capacity: Cell::new(cfg.cache),
            target: cfg.target.to_string(),
            dialect,
        })
    }

    /// The connection, unless a streaming query holds it.
    fn lock(&self) -> Result<RefMut<'_, Inner>> {
        let mut inner = self.inner.try_borrow_mut().map_err(|_| {
            Error::invalid(
                "this MySQL connection is still sending the rows of an earlier query \
                 (an open iterator): drop the iterator, or collect it, before running \
                 another statement on the connection",
            )
        })?;
        let want = self.capacity.get().max(1);
        if inner.stmts.capacity() != want {
            let Inner { conn, stmts, .. } = &mut *inner;
            stmts.set_capacity(conn, want).map_err(map_error)?;
        }
        Ok(inner)
    }
}

/// Opens the native connection, with the TLS the URL asks for.
fn connect(cfg: &MysqlUrl) -> Result<Conn> {
    let mut base = OptsBuilder::new()
        .user(cfg.user.clone())
        .pass(cfg.password.clone())
        .db_name(cfg.database.clone())
        .prefer_socket(false)
        // The driver keeps its own statement cache (see `StmtCache`).
        .stmt_cache_size(0)
        .additional_capabilities(CapabilityFlags::CLIENT_FOUND_ROWS)
        .tcp_connect_timeout(Some(cfg.connect_timeout))
        .init(vec![
            "SET time_zone = '+00:00'",
            // A value the column cannot hold is an error, never truncated.
            "SET sql_mode = IF(@@sql_mode = '', 'STRICT_ALL_TABLES', \
             CONCAT(@@sql_mode, ',STRICT_ALL_TABLES'))",
        ]);
    base = match &cfg.target {
        // The crate parses the host as a URL host: IPv6 goes in brackets.
        Target::Tcp { host, port } if host.contains(':') => base
            .ip_or_hostname(Some(format!("[{host}]")))
            .tcp_port(*port),
        Target::Tcp { host, port } => base.ip_or_hostname(Some(host.clone())).tcp_port(*port),
        Target::Socket(path) => base.socket(Some(path.to_string_lossy().into_owned())),
    };
    let identity = match (&cfg.ssl_cert, &cfg.ssl_key) {
        (Some(cert), Some(key)) => Some(client_identity(cert, key)?),
        _ => None,
    };
    let tls = SslOpts::default()
        .with_root_cert_path(cfg.ssl_ca.clone())
        .with_client_identity(identity)
        .with_danger_accept_invalid_certs(matches!(
            cfg.ssl_mode,
            SslMode::Preferred | SslMode::Required
        ))
        .with_danger_skip_domain_validation(cfg.ssl_mode != SslMode::VerifyIdentity);
    let result = match cfg.ssl_mode {
        SslMode::Disabled => Conn::new(base.ssl_opts(None)),
        SslMode::Preferred => match Conn::new(base.clone().ssl_opts(tls)) {
            Err(mysql::Error::DriverError(DriverError::TlsNotSupported)) => {
                Conn::new(base.ssl_opts(None))
            }
            other => other,
        },
        _ => Conn::new(base.ssl_opts(tls)),
    };
    result.map_err(|e| {
        let db = db_error(e);
        Error::Connection {
            message: format!(
                "cannot connect to MySQL at {} (user {}, database {}, ssl-mode {}): {}",
                cfg.target,
                cfg.user.as_deref().unwrap_or("(none)"),
                cfg.database.as_deref().unwrap_or("(none)"),
                cfg.ssl_mode.name(),
                db.message
            ),
            source: Some(db),
        }
    })
}

/// The client identity of `ssl-cert` and `ssl-key`: the TLS library
/// (rustls) reads both PEM files itself when the connection is made, and
/// nothing is written anywhere. The files are checked first, so that a
/// wrong path or an encrypted key is a clear error.
fn client_identity(cert: &Path, key: &Path) -> Result<ClientIdentity> {
    let fail = |what: String| Error::Connection {
        message: format!("cannot use the client certificate: {what}"),
        source: None,
    };
    let read = |what: &str, path: &Path| {
        std::fs::read_to_string(path)
            .map_err(|e| fail(format!("reading {what} {}: {e}", path.display())))
    };
    let cert_pem = read("ssl-cert", cert)?;
    if !cert_pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(fail(format!(
            "ssl-cert {} holds no PEM certificate",
            cert.display()
        )));
    }
    let key_pem = read("ssl-key", key)?;
    if key_pem.contains("ENCRYPTED") || !key_pem.contains("PRIVATE KEY-----") {
        return Err(fail(format!(
            "ssl-key {} is not an unencrypted PEM key",
            key.display()
        )));
    }
    Ok(ClientIdentity::new(cert.to_path_buf(), key.to_path_buf()))
}

/// Whether `sql` may switch the default database (`USE`): statements
/// prepared before keep resolving tables in the database they were prepared
/// in, so the cache is emptied.
fn may_change_database(sql: &str) -> bool {
    sql.split(';').any(|s| {
        let s = s.trim_start().as_bytes();
        s.len() > 3
            && s[..3].eq_ignore_ascii_case(b"use")
            && (s[3].is_ascii_whitespace() || s[3] == b'`')
    })
}

/// Runs `sql` with `params`: as a prepared statement, or as a plain query if
/// MySQL cannot prepare it and it has no parameters.
pub(crate) fn start<'c>(
    inner: &'c mut Inner,
    sql: &str,
    params: &dyn Params,
) -> Result<Results<'c>> {
    let Inner {
        conn,
        stmts,
        max_packet,
    } = inner;
    if sql.len() > *max_packet {
        return Err(too_large(sql.len(), *max_packet));
    }
    match stmts.prepare(conn, sql) {
        Ok(stmt) => {
            let expected = usize::from(stmt.num_params());
            if expected != params.len() {
                return Err(Error::invalid(format!(
                    "statement expects {expected} parameter(s), {} given: {sql}",
                    params.len()
                )));
            }
            let values = bind(params, *max_packet)?;
            let params = if values.is_empty() {
                mysql::Params::Empty
            } else {
                mysql::Params::Positional(values)
            };
            conn.exec_iter(&stmt, params)
                .map(Results::Binary)
                .map_err(map_error)
        }
        Err(mysql::Error::MySqlError(e)) if e.code == ER_UNSUPPORTED_PS && params.is_empty() => {
            if may_change_database(sql) {
                stmts.clear(conn).map_err(map_error)?;
            }
            conn.query_iter(sql).map(Results::Text).map_err(map_error)
        }
        Err(e) => Err(map_error(e)),
    }
}

/// The parameters as MySQL values (text and bytes copied: the `mysql`
/// crate takes owned values), in one walk over them. Parameters that
/// would not fit one packet of at most `max_packet` bytes are refused (the
/// server would drop the connection), without copying the values past
/// the limit.
fn bind(params: &dyn Params, max_packet: usize) -> Result<Vec<MyValue>> {
    // Each value is sent with a type byte, a length and its bytes; fixed-size
    // values take at most 12 bytes.
    let mut bytes = 16;
    // Room for up to 16 values (512 bytes) first, then grown: one fresh
    // allocation of a batch's size, or any first one of 1 KiB or more,
    // made glibc's malloc consolidate its free lists on every statement
    // (W3 n = 100 on MariaDB, client instructions by callgrind: 167 000
    // sized, 164 800 from 32 values, 141 000 grown from none, 139 800
    // from 16). From 16, a batch of 200 values grows in 5 allocations,
    // not 7: W3 n = 100 allocates 186 times a statement, raw 182.
    let mut values = Vec::with_capacity(params.len().min(16));
    params.each(&mut |_, value, _| {
        bytes += match value {
            ValueRef::Text(t) => t.len() + 9,
            ValueRef::Blob(b) => b.len() + 9,
            #[cfg(feature = "json")]
            ValueRef::Json(j) => j.to_string().len() + 9,
            _ => 12,
        };
        if bytes <= max_packet {
            values.push(to_mysql(value)?);
        }
        Ok(())
    })?;
    if bytes > max_packet {
        return Err(too_large(bytes, max_packet));
    }
    Ok(values)
}

/// A statement of about `bytes` bytes is over the server's packet size.
fn too_large(bytes: usize, max_packet: usize) -> Error {
    Error::StatementTooLarge {
        bytes,
        max: max_packet,
        what: "the server's max_allowed_packet".to_owned(),
    }
}

fn date_value(d: NaiveDate, t: Option<NaiveDateTime>) -> Result<MyValue> {
    let year = u16::try_from(d.year())
        .ok()
        .filter(|y| *y <= 9999)
        .ok_or_else(|| Error::invalid(format!("{d} is outside MySQL's years 0 to 9999")))?;
    let (h, m, s, us) = t.map_or((0, 0, 0, 0), |t| {
        (
            t.hour(),
            t.minute(),
            t.second(),
            // A leap second's nanoseconds run past one second.
            (t.nanosecond() / 1_000).min(999_999),
        )
    });
    // Every component is in range: chrono checked it.
    let narrow = |v: u32| u8::try_from(v).unwrap_or(u8::MAX);
    Ok(MyValue::Date(
        year,
        narrow(d.month()),
        narrow(d.day()),
        narrow(h),
        narrow(m),
        narrow(s),
        us,
    ))
}

fn to_mysql(v: ValueRef<'_>) -> Result<MyValue> {
    Ok(match v {
        ValueRef::Null => MyValue::NULL,
        ValueRef::Bool(b) => MyValue::Int(i64::from(b)),
        ValueRef::Int(i) => MyValue::Int(i),
        ValueRef::Float(f) => MyValue::Double(f),
        ValueRef::Text(s) => MyValue::Bytes(s.as_bytes().to_vec()),
        ValueRef::Blob(b) => MyValue::Bytes(b.to_vec()),
        ValueRef::Date(d) => date_value(d, None)?,
        ValueRef::DateTime(d) => date_value(d.date(), Some(d))?,
        ValueRef::Timestamp(d) => {
            let utc = d.naive_utc();
            date_value(utc.date(), Some(utc))?
        }
        // A time of day: never negative, under 24 hours (the microseconds
        // were checked before binding).
        #[allow(clippy::cast_possible_truncation)]
        ValueRef::Time(t) => MyValue::Time(
            false,
            0,
            t.hour() as u8,
            t.minute() as u8,
            t.second() as u8,
            t.nanosecond() / 1_000,
        ),
        // Exact: MySQL converts the text to DECIMAL.
        #[cfg(feature = "decimal")]
        ValueRef::Decimal(d) => MyValue::Bytes(d.to_string().into_bytes()),
        #[cfg(feature = "uuid")]
        ValueRef::Uuid(u) => MyValue::Bytes(u.hyphenated().to_string().into_bytes()),
        #[cfg(feature = "json")]
        ValueRef::Json(j) => MyValue::Bytes(j.to_string().into_bytes()),
        other => {
            return Err(Error::invalid(format!(
                "cannot bind a {} value on MySQL",
                other.kind()
            )))
        }
    })
}

impl Backend for MysqlBackend {
    fn dialect(&self) -> &'static dyn Dialect {
        self.dialect
    }

    fn execute(&self, sql: &str, params: &dyn Params) -> Result<u64> {
        let mut inner = self.lock()?;
        let mut results = start(&mut inner, sql, params)?;
        let n = results.affected_rows();
        results.finish()?;
        Ok(n)
    }

    fn insert(&self, sql: &str, params: &dyn Params, key: GeneratedKey) -> Result<Option<i64>> {
        if key != GeneratedKey::LastInsertId {
            // MySQL has no RETURNING: keys come from LAST_INSERT_ID.
            return self.execute(sql, params).map(|_| None);
        }
        let mut inner = self.lock()?;
        let mut results = start(&mut inner, sql, params)?;
        let (n, id) = (results.affected_rows(), results.last_insert_id());
        results.finish()?;
        match id.filter(|&id| n > 0 && id != 0) {
            None => Ok(None),
            Some(id) => i64::try_from(id)
                .map(Some)
                .map_err(|_| Error::invalid(format!("generated key {id} does not fit an i64"))),
        }
    }

    fn query_each(&self, sql: &str, params: &dyn Params, f: &mut RowCallback<'_>) -> Result<()> {
        let mut inner = self.lock()?;
        let mut results = start(&mut inner, sql, params)?;
        while let Some(mut row) = results.next_row()? {
            if !f(&mut MysqlRow(&mut row))? {
                break;
            }
        }
        Ok(())
    }

    fn query<'a>(&'a self, sql: &str, params: &dyn Params) -> Result<Box<dyn RowStream + 'a>> {
        let inner = self.lock()?;
        Ok(Box::new(MysqlRows::start(inner, sql, params)?))
    }

    fn execute_batch(&self, sql: &str) -> Result<()> {
        let mut inner = self.lock()?;
        let Inner { conn, stmts, .. } = &mut *inner;
        if may_change_database(sql) {
            stmts.clear(conn).map_err(map_error)?;
        }
        let run = |conn: &mut Conn| -> mysql::Result<()> {
            let mut results = conn.query_iter(sql)?;
            // Each statement's result, so that an error in a later statement
            // is reported (dropping the results would skip it).
            while let Some(mut set) = results.iter() {
                for row in &mut set {
                    row?;
                }
            }
            Ok(())
        };
        run(conn).map_err(map_error)
    }

    fn transaction(&self, op: TxControl<'_>) -> Result<()> {
        // Never a change of database: no check. A COMMIT that loses the
        // connection is a `Connection` error, which the transaction code
        // reports as an ambiguous commit.
        let mut inner = self.lock()?;
        for sql in self.dialect().tx_statements(op)? {
            inner.conn.query_drop(&*sql).map_err(map_error)?;
        }
        Ok(())
    }

    fn catalogue(&self) -> &'static dyn orm_core::driver::Catalogue {
        &catalogue::MysqlCatalogue
    }

    fn set_statement_cache_capacity(&self, capacity: usize) {
        self.capacity.set(capacity);
        if let Ok(mut inner) = self.inner.try_borrow_mut() {
            let Inner { conn, stmts, .. } = &mut *inner;
            if let Err(e) = stmts.set_capacity(conn, capacity) {
                log::warn!(target: orm_core::LOG_TARGET, "closing statements failed: {}", e.to_string().escape_debug());
            }
        }
    }

    fn is_healthy(&self) -> bool {
        self.inner
            .try_borrow_mut()
            .is_ok_and(|mut inner| inner.conn.ping().is_ok())
    }
}

/// Server errors about the connection itself: too many connections, access
/// denied, server shutting down, connection killed, idle timeout and the
/// like.
const CONNECTION_CODES: &[u16] = &[
    1040, 1043, 1044, 1045, 1053, 1077, 1078, 1079, 1080, 1081, 1129, 1130, 1133, 1152, 1153, 1154,
    1155, 1156, 1157, 1158, 1159, 1160, 1161, 1184, 1226, 1251, 1275, 1927, 4031,
];

/// The driver error, with the server's error number as its code.
fn db_error(e: mysql::Error) -> DbError {
    let (code, message) = match &e {
        mysql::Error::MySqlError(m) => (Some(m.code.to_string()), m.message.clone()),
        other => (None, other.to_string()),
    };
    DbError::new(code, message, Some(Box::new(e)))
}

/// The text between the first pair of single quotes of `msg`.
fn quoted(msg: &str) -> Option<&str> {
    let start = msg.find('\'')? + 1;
    let len = msg[start..].find('\'')?;
    Some(&msg[start..start + len])
}

/// The column a data error names: "... for column 'name' at row 1", or
/// "... for column `db`.`t`.`name` at row 1".
fn data_column(msg: &str) -> String {
    msg.split_once("column ")
        .map(|(_, rest)| rest.split(" at row").next().unwrap_or(rest))
        .map(|c| c.replace(['\'', '`'], ""))
        .unwrap_or_else(|| "a column".to_owned())
}

/// Classifies a `mysql` error into a typed [`Error`].
pub fn map_error(e: mysql::Error) -> Error {
    match &e {
        mysql::Error::MySqlError(m) => {
            let code = m.code;
            let message = m.message.clone();
            match code {
                1062 | 1022 | 1169 | 1557 | 1586 => Error::UniqueViolation(db_error(e)),
                1451 | 1452 | 1216 | 1217 | 1701 => Error::ForeignKeyViolation(db_error(e)),
                1048 | 1364 | 1263 | 1138 => Error::NotNullViolation(db_error(e)),
                3819 | 4025 => Error::CheckViolation(db_error(e)),
                1213 => Error::Deadlock(db_error(e)),
                // "Data too long for column 'name' at row 1", out of range,
                // truncated, incorrect value: strict mode refused to alter it.
                1264 | 1265 | 1292 | 1366 | 1406 => Error::UnrepresentableValue {
                    target: data_column(&message),
                    reason: message,
                },
                // Lock wait timeout, a changed record under snapshot
                // isolation, a NOWAIT lock refused: run it again.
                1205 | 1020 | 3572 => Error::SerializationFailure(db_error(e)),
                // "Unknown column 'users.nope' in 'where clause'"
                1054 => {
                    let name = quoted(&message).unwrap_or_default();
                    let (table, column) = match name.rsplit_once('.') {
                        Some((t, c)) => (Some(t.to_owned()), c.to_owned()),
                        None => (None, name.to_owned()),
                    };
                    Error::UnknownColumn { table, column }
                }
                // "Table 'db.users' doesn't exist", "Unknown table 'db.t'"
                1146 | 1051 | 1109 => {
                    let name = quoted(&message).unwrap_or_default();
                    let table = name.split_once('.').map_or(name, |(_, t)| t);
                    Error::UnknownTable {
                        table: table.to_owned(),
                    }
                }
                1046 | 1052 | 1055 | 1056 | 1057 | 1059 | 1060 | 1061 | 1063 | 1064 | 1065
                | 1066 | 1067 | 1068 | 1070 | 1071 | 1072 | 1074 | 1075 | 1090 | 1093 | 1101
                | 1102 | 1103 | 1111 | 1140 | 1149 | 1170 | 1210 | 1221 | 1222 | 1235 | 1241
                | 1242 | 1247 | 1248 | 1267 | 1270 | 1271 | 1295 | 1305 | 1318 | 1327 | 1415
                | 1463 | 1582 | 1583 | 1630 | 1690 | 3105 => Error::InvalidQuery {
                    message,
                    source: Some(db_error(e)),
                },
                c if CONNECTION_CODES.contains(&c) => Error::Connection {
                    message,
                    source: Some(db_error(e)),
                },
                _ => Error::Database(db_error(e)),
            }
        }
        mysql::Error::DriverError(d) => match d {
            DriverError::MismatchedStmtParams(..)
            | DriverError::MixedParams
            | DriverError::Params(_)
            | DriverError::BulkExecute(_) => Error::InvalidQuery {
                message: d.to_string(),
                source: Some(db_error(e)),
            },
            _ => Error::Connection {
                message: d.to_string(),
                source: Some(db_error(e)),
            },
        },
        mysql::Error::IoError(_) | mysql::Error::CodecError(_) | mysql::Error::TlsError(_) => {
            Error::Connection {
                message: format!("lost the connection to the MySQL server: {e}"),
                source: Some(db_error(e)),
            }
        }
        mysql::Error::UrlError(u) => Error::InvalidUrl(u.to_string()),
        _ => Error::Database(db_error(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_statements_are_spotted() {
        assert!(may_change_database("USE `x`"));
        assert!(may_change_database("CREATE DATABASE x; use x"));
        assert!(!may_change_database("SELECT user FROM t"));
        assert!(!may_change_database("UPDATE users SET a = 1"));
    }

    #[test]
    fn server_errors_are_typed() {
        let err = |code: u16, message: &str| {
            map_error(mysql::Error::MySqlError(mysql::MySqlError {
                state: "HY000".into(),
                message: message.into(),
                code,
            }))
        };
        assert!(matches!(
            err(1062, "Duplicate entry"),
            Error::UniqueViolation(_)
        ));
        assert!(matches!(err(1452, "fk"), Error::ForeignKeyViolation(_)));
        assert!(matches!(
            err(1364, "no default"),
            Error::NotNullViolation(_)
        ));
        assert!(matches!(err(4025, "check"), Error::CheckViolation(_)));
        let d = err(1213, "deadlock");
        assert!(matches!(d, Error::Deadlock(_)) && d.is_retryable());
        let t = err(1205, "lock wait");
        assert!(matches!(t, Error::SerializationFailure(_)) && t.is_retryable());
        assert!(matches!(
            err(1054, "Unknown column 'users.nope' in 'where clause'"),
            Error::UnknownColumn { table: Some(t), column } if t == "users" && column == "nope"
        ));
        assert!(matches!(
            err(1146, "Table 'db.nowhere' doesn't exist"),
            Error::UnknownTable { table } if table == "nowhere"
        ));
        assert!(matches!(err(1064, "syntax"), Error::InvalidQuery { .. }));
        assert!(matches!(err(1045, "denied"), Error::Connection { .. }));
        assert_eq!(
            err(1062, "x").db_error().and_then(|d| d.code.as_deref()),
            Some("1062")
        );
    }

    #[test]
    fn values_bind_as_mysql_values() {
        let d = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        let t = d.and_hms_micro_opt(1, 2, 3, 456_789).unwrap();
        assert_eq!(
            to_mysql(ValueRef::DateTime(t)).unwrap(),
            MyValue::Date(2024, 2, 29, 1, 2, 3, 456_789)
        );
        assert_eq!(
            to_mysql(ValueRef::Date(d)).unwrap(),
            MyValue::Date(2024, 2, 29, 0, 0, 0, 0)
        );
        assert_eq!(to_mysql(ValueRef::Bool(true)).unwrap(), MyValue::Int(1));
        let far = NaiveDate::from_ymd_opt(12_000, 1, 1).unwrap();
        assert!(to_mysql(ValueRef::Date(far)).is_err());
    }
}
