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

/// The text orm writes, read without chrono's format parser (which is
/// most of the cost of a date column on SQLite): `YYYY-MM-DD`, optionally
/// followed by ` ` or `T`, `HH:MM:SS` and optionally `.` and 1 to 9
/// digits. `None` for anything else (a leap second, another layout, an
/// impossible date): chrono's parsers then decide, so what is accepted is
/// unchanged.
fn parse_canonical(s: &str) -> Option<(NaiveDate, Option<NaiveTime>)> {
    let b = s.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        b.get(range)?.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(num(0..4)?).ok()?;
    let date = NaiveDate::from_ymd_opt(year, num(5..7)?, num(8..10)?)?;
    if b.len() == 10 {
        return Some((date, None));
    }
    if b.len() < 19 || !matches!(b[10], b' ' | b'T') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let nano = match &b[19..] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            let n = num(20..b.len())?;
            n * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let time = NaiveTime::from_hms_nano_opt(num(11..13)?, num(14..16)?, num(17..19)?, nano)?;
    Some((date, Some(time)))
}

fn parse_datetime(s: &str) -> Result<NaiveDateTime, DecodeError> {
    let s = s.trim();
    if let Some((d, t)) = parse_canonical(s) {
        return Ok(d.and_time(t.unwrap_or(NaiveTime::MIN)));
    }
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
    if let Some((d, Some(time))) = t.strip_suffix('Z').and_then(parse_canonical) {
        return Ok(d.and_time(time).and_utc());
    }
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
            ValueRef::Text(s) => match parse_canonical(s.trim()) {
                Some((d, None)) => Ok(d),
                _ => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                    .map_err(|_| DecodeError::Invalid(format!("{s:?} is not a date"))),
            },
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

    /// The fast path reads what chrono's parsers read, and leaves the rest
    /// to them.
    #[test]
    fn canonical_text_reads_as_chrono_reads_it() {
        for s in [
            "2024-05-01",
            "2024-02-29",
            "2024-05-01 13:45:00",
            "2024-05-01T13:45:00",
            "2024-05-01 13:45:00.1",
            "2024-05-01 13:45:00.000120",
            "2024-05-01 13:45:00.123456789",
            "0001-01-01 00:00:00.000000",
            "9999-12-31 23:59:59.999999",
            " 2024-05-01 13:45:00.5 ",
        ] {
            let chrono = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S%.f")
                .or_else(|_| NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M:%S%.f"))
                .or_else(|_| {
                    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                        .map(|d| d.and_time(NaiveTime::MIN))
                })
                .unwrap();
            assert_eq!(
                NaiveDateTime::from_value(ValueRef::Text(s)).unwrap(),
                chrono,
                "{s}"
            );
            let z = format!("{}Z", s.trim());
            if s.len() > 12 {
                assert_eq!(
                    DateTime::<Utc>::from_value(ValueRef::Text(&z)).unwrap(),
                    chrono.and_utc(),
                    "{z}"
                );
            }
        }
        assert_eq!(
            NaiveDate::from_value(ValueRef::Text("2024-05-01")).unwrap(),
            NaiveDate::from_ymd_opt(2024, 5, 1).unwrap()
        );
        // Left to chrono: a leap second, a zone, minutes only.
        let leap = NaiveDateTime::from_value(ValueRef::Text("2016-12-31 23:59:60")).unwrap();
        assert_eq!(leap.and_utc().timestamp(), 1_483_228_799);
        let zoned = DateTime::<Utc>::from_value(ValueRef::Text("2024-05-01T13:45:00+02:00"));
        assert_eq!(zoned.unwrap().to_rfc3339(), "2024-05-01T11:45:00+00:00");
        assert!(NaiveDateTime::from_value(ValueRef::Text("2024-05-01 13:45")).is_ok());
        // Refused, as chrono refuses them.
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-05-01 24:00:00",
            "2024-05-01 13:45:00.",
        ] {
            assert!(
                NaiveDateTime::from_value(ValueRef::Text(bad)).is_err(),
                "{bad}"
            );
        }
    }
}
