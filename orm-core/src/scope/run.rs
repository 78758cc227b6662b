//! Running a scope: the terminal calls' statements, and the rows they
//! return.

use std::marker::PhantomData;

use crate::backend::{RowCallback, RowStream};
use crate::cond::{Assignment, Cond};
use crate::connection::Connection;

use crate::error::{Error, Result};
use crate::expr::{Args, Expr};
use crate::model::Model;
use crate::names::CountOn;

use super::{PluckColumns, Query, Scope};
use crate::dialect::Dialect;
use crate::query::{
    compile, Delete, Filter, Item, Select, Set, Shape, Source, SqlText, TableMeta, Update,
};
use crate::row::{decode, FromRow, Layout};
use crate::sql::SqlBuilder;
use crate::value::{FromValue, Value};

/// What runs a scope: model-independent, compiled once. The generic entry
/// points on [`Scope`] below decode the rows and run hooks and includes.
impl Query {
    /// Marks the statements run while the guard lives as this scope's
    /// reads: on a replica of a pool that has them, unless the scope locks
    /// rows or asks for the primary.
    #[inline]
    fn reading<'c>(&self, conn: &'c Connection) -> crate::replica::Reading<'c> {
        conn.reading(self.primary || self.lock.is_some())
    }

    /// Notes a load through an accessor, for N+1 detection.
    fn note_load(&self, conn: &Connection) -> Result<()> {
        match &self.via {
            Some(via) => conn.note_load(via),
            None => Ok(()),
        }
    }

    /// Runs the scope's SELECT of the model's columns (the cached
    /// `SELECT .. FROM t` when the scope is plain: its includes run their
    /// own statements after it), `limit` lowering its limit, and hands each
    /// row to `f`.
    fn select_rows(
        &self,
        conn: &Connection,
        t: &'static TableMeta,
        limit: Option<u64>,
        f: &mut RowCallback<'_>,
    ) -> Result<()> {
        self.note_load(conn)?;
        let dialect = conn.dialect();
        if limit.is_none() && self.is_plain(t) {
            let sql = Self::select_head(t, dialect)?;
            let _read = self.reading(conn);
            return conn.query_each_prepared(&sql, crate::connection::NO_PARAMS, f);
        }
        let (sql, params) = self.render(t, dialect, &self.model_items(t), limit)?;
        let _read = self.reading(conn);
        conn.query_each_prepared(&sql, &params, f)
    }

    /// The row with key `key` (under the scope's conditions), handed to
    /// `f`.
    fn find_row(
        &self,
        conn: &Connection,
        t: &'static TableMeta,
        key: Value,
        f: &mut RowCallback<'_>,
    ) -> Result<()> {
        if self.conds.is_empty()
            && self.as_of.is_none()
            && self.lock.is_none()
            && self.joins.is_empty()
            && self.default_cond(t).is_none()
        {
            return Self::find_cached(conn, t, &key, self.primary, f);
        }
        // Only the conditions apply: order, limit, offset and grouping
        // would make a key lookup miss its row.
        let scoped = Query {
            conds: self
                .conds
                .iter()
                .cloned()
                .chain([Self::key_cond(t, key)])
                .collect(),
            as_of: self.as_of,
            lock: self.lock,
            joins: self.joins.clone(),
            distinct: self.distinct,
            unfiltered: self.unfiltered,
            deleted: self.deleted,
            ..Query::default()
        };
        let (sql, params) = scoped.render(t, conn.dialect(), &scoped.model_items(t), Some(1))?;
        let _read = self.reading(conn);
        conn.query_each_prepared(&sql, &params, f)
    }

    /// The row of table `t` with key `key`, handed to `f`: by the
    /// statement cached per dialect, or, for a model with a default
    /// filter, through the default scope's query. Not generic, so that a
    /// model's `find` instantiates none of the scope's machinery (with
    /// [`all_rows`](Self::all_rows): 101 → 75 functions instantiated per
    /// model in the compile-time probe, its `rustc` 4 % fewer
    /// instructions).
    #[inline]
    pub(crate) fn row_by_key(
        conn: &Connection,
        t: &'static TableMeta,
        key: Value,
        f: &mut RowCallback<'_>,
    ) -> Result<()> {
        if crate::lifecycle::filter_of(t, crate::lifecycle::Deleted::Exclude).is_some() {
            return Query::default().find_row(conn, t, key, f);
        }
        Self::find_cached(conn, t, &key, false, f)
    }

    /// Every row of table `t`, handed to `f`: the cached `SELECT .. FROM t`,
    /// or, for a model with a default filter, the default scope's SELECT.
    /// Not generic, as [`row_by_key`](Self::row_by_key).
    #[inline]
    pub(crate) fn all_rows(
        conn: &Connection,
        t: &'static TableMeta,
        f: &mut RowCallback<'_>,
    ) -> Result<()> {
        if crate::lifecycle::filter_of(t, crate::lifecycle::Deleted::Exclude).is_some() {
            return Query::default().select_rows(conn, t, None, f);
        }
        let sql = Self::select_head(t, conn.dialect())?;
        let _read = conn.reading(false);
        conn.query_each_prepared(&sql, crate::connection::NO_PARAMS, f)
    }

    /// The row with key `key`, by the statement cached per dialect (no
    /// conditions, no default filter), handed to `f`.
    fn find_cached(
        conn: &Connection,
        t: &'static TableMeta,
        key: &Value,
        primary: bool,
        f: &mut RowCallback<'_>,
    ) -> Result<()> {
        let dialect = conn.dialect();
        let sql = t.cache.get_or_build(Shape::Find, dialect, &mut || {
            let mut b = SqlBuilder::new(dialect).with_base(Self::base(t), false);
            let items = [Item::Columns {
                qualifier: None,
                columns: t.columns,
            }];
            let mut s = Select::from(t.name, &items);
            s.filter.extend(t.key_columns.iter().map(|&i| {
                Filter::Param(crate::expr::ColRef {
                    table: None,
                    name: t.columns[i].name.into(),
                })
            }));
            // No `LIMIT 1`: the key is the table's primary key, so at most
            // one row matches, and the callback stops at the first anyway.
            // SQLite runs the limit's opcodes on every call (a `find`: 47
            // instructions, callgrind).
            compile::select(&mut b, &s)?;
            Ok(b.sql)
        })?;
        let _read = conn.reading(primary);
        match key {
            Value::List(parts) if t.key_columns.len() > 1 => {
                conn.query_each_prepared(&sql, &parts.as_slice(), f)
            }
            key => conn.query_each_prepared(&sql, &std::slice::from_ref(key), f),
        }
    }

    /// `SUM`, `AVG`, `MIN` or `MAX` of `column` over the scope's rows.
    fn aggregate_sql(
        &self,
        t: &'static TableMeta,
        dialect: &dyn Dialect,
        func: &'static str,
        column: &crate::expr::ColRef,
    ) -> Result<(SqlText, Vec<Value>)> {
        let items = [Item::Agg {
            func,
            distinct: self.distinct,
            col: column,
        }];
        let dflt = self.default_cond(t);
        let mut walk = super::shape::Walk::new();
        let key = self.shape(
            &mut walk,
            super::shape::statement::AGGREGATE,
            &items,
            &dflt,
            self.limit,
            &[],
        );
        // Over all the scope's rows: no order, window or DISTINCT (which
        // the aggregate takes instead).
        let mut s = self.as_select(t, &items, &dflt);
        s.order = &[];
        s.limit = None;
        s.offset = None;
        s.distinct = false;
        self.compile_cached(t, dialect, key, &s)
    }

    /// `COUNT(expr)` over exactly the rows `all` would return: a plain
    /// `COUNT` when the scope has no limit, offset, DISTINCT or grouping,
    /// otherwise a count over the scope's own SELECT as a subquery (which
    /// counts the groups of a grouped scope).
    fn count(&self, conn: &Connection, t: &'static TableMeta, on: &CountOn) -> Result<i64> {
        let dialect = conn.dialect();
        let windowed = self.limit.is_some() || self.offset.is_some();
        let all_rows = matches!(on, CountOn::Rows);
        let dflt = self.default_cond(t);
        let counted = [Item::Count { on, outer: false }];
        let one = [Item::One(Some("one"))];
        let outer_count = [Item::Count { on, outer: true }];
        let model_items = self.model_items(t);
        let mut s = self.as_select(t, &counted, &dflt);
        // Order does not change how many rows there are.
        s.order = &[];
        s.lock = None;
        let s = if self.group_by.is_empty() && !self.distinct && !windowed {
            s.limit = None;
            s.offset = None;
            s
        } else {
            if !all_rows && !self.group_by.is_empty() {
                return Err(Error::invalid(
                    "count_on on a grouped scope is ambiguous: count() counts the groups; \
                     use pluck_expr for a count per group",
                ));
            }
            // The rows themselves when DISTINCT compares them or the counted
            // column is read from them; otherwise `1` per row.
            s.items = if self.distinct || !all_rows {
                &model_items
            } else {
                &one
            };
            // CockroachDB takes AS OF SYSTEM TIME on the top-level FROM only.
            s.as_of = None;
            let mut outer = Select::from("", &outer_count);
            outer.from = Source::Sub(Box::new(s), "orm_rows");
            outer.as_of = self.as_of.as_ref();
            outer
        };
        let mut walk = super::shape::Walk::new();
        let key = self.shape(
            &mut walk,
            super::shape::statement::COUNT,
            &counted,
            &dflt,
            self.limit,
            &[],
        );
        let (sql, params) = self.compile_cached(t, dialect, key, &s)?;
        self.scalar(conn, t, &sql, &params)
    }

    fn scalar<T: FromValue>(
        &self,
        conn: &Connection,
        t: &TableMeta,
        sql: &str,
        params: &[Value],
    ) -> Result<T> {
        let _read = self.reading(conn);
        conn.query_first_map(sql, &params, |row| decode(row, 0, t.name, "count"))?
            .ok_or_else(|| Error::invalid("aggregate query returned no row"))
    }

    pub(crate) fn exists(&self, conn: &Connection, t: &'static TableMeta) -> Result<bool> {
        let (sql, params) = self.render(t, conn.dialect(), &[Item::One(None)], Some(1))?;
        let _read = self.reading(conn);
        Ok(conn.query_first_map(&sql, &params, |_| Ok(()))?.is_some())
    }

    /// Runs the scope's SELECT of `exprs`, handing each row to `f`.
    fn select_exprs(
        &self,
        conn: &Connection,
        t: &'static TableMeta,
        exprs: &[Expr],
        f: &mut RowCallback<'_>,
    ) -> Result<()> {
        let items: Vec<Item<'_>> = exprs.iter().map(Item::Expr).collect();
        let (sql, params) = self.render(t, conn.dialect(), &items, None)?;
        let _read = self.reading(conn);
        conn.query_each_prepared(&sql, &params, f)
    }

    /// Whether the scope's conditions depend on the row, or match every row
    /// (none given, `1 = 1`, `not_in([])`, `x OR every row`...) or a
    /// constant. A NOT NULL column of the model is known never to be NULL.
    pub(crate) fn filter_reach(
        &self,
        t: &TableMeta,
        rules: &crate::lex::LexRules,
    ) -> crate::cond::Reach {
        let nullable = |c: &crate::expr::ColRef| {
            if c.table.as_deref().is_some_and(|n| n != t.name) {
                return None;
            }
            t.columns
                .iter()
                .find(|d| d.name == c.name)
                .map(|d| d.nullable)
        };
        Cond::reach_all(&self.conds, &nullable, rules)
    }

    /// The WHERE conditions of an UPDATE / DELETE through this scope,
    /// `dflt` holding the default filter. A scope with order, limit, offset
    /// or joins selects its keys in a subquery, so that exactly those rows
    /// change. `hooked`: the model has hooks.
    fn write_filter<'a>(
        &'a self,
        t: &'static TableMeta,
        hooked: bool,
        rules: &crate::lex::LexRules,
        action: &'static str,
        dflt: &'a Option<Cond>,
        keys: &'a [Item<'static>; 2],
    ) -> Result<Vec<Filter<'a>>> {
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
        if hooked && !self.skip_hooks {
            return Err(Error::HooksSkipped {
                action,
                table: t.name.to_owned(),
            });
        }
        if !self.all_rows && self.filter_reach(t, rules).may_match_every_row() {
            return Err(Error::MissingCondition {
                action,
                table: t.name.to_owned(),
            });
        }
        if self.limit.is_none()
            && self.offset.is_none()
            && self.orders.is_empty()
            && self.joins.is_empty()
        {
            return Ok(self.filters(dflt));
        }
        if t.key_columns.len() > 1 {
            return Err(Error::invalid(format!(
                "cannot {action} rows of {} through a scope with joins, an order, a limit or \
                 an offset: its key is composite; filter the rows by conditions instead",
                t.name
            )));
        }
        let mut inner = self.as_select(t, &keys[..1], dflt);
        inner.lock = None;
        let mut outer = Select::from("", &keys[1..]);
        outer.from = Source::Sub(Box::new(inner), "orm_keys");
        Ok(vec![Filter::InSelect(t.key(), Box::new(outer))])
    }

    /// An UPDATE setting `set` (and incrementing the version column when
    /// `bump`), or a DELETE, of the scope's rows.
    fn run_write(
        &self,
        conn: &Connection,
        t: &'static TableMeta,
        hooked: bool,
        action: &'static str,
        set: Option<Set<'_>>,
        bump: bool,
    ) -> Result<u64> {
        let dialect = conn.dialect();
        let dflt = self.default_cond(t);
        let key = std::slice::from_ref(&t.columns[t.key_index]);
        let keys = [
            Item::Columns {
                qualifier: Some(t.name),
                columns: key,
            },
            Item::Columns {
                qualifier: None,
                columns: key,
            },
        ];
        let filter = self.write_filter(t, hooked, dialect.lex_rules(), action, &dflt, &keys)?;
        let mut b = self.builder(t, dialect);
        match set {
            Some(set) => compile::update(
                &mut b,
                &Update {
                    table: t.name,
                    set,
                    bump: t.version.filter(|_| bump).map(|i| t.columns[i].name),
                    filter,
                },
            )?,
            None => compile::delete(
                &mut b,
                &Delete {
                    table: t.name,
                    filter,
                },
            )?,
        }
        let (sql, params) = b.finish();
        conn.execute_prepared(&sql, &params)
    }

    /// Checks the columns and values of an UPDATE's assignments against
    /// table `t`.
    fn check_assignments(
        conn: &Connection,
        t: &TableMeta,
        assignments: &[Assignment],
    ) -> Result<()> {
        for a in assignments {
            let Some(i) = a
                .index
                .or_else(|| t.columns.iter().position(|c| c.name == a.column))
            else {
                return Err(Error::UnknownColumn {
                    table: Some(t.name.to_owned()),
                    column: a.column.to_string(),
                });
            };
            // The checks of a record's write (a decimal's scale, a text's
            // size), for a value assigned to a known column.
            if let (Expr::Value(v), Some(c)) = (&a.value, t.columns.get(i)) {
                if let Err(reason) = conn.dialect().check_value(v.as_ref(), Some(c)) {
                    return Err(Error::UnrepresentableValue {
                        target: format!("{}.{}", t.name, c.name),
                        reason,
                    });
                }
            }
        }
        Ok(())
    }
}

impl<M: Model> Scope<M> {
    pub(crate) fn run_find(&self, conn: &Connection, key: &M::Key) -> Result<M> {
        let key = crate::value::ToValue::to_value(key);
        let mut found = the_record::<M>(|f| self.q.find_row(conn, M::table(), key, f))?;
        self.load_includes(conn, std::slice::from_mut(&mut found))?;
        Ok(found)
    }

    /// `find` on the whole table ([`Mapper::find`](crate::Mapper::find)).
    /// Only the decoding is per model: the row is found by
    /// [`Query::row_by_key`], the same code for every model.
    pub(crate) fn find_by_key(conn: &Connection, key: &M::Key) -> Result<M> {
        let key = crate::value::ToValue::to_value(key);
        let mut found = the_record::<M>(|f| Query::row_by_key(conn, M::table(), key, f))?;
        crate::hooks::found(std::slice::from_mut(&mut found), conn)?;
        Ok(found)
    }

    /// Runs the `after_find` hooks and the scope's includes on `records`.
    pub(crate) fn load_includes(&self, conn: &Connection, records: &mut [M]) -> Result<()> {
        crate::hooks::found(records, conn)?;
        if self.includes.is_empty() || records.is_empty() {
            return Ok(());
        }
        // The includes read where the scope reads (their hooks too).
        let _read = self.q.reading(conn);
        for inc in self.includes.of::<M>() {
            inc.load_records(conn, records)?;
        }
        Ok(())
    }

    /// Loads the scope's includes into `records`.
    fn load_includes_into(&self, conn: &Connection, records: &mut [&mut M]) -> Result<()> {
        // The includes read where the scope reads (their hooks too).
        let _read = self.q.reading(conn);
        for inc in self.includes.of::<M>() {
            inc.load(conn, records)?;
        }
        Ok(())
    }

    /// Runs the scope's SELECT and decodes its records (`limit` lowering
    /// its limit), then runs hooks and includes.
    fn records(&self, conn: &Connection, limit: Option<u64>) -> Result<Vec<M>> {
        let mut records = records_of::<M>(limit.is_none(), |f| {
            self.q.select_rows(conn, M::table(), limit, f)
        })?;
        self.load_includes(conn, &mut records)?;
        Ok(records)
    }

    /// Every record of the table
    /// ([`Mapper::load_all`](crate::Mapper::load_all)). Only the decoding
    /// is per model: the rows come from [`Query::all_rows`].
    pub(crate) fn load_all(conn: &Connection) -> Result<Vec<M>> {
        let mut records = records_of::<M>(true, |f| Query::all_rows(conn, M::table(), f))?;
        crate::hooks::found(&mut records, conn)?;
        Ok(records)
    }

    pub(crate) fn run_all(&self, conn: &Connection) -> Result<Vec<M>> {
        self.records(conn, None)
    }

    pub(crate) fn run_joined<T: Model>(
        &self,
        conn: &Connection,
        rel: crate::relation::Relation<M, T>,
    ) -> Result<Vec<(M, Option<T>)>> {
        if T::TABLE == M::TABLE {
            return Err(Error::invalid(format!(
                "all_joined of {} with itself: the two sides would share one name; \
                 join it under an alias and select what you need instead",
                M::TABLE
            )));
        }
        self.q.note_load(conn)?;
        let items = [
            Item::Model {
                t: M::table(),
                qualified: true,
            },
            Item::Model {
                t: T::table(),
                qualified: true,
            },
        ];
        // The relation's join, after the scope's own, unless it has one.
        let mut join = crate::query::Joins::new();
        if !self.q.joins.iter().any(|j| j.joins_table(T::TABLE)) {
            rel.push_joins(
                crate::relation::JoinKind::Outer,
                M::TABLE.into(),
                None,
                &mut |j| join.push(j),
            );
        }
        let (sql, params) = self
            .q
            .render_joined(M::table(), conn.dialect(), &items, None, join)?;
        let at = M::COLUMNS.len();
        // A missing right side is all NULLs: its key tells.
        let probe = at + T::KEY_COLUMNS.first().copied().unwrap_or(T::KEY_INDEX);
        let mut pairs = {
            let _read = self.q.reading(conn);
            conn.query_map(&sql, &params, |row| {
                let rec = M::from_row(row, Layout::At(0))?;
                let probed = match row.try_get(probe) {
                    Some(v) => v,
                    None => row.get_ref(probe)?,
                };
                let other = if matches!(probed, crate::value::ValueRef::Null) {
                    None
                } else {
                    Some(T::from_row(row, Layout::At(at))?)
                };
                Ok((rec, other))
            })?
        };
        for (rec, other) in &mut pairs {
            crate::hooks::found(std::slice::from_mut(rec), conn)?;
            if let Some(o) = other {
                crate::hooks::found(std::slice::from_mut(o), conn)?;
            }
        }
        if !self.includes.is_empty() && !pairs.is_empty() {
            let mut refs: Vec<&mut M> = pairs.iter_mut().map(|(m, _)| m).collect();
            self.load_includes_into(conn, &mut refs)?;
        }
        Ok(pairs)
    }

    pub(crate) fn run_first(&self, conn: &Connection) -> Result<Option<M>> {
        Ok(self.records(conn, Some(1))?.pop())
    }

    pub(crate) fn run_aggregate<V: FromValue>(
        &self,
        conn: &Connection,
        func: &'static str,
        column: crate::expr::ColRef,
    ) -> Result<Option<V>> {
        let (sql, params) = self
            .q
            .aggregate_sql(M::table(), conn.dialect(), func, &column)?;
        let label = func.to_ascii_lowercase();
        let _read = self.q.reading(conn);
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
        let (sql, params) = self.q.render(
            M::table(),
            conn.dialect(),
            &list.iter().map(Item::Term).collect::<Vec<_>>(),
            None,
        )?;
        let _read = self.q.reading(conn);
        conn.query_all(&sql, &params)
    }

    pub(crate) fn run_count(&self, conn: &Connection, on: &CountOn) -> Result<i64> {
        self.q.count(conn, M::table(), on)
    }

    pub(crate) fn run_exists(&self, conn: &Connection) -> Result<bool> {
        self.q.exists(conn, M::table())
    }

    pub(crate) fn run_pluck<P: PluckColumns<M>>(
        &self,
        conn: &Connection,
        columns: &P,
    ) -> Result<Vec<P::Output>> {
        let mut out = Vec::new();
        self.q
            .select_exprs(conn, M::table(), &columns.exprs(), &mut |row| {
                out.push(columns.decode_row(row)?);
                Ok(true)
            })?;
        Ok(out)
    }

    pub(crate) fn run_pluck_expr<V: FromValue>(
        &self,
        conn: &Connection,
        expr: Expr,
    ) -> Result<Vec<V>> {
        let mut out = Vec::new();
        self.q.select_exprs(conn, M::table(), &[expr], &mut |row| {
            out.push(decode(row, 0, M::TABLE, "expression")?);
            Ok(true)
        })?;
        Ok(out)
    }

    pub(crate) fn run_update(&self, conn: &Connection, assignments: &[Assignment]) -> Result<u64> {
        self.run_update_stamped(conn, assignments).map(|(n, _)| n)
    }

    /// `run_update` with the lifecycle columns: `updated_at` set to the
    /// clock (unless assigned or kept), the version incremented (unless
    /// assigned). Returns the rows changed and the stamp written.
    pub(crate) fn run_update_stamped(
        &self,
        conn: &Connection,
        assignments: &[Assignment],
    ) -> Result<(u64, Option<(usize, crate::value::Value)>)> {
        if assignments.is_empty() {
            return Ok((0, None));
        }
        Query::check_assignments(conn, M::table(), assignments)?;
        let (list, stamp, bump) =
            crate::lifecycle::scope_assignments(M::table(), conn, assignments);
        let n = self.run_write(conn, "update", Some(Set::Assign(&list)), bump)?;
        Ok((n, stamp))
    }

    pub(crate) fn run_update_sql(
        &self,
        conn: &Connection,
        fragment: &str,
        args: Args,
    ) -> Result<u64> {
        self.run_write(conn, "update", Some(Set::Sql(fragment, &args)), false)
    }

    /// Deletes the scope's rows: for a soft-deleting model, unless `hard`,
    /// sets their `deleted_at` (and `updated_at`, and increments their
    /// version) instead, on the rows not deleted yet.
    pub(crate) fn run_delete(&self, conn: &Connection, hard: bool) -> Result<u64> {
        let Some(soft) = M::SOFT_DELETE.filter(|_| !hard) else {
            return self.run_write(conn, "delete", None, false);
        };
        let scope = match self.q.deleted {
            crate::lifecycle::Deleted::Only => return Ok(0),
            _ => Query {
                deleted: crate::lifecycle::Deleted::Exclude,
                ..self.q.clone()
            },
        };
        let now = crate::lifecycle::now();
        let (i, v) = crate::lifecycle::stamp_of(M::table(), soft, now);
        let mut list = vec![Assignment {
            column: M::COLUMNS[i].name.into(),
            index: Some(i),
            value: Expr::Value(v),
        }];
        if let Some((i, v)) = crate::lifecycle::update_stamp(M::table(), conn, &|| now, &|_| false)
        {
            list.push(Assignment {
                column: M::COLUMNS[i].name.into(),
                index: Some(i),
                value: Expr::Value(v),
            });
        }
        scope.run_write(
            conn,
            M::table(),
            crate::hooks::hooked::<M>(),
            "delete",
            Some(Set::Assign(&list)),
            M::VERSION.is_some(),
        )
    }

    /// An UPDATE setting `set` (and incrementing the version column when
    /// `bump`), or a DELETE, of the scope's rows.
    fn run_write(
        &self,
        conn: &Connection,
        action: &'static str,
        set: Option<Set<'_>>,
        bump: bool,
    ) -> Result<u64> {
        self.q.run_write(
            conn,
            M::table(),
            crate::hooks::hooked::<M>(),
            action,
            set,
            bump,
        )
    }

    pub(crate) fn run_stream<'c>(&self, conn: &'c Connection) -> Result<Rows<'c, M>> {
        self.q.note_load(conn)?;
        let t = M::table();
        let (sql, params) = self
            .q
            .render(t, conn.dialect(), &self.q.model_items(t), None)?;
        let stream = conn.query_prepared(&sql, &params)?;
        Ok(Rows {
            stream,
            conn,
            done: false,
            _model: PhantomData,
        })
    }
}

/// The records `run` hands to its callback, decoded: every one when
/// `all`, else the first.
#[inline]
fn records_of<M: Model>(
    all: bool,
    run: impl FnOnce(&mut RowCallback<'_>) -> Result<()>,
) -> Result<Vec<M>> {
    let mut records = Vec::new();
    run(&mut |row| {
        records.push(M::from_row(row, Layout::At(0))?);
        Ok(all)
    })?;
    Ok(records)
}

/// The record of the first row `run` hands to its callback;
/// [`Error::NotFound`] when there is none.
#[inline]
fn the_record<M: Model>(run: impl FnOnce(&mut RowCallback<'_>) -> Result<()>) -> Result<M> {
    let mut found = None;
    run(&mut |row| {
        found = Some(M::from_row(row, Layout::At(0))?);
        Ok(false)
    })?;
    match found {
        Some(record) => Ok(record),
        None => Err(Error::NotFound {
            table: M::TABLE.to_owned(),
        }),
    }
}

/// An iterator over the records of a scope, decoded one row at a time as the
/// driver streams them; nothing is collected.
pub struct Rows<'c, M> {
    stream: Box<dyn RowStream + 'c>,
    conn: &'c Connection,
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
            Ok(Some(row)) => Some(M::from_row(row, crate::row::Layout::At(0)).and_then(
                |mut rec| {
                    crate::hooks::run(&mut rec, crate::hooks::Hook::AfterFind, self.conn)?;
                    Ok(rec)
                },
            )),
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
