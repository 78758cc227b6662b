//! PostgreSQL's and CockroachDB's SQL.
//!
//! Both use `$n` placeholders, double-quoted identifiers, `RETURNING` for
//! generated keys and the information schema (of the current schema, so the
//! connection's `search_path` decides) for schema sync. CockroachDB differs
//! in its keys (64-bit `unique_rowid()`), its `UPSERT`, its
//! `AS OF SYSTEM TIME` reads, and in running schema changes outside
//! transactions. The DDL of both is kept to type names both databases know
//! (`INT8`, `FLOAT8`, `TEXT`, `BYTEA`, ...) wherever they agree.

use std::borrow::Cow;

use orm_core::{AsOf, ColumnDef, Dialect, HashSharding, Result, SqlType, TxOptions};

/// PostgreSQL.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgresDialect;

/// CockroachDB, through the PostgreSQL driver.
#[derive(Debug, Clone, Copy, Default)]
pub struct CockroachDialect;

use orm_core::driver::dollar_placeholder;

/// One SQL type as PostgreSQL and CockroachDB know it.
pub(super) struct PgType {
    /// Its DDL.
    pub ddl: Cow<'static, str>,
    /// What `information_schema.columns.data_type` reports for it.
    pub catalogue: &'static str,
    /// Its zero, as the DEFAULT of a NOT NULL column added to a table.
    pub zero: &'static str,
}

/// The one table of SQL types, for both databases: sized names (`INT4`,
/// `FLOAT8`, `BOOL`) that mean the same on both (CockroachDB's `INTEGER` is
/// 64 bits), and the names both catalogues report.
pub(super) fn pg_type(t: SqlType) -> PgType {
    let ty = |ddl: &'static str, catalogue, zero| PgType {
        ddl: Cow::Borrowed(ddl),
        catalogue,
        zero,
    };
    match t {
        SqlType::Bool => ty("BOOL", "boolean", "FALSE"),
        SqlType::SmallInt => ty("INT2", "smallint", "0"),
        SqlType::Int => ty("INT4", "integer", "0"),
        SqlType::BigInt => ty("INT8", "bigint", "0"),
        SqlType::Real => ty("FLOAT4", "real", "0"),
        SqlType::Double => ty("FLOAT8", "double precision", "0"),
        SqlType::Text => ty("TEXT", "text", "''"),
        // X'' is a bit string in PostgreSQL; this is an empty bytea.
        SqlType::Blob => ty("BYTEA", "bytea", "'\\x'::BYTEA"),
        SqlType::Date => ty("DATE", "date", "'1970-01-01'"),
        SqlType::DateTime => ty(
            "TIMESTAMP",
            "timestamp without time zone",
            "'1970-01-01 00:00:00'",
        ),
        SqlType::Timestamp => ty(
            "TIMESTAMPTZ",
            "timestamp with time zone",
            "'1970-01-01 00:00:00+00'",
        ),
        SqlType::Time => ty("TIME", "time without time zone", "'00:00:00'"),
        SqlType::Decimal(0, _) => ty("NUMERIC", "numeric", "0"),
        SqlType::Decimal(p, s) => PgType {
            ddl: Cow::Owned(format!("NUMERIC({p},{s})")),
            catalogue: "numeric",
            zero: "0",
        },
        SqlType::Uuid => ty("UUID", "uuid", "'00000000-0000-0000-0000-000000000000'"),
        SqlType::Json => ty("JSONB", "jsonb", "'null'"),
        _ => ty("TEXT", "text", "''"),
    }
}

/// `BEGIN TRANSACTION [PRIORITY ..,] ISOLATION LEVEL ..., READ ONLY`: with
/// a priority only on CockroachDB (`cockroach`).
fn begin(options: &TxOptions, cockroach: bool) -> Result<Vec<String>> {
    let mut sql = String::from("BEGIN");
    let mut modes = Vec::new();
    if let Some(p) = options.priority {
        if !cockroach {
            return Err(orm_core::Error::invalid(
                "PostgreSQL has no transaction priorities (CockroachDB does): leave \
                 TxOptions::priority unset",
            ));
        }
        modes.push(format!("PRIORITY {}", p.sql()));
    }
    if let Some(level) = options.isolation {
        modes.push(format!("ISOLATION LEVEL {}", level.sql()));
    }
    if options.read_only {
        modes.push("READ ONLY".to_owned());
    }
    if !modes.is_empty() {
        sql.push_str(" TRANSACTION ");
        sql.push_str(&modes.join(", "));
    }
    Ok(vec![sql])
}

impl Dialect for PostgresDialect {
    fn array_params(&self) -> bool {
        true
    }

    fn name(&self) -> &'static str {
        "postgres"
    }

    fn max_identifier_len(&self) -> Option<usize> {
        // NAMEDATALEN - 1: longer names are silently truncated.
        Some(63)
    }

    fn lex_rules(&self) -> &'static orm_core::driver::LexRules {
        &orm_core::driver::LexRules::POSTGRES
    }

    fn placeholder(&self, n: usize, out: &mut String) {
        dollar_placeholder(n, out);
    }

    fn column_type(&self, column: &ColumnDef) -> Cow<'static, str> {
        match column.size {
            Some(n) => Cow::Owned(format!("VARCHAR({n})")),
            None => pg_type(column.sql_type).ddl,
        }
    }

    fn concurrent_index(&self) -> &'static str {
        "CONCURRENTLY "
    }

    /// `gen_random_uuid()`, built in since PostgreSQL 13 (earlier, the
    /// `pgcrypto` extension has it).
    fn random_uuid(&self) -> Option<&'static str> {
        Some("gen_random_uuid()")
    }

    /// A standby's lag: none when it has replayed all the WAL it received
    /// (an idle primary sends nothing), else the age of the last
    /// transaction it replayed; NULL when it has replayed none yet. A
    /// server not in recovery (a primary, a promoted standby) has no lag.
    fn replica_lag_query(&self) -> Option<(&'static str, &'static str)> {
        Some((
            "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0::float8 \
             WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0::float8 \
             ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8 \
             END AS lag",
            "lag",
        ))
    }

    fn generated_key_ddl(&self, column: &ColumnDef) -> Cow<'static, str> {
        Cow::Borrowed(match column.sql_type {
            SqlType::SmallInt => "SMALLINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            SqlType::Int => "INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            _ => "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        })
    }

    fn insert_returning(&self) -> bool {
        true
    }

    fn begin_statements(&self, options: &TxOptions) -> Result<Vec<String>> {
        begin(options, false)
    }

    fn zero_literal(&self, t: SqlType) -> &'static str {
        pg_type(t).zero
    }

    fn max_params(&self) -> usize {
        // The protocol counts parameters in 16 unsigned bits.
        65_535
    }

    /// A session-level advisory lock; its key is the bytes of "orm_migr".
    fn migration_lock(&self) -> Option<(&'static str, &'static str)> {
        Some((
            "SELECT 1 FROM (SELECT pg_advisory_lock(8030601342179960690)) AS l",
            "SELECT pg_advisory_unlock(8030601342179960690)::INT",
        ))
    }
}

impl Dialect for CockroachDialect {
    fn array_params(&self) -> bool {
        true
    }

    fn name(&self) -> &'static str {
        "cockroachdb"
    }

    /// CockroachDB runs schema changes as background jobs and advises one
    /// per implicit transaction.
    fn transactional_ddl(&self) -> bool {
        false
    }

    fn max_identifier_len(&self) -> Option<usize> {
        // CockroachDB keeps longer names, but the same code must run on
        // PostgreSQL.
        Some(63)
    }

    fn lex_rules(&self) -> &'static orm_core::driver::LexRules {
        &orm_core::driver::LexRules::POSTGRES
    }

    fn placeholder(&self, n: usize, out: &mut String) {
        dollar_placeholder(n, out);
    }

    fn column_type(&self, column: &ColumnDef) -> Cow<'static, str> {
        PostgresDialect.column_type(column)
    }

    /// Accepted for PostgreSQL's sake: CockroachDB builds every index
    /// online.
    fn concurrent_index(&self) -> &'static str {
        "CONCURRENTLY "
    }

    /// ` USING HASH`, then ` WITH (bucket_count = N)` when the model gives
    /// a bucket count (CockroachDB takes 2 to 2048; without one, the
    /// cluster's `sql.defaults.default_hash_sharded_index_bucket_count`).
    fn hash_sharded_index(&self, sharding: &HashSharding, out: &mut String) -> Result<()> {
        super::cockroach::hash_sharded_index(sharding, out)
    }

    /// `gen_random_uuid()`: a version 4 UUID, CockroachDB's advice for
    /// keys that spread writes over the cluster.
    fn random_uuid(&self) -> Option<&'static str> {
        Some("gen_random_uuid()")
    }

    /// `INT8 PRIMARY KEY DEFAULT unique_rowid()`: CockroachDB's keys are
    /// 64-bit, spread over the cluster rather than sequential. Narrower key
    /// fields are refused by its catalogue's `check_sync`.
    fn generated_key_ddl(&self, _column: &ColumnDef) -> Cow<'static, str> {
        Cow::Borrowed("INT8 PRIMARY KEY DEFAULT unique_rowid()")
    }

    fn insert_returning(&self) -> bool {
        true
    }

    /// CockroachDB runs every transaction SERIALIZABLE unless READ COMMITTED
    /// is enabled on the cluster (a weaker level asked for is upgraded).
    fn begin_statements(&self, options: &TxOptions) -> Result<Vec<String>> {
        begin(options, true)
    }

    /// CockroachDB's client-side retry protocol savepoint.
    fn restart_savepoint(&self) -> Option<&'static str> {
        Some("cockroach_restart")
    }

    /// `UPSERT INTO table (columns) VALUES (...)`: CockroachDB's primary-key
    /// upsert, cheaper than `INSERT ... ON CONFLICT`.
    fn insert_keyword(&self, upsert: bool) -> &'static str {
        if upsert {
            "UPSERT INTO"
        } else {
            "INSERT INTO"
        }
    }

    /// Nothing: `UPSERT INTO` is the whole upsert.
    fn upsert_clause(&self, _key: &[&str], _columns: &[&str], _out: &mut String) {}

    fn as_of_system_time(&self, at: &AsOf, out: &mut String) -> Result<()> {
        super::cockroach::as_of_system_time(at, out)
    }

    fn zero_literal(&self, t: SqlType) -> &'static str {
        pg_type(t).zero
    }

    fn max_params(&self) -> usize {
        65_535
    }
}
