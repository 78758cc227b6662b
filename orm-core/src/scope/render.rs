//! A scope as statements: the SELECT it stands for, its conditions, and
//! the builder that checks its names. The SQL text is the compiler's
//! (`crate::query::compile`).

use std::borrow::Cow;

use super::shape::{statement, Walk};
use super::{Query, Scope, Statement};
use crate::cond::{Cond, Op};
use crate::dialect::{AnsiDialect, Dialect};
use crate::error::Result;
use crate::expr::Expr;
use crate::model::Model;
use crate::query::{
    compile, Filter, Item, Joins, ScopeKey, Select, Shape, Source, SqlText, TableMeta,
};
use crate::relation::{Join, JoinKind, Relation};
use crate::sql::{BaseTable, SqlBuilder};
use crate::value::Value;

impl Query {
    /// The base table of the scope's statements.
    pub(super) fn base(t: &TableMeta) -> BaseTable {
        BaseTable {
            table: t.name,
            columns: t.columns,
        }
    }

    /// A builder for this scope's statements on table `t`: names are
    /// checked against the model and the joined ones (by table, or by
    /// alias).
    pub(super) fn builder<'d>(&self, t: &TableMeta, dialect: &'d dyn Dialect) -> SqlBuilder<'d> {
        self.builder_with(t, dialect, &[])
    }

    /// [`builder`](Self::builder) for a statement that joins `more` after
    /// the scope's own joins.
    pub(super) fn builder_with<'d>(
        &self,
        t: &TableMeta,
        dialect: &'d dyn Dialect,
        more: &[Join],
    ) -> SqlBuilder<'d> {
        let joined = !self.joins.is_empty() || !more.is_empty();
        let mut b = SqlBuilder::new(dialect).with_base(Self::base(t), joined);
        for j in self.joins.iter().chain(more) {
            match j {
                Join::Clause(c) => b.know(crate::sql::KnownTable {
                    name: c.alias.clone().unwrap_or_else(|| c.table.clone()),
                    columns: c.columns,
                }),
                Join::Raw { .. } => b.open_names(),
                Join::Never { .. } | Join::Invalid(_) => {}
            }
        }
        b
    }

    /// The model's default filter and soft-delete condition, unless the
    /// scope lifted them.
    pub(crate) fn default_cond(&self, t: &TableMeta) -> Option<Cond> {
        if self.unfiltered {
            None
        } else {
            crate::lifecycle::filter_of(t, self.deleted)
        }
    }

    /// Whether the scope's SELECT is the whole table as it is: no
    /// condition, order, window, grouping, join, lock or default filter.
    pub(super) fn is_plain(&self, t: &TableMeta) -> bool {
        self.conds.is_empty()
            && self.orders.is_empty()
            && self.limit.is_none()
            && self.offset.is_none()
            && self.group_by.is_empty()
            && self.having.is_empty()
            && self.as_of.is_none()
            && self.lock.is_none()
            && self.joins.is_empty()
            && !self.distinct
            && self.default_cond(t).is_none()
    }

    /// The scope's WHERE conditions: its own, then `dflt` (the model's
    /// default filter, held by the caller).
    pub(super) fn filters<'a>(&'a self, dflt: &'a Option<Cond>) -> Vec<Filter<'a>> {
        self.conds.iter().chain(dflt).map(Filter::Cond).collect()
    }

    /// The scope as a SELECT of `items` from table `t`: source, joins,
    /// conditions, grouping, order, window and lock.
    pub(crate) fn as_select<'a>(
        &'a self,
        t: &TableMeta,
        items: &'a [Item<'a>],
        dflt: &'a Option<Cond>,
    ) -> Select<'a> {
        Select {
            distinct: self.distinct,
            items,
            from: Source::Table(Cow::Borrowed(t.name)),
            alias: None,
            as_of: self.as_of.as_ref(),
            joins: &self.joins,
            more_joins: Joins::new(),
            filtered_joins: !self.unfiltered,
            conds: &self.conds,
            filter: dflt.iter().map(Filter::Cond).collect(),
            group_by: &self.group_by,
            having: &self.having,
            order: &self.orders,
            order_by_cols: Vec::new(),
            limit: self.limit,
            offset: self.offset,
            lock: self.lock,
        }
    }

    /// The model's columns, qualified when the scope joins other tables.
    pub(super) fn model_items(&self, t: &'static TableMeta) -> [Item<'static>; 1] {
        [Item::Model {
            t,
            qualified: !self.joins.is_empty(),
        }]
    }

    /// `SELECT <columns> FROM <table>`, cached per dialect. Inline, as the
    /// cache's hit is.
    #[inline]
    pub(super) fn select_head(
        t: &'static TableMeta,
        dialect: &dyn Dialect,
    ) -> Result<Cow<'static, str>> {
        t.cache.get_or_build(Shape::Select, dialect, &mut || {
            let mut b = SqlBuilder::new(dialect);
            let items = [Item::Columns {
                qualifier: None,
                columns: t.columns,
            }];
            compile::select(&mut b, &Select::from(t.name, &items))?;
            Ok(b.sql)
        })
    }

    /// The SELECT of `items` this scope stands for, its limit lowered to
    /// `limit_override` if that is lower, compiled for `dialect`.
    pub(super) fn render(
        &self,
        t: &'static TableMeta,
        dialect: &dyn Dialect,
        items: &[Item<'_>],
        limit_override: Option<u64>,
    ) -> Result<(SqlText, Vec<Value>)> {
        self.render_joined(t, dialect, items, limit_override, Joins::new())
    }

    /// [`render`](Self::render), with `more` joined after the scope's own
    /// joins.
    ///
    /// The text is rendered once per shape of the scope (its names,
    /// operators, list lengths, the kinds of its values: `scope::shape`)
    /// and kept in the model's SQL cache; a scope of a shape seen before
    /// only collects its parameters: `Users::filter(Users::NAME.eq(x))`
    /// renders its text once, whatever `x`.
    pub(super) fn render_joined(
        &self,
        t: &'static TableMeta,
        dialect: &dyn Dialect,
        items: &[Item<'_>],
        limit_override: Option<u64>,
        more: Joins,
    ) -> Result<(SqlText, Vec<Value>)> {
        let dflt = self.default_cond(t);
        let mut s = self.as_select(t, items, &dflt);
        s.limit = match (limit_override, self.limit) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        s.more_joins = more;
        let mut walk = Walk::new();
        let key = self.shape(
            &mut walk,
            statement::SELECT,
            items,
            &dflt,
            s.limit,
            &s.more_joins,
        );
        self.compile_cached(t, dialect, key, &s)
    }

    /// Compiles `s`, a SELECT built from this scope whose text is
    /// determined by `key` (its shape, see `scope::shape`): the text cached
    /// for that shape with only the parameters collected, or rendered in
    /// full and kept for the shape. No shape: rendered for this call only.
    pub(super) fn compile_cached(
        &self,
        t: &'static TableMeta,
        dialect: &dyn Dialect,
        key: Option<ScopeKey<'_>>,
        s: &Select<'_>,
    ) -> Result<(SqlText, Vec<Value>)> {
        if let Some(sql) = key.as_ref().and_then(|key| t.cache.scoped(dialect, key)) {
            let mut b = SqlBuilder::params_only(dialect);
            compile::select(&mut b, s)?;
            #[cfg(debug_assertions)]
            {
                // Every debug build (the tests) checks the cached text
                // against a full rendering.
                let mut fresh = self.builder_with(t, dialect, &s.more_joins);
                let rendered = compile::select(&mut fresh, s).map(|()| fresh.sql);
                assert_eq!(
                    rendered.as_deref().ok(),
                    Some(&*sql),
                    "scope shape cache: text"
                );
                assert_eq!(
                    format!("{:?}", fresh.params),
                    format!("{:?}", b.params),
                    "scope shape cache: parameters"
                );
            }
            return Ok((SqlText::Cached(sql), b.params));
        }
        let mut b = self.builder_with(t, dialect, &s.more_joins);
        compile::select(&mut b, s)?;
        let (sql, params) = b.finish();
        Ok(match key {
            Some(key) => (
                SqlText::Cached(t.cache.keep_scoped(dialect, key, sql)),
                params,
            ),
            None => (SqlText::Fresh(sql), params),
        })
    }

    /// `table.key = key`, or for a composite key each of its columns equal
    /// to its part.
    pub(crate) fn key_cond(t: &TableMeta, key: Value) -> Cond {
        let eq = |i: usize, v: Value| Cond::Cmp {
            lhs: Expr::Col(crate::expr::ColRef {
                table: Some(t.name.into()),
                name: t.columns[i].name.into(),
            }),
            op: Op::Eq,
            rhs: Expr::Value(v),
        };
        if t.key_columns.len() <= 1 {
            return eq(t.key_index, key);
        }
        let parts = match key {
            Value::List(parts) => parts,
            key => vec![key],
        };
        Cond::And(
            t.key_columns
                .iter()
                .zip(parts)
                .map(|(&i, v)| eq(i, v))
                .collect(),
        )
    }
}

impl<M: Model> Scope<M> {
    /// The name under which the model `O` declaring a relation appears in
    /// this scope: the base table, or the alias it was joined under. `None`
    /// when `O` is not in the query (a raw join may have brought it in:
    /// then its table name is assumed).
    pub(super) fn side_of<O: Model>(&self) -> Option<Cow<'static, str>> {
        if O::TABLE == M::TABLE {
            return Some(Cow::Borrowed(M::TABLE));
        }
        let joined = self.q.joins.iter().rev().find_map(|j| match j {
            Join::Clause(c) if c.table == O::TABLE => {
                Some(c.alias.clone().unwrap_or_else(|| c.table.clone()))
            }
            _ => None,
        });
        joined.or_else(|| {
            self.q
                .joins
                .iter()
                .any(|j| matches!(j, Join::Raw { .. }))
                .then_some(Cow::Borrowed(O::TABLE))
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
            self.q.joins.push(Join::Invalid(format!(
                "cannot join relation `{}` of {}: {} is neither the scope's table ({}) nor joined \
                 before it",
                rel.def().name,
                O::TABLE,
                O::TABLE,
                M::TABLE
            )));
            return;
        };
        rel.push_joins(kind, own, alias, &mut |j| self.q.joins.push(j));
    }

    /// The SELECT this scope runs for `all`, in the generic SQL dialect
    /// (`$n` placeholders). See [`to_sql_for`](Self::to_sql_for).
    pub fn to_sql(&self) -> Result<Statement> {
        self.to_sql_for(&AnsiDialect)
    }

    /// The SELECT this scope runs for `all` on `dialect`.
    pub fn to_sql_for(&self, dialect: &dyn Dialect) -> Result<Statement> {
        let t = M::table();
        let (sql, params) = self.q.render(t, dialect, &self.q.model_items(t), None)?;
        Ok(Statement {
            sql: sql.to_string(),
            params,
        })
    }
}
