//! Generates the `Model` impl, the mapper and the scope type of a struct.
//! Only what is specific to the struct is emitted; the logic is in orm-core.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::internals::ast::{const_name, Container, Role};
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
    let ident = cont.ident;
    let vis = cont.vis;
    let table = &cont.table;
    let mapper = &cont.mapper;
    let scope = &cont.scope;
    let (key_index, key) = cont.key().expect("checked");
    let key_ident = key.ident;
    let key_ty = key.ty;

    let column_defs = cont.columns().map(|f| {
        let ty = f.ty;
        let (name, field) = (&f.column, f.ident.to_string());
        let pk = f.ident == key_ident;
        let (unique, index) = (f.unique, f.index);
        let generated = if pk {
            quote_spanned!(ty.span()=> <#ty as #krate::KeyType>::GENERATED)
        } else {
            quote!(false)
        };
        quote_spanned! {ty.span()=>
            #krate::model::column_def::<#ty>(#name, #field, #pk, #generated, #unique, #index)
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

    let decode_fields = cont.fields.iter().map(|f| {
        let fid = f.ident;
        match f.role {
            Role::Column => {
                let i = cont.columns().position(|c| c.ident == fid).expect("column");
                let name = &f.column;
                quote!(#fid: #krate::decode(row, #i, #table, #name)?)
            }
            Role::Skipped | Role::Snapshot => quote!(#fid: ::core::default::Default::default()),
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

    let value_arms = cont.columns().enumerate().map(|(i, f)| {
        let fid = f.ident;
        quote!(#i => #krate::ToValue::to_value(&self.#fid),)
    });
    let set_arms = cont.columns().enumerate().map(|(i, f)| {
        let fid = f.ident;
        let name = &f.column;
        quote!(#i => self.#fid = #krate::model::value_into(value, #table, #name)?,)
    });

    let mapper_doc = format!(
        "Mapper of [`{ident}`] (table `{table}`): starts scopes (`{mapper}::all()`, \
         `{mapper}::where_(..)`) and holds the typed column constants."
    );
    let scope_doc = format!(
        "Scope of [`{ident}`] records. Add named scopes in an `impl {scope}` block; \
         every method of [`Scoped`]({}::Scoped) works on it.",
        quote!(#krate).to_string().replace(' ', "")
    );

    quote! {
        #[doc = #mapper_doc]
        #[derive(Debug, Clone, Copy, Default)]
        #vis struct #mapper;

        impl #krate::Mapper for #mapper {
            type Model = #ident;
        }

        #[allow(non_upper_case_globals)]
        impl #mapper {
            #(#consts)*
        }

        #[doc = #scope_doc]
        #[derive(Debug, Clone, Default)]
        #vis struct #scope(#krate::Scope<#ident>);

        impl #krate::Scoped for #scope {
            type Model = #ident;
            fn as_scope(&self) -> &#krate::Scope<#ident> { &self.0 }
            fn into_scope(self) -> #krate::Scope<#ident> { self.0 }
            fn from_scope(scope: #krate::Scope<#ident>) -> Self { #scope(scope) }
        }

        impl #krate::FromRow for #ident {
            fn from_row(row: &dyn #krate::Row) -> #krate::Result<Self> {
                #[allow(unused_mut)]
                let mut rec = #ident { #(#decode_fields,)* };
                #capture
                ::core::result::Result::Ok(rec)
            }
        }

        impl #krate::Model for #ident {
            type Key = #key_ty;
            type Scope = #scope;
            const TABLE: &'static str = #table;
            const COLUMNS: &'static [#krate::ColumnDef] = &[#(#column_defs),*];
            const KEY_INDEX: usize = #key_index;

            fn column_value(&self, idx: usize) -> #krate::Value {
                match idx {
                    #(#value_arms)*
                    _ => #krate::Value::Null,
                }
            }

            fn set_column(&mut self, idx: usize, value: &#krate::Value) -> #krate::Result<()> {
                match idx {
                    #(#set_arms)*
                    _ => return ::core::result::Result::Err(#krate::model::no_such_column(#table, idx)),
                }
                ::core::result::Result::Ok(())
            }

            fn key(&self) -> #key_ty {
                ::core::clone::Clone::clone(&self.#key_ident)
            }

            fn key_unset(&self) -> bool {
                <#key_ty as #krate::KeyType>::is_unset(&self.#key_ident)
            }

            fn set_generated_key(&mut self, key: i64) -> #krate::Result<()> {
                self.#key_ident = <#key_ty as #krate::KeyType>::from_generated(key)?;
                ::core::result::Result::Ok(())
            }

            #snapshot_fns

            fn sql_cache() -> &'static #krate::SqlCache {
                static CACHE: #krate::SqlCache = #krate::SqlCache::new();
                &CACHE
            }
        }
    }
}
