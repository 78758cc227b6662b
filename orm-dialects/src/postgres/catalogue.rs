//! What schema sync reads from PostgreSQL and CockroachDB: the
//! information schema of the current schema (so the connection's
//! `search_path` decides), and what CockroachDB refuses to sync.

use orm_core::driver::{Catalogue, DriverConnection};
use orm_core::{ColumnDef, Connection, Error, Result, SqlType, Value};
use orm_core::{DbColumn, DbForeignKey};

use super::dialect::pg_type;

/// PostgreSQL's catalogue.
pub struct PostgresCatalogue;

/// CockroachDB's: PostgreSQL's, without the hidden columns CockroachDB
/// adds, refusing DDL inside transactions and narrow generated keys.
pub struct CockroachCatalogue;

/// The columns of `table` in the current schema, types upper-cased (as
/// `information_schema` names them: `INTEGER`, `TIMESTAMP WITHOUT TIME
/// ZONE`).
fn table_columns(conn: &Connection, table: &str) -> Result<Vec<DbColumn>> {
    let rows: Vec<(String, String, bool, bool)> = conn.query_all(
        "SELECT c.column_name::TEXT, \
                UPPER(CASE WHEN c.data_type IN ('USER-DEFINED', 'ARRAY') \
                           THEN c.udt_name::TEXT ELSE c.data_type::TEXT END) \
                || COALESCE('(' || c.character_maximum_length::TEXT || ')', ''), \
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

/// The base tables of the current schema.
fn table_names(conn: &Connection) -> Result<Vec<String>> {
    let rows: Vec<orm_core::Single<String>> = conn.query_all(
        "SELECT table_name::TEXT FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
        &Vec::new(),
    )?;
    Ok(rows.into_iter().map(|s| s.0).collect())
}

/// The foreign keys of `table` in the current schema, column by column.
fn foreign_keys(conn: &Connection, table: &str) -> Result<Vec<DbForeignKey>> {
    let rows: Vec<(String, String, String, String, String, String)> = conn.query_all(
        "SELECT c.conname::TEXT, a.attname::TEXT, p.relname::TEXT, pa.attname::TEXT, \
                CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' \
                     WHEN 'r' THEN 'RESTRICT' WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END, \
                CASE c.confupdtype WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' \
                     WHEN 'r' THEN 'RESTRICT' WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END \
         FROM pg_constraint c \
         JOIN pg_class t ON t.oid = c.conrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         JOIN pg_class p ON p.oid = c.confrelid \
         CROSS JOIN LATERAL unnest(c.conkey, c.confkey) AS k(col, ref) \
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.col \
         JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.ref \
         WHERE c.contype = 'f' AND n.nspname = current_schema() AND t.relname = $1 \
         ORDER BY c.conname, a.attname",
        &[Value::from(table)],
    )?;
    Ok(crate::foreign_keys_of(rows))
}

/// The check constraints of `table` in the current schema.
fn check_names(conn: &Connection, table: &str) -> Result<Vec<String>> {
    let rows: Vec<orm_core::Single<String>> = conn.query_all(
        "SELECT c.conname::TEXT FROM pg_constraint c \
         JOIN pg_class t ON t.oid = c.conrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE c.contype = 'c' AND n.nspname = current_schema() AND t.relname = $1 \
         ORDER BY 1",
        &[Value::from(table)],
    )?;
    Ok(rows.into_iter().map(|s| s.0).collect())
}

/// The portable type of an information-schema type name (upper case, as
/// `table_columns` reports it). `NUMERIC` reads as the widest decimal: the
/// type name carries no precision.
fn sql_type(db_type: &str) -> Option<SqlType> {
    // The length of `CHARACTER VARYING(20)` is not part of the type.
    let db_type = db_type.split('(').next().unwrap_or(db_type);
    Some(match db_type.trim() {
        "BOOLEAN" => SqlType::Bool,
        "SMALLINT" | "INT2" => SqlType::SmallInt,
        "INTEGER" | "INT4" => SqlType::Int,
        "BIGINT" | "INT8" => SqlType::BigInt,
        "REAL" | "FLOAT4" => SqlType::Real,
        "DOUBLE PRECISION" | "FLOAT8" => SqlType::Double,
        "TEXT" | "CHARACTER VARYING" | "CHARACTER" | "VARCHAR" | "CHAR" | "STRING" => SqlType::Text,
        "BYTEA" | "BYTES" => SqlType::Blob,
        "DATE" => SqlType::Date,
        "TIME WITHOUT TIME ZONE" | "TIME" => SqlType::Time,
        "TIMESTAMP WITHOUT TIME ZONE" | "TIMESTAMP" => SqlType::DateTime,
        "TIMESTAMP WITH TIME ZONE" | "TIMESTAMPTZ" => SqlType::Timestamp,
        "NUMERIC" | "DECIMAL" => SqlType::Decimal(0, 0),
        "UUID" => SqlType::Uuid,
        "JSONB" | "JSON" => SqlType::Json,
        _ => return None,
    })
}

/// Whether the catalogue's `db_type` is the type of `t`.
fn same_type(column: &ColumnDef, t: SqlType, db_type: &str) -> bool {
    match column.size {
        Some(n) => db_type.trim() == format!("CHARACTER VARYING({n})"),
        None => pg_type(t).catalogue.eq_ignore_ascii_case(db_type.trim()),
    }
}

impl Catalogue for PostgresCatalogue {
    fn table_columns(&self, conn: &Connection, table: &str) -> Result<Option<Vec<DbColumn>>> {
        let cols = table_columns(conn, table)?;
        Ok((!cols.is_empty()).then_some(cols))
    }

    fn index_names(&self, conn: &Connection, table: &str) -> Result<Vec<String>> {
        index_names(conn, table)
    }

    fn foreign_keys(&self, conn: &Connection, table: &str) -> Result<Vec<DbForeignKey>> {
        foreign_keys(conn, table)
    }

    fn check_names(&self, conn: &Connection, table: &str) -> Result<Vec<String>> {
        check_names(conn, table)
    }

    fn same_type(&self, _conn: &Connection, column: &ColumnDef, db_type: &str) -> bool {
        same_type(column, column.sql_type, db_type)
    }

    fn table_names(&self, conn: &Connection) -> Result<Vec<String>> {
        table_names(conn)
    }

    fn sql_type(&self, db_type: &str) -> Option<SqlType> {
        sql_type(db_type)
    }
}

impl Catalogue for CockroachCatalogue {
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

    fn foreign_keys(&self, conn: &Connection, table: &str) -> Result<Vec<DbForeignKey>> {
        foreign_keys(conn, table)
    }

    fn check_names(&self, conn: &Connection, table: &str) -> Result<Vec<String>> {
        check_names(conn, table)
    }

    fn same_type(&self, _conn: &Connection, column: &ColumnDef, db_type: &str) -> bool {
        // Generated keys are INT8 whatever the field.
        let t = if column.auto_increment {
            SqlType::BigInt
        } else {
            column.sql_type
        };
        same_type(column, t, db_type)
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

    fn table_names(&self, conn: &Connection) -> Result<Vec<String>> {
        table_names(conn)
    }

    fn sql_type(&self, db_type: &str) -> Option<SqlType> {
        sql_type(db_type)
    }
}
