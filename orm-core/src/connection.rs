//! A database connection: the driver, statement logging and counting, raw
//! escape hatches, and the registry of dialects opened by URL scheme.

use std::cell::Cell;
use std::fmt;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use crate::backend::{Backend, Params, RowCallback, RowStream};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::expr::IntoArgs;
use crate::param_check::{exact, ValueCheck};
use crate::row::{FromRow, Layout};
use crate::sql::SqlBuilder;
use crate::value::Value;

/// Log target of every statement (`debug`), failure (`warn`) and slow query
/// (`warn`).
pub const LOG_TARGET: &str = "orm::sql";

/// A connection to one database. Not `Sync`: use one per thread, or a pool.
///
/// Every statement goes through it: it is logged through the `log` crate at
/// `debug` level with its parameters and duration, failures at `warn`, and
/// statements slower than [`set_slow_query_threshold`] at `warn`; and it is
/// counted ([`statement_count`]), so tests can assert how many queries a piece
/// of code runs.
///
/// [`set_slow_query_threshold`]: Connection::set_slow_query_threshold
/// [`statement_count`]: Connection::statement_count
pub struct Connection {
    backend: Box<dyn Backend>,
    dialect: &'static dyn Dialect,
    /// The check of bound values.
    check: ValueCheck,
    /// Whether the driver checks each value as it binds it
    /// ([`Backend::checks_values`]).
    driver_checks: bool,
    /// The dialect's [`Dialect::max_params`], asked once.
    max_params: usize,
    pub(crate) depth: Cell<u32>,
    statements: Cell<u64>,
    slow_query: Cell<Option<Duration>>,
    broken: Cell<bool>,
    log_parameters: Cell<bool>,
    pub(crate) watch: crate::n_plus_one::Watch,
    pub(crate) pending: crate::hooks::Pending,
    timestamps_off: Cell<bool>,
    pub(crate) route: crate::replica::Route,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("dialect", &self.dialect.name())
            .field("transaction_depth", &self.depth.get())
            .field("statements", &self.statements.get())
            .finish()
    }
}

/// No parameters.
pub const NO_PARAMS: &[Value; 0] = &[];

/// Text written to a log with its control characters escaped (`\n` as
/// `\\n`, ESC as `\\u{1b}`), so that it stays on one line and cannot carry
/// terminal escapes.
pub(crate) struct Escaped<'a>(pub &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest.find(|c: char| c.is_control()) {
            f.write_str(&rest[..i])?;
            let c = rest[i..].chars().next().unwrap_or_default();
            write!(f, "{}", c.escape_default())?;
            rest = &rest[i + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

/// A statement's parameters as logged: their values (Debug-escaped), or
/// only their count.
struct LoggedParams<'a> {
    params: &'a dyn Params,
    show: bool,
}

impl fmt::Display for LoggedParams<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.show {
            write!(f, "{:?}", self.params)
        } else {
            write!(f, "[{} parameter(s) redacted]", self.params.len())
        }
    }
}

/// Opens a driver connection from a URL.
pub type Opener = fn(&str) -> Result<Box<dyn Backend>>;

static REGISTRY: RwLock<Vec<(String, Opener)>> = RwLock::new(Vec::new());

/// Registers a dialect under a URL scheme (`mydb` for `mydb://...`), so that
/// `Connection::open` can open it. A registration replaces a built-in dialect
/// of the same scheme.
pub fn register_dialect(scheme: &str, opener: Opener) {
    if let Ok(mut reg) = REGISTRY.write() {
        reg.retain(|(s, _)| s != scheme);
        reg.push((scheme.to_owned(), opener));
    }
}

/// The opener registered for `scheme`, if any.
pub fn registered_dialect(scheme: &str) -> Option<Opener> {
    REGISTRY
        .read()
        .ok()?
        .iter()
        .find(|(s, _)| s == scheme)
        .map(|(_, o)| *o)
}

/// A statement under way (see `Connection::start`).
struct Started {
    at: Option<Instant>,
    #[cfg(feature = "tracing")]
    span: Option<tracing::span::EnteredSpan>,
}

impl Started {
    /// Whether a tracing span records this statement.
    fn traced(&self) -> bool {
        #[cfg(feature = "tracing")]
        return self.span.is_some();
        #[cfg(not(feature = "tracing"))]
        false
    }
}

impl Connection {
    /// Wraps a driver connection.
    pub(crate) fn from_backend(backend: Box<dyn Backend>) -> Self {
        let dialect = backend.dialect();
        let driver_checks = backend.checks_values();
        Connection {
            backend,
            dialect,
            check: ValueCheck::new(dialect),
            driver_checks,
            max_params: dialect.max_params(),
            depth: Cell::new(0),
            statements: Cell::new(0),
            slow_query: Cell::new(None),
            broken: Cell::new(false),
            log_parameters: Cell::new(true),
            watch: crate::n_plus_one::Watch::default(),
            pending: Default::default(),
            timestamps_off: Cell::new(false),
            route: Default::default(),
        }
    }

    /// The dialect of this connection.
    pub fn dialect(&self) -> &'static dyn Dialect {
        self.dialect
    }

    /// What schema sync reads from this database.
    pub(crate) fn catalogue(&self) -> &'static dyn crate::schema::Catalogue {
        self.backend.catalogue()
    }

    /// How many statements this connection has run. Assert on differences of
    /// it to pin how many queries a piece of code runs.
    pub fn statement_count(&self) -> u64 {
        self.statements.get()
    }

    /// Statements slower than this are logged at `warn`. `None` turns it off.
    pub fn set_slow_query_threshold(&self, threshold: Option<Duration>) {
        self.slow_query.set(threshold);
    }

    /// Whether statement logs show parameter values (the default) or only
    /// how many there are: turn it off when parameters may hold personal
    /// data or secrets.
    pub fn set_log_parameters(&self, show: bool) {
        self.log_parameters.set(show);
    }

    /// Runs `f` with the automatic timestamps off: the writes it makes on
    /// this connection (`save`, `insert`, `insert_all`, `save_all`,
    /// `update_attribute(s)` of records and scopes, soft deletes) leave the
    /// `#[db(created_at)]` and `#[db(updated_at)]` columns to the values
    /// the records (or the assignments) hold, as when importing rows that
    /// carry their own dates. The setting ends with `f`, also if it panics.
    /// Explicit [`touch`](crate::Record::touch) still stamps; versions are
    /// still checked and incremented.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// use chrono::{DateTime, TimeZone, Utc};
    /// #[derive(Model, Debug, Default)]
    /// struct Note {
    ///     id: i64,
    ///     text: String,
    ///     #[db(created_at)]
    ///     created_at: DateTime<Utc>,
    /// }
    /// let conn = Connection::open("sqlite::memory:")?;
    /// conn.sync::<Note>()?;
    /// let old = Utc.with_ymd_and_hms(2001, 2, 3, 4, 5, 6).unwrap();
    /// let mut imported = Note { text: "old".into(), created_at: old, ..Default::default() };
    /// conn.without_timestamps(|conn| imported.save(conn))?;
    /// assert_eq!(Notes::find(&conn, imported.id)?.created_at, old);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn without_timestamps<T>(&self, f: impl FnOnce(&Connection) -> T) -> T {
        struct Restore<'a>(&'a Cell<bool>, bool);
        impl Drop for Restore<'_> {
            fn drop(&mut self) {
                self.0.set(self.1);
            }
        }
        let _restore = Restore(&self.timestamps_off, self.timestamps_off.replace(true));
        f(self)
    }

    /// Whether writes set the automatic timestamps (see
    /// [`without_timestamps`](Self::without_timestamps)).
    pub(crate) fn timestamps_on(&self) -> bool {
        !self.timestamps_off.get()
    }

    /// The most bind parameters a statement may have on this connection
    /// ([`Dialect::max_params`], asked once).
    #[inline]
    pub(crate) fn max_params(&self) -> usize {
        self.max_params
    }

    /// How many prepared statements the driver keeps (by SQL text; 0
    /// keeps none). SQLite's driver also remembers the last statement of up
    /// to 64 SQL texts by their address, so up to 64 statements beyond
    /// `capacity`, each recently used, can stay prepared until their entry
    /// is reused.
    pub fn set_statement_cache_capacity(&self, capacity: usize) {
        self.backend.set_statement_cache_capacity(capacity);
    }

    /// Whether a transaction is open on this connection.
    pub fn in_transaction(&self) -> bool {
        self.depth.get() > 0
    }

    /// Whether the connection still answers (a round trip to the server).
    pub fn is_healthy(&self) -> bool {
        !self.broken.get() && self.backend.is_healthy()
    }

    /// Whether a statement on this connection failed because the connection
    /// itself failed (it was lost, or the server went away). A pool never
    /// hands out a broken connection again.
    pub fn is_broken(&self) -> bool {
        self.broken.get()
    }

    /// A statement begins: its start time, taken only when something will
    /// report its duration (debug logging, a slow-query threshold, a tracing
    /// subscriber), and with the `tracing` feature its span, entered.
    #[inline]
    fn start(&self) -> Started {
        #[cfg(feature = "tracing")]
        let span = {
            use tracing::field::Empty;
            let span = tracing::debug_span!(
                target: "orm::sql",
                "statement",
                db.system = self.dialect.name(),
                db.statement = Empty,
                rows = Empty,
                duration_us = Empty,
                error = Empty,
            );
            (!span.is_disabled()).then(|| span.entered())
        };
        let timed = self.slow_query.get().is_some()
            || log::log_enabled!(target: LOG_TARGET, log::Level::Debug);
        #[cfg(feature = "tracing")]
        let timed = timed || span.is_some();
        Started {
            at: timed.then(Instant::now),
            #[cfg(feature = "tracing")]
            span,
        }
    }

    /// A statement ended: counted, logged, its span's fields recorded (the
    /// rows it changed or returned, when known).
    ///
    /// Inline, and a statement that succeeded with nothing to report
    /// (the common case) decided without a call: a `find` on SQLite 43
    /// instructions cheaper than with all of this a function of its own
    /// (callgrind).
    #[inline]
    fn finish<T>(
        &self,
        sql: &str,
        params: &dyn Params,
        started: Started,
        res: &Result<T>,
        rows: Option<u64>,
    ) {
        self.statements.set(self.statements.get() + 1);
        self.route.ran();
        if res.is_err() || started.at.is_some() || started.traced() {
            self.report(sql, params, started, res.as_ref().err(), rows);
        }
    }

    /// What [`finish`](Self::finish) reports: a failure (marking the
    /// connection broken when the connection failed), the statement's
    /// duration, its span's fields.
    #[inline(never)]
    fn report(
        &self,
        sql: &str,
        params: &dyn Params,
        started: Started,
        res: Option<&Error>,
        rows: Option<u64>,
    ) {
        if self.driver_checks && matches!(res, Some(Error::UnrepresentableValue { .. })) {
            // Refused by the driver's check of the values before anything
            // ran: not a statement, as when this connection checks them.
            self.statements.set(self.statements.get() - 1);
            return;
        }
        if matches!(res, Some(Error::Connection { .. })) {
            self.broken.set(true);
        }
        let elapsed = started.at.map(|s| s.elapsed());
        #[cfg(feature = "tracing")]
        if let Some(span) = &started.span {
            span.record("db.statement", sql);
            if let Some(n) = rows {
                span.record("rows", n);
            }
            if let Some(e) = elapsed {
                span.record(
                    "duration_us",
                    u64::try_from(e.as_micros()).unwrap_or(u64::MAX),
                );
            }
            if let Some(e) = res {
                span.record("error", tracing::field::display(e));
            }
        }
        #[cfg(not(feature = "tracing"))]
        let _ = rows;
        // Everything logged is escaped: SQL text, values and the server's
        // error text (which echoes values) cannot forge log lines.
        let sql = Escaped(sql);
        let params = LoggedParams {
            params,
            show: self.log_parameters.get(),
        };
        match (res, elapsed) {
            (Some(e), Some(elapsed)) => {
                let e = Escaped(&e.to_string());
                log::warn!(target: LOG_TARGET, "{sql} {params} failed after {elapsed:?}: {e}");
            }
            (Some(e), None) => {
                let e = Escaped(&e.to_string());
                log::warn!(target: LOG_TARGET, "{sql} {params} failed: {e}");
            }
            (None, Some(elapsed)) => {
                if self.slow_query.get().is_some_and(|t| elapsed >= t) {
                    log::warn!(target: LOG_TARGET, "slow query ({elapsed:?}): {sql} {params}");
                } else {
                    log::debug!(target: LOG_TARGET, "{sql} {params} ({elapsed:?})");
                }
            }
            (None, None) => {}
        }
    }

    /// Refuses, before anything is sent, a parameter the database would not
    /// store or compare exactly ([`Dialect::check_value`]), and more
    /// parameters than the dialect's protocol carries. (SQL text with a NUL
    /// character is refused where raw text enters a statement,
    /// `SqlBuilder::fragment`, not on every execution.) A driver that checks
    /// each value as it binds it ([`Backend::checks_values`]) is left the
    /// values: each is then read once (SQLite W6: 94 instructions less).
    ///
    /// Inline, and the common case (a few values stored exactly) without a
    /// call: a `find` 26 instructions cheaper than with the check a
    /// function of its own (callgrind).
    #[inline]
    fn check_params(&self, params: &dyn Params) -> Result<()> {
        let n = params.len();
        // A few parameters are read by index (no closure to call: a
        // `find` is 30 instructions cheaper); a batch through `each`, which
        // walks a batch of records row after row rather than locating each
        // index (`insert_all` of 100: 2 % cheaper).
        if n > 4 || n > self.max_params {
            return self.check_many(params);
        }
        if self.driver_checks {
            return Ok(());
        }
        for i in 0..n {
            self.check.check(i, params.get(i), params)?;
        }
        Ok(())
    }

    /// [`check_params`](Self::check_params) of more than a few parameters.
    #[inline(never)]
    fn check_many(&self, params: &dyn Params) -> Result<()> {
        let n = params.len();
        if n > self.max_params {
            return Err(Error::TooManyParameters {
                given: n,
                max: self.max_params,
            });
        }
        if self.driver_checks {
            return Ok(());
        }
        params.each(&mut |i, value, target| {
            if exact(&value) {
                Ok(())
            } else {
                self.check.check_at(i, value, target)
            }
        })
    }

    /// Runs a statement whose SQL is already in the dialect's syntax.
    pub(crate) fn execute_prepared(&self, sql: &str, params: &dyn Params) -> Result<u64> {
        self.check_params(params)?;
        let start = self.start();
        let res = self.backend.execute(sql, params);
        self.finish(sql, params, start, &res, res.as_ref().ok().copied());
        res
    }

    /// Runs an INSERT whose SQL is already in the dialect's syntax and
    /// returns the generated key, read as `key` says.
    pub(crate) fn insert_prepared(
        &self,
        sql: &str,
        params: &dyn Params,
        key: crate::backend::GeneratedKey,
    ) -> Result<Option<i64>> {
        self.check_params(params)?;
        let start = self.start();
        let res = self.backend.insert(sql, params, key);
        self.finish(sql, params, start, &res, res.is_ok().then_some(1));
        res
    }

    /// Runs a query whose SQL is already in the dialect's syntax and streams
    /// its rows. The time logged is the time to the first row.
    pub(crate) fn query_prepared<'a>(
        &'a self,
        sql: &str,
        params: &dyn Params,
    ) -> Result<Box<dyn RowStream + 'a>> {
        self.check_params(params)?;
        let start = self.start();
        let res = self.backend.query(sql, params);
        self.finish(sql, params, start, &res, None);
        res
    }

    /// Runs a query whose SQL is already in the dialect's syntax and calls
    /// `f` with each row until it returns `false`. The time logged includes
    /// `f`.
    pub(crate) fn query_each_prepared(
        &self,
        sql: &str,
        params: &dyn Params,
        f: &mut RowCallback<'_>,
    ) -> Result<()> {
        self.check_params(params)?;
        if let Some(res) = self.on_replica(sql, params, f) {
            return res;
        }
        let start = self.start();
        // Rows are counted only for a tracing span that records them.
        let res;
        let rows = if start.traced() {
            let mut rows = 0u64;
            res = self.backend.query_each(sql, params, &mut |row| {
                rows += 1;
                f(row)
            });
            Some(rows)
        } else {
            res = self.backend.query_each(sql, params, f);
            None
        };
        self.finish(sql, params, start, &res, rows);
        res
    }

    /// Runs statements without parameters, separated by `;`.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        crate::sql::check_no_nul(sql)?;
        let start = self.start();
        let res = self.backend.execute_batch(sql);
        self.finish(sql, NO_PARAMS, start, &res, None);
        res
    }

    /// Runs a transaction-control operation through the driver, logged and
    /// counted like every statement.
    pub(crate) fn tx_control(&self, op: crate::backend::TxControl<'_>) -> Result<()> {
        let start = self.start();
        let res = self.backend.transaction(op);
        if start.at.is_some() || res.is_err() {
            // Logged as the dialect's statements, like every statement.
            let text = match self.dialect.tx_statements(op) {
                Ok(stmts) => stmts.join("; "),
                Err(_) => op.to_string(),
            };
            self.finish(&text, NO_PARAMS, start, &res, None);
        } else {
            self.finish("", NO_PARAMS, start, &res, None);
        }
        res
    }

    /// Renders a portable SQL fragment (`?` or `:name` placeholders) in this
    /// connection's dialect.
    pub(crate) fn render(&self, sql: &str, args: impl IntoArgs) -> Result<(String, Vec<Value>)> {
        let mut b = SqlBuilder::new(self.dialect);
        b.fragment(sql, &args.into_args())?;
        Ok(b.finish())
    }

    /// Raw escape hatch: runs a statement with `?` (or `:name`) placeholders,
    /// which are rewritten for the dialect (never inside literals), and
    /// returns the number of rows changed.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// let conn = Connection::open("sqlite::memory:")?;
    /// conn.execute("CREATE TABLE t (a INTEGER, b TEXT)", ())?;
    /// assert_eq!(conn.execute("INSERT INTO t VALUES (?, ?), (?, '?')", (1, "x", 2))?, 2);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn execute(&self, sql: &str, args: impl IntoArgs) -> Result<u64> {
        let (sql, params) = self.render(sql, args)?;
        self.execute_prepared(&sql, &params)
    }

    /// Raw escape hatch: runs a query with `?` (or `:name`) placeholders and
    /// decodes every row as `T`: a model, a tuple of column values, a
    /// [`Single`](crate::Single) value, or `Vec<Value>`.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// let conn = Connection::open("sqlite::memory:")?;
    /// let rows: Vec<(i64, String)> = conn.query("SELECT ?, ?", (7, "seven"))?;
    /// assert_eq!(rows, vec![(7, "seven".to_owned())]);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn query<T: FromRow>(&self, sql: &str, args: impl IntoArgs) -> Result<Vec<T>> {
        let (sql, params) = self.render(sql, args)?;
        self.query_all(&sql, &params)
    }

    /// Runs a query in the dialect's syntax and decodes every row with `f`.
    pub(crate) fn query_map<T>(
        &self,
        sql: &str,
        params: &dyn Params,
        mut f: impl FnMut(&mut dyn crate::row::Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        self.query_each_prepared(sql, params, &mut |row| {
            out.push(f(row)?);
            Ok(true)
        })?;
        Ok(out)
    }

    /// Runs a query in the dialect's syntax and decodes every row as `T`:
    /// models and `#[derive(FromRow)]` structs by column name (resolved once
    /// per statement, so the order of the selected columns does not matter),
    /// tuples and [`Single`](crate::Single) by position.
    pub(crate) fn query_all<T: FromRow>(&self, sql: &str, params: &dyn Params) -> Result<Vec<T>> {
        let mut out = Vec::new();
        let mut map: Option<Option<Vec<usize>>> = None;
        self.query_each_prepared(sql, params, &mut |row| {
            let map = match &map {
                Some(m) => m,
                None => map.insert(crate::row::resolve_layout::<T>(row)?),
            };
            let layout = map.as_deref().map_or(Layout::At(0), Layout::Map);
            out.push(T::from_row(row, layout)?);
            Ok(true)
        })?;
        Ok(out)
    }

    /// Runs a statement orm wrote itself, whose columns are in `T`'s own
    /// order, and decodes every row.
    pub(crate) fn query_ordered<T: FromRow>(
        &self,
        sql: &str,
        params: &dyn Params,
    ) -> Result<Vec<T>> {
        self.query_map(sql, params, |row| T::from_row(row, Layout::At(0)))
    }

    /// Runs a query in the dialect's syntax and decodes its first row with
    /// `f`; the other rows are not read.
    pub(crate) fn query_first_map<T>(
        &self,
        sql: &str,
        params: &dyn Params,
        mut f: impl FnMut(&mut dyn crate::row::Row) -> Result<T>,
    ) -> Result<Option<T>> {
        let mut out = None;
        self.query_each_prepared(sql, params, &mut |row| {
            out = Some(f(row)?);
            Ok(false)
        })?;
        Ok(out)
    }

    /// Runs a query in the dialect's syntax and decodes its first row, as
    /// `query_all` does; the other rows are not read.
    pub(crate) fn query_first<T: FromRow>(
        &self,
        sql: &str,
        params: &dyn Params,
    ) -> Result<Option<T>> {
        self.query_first_map(sql, params, |row| {
            let map = crate::row::resolve_layout::<T>(row)?;
            T::from_row(row, map.as_deref().map_or(Layout::At(0), Layout::Map))
        })
    }
}

/// An error for a URL whose dialect is not available.
pub fn unknown_scheme(url: &str) -> Error {
    Error::InvalidUrl(format!(
        "no dialect for {url:?}; expected sqlite::memory:, sqlite://path, postgres://, \
         postgresql://, cockroachdb:// or mysql:// (or a scheme registered with register_dialect)"
    ))
}

/// What a driver, or code written in one dialect's own SQL, runs on a
/// [`Connection`]: SQL already in the dialect's syntax with bound
/// parameters, logged and counted like every statement. In
/// [`driver`](crate::driver) (the `orm` facade's `driver` feature);
/// applications use the scopes and the raw escape hatches
/// ([`Connection::execute`], [`Connection::query`]) instead. Sealed.
pub trait DriverConnection: crate::__private::Sealed {
    /// Wraps a driver connection.
    fn from_backend(backend: Box<dyn Backend>) -> Connection;
    /// Runs a statement and returns the number of rows it changed.
    fn execute_prepared(&self, sql: &str, params: &dyn Params) -> Result<u64>;
    /// Runs a query and streams its rows. The time logged is the time to
    /// the first row.
    fn query_prepared<'a>(
        &'a self,
        sql: &str,
        params: &dyn Params,
    ) -> Result<Box<dyn RowStream + 'a>>;
    /// Runs a query and calls `f` with each row until it returns `false`.
    fn query_each_prepared(
        &self,
        sql: &str,
        params: &dyn Params,
        f: &mut RowCallback<'_>,
    ) -> Result<()>;
    /// Runs a query and decodes every row with `f`.
    fn query_map<T>(
        &self,
        sql: &str,
        params: &dyn Params,
        f: impl FnMut(&mut dyn crate::row::Row) -> Result<T>,
    ) -> Result<Vec<T>>;
    /// Runs a query and decodes every row as `T` (by column name for models
    /// and `#[derive(FromRow)]` structs, by position for tuples).
    fn query_all<T: FromRow>(&self, sql: &str, params: &dyn Params) -> Result<Vec<T>>;
    /// Runs a query and decodes its first row as `T`, as
    /// [`query_all`](Self::query_all) does; the other rows are not read.
    fn query_first<T: FromRow>(&self, sql: &str, params: &dyn Params) -> Result<Option<T>>;
    /// Runs a query and decodes its first row with `f`.
    fn query_first_map<T>(
        &self,
        sql: &str,
        params: &dyn Params,
        f: impl FnMut(&mut dyn crate::row::Row) -> Result<T>,
    ) -> Result<Option<T>>;
    /// Renders a portable SQL fragment (`?` or `:name` placeholders) in the
    /// connection's dialect.
    fn render(&self, sql: &str, args: impl IntoArgs) -> Result<(String, Vec<Value>)>;
}

impl crate::__private::Sealed for Connection {}

impl DriverConnection for Connection {
    fn from_backend(backend: Box<dyn Backend>) -> Connection {
        Connection::from_backend(backend)
    }
    fn execute_prepared(&self, sql: &str, params: &dyn Params) -> Result<u64> {
        Connection::execute_prepared(self, sql, params)
    }
    fn query_prepared<'a>(
        &'a self,
        sql: &str,
        params: &dyn Params,
    ) -> Result<Box<dyn RowStream + 'a>> {
        Connection::query_prepared(self, sql, params)
    }
    fn query_each_prepared(
        &self,
        sql: &str,
        params: &dyn Params,
        f: &mut RowCallback<'_>,
    ) -> Result<()> {
        Connection::query_each_prepared(self, sql, params, f)
    }
    fn query_map<T>(
        &self,
        sql: &str,
        params: &dyn Params,
        f: impl FnMut(&mut dyn crate::row::Row) -> Result<T>,
    ) -> Result<Vec<T>> {
        Connection::query_map(self, sql, params, f)
    }
    fn query_all<T: FromRow>(&self, sql: &str, params: &dyn Params) -> Result<Vec<T>> {
        Connection::query_all(self, sql, params)
    }
    fn query_first<T: FromRow>(&self, sql: &str, params: &dyn Params) -> Result<Option<T>> {
        Connection::query_first(self, sql, params)
    }
    fn query_first_map<T>(
        &self,
        sql: &str,
        params: &dyn Params,
        f: impl FnMut(&mut dyn crate::row::Row) -> Result<T>,
    ) -> Result<Option<T>> {
        Connection::query_first_map(self, sql, params, f)
    }
    fn render(&self, sql: &str, args: impl IntoArgs) -> Result<(String, Vec<Value>)> {
        Connection::render(self, sql, args)
    }
}
