//! The core of [`orm`](https://docs.rs/orm): models, values, scopes, SQL
//! building, connections, transactions, schema sync and errors. Database
//! drivers live in `orm-dialects`; the derive macros in `orm-derive`; users
//! depend on the `orm` facade crate.
#![warn(missing_docs)]

pub mod backend;
pub mod cond;
pub mod connection;
pub mod dialect;
pub mod error;
pub mod expr;
mod lex;
pub mod mapper;
pub mod model;
pub mod names;
pub mod persist;
pub mod pool;
pub mod relation;
pub mod row;
pub mod schema;
pub mod scope;
pub mod sql;
pub mod transaction;
pub mod types;
pub mod value;

pub use backend::{Backend, RowStream};
pub use cond::{col, Assignment, Cond, DynColumn, Nulls, Op, Order};
pub use connection::{register_dialect, registered_dialect, Connection, Opener};
pub use dialect::{AnsiDialect, DbColumn, Dialect};
pub use error::{DbError, DecodeError, Error, Result};
pub use expr::{named, Args, Col, Expr, Func, IntoArg, IntoArgs, IntoOperand, Sql};
pub use lex::LexRules;
pub use mapper::Mapper;
pub use model::{Column, ColumnDef, KeyType, Model, Snapshot};
pub use names::Terms;
pub use persist::{insert_all, save_all, Record};
pub use pool::{Pool, PoolOptions, PooledConnection};
pub use relation::{
    BelongsTo, HasMany, HasOne, Include, JoinKind, LoadSlot, ManyToMany, Nested, Relation,
    RelationDef, RelationKind,
};
pub use row::{decode, resolve_layout, FromRow, Layout, Row, Single};
pub use schema::{Drift, SyncReport};
pub use scope::{PluckColumns, Rows, Scope, Scoped, Statement};
pub use sql::{SqlBuilder, SqlCache};
pub use transaction::{Isolation, RetryPolicy, Transaction, TxOptions};
pub use types::chrono::{DATETIME_FORMAT, TIMESTAMP_FORMAT};
pub use value::{ColumnType, FromValue, SqlType, ToValue, Value, ValueRef};
