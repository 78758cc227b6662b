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
    /// `SELECT <columns> FROM t WHERE key = ? LIMIT 1`.
    Find,
    /// `INSERT` of every column but the generated key.
    Insert,
    /// `INSERT` of every column.
    InsertWithKey,
    /// `UPDATE t SET <every non-key column> WHERE key = ?`.
    UpdateAll,
    /// `DELETE FROM t WHERE key = ?`.
    Delete,
    /// Insert or update on the key.
    Upsert,
}

const SHAPES: usize = 7;

/// A model's SQL, per statement shape and dialect, rendered once per
/// process. The first dialect a shape is rendered for is read without a
/// lock; others (a process talking to several kinds of database) from a
/// map, with no fixed limit on how many.
#[derive(Debug)]
pub struct SqlCache {
    first: [OnceLock<(&'static str, Box<str>)>; SHAPES],
    more: RwLock<Vec<(Shape, &'static str, &'static str)>>,
    /// Multi-row INSERTs (`insert_all`) by dialect, whether the key is
    /// given, and row count: the last [`ROW_SHAPES`] used.
    rows: Mutex<Vec<RowShape>>,
}

/// How many multi-row INSERT shapes a model keeps.
const ROW_SHAPES: usize = 8;

#[derive(Debug)]
struct RowShape {
    dialect: &'static str,
    with_key: bool,
    rows: usize,
    sql: Arc<str>,
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
            rows: Mutex::new(Vec::new()),
        }
    }

    /// The SQL of a multi-row INSERT of `rows` rows for `dialect`, rendered
    /// by `build` unless one of the last few shapes used.
    pub(crate) fn insert_rows(
        &'static self,
        dialect: &dyn Dialect,
        with_key: bool,
        rows: usize,
        build: impl FnOnce() -> Result<String>,
    ) -> Result<Arc<str>> {
        let name = dialect.name();
        let lock = || self.rows.lock().unwrap_or_else(|e| e.into_inner());
        let hit = |v: &[RowShape]| {
            v.iter()
                .find(|r| r.dialect == name && r.with_key == with_key && r.rows == rows)
                .map(|r| r.sql.clone())
        };
        if let Some(sql) = hit(&lock()) {
            return Ok(sql);
        }
        let sql: Arc<str> = build()?.into();
        let mut cached = lock();
        if hit(&cached).is_none() {
            if cached.len() == ROW_SHAPES {
                cached.remove(0);
            }
            cached.push(RowShape {
                dialect: name,
                with_key,
                rows,
                sql: sql.clone(),
            });
        }
        Ok(sql)
    }

    /// The SQL of `shape` for `dialect`, rendered by `build` the first time.
    ///
    /// `build` is a trait object so that this code is compiled once, not
    /// once per model and call site (it was a tenth of the code generated
    /// for 20 models in the compile-time probe).
    pub(crate) fn get_or_build(
        &'static self,
        shape: Shape,
        dialect: &dyn Dialect,
        build: &mut dyn FnMut() -> Result<String>,
    ) -> Result<Cow<'static, str>> {
        let name = dialect.name();
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
