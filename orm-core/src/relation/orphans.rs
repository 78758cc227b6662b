//! Full-join orphans: the records of a relation's other side that nothing
//! relates to, filtered as the orphan rows of a FULL JOIN would be.

use std::borrow::Cow;

use crate::cond::Cond;
use crate::connection::Connection;
use crate::error::Result;
use crate::expr::ColRef;
use crate::model::Model;
use crate::query::{compile, Filter, Item, Select};
use crate::scope::Scope;
use crate::sql::SqlBuilder;

use super::{key_name, Join, JoinClause, JoinKind, Relation, RelationKind};

impl<M: Model, T: Model> Relation<M, T> {
    /// `SELECT 1 FROM M AS orm_related .. WHERE <related to the T row>`: the
    /// rows of `M` related to a row of `T`. `M` is aliased, so that the
    /// outer query may also name it. `filtered`: a row of `M` its default
    /// filter excludes relates to nothing.
    fn related_rows<'a>(&self, dflt: &'a Option<Cond>) -> Select<'a> {
        let col = |table: &str, name: &'static str| ColRef {
            table: Some(Cow::Owned(table.to_owned())),
            name: Cow::Borrowed(name),
        };
        let (m, t) = (M::TABLE, T::TABLE);
        let mut s = Select::from(m, &[Item::One(None)]);
        match self.def.kind {
            RelationKind::BelongsTo => {
                s.alias = Some(REL);
                s.filter.push(Filter::ColsEq(
                    col(REL, self.def.foreign_key),
                    col(t, key_name::<T>()),
                ));
            }
            RelationKind::HasOne | RelationKind::HasMany => {
                s.alias = Some(REL);
                s.filter.push(Filter::ColsEq(
                    col(REL, key_name::<M>()),
                    col(t, self.def.foreign_key),
                ));
            }
            RelationKind::ManyToMany => {
                let through = self.def.through_table(t);
                let (k1, k2) = self.def.through_keys;
                s.more_joins.push(Join::Clause(JoinClause {
                    kind: JoinKind::Inner,
                    table: Cow::Borrowed(m),
                    alias: Some(Cow::Borrowed(REL)),
                    on: (
                        Cow::Borrowed(REL),
                        Cow::Borrowed(key_name::<M>()),
                        through.clone(),
                        Cow::Borrowed(k1),
                    ),
                    columns: None,
                    filter: None,
                }));
                s.filter
                    .push(Filter::ColsEq(col(&through, k2), col(t, key_name::<T>())));
                s.from = crate::query::Source::Table(through);
            }
        }
        s.filter.extend(dflt.iter().map(Filter::Cond));
        s
    }

    /// The records of `T` that no record of `M` is related to.
    pub fn orphans(&self, conn: &Connection) -> Result<Vec<T>> {
        self.orphans_of(conn, &Scope::<M>::default())
    }

    /// The records of `T` that no record of `M` is related to and that
    /// satisfy `scope`'s conditions, as the orphan rows of a FULL JOIN would:
    /// `M`'s columns read as NULL (a `LEFT JOIN` of `M` on a false
    /// condition), so a condition on `T`'s columns filters the orphans and
    /// one on `M`'s columns holds only if it holds for NULL.
    pub(crate) fn orphans_of(&self, conn: &Connection, scope: &Scope<M>) -> Result<Vec<T>> {
        let base = crate::sql::BaseTable {
            table: M::TABLE,
            columns: M::COLUMNS,
        };
        let mut b = SqlBuilder::new(conn.dialect()).with_base(base, true);
        for (name, columns) in [
            (Cow::Borrowed(T::TABLE), Some(T::COLUMNS)),
            (Cow::Borrowed(REL), Some(M::COLUMNS)),
            (self.def.through_table(T::TABLE), None),
        ] {
            b.know(crate::sql::KnownTable { name, columns });
        }
        let filtered = !scope.q.unfiltered;
        // The scope's model as the scope sees it (`with_deleted` too); the
        // other side's soft-deleted rows are no orphans.
        let related_dflt = crate::lifecycle::filter::<M>(scope.q.deleted)
            .filter(|_| filtered)
            .map(|f| f.requalified(M::TABLE, REL));
        let own = crate::lifecycle::filter::<T>(crate::lifecycle::Deleted::Exclude)
            .filter(|_| filtered)
            .map(|f| f.requalified(T::TABLE, T::TABLE));
        let items = [Item::Columns {
            qualifier: Some(T::TABLE),
            columns: T::COLUMNS,
        }];
        let mut s = Select::from(T::TABLE, &items);
        s.as_of = scope.q.as_of.as_ref();
        if !scope.q.conds.is_empty() && M::TABLE != T::TABLE {
            s.more_joins.push(Join::Never { table: M::TABLE });
        }
        s.filter.push(Filter::NotExists(Box::new(
            self.related_rows(&related_dflt),
        )));
        s.filter
            .extend(scope.q.conds.iter().chain(&own).map(Filter::Cond));
        compile::select(&mut b, &s)?;
        let (sql, params) = b.finish();
        let mut found = conn.query_ordered(&sql, &params)?;
        crate::hooks::found(&mut found, conn)?;
        Ok(found)
    }
}

/// The alias of `M` inside the subquery.
const REL: &str = "orm_related";
