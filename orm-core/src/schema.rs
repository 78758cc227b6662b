//! Schema sync (XORM's `Sync2`): create what is missing, never drop anything,
//! and report the drift it will not fix.

use std::fmt;

use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::model::{ColumnDef, Model};
use crate::query::{compile, AddColumn, CreateIndex, CreateTable};
use crate::sql::SqlBuilder;

/// A column as the database describes it, for schema sync.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbColumn {
    /// Column name.
    pub name: String,
    /// Declared type, as the database reports it.
    pub db_type: String,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// Whether the column is (part of) the primary key.
    pub primary_key: bool,
}

impl DbColumn {
    /// The `N` of a `VARCHAR(N)` / `CHARACTER VARYING(N)` column, as its
    /// catalogue type says (ASCII case-insensitively): what
    /// `#[db(size = N)]` declares.
    pub fn text_size(&self) -> Option<u32> {
        let t = self.db_type.trim().to_ascii_uppercase();
        let rest = t
            .strip_prefix("VARCHAR(")
            .or_else(|| t.strip_prefix("CHARACTER VARYING("))?;
        rest.strip_suffix(')')?.trim().parse().ok()
    }
}

/// A foreign-key constraint as the database describes it, for schema sync
/// and [`Connection::introspect`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbForeignKey {
    /// The constraint's name, when the catalogue knows it (SQLite's does
    /// not).
    pub name: Option<String>,
    /// The referencing column (one row a column, for a constraint over
    /// several).
    pub column: String,
    /// The referenced table.
    pub references: String,
    /// The referenced column.
    pub referenced_column: String,
    /// What a delete of the referenced row does; `None` for the database's
    /// default (`NO ACTION`).
    pub on_delete: Option<crate::model::ReferentialAction>,
    /// What an update of the referenced key does; `None` for the default.
    pub on_update: Option<crate::model::ReferentialAction>,
}

/// What schema sync reads from a database: its catalogue queries, and what
/// it refuses to sync. Each driver has one ([`Backend::catalogue`]), kept
/// apart from the [`Dialect`](crate::Dialect), which only writes SQL.
///
/// [`Backend::catalogue`]: crate::driver::Backend::catalogue
pub trait Catalogue: Send + Sync {
    /// The existing columns of `table`, or `None` if there is no such table.
    fn table_columns(&self, conn: &Connection, table: &str) -> Result<Option<Vec<DbColumn>>>;

    /// The names of the indexes on `table`.
    fn index_names(&self, conn: &Connection, table: &str) -> Result<Vec<String>>;

    /// The foreign-key constraints of `table`. Sync counts a model's
    /// foreign key as present when one has its name, or the same column
    /// and referenced table (a constraint made by hand).
    fn foreign_keys(&self, conn: &Connection, table: &str) -> Result<Vec<DbForeignKey>>;

    /// The names of the check constraints of `table` (SQLite, which keeps
    /// no list: the names its `CREATE TABLE` text declares). Sync counts a
    /// model's check as present when one has its name.
    fn check_names(&self, conn: &Connection, table: &str) -> Result<Vec<String>>;

    /// Whether the database adds a constraint (a foreign key, a check) to
    /// an existing table (`ALTER TABLE .. ADD CONSTRAINT`) and checks that
    /// a referenced table exists when a table is created. SQLite does
    /// neither: sync then declares every constraint in its `CREATE TABLE`,
    /// and reports one missing from an existing table as drift
    /// ([`Drift::MissingForeignKey`], [`Drift::MissingCheck`]). The default
    /// is true.
    fn alters_constraints(&self) -> bool {
        true
    }

    /// Whether the type `db_type` the catalogue reports is what the dialect
    /// declares for `column`.
    fn same_type(&self, conn: &Connection, column: &ColumnDef, db_type: &str) -> bool;

    /// The tables of the connection's database (PostgreSQL: of the current
    /// schema), for [`Connection::introspect`]. The default reads none.
    fn table_names(&self, conn: &Connection) -> Result<Vec<String>> {
        Err(Error::invalid(format!(
            "the {} driver cannot list tables",
            conn.dialect().name()
        )))
    }

    /// The portable type a column of the catalogue's type `db_type` maps
    /// to, when there is one: the inverse of the dialect's `column_type`,
    /// widened where it is ambiguous (SQLite's `INTEGER` reads as `i64`).
    fn sql_type(&self, db_type: &str) -> Option<crate::value::SqlType> {
        let _ = db_type;
        None
    }

    /// Called before sync reads or changes anything, with the model's table
    /// and columns: refuses what cannot be synced (a key type the database
    /// cannot generate, DDL inside an explicit transaction). The default
    /// accepts everything.
    fn check_sync(&self, conn: &Connection, table: &str, columns: &[ColumnDef]) -> Result<()> {
        let _ = (conn, table, columns);
        Ok(())
    }
}

/// Whether the type `db_type` a catalogue reports for `column` is the first
/// word of what `dialect` declares for it (`TEXT` for `TEXT COLLATE x`,
/// `VARCHAR(255)`), ASCII-case-insensitively: for catalogues that report
/// declared types as written.
pub fn same_declared_type(dialect: &dyn crate::Dialect, column: &ColumnDef, db_type: &str) -> bool {
    let want = if column.auto_increment {
        dialect.generated_key_ddl(column)
    } else {
        dialect.column_type(column)
    };
    let want = want.split_whitespace().next().unwrap_or("");
    want.eq_ignore_ascii_case(db_type.trim())
}

/// The catalogue of a driver that has none: schema sync is refused.
pub(crate) struct NoCatalogue;

impl Catalogue for NoCatalogue {
    fn table_columns(&self, conn: &Connection, _: &str) -> Result<Option<Vec<DbColumn>>> {
        Err(Error::invalid(format!(
            "the {} driver reads no catalogue: schema sync is not available",
            conn.dialect().name()
        )))
    }
    fn index_names(&self, conn: &Connection, table: &str) -> Result<Vec<String>> {
        self.table_columns(conn, table).map(|_| Vec::new())
    }
    fn foreign_keys(&self, conn: &Connection, table: &str) -> Result<Vec<DbForeignKey>> {
        self.table_columns(conn, table).map(|_| Vec::new())
    }
    fn check_names(&self, conn: &Connection, table: &str) -> Result<Vec<String>> {
        self.table_columns(conn, table).map(|_| Vec::new())
    }
    fn same_type(&self, _: &Connection, _: &ColumnDef, _: &str) -> bool {
        false
    }
}

/// A difference between a model and its table that sync does not fix.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Drift {
    /// The column's declared type differs from the model's.
    TypeMismatch {
        /// Column.
        column: String,
        /// What the model declares.
        expected: String,
        /// What the table has.
        actual: String,
    },
    /// The column's nullability differs from the model's.
    NullabilityMismatch {
        /// Column.
        column: String,
        /// Whether the model allows NULL.
        model_nullable: bool,
    },
    /// The table has a column the model does not map.
    ExtraColumn {
        /// Column.
        column: String,
        /// Its declared type.
        db_type: String,
    },
    /// The table's primary key is not the model's.
    PrimaryKeyMismatch {
        /// The model's key column.
        column: String,
    },
    /// A foreign key the model declares (a `BelongsTo` relation) is not on
    /// the table, and sync cannot add it now: SQLite adds no constraint to
    /// an existing table, and a server table is created without a
    /// constraint whose referenced table neither exists nor is in the plan
    /// (a later plan, once it exists, adds it).
    MissingForeignKey {
        /// The constraint's name.
        name: String,
        /// The referencing column.
        column: String,
        /// The referenced table.
        references: String,
    },
    /// A check constraint the model declares is not on the table, and
    /// SQLite adds no constraint to an existing table.
    MissingCheck {
        /// The constraint's name.
        name: String,
        /// Its condition.
        sql: String,
    },
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Drift::TypeMismatch {
                column,
                expected,
                actual,
            } => write!(
                f,
                "column {column} is {actual}, the model declares {expected}"
            ),
            Drift::NullabilityMismatch {
                column,
                model_nullable,
            } => write!(
                f,
                "column {column} is {}, the model says {}",
                if *model_nullable {
                    "NOT NULL"
                } else {
                    "nullable"
                },
                if *model_nullable {
                    "nullable"
                } else {
                    "NOT NULL"
                }
            ),
            Drift::ExtraColumn { column, db_type } => {
                write!(f, "column {column} ({db_type}) is not in the model")
            }
            Drift::PrimaryKeyMismatch { column } => {
                write!(f, "the table's primary key is not {column}")
            }
            Drift::MissingForeignKey {
                name,
                column,
                references,
            } => write!(
                f,
                "foreign key {name} ({column} references {references}) is missing"
            ),
            Drift::MissingCheck { name, sql } => {
                write!(f, "check constraint {name} ({sql}) is missing")
            }
        }
    }
}

/// What a sync did and what it found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncReport {
    /// The table.
    pub table: String,
    /// Whether the table was created.
    pub created_table: bool,
    /// Columns added.
    pub added_columns: Vec<String>,
    /// Indexes (and unique indexes) created.
    pub created_indexes: Vec<String>,
    /// Foreign keys added to the existing table, by name (those of a
    /// created table are in its `CREATE TABLE`).
    pub added_foreign_keys: Vec<String>,
    /// Check constraints added to the existing table, by name.
    pub added_checks: Vec<String>,
    /// Differences left alone.
    pub drift: Vec<Drift>,
}

impl SyncReport {
    /// Whether the sync changed the schema.
    pub fn changed(&self) -> bool {
        self.created_table
            || !self.added_columns.is_empty()
            || !self.created_indexes.is_empty()
            || !self.added_foreign_keys.is_empty()
            || !self.added_checks.is_empty()
    }
}

/// The name of the index of `prefix` (`ux`, `ix`) on `table.column`:
/// `ux_table_column`, or when that is longer than `max` bytes (PostgreSQL
/// truncates names at 63 bytes, so the next sync would not find it; MySQL
/// refuses names over 64) its longest prefix that fits, cut on a character
/// boundary, then `_` and 8 hex digits of a hash of the whole name: the
/// same name every time, and different for different columns.
pub(crate) fn index_name(prefix: &str, table: &str, column: &str, max: Option<usize>) -> String {
    let full = format!("{prefix}_{table}_{column}");
    let Some(max) = max.filter(|&m| full.len() > m && m > 9) else {
        return full;
    };
    let hash = fnv1a(&full);
    let mut cut = max - 9;
    while !full.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}_{hash:08x}", &full[..cut])
}

/// FNV-1a: stable across processes and releases (unlike std's hasher).
fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// The name of a check constraint of `table`: `ck_<table>_<hash of the
/// condition>`, fitted to the dialect's limit like an index name.
pub(crate) fn check_name(table: &str, sql: &str, max: Option<usize>) -> String {
    index_name("ck", table, &format!("{:08x}", fnv1a(sql)), max)
}

/// How [`Connection::schema_plan_with`] plans.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlanOptions {
    /// Whether indexes on tables that already exist are built without
    /// blocking writes (PostgreSQL's `CREATE INDEX CONCURRENTLY`; accepted
    /// and implied on CockroachDB; MySQL's InnoDB and SQLite build them as
    /// usual). Such a statement cannot run inside a transaction, and a
    /// failed one leaves an invalid index behind to drop by hand.
    pub concurrent_indexes: bool,
}

impl PlanOptions {
    /// Indexes on existing tables are built without blocking writes (see
    /// [`concurrent_indexes`](Self::concurrent_indexes)).
    pub fn concurrent_indexes(mut self, yes: bool) -> Self {
        self.concurrent_indexes = yes;
        self
    }
}

/// What schema sync needs of a model: its table, columns, and the columns
/// that shape its indexes. Built from the model's consts, so the planning
/// below is not instantiated per model.
#[derive(Debug, Clone, Copy)]
#[doc(hidden)]
pub struct TableSpec {
    name: &'static str,
    columns: &'static [ColumnDef],
    soft_delete: Option<usize>,
    partial_unique: &'static [usize],
    indexes: &'static [(bool, &'static [usize], Option<crate::model::HashSharding>)],
    foreign_keys: &'static [crate::model::ForeignKeyDef],
    checks: &'static [crate::model::CheckDef],
}

impl TableSpec {
    fn of<M: Model>() -> Self {
        TableSpec {
            name: M::TABLE,
            columns: M::COLUMNS,
            soft_delete: M::SOFT_DELETE,
            partial_unique: M::PARTIAL_UNIQUE,
            indexes: M::INDEXES,
            foreign_keys: M::FOREIGN_KEYS,
            checks: M::CHECKS,
        }
    }

    /// Creates a table of orm's own when it is missing.
    pub(crate) fn ensure_internal(
        conn: &Connection,
        name: &'static str,
        columns: &'static [ColumnDef],
    ) -> Result<()> {
        let plan = plan(
            conn,
            &PlanOptions::default(),
            vec![TableSpec::internal(name, columns)],
        )?;
        conn.apply(&plan)
    }

    /// Inserts one row of `values` (one a column) into a table of orm's own.
    pub(crate) fn insert_internal(
        conn: &Connection,
        name: &'static str,
        columns: &'static [ColumnDef],
        values: &[crate::expr::Expr],
    ) -> Result<()> {
        let mut b = SqlBuilder::new(conn.dialect());
        compile::insert(
            &mut b,
            &crate::query::Insert {
                table: name,
                columns: columns.iter().map(|c| c.name).collect(),
                rows: crate::query::Rows::Values(vec![values.iter().collect()]),
                upsert_key: None,
                returning: None,
            },
        )?;
        let (sql, params) = b.finish();
        conn.execute_prepared(&sql, &params).map(drop)
    }

    /// A table of orm's own (the migrations' history), without a model.
    pub(crate) const fn internal(name: &'static str, columns: &'static [ColumnDef]) -> Self {
        TableSpec {
            name,
            columns,
            soft_delete: None,
            partial_unique: &[],
            indexes: &[],
            foreign_keys: &[],
            checks: &[],
        }
    }
}

/// The models whose tables a schema plan covers: one model, or a tuple of
/// them (`(User, Post, Comment)`), planned in that order. Sealed.
pub trait Schema: crate::__private::Sealed {
    /// The tables, in order.
    #[doc(hidden)]
    fn tables() -> Vec<TableSpec>;
}

impl<M: Model> Schema for M {
    fn tables() -> Vec<TableSpec> {
        vec![TableSpec::of::<M>()]
    }
}

macro_rules! schema_tuples {
    ($(($($m:ident),+)),+ $(,)?) => {$(
        impl<$($m: Model),+> crate::__private::Sealed for ($($m,)+) {}
        impl<$($m: Model),+> Schema for ($($m,)+) {
            fn tables() -> Vec<TableSpec> {
                vec![$(TableSpec::of::<$m>()),+]
            }
        }
    )+};
}
schema_tuples!(
    (A),
    (A, B),
    (A, B, C),
    (A, B, C, D),
    (A, B, C, D, E),
    (A, B, C, D, E, F),
    (A, B, C, D, E, F, G),
    (A, B, C, D, E, F, G, H),
    (A, B, C, D, E, F, G, H, I),
    (A, B, C, D, E, F, G, H, I, J),
    (A, B, C, D, E, F, G, H, I, J, K),
    (A, B, C, D, E, F, G, H, I, J, K, L),
);

/// What a schema change does.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChangeKind {
    /// Creates the table.
    CreateTable,
    /// Adds a column (a NOT NULL one with its type's zero as default).
    AddColumn(String),
    /// Creates an index (unique or not), by name.
    CreateIndex(String),
    /// Adds a foreign-key constraint to a table, by name (after the
    /// tables are created: a table created by the plan declares its
    /// foreign keys in its `CREATE TABLE` when it can).
    AddForeignKey(String),
    /// Adds a check constraint to an existing table, by name (a table
    /// created by the plan declares its checks in its `CREATE TABLE`).
    AddCheck(String),
}

/// One change of a [`SchemaPlan`], with its SQL for the connection's
/// dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Change {
    /// The table changed.
    pub table: String,
    /// What it does.
    pub kind: ChangeKind,
    /// Its SQL, one statement.
    pub sql: String,
}

/// What schema sync would do to bring tables in line with their models:
/// the changes, in order, each with its SQL (review it, save it as a
/// migration, or [`apply`](Connection::apply) it), and the drift it leaves
/// alone. Never drops or alters anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaPlan {
    /// The changes, in the order they run.
    pub changes: Vec<Change>,
    /// Differences it does not change, by table.
    pub drift: Vec<(String, Drift)>,
}

impl SchemaPlan {
    /// Whether there is nothing to change.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

impl fmt::Display for SchemaPlan {
    /// The changes as a SQL script, one statement a line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.changes {
            writeln!(f, "{};", c.sql)?;
        }
        Ok(())
    }
}

/// Compiles one DDL statement.
fn ddl(conn: &Connection, write: impl FnOnce(&mut SqlBuilder<'_>) -> Result<()>) -> Result<String> {
    let mut b = SqlBuilder::new(conn.dialect());
    write(&mut b)?;
    Ok(b.sql)
}

/// The tables in the order they are created: each after the tables of the
/// plan it references (stable otherwise; in a cycle, in the order given).
fn creation_order(mut rest: Vec<TableSpec>) -> Vec<TableSpec> {
    let mut out: Vec<TableSpec> = Vec::with_capacity(rest.len());
    while !rest.is_empty() {
        let ready = rest
            .iter()
            .position(|t| {
                t.foreign_keys.iter().all(|fk| {
                    fk.references == t.name || !rest.iter().any(|r| r.name == fk.references)
                })
            })
            .unwrap_or(0);
        out.push(rest.remove(ready));
    }
    out
}

/// Where a table stands in the plan: the tables planned before it and
/// after it.
struct Planned<'p> {
    before: &'p [TableSpec],
    after: &'p [TableSpec],
}

impl Planned<'_> {
    fn before(&self, table: &str) -> bool {
        self.before.iter().any(|t| t.name == table)
    }
    fn after(&self, table: &str) -> bool {
        self.after.iter().any(|t| t.name == table)
    }
}

/// Where a foreign key of a table goes.
enum FkPlace {
    /// In the table's `CREATE TABLE`.
    Inline,
    /// `ALTER TABLE .. ADD CONSTRAINT`, after the plan's tables.
    Alter,
    /// Nowhere for now: drift.
    Missing,
}

/// Plans the foreign keys of table `t` (`created`: by this plan): those
/// that go into its `CREATE TABLE` are returned, the others pushed to
/// `deferred` (ALTER TABLE after every table) or reported as drift.
fn plan_foreign_keys<'t>(
    conn: &Connection,
    t: &'t TableSpec,
    created: bool,
    planned: &Planned<'_>,
    plan: &mut SchemaPlan,
    deferred: &mut Vec<Change>,
) -> Result<Vec<(String, &'t crate::model::ForeignKeyDef)>> {
    let catalogue = conn.catalogue();
    let alters = catalogue.alters_constraints();
    let present = if created || t.foreign_keys.is_empty() {
        Vec::new()
    } else {
        catalogue.foreign_keys(conn, t.name)?
    };
    let mut inline = Vec::new();
    for fk in t.foreign_keys {
        let column = t.columns[fk.column].name;
        let name = index_name("fk", t.name, column, conn.dialect().max_identifier_len());
        let there = present.iter().any(|p| {
            p.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(&name))
                || (p.column.eq_ignore_ascii_case(column)
                    && p.references.eq_ignore_ascii_case(fk.references))
        });
        if there {
            continue;
        }
        // Whether the referenced table is there when the constraint is
        // added: the table itself, one created before it, or one that
        // exists (and one created after it, for an ALTER after all).
        let parent = |alter: bool| -> Result<bool> {
            Ok(fk.references == t.name
                || planned.before(fk.references)
                || (alter && planned.after(fk.references))
                || (!planned.after(fk.references)
                    && catalogue.table_columns(conn, fk.references)?.is_some()))
        };
        let place = match (created, alters) {
            // SQLite checks no reference when a table is created, and adds
            // no constraint later.
            (true, false) => FkPlace::Inline,
            (false, false) => FkPlace::Missing,
            (true, true) if parent(false)? => FkPlace::Inline,
            (_, true) if parent(true)? => FkPlace::Alter,
            (_, true) => FkPlace::Missing,
        };
        match place {
            FkPlace::Inline => inline.push((name, fk)),
            FkPlace::Alter => {
                let add = crate::query::AddForeignKey {
                    table: t.name,
                    foreign_key: foreign_key(t, &name, fk),
                };
                let sql = ddl(conn, |b| compile::add_foreign_key(b, &add))?;
                deferred.push(Change {
                    table: t.name.to_owned(),
                    kind: ChangeKind::AddForeignKey(name),
                    sql,
                });
            }
            FkPlace::Missing => plan.drift.push((
                t.name.to_owned(),
                Drift::MissingForeignKey {
                    name,
                    column: column.to_owned(),
                    references: fk.references.to_owned(),
                },
            )),
        }
    }
    Ok(inline)
}

/// The statement value of a model's foreign key.
fn foreign_key<'a>(
    t: &TableSpec,
    name: &'a str,
    fk: &crate::model::ForeignKeyDef,
) -> crate::query::ForeignKey<'a> {
    crate::query::ForeignKey {
        name,
        column: t.columns[fk.column].name,
        references: fk.references,
        references_column: fk.references_column,
        on_delete: fk.on_delete,
        on_update: fk.on_update,
    }
}

/// Plans one table into `plan`; foreign keys added to tables go to
/// `deferred`, run after every table of the plan.
fn plan_table(
    conn: &Connection,
    options: &PlanOptions,
    t: &TableSpec,
    planned: &Planned<'_>,
    plan: &mut SchemaPlan,
    deferred: &mut Vec<Change>,
) -> Result<()> {
    let dialect = conn.dialect();
    let catalogue = conn.catalogue();
    catalogue.check_sync(conn, t.name, t.columns)?;
    if !t.partial_unique.is_empty() && !dialect.partial_indexes() {
        // Refused before anything is created, not half-way.
        return Err(crate::error::Error::invalid(format!(
            "{} declares partial unique indexes (#[db(unique, partial)]), and the {} dialect \
             has no partial indexes",
            t.name,
            dialect.name()
        )));
    }
    if dialect.random_uuid().is_none() {
        if let Some(c) = t.columns.iter().find(|c| crate::model::key_by_default(c)) {
            return Err(crate::dialect::no_random_uuid(
                dialect,
                &format!("{}.{}", t.name, c.name),
            ));
        }
    }
    let change = |kind, sql| Change {
        table: t.name.to_owned(),
        kind,
        sql,
    };
    let drift = |d| (t.name.to_owned(), d);
    let existing = catalogue.table_columns(conn, t.name)?;
    let inline = plan_foreign_keys(conn, t, existing.is_none(), planned, plan, deferred)?;
    let max = dialect.max_identifier_len();
    let checks: Vec<(String, &str)> = t
        .checks
        .iter()
        .map(|c| (check_name(t.name, c.sql, max), c.sql))
        .collect();
    match &existing {
        None => {
            let foreign_keys: Vec<_> = inline
                .iter()
                .map(|(name, fk)| foreign_key(t, name, fk))
                .collect();
            let checks: Vec<_> = checks
                .iter()
                .map(|(name, sql)| crate::query::Check { name, sql })
                .collect();
            let create = CreateTable {
                table: t.name,
                columns: t.columns.iter().map(|c| (c.name, c)).collect(),
                composite_key: {
                    let key: Vec<&str> = t
                        .columns
                        .iter()
                        .filter(|c| c.primary_key)
                        .map(|c| c.name)
                        .collect();
                    if key.len() > 1 {
                        key
                    } else {
                        Vec::new()
                    }
                },
                foreign_keys: &foreign_keys,
                checks: &checks,
            };
            let sql = ddl(conn, |b| compile::create_table(b, &create))?;
            plan.changes.push(change(ChangeKind::CreateTable, sql));
        }
        Some(existing) => {
            for c in t.columns {
                match existing
                    .iter()
                    .find(|e| e.name.eq_ignore_ascii_case(c.name))
                {
                    None => {
                        let add = AddColumn {
                            table: t.name,
                            column: c,
                        };
                        let sql = ddl(conn, |b| compile::add_column(b, &add))?;
                        plan.changes
                            .push(change(ChangeKind::AddColumn(c.name.to_owned()), sql));
                    }
                    Some(e) => {
                        if !catalogue.same_type(conn, c, &e.db_type) {
                            plan.drift.push(drift(Drift::TypeMismatch {
                                column: c.name.to_owned(),
                                expected: dialect.column_type(c).into_owned(),
                                actual: e.db_type.clone(),
                            }));
                        }
                        if !c.primary_key && e.nullable != c.nullable {
                            plan.drift.push(drift(Drift::NullabilityMismatch {
                                column: c.name.to_owned(),
                                model_nullable: c.nullable,
                            }));
                        }
                        if c.primary_key && !e.primary_key {
                            plan.drift.push(drift(Drift::PrimaryKeyMismatch {
                                column: c.name.to_owned(),
                            }));
                        }
                    }
                }
            }
            for e in existing {
                if !t
                    .columns
                    .iter()
                    .any(|c| c.name.eq_ignore_ascii_case(&e.name))
                {
                    plan.drift.push(drift(Drift::ExtraColumn {
                        column: e.name.clone(),
                        db_type: e.db_type.clone(),
                    }));
                }
            }
            let present = if checks.is_empty() {
                Vec::new()
            } else {
                catalogue.check_names(conn, t.name)?
            };
            for (name, sql) in checks {
                if present.iter().any(|p| p.eq_ignore_ascii_case(&name)) {
                    continue;
                }
                if !catalogue.alters_constraints() {
                    // SQLite adds no constraint to an existing table.
                    plan.drift.push(drift(Drift::MissingCheck {
                        name,
                        sql: sql.to_owned(),
                    }));
                    continue;
                }
                let add = crate::query::AddCheck {
                    table: t.name,
                    check: crate::query::Check { name: &name, sql },
                };
                let sql = ddl(conn, |b| compile::add_check(b, &add))?;
                plan.changes.push(change(ChangeKind::AddCheck(name), sql));
            }
        }
    }
    let indexes = match existing {
        Some(_) => catalogue.index_names(conn, t.name)?,
        None => Vec::new(),
    };
    // Each declared index: one column's (`#[db(unique)]`, `#[db(index)]`,
    // partial when `#[db(unique, partial)]`), then those over several
    // columns, named after all their columns. A hash-sharded one has the
    // name of a plain one: a dialect without hash sharding creates the
    // plain index, found by that name.
    let single = t
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.unique || c.index)
        .map(|(i, c)| {
            let partial = c.unique && t.partial_unique.contains(&i);
            let where_null = t.soft_delete.filter(|_| partial);
            (c.unique, vec![i], where_null, c.hash_sharded)
        });
    let several = t
        .indexes
        .iter()
        .map(|(unique, cols, sharding)| (*unique, cols.to_vec(), None, *sharding));
    for (unique, cols, where_null, hash_sharded) in single.chain(several) {
        let columns: Vec<&str> = cols.iter().map(|&i| t.columns[i].name).collect();
        let prefix = if unique { "ux" } else { "ix" };
        let max = dialect.max_identifier_len();
        let name = index_name(prefix, t.name, &columns.join("_"), max);
        if indexes.iter().any(|i| i.eq_ignore_ascii_case(&name)) {
            continue;
        }
        let index = CreateIndex {
            name: &name,
            table: t.name,
            columns: &columns,
            unique,
            where_null: where_null.map(|s| t.columns[s].name),
            concurrently: options.concurrent_indexes && existing.is_some(),
            hash_sharded,
        };
        let sql = ddl(conn, |b| compile::create_index(b, &index))?;
        plan.changes
            .push(change(ChangeKind::CreateIndex(name), sql));
    }
    Ok(())
}

/// The plan for `tables`: created parents first, foreign keys added to
/// existing tables after every table.
pub(crate) fn plan(
    conn: &Connection,
    options: &PlanOptions,
    tables: Vec<TableSpec>,
) -> Result<SchemaPlan> {
    let tables = creation_order(tables);
    let mut plan = SchemaPlan::default();
    let mut deferred = Vec::new();
    for (i, t) in tables.iter().enumerate() {
        let planned = Planned {
            before: &tables[..i],
            after: &tables[i + 1..],
        };
        plan_table(conn, options, t, &planned, &mut plan, &mut deferred)?;
    }
    plan.changes.extend(deferred);
    Ok(plan)
}

impl Connection {
    /// What [`sync`](Self::sync) would do to the tables of `S` (a model, or
    /// a tuple of models planned in order), without doing it: each change
    /// with its SQL for this connection's dialect, and the drift it would
    /// leave. Running [`apply`](Self::apply) on it, then planning again,
    /// gives an empty plan.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// #[derive(Model, Debug)]
    /// struct Account { id: i64, #[db(unique)] owner: String }
    /// #[derive(Model, Debug)]
    /// struct Transfer { id: i64, amount: i64 }
    ///
    /// let conn = Connection::open("sqlite::memory:")?;
    /// let plan = conn.schema_plan::<(Account, Transfer)>()?;
    /// assert_eq!(plan.changes.len(), 3); // two tables, one unique index
    /// assert!(plan.to_string().starts_with(r#"CREATE TABLE "accounts""#));
    /// conn.apply(&plan)?;
    /// assert!(conn.schema_plan::<(Account, Transfer)>()?.is_empty());
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn schema_plan<S: Schema>(&self) -> Result<SchemaPlan> {
        plan(self, &PlanOptions::default(), S::tables())
    }

    /// [`schema_plan`](Self::schema_plan) with options: here, indexes added
    /// to existing tables built without blocking writes.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # use orm::PlanOptions;
    /// #[derive(Model, Debug)]
    /// struct Event { id: i64, kind: String }
    /// let conn = Connection::open("sqlite::memory:")?;
    /// let options = PlanOptions::default().concurrent_indexes(true);
    /// let plan = conn.schema_plan_with::<Event>(&options)?;
    /// conn.apply(&plan)?;
    /// // On PostgreSQL, an index added to `events` later reads
    /// // `CREATE INDEX CONCURRENTLY ..`; SQLite builds it as usual.
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn schema_plan_with<S: Schema>(&self, options: &PlanOptions) -> Result<SchemaPlan> {
        plan(self, options, S::tables())
    }

    /// Runs a plan's changes, in order, each statement on its own (so that
    /// CockroachDB, which runs schema changes outside transactions, takes
    /// them). Stops at the first failure.
    pub fn apply(&self, plan: &SchemaPlan) -> Result<()> {
        for c in &plan.changes {
            self.execute_batch(&c.sql)?;
        }
        if !plan.changes.is_empty() {
            log::info!(target: crate::connection::LOG_TARGET, "applied {} schema change(s)", plan.changes.len());
        }
        for (table, d) in &plan.drift {
            log::warn!(target: crate::connection::LOG_TARGET, "{table}: {}", crate::connection::Escaped(&d.to_string()));
        }
        Ok(())
    }

    /// Creates the table of `M` if missing, adds missing columns, creates
    /// declared indexes and unique indexes; never drops or alters anything,
    /// and reports the drift it leaves (type or nullability differences,
    /// extra columns). Running it again changes nothing. It is
    /// [`schema_plan`](Self::schema_plan) then [`apply`](Self::apply).
    ///
    /// ```
    /// # use orm::prelude::*;
    /// #[derive(Model, Debug)]
    /// struct Account { id: i64, balance: i64 }
    ///
    /// let conn = Connection::open("sqlite::memory:")?;
    /// assert!(conn.sync::<Account>()?.created_table);
    /// assert!(!conn.sync::<Account>()?.changed());
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn sync<M: Model>(&self) -> Result<SyncReport> {
        let plan = self.schema_plan::<M>()?;
        self.apply(&plan)?;
        let mut report = SyncReport {
            table: M::TABLE.to_owned(),
            drift: plan.drift.into_iter().map(|(_, d)| d).collect(),
            ..SyncReport::default()
        };
        for c in plan.changes {
            match c.kind {
                ChangeKind::CreateTable => report.created_table = true,
                ChangeKind::AddColumn(name) => report.added_columns.push(name),
                ChangeKind::CreateIndex(name) => report.created_indexes.push(name),
                ChangeKind::AddForeignKey(name) => report.added_foreign_keys.push(name),
                ChangeKind::AddCheck(name) => report.added_checks.push(name),
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::index_name;

    #[test]
    fn long_index_names_fit_and_stay_distinct() {
        assert_eq!(
            index_name("ux", "users", "email", Some(63)),
            "ux_users_email"
        );
        let table = "t".repeat(40);
        let a = index_name("ux", &table, &"a".repeat(30), Some(63));
        let b = index_name("ux", &table, &format!("{}b", "a".repeat(29)), Some(63));
        assert_eq!(a.len(), 63);
        assert_ne!(a, b, "a hash of the whole name keeps them apart");
        assert_eq!(
            a,
            index_name("ux", &table, &"a".repeat(30), Some(63)),
            "stable"
        );
        // Cut on a character boundary.
        let n = index_name("ix", &"é".repeat(40), "c", Some(63));
        assert!(n.len() <= 63 && n.is_char_boundary(n.len() - 9));
    }
}
