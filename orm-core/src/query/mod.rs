//! The statement model: SELECT, INSERT, UPDATE, DELETE and the DDL of
//! schema sync as plain data.
//!
//! Scopes, records, relations, includes and full-join orphans build these
//! values; [`compile`] is the one place that turns them into SQL text, with
//! the clauses that differ between databases delegated to the
//! [`Dialect`](crate::Dialect) (LIMIT/OFFSET, upsert, locking, `AS OF SYSTEM
//! TIME`, NULLS ordering, placeholders, quoting). Nothing here is generic over
//! a model: statements point at the `&'static` table metadata the derive
//! emits ([`TableMeta`]), so adding models does not multiply the compiler's
//! machine code. The SQL of statements whose text depends only on the model
//! and the dialect is kept per shape in the table's [`SqlCache`].

mod as_of;
mod cache;
pub(crate) mod compile;

pub use as_of::AsOf;
pub use cache::SqlCache;
pub(crate) use cache::{ScopeKey, Shape, SizedShape, SqlText};

use std::borrow::Cow;

use crate::cond::{Assignment, Cond, Order};
use crate::expr::{Args, ColRef, Expr};
use crate::model::ColumnDef;
use crate::names::{CountOn, NameTerm};
use crate::relation::Join;
use crate::value::Value;

/// What the derive emits for each model: its table, columns, key, default
/// filter and the cache of its SQL, in one `static`.
#[derive(Debug)]
pub struct TableMeta {
    /// The table name.
    pub name: &'static str,
    /// The mapped columns, in declaration order.
    pub columns: &'static [ColumnDef],
    /// The index of the primary key in `columns`.
    pub key_index: usize,
    /// The indexes of the key's columns (several for a composite key).
    pub key_columns: &'static [usize],
    /// The index of the version column (optimistic locking), if any.
    pub version: Option<usize>,
    /// The index of the soft-delete column (`deleted_at`), if any.
    pub soft_delete: Option<usize>,
    /// The indexes of the `created_at` and `updated_at` columns, if any.
    pub stamps: (Option<usize>, Option<usize>),
    /// The model's default filter (see
    /// [`Model::default_filter`](crate::Model::default_filter)), when it
    /// declares one: `None` saves a call per statement.
    pub default_filter: Option<fn() -> Option<Cond>>,
    /// The model's SQL, per statement shape and dialect.
    pub cache: SqlCache,
}

impl TableMeta {
    /// The metadata of model `M`, for a `static`: called by derived code
    /// with the model's default filter (a constant cannot hold the
    /// function `M::default_filter` names only when the model declares one).
    pub const fn of<M: crate::model::Model>(default_filter: Option<fn() -> Option<Cond>>) -> Self {
        TableMeta {
            name: M::TABLE,
            columns: M::COLUMNS,
            key_index: M::KEY_INDEX,
            key_columns: M::KEY_COLUMNS,
            version: M::VERSION,
            soft_delete: M::SOFT_DELETE,
            stamps: (M::CREATED_AT, M::UPDATED_AT),
            default_filter,
            cache: SqlCache::new(),
        }
    }

    /// The primary key's column name.
    pub fn key(&self) -> &'static str {
        self.columns[self.key_index].name
    }
}

/// A row lock taken by a SELECT inside a transaction
/// ([`Scoped::for_update`](crate::Scoped::for_update) and friends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lock {
    /// Which lock.
    pub mode: LockMode,
    /// What happens when a row is locked by another transaction.
    pub wait: LockWait,
}

/// Which row lock a SELECT takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    /// `FOR UPDATE`: the rows are locked against writes and other
    /// `FOR UPDATE` reads until the transaction ends.
    Update,
    /// `FOR SHARE` (MariaDB: `LOCK IN SHARE MODE`): the rows are locked
    /// against writes.
    Share,
}

/// What a locking SELECT does about rows another transaction holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LockWait {
    /// Waits for them (the default).
    #[default]
    Wait,
    /// Fails at once (`NOWAIT`).
    NoWait,
    /// Leaves them out of the result (`SKIP LOCKED`): for work queues.
    SkipLocked,
}

/// One item of a SELECT list.
#[derive(Clone)]
pub(crate) enum Item<'a> {
    /// Every column of a model, qualified by `qualifier` when given.
    Columns {
        qualifier: Option<&'a str>,
        columns: &'static [ColumnDef],
    },
    /// Every column of model table `t`, qualified by its name when
    /// `qualified`: the list rendered once per dialect and kept in the
    /// model's SQL cache (scopes with conditions render the rest of their
    /// SELECT on each call).
    Model {
        t: &'static TableMeta,
        qualified: bool,
    },
    /// One column.
    Col(ColRef),
    /// An expression.
    Expr(&'a Expr),
    /// A column by name (with its alias), or raw SQL.
    Term(&'a NameTerm),
    /// `1`, with an optional alias.
    One(Option<&'static str>),
    /// `FUNC([DISTINCT] col)`; `AVG` as a double where the dialect needs it.
    Agg {
        func: &'static str,
        distinct: bool,
        col: &'a ColRef,
    },
    /// `COUNT(..)`; over a subquery (`outer`) the counted column is named
    /// unqualified, as the subquery's rows name it.
    Count { on: &'a CountOn, outer: bool },
}

/// What a SELECT reads from.
pub(crate) enum Source<'a> {
    /// A table.
    Table(Cow<'a, str>),
    /// A subquery under an alias.
    Sub(Box<Select<'a>>, &'static str),
}

/// One condition of a WHERE clause (all of them are ANDed).
pub(crate) enum Filter<'a> {
    /// A condition of the scope.
    Cond(&'a Cond),
    /// A condition built for this statement.
    Owned(Cond),
    /// `col = <placeholder>`: the value is bound by the caller (statements
    /// cached per shape).
    Param(ColRef),
    /// `"column" IN (SELECT ..)`, the column unqualified.
    InSelect(&'a str, Box<Select<'a>>),
    /// `NOT EXISTS (SELECT ..)`.
    NotExists(Box<Select<'a>>),
    /// `a = b`, two columns.
    ColsEq(ColRef, ColRef),
    /// `col IN (values)`, as one array parameter where the dialect has
    /// them ([`SqlBuilder::any_of`](crate::sql::SqlBuilder::any_of)).
    AnyOf(ColRef, &'a [Value]),
}

/// The joins a statement adds to its scope's: a few, kept inline.
pub(crate) type Joins = smallvec::SmallVec<[Join; 2]>;

/// A SELECT.
pub(crate) struct Select<'a> {
    pub distinct: bool,
    /// The SELECT list (a model's columns come from a constant).
    pub items: &'a [Item<'a>],
    pub from: Source<'a>,
    /// Names under which the source is known inside (an alias of the table).
    pub alias: Option<&'static str>,
    pub as_of: Option<&'a AsOf>,
    /// The scope's joins, then those built for this statement.
    pub joins: &'a [Join],
    pub more_joins: Joins,
    /// Whether joined models' default filters go into their ON clauses.
    pub filtered_joins: bool,
    /// The scope's conditions, then the filters built for this statement
    /// (all ANDed).
    pub conds: &'a [Cond],
    pub filter: Vec<Filter<'a>>,
    pub group_by: &'a [NameTerm],
    pub having: &'a [Cond],
    pub order: &'a [Order],
    /// ORDER BY these columns, after `order`.
    pub order_by_cols: Vec<ColRef>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    pub lock: Option<Lock>,
}

impl<'a> Select<'a> {
    /// `SELECT items FROM table`, nothing else.
    pub(crate) fn from(table: impl Into<Cow<'a, str>>, items: &'a [Item<'a>]) -> Self {
        Select {
            distinct: false,
            items,
            from: Source::Table(table.into()),
            alias: None,
            as_of: None,
            joins: &[],
            more_joins: Joins::new(),
            filtered_joins: true,
            conds: &[],
            filter: Vec::new(),
            group_by: &[],
            having: &[],
            order: &[],
            order_by_cols: Vec::new(),
            limit: None,
            offset: None,
            lock: None,
        }
    }
}

/// The rows an INSERT writes.
pub(crate) enum Rows<'a> {
    /// `n` rows of placeholders, bound by the caller.
    Placeholders(usize),
    /// Values.
    Values(Vec<Vec<&'a Expr>>),
}

/// An INSERT (one or many rows), optionally an upsert on the key, optionally
/// returning the generated key.
pub(crate) struct Insert<'a> {
    pub table: &'a str,
    pub columns: Vec<&'a str>,
    pub rows: Rows<'a>,
    /// Upsert: on a conflict on the key (its columns), update the other
    /// columns.
    pub upsert_key: Option<Vec<&'a str>>,
    /// The key column to read back.
    pub returning: Option<Returning<'a>>,
}

/// What an INSERT reads back.
#[derive(Clone, Copy)]
pub(crate) enum Returning<'a> {
    /// The generated integer key column, through `RETURNING` where the
    /// dialect reads it that way ([`GeneratedKey::of`](crate::backend::GeneratedKey)),
    /// else from the driver.
    GeneratedKey(&'a str),
    /// A column the database fills in with its default (a
    /// `#[db(default = random_uuid)]` key), through `RETURNING` on every
    /// dialect: a row the statement gives back.
    Column(&'a str),
}

/// What an UPDATE sets.
pub(crate) enum Set<'a> {
    /// Assignments of columns.
    Assign(&'a [Assignment]),
    /// `col = <placeholder>` for each column, bound by the caller.
    Placeholders(Vec<&'a str>),
    /// Raw SQL.
    Sql(&'a str, &'a Args),
}

/// An UPDATE.
pub(crate) struct Update<'a> {
    pub table: &'a str,
    pub set: Set<'a>,
    /// A version column also set to itself plus one (optimistic locking).
    pub bump: Option<&'a str>,
    pub filter: Vec<Filter<'a>>,
}

/// A DELETE.
pub(crate) struct Delete<'a> {
    pub table: &'a str,
    pub filter: Vec<Filter<'a>>,
}

/// `CREATE TABLE`: the model's columns, its generated key, the dialect's
/// table options.
pub(crate) struct CreateTable<'a> {
    pub table: &'a str,
    /// Each column's name and definition (the name apart: a table read
    /// back from a database has no `'static` names).
    pub columns: Vec<(&'a str, &'a ColumnDef)>,
    /// A primary key over several columns (`PRIMARY KEY (a, b)` after the
    /// columns, which then do not say `PRIMARY KEY` each); empty otherwise.
    pub composite_key: Vec<&'a str>,
    /// The table's foreign-key constraints, after the columns.
    pub foreign_keys: &'a [ForeignKey<'a>],
    /// The table's check constraints, after the foreign keys.
    pub checks: &'a [Check<'a>],
}

/// `CONSTRAINT name CHECK (condition)`: the condition is raw SQL written in
/// the program (`#[db(check = raw(".."))]`).
pub(crate) struct Check<'a> {
    pub name: &'a str,
    pub sql: &'a str,
}

/// `ALTER TABLE .. ADD CONSTRAINT name CHECK (..)`.
pub(crate) struct AddCheck<'a> {
    pub table: &'a str,
    pub check: Check<'a>,
}

/// `CONSTRAINT name FOREIGN KEY (column) REFERENCES table (key) [ON DELETE
/// ..] [ON UPDATE ..]`.
pub(crate) struct ForeignKey<'a> {
    pub name: &'a str,
    pub column: &'a str,
    pub references: &'a str,
    pub references_column: &'a str,
    pub on_delete: Option<crate::model::ReferentialAction>,
    pub on_update: Option<crate::model::ReferentialAction>,
}

/// `ALTER TABLE .. ADD CONSTRAINT .. FOREIGN KEY ..`.
pub(crate) struct AddForeignKey<'a> {
    pub table: &'a str,
    pub foreign_key: ForeignKey<'a>,
}

/// `ALTER TABLE .. ADD COLUMN`; a NOT NULL column gets the type's zero as
/// its default, for the rows already there.
pub(crate) struct AddColumn<'a> {
    pub table: &'a str,
    pub column: &'a ColumnDef,
}

/// `CREATE [UNIQUE] INDEX name ON table (columns) [WHERE col IS NULL]`.
pub(crate) struct CreateIndex<'a> {
    pub name: &'a str,
    pub table: &'a str,
    pub columns: &'a [&'a str],
    pub unique: bool,
    /// A partial index of the rows where this column is NULL (the rows not
    /// soft-deleted).
    pub where_null: Option<&'a str>,
    /// Built without blocking writes to the table, where the dialect can
    /// (PostgreSQL's `CONCURRENTLY`).
    pub concurrently: bool,
    /// Hash-sharded, where the dialect has such indexes (CockroachDB).
    pub hash_sharded: Option<crate::model::HashSharding>,
}

/// What undoes a schema change, for a generated migration's `down.sql`.
pub(crate) enum DropDdl<'a> {
    /// `DROP TABLE`.
    Table(&'a str),
    /// `ALTER TABLE .. DROP COLUMN`.
    Column { table: &'a str, column: &'a str },
    /// `DROP INDEX` (on MySQL, `.. ON table`).
    Index { table: &'a str, name: &'a str },
    /// `ALTER TABLE .. DROP CONSTRAINT` (on MySQL, `DROP FOREIGN KEY`).
    ForeignKey { table: &'a str, name: &'a str },
    /// `ALTER TABLE .. DROP CONSTRAINT` of a check constraint.
    Check { table: &'a str, name: &'a str },
}
