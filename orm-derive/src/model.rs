//! Generates the `Model` impl, the mapper and the scope type of a struct.
//! Only what is specific to the struct is emitted; the logic is in orm-core.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::internals::ast::{const_name, is_option, Container, RelKind, Role};
use crate::internals::{check, ctxt::Ctxt};

pub fn expand(input: &syn::DeriveInput) -> syn::Result<TokenStream> {
    let cx = Ctxt::new();
    let Some(cont) = Container::from_ast(&cx, input) else {
        cx.check()?;
        unreachable!("from_ast reports why it failed");
    };
    check::check(&cx, &cont);
    cx.check()?;
    Ok(generate(&cont))
}

fn generate(cont: &Container<'_>) -> TokenStream {
    let krate = &cont.krate;
    let krate_path = &cont.krate_path;
    let ident = cont.ident;
    let vis = cont.vis;
    let table = &cont.table;
    let mapper = &cont.mapper;
    let scope = &cont.scope;
    let keys = cont.keys();
    let (key_index, key) = keys[0];
    let key_ident = key.ident;
    let key_ty = key.ty;
    let composite = keys.len() > 1;
    let key_indexes = keys.iter().map(|(i, _)| *i);
    let key_idents: Vec<_> = keys.iter().map(|(_, f)| f.ident).collect();
    let key_tys = keys.iter().map(|(_, f)| f.ty);
    let key_ty = if composite {
        quote!((#(#key_tys,)*))
    } else {
        quote!(#key_ty)
    };

    let column_defs = cont.columns().map(|f| {
        let ty = f.ty;
        let (name, field) = (&f.column, f.ident.to_string());
        // Only what differs from a plain column named like its field is
        // spelled out, one builder call each.
        let field = (field != *name).then(|| quote!(.with_field(#field)));
        let key = key_idents.contains(&f.ident).then(|| {
            if composite {
                quote!(.with_key(false))
            } else {
                quote_spanned!(f.ty_span=> .with_key(<#ty as __p::KeyType>::GENERATED))
            }
        });
        let unique = f.attrs.unique.is_some().then(|| quote!(.with_unique()));
        let index = f.attrs.index.is_some().then(|| quote!(.with_index()));
        let decimal = f.attrs.precision.as_ref().map(|p| {
            let s = f.attrs.scale.clone().unwrap_or_else(|| syn::LitInt::new("0", p.span()));
            quote_spanned!(p.span()=> .with_decimal(#p, #s))
        });
        let size = f
            .attrs
            .size
            .as_ref()
            .map(|n| quote_spanned!(n.span()=> .with_size(#n)));
        let default = f.attrs.default.as_ref().map(|d| {
            let value = default_value(krate, d);
            quote_spanned!(d.span()=> .with_default(#value))
        });
        let hash_sharded = f.attrs.hash_sharded.as_ref().map(|h| {
            let buckets = buckets(h);
            quote_spanned!(h.span=> .with_hash_sharding(#buckets))
        });
        // The key column of a foreign-key constraint is indexed (MySQL
        // indexes it, and then needs an indexable type, as for `index`).
        let in_index = (cont
            .indexes
            .iter()
            .any(|(_, fields, _)| fields.iter().any(|id| id == f.ident))
            || constrained_columns(cont).any(|c| c == f.column))
        .then(|| quote!(.in_index()));
        quote_spanned! {f.ty_span=>
            __p::column_def::<#ty>(#name) #field #key #unique #index #decimal #size #default #hash_sharded #in_index
        }
    });

    let consts = cont.columns().enumerate().map(|(i, f)| {
        let ty = f.ty;
        let name = &f.column;
        let konst = const_name(f);
        let doc = format!("The `{name}` column (field `{}`).", f.ident);
        quote! {
            #[doc = #doc]
            pub const #konst: #krate::Column<#ident, #ty> = #krate::Column::new(#name, #i);
        }
    });

    // Every use of a field's type is spanned by the type, so that errors
    // point at the field (see `assert_types` for unsupported types).
    let decode_fields = cont.fields.iter().map(|f| {
        let (fid, ty) = (f.ident, f.ty);
        match f.role {
            Role::Column => {
                let i = cont.columns().position(|c| c.ident == fid).expect("column");
                quote_spanned!(f.ty_span=> #fid: __p::cell::<#ty>(row, layout, __t, #i)?)
            }
            Role::Skipped | Role::Snapshot | Role::Relation(_) => {
                let default =
                    quote_spanned!(f.ty_span=> <#ty as ::core::default::Default>::default);
                quote!(#fid: #default())
            }
        }
    });
    let capture = cont.snapshot().map(|s| {
        let sid = s.ident;
        quote!(rec.#sid = #krate::Snapshot::capture(&rec);)
    });
    let snapshot_fns = cont.snapshot().map(|s| {
        let sid = s.ident;
        quote! {
            fn snapshot(&self) -> ::core::option::Option<&#krate::Snapshot> {
                ::core::option::Option::Some(&self.#sid)
            }
            fn snapshot_mut(&mut self) -> ::core::option::Option<&mut #krate::Snapshot> {
                ::core::option::Option::Some(&mut self.#sid)
            }
        }
    });

    let ref_arms = cont.columns().enumerate().map(|(i, f)| {
        let (fid, ty) = (f.ident, f.ty);
        quote_spanned!(f.ty_span=> #i => <#ty as #krate::ColumnType>::as_value_ref(&self.#fid),)
    });
    let set_arms = cont.columns().enumerate().map(|(i, f)| {
        let (fid, ty) = (f.ident, f.ty);
        quote_spanned!(f.ty_span=> #i => self.#fid = __p::value_into::<#ty>(value, __t, #i)?,)
    });
    // The `ColumnType` bound of every column, restated at the start of each
    // body that converts columns: rustc then reports an unsupported type once
    // per body with the `ColumnType` message, drops the `FromValue` errors
    // it implies, and merges the identical reports.
    let assert_types = cont.columns().map(|f| {
        let ty = f.ty;
        quote_spanned!(f.ty_span=> let _ = __p::column_def::<#ty>;)
    });
    let assert_types = quote!(#(#assert_types)*);
    let key_type = quote_spanned!(key.ty_span=> <#key_ty as __p::KeyType>);
    // A composite key is never generated: each part is the user's.
    let key_fns = if composite {
        quote! {
            fn key(&self) -> #key_ty {
                (#(::core::clone::Clone::clone(&self.#key_idents),)*)
            }

            fn key_unset(&self) -> bool {
                false
            }

            fn set_generated_key(&mut self, _key: i64) -> #krate::Result<()> {
                ::core::result::Result::Err(__p::composite_key_not_generated(#table))
            }
        }
    } else {
        quote! {
            fn key(&self) -> #key_ty {
                ::core::clone::Clone::clone(&self.#key_ident)
            }

            fn key_unset(&self) -> bool {
                #key_type::is_unset(&self.#key_ident)
            }

            fn set_generated_key(&mut self, key: i64) -> #krate::Result<()> {
                self.#key_ident = #key_type::from_generated(key)?;
                ::core::result::Result::Ok(())
            }
        }
    };

    let relations = relations(cont);
    let lifecycle = lifecycle(cont);
    let lifecycle_consts = lifecycle_consts(cont);
    let foreign_keys = foreign_keys(cont);
    let default_filter_fn = match &cont.default_filter {
        Some(_) => quote!(::core::option::Option::Some(
            <#ident as #krate::Model>::default_filter
        )),
        None => quote!(::core::option::Option::None),
    };
    let default_filter = cont.default_filter.as_ref().map(|f| {
        quote_spanned! {f.span()=>
            fn default_filter() -> ::core::option::Option<#krate::Cond> {
                ::core::option::Option::Some(#f())
            }
        }
    });
    let column_names = cont.columns().map(|f| &f.column);
    let hooks_const = cont.hooks.as_ref().map(|h| {
        quote_spanned! {h.span()=>
            const HOOKS: ::core::option::Option<__p::HookFns<Self>> =
                ::core::option::Option::Some(__p::hook_fns::<Self>());
        }
    });
    let hooks_declared = cont
        .hooks
        .as_ref()
        .map(|_| quote!(impl __p::HooksDeclared for #ident {}));

    let mapper_doc = format!(
        "Mapper of [`{ident}`] (table `{table}`): starts scopes (`{mapper}::all()`, \
         `{mapper}::where_(..)`) and holds the typed column constants."
    );
    let scope_doc = format!(
        "Scope of [`{ident}`] records. Add named scopes in an `impl {scope}` block; \
         every method of [`Scoped`]({}::Scoped) works on it.",
        quote!(#krate_path).to_string().replace(' ', "")
    );

    // The two types are named by the user's code; everything else goes in
    // an anonymous const block, where `__orm` names the crate.
    quote! {
        #[doc = #mapper_doc]
        #vis struct #mapper;

        #[doc = #scope_doc]
        #vis struct #scope(#krate_path::Scope<#ident>);

        const _: () = {
        use #krate_path as __orm;
        use #krate_path::__private as __p;

        impl __p::Sealed for #mapper {}
        impl __p::Sealed for #scope {}
        impl __p::Sealed for #ident {}

        impl #krate::Mapper for #mapper {
            type Model = #ident;
        }

        #[allow(non_upper_case_globals)]
        impl #mapper {
            #(#consts)*
        }

        impl #krate::Scoped for #scope {
            type Model = #ident;
            fn as_scope(&self) -> &#krate::Scope<#ident> { &self.0 }
            fn into_scope(self) -> #krate::Scope<#ident> { self.0 }
            fn from_scope(scope: #krate::Scope<#ident>) -> Self { #scope(scope) }
        }

        impl ::core::clone::Clone for #scope {
            #[inline]
            fn clone(&self) -> Self { #scope(::core::clone::Clone::clone(&self.0)) }
        }

        impl ::core::fmt::Debug for #scope {
            #[inline]
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Debug::fmt(&self.0, f)
            }
        }

        impl ::core::default::Default for #scope {
            #[inline]
            fn default() -> Self { #scope(::core::default::Default::default()) }
        }

        #relations
        #lifecycle

        impl #krate::FromRow for #ident {
            fn column_names() -> ::core::option::Option<&'static [&'static str]> {
                ::core::option::Option::Some(&[#(#column_names),*])
            }
            fn label() -> &'static str {
                #table
            }
            // Inlined into the loop that pushes each record (another
            // codegen unit, as often as not): called as a function, the
            // record is returned through memory and copied once more
            // (SQLite W7: 110 instructions a row). Forced in optimized
            // builds: as a hint, whether an include's loop got it depended
            // on the loop's size (W4 +1.7 % when it stopped); debug builds
            // keep the hint (compile time).
            #[cfg_attr(debug_assertions, inline)]
            #[cfg_attr(not(debug_assertions), inline(always))]
            fn from_row(
                row: &mut dyn #krate::Row,
                layout: #krate::Layout<'_>,
            ) -> #krate::Result<Self> {
                #assert_types
                let __t = <Self as #krate::Model>::table();
                #[allow(unused_mut)]
                let mut rec = #ident { #(#decode_fields,)* };
                #capture
                ::core::result::Result::Ok(rec)
            }
        }

        #hooks_declared

        impl #krate::Model for #ident {
            type Key = #key_ty;
            type Scope = #scope;
            const TABLE: &'static str = #table;
            const COLUMNS: &'static [#krate::ColumnDef] = &[#(#column_defs),*];
            const KEY_INDEX: usize = #key_index;
            const KEY_COLUMNS: &'static [usize] = &[#(#key_indexes),*];
            #lifecycle_consts
            #foreign_keys

            fn column_ref(&self, idx: usize) -> #krate::ValueRef<'_> {
                #assert_types
                match idx {
                    #(#ref_arms)*
                    _ => #krate::ValueRef::Null,
                }
            }

            fn set_column(&mut self, idx: usize, value: &#krate::Value) -> #krate::Result<()> {
                #assert_types
                let __t = <Self as #krate::Model>::table();
                match idx {
                    #(#set_arms)*
                    _ => return ::core::result::Result::Err(__p::no_such_column(#table, idx)),
                }
                ::core::result::Result::Ok(())
            }

            #key_fns

            #snapshot_fns
            #default_filter
            #hooks_const

            fn table() -> &'static __p::TableMeta {
                static TABLE: __p::TableMeta = __p::TableMeta::of::<#ident>(#default_filter_fn);
                &TABLE
            }
        }
        };
    }
}

/// The foreign-key columns of the belongs-to relations that declare a
/// constraint (no `#[db(no_constraint)]`).
fn constrained_columns<'c>(cont: &'c Container<'_>) -> impl Iterator<Item = String> + 'c {
    cont.relations()
        .filter(|(k, f)| {
            *k == RelKind::BelongsTo && f.target.is_some() && f.attrs.no_constraint.is_none()
        })
        .map(|(k, f)| cont.foreign_key(k, f))
}

/// `Model::FOREIGN_KEYS`: one constraint per belongs-to relation, the
/// referenced table and key read from the related model in const context.
fn foreign_keys(cont: &Container<'_>) -> TokenStream {
    let krate = &cont.krate;
    let action = |lit: &Option<syn::LitStr>| match lit {
        Some(l) => {
            let variant = crate::internals::attr::ACTIONS
                .iter()
                .find(|(a, _)| *a == l.value())
                .map_or("NoAction", |(_, v)| v);
            let variant = syn::Ident::new(variant, l.span());
            quote!(::core::option::Option::Some(#krate::ReferentialAction::#variant))
        }
        None => quote!(::core::option::Option::None),
    };
    let defs: Vec<TokenStream> = cont
        .relations()
        .filter(|(k, f)| *k == RelKind::BelongsTo && f.attrs.no_constraint.is_none())
        .filter_map(|(k, f)| {
            let target = f.target?;
            let fk = cont.foreign_key(k, f);
            let column = cont.columns().position(|c| c.column == fk)?;
            let (on_delete, on_update) = (action(&f.attrs.on_delete), action(&f.attrs.on_update));
            let model = quote_spanned!(f.ty_span=> <#target as #krate::Model>);
            Some(quote! {
                #krate::ForeignKeyDef {
                    column: #column,
                    references: #model::TABLE,
                    references_column: #model::COLUMNS[#model::KEY_INDEX].name,
                    on_delete: #on_delete,
                    on_update: #on_update,
                }
            })
        })
        .collect();
    if defs.is_empty() {
        return TokenStream::new();
    }
    quote!(const FOREIGN_KEYS: &'static [#krate::ForeignKeyDef] = &[#(#defs),*];)
}

/// The `Model` consts naming the lifecycle columns, and the columns whose
/// unique index is partial.
fn lifecycle_consts(cont: &Container<'_>) -> TokenStream {
    let mut out = TokenStream::new();
    let partial: Vec<usize> = cont
        .columns()
        .enumerate()
        .filter(|(_, f)| f.attrs.partial.is_some())
        .map(|(i, _)| i)
        .collect();
    if !partial.is_empty() {
        out.extend(quote!(const PARTIAL_UNIQUE: &'static [usize] = &[#(#partial),*];));
    }
    let krate = &cont.krate;
    let indexes: Vec<TokenStream> = cont
        .indexes
        .iter()
        .map(|(unique, fields, sharding)| {
            let cols = fields
                .iter()
                .filter_map(|id| cont.columns().position(|f| f.ident == id));
            let sharding = match sharding {
                Some(h) => {
                    let buckets = buckets(h);
                    quote!(::core::option::Option::Some(#krate::HashSharding { buckets: #buckets }))
                }
                None => quote!(::core::option::Option::None),
            };
            quote!((#unique, &[#(#cols),*], #sharding))
        })
        .collect();
    if !indexes.is_empty() {
        out.extend(quote!(
            const INDEXES: &'static [(bool, &'static [usize], ::core::option::Option<#krate::HashSharding>)] =
                &[#(#indexes),*];
        ));
    }
    if !cont.checks.is_empty() {
        let checks = &cont.checks;
        out.extend(quote!(const CHECKS: &'static [#krate::CheckDef] = &[#(#krate::CheckDef { sql: #checks }),*];));
    }
    for (i, f) in cont.columns().enumerate() {
        for (_, name) in f.attrs.lifecycle_attrs() {
            let konst = syn::Ident::new(&name.to_uppercase(), proc_macro2::Span::call_site());
            out.extend(quote!(const #konst: ::core::option::Option<usize> = ::core::option::Option::Some(#i);));
        }
    }
    out
}

/// The compile-time checks of the lifecycle columns' types (spanned by the
/// field type), and the marker traits of soft-deleting and timestamped
/// models.
/// `ColumnDefault::..` of a `#[db(default = ..)]`.
fn default_value(krate: &syn::Path, d: &crate::internals::attr::Default) -> TokenStream {
    use crate::internals::attr::Default as D;
    let value = match d {
        D::Int(_, v) => quote!(Int(#v)),
        D::Float(_, text) => quote!(Float(#text)),
        D::Bool(l) => quote!(Bool(#l)),
        D::Text(l) => quote!(Text(#l)),
        D::Raw(l) => quote!(Raw(#l)),
        D::RandomUuid(_) => quote!(RandomUuid),
    };
    quote!(#krate::ColumnDefault::#value)
}

/// The `Option<u16>` bucket count of a hash-sharded index, as an
/// unsuffixed literal (the attribute's may carry a suffix).
fn buckets(h: &crate::internals::attr::HashSharded) -> TokenStream {
    match h.buckets {
        Some(n) => {
            let lit = proc_macro2::Literal::u16_unsuffixed(n);
            quote!(::core::option::Option::Some(#lit))
        }
        None => quote!(::core::option::Option::None),
    }
}

/// Compile-time checks of `#[db(size)]` and `#[db(default)]` against the
/// field's type, each failing at its attribute.
fn column_checks(cont: &Container<'_>) -> TokenStream {
    let krate = &cont.krate;
    let mut out = TokenStream::new();
    for f in cont.columns() {
        let ty = f.ty;
        let sql_type = quote!(<#ty as #krate::ColumnType>::SQL_TYPE);
        if let Some(n) = &f.attrs.size {
            let msg = format!(
                "#[db(size = {n})] applies only to text columns (String, Option<String>); field `{}` is not one",
                f.ident
            );
            out.extend(quote_spanned! {n.span()=>
                const _: () = ::core::assert!(__p::sized_text(#sql_type), #msg);
            });
        }
        if let Some(d) = &f.attrs.default {
            let value = default_value(krate, d);
            let msg = if matches!(d, crate::internals::attr::Default::RandomUuid(_)) {
                format!(
                    "#[db(default = random_uuid)] makes a UUID: field `{}` must be a uuid::Uuid \
                     (feature `uuid`)",
                    f.ident
                )
            } else {
                format!(
                    "#[db(default)] of field `{}` does not fit its type: an integer in range for \
                     integer columns, a number for float and decimal columns, true or false for \
                     bool, a string for text, dates, times, UUIDs, decimals and JSON; any other \
                     default as raw(\"SQL\")",
                    f.ident
                )
            };
            out.extend(quote_spanned! {d.span()=>
                const _: () = ::core::assert!(__p::default_fits(#sql_type, #value), #msg);
            });
        }
    }
    out
}

fn lifecycle(cont: &Container<'_>) -> TokenStream {
    let krate = &cont.krate;
    let ident = cont.ident;
    let mut out = column_checks(cont);
    for f in cont.columns() {
        let ty = f.ty;
        for (span, name) in f.attrs.lifecycle_attrs() {
            let check = match name {
                "created_at" | "updated_at" => quote!(timestamp_column),
                "soft_delete" => quote!(soft_delete_column),
                _ => quote!(version_column),
            };
            out.extend(quote_spanned! {f.ty_span=>
                const _: () = __p::#check::<#ty>();
            });
            match name {
                "soft_delete" => out.extend(quote!(impl #krate::SoftDelete for #ident {})),
                "updated_at" => out.extend(quote!(impl #krate::Timestamped for #ident {})),
                "version" => {
                    // An upsert cannot check a version: the record must be
                    // known to be new or saved.
                    let keys = cont.keys();
                    let key_ty = keys[0].1.ty;
                    let generated = if keys.len() > 1 {
                        quote!(false)
                    } else {
                        quote!(<#key_ty as __p::KeyType>::GENERATED)
                    };
                    let snapshot = cont.snapshot().is_some();
                    let msg = format!(
                        "{ident}: #[db(version)] needs a generated key (i16, i32, i64) or a Snapshot \
                         field: with a user-supplied key and no snapshot, save upserts, which cannot \
                         check a version"
                    );
                    out.extend(quote_spanned! {span=>
                        const _: () = ::core::assert!(
                            #generated || #snapshot,
                            #msg
                        );
                    });
                }
                _ => {}
            }
        }
    }
    out
}

/// The relation handles on the mapper, the accessors on the struct, and
/// compile-time checks of foreign keys on the related models.
fn relations(cont: &Container<'_>) -> TokenStream {
    let krate = &cont.krate;
    let ident = cont.ident;
    let mapper = &cont.mapper;
    let snake = cont.snake();
    let mut consts = Vec::new();
    let mut accessors = Vec::new();
    let mut asserts = Vec::new();
    for (kind, f) in cont.relations() {
        let Some(target) = f.target else { continue };
        let fid = f.ident;
        let konst = const_name(f);
        let name = fid.to_string();
        let name = name.strip_prefix("r#").unwrap_or(&name).to_owned();
        let fk = cont.foreign_key(kind, f);
        let (k1, k2) = cont.through_keys(f);
        let through = match &f.attrs.through {
            Some(l) => quote!(::core::option::Option::Some(#l)),
            None => quote!(::core::option::Option::None),
        };
        let inner = f.attrs.join.as_ref().is_some_and(|l| l.value() == "inner");
        let variant = syn::Ident::new(kind.variant(), fid.span());
        let doc = format!("The `{name}` relation ({}).", kind.variant());
        consts.push(quote_spanned! {f.ty_span=>
            #[doc = #doc]
            pub const #konst: #krate::Relation<#ident, #target> = #krate::Relation::new(
                #krate::RelationDef {
                    name: #name,
                    kind: #krate::RelationKind::#variant,
                    foreign_key: #fk,
                    through: #through,
                    through_keys: (#k1, #k2),
                    owner_singular: #snake,
                    inner: #inner,
                },
                |m: &mut #ident| -> &mut dyn __p::LoadSlot<#target> { &mut m.#fid },
            );
        });
        match kind {
            RelKind::BelongsTo => {
                let optional = cont
                    .columns()
                    .find(|c| c.column == fk)
                    .is_some_and(|c| is_option(c.ty));
                let msg = format!(
                    "{ident}.{name}: the related model has a composite primary key; a belongs-to \
                     relation refers to a single key column"
                );
                asserts.push(quote_spanned! {f.ty_span=>
                    const _: () = ::core::assert!(
                        <#target as #krate::Model>::KEY_COLUMNS.len() == 1,
                        #msg
                    );
                });
                let doc = format!("Loads the `{name}` record this one belongs to (one query).");
                accessors.push(if optional {
                    quote! {
                        #[doc = #doc]
                        pub fn #fid(&self, conn: &#krate::Connection) -> #krate::Result<::core::option::Option<#target>> {
                            #mapper::#konst.parent_of(conn, self)
                        }
                    }
                } else {
                    quote! {
                        #[doc = #doc]
                        pub fn #fid(&self, conn: &#krate::Connection) -> #krate::Result<#target> {
                            #mapper::#konst.parent_required(conn, self)
                        }
                    }
                });
            }
            RelKind::HasOne | RelKind::HasMany | RelKind::ManyToMany => {
                let doc = format!(
                    "The scope of this record's `{name}`: chain and run it like any scope{}.",
                    if kind == RelKind::ManyToMany {
                        ""
                    } else {
                        "; `save` through it sets the foreign key"
                    }
                );
                accessors.push(quote! {
                    #[doc = #doc]
                    pub fn #fid(&self) -> <#target as #krate::Model>::Scope {
                        #mapper::#konst.scope_of(self)
                    }
                });
                if kind == RelKind::ManyToMany {
                    let msg = format!(
                        "{ident}.{name}: the related model has a composite primary key; a \
                         many-to-many relation links single key columns"
                    );
                    asserts.push(quote_spanned! {f.ty_span=>
                        const _: () = ::core::assert!(
                            <#target as #krate::Model>::KEY_COLUMNS.len() == 1,
                            #msg
                        );
                    });
                }
                if kind != RelKind::ManyToMany {
                    let msg = format!(
                        "{ident}.{name}: the foreign key column `{fk}` is not a column of the related model; name it with #[db(foreign_key = \"...\")]"
                    );
                    asserts.push(quote_spanned! {f.ty_span=>
                        const _: () = ::core::assert!(
                            __p::has_column(<#target as #krate::Model>::COLUMNS, #fk),
                            #msg
                        );
                    });
                }
            }
        }
    }
    if consts.is_empty() {
        return TokenStream::new();
    }
    // A relation declared but not used yet is not dead code.
    quote! {
        #[allow(non_upper_case_globals, dead_code)]
        impl #mapper {
            #(#consts)*
        }

        #[allow(dead_code)]
        impl #ident {
            #(#accessors)*
        }

        #(#asserts)*
    }
}
