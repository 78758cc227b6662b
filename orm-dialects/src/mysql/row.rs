//! Decoding MySQL rows into [`ValueRef`]s, borrowed from the driver's row.
//!
//! Parameterized statements run through the binary protocol, so numbers and
//! dates arrive typed. What arrives as bytes is decided by the column: text
//! when the column has a character set, bytes when it is binary, and parsed
//! for the types MySQL sends as text (`DECIMAL`, and every type of a
//! statement that ran through the text protocol).

use std::cell::RefMut;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use mysql::consts::{ColumnFlags, ColumnType};
use mysql::{Binary, Column, QueryResult, Text, Value as MyValue};
use orm_core::driver::RowStream;
use orm_core::{DecodeError, Error, Result, Row, ValueRef};

use super::{map_error, start, Inner};

/// The collation id of binary strings.
const BINARY_CHARSET: u16 = 63;

/// The running result of one statement, in either protocol.
pub(crate) enum Results<'c> {
    /// A prepared statement's rows.
    Binary(QueryResult<'c, 'c, 'c, Binary>),
    /// A plain query's rows (statements MySQL cannot prepare).
    Text(QueryResult<'c, 'c, 'c, Text>),
}

impl Results<'_> {
    /// The next row of the first result set, with TIME values made text.
    pub(crate) fn next_row(&mut self) -> Result<Option<mysql::Row>> {
        let next = match self {
            Results::Binary(r) => r.next(),
            Results::Text(r) => r.next(),
        };
        match next {
            None => Ok(None),
            Some(Err(e)) => Err(map_error(e)),
            Some(Ok(mut row)) => {
                normalize(&mut row);
                Ok(Some(row))
            }
        }
    }

    /// Rows changed by the statement (matched rows, for an UPDATE).
    pub(crate) fn affected_rows(&self) -> u64 {
        match self {
            Results::Binary(r) => r.affected_rows(),
            Results::Text(r) => r.affected_rows(),
        }
    }

    /// The `AUTO_INCREMENT` value the statement generated, if any.
    pub(crate) fn last_insert_id(&self) -> Option<u64> {
        match self {
            Results::Binary(r) => r.last_insert_id(),
            Results::Text(r) => r.last_insert_id(),
        }
    }

    /// Reads the rest of the first result set, reporting an error that
    /// arrives with it.
    pub(crate) fn finish(&mut self) -> Result<()> {
        while self.next_row()?.is_some() {}
        Ok(())
    }
}

/// `TIME` values have no [`ValueRef`]: they become text (`-838:59:59.000000`
/// style), the one case where a cell is copied.
fn normalize(row: &mut mysql::Row) {
    for idx in 0..row.len() {
        if let Some(MyValue::Time(neg, days, h, m, s, us)) = row.as_ref(idx) {
            let text = time_text(*neg, *days, *h, *m, *s, *us);
            row.place(idx, MyValue::Bytes(text.into_bytes()));
        }
    }
}

fn time_text(neg: bool, days: u32, h: u8, m: u8, s: u8, us: u32) -> String {
    let hours = u64::from(days) * 24 + u64::from(h);
    let sign = if neg { "-" } else { "" };
    format!("{sign}{hours:02}:{m:02}:{s:02}.{us:06}")
}

/// One row, borrowed ([`Backend::query_each`](orm_core::driver::Backend::query_each)).
pub(crate) struct MysqlRow<'a>(pub &'a mut mysql::Row);

impl Row for MysqlRow<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }

    #[inline]
    fn get_ref(&self, idx: usize) -> Result<ValueRef<'_>> {
        cell(self.0, idx)
    }

    fn column_name(&self, idx: usize) -> Option<&str> {
        column_name(self.0, idx)
    }

    #[inline]
    fn try_get(&self, idx: usize) -> Option<ValueRef<'_>> {
        try_cell(self.0, idx)
    }

    #[inline]
    fn take_text(&mut self, idx: usize) -> Option<Option<String>> {
        take_text(self.0, idx)
    }
}

fn column_name(row: &mysql::Row, idx: usize) -> Option<&str> {
    row.columns_ref()
        .get(idx)
        .and_then(|c| std::str::from_utf8(c.name_ref()).ok())
}

/// The value of column `idx` of `row`. The common cells (NULL, integers,
/// doubles, text of a character column) are read here; the rest by
/// [`decode`].
#[inline]
pub(crate) fn cell(row: &mysql::Row, idx: usize) -> Result<ValueRef<'_>> {
    let (Some(column), Some(value)) = (row.columns_ref().get(idx), row.as_ref(idx)) else {
        return Err(out_of_range(idx, row.len(), row.columns_ref().len()));
    };
    match value {
        MyValue::NULL => return Ok(ValueRef::Null),
        MyValue::Int(i) => return Ok(ValueRef::Int(*i)),
        MyValue::Double(f) => return Ok(ValueRef::Float(*f)),
        MyValue::Bytes(b) if is_text_column(column) => {
            if let Ok(t) = std::str::from_utf8(b) {
                return Ok(ValueRef::Text(t));
            }
        }
        _ => {}
    }
    decode(value, column).map_err(|(expected, reason)| decode_error(column, expected, reason))
}

/// [`cell`] without building an error: `None` when the cell is not there
/// or does not decode (`cell` then says why).
#[inline]
fn try_cell(row: &mysql::Row, idx: usize) -> Option<ValueRef<'_>> {
    let (column, value) = (row.columns_ref().get(idx)?, row.as_ref(idx)?);
    match value {
        MyValue::NULL => Some(ValueRef::Null),
        MyValue::Int(i) => Some(ValueRef::Int(*i)),
        MyValue::Double(f) => Some(ValueRef::Float(*f)),
        MyValue::Bytes(b) if is_text_column(column) => {
            std::str::from_utf8(b).ok().map(ValueRef::Text)
        }
        _ => decode(value, column).ok(),
    }
}

/// Moves the text of column `idx` out of `row` (the driver's own buffer:
/// no copy), when it is UTF-8 text (`Some(None)`: NULL); the cell is then
/// gone from the row. Anything else stays, to be read (or refused) by
/// [`cell`].
#[inline]
pub(crate) fn take_text(row: &mut mysql::Row, idx: usize) -> Option<Option<String>> {
    // NULL first, apart: with it inside `move_text`, that function is no
    // longer inlined whole (+40 instructions a row, callgrind, W1).
    if let Some(MyValue::NULL) = row.as_ref(idx) {
        return Some(None);
    }
    move_text(row, idx).map(Some)
}

#[inline]
fn move_text(row: &mut mysql::Row, idx: usize) -> Option<String> {
    match (row.columns_ref().get(idx), row.as_ref(idx)) {
        (Some(column), Some(MyValue::Bytes(_))) if is_text_column(column) => {}
        _ => return None,
    }
    match row.take::<MyValue, _>(idx)? {
        MyValue::Bytes(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Some(text),
            Err(e) => {
                // Back in its place, for `cell` to report.
                row.place(idx, MyValue::Bytes(e.into_bytes()));
                None
            }
        },
        other => {
            row.place(idx, other);
            None
        }
    }
}

/// A string or blob column with a character set: its bytes are text.
#[inline]
fn is_text_column(column: &Column) -> bool {
    use ColumnType::*;
    matches!(
        column.column_type(),
        MYSQL_TYPE_VARCHAR
            | MYSQL_TYPE_VAR_STRING
            | MYSQL_TYPE_STRING
            | MYSQL_TYPE_TINY_BLOB
            | MYSQL_TYPE_BLOB
            | MYSQL_TYPE_MEDIUM_BLOB
            | MYSQL_TYPE_LONG_BLOB
    ) && column.character_set() != BINARY_CHARSET
}

#[cold]
#[inline(never)]
fn out_of_range(idx: usize, len: usize, columns: usize) -> Error {
    if idx < columns {
        // `take_text` moved it out.
        return Error::invalid(format!("column {idx} was already read as owned text"));
    }
    Error::invalid(format!(
        "column index {idx} out of range: the row has {len} column(s)"
    ))
}

#[cold]
#[inline(never)]
fn decode_error(column: &Column, expected: &'static str, reason: DecodeError) -> Error {
    Error::Decode {
        table: match column.org_table_str() {
            t if t.is_empty() => "?".to_owned(),
            t => t.into_owned(),
        },
        column: column.name_str().into_owned(),
        expected,
        reason,
    }
}

type Decoded<'a> = std::result::Result<ValueRef<'a>, (&'static str, DecodeError)>;

fn invalid(expected: &'static str, why: String) -> (&'static str, DecodeError) {
    (expected, DecodeError::Invalid(why))
}

/// Decodes one cell by its value and its column's type.
#[inline(never)]
fn decode<'a>(value: &'a MyValue, column: &Column) -> Decoded<'a> {
    use ColumnType::*;
    let ty = column.column_type();
    Ok(match value {
        MyValue::NULL => ValueRef::Null,
        MyValue::Int(i) => ValueRef::Int(*i),
        MyValue::UInt(u) => ValueRef::Int(i64::try_from(*u).map_err(|_| {
            (
                "i64",
                DecodeError::OutOfRange {
                    value: u.to_string(),
                },
            )
        })?),
        MyValue::Float(f) => ValueRef::Float(f64::from(*f)),
        MyValue::Double(f) => ValueRef::Float(*f),
        MyValue::Date(y, mo, d, h, mi, s, us) => {
            let date = NaiveDate::from_ymd_opt(i32::from(*y), u32::from(*mo), u32::from(*d))
                .ok_or_else(|| {
                    invalid(
                        "a date",
                        format!("{y:04}-{mo:02}-{d:02} is not a valid date"),
                    )
                })?;
            if matches!(ty, MYSQL_TYPE_DATE | MYSQL_TYPE_NEWDATE) {
                ValueRef::Date(date)
            } else {
                let time = NaiveTime::from_hms_micro_opt(
                    u32::from(*h),
                    u32::from(*mi),
                    u32::from(*s),
                    *us,
                )
                .ok_or_else(|| {
                    invalid(
                        "a time of day",
                        format!("{h:02}:{mi:02}:{s:02}.{us:06} is not a valid time"),
                    )
                })?;
                datetime(ty, date.and_time(time))
            }
        }
        MyValue::Time(..) => {
            // Made text by `normalize` before any row is handed out.
            return Err(invalid("a time", "an unconverted TIME value".to_owned()));
        }
        MyValue::Bytes(b) => match ty {
            MYSQL_TYPE_NULL => ValueRef::Null,
            MYSQL_TYPE_DECIMAL | MYSQL_TYPE_NEWDECIMAL => decimal(text(b)?, column)?,
            MYSQL_TYPE_TINY | MYSQL_TYPE_SHORT | MYSQL_TYPE_LONG | MYSQL_TYPE_INT24
            | MYSQL_TYPE_LONGLONG | MYSQL_TYPE_YEAR => {
                let t = text(b)?;
                if column.flags().contains(ColumnFlags::UNSIGNED_FLAG) {
                    let u: u64 = t
                        .parse()
                        .map_err(|_| invalid("an integer", format!("{t:?}")))?;
                    ValueRef::Int(i64::try_from(u).map_err(|_| {
                        (
                            "i64",
                            DecodeError::OutOfRange {
                                value: t.to_owned(),
                            },
                        )
                    })?)
                } else {
                    ValueRef::Int(
                        t.parse()
                            .map_err(|_| invalid("an integer", format!("{t:?}")))?,
                    )
                }
            }
            MYSQL_TYPE_FLOAT | MYSQL_TYPE_DOUBLE => {
                let t = text(b)?;
                ValueRef::Float(
                    t.parse()
                        .map_err(|_| invalid("a float", format!("{t:?}")))?,
                )
            }
            MYSQL_TYPE_DATE | MYSQL_TYPE_NEWDATE => {
                let t = text(b)?;
                ValueRef::Date(
                    NaiveDate::parse_from_str(t, "%Y-%m-%d")
                        .map_err(|_| invalid("a date", format!("{t:?} is not a valid date")))?,
                )
            }
            MYSQL_TYPE_DATETIME
            | MYSQL_TYPE_DATETIME2
            | MYSQL_TYPE_TIMESTAMP
            | MYSQL_TYPE_TIMESTAMP2 => {
                let t = text(b)?;
                let d = NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f").map_err(|_| {
                    invalid("a date and time", format!("{t:?} is not a valid date-time"))
                })?;
                datetime(ty, d)
            }
            MYSQL_TYPE_BIT if b.len() <= 8 => {
                let mut n: u64 = 0;
                for byte in b {
                    n = (n << 8) | u64::from(*byte);
                }
                ValueRef::Int(i64::try_from(n).map_err(|_| {
                    (
                        "i64",
                        DecodeError::OutOfRange {
                            value: n.to_string(),
                        },
                    )
                })?)
            }
            MYSQL_TYPE_JSON | MYSQL_TYPE_TIME | MYSQL_TYPE_TIME2 => ValueRef::Text(text(b)?),
            MYSQL_TYPE_BIT | MYSQL_TYPE_GEOMETRY => ValueRef::Blob(b),
            _ if column.character_set() == BINARY_CHARSET => ValueRef::Blob(b),
            _ => ValueRef::Text(text(b)?),
        },
    })
}

/// A `TIMESTAMP` column is in the session time zone, which is UTC.
fn datetime(ty: ColumnType, d: NaiveDateTime) -> ValueRef<'static> {
    if matches!(
        ty,
        ColumnType::MYSQL_TYPE_TIMESTAMP | ColumnType::MYSQL_TYPE_TIMESTAMP2
    ) {
        ValueRef::Timestamp(d.and_utc())
    } else {
        ValueRef::DateTime(d)
    }
}

fn text(b: &[u8]) -> std::result::Result<&str, (&'static str, DecodeError)> {
    std::str::from_utf8(b).map_err(|e| invalid("UTF-8 text", e.to_string()))
}

/// A `DECIMAL`, sent as text. An integral value that fits `i64` is an
/// integer (`SUM` of an integer column is a `DECIMAL`), except from a table
/// column with a scale under the `decimal` feature, which keeps its scale
/// (`5.00` stays `5.00`). Other values are exact decimals under the `decimal`
/// feature, the nearest float without it.
fn decimal<'a>(t: &str, column: &Column) -> Decoded<'a> {
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    let integral = frac.bytes().all(|b| b == b'0');
    let keep_scale =
        cfg!(feature = "decimal") && !frac.is_empty() && !column.org_table_ref().is_empty();
    if integral && !keep_scale {
        if let Ok(i) = whole.parse::<i64>() {
            return Ok(ValueRef::Int(i));
        }
    }
    #[cfg(feature = "decimal")]
    {
        // Undeclared decimals are stored at the widest scale: drop its
        // padding.
        let t = if column.decimals() == super::dialect::WIDEST_DECIMAL_SCALE && !frac.is_empty() {
            t.trim_end_matches('0').trim_end_matches('.')
        } else {
            t
        };
        if let Ok(d) = t.parse() {
            return Ok(ValueRef::Decimal(d));
        }
    }
    t.parse::<f64>()
        .map(ValueRef::Float)
        .map_err(|_| invalid("a decimal number", format!("{t:?}")))
}

/// A running query and its current row, for iterators that outlive the call
/// ([`Backend::query`](orm_core::driver::Backend::query)). It holds the connection
/// until it is dropped: MySQL sends a result in one piece, and the rest of it
/// is read (and dropped) then.
#[ouroboros::self_referencing]
pub(crate) struct MysqlRows<'c> {
    guard: RefMut<'c, Inner>,
    #[borrows(mut guard)]
    #[not_covariant]
    results: Results<'this>,
    current: Option<mysql::Row>,
    done: bool,
}

impl<'c> MysqlRows<'c> {
    /// Runs `sql` on the borrowed connection.
    pub(crate) fn start(
        guard: RefMut<'c, Inner>,
        sql: &str,
        params: &dyn orm_core::driver::Params,
    ) -> Result<Self> {
        MysqlRowsTryBuilder {
            guard,
            results_builder: |inner: &mut RefMut<'c, Inner>| start(inner, sql, params),
            current: None,
            done: false,
        }
        .try_build()
    }
}

impl RowStream for MysqlRows<'_> {
    fn next_row(&mut self) -> Result<Option<&mut dyn Row>> {
        if *self.borrow_done() {
            return Ok(None);
        }
        let more = self.with_mut(|f| {
            let next = f.results.next_row();
            *f.done = !matches!(next, Ok(Some(_)));
            next.map(|row| {
                *f.current = row;
                f.current.is_some()
            })
        })?;
        Ok(if more { Some(self) } else { None })
    }
}

impl Row for MysqlRows<'_> {
    fn len(&self) -> usize {
        self.borrow_current().as_ref().map_or(0, mysql::Row::len)
    }

    #[inline]
    fn get_ref(&self, idx: usize) -> Result<ValueRef<'_>> {
        match self.borrow_current() {
            Some(row) => cell(row, idx),
            None => Err(Error::invalid("no current row")),
        }
    }

    fn column_name(&self, idx: usize) -> Option<&str> {
        self.borrow_current()
            .as_ref()
            .and_then(|r| column_name(r, idx))
    }

    fn try_get(&self, idx: usize) -> Option<ValueRef<'_>> {
        try_cell(self.borrow_current().as_ref()?, idx)
    }

    fn take_text(&mut self, idx: usize) -> Option<Option<String>> {
        self.with_current_mut(|row| take_text(row.as_mut()?, idx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(ty: ColumnType, charset: u16) -> Column {
        Column::new(ty).with_character_set(charset)
    }

    #[test]
    fn bytes_follow_the_column() {
        let b = MyValue::Bytes(b"12".to_vec());
        let text = col(ColumnType::MYSQL_TYPE_VAR_STRING, 45);
        let bin = col(ColumnType::MYSQL_TYPE_BLOB, BINARY_CHARSET);
        assert_eq!(decode(&b, &text).unwrap(), ValueRef::Text("12"));
        assert_eq!(decode(&b, &bin).unwrap(), ValueRef::Blob(b"12"));
        let int = col(ColumnType::MYSQL_TYPE_LONGLONG, BINARY_CHARSET);
        assert_eq!(decode(&b, &int).unwrap(), ValueRef::Int(12));
        // A computed DECIMAL (no table): SUM, AVG.
        let dec = col(ColumnType::MYSQL_TYPE_NEWDECIMAL, BINARY_CHARSET);
        assert_eq!(
            decode(&MyValue::Bytes(b"70".to_vec()), &dec).unwrap(),
            ValueRef::Int(70)
        );
        assert_eq!(
            decode(&MyValue::Bytes(b"30.0000".to_vec()), &dec).unwrap(),
            ValueRef::Int(30)
        );
        #[cfg(not(feature = "decimal"))]
        assert_eq!(
            decode(&MyValue::Bytes(b"30.5000".to_vec()), &dec).unwrap(),
            ValueRef::Float(30.5)
        );
        #[cfg(feature = "decimal")]
        assert_eq!(
            decode(&MyValue::Bytes(b"30.5000".to_vec()), &dec).unwrap(),
            ValueRef::Decimal("30.5".parse().unwrap())
        );
        let bad = MyValue::Bytes(vec![0xff]);
        assert!(decode(&bad, &text).is_err());
    }

    #[test]
    fn integers_are_range_checked() {
        let c = col(ColumnType::MYSQL_TYPE_LONGLONG, BINARY_CHARSET);
        let err = decode(&MyValue::UInt(u64::MAX), &c).unwrap_err();
        assert!(matches!(err.1, DecodeError::OutOfRange { .. }));
        assert_eq!(decode(&MyValue::UInt(7), &c).unwrap(), ValueRef::Int(7));
    }

    #[test]
    fn dates_follow_the_column() {
        let v = MyValue::Date(2024, 2, 29, 23, 59, 58, 123_456);
        let d = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        let date = col(ColumnType::MYSQL_TYPE_DATE, BINARY_CHARSET);
        let dt = col(ColumnType::MYSQL_TYPE_DATETIME, BINARY_CHARSET);
        let ts = col(ColumnType::MYSQL_TYPE_TIMESTAMP, BINARY_CHARSET);
        assert_eq!(
            decode(&MyValue::Date(2024, 2, 29, 0, 0, 0, 0), &date).unwrap(),
            ValueRef::Date(d)
        );
        let moment = d.and_hms_micro_opt(23, 59, 58, 123_456).unwrap();
        assert_eq!(decode(&v, &dt).unwrap(), ValueRef::DateTime(moment));
        assert_eq!(
            decode(&v, &ts).unwrap(),
            ValueRef::Timestamp(moment.and_utc())
        );
        assert!(decode(&MyValue::Date(0, 0, 0, 0, 0, 0, 0), &date).is_err());
        let text_dt = MyValue::Bytes(b"2024-02-29 23:59:58.123456".to_vec());
        assert_eq!(decode(&text_dt, &dt).unwrap(), ValueRef::DateTime(moment));
    }

    #[test]
    fn time_becomes_text() {
        assert_eq!(time_text(true, 1, 2, 3, 4, 5), "-26:03:04.000005");
        assert_eq!(time_text(false, 0, 9, 0, 0, 0), "09:00:00.000000");
        let c = col(ColumnType::MYSQL_TYPE_TIME, BINARY_CHARSET);
        assert_eq!(
            decode(&MyValue::Bytes(b"09:00:00".to_vec()), &c).unwrap(),
            ValueRef::Text("09:00:00")
        );
    }
}
