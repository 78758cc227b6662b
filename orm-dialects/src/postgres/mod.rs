//! PostgreSQL and CockroachDB through tokio-postgres, driven synchronously
//! on a current-thread runtime each connection owns, as the `postgres` crate
//! does, except that rows are read a batch per entry into the runtime (see
//! the `client` module).
//!
//! URLs are libpq's (see [`open`]): `postgresql://user:pass@host:5432/db?sslmode=verify-full&...`;
//! `cockroachdb://...` (default port 26257) or `?dialect=cockroachdb` picks
//! the [`CockroachDialect`], which shares this driver.
//!
//! - Statements are prepared once per connection and kept in a cache keyed
//!   by SQL text (least recently used evicted; `cache=<n>` in the URL or
//!   [`Connection::set_statement_cache_capacity`]). A statement whose
//!   cached plan went stale after a schema change is prepared again; the
//!   cache is emptied before an
//!   [`execute_batch`](orm_core::driver::Backend::execute_batch) that may change
//!   what a statement means or drop it (DDL, `SET search_path`, `SET ROLE`,
//!   `RESET ALL`, `DISCARD`, `DEALLOCATE`, or a `SELECT`, `DO` or `CALL`
//!   whose function might), and kept across transaction control, data
//!   changes (`INSERT`, `UPDATE`, `DELETE`, `TRUNCATE`) and other settings.
//! - Parameters are encoded for the type the server inferred (see
//!   [`bind`](self#binding)): integers are range-checked, anything without a
//!   native encoding goes in the text format.
//! - Rows are decoded in place by column type; text and `bytea` are borrowed.
//!   `NUMERIC` is read as an exact integer when integral, else the nearest
//!   float (an exact decimal type comes with a later change).
//! - Every query fetches all its rows in one execution (`max_rows` 0), so no
//!   portal is ever left suspended, inside a transaction or out: what
//!   CockroachDB requires. Rows are streamed: each entry into the client's
//!   runtime takes the rows received so far (up to 256, or 1 MiB of row
//!   data; the first row alone, so that a `find` stops there), and they
//!   are decoded after it, outside the runtime, while the server may still
//!   be sending the next. Statements that return no rows or one
//!   (`execute`, `insert`) make one entry.
//! - Errors are typed by SQLSTATE, the driver's error kept as the source.
//!
//! # Binding
//!
//! Native matches go in the binary format: integers to `int2` / `int4` /
//! `int8` (out of range is an error naming the value and the type), floats,
//! booleans, text, `bytea`, and chrono dates and times to `date` /
//! `timestamp` / `timestamptz`. Any other pairing (an integer for a
//! `numeric`, text for a `json`, `uuid` or `interval`) goes in the text
//! format, parsed by the server.

mod batch;
mod bind;
pub(crate) mod catalogue;
mod client;
mod cockroach;
mod dialect;
mod row;
mod tls;
mod url;

use std::cell::{Cell, RefCell, RefMut};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use crate::cache::StatementCache;
use client::{Client, ConnectError};
use orm_core::driver::{Backend, DriverConnection, RowStream};
use orm_core::driver::{GeneratedKey, Params, RowCallback, TxControl};
use orm_core::{Connection, DbError, Dialect, Error, Result, Row, ValueRef};
use postgres::types::{ToSql, Type};
use postgres::{NoTls, Statement};

pub use catalogue::{CockroachCatalogue, PostgresCatalogue};
pub use cockroach::CockroachScope;
pub use dialect::{CockroachDialect, PostgresDialect};
use row::PgRow;
use url::{Flavor, Host, PgUrl, TargetSession};

static POSTGRES: PostgresDialect = PostgresDialect;
static COCKROACH: CockroachDialect = CockroachDialect;

/// Opens a PostgreSQL or CockroachDB connection from a URL:
///
/// ```text
/// postgresql://[user[:password]@][host[:port][,host[:port]...]][/dbname][?param=value&...]
/// cockroachdb://...   (the CockroachDB dialect; default port 26257)
/// ```
///
/// Every part is percent-decoded; a host starting with `/` (`%2F...`) is a
/// Unix-socket directory. Parameters: `host`, `port`, `user`, `password`,
/// `dbname`, `sslmode` = `disable` | `prefer` (default) | `require` |
/// `verify-ca` | `verify-full`, `sslrootcert` (PEM file of trusted CAs, or
/// `system`), `sslcert` + `sslkey` (client certificate and key, PEM),
/// `options`, `application_name`, `connect_timeout` (seconds),
/// `target_session_attrs` = `any` (default) | `read-write` | `read-only` |
/// `primary` | `standby` | `prefer-standby` (the hosts of a list are tried
/// in order, and the first whose server is of that kind is kept: libpq's
/// rules, `transaction_read_only` and `pg_is_in_recovery()`),
/// `inject_retry_errors=true` (CockroachDB's test mode that fails
/// transactions with retryable errors, to exercise retry paths), and `orm`'s
/// `dialect` = `postgres` | `cockroachdb` and `cache` (prepared statements
/// kept, default 256). The user defaults to `$PGUSER`, then `$USER`.
/// Without `dialect=` on a `postgresql://` URL (CockroachDB's own
/// connection strings use that scheme), the server's `version()` decides.
///
/// A malformed URL or an unknown parameter is an [`Error::InvalidUrl`]; a
/// server that cannot be reached, refuses the credentials or fails the TLS
/// checks an [`Error::Connection`] that says why.
pub fn open(url: &str) -> Result<Connection> {
    Ok(<Connection as DriverConnection>::from_backend(Box::new(
        PostgresBackend::open(url)?,
    )))
}

/// The native connection and its prepared statements by SQL text (the
/// least recently used evicted first), borrowed together.
struct Inner {
    client: Client,
    cache: StatementCache<Prepared>,
}

/// A prepared statement and how each of its result columns decodes.
#[derive(Clone)]
struct Prepared {
    stmt: Statement,
    kinds: Arc<[row::Kind]>,
}

/// A PostgreSQL or CockroachDB connection.
pub struct PostgresBackend {
    inner: RefCell<Inner>,
    capacity: Cell<usize>,
    dialect: &'static dyn Dialect,
}

impl std::fmt::Debug for PostgresBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresBackend")
            .field("dialect", &self.dialect.name())
            .field("cache_capacity", &self.capacity.get())
            .finish_non_exhaustive()
    }
}

fn host_list(u: &PgUrl) -> String {
    u.hosts
        .iter()
        .map(|(h, port)| match h {
            Host::Tcp(name) if name.contains(':') => format!("[{name}]:{port}"),
            Host::Tcp(name) => format!("{name}:{port}"),
            Host::Unix(dir) => format!("{}/.s.PGSQL.{port}", dir.display()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn config(u: &PgUrl, url: &str) -> Result<tokio_postgres::Config> {
    let mut config = tokio_postgres::Config::new();
    let user = u
        .user
        .clone()
        .or_else(|| std::env::var("PGUSER").ok())
        .or_else(|| std::env::var("USER").ok())
        .ok_or_else(|| {
            Error::InvalidUrl(format!(
                "{}: no user name: give one in the URL (postgresql://user@host/db)",
                url::redact(url)
            ))
        })?;
    config.user(&user);
    if let Some(p) = &u.password {
        config.password(p);
    }
    if let Some(db) = &u.dbname {
        config.dbname(db);
    }
    for (host, port) in &u.hosts {
        match host {
            Host::Tcp(name) => config.host(name),
            Host::Unix(dir) => config.host_path(dir),
        };
        config.port(*port);
    }
    if let Some(o) = &u.options {
        config.options(o);
    }
    if let Some(a) = &u.application_name {
        config.application_name(a);
    }
    if let Some(t) = u.connect_timeout {
        config.connect_timeout(t);
    }
    config.ssl_mode(match u.ssl_mode {
        url::SslMode::Disable => tokio_postgres::config::SslMode::Disable,
        url::SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
        _ => tokio_postgres::config::SslMode::Require,
    });
    Ok(config)
}

/// CockroachDB when its `version()` says so (`CockroachDB CCL v23.2.0
/// ...`), PostgreSQL otherwise.
fn flavor_of_version(version: &str) -> Flavor {
    if version.trim_start().starts_with("CockroachDB") {
        Flavor::Cockroach
    } else {
        Flavor::Postgres
    }
}

/// Connects to the first host of `u` that accepts the connection.
fn connect(u: &PgUrl, url: &str) -> Result<Client> {
    let config = config(u, url)?;
    match tls::connector(u)? {
        None => Client::connect(&config, NoTls),
        Some(tls) => Client::connect(&config, tls),
    }
    .map_err(|e| match e {
        ConnectError::Postgres(e) => connect_error(u, e),
        ConnectError::Runtime(e) => Error::Connection {
            message: format!(
                "PostgreSQL at {}: cannot start the client's runtime: {e}",
                host_list(u)
            ),
            source: None,
        },
    })
}

/// Whether the server of `client` is what `target` asks for (libpq's
/// checks: `transaction_read_only` for read-write / read-only,
/// `pg_is_in_recovery()` for primary / standby).
fn is_target(client: &mut Client, target: TargetSession) -> std::result::Result<bool, String> {
    let text = |e: postgres::Error| e.to_string();
    Ok(match target {
        TargetSession::Any => true,
        TargetSession::ReadWrite | TargetSession::ReadOnly => {
            let row = client
                .call(|c| c.query_one("SHOW transaction_read_only", &[]))
                .map_err(text)?;
            let read_only = row.get::<_, String>(0) == "on";
            read_only == (target == TargetSession::ReadOnly)
        }
        TargetSession::Primary | TargetSession::Standby | TargetSession::PreferStandby => {
            let row = client
                .call(|c| c.query_one("SELECT pg_is_in_recovery()", &[]))
                .map_err(text)?;
            let standby: bool = row.get(0);
            standby == (target != TargetSession::Primary)
        }
    })
}

/// Connects to the first host of `u`, in order, whose server is what
/// `target_session_attrs` asks for (for `prefer-standby`: a standby, else
/// any that answers). A host that cannot be reached, or is not the right
/// kind, is skipped; the error says what each host was.
fn connect_to_target(u: &PgUrl, url: &str) -> Result<Client> {
    let passes = match u.target_session {
        TargetSession::PreferStandby => [TargetSession::Standby, TargetSession::Any],
        t => [t, t],
    };
    let passes = if passes[0] == passes[1] {
        &passes[..1]
    } else {
        &passes[..]
    };
    let mut seen: Vec<String> = Vec::new();
    for &target in passes {
        for host in &u.hosts {
            let one = PgUrl {
                hosts: vec![host.clone()],
                ..u.clone()
            };
            let name = host_list(&one);
            match connect(&one, url) {
                Err(e) => seen.push(format!("{name}: {e}")),
                Ok(mut client) => match is_target(&mut client, target) {
                    Ok(true) => return Ok(client),
                    Ok(false) => seen.push(format!("{name}: not {}", target.as_str())),
                    Err(e) => seen.push(format!("{name}: {e}")),
                },
            }
        }
    }
    Err(Error::Connection {
        message: format!(
            "PostgreSQL: no server of {} is {} (target_session_attrs): {}",
            host_list(u),
            u.target_session.as_str(),
            seen.join("; ")
        ),
        source: None,
    })
}

/// Why connecting failed, in words.
fn connect_error(u: &PgUrl, e: postgres::Error) -> Error {
    let text = tls::chain(&e);
    let code = e.code().map(|c| c.code().to_owned());
    let why = if let Some(db) = e.as_db_error() {
        let msg = db.message();
        match db.code().code() {
            c if c.starts_with("28") => {
                let hint = if msg.contains("no encryption") {
                    " (the server accepts this connection only over TLS: use sslmode=require \
                     or stronger)"
                } else if msg.contains("certificate") {
                    " (give a client certificate the server trusts with sslcert and sslkey)"
                } else {
                    ""
                };
                format!("the server refused the connection: {msg}{hint}")
            }
            "3D000" => format!("no such database: {msg}"),
            _ => format!("the server refused the connection: {msg}"),
        }
    } else if let Some(why) = tls::explain(u, &text) {
        why
    } else {
        format!("cannot connect: {text}")
    };
    Error::Connection {
        message: format!("PostgreSQL at {}: {why}", host_list(u)),
        source: Some(DbError::new(code, text, Some(Box::new(e)))),
    }
}

/// Whether `e` says a cached statement's plan no longer fits its tables.
fn is_stale_plan(e: &postgres::Error) -> bool {
    e.as_db_error().is_some_and(|db| {
        db.code().code() == "0A000" && db.message().contains("cached plan must not change")
    })
}

/// Parameters kept on the stack (beyond, one vector of them and one of
/// references are allocated).
const STACK_PARAMS: usize = 16;

/// Calls `f` with the parameters as the `postgres` client takes them, each
/// encoded for its type in `types` (the statement's parameter types).
fn with_binds<T>(
    params: &dyn Params,
    types: &[Type],
    f: impl FnOnce(&[&(dyn ToSql + Sync)]) -> T,
) -> Result<T> {
    let n = params.len().min(types.len());
    if n <= STACK_PARAMS {
        let values: [bind::Param<'_>; STACK_PARAMS] = std::array::from_fn(|i| {
            if i < n {
                bind::Param::new(params.get(i), &types[i])
            } else {
                bind::Param::NULL
            }
        });
        let refs: [&(dyn ToSql + Sync); STACK_PARAMS] =
            std::array::from_fn(|i| &values[i] as &(dyn ToSql + Sync));
        Ok(f(&refs[..n]))
    } else {
        // Walked in order (a batch of records row after row), not located
        // one index at a time.
        let mut values = Vec::with_capacity(n);
        params.each(&mut |i, value, _| {
            if let Some(ty) = types.get(i) {
                values.push(bind::Param::new(value, ty));
            }
            Ok(())
        })?;
        let refs: Vec<&(dyn ToSql + Sync)> =
            values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
        Ok(f(&refs))
    }
}

fn check_params(stmt: &Statement, params: &dyn Params, sql: &str) -> Result<()> {
    let expected = stmt.params().len();
    if expected != params.len() {
        return Err(Error::invalid(format!(
            "statement expects {expected} parameter(s), {} given: {sql}",
            params.len()
        )));
    }
    Ok(())
}

impl PostgresBackend {
    fn new(client: Client, dialect: &'static dyn Dialect, cache: usize) -> Self {
        PostgresBackend {
            inner: RefCell::new(Inner {
                client,
                cache: StatementCache::new(cache),
            }),
            capacity: Cell::new(cache),
            dialect,
        }
    }

    /// Connects from a `postgres://`, `postgresql://` or `cockroachdb://`
    /// URL (see [`open`]).
    pub fn open(url: &str) -> Result<Self> {
        let u = url::parse(url)?;
        let mut client = match u.target_session {
            TargetSession::Any => connect(&u, url)?,
            _ => connect_to_target(&u, url)?,
        };
        let flavor = if u.flavor_given {
            u.flavor
        } else {
            // CockroachDB's own connection strings say postgresql://: its
            // version() tells.
            let version: String = client
                .call(|c| c.query_one("SELECT version()", &[]))
                .map_err(map_error)?
                .get(0);
            flavor_of_version(&version)
        };
        if u.inject_retry_errors {
            if flavor != Flavor::Cockroach {
                return Err(Error::InvalidUrl(format!(
                    "{}: inject_retry_errors is CockroachDB's test mode, and the server is \
                     PostgreSQL",
                    url::redact(url)
                )));
            }
            client
                .call(|c| c.batch_execute(cockroach::INJECT_RETRY_ERRORS))
                .map_err(map_error)?;
        }
        let dialect: &'static dyn Dialect = match flavor {
            Flavor::Postgres => &POSTGRES,
            Flavor::Cockroach => &COCKROACH,
        };
        Ok(Self::new(client, dialect, u.cache))
    }

    fn borrow(&self) -> Result<RefMut<'_, Inner>> {
        self.inner.try_borrow_mut().map_err(|_| {
            Error::invalid(
                "this PostgreSQL connection is busy streaming the rows of another query: \
                 finish or drop that iterator first (a connection runs one statement at a time)",
            )
        })
    }

    /// The prepared statement for `sql`, from the cache or prepared now.
    fn statement(&self, inner: &mut Inner, sql: &str) -> Result<Prepared> {
        if let Some(s) = inner.cache.get(sql) {
            return Ok(s);
        }
        let stmt = inner.client.call(|c| c.prepare(sql)).map_err(map_error)?;
        let stmt = Prepared {
            kinds: row::kinds(stmt.columns()),
            stmt,
        };
        // An evicted statement is closed on the server when dropped. (A
        // capacity set while rows were streaming applies now.)
        if inner.cache.capacity() != self.capacity.get() {
            drop(inner.cache.set_capacity(self.capacity.get()));
        }
        drop(inner.cache.put(sql, stmt.clone()));
        Ok(stmt)
    }

    /// Runs `sql` through `exec` (one entry into the client's runtime: the
    /// rows, if any, come back together).
    fn run<T>(
        &self,
        sql: &str,
        params: &dyn Params,
        mut exec: impl FnMut(
            &mut Client,
            &Statement,
            &[&(dyn ToSql + Sync)],
        ) -> std::result::Result<T, postgres::Error>,
    ) -> Result<T> {
        self.with_statement(sql, params, |client, stmt| {
            with_binds(params, stmt.stmt.params(), |binds| {
                exec(client, &stmt.stmt, binds)
            })
            .map_err(Failure::Later)?
            .map_err(Failure::Start)
        })
    }

    /// Runs `exec` with the prepared statement of `sql`. A statement whose
    /// cached plan went stale when it started (`Failure::Start`) is prepared
    /// again, once.
    fn with_statement<T>(
        &self,
        sql: &str,
        params: &dyn Params,
        mut exec: impl FnMut(&mut Client, &Prepared) -> std::result::Result<T, Failure>,
    ) -> Result<T> {
        let mut inner = self.borrow()?;
        let mut stale: Option<postgres::Error> = None;
        loop {
            let stmt = self.statement(&mut inner, sql)?;
            check_params(&stmt.stmt, params, sql)?;
            let e = match exec(&mut inner.client, &stmt) {
                Ok(v) => return Ok(v),
                Err(Failure::Later(e)) => return Err(e),
                Err(Failure::Start(e)) => e,
            };
            if stale.is_none() && is_stale_plan(&e) {
                inner.cache.remove(sql);
                stale = Some(e);
                continue;
            }
            // Inside a transaction the stale plan aborted it: report that.
            return Err(map_error(stale.unwrap_or(e)));
        }
    }
}

/// How running a statement failed: when it started (a stale plan is
/// retried), or later (reading rows, or the caller's own error).
enum Failure {
    Start(postgres::Error),
    Later(Error),
}

impl Backend for PostgresBackend {
    fn dialect(&self) -> &'static dyn Dialect {
        self.dialect
    }

    fn execute(&self, sql: &str, params: &dyn Params) -> Result<u64> {
        self.run(sql, params, |client, stmt, binds| {
            client.call(|c| c.execute(stmt, binds))
        })
    }

    fn insert(&self, sql: &str, params: &dyn Params, key: GeneratedKey) -> Result<Option<i64>> {
        if key != GeneratedKey::Returning {
            // PostgreSQL reports generated keys only through RETURNING.
            return self.execute(sql, params).map(|_| None);
        }
        let rows = self.run(sql, params, |client, stmt, binds| {
            client.call(|c| c.query(stmt, binds))
        })?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        match row::value(row, 0)? {
            ValueRef::Int(k) => Ok(Some(k)),
            other => Err(Error::invalid(format!(
                "the INSERT returned a {} where a generated integer key was expected: {sql}",
                other.kind()
            ))),
        }
    }

    fn query_each(&self, sql: &str, params: &dyn Params, f: &mut RowCallback<'_>) -> Result<()> {
        // Streamed, not collected: each runtime entry takes the rows
        // received so far (see `client`), and they are decoded outside it
        // while the server keeps sending. Collecting enters the runtime
        // once too but decodes nothing until the last row has arrived (W7
        // and W2 at n = 10 000 were 25-30 % slower collected, with the
        // server on another CPU); a runtime entry per row cost about 1 300
        // instructions a row.
        self.with_statement(sql, params, |client, stmt| {
            let started = with_binds(params, stmt.stmt.params(), |binds| {
                client.query_raw(&stmt.stmt, binds.iter().copied())
            });
            let mut rows = started.map_err(Failure::Later)?.map_err(Failure::Start)?;
            let mut batch = client.take_buffer();
            // The first row alone: a caller that wants one (`find`,
            // `first`) stops there, before the stream's end is read
            // (about 900 client instructions less per `find`).
            let mut max = 1;
            let read = (|| loop {
                let more = client
                    .next_batch(&mut rows, &mut batch, max)
                    .map_err(|e| Failure::Later(map_error(e)))?;
                max = client::BATCH;
                while let Some(row) = batch.pop_front() {
                    let mut row = PgRow {
                        row,
                        kinds: &stmt.kinds,
                    };
                    if !f(&mut row).map_err(Failure::Later)? {
                        return Ok(());
                    }
                }
                if !more {
                    return Ok(());
                }
            })();
            client.give_back(batch);
            read
        })
    }

    fn query<'a>(&'a self, sql: &str, params: &dyn Params) -> Result<Box<dyn RowStream + 'a>> {
        let mut retried = false;
        loop {
            let mut guard = self.borrow()?;
            let stmt = self.statement(&mut guard, sql)?;
            check_params(&stmt.stmt, params, sql)?;
            // As many as the statement takes (`check_params`).
            let types = stmt.stmt.params().iter().enumerate();
            let started = guard.client.query_raw(
                &stmt.stmt,
                types.map(|(i, ty)| bind::Param::new(params.get(i), ty)),
            );
            match started {
                Ok(rows) => {
                    return Ok(Box::new(PgRows {
                        guard,
                        rows,
                        batch: VecDeque::new(),
                        kinds: stmt.kinds,
                        current: None,
                        done: false,
                    }))
                }
                Err(e) if !retried && is_stale_plan(&e) => {
                    guard.cache.remove(sql);
                    retried = true;
                }
                Err(e) => return Err(map_error(e)),
            }
        }
    }

    fn execute_batch(&self, sql: &str) -> Result<()> {
        let mut inner = self.borrow()?;
        if batch::may_invalidate_statements(sql) {
            // DDL, the search path or the role may change what a cached
            // statement means; DISCARD or DEALLOCATE drops it.
            drop(inner.cache.clear());
        }
        inner
            .client
            .call(|c| c.batch_execute(sql))
            .map_err(map_error)
    }

    fn transaction(&self, op: TxControl<'_>) -> Result<()> {
        // Transaction control never changes what a cached statement means:
        // no check. A connection lost at COMMIT is an `Error::Connection`
        // here, which the transaction code reports as ambiguous.
        let mut inner = self.borrow()?;
        for sql in self.dialect.tx_statements(op)? {
            inner
                .client
                .call(|c| c.batch_execute(&sql))
                .map_err(map_error)?;
        }
        Ok(())
    }

    fn catalogue(&self) -> &'static dyn orm_core::driver::Catalogue {
        if self.dialect.name() == "cockroachdb" {
            &catalogue::CockroachCatalogue
        } else {
            &catalogue::PostgresCatalogue
        }
    }

    fn set_statement_cache_capacity(&self, capacity: usize) {
        self.capacity.set(capacity);
        if let Ok(mut inner) = self.inner.try_borrow_mut() {
            drop(inner.cache.set_capacity(capacity));
        }
    }

    fn is_healthy(&self) -> bool {
        match self.inner.try_borrow_mut() {
            Ok(mut inner) => inner.client.is_valid(Duration::from_secs(5)),
            // Streaming rows: in use, so alive.
            Err(_) => true,
        }
    }
}

/// The stream of [`Backend::query`]: the running query, holding the
/// connection, the rows received and not yet read, and the current row.
struct PgRows<'c> {
    guard: RefMut<'c, Inner>,
    rows: client::Rows,
    batch: VecDeque<postgres::Row>,
    kinds: Arc<[row::Kind]>,
    current: Option<postgres::Row>,
    /// The rows ran out (or failed): the stream must not be polled again.
    done: bool,
}

impl RowStream for PgRows<'_> {
    fn next_row(&mut self) -> Result<Option<&mut dyn Row>> {
        self.current = None;
        if self.batch.is_empty() && !self.done {
            match self
                .guard
                .client
                .next_batch(&mut self.rows, &mut self.batch, client::BATCH)
            {
                Ok(more) => self.done = !more,
                Err(e) => {
                    self.done = true;
                    return Err(map_error(e));
                }
            }
        }
        self.current = self.batch.pop_front();
        Ok(self.current.is_some().then_some(self as &mut dyn Row))
    }
}

/// The current row of the stream.
impl Row for PgRows<'_> {
    fn len(&self) -> usize {
        self.current.as_ref().map_or(0, postgres::Row::len)
    }

    fn get_ref(&self, idx: usize) -> Result<ValueRef<'_>> {
        match &self.current {
            Some(row) => row::value(row, idx),
            None => Err(Error::invalid("no current row")),
        }
    }

    #[inline]
    fn try_get(&self, idx: usize) -> Option<ValueRef<'_>> {
        row::try_value(self.current.as_ref()?, &self.kinds, idx)
    }

    #[inline]
    fn take_text(&mut self, idx: usize) -> Option<Option<String>> {
        row::copy_text(self.current.as_ref()?, &self.kinds, idx)
    }

    fn column_name(&self, idx: usize) -> Option<&str> {
        self.current
            .as_ref()?
            .columns()
            .get(idx)
            .map(postgres::Column::name)
    }
}

fn connection_lost(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if s.is::<std::io::Error>() {
            return true;
        }
        source = s.source();
    }
    false
}

/// `relation "x" does not exist` → `x`.
fn quoted(msg: &str) -> Option<&str> {
    let start = msg.find('"')? + 1;
    let len = msg[start..].find('"')?;
    Some(&msg[start..start + len])
}

/// The column of `column "x" does not exist`, `column t.x does not exist`
/// or `column "x" of relation "t" does not exist`, with its table if named.
fn unknown_column(msg: &str, table: Option<&str>) -> (Option<String>, String) {
    let rest = msg.strip_prefix("column ").unwrap_or(msg);
    let (name, after) = if let Some(r) = rest.strip_prefix('"') {
        let end = r.find('"').unwrap_or(r.len());
        (&r[..end], &r[(end + 1).min(r.len())..])
    } else {
        let end = rest.find(' ').unwrap_or(rest.len());
        (&rest[..end], &rest[end..])
    };
    let (mut table, column) = match name.rsplit_once('.') {
        Some((t, c)) if !rest.starts_with('"') => (Some(t.to_owned()), c.to_owned()),
        _ => (table.map(str::to_owned), name.to_owned()),
    };
    if let Some(t) = after.strip_prefix(" of relation ").and_then(quoted) {
        table = Some(t.to_owned());
    }
    (table, column)
}

/// Classifies a `postgres` error into a typed [`Error`] by SQLSTATE; the
/// driver's error is kept as the source.
pub fn map_error(e: postgres::Error) -> Error {
    if let Some(db) = e.as_db_error() {
        let code = db.code().code().to_owned();
        let mut message = db.message().to_owned();
        if let Some(detail) = db.detail() {
            message.push_str(": ");
            message.push_str(detail);
        }
        if let Some(hint) = db.hint() {
            message.push_str(" (hint: ");
            message.push_str(hint);
            message.push(')');
        }
        let raw = db.message().to_owned();
        let table = db.table().map(str::to_owned);
        let wrap = |e: postgres::Error| {
            DbError::new(Some(code.clone()), message.clone(), Some(Box::new(e)))
        };
        return match code.as_str() {
            "23505" => Error::UniqueViolation(wrap(e)),
            "23503" => Error::ForeignKeyViolation(wrap(e)),
            "23502" => Error::NotNullViolation(wrap(e)),
            "23514" => Error::CheckViolation(wrap(e)),
            "40001" => Error::SerializationFailure(wrap(e)),
            "40P01" => Error::Deadlock(wrap(e)),
            "40003" => Error::AmbiguousCommit(wrap(e)),
            "42703" => {
                let (table, column) = unknown_column(&raw, table.as_deref());
                Error::UnknownColumn { table, column }
            }
            "42P01" => Error::UnknownTable {
                table: quoted(&raw).unwrap_or(&raw).to_owned(),
            },
            c if c.starts_with("42") || c == "0A000" => Error::InvalidQuery {
                message: message.clone(),
                source: Some(wrap(e)),
            },
            c if c.starts_with("08") || c.starts_with("57P") || c.starts_with("28") => {
                Error::Connection {
                    message: message.clone(),
                    source: Some(wrap(e)),
                }
            }
            _ => Error::Database(wrap(e)),
        };
    }
    let text = tls::chain(&e);
    if connection_lost(&e) {
        return Error::Connection {
            message: format!("the connection to the server was lost: {text}"),
            source: Some(DbError::new(None, text, Some(Box::new(e)))),
        };
    }
    if text.starts_with("error serializing parameter") || text.contains(" parameters but got ") {
        return Error::InvalidQuery {
            message: text.clone(),
            source: Some(DbError::new(None, text, Some(Box::new(e)))),
        };
    }
    Error::Database(DbError::new(None, text, Some(Box::new(e))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_version_tells_cockroachdb() {
        assert_eq!(
            flavor_of_version("CockroachDB CCL v23.2.0 (x86_64-pc-linux-gnu, built 2024/01/16)"),
            Flavor::Cockroach
        );
        assert_eq!(
            flavor_of_version("PostgreSQL 15.5 (Debian 15.5-0+deb12u1) on x86_64-pc-linux-gnu"),
            Flavor::Postgres
        );
    }

    #[test]
    fn unknown_column_messages() {
        assert_eq!(
            unknown_column("column \"nope\" does not exist", None),
            (None, "nope".to_owned())
        );
        assert_eq!(
            unknown_column("column users.nope does not exist", None),
            (Some("users".to_owned()), "nope".to_owned())
        );
        assert_eq!(
            unknown_column("column \"x\" of relation \"t\" does not exist", None),
            (Some("t".to_owned()), "x".to_owned())
        );
        assert_eq!(
            quoted("relation \"nowhere\" does not exist"),
            Some("nowhere")
        );
    }
}
