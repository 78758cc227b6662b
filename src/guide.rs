//! A guide from a first model to a service in production. Each chapter is a
//! module of documentation only; every example in it runs (as a doctest) on
//! embedded SQLite, and the same code runs on PostgreSQL, CockroachDB and
//! MySQL/MariaDB by changing the URL.
//!
//! 1. [`first_model`]: a model, a connection, the schema, saving and finding.
//! 2. [`queries`]: scopes: conditions, order, limits, aggregates, named
//!    scopes.
//! 3. [`relations`]: belongs-to, has-many, many-to-many; joins and include.
//! 4. [`transactions`]: transactions, retries on serialization failures, a
//!    pool.
//! 5. [`lifecycle`]: hooks, timestamps, soft delete, optimistic locking.
//! 6. [`migrations`]: schema plans, versioned migrations, the `orm` tool.
//! 7. [`service`]: the `company` REST service, and what to watch in
//!    production.

pub mod first_model {
    //! # 1. A first model
    //!
    //! A struct with named fields derives [`Model`](crate::Model): its table
    //! is the plural of its name in snake_case (`Account` → `accounts`), its
    //! columns are its fields, and an integer field `id` is the key the
    //! database generates. The derive also makes a *mapper*, `Accounts`,
    //! with a typed constant per column (`Accounts::BALANCE`) and the
    //! starting points of queries.
    //!
    //! ```
    //! use orm::prelude::*;
    //!
    //! #[derive(Model, Debug, Clone, Default, PartialEq)]
    //! struct Account {
    //!     id: i64,
    //!     #[db(unique, size = 40)]
    //!     owner: String,
    //!     balance: i64,
    //!     note: Option<String>, // an Option is a nullable column
    //! }
    //!
    //! // `sqlite::memory:` for a throw-away database; a file, or
    //! // `postgresql://..`, `mysql://..` for the real thing.
    //! let conn = Connection::open("sqlite::memory:")?;
    //! // Creates the table and its unique index; never drops anything.
    //! conn.sync::<Account>()?;
    //!
    //! let mut ann = Account { owner: "ann".into(), balance: 100, ..Default::default() };
    //! ann.save(&conn)?; // an INSERT: the key was unset
    //! assert_eq!(ann.id, 1);
    //! ann.balance += 50;
    //! ann.save(&conn)?; // an UPDATE: it has a key now
    //!
    //! assert_eq!(Accounts::find(&conn, ann.id)?, ann);
    //! assert!(matches!(Accounts::find(&conn, 99), Err(Error::NotFound { .. })));
    //! # Ok::<(), orm::Error>(())
    //! ```
    //!
    //! Errors are values of [`Error`](crate::Error): a duplicate owner is
    //! `Error::UniqueViolation`, a value a column cannot hold exactly is
    //! refused before it is sent (`Error::UnrepresentableValue`), a row that
    //! does not fit the struct is `Error::Decode` naming the column. None of
    //! them breaks the connection.
}

pub mod queries {
    //! # 2. Queries with scopes
    //!
    //! A scope is a query being built: each call returns a new scope, and
    //! a terminal call (`all`, `first`, `count`, `pluck`, `exists`, `sum`,
    //! `update_attribute`, `delete`, ...) runs it. Conditions on typed
    //! columns are checked by the compiler; names given at run time (a
    //! "sort by" parameter) are checked as names and quoted, never pasted as
    //! SQL; values are always bound parameters.
    //!
    //! ```
    //! use orm::prelude::*;
    //!
    //! #[derive(Model, Debug, Clone, Default)]
    //! struct User { id: i64, name: String, age: i32, admin: bool }
    //!
    //! // Named scopes: methods on the model's scope type, also callable
    //! // from the mapper (`Users::adults()`).
    //! #[orm::scopes]
    //! impl UserScope {
    //!     pub fn adults(self) -> Self {
    //!         self.filter(Users::AGE.gte(18))
    //!     }
    //!     pub fn admins(self) -> Self {
    //!         self.filter(Users::ADMIN.eq(true))
    //!     }
    //! }
    //!
    //! let conn = Connection::open("sqlite::memory:")?;
    //! conn.sync::<User>()?;
    //! for (name, age, admin) in [("ann", 31, true), ("bob", 15, false), ("cid", 40, false)] {
    //!     User { name: name.into(), age, admin, ..Default::default() }.save(&conn)?;
    //! }
    //!
    //! let names: Vec<String> = Users::adults().order_by(Users::AGE.desc()).pluck(&conn, Users::NAME)?;
    //! assert_eq!(names, ["cid", "ann"]);
    //! assert_eq!(Users::adults().admins().count(&conn)?, 1);
    //! assert_eq!(Users::all().avg(&conn, Users::AGE)?, Some(86.0 / 3.0));
    //!
    //! // A column named at run time: checked, quoted, or refused.
    //! let sort_by = "name";
    //! let first = Users::all().order(sort_by).first(&conn)?;
    //! assert_eq!(first.map(|u| u.name), Some("ann".to_owned()));
    //! assert!(Users::all().order("name; DROP TABLE users").all(&conn).is_err());
    //!
    //! // SQL written in the program goes through one explicit marker.
    //! let n = Users::all().where_("age BETWEEN ? AND ?", (30, 35)).count(&conn)?;
    //! assert_eq!(n, 1);
    //!
    //! // Bulk writes say which rows; "every row" must be said out loud.
    //! Users::filter(Users::AGE.lt(18)).update_attribute(&conn, Users::AGE, 18)?;
    //! assert!(Users::all().delete(&conn).is_err());
    //! # Ok::<(), orm::Error>(())
    //! ```
}

pub mod relations {
    //! # 3. Relations
    //!
    //! Relation fields are not columns: `BelongsTo<T>` (this table holds
    //! the foreign key), `HasOne<T>` and `HasMany<T>` (the other table
    //! does), `ManyToMany<T>` (through a join table). Each gets a typed
    //! handle on the mapper (`Posts::AUTHOR`) for joins and includes, and an
    //! accessor on the struct. A `BelongsTo` declares a foreign-key
    //! constraint that sync creates.
    //!
    //! ```
    //! use orm::prelude::*;
    //!
    //! #[derive(Model, Debug, Clone, Default)]
    //! struct Author { id: i64, name: String, books: HasMany<Book> }
    //!
    //! #[derive(Model, Debug, Clone, Default)]
    //! struct Book {
    //!     id: i64,
    //!     author_id: i64,
    //!     title: String,
    //!     #[db(on_delete = "cascade")]
    //!     author: BelongsTo<Author>,
    //! }
    //!
    //! let conn = Connection::open("sqlite::memory:")?;
    //! conn.apply(&conn.schema_plan::<(Author, Book)>()?)?; // parents first
    //! let mut le_guin = Author { name: "Le Guin".into(), ..Default::default() };
    //! le_guin.save(&conn)?;
    //! for title in ["The Dispossessed", "The Lathe of Heaven"] {
    //!     let mut b = Book { title: title.into(), ..Default::default() };
    //!     le_guin.books().save(&conn, &mut b)?; // sets author_id
    //! }
    //!
    //! // Include: one query per relation, never one per record.
    //! let authors = Authors::all().include(Authors::BOOKS).all(&conn)?;
    //! assert_eq!(authors[0].books.get().map(<[Book]>::len), Some(2));
    //!
    //! // Joins filter by the other side's columns.
    //! let titles = Books::all()
    //!     .join(Books::AUTHOR)
    //!     .filter(Authors::NAME.eq("Le Guin"))
    //!     .order("title")
    //!     .pluck(&conn, Books::TITLE)?;
    //! assert_eq!(titles.len(), 2);
    //!
    //! // The database keeps the promise of the foreign key.
    //! le_guin.delete(&conn)?;
    //! assert_eq!(Books::count(&conn)?, 0);
    //! # Ok::<(), orm::Error>(())
    //! ```
    //!
    //! A join table with data of its own has a composite key:
    //! `#[db(primary_key)]` on both foreign keys, found by the tuple
    //! (`OrderLines::find(&conn, (order_id, product_id))`).
}

pub mod transactions {
    //! # 4. Transactions, retries and pools
    //!
    //! A transaction commits when its closure returns `Ok` and rolls back on
    //! `Err` or a panic; nested ones are savepoints. Under contention,
    //! databases abort transactions with serialization failures (CockroachDB
    //! often): `retry_transaction` runs the closure again, with backoff, until
    //! it commits or the [`RetryPolicy`](crate::RetryPolicy) gives up, so
    //! the closure must only touch the database through its transaction.
    //!
    //! ```
    //! use orm::prelude::*;
    //!
    //! #[derive(Model, Debug, Clone, Default)]
    //! struct Account { id: i64, balance: i64 }
    //!
    //! fn transfer(conn: &Connection, from: i64, to: i64, amount: i64) -> orm::Result<()> {
    //!     conn.retry_transaction(&RetryPolicy::default(), |tx| {
    //!         let mut a = Accounts::find(tx, from)?;
    //!         let mut b = Accounts::find(tx, to)?;
    //!         if a.balance < amount {
    //!             return Err(Error::invalid("insufficient funds")); // rolls back
    //!         }
    //!         a.balance -= amount;
    //!         b.balance += amount;
    //!         a.save(tx)?;
    //!         b.save(tx)
    //!     })
    //! }
    //!
    //! // A pool hands connections to threads; each goes back when dropped.
    //! let pool = orm::pool("sqlite::memory:", PoolOptions { max_size: 4, ..PoolOptions::default() })?;
    //! let conn = pool.get()?;
    //! conn.sync::<Account>()?;
    //! Accounts::insert_all(&conn, &[Account { id: 1, balance: 100 }, Account { id: 2, balance: 0 }])?;
    //! transfer(&conn, 1, 2, 30)?;
    //! assert!(transfer(&conn, 2, 1, 500).is_err());
    //! assert_eq!(Accounts::pluck(&conn, Accounts::BALANCE)?.iter().sum::<i64>(), 100);
    //! assert_eq!(pool.metrics().in_use, 1);
    //! # Ok::<(), orm::Error>(())
    //! ```
    //!
    //! `cargo run --example bank -- --stress` runs thousands of such
    //! transfers from many threads and checks that no money is created or
    //! lost.
}

pub mod lifecycle {
    //! # 5. Lifecycle: hooks, timestamps, soft delete, locking
    //!
    //! Declared on the fields, applied by every path that writes or reads
    //! the model (record and bulk writes, includes, joins):
    //!
    //! - `#[db(created_at)]` / `#[db(updated_at)]`: set by the clock;
    //! - `#[db(soft_delete)]`: `delete` sets it, queries leave such rows
    //!   out (`with_deleted`, `only_deleted`, `restore`, `hard_delete`);
    //! - `#[db(version)]`: optimistic locking, `Error::StaleRecord` when
    //!   another write came first;
    //! - `#[db(hooks)]` and an `impl Hooks`: `before_save` may veto with
    //!   an error, `after_commit` runs once, after the outermost commit.
    //!
    //! ```
    //! use orm::prelude::*;
    //! use chrono::{DateTime, Utc};
    //!
    //! #[derive(Model, Debug, Clone, Default)]
    //! #[db(hooks)]
    //! struct Doc {
    //!     id: i64,
    //!     title: String,
    //!     #[db(version)]
    //!     version: i64,
    //!     #[db(updated_at)]
    //!     updated_at: Option<DateTime<Utc>>,
    //!     #[db(soft_delete)]
    //!     deleted_at: Option<DateTime<Utc>>,
    //! }
    //!
    //! impl Hooks for Doc {
    //!     fn before_save(&mut self, _conn: &Connection) -> orm::Result<()> {
    //!         if self.title.trim().is_empty() {
    //!             return Err(Error::invalid("a document needs a title"));
    //!         }
    //!         Ok(())
    //!     }
    //! }
    //!
    //! let conn = Connection::open("sqlite::memory:")?;
    //! conn.sync::<Doc>()?;
    //! let mut doc = Doc { title: "draft".into(), ..Default::default() };
    //! doc.save(&conn)?;
    //! assert!(doc.updated_at.is_some());
    //! assert!(Doc { title: " ".into(), ..Default::default() }.save(&conn).is_err());
    //!
    //! // Someone else changes it: our copy is stale.
    //! let mut theirs = Docs::find(&conn, doc.id)?;
    //! theirs.title = "final".into();
    //! theirs.save(&conn)?;
    //! doc.title = "mine".into();
    //! assert!(matches!(doc.save(&conn), Err(Error::StaleRecord { .. })));
    //!
    //! theirs.delete(&conn)?; // soft
    //! assert_eq!(Docs::count(&conn)?, 0);
    //! assert_eq!(Docs::all().with_deleted().count(&conn)?, 1);
    //! # Ok::<(), orm::Error>(())
    //! ```
}

pub mod migrations {
    //! # 6. Schema plans and migrations
    //!
    //! `sync` suits development. In production, review what will change:
    //! [`Connection::schema_plan`](crate::Connection::schema_plan) lists the
    //! changes (tables, columns, indexes, constraints) with their SQL for the
    //! connection's dialect, and the drift it will not fix;
    //! [`migrate::generate`](crate::migrate::generate) saves that plan as a
    //! versioned migration (`up.sql` and `down.sql`) to review and commit;
    //! [`Migrations`](crate::migrate::Migrations) runs the pending ones in
    //! order, each in its own transaction where the database allows it, and
    //! refuses to run when an applied file was edited.
    //!
    //! ```
    //! use orm::prelude::*;
    //! use orm::migrate::{generate, Migrations};
    //!
    //! #[derive(Model, Debug, Default)]
    //! struct Product {
    //!     id: i64,
    //!     #[db(size = 80)]
    //!     name: String,
    //!     #[db(default = 0)]
    //!     stock: i32,
    //! }
    //!
    //! # let dir = std::env::temp_dir().join(format!("orm-guide-{}", std::process::id()));
    //! # let _ = std::fs::remove_dir_all(&dir);
    //! let conn = Connection::open("sqlite::memory:")?;
    //! let folder = generate::<Product>(&conn, &dir, "create_products")?.expect("a change");
    //! let up = std::fs::read_to_string(folder.join("up.sql")).unwrap();
    //! assert!(up.contains("CREATE TABLE \"products\""));
    //!
    //! let migrations = Migrations::from_dir(&dir)?;
    //! assert_eq!(migrations.run(&conn)?.len(), 1);
    //! assert!(conn.schema_plan::<Product>()?.is_empty(), "in line with the model");
    //! assert!(migrations.revert(&conn)?.is_some());
    //! # std::fs::remove_dir_all(&dir).unwrap();
    //! # Ok::<(), orm::Error>(())
    //! ```
    //!
    //! The `orm` tool does the same from the shell: `orm migration generate
    //! <name>`, `orm migration run | revert | redo | status`, `orm schema
    //! print`, and `orm generate models`, which writes model structs for an
    //! existing database. `orm::embed_migrations!("migrations")` compiles
    //! the folder into the binary, to run at start-up.
}

pub mod service {
    //! # 7. A service: the `company` example
    //!
    //! `examples/company` serves the REST contract CockroachDB's example
    //! apps share (customers, products, orders) with orm alone: models with
    //! exact decimals and a key-only join table, the schema planned and
    //! applied at start-up, an order and its lines written in one retrying
    //! transaction, and each kind of error answered with its HTTP status:
    //!
    //! | orm error | status |
    //! | --- | --- |
    //! | `Error::NotFound` | 404 |
    //! | `Error::UniqueViolation`, `Error::ForeignKeyViolation` | 409 |
    //! | `Error::UnrepresentableValue`, `Error::CheckViolation` | 400 |
    //!
    //! ```text
    //! cargo run --all-features --example company -- --addr 'postgresql://root@localhost:26257/company?sslmode=verify-full&sslrootcert=certs/ca.crt&sslcert=certs/client.root.crt&sslkey=certs/client.root.key'
    //! ```
    //!
    //! In production, watch `Pool::metrics` (connections in use, waits,
    //! timeouts), turn on the `tracing` feature for a span per statement,
    //! set a slow-query threshold on connections, and turn on N+1
    //! detection while testing (`PoolOptions::n_plus_one`).
}
