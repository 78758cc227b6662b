//! What schema sync reads from SQLite: `pragma_table_info` and
//! `pragma_index_list`, which report declared types as written.

use orm_core::driver::{same_declared_type, Catalogue, DriverConnection};
use orm_core::{ColumnDef, Connection, Result, Single};
use orm_core::{DbColumn, DbForeignKey, SqlType};

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

    /// SQLite adds no constraint to an existing table, and checks no
    /// referenced table at `CREATE TABLE`.
    fn alters_constraints(&self) -> bool {
        false
    }

    /// By affinity, which decides how SQLite stores what orm writes: a
    /// table made by hand with `INTEGER` for a `bool` or an `i64`, `INT`
    /// for an `i16`, `FLOAT` for an `f64` or `VARCHAR(80)` for a `String`
    /// holds the values exactly as orm's own DDL would, so it is no drift.
    /// Generated keys (the rowid alias) and decimals (their collation
    /// orders them) compare by declared type.
    fn same_type(&self, conn: &Connection, column: &ColumnDef, db_type: &str) -> bool {
        use orm_core::SqlType as T;
        if column.auto_increment || matches!(column.sql_type, T::Decimal(..)) {
            return same_declared_type(conn.dialect(), column, db_type);
        }
        let a = affinity(db_type);
        match column.sql_type {
            T::Bool | T::SmallInt | T::Int | T::BigInt => {
                matches!(a, Affinity::Integer | Affinity::Numeric)
            }
            T::Real | T::Double => matches!(a, Affinity::Real | Affinity::Numeric),
            T::Text | T::Uuid | T::Json => a == Affinity::Text,
            // Written as text, which NUMERIC affinity keeps as it is.
            T::Date | T::DateTime | T::Timestamp | T::Time => {
                matches!(a, Affinity::Text | Affinity::Numeric)
            }
            T::Blob => a == Affinity::Blob,
            _ => same_declared_type(conn.dialect(), column, db_type),
        }
    }

    fn table_names(&self, conn: &Connection) -> Result<Vec<String>> {
        let rows: Vec<Single<String>> = conn.query_all(
            "SELECT name FROM sqlite_schema \
             WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
            &Vec::new(),
        )?;
        Ok(rows.into_iter().map(|s| s.0).collect())
    }

    fn foreign_keys(&self, conn: &Connection, table: &str) -> Result<Vec<DbForeignKey>> {
        let rows: Vec<(String, String, Option<String>, String, String)> = conn.query_all(
            "SELECT \"from\", \"table\", \"to\", on_delete, on_update \
             FROM pragma_foreign_key_list(?) ORDER BY id, seq",
            &[table.into()],
        )?;
        let mut out = Vec::with_capacity(rows.len());
        for (column, references, to, on_delete, on_update) in rows {
            // `REFERENCES parent` without a column names the parent's key.
            let referenced_column = match to {
                Some(to) => to,
                None => self
                    .table_columns(conn, &references)?
                    .unwrap_or_default()
                    .into_iter()
                    .find(|c| c.primary_key)
                    .map_or_else(|| "rowid".to_owned(), |c| c.name),
            };
            out.push(DbForeignKey {
                name: None,
                column,
                references,
                referenced_column,
                on_delete: orm_core::ReferentialAction::from_sql(&on_delete),
                on_update: orm_core::ReferentialAction::from_sql(&on_update),
            });
        }
        Ok(out)
    }

    /// SQLite keeps no list of constraints: the names its `CREATE TABLE`
    /// text gives (`CONSTRAINT "name" CHECK`).
    fn check_names(&self, conn: &Connection, table: &str) -> Result<Vec<String>> {
        let rows: Vec<Single<Option<String>>> = conn.query_all(
            "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?",
            &[table.into()],
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|s| s.0)
            .flat_map(|sql| constraint_names(&sql, "CHECK"))
            .collect())
    }

    /// By the declared type: orm's own names first, then SQLite's affinity
    /// (every integer is 64-bit, every float a double).
    fn sql_type(&self, db_type: &str) -> Option<SqlType> {
        let t = db_type.trim().to_ascii_uppercase();
        let word = t.split(['(', ' ']).next().unwrap_or("");
        Some(match word {
            _ if t.contains("COLLATE ORM_DECIMAL") => SqlType::Decimal(0, 0),
            "BOOLEAN" | "BOOL" => SqlType::Bool,
            "SMALLINT" => SqlType::SmallInt,
            "DATE" => SqlType::Date,
            "DATETIME" => SqlType::DateTime,
            "TIMESTAMP" => SqlType::Timestamp,
            "TIME" => SqlType::Time,
            "UUID" => SqlType::Uuid,
            "JSON" | "JSONB" => SqlType::Json,
            "DECIMAL" | "NUMERIC" => SqlType::Decimal(0, 0),
            _ => match affinity(&t) {
                Affinity::Integer => SqlType::BigInt,
                Affinity::Real => SqlType::Double,
                Affinity::Text => SqlType::Text,
                Affinity::Blob => SqlType::Blob,
                Affinity::Numeric => return None,
            },
        })
    }
}

/// A column's type affinity, by SQLite's rules (section 3.1 of "Datatypes
/// In SQLite"), from its declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Affinity {
    Integer,
    Text,
    Blob,
    Real,
    Numeric,
}

fn affinity(declared: &str) -> Affinity {
    let t = declared.to_ascii_uppercase();
    if t.contains("INT") {
        Affinity::Integer
    } else if ["CHAR", "CLOB", "TEXT"].iter().any(|k| t.contains(k)) {
        Affinity::Text
    } else if t.contains("BLOB") || t.trim().is_empty() {
        Affinity::Blob
    } else if ["REAL", "FLOA", "DOUB"].iter().any(|k| t.contains(k)) {
        Affinity::Real
    } else {
        Affinity::Numeric
    }
}

/// The names of the constraints of `kind` (`CHECK`) that `CREATE TABLE` text
/// declares with `CONSTRAINT name`, unquoted.
fn constraint_names(sql: &str, kind: &str) -> Vec<String> {
    let mut out = Vec::new();
    let upper = sql.to_ascii_uppercase();
    let mut from = 0;
    while let Some(at) = upper[from..].find("CONSTRAINT") {
        let start = from + at + "CONSTRAINT".len();
        from = start;
        let rest = sql[start..].trim_start();
        let (name, after) = match rest.chars().next() {
            Some(q @ ('"' | '`' | '[')) => {
                let close = if q == '[' { ']' } else { q };
                let body = &rest[1..];
                let mut name = String::new();
                let mut chars = body.char_indices().peekable();
                let mut end = body.len();
                while let Some((i, c)) = chars.next() {
                    if c == close {
                        if close != ']' && chars.peek().is_some_and(|&(_, n)| n == close) {
                            chars.next();
                            name.push(c);
                            continue;
                        }
                        end = i + c.len_utf8();
                        break;
                    }
                    name.push(c);
                }
                (name, &body[end.min(body.len())..])
            }
            _ => {
                let end = rest
                    .find(|c: char| c.is_whitespace() || c == '(')
                    .unwrap_or(rest.len());
                (rest[..end].to_owned(), &rest[end..])
            }
        };
        let after = after.trim_start();
        if after.len() >= kind.len() && after[..kind.len()].eq_ignore_ascii_case(kind) {
            out.push(name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{affinity, Affinity};

    #[test]
    fn affinity_follows_sqlite() {
        for (t, a) in [
            ("INTEGER", Affinity::Integer),
            ("BIGINT", Affinity::Integer),
            ("TINYINT(1)", Affinity::Integer),
            ("VARCHAR(80)", Affinity::Text),
            ("TEXT COLLATE orm_decimal", Affinity::Text),
            ("BLOB", Affinity::Blob),
            ("", Affinity::Blob),
            ("DOUBLE PRECISION", Affinity::Real),
            ("FLOAT", Affinity::Real),
            ("BOOLEAN", Affinity::Numeric),
            ("DATETIME", Affinity::Numeric),
            // SQLite's own caveat: "POINT" has INT in it.
            ("FLOATING POINT", Affinity::Integer),
        ] {
            assert_eq!(affinity(t), a, "{t}");
        }
    }

    #[test]
    fn constraint_names_read_quoted_and_bare_names() {
        let sql = r#"CREATE TABLE "t" ("a" INT, CONSTRAINT "ck_t_""x" CHECK (a > 0), constraint b check(a < 9), CONSTRAINT "fk" FOREIGN KEY ("a") REFERENCES "u" ("id"))"#;
        assert_eq!(
            super::constraint_names(sql, "CHECK"),
            vec![r#"ck_t_"x"#.to_owned(), "b".to_owned()]
        );
    }
}
