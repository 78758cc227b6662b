//! What schema sync reads from MySQL and MariaDB: the information schema
//! of the current database, column types normalised as the dialect writes
//! them.

use orm_core::driver::{Catalogue, DbColumn, DbForeignKey, DriverConnection};
use orm_core::{ColumnDef, Connection, Result, Single};

use super::dialect::normalize_type;

/// MySQL's and MariaDB's catalogue.
pub struct MysqlCatalogue;

impl Catalogue for MysqlCatalogue {
    fn table_columns(&self, conn: &Connection, table: &str) -> Result<Option<Vec<DbColumn>>> {
        let rows: Vec<(String, String, String, i64)> = conn.query_all(
            "SELECT c.COLUMN_NAME, c.COLUMN_TYPE, c.IS_NULLABLE, \
             (SELECT COUNT(*) FROM information_schema.STATISTICS s \
              WHERE s.TABLE_SCHEMA = c.TABLE_SCHEMA AND s.TABLE_NAME = c.TABLE_NAME \
              AND s.COLUMN_NAME = c.COLUMN_NAME AND s.INDEX_NAME = 'PRIMARY') \
             FROM information_schema.COLUMNS c \
             WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME = ? \
             ORDER BY c.ORDINAL_POSITION",
            &[table.into()],
        )?;
        Ok(crate::columns_of(rows, |(name, db_type, nullable, pk)| {
            DbColumn {
                name,
                db_type: normalize_type(&db_type),
                nullable: nullable.eq_ignore_ascii_case("YES"),
                primary_key: pk > 0,
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

    fn foreign_keys(&self, conn: &Connection, table: &str) -> Result<Vec<DbForeignKey>> {
        let rows: Vec<(String, String, String)> = conn.query_all(
            "SELECT CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME \
             FROM information_schema.KEY_COLUMN_USAGE \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? \
             AND REFERENCED_TABLE_NAME IS NOT NULL AND ORDINAL_POSITION = 1",
            &[table.into()],
        )?;
        Ok(rows
            .into_iter()
            .map(|(name, column, references)| DbForeignKey {
                name: Some(name),
                column,
                references,
            })
            .collect())
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
}
