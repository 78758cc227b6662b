//! The `orm` command-line tool: versioned migrations, the database's schema
//! as DDL, and model structs written from an existing database.
//!
//! ```text
//! orm migration generate <name>   a new migration to fill in
//! orm migration run               run the pending migrations
//! orm migration revert            revert the last one
//! orm migration redo              revert the last one and run it again
//! orm migration status            what ran, what is pending, what changed
//! orm schema print                the database's tables as the DDL orm emits
//! orm generate models             Rust models for the database's tables
//! ```
//!
//! The database comes from `--database-url` or `DATABASE_URL`; migrations
//! live in `--migrations-dir` (`ORM_MIGRATIONS_DIR`, default `migrations`).
//!
//! The installed `orm` binary does not know an application's models, so its
//! `migration generate` writes an empty migration. An application that wants
//! migrations generated from the difference between its models and the
//! database gives the tool its models, in a binary of its own
//! (`src/bin/orm.rs`):
//!
//! ```no_run
//! # use orm::prelude::*;
//! # #[derive(Model, Debug)] struct User { id: i64 }
//! # #[derive(Model, Debug)] struct Post { id: i64 }
//! fn main() -> std::process::ExitCode {
//!     orm_cli::main_with::<(User, Post)>()
//! }
//! ```
//!
//! and runs `cargo run --bin orm -- migration generate add_posts`.

mod cli;
mod models;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use orm::{Connection, Result, Schema};

/// Writes a migration from the difference between models and a database.
type Generator = fn(&Connection, &Path, &str) -> Result<Option<PathBuf>>;

/// Runs the tool on the process's arguments, without models: `migration
/// generate` writes an empty migration.
pub fn main() -> ExitCode {
    cli::main(None)
}

/// Runs the tool on the process's arguments, with the models `S` (a model
/// or a tuple of models): `migration generate` writes the difference
/// between them and the database (see [`orm::migrate::generate`]), or an
/// empty migration with `--empty`.
pub fn main_with<S: Schema>() -> ExitCode {
    cli::main(Some(|conn, dir, name| {
        orm::migrate::generate::<S>(conn, dir, name)
    }))
}
