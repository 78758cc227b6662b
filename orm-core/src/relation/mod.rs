//! Relations between models: the marker fields a model declares them with
//! (`author: BelongsTo<User>`), the typed handles the derive puts on the
//! mapper (`Posts::AUTHOR`), and the generic code behind accessors, joins,
//! full joins and includes (eager loading).
//!
//! One concern per file: the marker fields (`markers`), joins (`join`),
//! includes (`include`) and full-join orphans (`orphans`); this file holds
//! the relation's description, the typed handle and its accessors.

mod include;
mod join;
mod markers;
mod orphans;

pub use include::{Include, Nested};
pub use join::JoinKind;
pub(crate) use join::{Join, JoinClause};
pub use markers::{BelongsTo, HasMany, HasOne, LoadSlot, ManyToMany};

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::cond::Cond;
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::expr::{ColRef, Expr};
use crate::model::Model;
use crate::query::{compile, Delete, Filter, Insert, Rows};
use crate::scope::{Scope, Scoped};
use crate::sql::SqlBuilder;
use crate::value::{ToValue, Value};

/// The kind of a relation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    /// This model holds the foreign key of one record of the other.
    BelongsTo,
    /// The other model holds the foreign key of this one; at most one record.
    HasOne,
    /// The other model holds the foreign key of this one; any number.
    HasMany,
    /// Linked through a join table holding both keys.
    ManyToMany,
}

/// The description of a relation, as declared on a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelationDef {
    /// The field name (`author`).
    pub name: &'static str,
    /// The kind.
    pub kind: RelationKind,
    /// The foreign key column: on the declaring model for belongs-to, on the
    /// other model for has-one and has-many; unused for many-to-many.
    pub foreign_key: &'static str,
    /// The join table of a many-to-many relation, if named; by default
    /// `<owner_singular>_<other table>` (`post_tags`).
    pub through: Option<&'static str>,
    /// The join table's columns holding the declaring model's key and the
    /// other model's key (`post_id`, `tag_id`).
    pub through_keys: (&'static str, &'static str),
    /// The declaring model in snake_case (`post`), for the default join
    /// table name.
    pub owner_singular: &'static str,
    /// Whether `join` makes an INNER join (`#[db(join = "inner")]`) rather
    /// than a LEFT OUTER one.
    pub inner: bool,
}

impl RelationDef {
    /// The join table of a many-to-many relation whose other table is
    /// `other_table`.
    pub fn through_table(&self, other_table: &str) -> Cow<'static, str> {
        match self.through {
            Some(t) => Cow::Borrowed(t),
            None => Cow::Owned(format!("{}_{other_table}", self.owner_singular)),
        }
    }
}

/// A typed handle on a relation from `M` to `T`, generated on the mapper
/// (`Posts::AUTHOR`, `Users::POSTS`): pass it to `join`, `include`,
/// `full_join_all`, or use it to link many-to-many records.
pub struct Relation<M, T> {
    def: RelationDef,
    slot: fn(&mut M) -> &mut dyn LoadSlot<T>,
    _marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for Relation<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M, T> Copy for Relation<M, T> {}
impl<M, T> fmt::Debug for Relation<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Relation({:?})", self.def)
    }
}

/// Used by derived code: whether `columns` has a column `name` (const, for
/// compile-time checks of foreign keys).
#[doc(hidden)]
pub const fn has_column(columns: &[crate::model::ColumnDef], name: &str) -> bool {
    let mut i = 0;
    while i < columns.len() {
        let c = columns[i].name.as_bytes();
        let n = name.as_bytes();
        if c.len() == n.len() {
            let mut j = 0;
            while j < c.len() && c[j] == n[j] {
                j += 1;
            }
            if j == c.len() {
                return true;
            }
        }
        i += 1;
    }
    false
}

fn column_index<X: Model>(name: &str) -> Result<usize> {
    X::COLUMNS
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| Error::UnknownColumn {
            table: Some(X::TABLE.to_owned()),
            column: name.to_owned(),
        })
}

fn key_name<X: Model>() -> &'static str {
    X::COLUMNS[X::KEY_INDEX].name
}

fn unqualified(name: &str) -> Expr {
    Expr::Col(ColRef {
        table: None,
        name: Cow::Owned(name.to_owned()),
    })
}

impl<M: Model, T: Model> Relation<M, T> {
    /// Used by derived code.
    #[doc(hidden)]
    pub const fn new(def: RelationDef, slot: fn(&mut M) -> &mut dyn LoadSlot<T>) -> Self {
        Relation {
            def,
            slot,
            _marker: PhantomData,
        }
    }

    /// The relation's description.
    pub const fn def(&self) -> &RelationDef {
        &self.def
    }

    /// The field holding the loaded records of `record`.
    #[doc(hidden)]
    pub fn slot<'a>(&self, record: &'a mut M) -> &'a mut dyn LoadSlot<T> {
        (self.slot)(record)
    }

    /// Nests an include: `Users::POSTS.then(Posts::COMMENTS)` loads each
    /// user's posts, then each post's comments.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct User { id: i64, name: String, age: i32, posts: HasMany<Post> }
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct Post { id: i64, user_id: i64, title: String, user: BelongsTo<User> }
    /// # let conn = Connection::open("sqlite::memory:")?;
    /// # conn.apply(&conn.schema_plan::<(User, Post)>()?)?;
    /// # for (name, age) in [("ann", 31), ("bob", 25), ("cid", 40)] {
    /// #     let mut u = User { name: name.into(), age, ..Default::default() };
    /// #     u.save(&conn)?;
    /// #     let mut p = Post { user_id: u.id, title: format!("{name}'s post"), ..Default::default() };
    /// #     p.save(&conn)?;
    /// # }
    /// let users = Users::all().include(Users::POSTS.then(Posts::USER)).all(&conn)?;
    /// let post = &users[0].posts.get().unwrap()[0];
    /// assert_eq!(post.user.get().flatten().map(|u| u.name.as_str()), Some("ann"));
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn then(self, next: impl Include<T> + 'static) -> Nested<M, T>
    where
        T: Clone,
    {
        Nested {
            rel: self,
            next: Arc::new(next),
        }
    }

    /// The parent of `record` over a belongs-to relation: `None` when the
    /// foreign key is NULL; [`Error::NotFound`] when no row has that key.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct User { id: i64, name: String, age: i32, posts: HasMany<Post> }
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct Post { id: i64, user_id: i64, title: String, user: BelongsTo<User> }
    /// # let conn = Connection::open("sqlite::memory:")?;
    /// # conn.apply(&conn.schema_plan::<(User, Post)>()?)?;
    /// # for (name, age) in [("ann", 31), ("bob", 25), ("cid", 40)] {
    /// #     let mut u = User { name: name.into(), age, ..Default::default() };
    /// #     u.save(&conn)?;
    /// #     let mut p = Post { user_id: u.id, title: format!("{name}'s post"), ..Default::default() };
    /// #     p.save(&conn)?;
    /// # }
    /// let post = Posts::find(&conn, 2)?;
    /// let author = Posts::USER.parent_of(&conn, &post)?;
    /// assert_eq!(author.map(|u| u.name), Some("bob".to_owned()));
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn parent_of(&self, conn: &Connection, record: &M) -> Result<Option<T>> {
        self.expect(RelationKind::BelongsTo)?;
        let fk = column_index::<M>(self.def.foreign_key)?;
        match record.column_value(fk) {
            Value::Null => Ok(None),
            v => {
                let mut scope = Scope::<T>::default().filter(Cond::Cmp {
                    lhs: unqualified(key_name::<T>()),
                    op: crate::cond::Op::Eq,
                    rhs: Expr::Value(v.clone()),
                });
                scope.q.via = Some(self.via(v));
                scope.first(conn)?.map(Some).ok_or_else(|| Error::NotFound {
                    table: T::TABLE.to_owned(),
                })
            }
        }
    }

    /// The parent of `record` over a belongs-to relation whose foreign key is
    /// not nullable.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct User { id: i64, name: String, age: i32, posts: HasMany<Post> }
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct Post { id: i64, user_id: i64, title: String, user: BelongsTo<User> }
    /// # let conn = Connection::open("sqlite::memory:")?;
    /// # conn.apply(&conn.schema_plan::<(User, Post)>()?)?;
    /// # for (name, age) in [("ann", 31), ("bob", 25), ("cid", 40)] {
    /// #     let mut u = User { name: name.into(), age, ..Default::default() };
    /// #     u.save(&conn)?;
    /// #     let mut p = Post { user_id: u.id, title: format!("{name}'s post"), ..Default::default() };
    /// #     p.save(&conn)?;
    /// # }
    /// let post = Posts::find(&conn, 3)?;
    /// assert_eq!(Posts::USER.parent_required(&conn, &post)?.name, "cid");
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn parent_required(&self, conn: &Connection, record: &M) -> Result<T> {
        self.parent_of(conn, record)?
            .ok_or_else(|| Error::NotFound {
                table: T::TABLE.to_owned(),
            })
    }

    /// The scope of `owner`'s records over a has-one, has-many or
    /// many-to-many relation. Saving through it
    /// ([`Scoped::save`]) sets the foreign key (has-one, has-many).
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct User { id: i64, name: String, age: i32, posts: HasMany<Post> }
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct Post { id: i64, user_id: i64, title: String, user: BelongsTo<User> }
    /// # let conn = Connection::open("sqlite::memory:")?;
    /// # conn.apply(&conn.schema_plan::<(User, Post)>()?)?;
    /// # for (name, age) in [("ann", 31), ("bob", 25), ("cid", 40)] {
    /// #     let mut u = User { name: name.into(), age, ..Default::default() };
    /// #     u.save(&conn)?;
    /// #     let mut p = Post { user_id: u.id, title: format!("{name}'s post"), ..Default::default() };
    /// #     p.save(&conn)?;
    /// # }
    /// let ann = Users::find(&conn, 1)?;
    /// assert_eq!(Users::POSTS.scope_of(&ann).count(&conn)?, 1);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn scope_of(&self, owner: &M) -> T::Scope {
        let key = owner.column_value(M::KEY_INDEX);
        let mut scope = match self.def.kind {
            RelationKind::HasOne | RelationKind::HasMany => {
                let mut s = Scope::<T>::default().filter(Cond::Cmp {
                    lhs: unqualified(self.def.foreign_key),
                    op: crate::cond::Op::Eq,
                    rhs: Expr::Value(key.clone()),
                });
                // An owner not saved yet has no key to give its children.
                let value = (owner.is_new() != Some(true)).then_some(key);
                s.q.owner = Some((Cow::Borrowed(self.def.foreign_key), value));
                s
            }
            RelationKind::ManyToMany => Scope::<T>::default().filter(Cond::InSelect {
                lhs: unqualified(key_name::<T>()),
                column: Cow::Borrowed(self.def.through_keys.1),
                table: self.def.through_table(T::TABLE),
                key: Cow::Borrowed(self.def.through_keys.0),
                value: key,
            }),
            RelationKind::BelongsTo => {
                // The parent: the row whose key is this record's foreign key.
                let value = column_index::<M>(self.def.foreign_key)
                    .map(|i| owner.column_value(i))
                    .unwrap_or(Value::Null);
                Scope::<T>::default().filter(Cond::Cmp {
                    lhs: unqualified(key_name::<T>()),
                    op: crate::cond::Op::Eq,
                    rhs: Expr::Value(value),
                })
            }
        };
        let loaded_for = match self.def.kind {
            RelationKind::BelongsTo => column_index::<M>(self.def.foreign_key)
                .map(|i| owner.column_value(i))
                .unwrap_or(Value::Null),
            _ => owner.column_value(M::KEY_INDEX),
        };
        scope.q.via = Some(self.via(loaded_for));
        T::Scope::from_scope(scope)
    }

    /// This relation loaded for the parent whose key is `key`.
    fn via(&self, key: Value) -> crate::n_plus_one::Via {
        crate::n_plus_one::Via {
            owner: M::TABLE,
            relation: self.def.name,
            key,
        }
    }

    fn expect(&self, kind: RelationKind) -> Result<()> {
        if self.def.kind == kind {
            Ok(())
        } else {
            Err(Error::invalid(format!(
                "relation `{}` of {} is {:?}, not {kind:?}",
                self.def.name,
                M::TABLE,
                self.def.kind
            )))
        }
    }

    fn link_statement(&self, conn: &Connection, owner: &M, other: &T, insert: bool) -> Result<u64> {
        self.expect(RelationKind::ManyToMany)?;
        let through = self.def.through_table(T::TABLE);
        let (k1, k2) = self.def.through_keys;
        let (owner_key, other_key) = (
            Expr::Value(owner.key().to_value()),
            Expr::Value(other.key().to_value()),
        );
        let mut b = SqlBuilder::new(conn.dialect());
        if insert {
            compile::insert(
                &mut b,
                &Insert {
                    table: &through,
                    columns: vec![k1, k2],
                    rows: Rows::Values(vec![vec![&owner_key, &other_key]]),
                    upsert_key: None,
                    returning: None,
                },
            )?;
        } else {
            compile::delete(
                &mut b,
                &Delete {
                    table: &through,
                    filter: vec![
                        Filter::Owned(Cond::Cmp {
                            lhs: unqualified(k1),
                            op: crate::cond::Op::Eq,
                            rhs: owner_key,
                        }),
                        Filter::Owned(Cond::Cmp {
                            lhs: unqualified(k2),
                            op: crate::cond::Op::Eq,
                            rhs: other_key,
                        }),
                    ],
                },
            )?;
        }
        let (sql, params) = b.finish();
        conn.execute_prepared(&sql, &params)
    }

    /// Links `owner` and `other` over a many-to-many relation (inserts a row
    /// into the join table).
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct Post { id: i64, title: String, tags: ManyToMany<Tag> }
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct Tag { id: i64, name: String }
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # #[db(table = "post_tags")]
    /// # struct PostTag { #[db(primary_key)] post_id: i64, #[db(primary_key)] tag_id: i64 }
    /// # let conn = Connection::open("sqlite::memory:")?;
    /// # conn.apply(&conn.schema_plan::<(Post, Tag, PostTag)>()?)?;
    /// # let mut post = Post { title: "hello".into(), ..Default::default() };
    /// # post.save(&conn)?;
    /// # let mut rust = Tag { name: "rust".into(), ..Default::default() };
    /// # rust.save(&conn)?;
    /// Posts::TAGS.add(&conn, &post, &rust)?;
    /// assert_eq!(Posts::TAGS.scope_of(&post).count(&conn)?, 1);
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn add(&self, conn: &Connection, owner: &M, other: &T) -> Result<()> {
        self.link_statement(conn, owner, other, true).map(drop)
    }

    /// Unlinks `owner` and `other`; returns whether they were linked.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct Post { id: i64, title: String, tags: ManyToMany<Tag> }
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct Tag { id: i64, name: String }
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # #[db(table = "post_tags")]
    /// # struct PostTag { #[db(primary_key)] post_id: i64, #[db(primary_key)] tag_id: i64 }
    /// # let conn = Connection::open("sqlite::memory:")?;
    /// # conn.apply(&conn.schema_plan::<(Post, Tag, PostTag)>()?)?;
    /// # let mut post = Post { title: "hello".into(), ..Default::default() };
    /// # post.save(&conn)?;
    /// # let mut rust = Tag { name: "rust".into(), ..Default::default() };
    /// # rust.save(&conn)?;
    /// Posts::TAGS.add(&conn, &post, &rust)?;
    /// assert!(Posts::TAGS.remove(&conn, &post, &rust)?);
    /// assert!(!Posts::TAGS.remove(&conn, &post, &rust)?, "no longer linked");
    /// # Ok::<(), orm::Error>(())
    /// ```
    pub fn remove(&self, conn: &Connection, owner: &M, other: &T) -> Result<bool> {
        Ok(self.link_statement(conn, owner, other, false)? > 0)
    }
}
