//! Relations between models: the marker fields a model declares them with
//! (`author: BelongsTo<User>`), the typed handles the derive puts on the
//! mapper (`Posts::AUTHOR`), and the generic code behind accessors, joins,
//! full joins and includes (eager loading).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::cond::Cond;
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::expr::{ColRef, Expr};
use crate::model::Model;
use crate::scope::{Scope, Scoped};
use crate::sql::SqlBuilder;
use crate::value::{FromValue, ToValue, Value, ValueRef};

/// The kind of a relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    /// This model holds the foreign key of one record of the other.
    BelongsTo,
    /// The other model holds the foreign key of this one; at most one record.
    HasOne,
    /// The other model holds the foreign key of this one; any number.
    HasMany,
    /// Linked through a join table holding both keys.
    ManyToMany,
}

/// The description of a relation, as declared on a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelationDef {
    /// The field name (`author`).
    pub name: &'static str,
    /// The kind.
    pub kind: RelationKind,
    /// The foreign key column: on the declaring model for belongs-to, on the
    /// other model for has-one and has-many; unused for many-to-many.
    pub foreign_key: &'static str,
    /// The join table of a many-to-many relation, if named; by default
    /// `<owner_singular>_<other table>` (`post_tags`).
    pub through: Option<&'static str>,
    /// The join table's columns holding the declaring model's key and the
    /// other model's key (`post_id`, `tag_id`).
    pub through_keys: (&'static str, &'static str),
    /// The declaring model in snake_case (`post`), for the default join
    /// table name.
    pub owner_singular: &'static str,
    /// Whether `join` makes an INNER join (`#[db(join = "inner")]`) rather
    /// than a LEFT OUTER one.
    pub inner: bool,
}

impl RelationDef {
    /// The join table of a many-to-many relation whose other table is
    /// `other_table`.
    pub fn through_table(&self, other_table: &str) -> Cow<'static, str> {
        match self.through {
            Some(t) => Cow::Borrowed(t),
            None => Cow::Owned(format!("{}_{other_table}", self.owner_singular)),
        }
    }
}

/// Where a relation's loaded records are stored: implemented by the marker
/// types ([`BelongsTo`], [`HasOne`], [`HasMany`], [`ManyToMany`]).
pub trait LoadSlot<T>: crate::__private::Sealed {
    /// Stores the loaded records (at most one for belongs-to and has-one).
    fn store(&mut self, items: Vec<T>);
    /// The loaded records, for nested includes.
    fn loaded_mut(&mut self) -> Vec<&mut T>;
}

macro_rules! single_marker {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        ///
        /// Not a column. `Default` means "not loaded"; an include fills it.
        #[derive(Clone, PartialEq)]
        pub struct $name<T> {
            loaded: Option<Option<Box<T>>>,
        }

        impl<T> Default for $name<T> {
            fn default() -> Self {
                $name { loaded: None }
            }
        }

        impl<T: fmt::Debug> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match &self.loaded {
                    None => write!(f, "{}(not loaded)", stringify!($name)),
                    Some(v) => write!(f, "{}({v:?})", stringify!($name)),
                }
            }
        }

        impl<T> $name<T> {
            /// `None` when not loaded; `Some(None)` when loaded and there is
            /// no such record.
            pub fn get(&self) -> Option<Option<&T>> {
                self.loaded.as_ref().map(|o| o.as_deref())
            }
            /// Whether an include loaded it.
            pub fn is_loaded(&self) -> bool {
                self.loaded.is_some()
            }
            /// Sets the loaded record.
            pub fn set(&mut self, record: Option<T>) {
                self.loaded = Some(record.map(Box::new));
            }
        }

        impl<T> crate::__private::Sealed for $name<T> {}

        impl<T> LoadSlot<T> for $name<T> {
            fn store(&mut self, items: Vec<T>) {
                self.set(items.into_iter().next());
            }
            fn loaded_mut(&mut self) -> Vec<&mut T> {
                match &mut self.loaded {
                    Some(Some(b)) => vec![&mut **b],
                    _ => Vec::new(),
                }
            }
        }
    };
}

macro_rules! many_marker {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        ///
        /// Not a column. `Default` means "not loaded"; an include fills it.
        #[derive(Clone, PartialEq)]
        pub struct $name<T> {
            loaded: Option<Vec<T>>,
        }

        impl<T> Default for $name<T> {
            fn default() -> Self {
                $name { loaded: None }
            }
        }

        impl<T: fmt::Debug> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match &self.loaded {
                    None => write!(f, "{}(not loaded)", stringify!($name)),
                    Some(v) => write!(f, "{}({v:?})", stringify!($name)),
                }
            }
        }

        impl<T> $name<T> {
            /// The loaded records, or `None` when not loaded.
            pub fn get(&self) -> Option<&[T]> {
                self.loaded.as_deref()
            }
            /// Whether an include loaded it.
            pub fn is_loaded(&self) -> bool {
                self.loaded.is_some()
            }
            /// Sets the loaded records.
            pub fn set(&mut self, records: Vec<T>) {
                self.loaded = Some(records);
            }
        }

        impl<T> crate::__private::Sealed for $name<T> {}

        impl<T> LoadSlot<T> for $name<T> {
            fn store(&mut self, items: Vec<T>) {
                self.set(items);
            }
            fn loaded_mut(&mut self) -> Vec<&mut T> {
                match &mut self.loaded {
                    Some(v) => v.iter_mut().collect(),
                    None => Vec::new(),
                }
            }
        }
    };
}

single_marker!(
    BelongsTo,
    "A belongs-to relation field (`author: BelongsTo<User>`): this model holds \
     the foreign key (`author_id`, or `#[db(foreign_key = \"...\")]`)."
);
single_marker!(
    HasOne,
    "A has-one relation field (`profile: HasOne<Profile>`): the other model \
     holds the foreign key (`user_id`, or `#[db(foreign_key = \"...\")]`)."
);
many_marker!(
    HasMany,
    "A has-many relation field (`posts: HasMany<Post>`): the other model holds \
     the foreign key (`user_id`, or `#[db(foreign_key = \"...\")]`)."
);
many_marker!(
    ManyToMany,
    "A many-to-many relation field (`tags: ManyToMany<Tag>`) through a join \
     table (`post_tags`, or `#[db(through = \"...\")]`)."
);

/// A typed handle on a relation from `M` to `T`, generated on the mapper
/// (`Posts::AUTHOR`, `Users::POSTS`): pass it to `join`, `include`,
/// `full_join_all`, or use it to link many-to-many records.
pub struct Relation<M, T> {
    def: RelationDef,
    slot: fn(&mut M) -> &mut dyn LoadSlot<T>,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for Relation<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M, T> Copy for Relation<M, T> {}
impl<M, T> fmt::Debug for Relation<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Relation({:?})", self.def)
    }
}

/// Used by derived code: whether `columns` has a column `name` (const, for
/// compile-time checks of foreign keys).
#[doc(hidden)]
pub const fn has_column(columns: &[crate::model::ColumnDef], name: &str) -> bool {
    let mut i = 0;
    while i < columns.len() {
        let c = columns[i].name.as_bytes();
        let n = name.as_bytes();
        if c.len() == n.len() {
            let mut j = 0;
            while j < c.len() && c[j] == n[j] {
                j += 1;
            }
            if j == c.len() {
                return true;
            }
        }
        i += 1;
    }
    false
}

fn column_index<X: Model>(name: &str) -> Result<usize> {
    X::COLUMNS
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| Error::UnknownColumn {
            table: Some(X::TABLE.to_owned()),
            column: name.to_owned(),
        })
}

fn key_name<X: Model>() -> &'static str {
    X::COLUMNS[X::KEY_INDEX].name
}

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
            #[cfg(feature = "decimal")]
            Value::Decimal(d) => d.hash(h),
            #[cfg(feature = "uuid")]
            Value::Uuid(u) => u.hash(h),
            #[cfg(feature = "json")]
            Value::Json(j) => j.to_string().hash(h),
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

fn unqualified(name: &str) -> Expr {
    Expr::Col(ColRef {
        table: None,
        name: Cow::Owned(name.to_owned()),
    })
}

impl<M: Model, T: Model> Relation<M, T> {
    /// Used by derived code.
    #[doc(hidden)]
    pub const fn new(def: RelationDef, slot: fn(&mut M) -> &mut dyn LoadSlot<T>) -> Self {
        Relation {
            def,
            slot,
            _marker: PhantomData,
        }
    }

    /// The relation's description.
    pub const fn def(&self) -> &RelationDef {
        &self.def
    }

    /// The field holding the loaded records of `record`.
    pub fn slot<'a>(&self, record: &'a mut M) -> &'a mut dyn LoadSlot<T> {
        (self.slot)(record)
    }

    /// Nests an include: `Users::POSTS.then(Posts::COMMENTS)` loads each
    /// user's posts, then each post's comments.
    pub fn then(self, next: impl Include<T> + 'static) -> Nested<M, T>
    where
        T: Clone,
    {
        Nested {
            rel: self,
            next: Arc::new(next),
        }
    }

    /// The parent of `record` over a belongs-to relation: `None` when the
    /// foreign key is NULL; [`Error::NotFound`] when no row has that key.
    pub fn parent_of(&self, conn: &Connection, record: &M) -> Result<Option<T>> {
        self.expect(RelationKind::BelongsTo)?;
        let fk = column_index::<M>(self.def.foreign_key)?;
        match record.column_value(fk) {
            Value::Null => Ok(None),
            v => {
                let scope = Scope::<T>::default().filter(Cond::Cmp {
                    lhs: unqualified(key_name::<T>()),
                    op: crate::cond::Op::Eq,
                    rhs: Expr::Value(v),
                });
                scope.first(conn)?.map(Some).ok_or_else(|| Error::NotFound {
                    table: T::TABLE.to_owned(),
                })
            }
        }
    }

    /// The parent of `record` over a belongs-to relation whose foreign key is
    /// not nullable.
    pub fn parent_required(&self, conn: &Connection, record: &M) -> Result<T> {
        self.parent_of(conn, record)?
            .ok_or_else(|| Error::NotFound {
                table: T::TABLE.to_owned(),
            })
    }

    /// The scope of `owner`'s records over a has-one, has-many or
    /// many-to-many relation. Saving through it
    /// ([`Scoped::save`]) sets the foreign key (has-one, has-many).
    pub fn scope_of(&self, owner: &M) -> T::Scope {
        let key = owner.column_value(M::KEY_INDEX);
        let scope = match self.def.kind {
            RelationKind::HasOne | RelationKind::HasMany => {
                let mut s = Scope::<T>::default().filter(Cond::Cmp {
                    lhs: unqualified(self.def.foreign_key),
                    op: crate::cond::Op::Eq,
                    rhs: Expr::Value(key.clone()),
                });
                // An owner not saved yet has no key to give its children.
                let value = (owner.is_new() != Some(true)).then_some(key);
                s.owner = Some((Cow::Borrowed(self.def.foreign_key), value));
                s
            }
            RelationKind::ManyToMany => Scope::<T>::default().filter(Cond::InSelect {
                lhs: unqualified(key_name::<T>()),
                column: Cow::Borrowed(self.def.through_keys.1),
                table: self.def.through_table(T::TABLE),
                key: Cow::Borrowed(self.def.through_keys.0),
                value: key,
            }),
            RelationKind::BelongsTo => {
                // The parent: the row whose key is this record's foreign key.
                let value = column_index::<M>(self.def.foreign_key)
                    .map(|i| owner.column_value(i))
                    .unwrap_or(Value::Null);
                Scope::<T>::default().filter(Cond::Cmp {
                    lhs: unqualified(key_name::<T>()),
                    op: crate::cond::Op::Eq,
                    rhs: Expr::Value(value),
                })
            }
        };
        T::Scope::from_scope(scope)
    }

    fn expect(&self, kind: RelationKind) -> Result<()> {
        if self.def.kind == kind {
            Ok(())
        } else {
            Err(Error::invalid(format!(
                "relation `{}` of {} is {:?}, not {kind:?}",
                self.def.name,
                M::TABLE,
                self.def.kind
            )))
        }
    }

    fn link_statement(&self, conn: &Connection, owner: &M, other: &T, insert: bool) -> Result<u64> {
        self.expect(RelationKind::ManyToMany)?;
        let through = self.def.through_table(T::TABLE);
        let (k1, k2) = self.def.through_keys;
        let mut b = SqlBuilder::new(conn.dialect());
        if insert {
            b.push("INSERT INTO ");
            b.ident(&through);
            b.push(" (");
            b.ident_list([k1, k2]);
            b.push(") VALUES (");
            b.param(owner.key().to_value());
            b.push(", ");
            b.param(other.key().to_value());
            b.push(")");
        } else {
            b.push("DELETE FROM ");
            b.ident(&through);
            b.push(" WHERE ");
            b.ident(k1);
            b.push(" = ");
            b.param(owner.key().to_value());
            b.push(" AND ");
            b.ident(k2);
            b.push(" = ");
            b.param(other.key().to_value());
        }
        let (sql, params) = b.finish();
        conn.execute_prepared(&sql, &params)
    }

    /// Links `owner` and `other` over a many-to-many relation (inserts a row
    /// into the join table).
    pub fn add(&self, conn: &Connection, owner: &M, other: &T) -> Result<()> {
        self.link_statement(conn, owner, other, true).map(drop)
    }

    /// Unlinks `owner` and `other`; returns whether they were linked.
    pub fn remove(&self, conn: &Connection, owner: &M, other: &T) -> Result<bool> {
        Ok(self.link_statement(conn, owner, other, false)? > 0)
    }

    /// Appends the JOIN clauses of this relation to `joins`, `own` naming the
    /// declaring model's table (or alias) and `alias` the other side's.
    pub(crate) fn join_clauses(
        &self,
        kind: JoinKind,
        own: &str,
        alias: Option<&str>,
    ) -> Vec<JoinClause> {
        let other = alias.unwrap_or(T::TABLE).to_owned();
        let filter = T::default_filter().map(|f| Box::new(f.requalified(T::TABLE, &other)));
        let alias = alias.map(str::to_owned);
        let m_key = key_name::<M>();
        let t_key = key_name::<T>();
        match self.def.kind {
            RelationKind::BelongsTo => vec![JoinClause {
                kind,
                table: T::TABLE.into(),
                columns: Some(T::COLUMNS),
                filter: filter.clone(),
                alias,
                on: (
                    other,
                    t_key.into(),
                    own.to_owned(),
                    self.def.foreign_key.into(),
                ),
            }],
            RelationKind::HasOne | RelationKind::HasMany => vec![JoinClause {
                kind,
                table: T::TABLE.into(),
                columns: Some(T::COLUMNS),
                filter: filter.clone(),
                alias,
                on: (
                    other,
                    self.def.foreign_key.into(),
                    own.to_owned(),
                    m_key.into(),
                ),
            }],
            RelationKind::ManyToMany => {
                let through = self.def.through_table(T::TABLE).into_owned();
                let through_alias = match &alias {
                    Some(a) => format!("{a}_{through}"),
                    None => through.clone(),
                };
                let (k1, k2) = self.def.through_keys;
                vec![
                    JoinClause {
                        kind,
                        table: through.clone(),
                        columns: None,
                        filter: None,
                        alias: (through_alias != through).then(|| through_alias.clone()),
                        on: (
                            through_alias.clone(),
                            k1.into(),
                            own.to_owned(),
                            m_key.into(),
                        ),
                    },
                    JoinClause {
                        kind,
                        table: T::TABLE.into(),
                        columns: Some(T::COLUMNS),
                        filter: filter.clone(),
                        alias,
                        on: (other, t_key.into(), through_alias, k2.into()),
                    },
                ]
            }
        }
    }

    /// ` WHERE NOT EXISTS (...)`: the rows of `T` no row of `M` is related
    /// to. `M` is aliased inside the subquery, so that the outer query may
    /// also name it.
    /// `filtered`: a row of `M` its default filter excludes relates to
    /// nothing (and the orphans themselves pass `T`'s, added by the
    /// caller).
    fn orphan_filter(&self, b: &mut SqlBuilder<'_>, filtered: bool) -> Result<()> {
        const REL: &str = "orm_related";
        let (m, t) = (M::TABLE, T::TABLE);
        let col = |b: &mut SqlBuilder<'_>, table: &str, name: &str| {
            b.ident(table);
            b.push(".");
            b.ident(name);
        };
        let related = |b: &mut SqlBuilder<'_>| {
            b.ident(m);
            b.push(" AS ");
            b.ident(REL);
        };
        b.push(" WHERE NOT EXISTS (SELECT 1 FROM ");
        match self.def.kind {
            RelationKind::BelongsTo => {
                related(b);
                b.push(" WHERE ");
                col(b, REL, self.def.foreign_key);
                b.push(" = ");
                col(b, t, key_name::<T>());
            }
            RelationKind::HasOne | RelationKind::HasMany => {
                related(b);
                b.push(" WHERE ");
                col(b, REL, key_name::<M>());
                b.push(" = ");
                col(b, t, self.def.foreign_key);
            }
            RelationKind::ManyToMany => {
                let through = self.def.through_table(t);
                let (k1, k2) = self.def.through_keys;
                b.ident(&through);
                b.push(" INNER JOIN ");
                related(b);
                b.push(" ON ");
                col(b, REL, key_name::<M>());
                b.push(" = ");
                col(b, &through, k1);
                b.push(" WHERE ");
                col(b, &through, k2);
                b.push(" = ");
                col(b, t, key_name::<T>());
            }
        }
        if let (Some(f), true) = (M::default_filter(), filtered) {
            b.push(" AND ");
            b.cond(&f.requalified(M::TABLE, REL))?;
        }
        b.push(")");
        Ok(())
    }

    /// The records of `T` that no record of `M` is related to.
    pub fn orphans(&self, conn: &Connection) -> Result<Vec<T>> {
        self.orphans_of(conn, &Scope::<M>::default())
    }

    /// The records of `T` that no record of `M` is related to and that
    /// satisfy `scope`'s conditions, as the orphan rows of a FULL JOIN would:
    /// `M`'s columns read as NULL (a `LEFT JOIN` of `M` on a false
    /// condition), so a condition on `T`'s columns filters the orphans and
    /// one on `M`'s columns holds only if it holds for NULL.
    pub(crate) fn orphans_of(&self, conn: &Connection, scope: &Scope<M>) -> Result<Vec<T>> {
        let base = crate::sql::BaseTable {
            table: M::TABLE,
            columns: M::COLUMNS,
        };
        let mut b = SqlBuilder::new(conn.dialect()).with_base(base, true);
        b.know(crate::sql::KnownTable {
            name: Cow::Borrowed(T::TABLE),
            columns: Some(T::COLUMNS),
        });
        b.push("SELECT ");
        b.qualified_columns(T::TABLE, T::COLUMNS);
        b.push(" FROM ");
        b.ident(T::TABLE);
        scope.render_as_of(&mut b)?;
        if !scope.conds.is_empty() && M::TABLE != T::TABLE {
            b.push(" LEFT OUTER JOIN ");
            b.ident(M::TABLE);
            b.push(" ON 1 = 0");
        }
        b.know(crate::sql::KnownTable {
            name: Cow::Borrowed("orm_related"),
            columns: Some(M::COLUMNS),
        });
        self.orphan_filter(&mut b, !scope.unfiltered)?;
        let own = (!scope.unfiltered)
            .then(T::default_filter)
            .flatten()
            .map(|f| f.requalified(T::TABLE, T::TABLE));
        for c in scope.conds.iter().chain(&own) {
            b.push(" AND ");
            b.cond(c)?;
        }
        let (sql, params) = b.finish();
        conn.query_ordered(&sql, &params)
    }

    /// Loads the related records of `parents` with one query per chunk of
    /// keys, and stores them in the parents' relation fields. Keys are
    /// matched by value, converted to the key type of the side they refer
    /// to.
    fn load_into(&self, conn: &Connection, parents: &mut [&mut M]) -> Result<()>
    where
        T: Clone,
    {
        let per_chunk = conn.dialect().max_params().clamp(1, 1000);
        match self.def.kind {
            RelationKind::BelongsTo => {
                let fk = column_index::<M>(self.def.foreign_key)?;
                let fk_name = self.def.foreign_key;
                let mut wanted = Vec::with_capacity(parents.len());
                let mut seen = HashSet::new();
                for p in parents.iter() {
                    if let Some(k) = key_of::<T::Key>(p.column_ref(fk), M::TABLE, fk_name)? {
                        if !seen.contains(&k) {
                            wanted.push(k.0.clone());
                            seen.insert(k);
                        }
                    }
                }
                let mut found: HashMap<KeyOf, T> = HashMap::with_capacity(wanted.len());
                for chunk in wanted.chunks(per_chunk) {
                    let rows = Scope::<T>::default()
                        .filter(Cond::In {
                            lhs: unqualified(key_name::<T>()),
                            list: chunk.iter().cloned().map(Expr::Value).collect(),
                            negated: false,
                        })
                        .all(conn)?;
                    for r in rows {
                        found.insert(KeyOf(r.column_value(T::KEY_INDEX)), r);
                    }
                }
                for p in parents.iter_mut() {
                    let item = key_of::<T::Key>(p.column_ref(fk), M::TABLE, fk_name)?
                        .and_then(|k| found.get(&k).cloned());
                    self.slot(p).store(item.into_iter().collect());
                }
            }
            RelationKind::HasOne | RelationKind::HasMany | RelationKind::ManyToMany => {
                let key_col = key_name::<M>();
                let mut wanted = Vec::with_capacity(parents.len());
                let mut seen = HashSet::new();
                for p in parents.iter() {
                    if let Some(k) =
                        key_of::<M::Key>(p.column_ref(M::KEY_INDEX), M::TABLE, key_col)?
                    {
                        if !seen.contains(&k) {
                            wanted.push(k.0.clone());
                            seen.insert(k);
                        }
                    }
                }
                let mut groups: HashMap<KeyOf, Vec<T>> = HashMap::with_capacity(wanted.len());
                for chunk in wanted.chunks(per_chunk) {
                    self.fetch_children(conn, chunk, &mut groups)?;
                }
                for p in parents.iter_mut() {
                    let items = key_of::<M::Key>(p.column_ref(M::KEY_INDEX), M::TABLE, key_col)?
                        .and_then(|k| groups.remove(&k))
                        .unwrap_or_default();
                    self.slot(p).store(items);
                }
            }
        }
        Ok(())
    }

    /// Fetches the children of the owners with keys `keys` into `groups`, by
    /// owner key (read as the owner's key type).
    fn fetch_children(
        &self,
        conn: &Connection,
        keys: &[Value],
        groups: &mut HashMap<KeyOf, Vec<T>>,
    ) -> Result<()> {
        let mut b = SqlBuilder::new(conn.dialect());
        b.push("SELECT ");
        b.qualified_columns(T::TABLE, T::COLUMNS);
        b.push(", ");
        let (owner_table, owner_col): (Cow<'static, str>, &str) = match self.def.kind {
            RelationKind::ManyToMany => (self.def.through_table(T::TABLE), self.def.through_keys.0),
            _ => (Cow::Borrowed(T::TABLE), self.def.foreign_key),
        };
        b.ident(&owner_table);
        b.push(".");
        b.ident(owner_col);
        b.push(" FROM ");
        b.ident(T::TABLE);
        if self.def.kind == RelationKind::ManyToMany {
            b.push(" INNER JOIN ");
            b.ident(&owner_table);
            b.push(" ON ");
            b.ident(&owner_table);
            b.push(".");
            b.ident(self.def.through_keys.1);
            b.push(" = ");
            b.ident(T::TABLE);
            b.push(".");
            b.ident(key_name::<T>());
        } else {
            column_index::<T>(self.def.foreign_key)?;
        }
        b.push(" WHERE ");
        b.ident(&owner_table);
        b.push(".");
        b.ident(owner_col);
        b.push(" IN (");
        for (i, k) in keys.iter().enumerate() {
            if i > 0 {
                b.push(", ");
            }
            b.param(k.clone());
        }
        b.push(")");
        if let Some(f) = T::default_filter() {
            b.push(" AND ");
            b.cond(&f.requalified(T::TABLE, T::TABLE))?;
        }
        b.push(" ORDER BY ");
        b.ident(T::TABLE);
        b.push(".");
        b.ident(key_name::<T>());
        let (sql, params) = b.finish();
        let n = T::COLUMNS.len();
        conn.query_each_prepared(&sql, &params, &mut |row| {
            let rec = T::from_row(row, crate::row::Layout::At(0))?;
            if let Some(owner) = key_of::<M::Key>(row.get_ref(n)?, &owner_table, owner_col)? {
                groups.entry(owner).or_default().push(rec);
            }
            Ok(true)
        })
    }
}

/// How a join is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// The relation's default (LEFT OUTER, or INNER with
    /// `#[db(join = "inner")]`).
    AsDeclared,
    /// `INNER JOIN`.
    Inner,
    /// `LEFT OUTER JOIN`.
    Outer,
}

/// One rendered JOIN: `table [AS alias] ON a.x = b.y`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JoinClause {
    pub kind: JoinKind,
    pub table: String,
    pub alias: Option<String>,
    pub on: (String, String, String, String),
    /// The joined model's columns (`None` for a join table).
    pub columns: Option<&'static [crate::model::ColumnDef]>,
    /// The joined model's default filter, qualified by its name in the
    /// query, added to the ON clause.
    pub filter: Option<Box<Cond>>,
}

/// A join of a scope: from a relation, or a raw fragment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Join {
    Clause(JoinClause),
    Raw {
        sql: String,
        args: crate::expr::Args,
    },
    /// A join that cannot be made; rendering it is the error.
    Invalid(String),
}

impl Join {
    /// Whether this join brings in `table` (under its own name).
    pub(crate) fn joins_table(&self, table: &str) -> bool {
        match self {
            Join::Clause(c) => c.table == table && c.alias.is_none(),
            Join::Raw { sql, .. } => crate::sql::fragment_mentions_table(sql, table),
            Join::Invalid(_) => false,
        }
    }

    /// Appends the JOIN; `filtered`: with the joined model's default filter
    /// in its ON clause.
    pub(crate) fn render(&self, b: &mut SqlBuilder<'_>, filtered: bool) -> Result<()> {
        match self {
            Join::Clause(c) => {
                if let Some(a) = &c.alias {
                    b.check_name(a)?;
                }
                b.push(match c.kind {
                    JoinKind::Inner => " INNER JOIN ",
                    JoinKind::Outer | JoinKind::AsDeclared => " LEFT OUTER JOIN ",
                });
                b.ident(&c.table);
                if let Some(a) = &c.alias {
                    b.push(" AS ");
                    b.ident(a);
                }
                let (t1, c1, t2, c2) = &c.on;
                b.push(" ON ");
                b.ident(t1);
                b.push(".");
                b.ident(c1);
                b.push(" = ");
                b.ident(t2);
                b.push(".");
                b.ident(c2);
                if let (Some(f), true) = (&c.filter, filtered) {
                    b.push(" AND ");
                    b.cond(f)?;
                }
                Ok(())
            }
            Join::Raw { sql, args } => {
                b.push(" ");
                b.fragment(sql, args)
            }
            Join::Invalid(msg) => Err(Error::invalid(msg.clone())),
        }
    }
}

/// Something `include` can load for records of `M`: a relation, or a
/// relation followed by nested includes ([`Relation::then`]).
pub trait Include<M>: Send + Sync + crate::__private::Sealed {
    /// Loads the related records of `parents` (one query per level and per
    /// chunk of keys) and stores them in the parents' relation fields.
    fn load(&self, conn: &Connection, parents: &mut [&mut M]) -> Result<()>;
}

impl<M, T> crate::__private::Sealed for Relation<M, T> {}
impl<M, T> crate::__private::Sealed for Nested<M, T> {}
impl<T> crate::__private::Sealed for Both<T> {}

impl<M: Model, T: Model + Clone> Include<M> for Relation<M, T> {
    fn load(&self, conn: &Connection, parents: &mut [&mut M]) -> Result<()> {
        self.load_into(conn, parents)
    }
}

/// A relation followed by includes of the records it loads.
pub struct Nested<M, T> {
    rel: Relation<M, T>,
    next: Arc<dyn Include<T>>,
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
        self.rel.load_into(conn, parents)?;
        let mut children: Vec<&mut T> = Vec::new();
        for p in parents.iter_mut() {
            children.extend((self.rel.slot)(p).loaded_mut());
        }
        if children.is_empty() {
            return Ok(());
        }
        self.next.load(conn, &mut children)
    }
}
