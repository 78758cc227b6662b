//! # orm
//!
//! A synchronous ORM for Rust: derive [`Model`] on a struct and get a mapper
//! (`Users`), typed column constants (`Users::EMAIL`), a scope type that you
//! extend with named scopes (`UserScope`), instance methods (`save`,
//! `delete`, `update_attribute`) and schema sync. No async runtime; SQLite is
//! embedded and on by default. New here? Read the [`guide`], from a first
//! model to a service in production.
//!
//! ```
//! use orm::prelude::*;
//!
//! #[derive(Model, Debug, Clone, Default)]
//! struct User {
//!     id: i64,
//!     #[db(unique)]
//!     email: String,
//!     name: Option<String>,
//!     logins: i32,
//! }
//!
//! #[orm::scopes]
//! impl UserScope {
//!     /// Users who logged in at least `n` times.
//!     pub fn regulars(self, n: i32) -> Self {
//!         self.filter(Users::LOGINS.gte(n))
//!     }
//!     /// Users without a name.
//!     pub fn anonymous(self) -> Self {
//!         self.filter(Users::NAME.eq(None))
//!     }
//! }
//!
//! let conn = Connection::open("sqlite::memory:")?;
//! conn.sync::<User>()?;
//!
//! let mut ann = User { email: "ann@example.com".into(), logins: 12, ..Default::default() };
//! ann.save(&conn)?;                       // INSERT; the generated id is written back
//! assert!(ann.id > 0);
//!
//! let regulars = Users::regulars(10).anonymous();
//! assert_eq!(regulars.count(&conn)?, 1);
//! let emails: Vec<String> = regulars.order("email DESC").pluck(&conn, Users::EMAIL)?;
//! assert_eq!(emails, ["ann@example.com"]);
//!
//! ann.update_attribute(&conn, Users::NAME, Some("Ann".to_owned()))?;
//! assert_eq!(Users::find(&conn, ann.id)?.name.as_deref(), Some("Ann"));
//! # Ok::<(), orm::Error>(())
//! ```
//!
//! ## Attributes
//!
//! On the struct: `#[db(table = "...")]` (default: the Rails plural of the
//! snake_case name, `BlogPost` → `blog_posts`, `Person` → `people`),
//! `#[db(mapper = "...")]` (default: the table in CamelCase), `#[db(scope =
//! "...")]` (default: `<Struct>Scope`), `#[db(crate = "...")]`,
//! `#[db(default_filter = "visible")]` (a `fn() -> Cond` that every
//! statement on the table applies; see [`Model::default_filter`]).
//!
//! On a field: `#[db(column = "...")]`, `#[db(skip)]` (not mapped; filled
//! with `Default` on read), `#[db(primary_key)]` (default: the field `id`),
//! `#[db(unique)]`, `#[db(index)]`. A field of type [`Snapshot`] turns on
//! change tracking: `save` then writes only the changed columns.
//!
//! ## Lifecycle columns
//!
//! Four field attributes give a column a part in every write, checked at
//! compile time (a field of the wrong type, a second column with the same
//! part, two parts on one field, or a part on the primary key are errors
//! pointing at the field):
//!
//! - `#[db(created_at)]` and `#[db(updated_at)]` on a `DateTime<Utc>` or
//!   `NaiveDateTime` (UTC) field, or an `Option` of one: every INSERT
//!   (`save`, `insert`, `insert_all`, `save_all`) sets both to the clock,
//!   every UPDATE (`save`, `update_attribute(s)` of records and scopes, soft
//!   deletes) sets `updated_at`; one clock reading per statement, at
//!   microseconds, written into the records too (not by `insert_all`, which
//!   borrows them; an upsert, for a user-supplied key without a
//!   [`Snapshot`], sets both also when it updates). [`Record::touch`] sets
//!   `updated_at` alone.
//!   [`Connection::without_timestamps`] turns this off for the writes of a
//!   closure (rows imported with their own dates); assigning the column in
//!   `update_attributes` keeps the value assigned.
//! - `#[db(soft_delete)]` on an `Option<DateTime<Utc>>` (or
//!   `Option<NaiveDateTime>`) field: [`Record::delete`] and scope `delete`
//!   set it instead of deleting, and `deleted_at IS NULL` joins the
//!   model's [default filter](Model::default_filter), so every query leaves
//!   the soft-deleted rows out (scopes, `find`, counts, aggregates, joins and
//!   includes into the model, accessors, full-join orphans). Both apply when
//!   the model also has a `default_filter`. [`Scoped::with_deleted`] lifts
//!   the soft-delete condition alone, [`Scoped::only_deleted`] selects the
//!   deleted rows, [`Scoped::without_default_filter`] lifts both;
//!   [`Record::restore`] undoes a soft delete, [`Record::hard_delete`] and
//!   [`Scoped::hard_delete`] really delete.
//! - `#[db(version)]` on an `i16`, `i32` or `i64` field (optimistic
//!   locking): every UPDATE and DELETE of a record runs `.. SET version =
//!   version + 1 WHERE key = ? AND version = ?` and fails with
//!   [`Error::StaleRecord`], writing nothing, when the row changed since the
//!   record was read; scope updates increment it too. The model needs a
//!   generated key or a [`Snapshot`] field (an upsert cannot check it).
//!
//! Relations are fields of the marker types [`BelongsTo`], [`HasOne`],
//! [`HasMany`] and [`ManyToMany`] (not columns), with `#[db(foreign_key =
//! "...")]`, `#[db(through = "...")]`, `#[db(through_keys("a_id", "b_id"))]`
//! and `#[db(join = "inner")]`; the mapper gets a typed [`Relation`] handle
//! per field (`Posts::AUTHOR`) for `join`, `include` and `full_join_all`,
//! and the struct an accessor (`post.author(&conn)`, `user.posts()`).
//! A `BelongsTo` field declares a foreign-key constraint that schema sync
//! creates ([`Model::FOREIGN_KEYS`]): `#[db(on_delete = "cascade")]` and
//! `#[db(on_update = "..")]` choose its actions (`cascade`, `restrict`,
//! `set_null` — only on an `Option` key —, `set_default`, `no_action`), and
//! `#[db(no_constraint)]` leaves it out.
//! `#[derive(FromRow)]` maps any struct from a row by column name.
//!
//! `#[derive(DbValue)]` makes a Rust enum of unit variants a column type,
//! stored as text (its variant names, or `#[db(rename_all = "snake_case")]`
//! / `#[db(rename = "..")]`) or as an integer (`#[db(int)]`, its
//! discriminants), and a newtype over a column type one too (with
//! `#[db(key)]`, a key type):
//!
//! ```
//! use orm::prelude::*;
//!
//! #[derive(DbValue, Debug, Clone, Copy, PartialEq, Default)]
//! #[db(rename_all = "snake_case")]
//! enum Status { #[default] Draft, InReview }
//!
//! #[derive(DbValue, Debug, Clone, PartialEq, Default)]
//! struct Email(String);
//!
//! #[derive(Model, Debug, Default)]
//! struct Article { id: i64, status: Status, author: Email }
//!
//! let conn = Connection::open("sqlite::memory:")?;
//! conn.sync::<Article>()?;
//! let mut a = Article { status: Status::InReview, author: Email("ann@x.org".into()), ..Default::default() };
//! a.save(&conn)?;
//! let stored: Vec<(String,)> = conn.query("SELECT status FROM articles", ())?;
//! assert_eq!(stored[0].0, "in_review");
//! assert_eq!(Articles::filter(Articles::STATUS.eq(Status::InReview)).count(&conn)?, 1);
//! # Ok::<(), orm::Error>(())
//! ```
//!
//! Column declarations for schema sync and migrations: `#[db(size = 40)]`
//! on a text field makes it `VARCHAR(40)`, and a longer value is refused
//! with [`Error::UnrepresentableValue`] before it is sent, on every dialect
//! (SQLite itself keeps any length). `#[db(default = 0)]` (also `-1`, `1.5`,
//! `true`, `"draft"`, or a SQL expression through the raw marker,
//! `#[db(default = raw("CURRENT_TIMESTAMP"))]`) declares the column's
//! [`ColumnDefault`]: what the database writes when an INSERT leaves the
//! column out, and what existing rows get when the column is added. orm's
//! own INSERTs write every field. `#[db(check = raw("price >= 0"))]` on the
//! struct declares a check constraint ([`CheckDef`], named
//! `ck_<table>_<hash>`), which the database enforces
//! ([`Error::CheckViolation`]). A literal that does not fit the field's
//! type, a size on a non-text field, and a default on the primary key fail
//! to compile, pointing at the attribute.
//!
//! Integer keys (`i16`, `i32`, `i64`, or an `Option` of one) are generated by
//! the database: a record whose key is zero (or `None`) is inserted. Other
//! key types are supplied by the user, and `save` upserts them. A
//! `uuid::Uuid` key (feature `uuid`) declared `#[db(default = random_uuid)]`
//! is made by the database ([`ColumnDefault::RandomUuid`]): `DEFAULT
//! gen_random_uuid()` on PostgreSQL and CockroachDB, an expression of
//! `randomblob()` on SQLite, refused with a typed error on MySQL / MariaDB
//! (no random UUID function); a record whose key is nil is inserted without
//! it, and the key made is read back into the record (`INSERT ..
//! RETURNING`).
//!
//! `hash_sharded` next to an index (`#[db(index, hash_sharded)]`,
//! `#[db(unique, hash_sharded(buckets = 16))]`, and in a struct's
//! `#[db(index(a, b, hash_sharded))]`) makes it a hash-sharded index on
//! CockroachDB (`USING HASH [WITH (bucket_count = N)]`, see
//! [`HashSharding`]); every other dialect creates the plain index. A bucket
//! count outside 2 to 2048 fails to compile.
//!
//! `#[db(primary_key)]` on several fields makes a composite key (a join
//! table such as `order_lines(order_id, product_id)`): the table gets
//! `PRIMARY KEY (order_id, product_id)`, the model's key is the tuple of the
//! fields (`OrderLines::find(&conn, (order_id, product_id))`), `save`
//! upserts on both columns (or inserts / updates per a [`Snapshot`] field),
//! and updates and deletes find the row by both. Such a model can belong to
//! others (its `BelongsTo` relations, includes, and `HasMany` from its
//! parents work as usual); relations that find rows by its key (its own
//! `HasMany`, `HasOne`, `ManyToMany`, or a `BelongsTo` pointing at it) do
//! not compile, and key fields cannot be `Option`s.
#![warn(missing_docs)]

pub use orm_core::{
    col, decode, named, AnsiDialect, Applied, Args, Assignment, BelongsTo, Change, ChangeKind,
    CheckDef, Col, ColRef, Column, ColumnDef, ColumnDefault, ColumnType, Cond, Connection,
    DbColumn, DbError, DbForeignKey, DbTable, DecodeError, Dialect, Drift, DynColumn, Error, Expr,
    ForeignKeyDef, FromRow, FromValue, Func, HasMany, HasOne, HashSharding, Hooks,
    IdempotencyStats, Include, IntoArg, IntoArgs, IntoDynOperand, IntoOperand, Isolation, JoinKind,
    KeyOperand, Layout, ListItem, Lock, LockMode, LockWait, ManyToMany, Mapper, Model, NPlusOne,
    Nested, Nulls, Op, Order, PlanOptions, PluckColumns, Pool, PoolMetrics, PoolOptions,
    PooledConnection, ReadRouting, Record, ReferentialAction, Relation, RelationDef, RelationKind,
    ReplicaStatus, Result, RetryPolicy, Row, Rows, Schema, SchemaPlan, Scope, Scoped, Single,
    Snapshot, SoftDelete, Sql, SqlType, Statement, SyncReport, Terms, Timestamped, ToValue,
    Transaction, TxOptions, TxPriority, Value, ValueRef, LOG_TARGET,
};
pub use orm_derive::{scopes, DbValue, FromRow, Model};

#[cfg(all(feature = "json", feature = "serde"))]
pub use orm_core::Json;

pub mod guide;

/// Versioned migrations: SQL files in a folder, run in order and recorded
/// with checksums; generated from the models for review. See
/// [`Migrations`](migrate::Migrations) and [`embed_migrations!`].
pub mod migrate {
    pub use orm_core::migrate::*;
}

/// Embeds a folder of migrations in the binary: `embed_migrations!("migrations")`
/// (relative to the crate's `Cargo.toml`) evaluates to
/// `orm::Result<`[`Migrations`](migrate::Migrations)`>`, so that start-up
/// runs them with one call. Each file is included with `include_str!`, so
/// editing one rebuilds the binary; a new folder is seen on the next build
/// of the crate (a `build.rs` with `println!("cargo:rerun-if-changed=migrations")`
/// makes that automatic).
///
/// ```
/// # use orm::prelude::*;
/// let conn = Connection::open("sqlite::memory:")?;
/// // An application embeds its "migrations" folder; this crate's tests have one.
/// orm::embed_migrations!("tests/fixtures/migrations")?.run(&conn)?;
/// # Ok::<(), orm::Error>(())
/// ```
pub use orm_derive::embed_migrations;
pub use orm_dialects::{open, pool, replicated_pool, Open};

/// The driver interface, for implementing a dialect outside this crate
/// (feature `driver`): [`Backend`](driver::Backend), [`Params`](driver::Params),
/// [`register_dialect`](driver::register_dialect) and the pieces of a
/// [`Dialect`].
#[cfg(feature = "driver")]
pub mod driver {
    pub use orm_core::driver::*;
}

#[doc(hidden)]
pub use orm_core::__private;

/// Asserts that a block runs exactly `n` statements on a connection, and
/// evaluates to the block's value: pins the queries a piece of code costs
/// (e.g. that an `include` stays one query per level).
///
/// ```
/// # use orm::prelude::*;
/// # #[derive(Model, Debug, Clone, Default)] struct User { id: i64 }
/// let conn = Connection::open("sqlite::memory:")?;
/// conn.sync::<User>()?;
/// let n = orm::assert_queries!(&conn, 1, { Users::count(&conn)? });
/// assert_eq!(n, 0);
/// # Ok::<(), orm::Error>(())
/// ```
#[macro_export]
macro_rules! assert_queries {
    ($conn:expr, $n:expr, $body:block) => {{
        let conn: &$crate::Connection = &*$conn;
        let before = conn.statement_count();
        let value = $body;
        let ran = conn.statement_count() - before;
        let expected: u64 = $n;
        assert_eq!(
            ran, expected,
            "expected {expected} statement(s), the block ran {ran}"
        );
        value
    }};
}

/// What only CockroachDB has (feature `postgres`): reads of a past
/// snapshot and follower reads, as scope methods
/// ([`CockroachScope`](cockroach::CockroachScope)) taking a typed
/// [`AsOf`](cockroach::AsOf).
#[cfg(feature = "postgres")]
pub mod cockroach {
    pub use orm_core::AsOf;
    pub use orm_dialects::postgres::CockroachScope;
}

/// The drivers, one module per dialect.
pub mod dialects {
    pub use orm_dialects::*;
}

/// Everything an application needs, in one import.
pub mod prelude {
    pub use crate::{
        col, named, BelongsTo, Col, Column, Cond, Connection, DbValue, Error, FromRow, Func,
        HasMany, HasOne, Hooks, Isolation, ManyToMany, Mapper, Model, Nulls, Op, Open, Pool,
        PoolOptions, Record, Result, RetryPolicy, Scoped, Snapshot, Sql, Transaction, TxOptions,
        Value,
    };
}
