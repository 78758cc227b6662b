//! `serde_json::Value` (feature `json`): JSONB on PostgreSQL, JSON on MySQL,
//! TEXT on SQLite. Drivers hand JSON columns over as text; it is parsed here.

use serde_json::Value as JsonValue;

use crate::error::DecodeError;
use crate::value::{column_type, ColumnType, FromValue, SqlType, ToValue, Value, ValueRef};

column_type!(JsonValue, Json, "serde_json::Value", |v| ValueRef::Json(v));

impl FromValue for JsonValue {
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

/// A JSON column holding any serde type (features `json` and `serde`):
/// `settings: Json<Settings>` is stored as JSONB on PostgreSQL, JSON on
/// MySQL, TEXT on SQLite, and read back into `Settings`.
///
/// Its JSON is made when it is built ([`Json::new`], [`Json::set`]), where
/// a value that cannot be serialized is an error, and kept beside the value
/// so that saving lends it without converting again. It dereferences to
/// the value; change it with [`set`](Json::set). A stored document that
/// does not deserialize into `T` is `Error::Decode` naming the column.
///
/// ```
/// use orm::prelude::*;
/// use orm::Json;
///
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct Settings { theme: String, font_size: u8 }
///
/// #[derive(Model, Debug)]
/// struct Profile { id: i64, settings: Json<Settings> }
///
/// let conn = Connection::open("sqlite::memory:")?;
/// conn.sync::<Profile>()?;
/// let settings = Json::new(Settings { theme: "dark".into(), font_size: 14 })?;
/// let mut p = Profile { id: 0, settings };
/// p.save(&conn)?;
/// assert_eq!(Profiles::find(&conn, p.id)?.settings.theme, "dark");
/// # Ok::<(), orm::Error>(())
/// ```
#[cfg(feature = "serde")]
#[derive(Debug, Clone, PartialEq)]
pub struct Json<T> {
    value: T,
    json: serde_json::Value,
}

#[cfg(feature = "serde")]
impl<T: serde::Serialize> Json<T> {
    /// Wraps `value`, serializing it (a map with non-string keys, or a
    /// `Serialize` impl that fails, is [`Error::InvalidQuery`](crate::Error)).
    pub fn new(value: T) -> crate::Result<Self> {
        let json = serde_json::to_value(&value)
            .map_err(|e| crate::Error::invalid(format!("the value is not JSON: {e}")))?;
        Ok(Json { value, json })
    }

    /// Replaces the value.
    pub fn set(&mut self, value: T) -> crate::Result<()> {
        *self = Json::new(value)?;
        Ok(())
    }
}

#[cfg(feature = "serde")]
impl<T> Json<T> {
    /// The value.
    pub fn get(&self) -> &T {
        &self.value
    }

    /// The value, unwrapped.
    pub fn into_inner(self) -> T {
        self.value
    }

    /// The JSON document it is stored as.
    pub fn json(&self) -> &serde_json::Value {
        &self.json
    }
}

#[cfg(feature = "serde")]
impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

#[cfg(feature = "serde")]
impl<T> ToValue for Json<T> {
    fn to_value(&self) -> Value {
        Value::Json(self.json.clone())
    }
}

#[cfg(feature = "serde")]
impl<T: serde::de::DeserializeOwned> FromValue for Json<T> {
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        let json = <JsonValue as FromValue>::from_value(value)?;
        let value = T::deserialize(&json)
            .map_err(|e| DecodeError::Invalid(format!("the JSON does not fit: {e}")))?;
        Ok(Json { value, json })
    }
}

#[cfg(feature = "serde")]
impl<T: serde::de::DeserializeOwned> ColumnType for Json<T> {
    const SQL_TYPE: SqlType = SqlType::Json;
    const RUST_NAME: &'static str = "Json<T>";
    fn as_value_ref(&self) -> ValueRef<'_> {
        ValueRef::Json(&self.json)
    }
}

#[cfg(feature = "serde")]
impl<T> From<Json<T>> for Value {
    fn from(v: Json<T>) -> Value {
        Value::Json(v.json)
    }
}

#[cfg(feature = "serde")]
impl<T> crate::expr::IntoOperand<Json<T>> for Json<T> {
    fn into_operand(self) -> crate::expr::Expr {
        crate::expr::Expr::Value(Value::Json(self.json))
    }
}
