//! Saving records: the doc's Mixin, as methods every model gets.

use crate::backend::{GeneratedKey, Params};
use crate::cond::Assignment;
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::expr::Expr;
use crate::model::{Column, ColumnDef, Model, Snapshot};
use crate::query::{compile, Delete, Filter, Insert, Rows, Set, Shape, Update};
use crate::scope::{Scope, Scoped};
use crate::sql::SqlBuilder;
use crate::value::{ToValue, Value, ValueRef};

fn key_name<M: Model>() -> &'static str {
    M::COLUMNS[M::KEY_INDEX].name
}

/// Which columns of a record are bound.
#[derive(Clone, Copy)]
enum Cols<'a> {
    All,
    AllButKey,
    List(&'a [usize]),
}

impl Cols<'_> {
    fn len<M: Model>(self) -> usize {
        match self {
            Cols::All => M::COLUMNS.len(),
            Cols::AllButKey => M::COLUMNS.len() - 1,
            Cols::List(l) => l.len(),
        }
    }

    fn index<M: Model>(self, i: usize) -> usize {
        match self {
            Cols::All => i,
            Cols::AllButKey if i >= M::KEY_INDEX => i + 1,
            Cols::AllButKey => i,
            Cols::List(l) => l[i],
        }
    }
}

/// Records' fields as statement parameters, read in place: row after row,
/// the chosen columns, then the key if `then_key`.
struct RecordParams<'a, M> {
    records: &'a [&'a M],
    cols: Cols<'a>,
    then_key: bool,
}

impl<M: Model> Params for RecordParams<'_, M> {
    fn len(&self) -> usize {
        self.records.len() * (self.cols.len::<M>() + usize::from(self.then_key))
    }

    fn get(&self, idx: usize) -> ValueRef<'_> {
        let (row, column) = self.locate(idx);
        let value = self.records[row].column_ref(column);
        // Decimals are written at their column's declared scale (123.4 as
        // 123.40). One with more places is sent as it is, for the dialect's
        // value check to refuse rather than round.
        #[cfg(feature = "decimal")]
        if let (ValueRef::Decimal(d), crate::value::SqlType::Decimal(p, scale)) =
            (value, M::COLUMNS[column].sql_type)
        {
            if (p, scale) != (0, 0) && d.scale() <= u32::from(scale) {
                return ValueRef::Decimal(crate::types::decimal::at_scale(d, scale));
            }
        }
        value
    }

    fn target(&self, idx: usize) -> Option<(&'static str, &'static ColumnDef)> {
        let (_, column) = self.locate(idx);
        M::COLUMNS.get(column).map(|c| (M::TABLE, c))
    }
}

impl<M: Model> RecordParams<'_, M> {
    /// The record and the column of parameter `idx`.
    fn locate(&self, idx: usize) -> (usize, usize) {
        let per_row = self.cols.len::<M>() + usize::from(self.then_key);
        let (row, i) = (idx / per_row, idx % per_row);
        let column = if i < self.cols.len::<M>() {
            self.cols.index::<M>(i)
        } else {
            M::KEY_INDEX
        };
        (row, column)
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
}

/// Whether the INSERT of `rec` leaves the key to the database.
fn generates_key<M: Model>(rec: &M) -> bool {
    M::COLUMNS[M::KEY_INDEX].auto_increment && rec.key_unset()
}

fn insert_columns<M: Model>(with_key: bool) -> impl Iterator<Item = (usize, &'static str)> {
    M::COLUMNS
        .iter()
        .enumerate()
        .filter(move |(i, _)| with_key || *i != M::KEY_INDEX)
        .map(|(i, c)| (i, c.name))
}

/// The INSERT of `rows` records' columns (all, or all but the key), an
/// upsert on the key when `upsert`, returning the generated key when
/// `returning`; the values are bound by the caller.
fn insert_sql<M: Model>(
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
            table: M::TABLE,
            columns: insert_columns::<M>(with_key).map(|(_, n)| n).collect(),
            rows: Rows::Placeholders(rows),
            upsert_key: upsert.then(key_name::<M>),
            returning: returning.then(key_name::<M>),
        },
    )?;
    Ok(b.sql)
}

/// `key = <placeholder>`, bound by the caller.
fn key_param<M: Model>() -> Filter<'static> {
    Filter::Param(crate::expr::ColRef {
        table: None,
        name: key_name::<M>().into(),
    })
}

fn insert<M: Model>(conn: &Connection, rec: &mut M) -> Result<()> {
    let generated = generates_key(rec);
    let dialect = conn.dialect();
    let shape = if generated {
        Shape::Insert
    } else {
        Shape::InsertWithKey
    };
    let sql = M::table().cache.get_or_build(shape, dialect, || {
        insert_sql::<M>(conn, !generated, 1, false, generated)
    })?;
    let params = RecordParams {
        records: &[&*rec],
        cols: if generated {
            Cols::AllButKey
        } else {
            Cols::All
        },
        then_key: false,
    };
    let key = conn.insert_prepared(&sql, &params, GeneratedKey::of(dialect, generated))?;
    if generated {
        let key = key.ok_or_else(|| {
            Error::invalid(format!(
                "the database reported no generated key for {}",
                M::TABLE
            ))
        })?;
        rec.set_generated_key(key)?;
    }
    Ok(())
}

fn update_columns<M: Model>(conn: &Connection, rec: &M, cols: Cols<'_>) -> Result<()> {
    let dialect = conn.dialect();
    let render = |dflt: Option<&crate::cond::Cond>| {
        let mut b = SqlBuilder::new(dialect);
        let mut filter = vec![key_param::<M>()];
        filter.extend(dflt.map(Filter::Cond));
        let set = (0..cols.len::<M>())
            .map(|n| M::COLUMNS[cols.index::<M>(n)].name)
            .collect();
        compile::update(
            &mut b,
            &Update {
                table: M::TABLE,
                set: Set::Placeholders(set),
                filter,
            },
        )?;
        Ok::<_, Error>(b.finish())
    };
    let params = RecordParams {
        records: &[rec],
        cols,
        then_key: true,
    };
    let changed = match M::default_filter() {
        // The default filter's values follow the record's.
        Some(f) => {
            let (sql, all) = render(Some(&f))?;
            let chained = Chain(&params, &all[params.len()..]);
            conn.execute_prepared(&sql, &chained)?
        }
        None => {
            let sql = match cols {
                Cols::AllButKey => {
                    M::table()
                        .cache
                        .get_or_build(Shape::UpdateAll, dialect, || Ok(render(None)?.0))?
                }
                _ => render(None)?.0.into(),
            };
            conn.execute_prepared(&sql, &params)?
        }
    };
    if changed == 0 {
        return Err(Error::NotFound {
            table: M::TABLE.to_owned(),
        });
    }
    Ok(())
}

fn update<M: Model>(conn: &Connection, rec: &M) -> Result<()> {
    match rec.snapshot().and_then(|s| s.changed(rec)) {
        Some(changed) => {
            let changed: Vec<usize> = changed.into_iter().filter(|&i| i != M::KEY_INDEX).collect();
            if changed.is_empty() {
                return Ok(());
            }
            update_columns(conn, rec, Cols::List(&changed))
        }
        None if M::COLUMNS.len() == 1 => Ok(()),
        None => update_columns(conn, rec, Cols::AllButKey),
    }
}

fn upsert<M: Model>(conn: &Connection, rec: &M) -> Result<()> {
    let dialect = conn.dialect();
    // The record's columns are bound in declaration order.
    let sql = M::table().cache.get_or_build(Shape::Upsert, dialect, || {
        insert_sql::<M>(conn, true, 1, true, false)
    })?;
    let params = RecordParams {
        records: &[rec],
        cols: Cols::All,
        then_key: false,
    };
    conn.execute_prepared(&sql, &params)?;
    Ok(())
}

fn refresh_snapshot<M: Model>(rec: &mut M) {
    if rec.snapshot().is_some() {
        let snap = Snapshot::capture(rec);
        if let Some(s) = rec.snapshot_mut() {
            *s = snap;
        }
    }
}

/// Instance methods of every model (the doc's Mixin): save, delete and
/// update a record directly.
pub trait Record: Model {
    /// Inserts the record if it is new (its generated key unset, or not yet
    /// saved per its [`Snapshot`]), writing the generated key back; otherwise
    /// updates it (only the changed columns when the model has a
    /// [`Snapshot`] field, all non-key columns otherwise; nothing at all when
    /// nothing changed). A record with a user-supplied key and no snapshot is
    /// upserted. Updating a record whose row is gone is
    /// [`Error::NotFound`].
    fn save(&mut self, conn: &Connection) -> Result<()> {
        match self.is_new() {
            Some(true) => insert(conn, self)?,
            Some(false) => update(conn, self)?,
            None => upsert(conn, self)?,
        }
        refresh_snapshot(self);
        Ok(())
    }

    /// Inserts the record, even if its key is set.
    fn insert(&mut self, conn: &Connection) -> Result<()> {
        insert(conn, self)?;
        refresh_snapshot(self);
        Ok(())
    }

    /// Deletes the record's row; returns whether there was one.
    fn delete(&mut self, conn: &Connection) -> Result<bool> {
        let dialect = conn.dialect();
        let key = self.key().to_value();
        let render = |dflt: Option<&crate::cond::Cond>| {
            let mut b = SqlBuilder::new(dialect);
            let mut filter = vec![key_param::<Self>()];
            filter.extend(dflt.map(Filter::Cond));
            compile::delete(
                &mut b,
                &Delete {
                    table: Self::TABLE,
                    filter,
                },
            )?;
            Ok::<_, Error>(b.finish())
        };
        let n = match Self::default_filter() {
            Some(f) => {
                let (sql, mut params) = render(Some(&f))?;
                params[0] = key;
                conn.execute_prepared(&sql, &params)?
            }
            None => {
                let sql = Self::table()
                    .cache
                    .get_or_build(Shape::Delete, dialect, || Ok(render(None)?.0))?;
                conn.execute_prepared(&sql, &[key])?
            }
        };
        if let Some(s) = self.snapshot_mut() {
            s.clear();
        }
        Ok(n > 0)
    }

    /// Sets one column in the database and in this record.
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
    /// reloaded to read what the database computed.
    fn update_attributes(
        &mut self,
        conn: &Connection,
        assignments: impl IntoIterator<Item = Assignment>,
    ) -> Result<()> {
        let list: Vec<Assignment> = assignments.into_iter().collect();
        let key = self.key();
        let scope = Scope::<Self>::default().filter(key_cond::<Self>(&key));
        if scope.update_attributes(conn, list.iter().cloned())? == 0 {
            return Err(Error::NotFound {
                table: Self::TABLE.to_owned(),
            });
        }
        let mut reload = false;
        for a in &list {
            let idx = a
                .index
                .or_else(|| Self::COLUMNS.iter().position(|c| c.name == a.column));
            match (idx, &a.value) {
                (Some(i), Expr::Value(v)) => self.set_column(i, v)?,
                _ => reload = true,
            }
        }
        if reload {
            *self = scope.find(conn, key)?;
        }
        refresh_snapshot(self);
        Ok(())
    }

    /// Reads the record's row again.
    fn reload(&mut self, conn: &Connection) -> Result<()> {
        *self = Scope::<Self>::default().find(conn, self.key())?;
        Ok(())
    }
}

impl<M: Model> Record for M {}

fn key_cond<M: Model>(key: &M::Key) -> crate::cond::Cond {
    crate::cond::col(key_name::<M>()).eq(key.to_value())
}

/// Saves every record in one transaction: all or nothing. On failure the
/// records' keys and snapshots are restored to what they were.
pub fn save_all<M: Model>(conn: &Connection, records: &mut [M]) -> Result<()> {
    let before: Vec<(M::Key, Option<Snapshot>)> = records
        .iter()
        .map(|r| (r.key(), r.snapshot().cloned()))
        .collect();
    let res = conn.transaction(|tx| {
        for r in records.iter_mut() {
            r.save(tx)?;
        }
        Ok(())
    });
    if res.is_err() {
        for (r, (key, snap)) in records.iter_mut().zip(before) {
            r.set_column(M::KEY_INDEX, &key.to_value())?;
            if let (Some(s), Some(old)) = (r.snapshot_mut(), snap) {
                *s = old;
            }
        }
    }
    res
}

/// Inserts every record with multi-row INSERT statements, as few as the
/// dialect's bind-parameter limit allows, in one transaction. Generated keys
/// are not written back (use [`save_all`] for that); returns the rows
/// inserted.
pub fn insert_all<M: Model>(conn: &Connection, records: &[M]) -> Result<u64> {
    if records.is_empty() {
        return Ok(0);
    }
    // Records with a key to generate and with one given go in separate
    // statements; each group in chunks within the parameter limit.
    let mut groups: [Vec<&M>; 2] = [Vec::new(), Vec::new()];
    for r in records {
        groups[usize::from(!generates_key(r))].push(r);
    }
    let per_stmt = |with_key: bool| {
        match insert_columns::<M>(with_key).count() {
            // Rows of defaults only: one per statement.
            0 => 1,
            ncols => (conn.dialect().max_params() / ncols).max(1),
        }
    };
    let statements: usize = [false, true]
        .iter()
        .map(|&k| groups[usize::from(k)].len().div_ceil(per_stmt(k)))
        .sum();
    let run = |conn: &Connection| -> Result<u64> {
        let mut total = 0;
        for with_key in [false, true] {
            let group = &groups[usize::from(with_key)];
            for chunk in group.chunks(per_stmt(with_key)) {
                let sql = insert_sql::<M>(conn, with_key, chunk.len(), false, false)?;
                let params = RecordParams {
                    records: chunk,
                    cols: if with_key { Cols::All } else { Cols::AllButKey },
                    then_key: false,
                };
                total += conn.execute_prepared(&sql, &params)?;
            }
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
