//! The `time` crate's types (feature `time`), stored exactly as their
//! chrono counterparts: `Date` as a date, `Time` as a time of day,
//! `PrimitiveDateTime` as a date-time without zone, `OffsetDateTime` as an
//! instant (read back at offset UTC; `time` compares them by instant).
//! `time` keeps years within ±9999: a stored date beyond is a decode error.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use crate::error::DecodeError;
use crate::value::{column_type, ColumnType, FromValue, SqlType, ToValue, Value, ValueRef};

fn naive_date(d: Date) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(d.year(), u32::from(u8::from(d.month())), u32::from(d.day()))
        .expect("time's dates are within chrono's")
}

fn naive_time(t: Time) -> chrono::NaiveTime {
    chrono::NaiveTime::from_hms_nano_opt(
        u32::from(t.hour()),
        u32::from(t.minute()),
        u32::from(t.second()),
        t.nanosecond(),
    )
    .expect("a valid time of day")
}

fn from_naive_date(d: chrono::NaiveDate) -> Result<Date, DecodeError> {
    use chrono::Datelike;
    let month = u8::try_from(d.month())
        .ok()
        .and_then(|m| Month::try_from(m).ok());
    let day = u8::try_from(d.day()).ok();
    month
        .zip(day)
        .and_then(|(m, day)| Date::from_calendar_date(d.year(), m, day).ok())
        .ok_or_else(|| DecodeError::OutOfRange {
            value: d.to_string(),
        })
}

fn from_naive_time(t: chrono::NaiveTime) -> Result<Time, DecodeError> {
    use chrono::Timelike;
    let part = |v: u32| u8::try_from(v).unwrap_or(u8::MAX);
    Time::from_hms_nano(
        part(t.hour()),
        part(t.minute()),
        part(t.second()),
        t.nanosecond(),
    )
    .map_err(|_| DecodeError::OutOfRange {
        value: t.to_string(),
    })
}

fn from_naive(d: chrono::NaiveDateTime) -> Result<PrimitiveDateTime, DecodeError> {
    Ok(PrimitiveDateTime::new(
        from_naive_date(d.date())?,
        from_naive_time(d.time())?,
    ))
}

column_type!(Date, Date, "time::Date", |v| ValueRef::Date(naive_date(*v)));
impl FromValue for Date {
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        from_naive_date(chrono::NaiveDate::from_value(value)?)
    }
}

column_type!(Time, Time, "time::Time", |v| ValueRef::Time(naive_time(*v)));
impl FromValue for Time {
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        from_naive_time(chrono::NaiveTime::from_value(value)?)
    }
}

column_type!(
    PrimitiveDateTime,
    DateTime,
    "time::PrimitiveDateTime",
    |v| ValueRef::DateTime(naive_date(v.date()).and_time(naive_time(v.time())))
);
impl FromValue for PrimitiveDateTime {
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        from_naive(chrono::NaiveDateTime::from_value(value)?)
    }
}

column_type!(OffsetDateTime, Timestamp, "time::OffsetDateTime", |v| {
    let utc = v.to_offset(time::UtcOffset::UTC);
    ValueRef::Timestamp(
        naive_date(utc.date())
            .and_time(naive_time(utc.time()))
            .and_utc(),
    )
});
impl FromValue for OffsetDateTime {
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        let utc = chrono::DateTime::<chrono::Utc>::from_value(value)?;
        Ok(from_naive(utc.naive_utc())?.assume_utc())
    }
}
