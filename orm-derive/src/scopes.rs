//! `#[orm::scopes]`: named scopes written once, on the scope type, usable as
//! starters on the mapper too (`Users::recently_active().activated()`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{FnArg, ImplItem, ItemImpl, Pat, ReturnType, Type};

use crate::internals::case;

/// The impl block, with the starters; on an error, the block is kept so that
/// only the error is reported, not every use of its scopes too.
pub fn expand(args: TokenStream, item: ItemImpl) -> TokenStream {
    match mapper_name(args, &item) {
        Ok(mapper) => generate(&mapper, &item),
        Err(e) => {
            let e = e.into_compile_error();
            quote!(#item #e)
        }
    }
}

fn generate(mapper: &syn::Ident, item: &ItemImpl) -> TokenStream {
    let self_ty = &item.self_ty;
    let mut starters = Vec::new();
    for it in &item.items {
        let ImplItem::Fn(f) = it else { continue };
        let sig = &f.sig;
        let Some(FnArg::Receiver(recv)) = sig.inputs.first() else {
            continue;
        };
        if recv.reference.is_some() || !matches!(sig.output, ReturnType::Type(..)) {
            continue;
        }
        if !matches!(f.vis, syn::Visibility::Public(_)) {
            continue;
        }
        let name = &sig.ident;
        let generics = &sig.generics;
        let where_clause = &sig.generics.where_clause;
        let mut params = Vec::new();
        let mut call = Vec::new();
        for (i, arg) in sig.inputs.iter().skip(1).enumerate() {
            let FnArg::Typed(pt) = arg else { continue };
            let ty = &pt.ty;
            let id = match &*pt.pat {
                Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => p.ident.clone(),
                _ => format_ident!("__arg{}", i),
            };
            let ty = replace_self(quote!(#ty), &quote!(#self_ty));
            params.push(quote!(#id: #ty));
            call.push(quote!(#id));
        }
        let docs = f
            .attrs
            .iter()
            .filter(|a| a.path().is_ident("doc") || a.path().is_ident("cfg"));
        let output = match &sig.output {
            ReturnType::Type(_, ty) => replace_self(quote!(#ty), &quote!(#self_ty)),
            ReturnType::Default => quote!(()),
        };
        starters.push(quote! {
            #(#docs)*
            pub fn #name #generics (#(#params),*) -> #output #where_clause {
                <#self_ty as ::core::default::Default>::default().#name(#(#call),*)
            }
        });
    }
    quote! {
        #item

        impl #mapper {
            #(#starters)*
        }
    }
}

/// `Self` inside the return type (`Result<Self>`) means the scope type, not
/// the mapper the starter is defined on.
fn replace_self(tokens: TokenStream, with: &TokenStream) -> TokenStream {
    use proc_macro2::{Group, TokenTree};
    tokens
        .into_iter()
        .flat_map(|tt| -> Vec<TokenTree> {
            match tt {
                TokenTree::Ident(id) if id == "Self" => with.clone().into_iter().collect(),
                TokenTree::Group(g) => {
                    let mut ng = Group::new(g.delimiter(), replace_self(g.stream(), with));
                    ng.set_span(g.span());
                    vec![TokenTree::Group(ng)]
                }
                other => vec![other],
            }
        })
        .collect()
}

/// `#[scopes(mapper = Users)]`, or by convention from `UserScope`: `User` ->
/// `users` -> `Users`.
fn mapper_name(args: TokenStream, item: &ItemImpl) -> syn::Result<syn::Ident> {
    if !args.is_empty() {
        let mut mapper = None;
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("mapper") {
                mapper = Some(meta.value()?.parse::<syn::Ident>()?);
                Ok(())
            } else {
                Err(meta.error("expected `mapper = MapperType`"))
            }
        });
        syn::parse::Parser::parse2(parser, args)?;
        return mapper.ok_or_else(|| {
            syn::Error::new(
                proc_macro2::Span::call_site(),
                "expected `mapper = MapperType`",
            )
        });
    }
    let Type::Path(p) = &*item.self_ty else {
        return Err(syn::Error::new_spanned(
            &item.self_ty,
            "#[orm::scopes] goes on a scope type, as in `impl UserScope`",
        ));
    };
    let last = p.path.segments.last().expect("a path has a segment");
    let name = last.ident.to_string();
    let model = name
        .strip_suffix("Scope")
        .filter(|m| !m.is_empty())
        .ok_or_else(|| {
            syn::Error::new_spanned(
                &last.ident,
                format!(
                    "cannot tell the mapper from `{name}`, whose name does not end in `Scope` \
                     (as in `impl UserScope`); name the mapper: #[orm::scopes(mapper = Users)]"
                ),
            )
        })?;
    Ok(syn::Ident::new(
        &case::camel_case(&case::table_name(model)),
        last.ident.span(),
    ))
}
