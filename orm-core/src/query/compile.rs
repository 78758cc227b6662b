//! The compiler: the one place that writes statements as SQL text. Each
//! clause is rendered here once; what differs between databases is asked
//! of the [`Dialect`](crate::Dialect) (quoting, placeholders, LIMIT/OFFSET,
//! upsert, locking, `AS OF SYSTEM TIME`, NULLS ordering, AVG precision).
//! Conditions and expressions render through [`SqlBuilder`].

use super::{
    AddColumn, CreateIndex, CreateTable, Delete, DropDdl, Filter, Insert, Item, Returning, Rows,
    Select, Set, Shape, Source, Update,
};
use crate::backend::GeneratedKey;
use crate::error::{Error, Result};
use crate::model::{ColumnDef, ColumnDefault};
use crate::relation::{Join, JoinKind};
use crate::sql::SqlBuilder;
use crate::value::Value;

/// Appends a SELECT.
pub(crate) fn select(b: &mut SqlBuilder<'_>, s: &Select<'_>) -> Result<()> {
    b.push(if s.distinct {
        "SELECT DISTINCT "
    } else {
        "SELECT "
    });
    for (i, item) in s.items.iter().enumerate() {
        if i > 0 {
            b.push(", ");
        }
        select_item(b, item)?;
    }
    b.push(" FROM ");
    match &s.from {
        Source::Table(t) => {
            b.ident(t);
        }
        Source::Sub(sub, alias) => {
            b.push("(");
            select(b, sub)?;
            b.push(") AS ");
            b.ident(alias);
        }
    }
    if let Some(alias) = s.alias {
        b.push(" AS ");
        b.ident(alias);
    }
    let dialect = b.dialect();
    if let (Some(at), Some(out)) = (s.as_of, b.text_mut()) {
        dialect.as_of_system_time(at, out)?;
    }
    for j in s.joins.iter().chain(&s.more_joins) {
        join(b, j, s.filtered_joins)?;
    }
    for (i, c) in s.conds.iter().enumerate() {
        b.push(if i == 0 { " WHERE " } else { " AND " });
        b.cond(c)?;
    }
    filters(b, &s.filter, !s.conds.is_empty())?;
    for (i, g) in s.group_by.iter().enumerate() {
        b.push(if i == 0 { " GROUP BY " } else { ", " });
        b.name_term(g)?;
    }
    for (i, h) in s.having.iter().enumerate() {
        b.push(if i == 0 { " HAVING " } else { " AND " });
        b.cond(h)?;
    }
    b.order(s.order)?;
    for (i, c) in s.order_by_cols.iter().enumerate() {
        b.push(if i == 0 && s.order.is_empty() {
            " ORDER BY "
        } else {
            ", "
        });
        b.col(c)?;
    }
    // Clauses the dialect writes itself: text only, no parameters.
    if let Some(out) = b.text_mut() {
        dialect.limit_offset(s.limit, s.offset, out);
        if let Some(lock) = s.lock {
            dialect.lock_clause(lock, out)?;
        }
    }
    Ok(())
}

/// `columns`, each quoted and qualified by `qualifier` when given,
/// separated by commas.
fn column_list(b: &mut SqlBuilder<'_>, qualifier: Option<&str>, columns: &[ColumnDef]) {
    for (i, c) in columns.iter().enumerate() {
        if i > 0 {
            b.push(", ");
        }
        if let Some(q) = qualifier {
            b.ident(q);
            b.push(".");
        }
        b.ident(c.name);
    }
}

fn select_item(b: &mut SqlBuilder<'_>, item: &Item<'_>) -> Result<()> {
    match item {
        Item::Columns { qualifier, columns } => column_list(b, *qualifier, columns),
        // No parameters: nothing to look up when only those are collected.
        Item::Model { .. } if !b.writes_text() => {}
        Item::Model { t, qualified } => {
            let dialect = b.dialect();
            let shape = if *qualified {
                Shape::QualifiedColumns
            } else {
                Shape::Columns
            };
            let list = t.cache.get_or_build(shape, dialect, &mut || {
                let mut lb = SqlBuilder::new(dialect);
                column_list(&mut lb, qualified.then_some(t.name), t.columns);
                Ok(lb.sql)
            })?;
            b.push(&list);
        }
        Item::Col(c) => b.col(c)?,
        Item::Expr(e) => b.expr(e)?,
        Item::Term(t) => b.name_term(t)?,
        Item::One(alias) => {
            b.push("1");
            if let Some(a) = alias {
                b.push(" AS ");
                b.ident(a);
            }
        }
        Item::Agg {
            func,
            distinct,
            col,
        } => {
            b.push(func);
            b.push("(");
            if *distinct {
                b.push("DISTINCT ");
            }
            if *func == "AVG" && b.dialect().avg_of_double() {
                b.push("CAST(");
                b.col(col)?;
                b.push(" AS DOUBLE)");
            } else {
                b.col(col)?;
            }
            b.push(")");
        }
        Item::Count { on, outer } => {
            use crate::names::CountOn;
            b.push("COUNT(");
            let params_before = b.params.len();
            // Over a subquery, its rows name the columns unqualified.
            let qualify = b.set_qualify(b.qualifies() && !outer);
            let res = match on {
                CountOn::Rows => {
                    b.push("*");
                    Ok(())
                }
                CountOn::Col { distinct, col } => {
                    if *distinct {
                        b.push("DISTINCT ");
                    }
                    b.col(col)
                }
                CountOn::Raw(sql) => b.fragment(&sql.sql, &sql.args),
                CountOn::Invalid(bad) => Err(bad.error()),
            };
            b.set_qualify(qualify);
            res?;
            if *outer && b.params.len() != params_before {
                return Err(Error::invalid(
                    "count_on over a window, DISTINCT or groups takes a column, not a \
                     formula with parameters",
                ));
            }
            b.push(")");
        }
    }
    Ok(())
}

/// Appends a JOIN; `filtered`: with the joined model's default filter in
/// its ON clause.
fn join(b: &mut SqlBuilder<'_>, j: &Join, filtered: bool) -> Result<()> {
    match j {
        Join::Clause(c) => {
            if let Some(a) = &c.alias {
                b.check_name(a)?;
            }
            b.push(match c.kind {
                JoinKind::Inner => " INNER JOIN ",
                JoinKind::Outer | JoinKind::AsDeclared => " LEFT OUTER JOIN ",
            });
            b.ident(&c.table);
            if let Some(a) = &c.alias {
                b.push(" AS ");
                b.ident(a);
            }
            let (t1, c1, t2, c2) = &c.on;
            b.push(" ON ");
            qualified(b, t1, c1);
            b.push(" = ");
            qualified(b, t2, c2);
            if let (Some(f), true) = (&c.filter, filtered) {
                b.push(" AND ");
                b.cond(f)?;
            }
            Ok(())
        }
        Join::Never { table } => {
            b.push(" LEFT OUTER JOIN ");
            b.ident(table);
            b.push(" ON 1 = 0");
            Ok(())
        }
        Join::Raw { sql, args } => {
            b.push(" ");
            b.fragment(sql, args)
        }
        Join::Invalid(msg) => Err(Error::invalid(msg.clone())),
    }
}

fn qualified(b: &mut SqlBuilder<'_>, table: &str, column: &str) {
    b.ident(table);
    b.push(".");
    b.ident(column);
}

/// Appends ` WHERE f1 AND f2 ..`; nothing for no filters.
fn where_clause(b: &mut SqlBuilder<'_>, list: &[Filter<'_>]) -> Result<()> {
    filters(b, list, false)
}

/// Appends the filters, ANDed, after a WHERE clause already begun when
/// `continued`.
fn filters(b: &mut SqlBuilder<'_>, list: &[Filter<'_>], continued: bool) -> Result<()> {
    for (i, f) in list.iter().enumerate() {
        b.push(if i == 0 && !continued {
            " WHERE "
        } else {
            " AND "
        });
        match f {
            Filter::Cond(c) => b.cond(c)?,
            Filter::Owned(c) => b.cond(c)?,
            Filter::Param(c) => {
                b.col(c)?;
                b.push(" = ");
                b.param(Value::Null);
            }
            Filter::InSelect(name, sub) => {
                b.ident(name);
                b.push(" IN (");
                select(b, sub)?;
                b.push(")");
            }
            Filter::NotExists(sub) => {
                b.push("NOT EXISTS (");
                select(b, sub)?;
                b.push(")");
            }
            Filter::ColsEq(l, r) => {
                b.col(l)?;
                b.push(" = ");
                b.col(r)?;
            }
            Filter::AnyOf(c, values) => b.any_of(c, values)?,
        }
    }
    Ok(())
}

/// Appends an INSERT (an upsert when it has an upsert key).
pub(crate) fn insert(b: &mut SqlBuilder<'_>, i: &Insert<'_>) -> Result<()> {
    let dialect = b.dialect();
    b.push(dialect.insert_keyword(i.upsert_key.is_some()));
    b.push(" ");
    b.ident(i.table);
    if i.columns.is_empty() {
        // A row of defaults only (a model whose one column is its
        // generated key).
        if !matches!(i.rows, Rows::Placeholders(1)) || i.upsert_key.is_some() {
            return Err(Error::invalid(format!(
                "an INSERT into {} with no columns writes one row of defaults, not several \
                 nor an upsert",
                i.table
            )));
        }
        b.push(dialect.default_values());
        returning(b, i);
        return Ok(());
    }
    b.push(" (");
    b.ident_list(i.columns.iter().copied());
    b.push(") VALUES ");
    let row = |b: &mut SqlBuilder<'_>, n: usize, values: Option<&[&crate::expr::Expr]>| {
        if n > 0 {
            b.push(", ");
        }
        b.push("(");
        for c in 0..i.columns.len() {
            if c > 0 {
                b.push(", ");
            }
            match values {
                Some(v) => b.expr(v[c])?,
                None => {
                    b.param(Value::Null);
                }
            }
        }
        b.push(")");
        Ok::<(), Error>(())
    };
    match &i.rows {
        Rows::Placeholders(n) => {
            for r in 0..*n {
                row(b, r, None)?;
            }
        }
        Rows::Values(rows) => {
            for (r, v) in rows.iter().enumerate() {
                if v.len() != i.columns.len() {
                    return Err(Error::invalid(format!(
                        "an INSERT row has {} values for {} columns",
                        v.len(),
                        i.columns.len()
                    )));
                }
                row(b, r, Some(v))?;
            }
        }
    }
    if let Some(key) = &i.upsert_key {
        let others: Vec<&str> = i
            .columns
            .iter()
            .copied()
            .filter(|c| !key.contains(c))
            .collect();
        dialect.upsert_clause(key, &others, &mut b.sql);
    }
    returning(b, i);
    Ok(())
}

/// ` RETURNING key`: for a generated integer key when the dialect gives it
/// back that way ([`GeneratedKey::of`], the one place that decides), for a
/// key made by a column default always.
fn returning(b: &mut SqlBuilder<'_>, i: &Insert<'_>) {
    let key = match i.returning {
        Some(Returning::GeneratedKey(key))
            if GeneratedKey::of(b.dialect(), true) == GeneratedKey::Returning =>
        {
            key
        }
        Some(Returning::Column(key)) => key,
        _ => return,
    };
    b.push(" RETURNING ");
    b.ident(key);
}

/// Appends an UPDATE.
pub(crate) fn update(b: &mut SqlBuilder<'_>, u: &Update<'_>) -> Result<()> {
    b.push("UPDATE ");
    b.ident(u.table);
    b.push(" SET ");
    match &u.set {
        Set::Assign(list) => {
            for (n, a) in list.iter().enumerate() {
                if n > 0 {
                    b.push(", ");
                }
                b.check_name(&a.column)?;
                b.ident(&a.column);
                b.push(" = ");
                b.expr(&a.value)?;
            }
        }
        Set::Placeholders(cols) => {
            for (n, c) in cols.iter().enumerate() {
                if n > 0 {
                    b.push(", ");
                }
                b.ident(c);
                b.push(" = ");
                b.param(Value::Null);
            }
        }
        Set::Sql(sql, args) => b.fragment(sql, args)?,
    }
    if let Some(v) = u.bump {
        let empty = matches!(&u.set, Set::Assign(l) if l.is_empty())
            || matches!(&u.set, Set::Placeholders(l) if l.is_empty());
        if !empty {
            b.push(", ");
        }
        b.ident(v);
        b.push(" = ");
        b.ident(v);
        b.push(" + 1");
    }
    where_clause(b, &u.filter)
}

/// Appends a DELETE.
pub(crate) fn delete(b: &mut SqlBuilder<'_>, d: &Delete<'_>) -> Result<()> {
    b.push("DELETE FROM ");
    b.ident(d.table);
    where_clause(b, &d.filter)
}

/// Appends a `CREATE TABLE`.
pub(crate) fn create_table(b: &mut SqlBuilder<'_>, t: &CreateTable<'_>) -> Result<()> {
    b.push("CREATE TABLE ");
    b.ident(t.table);
    b.push(" (");
    let composite = !t.composite_key.is_empty();
    for (i, (name, c)) in t.columns.iter().enumerate() {
        if i > 0 {
            b.push(", ");
        }
        column(b, name, c, false, composite)?;
    }
    if !t.composite_key.is_empty() {
        b.push(", PRIMARY KEY (");
        b.ident_list(t.composite_key.iter().copied());
        b.push(")");
    }
    for fk in t.foreign_keys {
        b.push(", ");
        foreign_key(b, fk)?;
    }
    for c in t.checks {
        b.push(", ");
        check(b, c)?;
    }
    b.push(")");
    let dialect = b.dialect();
    b.push(dialect.table_options());
    Ok(())
}

/// Appends a foreign-key constraint (of a `CREATE TABLE`, or added).
fn foreign_key(b: &mut SqlBuilder<'_>, fk: &super::ForeignKey<'_>) -> Result<()> {
    use crate::model::ReferentialAction as A;
    b.check_name(fk.name)?;
    b.push("CONSTRAINT ");
    b.ident(fk.name);
    b.push(" FOREIGN KEY (");
    b.ident(fk.column);
    b.push(") REFERENCES ");
    b.ident(fk.references);
    b.push(" (");
    b.ident(fk.references_column);
    b.push(")");
    for (when, action) in [(" ON DELETE ", fk.on_delete), (" ON UPDATE ", fk.on_update)] {
        if let Some(action) = action {
            b.push(when);
            b.push(match action {
                A::NoAction => "NO ACTION",
                A::Restrict => "RESTRICT",
                A::Cascade => "CASCADE",
                A::SetNull => "SET NULL",
                A::SetDefault => "SET DEFAULT",
            });
        }
    }
    Ok(())
}

/// Appends an `ALTER TABLE .. ADD CONSTRAINT .. FOREIGN KEY`.
pub(crate) fn add_foreign_key(b: &mut SqlBuilder<'_>, a: &super::AddForeignKey<'_>) -> Result<()> {
    b.push("ALTER TABLE ");
    b.ident(a.table);
    b.push(" ADD ");
    foreign_key(b, &a.foreign_key)
}

/// Appends a check constraint (of a `CREATE TABLE`, or added).
fn check(b: &mut SqlBuilder<'_>, c: &super::Check<'_>) -> Result<()> {
    b.check_name(c.name)?;
    b.push("CONSTRAINT ");
    b.ident(c.name);
    b.push(" CHECK (");
    b.fragment(c.sql, &crate::expr::Args::None)?;
    b.push(")");
    Ok(())
}

/// Appends an `ALTER TABLE .. ADD CONSTRAINT .. CHECK`.
pub(crate) fn add_check(b: &mut SqlBuilder<'_>, a: &super::AddCheck<'_>) -> Result<()> {
    b.push("ALTER TABLE ");
    b.ident(a.table);
    b.push(" ADD ");
    check(b, &a.check)
}

/// Appends an `ALTER TABLE .. ADD COLUMN`.
pub(crate) fn add_column(b: &mut SqlBuilder<'_>, a: &AddColumn<'_>) -> Result<()> {
    b.push("ALTER TABLE ");
    b.ident(a.table);
    b.push(" ADD COLUMN ");
    column(b, a.column.name, a.column, true, false)
}

/// Appends a `CREATE [UNIQUE] INDEX`.
pub(crate) fn create_index(b: &mut SqlBuilder<'_>, i: &CreateIndex<'_>) -> Result<()> {
    b.check_name(i.name)?;
    b.push(if i.unique {
        "CREATE UNIQUE INDEX "
    } else {
        "CREATE INDEX "
    });
    if i.concurrently {
        let dialect = b.dialect();
        b.push(dialect.concurrent_index());
    }
    b.ident(i.name);
    b.push(" ON ");
    b.ident(i.table);
    b.push(" (");
    b.ident_list(i.columns.iter().copied());
    b.push(")");
    if let Some(sharding) = &i.hash_sharded {
        let dialect = b.dialect();
        dialect.hash_sharded_index(sharding, &mut b.sql)?;
    }
    if let Some(c) = i.where_null {
        let dialect = b.dialect();
        if !dialect.partial_indexes() {
            return Err(Error::invalid(format!(
                "index {} is partial (WHERE {c} IS NULL, #[db(unique, partial)]), and the {} \
                 dialect has no partial indexes",
                i.name,
                dialect.name()
            )));
        }
        b.push(" WHERE ");
        b.ident(c);
        b.push(" IS NULL");
    }
    Ok(())
}

/// A column's definition; `adding` to a table that may have rows; `in_key`:
/// part of a primary key declared on the table (so not on the column).
fn column(
    b: &mut SqlBuilder<'_>,
    name: &str,
    c: &ColumnDef,
    adding: bool,
    in_key: bool,
) -> Result<()> {
    let dialect = b.dialect();
    b.ident(name);
    b.push(" ");
    if c.auto_increment {
        b.push(&dialect.generated_key_ddl(c));
        return Ok(());
    }
    b.push(&dialect.column_type(c));
    if !c.nullable {
        b.push(" NOT NULL");
    }
    match &c.default {
        Some(ColumnDefault::RandomUuid) => {
            let Some(expr) = dialect.random_uuid() else {
                return Err(crate::dialect::no_random_uuid(
                    dialect,
                    &format!("column {name}"),
                ));
            };
            b.push(" DEFAULT ");
            b.push(expr);
        }
        Some(ColumnDefault::Raw(sql)) => {
            b.push(" DEFAULT (");
            b.fragment(sql, &crate::expr::Args::None)?;
            b.push(")");
        }
        Some(d) => {
            let mut literal = String::new();
            dialect.default_literal(d, &mut literal);
            crate::sql::check_no_nul(&literal)?;
            b.push(" DEFAULT ");
            b.push(&literal);
        }
        // Existing rows need a value for a new NOT NULL column.
        None if adding && !c.nullable => {
            b.push(" DEFAULT ");
            b.push(dialect.zero_literal(c.sql_type));
        }
        None => {}
    }
    if c.primary_key && !in_key {
        b.push(" PRIMARY KEY");
    }
    Ok(())
}

/// Appends a `DROP TABLE`, `ALTER TABLE .. DROP COLUMN` or `DROP INDEX`.
pub(crate) fn drop_ddl(b: &mut SqlBuilder<'_>, d: &DropDdl<'_>) -> Result<()> {
    match *d {
        DropDdl::Table(table) => {
            b.push("DROP TABLE ");
            b.ident(table);
        }
        DropDdl::Column { table, column } => {
            b.push("ALTER TABLE ");
            b.ident(table);
            b.push(" DROP COLUMN ");
            b.ident(column);
        }
        DropDdl::Check { table, name } => {
            b.push("ALTER TABLE ");
            b.ident(table);
            b.push(" DROP CONSTRAINT ");
            b.ident(name);
        }
        DropDdl::ForeignKey { table, name } => {
            b.push("ALTER TABLE ");
            b.ident(table);
            b.push(b.dialect().drop_foreign_key());
            b.ident(name);
        }
        DropDdl::Index { table, name } => {
            b.push("DROP INDEX ");
            b.ident(name);
            if b.dialect().drop_index_names_table() {
                b.push(" ON ");
                b.ident(table);
            }
        }
    }
    Ok(())
}
