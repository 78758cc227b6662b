//! Which batches may leave a cached prepared statement wrong.
//!
//! The server re-plans a prepared statement by itself when a table it reads
//! changes or `search_path` moves, but the statement keeps the parameter and
//! result types it was prepared with: when those change the server refuses
//! it ("cached plan must not change result type"), which aborts a
//! transaction. `DISCARD ALL` and `DEALLOCATE` drop the server's statements
//! outright. So the driver empties its cache before a batch that may do any
//! of this, and keeps it across the batches a program runs all the time:
//! transaction control, data changes, and settings other than the search
//! path and the role.

/// Whether running `sql` (statements separated by `;`) may change what a
/// cached statement means or drop it: anything but transaction control,
/// `INSERT` / `UPDATE` / `DELETE` / `MERGE` / `TRUNCATE` / `COPY` / `LOCK`,
/// `SHOW`, `LISTEN` / `NOTIFY` / `UNLISTEN`, `ANALYZE` / `VACUUM` /
/// `CHECKPOINT`, and `SET` / `RESET` of a setting other than
/// `search_path`, the role or the session user (or the database, on
/// CockroachDB). A `SELECT`, `WITH`, `CALL` or `DO` may run a function that
/// changes the schema, so it counts as a change, as does text that cannot
/// be read (an unterminated literal or comment).
pub(crate) fn may_invalidate_statements(sql: &str) -> bool {
    // Read without allocating: transaction control runs this on every
    // BEGIN and COMMIT.
    let mut invalidates = false;
    let read = statements(sql, |words| {
        invalidates = !keeps_statements(words);
        !invalidates
    });
    read.is_none() || invalidates
}

/// Longest word compared: `session_authorization`.
const WORD: usize = 24;

/// `w` lower-cased into `buf`; a longer word (no keyword) becomes `"?"`.
fn lower<'b>(w: &str, buf: &'b mut [u8; WORD]) -> &'b str {
    if w.len() > WORD || !w.is_ascii() {
        return "?";
    }
    for (b, c) in buf.iter_mut().zip(w.bytes()) {
        *b = c.to_ascii_lowercase();
    }
    std::str::from_utf8(&buf[..w.len()]).unwrap_or("?")
}

/// The statement with leading `words` (at most [`LEADING_WORDS`]) keeps
/// cached statements valid.
fn keeps_statements(words: &[&str]) -> bool {
    let mut bufs = [[0u8; WORD]; LEADING_WORDS];
    let mut lowered = [""; LEADING_WORDS];
    for ((w, buf), out) in words.iter().zip(bufs.iter_mut()).zip(lowered.iter_mut()) {
        *out = lower(w, buf);
    }
    let w = |i: usize| lowered[i];
    match w(0) {
        // An empty statement (`;;`, or a comment).
        "" => true,
        "begin" | "start" | "commit" | "end" | "rollback" | "abort" | "savepoint" | "release"
        | "prepare" | "insert" | "update" | "delete" | "merge" | "truncate" | "copy" | "lock"
        | "show" | "listen" | "notify" | "unlisten" | "analyze" | "analyse" | "vacuum"
        | "checkpoint" => true,
        "set" | "reset" => {
            let name = match (w(1), w(2)) {
                ("session", "authorization") => return false,
                ("session", "characteristics") => return true,
                // SESSION and LOCAL are scopes.
                ("session" | "local", name) => name,
                (name, _) => name,
            };
            // RESET ALL, RESET ROLE, SET SCHEMA 'x' (the search path), SET
            // DATABASE (CockroachDB).
            !matches!(
                name,
                "" | "all"
                    | "search_path"
                    | "schema"
                    | "role"
                    | "session_authorization"
                    | "database"
            )
        }
        _ => false,
    }
}

/// Words read at the start of each statement.
const LEADING_WORDS: usize = 3;

/// Calls `each` with the leading words of each statement of `sql` (a quoted
/// identifier counts as a word, without its quotes; a word ends at anything
/// else) until it returns `false`, by PostgreSQL's lexical rules: `'..'`
/// and `E'..'` strings, `"..."` identifiers, `$tag$..$tag$` strings, `--`
/// and nested `/* */` comments. `None` if a literal or comment is
/// unterminated.
fn statements(sql: &str, mut each: impl FnMut(&[&str]) -> bool) -> Option<()> {
    let b = sql.as_bytes();
    let n = b.len();
    let is_ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80;
    let mut words = [""; LEADING_WORDS];
    let mut count = 0;
    // Whether the current statement still reads leading words (nothing but
    // words, whitespace and comments seen yet).
    let mut leading = true;
    let mut i = 0;
    while i < n {
        let c = b[i];
        let next = b.get(i + 1).copied();
        match c {
            b';' => {
                if !each(&words[..count]) {
                    return Some(());
                }
                count = 0;
                leading = true;
                i += 1;
            }
            _ if c.is_ascii_whitespace() => i += 1,
            b'-' if next == Some(b'-') => {
                i = sql[i..].find('\n').map_or(n, |k| i + k + 1);
            }
            b'/' if next == Some(b'*') => {
                let mut depth = 0usize;
                loop {
                    if i + 1 >= n {
                        return None;
                    }
                    match (b[i], b[i + 1]) {
                        (b'/', b'*') => {
                            depth += 1;
                            i += 2;
                        }
                        (b'*', b'/') => {
                            depth -= 1;
                            i += 2;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => i += 1,
                    }
                }
            }
            b'\'' => {
                let backslash =
                    i > 0 && matches!(b[i - 1], b'E' | b'e') && (i < 2 || !is_ident(b[i - 2]));
                i = quoted_end(b, i, b'\'', backslash)?;
                leading = false;
            }
            b'"' => {
                let end = quoted_end(b, i, b'"', false)?;
                if leading && count < LEADING_WORDS {
                    words[count] = &sql[i + 1..end - 1];
                    count += 1;
                }
                i = end;
            }
            b'$' if i == 0 || !is_ident(b[i - 1]) => {
                // `$tag$` or `$$` opens a string; `$1` is a parameter.
                let tag_len = b[i + 1..].iter().take_while(|&&c| is_ident(c)).count();
                let close = i + 1 + tag_len;
                if b.get(close) == Some(&b'$') && !b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    let tag = &sql[i..=close];
                    let body = close + 1;
                    i = body + sql[body..].find(tag)? + tag.len();
                } else {
                    i = close;
                }
                leading = false;
            }
            _ if is_ident(c) => {
                let start = i;
                while i < n && (is_ident(b[i]) || b[i] == b'$') {
                    i += 1;
                }
                // An `E'..'` string: the quote comes next.
                if b.get(i) == Some(&b'\'') && i - start == 1 && matches!(c, b'E' | b'e') {
                    continue;
                }
                if leading && count < LEADING_WORDS {
                    words[count] = &sql[start..i];
                    count += 1;
                }
            }
            _ => {
                leading = false;
                i += 1;
            }
        }
    }
    each(&words[..count]);
    Some(())
}

/// The index just past the literal opened by the quote `q` at `start` (a
/// doubled quote stands for itself; with `backslash`, a backslash escapes
/// the next byte), or `None` if it is not closed.
fn quoted_end(b: &[u8], start: usize, q: u8, backslash: bool) -> Option<usize> {
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' if backslash => i += 2,
            c if c == q => {
                if b.get(i + 1) == Some(&q) {
                    i += 2;
                } else {
                    return Some(i + 1);
                }
            }
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_that_keep_the_cache() {
        for sql in [
            "BEGIN",
            "commit",
            "BEGIN TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY",
            "ROLLBACK TO SAVEPOINT orm_sp_1; RELEASE SAVEPOINT orm_sp_1",
            "SAVEPOINT orm_sp_2",
            "SET LOCAL statement_timeout = '5s'",
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ",
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
            "set time zone 'UTC'; RESET statement_timeout",
            "DELETE FROM users; INSERT INTO users (name) VALUES ('a; DROP TABLE x')",
            "UPDATE t SET a = $$ ; CREATE TABLE y $$ -- ; DROP TABLE z\n",
            "TRUNCATE users /* ; ALTER TABLE t /* nested */ ; */ ; ;",
            "INSERT INTO t VALUES (E'\\'; DROP TABLE x; ')",
            "",
        ] {
            assert!(!may_invalidate_statements(sql), "{sql}");
        }
    }

    #[test]
    fn batches_that_empty_the_cache() {
        for sql in [
            "CREATE TABLE t (a INT)",
            "ALTER TABLE t ADD COLUMN b TEXT",
            "DROP SCHEMA s CASCADE",
            "SET search_path TO x",
            "CREATE SCHEMA \"s\"; SET search_path TO \"s\"",
            "BEGIN; SET LOCAL search_path = x",
            "set session search_path = x",
            "SET \"search_path\" TO x",
            "SET SCHEMA 'x'",
            "SET ROLE admin",
            "SET SESSION AUTHORIZATION other",
            "RESET ALL",
            "RESET search_path",
            "DISCARD ALL",
            "DEALLOCATE ALL",
            "SELECT set_config('search_path', 'x', false)",
            "SELECT migrate()",
            "DO $$ BEGIN EXECUTE 'CREATE TABLE t ()'; END $$",
            "USE other",
            "SET DATABASE = other",
            "INSERT INTO t VALUES (1); ALTER TABLE t DROP COLUMN a",
            "INSERT INTO t VALUES ('unterminated); DROP TABLE t",
            "INSERT INTO t VALUES (1) /* unterminated",
            "COMMIT; -- a comment\nCREATE INDEX i ON t (a)",
            "SET",
        ] {
            assert!(may_invalidate_statements(sql), "{sql}");
        }
    }
}
