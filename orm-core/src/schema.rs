//! Schema sync (XORM's `Sync2`): create what is missing, never drop anything,
//! and report the drift it will not fix.

use std::fmt;

use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::model::{ColumnDef, Model};
use crate::query::{compile, AddColumn, CreateIndex, CreateTable};
use crate::sql::SqlBuilder;

/// A column as the database describes it, for schema sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbColumn {
    /// Column name.
    pub name: String,
    /// Declared type, as the database reports it.
    pub db_type: String,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// Whether the column is (part of) the primary key.
    pub primary_key: bool,
}

/// What schema sync reads from a database: its catalogue queries, and what
/// it refuses to sync. Each driver has one ([`Backend::catalogue`]), kept
/// apart from the [`Dialect`](crate::Dialect), which only writes SQL.
///
/// [`Backend::catalogue`]: crate::driver::Backend::catalogue
pub trait Catalogue: Send + Sync {
    /// The existing columns of `table`, or `None` if there is no such table.
    fn table_columns(&self, conn: &Connection, table: &str) -> Result<Option<Vec<DbColumn>>>;

    /// The names of the indexes on `table`.
    fn index_names(&self, conn: &Connection, table: &str) -> Result<Vec<String>>;

    /// Whether the type `db_type` the catalogue reports is what the dialect
    /// declares for `column`.
    fn same_type(&self, conn: &Connection, column: &ColumnDef, db_type: &str) -> bool;

    /// Called before sync reads or changes anything, with the model's table
    /// and columns: refuses what cannot be synced (a key type the database
    /// cannot generate, DDL inside an explicit transaction). The default
    /// accepts everything.
    fn check_sync(&self, conn: &Connection, table: &str, columns: &[ColumnDef]) -> Result<()> {
        let _ = (conn, table, columns);
        Ok(())
    }
}

/// Whether the type `db_type` a catalogue reports for `column` is the first
/// word of what `dialect` declares for it (`TEXT` for `TEXT COLLATE x`,
/// `VARCHAR(255)`), ASCII-case-insensitively: for catalogues that report
/// declared types as written.
pub fn same_declared_type(dialect: &dyn crate::Dialect, column: &ColumnDef, db_type: &str) -> bool {
    let want = if column.auto_increment {
        dialect.generated_key_ddl(column)
    } else {
        dialect.column_type(column)
    };
    let want = want.split_whitespace().next().unwrap_or("");
    want.eq_ignore_ascii_case(db_type.trim())
}

/// The catalogue of a driver that has none: schema sync is refused.
pub(crate) struct NoCatalogue;

impl Catalogue for NoCatalogue {
    fn table_columns(&self, conn: &Connection, _: &str) -> Result<Option<Vec<DbColumn>>> {
        Err(Error::invalid(format!(
            "the {} driver reads no catalogue: schema sync is not available",
            conn.dialect().name()
        )))
    }
    fn index_names(&self, conn: &Connection, table: &str) -> Result<Vec<String>> {
        self.table_columns(conn, table).map(|_| Vec::new())
    }
    fn same_type(&self, _: &Connection, _: &ColumnDef, _: &str) -> bool {
        false
    }
}

/// A difference between a model and its table that sync does not fix.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Drift {
    /// The column's declared type differs from the model's.
    TypeMismatch {
        /// Column.
        column: String,
        /// What the model declares.
        expected: String,
        /// What the table has.
        actual: String,
    },
    /// The column's nullability differs from the model's.
    NullabilityMismatch {
        /// Column.
        column: String,
        /// Whether the model allows NULL.
        model_nullable: bool,
    },
    /// The table has a column the model does not map.
    ExtraColumn {
        /// Column.
        column: String,
        /// Its declared type.
        db_type: String,
    },
    /// The table's primary key is not the model's.
    PrimaryKeyMismatch {
        /// The model's key column.
        column: String,
    },
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Drift::TypeMismatch {
                column,
                expected,
                actual,
            } => write!(
                f,
                "column {column} is {actual}, the model declares {expected}"
            ),
            Drift::NullabilityMismatch {
                column,
                model_nullable,
            } => write!(
                f,
                "column {column} is {}, the model says {}",
                if *model_nullable {
                    "NOT NULL"
                } else {
                    "nullable"
                },
                if *model_nullable {
                    "nullable"
                } else {
                    "NOT NULL"
                }
            ),
            Drift::ExtraColumn { column, db_type } => {
                write!(f, "column {column} ({db_type}) is not in the model")
            }
            Drift::PrimaryKeyMismatch { column } => {
                write!(f, "the table's primary key is not {column}")
            }
        }
    }
}

/// What a sync did and what it found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncReport {
    /// The table.
    pub table: String,
    /// Whether the table was created.
    pub created_table: bool,
    /// Columns added.
    pub added_columns: Vec<String>,
    /// Indexes (and unique indexes) created.
    pub created_indexes: Vec<String>,
    /// Differences left alone.
    pub drift: Vec<Drift>,
}

impl SyncReport {
    /// Whether the sync changed the schema.
    pub fn changed(&self) -> bool {
        self.created_table || !self.added_columns.is_empty() || !self.created_indexes.is_empty()
    }
}

/// Runs one DDL statement, compiled by `write`.
fn run_ddl(conn: &Connection, write: impl FnOnce(&mut SqlBuilder<'_>) -> Result<()>) -> Result<()> {
    let mut b = SqlBuilder::new(conn.dialect());
    write(&mut b)?;
    conn.execute_batch(&b.sql)
}

/// The name of the index of `prefix` (`ux`, `ix`) on `table.column`:
/// `ux_table_column`, or when that is longer than `max` bytes (PostgreSQL
/// truncates names at 63 bytes, so the next sync would not find it; MySQL
/// refuses names over 64) its longest prefix that fits, cut on a character
/// boundary, then `_` and 8 hex digits of a hash of the whole name: the
/// same name every time, and different for different columns.
fn index_name(prefix: &str, table: &str, column: &str, max: Option<usize>) -> String {
    let full = format!("{prefix}_{table}_{column}");
    let Some(max) = max.filter(|&m| full.len() > m && m > 9) else {
        return full;
    };
    // FNV-1a: stable across processes and releases (unlike std's hasher).
    let hash = full.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    let mut cut = max - 9;
    while !full.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{hash:08x}", &full[..cut])
}

/// Brings the table of `M` in line with the model. See [`Connection::sync`].
pub fn sync<M: Model>(conn: &Connection) -> Result<SyncReport> {
    let dialect = conn.dialect();
    let catalogue = conn.catalogue();
    catalogue.check_sync(conn, M::TABLE, M::COLUMNS)?;
    if !M::PARTIAL_UNIQUE.is_empty() && !dialect.partial_indexes() {
        // Refused before anything is created, not half-way.
        return Err(crate::error::Error::invalid(format!(
            "{} declares partial unique indexes (#[db(unique, partial)]), and the {} dialect \
             has no partial indexes",
            M::TABLE,
            dialect.name()
        )));
    }
    let mut report = SyncReport {
        table: M::TABLE.to_owned(),
        ..SyncReport::default()
    };
    match catalogue.table_columns(conn, M::TABLE)? {
        None => {
            let create = CreateTable {
                table: M::TABLE,
                columns: M::COLUMNS,
            };
            run_ddl(conn, |b| compile::create_table(b, &create))?;
            report.created_table = true;
        }
        Some(existing) => {
            for c in M::COLUMNS {
                match existing
                    .iter()
                    .find(|e| e.name.eq_ignore_ascii_case(c.name))
                {
                    None => {
                        let add = AddColumn {
                            table: M::TABLE,
                            column: c,
                        };
                        run_ddl(conn, |b| compile::add_column(b, &add))?;
                        report.added_columns.push(c.name.to_owned());
                    }
                    Some(e) => {
                        if !catalogue.same_type(conn, c, &e.db_type) {
                            report.drift.push(Drift::TypeMismatch {
                                column: c.name.to_owned(),
                                expected: dialect.column_type(c).into_owned(),
                                actual: e.db_type.clone(),
                            });
                        }
                        if !c.primary_key && e.nullable != c.nullable {
                            report.drift.push(Drift::NullabilityMismatch {
                                column: c.name.to_owned(),
                                model_nullable: c.nullable,
                            });
                        }
                        if c.primary_key && !e.primary_key {
                            report.drift.push(Drift::PrimaryKeyMismatch {
                                column: c.name.to_owned(),
                            });
                        }
                    }
                }
            }
            for e in &existing {
                if !M::COLUMNS
                    .iter()
                    .any(|c| c.name.eq_ignore_ascii_case(&e.name))
                {
                    report.drift.push(Drift::ExtraColumn {
                        column: e.name.clone(),
                        db_type: e.db_type.clone(),
                    });
                }
            }
        }
    }
    let indexes = catalogue.index_names(conn, M::TABLE)?;
    for c in M::COLUMNS.iter().filter(|c| c.unique || c.index) {
        let prefix = if c.unique { "ux" } else { "ix" };
        let name = index_name(prefix, M::TABLE, c.name, dialect.max_identifier_len());
        if indexes.iter().any(|i| i.eq_ignore_ascii_case(&name)) {
            continue;
        }
        let partial = M::PARTIAL_UNIQUE
            .iter()
            .any(|&i| M::COLUMNS[i].name == c.name);
        let index = CreateIndex {
            name: &name,
            table: M::TABLE,
            columns: &[c.name],
            unique: c.unique,
            where_null: M::SOFT_DELETE
                .filter(|_| partial && c.unique)
                .map(|s| M::COLUMNS[s].name),
        };
        run_ddl(conn, |b| compile::create_index(b, &index))?;
        report.created_indexes.push(name);
    }
    if report.changed() {
        log::info!(target: crate::connection::LOG_TARGET, "synced {}: {report:?}", M::TABLE);
    }
    for d in &report.drift {
        log::warn!(target: crate::connection::LOG_TARGET, "{}: {}", M::TABLE, crate::connection::Escaped(&d.to_string()));
    }
    Ok(report)
}

impl Connection {
    /// Creates the table of `M` if missing, adds missing columns, creates
    /// declared indexes and unique indexes; never drops or alters anything,
    /// and reports the drift it leaves (type or nullability differences,
    /// extra columns). Running it again changes nothing.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// #[derive(Model, Debug)]
    /// struct Account { id: i64, balance: i64 }
    ///
    /// let conn = Connection::open("sqlite::memory:")?;
    /// assert!(conn.sync::<Account>()?.created_table);
    /// assert!(!conn.sync::<Account>()?.changed());
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn sync<M: Model>(&self) -> Result<SyncReport> {
        sync::<M>(self)
    }
}

#[cfg(test)]
mod tests {
    use super::index_name;

    #[test]
    fn long_index_names_fit_and_stay_distinct() {
        assert_eq!(
            index_name("ux", "users", "email", Some(63)),
            "ux_users_email"
        );
        let table = "t".repeat(40);
        let a = index_name("ux", &table, &"a".repeat(30), Some(63));
        let b = index_name("ux", &table, &format!("{}b", "a".repeat(29)), Some(63));
        assert_eq!(a.len(), 63);
        assert_ne!(a, b, "a hash of the whole name keeps them apart");
        assert_eq!(
            a,
            index_name("ux", &table, &"a".repeat(30), Some(63)),
            "stable"
        );
        // Cut on a character boundary.
        let n = index_name("ix", &"é".repeat(40), "c", Some(63));
        assert!(n.len() <= 63 && n.is_char_boundary(n.len() - 9));
    }
}
