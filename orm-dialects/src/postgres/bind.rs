//! Binding `orm` values as PostgreSQL parameters.
//!
//! The server infers each parameter's type when a statement is prepared; a
//! value is encoded for that type. Native matches go in the binary format
//! (integers with a range check, floats, booleans, text, bytes, dates and
//! times). Anything else goes in the text format, which the server parses
//! with the type's own input function: so an integer binds to a `numeric`
//! parameter, and text binds to `json`, `uuid`, `interval` or an enum.

use std::error::Error as StdError;
use std::fmt::Write as _;

use bytes::{BufMut, BytesMut};
use chrono::{NaiveTime, Utc};
use orm_core::driver::{DATETIME_FORMAT, TIME_FORMAT};
use orm_core::{Value, ValueRef};
use postgres::types::{to_sql_checked, Format, IsNull, Kind, ToSql, Type};

/// PostgreSQL type OIDs (stable, from `pg_type.dat`).
pub mod oid {
    /// `boolean`
    pub const BOOL: u32 = 16;
    /// `bytea`
    pub const BYTEA: u32 = 17;
    /// `"char"`
    pub const CHAR: u32 = 18;
    /// `name`
    pub const NAME: u32 = 19;
    /// `bigint`
    pub const INT8: u32 = 20;
    /// `smallint`
    pub const INT2: u32 = 21;
    /// `integer`
    pub const INT4: u32 = 23;
    /// `text`
    pub const TEXT: u32 = 25;
    /// `oid`
    pub const OID: u32 = 26;
    /// `json`
    pub const JSON: u32 = 114;
    /// `xml`
    pub const XML: u32 = 142;
    /// `real`
    pub const FLOAT4: u32 = 700;
    /// `double precision`
    pub const FLOAT8: u32 = 701;
    /// `unknown`
    pub const UNKNOWN: u32 = 705;
    /// `character`
    pub const BPCHAR: u32 = 1042;
    /// `character varying`
    pub const VARCHAR: u32 = 1043;
    /// `date`
    pub const DATE: u32 = 1082;
    /// `time without time zone`
    pub const TIME: u32 = 1083;
    /// `timestamp without time zone`
    pub const TIMESTAMP: u32 = 1114;
    /// `timestamp with time zone`
    pub const TIMESTAMPTZ: u32 = 1184;
    /// `numeric`
    pub const NUMERIC: u32 = 1700;
    /// `uuid`
    pub const UUID: u32 = 2950;
    /// `jsonb`
    pub const JSONB: u32 = 3802;
}

type BoxError = Box<dyn StdError + Sync + Send>;

/// Whether the text of a value of PostgreSQL type `oid` is sent as is in the
/// binary format (the binary format of these types is their UTF-8 text).
fn is_text_type(oid: u32) -> bool {
    matches!(
        oid,
        oid::TEXT | oid::VARCHAR | oid::BPCHAR | oid::NAME | oid::UNKNOWN
    )
}

fn is_int_type(oid: u32) -> bool {
    matches!(oid, oid::INT2 | oid::INT4 | oid::INT8)
}

/// One bound parameter: an `orm` value, encoded for the parameter's type.
#[derive(Debug, Clone, Copy)]
pub struct Bind<'a>(pub ValueRef<'a>);

impl Bind<'_> {
    /// Whether the value goes in the binary format for a parameter of type
    /// `ty` (otherwise the text format).
    fn binary(&self, ty: &Type) -> bool {
        if let ValueRef::Null | ValueRef::Blob(_) = self.0 {
            return true;
        }
        let o = ty.oid();
        match self.0 {
            ValueRef::Null | ValueRef::Blob(_) => true,
            ValueRef::Int(_) | ValueRef::Float(_) => {
                is_int_type(o) || matches!(o, oid::FLOAT4 | oid::FLOAT8 | oid::OID)
            }
            ValueRef::Bool(_) => o == oid::BOOL || is_int_type(o),
            ValueRef::Text(_) => is_text_type(o) || o == oid::BYTEA,
            ValueRef::Date(_) | ValueRef::DateTime(_) | ValueRef::Timestamp(_) => {
                matches!(o, oid::DATE | oid::TIMESTAMP | oid::TIMESTAMPTZ)
            }
            ValueRef::Time(_) => o == oid::TIME,
            // An array goes binary when every item does.
            ValueRef::List(items) => match ty.kind() {
                Kind::Array(member) => items.iter().all(|v| Bind(v.as_ref()).binary(member)),
                _ => false,
            },
            _ => false,
        }
    }

    fn binary_to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let o = ty.oid();
        match self.0 {
            ValueRef::Null => return Ok(IsNull::Yes),
            ValueRef::Int(i) => int(i, ty, out)?,
            ValueRef::Float(f) => match o {
                oid::FLOAT8 => out.put_f64(f),
                oid::FLOAT4 => {
                    #[allow(clippy::cast_possible_truncation)]
                    let narrow = f as f32;
                    // Only a value `real` holds exactly: never rounded.
                    if f64::from(narrow) != f && !f.is_nan() {
                        return Err(format!("{f} is not exactly a value of type real").into());
                    }
                    out.put_f32(narrow);
                }
                _ => {
                    // i64 holds [-2^63, 2^63).
                    let limit = 2f64.powi(63);
                    let fits = (-limit..limit).contains(&f);
                    if f.fract() != 0.0 || !fits {
                        return Err(format!(
                            "{f} is not an integer; it cannot be bound to a parameter of type {}",
                            ty.name()
                        )
                        .into());
                    }
                    #[allow(clippy::cast_possible_truncation)]
                    int(f as i64, ty, out)?;
                }
            },
            ValueRef::Bool(b) => match o {
                oid::BOOL => out.put_u8(u8::from(b)),
                _ => int(i64::from(b), ty, out)?,
            },
            ValueRef::Text(s) => out.put_slice(s.as_bytes()),
            ValueRef::Blob(b) => {
                // A UUID's binary form is its 16 bytes.
                let uuid = o == oid::UUID && b.len() == 16;
                if o != oid::BYTEA && !uuid {
                    return Err(format!(
                        "bytes cannot be bound to a parameter of type {} (only bytea, or 16 \
                         bytes to uuid)",
                        ty.name()
                    )
                    .into());
                }
                out.put_slice(b);
            }
            ValueRef::Date(d) => match o {
                oid::DATE => return d.to_sql(ty, out),
                oid::TIMESTAMP => return d.and_time(NaiveTime::MIN).to_sql(ty, out),
                _ => return d.and_time(NaiveTime::MIN).and_utc().to_sql(ty, out),
            },
            ValueRef::DateTime(d) => match o {
                oid::DATE => return d.date().to_sql(ty, out),
                oid::TIMESTAMP => return d.to_sql(ty, out),
                _ => return d.and_utc().to_sql(ty, out),
            },
            ValueRef::Timestamp(t) => match o {
                oid::DATE => return t.date_naive().to_sql(ty, out),
                oid::TIMESTAMP => return t.naive_utc().to_sql(ty, out),
                _ => return t.with_timezone(&Utc).to_sql(ty, out),
            },
            ValueRef::Time(t) => return t.to_sql(ty, out),
            ValueRef::List(items) => {
                let binds: Vec<Bind<'_>> = items.iter().map(|v| Bind(v.as_ref())).collect();
                return binds.as_slice().to_sql(ty, out);
            }
            other => return Err(unsupported(other, ty)),
        }
        Ok(IsNull::No)
    }

    fn text_to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let res = match self.0 {
            ValueRef::Null => return Ok(IsNull::Yes),
            ValueRef::Int(i) => write!(out, "{i}"),
            ValueRef::Float(f) if f.is_nan() => write!(out, "NaN"),
            ValueRef::Float(f) if f.is_infinite() => {
                write!(out, "{}Infinity", if f < 0.0 { "-" } else { "" })
            }
            ValueRef::Float(f) => write!(out, "{f}"),
            ValueRef::Bool(b) => write!(out, "{b}"),
            ValueRef::Text(s) => {
                out.put_slice(s.as_bytes());
                Ok(())
            }
            ValueRef::Date(d) => write!(out, "{}", d.format("%Y-%m-%d")),
            ValueRef::DateTime(d) => write!(out, "{}", d.format(DATETIME_FORMAT)),
            ValueRef::Timestamp(t) => write!(out, "{}+00", t.format(DATETIME_FORMAT)),
            ValueRef::Time(t) => write!(out, "{}", t.format(TIME_FORMAT)),
            // Exact: the server parses the digits.
            #[cfg(feature = "decimal")]
            ValueRef::Decimal(d) => write!(out, "{d}"),
            #[cfg(feature = "uuid")]
            ValueRef::Uuid(u) => write!(out, "{u}"),
            #[cfg(feature = "json")]
            ValueRef::Json(j) => write!(out, "{j}"),
            ValueRef::List(items) => return text_array(items, ty, out),
            other => return Err(unsupported(other, ty)),
        };
        res.map_err(|e| -> BoxError { e.to_string().into() })?;
        Ok(IsNull::No)
    }
}

/// An array in PostgreSQL's text format, `{"a","b",NULL}`: each item in
/// its member type's text format, quoted, `"` and `\` escaped.
fn text_array(items: &[Value], ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
    let Kind::Array(member) = ty.kind() else {
        return Err(format!(
            "a list binds only to an array parameter (`col = ANY(?)`), not to one of type {}",
            ty.name()
        )
        .into());
    };
    let mut item = BytesMut::new();
    out.put_u8(b'{');
    for (i, v) in items.iter().enumerate() {
        if i > 0 {
            out.put_u8(b',');
        }
        item.clear();
        if let IsNull::Yes = Bind(v.as_ref()).text_to_sql(member, &mut item)? {
            out.put_slice(b"NULL");
            continue;
        }
        out.put_u8(b'"');
        for &b in item.iter() {
            if b == b'"' || b == b'\\' {
                out.put_u8(b'\\');
            }
            out.put_u8(b);
        }
        out.put_u8(b'"');
    }
    out.put_u8(b'}');
    Ok(IsNull::No)
}

fn unsupported(v: ValueRef<'_>, ty: &Type) -> BoxError {
    format!(
        "a {} value cannot be bound to a parameter of type {}",
        v.kind(),
        ty.name()
    )
    .into()
}

/// Writes integer `i` as a parameter of integer type `ty`, or fails if it
/// does not fit.
fn int(i: i64, ty: &Type, out: &mut BytesMut) -> Result<(), BoxError> {
    let range = |name: &str| -> BoxError {
        format!("integer {i} is out of range (or not exact) for a parameter of type {name}").into()
    };
    match ty.oid() {
        oid::INT2 => out.put_i16(i16::try_from(i).map_err(|_| range("smallint"))?),
        oid::INT4 => out.put_i32(i32::try_from(i).map_err(|_| range("integer"))?),
        oid::OID => out.put_u32(u32::try_from(i).map_err(|_| range("oid"))?),
        // Only integers the float type holds exactly: never rounded.
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
        oid::FLOAT8 => {
            let f = i as f64;
            if f as i128 != i128::from(i) {
                return Err(range("double precision"));
            }
            out.put_f64(f);
        }
        #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
        oid::FLOAT4 => {
            let f = i as f32;
            if f as i128 != i128::from(i) {
                return Err(range("real"));
            }
            out.put_f32(f);
        }
        _ => out.put_i64(i),
    }
    Ok(())
}

impl ToSql for Bind<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        if self.binary(ty) {
            self.binary_to_sql(ty, out)
        } else {
            self.text_to_sql(ty, out)
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    fn encode_format(&self, ty: &Type) -> Format {
        if self.binary(ty) {
            Format::Binary
        } else {
            Format::Text
        }
    }

    to_sql_checked!();
}

/// One parameter as the client sends it: the value, and the format
/// chosen for the parameter's type once (the client asks for the format,
/// then for the bytes: [`Bind`] would decide twice).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Param<'a> {
    value: Bind<'a>,
    binary: bool,
}

impl<'a> Param<'a> {
    /// A NULL (of any type).
    pub(crate) const NULL: Param<'static> = Param {
        value: Bind(ValueRef::Null),
        binary: true,
    };

    /// `value`, for a parameter of type `ty`.
    #[inline]
    pub(crate) fn new(value: ValueRef<'a>, ty: &Type) -> Self {
        let value = Bind(value);
        Param {
            binary: value.binary(ty),
            value,
        }
    }
}

impl ToSql for Param<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        if self.binary {
            self.value.binary_to_sql(ty, out)
        } else {
            self.value.text_to_sql(ty, out)
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    fn encode_format(&self, _ty: &Type) -> Format {
        if self.binary {
            Format::Binary
        } else {
            Format::Text
        }
    }

    to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (whether the text format is used, the bytes sent)
    fn enc(v: ValueRef<'_>, ty: &Type) -> Result<(bool, Vec<u8>), String> {
        let b = Bind(v);
        let mut out = BytesMut::new();
        b.to_sql(ty, &mut out).map_err(|e| e.to_string())?;
        Ok((matches!(b.encode_format(ty), Format::Text), out.to_vec()))
    }

    #[test]
    fn integers_are_range_checked() {
        assert_eq!(
            enc(ValueRef::Int(-2), &Type::INT2).unwrap(),
            (false, vec![0xff, 0xfe])
        );
        let err = enc(ValueRef::Int(100_000), &Type::INT2).unwrap_err();
        assert!(err.contains("100000") && err.contains("smallint"), "{err}");
        assert!(enc(ValueRef::Int(1 << 40), &Type::INT4).is_err());
        assert_eq!(enc(ValueRef::Int(1 << 40), &Type::INT8).unwrap().1.len(), 8);
        assert!(enc(ValueRef::Float(1.5), &Type::INT8).is_err());
        assert_eq!(
            enc(ValueRef::Float(3.0), &Type::INT4).unwrap().1,
            [0, 0, 0, 3]
        );
        assert!(enc(ValueRef::Float(1e300), &Type::FLOAT4).is_err());
    }

    #[test]
    fn other_types_go_as_text() {
        assert_eq!(
            enc(ValueRef::Int(20), &Type::NUMERIC).unwrap(),
            (true, b"20".to_vec())
        );
        assert_eq!(
            enc(ValueRef::Float(0.5), &Type::NUMERIC).unwrap(),
            (true, b"0.5".to_vec())
        );
        assert_eq!(
            enc(ValueRef::Text("{\"a\":1}"), &Type::JSONB).unwrap(),
            (true, b"{\"a\":1}".to_vec())
        );
        assert_eq!(
            enc(ValueRef::Text("x"), &Type::TEXT).unwrap(),
            (false, b"x".to_vec())
        );
        assert!(enc(ValueRef::Blob(b"x"), &Type::TEXT).is_err());
        assert_eq!(
            enc(ValueRef::Bool(true), &Type::BOOL).unwrap(),
            (false, vec![1])
        );
    }

    #[test]
    fn lists_bind_as_arrays() {
        let list = [
            Value::Text("a\"b".into()),
            Value::Null,
            Value::Text("c\\d".into()),
        ];
        // NUMERIC[] items go as text: a text-format array, items quoted.
        let nums = [Value::Int(1), Value::Null, Value::Float(2.5)];
        assert_eq!(
            enc(ValueRef::List(&nums), &Type::NUMERIC_ARRAY).unwrap(),
            (true, br#"{"1",NULL,"2.5"}"#.to_vec())
        );
        let (text, bytes) = enc(ValueRef::List(&list), &Type::JSONB_ARRAY).unwrap();
        assert!(text);
        assert_eq!(bytes, br#"{"a\"b",NULL,"c\\d"}"#.to_vec());
        // TEXT[] and INT8[] go binary.
        assert!(!enc(ValueRef::List(&list), &Type::TEXT_ARRAY).unwrap().0);
        assert!(
            !enc(ValueRef::List(&[Value::Int(1)]), &Type::INT8_ARRAY)
                .unwrap()
                .0
        );
        // Range checks apply to every item.
        assert!(enc(ValueRef::List(&[Value::Int(1 << 20)]), &Type::INT2_ARRAY).is_err());
        // A list is only an array.
        assert!(enc(ValueRef::List(&nums), &Type::NUMERIC).is_err());
    }
}
