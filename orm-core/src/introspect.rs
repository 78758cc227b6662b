//! Reading a database's schema back: its tables, their columns with the
//! portable type each maps to, and their foreign keys. What `orm schema
//! print` and `orm generate models` (reverse engineering) start from.

use crate::connection::Connection;
use crate::error::Result;
use crate::model::ColumnDef;
use crate::query::{compile, CreateTable, ForeignKey};
use crate::schema::{DbColumn, DbForeignKey};
use crate::sql::SqlBuilder;
use crate::value::SqlType;

/// A table as the database describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DbTable {
    /// The table's name.
    pub name: String,
    /// Its columns, in order, each with the portable type it maps to
    /// (`None` for a type orm has no mapping of, such as an enum type or an
    /// unsigned 64-bit integer).
    pub columns: Vec<(DbColumn, Option<SqlType>)>,
    /// Its foreign keys.
    pub foreign_keys: Vec<DbForeignKey>,
}

impl DbTable {
    /// The primary key's columns, in table order: one for a plain key,
    /// several for a composite one, none when the table has no key.
    pub fn primary_key(&self) -> Vec<&DbColumn> {
        self.columns
            .iter()
            .map(|(c, _)| c)
            .filter(|c| c.primary_key)
            .collect()
    }
}

impl Connection {
    /// Every table of the connection's database (PostgreSQL: of the current
    /// schema), by name, with columns and foreign keys.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// let conn = Connection::open("sqlite::memory:")?;
    /// conn.execute_batch("CREATE TABLE a (id INTEGER PRIMARY KEY, n VARCHAR(10));\
    ///                     CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a (id))")?;
    /// let tables = conn.introspect()?;
    /// assert_eq!(tables[1].name, "b");
    /// assert_eq!(tables[1].foreign_keys[0].references, "a");
    /// assert_eq!(tables[0].columns[1].1, Some(orm::SqlType::Text));
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn introspect(&self) -> Result<Vec<DbTable>> {
        let catalogue = self.catalogue();
        let mut names = catalogue.table_names(self)?;
        names.sort();
        let mut out = Vec::with_capacity(names.len());
        for name in names {
            let columns = catalogue
                .table_columns(self, &name)?
                .unwrap_or_default()
                .into_iter()
                .map(|c| {
                    let t = catalogue.sql_type(&c.db_type);
                    (c, t)
                })
                .collect();
            let foreign_keys = catalogue.foreign_keys(self, &name)?;
            out.push(DbTable {
                name,
                columns,
                foreign_keys,
            });
        }
        Ok(out)
    }

    /// The database's tables (see [`introspect`](Self::introspect)) as the
    /// `CREATE TABLE` statements orm writes for them in this connection's
    /// dialect, one a line, each ending with `;`: columns with their types
    /// (`VARCHAR(N)` sizes kept), nullability, the primary key (composite
    /// ones declared on the table), and foreign keys with their actions.
    /// Indexes, column defaults and check constraints are not read back. A
    /// column of a type orm has no mapping of is left out, with a comment
    /// saying so.
    pub fn schema_sql(&self) -> Result<String> {
        let mut out = String::new();
        for t in self.introspect()? {
            let key = t.primary_key();
            let composite = key.len() > 1;
            let mut defs = Vec::with_capacity(t.columns.len());
            for (c, sql_type) in &t.columns {
                let Some(sql_type) = sql_type else {
                    out.push_str(&format!(
                        "-- {}.{}: type {} has no orm type, left out\n",
                        t.name, c.name, c.db_type
                    ));
                    continue;
                };
                let def = ColumnDef {
                    name: "",
                    field: "",
                    sql_type: *sql_type,
                    nullable: c.nullable,
                    primary_key: c.primary_key && !composite,
                    auto_increment: false,
                    unique: false,
                    index: false,
                    in_index: c.primary_key,
                    size: (*sql_type == crate::SqlType::Text)
                        .then(|| c.text_size())
                        .flatten(),
                    default: None,
                    hash_sharded: None,
                };
                defs.push((c.name.as_str(), def));
            }
            // Constraints over one column (a name seen once).
            let single = |name: &Option<String>| {
                t.foreign_keys.iter().filter(|f| f.name == *name).count() == 1
            };
            let fk_names: Vec<String> = t
                .foreign_keys
                .iter()
                .map(|f| {
                    f.name.clone().unwrap_or_else(|| {
                        crate::schema::index_name(
                            "fk",
                            &t.name,
                            &f.column,
                            self.dialect().max_identifier_len(),
                        )
                    })
                })
                .collect();
            let foreign_keys: Vec<ForeignKey<'_>> = t
                .foreign_keys
                .iter()
                .zip(&fk_names)
                .filter(|(f, _)| f.name.is_none() || single(&f.name))
                .map(|(f, name)| ForeignKey {
                    name,
                    column: &f.column,
                    references: &f.references,
                    references_column: &f.referenced_column,
                    on_delete: f.on_delete,
                    on_update: f.on_update,
                })
                .collect();
            let create = CreateTable {
                table: &t.name,
                foreign_keys: &foreign_keys,
                checks: &[],
                columns: defs.iter().map(|(n, d)| (*n, d)).collect(),
                composite_key: if composite {
                    key.iter().map(|c| c.name.as_str()).collect()
                } else {
                    Vec::new()
                },
            };
            let mut b = SqlBuilder::new(self.dialect());
            compile::create_table(&mut b, &create)?;
            out.push_str(&b.sql);
            out.push_str(";\n");
        }
        Ok(out)
    }
}
