//! What schema sync reads from SQLite: `pragma_table_info` and
//! `pragma_index_list`, which report declared types as written.

use orm_core::driver::{same_declared_type, Catalogue, DbColumn, DriverConnection};
use orm_core::{ColumnDef, Connection, Result, Single};

/// SQLite's catalogue.
pub struct SqliteCatalogue;

impl Catalogue for SqliteCatalogue {
    fn table_columns(&self, conn: &Connection, table: &str) -> Result<Option<Vec<DbColumn>>> {
        let rows: Vec<(String, String, bool, i64)> = conn.query_all(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?)",
            &[table.into()],
        )?;
        Ok(crate::columns_of(rows, |(name, db_type, notnull, pk)| {
            DbColumn {
                name,
                db_type,
                nullable: !notnull && pk == 0,
                primary_key: pk > 0,
            }
        }))
    }

    fn index_names(&self, conn: &Connection, table: &str) -> Result<Vec<String>> {
        let rows: Vec<Single<String>> =
            conn.query_all("SELECT name FROM pragma_index_list(?)", &[table.into()])?;
        Ok(rows.into_iter().map(|s| s.0).collect())
    }

    fn same_type(&self, conn: &Connection, column: &ColumnDef, db_type: &str) -> bool {
        same_declared_type(conn.dialect(), column, db_type)
    }
}
