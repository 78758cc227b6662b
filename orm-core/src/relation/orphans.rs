//! Full-join orphans: the records of a relation's other side that nothing
//! relates to, filtered as the orphan rows of a FULL JOIN would be.

use std::borrow::Cow;

use crate::connection::Connection;
use crate::error::Result;
use crate::model::Model;
use crate::scope::Scope;
use crate::sql::SqlBuilder;

use super::{key_name, Relation, RelationKind};

impl<M: Model, T: Model> Relation<M, T> {
    /// ` WHERE NOT EXISTS (...)`: the rows of `T` no row of `M` is related
    /// to. `M` is aliased inside the subquery, so that the outer query may
    /// also name it.
    /// `filtered`: a row of `M` its default filter excludes relates to
    /// nothing (and the orphans themselves pass `T`'s, added by the
    /// caller).
    fn orphan_filter(&self, b: &mut SqlBuilder<'_>, filtered: bool) -> Result<()> {
        const REL: &str = "orm_related";
        let (m, t) = (M::TABLE, T::TABLE);
        let col = |b: &mut SqlBuilder<'_>, table: &str, name: &str| {
            b.ident(table);
            b.push(".");
            b.ident(name);
        };
        let related = |b: &mut SqlBuilder<'_>| {
            b.ident(m);
            b.push(" AS ");
            b.ident(REL);
        };
        b.push(" WHERE NOT EXISTS (SELECT 1 FROM ");
        match self.def.kind {
            RelationKind::BelongsTo => {
                related(b);
                b.push(" WHERE ");
                col(b, REL, self.def.foreign_key);
                b.push(" = ");
                col(b, t, key_name::<T>());
            }
            RelationKind::HasOne | RelationKind::HasMany => {
                related(b);
                b.push(" WHERE ");
                col(b, REL, key_name::<M>());
                b.push(" = ");
                col(b, t, self.def.foreign_key);
            }
            RelationKind::ManyToMany => {
                let through = self.def.through_table(t);
                let (k1, k2) = self.def.through_keys;
                b.ident(&through);
                b.push(" INNER JOIN ");
                related(b);
                b.push(" ON ");
                col(b, REL, key_name::<M>());
                b.push(" = ");
                col(b, &through, k1);
                b.push(" WHERE ");
                col(b, &through, k2);
                b.push(" = ");
                col(b, t, key_name::<T>());
            }
        }
        if let (Some(f), true) = (M::default_filter(), filtered) {
            b.push(" AND ");
            b.cond(&f.requalified(M::TABLE, REL))?;
        }
        b.push(")");
        Ok(())
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
        b.know(crate::sql::KnownTable {
            name: Cow::Borrowed(T::TABLE),
            columns: Some(T::COLUMNS),
        });
        b.push("SELECT ");
        b.qualified_columns(T::TABLE, T::COLUMNS);
        b.push(" FROM ");
        b.ident(T::TABLE);
        scope.render_as_of(&mut b)?;
        if !scope.conds.is_empty() && M::TABLE != T::TABLE {
            b.push(" LEFT OUTER JOIN ");
            b.ident(M::TABLE);
            b.push(" ON 1 = 0");
        }
        b.know(crate::sql::KnownTable {
            name: Cow::Borrowed("orm_related"),
            columns: Some(M::COLUMNS),
        });
        self.orphan_filter(&mut b, !scope.unfiltered)?;
        let own = (!scope.unfiltered)
            .then(T::default_filter)
            .flatten()
            .map(|f| f.requalified(T::TABLE, T::TABLE));
        for c in scope.conds.iter().chain(&own) {
            b.push(" AND ");
            b.cond(c)?;
        }
        let (sql, params) = b.finish();
        conn.query_ordered(&sql, &params)
    }
}
