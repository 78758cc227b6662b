//! Versioned migrations: reviewed SQL files in a folder, run in order, each
//! recorded with a checksum so that an applied migration cannot be edited
//! unnoticed.
//!
//! ```text
//! migrations/
//!   20261201093000_create_users/
//!     up.sql            -- runs on every dialect without a file of its own
//!     down.sql          -- undoes it (revert, redo)
//!     up.mysql.sql      -- optional: what MySQL / MariaDB runs instead
//!   20261202110000_add_email/
//!     up.sql
//!     down.sql
//! ```
//!
//! The version is the digits before the first `_` (a UTC timestamp when
//! [`generate`] or the `orm` tool writes it); migrations run in the order of
//! their versions. Each runs in its own transaction where the dialect's
//! schema changes are transactional (SQLite, PostgreSQL), together with
//! the row that records it in `orm_migrations`: a failing statement leaves
//! the database as it was and the error names the statement. MySQL and
//! CockroachDB commit schema changes as they go, so there the statements
//! run one by one and a failure reports which ran. A script whose first
//! line is `-- orm:no-transaction` runs outside a transaction everywhere
//! (PostgreSQL's `CREATE INDEX CONCURRENTLY`).
//!
//! Two processes that migrate the same database at once (two instances of
//! an application starting) take turns on PostgreSQL (an advisory lock) and
//! MySQL (`GET_LOCK`): the second finds the migrations applied. SQLite and
//! CockroachDB have no such lock.
//!
//! ```
//! # use orm::prelude::*;
//! # use orm::migrate::Migrations;
//! # let dir = std::env::temp_dir().join(format!("orm-doc-{}", std::process::id()));
//! # let _ = std::fs::remove_dir_all(&dir);
//! # let m = dir.join("20261201093000_create_notes");
//! # std::fs::create_dir_all(&m).unwrap();
//! # std::fs::write(m.join("up.sql"), "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);").unwrap();
//! # std::fs::write(m.join("down.sql"), "DROP TABLE notes;").unwrap();
//! let conn = Connection::open("sqlite::memory:")?;
//! let migrations = Migrations::from_dir(&dir)?;
//! let ran = migrations.run(&conn)?;
//! assert_eq!(ran, ["20261201093000_create_notes"]);
//! assert!(migrations.run(&conn)?.is_empty()); // nothing left to run
//! migrations.revert(&conn)?; // runs down.sql
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), orm::Error>(())
//! ```
//!
//! In an application binary, embed the folder with
//! `orm::embed_migrations!("migrations")` and run it at start-up.

mod generate;
mod history;
mod source;

use std::path::Path;

use chrono::{DateTime, Utc};

pub use generate::{create, generate};
pub use source::Migration;
use source::{checksum, Direction};

use crate::connection::Connection;
use crate::error::{Error, Result};

/// A folder of migrations, read at run time ([`from_dir`](Self::from_dir))
/// or embedded in the binary (`orm::embed_migrations!`), in version order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrations {
    list: Vec<Migration>,
}

/// Where a migration stands on a database.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MigrationState {
    /// Not run yet.
    Pending,
    /// Run, as recorded.
    Applied {
        /// When it ran.
        at: DateTime<Utc>,
    },
    /// Run, but its script has changed since: [`Migrations::run`] refuses
    /// to go on until the file is restored.
    Edited {
        /// When it ran.
        at: DateTime<Utc>,
    },
    /// Recorded as run, but not among these migrations (the database was
    /// migrated by newer code).
    Missing {
        /// When it ran.
        at: DateTime<Utc>,
    },
}

/// One line of [`Migrations::status`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MigrationStatus {
    /// The migration's version.
    pub version: String,
    /// Its name.
    pub name: String,
    /// Where it stands.
    pub state: MigrationState,
}

fn failed(m: &Migration, message: impl Into<String>, source: Option<Error>) -> Error {
    Error::Migration {
        migration: m.id(),
        message: message.into(),
        source: source.map(Box::new),
    }
}

impl Migrations {
    fn new(mut list: Vec<Migration>) -> Result<Self> {
        list.sort_by(|a, b| a.order_key().cmp(&b.order_key()));
        for pair in list.windows(2) {
            if pair[0].order_key() == pair[1].order_key() {
                return Err(failed(
                    &pair[1],
                    format!("version {} is also {}", pair[1].version(), pair[0].id()),
                    None,
                ));
            }
        }
        Ok(Migrations { list })
    }

    /// Reads every migration folder in `dir` (see the [module
    /// documentation](self) for the layout). A folder or file that does not
    /// fit the layout is an error, never skipped.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Self> {
        Self::new(source::read_dir(dir.as_ref())?)
    }

    /// Used by `orm::embed_migrations!`: folders and their files' text.
    #[doc(hidden)]
    pub fn embedded(
        folders: &'static [(&'static str, &'static [(&'static str, &'static str)])],
    ) -> Result<Self> {
        let list = folders
            .iter()
            .map(|(folder, files)| {
                let files = files
                    .iter()
                    .map(|(name, text)| ((*name).to_owned(), (*text).into()))
                    .collect();
                Migration::parse(folder, files)
            })
            .collect::<Result<_>>()?;
        Self::new(list)
    }

    /// The migrations, in version order.
    pub fn list(&self) -> &[Migration] {
        &self.list
    }

    fn find(&self, version: &str) -> Option<&Migration> {
        self.list.iter().find(|m| m.version() == version)
    }

    /// Where each migration stands on `conn`'s database, in version order,
    /// followed by those the database recorded that are not here. Reads
    /// only: a database never migrated shows every migration pending.
    pub fn status(&self, conn: &Connection) -> Result<Vec<MigrationStatus>> {
        let applied = if conn
            .catalogue()
            .table_columns(conn, history::TABLE)?
            .is_some()
        {
            history::applied(conn)?
        } else {
            Vec::new()
        };
        let dialect = conn.dialect().name();
        let mut out: Vec<MigrationStatus> = self
            .list
            .iter()
            .map(|m| {
                let state = match applied.iter().find(|a| a.version == m.version()) {
                    None => MigrationState::Pending,
                    Some(a)
                        if m.script(Direction::Up, dialect).map(checksum).as_deref()
                            == Some(&*a.checksum) =>
                    {
                        MigrationState::Applied { at: a.at }
                    }
                    Some(a) => MigrationState::Edited { at: a.at },
                };
                MigrationStatus {
                    version: m.version().to_owned(),
                    name: m.name().to_owned(),
                    state,
                }
            })
            .collect();
        for a in applied {
            if self.find(&a.version).is_none() {
                out.push(MigrationStatus {
                    version: a.version,
                    name: a.name,
                    state: MigrationState::Missing { at: a.at },
                });
            }
        }
        Ok(out)
    }

    /// Runs every pending migration, in version order, and returns their
    /// ids (`<version>_<name>`). Refuses to run anything when an applied
    /// migration was edited or is missing here. Stops at the first failure
    /// (an [`Error::Migration`] naming the migration and the statement).
    pub fn run(&self, conn: &Connection) -> Result<Vec<String>> {
        self.run_with(conn, |_| {})
    }

    /// [`run`](Self::run), calling `before` with each migration before it
    /// runs (for a progress line).
    pub fn run_with(
        &self,
        conn: &Connection,
        before: impl FnMut(&Migration),
    ) -> Result<Vec<String>> {
        locked(conn, || {
            history::ensure(conn)?;
            self.run_locked(conn, before)
        })
    }

    fn run_locked(
        &self,
        conn: &Connection,
        mut before: impl FnMut(&Migration),
    ) -> Result<Vec<String>> {
        let status = self.status(conn)?;
        for s in &status {
            let id = format!("{}_{}", s.version, s.name);
            let refuse = |message: &str| Error::Migration {
                migration: id.clone(),
                message: message.to_owned(),
                source: None,
            };
            match s.state {
                MigrationState::Edited { .. } => {
                    return Err(refuse(
                        "its script changed after it ran: restore the file, and put the change in a new migration",
                    ))
                }
                MigrationState::Missing { .. } => {
                    return Err(refuse(
                        "the database ran it, but it is not among these migrations (the database was migrated by newer code)",
                    ))
                }
                _ => {}
            }
        }
        let mut ran = Vec::new();
        for (m, s) in self.list.iter().zip(&status) {
            if s.state == MigrationState::Pending {
                before(m);
                execute(conn, m, Direction::Up)?;
                log::info!(target: crate::connection::LOG_TARGET, "migration {} applied", m.id());
                ran.push(m.id());
            }
        }
        Ok(ran)
    }

    /// Reverts the last migration that ran (by version), with its
    /// `down.sql`, and returns its id; `None` when none ran.
    pub fn revert(&self, conn: &Connection) -> Result<Option<String>> {
        locked(conn, || {
            let Some(m) = self.last_applied(conn)? else {
                return Ok(None);
            };
            execute(conn, m, Direction::Down)?;
            log::info!(target: crate::connection::LOG_TARGET, "migration {} reverted", m.id());
            Ok(Some(m.id()))
        })
    }

    /// Reverts the last migration that ran, then runs it again (to try an
    /// edited `up.sql` in development); returns its id.
    pub fn redo(&self, conn: &Connection) -> Result<Option<String>> {
        locked(conn, || {
            let Some(m) = self.last_applied(conn)? else {
                return Ok(None);
            };
            execute(conn, m, Direction::Down)?;
            execute(conn, m, Direction::Up)?;
            Ok(Some(m.id()))
        })
    }

    fn last_applied(&self, conn: &Connection) -> Result<Option<&Migration>> {
        let status = self.status(conn)?;
        let Some(last) = status
            .iter()
            .filter(|s| s.state != MigrationState::Pending)
            .max_by_key(|s| {
                let v = s.version.trim_start_matches('0');
                (v.len(), v.to_owned())
            })
        else {
            return Ok(None);
        };
        match self.find(&last.version) {
            Some(m) => Ok(Some(m)),
            None => Err(Error::Migration {
                migration: format!("{}_{}", last.version, last.name),
                message: "the last migration that ran is not among these migrations: it cannot be reverted from here".into(),
                source: None,
            }),
        }
    }
}

/// Runs `f` holding the dialect's migration lock (when it has one), so that
/// processes migrating the same database at once take turns; released
/// whatever `f` returns.
fn locked<T>(conn: &Connection, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let Some((lock, unlock)) = conn.dialect().migration_lock() else {
        return f();
    };
    let taken: Vec<(Option<i64>,)> = conn.query_all(lock, crate::connection::NO_PARAMS)?;
    if taken.first().and_then(|r| r.0) != Some(1) {
        return Err(Error::Migration {
            migration: history::TABLE.to_owned(),
            message: "another process holds the migration lock (waited for it in vain)".into(),
            source: None,
        });
    }
    let out = f();
    let released: Result<Vec<(Option<i64>,)>> =
        conn.query_all(unlock, crate::connection::NO_PARAMS);
    match (out, released) {
        (Ok(v), Ok(_)) => Ok(v),
        (Ok(_), Err(e)) | (Err(e), _) => Err(e),
    }
}

/// Whether a script asks to run outside a transaction.
fn no_transaction(script: &str) -> bool {
    script
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .and_then(|l| l.strip_prefix("--"))
        .is_some_and(|l| l.trim().eq_ignore_ascii_case("orm:no-transaction"))
}

/// The first line of a statement, for an error message.
fn head(stmt: &str) -> String {
    let line = stmt
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("--"))
        .unwrap_or(stmt);
    let mut end = line.len().min(80);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    if end < line.len() {
        format!("{}...", &line[..end])
    } else {
        line.to_owned()
    }
}

/// Runs one migration's script in `dir` and records (or forgets) it.
fn execute(conn: &Connection, m: &Migration, dir: Direction) -> Result<()> {
    let dialect = conn.dialect();
    let file = match dir {
        Direction::Up => "up.sql",
        Direction::Down => "down.sql",
    };
    let script = m.script(dir, dialect.name()).ok_or_else(|| {
        failed(
            m,
            format!("no {file} (nor one for {})", dialect.name()),
            None,
        )
    })?;
    let statements =
        crate::lex::statements(script, dialect.lex_rules()).map_err(|e| failed(m, e, None))?;
    let transactional = dialect.transactional_ddl() && !no_transaction(script);
    if !transactional && conn.in_transaction() {
        return Err(failed(
            m,
            format!(
                "cannot run inside a transaction: {} commits schema changes as it goes",
                dialect.name()
            ),
            None,
        ));
    }
    let body = |c: &Connection| -> Result<()> {
        for (i, stmt) in statements.iter().enumerate() {
            c.execute_batch(stmt).map_err(|e| {
                let undone = if transactional {
                    "nothing of it was applied".to_owned()
                } else if i == 0 {
                    "no statement before it ran".to_owned()
                } else {
                    format!("statements 1 to {i} ran and were not undone")
                };
                failed(
                    m,
                    format!(
                        "{file}: statement {} of {} failed ({undone}): {}",
                        i + 1,
                        statements.len(),
                        head(stmt)
                    ),
                    Some(e),
                )
            })?;
        }
        match dir {
            Direction::Up => history::record(c, m.version(), m.name(), &checksum(script)),
            Direction::Down => history::forget(c, m.version()),
        }
    };
    if transactional {
        conn.transaction(|tx| body(tx))
    } else {
        body(conn)
    }
}
