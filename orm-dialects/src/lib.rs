//! Database drivers for `orm`, each behind a cargo feature:
//!
//! - `sqlite` (default): embedded SQLite through `rusqlite`, with SQLite
//!   compiled in, so nothing has to be installed.
//! - `postgres`: PostgreSQL and CockroachDB through the `postgres` crate
//!   (libpq-style URLs, TLS with client certificates through OpenSSL).
//! - `mysql`: MySQL and MariaDB through the `mysql` crate (TLS through
//!   rustls).
//!
//! Each dialect is one module implementing [`Dialect`](orm_core::Dialect)
//! (its SQL) and [`Backend`](orm_core::driver::Backend) (its driver).
#![warn(missing_docs)]

use orm_core::driver::unknown_scheme;
use orm_core::driver::{registered_dialect, DriverConnection};
use orm_core::{Connection, Error, Pool, PoolOptions, Result};

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod cache;
#[cfg(feature = "mysql")]
pub mod mysql;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
pub mod sqlite;
pub mod url;

/// Opens a connection from a URL; the dialect comes from the scheme:
/// `sqlite::memory:`, `sqlite://relative/path.db`, `sqlite:///absolute/path.db`
/// (see [`sqlite::open`] for options). Schemes registered with
/// [`orm_core::driver::register_dialect`] take precedence.
pub fn open(url: &str) -> Result<Connection> {
    let scheme = url.split(':').next().unwrap_or_default();
    if let Some(opener) = registered_dialect(scheme) {
        return Ok(<Connection as DriverConnection>::from_backend(opener(url)?));
    }
    match scheme {
        #[cfg(feature = "sqlite")]
        "sqlite" => sqlite::open(url),
        #[cfg(not(feature = "sqlite"))]
        "sqlite" => Err(not_built(scheme, "sqlite")),
        #[cfg(feature = "postgres")]
        "postgres" | "postgresql" | "cockroachdb" => postgres::open(url),
        #[cfg(not(feature = "postgres"))]
        "postgres" | "postgresql" | "cockroachdb" => Err(not_built(scheme, "postgres")),
        #[cfg(feature = "mysql")]
        "mysql" | "mariadb" => mysql::open(url),
        #[cfg(not(feature = "mysql"))]
        "mysql" | "mariadb" => Err(not_built(scheme, "mysql")),
        _ => Err(unknown_scheme(url)),
    }
}

/// A table's columns read from a catalogue, `None` when it has none (no
/// such table).
#[allow(dead_code)]
pub(crate) fn columns_of<R>(
    rows: Vec<R>,
    column: impl FnMut(R) -> orm_core::DbColumn,
) -> Option<Vec<orm_core::DbColumn>> {
    (!rows.is_empty()).then(|| rows.into_iter().map(column).collect())
}

/// Foreign keys from catalogue rows of (constraint, column, referenced
/// table, referenced column).
#[allow(dead_code)] // not every build has a server catalogue
pub(crate) fn foreign_keys_of(
    rows: Vec<(String, String, String, String, String, String)>,
) -> Vec<orm_core::DbForeignKey> {
    use orm_core::ReferentialAction as A;
    rows.into_iter()
        .map(
            |(name, column, references, referenced_column, on_delete, on_update)| {
                orm_core::DbForeignKey {
                    name: Some(name),
                    column,
                    references,
                    referenced_column,
                    on_delete: A::from_sql(&on_delete),
                    on_update: A::from_sql(&on_update),
                }
            },
        )
        .collect()
}

#[allow(dead_code)]
fn not_built(scheme: &str, feature: &str) -> Error {
    Error::InvalidUrl(format!(
        "the {scheme} dialect is not available in this build of orm: enable the `{feature}` feature"
    ))
}

/// `Connection::open(url)`: opens a connection, the dialect chosen by the
/// URL's scheme. In `orm::prelude`.
pub trait Open: Sized {
    /// Opens a connection. See [`open`].
    fn open(url: &str) -> Result<Self>;
}

impl Open for Connection {
    fn open(url: &str) -> Result<Connection> {
        open(url)
    }
}

/// `Pool::open(url)`: a pool with the default [`PoolOptions`].
impl Open for Pool {
    fn open(url: &str) -> Result<Pool> {
        pool(url, PoolOptions::default())
    }
}

/// A pool of connections to `url`. The first connection is opened at once,
/// so a bad URL or an unreachable server fails here. On `sqlite::memory:`
/// the pool's connections share one in-memory database, which lives as long
/// as the pool.
pub fn pool(url: &str, options: PoolOptions) -> Result<Pool> {
    #[cfg(feature = "sqlite")]
    if registered_dialect("sqlite").is_none() && sqlite::is_memory_url(url) {
        return sqlite::memory_pool(url, options);
    }
    let url = url.to_owned();
    Pool::new(options, move || open(&url))
}

/// A pool of connections to the primary at `primary`, whose plain reads go
/// to the replicas at `replicas` (see [`Pool::with_replicas`] for what runs
/// where). Each replica has a pool of its own, sized by `options`; a
/// replica need not be up when this is called ([`Pool::new_lazy`]: its
/// connections are opened in the background and when reads need them),
/// the primary must be.
///
/// ```no_run
/// use orm::{PoolOptions, ReadRouting};
/// let pool = orm::replicated_pool(
///     "postgresql://app@db1/app",
///     &["postgresql://app@db2/app", "postgresql://app@db3/app"],
///     PoolOptions::default(),
///     ReadRouting::default(),
/// )?;
/// # Ok::<(), orm::Error>(())
/// ```
pub fn replicated_pool(
    primary: &str,
    replicas: &[&str],
    options: PoolOptions,
    routing: orm_core::ReadRouting,
) -> Result<Pool> {
    let replicas = replicas.iter().map(|url| {
        let url = (*url).to_owned();
        Pool::new_lazy(options.clone(), move || open(&url))
    });
    let replicas: Vec<Pool> = replicas.collect();
    Ok(pool(primary, options)?.with_replicas(replicas, routing))
}
