//! Where migrations come from: a folder read at run time, or the same
//! folder embedded in the binary by `orm::embed_migrations!`. Both go
//! through [`Migration::parse`], so they accept and refuse the same layouts.

use std::borrow::Cow;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The dialects a migration file can be written for (`up.<dialect>.sql`).
const DIALECTS: &[&str] = &["sqlite", "postgres", "mysql", "cockroachdb"];

/// Which way a migration runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Up,
    Down,
}

impl Direction {
    fn file_stem(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }
}

/// One versioned migration: a folder `<version>_<name>` holding `up.sql`
/// and (to be revertible) `down.sql`, and, where a dialect needs other SQL,
/// `up.<dialect>.sql` / `down.<dialect>.sql` beside them (`sqlite`,
/// `postgres`, `mysql`, `cockroachdb`; CockroachDB falls back to the
/// PostgreSQL file, every dialect to the plain one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    version: String,
    name: String,
    files: Vec<(String, Cow<'static, str>)>,
}

fn invalid(migration: &str, message: impl Into<String>) -> Error {
    Error::Migration {
        migration: migration.to_owned(),
        message: message.into(),
        source: None,
    }
}

impl Migration {
    /// Reads a migration from its folder name and files (file name, text),
    /// refusing what would be silently ignored: a folder name that is not
    /// `<digits>_<name>`, a file that is not `up`/`down` `[.dialect]` `.sql`,
    /// a migration without `up.sql` for any dialect.
    pub(crate) fn parse(folder: &str, files: Vec<(String, Cow<'static, str>)>) -> Result<Self> {
        let (version, name) = folder.split_once('_').ok_or_else(|| {
            invalid(
                folder,
                "a migration folder is named <version>_<name>, e.g. 20261201093000_create_users",
            )
        })?;
        if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(
                folder,
                "the version (before the first `_`) must be digits, e.g. a UTC timestamp",
            ));
        }
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(invalid(
                folder,
                "the name (after the version) must be letters, digits, `_` or `-`",
            ));
        }
        for (file, _) in &files {
            let parts: Vec<&str> = file.split('.').collect();
            let ok = match parts.as_slice() {
                [stem, "sql"] => matches!(*stem, "up" | "down"),
                [stem, dialect, "sql"] => {
                    matches!(*stem, "up" | "down") && DIALECTS.contains(dialect)
                }
                _ => false,
            };
            if !ok {
                return Err(invalid(
                    folder,
                    format!(
                        "unexpected file {file:?}: a migration holds up.sql, down.sql and \
                         up.<dialect>.sql / down.<dialect>.sql for {}",
                        DIALECTS.join(", ")
                    ),
                ));
            }
        }
        if !files.iter().any(|(f, _)| f.starts_with("up.")) {
            return Err(invalid(folder, "no up.sql"));
        }
        let mut files = files;
        files.sort();
        Ok(Migration {
            version: version.to_owned(),
            name: name.to_owned(),
            files,
        })
    }

    /// The version: the digits before the first `_` of the folder's name.
    /// Migrations run in the order of their versions, compared as numbers.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The name: what follows the version in the folder's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The folder's name, `<version>_<name>`: how errors and reports name
    /// the migration.
    pub fn id(&self) -> String {
        format!("{}_{}", self.version, self.name)
    }

    /// The SQL that runs `dir` on `dialect`, if there is one.
    pub(crate) fn script(&self, dir: Direction, dialect: &str) -> Option<&str> {
        let stem = dir.file_stem();
        let file = |name: String| {
            self.files
                .iter()
                .find(|(f, _)| *f == name)
                .map(|(_, text)| &**text)
        };
        file(format!("{stem}.{dialect}.sql"))
            .or_else(|| {
                (dialect == "cockroachdb")
                    .then(|| file(format!("{stem}.postgres.sql")))
                    .flatten()
            })
            .or_else(|| file(format!("{stem}.sql")))
    }

    /// The order of versions: as numbers (so `9` runs before `10`), without
    /// parsing them (they may be longer than any integer type).
    pub(crate) fn order_key(&self) -> (usize, &str) {
        let v = self.version.trim_start_matches('0');
        (v.len(), v)
    }
}

/// The checksum recorded for a script that ran: SHA-256, in hex. Line
/// endings are normalised, so a checkout that turns `\n` into `\r\n` does
/// not read as an edit.
pub(crate) fn checksum(script: &str) -> String {
    let mut hash = Sha256::new();
    for (i, line) in script.split('\n').enumerate() {
        if i > 0 {
            hash.update(b"\n");
        }
        hash.update(line.strip_suffix('\r').unwrap_or(line).as_bytes());
    }
    hash.finalize()
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 15)]));
            s
        })
}

/// Every migration folder under `dir`, parsed. Files directly in `dir`
/// (a README) and hidden entries are ignored.
pub(crate) fn read_dir(dir: &Path) -> Result<Vec<Migration>> {
    let io = |e: std::io::Error, path: &Path| {
        invalid(&path.display().to_string(), format!("cannot read: {e}"))
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| io(e, dir))? {
        let entry = entry.map_err(|e| io(e, dir))?;
        let path = entry.path();
        let folder = entry.file_name().to_string_lossy().into_owned();
        if folder.starts_with('.') || !path.is_dir() {
            continue;
        }
        let mut files = Vec::new();
        for file in std::fs::read_dir(&path).map_err(|e| io(e, &path))? {
            let file = file.map_err(|e| io(e, &path))?;
            let name = file.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let text = std::fs::read_to_string(file.path()).map_err(|e| io(e, &file.path()))?;
            files.push((name, Cow::Owned(text)));
        }
        out.push(Migration::parse(&folder, files)?);
    }
    Ok(out)
}
