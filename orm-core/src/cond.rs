//! Conditions, orderings and assignments: the pieces a scope is made of.

use std::borrow::Cow;

use crate::expr::{Args, ColRef, Expr, IntoArgs, IntoOperand};
use crate::lex::LexRules;
use crate::value::Value;

/// A comparison operator: `=`, `<>`, `<`, `<=`, `>`, `>=` (and the others
/// of its variants).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Lte,
    /// `>`
    Gt,
    /// `>=`
    Gte,
    /// `LIKE`
    Like,
}

impl Op {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            Op::Eq => " = ",
            Op::Ne => " <> ",
            Op::Lt => " < ",
            Op::Lte => " <= ",
            Op::Gt => " > ",
            Op::Gte => " >= ",
            Op::Like => " LIKE ",
        }
    }
}

/// A boolean condition. Build them from typed columns
/// (`Users::EMAIL.eq("a@b")`), from [`col`] for a column named at run time,
/// or from a SQL fragment with [`Cond::sql`]; combine them with
/// [`and`](Cond::and), [`or`](Cond::or) and [`not`](Cond::not).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Cond {
    /// `lhs op rhs`; `= NULL` and `<> NULL` render as `IS [NOT] NULL`.
    Cmp {
        /// Left operand.
        lhs: Expr,
        /// Operator.
        op: Op,
        /// Right operand.
        rhs: Expr,
    },
    /// `lhs IN (SELECT "column" FROM "table" WHERE "key" = value)`: the
    /// rows linked through a join table (many-to-many accessors).
    InSelect {
        /// Left operand.
        lhs: Expr,
        /// The selected column of the join table.
        column: Cow<'static, str>,
        /// The join table.
        table: Cow<'static, str>,
        /// The filtered column of the join table.
        key: Cow<'static, str>,
        /// The value `key` must have.
        value: Value,
    },
    /// `lhs IS [NOT] NULL`.
    Null {
        /// Operand.
        lhs: Expr,
        /// `IS NOT NULL` when true.
        negated: bool,
    },
    /// `lhs BETWEEN low AND high`.
    Between {
        /// Operand.
        lhs: Expr,
        /// Lower bound.
        low: Expr,
        /// Upper bound.
        high: Expr,
    },
    /// `lhs [NOT] IN (list)`; an empty list is valid SQL and matches nothing
    /// (everything when negated).
    In {
        /// Operand.
        lhs: Expr,
        /// Candidates.
        list: Vec<Expr>,
        /// `NOT IN` when true.
        negated: bool,
    },
    /// A SQL fragment with `?` or `:name` placeholders, always parenthesised.
    Sql {
        /// The fragment.
        sql: String,
        /// Its arguments.
        args: Args,
    },
    /// All of these.
    And(Vec<Cond>),
    /// Any of these.
    Or(Vec<Cond>),
    /// Not this.
    Not(Box<Cond>),
}

impl Cond {
    /// A SQL fragment condition, with `?` or `:name` placeholders: a
    /// literal written in the program, or [`Sql::raw`](crate::Sql::raw) /
    /// [`Sql::new`](crate::Sql::new) (whose own arguments come first).
    pub fn sql(fragment: impl Into<crate::expr::Sql>, args: impl IntoArgs) -> Cond {
        let f = fragment.into().with_args(args.into_args());
        Cond::Sql {
            sql: f.sql.into_owned(),
            args: f.args,
        }
    }

    /// `self AND other`.
    pub fn and(self, other: Cond) -> Cond {
        match self {
            Cond::And(mut v) => {
                v.push(other);
                Cond::And(v)
            }
            c => Cond::And(vec![c, other]),
        }
    }

    /// `self OR other`.
    pub fn or(self, other: Cond) -> Cond {
        match self {
            Cond::Or(mut v) => {
                v.push(other);
                Cond::Or(v)
            }
            c => Cond::Or(vec![c, other]),
        }
    }

    /// `NOT self`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Cond {
        Cond::Not(Box::new(self))
    }
}

/// An untyped column named at run time, checked against the model's columns
/// when the query runs (unqualified names) or by the database (qualified
/// ones): `col("email").eq("a@b")`.
///
/// ```
/// use orm::col;
/// let c = col("welcomed_at").eq(orm::Value::Null);
/// assert!(matches!(c, orm::Cond::Cmp { .. }));
/// ```
pub fn col(name: &str) -> DynColumn {
    DynColumn(ColRef::parse(name))
}

/// A column named at run time. See [`col`].
#[derive(Debug, Clone, PartialEq)]
pub struct DynColumn(pub(crate) ColRef);

/// Any value or expression, for columns whose type is not known statically.
pub trait IntoDynOperand {
    /// Converts to an expression.
    fn into_dyn_operand(self) -> Expr;
}
impl<T: crate::expr::IntoArg> IntoDynOperand for T {
    fn into_dyn_operand(self) -> Expr {
        self.into_arg()
    }
}

impl DynColumn {
    fn cmp(&self, op: Op, rhs: Expr) -> Cond {
        Cond::Cmp {
            lhs: Expr::Col(self.0.clone()),
            op,
            rhs,
        }
    }
    /// `column = value` (`IS NULL` for a NULL value).
    pub fn eq(&self, v: impl IntoDynOperand) -> Cond {
        self.cmp(Op::Eq, v.into_dyn_operand())
    }
    /// `column <> value` (`IS NOT NULL` for a NULL value).
    pub fn ne(&self, v: impl IntoDynOperand) -> Cond {
        self.cmp(Op::Ne, v.into_dyn_operand())
    }
    /// `column < value`.
    pub fn lt(&self, v: impl IntoDynOperand) -> Cond {
        self.cmp(Op::Lt, v.into_dyn_operand())
    }
    /// `column <= value`.
    pub fn lte(&self, v: impl IntoDynOperand) -> Cond {
        self.cmp(Op::Lte, v.into_dyn_operand())
    }
    /// `column > value`.
    pub fn gt(&self, v: impl IntoDynOperand) -> Cond {
        self.cmp(Op::Gt, v.into_dyn_operand())
    }
    /// `column >= value`.
    pub fn gte(&self, v: impl IntoDynOperand) -> Cond {
        self.cmp(Op::Gte, v.into_dyn_operand())
    }
    /// `column op value`, with the column named at run time.
    pub fn op(&self, op: Op, v: impl IntoDynOperand) -> Cond {
        self.cmp(op, v.into_dyn_operand())
    }
    /// `column IN (...)`.
    pub fn in_list<V: IntoDynOperand>(&self, values: impl IntoIterator<Item = V>) -> Cond {
        Cond::In {
            lhs: Expr::Col(self.0.clone()),
            list: values
                .into_iter()
                .map(IntoDynOperand::into_dyn_operand)
                .collect(),
            negated: false,
        }
    }
    /// `column BETWEEN low AND high`.
    pub fn between(&self, low: impl IntoDynOperand, high: impl IntoDynOperand) -> Cond {
        Cond::Between {
            lhs: Expr::Col(self.0.clone()),
            low: low.into_dyn_operand(),
            high: high.into_dyn_operand(),
        }
    }
    /// `column IS NULL`.
    pub fn is_null(&self) -> Cond {
        Cond::Null {
            lhs: Expr::Col(self.0.clone()),
            negated: false,
        }
    }
    /// `column IS NOT NULL`.
    pub fn is_not_null(&self) -> Cond {
        Cond::Null {
            lhs: Expr::Col(self.0.clone()),
            negated: true,
        }
    }
    /// Ascending order on this column.
    pub fn asc(&self) -> Order {
        Order::column(self.0.clone(), false)
    }
    /// Descending order on this column.
    pub fn desc(&self) -> Order {
        Order::column(self.0.clone(), true)
    }
    /// `SET column = value`, for `update_attributes`.
    pub fn set(&self, v: impl IntoDynOperand) -> Assignment {
        Assignment {
            column: self.0.name.clone(),
            index: None,
            value: v.into_dyn_operand(),
        }
    }
}

impl<T> IntoOperand<T> for DynColumn {
    fn into_operand(self) -> Expr {
        Expr::Col(self.0)
    }
}

/// One term of an ORDER BY: typed (`Users::NAME.desc().nulls_last()`),
/// parsed from names (`order("name DESC")`), or raw SQL
/// (`order(Sql::raw("length(name)"))`).
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub(crate) target: OrderTarget,
    pub(crate) descending: bool,
    pub(crate) nulls: Option<Nulls>,
}

/// Where NULLs sort in an ORDER BY term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nulls {
    /// Before every value.
    First,
    /// After every value.
    Last,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum OrderTarget {
    Col(ColRef),
    /// Raw SQL written by the developer, direction included.
    Raw(crate::expr::Sql),
    /// A string that is not an order term: rendering it is the error.
    Invalid(crate::names::BadTerm),
}

impl Order {
    pub(crate) fn column(col: ColRef, descending: bool) -> Order {
        Order {
            target: OrderTarget::Col(col),
            descending,
            nulls: None,
        }
    }

    /// NULLs first (`NULLS FIRST`, or its equivalent where the database
    /// has no such clause).
    pub fn nulls_first(mut self) -> Order {
        self.nulls = Some(Nulls::First);
        self
    }

    /// NULLs last (`NULLS LAST`, or its equivalent where the database has
    /// no such clause).
    pub fn nulls_last(mut self) -> Order {
        self.nulls = Some(Nulls::Last);
        self
    }
}

/// `column = value` in an UPDATE's SET list.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub(crate) column: Cow<'static, str>,
    pub(crate) index: Option<usize>,
    pub(crate) value: Expr,
}

impl Assignment {
    /// The column assigned.
    pub fn column(&self) -> &str {
        &self.column
    }

    /// The value assigned, if it is a plain value.
    pub fn value(&self) -> Option<&Value> {
        match &self.value {
            Expr::Value(v) => Some(v),
            _ => None,
        }
    }
}

/// What is known of a condition before it runs, for the guard on UPDATE and
/// DELETE: whether it depends on the row at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Depends on each row's values: it may select some rows only.
    Rows,
    /// The same for every row: `Some(true)` matches every row, `Some(false)`
    /// none, `None` one of the two (a constant the database evaluates).
    Constant(Option<bool>),
}

impl Reach {
    /// Whether a filter of this reach may match every row whatever the data.
    pub(crate) fn may_match_every_row(self) -> bool {
        matches!(self, Reach::Constant(Some(true) | None))
    }

    fn not(self) -> Reach {
        match self {
            Reach::Constant(c) => Reach::Constant(c.map(|b| !b)),
            Reach::Rows => Reach::Rows,
        }
    }
}

impl Cond {
    /// Whether the condition refers to `table`'s columns (qualified typed or
    /// run-time columns, or `table.` in a fragment's text).
    pub(crate) fn mentions_table(&self, table: &str) -> bool {
        let expr = |e: &Expr| e.mentions_table(table);
        match self {
            Cond::Cmp { lhs, rhs, .. } => expr(lhs) || expr(rhs),
            Cond::InSelect { lhs, .. } | Cond::Null { lhs, .. } => expr(lhs),
            Cond::Between { lhs, low, high } => expr(lhs) || expr(low) || expr(high),
            Cond::In { lhs, list, .. } => expr(lhs) || list.iter().any(expr),
            Cond::Sql { sql, args } => {
                crate::sql::fragment_mentions_table(sql, table) || args.mentions_table(table)
            }
            Cond::And(v) | Cond::Or(v) => v.iter().any(|c| c.mentions_table(table)),
            Cond::Not(c) => c.mentions_table(table),
        }
    }

    /// This condition with the columns of `table` (qualified by it, or not
    /// qualified) qualified by `name` instead: a default filter applied to
    /// a table joined under an alias. Raw SQL text is left as written.
    pub(crate) fn requalified(&self, table: &str, name: &str) -> Cond {
        let e = |x: &Expr| x.requalified(table, name);
        match self {
            Cond::Cmp { lhs, op, rhs } => Cond::Cmp {
                lhs: e(lhs),
                op: *op,
                rhs: e(rhs),
            },
            Cond::InSelect {
                lhs,
                column,
                table: t,
                key,
                value,
            } => Cond::InSelect {
                lhs: e(lhs),
                column: column.clone(),
                table: t.clone(),
                key: key.clone(),
                value: value.clone(),
            },
            Cond::Null { lhs, negated } => Cond::Null {
                lhs: e(lhs),
                negated: *negated,
            },
            Cond::Between { lhs, low, high } => Cond::Between {
                lhs: e(lhs),
                low: e(low),
                high: e(high),
            },
            Cond::In { lhs, list, negated } => Cond::In {
                lhs: e(lhs),
                list: list.iter().map(e).collect(),
                negated: *negated,
            },
            Cond::Sql { sql, args } => Cond::Sql {
                sql: sql.clone(),
                args: args.requalified(table, name),
            },
            Cond::And(v) => Cond::And(v.iter().map(|c| c.requalified(table, name)).collect()),
            Cond::Or(v) => Cond::Or(v.iter().map(|c| c.requalified(table, name)).collect()),
            Cond::Not(c) => Cond::Not(Box::new(c.requalified(table, name))),
        }
    }

    /// The reach of all of `conds` together (an AND; none matches every row).
    pub(crate) fn reach_all(
        conds: &[Cond],
        nullable: &dyn Fn(&ColRef) -> Option<bool>,
        rules: &LexRules,
    ) -> Reach {
        let mut out = Reach::Constant(Some(true));
        for c in conds {
            match (out, c.reach(nullable, rules)) {
                (_, Reach::Constant(Some(false))) => return Reach::Constant(Some(false)),
                (_, Reach::Rows) => out = Reach::Rows,
                (Reach::Constant(Some(true)), r) => out = r,
                _ => {}
            }
        }
        out
    }

    /// Classifies a condition: does it depend on the row (`Rows`), or is it
    /// a constant? `nullable` tells whether an unqualified or base-table
    /// column may hold NULL (`None`: unknown, treated as nullable), so that
    /// `id IS NOT NULL` on a NOT NULL column counts as matching every row.
    /// Conservative: what cannot be analysed (a raw fragment that names a
    /// column) counts as depending on the row.
    pub(crate) fn reach(
        &self,
        nullable: &dyn Fn(&ColRef) -> Option<bool>,
        rules: &LexRules,
    ) -> Reach {
        match self {
            Cond::Cmp { lhs, rhs, .. } => {
                if !lhs.names_column(rules) && !rhs.names_column(rules) {
                    Reach::Constant(None)
                } else if lhs == rhs {
                    // `a = a`: every row where `a` is not NULL.
                    Reach::Constant(None)
                } else {
                    Reach::Rows
                }
            }
            Cond::InSelect { .. } => Reach::Rows,
            Cond::Null { lhs, negated } => match lhs {
                Expr::Col(c) if nullable(c) == Some(false) => Reach::Constant(Some(*negated)),
                e if !e.names_column(rules) => Reach::Constant(None),
                _ => Reach::Rows,
            },
            Cond::Between { lhs, low, high } => {
                if [lhs, low, high].iter().any(|e| e.names_column(rules)) {
                    Reach::Rows
                } else {
                    Reach::Constant(None)
                }
            }
            Cond::In { lhs, list, negated } => {
                if list.is_empty() {
                    Reach::Constant(Some(*negated))
                } else if lhs.names_column(rules) || list.iter().any(|e| e.names_column(rules)) {
                    Reach::Rows
                } else {
                    Reach::Constant(None)
                }
            }
            Cond::Sql { sql, args } => {
                if crate::sql::fragment_names_column(sql, args, rules) {
                    Reach::Rows
                } else {
                    Reach::Constant(None)
                }
            }
            Cond::And(v) => Cond::reach_all(v, nullable, rules),
            Cond::Or(v) => {
                let mut out = Reach::Constant(Some(false));
                for c in v {
                    match (out, c.reach(nullable, rules)) {
                        (_, Reach::Constant(Some(true))) => return Reach::Constant(Some(true)),
                        // A constant that may be true makes the whole OR
                        // possibly match every row.
                        (_, Reach::Constant(None)) => out = Reach::Constant(None),
                        (Reach::Constant(Some(false)), r) => out = r,
                        _ => {}
                    }
                }
                out
            }
            Cond::Not(c) => c.reach(nullable, rules).not(),
        }
    }
}
