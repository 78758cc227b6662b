//! `chrono` dates and times.
//!
//! Drivers with native date types (PostgreSQL, MySQL) hand over typed values;
//! SQLite stores text, which is parsed here. Text is written in one fixed
//! format per type (`2024-05-01`, `2024-05-01 13:45:00.000000`,
//! `2024-05-01T13:45:00.000000Z`), so that text comparison orders correctly.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};

use crate::error::DecodeError;
use crate::value::{column_type, ColumnType, FromValue, SqlType, ToValue, Value, ValueRef};

/// Text format of a `NaiveDateTime` on databases that store text.
pub const DATETIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.6f";
/// Text format of a `DateTime<Utc>` on databases that store text.
pub const TIMESTAMP_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

fn parse_datetime(s: &str) -> Result<NaiveDateTime, DecodeError> {
    let s = s.trim();
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(d);
        }
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Ok(d.naive_utc());
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_time(NaiveTime::MIN));
    }
    Err(DecodeError::Invalid(format!("{s:?} is not a date-time")))
}

fn parse_timestamp(s: &str) -> Result<DateTime<Utc>, DecodeError> {
    let t = s.trim();
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(d.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"] {
        if let Ok(d) = DateTime::parse_from_str(t, fmt) {
            return Ok(d.with_timezone(&Utc));
        }
    }
    // A zone-less text is taken as UTC.
    parse_datetime(t).map(|d| d.and_utc())
}

column_type!(NaiveDate, Date, "NaiveDate", |v| ValueRef::Date(*v));
impl FromValue for NaiveDate {
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        match value {
            ValueRef::Date(d) => Ok(d),
            ValueRef::DateTime(d) => Ok(d.date()),
            ValueRef::Text(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| DecodeError::Invalid(format!("{s:?} is not a date"))),
            ValueRef::Null => Err(DecodeError::UnexpectedNull),
            v => Err(v.wrong_type()),
        }
    }
}

column_type!(NaiveDateTime, DateTime, "NaiveDateTime", |v| {
    ValueRef::DateTime(*v)
});
impl FromValue for NaiveDateTime {
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        match value {
            ValueRef::DateTime(d) => Ok(d),
            ValueRef::Timestamp(d) => Ok(d.naive_utc()),
            ValueRef::Text(s) => parse_datetime(s),
            ValueRef::Null => Err(DecodeError::UnexpectedNull),
            v => Err(v.wrong_type()),
        }
    }
}

column_type!(DateTime<Utc>, Timestamp, "DateTime<Utc>", |v| {
    ValueRef::Timestamp(*v)
});
impl FromValue for DateTime<Utc> {
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        match value {
            ValueRef::Timestamp(d) => Ok(d),
            ValueRef::DateTime(d) => Ok(d.and_utc()),
            ValueRef::Text(s) => parse_timestamp(s),
            ValueRef::Null => Err(DecodeError::UnexpectedNull),
            v => Err(v.wrong_type()),
        }
    }
}

// An instant with an offset: stored as the instant (TIMESTAMPTZ on
// PostgreSQL, UTC elsewhere), read back at offset +00:00. chrono compares
// `DateTime`s by instant, so what was saved equals what is read.
column_type!(
    DateTime<FixedOffset>,
    Timestamp,
    "DateTime<FixedOffset>",
    |v| ValueRef::Timestamp(v.with_timezone(&Utc))
);
impl FromValue for DateTime<FixedOffset> {
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        DateTime::<Utc>::from_value(value).map(|d| d.fixed_offset())
    }
}

/// Text format of a `NaiveTime` on databases that store text.
pub const TIME_FORMAT: &str = "%H:%M:%S%.6f";

column_type!(NaiveTime, Time, "NaiveTime", |v| ValueRef::Time(*v));
impl FromValue for NaiveTime {
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        match value {
            ValueRef::Time(t) => Ok(t),
            // SQLite's text, and MySQL's TIME (which also holds durations:
            // a negative one or one of 24 hours or more is refused).
            ValueRef::Text(s) => NaiveTime::parse_from_str(s.trim(), "%H:%M:%S%.f")
                .map_err(|_| DecodeError::Invalid(format!("{s:?} is not a time of day"))),
            ValueRef::Null => Err(DecodeError::UnexpectedNull),
            v => Err(v.wrong_type()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trips() {
        let d = NaiveDate::from_ymd_opt(2024, 5, 1)
            .unwrap()
            .and_hms_micro_opt(13, 45, 0, 120)
            .unwrap();
        let s = d.format(DATETIME_FORMAT).to_string();
        assert_eq!(NaiveDateTime::from_value(ValueRef::Text(&s)).unwrap(), d);
        let t = d.and_utc();
        let s = t.format(TIMESTAMP_FORMAT).to_string();
        assert_eq!(DateTime::<Utc>::from_value(ValueRef::Text(&s)).unwrap(), t);
        assert!(NaiveDate::from_value(ValueRef::Text("nope")).is_err());
    }
}
