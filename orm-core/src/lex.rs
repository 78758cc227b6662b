//! Reading SQL fragments by a dialect's own lexical rules, so that
//! placeholders are found only in code: never inside a string literal, a
//! quoted identifier or a comment, whatever quoting the dialect has.

/// The lexical rules of a dialect's SQL, as the fragment reader needs them.
/// Each dialect declares its own (see `Dialect::lex_rules`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LexRules {
    /// `"..."` quotes an identifier (SQLite, PostgreSQL); otherwise it is a
    /// string literal (MySQL without `ANSI_QUOTES`).
    pub double_quoted_identifiers: bool,
    /// `` `...` `` quotes an identifier (MySQL, SQLite).
    pub backtick_identifiers: bool,
    /// `[...]` quotes an identifier (SQLite).
    pub bracket_identifiers: bool,
    /// A backslash escapes the next character in string literals (MySQL
    /// unless `NO_BACKSLASH_ESCAPES`).
    pub backslash_escapes: bool,
    /// `E'...'` strings take backslash escapes (PostgreSQL).
    pub escape_strings: bool,
    /// `$tag$ ... $tag$` quotes a string (PostgreSQL).
    pub dollar_quotes: bool,
    /// `/* */` comments nest (PostgreSQL).
    pub nested_comments: bool,
    /// `#` starts a comment to the end of the line (MySQL).
    pub hash_comments: bool,
    /// `--` starts a comment only when followed by whitespace or the end
    /// (MySQL); otherwise `--` always does.
    pub dash_comment_needs_space: bool,
}

impl LexRules {
    /// The SQL standard's rules, which PostgreSQL extends.
    pub const STANDARD: LexRules = LexRules {
        double_quoted_identifiers: true,
        backtick_identifiers: false,
        bracket_identifiers: false,
        backslash_escapes: false,
        escape_strings: false,
        dollar_quotes: false,
        nested_comments: false,
        hash_comments: false,
        dash_comment_needs_space: false,
    };

    /// PostgreSQL's: the standard's with `E'..'` strings, dollar quotes and
    /// nested comments (and `standard_conforming_strings` on, its default
    /// since 9.1).
    pub const POSTGRES: LexRules = LexRules {
        escape_strings: true,
        dollar_quotes: true,
        nested_comments: true,
        ..LexRules::STANDARD
    };
}

/// A piece of a fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// SQL code, without placeholders.
    Code(&'a str),
    /// A string literal, quotes included.
    Literal(&'a str),
    /// A quoted identifier, quotes included.
    Ident(&'a str),
    /// A comment; `true` for a line comment that ran to the end of the
    /// fragment.
    Comment(&'a str, bool),
    /// `?`.
    Positional,
    /// `??`: a literal question mark (PostgreSQL's jsonb operators).
    Question,
    /// `:name`.
    Named(&'a str),
}

/// Splits `sql` into pieces by `rules`, reading `:name` as a placeholder
/// only when `named` is true. An unterminated literal, quoted identifier or
/// block comment is an error: it would swallow what follows the fragment.
pub(crate) fn pieces<'a>(
    sql: &'a str,
    rules: &LexRules,
    named: bool,
) -> Result<Vec<Piece<'a>>, String> {
    let b = sql.as_bytes();
    let n = b.len();
    let mut out = Vec::new();
    let (mut i, mut code) = (0, 0);
    let flush = |out: &mut Vec<Piece<'a>>, from: usize, to: usize| {
        if to > from {
            out.push(Piece::Code(&sql[from..to]));
        }
    };
    while i < n {
        let c = b[i];
        let next = b.get(i + 1).copied();
        let quoted = |start: usize, q: u8, backslash: bool, what: &str| {
            quoted_end(sql, start, q, backslash, what)
        };
        let end = match c {
            b'\'' => {
                let e = quoted(i, b'\'', rules.backslash_escapes, "string literal")?;
                Some((Piece::Literal(&sql[i..e]), e))
            }
            b'E' | b'e'
                if rules.escape_strings
                    && next == Some(b'\'')
                    && (i == 0 || !is_word(b[i - 1])) =>
            {
                let e = quoted(i + 1, b'\'', true, "string literal")?;
                Some((Piece::Literal(&sql[i..e]), e))
            }
            b'"' if rules.double_quoted_identifiers => {
                let e = quoted(i, b'"', false, "quoted identifier")?;
                Some((Piece::Ident(&sql[i..e]), e))
            }
            b'"' => {
                let e = quoted(i, b'"', rules.backslash_escapes, "string literal")?;
                Some((Piece::Literal(&sql[i..e]), e))
            }
            b'`' if rules.backtick_identifiers => {
                let e = quoted(i, b'`', false, "quoted identifier")?;
                Some((Piece::Ident(&sql[i..e]), e))
            }
            b'[' if rules.bracket_identifiers => {
                let e = sql[i..]
                    .find(']')
                    .map(|k| i + k + 1)
                    .ok_or_else(|| format!("unterminated [identifier] in {sql:?}"))?;
                Some((Piece::Ident(&sql[i..e]), e))
            }
            b'-' if next == Some(b'-')
                && (!rules.dash_comment_needs_space
                    || b.get(i + 2)
                        .is_none_or(|c| c.is_ascii_whitespace() || c.is_ascii_control())) =>
            {
                let e = sql[i..].find('\n').map_or(n, |k| i + k);
                Some((Piece::Comment(&sql[i..e], e == n), e))
            }
            b'#' if rules.hash_comments => {
                let e = sql[i..].find('\n').map_or(n, |k| i + k);
                Some((Piece::Comment(&sql[i..e], e == n), e))
            }
            b'/' if next == Some(b'*') => {
                let mut depth = 1;
                let mut j = i + 2;
                while j < n && depth > 0 {
                    if b[j] == b'*' && b.get(j + 1) == Some(&b'/') {
                        depth -= 1;
                        j += 2;
                    } else if rules.nested_comments && b[j] == b'/' && b.get(j + 1) == Some(&b'*') {
                        depth += 1;
                        j += 2;
                    } else {
                        j += 1;
                    }
                }
                if depth > 0 {
                    return Err(format!("unterminated /* comment in {sql:?}"));
                }
                Some((Piece::Comment(&sql[i..j], false), j))
            }
            b'$' if rules.dollar_quotes => match dollar_tag_len(&b[i..]) {
                Some(len) => {
                    let tag = &sql[i..i + len];
                    let body = i + len;
                    let e = sql[body..]
                        .find(tag)
                        .map(|k| body + k + len)
                        .ok_or_else(|| format!("unterminated {tag} string in {sql:?}"))?;
                    Some((Piece::Literal(&sql[i..e]), e))
                }
                None => None,
            },
            b'?' if next == Some(b'?') => Some((Piece::Question, i + 2)),
            b'?' => Some((Piece::Positional, i + 1)),
            b':' if next == Some(b':') => {
                i += 2;
                continue;
            }
            b':' if named
                && next.is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
                && (i == 0 || !is_word(b[i - 1])) =>
            {
                let mut e = i + 1;
                while e < n && is_word(b[e]) {
                    e += 1;
                }
                Some((Piece::Named(&sql[i + 1..e]), e))
            }
            _ => None,
        };
        match end {
            Some((piece, e)) => {
                flush(&mut out, code, i);
                out.push(piece);
                i = e;
                code = e;
            }
            None => i += 1,
        }
    }
    flush(&mut out, code, n);
    Ok(out)
}

/// Splits a script into its statements at each `;` in code (never inside a
/// literal, a quoted identifier or a comment), by `rules`. Statements are
/// trimmed; those holding only comments and whitespace are left out. (A
/// MySQL compound statement with `;` inside `BEGIN .. END` needs a script of
/// its own.)
pub(crate) fn statements<'a>(sql: &'a str, rules: &LexRules) -> Result<Vec<&'a str>, String> {
    let mut out = Vec::new();
    let (mut start, mut has_code) = (0, false);
    let base = sql.as_ptr() as usize;
    for piece in pieces(sql, rules, false)? {
        match piece {
            Piece::Code(code) => {
                let at = code.as_ptr() as usize - base;
                for (k, c) in code.char_indices() {
                    if c == ';' {
                        if has_code {
                            out.push(sql[start..at + k].trim());
                        }
                        (start, has_code) = (at + k + 1, false);
                    } else if !c.is_whitespace() {
                        has_code = true;
                    }
                }
            }
            Piece::Comment(..) => {}
            _ => has_code = true,
        }
    }
    if has_code {
        out.push(sql[start..].trim());
    }
    Ok(out)
}

/// The end of the run quoted by `q` that starts at `start` (doubled quotes,
/// and backslash escapes when `backslash`, stay inside), or an error.
fn quoted_end(
    sql: &str,
    start: usize,
    q: u8,
    backslash: bool,
    what: &str,
) -> Result<usize, String> {
    let b = sql.as_bytes();
    let mut j = start + 1;
    while j < b.len() {
        if backslash && b[j] == b'\\' {
            j += 2;
            continue;
        }
        if b[j] == q {
            if b.get(j + 1) == Some(&q) {
                j += 2;
                continue;
            }
            return Ok(j + 1);
        }
        j += 1;
    }
    Err(format!("unterminated {what} in {sql:?}"))
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

/// Length of a PostgreSQL dollar-quote tag (`$$` or `$tag$`) at the start of
/// `b`, if there is one. `$1` is not a tag.
fn dollar_tag_len(b: &[u8]) -> Option<usize> {
    let mut i = 1;
    while i < b.len() && (b[i].is_ascii_alphabetic() || b[i] == b'_') {
        i += 1;
    }
    (b.get(i) == Some(&b'$')).then_some(i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PG: LexRules = LexRules::POSTGRES;
    const MY: LexRules = LexRules {
        double_quoted_identifiers: false,
        backtick_identifiers: true,
        backslash_escapes: true,
        hash_comments: true,
        dash_comment_needs_space: true,
        ..LexRules::STANDARD
    };
    const LITE: LexRules = LexRules {
        backtick_identifiers: true,
        bracket_identifiers: true,
        ..LexRules::STANDARD
    };

    fn count(sql: &str, r: &LexRules) -> usize {
        pieces(sql, r, false)
            .unwrap()
            .iter()
            .filter(|p| **p == Piece::Positional)
            .count()
    }

    #[test]
    fn placeholders_only_in_code() {
        assert_eq!(count("a = ? AND b = '?' AND \"c?\" = ?", &PG), 2);
        assert_eq!(count("a = ? -- ?\n AND b = ?", &PG), 2);
        assert_eq!(count("a = ? /* ? /* ? */ ? */ AND b = ?", &PG), 2);
        assert_eq!(count("a = ? /* ? /* ? */ AND b = ?", &MY), 2);
        assert_eq!(count("E'\\'?' = ?", &PG), 1);
        assert_eq!(count("'\\' = ?", &PG), 1);
        assert_eq!(count("'\\'?' = ?", &MY), 1);
        assert_eq!(count("$x$ ? $x$ = ?", &PG), 1);
        assert_eq!(count("a = ? # ?\n", &MY), 1);
        assert_eq!(count("a = ? # ?\n", &PG), 2);
        assert_eq!(count("a = 1--?", &MY), 1);
        assert_eq!(count("a = 1-- ?", &MY), 0);
        assert_eq!(count("[a?] = ?", &LITE), 1);
        assert_eq!(count("`a?` = ?", &MY), 1);
        assert_eq!(count("\"a?\" = ?", &MY), 1, "a string on MySQL");
        assert_eq!(count("data ?? 'k' AND a = ?", &PG), 1);
    }

    #[test]
    fn unterminated_runs_are_errors() {
        for bad in ["'abc", "\"abc", "/* x", "$$ x", "E'\\'"] {
            assert!(pieces(bad, &PG, false).is_err(), "{bad}");
        }
        assert!(pieces("`x", &MY, false).is_err());
        assert!(pieces("[x", &LITE, false).is_err());
        assert!(matches!(
            pieces("a -- x", &PG, false).unwrap().last(),
            Some(Piece::Comment(_, true))
        ));
    }

    #[test]
    fn scripts_split_at_semicolons_in_code_only() {
        let script = "CREATE TABLE a (x TEXT DEFAULT ';');\n-- one; two\n/* ; */ \n\
                      INSERT INTO \"a;b\" VALUES ($$;$$); ;  \n-- trailing;\n";
        assert_eq!(
            statements(script, &PG).unwrap(),
            [
                "CREATE TABLE a (x TEXT DEFAULT ';')",
                "-- one; two\n/* ; */ \nINSERT INTO \"a;b\" VALUES ($$;$$)"
            ]
        );
        assert_eq!(statements("SELECT 1", &MY).unwrap(), ["SELECT 1"]);
        assert_eq!(
            statements("# only; a comment\n", &MY).unwrap(),
            Vec::<&str>::new()
        );
        assert!(statements("SELECT 'x;", &PG).is_err());
    }
}
