//! Running a scope: the terminal calls' statements, and the rows they
//! return.

use std::marker::PhantomData;

use crate::backend::RowStream;
use crate::cond::{Assignment, Cond};
use crate::connection::Connection;

use crate::error::{Error, Result};
use crate::expr::{Args, Expr};
use crate::model::Model;
use crate::names::CountOn;

use super::Scope;
use crate::row::{decode, FromRow};
use crate::sql::SqlBuilder;
use crate::value::{FromValue, Value};

use super::render::{Selection, SQL_FIND};
use super::PluckColumns;

impl<M: Model> Scope<M> {
    pub(crate) fn run_find(&self, conn: &Connection, key: &M::Key) -> Result<M> {
        let key = crate::value::ToValue::to_value(key);
        let dialect = conn.dialect();
        let found = if self.conds.is_empty()
            && self.as_of.is_none()
            && self.joins.is_empty()
            && self.default_cond().is_none()
        {
            let sql = M::sql_cache().get_or_build(SQL_FIND, dialect, || {
                let mut b = self.builder(dialect);
                b.push(&Self::select_head(dialect)?);
                b.push(" WHERE ");
                b.ident(M::COLUMNS[M::KEY_INDEX].name);
                b.push(" = ");
                b.param(Value::Null);
                dialect.limit_offset(Some(1), None, &mut b.sql);
                Ok(b.sql)
            })?;
            conn.query_first_ordered::<M>(&sql, &[key])?
        } else {
            // Only the conditions apply: order, limit, offset and grouping
            // would make a key lookup miss its row.
            let scoped = Scope::<M> {
                conds: self
                    .conds
                    .iter()
                    .cloned()
                    .chain([Self::key_cond(key)])
                    .collect(),
                as_of: self.as_of.clone(),
                joins: self.joins.clone(),
                distinct: self.distinct,
                unfiltered: self.unfiltered,
                ..Scope::default()
            };
            let (sql, params) = scoped.render_select(dialect, Selection::Model, Some(1))?;
            conn.query_first_ordered::<M>(&sql, &params)?
        };
        let mut found = found.ok_or_else(|| Error::NotFound {
            table: M::TABLE.to_owned(),
        })?;
        self.load_includes(conn, std::slice::from_mut(&mut found))?;
        Ok(found)
    }

    /// Runs the scope's includes on `records`.
    pub(crate) fn load_includes(&self, conn: &Connection, records: &mut [M]) -> Result<()> {
        if self.includes.is_empty() || records.is_empty() {
            return Ok(());
        }
        let mut refs: Vec<&mut M> = records.iter_mut().collect();
        for inc in &self.includes {
            inc.load(conn, &mut refs)?;
        }
        Ok(())
    }

    pub(crate) fn run_all(&self, conn: &Connection) -> Result<Vec<M>> {
        let dialect = conn.dialect();
        if self.is_plain() {
            let sql = Self::select_head(dialect)?;
            return conn.query_ordered(&sql, crate::connection::NO_PARAMS);
        }
        let (sql, params) = self.render_select(dialect, Selection::Model, None)?;
        let mut records = conn.query_ordered(&sql, &params)?;
        self.load_includes(conn, &mut records)?;
        Ok(records)
    }

    pub(crate) fn run_first(&self, conn: &Connection) -> Result<Option<M>> {
        let (sql, params) = self.render_select(conn.dialect(), Selection::Model, Some(1))?;
        let mut found: Option<M> = conn.query_first_ordered(&sql, &params)?;
        if let Some(r) = found.as_mut() {
            self.load_includes(conn, std::slice::from_mut(r))?;
        }
        Ok(found)
    }

    pub(crate) fn run_aggregate<V: FromValue>(
        &self,
        conn: &Connection,
        func: &'static str,
        column: crate::expr::ColRef,
    ) -> Result<Option<V>> {
        let scope = Scope::<M> {
            orders: Vec::new(),
            limit: None,
            offset: None,
            ..self.clone()
        };
        let (sql, params) =
            scope.render_select(conn.dialect(), Selection::Agg(func, column), None)?;
        let label = func.to_ascii_lowercase();
        Ok(conn
            .query_first_map(&sql, &params, |row| {
                decode::<Option<V>>(row, 0, M::TABLE, &label)
            })?
            .flatten())
    }

    pub(crate) fn run_select<T: FromRow>(
        &self,
        conn: &Connection,
        list: &[crate::names::NameTerm],
    ) -> Result<Vec<T>> {
        let (sql, params) = self.render_select(conn.dialect(), Selection::List(list), None)?;
        conn.query_all(&sql, &params)
    }

    pub(super) fn scalar<T: FromValue>(
        &self,
        conn: &Connection,
        sql: &str,
        params: &[Value],
    ) -> Result<T> {
        conn.query_first_map(sql, &params, |row| decode(row, 0, M::TABLE, "count"))?
            .ok_or_else(|| Error::invalid("aggregate query returned no row"))
    }

    /// `COUNT(expr)` over exactly the rows `all` would return: a plain
    /// `COUNT` when the scope has no limit, offset, DISTINCT or grouping,
    /// otherwise a count over the scope's own SELECT as a subquery (which
    /// counts the groups of a grouped scope).
    pub(crate) fn run_count(&self, conn: &Connection, on: &CountOn) -> Result<i64> {
        let dialect = conn.dialect();
        let mut b = self.builder(dialect);
        let windowed = self.limit.is_some() || self.offset.is_some();
        let counted = |b: &mut SqlBuilder<'_>| -> Result<()> {
            match on {
                CountOn::Rows => {
                    b.push("*");
                }
                CountOn::Col { distinct, col } => {
                    if *distinct {
                        b.push("DISTINCT ");
                    }
                    b.col(col)?;
                }
                CountOn::Raw(sql) => b.fragment(&sql.sql, &sql.args)?,
                CountOn::Invalid(bad) => return Err(bad.error()),
            }
            Ok(())
        };
        let all_rows = matches!(on, CountOn::Rows);
        if self.group_by.is_empty() && !self.distinct && !windowed {
            b.push("SELECT COUNT(");
            counted(&mut b)?;
            b.push(") FROM ");
            b.ident(M::TABLE);
            self.render_as_of(&mut b)?;
            self.render_joins(&mut b)?;
            self.render_filters(&mut b)?;
        } else {
            if !all_rows && !self.group_by.is_empty() {
                return Err(Error::invalid(
                    "count_on on a grouped scope is ambiguous: count() counts the groups; \
                     use pluck_expr for a count per group",
                ));
            }
            b.push("SELECT COUNT(");
            // Over the subquery's rows, whose columns are the model's own
            // names.
            let mut outer = SqlBuilder::new(dialect).with_base(Self::base(), false);
            counted(&mut outer)?;
            let (text, params) = outer.finish();
            if !params.is_empty() {
                return Err(Error::invalid(
                    "count_on over a window, DISTINCT or groups takes a column, not a \
                     formula with parameters",
                ));
            }
            b.push(&text);
            b.push(") FROM (");
            if self.distinct || !all_rows {
                // The rows themselves: DISTINCT compares them, and the
                // counted column is read from them.
                self.model_head(&mut b)?;
            } else {
                b.push("SELECT 1 AS one FROM ");
                b.ident(M::TABLE);
            }
            self.render_joins(&mut b)?;
            self.render_filters(&mut b)?;
            // Order does not change how many rows a window holds.
            dialect.limit_offset(self.limit, self.offset, &mut b.sql);
            b.push(") AS orm_rows");
            // CockroachDB takes AS OF SYSTEM TIME on the top-level FROM only.
            self.render_as_of(&mut b)?;
        }
        let (sql, params) = b.finish();
        self.scalar(conn, &sql, &params)
    }

    pub(crate) fn run_exists(&self, conn: &Connection) -> Result<bool> {
        let (sql, params) = self.render_select(conn.dialect(), Selection::One, Some(1))?;
        Ok(conn.query_first_map(&sql, &params, |_| Ok(()))?.is_some())
    }

    pub(crate) fn run_pluck<P: PluckColumns<M>>(
        &self,
        conn: &Connection,
        columns: &P,
    ) -> Result<Vec<P::Output>> {
        let exprs = columns.exprs();
        let (sql, params) = self.render_select(conn.dialect(), Selection::Exprs(&exprs), None)?;
        conn.query_map(&sql, &params, |row| columns.decode_row(row))
    }

    pub(crate) fn run_pluck_expr<V: FromValue>(
        &self,
        conn: &Connection,
        expr: Expr,
    ) -> Result<Vec<V>> {
        let exprs = [expr];
        let (sql, params) = self.render_select(conn.dialect(), Selection::Exprs(&exprs), None)?;
        conn.query_map(&sql, &params, |row| decode(row, 0, M::TABLE, "expression"))
    }

    /// Whether the scope's conditions depend on the row, or match every row
    /// (none given, `1 = 1`, `not_in([])`, `x OR every row`...) or a
    /// constant. A NOT NULL column of the model is known never to be NULL.
    pub(crate) fn filter_reach(&self, rules: &crate::lex::LexRules) -> crate::cond::Reach {
        let nullable = |c: &crate::expr::ColRef| {
            if c.table.as_deref().is_some_and(|t| t != M::TABLE) {
                return None;
            }
            M::COLUMNS
                .iter()
                .find(|d| d.name == c.name)
                .map(|d| d.nullable)
        };
        Cond::reach_all(&self.conds, &nullable, rules)
    }

    /// WHERE clause for UPDATE / DELETE. A scope with order, limit or offset
    /// selects its keys in a subquery, so that exactly those rows change.
    pub(super) fn write_filter(&self, b: &mut SqlBuilder<'_>, action: &'static str) -> Result<()> {
        if self.as_of.is_some() {
            return Err(Error::invalid(format!(
                "cannot {action} through a scope read AS OF SYSTEM TIME: it reads a past \
                 snapshot, which is read-only"
            )));
        }
        if !self.group_by.is_empty() || !self.having.is_empty() {
            return Err(Error::invalid(format!(
                "cannot {action} through a grouped scope"
            )));
        }
        if !self.all_rows
            && self
                .filter_reach(b.dialect().lex_rules())
                .may_match_every_row()
        {
            return Err(Error::MissingCondition {
                action,
                table: M::TABLE.to_owned(),
            });
        }
        if self.limit.is_none()
            && self.offset.is_none()
            && self.orders.is_empty()
            && self.joins.is_empty()
        {
            let dflt = self.default_cond();
            return b.where_clause(&self.conds, dflt.as_ref());
        }
        let key = M::COLUMNS[M::KEY_INDEX].name;
        b.push(" WHERE ");
        b.ident(key);
        b.push(" IN (SELECT ");
        b.ident(key);
        b.push(" FROM (SELECT ");
        if self.distinct {
            b.push("DISTINCT ");
        }
        b.ident(M::TABLE);
        b.push(".");
        b.ident(key);
        b.push(" FROM ");
        b.ident(M::TABLE);
        self.render_joins(b)?;
        self.render_tail(b, None)?;
        b.push(") AS orm_keys)");
        Ok(())
    }

    pub(crate) fn run_update(&self, conn: &Connection, assignments: &[Assignment]) -> Result<u64> {
        if assignments.is_empty() {
            return Ok(0);
        }
        let mut b = self.builder(conn.dialect());
        b.push("UPDATE ");
        b.ident(M::TABLE);
        b.push(" SET ");
        for (i, a) in assignments.iter().enumerate() {
            if i > 0 {
                b.push(", ");
            }
            if a.index.is_none() && !M::COLUMNS.iter().any(|c| c.name == a.column) {
                return Err(Error::UnknownColumn {
                    table: Some(M::TABLE.to_owned()),
                    column: a.column.to_string(),
                });
            }
            b.ident(&a.column);
            b.push(" = ");
            b.expr(&a.value)?;
        }
        self.write_filter(&mut b, "update")?;
        let (sql, params) = b.finish();
        conn.execute_prepared(&sql, &params)
    }

    pub(crate) fn run_update_sql(
        &self,
        conn: &Connection,
        fragment: &str,
        args: Args,
    ) -> Result<u64> {
        let mut b = self.builder(conn.dialect());
        b.push("UPDATE ");
        b.ident(M::TABLE);
        b.push(" SET ");
        b.fragment(fragment, &args)?;
        self.write_filter(&mut b, "update")?;
        let (sql, params) = b.finish();
        conn.execute_prepared(&sql, &params)
    }

    pub(crate) fn run_delete(&self, conn: &Connection) -> Result<u64> {
        let mut b = self.builder(conn.dialect());
        b.push("DELETE FROM ");
        b.ident(M::TABLE);
        self.write_filter(&mut b, "delete")?;
        let (sql, params) = b.finish();
        conn.execute_prepared(&sql, &params)
    }

    pub(crate) fn run_stream<'c>(&self, conn: &'c Connection) -> Result<Rows<'c, M>> {
        let (sql, params) = self.render_select(conn.dialect(), Selection::Model, None)?;
        let stream = conn.query_prepared(&sql, &params)?;
        Ok(Rows {
            stream,
            done: false,
            _model: PhantomData,
        })
    }
}

/// An iterator over the records of a scope, decoded one row at a time as the
/// driver streams them; nothing is collected.
pub struct Rows<'c, M> {
    stream: Box<dyn RowStream + 'c>,
    done: bool,
    _model: PhantomData<fn() -> M>,
}

impl<M: Model> Iterator for Rows<'_, M> {
    type Item = Result<M>;
    fn next(&mut self) -> Option<Result<M>> {
        if self.done {
            return None;
        }
        match self.stream.next_row() {
            Ok(Some(row)) => Some(M::from_row(row, crate::row::Layout::At(0))),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}
