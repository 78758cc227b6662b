//! The table that records which migrations ran: `orm_migrations`, created
//! by schema sync like a model's table, read and written through the
//! statement model like a model's rows.

use std::borrow::Cow;

use chrono::{DateTime, SubsecRound, Utc};

use crate::cond::{Cond, Op, Order};
use crate::connection::Connection;
use crate::error::Result;
use crate::expr::{ColRef, Expr};
use crate::model::{column_def, ColumnDef};
use crate::query::{compile, Delete, Filter, Item, Select};
use crate::schema::TableSpec;
use crate::sql::SqlBuilder;
use crate::value::Value;

/// The history table's name.
pub(crate) const TABLE: &str = "orm_migrations";

const COLUMNS: &[ColumnDef] = &[
    column_def::<String>("version").with_key(false),
    column_def::<String>("name"),
    column_def::<String>("checksum"),
    column_def::<DateTime<Utc>>("applied_at"),
];

const ITEMS: &[Item<'static>] = &[Item::Columns {
    qualifier: None,
    columns: COLUMNS,
}];

/// A migration the table says ran.
#[derive(Debug, Clone)]
pub(crate) struct Applied {
    pub version: String,
    pub name: String,
    pub checksum: String,
    pub at: DateTime<Utc>,
}

/// Creates the table when it is missing.
pub(crate) fn ensure(conn: &Connection) -> Result<()> {
    TableSpec::ensure_internal(conn, TABLE, COLUMNS)
}

fn col(name: &'static str) -> ColRef {
    ColRef {
        table: None,
        name: Cow::Borrowed(name),
    }
}

/// What ran, by version.
pub(crate) fn applied(conn: &Connection) -> Result<Vec<Applied>> {
    let order = [Order::column(col("version"), false)];
    let mut select = Select::from(TABLE, ITEMS);
    select.order = &order;
    let mut b = SqlBuilder::new(conn.dialect());
    compile::select(&mut b, &select)?;
    let (sql, params) = b.finish();
    let rows: Vec<(String, String, String, DateTime<Utc>)> = conn.query_all(&sql, &params)?;
    Ok(rows
        .into_iter()
        .map(|(version, name, checksum, at)| Applied {
            version,
            name,
            checksum,
            at,
        })
        .collect())
}

/// Records that a migration ran.
pub(crate) fn record(conn: &Connection, version: &str, name: &str, checksum: &str) -> Result<()> {
    let values = [
        Expr::Value(Value::Text(version.to_owned())),
        Expr::Value(Value::Text(name.to_owned())),
        Expr::Value(Value::Text(checksum.to_owned())),
        Expr::Value(Value::Timestamp(Utc::now().trunc_subsecs(0))),
    ];
    TableSpec::insert_internal(conn, TABLE, COLUMNS, &values)
}

/// Forgets a migration (it was reverted).
pub(crate) fn forget(conn: &Connection, version: &str) -> Result<()> {
    let mut b = SqlBuilder::new(conn.dialect());
    compile::delete(
        &mut b,
        &Delete {
            table: TABLE,
            filter: vec![Filter::Owned(Cond::Cmp {
                lhs: Expr::Col(col("version")),
                op: Op::Eq,
                rhs: Expr::Value(Value::Text(version.to_owned())),
            })],
        },
    )?;
    let (sql, params) = b.finish();
    conn.execute_prepared(&sql, &params).map(drop)
}
