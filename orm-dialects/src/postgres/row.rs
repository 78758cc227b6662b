//! Decoding rows: each column by its PostgreSQL type, into a [`ValueRef`]
//! that borrows the row's buffer (text as `&str`, `bytea` as `&[u8]`), so
//! reading a cell allocates nothing.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use orm_core::{DecodeError, Error, Result, Row, ValueRef};
use postgres::types::{FromSql, Kind, Type};

use super::bind::oid;

/// A column's raw bytes, whatever its type.
struct Raw<'a>(Option<&'a [u8]>);

impl<'a> FromSql<'a> for Raw<'a> {
    fn from_sql(
        _ty: &Type,
        raw: &'a [u8],
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(Some(raw)))
    }

    fn from_sql_null(
        _ty: &Type,
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(None))
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }
}

fn decode_error(column: &str, expected: &'static str, reason: String) -> Error {
    Error::Decode {
        table: "?".to_owned(),
        column: column.to_owned(),
        expected,
        reason: DecodeError::Invalid(reason),
    }
}

/// Column `idx` of `row`, decoded.
pub fn value(row: &postgres::Row, idx: usize) -> Result<ValueRef<'_>> {
    let column = row.columns().get(idx).ok_or_else(|| {
        Error::invalid(format!(
            "column index {idx} is out of range: the row has {} column(s)",
            row.len()
        ))
    })?;
    let raw: Raw<'_> = row
        .try_get(idx)
        .map_err(|e| decode_error(column.name(), "a column value", e.to_string()))?;
    match raw.0 {
        None => Ok(ValueRef::Null),
        Some(bytes) => decode(
            column.type_(),
            bytes,
            column.name(),
            column.table_oid().is_some(),
        ),
    }
}

fn fixed<const N: usize>(raw: &[u8], column: &str, ty: &Type) -> Result<[u8; N]> {
    <[u8; N]>::try_from(raw).map_err(|_| {
        decode_error(
            column,
            "a well-formed value",
            format!("{} bytes for a {} value", raw.len(), ty.name()),
        )
    })
}

fn text<'a>(raw: &'a [u8], column: &str) -> Result<ValueRef<'a>> {
    std::str::from_utf8(raw)
        .map(ValueRef::Text)
        .map_err(|e| decode_error(column, "UTF-8 text", e.to_string()))
}

/// Decodes one non-NULL value of type `ty`.
/// Decodes one non-NULL value of type `ty`; `from_table` says whether the
/// column is a table's (not a computed expression).
fn decode<'a>(ty: &Type, raw: &'a [u8], column: &str, from_table: bool) -> Result<ValueRef<'a>> {
    let chrono_err = |e: Box<dyn std::error::Error + Sync + Send>| {
        decode_error(column, "a date or time chrono can hold", e.to_string())
    };
    Ok(match ty.oid() {
        oid::BOOL => ValueRef::Bool(fixed::<1>(raw, column, ty)?[0] != 0),
        oid::INT2 => ValueRef::Int(i16::from_be_bytes(fixed(raw, column, ty)?).into()),
        oid::INT4 => ValueRef::Int(i32::from_be_bytes(fixed(raw, column, ty)?).into()),
        oid::INT8 => ValueRef::Int(i64::from_be_bytes(fixed(raw, column, ty)?)),
        oid::OID => ValueRef::Int(u32::from_be_bytes(fixed(raw, column, ty)?).into()),
        oid::CHAR => ValueRef::Int(i8::from_be_bytes(fixed(raw, column, ty)?).into()),
        oid::FLOAT4 => ValueRef::Float(f32::from_be_bytes(fixed(raw, column, ty)?).into()),
        oid::FLOAT8 => ValueRef::Float(f64::from_be_bytes(fixed(raw, column, ty)?)),
        oid::NUMERIC => {
            numeric(raw, from_table).map_err(|e| decode_error(column, "a numeric value", e))?
        }
        #[cfg(feature = "uuid")]
        oid::UUID => ValueRef::Uuid(uuid::Uuid::from_bytes(fixed(raw, column, ty)?)),
        oid::TEXT
        | oid::VARCHAR
        | oid::BPCHAR
        | oid::NAME
        | oid::UNKNOWN
        | oid::JSON
        | oid::XML => text(raw, column)?,
        oid::JSONB => match raw.split_first() {
            Some((1, json)) => text(json, column)?,
            _ => {
                return Err(decode_error(
                    column,
                    "jsonb",
                    "unknown jsonb binary version".to_owned(),
                ))
            }
        },
        oid::BYTEA => ValueRef::Blob(raw),
        oid::DATE => ValueRef::Date(NaiveDate::from_sql(ty, raw).map_err(chrono_err)?),
        oid::TIME => ValueRef::Time(NaiveTime::from_sql(ty, raw).map_err(chrono_err)?),
        oid::TIMESTAMP => ValueRef::DateTime(NaiveDateTime::from_sql(ty, raw).map_err(chrono_err)?),
        oid::TIMESTAMPTZ => {
            ValueRef::Timestamp(DateTime::<Utc>::from_sql(ty, raw).map_err(chrono_err)?)
        }
        _ => match ty.kind() {
            Kind::Domain(inner) => return decode(inner, raw, column, from_table),
            // The binary form of an enum label, and of citext, is its text.
            Kind::Enum(_) => text(raw, column)?,
            Kind::Simple if ty.name() == "citext" => text(raw, column)?,
            _ => {
                return Err(decode_error(
                    column,
                    "a type orm can read",
                    format!(
                        "unsupported PostgreSQL type {}; cast it in SQL (e.g. {}::text)",
                        ty.name(),
                        column
                    ),
                ))
            }
        },
    })
}

/// Decodes a NUMERIC from its binary form: a digit count, a weight (the
/// power of 10000 of the first digit), a sign, a display scale, then base
/// 10000 digits.
///
/// An integral value that fits `i64` is read exactly as [`ValueRef::Int`]
/// (so `SUM(bigint)` reads into an `i64`, and `AVG` of integers that comes
/// out whole into either an `i64` or an `f64`), except a value of a table's
/// column with a display scale under the `decimal` feature, which keeps its
/// scale (`5.00` stays `5.00`). Any other value is, under the `decimal`
/// feature, the exact `ValueRef::Decimal` at its display scale when
/// `rust_decimal` can hold it (28 fractional digits, 96-bit mantissa);
/// otherwise, and without the feature, the nearest [`ValueRef::Float`]. (The
/// MySQL driver reads DECIMAL the same way.)
pub fn numeric(raw: &[u8], from_table: bool) -> std::result::Result<ValueRef<'static>, String> {
    let word = |i: usize| -> u16 { u16::from_be_bytes([raw[i], raw[i + 1]]) };
    if raw.len() < 8 {
        return Err(format!("{} bytes is too short for a numeric", raw.len()));
    }
    let ndigits = usize::from(word(0));
    #[allow(clippy::cast_possible_wrap)]
    let weight = i32::from(word(2) as i16);
    let sign = word(4);
    let dscale = word(6);
    if raw.len() != 8 + 2 * ndigits {
        return Err(format!(
            "a numeric of {ndigits} digit(s) has {} bytes",
            raw.len()
        ));
    }
    let negative = match sign {
        0x0000 => false,
        0x4000 => true,
        0xC000 => return Ok(ValueRef::Float(f64::NAN)),
        0xD000 => return Ok(ValueRef::Float(f64::INFINITY)),
        0xF000 => return Ok(ValueRef::Float(f64::NEG_INFINITY)),
        other => return Err(format!("unknown numeric sign {other:#06x}")),
    };
    let digit = |k: usize| -> std::result::Result<u16, String> {
        let d = word(8 + 2 * k);
        if d > 9999 {
            return Err(format!("numeric digit {d} is not below 10000"));
        }
        Ok(d)
    };
    let keep_scale = cfg!(feature = "decimal") && from_table && dscale > 0;
    if ndigits == 0 && !keep_scale {
        return Ok(ValueRef::Int(0));
    }
    // Integral (no digit after the point; PostgreSQL drops trailing zero
    // digits) and within i64: exact.
    let last_power = usize::try_from(weight).ok();
    if let Some(last) = last_power.filter(|&w| !keep_scale && ndigits <= w + 1) {
        let mut v: i128 = 0;
        let mut fits = true;
        for k in 0..=last {
            let d = if k < ndigits { digit(k)? } else { 0 };
            v = v * 10_000 + i128::from(d);
            if v > i128::from(i64::MAX) + 1 {
                fits = false;
                break;
            }
        }
        if fits {
            let v = if negative { -v } else { v };
            if let Ok(i) = i64::try_from(v) {
                return Ok(ValueRef::Int(i));
            }
        }
    }
    #[cfg(feature = "decimal")]
    if let Some(d) = exact_decimal(raw, ndigits, weight, negative, dscale) {
        return Ok(ValueRef::Decimal(d));
    }
    if ndigits == 0 {
        return Ok(ValueRef::Float(0.0));
    }
    // Otherwise the nearest f64: "-0.<digits>e<exponent>" parsed by the
    // standard library, in a stack buffer. 48 significant decimal digits are
    // far more than an f64 holds.
    let mut buf = [0u8; 80];
    let mut n = 0;
    let mut put = |b: u8| {
        buf[n] = b;
        n += 1;
    };
    if negative {
        put(b'-');
    }
    put(b'0');
    put(b'.');
    for k in 0..ndigits.min(12) {
        let d = digit(k)?;
        for p in [1000, 100, 10, 1] {
            #[allow(clippy::cast_possible_truncation)]
            put(b'0' + (d / p % 10) as u8);
        }
    }
    put(b'e');
    let exponent = 4 * (weight + 1);
    let mut e = exponent.unsigned_abs();
    if exponent < 0 {
        put(b'-');
    }
    let mut digits = [0u8; 10];
    let mut len = 0;
    loop {
        #[allow(clippy::cast_possible_truncation)]
        {
            digits[len] = b'0' + (e % 10) as u8;
        }
        len += 1;
        e /= 10;
        if e == 0 {
            break;
        }
    }
    for i in (0..len).rev() {
        put(digits[i]);
    }
    let s = std::str::from_utf8(&buf[..n]).map_err(|e| e.to_string())?;
    s.parse::<f64>()
        .map(ValueRef::Float)
        .map_err(|e| format!("{s}: {e}"))
}

/// The NUMERIC as a `rust_decimal::Decimal`, if it can hold it exactly:
/// the mantissa is the value times 10^dscale.
#[cfg(feature = "decimal")]
fn exact_decimal(
    raw: &[u8],
    ndigits: usize,
    weight: i32,
    negative: bool,
    dscale: u16,
) -> Option<rust_decimal::Decimal> {
    let scale = i32::from(dscale);
    let mut mantissa: i128 = 0;
    for k in 0..ndigits {
        let d = i128::from(u16::from_be_bytes([raw[8 + 2 * k], raw[9 + 2 * k]]));
        let k = i32::try_from(k).ok()?;
        // This digit's power of ten in the mantissa.
        let exp = 4 * (weight - k) + scale;
        if exp >= 0 {
            let pow = 10i128.checked_pow(u32::try_from(exp).ok()?)?;
            mantissa = mantissa.checked_add(d.checked_mul(pow)?)?;
        } else {
            // Digits past the display scale are zeros.
            let pow = 10i128.checked_pow(u32::try_from(-exp).ok()?)?;
            if d % pow != 0 {
                return None;
            }
            mantissa = mantissa.checked_add(d / pow)?;
        }
    }
    if negative {
        mantissa = -mantissa;
    }
    rust_decimal::Decimal::try_from_i128_with_scale(mantissa, u32::from(dscale)).ok()
}

/// One result row, decoded a column at a time.
pub struct PgRow(pub postgres::Row);

impl Row for PgRow {
    fn len(&self) -> usize {
        self.0.len()
    }

    #[inline]
    fn get_ref(&self, idx: usize) -> Result<ValueRef<'_>> {
        value(&self.0, idx)
    }

    fn column_name(&self, idx: usize) -> Option<&str> {
        self.0.columns().get(idx).map(postgres::Column::name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The binary NUMERIC of base-10000 `digits`.
    fn num(weight: i16, negative: bool, dscale: u16, digits: &[u16]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&u16::try_from(digits.len()).unwrap().to_be_bytes());
        v.extend_from_slice(&weight.to_be_bytes());
        v.extend_from_slice(&(if negative { 0x4000u16 } else { 0 }).to_be_bytes());
        v.extend_from_slice(&dscale.to_be_bytes());
        for d in digits {
            v.extend_from_slice(&d.to_be_bytes());
        }
        v
    }

    #[test]
    fn numerics() {
        // 70
        assert_eq!(
            numeric(&num(0, false, 0, &[70]), false).unwrap(),
            ValueRef::Int(70)
        );
        // -1_0000_0000 (weight 2, one digit)
        assert_eq!(
            numeric(&num(2, true, 0, &[1]), false).unwrap(),
            ValueRef::Int(-100_000_000)
        );
        // i64::MIN and one past i64::MAX
        assert_eq!(
            numeric(&num(4, true, 0, &[922, 3372, 368, 5477, 5808]), false).unwrap(),
            ValueRef::Int(i64::MIN)
        );
        let past_i64 = numeric(&num(4, false, 0, &[922, 3372, 368, 5477, 5808]), false).unwrap();
        #[cfg(feature = "decimal")]
        assert_eq!(
            past_i64,
            ValueRef::Decimal("9223372036854775808".parse().unwrap())
        );
        #[cfg(not(feature = "decimal"))]
        assert_eq!(past_i64, ValueRef::Float(9_223_372_036_854_775_808.0));
        // Table columns with a scale: 30.0000000000000000, 123.45, -0.001,
        // 0.00 (and without the decimal feature: 30, 123.45, -0.001, 0).
        let scaled = [
            (
                num(0, false, 16, &[30]),
                ValueRef::Int(30),
                "30.0000000000000000",
            ),
            (
                num(0, false, 2, &[123, 4500]),
                ValueRef::Float(123.45),
                "123.45",
            ),
            (num(-1, true, 3, &[10]), ValueRef::Float(-0.001), "-0.001"),
            (num(0, false, 2, &[]), ValueRef::Int(0), "0.00"),
        ];
        for (raw, plain, exact) in scaled {
            let v = numeric(&raw, true).unwrap();
            #[cfg(feature = "decimal")]
            {
                assert_eq!(v, ValueRef::Decimal(exact.parse().unwrap()), "{exact}");
                if let ValueRef::Decimal(d) = v {
                    assert_eq!(d.to_string(), exact, "the display scale is kept");
                }
            }
            #[cfg(not(feature = "decimal"))]
            assert_eq!(v, plain, "{exact}");
            let _ = plain;
        }
        assert_eq!(
            numeric(&num(0, false, 0, &[]), false).unwrap(),
            ValueRef::Int(0)
        );
        // A whole computed value (AVG of integers) is an integer, whatever
        // its display scale.
        assert_eq!(
            numeric(&num(0, false, 16, &[30]), false).unwrap(),
            ValueRef::Int(30)
        );
        // Beyond rust_decimal: the nearest float.
        assert!(matches!(
            numeric(&num(10, false, 1, &[1]), false).unwrap(),
            ValueRef::Float(f) if f == 1e40
        ));
        let mut nan = num(0, false, 0, &[]);
        nan[4] = 0xC0;
        assert!(matches!(numeric(&nan, false).unwrap(), ValueRef::Float(f) if f.is_nan()));
        assert!(numeric(&[0, 1], false).is_err());
        assert!(numeric(&num(0, false, 0, &[10_000]), false).is_err());
    }
}
