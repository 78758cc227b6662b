//! `serde_json::Value` (feature `json`): JSONB on PostgreSQL, JSON on MySQL,
//! TEXT on SQLite. Drivers hand JSON columns over as text; it is parsed here.

use serde_json::Value as Json;

use crate::error::DecodeError;
use crate::value::{column_type, ColumnType, FromValue, SqlType, ToValue, Value, ValueRef};

column_type!(Json, Json, "serde_json::Value", |v| ValueRef::Json(v));

impl FromValue for Json {
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        match value {
            ValueRef::Json(j) => Ok(j.clone()),
            ValueRef::Text(s) => {
                serde_json::from_str(s).map_err(|e| DecodeError::Invalid(format!("not JSON: {e}")))
            }
            ValueRef::Blob(b) => serde_json::from_slice(b)
                .map_err(|e| DecodeError::Invalid(format!("not JSON: {e}"))),
            ValueRef::Null => Err(DecodeError::UnexpectedNull),
            v => Err(v.wrong_type()),
        }
    }
}
