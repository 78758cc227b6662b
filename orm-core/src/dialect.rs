//! What differs between databases in the SQL they accept. Adding a dialect
//! means implementing [`Dialect`] (the SQL) and
//! [`Backend`](crate::backend::Backend) (the driver) in one place.

use std::borrow::Cow;

use crate::backend::TxControl;
use crate::error::Result;
use crate::lex::LexRules;
use crate::model::{ColumnDef, ColumnDefault, HashSharding};
use crate::query::{AsOf, Lock, LockMode, LockWait};
use crate::transaction::TxOptions;
use crate::value::{SqlType, ValueRef};

/// The SQL syntax and capabilities of one database: no I/O (what schema
/// sync reads from the database is the [`Catalogue`](crate::driver::Catalogue)
/// of its driver).
pub trait Dialect: Send + Sync + 'static {
    /// A short name: `sqlite`, `postgres`, `cockroachdb`, `mysql`.
    fn name(&self) -> &'static str;

    /// Appends `ident` quoted. The default is the SQL standard's double
    /// quotes, with embedded quotes doubled.
    fn quote_ident(&self, ident: &str, out: &mut String) {
        quote_doubled(ident, '"', out);
    }

    /// The longest identifier the database keeps, in bytes, if it has a
    /// limit (PostgreSQL 63, truncating longer ones silently; MySQL 64).
    /// Longer run-time names are refused.
    fn max_identifier_len(&self) -> Option<usize> {
        None
    }

    /// How this dialect's SQL is read: quotes, escapes and comments, so that
    /// placeholders in fragments are found only in code. The default is the
    /// SQL standard's.
    fn lex_rules(&self) -> &'static LexRules {
        &LexRules::STANDARD
    }

    /// Whether ORDER BY takes `NULLS FIRST` / `NULLS LAST` (SQLite and
    /// PostgreSQL do); otherwise an `x IS NULL` term before `x` stands for
    /// it.
    fn nulls_ordering(&self) -> bool {
        true
    }

    /// Appends the placeholder of the `n`th parameter (1-based).
    fn placeholder(&self, n: usize, out: &mut String);

    /// The LIMIT that means "no limit", for dialects that accept OFFSET only
    /// after a LIMIT (SQLite `-1`, MySQL the largest unsigned integer);
    /// `None` when OFFSET may stand alone.
    fn unlimited(&self) -> Option<&'static str> {
        None
    }

    /// Appends LIMIT / OFFSET as integer literals (a bound `LIMIT ?` makes
    /// SQLite re-plan every run). Offset without limit is valid SQL on every
    /// dialect (see [`unlimited`](Self::unlimited)).
    fn limit_offset(&self, limit: Option<u64>, offset: Option<u64>, out: &mut String) {
        use std::fmt::Write;
        match (limit, offset, self.unlimited()) {
            (Some(l), _, _) => {
                let _ = write!(out, " LIMIT {l}");
            }
            (None, Some(_), Some(all)) => {
                let _ = write!(out, " LIMIT {all}");
            }
            _ => {}
        }
        if let Some(o) = offset {
            let _ = write!(out, " OFFSET {o}");
        }
    }

    /// The DDL type of a column.
    fn column_type(&self, column: &ColumnDef) -> Cow<'static, str>;

    /// The full DDL of a database-generated integer primary key column,
    /// without the name (e.g. `INTEGER PRIMARY KEY AUTOINCREMENT`).
    fn generated_key_ddl(&self, column: &ColumnDef) -> Cow<'static, str>;

    /// Text appended to `CREATE TABLE t (...)`, with its leading space: table
    /// options such as MySQL's ` ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`. The
    /// default is none.
    fn table_options(&self) -> &'static str {
        ""
    }

    /// Whether an INSERT reports its generated key through `RETURNING`; when
    /// false the driver asks for it (last_insert_rowid, LAST_INSERT_ID).
    fn insert_returning(&self) -> bool {
        false
    }

    /// Appends the clause that turns an INSERT into an upsert on the primary
    /// key's columns `key` (several for a composite key), updating `columns`.
    fn upsert_clause(&self, key: &[&str], columns: &[&str], out: &mut String) {
        out.push_str(" ON CONFLICT (");
        for (i, k) in key.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.quote_ident(k, out);
        }
        out.push_str(") DO ");
        if columns.is_empty() {
            out.push_str("NOTHING");
            return;
        }
        out.push_str("UPDATE SET ");
        for (i, c) in columns.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.quote_ident(c, out);
            out.push_str(" = excluded.");
            self.quote_ident(c, out);
        }
    }

    /// The keyword that starts an INSERT: `INSERT INTO`, or for an upsert
    /// (`upsert`) the dialect's own (CockroachDB's `UPSERT INTO`, which then
    /// needs no [`upsert_clause`](Self::upsert_clause)).
    fn insert_keyword(&self, upsert: bool) -> &'static str {
        let _ = upsert;
        "INSERT INTO"
    }

    /// What follows `INSERT INTO t` to insert one row of defaults:
    /// ` DEFAULT VALUES` (the SQL standard; MySQL: ` () VALUES ()`).
    fn default_values(&self) -> &'static str {
        " DEFAULT VALUES"
    }

    /// Appends the clause that makes a SELECT read the table as it was at a
    /// past time, right after the source in FROM: CockroachDB's
    /// ` AS OF SYSTEM TIME ..`. The default is an
    /// [`Error::InvalidQuery`](crate::Error::InvalidQuery): other databases
    /// have no such reads.
    fn as_of_system_time(&self, at: &AsOf, out: &mut String) -> Result<()> {
        let _ = (at, out);
        Err(crate::error::Error::invalid(format!(
            "AS OF SYSTEM TIME (reading a past snapshot) is CockroachDB's; the {} dialect \
             has no such clause",
            self.name()
        )))
    }

    /// Appends the row-locking clause of a SELECT (` FOR UPDATE`,
    /// ` FOR SHARE`, then ` NOWAIT` / ` SKIP LOCKED`), or refuses what the
    /// database cannot do with [`Error::InvalidQuery`](crate::Error::InvalidQuery).
    fn lock_clause(&self, lock: Lock, out: &mut String) -> Result<()> {
        out.push_str(match lock.mode {
            LockMode::Update => " FOR UPDATE",
            LockMode::Share => " FOR SHARE",
        });
        out.push_str(match lock.wait {
            LockWait::Wait => "",
            LockWait::NoWait => " NOWAIT",
            LockWait::SkipLocked => " SKIP LOCKED",
        });
        Ok(())
    }

    /// Appends a declared column default that is a literal (raw defaults are
    /// written by the statement compiler): standard SQL, a string quoted
    /// with its quotes doubled.
    fn default_literal(&self, default: &ColumnDefault, out: &mut String) {
        default_literal(default, out);
    }

    /// Whether an eager load (`include`) asks the database to order the
    /// children it fetches by owner, then key. Either way each owner's
    /// children come in key order: `false`, the default, fetches them
    /// unordered and orders each owner's children in the client where the
    /// rows came out of order (a server then plans no sort: PostgreSQL and
    /// MariaDB); `true` where the planner serves that order without
    /// sorting (SQLite, walking an index on the foreign key).
    fn order_children_by_owner(&self) -> bool {
        false
    }

    /// How a replica reports how far it is behind its primary, for a pool
    /// that routes reads to replicas ([`Pool::with_replicas`](crate::Pool::with_replicas)):
    /// a statement, and the name of the column of its first row that holds
    /// the lag in seconds (NULL: unknown, e.g. replication stopped; no row:
    /// the server replicates from nothing). `None`, the default: the
    /// database cannot tell, and replicas are used without a lag bound.
    fn replica_lag_query(&self) -> Option<(&'static str, &'static str)> {
        None
    }

    /// What `CREATE [UNIQUE] INDEX ` is followed by for an index built
    /// without blocking writes (PostgreSQL's `"CONCURRENTLY "`), when a
    /// schema plan asks for it. The default is nothing: SQLite has one
    /// writer whatever the DDL, and MySQL's InnoDB builds secondary indexes
    /// online by default.
    fn concurrent_index(&self) -> &'static str {
        ""
    }

    /// Appends what makes an index hash-sharded, right after its column
    /// list (`#[db(index, hash_sharded)]`, see [`HashSharding`]):
    /// CockroachDB's ` USING HASH` and ` WITH (bucket_count = N)`. The
    /// default appends nothing: hash sharding is CockroachDB's storage
    /// layout, and elsewhere the index is a plain one, with the same name
    /// and columns (so that schema sync finds it). An `Err` refuses the
    /// index ([`Error::InvalidQuery`](crate::Error::InvalidQuery)).
    fn hash_sharded_index(&self, sharding: &HashSharding, out: &mut String) -> Result<()> {
        let _ = (sharding, out);
        Ok(())
    }

    /// The SQL expression a column's `DEFAULT` takes to make a random
    /// (version 4) UUID in the form this dialect stores `uuid::Uuid`
    /// columns, written as it is after `DEFAULT ` (in parentheses where the
    /// database needs them): what `#[db(default = random_uuid)]` declares
    /// ([`ColumnDefault::RandomUuid`]). A dialect that has one also reads
    /// the generated key back with `INSERT .. RETURNING`. `None` (the
    /// default): the database makes no random UUID, and schema sync and
    /// inserts of such a key are refused with
    /// [`Error::InvalidQuery`](crate::Error::InvalidQuery) before anything
    /// is sent.
    fn random_uuid(&self) -> Option<&'static str> {
        None
    }

    /// A literal of type `t` used as the DEFAULT of a NOT NULL column added to
    /// a table that may have rows.
    fn zero_literal(&self, t: SqlType) -> &'static str {
        match t {
            SqlType::Bool => "FALSE",
            SqlType::Text => "''",
            SqlType::Blob => "X''",
            SqlType::Date => "'1970-01-01'",
            SqlType::DateTime | SqlType::Timestamp => "'1970-01-01 00:00:00'",
            SqlType::Time => "'00:00:00'",
            _ => "0",
        }
    }

    /// Checks that the database stores (and compares) `value` exactly; it is
    /// bound to `column` when that is known. `Err` says why not, and is
    /// reported as [`Error::UnrepresentableValue`](crate::Error) before
    /// anything is sent. The default is [`check_value_portably`]; dialects
    /// add their own limits (NaN on SQLite and MySQL).
    ///
    /// NULL, booleans, 64-bit integers and byte strings, which every SQL
    /// database stores exactly, are not asked about: a statement's
    /// parameters are checked once per execution, and these are most of
    /// them (keys, foreign keys, flags). Nor is text bound to a column
    /// without a declared size (or to no known column), unless
    /// [`checks_unsized_text`](Self::checks_unsized_text) says so.
    fn check_value(
        &self,
        value: ValueRef<'_>,
        column: Option<&ColumnDef>,
    ) -> std::result::Result<(), String> {
        check_value_portably(value, column)
    }

    /// Whether [`check_value`](Self::check_value) may refuse text bound to
    /// a column without a declared size (`#[db(size = ..)]`), or to no
    /// known column. `false`, the default (such text is not asked about:
    /// most text is, and [`check_value_portably`] accepts it all): a
    /// dialect that limits such text returns `true` (MySQL, for keyed
    /// text columns). Asked once per connection.
    fn checks_unsized_text(&self) -> bool {
        false
    }

    /// Whether `AVG` must be given its argument as a double to compute a
    /// full-precision float (MySQL's `AVG` of integers or decimals is a
    /// decimal with only four more places).
    fn avg_of_double(&self) -> bool {
        false
    }

    /// Whether a list binds as one array parameter ([`Value::List`](crate::Value::List)),
    /// so that an `in_list` on a column longer than 1 000 items is sent as
    /// `col = ANY($1)` (PostgreSQL, CockroachDB): no parameter limit.
    /// Otherwise (the default) each item is a parameter of its own, and a
    /// list longer than the dialect's limit is a typed error.
    fn array_params(&self) -> bool {
        false
    }

    /// Whether `CREATE INDEX .. WHERE ..` (a partial index) is supported
    /// (SQLite, PostgreSQL, CockroachDB; not MySQL / MariaDB).
    fn partial_indexes(&self) -> bool {
        true
    }

    /// Whether schema changes take part in transactions, so that a
    /// migration's statements and the row recording it commit or roll back
    /// together (SQLite, PostgreSQL). MySQL commits at each schema change,
    /// and CockroachDB advises running them outside explicit transactions:
    /// there migrations run statement by statement.
    fn transactional_ddl(&self) -> bool {
        true
    }

    /// The statements that take and release a lock held by one connection
    /// at a time, so that two processes running the same migrations at
    /// start-up take turns: the second finds them applied. The lock query
    /// returns one row whose first column is 1 when the lock was taken.
    /// `None` (the default; SQLite, CockroachDB): no such lock.
    fn migration_lock(&self) -> Option<(&'static str, &'static str)> {
        None
    }

    /// What drops a foreign-key constraint by name after `ALTER TABLE t`:
    /// ` DROP CONSTRAINT ` (MySQL: ` DROP FOREIGN KEY `).
    fn drop_foreign_key(&self) -> &'static str {
        " DROP CONSTRAINT "
    }

    /// Whether `DROP INDEX` names the table (`DROP INDEX i ON t`, MySQL).
    fn drop_index_names_table(&self) -> bool {
        false
    }

    /// The cheapest statement that needs a round trip, for health checks.
    fn ping(&self) -> &'static str {
        "SELECT 1"
    }

    /// The most bound parameters one statement may carry.
    fn max_params(&self) -> usize {
        32_766
    }

    /// The statement that starts a transaction.
    fn begin_sql(&self) -> &'static str {
        "BEGIN"
    }

    /// The statements that start a transaction with `options` (isolation
    /// level, read-only). The default supports only the default options.
    fn begin_statements(&self, options: &TxOptions) -> Result<Vec<String>> {
        if *options == TxOptions::default() {
            Ok(vec![self.begin_sql().to_owned()])
        } else {
            Err(crate::error::Error::invalid(format!(
                "the {} dialect does not support transaction options {options:?}",
                self.name()
            )))
        }
    }

    /// Statements that undo per-transaction settings after COMMIT or
    /// ROLLBACK (e.g. SQLite's `PRAGMA query_only`).
    fn end_statements(&self, _options: &TxOptions) -> Vec<String> {
        Vec::new()
    }

    /// The statements of a transaction-control operation: BEGIN (see
    /// [`begin_statements`](Self::begin_statements)), COMMIT, ROLLBACK, the
    /// end-of-transaction resets ([`end_statements`](Self::end_statements)),
    /// and the savepoint statements, the savepoint's name quoted.
    fn tx_statements(&self, op: TxControl<'_>) -> Result<Vec<Cow<'static, str>>> {
        let savepoint = |head: &str, name: &str| {
            let mut sql = String::from(head);
            self.quote_ident(name, &mut sql);
            Cow::Owned(sql)
        };
        Ok(match op {
            TxControl::Begin(options) => self
                .begin_statements(options)?
                .into_iter()
                .map(Cow::Owned)
                .collect(),
            TxControl::Commit => vec![Cow::Borrowed("COMMIT")],
            TxControl::Rollback => vec![Cow::Borrowed("ROLLBACK")],
            TxControl::End(options) => self
                .end_statements(options)
                .into_iter()
                .map(Cow::Owned)
                .collect(),
            TxControl::Savepoint(name) => vec![savepoint("SAVEPOINT ", name)],
            TxControl::ReleaseSavepoint(name) => vec![savepoint("RELEASE SAVEPOINT ", name)],
            TxControl::RollbackToSavepoint(name) => {
                vec![savepoint("ROLLBACK TO SAVEPOINT ", name)]
            }
        })
    }

    /// The savepoint of a client-side retry protocol inside one transaction
    /// (CockroachDB's `cockroach_restart`), if the dialect uses one: the
    /// retrying transaction then sets it right after BEGIN, rolls back to it
    /// on a retryable error and runs the closure again, and releases it as
    /// the commit point. `None` (the default): a retry is a full ROLLBACK and
    /// a new transaction.
    fn restart_savepoint(&self) -> Option<&'static str> {
        None
    }
}

/// The checks every dialect makes (see [`Dialect::check_value`]): date-times
/// are kept to the microsecond by SQLite, PostgreSQL and MySQL alike, so a
/// value with a finer fraction (or a leap second) is refused rather than
/// rounded; a decimal with more places than its column's scale is refused
/// rather than rounded.
pub fn check_value_portably(
    value: ValueRef<'_>,
    column: Option<&ColumnDef>,
) -> std::result::Result<(), String> {
    use chrono::Timelike;
    let nanos = match value {
        ValueRef::List(items) => {
            return items
                .iter()
                .try_for_each(|v| check_value_portably(v.as_ref(), column))
        }
        ValueRef::Text(s) => {
            if let Some(size) = column.and_then(|c| c.size) {
                let chars = s.chars().count();
                if chars > size as usize {
                    return Err(format!(
                        "{chars} characters do not fit the VARCHAR({size}) of the column \
                         (#[db(size = {size})])"
                    ));
                }
            }
            return Ok(());
        }
        ValueRef::DateTime(d) => d.nanosecond(),
        ValueRef::Time(t) => t.nanosecond(),
        ValueRef::Timestamp(d) => d.nanosecond(),
        #[cfg(feature = "decimal")]
        ValueRef::Decimal(d) => {
            if let Some(SqlType::Decimal(p, s)) = column.map(|c| c.sql_type) {
                if (p, s) != (0, 0) && d.scale() > u32::from(s) {
                    return Err(format!(
                        "{d} has {} decimal places; the column keeps {s} (round it first, \
                         e.g. with Decimal::round_dp)",
                        d.scale()
                    ));
                }
            }
            return Ok(());
        }
        _ => return Ok(()),
    };
    let _ = column;
    if nanos >= 1_000_000_000 {
        return Err("a leap second (:60) is not stored by any supported database".to_owned());
    }
    if nanos % 1_000 != 0 {
        return Err(format!(
            "its fraction of a second ({nanos} ns) is finer than the microseconds the \
             database keeps (truncate it first, e.g. with chrono's SubsecRound::trunc_subsecs(6))"
        ));
    }
    Ok(())
}

/// Appends a column default literal in standard SQL (see
/// [`Dialect::default_literal`]): numbers as written, `TRUE` / `FALSE`, a
/// string quoted with its quotes doubled. A random UUID is no literal and
/// has no standard SQL: the statement compiler writes the dialect's
/// [`random_uuid`](Dialect::random_uuid); here it is PostgreSQL's
/// `gen_random_uuid()`.
pub fn default_literal(default: &ColumnDefault, out: &mut String) {
    match *default {
        ColumnDefault::Int(v) => out.push_str(&v.to_string()),
        ColumnDefault::Float(v) | ColumnDefault::Raw(v) => out.push_str(v),
        ColumnDefault::Bool(v) => out.push_str(if v { "TRUE" } else { "FALSE" }),
        ColumnDefault::Text(v) => quote_string(v, false, out),
        ColumnDefault::RandomUuid => out.push_str("gen_random_uuid()"),
    }
}

/// The error for a `#[db(default = random_uuid)]` key (`target`, e.g.
/// `devices.id`) on a dialect without [`Dialect::random_uuid`].
pub(crate) fn no_random_uuid(dialect: &dyn Dialect, target: &str) -> crate::error::Error {
    crate::error::Error::invalid(format!(
        "{target} is a key the database makes (#[db(default = random_uuid)]), and the {} \
         dialect has no random UUID function: set the key in the program instead \
         (uuid::Uuid::new_v4()) and drop the default",
        dialect.name()
    ))
}

/// Appends `ident` between two `quote` characters (an ASCII quote), each
/// `quote` inside it doubled: how SQL quotes a name (`"` in the standard,
/// `` ` `` in MySQL). Copies the runs between quotes whole, not character
/// by character: statements are built from quoted names.
///
/// ```
/// let mut sql = String::new();
/// orm_core::driver::quote_doubled("say \"hi\"", '"', &mut sql);
/// assert_eq!(sql, "\"say \"\"hi\"\"\"");
/// ```
pub fn quote_doubled(ident: &str, quote: char, out: &mut String) {
    debug_assert!(quote.is_ascii());
    #[allow(clippy::cast_possible_truncation)]
    let q = quote as u8;
    out.reserve(ident.len() + 2);
    out.push(quote);
    let mut rest = ident;
    // `q` is ASCII, so every cut is at a character boundary.
    while let Some(i) = rest.bytes().position(|b| b == q) {
        out.push_str(&rest[..=i]);
        out.push(quote);
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
    out.push(quote);
}

/// Appends `text` as a SQL string literal: in single quotes, each quote
/// doubled, and each backslash doubled when the dialect reads backslash
/// escapes (MySQL's default).
pub fn quote_string(text: &str, backslash_escapes: bool, out: &mut String) {
    out.push('\'');
    for ch in text.chars() {
        match ch {
            '\'' => out.push_str("''"),
            '\\' if backslash_escapes => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
}

/// Appends the `$n` placeholder (PostgreSQL's numbered parameters).
pub fn dollar_placeholder(n: usize, out: &mut String) {
    use std::fmt::Write;
    let _ = write!(out, "${n}");
}

/// The SQL standard's syntax with `$n` placeholders. Used to show SQL in
/// tests and documentation; it has no driver.
#[derive(Debug, Clone, Copy, Default)]
pub struct AnsiDialect;

impl Dialect for AnsiDialect {
    fn name(&self) -> &'static str {
        "ansi"
    }
    fn placeholder(&self, n: usize, out: &mut String) {
        dollar_placeholder(n, out);
    }
    fn lex_rules(&self) -> &'static LexRules {
        // Shown with PostgreSQL's `$n` placeholders, read by its rules.
        &LexRules::POSTGRES
    }
    fn column_type(&self, column: &ColumnDef) -> Cow<'static, str> {
        Cow::Borrowed(match column.sql_type {
            SqlType::Bool => "BOOLEAN",
            SqlType::SmallInt => "SMALLINT",
            SqlType::Int => "INTEGER",
            SqlType::BigInt => "BIGINT",
            SqlType::Real => "REAL",
            SqlType::Double => "DOUBLE PRECISION",
            SqlType::Text => "TEXT",
            SqlType::Blob => "BLOB",
            SqlType::Date => "DATE",
            SqlType::DateTime => "TIMESTAMP",
            SqlType::Timestamp => "TIMESTAMP WITH TIME ZONE",
            SqlType::Time => "TIME",
            SqlType::Decimal(0, _) => "NUMERIC",
            SqlType::Decimal(p, s) => return Cow::Owned(format!("NUMERIC({p},{s})")),
            SqlType::Uuid => "UUID",
            SqlType::Json => "JSON",
        })
    }
    fn generated_key_ddl(&self, _column: &ColumnDef) -> Cow<'static, str> {
        Cow::Borrowed("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")
    }
}
