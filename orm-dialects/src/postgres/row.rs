//! Decoding rows: each column by its PostgreSQL type, into a [`ValueRef`]
//! that borrows the row's buffer (text as `&str`, `bytea` as `&[u8]`), so
//! reading a cell allocates nothing.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use orm_core::{DecodeError, Error, Result, Row, ValueRef};
use postgres::types::{FromSql, Kind as TypeKind, Type};

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

/// How a column's values decode: its type, resolved once per prepared
/// statement ([`kinds`]) instead of matching the type's OID on every cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Bool,
    Int2,
    Int4,
    Int8,
    Oid,
    Char,
    Float4,
    Float8,
    Numeric,
    #[cfg(feature = "uuid")]
    Uuid,
    /// `text`, `varchar`, `char(n)`, `name`, `unknown`, `json`, `xml`.
    Text,
    Jsonb,
    Bytea,
    Date,
    Time,
    Timestamp,
    Timestamptz,
    /// Anything else: domains, enums, `citext`, and types orm cannot read,
    /// decoded from the type itself.
    Other,
}

impl Kind {
    /// A type of this kind, for the decoders that take one but do not read
    /// it (chrono's, whose dates have one binary format): the column's own
    /// type is then not looked up.
    fn some_type(self) -> &'static Type {
        match self {
            Kind::Date => &Type::DATE,
            Kind::Time => &Type::TIME,
            Kind::Timestamp => &Type::TIMESTAMP,
            Kind::Timestamptz => &Type::TIMESTAMPTZ,
            _ => &Type::UNKNOWN,
        }
    }

    /// The kind of a column of type `ty`.
    pub(crate) fn of(ty: &Type) -> Kind {
        match ty.oid() {
            oid::BOOL => Kind::Bool,
            oid::INT2 => Kind::Int2,
            oid::INT4 => Kind::Int4,
            oid::INT8 => Kind::Int8,
            oid::OID => Kind::Oid,
            oid::CHAR => Kind::Char,
            oid::FLOAT4 => Kind::Float4,
            oid::FLOAT8 => Kind::Float8,
            oid::NUMERIC => Kind::Numeric,
            #[cfg(feature = "uuid")]
            oid::UUID => Kind::Uuid,
            oid::TEXT
            | oid::VARCHAR
            | oid::BPCHAR
            | oid::NAME
            | oid::UNKNOWN
            | oid::JSON
            | oid::XML => Kind::Text,
            oid::JSONB => Kind::Jsonb,
            oid::BYTEA => Kind::Bytea,
            oid::DATE => Kind::Date,
            oid::TIME => Kind::Time,
            oid::TIMESTAMP => Kind::Timestamp,
            oid::TIMESTAMPTZ => Kind::Timestamptz,
            _ => Kind::Other,
        }
    }
}

/// The kinds of a statement's result columns, in order.
pub(crate) fn kinds(columns: &[postgres::Column]) -> std::sync::Arc<[Kind]> {
    columns.iter().map(|c| Kind::of(c.type_())).collect()
}

/// Column `idx` of `row` when it reads without error (`None` otherwise:
/// [`value`] then says why), without building an [`Error`] per cell.
#[inline]
pub(crate) fn try_value<'r>(
    row: &'r postgres::Row,
    kinds: &[Kind],
    idx: usize,
) -> Option<ValueRef<'r>> {
    // A kind that decodes without its column (all but numeric and other
    // types) skips the column lookup: 147 -> 140 client instructions a
    // call on W7 (callgrind).
    let kind = match kinds.get(idx) {
        Some(&kind) if kind != Kind::Other && kind != Kind::Numeric => kind,
        _ => return try_value_of_column(row, kinds, idx),
    };
    match row.try_get::<_, Raw<'_>>(idx).ok()?.0 {
        None => Some(ValueRef::Null),
        Some(bytes) => decode_simple(kind, kind.some_type(), bytes, true),
    }
}

/// [`try_value`] for the kinds that need their column: numeric (whether
/// it is a table's), and any other type (decoded by the type itself).
#[inline(never)]
fn try_value_of_column<'r>(
    row: &'r postgres::Row,
    kinds: &[Kind],
    idx: usize,
) -> Option<ValueRef<'r>> {
    let column = row.columns().get(idx)?;
    let kind = kinds
        .get(idx)
        .copied()
        .unwrap_or_else(|| Kind::of(column.type_()));
    match row.try_get::<_, Raw<'_>>(idx).ok()?.0 {
        None => Some(ValueRef::Null),
        Some(bytes) if kind == Kind::Other => decode_other(
            column.type_(),
            bytes,
            column.name(),
            column.table_oid().is_some(),
        )
        .ok(),
        Some(bytes) => decode_simple(kind, column.type_(), bytes, column.table_oid().is_some()),
    }
}

/// The text of column `idx` copied into a `String` in one step, when its
/// type is one of the text types (`Some(None)`: NULL); `None` for anything
/// else, which is then read by [`try_value`].
#[inline]
pub(crate) fn copy_text(row: &postgres::Row, kinds: &[Kind], idx: usize) -> Option<Option<String>> {
    if kinds.get(idx) != Some(&Kind::Text) {
        return None;
    }
    match row.try_get::<_, Raw<'_>>(idx).ok()?.0 {
        Some(bytes) => std::str::from_utf8(bytes).ok().map(|t| Some(t.to_owned())),
        None => Some(None),
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

fn text<'a>(raw: &'a [u8], column: &str) -> Result<ValueRef<'a>> {
    std::str::from_utf8(raw)
        .map(ValueRef::Text)
        .map_err(|e| decode_error(column, "UTF-8 text", e.to_string()))
}

/// Decodes one non-NULL value of type `ty`; `from_table` says whether the
/// column is a table's (not a computed expression).
fn decode<'a>(ty: &Type, raw: &'a [u8], column: &str, from_table: bool) -> Result<ValueRef<'a>> {
    match Kind::of(ty) {
        Kind::Other => decode_other(ty, raw, column, from_table),
        kind => decode_simple(kind, ty, raw, from_table)
            .ok_or_else(|| malformed(kind, ty, raw, column, from_table)),
    }
}

/// Decodes a non-NULL value of any kind but [`Kind::Other`]: the decoding
/// path, which builds no error (`None` for a malformed value; [`decode`]
/// then says what is wrong with it).
#[inline]
fn decode_simple<'a>(
    kind: Kind,
    ty: &Type,
    raw: &'a [u8],
    from_table: bool,
) -> Option<ValueRef<'a>> {
    fn fixed<const N: usize>(raw: &[u8]) -> Option<[u8; N]> {
        <[u8; N]>::try_from(raw).ok()
    }
    Some(match kind {
        Kind::Bool => ValueRef::Bool(fixed::<1>(raw)?[0] != 0),
        Kind::Int2 => ValueRef::Int(i16::from_be_bytes(fixed(raw)?).into()),
        Kind::Int4 => ValueRef::Int(i32::from_be_bytes(fixed(raw)?).into()),
        Kind::Int8 => ValueRef::Int(i64::from_be_bytes(fixed(raw)?)),
        Kind::Oid => ValueRef::Int(u32::from_be_bytes(fixed(raw)?).into()),
        Kind::Char => ValueRef::Int(i8::from_be_bytes(fixed(raw)?).into()),
        Kind::Float4 => ValueRef::Float(f32::from_be_bytes(fixed(raw)?).into()),
        Kind::Float8 => ValueRef::Float(f64::from_be_bytes(fixed(raw)?)),
        Kind::Numeric => numeric(raw, from_table).ok()?,
        #[cfg(feature = "uuid")]
        Kind::Uuid => ValueRef::Uuid(uuid::Uuid::from_bytes(fixed(raw)?)),
        Kind::Text => ValueRef::Text(std::str::from_utf8(raw).ok()?),
        Kind::Jsonb => match raw.split_first() {
            Some((1, json)) => ValueRef::Text(std::str::from_utf8(json).ok()?),
            _ => return None,
        },
        Kind::Bytea => ValueRef::Blob(raw),
        Kind::Date => ValueRef::Date(NaiveDate::from_sql(ty, raw).ok()?),
        Kind::Time => ValueRef::Time(NaiveTime::from_sql(ty, raw).ok()?),
        Kind::Timestamp => ValueRef::DateTime(NaiveDateTime::from_sql(ty, raw).ok()?),
        Kind::Timestamptz => ValueRef::Timestamp(DateTime::<Utc>::from_sql(ty, raw).ok()?),
        Kind::Other => return None,
    })
}

/// Why [`decode_simple`] refused a value of kind `kind`.
#[cold]
fn malformed(kind: Kind, ty: &Type, raw: &[u8], column: &str, from_table: bool) -> Error {
    let chrono = |e: Option<Box<dyn std::error::Error + Sync + Send>>| {
        let why = e.map(|e| e.to_string()).unwrap_or_default();
        decode_error(column, "a date or time chrono can hold", why)
    };
    let utf8 = |raw: &[u8]| match text(raw, column) {
        Err(e) => e,
        Ok(_) => decode_error(column, "UTF-8 text", String::new()),
    };
    match kind {
        Kind::Numeric => decode_error(
            column,
            "a numeric value",
            numeric(raw, from_table).err().unwrap_or_default(),
        ),
        Kind::Text => utf8(raw),
        Kind::Jsonb => match raw.split_first() {
            Some((1, json)) => utf8(json),
            _ => decode_error(column, "jsonb", "unknown jsonb binary version".to_owned()),
        },
        Kind::Date => chrono(NaiveDate::from_sql(ty, raw).err()),
        Kind::Time => chrono(NaiveTime::from_sql(ty, raw).err()),
        Kind::Timestamp => chrono(NaiveDateTime::from_sql(ty, raw).err()),
        Kind::Timestamptz => chrono(DateTime::<Utc>::from_sql(ty, raw).err()),
        _ => decode_error(
            column,
            "a well-formed value",
            format!("{} bytes for a {} value", raw.len(), ty.name()),
        ),
    }
}

/// Decodes a value of a type of [`Kind::Other`]: domains by their base
/// type, enum labels and `citext` as text; anything else is refused.
fn decode_other<'a>(
    ty: &Type,
    raw: &'a [u8],
    column: &str,
    from_table: bool,
) -> Result<ValueRef<'a>> {
    match ty.kind() {
        TypeKind::Domain(inner) => decode(inner, raw, column, from_table),
        // The binary form of an enum label, and of citext, is its text.
        TypeKind::Enum(_) => text(raw, column),
        TypeKind::Simple if ty.name() == "citext" => text(raw, column),
        _ => Err(decode_error(
            column,
            "a type orm can read",
            format!(
                "unsupported PostgreSQL type {}; cast it in SQL (e.g. {}::text)",
                ty.name(),
                column
            ),
        )),
    }
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

/// One result row, decoded a column at a time, by the kinds of its
/// statement's columns.
pub(crate) struct PgRow<'k> {
    pub(crate) row: postgres::Row,
    pub(crate) kinds: &'k [Kind],
}

impl Row for PgRow<'_> {
    fn len(&self) -> usize {
        self.row.len()
    }

    #[inline]
    fn get_ref(&self, idx: usize) -> Result<ValueRef<'_>> {
        value(&self.row, idx)
    }

    #[inline]
    fn try_get(&self, idx: usize) -> Option<ValueRef<'_>> {
        try_value(&self.row, self.kinds, idx)
    }

    #[inline]
    fn take_text(&mut self, idx: usize) -> Option<Option<String>> {
        copy_text(&self.row, self.kinds, idx)
    }

    fn column_name(&self, idx: usize) -> Option<&str> {
        self.row.columns().get(idx).map(postgres::Column::name)
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

    /// The decoding path (`decode_simple`, no error built) and the error
    /// path (`malformed`, built only for a refused value) agree.
    #[test]
    fn kinds_decode_and_refuse() {
        let ok = |ty: &Type, raw: &[u8]| decode(ty, raw, "c", true).unwrap().to_owned();
        assert_eq!(
            ok(&Type::INT4, &7i32.to_be_bytes()),
            orm_core::Value::Int(7)
        );
        assert_eq!(
            ok(&Type::INT8, &(-2i64).to_be_bytes()),
            orm_core::Value::Int(-2)
        );
        assert_eq!(ok(&Type::BOOL, &[1]), orm_core::Value::Bool(true));
        assert_eq!(
            ok(&Type::FLOAT8, &1.5f64.to_be_bytes()),
            orm_core::Value::Float(1.5)
        );
        assert_eq!(ok(&Type::TEXT, b"hi"), orm_core::Value::Text("hi".into()));
        assert_eq!(
            ok(&Type::JSONB, b"\x01{}"),
            orm_core::Value::Text("{}".into())
        );
        assert_eq!(Kind::of(&Type::VARCHAR), Kind::Text);
        assert_eq!(Kind::of(&Type::INT4_ARRAY), Kind::Other);
        let err = |ty: &Type, raw: &[u8]| decode(ty, raw, "c", true).unwrap_err().to_string();
        assert!(err(&Type::INT4, &[0, 1]).contains("2 bytes for a int4 value"));
        assert!(err(&Type::TEXT, &[0xff]).contains("UTF-8"));
        assert!(err(&Type::JSONB, &[2]).contains("unknown jsonb binary version"));
        assert!(err(&Type::DATE, &[0]).contains("a date or time chrono can hold"));
        assert!(err(&Type::INT4_ARRAY, &[0]).contains("unsupported PostgreSQL type"));
    }

    /// `try_value` decodes the kinds it reads without their column with
    /// `Kind::some_type` in place of the column's type: the same value for
    /// every such type.
    #[test]
    fn kinds_decode_without_their_column_type() {
        let days = 9_000i32.to_be_bytes();
        let micros = 86_399_000_000i64.to_be_bytes();
        let cases: [(&Type, &[u8]); 9] = [
            (&Type::DATE, &days),
            (&Type::TIME, &micros),
            (&Type::TIMESTAMP, &micros),
            (&Type::TIMESTAMPTZ, &micros),
            (&Type::VARCHAR, b"hi"),
            (&Type::BPCHAR, b"hi "),
            (&Type::NAME, b"n"),
            (&Type::INT2, &7i16.to_be_bytes()),
            (&Type::FLOAT4, &1.5f32.to_be_bytes()),
        ];
        for (ty, raw) in cases {
            let kind = Kind::of(ty);
            assert!(kind != Kind::Other && kind != Kind::Numeric, "{ty}");
            assert_eq!(
                decode_simple(kind, kind.some_type(), raw, true),
                decode_simple(kind, ty, raw, true),
                "{ty}"
            );
            assert!(decode_simple(kind, ty, raw, true).is_some(), "{ty}");
        }
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
