//! Model lifecycle columns: timestamps (`#[db(created_at)]`,
//! `#[db(updated_at)]`), soft delete (`#[db(soft_delete)]`) and optimistic
//! locking (`#[db(version)]`). The derive records which column plays which
//! part in [`Model`] consts; everything here is generic over the model and
//! reads them.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};

use crate::cond::{Assignment, Cond};
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::expr::{ColRef, Expr};
use crate::model::{Fields, Model};
use crate::query::TableMeta;
use crate::value::{SqlType, Value, ValueRef};

/// Implemented (by `#[derive(Model)]`) for the models with a
/// `#[db(soft_delete)]` column: what [`with_deleted`](crate::Scoped::with_deleted),
/// [`only_deleted`](crate::Scoped::only_deleted) and
/// [`restore`](crate::Record::restore) need. Not to be implemented by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no #[db(soft_delete)] column",
    label = "not a soft-deleting model",
    note = "mark an `Option<DateTime<Utc>>` field `#[db(soft_delete)]` to soft-delete its records"
)]
pub trait SoftDelete: Model {}

/// Implemented (by `#[derive(Model)]`) for the models with an
/// `#[db(updated_at)]` column: what [`touch`](crate::Record::touch) needs.
/// Not to be implemented by hand.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no #[db(updated_at)] column to touch",
    label = "no #[db(updated_at)] column",
    note = "mark a `DateTime<Utc>` or `NaiveDateTime` field `#[db(updated_at)]`"
)]
pub trait Timestamped: Model {}

/// Field types a `#[db(created_at)]` / `#[db(updated_at)]` column may have.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a #[db(created_at)] or #[db(updated_at)] column",
    label = "not a date-time type",
    note = "timestamps are chrono::DateTime<Utc>, chrono::NaiveDateTime (UTC), or an Option of one"
)]
pub trait TimestampType {}
impl TimestampType for DateTime<Utc> {}
impl TimestampType for NaiveDateTime {}
impl TimestampType for Option<DateTime<Utc>> {}
impl TimestampType for Option<NaiveDateTime> {}

/// Field types a `#[db(soft_delete)]` column may have.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a #[db(soft_delete)] column",
    label = "expected Option<DateTime<Utc>> or Option<NaiveDateTime>",
    note = "a soft-delete column holds when the record was deleted, and NULL (None) while it is not"
)]
pub trait SoftDeleteType {}
impl SoftDeleteType for Option<DateTime<Utc>> {}
impl SoftDeleteType for Option<NaiveDateTime> {}

/// Field types a `#[db(version)]` column may have.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a #[db(version)] column",
    label = "expected i16, i32 or i64",
    note = "a lock version is a NOT NULL integer that every update increments"
)]
pub trait VersionType {}
impl VersionType for i16 {}
impl VersionType for i32 {}
impl VersionType for i64 {}

/// Used by derived code: fails to compile unless `T` is a timestamp type.
#[doc(hidden)]
pub const fn timestamp_column<T: TimestampType>() {}
/// Used by derived code: fails to compile unless `T` is a soft-delete type.
#[doc(hidden)]
pub const fn soft_delete_column<T: SoftDeleteType>() {}
/// Used by derived code: fails to compile unless `T` is a version type.
#[doc(hidden)]
pub const fn version_column<T: VersionType>() {}

/// Which soft-deleted rows a scope sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Deleted {
    /// None of them (the default).
    #[default]
    Exclude,
    /// Them and the others ([`with_deleted`](crate::Scoped::with_deleted)).
    Include,
    /// Only them ([`only_deleted`](crate::Scoped::only_deleted)).
    Only,
}

/// The clock, read once per statement, at the microseconds every dialect
/// keeps (finer fractions would be refused).
pub(crate) fn now() -> DateTime<Utc> {
    let t = Utc::now();
    let micros = (t.nanosecond() / 1_000).min(999_999);
    t.with_nanosecond(micros * 1_000).unwrap_or(t)
}

/// `now` as a value of column `idx` of table `t` (a UTC instant, or its
/// naive UTC date-time).
pub(crate) fn stamp_of(t: &TableMeta, idx: usize, now: DateTime<Utc>) -> (usize, Value) {
    let v = match t.columns[idx].sql_type {
        SqlType::DateTime => Value::DateTime(now.naive_utc()),
        _ => Value::Timestamp(now),
    };
    (idx, v)
}

/// The column `idx` of `M`, qualified by its table (requalified for
/// aliases like the typed columns).
/// Column `idx` of table `t`, qualified.
fn column_of(t: &TableMeta, idx: usize) -> Expr {
    Expr::Col(ColRef {
        table: Some(Cow::Borrowed(t.name)),
        name: Cow::Borrowed(t.columns[idx].name),
    })
}

/// The condition every statement on `M`'s table applies: see [`filter_of`].
pub(crate) fn filter<M: Model>(deleted: Deleted) -> Option<Cond> {
    filter_of(M::table(), deleted)
}

/// The condition every statement on table `t` applies: the model's
/// default filter ([`Model::default_filter`]) and, for a soft-deleting
/// model, `deleted_at IS NULL` (`IS NOT NULL` for [`Deleted::Only`],
/// nothing for [`Deleted::Include`]).
///
/// Inline: the common case (nothing to filter) is decided at the call
/// without building, moving or dropping a condition; a `find` asking only
/// whether there is one costs no call (about 20 instructions, callgrind).
#[inline]
pub(crate) fn filter_of(t: &TableMeta, deleted: Deleted) -> Option<Cond> {
    let no_soft =
        deleted == Deleted::Include || (t.soft_delete.is_none() && deleted == Deleted::Exclude);
    if no_soft && t.default_filter.is_none() {
        return None;
    }
    build_filter(t, deleted)
}

/// [`filter_of`] when there may be something to filter.
fn build_filter(t: &TableMeta, deleted: Deleted) -> Option<Cond> {
    let soft = match (t.soft_delete, deleted) {
        (_, Deleted::Include) => None,
        (Some(i), d) => Some(Cond::Null {
            lhs: column_of(t, i),
            negated: d == Deleted::Only,
        }),
        // No row of a model without the column is soft-deleted.
        (None, Deleted::Only) => Some(Cond::In {
            lhs: column_of(t, t.key_index),
            list: Vec::new(),
            negated: false,
        }),
        (None, Deleted::Exclude) => None,
    };
    match t.default_filter.and_then(|f| f()) {
        Some(a) => Some(match soft {
            Some(b) => a.and(b),
            None => a,
        }),
        None => soft,
    }
}

/// The record's version as an integer.
pub(crate) fn version_of(t: &TableMeta, rec: &dyn Fields) -> Option<(usize, i64)> {
    let idx = t.version?;
    match rec.cell(idx) {
        ValueRef::Int(v) => Some((idx, v)),
        _ => None,
    }
}

/// Writes `values` into the record's fields, and the incremented version
/// when `bumped`.
pub(crate) fn apply(
    t: &TableMeta,
    rec: &mut dyn Fields,
    values: &[(usize, Value)],
    bumped: bool,
) -> Result<()> {
    for (i, v) in values {
        rec.put(*i, v)?;
    }
    if bumped {
        if let Some((i, v)) = version_of(t, rec) {
            rec.put(i, &Value::Int(v.wrapping_add(1)))?;
        }
    }
    Ok(())
}

/// The timestamps an INSERT sets: `created_at` and `updated_at`, at `now`,
/// unless the connection keeps them ([`Connection::without_timestamps`]).
///
/// Inline: a model without timestamps (no clock reading, nothing
/// allocated) is decided at the call.
#[inline]
pub(crate) fn insert_stamps(t: &TableMeta, conn: &Connection) -> Vec<(usize, Value)> {
    if t.stamps == (None, None) || !conn.timestamps_on() {
        return Vec::new();
    }
    stamps_now(t)
}

/// [`insert_stamps`] of a model with timestamps, on a connection that
/// writes them.
fn stamps_now(t: &TableMeta) -> Vec<(usize, Value)> {
    let now = now();
    [t.stamps.0, t.stamps.1]
        .into_iter()
        .flatten()
        .map(|i| stamp_of(t, i, now))
        .collect()
}

/// The `updated_at` stamp of an UPDATE, unless the connection keeps the
/// timestamps or `assigned` says the caller sets the column.
pub(crate) fn update_stamp(
    t: &TableMeta,
    conn: &Connection,
    now: &dyn Fn() -> DateTime<Utc>,
    assigned: &dyn Fn(usize) -> bool,
) -> Option<(usize, Value)> {
    let i = t.stamps.1?;
    (conn.timestamps_on() && !assigned(i)).then(|| stamp_of(t, i, now()))
}

/// A scope write's assignments with the lifecycle columns added: the
/// `updated_at` stamp (unless assigned by the caller or kept), and whether
/// the version is incremented (unless assigned by the caller). The stamp is
/// returned too, for a record to take it.
pub(crate) fn scope_assignments<'a>(
    t: &TableMeta,
    conn: &Connection,
    list: &'a [Assignment],
) -> (Cow<'a, [Assignment]>, Option<(usize, Value)>, bool) {
    let assigned = |i: usize| {
        list.iter()
            .any(|a| a.index == Some(i) || a.column == t.columns[i].name)
    };
    let bump = t.version.is_some_and(|v| !assigned(v));
    match update_stamp(t, conn, &now, &assigned) {
        Some((i, v)) => {
            let mut all = list.to_vec();
            all.push(Assignment {
                column: Cow::Borrowed(t.columns[i].name),
                index: Some(i),
                value: Expr::Value(v.clone()),
            });
            (Cow::Owned(all), Some((i, v)), bump)
        }
        None => (Cow::Borrowed(list), None, bump),
    }
}

/// The error for a record write that matched no row: [`Error::StaleRecord`]
/// when the model has a version and its row is still there (so the version
/// moved), [`Error::NotFound`] otherwise.
pub(crate) fn no_row(
    conn: &Connection,
    t: &'static TableMeta,
    rec: &dyn Fields,
    deleted: Deleted,
) -> Result<Error> {
    if t.version.is_some() {
        let key = rec.key_value();
        let query = crate::scope::Query {
            deleted,
            conds: vec![crate::scope::Query::key_cond(t, key.clone())],
            ..Default::default()
        };
        if query.exists(conn, t)? {
            return Ok(Error::StaleRecord {
                table: t.name.to_owned(),
                key,
            });
        }
    }
    Ok(Error::NotFound {
        table: t.name.to_owned(),
    })
}
