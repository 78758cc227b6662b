//! Schema sync (XORM's `Sync2`): create what is missing, never drop anything,
//! and report the drift it will not fix.

use std::fmt;

use crate::connection::Connection;
use crate::dialect::Dialect;
use crate::error::Result;
use crate::model::{ColumnDef, Model};
use crate::sql::SqlBuilder;

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

fn column_ddl(dialect: &dyn Dialect, c: &ColumnDef, b: &mut SqlBuilder<'_>, adding: bool) {
    b.ident(c.name);
    b.push(" ");
    if c.auto_increment {
        b.push(&dialect.generated_key_ddl(c));
        return;
    }
    b.push(&dialect.column_type(c));
    if !c.nullable {
        b.push(" NOT NULL");
        if adding {
            // Existing rows need a value for a new NOT NULL column.
            b.push(" DEFAULT ");
            b.push(dialect.zero_literal(c.sql_type));
        }
    }
    if c.primary_key {
        b.push(" PRIMARY KEY");
    }
}

fn index_name(prefix: &str, table: &str, column: &str) -> String {
    format!("{prefix}_{table}_{column}")
}

/// Brings the table of `M` in line with the model. See [`Connection::sync`].
pub fn sync<M: Model>(conn: &Connection) -> Result<SyncReport> {
    let dialect = conn.dialect();
    dialect.check_sync(conn, M::TABLE, M::COLUMNS)?;
    let mut report = SyncReport {
        table: M::TABLE.to_owned(),
        ..SyncReport::default()
    };
    match dialect.table_columns(conn, M::TABLE)? {
        None => {
            let mut b = SqlBuilder::new(dialect);
            b.push("CREATE TABLE ");
            b.ident(M::TABLE);
            b.push(" (");
            for (i, c) in M::COLUMNS.iter().enumerate() {
                if i > 0 {
                    b.push(", ");
                }
                column_ddl(dialect, c, &mut b, false);
            }
            b.push(")");
            b.push(dialect.table_options());
            conn.execute_batch(&b.sql)?;
            report.created_table = true;
        }
        Some(existing) => {
            for c in M::COLUMNS {
                match existing
                    .iter()
                    .find(|e| e.name.eq_ignore_ascii_case(c.name))
                {
                    None => {
                        let mut b = SqlBuilder::new(dialect);
                        b.push("ALTER TABLE ");
                        b.ident(M::TABLE);
                        b.push(" ADD COLUMN ");
                        column_ddl(dialect, c, &mut b, true);
                        conn.execute_batch(&b.sql)?;
                        report.added_columns.push(c.name.to_owned());
                    }
                    Some(e) => {
                        if !dialect.same_type(c, &e.db_type) {
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
    let indexes = dialect.index_names(conn, M::TABLE)?;
    for c in M::COLUMNS.iter().filter(|c| c.unique || c.index) {
        let (prefix, unique) = if c.unique {
            ("ux", "UNIQUE ")
        } else {
            ("ix", "")
        };
        let name = index_name(prefix, M::TABLE, c.name);
        if indexes.iter().any(|i| i.eq_ignore_ascii_case(&name)) {
            continue;
        }
        let mut b = SqlBuilder::new(dialect);
        b.push("CREATE ");
        b.push(unique);
        b.push("INDEX ");
        b.ident(&name);
        b.push(" ON ");
        b.ident(M::TABLE);
        b.push(" (");
        b.ident(c.name);
        b.push(")");
        conn.execute_batch(&b.sql)?;
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
