//! Derive macros of the `orm` crate. Use them through `orm`:
//! `#[derive(orm::Model)]` and `#[orm::scopes]`.
//!
//! The attributes are parsed once into an internal model (`internals`), then
//! generators turn that model into code (`model`, `scopes`); this file only
//! wires them.

mod embed;
mod from_row;
mod internals;
mod model;
mod scopes;
mod value;

use proc_macro::TokenStream;

/// Derives `orm::Model` for a struct with named fields; see the `orm` crate
/// documentation for the attributes.
#[proc_macro_derive(Model, attributes(db))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    model::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Derives `orm::FromRow` for a struct with named fields, read from a row by
/// column name: each field from the column of its name, or of
/// `#[db(column = "...")]`; `#[db(skip)]` fields get `Default::default()`.
/// For custom select lists (`scope.select::<T>(..)`) and raw queries.
#[proc_macro_derive(FromRow, attributes(db))]
pub fn derive_from_row(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    from_row::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Derives the column-type traits (`orm::ColumnType`, `ToValue`,
/// `FromValue`) for a Rust enum of unit variants, stored as text (the
/// variant names; `#[db(rename_all = "snake_case")]`, `#[db(rename =
/// "..")]` on a variant) or as an integer (`#[db(int)]`: the
/// discriminants), or for a newtype over a column type (`struct
/// Email(String);`, and with `#[db(key)]` a key type, `struct UserId(i64);`).
#[proc_macro_derive(DbValue, attributes(db))]
pub fn derive_db_value(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    value::expand(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// On an `impl UserScope { .. }` block of named scopes: also makes each
/// public `fn name(self, ..) -> Self` a starter on the mapper, so that
/// `Users::recently_active().activated()` works. The mapper is found by
/// convention (`UserScope` -> `Users`) or named: `#[scopes(mapper = People)]`.
#[proc_macro_attribute]
pub fn scopes(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = syn::parse_macro_input!(input as syn::ItemImpl);
    scopes::expand(args.into(), item).into()
}

/// `embed_migrations!("migrations")`: the migration folders under that
/// directory (relative to the crate's `Cargo.toml`), embedded in the binary;
/// evaluates to `orm::Result<orm::migrate::Migrations>`. See
/// `orm::migrate` and `orm::embed_migrations!`.
#[proc_macro]
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    let lit = syn::parse_macro_input!(input as syn::LitStr);
    embed::expand(&lit)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
