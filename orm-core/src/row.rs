//! Rows as drivers hand them over, and decoding them into Rust values.

use crate::error::{Error, Result};
use crate::value::{FromValue, ValueRef};

/// One result row, borrowed from the driver. Implemented by each driver.
pub trait Row {
    /// Number of columns.
    fn len(&self) -> usize;

    /// Whether the row has no columns.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value of column `idx`, borrowed from the driver's buffer.
    fn get_ref(&self, idx: usize) -> Result<ValueRef<'_>>;

    /// The name of column `idx`, as the database reports it.
    fn column_name(&self, idx: usize) -> Option<&str>;

    /// The value of column `idx` when it reads without error, `None`
    /// otherwise (then [`get_ref`](Self::get_ref) says why). The decoding
    /// path: a driver overrides it when it can answer without building an
    /// [`Error`] (96 bytes) per cell; the default asks `get_ref`.
    #[inline]
    fn try_get(&self, idx: usize) -> Option<ValueRef<'_>> {
        self.get_ref(idx).ok()
    }

    /// The text of column `idx` as a `String`, in one step: moved out of a
    /// buffer the driver owns (MySQL's rows), or copied from one it lends
    /// (SQLite, PostgreSQL) without building a [`ValueRef`] first;
    /// `Some(None)` when the cell is NULL (so that an `Option<String>` reads
    /// a NULL in one call too). `None` (the default) when the cell is
    /// neither, is not valid text, or the driver has no such path: then it
    /// is read with [`try_get`](Self::try_get). A driver that moves the text
    /// out reads the cell as taken afterwards: [`decode`] calls this at most
    /// once per cell, and only for types that keep the text (`String`,
    /// `Option<String>`).
    fn take_text(&mut self, idx: usize) -> Option<Option<String>> {
        let _ = idx;
        None
    }

    /// The index of the column named `name` (case-sensitive, then
    /// case-insensitive).
    fn column_index(&self, name: &str) -> Option<usize> {
        (0..self.len())
            .find(|&i| self.column_name(i) == Some(name))
            .or_else(|| {
                (0..self.len()).find(|&i| {
                    self.column_name(i)
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
                })
            })
    }
}

/// Decodes column `idx` of `row` as `T`, naming `table` and `column` in the
/// error. Used by derived code; also useful in hand-written [`FromRow`] impls.
///
/// Read each column once: a `String` takes its text from the driver in one
/// step ([`Row::take_text`]: moved out of MySQL's rows, copied from
/// SQLite's and PostgreSQL's), and on a driver that moves it a second read
/// of that cell is an error.
#[inline]
pub fn decode<T: FromValue>(row: &mut dyn Row, idx: usize, table: &str, column: &str) -> Result<T> {
    match decode_cell::<T>(row, idx) {
        Ok(v) => Ok(v),
        Err(e) => Err(e.into_error::<T>(row, Names::Given(table, column))),
    }
}

/// Used by derived code: decodes the `i`-th column of model table `t`
/// from `row`, as [`decode`] does, naming the table and the column in the
/// error (looked up only then: one short call per field keeps the derive's
/// output small). Inlined like `decode_cell` in optimized builds.
#[doc(hidden)]
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
pub fn cell<T: FromValue>(
    row: &mut dyn Row,
    layout: Layout<'_>,
    t: &crate::query::TableMeta,
    i: usize,
) -> Result<T> {
    match decode_cell::<T>(row, layout.index(i)) {
        Ok(v) => Ok(v),
        Err(e) => Err(e.into_error::<T>(row, Names::Model(t, i))),
    }
}

/// Where a cell's table and column names come from, for an error.
enum Names<'a> {
    /// Given by the caller.
    Given(&'a str, &'a str),
    /// Column `i` of a model's table.
    Model(&'a crate::query::TableMeta, usize),
    /// The row's own label of cell `i`, in an unnamed table.
    Raw(usize),
}

/// Why a cell did not decode: the driver could not read it, or the value
/// does not fit the type.
enum CellError {
    /// Boxed: an [`Error`] is 96 bytes, which every `Ok` would carry too.
    Read(Box<Error>),
    Decode(crate::error::DecodeError),
}

impl CellError {
    /// The error to return for a cell of type `T`: generic only for the
    /// type's name; the work is out of line, in [`CellError::named`].
    #[inline]
    fn into_error<T>(self, row: &dyn Row, names: Names<'_>) -> Error {
        self.named(row, names, std::any::type_name::<T>())
    }

    #[cold]
    #[inline(never)]
    fn named(self, row: &dyn Row, names: Names<'_>, expected: &'static str) -> Error {
        let reason = match self {
            CellError::Read(e) => return *e,
            CellError::Decode(reason) => reason,
        };
        let (table, column) = match names {
            Names::Given(table, column) => (table.to_owned(), column.to_owned()),
            Names::Model(t, i) => {
                let column = t.columns.get(i).map_or("?", |c| c.name);
                (t.name.to_owned(), column.to_owned())
            }
            Names::Raw(i) => ("?".to_owned(), column_label(row, i)),
        };
        Error::Decode {
            table,
            column,
            expected,
            reason,
        }
    }
}

/// Reads column `idx` as `T`: text a driver can hand over is taken (for
/// `String`s), anything else lent.
///
/// Always inlined into the derived `from_row` in optimized builds: called
/// once per cell, and as a call it cost about 30 instructions per cell
/// (callgrind, SQLite W1). Debug builds leave it to the compiler: forced
/// inlining made the compile-time probe's build about 20 % slower.
#[cfg_attr(debug_assertions, inline)]
#[cfg_attr(not(debug_assertions), inline(always))]
fn decode_cell<T: FromValue>(row: &mut dyn Row, idx: usize) -> std::result::Result<T, CellError> {
    if T::OWNS_TEXT {
        match row.take_text(idx) {
            Some(Some(text)) => return T::from_owned_text(text).map_err(CellError::Decode),
            Some(None) => return T::from_value(ValueRef::Null).map_err(CellError::Decode),
            None => {}
        }
    }
    let value = match row.try_get(idx) {
        Some(v) => v,
        None => row.get_ref(idx).map_err(|e| CellError::Read(Box::new(e)))?,
    };
    T::from_value(value).map_err(CellError::Decode)
}

/// Where the values a [`FromRow`] type reads sit in a row: resolved once
/// per statement, then applied to every row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout<'a> {
    /// The `i`-th value read is column `offset + i`: the statements orm
    /// writes itself select a model's columns in declaration order.
    At(usize),
    /// The `i`-th value read is column `map[i]`, as resolved by name
    /// ([`resolve_layout`]).
    Map(&'a [usize]),
}

impl Layout<'_> {
    /// The row index of the `i`-th value read.
    #[inline]
    pub fn index(&self, i: usize) -> usize {
        match self {
            Layout::At(offset) => offset + i,
            Layout::Map(map) => map.get(i).copied().unwrap_or(usize::MAX),
        }
    }
}

/// A Rust value built from a whole row: models, `#[derive(FromRow)]`
/// structs, tuples of column values, and single values.
pub trait FromRow: Sized {
    /// The names of the columns this type reads, in reading order, for types
    /// read by column name (models and `#[derive(FromRow)]` structs); `None`
    /// (the default) for types read by position (tuples, [`Single`]).
    fn column_names() -> Option<&'static [&'static str]> {
        None
    }

    /// What errors name as the table of a missing column.
    fn label() -> &'static str {
        "?"
    }

    /// Builds the value from `row`, reading its `i`-th value from column
    /// [`layout.index(i)`](Layout::index).
    fn from_row(row: &mut dyn Row, layout: Layout<'_>) -> Result<Self>;
}

/// Resolves, from the column names of a statement's row, where each column
/// that `T` reads by name sits: `None` for types read by position. A column
/// `T` needs that the row lacks is an [`Error::UnknownColumn`] naming it.
/// Names match exactly first, then ASCII-case-insensitively (servers fold
/// unquoted names).
pub fn resolve_layout<T: FromRow>(row: &dyn Row) -> Result<Option<Vec<usize>>> {
    let Some(names) = T::column_names() else {
        return Ok(None);
    };
    names
        .iter()
        .map(|name| {
            row.column_index(name).ok_or_else(|| Error::UnknownColumn {
                table: Some(T::label().to_owned()),
                column: (*name).to_owned(),
            })
        })
        .collect::<Result<Vec<usize>>>()
        .map(Some)
}

fn column_label(row: &dyn Row, idx: usize) -> String {
    row.column_name(idx)
        .map_or_else(|| format!("#{idx}"), str::to_owned)
}

/// Decodes column `idx` of a raw query's row.
fn decode_raw<T: FromValue>(row: &mut dyn Row, idx: usize) -> Result<T> {
    match decode_cell::<T>(row, idx) {
        Ok(v) => Ok(v),
        Err(e) => Err(e.into_error::<T>(row, Names::Raw(idx))),
    }
}

macro_rules! tuple_from_row {
    ($($t:ident $i:tt),+) => {
        impl<$($t: FromValue),+> FromRow for ($($t,)+) {
            fn from_row(row: &mut dyn Row, layout: Layout<'_>) -> Result<Self> {
                Ok(($(decode_raw::<$t>(row, layout.index($i))?,)+))
            }
        }
    };
}
tuple_from_row!(A 0);
tuple_from_row!(A 0, B 1);
tuple_from_row!(A 0, B 1, C 2);
tuple_from_row!(A 0, B 1, C 2, D 3);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// A single column read as a value: `conn.query::<Single<i64>>(..)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Single<T>(pub T);

impl<T: FromValue> FromRow for Single<T> {
    fn from_row(row: &mut dyn Row, layout: Layout<'_>) -> Result<Self> {
        decode_raw(row, layout.index(0)).map(Single)
    }
}

/// Column values of a row, owned: for raw queries whose shape is not known.
impl FromRow for Vec<crate::value::Value> {
    fn from_row(row: &mut dyn Row, _layout: Layout<'_>) -> Result<Self> {
        (0..row.len())
            .map(|i| row.get_ref(i).map(|v| v.to_owned()))
            .collect()
    }
}
