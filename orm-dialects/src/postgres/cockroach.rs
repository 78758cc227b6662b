//! What only CockroachDB has: reads of a past snapshot (`AS OF SYSTEM
//! TIME`) and follower reads, as typed scope methods; hash-sharded indexes.

use orm_core::{AsOf, Error, HashSharding, Result, Scoped};

/// CockroachDB's scope methods, for any scope (`use
/// orm::cockroach::CockroachScope;`). A scope carrying them runs only on
/// CockroachDB: other dialects refuse it with
/// [`Error::InvalidQuery`](orm_core::Error::InvalidQuery) before anything
/// is sent. Such a scope reads a past snapshot, so it cannot update or
/// delete.
///
/// ```
/// # use orm::prelude::*;
/// // In an application: use orm::cockroach::{AsOf, CockroachScope};
/// # use orm_core::AsOf;
/// # use orm_dialects::postgres::{CockroachDialect, CockroachScope};
/// use std::time::Duration;
/// # #[derive(Model, Debug)] struct Account { id: i64, balance: i64 }
/// let scope = Accounts::all().as_of_system_time(AsOf::Ago(Duration::from_secs(10)));
/// let sql = scope.to_sql_for(&CockroachDialect)?.sql;
/// assert!(sql.ends_with(r#"FROM "accounts" AS OF SYSTEM TIME '-10000000us'"#));
/// // Elsewhere, a typed error:
/// assert!(scope.to_sql().is_err());
/// # Ok::<(), orm::Error>(())
/// ```
pub trait CockroachScope: Scoped {
    /// Reads the table as it was at `at` (`AS OF SYSTEM TIME`): a
    /// consistent, non-blocking read of a past snapshot.
    // Named after the SQL clause, not a conversion.
    #[allow(clippy::wrong_self_convention)]
    fn as_of_system_time(self, at: AsOf) -> Self {
        orm_core::__private::set_as_of(self, at)
    }

    /// A follower read: `AS OF SYSTEM TIME follower_read_timestamp()`,
    /// served by the nearest replica.
    fn follower_read(self) -> Self {
        self.as_of_system_time(AsOf::FollowerRead)
    }
}

impl<S: Scoped> CockroachScope for S {}

/// Appends ` AS OF SYSTEM TIME <literal>` for `at`. The literal holds only
/// digits, signs, separators and unit letters: no quote can appear in it.
pub(super) fn as_of_system_time(at: &AsOf, out: &mut String) -> Result<()> {
    use std::fmt::Write;
    out.push_str(" AS OF SYSTEM TIME ");
    match at {
        AsOf::Ago(d) => {
            let micros = d.as_micros();
            if micros == 0 {
                return Err(Error::invalid(format!(
                    "AS OF SYSTEM TIME {d:?} ago: CockroachDB needs at least a microsecond \
                     in the past"
                )));
            }
            let _ = write!(out, "'-{micros}us'");
        }
        AsOf::At(t) => {
            let _ = write!(out, "'{}'", t.format("%Y-%m-%d %H:%M:%S%.6f+00:00"));
        }
        AsOf::FollowerRead => out.push_str("follower_read_timestamp()"),
    }
    Ok(())
}

/// Appends ` USING HASH` and, with a bucket count, ` WITH (bucket_count =
/// N)`; a count outside CockroachDB's 2 to 2048 (which the derive refuses
/// at compile time) is refused here too.
pub(super) fn hash_sharded_index(sharding: &HashSharding, out: &mut String) -> Result<()> {
    use std::fmt::Write;
    out.push_str(" USING HASH");
    if let Some(n) = sharding.buckets {
        if !(2..=2048).contains(&n) {
            return Err(Error::invalid(format!(
                "a hash-sharded index has 2 to 2048 buckets on CockroachDB, not {n}"
            )));
        }
        let _ = write!(out, " WITH (bucket_count = {n})");
    }
    Ok(())
}

/// Turns on CockroachDB's test mode that makes transactions fail with
/// retryable errors (URL `inject_retry_errors=true`), so that applications
/// can exercise their retry paths.
pub(crate) const INJECT_RETRY_ERRORS: &str = "SET inject_retry_errors_enabled = 'true'";
