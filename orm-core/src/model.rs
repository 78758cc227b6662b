//! What `#[derive(Model)]` implements: the table description of a struct and
//! the per-field accessors. Everything generic is here, in `orm-core`; the
//! derive emits only what is specific to one struct.

use std::borrow::Cow;
use std::fmt::Debug;
use std::marker::PhantomData;

use crate::cond::{Assignment, Cond, Op, Order};
use crate::error::{Error, Result};
use crate::expr::{ColRef, Expr, IntoOperand};
use crate::query::TableMeta;
use crate::row::FromRow;
use crate::scope::Scoped;
use crate::value::{ColumnType, FromValue, SqlType, ToValue, Value, ValueRef};

/// The description of one mapped column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnDef {
    /// The column name.
    pub name: &'static str,
    /// The Rust field name.
    pub field: &'static str,
    /// The portable SQL type.
    pub sql_type: SqlType,
    /// Whether NULL is allowed (the field is an `Option`).
    pub nullable: bool,
    /// Whether this is the primary key.
    pub primary_key: bool,
    /// Whether the database generates the value (integer primary keys).
    pub auto_increment: bool,
    /// Whether a unique index is declared (`#[db(unique)]`).
    pub unique: bool,
    /// Whether an index is declared (`#[db(index)]`).
    pub index: bool,
    /// Whether an index over several columns declared on the struct
    /// (`#[db(unique(a, b))]`, `#[db(index(a, b))]`) covers it: MySQL then
    /// gives a text column an indexable type, as for `index`.
    pub in_index: bool,
    /// The longest text the column holds, in characters (`#[db(size =
    /// N)]`): `VARCHAR(N)`, and a longer value is refused before it is
    /// sent, on every dialect.
    pub size: Option<u32>,
    /// The column's default in the table's DDL (`#[db(default = ..)]`).
    pub default: Option<ColumnDefault>,
    /// Whether the column's own index (`#[db(index)]` or `#[db(unique)]`)
    /// is hash-sharded (`#[db(index, hash_sharded)]`): CockroachDB's
    /// layout, a plain index elsewhere (see [`HashSharding`]).
    pub hash_sharded: Option<HashSharding>,
}

/// CockroachDB's hash-sharded layout of an index, declared with
/// `hash_sharded` next to the index: `#[db(index, hash_sharded)]` or
/// `#[db(unique, hash_sharded(buckets = 16))]` on a field, and inside the
/// list of an index declared on the struct, `#[db(index(tenant, created_at,
/// hash_sharded))]`.
///
/// CockroachDB creates such an index with `USING HASH` (and `WITH
/// (bucket_count = N)` when `buckets` is given): its rows are spread over
/// `N` shards by a hash of the indexed columns, so that inserts of
/// sequential values (timestamps, counters) do not all land on one range.
/// Hash sharding is a storage layout of CockroachDB's: every other dialect
/// creates the plain index, with the same name and columns, so the same
/// model syncs everywhere and schema sync finds the index by its name (it
/// does not compare layouts). The bucket count is checked when the model
/// compiles (2 to 2048, CockroachDB's range).
///
/// ```
/// # use orm::prelude::*;
/// #[derive(Model, Debug)]
/// #[db(index(device, at, hash_sharded(buckets = 8)))]
/// struct Reading {
///     id: i64,
///     device: i64,
///     #[db(index, hash_sharded)]
///     at: chrono::NaiveDateTime,
/// }
/// let conn = Connection::open("sqlite::memory:")?;
/// let plan = conn.schema_plan::<Reading>()?;
/// // SQLite (like PostgreSQL and MySQL) has no hash sharding: plain indexes.
/// assert_eq!(
///     plan.changes[1].sql,
///     r#"CREATE INDEX "ix_readings_at" ON "readings" ("at")"#
/// );
/// // CockroachDB's dialect writes `.. ("at") USING HASH`, and
/// // `.. ("device", "at") USING HASH WITH (bucket_count = 8)`.
/// # Ok::<(), orm::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HashSharding {
    /// The number of shards, `WITH (bucket_count = N)`: from 2 to 2048.
    /// `None` leaves it to the cluster's setting
    /// (`sql.defaults.default_hash_sharded_index_bucket_count`, 16 by
    /// default).
    pub buckets: Option<u16>,
}

/// A column's declared default (`#[db(default = ..)]`): what the database
/// writes when an INSERT leaves the column out (a row written by other
/// programs or by hand) and what existing rows get when sync or a migration
/// adds the column. orm's own INSERTs write every field.
///
/// Literals are checked against the field's type when the model compiles and
/// rendered by the dialect; a SQL expression enters only through the raw
/// marker, `#[db(default = raw("CURRENT_TIMESTAMP"))]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ColumnDefault {
    /// An integer literal: `#[db(default = 0)]`.
    Int(i64),
    /// A floating-point or decimal literal as written, digits only:
    /// `#[db(default = 1.5)]`.
    Float(&'static str),
    /// `#[db(default = true)]`.
    Bool(bool),
    /// A string literal: `#[db(default = "draft")]` (also a date, time,
    /// UUID or decimal written as text).
    Text(&'static str),
    /// Raw SQL, `#[db(default = raw("CURRENT_TIMESTAMP"))]`: rendered in
    /// parentheses, as every supported dialect takes an expression default.
    Raw(&'static str),
    /// A random (version 4) UUID made by the database,
    /// `#[db(default = random_uuid)]`: only on a `uuid::Uuid` primary key,
    /// which the database then generates. The dialect writes the
    /// expression ([`Dialect::random_uuid`](crate::Dialect::random_uuid)):
    /// `gen_random_uuid()` on PostgreSQL (13 and later) and CockroachDB, an
    /// expression of `randomblob()` on SQLite; MySQL / MariaDB have no
    /// random UUID function (MariaDB's `UUID()` is a version 1, time-based
    /// one), and schema sync refuses the key there with
    /// [`Error::InvalidQuery`](crate::Error::InvalidQuery).
    ///
    /// `save` inserts a record whose key is nil (`Uuid::nil()`, the
    /// `Default`) without its key, and reads the key the database made back
    /// into the record (`INSERT .. RETURNING`); a record with a key set is
    /// written with it, as any user-supplied key.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// use uuid::Uuid;
    /// #[derive(Model, Debug, Default)]
    /// struct Device {
    ///     #[db(default = random_uuid)]
    ///     id: Uuid,
    ///     name: String,
    /// }
    /// let conn = Connection::open("sqlite::memory:")?;
    /// conn.sync::<Device>()?;
    /// let mut d = Device { name: "probe".into(), ..Default::default() };
    /// d.save(&conn)?;                               // INSERT .. RETURNING "id"
    /// assert_eq!(d.id.get_version_num(), 4);
    /// assert_eq!(Devices::find(&conn, d.id)?.name, "probe");
    /// # Ok::<(), orm::Error>(())
    /// ```
    RandomUuid,
}

/// A check constraint on a model's table (`#[db(check = raw("..."))]` on
/// the struct): a SQL condition every row must satisfy, enforced by the
/// database. Its name is `ck_<table>_<hash of the condition>`, so editing the
/// condition makes a new constraint (sync adds it, and never drops the old
/// one: see [`Drift`](crate::Drift)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CheckDef {
    /// The condition, raw SQL written in the program.
    pub sql: &'static str,
}

/// What a foreign key does to the referencing rows when the referenced row
/// is deleted or its key updated (`#[db(on_delete = "..")]`,
/// `#[db(on_update = "..")]` on a `BelongsTo` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferentialAction {
    /// `NO ACTION`: the change is refused if rows still refer to the row
    /// (checked at the end of the statement).
    NoAction,
    /// `RESTRICT`: the change is refused if rows still refer to the row.
    Restrict,
    /// `CASCADE`: the referencing rows are deleted (or their key updated).
    Cascade,
    /// `SET NULL`: the referencing rows' key is set to NULL (the key
    /// column must be an `Option`).
    SetNull,
    /// `SET DEFAULT`: the referencing rows' key is set to its default.
    SetDefault,
}

impl ReferentialAction {
    /// The action a catalogue names (`CASCADE`, `SET NULL`, `RESTRICT`,
    /// `SET DEFAULT`, ASCII case-insensitively); `None` for `NO ACTION`, the
    /// default, and for anything else.
    pub fn from_sql(rule: &str) -> Option<ReferentialAction> {
        let rule = rule.trim();
        [
            ("CASCADE", ReferentialAction::Cascade),
            ("SET NULL", ReferentialAction::SetNull),
            ("RESTRICT", ReferentialAction::Restrict),
            ("SET DEFAULT", ReferentialAction::SetDefault),
        ]
        .into_iter()
        .find(|(name, _)| rule.eq_ignore_ascii_case(name))
        .map(|(_, a)| a)
    }

    /// The attribute value that declares it: `"cascade"`, `"set_null"`.
    pub fn attr_name(self) -> &'static str {
        match self {
            ReferentialAction::NoAction => "no_action",
            ReferentialAction::Restrict => "restrict",
            ReferentialAction::Cascade => "cascade",
            ReferentialAction::SetNull => "set_null",
            ReferentialAction::SetDefault => "set_default",
        }
    }
}

/// A foreign-key constraint of a model's table, declared by a `BelongsTo`
/// relation (unless `#[db(no_constraint)]`): schema sync creates it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForeignKeyDef {
    /// The index of the referencing column in the model's
    /// [`COLUMNS`](Model::COLUMNS).
    pub column: usize,
    /// The referenced table (the related model's [`TABLE`](Model::TABLE)).
    pub references: &'static str,
    /// The referenced column (the related model's primary key).
    pub references_column: &'static str,
    /// What a delete of the referenced row does (`None`: the database's
    /// default, no action).
    pub on_delete: Option<ReferentialAction>,
    /// What an update of the referenced key does (`None`: the database's
    /// default, no action).
    pub on_update: Option<ReferentialAction>,
}

/// A struct mapped to a table. Implemented by `#[derive(Model)]`; see the
/// crate documentation for the attributes.
pub trait Model: FromRow + Sized + 'static + crate::__private::Sealed {
    /// The primary key's Rust type: the key field's type, or for a
    /// composite key (`#[db(primary_key)]` on several fields) the tuple of
    /// their types, in field order.
    type Key: ToValue + FromValue + Clone + Debug;
    /// The model's scope type, which users extend with
    /// named scopes.
    type Scope: Scoped<Model = Self>;
    /// The table name.
    const TABLE: &'static str;
    /// The mapped columns, in declaration order. Rows are read in this order.
    const COLUMNS: &'static [ColumnDef];
    /// The index of the primary key in [`COLUMNS`](Self::COLUMNS) (of its
    /// first column, for a composite key).
    const KEY_INDEX: usize;
    /// The indexes of the primary key's columns in [`COLUMNS`](Self::COLUMNS):
    /// one, or several for a composite key, in field order.
    const KEY_COLUMNS: &'static [usize];
    /// The index of the `#[db(created_at)]` column, set to the clock by
    /// every INSERT (see the crate documentation on lifecycle columns).
    const CREATED_AT: Option<usize> = None;
    /// The index of the `#[db(updated_at)]` column, set to the clock by
    /// every INSERT and UPDATE.
    const UPDATED_AT: Option<usize> = None;
    /// The index of the `#[db(soft_delete)]` column: `delete` sets it, and
    /// the rows where it is set are left out of every statement.
    const SOFT_DELETE: Option<usize> = None;
    /// The index of the `#[db(version)]` column: every write of a record
    /// checks and increments it (optimistic locking).
    const VERSION: Option<usize> = None;

    /// The value of column `idx`, borrowed from the field.
    fn column_ref(&self, idx: usize) -> ValueRef<'_>;

    /// The value of column `idx`, owned.
    fn column_value(&self, idx: usize) -> Value {
        self.column_ref(idx).to_owned()
    }

    /// Sets the field of column `idx` from a value (used by
    /// `update_attribute`), with a typed error if the value does not fit.
    fn set_column(&mut self, idx: usize, value: &Value) -> Result<()>;

    /// The primary key.
    fn key(&self) -> Self::Key;

    /// Whether the key field holds "not yet generated" (zero or `None` for
    /// integer keys; always false for user-supplied keys).
    fn key_unset(&self) -> bool;

    /// Whether this record has not been saved yet: per its [`Snapshot`] field
    /// if it has one, else per its generated key being unset. `None` when it
    /// cannot be known (a user-supplied key and no snapshot): `save` then
    /// upserts.
    ///
    /// A key the database makes with a default (`#[db(default =
    /// random_uuid)]`) that is unset (nil) means new; one that is set is a
    /// user-supplied key (`None` without a snapshot).
    fn is_new(&self) -> Option<bool> {
        if let Some(s) = self.snapshot() {
            return Some(!s.is_persisted());
        }
        let key = &Self::COLUMNS[Self::KEY_INDEX];
        if key.auto_increment {
            Some(self.key_unset())
        } else if key_by_default(key) && self.key_unset() {
            Some(true)
        } else {
            None
        }
    }

    /// Writes a key generated by the database into the key field.
    fn set_generated_key(&mut self, key: i64) -> Result<()>;

    /// The change-tracking snapshot field, if the struct has one.
    fn snapshot(&self) -> Option<&Snapshot> {
        None
    }

    /// The change-tracking snapshot field, if the struct has one.
    fn snapshot_mut(&mut self) -> Option<&mut Snapshot> {
        None
    }

    /// The condition every statement on this table applies (the
    /// default-filter seam): SELECTs, counts, aggregates, UPDATEs and
    /// DELETEs through scopes and records, joins into this table (in the ON
    /// clause), includes and accessors loading it, full-join orphans. `None`
    /// (the default) for none; declared with `#[db(default_filter =
    /// "path::to::fn")]`, a `fn() -> Cond` built from typed columns (raw SQL
    /// in it is applied as written, not requalified for aliases). Lifted for
    /// one scope with [`without_default_filter`](crate::Scoped::without_default_filter).
    ///
    /// A model with a `#[db(soft_delete)]` column gets `deleted_at IS NULL`
    /// through the same seam, ANDed with this condition; unlike it, that one
    /// is lifted alone by [`with_deleted`](crate::Scoped::with_deleted).
    fn default_filter() -> Option<Cond> {
        None
    }

    /// The indexes over several columns declared on the struct
    /// (`#[db(unique(a, b))]`, `#[db(index(a, b))]`): unique, the
    /// columns' indexes, and the hash sharding (`#[db(index(a, b,
    /// hash_sharded))]`).
    #[doc(hidden)]
    const INDEXES: &'static [(bool, &'static [usize], Option<HashSharding>)] = &[];

    /// The columns whose unique index leaves soft-deleted rows out
    /// (`#[db(unique, partial)]`).
    #[doc(hidden)]
    const PARTIAL_UNIQUE: &'static [usize] = &[];

    /// The foreign-key constraints of the table, one per `BelongsTo`
    /// relation without `#[db(no_constraint)]`: schema sync creates them.
    const FOREIGN_KEYS: &'static [ForeignKeyDef] = &[];

    /// The check constraints of the table (`#[db(check = raw("..."))]` on
    /// the struct): schema sync creates them.
    const CHECKS: &'static [CheckDef] = &[];

    /// The model's hooks (`#[db(hooks)]`), if it has any.
    #[doc(hidden)]
    const HOOKS: Option<crate::hooks::HookFns<Self>> = None;

    /// The model's table metadata and SQL cache, in one `static` (emitted
    /// by the derive).
    #[doc(hidden)]
    fn table() -> &'static crate::query::TableMeta;
}

/// Whether the database fills in the key column `key` with its default
/// (`#[db(default = random_uuid)]`) when an INSERT leaves it out.
#[inline]
pub(crate) fn key_by_default(key: &ColumnDef) -> bool {
    key.primary_key && matches!(key.default, Some(ColumnDefault::RandomUuid))
}

/// A primary-key type. Integer keys are generated by the database; other keys
/// are supplied by the user (a `uuid::Uuid` key can be generated too, with
/// `#[db(default = random_uuid)]`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a primary key",
    label = "unsupported primary key type",
    note = "generated keys: i16, i32, i64, or an Option of one (and uuid::Uuid with \
            #[db(default = random_uuid)]); keys supplied by the user: String, bool, Vec<u8>, \
            uuid::Uuid, chrono::NaiveDate, chrono::NaiveDateTime, chrono::DateTime<Utc>"
)]
pub trait KeyType: Sized {
    /// Whether the database generates values of this key (integer keys,
    /// from a sequence or an identity; not a `#[db(default = random_uuid)]`
    /// key, which its column's default makes).
    const GENERATED: bool;
    /// Whether `self` means "not yet generated" (zero, or `None`; the nil
    /// UUID). Consulted only for keys the database generates.
    fn is_unset(&self) -> bool;
    /// Converts a generated key.
    fn from_generated(key: i64) -> Result<Self>;
}

macro_rules! int_key {
    ($($t:ty),*) => {$(
        impl KeyType for $t {
            const GENERATED: bool = true;
            fn is_unset(&self) -> bool { *self == 0 }
            fn from_generated(key: i64) -> Result<Self> {
                <$t>::try_from(key).map_err(|_| Error::invalid(format!(
                    "generated key {key} does not fit {}", stringify!($t))))
            }
        }
        impl KeyType for Option<$t> {
            const GENERATED: bool = true;
            fn is_unset(&self) -> bool { self.is_none() }
            fn from_generated(key: i64) -> Result<Self> {
                <$t as KeyType>::from_generated(key).map(Some)
            }
        }
    )*};
}
int_key!(i16, i32, i64);

macro_rules! user_key {
    ($($t:ty),*) => {$(
        impl KeyType for $t {
            const GENERATED: bool = false;
            fn is_unset(&self) -> bool { false }
            fn from_generated(_: i64) -> Result<Self> {
                Err(Error::invalid(concat!("a ", stringify!($t), " key is not generated by the database")))
            }
        }
    )*};
}
/// A user-supplied key, or one the database makes with `#[db(default =
/// random_uuid)]`: the nil UUID is then "not yet made".
#[cfg(feature = "uuid")]
impl KeyType for uuid::Uuid {
    const GENERATED: bool = false;
    fn is_unset(&self) -> bool {
        self.is_nil()
    }
    fn from_generated(_: i64) -> Result<Self> {
        Err(Error::invalid(
            "a uuid::Uuid key is not an integer the database generates",
        ))
    }
}
user_key!(
    String,
    bool,
    Vec<u8>,
    chrono::NaiveDate,
    chrono::NaiveDateTime,
    chrono::DateTime<chrono::Utc>
);

/// An optional field that remembers the values a record was loaded or last
/// saved with, so that `save` writes only the changed columns and knows
/// whether a record with a user-supplied key exists. Add a field of this
/// type to a model to opt in; it is not a column.
///
/// With the `serde` feature it serializes as `null` and deserializes from
/// anything as a snapshot of nothing: a deserialized record is not known to
/// be in the database (its `save` inserts, or upserts a user-supplied key).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    values: Option<Vec<Value>>,
}

#[cfg(feature = "serde")]
impl serde::Serialize for Snapshot {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Snapshot {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Snapshot::default())
    }
}

impl Snapshot {
    /// Whether the record was loaded from or saved to the database.
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
    /// #[derive(Model, Debug, Default)]
    /// struct Rate { #[db(primary_key)] code: String, value: f64, snapshot: Snapshot }
    /// conn.sync::<Rate>()?;
    /// let mut r = Rate { code: "EUR".into(), value: 1.1, ..Default::default() };
    /// assert!(!r.snapshot.is_persisted());
    /// r.save(&conn)?;
    /// assert!(r.snapshot.is_persisted());
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn is_persisted(&self) -> bool {
        self.values.is_some()
    }

    /// Records the current values of `model`.
    pub fn capture<M: Model>(model: &M) -> Snapshot {
        Self::capture_columns(M::COLUMNS.len(), &|i| model.column_ref(i))
    }

    /// [`capture`](Self::capture) of `n` columns read by `column`: compiled
    /// once, not per model.
    pub(crate) fn capture_columns<'m>(
        n: usize,
        column: &dyn Fn(usize) -> ValueRef<'m>,
    ) -> Snapshot {
        Snapshot {
            values: Some((0..n).map(|i| column(i).to_owned()).collect()),
        }
    }

    /// Forgets the record's saved state (after a delete).
    pub fn clear(&mut self) {
        self.values = None;
    }

    /// The indexes of the columns whose value differs from the snapshot, or
    /// `None` without one.
    pub fn changed<M: Model>(&self, model: &M) -> Option<Vec<usize>> {
        self.changed_columns(M::COLUMNS.len(), &|i| model.column_ref(i))
    }

    /// [`changed`](Self::changed) among `n` columns read by `column`:
    /// compiled once, not per model.
    pub(crate) fn changed_columns<'m>(
        &self,
        n: usize,
        column: &dyn Fn(usize) -> ValueRef<'m>,
    ) -> Option<Vec<usize>> {
        let old = self.values.as_ref()?;
        Some(
            (0..n)
                .filter(|&i| old.get(i).map(Value::as_ref) != Some(column(i)))
                .collect(),
        )
    }
}

/// A typed column of model `M` holding Rust type `T`. The derive generates one
/// constant per field on the mapper (`Users::EMAIL`), so that column names
/// and value types are checked at compile time.
pub struct Column<M, T> {
    name: &'static str,
    index: usize,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for Column<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M, T> Copy for Column<M, T> {}
impl<M, T> Debug for Column<M, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Column({})", self.name)
    }
}

impl<M, T> Column<M, T> {
    /// Used by derived code.
    #[doc(hidden)]
    pub const fn new(name: &'static str, index: usize) -> Self {
        Column {
            name,
            index,
            _marker: PhantomData,
        }
    }

    /// The column name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The column's index in the model's [`Model::COLUMNS`].
    pub const fn index(&self) -> usize {
        self.index
    }
}

impl<M: Model, T> Column<M, T> {
    pub(crate) fn col_ref(&self) -> ColRef {
        ColRef {
            table: Some(Cow::Borrowed(M::TABLE)),
            name: Cow::Borrowed(self.name),
        }
    }

    fn cmp(&self, op: Op, rhs: Expr) -> Cond {
        Cond::Cmp {
            lhs: Expr::Col(self.col_ref()),
            op,
            rhs,
        }
    }

    /// `column = value` (`IS NULL` for `None`).
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
    /// assert_eq!(Users::filter(Users::NAME.eq("ann")).count(&conn)?, 1);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn eq(&self, v: impl IntoOperand<T>) -> Cond {
        self.cmp(Op::Eq, v.into_operand())
    }
    /// `column <> value` (`IS NOT NULL` for `None`).
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
    /// assert_eq!(Users::filter(Users::NAME.ne("ann")).count(&conn)?, 2);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn ne(&self, v: impl IntoOperand<T>) -> Cond {
        self.cmp(Op::Ne, v.into_operand())
    }
    /// `column < value`.
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
    /// assert_eq!(Users::filter(Users::AGE.lt(31)).count(&conn)?, 1);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn lt(&self, v: impl IntoOperand<T>) -> Cond {
        self.cmp(Op::Lt, v.into_operand())
    }
    /// `column <= value`.
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
    /// assert_eq!(Users::filter(Users::AGE.lte(31)).count(&conn)?, 2);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn lte(&self, v: impl IntoOperand<T>) -> Cond {
        self.cmp(Op::Lte, v.into_operand())
    }
    /// `column > value`.
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
    /// assert_eq!(Users::filter(Users::AGE.gt(31)).count(&conn)?, 1);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn gt(&self, v: impl IntoOperand<T>) -> Cond {
        self.cmp(Op::Gt, v.into_operand())
    }
    /// `column >= value`.
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
    /// assert_eq!(Users::filter(Users::AGE.gte(31)).count(&conn)?, 2);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn gte(&self, v: impl IntoOperand<T>) -> Cond {
        self.cmp(Op::Gte, v.into_operand())
    }
    /// `column LIKE pattern`.
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
    /// assert_eq!(Posts::filter(Posts::TITLE.like("%ann%")).count(&conn)?, 1);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn like(&self, pattern: impl IntoOperand<T>) -> Cond {
        self.cmp(Op::Like, pattern.into_operand())
    }
    /// `column IS NULL`.
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
    /// assert_eq!(Users::filter(Users::NAME.is_null()).count(&conn)?, 0);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn is_null(&self) -> Cond {
        Cond::Null {
            lhs: Expr::Col(self.col_ref()),
            negated: false,
        }
    }
    /// `column IS NOT NULL`.
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
    /// assert_eq!(Users::filter(Users::NAME.is_not_null()).count(&conn)?, 3);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn is_not_null(&self) -> Cond {
        Cond::Null {
            lhs: Expr::Col(self.col_ref()),
            negated: true,
        }
    }
    /// `column BETWEEN low AND high`.
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
    /// assert_eq!(Users::filter(Users::AGE.between(25, 31)).count(&conn)?, 2);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn between(&self, low: impl IntoOperand<T>, high: impl IntoOperand<T>) -> Cond {
        Cond::Between {
            lhs: Expr::Col(self.col_ref()),
            low: low.into_operand(),
            high: high.into_operand(),
        }
    }
    /// `column IN (...)`; an empty list matches nothing.
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
    /// assert_eq!(Users::filter(Users::NAME.in_list(["ann", "cid"])).count(&conn)?, 2);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn in_list<V: IntoOperand<T>>(&self, values: impl IntoIterator<Item = V>) -> Cond {
        Cond::In {
            lhs: Expr::Col(self.col_ref()),
            list: values.into_iter().map(IntoOperand::into_operand).collect(),
            negated: false,
        }
    }
    /// `column NOT IN (...)`; an empty list matches everything.
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
    /// assert_eq!(Users::filter(Users::NAME.not_in(["ann", "cid"])).count(&conn)?, 1);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn not_in<V: IntoOperand<T>>(&self, values: impl IntoIterator<Item = V>) -> Cond {
        Cond::In {
            lhs: Expr::Col(self.col_ref()),
            list: values.into_iter().map(IntoOperand::into_operand).collect(),
            negated: true,
        }
    }
    /// `SET column = value`, for `update_attributes`.
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
    /// Users::filter(Users::ID.eq(1)).update_attributes(&conn, [Users::AGE.set(32)])?;
    /// assert_eq!(Users::find(&conn, 1)?.age, 32);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn set(&self, v: impl IntoOperand<T>) -> Assignment {
        Assignment {
            column: Cow::Borrowed(self.name),
            index: Some(self.index),
            value: v.into_operand(),
        }
    }
    /// Ascending order on this column.
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
    /// let names = Users::order_by(Users::AGE.asc()).pluck(&conn, Users::NAME)?;
    /// assert_eq!(names, ["bob", "ann", "cid"]);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn asc(&self) -> Order {
        Order::column(self.col_ref(), false)
    }
    /// Descending order on this column.
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
    /// let names = Users::order_by(Users::AGE.desc()).pluck(&conn, Users::NAME)?;
    /// assert_eq!(names, ["cid", "ann", "bob"]);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn desc(&self) -> Order {
        Order::column(self.col_ref(), true)
    }
}

impl ColumnDef {
    /// Used by derived code: the field's name differs from the column's.
    #[doc(hidden)]
    pub const fn with_field(mut self, field: &'static str) -> ColumnDef {
        self.field = field;
        self
    }

    /// Used by derived code: the column is (part of) the primary key;
    /// `generated`: the database generates its values.
    #[doc(hidden)]
    pub const fn with_key(mut self, generated: bool) -> ColumnDef {
        self.primary_key = true;
        self.auto_increment = generated;
        self
    }

    /// Used by derived code: `#[db(unique)]`.
    #[doc(hidden)]
    pub const fn with_unique(mut self) -> ColumnDef {
        self.unique = true;
        self
    }

    /// Used by derived code: `#[db(index)]`.
    #[doc(hidden)]
    pub const fn with_index(mut self) -> ColumnDef {
        self.index = true;
        self
    }

    /// Used by derived code: the column is part of a composite index or a
    /// foreign-key constraint.
    #[doc(hidden)]
    pub const fn in_index(mut self) -> ColumnDef {
        self.in_index = true;
        self
    }

    /// Used by derived code for `#[db(precision = P, scale = S)]`: the
    /// column is `DECIMAL(P, S)`. Fails to compile on a non-decimal column.
    #[doc(hidden)]
    pub const fn with_decimal(mut self, precision: u8, scale: u8) -> ColumnDef {
        match self.sql_type {
            SqlType::Decimal(..) => {}
            _ => panic!("#[db(precision, scale)] applies only to decimal columns"),
        }
        assert!(
            precision > 0 && scale <= precision,
            "#[db(precision = P, scale = S)] needs 0 < P and S <= P"
        );
        self.sql_type = SqlType::Decimal(precision, scale);
        self
    }

    /// Used by derived code for `#[db(size = N)]` (checked by
    /// [`sized_text`]): the column holds at most `N` characters.
    #[doc(hidden)]
    pub const fn with_size(mut self, size: u32) -> ColumnDef {
        self.size = Some(size);
        self
    }

    /// Used by derived code for `#[db(default = ..)]` (checked by
    /// [`default_fits`]).
    #[doc(hidden)]
    pub const fn with_default(mut self, default: ColumnDefault) -> ColumnDef {
        self.default = Some(default);
        self
    }

    /// Used by derived code for `#[db(index, hash_sharded)]` (the bucket
    /// count checked by the derive).
    #[doc(hidden)]
    pub const fn with_hash_sharding(mut self, buckets: Option<u16>) -> ColumnDef {
        self.hash_sharded = Some(HashSharding { buckets });
        self
    }
}

/// Used by derived code: whether `#[db(size = N)]` applies to a column of
/// type `t` (text).
#[doc(hidden)]
pub const fn sized_text(t: SqlType) -> bool {
    matches!(t, SqlType::Text)
}

/// Used by derived code: whether a literal default fits a column of type
/// `t` (raw SQL always does).
#[doc(hidden)]
pub const fn default_fits(t: SqlType, default: ColumnDefault) -> bool {
    match (default, t) {
        (ColumnDefault::Raw(_), _) => true,
        (ColumnDefault::RandomUuid, SqlType::Uuid) => true,
        (ColumnDefault::Int(v), SqlType::SmallInt) => v >= i16::MIN as i64 && v <= i16::MAX as i64,
        (ColumnDefault::Int(v), SqlType::Int) => v >= i32::MIN as i64 && v <= i32::MAX as i64,
        (
            ColumnDefault::Int(_),
            SqlType::BigInt | SqlType::Real | SqlType::Double | SqlType::Decimal(..),
        ) => true,
        (ColumnDefault::Float(_), SqlType::Real | SqlType::Double | SqlType::Decimal(..)) => true,
        (ColumnDefault::Bool(_), SqlType::Bool) => true,
        (
            ColumnDefault::Text(_),
            SqlType::Text
            | SqlType::Date
            | SqlType::DateTime
            | SqlType::Timestamp
            | SqlType::Decimal(..)
            | SqlType::Uuid
            | SqlType::Json,
        ) => true,
        _ => false,
    }
}

/// A record's fields, read and written by column index through a trait
/// object: what the write path needs of a record, so that it is compiled
/// once rather than once per model. Every model has it.
pub(crate) trait Fields {
    /// [`Model::column_ref`].
    fn cell(&self, idx: usize) -> ValueRef<'_>;
    /// [`Model::set_column`].
    fn put(&mut self, idx: usize, value: &Value) -> Result<()>;
    /// [`Model::set_generated_key`].
    fn put_generated_key(&mut self, key: i64) -> Result<()>;
    /// [`Model::key_unset`].
    fn key_is_unset(&self) -> bool;
    /// The key, as a value.
    fn key_value(&self) -> Value;
    /// [`Model::snapshot`].
    fn saved(&self) -> Option<&Snapshot>;
    /// [`Model::snapshot_mut`].
    fn saved_mut(&mut self) -> Option<&mut Snapshot>;
}

impl<M: Model> Fields for M {
    fn cell(&self, idx: usize) -> ValueRef<'_> {
        self.column_ref(idx)
    }
    fn put(&mut self, idx: usize, value: &Value) -> Result<()> {
        self.set_column(idx, value)
    }
    fn put_generated_key(&mut self, key: i64) -> Result<()> {
        self.set_generated_key(key)
    }
    fn key_is_unset(&self) -> bool {
        self.key_unset()
    }
    fn key_value(&self) -> Value {
        crate::value::ToValue::to_value(&self.key())
    }
    fn saved(&self) -> Option<&Snapshot> {
        self.snapshot()
    }
    fn saved_mut(&mut self) -> Option<&mut Snapshot> {
        self.snapshot_mut()
    }
}

/// Used by derived code: asserts at compile time that a field type is a
/// supported column type and describes a plain column named `name`, mapped
/// to a field of the same name (the builders below set the rest: one
/// short call per column keeps the derive's output small).
#[doc(hidden)]
pub const fn column_def<T: ColumnType>(name: &'static str) -> ColumnDef {
    ColumnDef {
        name,
        field: name,
        sql_type: T::SQL_TYPE,
        nullable: T::NULLABLE,
        primary_key: false,
        auto_increment: false,
        unique: false,
        index: false,
        in_index: false,
        size: None,
        default: None,
        hash_sharded: None,
    }
}

/// Used by derived code: converts a value for `set_column` into the field
/// of column `idx` of table `t` (named in the error).
#[doc(hidden)]
pub fn value_into<T: FromValue>(value: &Value, t: &TableMeta, idx: usize) -> Result<T> {
    T::from_value(value.as_ref()).map_err(|reason| Error::Decode {
        table: t.name.to_owned(),
        column: t.columns.get(idx).map_or("?", |c| c.name).to_owned(),
        expected: std::any::type_name::<T>(),
        reason,
    })
}

/// Used by derived code: a composite key is never generated by the
/// database.
#[doc(hidden)]
pub fn composite_key_not_generated(table: &str) -> Error {
    Error::invalid(format!(
        "{table} has a composite primary key: the database generates no part of it"
    ))
}

/// Used by derived code: the error for a column index out of range.
#[doc(hidden)]
pub fn no_such_column(table: &str, index: usize) -> Error {
    Error::UnknownColumn {
        table: Some(table.to_owned()),
        column: format!("#{index}"),
    }
}
