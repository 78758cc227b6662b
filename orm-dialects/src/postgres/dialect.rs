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

use orm_core::driver::DbColumn;
use orm_core::{AsOf, ColumnDef, Connection, Dialect, Error, Result, SqlType, TxOptions, Value};

/// PostgreSQL.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostgresDialect;

/// CockroachDB, through the PostgreSQL driver.
#[derive(Debug, Clone, Copy, Default)]
pub struct CockroachDialect;

use orm_core::driver::dollar_placeholder;

/// What `information_schema.columns.data_type` says for each type (both
/// databases report PostgreSQL's names).
fn catalogue_name(t: SqlType) -> Option<&'static str> {
    Some(match t {
        SqlType::Bool => "boolean",
        SqlType::SmallInt => "smallint",
        SqlType::Int => "integer",
        SqlType::BigInt => "bigint",
        SqlType::Real => "real",
        SqlType::Double => "double precision",
        SqlType::Text => "text",
        SqlType::Blob => "bytea",
        SqlType::Date => "date",
        SqlType::DateTime => "timestamp without time zone",
        SqlType::Timestamp => "timestamp with time zone",
        SqlType::Decimal(..) => "numeric",
        SqlType::Uuid => "uuid",
        SqlType::Json => "jsonb",
        _ => return None,
    })
}

fn same_catalogue_type(declared: &str, t: SqlType, db_type: &str) -> bool {
    match catalogue_name(t) {
        Some(name) => name.eq_ignore_ascii_case(db_type.trim()),
        // A type added later: compare the declared base name.
        None => {
            let base = declared.split(['(', ' ']).next().unwrap_or(declared);
            base.eq_ignore_ascii_case(db_type.trim())
        }
    }
}

/// The DDL of the types both databases name alike.
fn shared_type(t: SqlType) -> Option<Cow<'static, str>> {
    Some(Cow::Borrowed(match t {
        SqlType::Date => "DATE",
        SqlType::DateTime => "TIMESTAMP",
        SqlType::Timestamp => "TIMESTAMPTZ",
        SqlType::Text => "TEXT",
        SqlType::Blob => "BYTEA",
        SqlType::Decimal(0, _) => "NUMERIC",
        SqlType::Decimal(p, s) => return Some(Cow::Owned(format!("NUMERIC({p},{s})"))),
        SqlType::Uuid => "UUID",
        SqlType::Json => "JSONB",
        _ => return None,
    }))
}

/// `BEGIN TRANSACTION ISOLATION LEVEL ..., READ ONLY`.
fn begin(options: &TxOptions) -> Vec<String> {
    let mut sql = String::from("BEGIN");
    let mut modes = Vec::new();
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
    vec![sql]
}

fn zero(t: SqlType) -> &'static str {
    match t {
        SqlType::Bool => "FALSE",
        SqlType::Text => "''",
        // X'' is a bit string in PostgreSQL; this is an empty bytea.
        SqlType::Blob => "'\\x'::BYTEA",
        SqlType::Date => "'1970-01-01'",
        SqlType::DateTime => "'1970-01-01 00:00:00'",
        SqlType::Timestamp => "'1970-01-01 00:00:00+00'",
        SqlType::Uuid => "'00000000-0000-0000-0000-000000000000'",
        SqlType::Json => "'null'",
        _ => "0",
    }
}

/// The columns of `table` in the current schema, types upper-cased (as
/// `information_schema` names them: `INTEGER`, `TIMESTAMP WITHOUT TIME
/// ZONE`).
fn table_columns(conn: &Connection, table: &str) -> Result<Vec<DbColumn>> {
    let rows: Vec<(String, String, bool, bool)> = conn.query_all(
        "SELECT c.column_name::TEXT, \
                UPPER(CASE WHEN c.data_type IN ('USER-DEFINED', 'ARRAY') \
                           THEN c.udt_name::TEXT ELSE c.data_type::TEXT END), \
                c.is_nullable::TEXT = 'YES', \
                EXISTS (SELECT 1 \
                        FROM information_schema.table_constraints tc \
                        JOIN information_schema.key_column_usage k \
                          ON k.constraint_schema = tc.constraint_schema \
                         AND k.constraint_name = tc.constraint_name \
                         AND k.table_name = tc.table_name \
                        WHERE tc.constraint_type = 'PRIMARY KEY' \
                          AND tc.table_schema = c.table_schema \
                          AND tc.table_name = c.table_name \
                          AND k.column_name = c.column_name) \
         FROM information_schema.columns c \
         WHERE c.table_schema = current_schema() AND c.table_name = $1 \
         ORDER BY c.ordinal_position",
        &[Value::from(table)],
    )?;
    Ok(rows
        .into_iter()
        .map(|(name, db_type, nullable, primary_key)| DbColumn {
            name,
            db_type,
            nullable,
            primary_key,
        })
        .collect())
}

fn index_names(conn: &Connection, table: &str) -> Result<Vec<String>> {
    let rows: Vec<orm_core::Single<String>> = conn.query_all(
        "SELECT indexname::TEXT FROM pg_indexes \
         WHERE schemaname = current_schema() AND tablename = $1 ORDER BY indexname",
        &[Value::from(table)],
    )?;
    Ok(rows.into_iter().map(|s| s.0).collect())
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
        if let Some(t) = shared_type(column.sql_type) {
            return t;
        }
        Cow::Borrowed(match column.sql_type {
            SqlType::Bool => "BOOLEAN",
            SqlType::SmallInt => "SMALLINT",
            SqlType::Int => "INTEGER",
            SqlType::BigInt => "BIGINT",
            SqlType::Real => "REAL",
            SqlType::Double => "DOUBLE PRECISION",
            _ => "TEXT",
        })
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
        Ok(begin(options))
    }

    fn zero_literal(&self, t: SqlType) -> &'static str {
        zero(t)
    }

    fn max_params(&self) -> usize {
        // The protocol counts parameters in 16 unsigned bits.
        65_535
    }

    fn table_columns(&self, conn: &Connection, table: &str) -> Result<Option<Vec<DbColumn>>> {
        let cols = table_columns(conn, table)?;
        Ok((!cols.is_empty()).then_some(cols))
    }

    fn index_names(&self, conn: &Connection, table: &str) -> Result<Vec<String>> {
        index_names(conn, table)
    }

    fn same_type(&self, column: &ColumnDef, db_type: &str) -> bool {
        same_catalogue_type(&self.column_type(column), column.sql_type, db_type)
    }
}

impl Dialect for CockroachDialect {
    fn array_params(&self) -> bool {
        true
    }

    fn name(&self) -> &'static str {
        "cockroachdb"
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
        // Sized integer names: CockroachDB's INTEGER is 64 bits.
        if let Some(t) = shared_type(column.sql_type) {
            return t;
        }
        Cow::Borrowed(match column.sql_type {
            SqlType::Bool => "BOOL",
            SqlType::SmallInt => "INT2",
            SqlType::Int => "INT4",
            SqlType::BigInt => "INT8",
            SqlType::Real => "FLOAT4",
            SqlType::Double => "FLOAT8",
            _ => "TEXT",
        })
    }

    /// `INT8 PRIMARY KEY DEFAULT unique_rowid()`: CockroachDB's keys are
    /// 64-bit, spread over the cluster rather than sequential. Narrower key
    /// fields are refused by [`check_sync`](Dialect::check_sync).
    fn generated_key_ddl(&self, _column: &ColumnDef) -> Cow<'static, str> {
        Cow::Borrowed("INT8 PRIMARY KEY DEFAULT unique_rowid()")
    }

    fn insert_returning(&self) -> bool {
        true
    }

    /// CockroachDB runs every transaction SERIALIZABLE unless READ COMMITTED
    /// is enabled on the cluster (a weaker level asked for is upgraded).
    fn begin_statements(&self, options: &TxOptions) -> Result<Vec<String>> {
        Ok(begin(options))
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
    fn upsert_clause(&self, _key: &str, _columns: &[&str], _out: &mut String) {}

    fn as_of_system_time(&self, at: &AsOf, out: &mut String) -> Result<()> {
        super::cockroach::as_of_system_time(at, out)
    }

    /// Refuses to sync inside an explicit transaction (CockroachDB runs
    /// schema changes on their own, and sync issues them one by one), and a
    /// generated key narrower than 64 bits (`unique_rowid()` values do not
    /// fit).
    fn check_sync(&self, conn: &Connection, table: &str, columns: &[ColumnDef]) -> Result<()> {
        if conn.in_transaction() {
            return Err(Error::invalid(format!(
                "cannot sync {table} inside a transaction on CockroachDB: schema changes run \
                 outside explicit transactions, one DDL statement at a time; call sync before \
                 opening the transaction"
            )));
        }
        for c in columns.iter().filter(|c| c.auto_increment) {
            let rust = match c.sql_type {
                SqlType::BigInt => continue,
                SqlType::SmallInt => "i16",
                SqlType::Int => "i32",
                _ => "not i64",
            };
            return Err(Error::invalid(format!(
                "the generated key {table}.{} is {rust}, but CockroachDB generates 64-bit keys \
                 (unique_rowid()): declare the field as i64 (or Option<i64>)",
                c.name
            )));
        }
        Ok(())
    }

    fn zero_literal(&self, t: SqlType) -> &'static str {
        zero(t)
    }

    fn max_params(&self) -> usize {
        65_535
    }

    fn table_columns(&self, conn: &Connection, table: &str) -> Result<Option<Vec<DbColumn>>> {
        let cols: Vec<DbColumn> = table_columns(conn, table)?
            .into_iter()
            // Hidden columns CockroachDB adds (a table without a primary key
            // gets `rowid`; hash-sharded indexes add crdb_internal_*).
            .filter(|c| c.name != "rowid" && !c.name.starts_with("crdb_internal_"))
            .collect();
        Ok((!cols.is_empty()).then_some(cols))
    }

    fn index_names(&self, conn: &Connection, table: &str) -> Result<Vec<String>> {
        index_names(conn, table)
    }

    fn same_type(&self, column: &ColumnDef, db_type: &str) -> bool {
        let t = if column.auto_increment {
            SqlType::BigInt
        } else {
            column.sql_type
        };
        same_catalogue_type(&self.column_type(column), t, db_type)
    }
}
