//! The check of bound values against what the dialect stores exactly, run
//! by the connection before a statement, or by a driver as it binds each
//! value ([`Backend::checks_values`](crate::driver::Backend::checks_values)).

use crate::backend::Params;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::model::ColumnDef;
use crate::value::ValueRef;

/// The table and column a parameter is written to, when known
/// ([`Params::target`]).
pub(crate) type Target = Option<(&'static str, &'static ColumnDef)>;

/// Whether every SQL database stores `value` exactly, so that it is not
/// checked (see [`Dialect::check_value`]).
#[inline]
pub(crate) fn exact(value: &ValueRef<'_>) -> bool {
    matches!(
        value,
        ValueRef::Null | ValueRef::Bool(_) | ValueRef::Int(_) | ValueRef::Blob(_)
    )
}

/// Refuses a bound value its dialect would not store or compare exactly
/// ([`Dialect::check_value`]) with [`Error::UnrepresentableValue`], naming
/// the column it is written to when known.
///
/// A driver whose [`Backend::checks_values`](crate::driver::Backend::checks_values)
/// is `true` runs it on each value as it binds it, so that each value is
/// read once (a record's fields are read through `dyn` calls); the
/// connection then checks only the number of parameters. Nothing may run
/// when a value is refused.
///
/// ```
/// use orm::dialects::sqlite::SqliteDialect;
/// use orm_core::driver::ValueCheck;
/// use orm_core::{Error, Value};
///
/// static DIALECT: SqliteDialect = SqliteDialect;
/// let check = ValueCheck::new(&DIALECT);
/// let params = [Value::Int(1), Value::Float(f64::NAN)];
/// assert!(check.check(0, params[0].as_ref(), &params.as_slice()).is_ok());
/// let refused = check.check(1, params[1].as_ref(), &params.as_slice());
/// assert!(matches!(refused, Err(Error::UnrepresentableValue { .. })));
/// ```
#[derive(Clone, Copy)]
pub struct ValueCheck {
    dialect: &'static dyn Dialect,
    /// The dialect's [`Dialect::checks_unsized_text`], asked once.
    unsized_text: bool,
}

impl std::fmt::Debug for ValueCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValueCheck")
            .field("dialect", &self.dialect.name())
            .finish()
    }
}

impl ValueCheck {
    /// The check of `dialect`'s values.
    pub fn new(dialect: &'static dyn Dialect) -> Self {
        ValueCheck {
            dialect,
            unsized_text: dialect.checks_unsized_text(),
        }
    }

    /// Checks `value`, parameter `idx` of `params` (whose
    /// [`target`](Params::target) names its column). Values every database
    /// stores exactly (NULL, booleans, integers, bytes) cost a comparison.
    #[inline]
    pub fn check(&self, idx: usize, value: ValueRef<'_>, params: &dyn Params) -> Result<()> {
        if exact(&value) {
            return Ok(());
        }
        self.check_at(idx, value, params.target(idx))
    }

    /// The check of parameter `idx`, a value not [`exact`], written to
    /// `target` when known.
    #[inline]
    pub(crate) fn check_at(&self, idx: usize, value: ValueRef<'_>, target: Target) -> Result<()> {
        // Text for a column of no declared size is not asked about either,
        // unless the dialect limits such text (see
        // `Dialect::checks_unsized_text`).
        if let ValueRef::Text(_) = value {
            if !self.unsized_text && target.is_none_or(|(_, c)| c.size.is_none()) {
                return Ok(());
            }
        }
        self.check_value(idx, value, target)
    }

    /// The dialect's check of parameter `idx` ([`Dialect::check_value`]).
    #[inline(never)]
    fn check_value(&self, idx: usize, value: ValueRef<'_>, target: Target) -> Result<()> {
        self.dialect
            .check_value(value, target.map(|t| t.1))
            .map_err(|reason| Error::UnrepresentableValue {
                target: match target {
                    Some((table, c)) => format!("{table}.{}", c.name),
                    None => format!("parameter {}", idx + 1),
                },
                reason,
            })
    }
}
