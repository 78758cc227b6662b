//! SQLite's SQL.

use std::borrow::Cow;

use orm_core::driver::LexRules;
use orm_core::{ColumnDef, Dialect, Result, SqlType, TxOptions, ValueRef};

/// The SQLite dialect.
///
/// Values kept exactly: integers, floats except NaN (SQLite stores NaN as
/// NULL, so it is refused before sending), text, blobs; dates and date-times
/// as fixed-format text to the microsecond (finer ones are refused, as on
/// every dialect); decimals as exact text in `TEXT COLLATE orm_decimal`
/// columns, a collation every connection registers that compares them by
/// numeric value, so that `ORDER BY`, `<`, `MIN` and `MAX` order `9.00`
/// before `10.00` (another SQLite client must register a collation of that
/// name to read such a table); UUIDs and JSON as text.
#[derive(Debug, Clone, Copy, Default)]
pub struct SqliteDialect;

impl Dialect for SqliteDialect {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    /// SQLite walks an index on the foreign key for the `IN` list, which
    /// gives (owner, key) order without a sort; by key alone it sorts.
    fn order_children_by_owner(&self) -> bool {
        true
    }

    fn placeholder(&self, _n: usize, out: &mut String) {
        out.push('?');
    }

    fn lex_rules(&self) -> &'static LexRules {
        // Backticks and [brackets] quote identifiers too.
        const SQLITE_LEX: LexRules = LexRules {
            backtick_identifiers: true,
            bracket_identifiers: true,
            ..LexRules::STANDARD
        };
        &SQLITE_LEX
    }

    fn unlimited(&self) -> Option<&'static str> {
        // SQLite needs a LIMIT before an OFFSET; -1 means none.
        Some("-1")
    }

    /// Nothing: SQLite has no row locks; a transaction locks the whole
    /// database at its first write. `NOWAIT` and `SKIP LOCKED` have no
    /// meaning without row locks: refused.
    fn lock_clause(&self, lock: orm_core::Lock, _out: &mut String) -> Result<()> {
        if lock.wait != orm_core::LockWait::Wait {
            return Err(orm_core::Error::invalid(
                "SQLite has no row locks: NOWAIT and SKIP LOCKED cannot be honoured \
                 (for_update and for_share are left out on SQLite)",
            ));
        }
        Ok(())
    }

    fn column_type(&self, column: &ColumnDef) -> Cow<'static, str> {
        if let Some(n) = column.size {
            // TEXT affinity; SQLite keeps any length, orm checks it.
            return Cow::Owned(format!("VARCHAR({n})"));
        }
        Cow::Borrowed(match column.sql_type {
            SqlType::Bool => "BOOLEAN",
            SqlType::SmallInt => "SMALLINT",
            SqlType::Int => "INTEGER",
            SqlType::BigInt => "BIGINT",
            SqlType::Real => "REAL",
            SqlType::Double => "DOUBLE",
            SqlType::Text => "TEXT",
            SqlType::Blob => "BLOB",
            SqlType::Date => "DATE",
            SqlType::DateTime => "DATETIME",
            SqlType::Timestamp => "TIMESTAMP",
            SqlType::Time => "TIME",
            // TEXT, not DECIMAL / JSON: those names give NUMERIC affinity,
            // which would turn '123.40' into the float 123.4 and '1' into 1.
            // Decimals compare by value through their collation.
            SqlType::Decimal(..) => "TEXT COLLATE orm_decimal", // collation::DECIMAL_COLLATION
            SqlType::Uuid | SqlType::Json => "TEXT",
            _ => "BLOB",
        })
    }

    fn check_value(
        &self,
        value: ValueRef<'_>,
        column: Option<&ColumnDef>,
    ) -> std::result::Result<(), String> {
        match value {
            ValueRef::Float(f) if f.is_nan() => {
                Err("SQLite stores NaN as NULL; it has no NaN value".to_owned())
            }
            v => orm_core::driver::check_value_portably(v, column),
        }
    }

    fn generated_key_ddl(&self, _column: &ColumnDef) -> Cow<'static, str> {
        // AUTOINCREMENT: keys of deleted rows are never reused.
        Cow::Borrowed("INTEGER PRIMARY KEY AUTOINCREMENT")
    }

    /// SQLite has no UUID function: a version 4 UUID assembled from
    /// `randomblob()` (SQLite's pseudo-random generator), as lower-case
    /// hyphenated text, the form `Uuid` columns are stored in: the version
    /// digit `4`, the variant digit one of `8`, `9`, `a`, `b`.
    fn random_uuid(&self) -> Option<&'static str> {
        Some(
            "(lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || \
             substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (random() & 3), 1) || \
             substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))))",
        )
    }

    /// SQLite transactions are always serializable, which satisfies every
    /// isolation level; read-only is `PRAGMA query_only` for the transaction.
    fn begin_statements(&self, options: &TxOptions) -> Result<Vec<String>> {
        if options.priority.is_some() {
            return Err(orm_core::Error::invalid(
                "SQLite has no transaction priorities (CockroachDB does): leave \
                 TxOptions::priority unset",
            ));
        }
        let mut stmts = vec!["BEGIN".to_owned()];
        if options.read_only {
            stmts.push("PRAGMA query_only = ON".to_owned());
        }
        Ok(stmts)
    }

    fn end_statements(&self, options: &TxOptions) -> Vec<String> {
        if options.read_only {
            vec!["PRAGMA query_only = OFF".to_owned()]
        } else {
            Vec::new()
        }
    }
}
