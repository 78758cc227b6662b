//! Streaming rows out of a cached statement.

use orm_core::driver::RowStream;
use orm_core::{DecodeError, Error, Result, Row, ValueRef};

/// One row of a query consumed in place ([`Backend::query_each`]).
///
/// [`Backend::query_each`]: orm_core::driver::Backend::query_each
pub(crate) struct SqliteRow<'a, 's>(pub &'a rusqlite::Row<'s>);

impl Row for SqliteRow<'_, '_> {
    fn len(&self) -> usize {
        self.0.as_ref().column_count()
    }

    #[inline]
    fn get_ref(&self, idx: usize) -> Result<ValueRef<'_>> {
        convert(self.0.get_ref(idx).map_err(map_error)?, || {
            self.column_name(idx).unwrap_or("?").to_owned()
        })
    }

    #[inline]
    fn try_get(&self, idx: usize) -> Option<ValueRef<'_>> {
        try_convert(self.0.get_ref(idx).ok()?)
    }

    #[inline]
    fn take_text(&mut self, idx: usize) -> Option<Option<String>> {
        copy_text(self.0.get_ref(idx).ok()?)
    }

    fn column_name(&self, idx: usize) -> Option<&str> {
        self.0.as_ref().column_name(idx).ok()
    }
}

/// [`convert`] without building an error: `None` for text that is not
/// UTF-8 (`get_ref` then says so).
#[inline]
fn try_convert(v: SqlValueRef<'_>) -> Option<ValueRef<'_>> {
    Some(match v {
        SqlValueRef::Null => ValueRef::Null,
        SqlValueRef::Integer(i) => ValueRef::Int(i),
        SqlValueRef::Real(f) => ValueRef::Float(f),
        SqlValueRef::Text(t) => ValueRef::Text(std::str::from_utf8(t).ok()?),
        SqlValueRef::Blob(b) => ValueRef::Blob(b),
    })
}

/// A text cell copied into a `String` in one step, without going through
/// a [`ValueRef`] (about 60 instructions less per cell, callgrind), or
/// `Some(None)` for NULL; `None` for anything else, which is then read with
/// `try_get` / `get_ref`.
#[inline]
fn copy_text(v: SqlValueRef<'_>) -> Option<Option<String>> {
    match v {
        SqlValueRef::Text(t) => std::str::from_utf8(t).ok().map(|t| Some(t.to_owned())),
        SqlValueRef::Null => Some(None),
        _ => None,
    }
}

#[inline]
fn convert(v: SqlValueRef<'_>, column: impl FnOnce() -> String) -> Result<ValueRef<'_>> {
    Ok(match v {
        SqlValueRef::Null => ValueRef::Null,
        SqlValueRef::Integer(i) => ValueRef::Int(i),
        SqlValueRef::Real(f) => ValueRef::Float(f),
        SqlValueRef::Text(t) => {
            ValueRef::Text(std::str::from_utf8(t).map_err(|e| Error::Decode {
                table: "?".to_owned(),
                column: column(),
                expected: "UTF-8 text",
                reason: DecodeError::Invalid(e.to_string()),
            })?)
        }
        SqlValueRef::Blob(b) => ValueRef::Blob(b),
    })
}
use rusqlite::fallible_streaming_iterator::FallibleStreamingIterator;
use rusqlite::types::ValueRef as SqlValueRef;
use rusqlite::Rows;

use super::map_error;
use super::statements::InUse;

/// A running query: the cached statement and the rows it is producing.
#[ouroboros::self_referencing]
pub(crate) struct SqliteRows<'c> {
    stmt: InUse<'c>,
    #[borrows(mut stmt)]
    #[covariant]
    rows: Rows<'this>,
}

impl<'c> SqliteRows<'c> {
    pub(crate) fn start(stmt: InUse<'c>) -> Self {
        SqliteRowsBuilder {
            stmt,
            rows_builder: |stmt| stmt.raw_query(),
        }
        .build()
    }

    fn current(&self) -> Result<&rusqlite::Row<'_>> {
        self.borrow_rows()
            .get()
            .ok_or_else(|| Error::invalid("no current row"))
    }
}

impl RowStream for SqliteRows<'_> {
    fn next_row(&mut self) -> Result<Option<&mut dyn Row>> {
        self.with_rows_mut(|rows| rows.advance())
            .map_err(map_error)?;
        if self.borrow_rows().get().is_some() {
            Ok(Some(self))
        } else {
            Ok(None)
        }
    }
}

impl Row for SqliteRows<'_> {
    fn len(&self) -> usize {
        self.borrow_rows()
            .get()
            .map_or(0, |r| r.as_ref().column_count())
    }

    #[inline]
    fn get_ref(&self, idx: usize) -> Result<ValueRef<'_>> {
        let row = self.current()?;
        convert(row.get_ref(idx).map_err(map_error)?, || {
            self.column_name(idx).unwrap_or("?").to_owned()
        })
    }

    #[inline]
    fn try_get(&self, idx: usize) -> Option<ValueRef<'_>> {
        try_convert(self.borrow_rows().get()?.get_ref(idx).ok()?)
    }

    #[inline]
    fn take_text(&mut self, idx: usize) -> Option<Option<String>> {
        copy_text(self.borrow_rows().get()?.get_ref(idx).ok()?)
    }

    fn column_name(&self, idx: usize) -> Option<&str> {
        self.borrow_rows()
            .get()
            .and_then(|r| r.as_ref().column_name(idx).ok())
    }
}
