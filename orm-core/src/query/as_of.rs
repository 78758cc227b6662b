//! CockroachDB's `AS OF SYSTEM TIME` targets, as typed values.

use std::time::Duration;

/// The past moment a CockroachDB read sees (`AS OF SYSTEM TIME`): set on a
/// scope with the CockroachDB extension trait (`CockroachScope` in
/// `orm::cockroach`), rendered by the CockroachDB dialect only; other
/// dialects refuse it with a typed error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    /// This long before the statement runs (`'-10s'`).
    Ago(Duration),
    /// A point in time.
    At(chrono::DateTime<chrono::Utc>),
    /// The newest time a follower replica can serve
    /// (`follower_read_timestamp()`).
    FollowerRead,
}
