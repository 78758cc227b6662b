//! Checks that need the whole struct.

use std::collections::hash_map::{Entry, HashMap};

use super::ast::{is_option, Container, RelKind, Role};
use super::ctxt::Ctxt;

pub fn check(cx: &Ctxt, cont: &Container<'_>) {
    let generics = &cont.original.generics;
    if !generics.params.is_empty() {
        cx.error_spanned_by(
            generics,
            "#[derive(Model)] does not support generic structs",
        );
    }
    check_names(cx, cont);
    check_snapshots(cx, cont);
    check_relations(cx, cont);
    check_constraints(cx, cont);
    if cont.columns().next().is_none() {
        cx.error_spanned_by(cont.ident, "a model needs at least one column");
        return;
    }
    check_key(cx, cont);
    check_lifecycle(cx, cont);
    check_partial(cx, cont);
    check_hash_sharded(cx, cont);
    check_indexes(cx, cont);
    check_default(cx, cont);
    let mut seen: HashMap<String, &syn::Ident> = HashMap::new();
    for f in cont.columns() {
        match seen.entry(f.column.to_lowercase()) {
            Entry::Vacant(v) => {
                v.insert(f.ident);
            }
            Entry::Occupied(first) => cx.syn_error(syn::Error::new(
                f.column_span,
                format!(
                    "column `{}` is mapped twice: field `{}` maps to it too \
                     (column names are compared case-insensitively)",
                    f.column,
                    first.get()
                ),
            )),
        }
    }
}

fn check_key(cx: &Ctxt, cont: &Container<'_>) {
    let keys = cont.keys();
    if keys.is_empty() {
        cx.error_spanned_by(
            cont.ident,
            "no primary key: add a field named `id` or mark one with #[db(primary_key)]",
        );
    }
    if keys.len() < 2 {
        return;
    }
    // A composite key: its columns cannot be NULL, and the relations that
    // find rows by this model's key need a single column.
    for (_, f) in &keys {
        if is_option(f.ty) {
            cx.error_spanned_by(
                f.ty,
                format!(
                    "field `{}` is part of a composite primary key and cannot be an Option: \
                     key columns are NOT NULL",
                    f.ident
                ),
            );
        }
    }
    for (kind, f) in cont.relations() {
        if kind != RelKind::BelongsTo {
            cx.error_spanned_by(
                f.ident,
                format!(
                    "relation `{}`: a model with a composite primary key cannot have {} \
                     relations (they find rows by a single key column); declare them on the \
                     related models as belongs-to",
                    f.ident,
                    kind.variant()
                ),
            );
        }
    }
}

/// The struct, its mapper and its scope type are declared side by side, so
/// their names must differ.
fn check_names(cx: &Ctxt, cont: &Container<'_>) {
    if cont.mapper == *cont.ident {
        let msg = if cont.mapper_is_default {
            format!(
                "the mapper would be named `{}` like the struct (mappers are named after the \
                 table, `{}`); name it with #[db(mapper = \"...\")]",
                cont.mapper, cont.table
            )
        } else {
            format!(
                "the mapper cannot be named `{}` like the struct",
                cont.mapper
            )
        };
        cx.error_spanned_by(&cont.mapper, msg);
    }
    if cont.scope == *cont.ident || cont.scope == cont.mapper {
        cx.error_spanned_by(
            &cont.scope,
            format!(
                "the scope type `{}` would have the name of the {}; name it differently",
                cont.scope,
                if cont.scope == *cont.ident {
                    "struct"
                } else {
                    "mapper"
                }
            ),
        );
    }
}

/// A `Snapshot` field is not a column, so column attributes make no sense on
/// it; and a model tracks changes with one snapshot.
fn check_snapshots(cx: &Ctxt, cont: &Container<'_>) {
    let snapshots = cont.fields.iter().filter(|f| f.role == Role::Snapshot);
    for (i, f) in snapshots.enumerate() {
        if i > 0 {
            cx.error_spanned_by(f.ident, "a model has at most one Snapshot field");
        }
        let column = f.attrs.column.as_ref().map(syn::LitStr::span);
        let lifecycle = f
            .attrs
            .lifecycle_attrs()
            .into_iter()
            .map(|(s, n)| (Some(s), n));
        for (span, name) in [
            (column, "column"),
            (f.attrs.primary_key, "primary_key"),
            (f.attrs.unique, "unique"),
            (f.attrs.index, "index"),
        ]
        .into_iter()
        .chain(lifecycle)
        {
            if let Some(span) = span {
                cx.syn_error(syn::Error::new(
                    span,
                    format!(
                        "#[db({name})] makes no sense on a Snapshot field, which tracks changes and is not a column"
                    ),
                ));
            }
        }
    }
}

/// Relation attributes belong on relation fields, column attributes on
/// columns; a belongs-to needs its foreign key column on this model.
fn check_relations(cx: &Ctxt, cont: &Container<'_>) {
    for f in &cont.fields {
        let Role::Relation(kind) = f.role else {
            if f.role != Role::Skipped {
                for (span, name) in f.attrs.relation_attrs() {
                    cx.syn_error(syn::Error::new(
                        span,
                        format!(
                            "#[db({name})] applies to relation fields (BelongsTo, HasOne, HasMany, ManyToMany), not to field `{}`",
                            f.ident
                        ),
                    ));
                }
            }
            continue;
        };
        for (span, name) in f.attrs.column_attrs() {
            cx.syn_error(syn::Error::new(
                span,
                format!("#[db({name})] makes no sense on a relation field, which is not a column"),
            ));
        }
        if f.target.is_none() {
            cx.error_spanned_by(
                f.ty,
                "a relation field names one related model: `BelongsTo<User>`",
            );
        }
        match kind {
            RelKind::ManyToMany => {
                if let Some(l) = &f.attrs.foreign_key {
                    cx.error_spanned_by(
                        l,
                        "#[db(foreign_key)] does not apply to a many-to-many relation; use #[db(through_keys(\"..\", \"..\"))]",
                    );
                }
            }
            _ => {
                for (span, name) in f.attrs.relation_attrs() {
                    if name == "through" || name == "through_keys" {
                        cx.syn_error(syn::Error::new(
                            span,
                            format!("#[db({name})] applies only to a ManyToMany relation"),
                        ));
                    }
                }
            }
        }
        if kind == RelKind::BelongsTo {
            let fk = cont.foreign_key(kind, f);
            if !cont.columns().any(|c| c.column == fk) {
                let msg = format!(
                    "belongs-to relation `{}` needs a foreign key column `{fk}` on this model: add a field `{fk}` or name the key with #[db(foreign_key = \"...\")]",
                    f.ident
                );
                match &f.attrs.foreign_key {
                    Some(l) => cx.error_spanned_by(l, msg),
                    None => cx.error_spanned_by(f.ident, msg),
                }
            }
        }
    }
}

/// The foreign-key constraint attributes belong on belongs-to relations;
/// `no_constraint` leaves no actions to declare, and `set_null` needs a
/// key column that can be NULL.
fn check_constraints(cx: &Ctxt, cont: &Container<'_>) {
    for f in &cont.fields {
        let attrs = f.attrs.constraint_attrs();
        if f.role != Role::Relation(RelKind::BelongsTo) {
            for (span, name) in attrs {
                cx.syn_error(syn::Error::new(
                    span,
                    format!(
                        "#[db({name})] applies to a BelongsTo relation (the model holding the \
                         foreign key declares its constraint), not to field `{}`",
                        f.ident
                    ),
                ));
            }
            continue;
        }
        let actions = [
            ("on_delete", &f.attrs.on_delete),
            ("on_update", &f.attrs.on_update),
        ];
        if f.attrs.no_constraint.is_some() {
            for (name, lit) in actions {
                if let Some(lit) = lit {
                    cx.error_spanned_by(
                        lit,
                        format!("#[db({name})] makes no sense with #[db(no_constraint)]: there is no constraint to act"),
                    );
                }
            }
            continue;
        }
        let fk = cont.foreign_key(RelKind::BelongsTo, f);
        let Some(column) = cont.columns().find(|c| c.column == fk) else {
            continue;
        };
        if is_option(column.ty) {
            continue;
        }
        for (name, lit) in actions {
            if let Some(lit) = lit.as_ref().filter(|l| l.value() == "set_null") {
                cx.error_spanned_by(
                    lit,
                    format!(
                        "#[db({name} = \"set_null\")] needs a foreign key that can be NULL, but \
                         `{}` is not an Option",
                        column.ident
                    ),
                );
            }
        }
    }
}

/// The fields of the indexes declared on the struct are columns of it,
/// each once per index.
fn check_indexes(cx: &Ctxt, cont: &Container<'_>) {
    for (_, fields, _) in &cont.indexes {
        for (n, id) in fields.iter().enumerate() {
            if !cont.columns().any(|f| f.ident == id) {
                cx.syn_error(syn::Error::new(
                    id.span(),
                    format!("`{id}` is not a column field of this struct"),
                ));
            }
            if fields[..n].contains(id) {
                cx.syn_error(syn::Error::new(
                    id.span(),
                    format!("`{id}` is listed twice in this index"),
                ));
            }
        }
    }
}

/// `partial` needs `unique` on the same field and a soft-delete column in
/// the model: the index leaves the soft-deleted rows out.
fn check_partial(cx: &Ctxt, cont: &Container<'_>) {
    let soft = cont.columns().any(|f| f.attrs.soft_delete.is_some());
    for f in cont.columns() {
        let Some(span) = f.attrs.partial else {
            continue;
        };
        if f.attrs.unique.is_none() {
            cx.syn_error(syn::Error::new(
                span,
                "#[db(partial)] qualifies a unique index: write #[db(unique, partial)]",
            ));
        } else if !soft {
            cx.syn_error(syn::Error::new(
                span,
                "#[db(partial)] leaves soft-deleted rows out of the unique index, but the model \
                 has no #[db(soft_delete)] column",
            ));
        }
    }
}

/// `hash_sharded` qualifies the field's index: it needs `index` or
/// `unique` on the same field.
fn check_hash_sharded(cx: &Ctxt, cont: &Container<'_>) {
    for f in cont.columns() {
        let Some(h) = &f.attrs.hash_sharded else {
            continue;
        };
        if f.attrs.index.is_none() && f.attrs.unique.is_none() {
            cx.syn_error(syn::Error::new(
                h.span,
                "#[db(hash_sharded)] qualifies an index: write #[db(index, hash_sharded)] or \
                 #[db(unique, hash_sharded)] (on the struct: #[db(index(a, b, hash_sharded))])",
            ));
        }
    }
}

/// No declared default on a single primary key (the database generates
/// integer keys; others are always written), but `random_uuid`, which
/// belongs there only.
fn check_default(cx: &Ctxt, cont: &Container<'_>) {
    use super::attr::Default as D;
    let keys = cont.keys();
    let single = match keys.as_slice() {
        [(_, one)] => Some(one.ident),
        _ => None,
    };
    for f in cont.columns() {
        let Some(d) = &f.attrs.default else {
            continue;
        };
        let on_key = Some(f.ident) == single;
        match (d, on_key) {
            (D::RandomUuid(_), true) => {}
            (D::RandomUuid(span), false) => cx.syn_error(syn::Error::new(
                *span,
                "#[db(default = random_uuid)] declares a key the database makes: it goes on \
                 the primary key (a uuid::Uuid field, not part of a composite key); orm writes \
                 every other column",
            )),
            (_, false) => {}
            (_, true) => cx.syn_error(syn::Error::new(
                d.span(),
                "#[db(default)] makes no sense on the primary key: the database generates an \
                 integer key, and orm writes every other key (a uuid::Uuid key the database \
                 makes: #[db(default = random_uuid)])",
            )),
        }
    }
}

/// Each lifecycle attribute on one column at most, one part per column,
/// none on the primary key, and a soft-delete column that can be NULL.
fn check_lifecycle(cx: &Ctxt, cont: &Container<'_>) {
    let key = cont.key().map(|(_, f)| f.ident);
    let mut first: HashMap<&'static str, &syn::Ident> = HashMap::new();
    for f in cont.columns() {
        let attrs = f.attrs.lifecycle_attrs();
        for (n, &(span, name)) in attrs.iter().enumerate() {
            match first.entry(name) {
                Entry::Vacant(v) => {
                    v.insert(f.ident);
                }
                Entry::Occupied(o) => cx.syn_error(syn::Error::new(
                    span,
                    format!(
                        "a second #[db({name})] column, after field `{}`: a model has one",
                        o.get()
                    ),
                )),
            }
            if let Some(&(_, other)) = attrs[..n].first() {
                cx.syn_error(syn::Error::new(
                    span,
                    format!(
                        "field `{}` cannot be both #[db({other})] and #[db({name})]: \
                         each lifecycle column plays one part",
                        f.ident
                    ),
                ));
            }
            if Some(f.ident) == key {
                cx.syn_error(syn::Error::new(
                    span,
                    format!("#[db({name})] makes no sense on the primary key"),
                ));
            }
        }
    }
}
