//! `orm_decimal`: the collation of decimal columns, which SQLite stores as
//! exact text. It orders and compares them by numeric value (`9.00 < 10.00`,
//! `1.0 = 1.00`); registered on every connection.

use std::cmp::Ordering;

/// The collation's name, as the DDL of decimal columns names it.
pub(crate) const DECIMAL_COLLATION: &str = "orm_decimal";

/// A decimal numeral taken apart: sign, integer digits without leading
/// zeros, fraction digits without trailing zeros.
struct Numeral<'a> {
    negative: bool,
    int: &'a [u8],
    frac: &'a [u8],
}

fn parse(s: &str) -> Option<Numeral<'_>> {
    let b = s.trim().as_bytes();
    let (negative, b) = match b.first() {
        Some(b'-') => (true, &b[1..]),
        Some(b'+') => (false, &b[1..]),
        _ => (false, b),
    };
    let (int, frac) = match b.iter().position(|&c| c == b'.') {
        Some(dot) => (&b[..dot], &b[dot + 1..]),
        None => (b, &b[b.len()..]),
    };
    if (int.is_empty() && frac.is_empty()) || !int.iter().chain(frac).all(u8::is_ascii_digit) {
        return None;
    }
    let lead = int.iter().take_while(|&&c| c == b'0').count();
    let trail = frac.iter().rev().take_while(|&&c| c == b'0').count();
    let (int, frac) = (&int[lead..], &frac[..frac.len() - trail]);
    // -0 is 0.
    let negative = negative && !(int.is_empty() && frac.is_empty());
    Some(Numeral {
        negative,
        int,
        frac,
    })
}

fn magnitude(a: &Numeral<'_>, b: &Numeral<'_>) -> Ordering {
    a.int
        .len()
        .cmp(&b.int.len())
        .then_with(|| a.int.cmp(b.int))
        // Trailing zeros are gone, so digit-wise comparison of the fractions
        // (shorter is smaller when it is a prefix) is numeric.
        .then_with(|| a.frac.cmp(b.frac))
}

/// Compares two stored decimals by value. Text that is not a plain decimal
/// numeral sorts after every number, by its bytes, so the order is total.
pub(crate) fn compare_decimals(a: &str, b: &str) -> Ordering {
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => match (x.negative, y.negative) {
            (false, false) => magnitude(&x, &y),
            (true, true) => magnitude(&y, &x),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
        },
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_value() {
        let mut v = vec![
            "10.00", "9.00", "-1.5", "0.10", "-10", "0", "-0.00", "100", "9.5", "x",
        ];
        v.sort_by(|a, b| compare_decimals(a, b));
        assert_eq!(
            v,
            ["-10", "-1.5", "0", "-0.00", "0.10", "9.00", "9.5", "10.00", "100", "x"]
        );
        assert_eq!(compare_decimals("1.0", "1.00"), Ordering::Equal);
        assert_eq!(compare_decimals("-0", "0.000"), Ordering::Equal);
        assert_eq!(compare_decimals("007.50", "7.5"), Ordering::Equal);
        assert_eq!(compare_decimals("-2", "-10"), Ordering::Greater);
        assert_eq!(compare_decimals(".5", "0.5"), Ordering::Equal);
    }
}
