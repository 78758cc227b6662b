//! Mappers: the per-model entry points (`Users::all()`, `Users::find(..)`).

use crate::cond::{Cond, Order};
use crate::connection::Connection;
use crate::error::Result;
use crate::expr::IntoArgs;
use crate::model::Model;
use crate::schema::SyncReport;
use crate::scope::{Scope, Scoped};

type ScopeOf<M> = <M as Model>::Scope;

/// A model's mapper: starts scopes and runs table-wide operations. The
/// derive implements it for a unit struct named after the table
/// (`User` → `Users`); every method has a default.
pub trait Mapper: crate::__private::Sealed {
    /// The model mapped.
    type Model: Model;

    /// A scope of every row.
    fn all() -> ScopeOf<Self::Model> {
        <ScopeOf<Self::Model>>::from_scope(Scope::default())
    }
    /// A scope with a SQL condition (`?` or `:name` placeholders).
    fn where_(fragment: impl Into<crate::Sql>, args: impl IntoArgs) -> ScopeOf<Self::Model> {
        Self::all().where_(fragment, args)
    }
    /// A scope with a condition.
    fn filter(cond: Cond) -> ScopeOf<Self::Model> {
        Self::all().filter(cond)
    }
    /// The doc's `EqualTo` with a column named at run time.
    fn equal_to(column: &str, value: impl crate::cond::IntoDynOperand) -> ScopeOf<Self::Model> {
        Self::all().equal_to(column, value)
    }
    /// The doc's `Cond(column, op, value)` with a column named at run time.
    fn cond(
        column: &str,
        op: crate::cond::Op,
        value: impl crate::cond::IntoDynOperand,
    ) -> ScopeOf<Self::Model> {
        Self::all().cond(column, op, value)
    }
    /// A grouped scope (`"author_id"`).
    fn group_by(terms: impl Into<crate::Terms>) -> ScopeOf<Self::Model> {
        Self::all().group_by(terms)
    }
    /// A scope skipping `n` rows.
    fn offset(n: u64) -> ScopeOf<Self::Model> {
        Self::all().offset(n)
    }
    /// A scope ordered by `terms` (`"created_at DESC"`).
    fn order(terms: impl Into<crate::Terms>) -> ScopeOf<Self::Model> {
        Self::all().order(terms)
    }
    /// A scope with a typed order.
    fn order_by(order: Order) -> ScopeOf<Self::Model> {
        Self::all().order_by(order)
    }
    /// A scope of at most `n` rows.
    fn limit(n: u64) -> ScopeOf<Self::Model> {
        Self::all().limit(n)
    }
    /// The record with this key, or [`Error::NotFound`](crate::Error::NotFound).
    fn find(conn: &Connection, key: impl Into<<Self::Model as Model>::Key>) -> Result<Self::Model> {
        Scope::<Self::Model>::find_by_key(conn, &key.into())
    }
    /// The first record, if any.
    fn first(conn: &Connection) -> Result<Option<Self::Model>> {
        Self::all().first(conn)
    }
    /// The number of rows.
    fn count(conn: &Connection) -> Result<i64> {
        Self::all().count(conn)
    }
    /// `COUNT(expr)` over the table, e.g. `"DISTINCT category_id"`.
    fn count_on(conn: &Connection, on: impl Into<crate::Terms>) -> Result<i64> {
        Self::all().count_on(conn, on)
    }
    /// Whether the table has any row.
    fn exists(conn: &Connection) -> Result<bool> {
        Self::all().exists(conn)
    }
    /// Every record of the table (the doc's `RetrieveAll` on a mapper).
    fn load_all(conn: &Connection) -> Result<Vec<Self::Model>> {
        Self::all().all(conn)
    }
    /// The values of one typed column, or of a tuple of columns, of every row.
    fn pluck<P: crate::scope::PluckColumns<Self::Model>>(
        conn: &Connection,
        columns: P,
    ) -> Result<Vec<P::Output>> {
        Self::all().pluck(conn, columns)
    }
    /// Saves every record in one transaction: all or nothing; generated
    /// keys are written back, and restored if the transaction fails.
    fn save_all(conn: &Connection, records: &mut [Self::Model]) -> Result<()> {
        crate::persist::save_all(conn, records)
    }
    /// Inserts every record with multi-row INSERT statements, as few as the
    /// dialect's parameter limit allows (several in one transaction);
    /// generated keys are not written back (use `save_all` for that);
    /// returns the rows inserted.
    fn insert_all(conn: &Connection, records: &[Self::Model]) -> Result<u64> {
        crate::persist::insert_all(conn, records)
    }
    /// Syncs the table (see [`Connection::sync`]).
    fn sync(conn: &Connection) -> Result<SyncReport> {
        conn.sync::<Self::Model>()
    }
}
