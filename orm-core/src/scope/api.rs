//! The scope API users see: chain methods and terminal calls.

use std::sync::Arc;

use super::Scope;
use crate::cond::{col, Assignment, Cond, Op, Order};
use crate::connection::Connection;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::expr::{Expr, IntoArgs, IntoOperand, Sql};
use crate::lifecycle::{Deleted, SoftDelete};
use crate::model::{Column, Model};
use crate::names::{CountOn, Terms};
use crate::query::{Lock, LockMode, LockWait};
use crate::relation::{Include, Join, JoinKind, Relation};
use crate::row::FromRow;
use crate::value::FromValue;

use super::{PluckColumns, Rows, Statement};

/// The scope API: chain methods that return a new scope, and terminal calls
/// that run it. Implemented by [`Scope`] and by each model's own scope type,
/// so named scopes written by users get every method too.
pub trait Scoped: Sized + Clone + crate::__private::Sealed {
    /// The model queried.
    type Model: Model;

    /// The underlying scope.
    #[doc(hidden)]
    fn as_scope(&self) -> &Scope<Self::Model>;
    /// Unwraps the underlying scope.
    #[doc(hidden)]
    fn into_scope(self) -> Scope<Self::Model>;
    /// Wraps a scope.
    #[doc(hidden)]
    fn from_scope(scope: Scope<Self::Model>) -> Self;

    /// Applies `f` to the underlying scope.
    #[doc(hidden)]
    fn with(self, f: impl FnOnce(&mut Scope<Self::Model>)) -> Self {
        let mut s = self.into_scope();
        f(&mut s);
        Self::from_scope(s)
    }

    // ---- chain methods ----

    /// Adds a SQL condition with `?` or `:name` placeholders (parenthesised,
    /// so an `OR` inside stays inside). Arguments are bound parameters, or
    /// [`Func`](crate::Func) / [`Col`](crate::Col) formulas.
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
    /// let over_30 = Users::all().where_("age > ?", (30,)).count(&conn)?;
    /// assert_eq!(over_30, 2);
    /// // Named binds work too.
    /// let ann = Users::all().where_("name = :name", named([("name", "ann".into())])).first(&conn)?;
    /// assert_eq!(ann.map(|u| u.age), Some(31));
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn where_(self, fragment: impl Into<Sql>, args: impl IntoArgs) -> Self {
        self.filter(Cond::sql(fragment, args))
    }

    /// Adds a condition: the comparisons live on the columns, which make
    /// the conditions (`Users::EMAIL.eq("a@b")`, `Users::LOGINS.gte(10)`,
    /// `Users::NAME.eq(None)` for `IS NULL`, `Users::ID.in_list(ids)`,
    /// `col("name").eq(v)` for a name known at run time), combined with
    /// [`Cond::and`], [`Cond::or`] and [`Cond::not`].
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)] struct User { id: i64, name: Option<String>, logins: i32 }
    /// let regulars = Users::filter(Users::LOGINS.gte(10)).filter(Users::NAME.eq(None));
    /// assert!(regulars.to_sql()?.sql.ends_with(r#"WHERE "logins" >= $1 AND "name" IS NULL"#));
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn filter(self, cond: Cond) -> Self {
        self.with(|s| s.q.conds.push(cond))
    }

    /// `column = value` with the column named at run time
    /// (checked when the query runs); a NULL value gives `IS NULL`.
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
    /// let bob = Users::all().equal_to("name", "bob").first(&conn)?;
    /// assert_eq!(bob.map(|u| u.age), Some(25));
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn equal_to(self, column: &str, value: impl crate::cond::IntoDynOperand) -> Self {
        self.filter(col(column).eq(value))
    }
    /// `column op value` with the column named at run time.
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
    /// let young = Users::all().cond("age", Op::Lt, 30).count(&conn)?;
    /// assert_eq!(young, 1);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn cond(self, column: &str, op: Op, value: impl crate::cond::IntoDynOperand) -> Self {
        self.filter(col(column).op(op, value))
    }
    /// Matches rows of this scope **or** of `other`: `(this) OR (other)`.
    /// Order, limit and grouping of `self` are kept.
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
    /// let ends = Users::filter(Users::AGE.lt(30)).or(Users::filter(Users::AGE.gt(35)));
    /// assert_eq!(ends.order("name").pluck(&conn, Users::NAME)?, ["bob", "cid"]);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn or(self, other: impl Scoped<Model = Self::Model>) -> Self {
        let other = other.into_scope().q.conds;
        self.with(|s| {
            let mine = std::mem::take(&mut s.q.conds);
            s.q.conds = vec![Cond::Or(vec![Cond::And(mine), Cond::And(other)])];
        })
    }

    /// Appends ORDER BY terms: names with an optional direction and NULLs
    /// placement, `"created_at DESC, name ASC NULLS LAST"` (read strictly as
    /// names, checked against the models of the query and quoted: a "sort
    /// by" parameter from a request is safe here), or an expression through
    /// [`Sql::raw`]. A string that is not such a list is an
    /// [`Error::InvalidName`] when the scope runs.
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
    /// let names: Vec<String> = Users::all().order("age").pluck(&conn, Users::NAME)?;
    /// assert_eq!(names, ["bob", "ann", "cid"]);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn order(self, terms: impl Into<Terms>) -> Self {
        let orders = crate::names::parse_orders(terms.into());
        self.with(|s| s.q.orders.extend(orders))
    }
    /// Appends a typed ORDER BY term: `Users::NAME.desc().nulls_last()`.
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
    /// let oldest = Users::all().order_by(Users::AGE.desc()).first(&conn)?;
    /// assert_eq!(oldest.map(|u| u.name), Some("cid".to_owned()));
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn order_by(self, order: Order) -> Self {
        self.with(|s| s.q.orders.push(order))
    }
    /// Replaces the ORDER BY terms (see [`order`](Self::order)).
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
    /// let by_name = Users::all().order("age");
    /// let names: Vec<String> = by_name.reorder("name").pluck(&conn, Users::NAME)?;
    /// assert_eq!(names, ["ann", "bob", "cid"]);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn reorder(self, terms: impl Into<Terms>) -> Self {
        let orders = crate::names::parse_orders(terms.into());
        self.with(|s| s.q.orders = orders)
    }
    /// At most `n` rows (rendered as an integer literal).
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
    /// let two = Users::all().order("age").limit(2).pluck(&conn, Users::NAME)?;
    /// assert_eq!(two, ["bob", "ann"]);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn limit(self, n: u64) -> Self {
        self.with(|s| s.q.limit = Some(n))
    }
    /// Skips `n` rows; valid without a limit on every dialect.
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
    /// let rest = Users::all().order("age").offset(1).pluck(&conn, Users::NAME)?;
    /// assert_eq!(rest, ["ann", "cid"]);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn offset(self, n: u64) -> Self {
        self.with(|s| s.q.offset = Some(n))
    }
    /// GROUP BY terms, kept by every later call: column names
    /// (`"author_id, category"`, checked and quoted), or [`Sql::raw`] for
    /// an expression.
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
    /// // One row per author: how many authors have posts.
    /// let authors = Posts::all().group_by("user_id").count(&conn)?;
    /// assert_eq!(authors, 3);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn group_by(self, terms: impl Into<Terms>) -> Self {
        let terms = crate::names::parse_group(terms.into());
        self.with(|s| s.q.group_by.extend(terms))
    }
    /// A HAVING condition with placeholders, emitted with the HAVING keyword.
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
    /// let busy = Posts::all()
    ///     .group_by("user_id")
    ///     .having("COUNT(*) >= ?", (2,))
    ///     .count(&conn)?;
    /// assert_eq!(busy, 0);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn having(self, fragment: impl Into<Sql>, args: impl IntoArgs) -> Self {
        let c = Cond::sql(fragment, args);
        self.with(|s| s.q.having.push(c))
    }
    /// Locks the rows the scope reads until the transaction ends
    /// (`SELECT .. FOR UPDATE`), so that a read-modify-write cannot lose a
    /// concurrent change: other `for_update` reads and writes of those rows
    /// wait. Use it inside a transaction. SQLite locks the whole database at
    /// the first write of a transaction and has no row locks: the clause is
    /// left out there.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)] struct Account { id: i64, balance: i64 }
    /// let sql = Accounts::filter(Accounts::ID.eq(1)).for_update().to_sql()?.sql;
    /// assert!(sql.ends_with(r#"WHERE "id" = $1 FOR UPDATE"#));
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn for_update(self) -> Self {
        self.with(|s| s.q.lock = Some(lock(LockMode::Update, s.q.lock)))
    }
    /// Locks the rows the scope reads against writes until the transaction
    /// ends (`FOR SHARE`; MariaDB's `LOCK IN SHARE MODE`); other readers
    /// may share the lock. Left out on SQLite, as for
    /// [`for_update`](Self::for_update).
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
    /// let sql = Users::all().for_share().to_sql_for(&orm::AnsiDialect)?;
    /// assert!(sql.sql.ends_with(" FOR SHARE"), "{}", sql.sql);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn for_share(self) -> Self {
        self.with(|s| s.q.lock = Some(lock(LockMode::Share, s.q.lock)))
    }
    /// Makes the scope's row lock ([`for_update`](Self::for_update) when
    /// none was chosen) skip rows other transactions hold (`SKIP LOCKED`),
    /// as work queues need: each worker takes rows no other worker has.
    /// PostgreSQL, CockroachDB and MariaDB 10.6+ take it; SQLite, which has
    /// no row locks, and MariaDB's shared lock refuse it with
    /// [`Error::InvalidQuery`].
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)] struct Job { id: i64, done: bool }
    /// let next = Jobs::filter(Jobs::DONE.eq(false)).order("id").limit(1).skip_locked();
    /// assert!(next.to_sql()?.sql.ends_with("LIMIT 1 FOR UPDATE SKIP LOCKED"));
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn skip_locked(self) -> Self {
        self.with(|s| s.q.lock = Some(waiting(LockWait::SkipLocked, s.q.lock)))
    }
    /// Makes the scope's row lock ([`for_update`](Self::for_update) when
    /// none was chosen) fail at once, rather than wait, when another
    /// transaction holds a row (`NOWAIT`). Refused where
    /// [`skip_locked`](Self::skip_locked) is.
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
    /// let sql = Users::all().for_update().no_wait().to_sql_for(&orm::AnsiDialect)?;
    /// assert!(sql.sql.ends_with(" FOR UPDATE NOWAIT"), "{}", sql.sql);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn no_wait(self) -> Self {
        self.with(|s| s.q.lock = Some(waiting(LockWait::NoWait, s.q.lock)))
    }
    /// Lifts the default filters ([`Model::default_filter`]) of the model
    /// and of the joined ones for this scope, its includes and orphans,
    /// the soft-delete conditions included.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// fn published() -> Cond {
    ///     orm::col("published").eq(true)
    /// }
    /// #[derive(Model, Debug, Default)]
    /// #[db(default_filter = "published")]
    /// struct Article { id: i64, published: bool }
    /// # let conn = Connection::open("sqlite::memory:")?;
    /// # conn.sync::<Article>()?;
    /// # for published in [true, false] {
    /// #     Article { published, ..Default::default() }.save(&conn)?;
    /// # }
    /// assert_eq!(Articles::all().count(&conn)?, 1);
    /// assert_eq!(Articles::all().without_default_filter().count(&conn)?, 2);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn without_default_filter(self) -> Self {
        self.with(|s| s.q.unfiltered = true)
    }
    /// Lifts only the soft-delete condition of the scope's model (a
    /// `#[db(soft_delete)]` column): the scope sees the soft-deleted rows
    /// too. The model's own default filter, and the soft-delete conditions
    /// of joined and included models, still apply. Compiles only for
    /// soft-deleting models.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// use chrono::{DateTime, Utc};
    /// #[derive(Model, Debug, Default)]
    /// struct Post {
    ///     id: i64,
    ///     title: String,
    ///     #[db(soft_delete)]
    ///     deleted_at: Option<DateTime<Utc>>,
    /// }
    /// let conn = Connection::open("sqlite::memory:")?;
    /// conn.sync::<Post>()?;
    /// let mut post = Post { title: "draft".into(), ..Default::default() };
    /// post.save(&conn)?;
    /// post.delete(&conn)?;                     // UPDATE posts SET deleted_at = <now> ..
    /// assert!(post.deleted_at.is_some());
    /// assert_eq!(Posts::all().count(&conn)?, 0);
    /// assert_eq!(Posts::all().with_deleted().count(&conn)?, 1);
    /// assert_eq!(Posts::all().only_deleted().count(&conn)?, 1);
    /// post.restore(&conn)?;                    // deleted_at = NULL again
    /// assert_eq!(Posts::all().count(&conn)?, 1);
    /// post.hard_delete(&conn)?;                // DELETE FROM posts ..
    /// assert_eq!(Posts::all().with_deleted().count(&conn)?, 0);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn with_deleted(self) -> Self
    where
        Self::Model: SoftDelete,
    {
        self.with(|s| s.q.deleted = Deleted::Include)
    }
    /// Only the soft-deleted rows of the scope's model (`deleted_at IS NOT
    /// NULL`), with the model's own default filter still applied. Compiles
    /// only for soft-deleting models; see [`with_deleted`](Self::with_deleted).
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct Note {
    /// #     id: i64,
    /// #     body: String,
    /// #     #[db(updated_at)]
    /// #     updated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// #     #[db(soft_delete)]
    /// #     deleted_at: Option<chrono::DateTime<chrono::Utc>>,
    /// # }
    /// # let conn = Connection::open("sqlite::memory:")?;
    /// # conn.sync::<Note>()?;
    /// # for body in ["a", "b"] {
    /// #     Note { body: body.into(), ..Default::default() }.save(&conn)?;
    /// # }
    /// let mut a = Notes::all().order("id").first(&conn)?.unwrap();
    /// a.delete(&conn)?;
    /// assert_eq!(Notes::all().only_deleted().count(&conn)?, 1);
    /// assert_eq!(Notes::all().count(&conn)?, 1);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn only_deleted(self) -> Self
    where
        Self::Model: SoftDelete,
    {
        self.with(|s| s.q.deleted = Deleted::Only)
    }
    /// Lets this scope's `update_attribute(s)`, `update_sql` and `delete`
    /// run on a model with [`Hooks`](crate::Hooks), which they skip (one
    /// statement for all the rows): without it they fail with
    /// [`Error::HooksSkipped`].
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
    /// // A model without hooks: nothing to skip, and the delete runs.
    /// let n = Posts::filter(Posts::USER_ID.eq(3)).skip_hooks().delete(&conn)?;
    /// assert_eq!(n, 1);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn skip_hooks(self) -> Self {
        self.with(|s| s.q.skip_hooks = true)
    }
    /// Allows `update_*` and `delete` on a scope with no condition: without
    /// it they fail with [`Error::MissingCondition`].
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
    /// // Without a condition, a bulk write must say it means every row.
    /// assert!(Posts::all().delete(&conn).is_err());
    /// assert_eq!(Posts::all().all_rows().delete(&conn)?, 3);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn all_rows(self) -> Self {
        self.with(|s| s.q.all_rows = true)
    }

    /// `SELECT DISTINCT`: drops duplicate rows (joins over has-many
    /// relations repeat the base rows). `count` then counts distinct rows,
    /// and aggregates aggregate distinct values.
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
    /// let ages = Users::all().join(Users::POSTS).distinct().count(&conn)?;
    /// assert_eq!(ages, 3);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn distinct(self) -> Self {
        self.with(|s| s.q.distinct = true)
    }
    /// Makes the scope's reads run on the primary of a pool with replicas
    /// ([`Pool::with_replicas`](crate::Pool::with_replicas)), e.g. to read
    /// what another connection has just written. Without replicas it
    /// changes nothing; reads that lock rows and reads in a transaction run
    /// on the primary anyway.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)] struct Account { id: i64, balance: i64 }
    /// # let conn = Connection::open("sqlite::memory:")?;
    /// # conn.sync::<Account>()?;
    /// let fresh = Accounts::filter(Accounts::ID.eq(1)).on_primary().first(&conn)?;
    /// assert!(fresh.is_none());
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn on_primary(self) -> Self {
        self.with(|s| s.q.primary = true)
    }
    /// Joins a relation with its default kind (LEFT OUTER, or INNER when
    /// declared with `#[db(join = "inner")]`): `Posts::all().join(Posts::AUTHOR)`.
    /// The relation's own side is the base table, or the table (or alias) it
    /// was joined as, so joins chain: `.join(Posts::COMMENTS).join(Comments::USER)`.
    /// With joins, the base model's columns are qualified with its table;
    /// typed columns of the joined models (`Users::ROLE`) are qualified with
    /// theirs, and run-time names may be (`col("users.role")`).
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
    /// let titles: Vec<String> = Posts::all()
    ///     .join(Posts::USER)
    ///     .filter(Users::NAME.eq("ann"))
    ///     .pluck(&conn, Posts::TITLE)?;
    /// assert_eq!(titles, ["ann's post"]);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn join<O: Model, T: Model>(self, rel: Relation<O, T>) -> Self {
        self.with(|s| s.add_join(rel, JoinKind::AsDeclared, None))
    }
    /// Joins a relation with an INNER join.
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
    /// let with_posts = Users::all().inner_join(Users::POSTS).count(&conn)?;
    /// assert_eq!(with_posts, 3);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn inner_join<O: Model, T: Model>(self, rel: Relation<O, T>) -> Self {
        self.with(|s| s.add_join(rel, JoinKind::Inner, None))
    }
    /// Joins a relation with a LEFT OUTER join.
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
    /// let all = Users::all().outer_join(Users::POSTS).count(&conn)?;
    /// assert_eq!(all, 3);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn outer_join<O: Model, T: Model>(self, rel: Relation<O, T>) -> Self {
        self.with(|s| s.add_join(rel, JoinKind::Outer, None))
    }
    /// Joins a relation with its default kind, naming the other table
    /// `alias` (for a table that appears twice); refer to its columns as
    /// `alias.column` in fragments and with [`col`].
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
    /// let n = Users::all()
    ///     .join_as(Users::POSTS, "p")
    ///     .where_("p.title LIKE ?", ("%ann%",))
    ///     .count(&conn)?;
    /// assert_eq!(n, 1);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn join_as<O: Model, T: Model>(self, rel: Relation<O, T>, alias: &str) -> Self {
        let alias = alias.to_owned();
        self.with(|s| s.add_join(rel, JoinKind::AsDeclared, Some(&alias)))
    }
    /// Joins a relation with the given kind and an optional alias.
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
    /// use orm::JoinKind;
    /// let n = Users::all()
    ///     .join_with(Users::POSTS, JoinKind::Inner, Some("p"))
    ///     .where_("p.title LIKE ?", ("bob%",))
    ///     .count(&conn)?;
    /// assert_eq!(n, 1);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn join_with<O: Model, T: Model>(
        self,
        rel: Relation<O, T>,
        kind: JoinKind,
        alias: Option<&str>,
    ) -> Self {
        let alias = alias.map(str::to_owned);
        self.with(|s| s.add_join(rel, kind, alias.as_deref()))
    }
    /// A raw JOIN fragment with `?` or `:name` placeholders bound as
    /// parameters: `join_sql("LEFT JOIN comments AS c ON c.post_id = posts.id
    /// AND c.user_id = ?", (123,))`.
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
    /// let n = Users::all()
    ///     .join_sql("JOIN posts AS p ON p.user_id = users.id AND p.title LIKE ?", ("cid%",))
    ///     .count(&conn)?;
    /// assert_eq!(n, 1);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn join_sql(self, fragment: impl Into<Sql>, args: impl IntoArgs) -> Self {
        let f = fragment.into().with_args(args.into_args());
        let join = Join::Raw {
            sql: f.sql.into_owned(),
            args: f.args,
        };
        self.with(|s| s.q.joins.push(join))
    }
    /// Eager-loads a relation (or nested relations,
    /// `Users::POSTS.then(Posts::COMMENTS)`) into the records' relation
    /// fields when `all`, `first` or `find` runs: one query per level (per
    /// chunk of keys within the dialect's parameter limit), never one per
    /// record. Related models must be `Clone` (a parent loaded over a
    /// belongs-to is shared by its children). `iter` does not load includes.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// #[derive(Model, Debug, Clone, Default)]
    /// struct User { id: i64, name: String, posts: HasMany<Post> }
    /// #[derive(Model, Debug, Clone, Default)]
    /// struct Post { id: i64, user_id: i64, title: String, user: BelongsTo<User> }
    ///
    /// let conn = Connection::open("sqlite::memory:")?;
    /// conn.sync::<User>()?;
    /// conn.sync::<Post>()?;
    /// let mut ann = User { name: "ann".into(), ..Default::default() };
    /// ann.save(&conn)?;
    /// let mut hello = Post { title: "Hello".into(), ..Default::default() };
    /// ann.posts().save(&conn, &mut hello)?;         // sets user_id
    ///
    /// let before = conn.statement_count();
    /// let users = Users::all().include(Users::POSTS).all(&conn)?;
    /// assert_eq!(conn.statement_count() - before, 2); // users, then their posts
    /// assert_eq!(users[0].posts.get().map(|p| p.len()), Some(1));
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn include(self, inc: impl Include<Self::Model> + 'static) -> Self {
        let inc: Arc<dyn Include<Self::Model>> = Arc::new(inc);
        self.with(|s| s.includes.push(inc))
    }

    // ---- terminal calls ----

    /// The SELECT `all` would run, in the generic dialect.
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
    /// let stmt = Users::filter(Users::AGE.gt(30)).limit(5).to_sql()?;
    /// assert!(stmt.sql.starts_with("SELECT "), "{}", stmt.sql);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn to_sql(&self) -> Result<Statement> {
        self.as_scope().to_sql()
    }
    /// The SELECT `all` would run on `dialect`.
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
    /// let stmt = Users::filter(Users::AGE.gt(30)).to_sql_for(&orm::AnsiDialect)?;
    /// assert!(stmt.sql.contains("\"age\" > $1"), "{}", stmt.sql);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn to_sql_for(&self, dialect: &dyn Dialect) -> Result<Statement> {
        self.as_scope().to_sql_for(dialect)
    }
    /// The record with this key, if the scope's conditions also hold;
    /// [`Error::NotFound`] otherwise. Order, limit, offset and grouping do
    /// not apply to a lookup by key.
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
    /// let ann = Users::filter(Users::AGE.gt(30)).find(&conn, 1)?;
    /// assert_eq!(ann.name, "ann");
    /// assert!(matches!(Users::filter(Users::AGE.gt(30)).find(&conn, 2), Err(Error::NotFound { .. })));
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn find(
        &self,
        conn: &Connection,
        key: impl Into<<Self::Model as Model>::Key>,
    ) -> Result<Self::Model> {
        self.as_scope().run_find(conn, &key.into())
    }
    /// The first record (LIMIT 1), or `None`.
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
    /// let youngest = Users::all().order("age").first(&conn)?;
    /// assert_eq!(youngest.map(|u| u.name), Some("bob".to_owned()));
    /// assert!(Users::filter(Users::AGE.gt(99)).first(&conn)?.is_none());
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn first(&self, conn: &Connection) -> Result<Option<Self::Model>> {
        self.as_scope().run_first(conn)
    }
    /// All records.
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
    /// let users = Users::filter(Users::AGE.gt(30)).order("name").all(&conn)?;
    /// assert_eq!(users.len(), 2);
    /// assert_eq!(users[0].name, "ann");
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn all(&self, conn: &Connection) -> Result<Vec<Self::Model>> {
        self.as_scope().run_all(conn)
    }
    /// The records, streamed one at a time.
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
    /// let mut total = 0;
    /// for user in Users::all().iter(&conn)? {
    ///     total += user?.age;
    /// }
    /// assert_eq!(total, 96);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn iter<'c>(&self, conn: &'c Connection) -> Result<Rows<'c, Self::Model>> {
        self.as_scope().run_stream(conn)
    }
    /// The records, each paired with the record of `rel` a LEFT OUTER
    /// join finds for it (`None` where there is none), in one query: one
    /// pair per row of the join, so a record with three related ones comes
    /// three times. The scope's conditions, order and limit apply to the
    /// joined rows; if the scope already joins `rel` (e.g. an INNER
    /// `inner_join`), that join is used. A relation of a model to itself
    /// is refused ([`Error::InvalidQuery`]). Both sides' `after_find` hooks
    /// run; the scope's includes are loaded into the first.
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
    /// #     if name != "bob" {
    /// #         let mut p = Post { user_id: u.id, title: format!("{name}'s post"), ..Default::default() };
    /// #         p.save(&conn)?;
    /// #     }
    /// # }
    /// let pairs: Vec<(User, Option<Post>)> = Users::all()
    ///     .order("users.id")
    ///     .all_joined(&conn, Users::POSTS)?;
    /// let titles: Vec<(&str, Option<&str>)> = pairs
    ///     .iter()
    ///     .map(|(u, p)| (u.name.as_str(), p.as_ref().map(|p| p.title.as_str())))
    ///     .collect();
    /// assert_eq!(
    ///     titles,
    ///     [("ann", Some("ann's post")), ("bob", None), ("cid", Some("cid's post"))]
    /// );
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn all_joined<T: Model>(
        &self,
        conn: &Connection,
        rel: Relation<Self::Model, T>,
    ) -> Result<Vec<(Self::Model, Option<T>)>> {
        self.as_scope().run_joined(conn, rel)
    }
    /// The number of rows [`all`](Self::all) would return: limit, offset
    /// and DISTINCT apply, and a grouped scope counts its groups. See
    /// [`count_without_limit`](Self::count_without_limit) for the total
    /// behind a page.
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
    /// assert_eq!(Users::all().count(&conn)?, 3);
    /// assert_eq!(Users::filter(Users::AGE.lt(30)).count(&conn)?, 1);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn count(&self, conn: &Connection) -> Result<i64> {
        self.as_scope().run_count(conn, &CountOn::Rows)
    }
    /// The number of rows [`count`](Self::count) would give without the
    /// scope's limit and offset: the total behind a page.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug)] struct Post { id: i64, title: String }
    /// # let conn = Connection::open("sqlite::memory:")?;
    /// # conn.sync::<Post>()?;
    /// # for t in ["a", "b", "c"] { Post { id: 0, title: t.into() }.save(&conn)?; }
    /// let page = Posts::all().order("id").limit(2).offset(2);
    /// assert_eq!(page.count(&conn)?, 1);                // the rows on this page
    /// assert_eq!(page.count_without_limit(&conn)?, 3);  // the rows of all pages
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn count_without_limit(&self, conn: &Connection) -> Result<i64> {
        let mut s = self.as_scope().clone();
        s.q.limit = None;
        s.q.offset = None;
        s.run_count(conn, &CountOn::Rows)
    }
    /// `COUNT(column)` or `COUNT(DISTINCT column)` over the rows `all`
    /// would return: `"category_id"`, `"DISTINCT category_id"` (names,
    /// checked and quoted), or [`Sql::raw`] for an expression.
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
    /// let authors = Posts::all().count_on(&conn, "DISTINCT user_id")?;
    /// assert_eq!(authors, 3);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn count_on(&self, conn: &Connection, on: impl Into<Terms>) -> Result<i64> {
        self.as_scope()
            .run_count(conn, &crate::names::parse_count(on.into()))
    }
    /// Whether any row matches.
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
    /// assert!(Users::filter(Users::NAME.eq("ann")).exists(&conn)?);
    /// assert!(!Users::filter(Users::NAME.eq("zed")).exists(&conn)?);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn exists(&self, conn: &Connection) -> Result<bool> {
        self.as_scope().run_exists(conn)
    }
    /// The values of one typed column (`Vec<T>`), or of a tuple of columns
    /// (`Vec<(A, B, ..)>`), in the scope's order.
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
    /// let names: Vec<String> = Users::all().order("name").pluck(&conn, Users::NAME)?;
    /// assert_eq!(names, ["ann", "bob", "cid"]);
    /// // Several columns, as tuples.
    /// let pairs: Vec<(String, i32)> = Users::all()
    ///     .order("age")
    ///     .limit(1)
    ///     .pluck(&conn, (Users::NAME, Users::AGE))?;
    /// assert_eq!(pairs, [("bob".to_owned(), 25)]);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn pluck<P: PluckColumns<Self::Model>>(
        &self,
        conn: &Connection,
        columns: P,
    ) -> Result<Vec<P::Output>> {
        self.as_scope().run_pluck(conn, &columns)
    }
    /// The values of a formula ([`Func`](crate::Func), [`Col`](crate::Col)),
    /// its arguments bound as parameters.
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
    /// let next_year: Vec<i64> = Users::all().order("age").pluck_expr(&conn, Func::new("age + ?", (1,)))?;
    /// assert_eq!(next_year, [26, 32, 41]);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn pluck_expr<V: FromValue>(&self, conn: &Connection, expr: impl Into<Expr>) -> Result<Vec<V>> {
        self.as_scope().run_pluck_expr(conn, expr.into())
    }
    /// Sets one column on every matching row; returns the rows changed.
    /// An `#[db(updated_at)]` column is set to the clock too (unless
    /// assigned here, or under [`Connection::without_timestamps`]), and a
    /// `#[db(version)]` column incremented (unless assigned here), so that
    /// records read before are stale.
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
    /// let n = Users::filter(Users::AGE.lt(30)).update_attribute(&conn, Users::AGE, 26)?;
    /// assert_eq!(n, 1);
    /// assert_eq!(Users::find(&conn, 2)?.age, 26);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn update_attribute<T>(
        &self,
        conn: &Connection,
        column: Column<Self::Model, T>,
        value: impl IntoOperand<T>,
    ) -> Result<u64> {
        self.as_scope().run_update(conn, &[column.set(value)])
    }
    /// Sets several columns (`[Users::NAME.set("x"), ..]`) on every matching
    /// row; returns the rows changed. Lifecycle columns as for
    /// [`update_attribute`](Self::update_attribute).
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
    /// let n = Users::filter(Users::NAME.eq("bob"))
    ///     .update_attributes(&conn, [Users::NAME.set("rob"), Users::AGE.set(26)])?;
    /// assert_eq!(n, 1);
    /// assert_eq!(Users::find(&conn, 2)?.name, "rob");
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn update_attributes(
        &self,
        conn: &Connection,
        assignments: impl IntoIterator<Item = Assignment>,
    ) -> Result<u64> {
        let list: Vec<Assignment> = assignments.into_iter().collect();
        self.as_scope().run_update(conn, &list)
    }
    /// `UPDATE table SET <fragment>` on every matching row, the fragment with
    /// placeholders; returns the rows changed. Raw: the lifecycle columns
    /// (`updated_at`, `version`) change only if the fragment sets them.
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
    /// let n = Users::filter(Users::AGE.gt(30)).update_sql(&conn, "age = age + ?", (1,))?;
    /// assert_eq!(n, 2);
    /// assert_eq!(Users::find(&conn, 3)?.age, 41);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn update_sql(
        &self,
        conn: &Connection,
        fragment: impl Into<Sql>,
        args: impl IntoArgs,
    ) -> Result<u64> {
        let f = fragment.into().with_args(args.into_args());
        self.as_scope().run_update_sql(conn, &f.sql, f.args)
    }
    /// Deletes every matching row; returns how many. For a soft-deleting
    /// model (`#[db(soft_delete)]`), sets their soft-delete column to the
    /// clock instead (and `updated_at`, and increments a `#[db(version)]`
    /// column), on the matching rows not deleted yet; see
    /// [`hard_delete`](Self::hard_delete) for the real DELETE.
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
    /// let n = Posts::filter(Posts::USER_ID.eq(1)).delete(&conn)?;
    /// assert_eq!(n, 1);
    /// assert_eq!(Posts::all().count(&conn)?, 2);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn delete(&self, conn: &Connection) -> Result<u64> {
        self.as_scope().run_delete(conn, false)
    }
    /// Deletes every matching row with a real DELETE, also for a
    /// soft-deleting model (whose scope matches the rows not deleted yet,
    /// unless it says [`with_deleted`](Self::with_deleted) or
    /// [`only_deleted`](Self::only_deleted)); returns how many. The same as
    /// [`delete`](Self::delete) for other models.
    ///
    /// ```
    /// # use orm::prelude::*;
    /// # #[derive(Model, Debug, Clone, Default)]
    /// # struct Note {
    /// #     id: i64,
    /// #     body: String,
    /// #     #[db(updated_at)]
    /// #     updated_at: Option<chrono::DateTime<chrono::Utc>>,
    /// #     #[db(soft_delete)]
    /// #     deleted_at: Option<chrono::DateTime<chrono::Utc>>,
    /// # }
    /// # let conn = Connection::open("sqlite::memory:")?;
    /// # conn.sync::<Note>()?;
    /// # for body in ["a", "b"] {
    /// #     Note { body: body.into(), ..Default::default() }.save(&conn)?;
    /// # }
    /// Notes::filter(Notes::BODY.eq("a")).delete(&conn)?; // soft: sets deleted_at
    /// assert_eq!(Notes::all().with_deleted().count(&conn)?, 2);
    /// Notes::filter(Notes::BODY.eq("a")).with_deleted().hard_delete(&conn)?;
    /// assert_eq!(Notes::all().with_deleted().count(&conn)?, 1);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn hard_delete(&self, conn: &Connection) -> Result<u64> {
        self.as_scope().run_delete(conn, true)
    }
    /// Saves `record` ([`Record::save`](crate::Record::save)); through a
    /// has-one or has-many accessor's scope (`user.posts().save(..)`), first
    /// sets its foreign key to the owner's key.
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
    /// let mut post = Post { title: "another".into(), ..Default::default() };
    /// ann.posts().save(&conn, &mut post)?; // sets post.user_id
    /// assert_eq!(post.user_id, ann.id);
    /// assert_eq!(ann.posts().count(&conn)?, 2);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn save(&self, conn: &Connection, record: &mut Self::Model) -> Result<()> {
        if let Some((fk, value)) = &self.as_scope().q.owner {
            let idx = <Self::Model as Model>::COLUMNS
                .iter()
                .position(|c| c.name == fk.as_ref())
                .ok_or_else(|| Error::UnknownColumn {
                    table: Some(<Self::Model as Model>::TABLE.to_owned()),
                    column: fk.to_string(),
                })?;
            let value = value.as_ref().ok_or_else(|| {
                Error::invalid(format!(
                    "cannot save a {} through the scope of an owner that is not saved yet: \
                     save the owner first, so that {fk} has a value",
                    <Self::Model as Model>::TABLE
                ))
            })?;
            record.set_column(idx, value)?;
        }
        crate::persist::Record::save(record, conn)
    }
    /// Runs a custom select list over the scope's FROM, joins, conditions,
    /// grouping, order and limit, and maps each row by column name into `T`
    /// (`#[derive(FromRow)]`). The list is column names with optional
    /// aliases, `"posts.id AS post_id, users.name"` (checked and quoted), or
    /// raw SQL for expressions: `Sql::raw("posts.id AS post_id,
    /// AVG(bad.score) AS bad_average")`. Put values in conditions, where
    /// they are bound.
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
    /// #[derive(FromRow, Debug, PartialEq)]
    /// struct Line { name: String, title: String }
    /// let lines: Vec<Line> = Posts::all()
    ///     .join(Posts::USER)
    ///     .order("posts.id")
    ///     .limit(1)
    ///     .select(&conn, "users.name, posts.title")?;
    /// assert_eq!(lines, [Line { name: "ann".into(), title: "ann's post".into() }]);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn select<T: FromRow>(&self, conn: &Connection, list: impl Into<Terms>) -> Result<Vec<T>> {
        self.as_scope()
            .run_select(conn, &crate::names::parse_select(list.into()))
    }
    /// `SUM(column)` over the matching rows; `None` when there are none.
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
    /// let total: Option<i64> = Users::all().sum(&conn, Users::AGE).map(|s| s.map(i64::from))?;
    /// assert_eq!(total, Some(96));
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn sum<T: FromValue>(
        &self,
        conn: &Connection,
        column: Column<Self::Model, T>,
    ) -> Result<Option<T>> {
        self.as_scope().run_aggregate(conn, "SUM", column.col_ref())
    }
    /// `AVG(column)` over the matching rows, as a float; `None` when there are
    /// none.
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
    /// assert_eq!(Users::all().avg(&conn, Users::AGE)?, Some(32.0));
    /// assert_eq!(Users::filter(Users::AGE.gt(99)).avg(&conn, Users::AGE)?, None);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn avg<T>(&self, conn: &Connection, column: Column<Self::Model, T>) -> Result<Option<f64>> {
        self.as_scope().run_aggregate(conn, "AVG", column.col_ref())
    }
    /// `MIN(column)` over the matching rows; `None` when there are none.
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
    /// assert_eq!(Users::all().min(&conn, Users::AGE)?, Some(25));
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn min<T: FromValue>(
        &self,
        conn: &Connection,
        column: Column<Self::Model, T>,
    ) -> Result<Option<T>> {
        self.as_scope().run_aggregate(conn, "MIN", column.col_ref())
    }
    /// `MAX(column)` over the matching rows; `None` when there are none.
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
    /// assert_eq!(Users::all().max(&conn, Users::NAME)?, Some("cid".to_owned()));
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn max<T: FromValue>(
        &self,
        conn: &Connection,
        column: Column<Self::Model, T>,
    ) -> Result<Option<T>> {
        self.as_scope().run_aggregate(conn, "MAX", column.col_ref())
    }
    /// A full join, without FULL JOIN: the scope's records, and separately the records of
    /// the relation's other side that no record of this model is related to
    /// (a `NOT EXISTS` subquery, so no FULL JOIN is needed on any dialect).
    ///
    /// The scope's conditions apply to both, as they would to a FULL JOIN:
    /// a condition on the other side's columns (`cond("posts.created_at",
    /// Op::Gte, t)`) filters the orphans too, and joins the relation for the
    /// records when the scope has not joined it (with DISTINCT for to-many
    /// relations). For an orphan, this model's columns are NULL.
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
    /// // Every post has its author (foreign keys are enforced): no orphans.
    /// let (users, orphans) = Users::all().full_join_all(&conn, Users::POSTS)?;
    /// assert_eq!((users.len(), orphans.len()), (3, 0));
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn full_join_all<T: Model>(
        &self,
        conn: &Connection,
        rel: Relation<Self::Model, T>,
    ) -> Result<(Vec<Self::Model>, Vec<T>)> {
        let scope = self.as_scope();
        let other = T::TABLE;
        let mentions_other = other != <Self::Model as Model>::TABLE
            && scope.q.conds.iter().any(|c| c.mentions_table(other));
        let joined = scope.q.joins.iter().any(|j| j.joins_table(other));
        let records = if mentions_other && !joined {
            let mut s = scope.clone();
            s.add_join(rel, JoinKind::AsDeclared, None);
            s.q.distinct |= rel.def().kind != crate::relation::RelationKind::BelongsTo;
            s.run_all(conn)?
        } else {
            scope.run_all(conn)?
        };
        let orphans = rel.orphans_of(conn, scope)?;
        Ok((records, orphans))
    }
}

/// The lock of `mode`, keeping the wait policy of `old`.
fn lock(mode: LockMode, old: Option<Lock>) -> Lock {
    Lock {
        mode,
        wait: old.map(|l| l.wait).unwrap_or_default(),
    }
}

/// `old` (or `FOR UPDATE`) with the wait policy `wait`.
fn waiting(wait: LockWait, old: Option<Lock>) -> Lock {
    Lock {
        wait,
        ..old.unwrap_or(Lock {
            mode: LockMode::Update,
            wait,
        })
    }
}
