//! Values sent to and read from the database.
//!
//! [`Value`] is an owned value, used for bound parameters. [`ValueRef`] borrows
//! from a driver's row buffer, so decoding a row into a model allocates only
//! what the model's own fields own (a `String`, a `Vec<u8>`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

use crate::error::DecodeError;

/// The portable SQL type of a column. Each dialect maps it to its own DDL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SqlType {
    /// `bool`.
    Bool,
    /// `i16`.
    SmallInt,
    /// `i32`.
    Int,
    /// `i64`.
    BigInt,
    /// `f32`.
    Real,
    /// `f64`.
    Double,
    /// `String`.
    Text,
    /// `Vec<u8>`.
    Blob,
    /// `chrono::NaiveDate`.
    Date,
    /// `chrono::NaiveDateTime`.
    DateTime,
    /// `chrono::DateTime<Utc>`.
    Timestamp,
    /// `chrono::NaiveTime`: a time of day, to the microsecond.
    Time,
    /// `rust_decimal::Decimal` (feature `decimal`): `Decimal(precision,
    /// scale)`, `(0, 0)` for the dialect's widest exact decimal.
    Decimal(u8, u8),
    /// `uuid::Uuid` (feature `uuid`).
    Uuid,
    /// `serde_json::Value` (feature `json`).
    Json,
}

/// An owned database value: what parameters are bound as.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// Any integer.
    Int(i64),
    /// Any floating-point number.
    Float(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
    /// A calendar date.
    Date(NaiveDate),
    /// A date and time without zone.
    DateTime(NaiveDateTime),
    /// An instant in UTC.
    Timestamp(DateTime<Utc>),
    /// A time of day.
    Time(NaiveTime),
    /// An exact decimal number.
    #[cfg(feature = "decimal")]
    Decimal(rust_decimal::Decimal),
    /// A UUID.
    #[cfg(feature = "uuid")]
    Uuid(uuid::Uuid),
    /// A JSON document.
    #[cfg(feature = "json")]
    Json(serde_json::Value),
    /// A list of values bound as one array parameter: how a long `in_list`
    /// is sent to PostgreSQL and CockroachDB (`"id" = ANY($1)`). Other
    /// databases have no array parameters and refuse it.
    List(Vec<Value>),
}

impl Value {
    /// Borrows this value as a [`ValueRef`].
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Bool(b) => ValueRef::Bool(*b),
            Value::Int(i) => ValueRef::Int(*i),
            Value::Float(f) => ValueRef::Float(*f),
            Value::Text(s) => ValueRef::Text(s),
            Value::Blob(b) => ValueRef::Blob(b),
            Value::Date(d) => ValueRef::Date(*d),
            Value::DateTime(d) => ValueRef::DateTime(*d),
            Value::Timestamp(d) => ValueRef::Timestamp(*d),
            Value::Time(t) => ValueRef::Time(*t),
            #[cfg(feature = "decimal")]
            Value::Decimal(d) => ValueRef::Decimal(*d),
            #[cfg(feature = "uuid")]
            Value::Uuid(u) => ValueRef::Uuid(*u),
            #[cfg(feature = "json")]
            Value::Json(j) => ValueRef::Json(j),
            Value::List(v) => ValueRef::List(v),
        }
    }

    /// Whether this is [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

/// A database value borrowed from a driver's row.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum ValueRef<'a> {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// Any integer.
    Int(i64),
    /// Any floating-point number.
    Float(f64),
    /// Text.
    Text(&'a str),
    /// Bytes.
    Blob(&'a [u8]),
    /// A calendar date.
    Date(NaiveDate),
    /// A date and time without zone.
    DateTime(NaiveDateTime),
    /// An instant in UTC.
    Timestamp(DateTime<Utc>),
    /// A time of day.
    Time(NaiveTime),
    /// An exact decimal number.
    #[cfg(feature = "decimal")]
    Decimal(rust_decimal::Decimal),
    /// A UUID.
    #[cfg(feature = "uuid")]
    Uuid(uuid::Uuid),
    /// A JSON document (drivers read JSON columns as text).
    #[cfg(feature = "json")]
    Json(&'a serde_json::Value),
    /// A list of values, bound as one array parameter (see
    /// [`Value::List`]).
    List(&'a [Value]),
}

impl ValueRef<'_> {
    /// The kind of value, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            ValueRef::Null => "NULL",
            ValueRef::Bool(_) => "boolean",
            ValueRef::Int(_) => "integer",
            ValueRef::Float(_) => "float",
            ValueRef::Text(_) => "text",
            ValueRef::Blob(_) => "blob",
            ValueRef::Date(_) => "date",
            ValueRef::DateTime(_) => "datetime",
            ValueRef::Timestamp(_) => "timestamp",
            ValueRef::Time(_) => "time",
            #[cfg(feature = "decimal")]
            ValueRef::Decimal(_) => "decimal",
            #[cfg(feature = "uuid")]
            ValueRef::Uuid(_) => "uuid",
            #[cfg(feature = "json")]
            ValueRef::Json(_) => "json",
            ValueRef::List(_) => "list",
        }
    }

    /// Copies this value into an owned [`Value`].
    pub fn to_owned(&self) -> Value {
        self.owned()
    }

    /// [`to_owned`](Self::to_owned), inlined where the variant is known
    /// (a column type's [`ToValue`]: an `i32` key becomes `Value::Int`
    /// without a call through the whole match).
    #[inline(always)]
    pub(crate) fn owned(&self) -> Value {
        match *self {
            ValueRef::Null => Value::Null,
            ValueRef::Bool(b) => Value::Bool(b),
            ValueRef::Int(i) => Value::Int(i),
            ValueRef::Float(f) => Value::Float(f),
            ValueRef::Text(s) => Value::Text(s.to_owned()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
            ValueRef::Date(d) => Value::Date(d),
            ValueRef::DateTime(d) => Value::DateTime(d),
            ValueRef::Timestamp(d) => Value::Timestamp(d),
            ValueRef::Time(t) => Value::Time(t),
            #[cfg(feature = "decimal")]
            ValueRef::Decimal(d) => Value::Decimal(d),
            #[cfg(feature = "uuid")]
            ValueRef::Uuid(u) => Value::Uuid(u),
            #[cfg(feature = "json")]
            ValueRef::Json(j) => Value::Json(j.clone()),
            ValueRef::List(v) => Value::List(v.to_vec()),
        }
    }

    pub(crate) fn wrong_type(&self) -> DecodeError {
        DecodeError::WrongType { found: self.kind() }
    }
}

/// A Rust type that can be sent to the database as a bound parameter.
pub trait ToValue {
    /// The value to bind.
    fn to_value(&self) -> Value;
}

/// A Rust type that can be read from a database value.
pub trait FromValue: Sized {
    /// Reads the value. NULL is an error unless `Self` is an `Option`.
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError>;

    /// Whether this type is read from text it can keep: then a driver that
    /// owns a text cell hands it over ([`Row::take_text`](crate::Row::take_text))
    /// instead of lending it to be copied. `String` and `Option<String>`.
    #[doc(hidden)]
    const OWNS_TEXT: bool = false;

    /// Reads the value from text handed over by the driver; the default
    /// lends it to [`from_value`](Self::from_value).
    #[doc(hidden)]
    fn from_owned_text(text: String) -> Result<Self, DecodeError> {
        Self::from_value(ValueRef::Text(&text))
    }
}

/// A Rust type that can be a model field: it maps to a column type.
///
/// Enums and newtypes get it from `#[derive(DbValue)]`. A type of your own
/// implements it with [`ToValue`] and [`FromValue`]: choose the portable
/// [`SqlType`] it is stored as, lend its value without copying, and read it
/// back, refusing what does not fit with a [`DecodeError`] (reported as
/// `Error::Decode`, naming table and column). For conditions on its
/// columns, also implement `IntoOperand<T> for T`.
///
/// ```
/// use orm::prelude::*;
/// use orm::{ColumnType, DecodeError, Expr, FromValue, IntoOperand, SqlType, ToValue, ValueRef};
///
/// /// A colour, stored as `#rrggbb` text.
/// #[derive(Debug, Clone, PartialEq, Default)]
/// struct Rgb(String);
///
/// impl ToValue for Rgb {
///     fn to_value(&self) -> Value {
///         Value::Text(self.0.clone())
///     }
/// }
/// impl FromValue for Rgb {
///     fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
///         match value {
///             ValueRef::Text(s) if s.len() == 7 && s.starts_with('#') => Ok(Rgb(s.to_owned())),
///             ValueRef::Null => Err(DecodeError::UnexpectedNull),
///             other => Err(DecodeError::Invalid(format!("not a colour: {other:?}"))),
///         }
///     }
/// }
/// impl ColumnType for Rgb {
///     const SQL_TYPE: SqlType = SqlType::Text;
///     const RUST_NAME: &'static str = "Rgb";
///     fn as_value_ref(&self) -> ValueRef<'_> {
///         ValueRef::Text(&self.0)
///     }
/// }
/// impl IntoOperand<Rgb> for Rgb {
///     fn into_operand(self) -> Expr {
///         Expr::Value(self.to_value())
///     }
/// }
///
/// #[derive(Model, Debug)]
/// struct Theme {
///     id: i64,
///     accent: Rgb,
/// }
///
/// let conn = Connection::open("sqlite::memory:")?;
/// conn.sync::<Theme>()?;
/// let mut theme = Theme { id: 0, accent: Rgb("#ff8800".into()) };
/// theme.save(&conn)?;
/// let found = Themes::filter(Themes::ACCENT.eq(Rgb("#ff8800".into()))).first(&conn)?;
/// assert_eq!(found.map(|t| t.accent), Some(Rgb("#ff8800".into())));
/// conn.execute("UPDATE themes SET accent = 'orange'", ())?;
/// assert!(matches!(Themes::find(&conn, theme.id), Err(orm::Error::Decode { .. })));
/// # Ok::<(), orm::Error>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a supported column type",
    label = "unsupported field type",
    note = "supported: bool, i8, i16, i32, i64, u8, u16, u32, f32, f64, String, Vec<u8>, \
            chrono::NaiveDate, chrono::NaiveTime, chrono::NaiveDateTime, chrono::DateTime<Utc>, \
            chrono::DateTime<FixedOffset>, enums and newtypes \
            with #[derive(DbValue)], and Option<T> of each (u64 is not: no column type of every \
            dialect holds values above i64::MAX; use i64, or a decimal); mark the field \
            #[db(skip)] to leave it unmapped"
)]
pub trait ColumnType: ToValue + FromValue {
    /// The column's portable type.
    const SQL_TYPE: SqlType;
    /// Whether the column accepts NULL (true only for `Option<T>`).
    const NULLABLE: bool = false;
    /// The Rust type's name, for decode errors.
    const RUST_NAME: &'static str;
    /// The value, borrowed: binding a model's field copies nothing.
    fn as_value_ref(&self) -> ValueRef<'_>;
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        match self {
            Some(v) => v.to_value(),
            None => Value::Null,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        match value {
            ValueRef::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }

    const OWNS_TEXT: bool = T::OWNS_TEXT;

    fn from_owned_text(text: String) -> Result<Self, DecodeError> {
        T::from_owned_text(text).map(Some)
    }
}

impl<T: ColumnType> ColumnType for Option<T> {
    const SQL_TYPE: SqlType = T::SQL_TYPE;
    const NULLABLE: bool = true;
    const RUST_NAME: &'static str = T::RUST_NAME;
    fn as_value_ref(&self) -> ValueRef<'_> {
        self.as_ref()
            .map_or(ValueRef::Null, ColumnType::as_value_ref)
    }
}

impl FromValue for Value {
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        Ok(value.to_owned())
    }
}

/// `ToValue`, `ColumnType` and `From<T> for Value` of a column type, all
/// from its borrowed form.
macro_rules! column_type {
    ($t:ty, $sql:ident $(($($arg:expr),*))?, $name:expr, |$v:ident| $to_ref:expr) => {
        impl ToValue for $t {
            #[inline]
            fn to_value(&self) -> Value {
                self.as_value_ref().owned()
            }
        }
        impl ColumnType for $t {
            const SQL_TYPE: SqlType = SqlType::$sql $(($($arg),*))?;
            const RUST_NAME: &'static str = $name;
            fn as_value_ref(&self) -> ValueRef<'_> {
                let $v = self;
                $to_ref
            }
        }
        impl From<$t> for Value {
            fn from(v: $t) -> Value {
                v.to_value()
            }
        }
    };
}
pub(crate) use column_type;

macro_rules! int_type {
    ($t:ty, $sql:ident) => {
        column_type!($t, $sql, stringify!($t), |v| ValueRef::Int(i64::from(*v)));
        impl FromValue for $t {
            fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
                match value {
                    ValueRef::Int(i) => <$t>::try_from(i).map_err(|_| DecodeError::OutOfRange {
                        value: i.to_string(),
                    }),
                    ValueRef::Bool(b) => Ok(<$t>::from(b)),
                    // A computed NUMERIC (SUM) that is a whole number.
                    #[cfg(feature = "decimal")]
                    ValueRef::Decimal(d) if d.fract().is_zero() => {
                        rust_decimal::prelude::ToPrimitive::to_i64(&d)
                            .and_then(|i| <$t>::try_from(i).ok())
                            .ok_or_else(|| DecodeError::OutOfRange {
                                value: d.to_string(),
                            })
                    }
                    ValueRef::Null => Err(DecodeError::UnexpectedNull),
                    v => Err(v.wrong_type()),
                }
            }
        }
    };
}
int_type!(i16, SmallInt);
int_type!(i32, Int);
int_type!(i64, BigInt);
// The narrower and unsigned integers, each in the smallest signed column
// that holds all its values (a value read back must fit, or is an error).
// `u64` has none: BIGINT stops at i64::MAX. (A `Vec<u8>` stays a blob:
// `u8` is no list item.)
int_type!(i8, SmallInt);
int_type!(u8, SmallInt);
int_type!(u16, Int);
int_type!(u32, BigInt);

macro_rules! float_type {
    ($t:ty, $sql:ident) => {
        column_type!($t, $sql, stringify!($t), |v| ValueRef::Float(f64::from(*v)));
        impl FromValue for $t {
            #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
            fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
                let inexact = |value: String| DecodeError::OutOfRange { value };
                match value {
                    // Only what the type holds exactly: an f64 read into an
                    // f32 field must be a widened f32 (or NaN).
                    ValueRef::Float(f) => {
                        let v = f as $t;
                        if f64::from(v) == f || f.is_nan() {
                            Ok(v)
                        } else {
                            Err(inexact(f.to_string()))
                        }
                    }
                    // SQLite stores integral REAL values as integers; a
                    // computed integer must fit the mantissa.
                    ValueRef::Int(i) => {
                        let v = i as $t;
                        if v as i128 == i128::from(i) {
                            Ok(v)
                        } else {
                            Err(inexact(i.to_string()))
                        }
                    }
                    // A computed NUMERIC (AVG) read into a float, on purpose.
                    #[cfg(feature = "decimal")]
                    ValueRef::Decimal(d) => rust_decimal::prelude::ToPrimitive::to_f64(&d)
                        .map(|f| f as $t)
                        .ok_or_else(|| DecodeError::OutOfRange {
                            value: d.to_string(),
                        }),
                    ValueRef::Null => Err(DecodeError::UnexpectedNull),
                    v => Err(v.wrong_type()),
                }
            }
        }
    };
}
float_type!(f32, Real);
float_type!(f64, Double);

column_type!(bool, Bool, "bool", |v| ValueRef::Bool(*v));
impl FromValue for bool {
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        match value {
            ValueRef::Bool(b) => Ok(b),
            ValueRef::Int(0) => Ok(false),
            ValueRef::Int(1) => Ok(true),
            ValueRef::Int(i) => Err(DecodeError::OutOfRange {
                value: i.to_string(),
            }),
            ValueRef::Null => Err(DecodeError::UnexpectedNull),
            v => Err(v.wrong_type()),
        }
    }
}

column_type!(String, Text, "String", |v| ValueRef::Text(v));
impl FromValue for String {
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        match value {
            ValueRef::Text(s) => Ok(s.to_owned()),
            ValueRef::Null => Err(DecodeError::UnexpectedNull),
            v => Err(v.wrong_type()),
        }
    }

    const OWNS_TEXT: bool = true;

    fn from_owned_text(text: String) -> Result<Self, DecodeError> {
        Ok(text)
    }
}

column_type!(Vec<u8>, Blob, "Vec<u8>", |v| ValueRef::Blob(v));
impl FromValue for Vec<u8> {
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        match value {
            ValueRef::Blob(b) => Ok(b.to_vec()),
            ValueRef::Text(s) => Ok(s.as_bytes().to_vec()),
            ValueRef::Null => Err(DecodeError::UnexpectedNull),
            v => Err(v.wrong_type()),
        }
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_owned())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// A composite key (`#[db(primary_key)]` on several fields) is a tuple of
/// its columns' values; as one value it is a [`Value::List`] of them, in
/// key order, which the statements that find a record by its key split
/// into one condition a column.
macro_rules! key_tuple {
    ($($t:ident $i:tt),+) => {
        impl<$($t: ToValue),+> ToValue for ($($t,)+) {
            fn to_value(&self) -> Value {
                Value::List(vec![$(self.$i.to_value()),+])
            }
        }
        impl<$($t: FromValue),+> FromValue for ($($t,)+) {
            fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
                match value {
                    ValueRef::List(parts) if parts.len() == [$($i),+].len() => {
                        Ok(($($t::from_value(parts[$i].as_ref())?,)+))
                    }
                    ValueRef::Null => Err(DecodeError::UnexpectedNull),
                    v => Err(v.wrong_type()),
                }
            }
        }
    };
}
key_tuple!(A 0, B 1);
key_tuple!(A 0, B 1, C 2);
key_tuple!(A 0, B 1, C 2, D 3);

/// Used by `#[derive(DbValue)]` on an enum stored as text: the index of the
/// variant whose name is `value`.
#[doc(hidden)]
pub fn decode_text_enum(
    value: ValueRef<'_>,
    names: &[&str],
    rust_name: &str,
) -> Result<usize, DecodeError> {
    match value {
        ValueRef::Text(s) => names.iter().position(|n| *n == s).ok_or_else(|| {
            DecodeError::Invalid(format!("{s:?} is not a {rust_name} (one of {names:?})"))
        }),
        ValueRef::Null => Err(DecodeError::UnexpectedNull),
        v => Err(v.wrong_type()),
    }
}

/// Used by `#[derive(DbValue)]` on an enum stored as an integer: the index
/// of the variant whose discriminant is `value`.
#[doc(hidden)]
pub fn decode_int_enum(
    value: ValueRef<'_>,
    values: &[i64],
    rust_name: &str,
) -> Result<usize, DecodeError> {
    match value {
        ValueRef::Int(i) => values.iter().position(|v| *v == i).ok_or_else(|| {
            DecodeError::Invalid(format!("{i} is not a {rust_name} (one of {values:?})"))
        }),
        ValueRef::Null => Err(DecodeError::UnexpectedNull),
        v => Err(v.wrong_type()),
    }
}
