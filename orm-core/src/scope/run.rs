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
use crate::row::{decode, FromRow, Layout};
use crate::value::FromValue;

use super::PluckColumns;
use crate::query::{compile, Delete, Filter, Item, Select, Set, Shape, Source, Update};

impl<M: Model> Scope<M> {
    pub(crate) fn run_find(&self, conn: &Connection, key: &M::Key) -> Result<M> {
        let key = crate::value::ToValue::to_value(key);
        let dialect = conn.dialect();
        let found = if self.conds.is_empty()
            && self.as_of.is_none()
            && self.lock.is_none()
            && self.joins.is_empty()
            && self.default_cond().is_none()
        {
            Self::find_cached(conn, key, self.primary)?
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
                as_of: self.as_of,
                lock: self.lock,
                joins: self.joins.clone(),
                distinct: self.distinct,
                unfiltered: self.unfiltered,
                deleted: self.deleted,
                ..Scope::default()
            };
            let (sql, params) = scoped.render(dialect, scoped.model_items(), Some(1))?;
            let _read = self.reading(conn);
            conn.query_first_ordered::<M>(&sql, &params)?
        };
        let mut found = found.ok_or_else(|| Error::NotFound {
            table: M::TABLE.to_owned(),
        })?;
        self.load_includes(conn, std::slice::from_mut(&mut found))?;
        Ok(found)
    }

    /// The row with key `key`, by the statement cached per dialect (no
    /// conditions, no default filter).
    fn find_cached(
        conn: &Connection,
        key: crate::value::Value,
        primary: bool,
    ) -> Result<Option<M>> {
        let dialect = conn.dialect();
        let sql = M::table()
            .cache
            .get_or_build(Shape::Find, dialect, &mut || {
                let mut b = Scope::<M>::default().builder(dialect);
                let mut s = Select::from(M::TABLE, <M as super::render::Heads>::PLAIN);
                s.filter.extend(M::KEY_COLUMNS.iter().map(|&i| {
                    Filter::Param(crate::expr::ColRef {
                        table: None,
                        name: M::COLUMNS[i].name.into(),
                    })
                }));
                s.limit = Some(1);
                compile::select(&mut b, &s)?;
                Ok(b.sql)
            })?;
        let _read = conn.reading(primary);
        if M::KEY_COLUMNS.len() == 1 {
            conn.query_first_ordered::<M>(&sql, &[key])
        } else {
            conn.query_first_ordered::<M>(&sql, &crate::model::key_parts::<M>(key))
        }
    }

    /// `find` on the whole table ([`Mapper::find`](crate::Mapper::find)):
    /// the cached statement, without building a scope, when the model has
    /// no default filter.
    pub(crate) fn find_by_key(conn: &Connection, key: &M::Key) -> Result<M> {
        if crate::lifecycle::filter::<M>(crate::lifecycle::Deleted::Exclude).is_some() {
            return Scope::<M>::default().run_find(conn, key);
        }
        let key = crate::value::ToValue::to_value(key);
        let mut found = Self::find_cached(conn, key, false)?.ok_or_else(|| Error::NotFound {
            table: M::TABLE.to_owned(),
        })?;
        crate::hooks::found(std::slice::from_mut(&mut found), conn)?;
        Ok(found)
    }

    /// Runs the `after_find` hooks and the scope's includes on `records`.
    pub(crate) fn load_includes(&self, conn: &Connection, records: &mut [M]) -> Result<()> {
        crate::hooks::found(records, conn)?;
        if self.includes.is_empty() || records.is_empty() {
            return Ok(());
        }
        let mut refs: Vec<&mut M> = records.iter_mut().collect();
        self.load_includes_into(conn, &mut refs)
    }

    /// Loads the scope's includes into `records`.
    fn load_includes_into(&self, conn: &Connection, records: &mut [&mut M]) -> Result<()> {
        // The includes read where the scope reads (their hooks too).
        let _read = self.reading(conn);
        for inc in &self.includes {
            inc.load(conn, records)?;
        }
        Ok(())
    }

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

    pub(crate) fn run_all(&self, conn: &Connection) -> Result<Vec<M>> {
        self.note_load(conn)?;
        let dialect = conn.dialect();
        if self.is_plain() {
            let sql = Self::select_head(dialect)?;
            let mut records = {
                let _read = self.reading(conn);
                conn.query_ordered(&sql, crate::connection::NO_PARAMS)?
            };
            crate::hooks::found(&mut records, conn)?;
            return Ok(records);
        }
        let (sql, params) = self.render(dialect, self.model_items(), None)?;
        let mut records = {
            let _read = self.reading(conn);
            conn.query_ordered(&sql, &params)?
        };
        self.load_includes(conn, &mut records)?;
        Ok(records)
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
        self.note_load(conn)?;
        let items = [
            Item::Columns {
                qualifier: Some(M::TABLE),
                columns: M::COLUMNS,
            },
            Item::Columns {
                qualifier: Some(T::TABLE),
                columns: T::COLUMNS,
            },
        ];
        // The relation's join, after the scope's own, unless it has one.
        let mut join = Vec::new();
        if !self.joins.iter().any(|j| j.joins_table(T::TABLE)) {
            rel.push_joins(
                crate::relation::JoinKind::Outer,
                M::TABLE.into(),
                None,
                &mut join,
            );
        }
        let (sql, params) = self.render_joined(conn.dialect(), &items, None, join)?;
        let at = M::COLUMNS.len();
        // A missing right side is all NULLs: its key tells.
        let probe = at + T::KEY_COLUMNS.first().copied().unwrap_or(T::KEY_INDEX);
        let mut pairs = {
            let _read = self.reading(conn);
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
        self.note_load(conn)?;
        let (sql, params) = self.render(conn.dialect(), self.model_items(), Some(1))?;
        let mut found: Option<M> = {
            let _read = self.reading(conn);
            conn.query_first_ordered(&sql, &params)?
        };
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
        let items = [Item::Agg {
            func,
            distinct: scope.distinct,
            col: &column,
        }];
        let dflt = scope.default_cond();
        let mut s = scope.as_select(&items, &dflt);
        s.distinct = false;
        let mut b = scope.builder(conn.dialect());
        compile::select(&mut b, &s)?;
        let (sql, params) = b.finish();
        let label = func.to_ascii_lowercase();
        let _read = self.reading(conn);
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
        let (sql, params) = self.render(
            conn.dialect(),
            &list.iter().map(Item::Term).collect::<Vec<_>>(),
            None,
        )?;
        let _read = self.reading(conn);
        conn.query_all(&sql, &params)
    }

    pub(super) fn scalar<T: FromValue>(
        &self,
        conn: &Connection,
        sql: &str,
        params: &[crate::value::Value],
    ) -> Result<T> {
        let _read = self.reading(conn);
        conn.query_first_map(sql, &params, |row| decode(row, 0, M::TABLE, "count"))?
            .ok_or_else(|| Error::invalid("aggregate query returned no row"))
    }

    /// `COUNT(expr)` over exactly the rows `all` would return: a plain
    /// `COUNT` when the scope has no limit, offset, DISTINCT or grouping,
    /// otherwise a count over the scope's own SELECT as a subquery (which
    /// counts the groups of a grouped scope).
    pub(crate) fn run_count(&self, conn: &Connection, on: &CountOn) -> Result<i64> {
        let dialect = conn.dialect();
        let windowed = self.limit.is_some() || self.offset.is_some();
        let all_rows = matches!(on, CountOn::Rows);
        let dflt = self.default_cond();
        let counted = [Item::Count { on, outer: false }];
        let one = [Item::One(Some("one"))];
        let outer_count = [Item::Count { on, outer: true }];
        let mut s = self.as_select(&counted, &dflt);
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
                self.model_items()
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
        let mut b = self.builder(dialect);
        compile::select(&mut b, &s)?;
        let (sql, params) = b.finish();
        self.scalar(conn, &sql, &params)
    }

    pub(crate) fn run_exists(&self, conn: &Connection) -> Result<bool> {
        let (sql, params) = self.render(conn.dialect(), &[Item::One(None)], Some(1))?;
        let _read = self.reading(conn);
        Ok(conn.query_first_map(&sql, &params, |_| Ok(()))?.is_some())
    }

    pub(crate) fn run_pluck<P: PluckColumns<M>>(
        &self,
        conn: &Connection,
        columns: &P,
    ) -> Result<Vec<P::Output>> {
        let exprs = columns.exprs();
        let (sql, params) = self.render(
            conn.dialect(),
            &exprs.iter().map(Item::Expr).collect::<Vec<_>>(),
            None,
        )?;
        let _read = self.reading(conn);
        conn.query_map(&sql, &params, |row| columns.decode_row(row))
    }

    pub(crate) fn run_pluck_expr<V: FromValue>(
        &self,
        conn: &Connection,
        expr: Expr,
    ) -> Result<Vec<V>> {
        let exprs = [expr];
        let (sql, params) = self.render(
            conn.dialect(),
            &exprs.iter().map(Item::Expr).collect::<Vec<_>>(),
            None,
        )?;
        let _read = self.reading(conn);
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

    /// The WHERE conditions of an UPDATE / DELETE through this scope,
    /// `dflt` holding the default filter. A scope with order, limit, offset
    /// or joins selects its keys in a subquery, so that exactly those rows
    /// change.
    fn write_filter<'a>(
        &'a self,
        rules: &crate::lex::LexRules,
        action: &'static str,
        dflt: &'a Option<Cond>,
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
        if crate::hooks::hooked::<M>() && !self.skip_hooks {
            return Err(Error::HooksSkipped {
                action,
                table: M::TABLE.to_owned(),
            });
        }
        if !self.all_rows && self.filter_reach(rules).may_match_every_row() {
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
            return Ok(self.filters(dflt));
        }
        if M::KEY_COLUMNS.len() > 1 {
            return Err(Error::invalid(format!(
                "cannot {action} rows of {} through a scope with joins, an order, a limit or \
                 an offset: its key is composite; filter the rows by conditions instead",
                M::TABLE
            )));
        }
        use super::render::Heads;
        let mut keys = self.as_select(<M as Heads>::KEY_QUALIFIED, dflt);
        keys.lock = None;
        let mut outer = Select::from("", <M as Heads>::KEY_PLAIN);
        outer.from = Source::Sub(Box::new(keys), "orm_keys");
        Ok(vec![Filter::InSelect(
            M::COLUMNS[M::KEY_INDEX].name,
            Box::new(outer),
        )])
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
        for a in assignments {
            let Some(i) = a
                .index
                .or_else(|| M::COLUMNS.iter().position(|c| c.name == a.column))
            else {
                return Err(Error::UnknownColumn {
                    table: Some(M::TABLE.to_owned()),
                    column: a.column.to_string(),
                });
            };
            // The checks of a record's write (a decimal's scale, a text's
            // size), for a value assigned to a known column.
            if let (Expr::Value(v), Some(c)) = (&a.value, M::COLUMNS.get(i)) {
                if let Err(reason) = conn.dialect().check_value(v.as_ref(), Some(c)) {
                    return Err(Error::UnrepresentableValue {
                        target: format!("{}.{}", M::TABLE, c.name),
                        reason,
                    });
                }
            }
        }
        let (list, stamp, bump) = crate::lifecycle::scope_assignments::<M>(conn, assignments);
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
        let scope = match self.deleted {
            crate::lifecycle::Deleted::Only => return Ok(0),
            _ => Scope {
                deleted: crate::lifecycle::Deleted::Exclude,
                ..self.clone()
            },
        };
        let now = crate::lifecycle::now();
        let (i, v) = crate::lifecycle::stamp::<M>(soft, now);
        let mut list = vec![Assignment {
            column: M::COLUMNS[i].name.into(),
            index: Some(i),
            value: Expr::Value(v),
        }];
        if let Some((i, v)) = crate::lifecycle::update_stamp::<M>(conn, || now, |_| false) {
            list.push(Assignment {
                column: M::COLUMNS[i].name.into(),
                index: Some(i),
                value: Expr::Value(v),
            });
        }
        scope.run_write(
            conn,
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
        let dialect = conn.dialect();
        let dflt = self.default_cond();
        let filter = self.write_filter(dialect.lex_rules(), action, &dflt)?;
        let mut b = self.builder(dialect);
        match set {
            Some(set) => compile::update(
                &mut b,
                &Update {
                    table: M::TABLE,
                    set,
                    bump: M::VERSION.filter(|_| bump).map(|i| M::COLUMNS[i].name),
                    filter,
                },
            )?,
            None => compile::delete(
                &mut b,
                &Delete {
                    table: M::TABLE,
                    filter,
                },
            )?,
        }
        let (sql, params) = b.finish();
        conn.execute_prepared(&sql, &params)
    }

    pub(crate) fn run_stream<'c>(&self, conn: &'c Connection) -> Result<Rows<'c, M>> {
        self.note_load(conn)?;
        let (sql, params) = self.render(conn.dialect(), self.model_items(), None)?;
        let stream = conn.query_prepared(&sql, &params)?;
        Ok(Rows {
            stream,
            conn,
            done: false,
            _model: PhantomData,
        })
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
