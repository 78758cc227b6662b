//! Mappers: the per-model entry points (`Users::all()`, `Users::find(..)`).

use crate::cond::{Cond, Order};
use crate::connection::Connection;
use crate::error::Result;
use crate::expr::IntoArgs;
use crate::model::Model;
use crate::schema::SyncReport;
use crate::scope::{Scope, Scoped};

type ScopeOf<M> = <M as Model>::Scope;

/// A model's mapper: starts scopes and runs table-wide operations. The
/// derive implements it for a unit struct named after the table
/// (`User` → `Users`); every method has a default.
pub trait Mapper: crate::__private::Sealed {
    /// The model mapped.
    type Model: Model;

    /// A scope of every row.
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
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn all() -> ScopeOf<Self::Model> {
        <ScopeOf<Self::Model>>::from_scope(Scope::default())
    }
    /// A scope with a SQL condition (`?` or `:name` placeholders).
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
    /// assert_eq!(Users::where_("age BETWEEN ? AND ?", (30, 35)).count(&conn)?, 1);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn where_(fragment: impl Into<crate::Sql>, args: impl IntoArgs) -> ScopeOf<Self::Model> {
        Self::all().where_(fragment, args)
    }
    /// A scope with a condition.
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
    /// let over_30 = Users::filter(Users::AGE.gt(30)).count(&conn)?;
    /// assert_eq!(over_30, 2);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn filter(cond: Cond) -> ScopeOf<Self::Model> {
        Self::all().filter(cond)
    }
    /// A scope with `column = value`, the column named at run time.
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
    /// assert_eq!(Users::equal_to("name", "cid").count(&conn)?, 1);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn equal_to(column: &str, value: impl crate::cond::IntoDynOperand) -> ScopeOf<Self::Model> {
        Self::all().equal_to(column, value)
    }
    /// A scope with `column op value`, the column named at run time.
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
    /// assert_eq!(Users::cond("age", Op::Gte, 31).count(&conn)?, 2);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn cond(
        column: &str,
        op: crate::cond::Op,
        value: impl crate::cond::IntoDynOperand,
    ) -> ScopeOf<Self::Model> {
        Self::all().cond(column, op, value)
    }
    /// A grouped scope (`"author_id"`).
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
    /// assert_eq!(Posts::group_by("user_id").count(&conn)?, 3);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn group_by(terms: impl Into<crate::Terms>) -> ScopeOf<Self::Model> {
        Self::all().group_by(terms)
    }
    /// A scope skipping `n` rows.
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
    /// let last = Users::offset(2).order("age").first(&conn)?;
    /// assert_eq!(last.map(|u| u.name), Some("cid".to_owned()));
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn offset(n: u64) -> ScopeOf<Self::Model> {
        Self::all().offset(n)
    }
    /// A scope ordered by `terms` (`"created_at DESC"`).
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
    /// let names = Users::order("age").pluck(&conn, Users::NAME)?;
    /// assert_eq!(names, ["bob", "ann", "cid"]);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn order(terms: impl Into<crate::Terms>) -> ScopeOf<Self::Model> {
        Self::all().order(terms)
    }
    /// A scope with a typed order.
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
    /// let names = Users::order_by(Users::NAME.desc()).pluck(&conn, Users::NAME)?;
    /// assert_eq!(names, ["cid", "bob", "ann"]);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn order_by(order: Order) -> ScopeOf<Self::Model> {
        Self::all().order_by(order)
    }
    /// A scope of at most `n` rows.
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
    /// assert_eq!(Users::limit(2).all(&conn)?.len(), 2);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn limit(n: u64) -> ScopeOf<Self::Model> {
        Self::all().limit(n)
    }
    /// The record with this key, or [`Error::NotFound`](crate::Error::NotFound).
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
    /// assert_eq!(ann.name, "ann");
    /// assert!(matches!(Users::find(&conn, 42), Err(Error::NotFound { .. })));
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn find(conn: &Connection, key: impl Into<<Self::Model as Model>::Key>) -> Result<Self::Model> {
        Scope::<Self::Model>::find_by_key(conn, &key.into())
    }
    /// The first record, if any.
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
    /// assert!(Users::first(&conn)?.is_some());
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn first(conn: &Connection) -> Result<Option<Self::Model>> {
        Self::all().first(conn)
    }
    /// The number of rows.
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
    /// assert_eq!(Posts::count(&conn)?, 3);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn count(conn: &Connection) -> Result<i64> {
        Self::all().count(conn)
    }
    /// `COUNT(expr)` over the table, e.g. `"DISTINCT category_id"`.
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
    /// assert_eq!(Posts::count_on(&conn, "DISTINCT user_id")?, 3);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn count_on(conn: &Connection, on: impl Into<crate::Terms>) -> Result<i64> {
        Self::all().count_on(conn, on)
    }
    /// Whether the table has any row.
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
    /// assert!(Users::exists(&conn)?);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn exists(conn: &Connection) -> Result<bool> {
        Self::all().exists(conn)
    }
    /// Every record of the table.
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
    /// let users = Users::load_all(&conn)?;
    /// assert_eq!(users.len(), 3);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn load_all(conn: &Connection) -> Result<Vec<Self::Model>> {
        crate::scope::Scope::<Self::Model>::load_all(conn)
    }
    /// The values of one typed column, or of a tuple of columns, of every row.
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
    /// let mut ages = Users::pluck(&conn, Users::AGE)?;
    /// ages.sort();
    /// assert_eq!(ages, [25, 31, 40]);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn pluck<P: crate::scope::PluckColumns<Self::Model>>(
        conn: &Connection,
        columns: P,
    ) -> Result<Vec<P::Output>> {
        Self::all().pluck(conn, columns)
    }
    /// Saves every record in one transaction: all or nothing; generated
    /// keys are written back, and restored if the transaction fails.
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
    /// let mut new = vec![
    ///     User { name: "dee".into(), age: 22, ..Default::default() },
    ///     User { name: "eve".into(), age: 28, ..Default::default() },
    /// ];
    /// Users::save_all(&conn, &mut new)?;
    /// assert!(new.iter().all(|u| u.id > 0), "keys written back");
    /// assert_eq!(Users::count(&conn)?, 5);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn save_all(conn: &Connection, records: &mut [Self::Model]) -> Result<()> {
        crate::persist::save_all(conn, records)
    }
    /// Inserts every record with multi-row INSERT statements, as few as the
    /// dialect's parameter limit allows (several in one transaction);
    /// generated keys are not written back (use `save_all` for that);
    /// returns the rows inserted.
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
    /// let rows: Vec<Post> = (0..10)
    ///     .map(|i| Post { user_id: 1, title: format!("draft {i}"), ..Default::default() })
    ///     .collect();
    /// assert_eq!(Posts::insert_all(&conn, &rows)?, 10);
    /// assert_eq!(Posts::count(&conn)?, 13);
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn insert_all(conn: &Connection, records: &[Self::Model]) -> Result<u64> {
        crate::persist::insert_all(conn, records)
    }
    /// Syncs the table (see [`Connection::sync`]).
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
    /// let report = Users::sync(&conn)?;
    /// assert!(!report.changed(), "the table is already there");
    /// # Ok::<(), orm::Error>(())
    /// ```
    fn sync(conn: &Connection) -> Result<SyncReport> {
        conn.sync::<Self::Model>()
    }
}
