//! `#[derive(DbValue)]`: a Rust enum stored as text (its variant names) or
//! as an integer (its discriminants), or a newtype over a column type,
//! usable as a model field (and, for a newtype, as a key).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::internals::case::snake_case;
use crate::internals::ctxt::Ctxt;

/// How an enum's variants are named in the database.
#[derive(Clone, Copy)]
enum RenameAll {
    AsWritten,
    Snake,
    Lower,
    Upper,
}

impl RenameAll {
    fn apply(self, name: &str) -> String {
        match self {
            RenameAll::AsWritten => name.to_owned(),
            RenameAll::Snake => snake_case(name),
            RenameAll::Lower => name.to_lowercase(),
            RenameAll::Upper => snake_case(name).to_uppercase(),
        }
    }
}

/// The attributes of the enum: `#[db(int)]`, `#[db(rename_all = "..")]`.
struct EnumAttrs {
    int: Option<proc_macro2::Span>,
    rename_all: RenameAll,
}

fn enum_attrs(cx: &Ctxt, input: &DeriveInput) -> EnumAttrs {
    let mut out = EnumAttrs {
        int: None,
        rename_all: RenameAll::AsWritten,
    };
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("db")) {
        let res = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("int") {
                out.int = Some(meta.path.span());
            } else if meta.path.is_ident("rename_all") {
                let lit: LitStr = meta.value()?.parse()?;
                out.rename_all = match lit.value().as_str() {
                    "snake_case" => RenameAll::Snake,
                    "lowercase" => RenameAll::Lower,
                    "SCREAMING_SNAKE_CASE" => RenameAll::Upper,
                    _ => {
                        cx.error_spanned_by(
                            &lit,
                            "expected rename_all = \"snake_case\", \"lowercase\" or \
                             \"SCREAMING_SNAKE_CASE\"",
                        );
                        RenameAll::AsWritten
                    }
                };
            } else {
                cx.error_spanned_by(
                    &meta.path,
                    "unknown #[db] attribute of a DbValue enum; expected int or rename_all",
                );
            }
            Ok(())
        });
        if let Err(e) = res {
            cx.syn_error(e);
        }
    }
    out
}

/// A variant's `#[db(rename = "..")]`.
fn variant_rename(cx: &Ctxt, variant: &syn::Variant) -> Option<LitStr> {
    let mut rename = None;
    for attr in variant.attrs.iter().filter(|a| a.path().is_ident("db")) {
        let res = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let lit: LitStr = meta.value()?.parse()?;
                if lit.value().is_empty() {
                    cx.error_spanned_by(&lit, "a variant's name in the database cannot be empty");
                }
                rename = Some(lit);
            } else {
                cx.error_spanned_by(
                    &meta.path,
                    "unknown #[db] attribute of a variant; expected rename = \"..\"",
                );
            }
            Ok(())
        });
        if let Err(e) = res {
            cx.syn_error(e);
        }
    }
    rename
}

/// What every derived value type gets: `ToValue`, `From<T> for Value`, and
/// operands of conditions on its columns (`Posts::STATUS.eq(Status::Draft)`).
fn common(ident: &syn::Ident) -> TokenStream {
    let operands = [
        (quote!(#ident), quote!(#ident)),
        (quote!(#ident), quote!(&#ident)),
        (quote!(::core::option::Option<#ident>), quote!(#ident)),
        (quote!(::core::option::Option<#ident>), quote!(&#ident)),
    ]
    .into_iter()
    .map(|(column, operand)| {
        quote! {
            impl ::orm::IntoOperand<#column> for #operand {
                fn into_operand(self) -> ::orm::Expr {
                    ::orm::Expr::Value(::orm::ToValue::to_value(&self))
                }
            }
        }
    });
    quote! {
        #(#operands)*
        impl ::orm::ListItem for #ident {}
        impl ::orm::ToValue for #ident {
            fn to_value(&self) -> ::orm::Value {
                ::orm::ColumnType::as_value_ref(self).to_owned()
            }
        }
        impl ::core::convert::From<#ident> for ::orm::Value {
            fn from(v: #ident) -> ::orm::Value {
                ::orm::ToValue::to_value(&v)
            }
        }
    }
}

fn expand_enum(cx: &Ctxt, input: &DeriveInput, data: &syn::DataEnum) -> TokenStream {
    let ident = &input.ident;
    let attrs = enum_attrs(cx, input);
    if data.variants.is_empty() {
        cx.error_spanned_by(
            ident,
            "#[derive(DbValue)] needs an enum with at least one variant",
        );
    }
    let mut names = Vec::new();
    for v in &data.variants {
        if !matches!(v.fields, Fields::Unit) {
            cx.error_spanned_by(
                &v.fields,
                "#[derive(DbValue)] stores enums of unit variants only (`Draft`, not `Draft(..)`)",
            );
        }
        let rename = variant_rename(cx, v);
        if attrs.int.is_some() {
            if let Some(r) = &rename {
                cx.error_spanned_by(r, "an enum stored as an integer (#[db(int)]) has no names");
            }
        }
        let name = rename.map_or_else(
            || attrs.rename_all.apply(&v.ident.to_string()),
            |l| l.value(),
        );
        if names.contains(&name) {
            cx.error_spanned_by(&v.ident, format!("two variants are stored as {name:?}"));
        }
        names.push(name);
    }
    let variants: Vec<&syn::Ident> = data.variants.iter().map(|v| &v.ident).collect();
    let indexes = 0..variants.len();
    let rust_name = ident.to_string();
    let common = common(ident);
    let (sql_type, to_ref, decode, checks) = if attrs.int.is_some() {
        let checks = variants.iter().map(|v| {
            let msg = format!("{ident}::{v}: an enum stored as an integer keeps discriminants within i32");
            quote_spanned! {v.span()=>
                const _: () = ::core::assert!(
                    (#ident::#v as i64) >= i32::MIN as i64 && (#ident::#v as i64) <= i32::MAX as i64,
                    #msg
                );
            }
        });
        (
            quote!(Int),
            quote!(::orm::ValueRef::Int(*self as i64)),
            quote!(::orm::__private::decode_int_enum(value, &[#(#ident::#variants as i64),*], #rust_name)?),
            quote!(#(#checks)*),
        )
    } else {
        (
            quote!(Text),
            quote!(::orm::ValueRef::Text(match self { #(#ident::#variants => #names,)* })),
            quote!(::orm::__private::decode_text_enum(value, &[#(#names),*], #rust_name)?),
            quote!(),
        )
    };
    quote! {
        #checks
        #common
        impl ::orm::ColumnType for #ident {
            const SQL_TYPE: ::orm::SqlType = ::orm::SqlType::#sql_type;
            const RUST_NAME: &'static str = #rust_name;
            fn as_value_ref(&self) -> ::orm::ValueRef<'_> {
                #to_ref
            }
        }
        impl ::orm::FromValue for #ident {
            fn from_value(value: ::orm::ValueRef<'_>) -> ::core::result::Result<Self, ::orm::DecodeError> {
                let index: usize = #decode;
                match index {
                    #(#indexes => ::core::result::Result::Ok(#ident::#variants),)*
                    _ => ::core::unreachable!(),
                }
            }
        }
    }
}

fn expand_newtype(cx: &Ctxt, input: &DeriveInput, data: &syn::DataStruct) -> TokenStream {
    let ident = &input.ident;
    let inner = match &data.fields {
        Fields::Unnamed(f) if f.unnamed.len() == 1 => &f.unnamed[0].ty,
        other => {
            cx.error_spanned_by(
                other,
                "#[derive(DbValue)] on a struct needs a newtype of one field: `struct Email(String);`",
            );
            return TokenStream::new();
        }
    };
    let mut key = false;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("db")) {
        let res = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("key") {
                key = true;
            } else {
                cx.error_spanned_by(
                    &meta.path,
                    "unknown #[db] attribute of a DbValue newtype; expected key",
                );
            }
            Ok(())
        });
        if let Err(e) = res {
            cx.syn_error(e);
        }
    }
    let rust_name = ident.to_string();
    let common = common(ident);
    let column_type = quote_spanned!(inner.span()=> <#inner as ::orm::ColumnType>);
    let key_type = quote_spanned!(inner.span()=> <#inner as ::orm::__private::KeyType>);
    // `#[db(key)]`: a newtype over a key type is a key type (`id: UserId`).
    let key_impl = key.then(|| {
        quote! {
            impl ::orm::__private::KeyType for #ident {
                const GENERATED: bool = #key_type::GENERATED;
                fn is_unset(&self) -> bool {
                    #key_type::is_unset(&self.0)
                }
                fn from_generated(key: i64) -> ::orm::Result<Self> {
                    #key_type::from_generated(key).map(#ident)
                }
            }
        }
    });
    quote! {
        #common
        impl ::orm::ColumnType for #ident {
            const SQL_TYPE: ::orm::SqlType = #column_type::SQL_TYPE;
            const NULLABLE: bool = #column_type::NULLABLE;
            const RUST_NAME: &'static str = #rust_name;
            fn as_value_ref(&self) -> ::orm::ValueRef<'_> {
                #column_type::as_value_ref(&self.0)
            }
        }
        impl ::orm::FromValue for #ident {
            fn from_value(value: ::orm::ValueRef<'_>) -> ::core::result::Result<Self, ::orm::DecodeError> {
                <#inner as ::orm::FromValue>::from_value(value).map(#ident)
            }
        }
        #key_impl
    }
}

/// The derive's output.
pub fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let cx = Ctxt::new();
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(
            &input.generics,
            "#[derive(DbValue)] does not take generic types",
        );
    }
    let out = match &input.data {
        Data::Enum(e) => expand_enum(&cx, input, e),
        Data::Struct(s) => expand_newtype(&cx, input, s),
        Data::Union(_) => {
            cx.error_spanned_by(
                &input.ident,
                "#[derive(DbValue)] applies to enums and newtypes",
            );
            TokenStream::new()
        }
    };
    cx.check()?;
    Ok(out)
}
