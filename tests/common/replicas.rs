//! What the replica tests of every dialect check alike.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use super::logs::capture;
use orm::Pool;

/// With its only replica just killed, a read (`count`) falls back to the
/// primary without an error, within the checkout timeout, with a warning;
/// the replica shows as unusable.
pub fn reads_survive_a_dead_replica(pool: &Pool, count: impl FnOnce() -> i64, want: i64) {
    let started = Instant::now();
    let (count, logged) = capture(count);
    assert_eq!(count, want);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(
        logged
            .iter()
            .any(|(level, line)| *level == log::Level::Warn && line.contains("replica #1")),
        "{logged:?}"
    );
    assert!(!pool.replica_status()[0].usable);
}
