//! CockroachDB's `AS OF SYSTEM TIME` values, checked and rendered as
//! literals.

use crate::error::{Error, Result};

/// Checks an `AS OF SYSTEM TIME` value (see
/// [`Scoped::as_of_system_time`]) and returns it as a SQL literal.
pub(crate) fn system_time_literal(at: &str) -> Result<String> {
    let t = at.trim();
    if t.eq_ignore_ascii_case("follower_read_timestamp()") {
        return Ok("follower_read_timestamp()".to_owned());
    }
    if is_past_interval(t) || is_decimal(t) || is_timestamp(t) {
        // Only digits, signs, separators and unit letters: no quote inside.
        return Ok(format!("'{t}'"));
    }
    Err(Error::invalid(format!(
        "invalid AS OF SYSTEM TIME value {at:?}: expected a negative interval such as \
         '-10s' or '-1m30s', a timestamp such as '2024-05-01 12:00:00', a decimal HLC \
         timestamp, or follower_read_timestamp()"
    )))
}

/// `-10s`, `-1h30m`, `-1.5s`, `-250ms`: a minus, then number-unit pairs.
fn is_past_interval(s: &str) -> bool {
    let Some(mut rest) = s.strip_prefix('-') else {
        return false;
    };
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num = &rest[..num_len];
        if num.is_empty() || num.parse::<f64>().is_err() {
            return false;
        }
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        if !matches!(
            &rest[..unit_len],
            "h" | "m" | "s" | "ms" | "us" | "µs" | "ns"
        ) {
            return false;
        }
        rest = &rest[unit_len..];
    }
    true
}

/// `1700000000000000000.0000000001`: digits with at most one dot.
fn is_decimal(s: &str) -> bool {
    let (whole, frac) = s.split_once('.').unwrap_or((s, "0"));
    !whole.is_empty()
        && !frac.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// A date, or a date and time with an optional zone.
fn is_timestamp(s: &str) -> bool {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    if !s
        .bytes()
        .all(|b| b.is_ascii_digit() || b" -:.+TZ".contains(&b))
    {
        return false;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
        || DateTime::parse_from_rfc3339(s).is_ok()
        || ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
            .iter()
            .any(|f| NaiveDateTime::parse_from_str(s, f).is_ok())
        || ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"]
            .iter()
            .any(|f| DateTime::parse_from_str(s, f).is_ok())
}
