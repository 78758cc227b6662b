//! Rendering a scope as SQL: the SELECT heads, joins, filters, order and
//! window.

use std::borrow::Cow;

use super::{system_time_literal, Scope, Statement};
use crate::cond::{Cond, Op};
use crate::dialect::{AnsiDialect, Dialect};
use crate::error::Result;
use crate::expr::Expr;
use crate::model::Model;
use crate::relation::{Join, JoinKind, Relation};
use crate::sql::{BaseTable, SqlBuilder};
use crate::value::Value;

/// What a SELECT selects.
pub(super) enum Selection<'a> {
    Model,
    Exprs(&'a [Expr]),
    /// Columns by name (with aliases) or raw SQL.
    List(&'a [crate::names::NameTerm]),
    /// `SELECT 1`, for `exists`.
    One,
    Agg(&'static str, crate::expr::ColRef),
}

pub(super) use crate::sql::kind::{
    FIND as SQL_FIND, SELECT as SQL_SELECT, SELECT_QUALIFIED as SQL_SELECT_QUALIFIED,
};

impl<M: Model> Scope<M> {
    pub(super) fn base() -> BaseTable {
        BaseTable {
            table: M::TABLE,
            columns: M::COLUMNS,
        }
    }

    /// A builder for this scope's statements: names are checked against
    /// the model and the joined ones (by table, or by alias).
    pub(super) fn builder<'d>(&self, dialect: &'d dyn Dialect) -> SqlBuilder<'d> {
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
    pub(super) fn render_joins(&self, b: &mut SqlBuilder<'_>) -> Result<()> {
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
    pub(super) fn select_kw(&self, b: &mut SqlBuilder<'_>) {
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
    pub(super) fn side_of<O: Model>(&self) -> Option<String> {
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

    pub(super) fn is_plain(&self) -> bool {
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
    pub(super) fn select_head(dialect: &dyn Dialect) -> Result<std::borrow::Cow<'static, str>> {
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
    pub(super) fn select_head_qualified(
        dialect: &dyn Dialect,
    ) -> Result<std::borrow::Cow<'static, str>> {
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
    pub(super) fn model_head(&self, b: &mut SqlBuilder<'_>) -> Result<()> {
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

    pub(super) fn render_select(
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
    pub(super) fn render_tail(
        &self,
        b: &mut SqlBuilder<'_>,
        limit_override: Option<u64>,
    ) -> Result<()> {
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

    pub(super) fn render_filters(&self, b: &mut SqlBuilder<'_>) -> Result<()> {
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

    pub(super) fn key_cond(key: Value) -> Cond {
        Cond::Cmp {
            lhs: Expr::Col(crate::expr::ColRef {
                table: Some(M::TABLE.into()),
                name: M::COLUMNS[M::KEY_INDEX].name.into(),
            }),
            op: Op::Eq,
            rhs: Expr::Value(key),
        }
    }
}
