//! The `#[db(...)]` attributes of a struct and of its fields.

use syn::spanned::Spanned;
use syn::{Attribute, LitStr, Meta};

use super::ctxt::Ctxt;

/// An attribute value that remembers where it was written.
pub struct Attr<T> {
    pub value: Option<(T, proc_macro2::Span)>,
    name: &'static str,
}

impl<T> Attr<T> {
    fn none(name: &'static str) -> Self {
        Attr { value: None, name }
    }

    fn set(&mut self, cx: &Ctxt, tokens: &impl quote::ToTokens, value: T) {
        if self.value.is_some() {
            cx.error_spanned_by(tokens, format!("duplicate #[db({})] attribute", self.name));
        } else {
            self.value = Some((value, tokens.span()));
        }
    }

    pub fn get(self) -> Option<T> {
        self.value.map(|(v, _)| v)
    }

    pub fn is_set(&self) -> bool {
        self.value.is_some()
    }

    pub fn span(&self) -> Option<proc_macro2::Span> {
        self.value.as_ref().map(|(_, s)| *s)
    }
}

/// `#[db(...)]` on the struct.
pub struct Container {
    pub table: Option<String>,
    pub mapper: Option<syn::Ident>,
    pub scope: Option<syn::Ident>,
    pub krate: Option<syn::Path>,
}

/// `#[db(...)]` on a field.
pub struct Field {
    pub column: Option<String>,
    pub skip: bool,
    pub primary_key: Attr<()>,
    pub unique: bool,
    pub index: bool,
}

fn is_sql_identifier(s: &str) -> bool {
    !s.is_empty() && !s.contains('\0') && s.len() <= 63
}

fn string_value(cx: &Ctxt, meta: &syn::meta::ParseNestedMeta<'_>, what: &str) -> Option<LitStr> {
    match meta.value().and_then(|v| v.parse::<LitStr>()) {
        Ok(lit) => {
            if is_sql_identifier(&lit.value()) {
                Some(lit)
            } else {
                cx.error_spanned_by(
                    &lit,
                    format!("{what} must be a non-empty name of at most 63 characters"),
                );
                None
            }
        }
        Err(e) => {
            cx.syn_error(syn::Error::new(
                e.span(),
                format!(
                    "expected {what} as a string: #[db({} = \"...\")]",
                    path_name(meta)
                ),
            ));
            None
        }
    }
}

fn ident_value(cx: &Ctxt, meta: &syn::meta::ParseNestedMeta<'_>, what: &str) -> Option<syn::Ident> {
    let lit = string_value(cx, meta, what)?;
    match lit.parse::<syn::Ident>() {
        Ok(id) => Some(id),
        Err(_) => {
            cx.error_spanned_by(&lit, format!("{what} must be a Rust identifier"));
            None
        }
    }
}

fn path_name(meta: &syn::meta::ParseNestedMeta<'_>) -> String {
    meta.path
        .get_ident()
        .map_or_else(|| "?".to_owned(), ToString::to_string)
}

fn db_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("db"))
}

fn require_list(cx: &Ctxt, attr: &Attribute) -> bool {
    if let Meta::List(_) = attr.meta {
        true
    } else {
        cx.error_spanned_by(attr, "expected #[db(...)]");
        false
    }
}

impl Container {
    pub fn from_ast(cx: &Ctxt, input: &syn::DeriveInput) -> Self {
        let mut table = Attr::none("table");
        let mut mapper = Attr::none("mapper");
        let mut scope = Attr::none("scope");
        let mut krate = Attr::none("crate");
        for attr in db_attrs(&input.attrs) {
            if !require_list(cx, attr) {
                continue;
            }
            let res = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("table") {
                    if let Some(v) = string_value(cx, &meta, "a table name") {
                        table.set(cx, &meta.path, v.value());
                    }
                } else if meta.path.is_ident("mapper") {
                    if let Some(v) = ident_value(cx, &meta, "the mapper name") {
                        mapper.set(cx, &meta.path, v);
                    }
                } else if meta.path.is_ident("scope") {
                    if let Some(v) = ident_value(cx, &meta, "the scope type name") {
                        scope.set(cx, &meta.path, v);
                    }
                } else if meta.path.is_ident("crate") {
                    if let Some(v) = string_value(cx, &meta, "the crate path") {
                        match v.parse::<syn::Path>() {
                            Ok(p) => krate.set(cx, &meta.path, p),
                            Err(_) => cx.error_spanned_by(&v, "expected a path"),
                        }
                    }
                } else {
                    cx.error_spanned_by(
                        &meta.path,
                        format!(
                            "unknown #[db] attribute `{}` on a struct; expected table, mapper, scope or crate",
                            path_name(&meta)
                        ),
                    );
                    skip_value(&meta);
                }
                Ok(())
            });
            if let Err(e) = res {
                cx.syn_error(e);
            }
        }
        Container {
            table: table.get(),
            mapper: mapper.get(),
            scope: scope.get(),
            krate: krate.get(),
        }
    }
}

/// Consumes `= value` after an unknown key, so that one error is reported.
fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) {
    if meta.input.peek(syn::Token![=]) {
        let _ = meta.value().and_then(|v| v.parse::<syn::Expr>());
    } else if meta.input.peek(syn::token::Paren) {
        let _ = meta.parse_nested_meta(|_| Ok(()));
    }
}

impl Field {
    pub fn from_ast(cx: &Ctxt, field: &syn::Field) -> Self {
        let mut column = Attr::none("column");
        let mut skip = Attr::none("skip");
        let mut primary_key = Attr::none("primary_key");
        let mut unique = Attr::none("unique");
        let mut index = Attr::none("index");
        for attr in db_attrs(&field.attrs) {
            if !require_list(cx, attr) {
                continue;
            }
            let res = attr.parse_nested_meta(|meta| {
                let flag = |a: &mut Attr<()>| {
                    if meta.input.peek(syn::Token![=]) {
                        cx.error_spanned_by(
                            &meta.path,
                            format!("#[db({})] takes no value", path_name(&meta)),
                        );
                        skip_value(&meta);
                    } else {
                        a.set(cx, &meta.path, ());
                    }
                };
                if meta.path.is_ident("column") {
                    if let Some(v) = string_value(cx, &meta, "a column name") {
                        column.set(cx, &meta.path, v.value());
                    }
                } else if meta.path.is_ident("skip") {
                    flag(&mut skip);
                } else if meta.path.is_ident("primary_key") {
                    flag(&mut primary_key);
                } else if meta.path.is_ident("unique") {
                    flag(&mut unique);
                } else if meta.path.is_ident("index") {
                    flag(&mut index);
                } else {
                    cx.error_spanned_by(
                        &meta.path,
                        format!(
                            "unknown #[db] attribute `{}` on a field; expected column, skip, primary_key, unique or index",
                            path_name(&meta)
                        ),
                    );
                    skip_value(&meta);
                }
                Ok(())
            });
            if let Err(e) = res {
                cx.syn_error(e);
            }
        }
        if skip.is_set() {
            for (other, name) in [
                (column.span(), "column"),
                (primary_key.span(), "primary_key"),
                (unique.span(), "unique"),
                (index.span(), "index"),
            ] {
                if let Some(span) = other {
                    cx.syn_error(syn::Error::new(
                        span,
                        format!("#[db({name})] makes no sense on a #[db(skip)] field"),
                    ));
                }
            }
        }
        Field {
            column: column.get(),
            skip: skip.is_set(),
            primary_key,
            unique: unique.is_set(),
            index: index.is_set(),
        }
    }
}
