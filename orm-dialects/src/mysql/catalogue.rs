//! What schema sync reads from MySQL and MariaDB: the information schema
//! of the current database, column types normalised as the dialect writes
//! them.

use orm_core::driver::{Catalogue, DriverConnection};
use orm_core::{ColumnDef, Connection, Result, Single};
use orm_core::{DbColumn, DbForeignKey, SqlType};

use super::dialect::normalize_type;

/// MySQL's and MariaDB's catalogue.
pub struct MysqlCatalogue;

impl Catalogue for MysqlCatalogue {
    fn table_columns(&self, conn: &Connection, table: &str) -> Result<Option<Vec<DbColumn>>> {
        // Two flat queries: a correlated subquery on the information schema
        // makes the server build a temporary table per row, and MariaDB
        // 10.11 has crashed doing that under load.
        let rows: Vec<(String, String, String)> = conn.query_all(
            "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
            &[table.into()],
        )?;
        let key: Vec<Single<String>> = if rows.is_empty() {
            Vec::new()
        } else {
            conn.query_all(
                "SELECT COLUMN_NAME FROM information_schema.STATISTICS \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY'",
                &[table.into()],
            )?
        };
        Ok(crate::columns_of(rows, |(name, db_type, nullable)| {
            DbColumn {
                primary_key: key.iter().any(|k| k.0 == name),
                name,
                db_type: normalize_type(&db_type),
                nullable: nullable.eq_ignore_ascii_case("YES"),
            }
        }))
    }

    fn index_names(&self, conn: &Connection, table: &str) -> Result<Vec<String>> {
        let rows: Vec<Single<String>> = conn.query_all(
            "SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
            &[table.into()],
        )?;
        Ok(rows.into_iter().map(|s| s.0).collect())
    }

    fn same_type(&self, conn: &Connection, column: &ColumnDef, db_type: &str) -> bool {
        let dialect = conn.dialect();
        let want = if column.auto_increment {
            dialect.generated_key_ddl(column)
        } else {
            dialect.column_type(column)
        };
        let want = normalize_type(want.split_whitespace().next().unwrap_or(""));
        let have = normalize_type(db_type);
        // MariaDB's JSON is LONGTEXT with a json_valid() check.
        want == have || (want == "JSON" && have == "LONGTEXT")
    }

    fn table_names(&self, conn: &Connection) -> Result<Vec<String>> {
        let rows: Vec<Single<String>> = conn.query_all(
            "SELECT TABLE_NAME FROM information_schema.TABLES \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
            &Vec::new(),
        )?;
        Ok(rows.into_iter().map(|s| s.0).collect())
    }

    fn foreign_keys(&self, conn: &Connection, table: &str) -> Result<Vec<DbForeignKey>> {
        let rows: Vec<(String, String, String, String, String, String)> = conn.query_all(
            "SELECT k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, \
             k.REFERENCED_COLUMN_NAME, r.DELETE_RULE, r.UPDATE_RULE \
             FROM information_schema.KEY_COLUMN_USAGE k \
             JOIN information_schema.REFERENTIAL_CONSTRAINTS r \
               ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA \
              AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME \
              AND r.TABLE_NAME = k.TABLE_NAME \
             WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = ? \
             AND k.REFERENCED_TABLE_NAME IS NOT NULL \
             ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION",
            &[table.into()],
        )?;
        // InnoDB's RESTRICT is NO ACTION (checked at once either way), and
        // MariaDB reports a constraint declared without an action as
        // RESTRICT: both read as the default.
        let mut keys = crate::foreign_keys_of(rows);
        for k in &mut keys {
            for action in [&mut k.on_delete, &mut k.on_update] {
                if *action == Some(orm_core::ReferentialAction::Restrict) {
                    *action = None;
                }
            }
        }
        Ok(keys)
    }

    fn check_names(&self, conn: &Connection, table: &str) -> Result<Vec<String>> {
        let rows: Vec<Single<String>> = conn.query_all(
            "SELECT CONSTRAINT_NAME FROM information_schema.TABLE_CONSTRAINTS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND CONSTRAINT_TYPE = 'CHECK'",
            &[table.into()],
        )?;
        Ok(rows.into_iter().map(|s| s.0).collect())
    }

    /// From the normalised column type. Unsigned integers read as the
    /// next wider signed type; `BIGINT UNSIGNED` has none. `DATETIME` and
    /// `TIMESTAMP` read as naive date-times (MySQL keeps no zone).
    fn sql_type(&self, db_type: &str) -> Option<SqlType> {
        let t = normalize_type(db_type);
        let unsigned = t.contains("UNSIGNED");
        let word = t.split(['(', ' ']).next().unwrap_or("");
        Some(match word {
            "TINYINT" if t.starts_with("TINYINT(1)") => SqlType::Bool,
            "BOOL" | "BOOLEAN" => SqlType::Bool,
            "TINYINT" => SqlType::SmallInt,
            "SMALLINT" if unsigned => SqlType::Int,
            "SMALLINT" => SqlType::SmallInt,
            "MEDIUMINT" => SqlType::Int,
            "INT" | "INTEGER" if unsigned => SqlType::BigInt,
            "INT" | "INTEGER" => SqlType::Int,
            "BIGINT" if unsigned => return None,
            "BIGINT" => SqlType::BigInt,
            "FLOAT" => SqlType::Real,
            "DOUBLE" | "REAL" => SqlType::Double,
            "CHAR" | "VARCHAR" | "TINYTEXT" | "TEXT" | "MEDIUMTEXT" | "LONGTEXT" | "JSON" => {
                SqlType::Text
            }
            "BINARY" | "VARBINARY" | "TINYBLOB" | "BLOB" | "MEDIUMBLOB" | "LONGBLOB" => {
                SqlType::Blob
            }
            "DATE" => SqlType::Date,
            "TIME" => SqlType::Time,
            "DATETIME" | "TIMESTAMP" => SqlType::DateTime,
            "DECIMAL" | "NUMERIC" => {
                let args = t.split_once('(').and_then(|(_, a)| a.split_once(')'));
                let (p, s) = args
                    .map(|(a, _)| a.split_once(',').unwrap_or((a, "0")))
                    .unwrap_or(("0", "0"));
                SqlType::Decimal(p.trim().parse().ok()?, s.trim().parse().ok()?)
            }
            _ => return None,
        })
    }
}
