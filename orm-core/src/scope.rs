//! Scopes: immutable, chainable query values, and the terminal calls that run
//! them.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::backend::RowStream;
use crate::cond::{col, Assignment, Cond, Op, Order};
use crate::connection::Connection;
use crate::dialect::{AnsiDialect, Dialect};
use crate::error::{Error, Result};
use crate::expr::{Args, Expr, IntoArgs, IntoOperand, Sql};
use crate::model::{Column, Model};
use crate::names::{CountOn, Terms};
use crate::relation::{Include, Join, JoinKind, Relation};
use crate::row::{decode, FromRow, Row};
use crate::sql::{BaseTable, SqlBuilder};
use crate::value::{FromValue, Value};

/// A query on the table of model `M`: conditions, order, limit and offset,
/// grouping. Every chain method consumes the scope and returns a new one, so
/// a scope is a plain value: clone it to branch, and branches never share
/// state.
///
/// Models get a scope type of their own (`UserScope`), which wraps this one
/// and which users extend with named scopes; all the methods are on the
/// [`Scoped`] trait, implemented by both.
pub struct Scope<M> {
    pub(crate) conds: Vec<Cond>,
    pub(crate) orders: Vec<Order>,
    pub(crate) limit: Option<u64>,
    pub(crate) offset: Option<u64>,
    pub(crate) group_by: Vec<crate::names::NameTerm>,
    pub(crate) having: Vec<Cond>,
    pub(crate) all_rows: bool,
    /// `AS OF SYSTEM TIME` (CockroachDB), as given; validated when rendered.
    pub(crate) as_of: Option<String>,
    pub(crate) joins: Vec<Join>,
    pub(crate) distinct: bool,
    /// The foreign key a has-many accessor's scope sets on `save`.
    /// `None` as the value: the owner was not saved yet.
    pub(crate) owner: Option<(Cow<'static, str>, Option<Value>)>,
    pub(crate) includes: Vec<Arc<dyn Include<M>>>,
    /// Whether the default filters of the model and the joined ones are
    /// lifted for this scope.
    pub(crate) unfiltered: bool,
    _model: PhantomData<fn() -> M>,
}

impl<M> Clone for Scope<M> {
    fn clone(&self) -> Self {
        Scope {
            conds: self.conds.clone(),
            orders: self.orders.clone(),
            limit: self.limit,
            offset: self.offset,
            group_by: self.group_by.clone(),
            having: self.having.clone(),
            all_rows: self.all_rows,
            as_of: self.as_of.clone(),
            joins: self.joins.clone(),
            distinct: self.distinct,
            owner: self.owner.clone(),
            includes: self.includes.clone(),
            unfiltered: self.unfiltered,
            _model: PhantomData,
        }
    }
}

impl<M> Default for Scope<M> {
    fn default() -> Self {
        Scope {
            conds: Vec::new(),
            orders: Vec::new(),
            limit: None,
            offset: None,
            group_by: Vec::new(),
            having: Vec::new(),
            all_rows: false,
            as_of: None,
            joins: Vec::new(),
            distinct: false,
            owner: None,
            includes: Vec::new(),
            unfiltered: false,
            _model: PhantomData,
        }
    }
}

impl<M: Model> fmt::Debug for Scope<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_sql() {
            Ok(s) => write!(f, "Scope<{}>({s})", M::TABLE),
            Err(e) => write!(f, "Scope<{}>(invalid: {e})", M::TABLE),
        }
    }
}

/// SQL text and its parameters, as a scope would run them.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The SQL text.
    pub sql: String,
    /// The bound parameters, in order.
    pub params: Vec<Value>,
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}", self.sql, self.params)
    }
}

/// Columns that can be plucked together: one typed column, or a tuple of
/// typed columns of the same model.
pub trait PluckColumns<M: Model>: crate::__private::Sealed {
    /// What one row becomes.
    type Output;
    /// The selected expressions.
    fn exprs(&self) -> Vec<Expr>;
    /// Decodes one row.
    fn decode_row(&self, row: &dyn Row) -> Result<Self::Output>;
}

impl<M, T> crate::__private::Sealed for Column<M, T> {}

impl<M: Model, T: FromValue> PluckColumns<M> for Column<M, T> {
    type Output = T;
    fn exprs(&self) -> Vec<Expr> {
        vec![(*self).into()]
    }
    fn decode_row(&self, row: &dyn Row) -> Result<T> {
        decode(row, 0, M::TABLE, self.name())
    }
}

macro_rules! pluck_tuple {
    ($($t:ident $i:tt),+) => {
        impl<M, $($t),+> crate::__private::Sealed for ($(Column<M, $t>,)+) {}

        impl<M: Model, $($t: FromValue),+> PluckColumns<M> for ($(Column<M, $t>,)+) {
            type Output = ($($t,)+);
            fn exprs(&self) -> Vec<Expr> {
                vec![$(self.$i.into()),+]
            }
            fn decode_row(&self, row: &dyn Row) -> Result<Self::Output> {
                Ok(($(decode::<$t>(row, $i, M::TABLE, self.$i.name())?,)+))
            }
        }
    };
}
pluck_tuple!(A 0, B 1);
pluck_tuple!(A 0, B 1, C 2);
pluck_tuple!(A 0, B 1, C 2, D 3);
pluck_tuple!(A 0, B 1, C 2, D 3, E 4);
pluck_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);

/// What a SELECT selects.
enum Selection<'a> {
    Model,
    Exprs(&'a [Expr]),
    /// Columns by name (with aliases) or raw SQL.
    List(&'a [crate::names::NameTerm]),
    /// `SELECT 1`, for `exists`.
    One,
    Agg(&'static str, crate::expr::ColRef),
}

use crate::sql::kind::{
    FIND as SQL_FIND, SELECT as SQL_SELECT, SELECT_QUALIFIED as SQL_SELECT_QUALIFIED,
};

impl<M: Model> Scope<M> {
    fn base() -> BaseTable {
        BaseTable {
            table: M::TABLE,
            columns: M::COLUMNS,
        }
    }

    /// A builder for this scope's statements: names are checked against
    /// the model and the joined ones (by table, or by alias).
    fn builder<'d>(&self, dialect: &'d dyn Dialect) -> SqlBuilder<'d> {
        let mut b = SqlBuilder::new(dialect).with_base(Self::base(), !self.joins.is_empty());
        for j in &self.joins {
            match j {
                Join::Clause(c) => b.know(crate::sql::KnownTable {
                    name: Cow::Owned(c.alias.clone().unwrap_or_else(|| c.table.clone())),
                    columns: c.columns,
                }),
                Join::Raw { .. } => b.open_names(),
                Join::Invalid(_) => {}
            }
        }
        b
    }

    /// Appends the scope's JOIN clauses.
    fn render_joins(&self, b: &mut SqlBuilder<'_>) -> Result<()> {
        for j in &self.joins {
            j.render(b, !self.unfiltered)?;
        }
        Ok(())
    }

    /// The model's default filter, unless the scope lifted it.
    pub(crate) fn default_cond(&self) -> Option<Cond> {
        if self.unfiltered {
            None
        } else {
            M::default_filter()
        }
    }

    /// `SELECT [DISTINCT] `.
    fn select_kw(&self, b: &mut SqlBuilder<'_>) {
        b.push(if self.distinct {
            "SELECT DISTINCT "
        } else {
            "SELECT "
        });
    }

    /// The name under which the model `O` declaring a relation appears in
    /// this scope: the base table, or the alias it was joined under. `None`
    /// when `O` is not in the query (a raw join may have brought it in:
    /// then its table name is assumed).
    fn side_of<O: Model>(&self) -> Option<String> {
        if O::TABLE == M::TABLE {
            return Some(M::TABLE.to_owned());
        }
        let joined = self.joins.iter().rev().find_map(|j| match j {
            Join::Clause(c) if c.table == O::TABLE => {
                Some(c.alias.clone().unwrap_or_else(|| c.table.clone()))
            }
            _ => None,
        });
        joined.or_else(|| {
            self.joins
                .iter()
                .any(|j| matches!(j, Join::Raw { .. }))
                .then(|| O::TABLE.to_owned())
        })
    }

    pub(crate) fn add_join<O: Model, T: Model>(
        &mut self,
        rel: Relation<O, T>,
        kind: JoinKind,
        alias: Option<&str>,
    ) {
        let kind = match kind {
            JoinKind::AsDeclared if rel.def().inner => JoinKind::Inner,
            JoinKind::AsDeclared => JoinKind::Outer,
            k => k,
        };
        let Some(own) = self.side_of::<O>() else {
            self.joins.push(Join::Invalid(format!(
                "cannot join relation `{}` of {}: {} is neither the scope's table ({}) nor joined \
                 before it",
                rel.def().name,
                O::TABLE,
                O::TABLE,
                M::TABLE
            )));
            return;
        };
        for c in rel.join_clauses(kind, &own, alias) {
            self.joins.push(Join::Clause(c));
        }
    }

    fn is_plain(&self) -> bool {
        self.conds.is_empty()
            && self.orders.is_empty()
            && self.limit.is_none()
            && self.offset.is_none()
            && self.group_by.is_empty()
            && self.having.is_empty()
            && self.as_of.is_none()
            && self.joins.is_empty()
            && !self.distinct
            && self.includes.is_empty()
            && self.default_cond().is_none()
    }

    /// Appends the `AS OF SYSTEM TIME` clause, if the scope has one, right
    /// after the table in FROM.
    pub(crate) fn render_as_of(&self, b: &mut SqlBuilder<'_>) -> Result<()> {
        if let Some(at) = &self.as_of {
            let literal = system_time_literal(at)?;
            let dialect = b.dialect();
            dialect.as_of_system_time(&literal, &mut b.sql)?;
        }
        Ok(())
    }

    /// `SELECT <columns> FROM <table>`, cached per dialect.
    fn select_head(dialect: &dyn Dialect) -> Result<std::borrow::Cow<'static, str>> {
        M::sql_cache().get_or_build(SQL_SELECT, dialect, || {
            let mut b = SqlBuilder::new(dialect);
            b.push("SELECT ");
            b.ident_list(M::COLUMNS.iter().map(|c| c.name));
            b.push(" FROM ");
            b.ident(M::TABLE);
            Ok(b.sql)
        })
    }

    /// `SELECT <table>.<columns> FROM <table>`, cached per dialect.
    fn select_head_qualified(dialect: &dyn Dialect) -> Result<std::borrow::Cow<'static, str>> {
        M::sql_cache().get_or_build(SQL_SELECT_QUALIFIED, dialect, || {
            let mut b = SqlBuilder::new(dialect);
            b.push("SELECT ");
            b.qualified_columns(M::TABLE, M::COLUMNS);
            b.push(" FROM ");
            b.ident(M::TABLE);
            Ok(b.sql)
        })
    }

    /// The head selecting the model's columns, as this scope needs it.
    fn model_head(&self, b: &mut SqlBuilder<'_>) -> Result<()> {
        let dialect = b.dialect();
        let head = if self.joins.is_empty() {
            Self::select_head(dialect)?
        } else {
            Self::select_head_qualified(dialect)?
        };
        if self.distinct {
            b.push("SELECT DISTINCT ");
            b.push(&head["SELECT ".len()..]);
        } else {
            b.push(&head);
        }
        Ok(())
    }

    fn render_select(
        &self,
        dialect: &dyn Dialect,
        selection: Selection<'_>,
        limit_override: Option<u64>,
    ) -> Result<(String, Vec<Value>)> {
        let mut b = self.builder(dialect);
        match selection {
            Selection::Model => {
                self.model_head(&mut b)?;
            }
            Selection::Exprs(exprs) => {
                self.select_kw(&mut b);
                for (i, e) in exprs.iter().enumerate() {
                    if i > 0 {
                        b.push(", ");
                    }
                    b.expr(e)?;
                }
                b.push(" FROM ");
                b.ident(M::TABLE);
            }
            Selection::List(list) => {
                self.select_kw(&mut b);
                for (i, t) in list.iter().enumerate() {
                    if i > 0 {
                        b.push(", ");
                    }
                    b.name_term(t)?;
                }
                b.push(" FROM ");
                b.ident(M::TABLE);
            }
            Selection::One => {
                self.select_kw(&mut b);
                b.push("1 FROM ");
                b.ident(M::TABLE);
            }
            Selection::Agg(func, column) => {
                b.push("SELECT ");
                b.push(func);
                b.push("(");
                if self.distinct {
                    b.push("DISTINCT ");
                }
                if func == "AVG" && dialect.avg_of_double() {
                    b.push("CAST(");
                    b.col(&column)?;
                    b.push(" AS DOUBLE)");
                } else {
                    b.col(&column)?;
                }
                b.push(") FROM ");
                b.ident(M::TABLE);
            }
        }
        self.render_as_of(&mut b)?;
        self.render_joins(&mut b)?;
        self.render_tail(&mut b, limit_override)?;
        Ok(b.finish())
    }

    /// WHERE, GROUP BY, HAVING, ORDER BY, LIMIT / OFFSET.
    fn render_tail(&self, b: &mut SqlBuilder<'_>, limit_override: Option<u64>) -> Result<()> {
        self.render_filters(b)?;
        b.order(&self.orders)?;
        let limit = match (limit_override, self.limit) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let dialect = b.dialect();
        dialect.limit_offset(limit, self.offset, &mut b.sql);
        Ok(())
    }

    fn render_filters(&self, b: &mut SqlBuilder<'_>) -> Result<()> {
        let dflt = self.default_cond();
        b.where_clause(&self.conds, dflt.as_ref())?;
        for (i, g) in self.group_by.iter().enumerate() {
            b.push(if i == 0 { " GROUP BY " } else { ", " });
            b.name_term(g)?;
        }
        for (i, h) in self.having.iter().enumerate() {
            b.push(if i == 0 { " HAVING " } else { " AND " });
            b.cond(h)?;
        }
        Ok(())
    }

    /// The SELECT this scope runs for `all`, in the generic SQL dialect
    /// (`$n` placeholders). See [`to_sql_for`](Self::to_sql_for).
    pub fn to_sql(&self) -> Result<Statement> {
        self.to_sql_for(&AnsiDialect)
    }

    /// The SELECT this scope runs for `all` on `dialect`.
    pub fn to_sql_for(&self, dialect: &dyn Dialect) -> Result<Statement> {
        let (sql, params) = self.render_select(dialect, Selection::Model, None)?;
        Ok(Statement { sql, params })
    }

    fn key_cond(key: Value) -> Cond {
        Cond::Cmp {
            lhs: Expr::Col(crate::expr::ColRef {
                table: Some(M::TABLE.into()),
                name: M::COLUMNS[M::KEY_INDEX].name.into(),
            }),
            op: Op::Eq,
            rhs: Expr::Value(key),
        }
    }

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

    fn scalar<T: FromValue>(&self, conn: &Connection, sql: &str, params: &[Value]) -> Result<T> {
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
    fn write_filter(&self, b: &mut SqlBuilder<'_>, action: &'static str) -> Result<()> {
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

/// The scope API: chain methods that return a new scope, and terminal calls
/// that run it. Implemented by [`Scope`] and by each model's own scope type,
/// so named scopes written by users get every method too.
pub trait Scoped: Sized + Clone + crate::__private::Sealed {
    /// The model queried.
    type Model: Model;

    /// The underlying scope.
    fn as_scope(&self) -> &Scope<Self::Model>;
    /// Unwraps the underlying scope.
    fn into_scope(self) -> Scope<Self::Model>;
    /// Wraps a scope.
    fn from_scope(scope: Scope<Self::Model>) -> Self;

    /// Applies `f` to the underlying scope.
    #[doc(hidden)]
    fn with(self, f: impl FnOnce(&mut Scope<Self::Model>)) -> Self {
        let mut s = self.into_scope();
        f(&mut s);
        Self::from_scope(s)
    }

    // ---- chain methods ----

    /// Adds a SQL condition with `?` or `:name` placeholders (parenthesised,
    /// so an `OR` inside stays inside). Arguments are bound parameters, or
    /// [`Func`](crate::Func) / [`Col`](crate::Col) formulas.
    fn where_(self, fragment: impl Into<Sql>, args: impl IntoArgs) -> Self {
        self.filter(Cond::sql(fragment, args))
    }

    /// Adds a condition.
    fn filter(self, cond: Cond) -> Self {
        self.with(|s| s.conds.push(cond))
    }

    /// `column = value`; `None` gives `IS NULL`.
    fn eq<T>(self, column: Column<Self::Model, T>, value: impl IntoOperand<T>) -> Self {
        self.filter(column.eq(value))
    }
    /// `column <> value`; `None` gives `IS NOT NULL`.
    fn ne<T>(self, column: Column<Self::Model, T>, value: impl IntoOperand<T>) -> Self {
        self.filter(column.ne(value))
    }
    /// `column < value`.
    fn lt<T>(self, column: Column<Self::Model, T>, value: impl IntoOperand<T>) -> Self {
        self.filter(column.lt(value))
    }
    /// `column <= value`.
    fn lte<T>(self, column: Column<Self::Model, T>, value: impl IntoOperand<T>) -> Self {
        self.filter(column.lte(value))
    }
    /// `column > value`.
    fn gt<T>(self, column: Column<Self::Model, T>, value: impl IntoOperand<T>) -> Self {
        self.filter(column.gt(value))
    }
    /// `column >= value`.
    fn gte<T>(self, column: Column<Self::Model, T>, value: impl IntoOperand<T>) -> Self {
        self.filter(column.gte(value))
    }
    /// `column BETWEEN low AND high`.
    fn between<T>(
        self,
        column: Column<Self::Model, T>,
        low: impl IntoOperand<T>,
        high: impl IntoOperand<T>,
    ) -> Self {
        self.filter(column.between(low, high))
    }
    /// `column IN (values)`; an empty list matches nothing.
    fn in_list<T, V: IntoOperand<T>>(
        self,
        column: Column<Self::Model, T>,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        self.filter(column.in_list(values))
    }
    /// `column NOT IN (values)`; an empty list matches everything.
    fn not_in<T, V: IntoOperand<T>>(
        self,
        column: Column<Self::Model, T>,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        self.filter(column.not_in(values))
    }
    /// The doc's `EqualTo(column, value)` with the column named at run time
    /// (checked when the query runs); a NULL value gives `IS NULL`.
    fn equal_to(self, column: &str, value: impl crate::cond::IntoDynOperand) -> Self {
        self.filter(col(column).eq(value))
    }
    /// The doc's `Cond(column, op, value)` with the column named at run time.
    fn cond(self, column: &str, op: Op, value: impl crate::cond::IntoDynOperand) -> Self {
        self.filter(col(column).op(op, value))
    }
    /// Matches rows of this scope **or** of `other`: `(this) OR (other)`.
    /// Order, limit and grouping of `self` are kept.
    fn or(self, other: impl Scoped<Model = Self::Model>) -> Self {
        let other = other.into_scope().conds;
        self.with(|s| {
            let mine = std::mem::take(&mut s.conds);
            s.conds = vec![Cond::Or(vec![Cond::And(mine), Cond::And(other)])];
        })
    }

    /// Appends ORDER BY terms: names with an optional direction and NULLs
    /// placement, `"created_at DESC, name ASC NULLS LAST"` (read strictly as
    /// names, checked against the models of the query and quoted: a "sort
    /// by" parameter from a request is safe here), or an expression through
    /// [`Sql::raw`]. A string that is not such a list is an
    /// [`Error::InvalidName`] when the scope runs.
    fn order(self, terms: impl Into<Terms>) -> Self {
        let orders = crate::names::parse_orders(terms.into());
        self.with(|s| s.orders.extend(orders))
    }
    /// Appends a typed ORDER BY term: `Users::NAME.desc().nulls_last()`.
    fn order_by(self, order: Order) -> Self {
        self.with(|s| s.orders.push(order))
    }
    /// Replaces the ORDER BY terms (see [`order`](Self::order)).
    fn reorder(self, terms: impl Into<Terms>) -> Self {
        let orders = crate::names::parse_orders(terms.into());
        self.with(|s| s.orders = orders)
    }
    /// At most `n` rows (rendered as an integer literal).
    fn limit(self, n: u64) -> Self {
        self.with(|s| s.limit = Some(n))
    }
    /// Skips `n` rows; valid without a limit on every dialect.
    fn offset(self, n: u64) -> Self {
        self.with(|s| s.offset = Some(n))
    }
    /// GROUP BY terms, kept by every later call: column names
    /// (`"author_id, category"`, checked and quoted), or [`Sql::raw`] for
    /// an expression.
    fn group_by(self, terms: impl Into<Terms>) -> Self {
        let terms = crate::names::parse_group(terms.into());
        self.with(|s| s.group_by.extend(terms))
    }
    /// A HAVING condition with placeholders, emitted with the HAVING keyword.
    fn having(self, fragment: impl Into<Sql>, args: impl IntoArgs) -> Self {
        let c = Cond::sql(fragment, args);
        self.with(|s| s.having.push(c))
    }
    /// Reads the rows as they were at a past time: CockroachDB's
    /// `AS OF SYSTEM TIME`, rendered right after the table in FROM. `at` is a
    /// negative interval (`"-10s"`, `"-1m30s"`, `"-500ms"`), a timestamp
    /// (`"2024-05-01 12:00:00"`, with an optional zone), a decimal HLC
    /// timestamp, or `"follower_read_timestamp()"`; it is validated and
    /// rendered as a literal (CockroachDB evaluates the clause before it
    /// binds parameters). Running the scope on a dialect without the clause,
    /// or with any other `at`, is an [`Error::InvalidQuery`]; so is updating
    /// or deleting through it.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)] struct Account { id: i64, balance: i64 }
    /// let scope = Accounts::all().as_of_system_time("-10s");
    /// // On CockroachDB:
    /// //   SELECT "id", "balance" FROM "accounts" AS OF SYSTEM TIME '-10s'
    /// // Elsewhere it is a typed error, before anything is sent:
    /// assert!(matches!(scope.to_sql(), Err(orm::Error::InvalidQuery { .. })));
    /// ```
    // Named after the SQL clause, not a conversion.
    #[allow(clippy::wrong_self_convention)]
    fn as_of_system_time(self, at: &str) -> Self {
        let at = at.to_owned();
        self.with(|s| s.as_of = Some(at))
    }
    /// Lifts the default filters ([`Model::default_filter`]) of the model
    /// and of the joined ones for this scope, its includes and orphans.
    fn without_default_filter(self) -> Self {
        self.with(|s| s.unfiltered = true)
    }
    /// Allows `update_*` and `delete` on a scope with no condition: without
    /// it they fail with [`Error::MissingCondition`].
    fn all_rows(self) -> Self {
        self.with(|s| s.all_rows = true)
    }

    /// `SELECT DISTINCT`: drops duplicate rows (joins over has-many
    /// relations repeat the base rows). `count` then counts distinct rows,
    /// and aggregates aggregate distinct values.
    fn distinct(self) -> Self {
        self.with(|s| s.distinct = true)
    }
    /// Joins a relation with its default kind (LEFT OUTER, or INNER when
    /// declared with `#[db(join = "inner")]`): `Posts::all().join(Posts::AUTHOR)`.
    /// The relation's own side is the base table, or the table (or alias) it
    /// was joined as, so joins chain: `.join(Posts::COMMENTS).join(Comments::USER)`.
    /// With joins, the base model's columns are qualified with its table;
    /// typed columns of the joined models (`Users::ROLE`) are qualified with
    /// theirs, and run-time names may be (`col("users.role")`).
    fn join<O: Model, T: Model>(self, rel: Relation<O, T>) -> Self {
        self.with(|s| s.add_join(rel, JoinKind::AsDeclared, None))
    }
    /// Joins a relation with an INNER join.
    fn inner_join<O: Model, T: Model>(self, rel: Relation<O, T>) -> Self {
        self.with(|s| s.add_join(rel, JoinKind::Inner, None))
    }
    /// Joins a relation with a LEFT OUTER join.
    fn outer_join<O: Model, T: Model>(self, rel: Relation<O, T>) -> Self {
        self.with(|s| s.add_join(rel, JoinKind::Outer, None))
    }
    /// Joins a relation with its default kind, naming the other table
    /// `alias` (for a table that appears twice); refer to its columns as
    /// `alias.column` in fragments and with [`col`].
    fn join_as<O: Model, T: Model>(self, rel: Relation<O, T>, alias: &str) -> Self {
        let alias = alias.to_owned();
        self.with(|s| s.add_join(rel, JoinKind::AsDeclared, Some(&alias)))
    }
    /// Joins a relation with the given kind and an optional alias.
    fn join_with<O: Model, T: Model>(
        self,
        rel: Relation<O, T>,
        kind: JoinKind,
        alias: Option<&str>,
    ) -> Self {
        let alias = alias.map(str::to_owned);
        self.with(|s| s.add_join(rel, kind, alias.as_deref()))
    }
    /// A raw JOIN fragment with `?` or `:name` placeholders bound as
    /// parameters: `join_sql("LEFT JOIN comments AS c ON c.post_id = posts.id
    /// AND c.user_id = ?", (123,))`.
    fn join_sql(self, fragment: impl Into<Sql>, args: impl IntoArgs) -> Self {
        let f = fragment.into().with_args(args.into_args());
        let join = Join::Raw {
            sql: f.sql.into_owned(),
            args: f.args,
        };
        self.with(|s| s.joins.push(join))
    }
    /// Eager-loads a relation (or nested relations,
    /// `Users::POSTS.then(Posts::COMMENTS)`) into the records' relation
    /// fields when `all`, `first` or `find` runs: one query per level (per
    /// chunk of keys within the dialect's parameter limit), never one per
    /// record. Related models must be `Clone` (a parent loaded over a
    /// belongs-to is shared by its children). `iter` does not load includes.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// #[derive(Model, Debug, Clone, Default)]
    /// struct User { id: i64, name: String, posts: HasMany<Post> }
    /// #[derive(Model, Debug, Clone, Default)]
    /// struct Post { id: i64, user_id: i64, title: String, user: BelongsTo<User> }
    ///
    /// let conn = Connection::open("sqlite::memory:")?;
    /// conn.sync::<User>()?;
    /// conn.sync::<Post>()?;
    /// let mut ann = User { name: "ann".into(), ..Default::default() };
    /// ann.save(&conn)?;
    /// let mut hello = Post { title: "Hello".into(), ..Default::default() };
    /// ann.posts().save(&conn, &mut hello)?;         // sets user_id
    ///
    /// let before = conn.statement_count();
    /// let users = Users::all().include(Users::POSTS).all(&conn)?;
    /// assert_eq!(conn.statement_count() - before, 2); // users, then their posts
    /// assert_eq!(users[0].posts.get().map(|p| p.len()), Some(1));
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn include(self, inc: impl Include<Self::Model> + 'static) -> Self {
        let inc: Arc<dyn Include<Self::Model>> = Arc::new(inc);
        self.with(|s| s.includes.push(inc))
    }

    // ---- terminal calls ----

    /// The SELECT `all` would run, in the generic dialect.
    fn to_sql(&self) -> Result<Statement> {
        self.as_scope().to_sql()
    }
    /// The SELECT `all` would run on `dialect`.
    fn to_sql_for(&self, dialect: &dyn Dialect) -> Result<Statement> {
        self.as_scope().to_sql_for(dialect)
    }
    /// The record with this key, if the scope's conditions also hold;
    /// [`Error::NotFound`] otherwise. Order, limit, offset and grouping do
    /// not apply to a lookup by key.
    fn find(
        &self,
        conn: &Connection,
        key: impl Into<<Self::Model as Model>::Key>,
    ) -> Result<Self::Model> {
        self.as_scope().run_find(conn, &key.into())
    }
    /// The first record (LIMIT 1), or `None`.
    fn first(&self, conn: &Connection) -> Result<Option<Self::Model>> {
        self.as_scope().run_first(conn)
    }
    /// All records.
    fn all(&self, conn: &Connection) -> Result<Vec<Self::Model>> {
        self.as_scope().run_all(conn)
    }
    /// The records, streamed one at a time.
    fn iter<'c>(&self, conn: &'c Connection) -> Result<Rows<'c, Self::Model>> {
        self.as_scope().run_stream(conn)
    }
    /// The number of rows [`all`](Self::all) would return: limit, offset
    /// and DISTINCT apply, and a grouped scope counts its groups. See
    /// [`count_without_limit`](Self::count_without_limit) for the total
    /// behind a page.
    fn count(&self, conn: &Connection) -> Result<i64> {
        self.as_scope().run_count(conn, &CountOn::Rows)
    }
    /// The number of rows [`count`](Self::count) would give without the
    /// scope's limit and offset: the total behind a page.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)] struct Post { id: i64, title: String }
    /// # let conn = Connection::open("sqlite::memory:")?;
    /// # conn.sync::<Post>()?;
    /// # for t in ["a", "b", "c"] { Post { id: 0, title: t.into() }.save(&conn)?; }
    /// let page = Posts::all().order("id").limit(2).offset(2);
    /// assert_eq!(page.count(&conn)?, 1);                // the rows on this page
    /// assert_eq!(page.count_without_limit(&conn)?, 3);  // the rows of all pages
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn count_without_limit(&self, conn: &Connection) -> Result<i64> {
        let mut s = self.as_scope().clone();
        s.limit = None;
        s.offset = None;
        s.run_count(conn, &CountOn::Rows)
    }
    /// `COUNT(column)` or `COUNT(DISTINCT column)` over the rows `all`
    /// would return: `"category_id"`, `"DISTINCT category_id"` (names,
    /// checked and quoted), or [`Sql::raw`] for an expression.
    fn count_on(&self, conn: &Connection, on: impl Into<Terms>) -> Result<i64> {
        self.as_scope()
            .run_count(conn, &crate::names::parse_count(on.into()))
    }
    /// Whether any row matches.
    fn exists(&self, conn: &Connection) -> Result<bool> {
        self.as_scope().run_exists(conn)
    }
    /// The values of one typed column (`Vec<T>`), or of a tuple of columns
    /// (`Vec<(A, B, ..)>`), in the scope's order.
    fn pluck<P: PluckColumns<Self::Model>>(
        &self,
        conn: &Connection,
        columns: P,
    ) -> Result<Vec<P::Output>> {
        self.as_scope().run_pluck(conn, &columns)
    }
    /// The values of a formula ([`Func`](crate::Func), [`Col`](crate::Col)),
    /// its arguments bound as parameters.
    fn pluck_expr<V: FromValue>(&self, conn: &Connection, expr: impl Into<Expr>) -> Result<Vec<V>> {
        self.as_scope().run_pluck_expr(conn, expr.into())
    }
    /// Sets one column on every matching row; returns the rows changed.
    fn update_attribute<T>(
        &self,
        conn: &Connection,
        column: Column<Self::Model, T>,
        value: impl IntoOperand<T>,
    ) -> Result<u64> {
        self.as_scope().run_update(conn, &[column.set(value)])
    }
    /// Sets several columns (`[Users::NAME.set("x"), ..]`) on every matching
    /// row; returns the rows changed.
    fn update_attributes(
        &self,
        conn: &Connection,
        assignments: impl IntoIterator<Item = Assignment>,
    ) -> Result<u64> {
        let list: Vec<Assignment> = assignments.into_iter().collect();
        self.as_scope().run_update(conn, &list)
    }
    /// `UPDATE table SET <fragment>` on every matching row, the fragment with
    /// placeholders; returns the rows changed.
    fn update_sql(
        &self,
        conn: &Connection,
        fragment: impl Into<Sql>,
        args: impl IntoArgs,
    ) -> Result<u64> {
        let f = fragment.into().with_args(args.into_args());
        self.as_scope().run_update_sql(conn, &f.sql, f.args)
    }
    /// Deletes every matching row; returns how many.
    fn delete(&self, conn: &Connection) -> Result<u64> {
        self.as_scope().run_delete(conn)
    }
    /// Saves `record` ([`Record::save`](crate::Record::save)); through a
    /// has-one or has-many accessor's scope (`user.posts().save(..)`), first
    /// sets its foreign key to the owner's key.
    fn save(&self, conn: &Connection, record: &mut Self::Model) -> Result<()> {
        if let Some((fk, value)) = &self.as_scope().owner {
            let idx = <Self::Model as Model>::COLUMNS
                .iter()
                .position(|c| c.name == fk.as_ref())
                .ok_or_else(|| Error::UnknownColumn {
                    table: Some(<Self::Model as Model>::TABLE.to_owned()),
                    column: fk.to_string(),
                })?;
            let value = value.as_ref().ok_or_else(|| {
                Error::invalid(format!(
                    "cannot save a {} through the scope of an owner that is not saved yet: \
                     save the owner first, so that {fk} has a value",
                    <Self::Model as Model>::TABLE
                ))
            })?;
            record.set_column(idx, value)?;
        }
        crate::persist::Record::save(record, conn)
    }
    /// Runs a custom select list over the scope's FROM, joins, conditions,
    /// grouping, order and limit, and maps each row by column name into `T`
    /// (`#[derive(FromRow)]`). The list is column names with optional
    /// aliases, `"posts.id AS post_id, users.name"` (checked and quoted), or
    /// raw SQL for expressions: `Sql::raw("posts.id AS post_id,
    /// AVG(bad.score) AS bad_average")`. Put values in conditions, where
    /// they are bound.
    fn select<T: FromRow>(&self, conn: &Connection, list: impl Into<Terms>) -> Result<Vec<T>> {
        self.as_scope()
            .run_select(conn, &crate::names::parse_select(list.into()))
    }
    /// `SUM(column)` over the matching rows; `None` when there are none.
    fn sum<T: FromValue>(
        &self,
        conn: &Connection,
        column: Column<Self::Model, T>,
    ) -> Result<Option<T>> {
        self.as_scope().run_aggregate(conn, "SUM", column.col_ref())
    }
    /// `AVG(column)` over the matching rows, as a float; `None` when there are
    /// none.
    fn avg<T>(&self, conn: &Connection, column: Column<Self::Model, T>) -> Result<Option<f64>> {
        self.as_scope().run_aggregate(conn, "AVG", column.col_ref())
    }
    /// `MIN(column)` over the matching rows; `None` when there are none.
    fn min<T: FromValue>(
        &self,
        conn: &Connection,
        column: Column<Self::Model, T>,
    ) -> Result<Option<T>> {
        self.as_scope().run_aggregate(conn, "MIN", column.col_ref())
    }
    /// `MAX(column)` over the matching rows; `None` when there are none.
    fn max<T: FromValue>(
        &self,
        conn: &Connection,
        column: Column<Self::Model, T>,
    ) -> Result<Option<T>> {
        self.as_scope().run_aggregate(conn, "MAX", column.col_ref())
    }
    /// The doc's FullJoin: the scope's records, and separately the records of
    /// the relation's other side that no record of this model is related to
    /// (a `NOT EXISTS` subquery, so no FULL JOIN is needed on any dialect).
    ///
    /// The scope's conditions apply to both, as they would to a FULL JOIN:
    /// a condition on the other side's columns (`cond("posts.created_at",
    /// Op::Gte, t)`) filters the orphans too, and joins the relation for the
    /// records when the scope has not joined it (with DISTINCT for to-many
    /// relations). For an orphan, this model's columns are NULL.
    fn full_join_all<T: Model>(
        &self,
        conn: &Connection,
        rel: Relation<Self::Model, T>,
    ) -> Result<(Vec<Self::Model>, Vec<T>)> {
        let scope = self.as_scope();
        let other = T::TABLE;
        let mentions_other = other != <Self::Model as Model>::TABLE
            && scope.conds.iter().any(|c| c.mentions_table(other));
        let joined = scope.joins.iter().any(|j| j.joins_table(other));
        let records = if mentions_other && !joined {
            let mut s = scope.clone();
            s.add_join(rel, JoinKind::AsDeclared, None);
            s.distinct |= rel.def().kind != crate::relation::RelationKind::BelongsTo;
            s.run_all(conn)?
        } else {
            scope.run_all(conn)?
        };
        let orphans = rel.orphans_of(conn, scope)?;
        Ok((records, orphans))
    }
}

/// Checks an `AS OF SYSTEM TIME` value (see
/// [`Scoped::as_of_system_time`]) and returns it as a SQL literal.
pub(crate) fn system_time_literal(at: &str) -> Result<String> {
    let t = at.trim();
    if t.eq_ignore_ascii_case("follower_read_timestamp()") {
        return Ok("follower_read_timestamp()".to_owned());
    }
    if is_past_interval(t) || is_decimal(t) || is_timestamp(t) {
        // Only digits, signs, separators and unit letters: no quote inside.
        return Ok(format!("'{t}'"));
    }
    Err(Error::invalid(format!(
        "invalid AS OF SYSTEM TIME value {at:?}: expected a negative interval such as \
         '-10s' or '-1m30s', a timestamp such as '2024-05-01 12:00:00', a decimal HLC \
         timestamp, or follower_read_timestamp()"
    )))
}

/// `-10s`, `-1h30m`, `-1.5s`, `-250ms`: a minus, then number-unit pairs.
fn is_past_interval(s: &str) -> bool {
    let Some(mut rest) = s.strip_prefix('-') else {
        return false;
    };
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num = &rest[..num_len];
        if num.is_empty() || num.parse::<f64>().is_err() {
            return false;
        }
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        if !matches!(
            &rest[..unit_len],
            "h" | "m" | "s" | "ms" | "us" | "µs" | "ns"
        ) {
            return false;
        }
        rest = &rest[unit_len..];
    }
    true
}

/// `1700000000000000000.0000000001`: digits with at most one dot.
fn is_decimal(s: &str) -> bool {
    let (whole, frac) = s.split_once('.').unwrap_or((s, "0"));
    !whole.is_empty()
        && !frac.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// A date, or a date and time with an optional zone.
fn is_timestamp(s: &str) -> bool {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    if !s
        .bytes()
        .all(|b| b.is_ascii_digit() || b" -:.+TZ".contains(&b))
    {
        return false;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
        || DateTime::parse_from_rfc3339(s).is_ok()
        || ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
            .iter()
            .any(|f| NaiveDateTime::parse_from_str(s, f).is_ok())
        || ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"]
            .iter()
            .any(|f| DateTime::parse_from_str(s, f).is_ok())
}

impl<M> crate::__private::Sealed for Scope<M> {}

impl<M: Model> Scoped for Scope<M> {
    type Model = M;
    fn as_scope(&self) -> &Scope<M> {
        self
    }
    fn into_scope(self) -> Scope<M> {
        self
    }
    fn from_scope(scope: Scope<M>) -> Self {
        scope
    }
}
