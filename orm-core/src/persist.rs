//! Saving records: the instance methods every model gets.

use std::borrow::Cow;

use crate::backend::{EachParam, GeneratedKey, Params};
use crate::cond::{Assignment, Cond};
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::hooks::{self, Hook};
use crate::lifecycle::{self, Deleted, SoftDelete, Timestamped};
use crate::model::{Column, ColumnDef, Fields, Model, Snapshot};
use crate::query::{
    compile, Delete, Filter, Insert, Returning, Rows, Set, Shape, SizedShape, SqlText, TableMeta,
    Update,
};
use crate::scope::{Scope, Scoped};
use crate::sql::SqlBuilder;
use crate::value::{ToValue, Value, ValueRef};

/// A model's write statements, rendered from its [`TableMeta`]: compiled
/// once rather than once per model.
impl TableMeta {
    /// The names of the key's columns (several for a composite key).
    fn key_names(&self) -> Vec<&'static str> {
        self.names(self.key_columns)
    }

    fn names(&self, at: &[usize]) -> Vec<&'static str> {
        at.iter().map(|&i| self.columns[i].name).collect()
    }

    /// The columns of an INSERT: all, or all but the key.
    fn insert_columns(&self, with_key: bool) -> impl Iterator<Item = &'static str> + '_ {
        self.columns
            .iter()
            .enumerate()
            .filter(move |(i, _)| with_key || *i != self.key_index)
            .map(|(_, c)| c.name)
    }

    /// The columns an UPDATE writes: those `changed` (all without a
    /// snapshot) but the key, which finds the row, and the version, which
    /// the statement increments.
    fn written(&self, changed: Option<Vec<usize>>) -> Vec<usize> {
        let written = |i: &usize| !self.key_columns.contains(i) && Some(*i) != self.version;
        match changed {
            Some(mut changed) => {
                changed.retain(written);
                changed
            }
            None => (0..self.columns.len()).filter(written).collect(),
        }
    }

    /// The columns a record write finds its row by: the key, and the
    /// version when the model has one (optimistic locking).
    fn where_columns(&self) -> Vec<usize> {
        self.key_columns
            .iter()
            .copied()
            .chain(self.version)
            .collect()
    }

    /// `col = <placeholder>` for each of `cols`, bound by the caller, then
    /// the default filter `dflt`.
    fn where_params<'a>(&self, cols: &[usize], dflt: Option<&'a Cond>) -> Vec<Filter<'a>> {
        cols.iter()
            .map(|&i| {
                Filter::Param(crate::expr::ColRef {
                    table: None,
                    name: self.columns[i].name.into(),
                })
            })
            .chain(dflt.map(Filter::Cond))
            .collect()
    }

    /// The INSERT of `rows` records' columns (all, or all but the key), an
    /// upsert on the key when `upsert`, returning the generated key when
    /// `returning`; the values are bound by the caller.
    fn insert_sql(
        &self,
        conn: &Connection,
        with_key: bool,
        rows: usize,
        upsert: bool,
        returning: bool,
    ) -> Result<String> {
        let mut b = SqlBuilder::new(conn.dialect());
        compile::insert(
            &mut b,
            &Insert {
                table: self.name,
                columns: self.insert_columns(with_key).collect(),
                rows: Rows::Placeholders(rows),
                upsert_key: upsert.then(|| self.key_names()),
                returning: returning.then(|| {
                    if self.columns[self.key_index].auto_increment {
                        Returning::GeneratedKey(self.key())
                    } else {
                        Returning::Column(self.key())
                    }
                }),
            },
        )?;
        Ok(b.sql)
    }

    /// The UPDATE of the columns `set` of the row found by `tail` (key and
    /// version), the version bumped, with the default filter `dflt`.
    fn update_sql(
        &self,
        dialect: &dyn crate::dialect::Dialect,
        set: &[usize],
        tail: &[usize],
        dflt: Option<&Cond>,
    ) -> Result<(String, Vec<Value>)> {
        let mut b = SqlBuilder::new(dialect);
        compile::update(
            &mut b,
            &Update {
                table: self.name,
                set: Set::Placeholders(self.names(set)),
                bump: self.version.map(|i| self.columns[i].name),
                filter: self.where_params(tail, dflt),
            },
        )?;
        Ok(b.finish())
    }

    /// The DELETE of the row found by `tail`, with the default filter
    /// `dflt`.
    fn delete_sql(
        &self,
        dialect: &dyn crate::dialect::Dialect,
        tail: &[usize],
        dflt: Option<&Cond>,
    ) -> Result<(String, Vec<Value>)> {
        let mut b = SqlBuilder::new(dialect);
        compile::delete(
            &mut b,
            &Delete {
                table: self.name,
                filter: self.where_params(tail, dflt),
            },
        )?;
        Ok(b.finish())
    }
}

/// Which columns of a record are bound.
#[derive(Clone, Copy)]
enum Cols<'a> {
    All,
    AllButKey,
    List(&'a [usize]),
}

impl Cols<'_> {
    fn len(self, t: &TableMeta) -> usize {
        match self {
            Cols::All => t.columns.len(),
            Cols::AllButKey => t.columns.len() - 1,
            Cols::List(l) => l.len(),
        }
    }

    fn index(self, t: &TableMeta, i: usize) -> usize {
        match self {
            Cols::All => i,
            Cols::AllButKey if i >= t.key_index => i + 1,
            Cols::AllButKey => i,
            Cols::List(l) => l[i],
        }
    }
}

/// The records whose fields a statement binds when there are several: a
/// chunk of `insert_all`'s (kept as `&M`, half the size of `&dyn Fields`).
/// One record is read through [`Source::One`].
trait Records {
    /// How many records.
    fn count(&self) -> usize;
    /// Column `column` of record `row`.
    fn cell(&self, row: usize, column: usize) -> ValueRef<'_>;
}

/// Where [`RecordParams`] reads the fields: one record, read directly
/// (one trait object less per value than through [`Records`]: a `save` of
/// two columns about 25 instructions less, callgrind), or a chunk.
#[derive(Clone, Copy)]
enum Source<'a> {
    One(&'a dyn Fields),
    Many(&'a dyn Records),
}

/// A chunk of `insert_all` whose records are all of one kind: the slice
/// itself.
struct Slice<'a, M>(&'a [M]);

impl<M: Model> Records for Slice<'_, M> {
    fn count(&self) -> usize {
        self.0.len()
    }
    fn cell(&self, row: usize, column: usize) -> ValueRef<'_> {
        self.0[row].column_ref(column)
    }
}

/// A chunk of `insert_all`: one call per value, the model's field read
/// directly.
impl<M: Model> Records for &[&M] {
    fn count(&self) -> usize {
        self.len()
    }
    fn cell(&self, row: usize, column: usize) -> ValueRef<'_> {
        self[row].column_ref(column)
    }
}

/// Records' fields as statement parameters, read in place: row after row,
/// the chosen columns (a stamp in `stamps` bound instead of its field),
/// then the `tail` columns (the WHERE's key and version) as they are.
struct RecordParams<'a> {
    table: &'static TableMeta,
    records: Source<'a>,
    cols: Cols<'a>,
    tail: &'a [usize],
    stamps: &'a [(usize, Value)],
    /// The chosen columns per record, and the parameters per record.
    width: usize,
    per_row: usize,
    /// `records.count()`, asked once: every parameter's lookup needs it.
    count: usize,
}

impl Params for RecordParams<'_> {
    fn len(&self) -> usize {
        self.count * self.per_row
    }

    fn get(&self, idx: usize) -> ValueRef<'_> {
        let (row, column, stamped) = self.locate(idx);
        self.value(row, column, stamped)
    }

    fn target(&self, idx: usize) -> Option<(&'static str, &'static ColumnDef)> {
        let (_, column, _) = self.locate(idx);
        self.target_of(column)
    }

    /// Row after row, without locating each index; the source of the
    /// fields matched once, not per value.
    fn each<'v>(&'v self, f: &mut EachParam<'_, 'v>) -> Result<()> {
        match self.records {
            Source::One(rec) => self.each_of(f, |_, column| rec.cell(column)),
            Source::Many(r) => self.each_of(f, |row, column| r.cell(row, column)),
        }
    }
}

impl<'a> RecordParams<'a> {
    /// The columns `cols` of `records`, then the `tail` columns.
    fn new(
        table: &'static TableMeta,
        records: Source<'a>,
        cols: Cols<'a>,
        tail: &'a [usize],
        stamps: &'a [(usize, Value)],
    ) -> Self {
        let width = cols.len(table);
        RecordParams {
            table,
            records,
            cols,
            tail,
            stamps,
            width,
            per_row: width + tail.len(),
            count: match records {
                Source::One(_) => 1,
                Source::Many(r) => r.count(),
            },
        }
    }

    /// The columns `cols` of `records`, nothing after them.
    fn rows(
        table: &'static TableMeta,
        records: Source<'a>,
        cols: Cols<'a>,
        stamps: &'a [(usize, Value)],
    ) -> Self {
        Self::new(table, records, cols, &[], stamps)
    }

    /// [`Params::each`] with `cell` reading column `column` of record
    /// `row`.
    #[inline(always)]
    fn each_of<'v>(
        &'v self,
        f: &mut EachParam<'_, 'v>,
        cell: impl Fn(usize, usize) -> ValueRef<'v>,
    ) -> Result<()> {
        let mut idx = 0;
        for row in 0..self.count {
            for i in 0..self.width {
                let column = self.cols.index(self.table, i);
                let value = self.value_of(column, true, || cell(row, column));
                f(idx, value, self.target_of(column))?;
                idx += 1;
            }
            for &column in self.tail {
                let value = self.value_of(column, false, || cell(row, column));
                f(idx, value, self.target_of(column))?;
                idx += 1;
            }
        }
        Ok(())
    }

    /// Column `column` of record `row`: its field, or the stamp bound
    /// instead (`stamped`: a chosen column, not a tail one).
    #[inline(always)]
    fn value(&self, row: usize, column: usize, stamped: bool) -> ValueRef<'_> {
        self.value_of(column, stamped, || match self.records {
            Source::One(rec) => rec.cell(column),
            Source::Many(r) => r.cell(row, column),
        })
    }

    /// [`value`](Self::value), the field read by `field`.
    #[inline(always)]
    fn value_of<'v>(
        &'v self,
        column: usize,
        stamped: bool,
        field: impl FnOnce() -> ValueRef<'v>,
    ) -> ValueRef<'v> {
        if stamped && !self.stamps.is_empty() {
            if let Some((_, v)) = self.stamps.iter().find(|(i, _)| *i == column) {
                return v.as_ref();
            }
        }
        let value = field();
        // Decimals are written at their column's declared scale (123.4 as
        // 123.40). One with more places is sent as it is, for the dialect's
        // value check to refuse rather than round.
        #[cfg(feature = "decimal")]
        if let (ValueRef::Decimal(d), crate::value::SqlType::Decimal(p, scale)) =
            (value, self.table.columns[column].sql_type)
        {
            if (p, scale) != (0, 0) && d.scale() <= u32::from(scale) {
                return ValueRef::Decimal(crate::types::decimal::at_scale(d, scale));
            }
        }
        value
    }

    fn target_of(&self, column: usize) -> Option<(&'static str, &'static ColumnDef)> {
        let t = self.table;
        t.columns.get(column).map(|c| (t.name, c))
    }

    /// The record, the column of parameter `idx`, and whether a stamp may
    /// replace it (it is not in the tail).
    #[inline]
    fn locate(&self, idx: usize) -> (usize, usize, bool) {
        let (row, i) = if self.count == 1 {
            (0, idx)
        } else {
            (idx / self.per_row, idx % self.per_row)
        };
        match i.checked_sub(self.width) {
            None => (row, self.cols.index(self.table, i), true),
            Some(t) => (row, self.tail[t], false),
        }
    }
}

/// Two parameter lists, one after the other: a record's fields, then the
/// values of a default filter.
struct Chain<'a>(&'a dyn Params, &'a [Value]);

impl Params for Chain<'_> {
    fn len(&self) -> usize {
        self.0.len() + self.1.len()
    }
    fn get(&self, idx: usize) -> ValueRef<'_> {
        match idx.checked_sub(self.0.len()) {
            None => self.0.get(idx),
            Some(i) => self.1[i].as_ref(),
        }
    }
    fn target(&self, idx: usize) -> Option<(&'static str, &'static ColumnDef)> {
        (idx < self.0.len()).then(|| self.0.target(idx)).flatten()
    }
    fn each<'v>(&'v self, f: &mut EachParam<'_, 'v>) -> Result<()> {
        self.0.each(f)?;
        let at = self.0.len();
        for (i, v) in self.1.iter().enumerate() {
            f(at + i, v.as_ref(), None)?;
        }
        Ok(())
    }
}

/// Whether the INSERT of `rec` leaves the key to the database: an unset
/// generated integer key, or an unset key its column's default makes
/// (`#[db(default = random_uuid)]`).
fn generates_key(t: &TableMeta, rec: &dyn Fields) -> bool {
    let key = &t.columns[t.key_index];
    (key.auto_increment || crate::model::key_by_default(key)) && rec.key_is_unset()
}

/// Refuses, before anything is sent, to insert records whose key a column
/// default should make (`#[db(default = random_uuid)]`) on a dialect that
/// makes none.
///
/// Inline: a key no column default makes (the usual one) is decided at the
/// call.
#[inline]
fn check_key_default(t: &TableMeta, conn: &Connection) -> Result<()> {
    if crate::model::key_by_default(&t.columns[t.key_index]) {
        return check_random_uuid(t, conn);
    }
    Ok(())
}

/// [`check_key_default`] for a key a column default makes.
fn check_random_uuid(t: &TableMeta, conn: &Connection) -> Result<()> {
    if conn.dialect().random_uuid().is_none() {
        return Err(crate::dialect::no_random_uuid(
            conn.dialect(),
            &format!("{}.{}", t.name, t.columns[t.key_index].name),
        ));
    }
    Ok(())
}

/// Compiles a record's statement with a default filter: SQL and the
/// filter's values.
type Render<'a> = dyn Fn(Option<&Cond>) -> Result<(String, Vec<Value>)> + 'a;

/// Runs a statement on one record's row of `table`: `render` compiles it
/// with the default filter `dflt`, whose values are bound after the
/// record's `params`; without a default filter its SQL is cached as
/// `shape`.
fn execute_keyed(
    conn: &Connection,
    table: &'static crate::query::TableMeta,
    params: &dyn Params,
    dflt: Option<Cond>,
    shape: Option<Shape>,
    render: &Render<'_>,
) -> Result<u64> {
    match (dflt, shape) {
        (Some(f), _) => {
            let (sql, all) = render(Some(&f))?;
            conn.execute_prepared(&sql, &Chain(params, &all[params.len()..]))
        }
        (None, Some(shape)) => {
            let sql = table
                .cache
                .get_or_build(shape, conn.dialect(), &mut || Ok(render(None)?.0))?;
            conn.execute_prepared(&sql, params)
        }
        (None, None) => conn.execute_prepared(&render(None)?.0, params),
    }
}

fn insert(conn: &Connection, t: &'static TableMeta, rec: &mut dyn Fields) -> Result<()> {
    let generated = generates_key(t, rec);
    if generated {
        check_key_default(t, conn)?;
    }
    let dialect = conn.dialect();
    let shape = if generated {
        Shape::Insert
    } else {
        Shape::InsertWithKey
    };
    let sql = t.cache.get_or_build(shape, dialect, &mut || {
        t.insert_sql(conn, !generated, 1, false, generated)
    })?;
    let stamps = lifecycle::insert_stamps(t, conn);
    let cols = if generated {
        Cols::AllButKey
    } else {
        Cols::All
    };
    let no_key = || {
        Error::invalid(format!(
            "the database reported no generated key for {}",
            t.name
        ))
    };
    if generated && !t.columns[t.key_index].auto_increment {
        // A key the column's default made: the row `RETURNING` gives back.
        let key = conn.query_first_map(
            &sql,
            &RecordParams::rows(t, Source::One(&*rec), cols, &stamps),
            |row| Ok(row.get_ref(0)?.to_owned()),
        )?;
        rec.put(t.key_index, &key.ok_or_else(no_key)?)?;
        return lifecycle::apply(t, rec, &stamps, false);
    }
    let key = conn.insert_prepared(
        &sql,
        &RecordParams::rows(t, Source::One(&*rec), cols, &stamps),
        GeneratedKey::of(dialect, generated),
    )?;
    if generated {
        rec.put_generated_key(key.ok_or_else(no_key)?)?;
    }
    lifecycle::apply(t, rec, &stamps, false)
}

/// One UPDATE of a record's row, found by key (and version): the columns
/// `set` bound from the record, `stamps` instead of their fields, the
/// version incremented, the default filter of `deleted` applied (its SQL
/// cached as `shape` when there is none). On success the stamps and the
/// new version are written into the record; when no row matched, the
/// error says whether the version moved ([`Error::StaleRecord`]) or the row
/// is gone ([`Error::NotFound`]), and the record is unchanged.
fn write_record(
    conn: &Connection,
    t: &'static TableMeta,
    rec: &mut dyn Fields,
    set: &[usize],
    stamps: &[(usize, Value)],
    deleted: Deleted,
    shape: Option<Shape>,
) -> Result<()> {
    let tail = t.where_columns();
    let dialect = conn.dialect();
    let render = |dflt: Option<&Cond>| t.update_sql(dialect, set, &tail, dflt);
    let one: &dyn Fields = &*rec;
    let params = RecordParams::new(t, Source::One(one), Cols::List(set), &tail, stamps);
    let dflt = lifecycle::filter_of(t, deleted);
    if execute_keyed(conn, t, &params, dflt, shape, &render)? == 0 {
        return Err(lifecycle::no_row(conn, t, rec, deleted)?);
    }
    lifecycle::apply(t, rec, stamps, t.version.is_some())
}

/// The DELETE of a record's row, found by key (and version), with the
/// default filter of `deleted`; whether there was one. A version that
/// moved is [`Error::StaleRecord`], and nothing is deleted.
fn delete_record(
    conn: &Connection,
    t: &'static TableMeta,
    rec: &mut dyn Fields,
    deleted: Deleted,
) -> Result<bool> {
    let tail = t.where_columns();
    let dialect = conn.dialect();
    let render = |dflt: Option<&Cond>| t.delete_sql(dialect, &tail, dflt);
    let one: &dyn Fields = &*rec;
    let params = RecordParams::new(t, Source::One(one), Cols::List(&[]), &tail, &[]);
    let dflt = lifecycle::filter_of(t, deleted);
    let n = execute_keyed(conn, t, &params, dflt, Some(Shape::Delete), &render)?;
    if n == 0 {
        return match lifecycle::no_row(conn, t, rec, deleted)? {
            e @ Error::StaleRecord { .. } => Err(e),
            _ => Ok(false),
        };
    }
    if let Some(s) = rec.saved_mut() {
        s.clear();
    }
    Ok(true)
}

/// [`write_record`], `Ok(false)` when the row is not there.
fn write_if_there(
    conn: &Connection,
    t: &'static TableMeta,
    rec: &mut dyn Fields,
    stamps: &[(usize, Value)],
    deleted: Deleted,
) -> Result<bool> {
    let set: Vec<usize> = stamps.iter().map(|(i, _)| *i).collect();
    match write_record(conn, t, rec, &set, stamps, deleted, None) {
        Ok(()) => {
            refresh_snapshot(t, rec);
            Ok(true)
        }
        Err(Error::NotFound { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

fn update(conn: &Connection, t: &'static TableMeta, rec: &mut dyn Fields) -> Result<()> {
    let changed = rec
        .saved()
        .and_then(|s| s.changed_columns(t.columns.len(), &|i| rec.cell(i)));
    let shape = changed.is_none().then_some(Shape::UpdateAll);
    let mut set = t.written(changed);
    if set.is_empty() {
        return Ok(());
    }
    let stamps: Vec<(usize, Value)> = lifecycle::update_stamp(t, conn, &lifecycle::now, &|_| false)
        .into_iter()
        .collect();
    for (i, _) in &stamps {
        if !set.contains(i) {
            set.push(*i);
        }
    }
    write_record(conn, t, rec, &set, &stamps, Deleted::Exclude, shape)
}

fn upsert(conn: &Connection, t: &'static TableMeta, rec: &mut dyn Fields) -> Result<()> {
    let dialect = conn.dialect();
    // The record's columns are bound in declaration order.
    let sql = t.cache.get_or_build(Shape::Upsert, dialect, &mut || {
        t.insert_sql(conn, true, 1, true, false)
    })?;
    let stamps = lifecycle::insert_stamps(t, conn);
    let one: &dyn Fields = &*rec;
    conn.execute_prepared(
        &sql,
        &RecordParams::rows(t, Source::One(one), Cols::All, &stamps),
    )?;
    lifecycle::apply(t, rec, &stamps, false)
}

/// Takes a new snapshot of a record that keeps one.
fn refresh_snapshot(t: &TableMeta, rec: &mut dyn Fields) {
    if rec.saved().is_some() {
        let snap = Snapshot::capture_columns(t.columns.len(), &|i| rec.cell(i));
        if let Some(s) = rec.saved_mut() {
            *s = snap;
        }
    }
}

/// Instance methods of every model: save, delete and
/// update a record directly.
///
/// Lifecycle columns (see the crate documentation): every INSERT sets
/// `#[db(created_at)]` and `#[db(updated_at)]` to the clock, every UPDATE
/// sets `#[db(updated_at)]` (both written into the record too; opt out with
/// [`Connection::without_timestamps`]); every UPDATE and DELETE of a record
/// with a `#[db(version)]` column checks it (`WHERE key = ? AND version =
/// ?`) and increments it (`SET version = version + 1`), and fails with
/// [`Error::StaleRecord`], writing nothing, when another write changed the
/// row since the record was read; on a `#[db(soft_delete)]` model,
/// [`delete`](Self::delete) sets the soft-delete column instead of
/// deleting. A failed write leaves the record as it was.
pub trait Record: Model {
    /// Inserts the record if it is new (its generated key unset, or not yet
    /// saved per its [`Snapshot`]), writing the generated key back; otherwise
    /// updates it (only the changed columns when the model has a
    /// [`Snapshot`] field, all non-key columns otherwise; nothing at all when
    /// nothing changed). A record with a user-supplied key and no snapshot is
    /// upserted. Updating a record whose row is gone (or soft-deleted) is
    /// [`Error::NotFound`]; one whose version moved, [`Error::StaleRecord`].
    ///
    /// ```
    /// # use orm::prelude::*;
    /// use chrono::{DateTime, Utc};
    /// #[derive(Model, Debug, Clone, Default)]
    /// struct Page {
    ///     id: i64,
    ///     title: String,
    ///     #[db(created_at)]
    ///     created_at: DateTime<Utc>,
    ///     #[db(updated_at)]
    ///     updated_at: Option<DateTime<Utc>>,
    ///     #[db(version)]
    ///     version: i32,
    /// }
    /// let conn = Connection::open("sqlite::memory:")?;
    /// conn.sync::<Page>()?;
    /// let mut page = Page { title: "draft".into(), ..Default::default() };
    /// page.save(&conn)?;                      // created_at = updated_at = now
    /// assert_eq!(page.updated_at, Some(page.created_at));
    ///
    /// let mut other = Pages::find(&conn, page.id)?;   // a second copy
    /// page.title = "final".into();
    /// page.save(&conn)?;                      // .. WHERE id = ? AND version = 0
    /// assert_eq!(page.version, 1);
    /// other.title = "lost update".into();
    /// assert!(matches!(other.save(&conn), Err(Error::StaleRecord { .. })));
    /// assert_eq!(Pages::find(&conn, page.id)?.title, "final");
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn save(&mut self, conn: &Connection) -> Result<()> {
        let new = self.is_new();
        let (before, after): (&[Hook], &[Hook]) = match new {
            Some(true) => (CREATE.0, CREATE.1),
            Some(false) => (UPDATE.0, UPDATE.1),
            None => (&[Hook::BeforeSave], &[Hook::AfterSave]),
        };
        let key = if const { Self::HOOKS.is_some() } && new == Some(true) {
            Some(self.column_value(Self::KEY_INDEX))
        } else {
            None
        };
        // Whether the struct has a snapshot is known here, from its type:
        // a record without one is not asked through `dyn Fields`.
        let tracked = self.snapshot().is_some();
        let res = hooked_write(conn, self, before, after, |conn, rec| {
            match new {
                Some(true) => insert(conn, Self::table(), rec)?,
                Some(false) => update(conn, Self::table(), rec)?,
                None => upsert(conn, Self::table(), rec)?,
            }
            if tracked {
                refresh_snapshot(Self::table(), rec);
            }
            Ok(())
        });
        // A hooked insert rolled back: the record is new again.
        if let (Err(_), Some(k)) = (&res, key) {
            self.set_column(Self::KEY_INDEX, &k)?;
        }
        res
    }

    /// Inserts the record, even if its key is set.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct User { id: i64, name: String, age: i32, posts: HasMany<Post> }
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct Post { id: i64, user_id: i64, title: String, user: BelongsTo<User> }
    /// # let conn = Connection::open("sqlite::memory:")?;
    /// # conn.apply(&conn.schema_plan::<(User, Post)>()?)?;
    /// # for (name, age) in [("ann", 31), ("bob", 25), ("cid", 40)] {
    /// #     let mut u = User { name: name.into(), age, ..Default::default() };
    /// #     u.save(&conn)?;
    /// #     let mut p = Post { user_id: u.id, title: format!("{name}'s post"), ..Default::default() };
    /// #     p.save(&conn)?;
    /// # }
    /// let mut dee = User { name: "dee".into(), age: 22, ..Default::default() };
    /// dee.insert(&conn)?;
    /// assert_eq!(dee.id, 4, "the generated key is written back");
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn insert(&mut self, conn: &Connection) -> Result<()> {
        hooked_write(conn, self, CREATE.0, CREATE.1, |conn, rec| {
            insert(conn, Self::table(), rec)?;
            refresh_snapshot(Self::table(), rec);
            Ok(())
        })
    }

    /// Deletes the record's row; returns whether there was one (a row the
    /// default filter hides, or already soft-deleted, is not there). On a
    /// soft-deleting model (`#[db(soft_delete)]`) the row is kept and its
    /// soft-delete column set to the clock, in the database and in the
    /// record (with `updated_at`; see [`hard_delete`](Self::hard_delete) for
    /// the real DELETE). With a `#[db(version)]` column, a record whose row
    /// changed since it was read is [`Error::StaleRecord`].
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct User { id: i64, name: String, age: i32, posts: HasMany<Post> }
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct Post { id: i64, user_id: i64, title: String, user: BelongsTo<User> }
    /// # let conn = Connection::open("sqlite::memory:")?;
    /// # conn.apply(&conn.schema_plan::<(User, Post)>()?)?;
    /// # for (name, age) in [("ann", 31), ("bob", 25), ("cid", 40)] {
    /// #     let mut u = User { name: name.into(), age, ..Default::default() };
    /// #     u.save(&conn)?;
    /// #     let mut p = Post { user_id: u.id, title: format!("{name}'s post"), ..Default::default() };
    /// #     p.save(&conn)?;
    /// # }
    /// let mut post = Posts::find(&conn, 1)?;
    /// assert!(post.delete(&conn)?);
    /// assert!(!post.delete(&conn)?, "already gone");
    /// assert_eq!(Posts::count(&conn)?, 2);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn delete(&mut self, conn: &Connection) -> Result<bool> {
        hooked_write(conn, self, DELETE.0, DELETE.1, |conn, rec| {
            let Some(soft) = Self::SOFT_DELETE else {
                return delete_record(conn, Self::table(), rec, Deleted::Exclude);
            };
            let t = Self::table();
            let now = lifecycle::now();
            let mut stamps = vec![lifecycle::stamp_of(t, soft, now)];
            stamps.extend(lifecycle::update_stamp(t, conn, &|| now, &|_| false));
            write_if_there(conn, t, rec, &stamps, Deleted::Exclude)
        })
    }

    /// Deletes the record's row with a real DELETE, also when it is
    /// soft-deleted; returns whether there was one. The model's own default
    /// filter still applies, and so does the version check. The same as
    /// [`delete`](Self::delete) on a model without soft delete.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct Note {
    /// #     id: i64,
    /// #     body: String,
    /// #     #[db(updated_at)]
    /// #     updated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// #     #[db(soft_delete)]
    /// #     deleted_at: Option<chrono::DateTime<chrono::Utc>>,
    /// # }
    /// # let conn = Connection::open("sqlite::memory:")?;
    /// # conn.sync::<Note>()?;
    /// # for body in ["a", "b"] {
    /// #     Note { body: body.into(), ..Default::default() }.save(&conn)?;
    /// # }
    /// let mut a = Notes::order("id").first(&conn)?.unwrap();
    /// a.hard_delete(&conn)?;
    /// assert_eq!(Notes::all().with_deleted().count(&conn)?, 1);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn hard_delete(&mut self, conn: &Connection) -> Result<bool> {
        hooked_write(conn, self, DELETE.0, DELETE.1, |conn, rec| {
            delete_record(conn, Self::table(), rec, Deleted::Include)
        })
    }

    /// Undoes a soft delete: sets the soft-delete column back to NULL (and
    /// `updated_at`), in the database and in the record; returns whether
    /// the row was soft-deleted. Compiles only for soft-deleting models.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct Note {
    /// #     id: i64,
    /// #     body: String,
    /// #     #[db(updated_at)]
    /// #     updated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// #     #[db(soft_delete)]
    /// #     deleted_at: Option<chrono::DateTime<chrono::Utc>>,
    /// # }
    /// # let conn = Connection::open("sqlite::memory:")?;
    /// # conn.sync::<Note>()?;
    /// # for body in ["a", "b"] {
    /// #     Note { body: body.into(), ..Default::default() }.save(&conn)?;
    /// # }
    /// let mut a = Notes::order("id").first(&conn)?.unwrap();
    /// a.delete(&conn)?;
    /// assert_eq!(Notes::count(&conn)?, 1);
    /// assert!(a.restore(&conn)?);
    /// assert_eq!(Notes::count(&conn)?, 2);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn restore(&mut self, conn: &Connection) -> Result<bool>
    where
        Self: SoftDelete,
    {
        let Some(soft) = Self::SOFT_DELETE else {
            return Ok(false);
        };
        hooked_write(conn, self, UPDATE.0, UPDATE.1, |conn, rec| {
            let t = Self::table();
            let mut stamps = vec![(soft, Value::Null)];
            stamps.extend(lifecycle::update_stamp(t, conn, &lifecycle::now, &|_| {
                false
            }));
            write_if_there(conn, t, rec, &stamps, Deleted::Only)
        })
    }

    /// Sets the `#[db(updated_at)]` column to the clock, in the database and
    /// in the record, and nothing else (a version is incremented too). A
    /// row that is gone is [`Error::NotFound`]. Stamps even under
    /// [`Connection::without_timestamps`]: it is asked for. Compiles only
    /// for models with an `updated_at` column.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct Note {
    /// #     id: i64,
    /// #     body: String,
    /// #     #[db(updated_at)]
    /// #     updated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// #     #[db(soft_delete)]
    /// #     deleted_at: Option<chrono::DateTime<chrono::Utc>>,
    /// # }
    /// # let conn = Connection::open("sqlite::memory:")?;
    /// # conn.sync::<Note>()?;
    /// # for body in ["a", "b"] {
    /// #     Note { body: body.into(), ..Default::default() }.save(&conn)?;
    /// # }
    /// let mut a = Notes::order("id").first(&conn)?.unwrap();
    /// let before = a.updated_at;
    /// std::thread::sleep(std::time::Duration::from_millis(2));
    /// a.touch(&conn)?;
    /// assert!(a.updated_at > before);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn touch(&mut self, conn: &Connection) -> Result<()>
    where
        Self: Timestamped,
    {
        let Some(u) = Self::UPDATED_AT else {
            return Ok(());
        };
        hooked_write(conn, self, UPDATE.0, UPDATE.1, |conn, rec| {
            let t = Self::table();
            let stamps = [lifecycle::stamp_of(t, u, lifecycle::now())];
            write_record(conn, t, rec, &[u], &stamps, Deleted::Exclude, None)?;
            refresh_snapshot(t, rec);
            Ok(())
        })
    }

    /// Sets one column in the database and in this record (with the
    /// lifecycle columns, as [`update_attributes`](Self::update_attributes)).
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct User { id: i64, name: String, age: i32, posts: HasMany<Post> }
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct Post { id: i64, user_id: i64, title: String, user: BelongsTo<User> }
    /// # let conn = Connection::open("sqlite::memory:")?;
    /// # conn.apply(&conn.schema_plan::<(User, Post)>()?)?;
    /// # for (name, age) in [("ann", 31), ("bob", 25), ("cid", 40)] {
    /// #     let mut u = User { name: name.into(), age, ..Default::default() };
    /// #     u.save(&conn)?;
    /// #     let mut p = Post { user_id: u.id, title: format!("{name}'s post"), ..Default::default() };
    /// #     p.save(&conn)?;
    /// # }
    /// let mut bob = Users::find(&conn, 2)?;
    /// bob.update_attribute(&conn, Users::AGE, 26)?;
    /// assert_eq!(bob.age, 26);
    /// assert_eq!(Users::find(&conn, 2)?.age, 26);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn update_attribute<T: ToValue>(
        &mut self,
        conn: &Connection,
        column: Column<Self, T>,
        value: impl Into<T>,
    ) -> Result<()> {
        let value = value.into().to_value();
        let assignment = column.set(Value::clone(&value));
        self.update_attributes(conn, [assignment])
    }

    /// Sets several columns (`[Users::NAME.set("x"), ..]`) in the database
    /// and in this record. When an assignment is a formula, the record is
    /// reloaded to read what the database computed. `updated_at` is set to
    /// the clock unless assigned here; a version is checked and incremented
    /// unless assigned here ([`Error::StaleRecord`] when it moved).
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct User { id: i64, name: String, age: i32, posts: HasMany<Post> }
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct Post { id: i64, user_id: i64, title: String, user: BelongsTo<User> }
    /// # let conn = Connection::open("sqlite::memory:")?;
    /// # conn.apply(&conn.schema_plan::<(User, Post)>()?)?;
    /// # for (name, age) in [("ann", 31), ("bob", 25), ("cid", 40)] {
    /// #     let mut u = User { name: name.into(), age, ..Default::default() };
    /// #     u.save(&conn)?;
    /// #     let mut p = Post { user_id: u.id, title: format!("{name}'s post"), ..Default::default() };
    /// #     p.save(&conn)?;
    /// # }
    /// let mut bob = Users::find(&conn, 2)?;
    /// bob.update_attributes(&conn, [Users::NAME.set("rob"), Users::AGE.set(26)])?;
    /// assert_eq!((bob.name.as_str(), bob.age), ("rob", 26));
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn update_attributes(
        &mut self,
        conn: &Connection,
        assignments: impl IntoIterator<Item = Assignment>,
    ) -> Result<()> {
        let list: Vec<Assignment> = assignments.into_iter().collect();
        if list.is_empty() {
            return Ok(());
        }
        hooked_write(conn, self, UPDATE.0, UPDATE.1, |conn, rec| {
            let key = rec.key();
            let mut scope = Scope::<Self>::default()
                .filter(crate::scope::Query::key_cond(Self::table(), key.to_value()));
            // This record's hooks run around the write.
            scope.q.skip_hooks = true;
            if let Some((i, v)) = lifecycle::version_of(Self::table(), rec) {
                scope = scope.filter(crate::cond::col(Self::COLUMNS[i].name).eq(v));
            }
            let (changed, stamp) = scope.run_update_stamped(conn, &list)?;
            if changed == 0 {
                return Err(lifecycle::no_row(
                    conn,
                    Self::table(),
                    rec,
                    Deleted::Exclude,
                )?);
            }
            let mut reload = false;
            let mut bumped = Self::VERSION.is_some();
            for a in &list {
                let idx = a
                    .index
                    .or_else(|| Self::COLUMNS.iter().position(|c| c.name == a.column));
                bumped &= idx != Self::VERSION;
                match (idx, &a.value) {
                    (Some(i), Expr::Value(v)) => rec.set_column(i, v)?,
                    _ => reload = true,
                }
            }
            lifecycle::apply(Self::table(), rec, stamp.as_slice(), bumped)?;
            if reload {
                *rec = Scope::<Self>::default().find(conn, key)?;
            }
            refresh_snapshot(Self::table(), rec);
            Ok(())
        })
    }

    /// Reads the record's row again (also when it is soft-deleted).
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct User { id: i64, name: String, age: i32, posts: HasMany<Post> }
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct Post { id: i64, user_id: i64, title: String, user: BelongsTo<User> }
    /// # let conn = Connection::open("sqlite::memory:")?;
    /// # conn.apply(&conn.schema_plan::<(User, Post)>()?)?;
    /// # for (name, age) in [("ann", 31), ("bob", 25), ("cid", 40)] {
    /// #     let mut u = User { name: name.into(), age, ..Default::default() };
    /// #     u.save(&conn)?;
    /// #     let mut p = Post { user_id: u.id, title: format!("{name}'s post"), ..Default::default() };
    /// #     p.save(&conn)?;
    /// # }
    /// let mut ann = Users::find(&conn, 1)?;
    /// Users::filter(Users::ID.eq(1)).update_attribute(&conn, Users::AGE, 32)?;
    /// ann.reload(&conn)?;
    /// assert_eq!(ann.age, 32);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn reload(&mut self, conn: &Connection) -> Result<()> {
        let mut scope = Scope::<Self>::default();
        scope.q.deleted = Deleted::Include;
        *self = scope.find(conn, self.key())?;
        Ok(())
    }
}

impl<M: Model> Record for M {}

/// The hooks around an insert, an update and a delete: before, after.
const CREATE: (&[Hook], &[Hook]) = (
    &[Hook::BeforeSave, Hook::BeforeCreate],
    &[Hook::AfterCreate, Hook::AfterSave],
);
const UPDATE: (&[Hook], &[Hook]) = (
    &[Hook::BeforeSave, Hook::BeforeUpdate],
    &[Hook::AfterUpdate, Hook::AfterSave],
);
const DELETE: (&[Hook], &[Hook]) = (&[Hook::BeforeDelete], &[Hook::AfterDelete]);

/// Runs `write` on `rec` between its `before` and `after` hooks, in a
/// transaction, and queues its `after_commit`; just `write` for a model
/// without hooks.
fn hooked_write<M: Model, T>(
    conn: &Connection,
    rec: &mut M,
    before: &[Hook],
    after: &[Hook],
    write: impl FnOnce(&Connection, &mut M) -> Result<T>,
) -> Result<T> {
    // A constant per model: for a model without hooks the compiler leaves
    // out the branch below, and with it the transaction and its closures
    // (6 of the 75 functions compiled per model in the compile-time
    // probe).
    if const { M::HOOKS.is_none() } {
        return write(conn, rec);
    }
    hooks::atomically::<M, _>(conn, |conn| {
        for h in before {
            hooks::run(rec, *h, conn)?;
        }
        let out = write(conn, rec)?;
        for h in after {
            hooks::run(rec, *h, conn)?;
        }
        hooks::written(rec, conn);
        Ok(out)
    })
}

/// The columns `save_all` restores when its transaction fails: the key and
/// the lifecycle columns it may have written into the records.
fn restored_columns<M: Model>() -> Vec<usize> {
    std::iter::once(M::KEY_INDEX)
        .chain(M::CREATED_AT)
        .chain(M::UPDATED_AT)
        .chain(M::VERSION)
        .collect()
}

/// Saves every record in one transaction: all or nothing. On failure the
/// records' keys, timestamps, versions and snapshots are restored to what
/// they were.
pub fn save_all<M: Model>(conn: &Connection, records: &mut [M]) -> Result<()> {
    let cols = restored_columns::<M>();
    let before: Vec<(Vec<Value>, Option<Snapshot>)> = records
        .iter()
        .map(|r| {
            let values = cols.iter().map(|&i| r.column_value(i)).collect();
            (values, r.snapshot().cloned())
        })
        .collect();
    let res = conn.transaction(|tx| {
        for r in records.iter_mut() {
            r.save(tx)?;
        }
        Ok(())
    });
    if res.is_err() {
        for (r, (values, snap)) in records.iter_mut().zip(before) {
            for (&i, v) in cols.iter().zip(&values) {
                r.set_column(i, v)?;
            }
            if let (Some(s), Some(old)) = (r.snapshot_mut(), snap) {
                *s = old;
            }
        }
    }
    res
}

/// The SQL of an `insert_all` statement of `rows` rows of table `t`, the
/// key given or not: one row's from the model's fixed shapes, more from its
/// last sized ones.
fn insert_rows_sql(
    conn: &Connection,
    t: &'static TableMeta,
    with_key: bool,
    rows: usize,
) -> Result<SqlText> {
    let build = || t.insert_sql(conn, with_key, rows, false, false);
    if rows == 1 {
        let shape = if with_key {
            Shape::InsertRowWithKey
        } else {
            Shape::InsertRow
        };
        let sql = t
            .cache
            .get_or_build(shape, conn.dialect(), &mut || build())?;
        return Ok(match sql {
            Cow::Borrowed(sql) => SqlText::Static(sql),
            Cow::Owned(sql) => SqlText::Fresh(sql),
        });
    }
    let shape = SizedShape::InsertRows { with_key, rows };
    t.cache
        .sized(conn.dialect(), shape, build)
        .map(SqlText::Cached)
}

/// The records of one `insert_all` statement group: the whole slice, or
/// those picked out of a slice that mixes records with a key to generate
/// and with one given.
enum Group<'a, M> {
    Whole(&'a [M]),
    Picked(Vec<&'a M>),
}

impl<M: Model> Group<'_, M> {
    fn len(&self) -> usize {
        match self {
            Group::Whole(r) => r.len(),
            Group::Picked(r) => r.len(),
        }
    }

    /// Calls `f` with each chunk of at most `size` records and its length.
    fn each_chunk(
        &self,
        size: usize,
        f: &mut dyn FnMut(&dyn Records, usize) -> Result<()>,
    ) -> Result<()> {
        match self {
            Group::Whole(r) => r.chunks(size).try_for_each(|c| f(&Slice(c), c.len())),
            Group::Picked(r) => r.chunks(size).try_for_each(|c| f(&c, c.len())),
        }
    }
}

/// Inserts every record with multi-row INSERT statements, as few as the
/// dialect's bind-parameter limit allows, in one transaction. Generated keys
/// are not written back (use [`save_all`] for that); returns the rows
/// inserted. The timestamps are one clock reading per statement (not
/// written into the records).
pub fn insert_all<M: Model>(conn: &Connection, records: &[M]) -> Result<u64> {
    if records.is_empty() {
        return Ok(0);
    }
    // A hooked model: each record is inserted on its own (a copy, the slice
    // being borrowed), so that each hook sees its record and its key.
    if let Some(mut copies) = hooks::copies(records) {
        return conn.transaction(|tx| {
            for c in &mut copies {
                c.insert(tx)?;
            }
            Ok(copies.len() as u64)
        });
    }
    // Records with a key to generate and with one given go in separate
    // statements; each group in chunks within the parameter limit. Usually
    // every record is of one kind: then the slice is the group, and nothing
    // is allocated.
    let t = M::table();
    let first = generates_key(t, &records[0]);
    let groups: [Group<'_, M>; 2] = if records[1..].iter().all(|r| generates_key(t, r) == first) {
        let (whole, none) = (Group::Whole(records), Group::Picked(Vec::new()));
        if first {
            [whole, none]
        } else {
            [none, whole]
        }
    } else {
        let mut picked: [Vec<&M>; 2] = [Vec::new(), Vec::new()];
        for r in records {
            picked[usize::from(!generates_key(t, r))].push(r);
        }
        picked.map(Group::Picked)
    };
    if groups[0].len() > 0 {
        check_key_default(t, conn)?;
    }
    // Records per statement within the parameter limit, by group (the
    // key left to the database, then given).
    let per_stmt = [false, true].map(|with_key| {
        match t.columns.len() - usize::from(!with_key) {
            // Rows of defaults only: one per statement.
            0 => 1,
            ncols => (conn.max_params() / ncols).max(1),
        }
    });
    let statements: usize = (0..2).map(|k| groups[k].len().div_ceil(per_stmt[k])).sum();
    let run = |conn: &Connection| -> Result<u64> {
        let mut total = 0;
        for with_key in [false, true] {
            let group = &groups[usize::from(with_key)];
            if group.len() == 0 {
                continue;
            }
            group.each_chunk(per_stmt[usize::from(with_key)], &mut |chunk, rows| {
                let sql = insert_rows_sql(conn, t, with_key, rows)?;
                let cols = if with_key { Cols::All } else { Cols::AllButKey };
                let stamps = lifecycle::insert_stamps(t, conn);
                total += conn.execute_prepared(
                    &sql,
                    &RecordParams::rows(t, Source::Many(chunk), cols, &stamps),
                )?;
                Ok(())
            })?;
        }
        Ok(total)
    };
    // One statement is atomic by itself: no BEGIN / COMMIT round trips.
    if statements == 1 {
        run(conn)
    } else {
        conn.transaction(|tx| run(tx))
    }
}
