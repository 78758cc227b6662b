//! N+1 detection: the same relation loaded one parent at a time.
//!
//! Accessor scopes (`user.posts()`, `post.author(..)`, many-to-many lists)
//! carry the relation they load and the parent's key. When such a scope
//! runs, the connection notes it; once one relation has been loaded for
//! `after` different parents in one unit of work, it warns through `log`
//! (naming the relation and suggesting `include`), or in strict mode fails
//! with [`Error::NPlusOne`]. A unit of work is an outermost transaction, a
//! pool checkout, or a [`Connection::unit_of_work`] block.

use std::cell::RefCell;

use crate::connection::{Connection, Escaped, LOG_TARGET};
use crate::error::{Error, Result};
use crate::value::Value;

/// How a connection reacts to a relation loaded one parent at a time
/// ([`Connection::set_n_plus_one`], [`PoolOptions::n_plus_one`](crate::PoolOptions)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NPlusOne {
    /// Not watched (the default).
    #[default]
    Off,
    /// A `warn` log once per relation and unit of work, after this many
    /// parents.
    Warn {
        /// Parents loaded one at a time before the warning.
        after: u32,
    },
    /// [`Error::NPlusOne`] from the load that reaches this many parents,
    /// and from every one after it in the same unit of work: for tests.
    Fail {
        /// Parents loaded one at a time before the error.
        after: u32,
    },
}

impl NPlusOne {
    /// Warns after 10 parents.
    pub fn warn() -> Self {
        NPlusOne::Warn { after: 10 }
    }

    /// Fails after 10 parents.
    pub fn strict() -> Self {
        NPlusOne::Fail { after: 10 }
    }
}

/// The relation a scope loads for one parent.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Via {
    /// The parent model's table.
    pub owner: &'static str,
    /// The relation's name (its field).
    pub relation: &'static str,
    /// The parent's key (or foreign key, for belongs-to).
    pub key: Value,
}

struct Seen {
    owner: &'static str,
    relation: &'static str,
    keys: Vec<Value>,
    reported: bool,
}

/// A connection's watch: its mode and what it saw in this unit of work.
#[derive(Default)]
pub(crate) struct Watch {
    mode: std::cell::Cell<NPlusOne>,
    seen: RefCell<Vec<Seen>>,
}

impl Watch {
    pub(crate) fn set(&self, mode: NPlusOne) {
        self.mode.set(mode);
        self.reset();
    }

    pub(crate) fn mode(&self) -> NPlusOne {
        self.mode.get()
    }

    /// Starts a new unit of work.
    pub(crate) fn reset(&self) {
        self.seen.borrow_mut().clear();
    }

    /// Notes a load of `via`; an error in strict mode past the threshold.
    pub(crate) fn note(&self, via: &Via) -> Result<()> {
        let (after, strict) = match self.mode.get() {
            NPlusOne::Off => return Ok(()),
            NPlusOne::Warn { after } => (after, false),
            NPlusOne::Fail { after } => (after, true),
        };
        let after = usize::try_from(after.max(2)).unwrap_or(usize::MAX);
        let mut seen = self.seen.borrow_mut();
        let i = match seen
            .iter()
            .position(|s| s.owner == via.owner && s.relation == via.relation)
        {
            Some(i) => i,
            None => {
                seen.push(Seen {
                    owner: via.owner,
                    relation: via.relation,
                    keys: Vec::new(),
                    reported: false,
                });
                seen.len() - 1
            }
        };
        let s = &mut seen[i];
        if s.keys.len() < after && !s.keys.contains(&via.key) {
            s.keys.push(via.key.clone());
        }
        if s.keys.len() < after {
            return Ok(());
        }
        if strict {
            return Err(Error::NPlusOne {
                table: via.owner.to_owned(),
                relation: via.relation.to_owned(),
                parents: s.keys.len(),
            });
        }
        if !s.reported {
            s.reported = true;
            log::warn!(
                target: LOG_TARGET,
                "N+1 queries: relation `{}` of {} was loaded one parent at a time, for {} parents \
                 in this unit of work; load it for all of them at once with include(..)",
                Escaped(via.relation),
                Escaped(via.owner),
                s.keys.len()
            );
        }
        Ok(())
    }
}

impl Connection {
    /// Watches for relations loaded one parent at a time (N+1 queries):
    /// see [`NPlusOne`]. Starts a new unit of work.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug, Clone, Default)] struct User { id: i64, name: String, posts: HasMany<Post> }
    /// # #[derive(Model, Debug, Clone, Default)] struct Post { id: i64, user_id: i64 }
    /// use orm::NPlusOne;
    /// let conn = Connection::open("sqlite::memory:")?;
    /// conn.sync::<User>()?;
    /// conn.sync::<Post>()?;
    /// for _ in 0..3 {
    ///     User::default().save(&conn)?;
    /// }
    /// conn.set_n_plus_one(NPlusOne::Fail { after: 3 });
    /// let users = Users::all().all(&conn)?;
    /// let res: Result<Vec<Vec<Post>>, _> = users.iter().map(|u| u.posts().all(&conn)).collect();
    /// assert!(matches!(res, Err(orm::Error::NPlusOne { .. })));
    /// // The same with include is one query for all the users' posts.
    /// conn.unit_of_work(|conn| {
    ///     let users = Users::all().include(Users::POSTS).all(conn)?;
    ///     assert_eq!(users.len(), 3);
    ///     Ok(())
    /// })?;
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn set_n_plus_one(&self, mode: NPlusOne) {
        self.watch.set(mode);
    }

    /// The N+1 watch mode.
    pub fn n_plus_one(&self) -> NPlusOne {
        self.watch.mode()
    }

    /// Runs `f` as one unit of work for N+1 detection: what it loads is
    /// counted on its own, from zero. (Outermost transactions and pool
    /// checkouts are units of work too.)
    pub fn unit_of_work<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        self.watch.reset();
        let res = f(self);
        self.watch.reset();
        res
    }

    pub(crate) fn note_load(&self, via: &Via) -> Result<()> {
        self.watch.note(via)
    }

    pub(crate) fn reset_unit_of_work(&self) {
        self.watch.reset();
    }
}
