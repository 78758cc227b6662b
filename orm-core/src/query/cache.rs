//! SQL text cached per statement shape and dialect.

use std::borrow::Cow;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use crate::dialect::Dialect;
use crate::error::Result;

/// Whether two dialect names are the same: by address first (a dialect's
/// name is one `&'static str`), so a cache hit compares no text.
#[inline]
fn same_dialect(a: &str, b: &str) -> bool {
    std::ptr::eq(a, b) || a == b
}

/// The statements whose SQL depends only on the model and the dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `SELECT <columns> FROM t`.
    Select,
    /// `SELECT <columns> FROM t WHERE key = ?`.
    Find,
    /// `INSERT` of every column but the generated key.
    Insert,
    /// `INSERT` of every column.
    InsertWithKey,
    /// `insert_all` of one record, the key generated: [`Insert`](Self::Insert)
    /// without `RETURNING`. Found without the lock, the shape compare and
    /// the `Arc` of a [`SizedShape`] (115 instructions a call on SQLite,
    /// callgrind).
    InsertRow,
    /// `insert_all` of one record, the key given.
    InsertRowWithKey,
    /// `UPDATE t SET <every non-key column> WHERE key = ?`.
    UpdateAll,
    /// `DELETE FROM t WHERE key = ?`.
    Delete,
    /// Insert or update on the key.
    Upsert,
    /// The list of the model's columns (`"a", "b"`), for SELECTs rendered
    /// on each call.
    Columns,
    /// The same, each qualified by the table (`"t"."a", "t"."b"`).
    QualifiedColumns,
}

const SHAPES: usize = 11;

/// Statements whose SQL depends on more than the model and the dialect:
/// a number of rows or keys, a relation. A model keeps the last
/// [`SIZED_SHAPES`] of them it used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SizedShape {
    /// A multi-row INSERT of `rows` rows (`insert_all`), the key given or
    /// generated.
    InsertRows { with_key: bool, rows: usize },
    /// The children of `keys` owners (records of model table `owner`)
    /// over relation `def` (`include`); `keys` is 0 where the keys are one
    /// array parameter, whatever their number.
    Children {
        owner: &'static str,
        def: crate::relation::RelationDef,
        keys: usize,
    },
    /// The records whose key is one of `keys` values (an include of a
    /// belongs-to); 0 where the keys are one array parameter.
    ByKey { keys: usize },
}

/// How many [`SizedShape`]s a model keeps.
const SIZED_SHAPES: usize = 16;

/// How many scope shapes a model keeps the SQL of.
const SCOPE_SHAPES: usize = 32;

/// The shape of a scope's SELECT (see `scope::shape`): the bytes that
/// determine its text. Entries are few (at most [`SCOPE_SHAPES`]) and
/// mostly differ in length or early: compared as they are, not hashed.
pub(crate) struct ScopeKey<'a>(pub(crate) &'a [u8]);

impl ScopeKey<'_> {
    fn is(&self, e: &ScopeSql, dialect: &str) -> bool {
        *e.bytes == *self.0 && same_dialect(e.dialect, dialect)
    }
}

/// A scope shape's SQL for one dialect.
#[derive(Debug)]
struct ScopeSql {
    dialect: &'static str,
    bytes: Box<[u8]>,
    sql: Arc<str>,
}

/// SQL text: kept for the process, cached (shared) or rendered for one
/// call.
#[derive(Debug)]
pub(crate) enum SqlText {
    Static(&'static str),
    Cached(Arc<str>),
    Fresh(String),
}

impl std::ops::Deref for SqlText {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        match self {
            SqlText::Static(s) => s,
            SqlText::Cached(s) => s,
            SqlText::Fresh(s) => s,
        }
    }
}

/// A model's SQL, per statement shape and dialect, rendered once per
/// process. The first dialect a shape is rendered for is read without a
/// lock; others (a process talking to several kinds of database) from a
/// map, with no fixed limit on how many.
#[derive(Debug)]
pub struct SqlCache {
    first: [OnceLock<(&'static str, Box<str>)>; SHAPES],
    more: RwLock<Vec<(Shape, &'static str, &'static str)>>,
    /// The [`SizedShape`]s by dialect, the last [`SIZED_SHAPES`] used.
    sized: Mutex<Vec<(&'static str, SizedShape, Arc<str>)>>,
    /// The SQL of the last [`SCOPE_SHAPES`] scope shapes rendered, by
    /// dialect.
    scopes: RwLock<Vec<ScopeSql>>,
}

impl Default for SqlCache {
    fn default() -> Self {
        Self::new()
    }
}

impl SqlCache {
    /// An empty cache, usable in a `static`.
    pub const fn new() -> Self {
        SqlCache {
            first: [const { OnceLock::new() }; SHAPES],
            more: RwLock::new(Vec::new()),
            sized: Mutex::new(Vec::new()),
            scopes: RwLock::new(Vec::new()),
        }
    }

    /// The SQL of scope shape `key` for `dialect`, if cached.
    pub(crate) fn scoped(&self, dialect: &dyn Dialect, key: &ScopeKey<'_>) -> Option<Arc<str>> {
        let name = dialect.name();
        let scopes = self.scopes.read().unwrap_or_else(|e| e.into_inner());
        scopes
            .iter()
            .find(|e| key.is(e, name))
            .map(|e| e.sql.clone())
    }

    /// Keeps `sql` as the SQL of scope shape `key` for `dialect`, in place
    /// of the oldest shape when [`SCOPE_SHAPES`] are kept.
    pub(crate) fn keep_scoped(
        &self,
        dialect: &dyn Dialect,
        key: ScopeKey,
        sql: String,
    ) -> Arc<str> {
        let name = dialect.name();
        let sql: Arc<str> = sql.into();
        let mut scopes = self.scopes.write().unwrap_or_else(|e| e.into_inner());
        let known = scopes.iter().any(|e| key.is(e, name));
        if !known {
            if scopes.len() == SCOPE_SHAPES {
                scopes.remove(0);
            }
            scopes.push(ScopeSql {
                dialect: name,
                bytes: key.0.into(),
                sql: sql.clone(),
            });
        }
        sql
    }

    /// The SQL of `shape` for `dialect`, rendered by `build` unless one of
    /// the last few shapes used. The text stays at one address while it is
    /// cached (SQLite finds its prepared statement by that address first).
    pub(crate) fn sized(
        &'static self,
        dialect: &dyn Dialect,
        shape: SizedShape,
        build: impl FnOnce() -> Result<String>,
    ) -> Result<Arc<str>> {
        let name = dialect.name();
        let lock = || self.sized.lock().unwrap_or_else(|e| e.into_inner());
        let hit = |v: &[(&'static str, SizedShape, Arc<str>)]| {
            v.iter()
                .find(|(d, s, _)| same_dialect(d, name) && *s == shape)
                .map(|(_, _, sql)| sql.clone())
        };
        if let Some(sql) = hit(&lock()) {
            return Ok(sql);
        }
        let sql: Arc<str> = build()?.into();
        let mut cached = lock();
        if hit(&cached).is_none() {
            if cached.len() == SIZED_SHAPES {
                cached.remove(0);
            }
            cached.push((name, shape, sql.clone()));
        }
        Ok(sql)
    }

    /// The SQL of `shape` for `dialect`, rendered by `build` the first time.
    ///
    /// `build` is a trait object so that this code is compiled once, not
    /// once per model and call site (it was a tenth of the code generated
    /// for 20 models in the compile-time probe).
    ///
    /// The hit is inlined at the call (a `find`: about 30 instructions
    /// less, callgrind); the rest is [`miss`](Self::miss).
    #[inline]
    pub(crate) fn get_or_build(
        &'static self,
        shape: Shape,
        dialect: &dyn Dialect,
        build: &mut dyn FnMut() -> Result<String>,
    ) -> Result<Cow<'static, str>> {
        let name = dialect.name();
        match self.first[shape as usize].get() {
            Some((d, sql)) if same_dialect(d, name) => Ok(Cow::Borrowed(sql)),
            _ => self.miss(shape, name, build),
        }
    }

    /// [`get_or_build`](Self::get_or_build) when the first slot of `shape`
    /// is empty or another dialect's.
    #[inline(never)]
    fn miss(
        &'static self,
        shape: Shape,
        name: &'static str,
        build: &mut dyn FnMut() -> Result<String>,
    ) -> Result<Cow<'static, str>> {
        let slot = &self.first[shape as usize];
        match slot.get() {
            Some((d, sql)) if same_dialect(d, name) => Ok(Cow::Borrowed(sql)),
            Some(_) => self.more(shape, name, build).map(Cow::Borrowed),
            None => {
                let mut fresh = Some(build()?);
                let (d, sql) =
                    slot.get_or_init(|| (name, fresh.take().unwrap_or_default().into_boxed_str()));
                if same_dialect(d, name) {
                    return Ok(Cow::Borrowed(sql));
                }
                // Another dialect took the slot meanwhile: ours is still here.
                self.more(shape, name, &mut || Ok(fresh.take().unwrap_or_default()))
                    .map(Cow::Borrowed)
            }
        }
    }

    fn more(
        &'static self,
        shape: Shape,
        name: &'static str,
        build: &mut dyn FnMut() -> Result<String>,
    ) -> Result<&'static str> {
        let find = |v: &[(Shape, &'static str, &'static str)]| {
            v.iter()
                .find(|(s, d, _)| *s == shape && *d == name)
                .map(|(_, _, sql)| *sql)
        };
        if let Some(sql) = find(&self.more.read().unwrap_or_else(|e| e.into_inner())) {
            return Ok(sql);
        }
        let sql = build()?;
        let mut more = self.more.write().unwrap_or_else(|e| e.into_inner());
        if let Some(sql) = find(&more) {
            return Ok(sql);
        }
        // Bounded by shapes × dialects: leaked once per process.
        let sql: &'static str = Box::leak(sql.into_boxed_str());
        more.push((shape, name, sql));
        Ok(sql)
    }
}
