//! Includes (eager loading): one query per level and chunk of keys, keys
//! matched by value.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::cond::Cond;
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::expr::ColRef;
use crate::model::Model;
use crate::query::{compile, Filter, Item, Select, SizedShape};
use crate::sql::SqlBuilder;
use crate::value::{FromValue, ToValue, Value, ValueRef};

use super::{column_index, key_name, Join, JoinClause, JoinKind, Relation, RelationKind};

/// The includes' maps and sets of keys, hashed with foldhash (seeded per
/// process): the keys come from the database, and SipHash cost PostgreSQL
/// W4 n = 9 about 27 000 instructions of its 4.15 M (callgrind).
type KeyMap<V> = HashMap<KeyOf, V, foldhash::fast::RandomState>;
type KeySet = HashSet<KeyOf, foldhash::fast::RandomState>;

/// A key value as a hash-map key: compared by value (never by its text),
/// after both sides were converted to the same Rust key type.
#[derive(Debug, PartialEq)]
struct KeyOf(Value);

impl Eq for KeyOf {}

impl std::hash::Hash for KeyOf {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        std::mem::discriminant(&self.0).hash(h);
        match &self.0 {
            Value::Null => {}
            Value::Bool(b) => b.hash(h),
            Value::Int(i) => i.hash(h),
            // 0.0 == -0.0, so both hash alike; NaN never equals itself.
            Value::Float(f) => (if *f == 0.0 { 0 } else { f.to_bits() }).hash(h),
            Value::Text(s) => s.hash(h),
            Value::Blob(b) => b.hash(h),
            Value::Date(d) => d.hash(h),
            Value::DateTime(d) => d.hash(h),
            Value::Timestamp(t) => t.hash(h),
            Value::Time(t) => t.hash(h),
            #[cfg(feature = "decimal")]
            Value::Decimal(d) => d.hash(h),
            #[cfg(feature = "uuid")]
            Value::Uuid(u) => u.hash(h),
            #[cfg(feature = "json")]
            Value::Json(j) => j.to_string().hash(h),
            // Never a key; equal lists have equal lengths.
            Value::List(v) => v.len().hash(h),
        }
    }
}

/// `value` converted to the key type `K` and back, so that the two sides of
/// a relation compare alike whatever the driver handed over (a UUID read
/// as text, an `i32` foreign key of an `i64` key); `None` for NULL.
fn key_of<K: FromValue + ToValue>(
    value: ValueRef<'_>,
    table: &str,
    column: &str,
) -> Result<Option<KeyOf>> {
    if matches!(value, ValueRef::Null) {
        return Ok(None);
    }
    let key = K::from_value(value).map_err(|reason| Error::Decode {
        table: table.to_owned(),
        column: column.to_owned(),
        expected: std::any::type_name::<K>(),
        reason,
    })?;
    Ok(Some(KeyOf(key.to_value())))
}

/// Whether owner-key cell `cell` is `current`'s (the group being filled),
/// and if not, the owner key it reads as (`None` for NULL) with the cell
/// kept for the next row's comparison.
#[inline(always)]
fn owner_of<K: FromValue + ToValue>(
    cell: ValueRef<'_>,
    current: &Option<Value>,
    table: &str,
    column: &str,
) -> Result<(bool, Option<KeyOf>, Option<Value>)> {
    if current.as_ref().is_some_and(|c| c.as_ref() == cell) {
        return Ok((true, None, None));
    }
    Ok((
        false,
        key_of::<K>(cell, table, column)?,
        Some(cell.to_owned()),
    ))
}

/// The distinct non-NULL values of column `col` (named `name`) of
/// `parents`, read as key type `K`, in the order first seen.
fn distinct_keys<P: Model, K: FromValue + ToValue>(
    parents: &[&mut P],
    col: usize,
    name: &str,
) -> Result<Vec<Value>> {
    let mut wanted = Vec::with_capacity(parents.len());
    let mut seen = KeySet::with_capacity_and_hasher(parents.len(), Default::default());
    for p in parents {
        if let Some(k) = key_of::<K>(p.column_ref(col), P::TABLE, name)? {
            if !seen.contains(&k) {
                wanted.push(k.0.clone());
                seen.insert(k);
            }
        }
    }
    Ok(wanted)
}

impl<M: Model, T: Model> Relation<M, T> {
    /// Loads the related records of `parents` with one query per chunk of
    /// keys, and stores them in the parents' relation fields; returns how
    /// many it stored. Keys are matched by value, converted to the key type
    /// of the side they refer to.
    fn load_into(&self, conn: &Connection, parents: &mut [&mut M]) -> Result<usize>
    where
        T: Clone,
    {
        // Chunks within the parameter limit, as `IN` lists the server plans
        // for their values (see `sql::ARRAY_AFTER`).
        let per_chunk = conn
            .dialect()
            .max_params()
            .clamp(1, crate::sql::ARRAY_AFTER);
        let mut stored = 0;
        match self.def.kind {
            RelationKind::BelongsTo => {
                let fk = column_index::<M>(self.def.foreign_key)?;
                let fk_name = self.def.foreign_key;
                let wanted = distinct_keys::<M, T::Key>(parents, fk, fk_name)?;
                let mut owners = Vec::with_capacity(wanted.len());
                for chunk in wanted.chunks(per_chunk) {
                    self.fetch_owners(conn, chunk, &mut owners)?;
                }
                crate::hooks::found(&mut owners, conn)?;
                let mut found: KeyMap<T> =
                    KeyMap::with_capacity_and_hasher(owners.len(), Default::default());
                for r in owners {
                    found.insert(KeyOf(r.column_value(T::KEY_INDEX)), r);
                }
                for p in parents.iter_mut() {
                    let item = key_of::<T::Key>(p.column_ref(fk), M::TABLE, fk_name)?
                        .and_then(|k| found.get(&k).cloned());
                    stored += usize::from(item.is_some());
                    self.slot(p).store(item.into_iter().collect());
                }
            }
            RelationKind::HasOne | RelationKind::HasMany | RelationKind::ManyToMany => {
                let key_col = key_name::<M>();
                let wanted = distinct_keys::<M, M::Key>(parents, M::KEY_INDEX, key_col)?;
                let mut groups: KeyMap<Vec<T>> =
                    KeyMap::with_capacity_and_hasher(wanted.len(), Default::default());
                for chunk in wanted.chunks(per_chunk) {
                    self.fetch_children(conn, chunk, &mut groups)?;
                }
                for children in groups.values_mut() {
                    crate::hooks::found(children, conn)?;
                }
                for p in parents.iter_mut() {
                    let items = key_of::<M::Key>(p.column_ref(M::KEY_INDEX), M::TABLE, key_col)?
                        .and_then(|k| groups.remove(&k))
                        .unwrap_or_default();
                    stored += items.len();
                    self.slot(p).store(items);
                }
            }
        }
        Ok(stored)
    }

    /// Fetches the records of `T` (the owners of a belongs-to) with keys
    /// `keys` into `out`.
    fn fetch_owners(&self, conn: &Connection, keys: &[Value], out: &mut Vec<T>) -> Result<()> {
        let dflt = included_filter::<T>();
        let (sql, params) = keyed_statement::<T>(
            conn,
            keys,
            dflt.is_some(),
            |keys| SizedShape::ByKey { keys },
            || {
                let items = [Item::Model {
                    t: T::table(),
                    qualified: false,
                }];
                let mut s = Select::from(T::TABLE, &items);
                s.filter.push(Filter::AnyOf(
                    ColRef {
                        table: None,
                        name: Cow::Borrowed(key_name::<T>()),
                    },
                    keys,
                ));
                s.filter.extend(dflt.as_ref().map(Filter::Cond));
                let mut b = SqlBuilder::new(conn.dialect());
                compile::select(&mut b, &s)?;
                Ok(b.finish())
            },
        )?;
        conn.query_each_prepared(&sql, &&*params, &mut |row| {
            out.push(T::from_row(row, crate::row::Layout::At(0))?);
            Ok(true)
        })
    }

    /// Fetches the children of the owners with keys `keys` into `groups`, by
    /// owner key (read as the owner's key type).
    fn fetch_children(
        &self,
        conn: &Connection,
        keys: &[Value],
        groups: &mut KeyMap<Vec<T>>,
    ) -> Result<()> {
        let (owner_table, owner_col): (Cow<'static, str>, &'static str) = match self.def.kind {
            RelationKind::ManyToMany => (self.def.through_table(T::TABLE), self.def.through_keys.0),
            _ => (Cow::Borrowed(T::TABLE), self.def.foreign_key),
        };
        let ordered = conn.dialect().order_children_by_owner();
        let owner_at = match self.def.kind {
            RelationKind::ManyToMany => T::COLUMNS.len(),
            _ => column_index::<T>(self.def.foreign_key)?,
        };
        let dflt = included_filter::<T>();
        let (sql, params) = keyed_statement::<T>(
            conn,
            keys,
            dflt.is_some(),
            |keys| SizedShape::Children {
                owner: M::TABLE,
                def: self.def,
                keys,
            },
            || self.children_sql(conn, keys, owner_table.clone(), owner_col, dflt.as_ref()),
        )?;
        // The group being filled is kept out of the map while the rows are
        // its owner's: one map lookup per run of an owner's rows, not per
        // row (runs are whole groups when ordered by owner). A new group
        // is sized as the last one was (groups are often alike).
        // The cell the current group's key was read from: a row whose cell
        // equals it is the same owner's, without converting the key again.
        // The owner's key is the child's foreign key, read from the decoded
        // record (the row's cell is not read twice); a join table's key is
        // not a field of the child: read from the row, before the record
        // (decoding may take the row's cells).
        let through = matches!(self.def.kind, RelationKind::ManyToMany);
        let mut current: Option<(KeyOf, Vec<T>)> = None;
        let mut current_cell: Option<Value> = None;
        let mut last_len = 4;
        conn.query_each_prepared(&sql, &&*params, &mut |row| {
            let through_owner = if through {
                let cell = match row.try_get(owner_at) {
                    Some(v) => v,
                    None => row.get_ref(owner_at)?,
                };
                Some(owner_of::<M::Key>(
                    cell,
                    &current_cell,
                    &owner_table,
                    owner_col,
                )?)
            } else {
                None
            };
            let rec = T::from_row(row, crate::row::Layout::At(0))?;
            let (same, owner, cell) = match through_owner {
                Some(seen) => seen,
                None => owner_of::<M::Key>(
                    rec.column_ref(owner_at),
                    &current_cell,
                    &owner_table,
                    owner_col,
                )?,
            };
            if same {
                if let Some((_, group)) = &mut current {
                    group.push(rec);
                }
                return Ok(true);
            }
            if let Some(owner) = owner {
                current_cell = cell;
                match &mut current {
                    Some((k, group)) if *k == owner => group.push(rec),
                    _ => {
                        let mut group = groups
                            .remove(&owner)
                            .unwrap_or_else(|| Vec::with_capacity(last_len));
                        group.push(rec);
                        if let Some((k, done)) = current.replace((owner, group)) {
                            last_len = done.len().clamp(4, 64);
                            groups.insert(k, done);
                        }
                    }
                }
            }
            Ok(true)
        })?;
        if let Some((k, group)) = current {
            groups.insert(k, group);
        }
        if !ordered {
            for group in groups.values_mut() {
                in_key_order(group);
            }
        }
        Ok(())
    }
}

impl<M: Model, T: Model> Relation<M, T> {
    /// The SQL and parameters of the statement that fetches the children
    /// of the owners with keys `keys`, whose key column is `owner_col` of
    /// `owner_table` (the child's table, or the join table), with the
    /// children's default filter `dflt`.
    fn children_sql(
        &self,
        conn: &Connection,
        keys: &[Value],
        owner_table: Cow<'static, str>,
        owner_col: &'static str,
        dflt: Option<&Cond>,
    ) -> Result<(String, Vec<Value>)> {
        let owner = ColRef {
            table: Some(owner_table.clone()),
            name: Cow::Borrowed(owner_col),
        };
        // The owner's key: the through table's column, selected after the
        // child's; otherwise the child's own foreign key column.
        let items = [
            Item::Model {
                t: T::table(),
                qualified: true,
            },
            Item::Col(owner.clone()),
        ];
        let many = self.def.kind == RelationKind::ManyToMany;
        let mut s = Select::from(T::TABLE, if many { &items[..] } else { &items[..1] });
        if many {
            s.more_joins.push(Join::Clause(JoinClause {
                kind: JoinKind::Inner,
                table: owner_table.clone(),
                alias: None,
                on: (
                    owner_table.clone(),
                    Cow::Borrowed(self.def.through_keys.1),
                    Cow::Borrowed(T::TABLE),
                    Cow::Borrowed(key_name::<T>()),
                ),
                columns: None,
                filter: None,
            }));
        }
        s.filter.push(Filter::AnyOf(owner.clone(), keys));
        s.filter.extend(dflt.map(Filter::Cond));
        // Each owner's children in key order: ordered by owner, then key,
        // where the dialect's planner reads that from an index on the
        // foreign key (SQLite); elsewhere unordered, which spares the
        // server a sort, and put in order by the caller (`in_key_order`).
        if conn.dialect().order_children_by_owner() {
            let key = ColRef {
                table: Some(Cow::Borrowed(T::TABLE)),
                name: Cow::Borrowed(key_name::<T>()),
            };
            s.order_by_cols = vec![owner, key];
        }
        let mut b = SqlBuilder::new(conn.dialect());
        compile::select(&mut b, &s)?;
        Ok(b.finish())
    }
}

/// The conditions an include applies to the records of `T` it loads: its
/// default filter and soft-delete exclusion, qualified by its table.
fn included_filter<T: Model>() -> Option<Cond> {
    crate::lifecycle::filter::<T>(crate::lifecycle::Deleted::Exclude)
        .map(|f| f.requalified(T::TABLE, T::TABLE))
}

/// The statement of an include query that binds `keys` and nothing else,
/// and its parameters: the text cached in model `T`'s SQL cache under
/// `shape(n)` (`n` the number of keys, 0 where they go as one array), or
/// rendered by `render` each time when the query holds a default filter
/// (`filtered`: its values and shape may change from call to call).
fn keyed_statement<'k, T: Model>(
    conn: &Connection,
    keys: &'k [Value],
    filtered: bool,
    shape: impl FnOnce(usize) -> SizedShape,
    render: impl FnOnce() -> Result<(String, Vec<Value>)>,
) -> Result<(Arc<str>, Cow<'k, [Value]>)> {
    if filtered {
        let (sql, params) = render()?;
        return Ok((sql.into(), Cow::Owned(params)));
    }
    let array = conn.dialect().array_params();
    let shape = shape(if array { 0 } else { keys.len() });
    let sql = T::table().cache.sized(conn.dialect(), shape, || {
        let (sql, params) = render()?;
        // The cached text binds the keys and nothing else: as one array, or
        // one by one in order.
        let expected = if array { 1 } else { keys.len() };
        if params.len() != expected {
            return Err(Error::invalid(format!(
                "include of {}: the statement binds {} values, not {expected}",
                T::TABLE,
                params.len()
            )));
        }
        Ok(sql)
    })?;
    let params = if array {
        Cow::Owned(vec![Value::List(keys.to_vec())])
    } else {
        Cow::Borrowed(keys)
    };
    Ok((sql, params))
}

/// Puts records of `T` in key order, unless they already are (rows of
/// a table read without a sort usually are: only the check is paid).
fn in_key_order<T: Model>(records: &mut [T]) {
    let keys = T::KEY_COLUMNS;
    let cmp = |a: &T, b: &T| {
        keys.iter()
            .map(|&i| value_order(a.column_ref(i), b.column_ref(i)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    };
    if !records.is_sorted_by(|a, b| cmp(a, b).is_le()) {
        records.sort_by(cmp);
    }
}

/// The order of two key values: numbers, dates and times by value, text
/// and blobs by their bytes (not by a collation), UUIDs by their bytes.
/// Values of different kinds (or floats that do not compare) are taken as
/// equal, which a stable sort leaves as they came.
fn value_order(a: ValueRef<'_>, b: ValueRef<'_>) -> Ordering {
    match (a, b) {
        (ValueRef::Int(a), ValueRef::Int(b)) => a.cmp(&b),
        (ValueRef::Text(a), ValueRef::Text(b)) => a.cmp(b),
        (ValueRef::Blob(a), ValueRef::Blob(b)) => a.cmp(b),
        (ValueRef::Bool(a), ValueRef::Bool(b)) => a.cmp(&b),
        (ValueRef::Float(a), ValueRef::Float(b)) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
        (ValueRef::Date(a), ValueRef::Date(b)) => a.cmp(&b),
        (ValueRef::DateTime(a), ValueRef::DateTime(b)) => a.cmp(&b),
        (ValueRef::Timestamp(a), ValueRef::Timestamp(b)) => a.cmp(&b),
        (ValueRef::Time(a), ValueRef::Time(b)) => a.cmp(&b),
        #[cfg(feature = "decimal")]
        (ValueRef::Decimal(a), ValueRef::Decimal(b)) => a.cmp(&b),
        #[cfg(feature = "uuid")]
        (ValueRef::Uuid(a), ValueRef::Uuid(b)) => a.cmp(&b),
        _ => Ordering::Equal,
    }
}

/// Something `include` can load for records of `M`: a relation, or a
/// relation followed by nested includes ([`Relation::then`]).
pub trait Include<M>: Send + Sync + crate::__private::Sealed {
    /// Loads the related records of `parents` (one query per level and per
    /// chunk of keys) and stores them in the parents' relation fields.
    fn load(&self, conn: &Connection, parents: &mut [&mut M]) -> Result<()>;

    /// [`Include::load`] for a slice of records. A method of the trait so
    /// that the references it collects are built by code instantiated
    /// only for models that have includes, not for every model a scope
    /// loads.
    #[doc(hidden)]
    fn load_records(&self, conn: &Connection, records: &mut [M]) -> Result<()> {
        let mut refs: Vec<&mut M> = records.iter_mut().collect();
        self.load(conn, &mut refs)
    }
}

impl<M, T> crate::__private::Sealed for Relation<M, T> {}
impl<M, T> crate::__private::Sealed for Nested<M, T> {}
impl<T> crate::__private::Sealed for Both<T> {}

impl<M: Model, T: Model + Clone> Include<M> for Relation<M, T> {
    fn load(&self, conn: &Connection, parents: &mut [&mut M]) -> Result<()> {
        self.load_into(conn, parents).map(drop)
    }
}

/// A relation followed by includes of the records it loads.
pub struct Nested<M, T> {
    pub(super) rel: Relation<M, T>,
    pub(super) next: Arc<dyn Include<T>>,
}

impl<M: Model, T: Model + Clone> Nested<M, T> {
    /// Adds another nested include at the same level:
    /// `Users::POSTS.then(Posts::COMMENTS).and(Posts::TAGS)`.
    pub fn and(self, other: impl Include<T> + 'static) -> Self {
        Nested {
            rel: self.rel,
            next: Arc::new(Both(self.next, Arc::new(other))),
        }
    }
}

struct Both<T>(Arc<dyn Include<T>>, Arc<dyn Include<T>>);

impl<T> Include<T> for Both<T> {
    fn load(&self, conn: &Connection, parents: &mut [&mut T]) -> Result<()> {
        self.0.load(conn, parents)?;
        self.1.load(conn, parents)
    }
}

impl<M: Model, T: Model + Clone> Include<M> for Nested<M, T> {
    fn load(&self, conn: &Connection, parents: &mut [&mut M]) -> Result<()> {
        let stored = self.rel.load_into(conn, parents)?;
        let mut children: Vec<&mut T> = Vec::with_capacity(stored);
        for p in parents.iter_mut() {
            (self.rel.slot)(p).loaded_into(&mut children);
        }
        if children.is_empty() {
            return Ok(());
        }
        self.next.load(conn, &mut children)
    }
}
