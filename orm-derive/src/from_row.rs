//! Generates `FromRow` for any struct with named fields: each field is read
//! from the column of its name (or `#[db(column = "...")]`), by name.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::internals::{attr, ctxt::Ctxt};

pub fn expand(input: &syn::DeriveInput) -> syn::Result<TokenStream> {
    let cx = Ctxt::new();
    let container = attr::Container::from_ast(&cx, input);
    let krate = container
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::orm));
    if let Some(t) = &container.table {
        cx.error_spanned_by(t, "#[db(table)] does not apply to #[derive(FromRow)]");
    }
    for (ident, name) in [(&container.mapper, "mapper"), (&container.scope, "scope")] {
        if let Some(i) = ident {
            cx.error_spanned_by(
                i,
                format!("#[db({name})] does not apply to #[derive(FromRow)]"),
            );
        }
    }
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            "#[derive(FromRow)] does not support generic structs",
        );
    }
    let fields = match &input.data {
        syn::Data::Struct(syn::DataStruct {
            fields: syn::Fields::Named(named),
            ..
        }) => Some(named),
        _ => {
            cx.error_spanned_by(
                &input.ident,
                "#[derive(FromRow)] needs a struct with named fields, one per selected column",
            );
            None
        }
    };
    let table_label = input.ident.to_string();
    let mut inits = Vec::new();
    let mut names = Vec::new();
    if let Some(named) = fields {
        for f in &named.named {
            let a = attr::Field::from_ast(&cx, f);
            let fid = f.ident.as_ref().expect("named field");
            let ty = &f.ty;
            if a.skip.is_some() {
                inits.push(quote_spanned!(ty.span()=> #fid: ::core::default::Default::default()));
                continue;
            }
            for (span, name) in a.relation_attrs().into_iter().chain(
                [
                    (a.primary_key, "primary_key"),
                    (a.unique, "unique"),
                    (a.index, "index"),
                ]
                .into_iter()
                .filter_map(|(s, n)| s.map(|s| (s, n))),
            ) {
                cx.syn_error(syn::Error::new(
                    span,
                    format!(
                        "#[db({name})] does not apply to #[derive(FromRow)]; use column or skip"
                    ),
                ));
            }
            let column = a.column.as_ref().map_or_else(
                || {
                    let s = fid.to_string();
                    s.strip_prefix("r#").unwrap_or(&s).to_owned()
                },
                syn::LitStr::value,
            );
            let decode = quote_spanned!(ty.span()=> #krate::decode::<#ty>);
            let i = names.len();
            inits.push(quote!(#fid: #decode(row, layout.index(#i), #table_label, #column)?));
            names.push(column);
        }
    }
    cx.check()?;
    let ident = &input.ident;
    Ok(quote! {
        impl #krate::FromRow for #ident {
            fn column_names() -> ::core::option::Option<&'static [&'static str]> {
                ::core::option::Option::Some(&[#(#names),*])
            }
            fn label() -> &'static str {
                #table_label
            }
            #[allow(unused_variables)]
            fn from_row(
                row: &mut dyn #krate::Row,
                layout: #krate::Layout<'_>,
            ) -> #krate::Result<Self> {
                ::core::result::Result::Ok(#ident { #(#inits,)* })
            }
        }
    })
}
