//! Joins by relation: the JOIN clauses a relation makes.

use std::borrow::Cow;

use crate::cond::Cond;
use crate::model::Model;

use super::{key_name, Relation, RelationKind};

impl<M: Model, T: Model> Relation<M, T> {
    /// Hands the JOIN clauses of this relation to `push`, in order, `own`
    /// naming the declaring model's table (or alias) and `alias` the other
    /// side's.
    pub(crate) fn push_joins(
        &self,
        kind: JoinKind,
        own: Cow<'static, str>,
        alias: Option<&str>,
        push: &mut dyn FnMut(Join),
    ) {
        let alias: Option<Cow<'static, str>> = alias.map(|a| Cow::Owned(a.to_owned()));
        let other = alias.clone().unwrap_or(Cow::Borrowed(T::TABLE));
        // The joined model's default filter and soft-delete condition.
        let filter = crate::lifecycle::filter::<T>(crate::lifecycle::Deleted::Exclude)
            .map(|f| Box::new(f.requalified(T::TABLE, &other)));
        let m_key = Cow::Borrowed(key_name::<M>());
        let t_key = Cow::Borrowed(key_name::<T>());
        let fk = Cow::Borrowed(self.def.foreign_key);
        let to_other = |alias, on| JoinClause {
            kind,
            table: Cow::Borrowed(T::TABLE),
            columns: Some(T::COLUMNS),
            filter: filter.clone(),
            alias,
            on,
        };
        match self.def.kind {
            RelationKind::BelongsTo => {
                push(Join::Clause(to_other(alias, (other, t_key, own, fk))));
            }
            RelationKind::HasOne | RelationKind::HasMany => {
                push(Join::Clause(to_other(alias, (other, fk, own, m_key))));
            }
            RelationKind::ManyToMany => {
                let through = self.def.through_table(T::TABLE);
                let through_alias: Cow<'static, str> = match &alias {
                    Some(a) => Cow::Owned(format!("{a}_{through}")),
                    None => through.clone(),
                };
                let (k1, k2) = self.def.through_keys;
                push(Join::Clause(JoinClause {
                    kind,
                    table: through.clone(),
                    columns: None,
                    filter: None,
                    alias: (through_alias != through).then(|| through_alias.clone()),
                    on: (through_alias.clone(), Cow::Borrowed(k1), own, m_key),
                }));
                push(Join::Clause(to_other(
                    alias,
                    (other, t_key, through_alias, Cow::Borrowed(k2)),
                )));
            }
        }
    }
}

/// How a join is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// The relation's default (LEFT OUTER, or INNER with
    /// `#[db(join = "inner")]`).
    AsDeclared,
    /// `INNER JOIN`.
    Inner,
    /// `LEFT OUTER JOIN`.
    Outer,
}

/// One rendered JOIN: `table [AS alias] ON a.x = b.y`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JoinClause {
    pub kind: JoinKind,
    /// Names from the program (a model's, a relation's) are borrowed:
    /// building a join allocates only for aliases made at run time.
    pub table: Cow<'static, str>,
    pub alias: Option<Cow<'static, str>>,
    pub on: (
        Cow<'static, str>,
        Cow<'static, str>,
        Cow<'static, str>,
        Cow<'static, str>,
    ),
    /// The joined model's columns (`None` for a join table).
    pub columns: Option<&'static [crate::model::ColumnDef]>,
    /// The joined model's default filter, qualified by its name in the
    /// query, added to the ON clause.
    pub filter: Option<Box<Cond>>,
}

/// A join of a scope: from a relation, or a raw fragment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Join {
    Clause(JoinClause),
    Raw {
        sql: String,
        args: crate::expr::Args,
    },
    /// `LEFT OUTER JOIN table ON 1 = 0`: the table's columns, all NULL
    /// (full-join orphans).
    Never {
        table: &'static str,
    },
    /// A join that cannot be made; rendering it is the error.
    Invalid(String),
}

impl Join {
    /// Whether this join brings in `table` (under its own name).
    pub(crate) fn joins_table(&self, table: &str) -> bool {
        match self {
            Join::Clause(c) => c.table == table && c.alias.is_none(),
            Join::Raw { sql, .. } => crate::sql::fragment_mentions_table(sql, table),
            Join::Never { .. } | Join::Invalid(_) => false,
        }
    }
}
