//! A backend that runs nothing: it records each statement's SQL, reports
//! no rows and no tables, and answers an `INSERT .. RETURNING` with a key
//! (7 through `Backend::insert`; the caller's value through a query, as a
//! key the database makes comes back). It pins the SQL of dialects whose
//! server cannot run here (CockroachDB).
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use orm::driver::{Backend, Catalogue, DriverConnection, Params, RowCallback, RowStream};
use orm::{Connection, Dialect, Value, ValueRef};

/// The statements a [`recorder`] connection ran.
pub type Log = Arc<Mutex<Vec<String>>>;

struct Recorder {
    dialect: &'static dyn Dialect,
    catalogue: &'static dyn Catalogue,
    log: Log,
    key: Option<Value>,
}

/// A connection of `dialect` whose statements are recorded in the log
/// returned; an `INSERT .. RETURNING` run as a query returns `key` (none:
/// no row).
pub fn recorder(
    dialect: &'static dyn Dialect,
    catalogue: &'static dyn Catalogue,
    key: Option<Value>,
) -> (Connection, Log) {
    let log = Log::default();
    let conn = <Connection as DriverConnection>::from_backend(Box::new(Recorder {
        dialect,
        catalogue,
        log: log.clone(),
        key,
    }));
    (conn, log)
}

/// The statements recorded since the last call.
pub fn take(log: &Log) -> Vec<String> {
    std::mem::take(&mut *log.lock().unwrap())
}

struct KeyRow<'a>(&'a Value);

impl orm::Row for KeyRow<'_> {
    fn len(&self) -> usize {
        1
    }
    fn get_ref(&self, idx: usize) -> orm::Result<ValueRef<'_>> {
        assert_eq!(idx, 0);
        Ok(self.0.as_ref())
    }
    fn column_name(&self, _idx: usize) -> Option<&str> {
        Some("id")
    }
}

struct NoRows;

impl RowStream for NoRows {
    fn next_row(&mut self) -> orm::Result<Option<&mut dyn orm::Row>> {
        Ok(None)
    }
}

impl Recorder {
    fn record(&self, sql: &str) {
        self.log.lock().unwrap().push(sql.to_owned());
    }
}

impl Backend for Recorder {
    fn dialect(&self) -> &'static dyn Dialect {
        self.dialect
    }
    fn catalogue(&self) -> &'static dyn Catalogue {
        self.catalogue
    }
    fn execute(&self, sql: &str, _params: &dyn Params) -> orm::Result<u64> {
        self.record(sql);
        Ok(1)
    }
    fn insert(
        &self,
        sql: &str,
        _params: &dyn Params,
        _key: orm::driver::GeneratedKey,
    ) -> orm::Result<Option<i64>> {
        self.record(sql);
        Ok(sql.contains(" RETURNING ").then_some(7))
    }
    fn query_each(
        &self,
        sql: &str,
        _params: &dyn Params,
        f: &mut RowCallback<'_>,
    ) -> orm::Result<()> {
        self.record(sql);
        if let Some(key) = &self.key {
            if sql.starts_with("INSERT") && sql.contains(" RETURNING ") {
                f(&mut KeyRow(key))?;
            }
        }
        Ok(())
    }
    fn query<'a>(
        &'a self,
        sql: &str,
        _params: &dyn Params,
    ) -> orm::Result<Box<dyn RowStream + 'a>> {
        self.record(sql);
        Ok(Box::new(NoRows))
    }
    fn execute_batch(&self, sql: &str) -> orm::Result<()> {
        self.record(sql);
        Ok(())
    }
    fn set_statement_cache_capacity(&self, _capacity: usize) {}
}
