//! Run-time strings where names belong: `order("created_at DESC")`,
//! `group_by("author_id")`, `select("posts.id AS post_id")`,
//! `count_on("DISTINCT category_id")`. They are read as names, by a strict
//! grammar, never as SQL: each name is checked against the models of the
//! query and quoted when the statement is rendered, and anything else is a
//! typed error before anything is sent. Expressions go through the one raw
//! marker, [`Sql`].

use crate::cond::{Nulls, Order, OrderTarget};
use crate::expr::{ColRef, Sql};

/// What `order`, `reorder`, `group_by`, `select` and `count_on` take: a
/// string, read as names only (a "sort by" parameter taken from a request
/// can be passed as it is), or raw SQL through [`Sql::raw`].
///
/// ```
/// # use orm::prelude::*;
/// # #[derive(Model, Debug)] struct User { id: i64, name: String }
/// let by_name = Users::all().order("name DESC NULLS LAST, id");
/// assert!(by_name.to_sql().unwrap().sql.ends_with(r#"ORDER BY "name" DESC NULLS LAST, "id" ASC"#));
/// // Not a name: a typed error when the scope runs, nothing sent.
/// let evil = Users::all().order("(SELECT 1) --");
/// assert!(matches!(evil.to_sql(), Err(orm::Error::InvalidName { .. })));
/// // An expression is raw SQL, and says so.
/// let by_length = Users::all().order(Sql::raw("length(name) DESC"));
/// assert!(by_length.to_sql().unwrap().sql.ends_with("ORDER BY length(name) DESC"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Terms {
    /// Names, read by the strict grammar of the API taking them.
    Names(String),
    /// Raw SQL, rendered as written.
    Sql(Sql),
}

impl From<&str> for Terms {
    fn from(s: &str) -> Terms {
        Terms::Names(s.to_owned())
    }
}
impl From<String> for Terms {
    fn from(s: String) -> Terms {
        Terms::Names(s)
    }
}
impl From<&String> for Terms {
    fn from(s: &String) -> Terms {
        Terms::Names(s.clone())
    }
}
impl From<Sql> for Terms {
    fn from(s: Sql) -> Terms {
        Terms::Sql(s)
    }
}

/// A term that failed to parse: rendering it is an `InvalidName` error.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BadTerm {
    pub term: String,
    pub reason: &'static str,
}

impl BadTerm {
    pub(crate) fn error(&self) -> crate::Error {
        crate::Error::InvalidName {
            name: self.term.clone(),
            reason: self.reason.to_owned(),
        }
    }
}

/// The comma-separated terms of a list, each without the spaces around it;
/// an empty term (`"a,,b"`, a trailing comma, an empty string) is an error.
fn split_terms(s: &str) -> Vec<Result<&str, BadTerm>> {
    s.split(',')
        .map(|t| {
            let t = t.trim_matches(|c: char| c == ' ' || c == '\t');
            if t.is_empty() {
                Err(BadTerm {
                    term: s.to_owned(),
                    reason: "an empty term in a list of names",
                })
            } else {
                Ok(t)
            }
        })
        .collect()
}

/// Splits a term into its words, separated by spaces or tabs.
fn words(term: &str) -> Vec<&str> {
    term.split([' ', '\t']).filter(|w| !w.is_empty()).collect()
}

/// `ORDER BY` terms: `name` or `table.name`, then optionally `ASC` or
/// `DESC`, then optionally `NULLS FIRST` or `NULLS LAST` (keywords in any
/// case).
pub(crate) fn parse_orders(terms: Terms) -> Vec<Order> {
    let s = match terms {
        Terms::Sql(sql) => {
            return vec![Order {
                target: OrderTarget::Raw(sql),
                descending: false,
                nulls: None,
            }]
        }
        Terms::Names(s) => s,
    };
    split_terms(&s)
        .into_iter()
        .map(|t| t.and_then(parse_order))
        .map(|r| {
            r.unwrap_or_else(|bad| Order {
                target: OrderTarget::Invalid(bad),
                descending: false,
                nulls: None,
            })
        })
        .collect()
}

fn parse_order(term: &str) -> Result<Order, BadTerm> {
    let bad = |reason| BadTerm {
        term: term.to_owned(),
        reason,
    };
    let w = words(term);
    let (name, rest) = w.split_first().ok_or_else(|| bad("an empty term"))?;
    let (descending, rest) = match rest.first() {
        Some(d) if d.eq_ignore_ascii_case("asc") => (false, &rest[1..]),
        Some(d) if d.eq_ignore_ascii_case("desc") => (true, &rest[1..]),
        _ => (false, rest),
    };
    let nulls = match rest {
        [] => None,
        [n, f] if n.eq_ignore_ascii_case("nulls") && f.eq_ignore_ascii_case("first") => {
            Some(Nulls::First)
        }
        [n, l] if n.eq_ignore_ascii_case("nulls") && l.eq_ignore_ascii_case("last") => {
            Some(Nulls::Last)
        }
        _ => {
            return Err(bad(
                "an order term is a column name, then ASC or DESC, then NULLS FIRST or \
                 NULLS LAST; use Sql::raw for an expression",
            ))
        }
    };
    Ok(Order {
        target: OrderTarget::Col(ColRef::parse(name)),
        descending,
        nulls,
    })
}

/// A `GROUP BY` term or a plain selected column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NameTerm {
    /// A column, with an optional alias (`select` only).
    Col(ColRef, Option<String>),
    /// Raw SQL.
    Raw(Sql),
    /// Not a name.
    Invalid(BadTerm),
}

/// `GROUP BY` terms: column names only.
pub(crate) fn parse_group(terms: Terms) -> Vec<NameTerm> {
    parse_names(
        terms,
        false,
        "a GROUP BY term is a column name; use Sql::raw for an expression",
    )
}

/// A select list: `name` or `name AS alias` terms.
pub(crate) fn parse_select(terms: Terms) -> Vec<NameTerm> {
    parse_names(
        terms,
        true,
        "a select term is a column name, optionally followed by AS and an alias; use \
         Sql::raw for an expression",
    )
}

/// A list of column names, each with `AS alias` when `aliases`; anything
/// else is a term refused with `reason`.
fn parse_names(terms: Terms, aliases: bool, reason: &'static str) -> Vec<NameTerm> {
    let s = match terms {
        Terms::Sql(sql) => return vec![NameTerm::Raw(sql)],
        Terms::Names(s) => s,
    };
    split_terms(&s)
        .into_iter()
        .map(|t| match t {
            Err(bad) => NameTerm::Invalid(bad),
            Ok(t) => match words(t)[..] {
                [name] => NameTerm::Col(ColRef::parse(name), None),
                [name, as_, alias] if aliases && as_.eq_ignore_ascii_case("as") => {
                    NameTerm::Col(ColRef::parse(name), Some(alias.to_owned()))
                }
                _ => NameTerm::Invalid(BadTerm {
                    term: t.to_owned(),
                    reason,
                }),
            },
        })
        .collect()
}

/// What `count_on` counts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CountOn {
    /// `COUNT(*)`.
    Rows,
    /// `COUNT([DISTINCT] column)`.
    Col { distinct: bool, col: ColRef },
    /// Raw SQL.
    Raw(Sql),
    /// Not a name.
    Invalid(BadTerm),
}

/// `count_on`'s argument: `*`, `name`, or `DISTINCT name`.
pub(crate) fn parse_count(terms: Terms) -> CountOn {
    let s = match terms {
        Terms::Sql(sql) => return CountOn::Raw(sql),
        Terms::Names(s) => s,
    };
    match words(&s)[..] {
        ["*"] => CountOn::Rows,
        [name] => CountOn::Col {
            distinct: false,
            col: ColRef::parse(name),
        },
        [d, name] if d.eq_ignore_ascii_case("distinct") => CountOn::Col {
            distinct: true,
            col: ColRef::parse(name),
        },
        _ => CountOn::Invalid(BadTerm {
            term: s.clone(),
            reason: "count_on takes *, a column name, or DISTINCT and a column name; use \
                     Sql::raw for an expression",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_parse_strictly() {
        let o = parse_orders("a DESC NULLS LAST, t.b asc,c".into());
        assert_eq!(o.len(), 3);
        assert!(o[0].descending && o[0].nulls == Some(Nulls::Last));
        assert!(matches!(&o[1].target, OrderTarget::Col(c) if c.table.as_deref() == Some("t")));
        for bad in [
            "",
            "a,",
            "a DESC DESC",
            "a; DROP TABLE x",
            "(SELECT 1)",
            "a --",
            "a NULLS",
            "a b",
        ] {
            let o = parse_orders(bad.into());
            assert!(
                o.iter()
                    .any(|o| matches!(o.target, OrderTarget::Invalid(_)))
                    || bad.contains(['(', ';']),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn select_group_and_count() {
        assert!(matches!(
            &parse_select("posts.id AS post_id".into())[0],
            NameTerm::Col(_, Some(a)) if a == "post_id"
        ));
        // A single word is a name, checked against the models when
        // rendered; more words than `name AS alias` are not a term.
        assert!(matches!(
            parse_select("AVG(x) FROM y".into())[0],
            NameTerm::Invalid(_)
        ));
        assert!(matches!(parse_group("a b".into())[0], NameTerm::Invalid(_)));
        assert!(matches!(
            parse_count("DISTINCT category_id".into()),
            CountOn::Col { distinct: true, .. }
        ));
        assert!(matches!(parse_count("*".into()), CountOn::Rows));
        assert!(matches!(
            parse_count("COUNT(*) FROM x".into()),
            CountOn::Invalid(_)
        ));
    }
}
