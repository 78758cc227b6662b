//! `rust_decimal::Decimal` <-> NUMERIC / DECIMAL (feature `decimal`).
//!
//! Exact both ways. A column declares its precision and scale with
//! `#[db(precision = 18, scale = 2)]`; values are written at that scale, so
//! `123.4` is stored and read back as `123.40` on every dialect. SQLite has no
//! decimal type: decimals are stored there as text, exactly (which also means
//! SQLite compares and orders them as text).

use rust_decimal::Decimal;

use crate::error::DecodeError;
use crate::value::{column_type, ColumnType, FromValue, SqlType, ToValue, Value, ValueRef};

column_type!(Decimal, Decimal(0, 0), "Decimal", |v| ValueRef::Decimal(*v));

impl FromValue for Decimal {
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        match value {
            ValueRef::Decimal(d) => Ok(d),
            ValueRef::Int(i) => Ok(Decimal::from(i)),
            ValueRef::Text(s) => s
                .trim()
                .parse::<Decimal>()
                .or_else(|_| Decimal::from_scientific(s.trim()))
                .map_err(|_| DecodeError::Invalid(format!("{s:?} is not a decimal number"))),
            // A float is not exact: refuse rather than round silently.
            ValueRef::Null => Err(DecodeError::UnexpectedNull),
            v => Err(v.wrong_type()),
        }
    }
}

/// `value` at `scale` decimal places (for columns that declare one).
pub fn at_scale(value: Decimal, scale: u8) -> Decimal {
    let mut d = value;
    d.rescale(u32::from(scale));
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_exact() {
        let d = Decimal::from_value(ValueRef::Text("123.40")).unwrap();
        assert_eq!(d.to_string(), "123.40");
        assert_eq!(at_scale("123.4".parse().unwrap(), 2).to_string(), "123.40");
        assert!(Decimal::from_value(ValueRef::Float(0.1)).is_err());
    }
}
