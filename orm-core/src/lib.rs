//! The core of [`orm`](https://docs.rs/orm): models, values, scopes, SQL
//! building, connections, transactions, schema sync and errors. Database
//! drivers live in `orm-dialects`; the derive macros in `orm-derive`; users
//! depend on the `orm` facade crate, which re-exports the chosen part of
//! this one.
//!
//! The modules are private: the public API is what the root re-exports,
//! the [`driver`] module (for dialect implementations) and the hidden
//! `__private` module (what the derive macros emit).
#![warn(missing_docs)]

mod backend;
mod cond;
mod connection;
mod dialect;
mod error;
mod expr;
mod hooks;
mod idempotency;
mod introspect;
mod lex;
mod lifecycle;
mod mapper;
pub mod migrate;
mod model;
mod n_plus_one;
mod names;
mod param_check;
mod persist;
mod pool;
mod query;
mod relation;
mod replica;
mod row;
mod schema;
mod scope;
mod sql;
mod transaction;
mod types;
mod value;

pub use cond::{col, Assignment, Cond, DynColumn, IntoDynOperand, Nulls, Op, Order};
pub use connection::{Connection, LOG_TARGET};
pub use dialect::{AnsiDialect, Dialect};
pub use error::{DbError, DecodeError, Error, Result};
pub use expr::{
    named, Args, Col, ColRef, Expr, Func, IntoArg, IntoArgs, IntoOperand, KeyOperand, ListItem, Sql,
};
pub use hooks::Hooks;
pub use idempotency::{Applied, IdempotencyStats};
pub use introspect::DbTable;
pub use lifecycle::{SoftDelete, Timestamped};
pub use mapper::Mapper;
pub use model::{
    CheckDef, Column, ColumnDef, ColumnDefault, ForeignKeyDef, HashSharding, Model,
    ReferentialAction, Snapshot,
};
pub use n_plus_one::NPlusOne;
pub use names::Terms;
pub use persist::Record;
pub use pool::{Pool, PoolMetrics, PoolOptions, PooledConnection};
pub use query::{AsOf, Lock, LockMode, LockWait};
pub use relation::{
    BelongsTo, HasMany, HasOne, Include, JoinKind, ManyToMany, Nested, Relation, RelationDef,
    RelationKind,
};
pub use replica::{ReadRouting, ReplicaStatus};
pub use row::{decode, FromRow, Layout, Row, Single};
pub use schema::{Change, ChangeKind, Drift, PlanOptions, Schema, SchemaPlan, SyncReport};
pub use schema::{DbColumn, DbForeignKey};
pub use scope::{PluckColumns, Rows, Scope, Scoped, Statement};
pub use transaction::{Isolation, RetryPolicy, Transaction, TxOptions, TxPriority};
#[cfg(all(feature = "json", feature = "serde"))]
pub use types::json::Json;
pub use value::{ColumnType, FromValue, SqlType, ToValue, Value, ValueRef};

/// What a database driver needs to implement a dialect: the driver
/// interface ([`Backend`](driver::Backend), [`Row`], [`Params`](driver::Params)),
/// the pieces of [`Dialect`] and the registry of URL schemes. The `orm`
/// facade exposes it under its `driver` feature.
pub mod driver {
    pub use crate::backend::{
        Backend, EachParam, GeneratedKey, Params, RowCallback, RowStream, TxControl,
    };
    pub use crate::connection::{
        register_dialect, registered_dialect, unknown_scheme, DriverConnection, Opener, NO_PARAMS,
    };
    pub use crate::dialect::{
        check_value_portably, default_literal, dollar_placeholder, quote_doubled, quote_string,
    };
    pub use crate::lex::LexRules;
    pub use crate::param_check::ValueCheck;
    pub use crate::row::resolve_layout;
    pub use crate::schema::{same_declared_type, Catalogue};
    pub use crate::types::chrono::{DATETIME_FORMAT, TIMESTAMP_FORMAT, TIME_FORMAT};
}

/// What `#[derive(Model)]`, `#[derive(FromRow)]` and `#[orm::scopes]` emit
/// paths to. Not part of the API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::lifecycle::{
        soft_delete_column, timestamp_column, version_column, SoftDeleteType, TimestampType,
        VersionType,
    };
    pub use crate::model::{
        column_def, composite_key_not_generated, default_fits, no_such_column, sized_text,
        value_into, KeyType,
    };
    pub use crate::query::{SqlCache, TableMeta};
    pub use crate::relation::{has_column, LoadSlot};
    pub use crate::row::cell;
    pub use crate::value::{decode_int_enum, decode_text_enum};

    /// Sets a scope's `AS OF SYSTEM TIME` (for the CockroachDB extension
    /// trait in `orm-dialects`).
    pub fn set_as_of<S: crate::Scoped>(scope: S, at: crate::AsOf) -> S {
        scope.with(|s| s.q.as_of = Some(at))
    }

    pub use crate::hooks::{hook_fns, Hook, HookFns};

    /// Implemented by the derive for the models declared `#[db(hooks)]`:
    /// what `Hooks` requires, so that hooks cannot be implemented without
    /// being declared (they would never fire).
    #[diagnostic::on_unimplemented(
        message = "`{Self}` implements orm::Hooks without #[db(hooks)]",
        label = "not declared #[db(hooks)]",
        note = "add #[db(hooks)] to the struct: without it its hooks would never fire"
    )]
    pub trait HooksDeclared {}

    /// Implemented by the derive for the types users must not implement
    /// the sealed traits for by hand (models, mappers, scope types).
    pub trait Sealed {}
}
