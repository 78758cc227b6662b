//! The `#[db(...)]` attributes of a struct and of its fields.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, LitStr, Meta};

use super::ctxt::Ctxt;

/// An attribute value while parsing: reports a second occurrence.
struct Attr<T> {
    value: Option<T>,
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
            self.value = Some(value);
        }
    }

    fn get(self) -> Option<T> {
        self.value
    }
}

/// `#[db(...)]` on the struct.
pub struct Container {
    /// `table = "..."`, with the span of the literal.
    pub table: Option<LitStr>,
    /// `mapper = "..."`, spanned by the literal.
    pub mapper: Option<syn::Ident>,
    /// `scope = "..."`, spanned by the literal.
    pub scope: Option<syn::Ident>,
    pub krate: Option<syn::Path>,
    /// `default_filter = "path::to::fn"`: a function returning the `Cond`
    /// every statement on the table applies.
    pub default_filter: Option<syn::Path>,
    /// `hooks`: the model implements `orm::Hooks`; the keyword's span.
    pub hooks: Option<syn::Path>,
    /// `index(a, b)` and `unique(a, b)`: indexes over several fields, by
    /// field name, with whether they are unique and their hash sharding
    /// (`index(a, b, hash_sharded)`).
    pub indexes: Vec<(bool, Vec<syn::Ident>, Option<HashSharded>)>,
    /// `check = raw("...")`: the conditions of check constraints.
    pub checks: Vec<LitStr>,
}

/// `#[db(default = ..)]`: a literal checked against the field's type, raw
/// SQL, or `random_uuid` (with the keyword's span).
pub enum Default {
    Int(syn::LitInt, i64),
    Float(syn::LitFloat, String),
    Bool(syn::LitBool),
    Text(LitStr),
    Raw(LitStr),
    RandomUuid(Span),
}

impl Default {
    pub fn span(&self) -> Span {
        match self {
            Default::Int(l, _) => l.span(),
            Default::Float(l, _) => l.span(),
            Default::Bool(l) => l.span,
            Default::Text(l) | Default::Raw(l) => l.span(),
            Default::RandomUuid(s) => *s,
        }
    }
}

/// `hash_sharded` or `hash_sharded(buckets = N)` of an index: the keyword's
/// span and the bucket count (checked: 2 to 2048).
pub struct HashSharded {
    pub span: Span,
    pub buckets: Option<u16>,
}

/// CockroachDB's range of bucket counts.
const BUCKETS: std::ops::RangeInclusive<u16> = 2..=2048;

/// `hash_sharded` or `hash_sharded(buckets = N)`, `meta` at the keyword.
/// The value is consumed whatever it is, so that one mistake gives one
/// error.
fn hash_sharded_value(cx: &Ctxt, meta: &syn::meta::ParseNestedMeta<'_>) -> Option<HashSharded> {
    let span = meta.path.span();
    if meta.input.peek(syn::Token![=]) {
        cx.error_spanned_by(
            &meta.path,
            "write #[db(index, hash_sharded)], or with a bucket count \
             #[db(index, hash_sharded(buckets = 16))]",
        );
        skip_value(meta);
        return None;
    }
    if !meta.input.peek(syn::token::Paren) {
        return Some(HashSharded {
            span,
            buckets: None,
        });
    }
    let problem = "expected the number of buckets, from 2 to 2048: hash_sharded(buckets = 16)";
    let mut buckets = None;
    let mut ok = true;
    let res = meta.parse_nested_meta(|inner| {
        if !inner.path.is_ident("buckets") {
            cx.error_spanned_by(&inner.path, problem);
            skip_value(&inner);
            ok = false;
            return Ok(());
        }
        if buckets.is_some() {
            cx.error_spanned_by(&inner.path, "duplicate buckets = N");
            ok = false;
        }
        match inner.value().and_then(|v| v.parse::<syn::Expr>()) {
            Ok(syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(lit),
                ..
            })) => match lit.base10_parse::<u16>() {
                Ok(n) if BUCKETS.contains(&n) => buckets = Some(n),
                _ => {
                    cx.error_spanned_by(
                        &lit,
                        format!(
                            "a hash-sharded index has 2 to 2048 buckets (CockroachDB's \
                             range), not {}",
                            lit.base10_digits()
                        ),
                    );
                    ok = false;
                }
            },
            Ok(other) => {
                cx.error_spanned_by(other, problem);
                ok = false;
            }
            Err(e) => {
                cx.syn_error(syn::Error::new(e.span(), problem));
                ok = false;
            }
        }
        Ok(())
    });
    if let Err(e) = res {
        // `hash_sharded()`, or tokens left after the value.
        cx.syn_error(syn::Error::new(e.span(), problem));
        return None;
    }
    if ok && buckets.is_none() {
        cx.error_spanned_by(&meta.path, problem);
        ok = false;
    }
    ok.then_some(HashSharded { span, buckets })
}

/// `#[db(...)]` on a field. Flags hold the span of their keyword.
pub struct Field {
    /// `column = "..."`, with the span of the literal.
    pub column: Option<LitStr>,
    pub skip: Option<Span>,
    pub primary_key: Option<Span>,
    pub unique: Option<Span>,
    /// `partial`: the unique index leaves soft-deleted rows out.
    pub partial: Option<Span>,
    pub index: Option<Span>,
    /// `hash_sharded`: the field's index is hash-sharded (CockroachDB).
    pub hash_sharded: Option<HashSharded>,
    /// `precision = P` of a decimal column, with the literal.
    pub precision: Option<syn::LitInt>,
    /// `scale = S` of a decimal column, with the literal.
    pub scale: Option<syn::LitInt>,
    /// `foreign_key = "..."` of a relation.
    pub foreign_key: Option<LitStr>,
    /// `through = "..."` of a many-to-many relation.
    pub through: Option<LitStr>,
    /// `through_keys("post_id", "tag_id")` of a many-to-many relation.
    pub through_keys: Option<(LitStr, LitStr)>,
    /// `join = "inner"` or `"outer"` of a relation, with the literal.
    pub join: Option<LitStr>,
    /// `created_at`: set to the clock by every INSERT.
    pub created_at: Option<Span>,
    /// `updated_at`: set to the clock by every INSERT and UPDATE.
    pub updated_at: Option<Span>,
    /// `soft_delete`: `delete` sets it; set rows are left out of queries.
    pub soft_delete: Option<Span>,
    /// `version`: checked and incremented by every write of a record.
    pub version: Option<Span>,
    /// `on_delete = "cascade"` of a belongs-to relation's foreign key, with
    /// the (checked) literal.
    pub on_delete: Option<LitStr>,
    /// `on_update = "cascade"` of a belongs-to relation's foreign key.
    pub on_update: Option<LitStr>,
    /// `no_constraint`: the belongs-to relation gets no foreign-key
    /// constraint.
    pub no_constraint: Option<Span>,
    /// `size = N` of a text column, with the literal.
    pub size: Option<syn::LitInt>,
    /// `default = ..` of a column.
    pub default: Option<Default>,
}

/// The values of `on_delete` / `on_update`, with the `ReferentialAction`
/// variant each names.
pub const ACTIONS: &[(&str, &str)] = &[
    ("cascade", "Cascade"),
    ("restrict", "Restrict"),
    ("set_null", "SetNull"),
    ("set_default", "SetDefault"),
    ("no_action", "NoAction"),
];

impl Field {
    /// The relation attributes given, with their spans.
    pub fn relation_attrs(&self) -> Vec<(Span, &'static str)> {
        let mut out = Vec::new();
        if let Some(l) = &self.foreign_key {
            out.push((l.span(), "foreign_key"));
        }
        if let Some(l) = &self.through {
            out.push((l.span(), "through"));
        }
        if let Some((l, _)) = &self.through_keys {
            out.push((l.span(), "through_keys"));
        }
        if let Some(l) = &self.join {
            out.push((l.span(), "join"));
        }
        out
    }

    /// The foreign-key constraint attributes given (`on_delete`,
    /// `on_update`, `no_constraint`), with their spans.
    pub fn constraint_attrs(&self) -> Vec<(Span, &'static str)> {
        let mut out = Vec::new();
        if let Some(l) = &self.on_delete {
            out.push((l.span(), "on_delete"));
        }
        if let Some(l) = &self.on_update {
            out.push((l.span(), "on_update"));
        }
        if let Some(s) = self.no_constraint {
            out.push((s, "no_constraint"));
        }
        out
    }

    /// The lifecycle attributes given (`created_at`, `updated_at`,
    /// `soft_delete`, `version`), with their spans.
    pub fn lifecycle_attrs(&self) -> Vec<(Span, &'static str)> {
        [
            (self.created_at, "created_at"),
            (self.updated_at, "updated_at"),
            (self.soft_delete, "soft_delete"),
            (self.version, "version"),
        ]
        .into_iter()
        .filter_map(|(s, n)| s.map(|s| (s, n)))
        .collect()
    }

    /// The column attributes given, with their spans.
    pub fn column_attrs(&self) -> Vec<(Span, &'static str)> {
        let mut out = Vec::new();
        if let Some(l) = &self.column {
            out.push((l.span(), "column"));
        }
        out.extend(self.lifecycle_attrs());
        for (s, n) in [
            (self.primary_key, "primary_key"),
            (self.unique, "unique"),
            (self.index, "index"),
            (self.skip, "skip"),
        ] {
            if let Some(s) = s {
                out.push((s, n));
            }
        }
        if let Some(p) = &self.precision {
            out.push((p.span(), "precision"));
        }
        if let Some(s) = &self.size {
            out.push((s.span(), "size"));
        }
        if let Some(d) = &self.default {
            out.push((d.span(), "default"));
        }
        if let Some(h) = &self.hash_sharded {
            out.push((h.span, "hash_sharded"));
        }
        out
    }
}

/// A small integer value: `precision = 18`.
fn u8_value(cx: &Ctxt, meta: &syn::meta::ParseNestedMeta<'_>, what: &str) -> Option<syn::LitInt> {
    match meta.value().and_then(|v| v.parse::<syn::LitInt>()) {
        Ok(lit) => match lit.base10_parse::<u8>() {
            Ok(_) => Some(lit),
            Err(_) => {
                cx.error_spanned_by(&lit, format!("{what} must be a whole number from 0 to 255"));
                None
            }
        },
        Err(e) => {
            cx.syn_error(syn::Error::new(
                e.span(),
                format!(
                    "expected {what} as a number: #[db({} = 2)]",
                    path_name(meta)
                ),
            ));
            None
        }
    }
}

/// `raw("...")`: the one way SQL text enters an attribute. `None` when the
/// expression is not that call.
fn raw_sql(cx: &Ctxt, expr: &syn::Expr) -> Option<LitStr> {
    let syn::Expr::Call(call) = expr else {
        return None;
    };
    let syn::Expr::Path(func) = &*call.func else {
        return None;
    };
    if !func.path.is_ident("raw") {
        return None;
    }
    match call.args.iter().collect::<Vec<_>>().as_slice() {
        [syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        })] => {
            let sql = lit.value();
            if sql.trim().is_empty() {
                cx.error_spanned_by(lit, "raw SQL must not be empty");
            } else if sql.contains('\0') {
                cx.error_spanned_by(lit, "raw SQL must not contain a NUL character");
            } else if sql.contains(';') {
                cx.error_spanned_by(lit, "raw SQL here is one expression, without `;`");
            } else {
                return Some(lit.clone());
            }
            None
        }
        _ => {
            cx.error_spanned_by(call, "expected raw(\"SQL\") with one string literal");
            None
        }
    }
}

/// `size = N`: a whole number from 1 to 16383.
fn size_value(cx: &Ctxt, meta: &syn::meta::ParseNestedMeta<'_>) -> Option<syn::LitInt> {
    let problem = "expected the size as a number of characters from 1 to 16383: #[db(size = 40)]";
    match meta.value().and_then(|v| v.parse::<syn::Expr>()) {
        Ok(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(lit),
            ..
        })) => match lit.base10_parse::<u32>() {
            Ok(1..=16383) => Some(lit),
            _ => {
                cx.error_spanned_by(&lit, problem);
                None
            }
        },
        Ok(other) => {
            cx.error_spanned_by(other, problem);
            None
        }
        Err(e) => {
            cx.syn_error(syn::Error::new(e.span(), problem));
            None
        }
    }
}

/// `default = ..`: a literal (`0`, `-1`, `1.5`, `true`, `"text"`),
/// `random_uuid` or `raw("SQL")`.
fn default_value(cx: &Ctxt, meta: &syn::meta::ParseNestedMeta<'_>) -> Option<Default> {
    let problem =
        "expected a literal default (0, -1, 1.5, true, \"text\"), random_uuid or raw(\"SQL\")";
    let expr = match meta.value().and_then(|v| v.parse::<syn::Expr>()) {
        Ok(e) => e,
        Err(e) => {
            cx.syn_error(syn::Error::new(e.span(), problem));
            return None;
        }
    };
    let (negative, lit) = match &expr {
        syn::Expr::Path(p) if p.qself.is_none() && p.path.is_ident("random_uuid") => {
            return Some(Default::RandomUuid(p.path.span()));
        }
        syn::Expr::Lit(l) => (false, &l.lit),
        syn::Expr::Unary(syn::ExprUnary {
            op: syn::UnOp::Neg(_),
            expr: inner,
            ..
        }) => match &**inner {
            syn::Expr::Lit(l) => (true, &l.lit),
            _ => {
                cx.error_spanned_by(&expr, problem);
                return None;
            }
        },
        syn::Expr::Call(_) => {
            if let Some(lit) = raw_sql(cx, &expr) {
                return Some(Default::Raw(lit));
            }
            if !matches!(&expr, syn::Expr::Call(c) if matches!(&*c.func, syn::Expr::Path(p) if p.path.is_ident("raw")))
            {
                cx.error_spanned_by(&expr, problem);
            }
            return None;
        }
        _ => {
            cx.error_spanned_by(&expr, problem);
            return None;
        }
    };
    match lit {
        syn::Lit::Int(l) => {
            let digits = if negative {
                format!("-{}", l.base10_digits())
            } else {
                l.base10_digits().to_owned()
            };
            match digits.parse::<i64>() {
                Ok(v) => Some(Default::Int(l.clone(), v)),
                Err(_) => {
                    cx.error_spanned_by(l, "the default does not fit in 64 bits");
                    None
                }
            }
        }
        syn::Lit::Float(l) => {
            let digits = l.base10_digits();
            if digits.parse::<f64>().map_or(true, |f| !f.is_finite()) {
                cx.error_spanned_by(l, "the default is not a finite number");
                return None;
            }
            let text = if negative {
                format!("-{digits}")
            } else {
                digits.to_owned()
            };
            Some(Default::Float(l.clone(), text))
        }
        syn::Lit::Bool(l) if !negative => Some(Default::Bool(l.clone())),
        syn::Lit::Str(l) if !negative => {
            if l.value().contains('\0') {
                cx.error_spanned_by(l, "the default must not contain a NUL character");
                None
            } else {
                Some(Default::Text(l.clone()))
            }
        }
        _ => {
            cx.error_spanned_by(&expr, problem);
            None
        }
    }
}

/// Why `s` cannot be a table or column name, if it cannot.
fn sql_name_problem(s: &str) -> Option<&'static str> {
    if s.is_empty() {
        Some("must not be empty")
    } else if s.contains('\0') {
        Some("must not contain a NUL character")
    } else if s.chars().any(char::is_control) {
        Some("must not contain control characters")
    } else if s.trim() != s {
        Some("must not start or end with whitespace")
    } else if s.len() > 63 {
        Some("must be at most 63 bytes long")
    } else {
        None
    }
}

/// The `= "..."` of `key = "..."`. The whole value is consumed even when it is
/// not a string, so that one mistake gives one error.
fn string_value(cx: &Ctxt, meta: &syn::meta::ParseNestedMeta<'_>, what: &str) -> Option<LitStr> {
    let expected = || {
        format!(
            "expected {what} as a string: #[db({} = \"...\")]",
            path_name(meta)
        )
    };
    let value = match meta.value() {
        Ok(v) => v,
        Err(e) => {
            cx.syn_error(syn::Error::new(e.span(), expected()));
            return None;
        }
    };
    match value.parse::<syn::Expr>() {
        Ok(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        })) => Some(lit),
        Ok(other) => {
            cx.error_spanned_by(other, expected());
            None
        }
        Err(e) => {
            cx.syn_error(syn::Error::new(e.span(), expected()));
            None
        }
    }
}

/// A table or column name.
fn sql_name_value(cx: &Ctxt, meta: &syn::meta::ParseNestedMeta<'_>, what: &str) -> Option<LitStr> {
    let lit = string_value(cx, meta, what)?;
    match sql_name_problem(&lit.value()) {
        None => Some(lit),
        Some(problem) => {
            cx.error_spanned_by(&lit, format!("{what} {problem}"));
            None
        }
    }
}

fn ident_value(cx: &Ctxt, meta: &syn::meta::ParseNestedMeta<'_>, what: &str) -> Option<syn::Ident> {
    let lit = string_value(cx, meta, what)?;
    match lit.parse::<syn::Ident>() {
        Ok(id) => Some(id),
        Err(_) => {
            cx.error_spanned_by(
                &lit,
                format!("{what} must be a Rust identifier, not {:?}", lit.value()),
            );
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
        let mut default_filter = Attr::none("default_filter");
        let mut hooks = Attr::none("hooks");
        let mut indexes = Vec::new();
        let mut checks = Vec::new();
        for attr in db_attrs(&input.attrs) {
            if !require_list(cx, attr) {
                continue;
            }
            let res = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("table") {
                    if let Some(v) = sql_name_value(cx, &meta, "the table name") {
                        table.set(cx, &meta.path, v);
                    }
                } else if meta.path.is_ident("mapper") {
                    if let Some(v) = ident_value(cx, &meta, "the mapper name") {
                        mapper.set(cx, &meta.path, v);
                    }
                } else if meta.path.is_ident("scope") {
                    if let Some(v) = ident_value(cx, &meta, "the scope type name") {
                        scope.set(cx, &meta.path, v);
                    }
                } else if meta.path.is_ident("default_filter") {
                    if let Some(v) = string_value(cx, &meta, "the default filter function") {
                        match v.parse::<syn::Path>() {
                            Ok(p) => default_filter.set(cx, &meta.path, p),
                            Err(_) => cx.error_spanned_by(
                                &v,
                                format!(
                                    "expected the path of a function returning a Cond, such as \
                                     \"visible\", not {:?}",
                                    v.value()
                                ),
                            ),
                        }
                    }
                } else if meta.path.is_ident("index") || meta.path.is_ident("unique") {
                    let unique = meta.path.is_ident("unique");
                    if !meta.input.peek(syn::token::Paren) {
                        cx.error_spanned_by(
                            &meta.path,
                            format!(
                                "on a struct, #[db({0}(field_a, field_b))] lists the fields of \
                                 the index",
                                path_name(&meta)
                            ),
                        );
                        skip_value(&meta);
                        return Ok(());
                    }
                    let mut fields = Vec::new();
                    let mut sharding = Attr::none("hash_sharded");
                    meta.parse_nested_meta(|inner| {
                        if inner.path.is_ident("hash_sharded") {
                            if let Some(h) = hash_sharded_value(cx, &inner) {
                                sharding.set(cx, &inner.path, h);
                            }
                            return Ok(());
                        }
                        match inner.path.get_ident() {
                            Some(id) if inner.input.is_empty() || inner.input.peek(syn::Token![,]) => {
                                fields.push(id.clone())
                            }
                            _ => {
                                cx.error_spanned_by(&inner.path, "expected a field name");
                                skip_value(&inner);
                            }
                        }
                        Ok(())
                    })?;
                    if fields.len() < 2 {
                        cx.error_spanned_by(
                            &meta.path,
                            "an index declared on the struct covers two fields or more \
                             (one field: #[db(index)] or #[db(unique)] on it)",
                        );
                    } else {
                        indexes.push((unique, fields, sharding.get()));
                    }
                } else if meta.path.is_ident("check") {
                    let problem = "expected the condition as raw SQL: #[db(check = raw(\"price >= 0\"))]";
                    match meta.value().and_then(|v| v.parse::<syn::Expr>()) {
                        Ok(expr) => match raw_sql(cx, &expr) {
                            Some(lit) => checks.push(lit),
                            None if matches!(&expr, syn::Expr::Call(c) if matches!(&*c.func, syn::Expr::Path(p) if p.path.is_ident("raw"))) => {}
                            None => cx.error_spanned_by(&expr, problem),
                        },
                        Err(e) => cx.syn_error(syn::Error::new(e.span(), problem)),
                    }
                } else if meta.path.is_ident("hooks") {
                    if meta.input.is_empty() || meta.input.peek(syn::Token![,]) {
                        hooks.set(cx, &meta.path, meta.path.clone());
                    } else {
                        cx.error_spanned_by(&meta.path, "#[db(hooks)] takes no value");
                        skip_value(&meta);
                    }
                } else if meta.path.is_ident("crate") {
                    if let Some(v) = string_value(cx, &meta, "the crate path") {
                        match v.parse::<syn::Path>() {
                            Ok(p) => krate.set(cx, &meta.path, p),
                            Err(_) => cx.error_spanned_by(
                                &v,
                                format!("expected a path such as \"::orm\", not {:?}", v.value()),
                            ),
                        }
                    }
                } else {
                    cx.error_spanned_by(
                        &meta.path,
                        format!(
                            "unknown #[db] attribute `{}` on a struct; expected table, mapper, scope, default_filter, hooks, index, unique, check or crate",
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
            default_filter: default_filter.get(),
            hooks: hooks.get(),
            indexes,
            checks,
        }
    }
}

/// Consumes `= value` or `(...)` after a key, so that one error is reported.
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
        let mut partial = Attr::none("partial");
        let mut index = Attr::none("index");
        let mut hash_sharded = Attr::none("hash_sharded");
        let mut precision = Attr::none("precision");
        let mut scale = Attr::none("scale");
        let mut foreign_key = Attr::none("foreign_key");
        let mut through = Attr::none("through");
        let mut through_keys = Attr::none("through_keys");
        let mut join = Attr::none("join");
        let mut created_at = Attr::none("created_at");
        let mut updated_at = Attr::none("updated_at");
        let mut soft_delete = Attr::none("soft_delete");
        let mut version = Attr::none("version");
        let mut on_delete = Attr::none("on_delete");
        let mut on_update = Attr::none("on_update");
        let mut no_constraint = Attr::none("no_constraint");
        let mut size = Attr::none("size");
        let mut default = Attr::none("default");
        for attr in db_attrs(&field.attrs) {
            if !require_list(cx, attr) {
                continue;
            }
            let res = attr.parse_nested_meta(|meta| {
                let flag = |a: &mut Attr<Span>| {
                    if meta.input.peek(syn::Token![=]) || meta.input.peek(syn::token::Paren) {
                        let name = path_name(&meta);
                        cx.error_spanned_by(
                            &meta.path,
                            format!("#[db({name})] takes no value; write #[db({name})]"),
                        );
                        skip_value(&meta);
                    } else {
                        a.set(cx, &meta.path, meta.path.span());
                    }
                };
                if meta.path.is_ident("column") {
                    if let Some(v) = sql_name_value(cx, &meta, "the column name") {
                        column.set(cx, &meta.path, v);
                    }
                } else if meta.path.is_ident("skip") {
                    flag(&mut skip);
                } else if meta.path.is_ident("primary_key") {
                    flag(&mut primary_key);
                } else if meta.path.is_ident("unique") {
                    flag(&mut unique);
                } else if meta.path.is_ident("index") {
                    flag(&mut index);
                } else if meta.path.is_ident("hash_sharded") {
                    if let Some(h) = hash_sharded_value(cx, &meta) {
                        hash_sharded.set(cx, &meta.path, h);
                    }
                } else if meta.path.is_ident("partial") {
                    flag(&mut partial);
                } else if meta.path.is_ident("created_at") {
                    flag(&mut created_at);
                } else if meta.path.is_ident("updated_at") {
                    flag(&mut updated_at);
                } else if meta.path.is_ident("soft_delete") {
                    flag(&mut soft_delete);
                } else if meta.path.is_ident("version") {
                    flag(&mut version);
                } else if meta.path.is_ident("no_constraint") {
                    flag(&mut no_constraint);
                } else if meta.path.is_ident("on_delete") || meta.path.is_ident("on_update") {
                    let what = path_name(&meta);
                    if let Some(v) = string_value(cx, &meta, "the referential action") {
                        if ACTIONS.iter().any(|(a, _)| *a == v.value()) {
                            let slot = if what == "on_delete" { &mut on_delete } else { &mut on_update };
                            slot.set(cx, &meta.path, v);
                        } else {
                            cx.error_spanned_by(
                                &v,
                                format!(
                                    "unknown {what} action {:?}; expected \"cascade\", \"restrict\", \"set_null\", \"set_default\" or \"no_action\"",
                                    v.value()
                                ),
                            );
                        }
                    }
                } else if meta.path.is_ident("size") {
                    if let Some(v) = size_value(cx, &meta) {
                        size.set(cx, &meta.path, v);
                    }
                } else if meta.path.is_ident("default") {
                    if let Some(v) = default_value(cx, &meta) {
                        default.set(cx, &meta.path, v);
                    }
                } else if meta.path.is_ident("precision") {
                    if let Some(v) = u8_value(cx, &meta, "the precision") {
                        precision.set(cx, &meta.path, v);
                    }
                } else if meta.path.is_ident("scale") {
                    if let Some(v) = u8_value(cx, &meta, "the scale") {
                        scale.set(cx, &meta.path, v);
                    }
                } else if meta.path.is_ident("foreign_key") {
                    if let Some(v) = sql_name_value(cx, &meta, "the foreign key column") {
                        foreign_key.set(cx, &meta.path, v);
                    }
                } else if meta.path.is_ident("through") {
                    if let Some(v) = sql_name_value(cx, &meta, "the join table name") {
                        through.set(cx, &meta.path, v);
                    }
                } else if meta.path.is_ident("join") {
                    if let Some(v) = string_value(cx, &meta, "the join kind") {
                        if matches!(v.value().as_str(), "inner" | "outer") {
                            join.set(cx, &meta.path, v);
                        } else {
                            cx.error_spanned_by(
                                &v,
                                format!("unknown join kind {:?}; expected \"inner\" or \"outer\"", v.value()),
                            );
                        }
                    }
                } else if meta.path.is_ident("through_keys") {
                    let parsed = meta.input.peek(syn::token::Paren).then(|| {
                        let content;
                        syn::parenthesized!(content in meta.input);
                        let list = syn::punctuated::Punctuated::<LitStr, syn::Token![,]>::parse_terminated(&content)?;
                        Ok::<_, syn::Error>(list)
                    });
                    match parsed {
                        Some(Ok(list)) if list.len() == 2 => {
                            let mut it = list.into_iter();
                            if let (Some(a), Some(b)) = (it.next(), it.next()) {
                                for l in [&a, &b] {
                                    if let Some(problem) = sql_name_problem(&l.value()) {
                                        cx.error_spanned_by(l, format!("a join table column name {problem}"));
                                    }
                                }
                                through_keys.set(cx, &meta.path, (a, b));
                            }
                        }
                        _ => {
                            cx.error_spanned_by(
                                &meta.path,
                                "expected two column names: #[db(through_keys(\"post_id\", \"tag_id\"))]",
                            );
                            skip_value(&meta);
                        }
                    }
                } else {
                    cx.error_spanned_by(
                        &meta.path,
                        format!(
                            "unknown #[db] attribute `{}` on a field; expected column, skip, primary_key, unique, partial, index, hash_sharded, size, default, precision, scale, created_at, updated_at, soft_delete, version, foreign_key, through, through_keys, join, on_delete, on_update or no_constraint",
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
        let field = Field {
            column: column.get(),
            skip: skip.get(),
            primary_key: primary_key.get(),
            unique: unique.get(),
            partial: partial.get(),
            index: index.get(),
            hash_sharded: hash_sharded.get(),
            precision: precision.get(),
            scale: scale.get(),
            foreign_key: foreign_key.get(),
            through: through.get(),
            through_keys: through_keys.get(),
            join: join.get(),
            created_at: created_at.get(),
            updated_at: updated_at.get(),
            soft_delete: soft_delete.get(),
            version: version.get(),
            on_delete: on_delete.get(),
            on_update: on_update.get(),
            no_constraint: no_constraint.get(),
            size: size.get(),
            default: default.get(),
        };
        if let (None, Some(scale)) = (&field.precision, &field.scale) {
            cx.error_spanned_by(
                scale,
                "#[db(scale)] needs #[db(precision)] too: #[db(precision = 18, scale = 2)]",
            );
        }
        if field.skip.is_some() {
            let column = field.column.as_ref().map(LitStr::span);
            let lifecycle = field
                .lifecycle_attrs()
                .into_iter()
                .map(|(s, n)| (Some(s), n));
            for (other, name) in [
                (column, "column"),
                (field.primary_key, "primary_key"),
                (field.unique, "unique"),
                (field.index, "index"),
                (field.hash_sharded.as_ref().map(|h| h.span), "hash_sharded"),
                (field.size.as_ref().map(syn::LitInt::span), "size"),
                (field.default.as_ref().map(Default::span), "default"),
            ]
            .into_iter()
            .chain(lifecycle)
            {
                if let Some(span) = other {
                    cx.syn_error(syn::Error::new(
                        span,
                        format!("#[db({name})] makes no sense on a #[db(skip)] field, which is not a column"),
                    ));
                }
            }
        }
        field
    }
}
