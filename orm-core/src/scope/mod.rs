//! Scopes: immutable, chainable query values, and the terminal calls that run
//! them.
//!
//! One concern per file: the query value (here), rendering it as SQL
//! (`render`), running it (`run`), the user-facing API (`api`), what can be
//! plucked (`pluck`), what its SQL text depends on (`shape`).

mod api;
mod pluck;
mod render;
mod run;
mod shape;

pub use api::Scoped;
pub use pluck::PluckColumns;
pub use run::Rows;

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::cond::{Cond, Order};
use crate::model::Model;
use crate::relation::{Include, Join};
use crate::value::Value;

/// A query on the table of model `M`: conditions, order, limit and offset,
/// grouping. Every chain method consumes the scope and returns a new one, so
/// a scope is a plain value: clone it to branch, and branches never share
/// state.
///
/// Models get a scope type of their own (`UserScope`), which wraps this one
/// and which users extend with named scopes; all the methods are on the
/// [`Scoped`] trait, implemented by both.
pub struct Scope<M> {
    /// Everything but the includes: not generic, so that the code that
    /// renders and runs it is compiled once, not once per model.
    pub(crate) q: Query,
    pub(crate) includes: Includes,
    _model: PhantomData<fn() -> M>,
}

/// A scope's includes, their type erased: a `Vec<Arc<dyn Include<M>>>`
/// behind an `Arc`, or nothing. Erased so that dropping and cloning a scope
/// is the same code for every model (it was instantiated per model, with
/// the `Arc<dyn Include<M>>` drop glue, whether the model had includes or
/// not); a clone shares the list.
#[derive(Clone, Default)]
pub(crate) struct Includes(Option<Arc<dyn Any + Send + Sync>>);

impl Includes {
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The includes of a scope of `M`.
    pub(crate) fn of<M: 'static>(&self) -> &[Arc<dyn Include<M>>] {
        self.0
            .as_deref()
            .and_then(|all| all.downcast_ref::<Vec<Arc<dyn Include<M>>>>())
            .map_or(&[], Vec::as_slice)
    }

    /// Adds `inc` to the includes of a scope of `M`.
    pub(crate) fn push<M: 'static>(&mut self, inc: Arc<dyn Include<M>>) {
        let mut all = self.of::<M>().to_vec();
        all.push(inc);
        self.0 = Some(Arc::new(all));
    }
}

/// The part of a scope that does not depend on its model: rendered and run
/// with the model's [`TableMeta`](crate::query::TableMeta).
#[derive(Clone)]
pub(crate) struct Query {
    pub(crate) conds: Vec<Cond>,
    pub(crate) orders: Vec<Order>,
    pub(crate) limit: Option<u64>,
    pub(crate) offset: Option<u64>,
    pub(crate) group_by: Vec<crate::names::NameTerm>,
    pub(crate) having: Vec<Cond>,
    pub(crate) all_rows: bool,
    /// `AS OF SYSTEM TIME` (CockroachDB).
    pub(crate) as_of: Option<crate::query::AsOf>,
    /// The row lock its SELECTs take.
    pub(crate) lock: Option<crate::query::Lock>,
    pub(crate) joins: Vec<Join>,
    pub(crate) distinct: bool,
    /// The foreign key a has-many accessor's scope sets on `save`.
    /// `None` as the value: the owner was not saved yet.
    pub(crate) owner: Option<(Cow<'static, str>, Option<Value>)>,
    /// Whether the default filters of the model and the joined ones are
    /// lifted for this scope.
    pub(crate) unfiltered: bool,
    /// The relation an accessor scope loads for one parent, for N+1
    /// detection.
    pub(crate) via: Option<crate::n_plus_one::Via>,
    /// Whether bulk writes may skip the model's hooks.
    pub(crate) skip_hooks: bool,
    /// Which soft-deleted rows the scope sees.
    pub(crate) deleted: crate::lifecycle::Deleted,
    /// Whether its reads run on the primary of a pool with replicas.
    pub(crate) primary: bool,
}

impl Default for Query {
    fn default() -> Self {
        Query {
            conds: Vec::new(),
            orders: Vec::new(),
            limit: None,
            offset: None,
            group_by: Vec::new(),
            having: Vec::new(),
            all_rows: false,
            as_of: None,
            lock: None,
            joins: Vec::new(),
            distinct: false,
            owner: None,
            unfiltered: false,
            via: None,
            skip_hooks: false,
            deleted: crate::lifecycle::Deleted::Exclude,
            primary: false,
        }
    }
}

impl<M> Scope<M> {
    /// A scope of `q`, without includes.
    pub(crate) fn of(q: Query) -> Self {
        Scope {
            q,
            includes: Includes::default(),
            _model: PhantomData,
        }
    }
}

impl<M> Clone for Scope<M> {
    fn clone(&self) -> Self {
        Scope {
            q: self.q.clone(),
            includes: self.includes.clone(),
            _model: PhantomData,
        }
    }
}

impl<M> Default for Scope<M> {
    fn default() -> Self {
        Scope::of(Query::default())
    }
}

impl<M: Model> fmt::Debug for Scope<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_sql() {
            Ok(s) => write!(f, "Scope<{}>({s})", M::TABLE),
            Err(e) => write!(f, "Scope<{}>(invalid: {e})", M::TABLE),
        }
    }
}

/// SQL text and its parameters, as a scope would run them.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The SQL text.
    pub sql: String,
    /// The bound parameters, in order.
    pub params: Vec<Value>,
}

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}", self.sql, self.params)
    }
}

impl<M> crate::__private::Sealed for Scope<M> {}

impl<M: Model> Scoped for Scope<M> {
    type Model = M;
    fn as_scope(&self) -> &Scope<M> {
        self
    }
    fn into_scope(self) -> Scope<M> {
        self
    }
    fn from_scope(scope: Scope<M>) -> Self {
        scope
    }
}
