//! Joins by relation: the JOIN clauses a relation makes.

use crate::cond::Cond;
use crate::model::Model;

use super::{key_name, Relation, RelationKind};

impl<M: Model, T: Model> Relation<M, T> {
    /// Appends the JOIN clauses of this relation to `joins`, `own` naming the
    /// declaring model's table (or alias) and `alias` the other side's.
    pub(crate) fn join_clauses(
        &self,
        kind: JoinKind,
        own: &str,
        alias: Option<&str>,
    ) -> Vec<JoinClause> {
        let other = alias.unwrap_or(T::TABLE).to_owned();
        // The joined model's default filter and soft-delete condition.
        let filter = crate::lifecycle::filter::<T>(crate::lifecycle::Deleted::Exclude)
            .map(|f| Box::new(f.requalified(T::TABLE, &other)));
        let alias = alias.map(str::to_owned);
        let m_key = key_name::<M>();
        let t_key = key_name::<T>();
        match self.def.kind {
            RelationKind::BelongsTo => vec![JoinClause {
                kind,
                table: T::TABLE.into(),
                columns: Some(T::COLUMNS),
                filter: filter.clone(),
                alias,
                on: (
                    other,
                    t_key.into(),
                    own.to_owned(),
                    self.def.foreign_key.into(),
                ),
            }],
            RelationKind::HasOne | RelationKind::HasMany => vec![JoinClause {
                kind,
                table: T::TABLE.into(),
                columns: Some(T::COLUMNS),
                filter: filter.clone(),
                alias,
                on: (
                    other,
                    self.def.foreign_key.into(),
                    own.to_owned(),
                    m_key.into(),
                ),
            }],
            RelationKind::ManyToMany => {
                let through = self.def.through_table(T::TABLE).into_owned();
                let through_alias = match &alias {
                    Some(a) => format!("{a}_{through}"),
                    None => through.clone(),
                };
                let (k1, k2) = self.def.through_keys;
                vec![
                    JoinClause {
                        kind,
                        table: through.clone(),
                        columns: None,
                        filter: None,
                        alias: (through_alias != through).then(|| through_alias.clone()),
                        on: (
                            through_alias.clone(),
                            k1.into(),
                            own.to_owned(),
                            m_key.into(),
                        ),
                    },
                    JoinClause {
                        kind,
                        table: T::TABLE.into(),
                        columns: Some(T::COLUMNS),
                        filter: filter.clone(),
                        alias,
                        on: (other, t_key.into(), through_alias, k2.into()),
                    },
                ]
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
    pub table: String,
    pub alias: Option<String>,
    pub on: (String, String, String, String),
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
