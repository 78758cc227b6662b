//! `uuid::Uuid` (feature `uuid`): native UUID on PostgreSQL, text elsewhere.

use uuid::Uuid;

use crate::error::DecodeError;
use crate::value::{column_type, ColumnType, FromValue, SqlType, ToValue, Value, ValueRef};

column_type!(Uuid, Uuid, "Uuid", |v| ValueRef::Uuid(*v));

impl FromValue for Uuid {
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        match value {
            ValueRef::Uuid(u) => Ok(u),
            ValueRef::Text(s) => Uuid::parse_str(s.trim())
                .map_err(|e| DecodeError::Invalid(format!("{s:?} is not a UUID: {e}"))),
            ValueRef::Blob(b) => Uuid::from_slice(b)
                .map_err(|e| DecodeError::Invalid(format!("not a 16-byte UUID: {e}"))),
            ValueRef::Null => Err(DecodeError::UnexpectedNull),
            v => Err(v.wrong_type()),
        }
    }
}
