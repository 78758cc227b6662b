//! Rendering SQL text and its parameters for one dialect.

use std::borrow::Cow;

use crate::cond::{Cond, Nulls, Op, Order, OrderTarget};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::expr::{Args, ColRef, Expr};
use crate::lex::{LexRules, Piece};
use crate::model::ColumnDef;
use crate::value::Value;

/// The base table of a query, against which unqualified column names are
/// checked and by which they are qualified.
#[derive(Clone, Copy)]
pub(crate) struct BaseTable {
    pub table: &'static str,
    pub columns: &'static [ColumnDef],
}

/// A table (or alias) of the query, against which qualified names are
/// checked: `columns` is `None` for a table without a model (a many-to-many
/// join table), whose names are quoted but not checked.
#[derive(Clone)]
pub(crate) struct KnownTable {
    pub name: Cow<'static, str>,
    pub columns: Option<&'static [ColumnDef]>,
}

/// SQL text and bound parameters under construction.
pub struct SqlBuilder<'d> {
    /// The SQL text so far.
    pub sql: String,
    /// The parameters so far, in placeholder order.
    pub params: Vec<Value>,
    dialect: &'d dyn Dialect,
    base: Option<BaseTable>,
    qualify: bool,
    /// The tables of the query, when its names are checked (a few: kept
    /// inline).
    tables: smallvec::SmallVec<[KnownTable; 4]>,
    /// Whether a raw JOIN may have brought in tables not listed in `tables`
    /// (names qualified by one of them are quoted, not checked).
    open: bool,
    /// Whether text is written and names checked: `false` when only the
    /// parameters are collected, for SQL text already cached by the
    /// statement's shape ([`params_only`](Self::params_only)).
    text: bool,
}

impl<'d> SqlBuilder<'d> {
    /// An empty builder for `dialect`.
    pub fn new(dialect: &'d dyn Dialect) -> Self {
        Self::writing(dialect, true)
    }

    /// A builder that collects the parameters of a statement, in the order
    /// a full rendering binds them, and neither writes its text nor checks
    /// its names: for a statement whose text was rendered (and its names
    /// checked) before, for the same shape. It runs the same code as a
    /// rendering, so the parameters cannot come out in another order.
    pub(crate) fn params_only(dialect: &'d dyn Dialect) -> Self {
        Self::writing(dialect, false)
    }

    fn writing(dialect: &'d dyn Dialect, text: bool) -> Self {
        SqlBuilder {
            sql: if text {
                String::with_capacity(256)
            } else {
                String::new()
            },
            params: Vec::new(),
            dialect,
            base: None,
            qualify: false,
            tables: smallvec::SmallVec::new(),
            open: false,
            text,
        }
    }

    /// The text under construction, for the clauses a dialect writes into
    /// it itself (LIMIT, locks); `None` when only the parameters are
    /// collected ([`params_only`](Self::params_only)): those clauses have
    /// none.
    pub(crate) fn text_mut(&mut self) -> Option<&mut String> {
        self.text.then_some(&mut self.sql)
    }

    /// Whether the builder writes text (see
    /// [`params_only`](Self::params_only)).
    pub(crate) fn writes_text(&self) -> bool {
        self.text
    }

    /// A builder whose column names are checked against `base` (and the
    /// tables added with [`know`](Self::know)), qualified when `qualify`.
    pub(crate) fn with_base(mut self, base: BaseTable, qualify: bool) -> Self {
        self.base = Some(base);
        self.qualify = qualify;
        self.tables.push(KnownTable {
            name: Cow::Borrowed(base.table),
            columns: Some(base.columns),
        });
        self
    }

    /// Adds a table (or alias) of the query, for checking qualified names.
    pub(crate) fn know(&mut self, table: KnownTable) {
        self.tables.push(table);
    }

    /// Whether unqualified columns of the base table are qualified; returns
    /// what it was.
    pub(crate) fn set_qualify(&mut self, qualify: bool) -> bool {
        std::mem::replace(&mut self.qualify, qualify)
    }

    /// Whether unqualified columns of the base table are qualified.
    pub(crate) fn qualifies(&self) -> bool {
        self.qualify
    }

    /// Says a raw JOIN brought in tables that cannot be listed.
    pub(crate) fn open_names(&mut self) {
        self.open = true;
    }

    /// Checks a name given at run time for the dialect: see
    /// [`check_name`].
    pub(crate) fn check_name(&self, name: &str) -> Result<()> {
        if !self.text {
            return Ok(());
        }
        check_name(name, self.dialect.max_identifier_len())
    }

    /// The dialect rendered for.
    pub fn dialect(&self) -> &'d dyn Dialect {
        self.dialect
    }

    /// Appends SQL text.
    pub fn push(&mut self, s: &str) -> &mut Self {
        if self.text {
            self.sql.push_str(s);
        }
        self
    }

    /// Appends a quoted identifier.
    pub fn ident(&mut self, name: &str) -> &mut Self {
        if self.text {
            self.dialect.quote_ident(name, &mut self.sql);
        }
        self
    }

    /// Appends a bound parameter's placeholder and records its value.
    pub fn param(&mut self, v: Value) -> &mut Self {
        self.params.push(v);
        if self.text {
            self.dialect.placeholder(self.params.len(), &mut self.sql);
        }
        self
    }

    /// `col IN (values)`: one array parameter (`col = ANY(?)`, the same
    /// text for any number of values) where the dialect binds arrays, a
    /// list of parameters elsewhere. Empty, it matches nothing.
    pub(crate) fn any_of(&mut self, col: &ColRef, values: &[Value]) -> Result<()> {
        if values.is_empty() {
            self.push("1 = 0");
            return Ok(());
        }
        self.col(col)?;
        if self.dialect.array_params() {
            self.array_param(values.to_vec(), false);
            return Ok(());
        }
        self.push(" IN (");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.param(v.clone());
        }
        self.push(")");
        Ok(())
    }

    /// ` = ANY(?)` (` <> ALL(?)` negated) with `values` bound as one array.
    fn array_param(&mut self, values: Vec<Value>, negated: bool) {
        self.push(if negated { " <> ALL(" } else { " = ANY(" });
        self.param(Value::List(values));
        self.push(")");
    }

    pub(crate) fn col(&mut self, c: &ColRef) -> Result<()> {
        if !self.text {
            // A column has no parameters.
            return Ok(());
        }
        self.check_name(&c.name)?;
        if let Some(t) = &c.table {
            self.check_name(t)?;
            if self.base.is_some() {
                match self.tables.iter().find(|k| k.name == *t) {
                    Some(k)
                        if k.columns
                            .is_some_and(|cols| !cols.iter().any(|d| d.name == c.name)) =>
                    {
                        return Err(Error::UnknownColumn {
                            table: Some(t.to_string()),
                            column: c.name.to_string(),
                        });
                    }
                    Some(_) => {}
                    None if !self.open => {
                        return Err(Error::UnknownTable {
                            table: t.to_string(),
                        })
                    }
                    None => {}
                }
            }
        }
        match &c.table {
            // The base table's own columns are qualified only when the query
            // needs it (joins).
            Some(t) if !self.qualify && self.base.is_some_and(|b| b.table == t) => {}
            Some(t) => {
                self.ident(t);
                self.sql.push('.');
            }
            None => {
                if let Some(base) = self.base {
                    if !base.columns.iter().any(|d| d.name == c.name) {
                        return Err(Error::UnknownColumn {
                            table: Some(base.table.to_owned()),
                            column: c.name.to_string(),
                        });
                    }
                    if self.qualify {
                        self.ident(base.table);
                        self.sql.push('.');
                    }
                }
            }
        }
        self.ident(&c.name);
        Ok(())
    }

    pub(crate) fn expr(&mut self, e: &Expr) -> Result<()> {
        match e {
            Expr::Value(v) => {
                self.param(v.clone());
                Ok(())
            }
            Expr::Col(c) => self.col(c),
            Expr::List(items) => {
                if items.is_empty() {
                    return Err(Error::invalid("an empty list is not an operand"));
                }
                self.push("(");
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.expr(e)?;
                }
                self.push(")");
                Ok(())
            }
            Expr::Sql(f) => self.fragment(&f.sql, &f.args),
        }
    }

    /// Appends a SQL fragment, replacing `?` (positional arguments) or
    /// `:name` (named arguments) by the arguments, read by the dialect's
    /// lexical rules: never inside string literals, quoted identifiers or
    /// comments. `??` is a literal `?`. A positional argument that is a list
    /// (`Vec` or slice of values, [`Expr::List`]) expands to `?, ?, ?`, for
    /// `IN (?)`. A fragment ending in a line comment is followed by a line
    /// break, so the comment cannot swallow what the statement adds after
    /// it; an unterminated literal or comment is an error.
    /// Text with a NUL character is refused here, where raw text enters a
    /// statement: no database takes one, and a driver would report a broken
    /// connection (names refuse control characters; values are bound).
    pub fn fragment(&mut self, sql: &str, args: &Args) -> Result<()> {
        check_no_nul(sql)?;
        let named = matches!(args, Args::Named(_));
        let pieces =
            crate::lex::pieces(sql, self.dialect.lex_rules(), named).map_err(Error::invalid)?;
        let mut next_positional = 0usize;
        let mut ends_in_line_comment = false;
        for piece in pieces {
            ends_in_line_comment = false;
            match piece {
                Piece::Code(t) | Piece::Literal(t) | Piece::Ident(t) => {
                    self.push(t);
                }
                Piece::Comment(t, to_end) => {
                    ends_in_line_comment = to_end;
                    self.push(t);
                }
                Piece::Question => {
                    self.push("?");
                }
                Piece::Positional => {
                    let arg = match args {
                        Args::Positional(v) => v.get(next_positional),
                        Args::None => None,
                        Args::Named(_) => {
                            return Err(Error::invalid(format!(
                                "fragment {sql:?} mixes `?` placeholders with named binds"
                            )))
                        }
                    };
                    let arg = arg.ok_or_else(|| {
                        Error::invalid(format!(
                            "fragment {sql:?} has more `?` placeholders than the {} argument(s) given",
                            positional_len(args)
                        ))
                    })?;
                    self.arg(sql, arg)?;
                    next_positional += 1;
                }
                Piece::Named(name) => {
                    let Args::Named(binds) = args else {
                        unreachable!("named placeholders are read only with named binds")
                    };
                    let arg = binds
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, e)| e)
                        .ok_or_else(|| {
                            Error::invalid(format!("no value given for :{name} in {sql:?}"))
                        })?;
                    self.arg(sql, arg)?;
                }
            }
        }
        if ends_in_line_comment {
            self.sql.push('\n');
        }
        if let Args::Positional(v) = args {
            if next_positional != v.len() {
                return Err(Error::invalid(format!(
                    "fragment {sql:?} has {next_positional} `?` placeholder(s) but {} argument(s) were given",
                    v.len()
                )));
            }
        }
        Ok(())
    }

    /// Appends one argument of a fragment; a list expands to its items.
    fn arg(&mut self, sql: &str, arg: &Expr) -> Result<()> {
        match arg {
            Expr::List(items) if items.is_empty() => Err(Error::invalid(format!(
                "an empty list is bound to a placeholder of {sql:?}; `IN ()` is not SQL \
                 (use in_list, which handles it)"
            ))),
            Expr::List(items) => {
                for (i, e) in items.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.expr(e)?;
                }
                Ok(())
            }
            e => self.expr(e),
        }
    }

    pub(crate) fn cond(&mut self, c: &Cond) -> Result<()> {
        match c {
            Cond::Cmp { lhs, op, rhs } => {
                if let Expr::Value(Value::Null) = rhs {
                    let negated = match op {
                        Op::Eq => false,
                        Op::Ne => true,
                        _ => {
                            return Err(Error::invalid(format!(
                            "cannot compare with NULL using{}; use eq/ne (IS NULL / IS NOT NULL)",
                            op.sql().trim_end()
                        )))
                        }
                    };
                    return self.cond(&Cond::Null {
                        lhs: lhs.clone(),
                        negated,
                    });
                }
                self.expr(lhs)?;
                self.push(op.sql());
                self.expr(rhs)
            }
            Cond::InSelect {
                lhs,
                column,
                table,
                key,
                value,
            } => {
                self.expr(lhs)?;
                self.push(" IN (SELECT ");
                self.ident(column);
                self.push(" FROM ");
                self.ident(table);
                self.push(" WHERE ");
                self.ident(key);
                self.push(" = ");
                self.param(value.clone());
                self.push(")");
                Ok(())
            }
            Cond::Null { lhs, negated } => {
                self.expr(lhs)?;
                self.push(if *negated { " IS NOT NULL" } else { " IS NULL" });
                Ok(())
            }
            Cond::Between { lhs, low, high } => {
                self.expr(lhs)?;
                self.push(" BETWEEN ");
                self.expr(low)?;
                self.push(" AND ");
                self.expr(high)
            }
            Cond::In { lhs, list, negated } => {
                if list.is_empty() {
                    self.push(if *negated { "1 = 1" } else { "1 = 0" });
                    return Ok(());
                }
                if self.dialect.array_params()
                    && list.len() > ARRAY_AFTER
                    && matches!(lhs, Expr::Col(_))
                    && list.iter().all(|e| matches!(e, Expr::Value(_)))
                {
                    let values = list
                        .iter()
                        .map(|e| match e {
                            Expr::Value(v) => v.clone(),
                            _ => Value::Null,
                        })
                        .collect();
                    self.expr(lhs)?;
                    self.array_param(values, *negated);
                    return Ok(());
                }
                self.expr(lhs)?;
                self.push(if *negated { " NOT IN (" } else { " IN (" });
                for (i, e) in list.iter().enumerate() {
                    if i > 0 {
                        self.push(", ");
                    }
                    self.expr(e)?;
                }
                self.push(")");
                Ok(())
            }
            Cond::Sql { sql, args } => {
                self.push("(");
                self.fragment(sql, args)?;
                self.push(")");
                Ok(())
            }
            Cond::And(v) => self.junction(v, " AND ", "1 = 1"),
            Cond::Or(v) => self.junction(v, " OR ", "1 = 0"),
            Cond::Not(c) => {
                self.push("NOT (");
                self.cond(c)?;
                self.push(")");
                Ok(())
            }
        }
    }

    fn junction(&mut self, v: &[Cond], sep: &str, empty: &str) -> Result<()> {
        if v.is_empty() {
            self.push(empty);
            return Ok(());
        }
        self.push("(");
        for (i, c) in v.iter().enumerate() {
            if i > 0 {
                self.push(sep);
            }
            self.cond(c)?;
        }
        self.push(")");
        Ok(())
    }

    pub(crate) fn order(&mut self, orders: &[Order]) -> Result<()> {
        for (i, o) in orders.iter().enumerate() {
            self.push(if i == 0 { " ORDER BY " } else { ", " });
            match &o.target {
                OrderTarget::Col(c) => {
                    let native = self.dialect.nulls_ordering();
                    if let (Some(n), false) = (o.nulls, native) {
                        // `x IS NULL` sorts false (0) before true (1).
                        self.col(c)?;
                        self.push(match n {
                            Nulls::First => " IS NULL DESC, ",
                            Nulls::Last => " IS NULL ASC, ",
                        });
                    }
                    self.col(c)?;
                    self.push(if o.descending { " DESC" } else { " ASC" });
                    if let (Some(n), true) = (o.nulls, native) {
                        self.push(match n {
                            Nulls::First => " NULLS FIRST",
                            Nulls::Last => " NULLS LAST",
                        });
                    }
                }
                OrderTarget::Raw(s) => self.fragment(&s.sql, &s.args)?,
                OrderTarget::Invalid(bad) => return Err(bad.error()),
            }
        }
        Ok(())
    }

    /// Appends a column read by name (with its alias), or raw SQL.
    pub(crate) fn name_term(&mut self, t: &crate::names::NameTerm) -> Result<()> {
        use crate::names::NameTerm;
        match t {
            NameTerm::Col(c, alias) => {
                self.col(c)?;
                if let Some(a) = alias {
                    self.check_name(a)?;
                    self.push(" AS ");
                    self.ident(a);
                }
                Ok(())
            }
            NameTerm::Raw(sql) => self.fragment(&sql.sql, &sql.args),
            NameTerm::Invalid(bad) => Err(bad.error()),
        }
    }

    /// Appends a comma-separated list of quoted identifiers.
    pub fn ident_list<'a>(&mut self, names: impl IntoIterator<Item = &'a str>) -> &mut Self {
        for (i, n) in names.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.ident(n);
        }
        self
    }

    /// The finished SQL and parameters.
    pub fn finish(self) -> (String, Vec<Value>) {
        (self.sql, self.params)
    }
}

fn positional_len(args: &Args) -> usize {
    match args {
        Args::Positional(v) => v.len(),
        _ => 0,
    }
}

/// The longest list of a scope's `in_list` sent as an `IN (..)` list of
/// parameters on a dialect with array parameters; a longer one is one
/// array (`= ANY($1)`). Short lists stay `IN` lists: the server plans them
/// for their values, where a prepared `= ANY($1)` gets a generic plan,
/// which with an `ORDER BY` can be much slower (an index scan in key order
/// over every row, measured on the include benchmark when its queries were
/// ordered). Includes, which do not order on such dialects, always send
/// one array ([`SqlBuilder::any_of`]).
pub(crate) const ARRAY_AFTER: usize = 1000;

/// Refuses SQL text (a raw fragment, a literal) with a NUL character: no
/// database takes one, and a driver would report a broken connection.
pub(crate) fn check_no_nul(sql: &str) -> Result<()> {
    if sql.as_bytes().contains(&0) {
        return Err(Error::invalid(
            "the SQL text holds a NUL character, which no database accepts",
        ));
    }
    Ok(())
}

/// Checks a name given at run time (a column, a table or an alias): it
/// must be non-empty, without surrounding whitespace or any control
/// character (NUL included), and at most `max_len` bytes (the dialect's
/// limit: PostgreSQL silently truncates longer names). It is then quoted,
/// so any other character is safe.
pub(crate) fn check_name(name: &str, max_len: Option<usize>) -> Result<()> {
    // The usual name, printable ASCII without a space at either end, in a
    // single pass over its bytes (the checks below decode characters and
    // trim Unicode whitespace: about 200 instructions per name).
    let bytes = name.as_bytes();
    if let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) {
        if first != b' '
            && last != b' '
            && bytes.iter().all(|b| (b' '..=b'~').contains(b))
            && max_len.is_none_or(|max| bytes.len() <= max)
        {
            return Ok(());
        }
    }
    let bad = |reason: String| {
        Err(Error::InvalidName {
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() {
        return bad("a name cannot be empty".into());
    }
    if name.trim() != name {
        return bad("a name cannot start or end with whitespace".into());
    }
    if name.chars().any(char::is_control) {
        return bad("a name cannot hold control characters".into());
    }
    if let Some(max) = max_len {
        if name.len() > max {
            return bad(format!(
                "{} bytes is longer than the {max} the database keeps",
                name.len()
            ));
        }
    }
    Ok(())
}

/// Whether a SQL fragment names a column: an identifier that is not a SQL
/// keyword of constant expressions nor a function name (a name followed by
/// `(`), a quoted identifier, or an argument that is a column. Literals and
/// comments (by `rules`) are skipped. Used to tell conditions that depend on
/// the row from constants such as `1 = 1`; a fragment that cannot be read
/// counts as naming none (the guard then refuses it).
pub(crate) fn fragment_names_column(sql: &str, args: &Args, rules: &LexRules) -> bool {
    const CONSTANT_WORDS: &[&str] = &[
        "and",
        "or",
        "not",
        "is",
        "null",
        "true",
        "false",
        "in",
        "between",
        "like",
        "case",
        "when",
        "then",
        "else",
        "end",
        "as",
        "current_date",
        "current_time",
        "current_timestamp",
        "localtime",
        "localtimestamp",
        "unknown",
    ];
    let arg_names_column = match args {
        Args::None => false,
        Args::Positional(v) => v.iter().any(|e| e.names_column(rules)),
        Args::Named(v) => v.iter().any(|(_, e)| e.names_column(rules)),
    };
    if arg_names_column {
        return true;
    }
    let Ok(pieces) = crate::lex::pieces(sql, rules, matches!(args, Args::Named(_))) else {
        return false;
    };
    let mut rest_of_code = pieces.iter().filter_map(|p| match p {
        Piece::Code(t) => Some(*t),
        _ => None,
    });
    if pieces.iter().any(|p| matches!(p, Piece::Ident(_))) {
        return true;
    }
    rest_of_code.any(|code| {
        let b = code.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c.is_ascii_digit() {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                    i += 1;
                }
            } else if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80)
                {
                    i += 1;
                }
                let word = &code[start..i];
                let rest = code[i..].trim_start();
                // A literal's prefix (`x'ab'`, `E'..'`, `N'..'`) ends the
                // code piece right before the literal.
                let is_prefix = rest.is_empty() && i == b.len() && word.len() == 1;
                if !rest.starts_with('(')
                    && !is_prefix
                    && !CONSTANT_WORDS.iter().any(|k| k.eq_ignore_ascii_case(word))
                {
                    return true;
                }
            } else {
                i += 1;
            }
        }
        false
    })
}

/// Whether a SQL fragment's text names `table` as a qualifier (`table.` or
/// a quoted `"table".`), ASCII-case-insensitively; conservative.
pub(crate) fn fragment_mentions_table(sql: &str, table: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    let t = table.to_ascii_lowercase();
    [format!("{t}."), format!("\"{t}\"."), format!("`{t}`.")]
        .iter()
        .any(|p| {
            lower.match_indices(p.as_str()).any(|(i, _)| {
                i == 0
                    || !lower.as_bytes()[i - 1].is_ascii_alphanumeric()
                        && lower.as_bytes()[i - 1] != b'_'
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::AnsiDialect;
    use crate::expr::IntoArgs;

    fn render(sql: &str, args: impl IntoArgs) -> Result<(String, Vec<Value>)> {
        let mut b = SqlBuilder::new(&AnsiDialect);
        b.fragment(sql, &args.into_args())?;
        Ok(b.finish())
    }

    #[test]
    fn placeholders_skip_literals_identifiers_and_comments() {
        let (sql, params) = render(
            "a = ? AND b = '?' AND \"c?\" = ? -- ?\n AND d = /* ? */ ? AND e::text = $$?$$",
            (1, 2, 3),
        )
        .unwrap();
        assert_eq!(
            sql,
            "a = $1 AND b = '?' AND \"c?\" = $2 -- ?\n AND d = /* ? */ $3 AND e::text = $$?$$"
        );
        assert_eq!(params.len(), 3);
    }

    #[test]
    fn count_mismatch_is_an_error() {
        assert!(render("a = ? AND b = ?", (1,)).is_err());
        assert!(render("a = ?", (1, 2)).is_err());
    }

    #[test]
    fn named_binds() {
        let (sql, params) = render(
            "a = :x OR b = :x OR c = ':x'",
            crate::expr::named([("x", Value::Int(1))]),
        )
        .unwrap();
        assert_eq!(sql, "a = $1 OR b = $2 OR c = ':x'");
        assert_eq!(params, vec![Value::Int(1), Value::Int(1)]);
        assert!(render("a = :y", crate::expr::named([("x", Value::Int(1))])).is_err());
    }

    #[test]
    fn names_checked_alike_on_both_paths() {
        for ok in ["id", "user id", "a\"b", "名前", "x\u{a0}y", "~"] {
            assert!(check_name(ok, Some(63)).is_ok(), "{ok:?}");
        }
        for bad in [
            "",
            " a",
            "a ",
            "\ta",
            "a\n",
            "a\u{0}b",
            "a\u{7f}",
            "a\u{85}b",
            "\u{2003}a",
            "a\u{3000}",
        ] {
            assert!(
                matches!(check_name(bad, Some(63)), Err(Error::InvalidName { .. })),
                "{bad:?}"
            );
        }
        assert!(check_name(&"a".repeat(63), Some(63)).is_ok());
        assert!(check_name(&"a".repeat(64), Some(63)).is_err());
        assert!(check_name(&"é".repeat(32), Some(63)).is_err());
        assert!(check_name(&"a".repeat(64), None).is_ok());
    }

    /// A builder that only collects parameters collects exactly those a
    /// full rendering binds, in its order, whatever the conditions hold:
    /// what the scope shape cache relies on.
    #[test]
    fn params_only_collects_what_a_rendering_binds() {
        use crate::cond::Cond;
        use crate::expr::{ColRef, Expr};
        let col = |n: &'static str| {
            Expr::Col(ColRef {
                table: None,
                name: n.into(),
            })
        };
        let v = |x: i64| Expr::Value(Value::Int(x));
        let conds = [
            Cond::Cmp {
                lhs: col("a"),
                op: Op::Eq,
                rhs: v(1),
            },
            Cond::Cmp {
                lhs: col("b"),
                op: Op::Eq,
                rhs: Expr::Value(Value::Null),
            },
            Cond::Or(vec![
                Cond::Between {
                    lhs: col("c"),
                    low: v(2),
                    high: v(3),
                },
                Cond::Not(Box::new(Cond::In {
                    lhs: col("d"),
                    list: (4..40).map(v).collect(),
                    negated: true,
                })),
            ]),
            Cond::sql("e = ? OR f IN (?)", (5, vec![6, 7])),
            Cond::InSelect {
                lhs: col("g"),
                column: "x".into(),
                table: "j".into(),
                key: "y".into(),
                value: Value::Int(8),
            },
        ];
        // PostgreSQL's array parameters take the same path, checked by
        // the debug assertion of every cached scope in the integration tests.
        let mut full = SqlBuilder::new(&AnsiDialect);
        let mut only = SqlBuilder::params_only(&AnsiDialect);
        for c in &conds {
            full.cond(c).unwrap();
            only.cond(c).unwrap();
        }
        assert!(!full.sql.is_empty() && only.sql.is_empty());
        assert_eq!(full.params.len(), 43);
        assert_eq!(full.params, only.params);
    }
}
