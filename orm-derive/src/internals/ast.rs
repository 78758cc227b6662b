//! The struct as the generators see it.

use proc_macro2::Span;
use syn::LitStr;

use super::attr;
use super::case;
use super::ctxt::Ctxt;

/// What a field is to the model.
#[derive(PartialEq, Eq, Clone, Copy)]
pub enum Role {
    /// A mapped column.
    Column,
    /// `#[db(skip)]`: not mapped, filled with `Default::default()` on read.
    Skipped,
    /// An `orm::Snapshot` change-tracking field.
    Snapshot,
    /// A relation marker field (`BelongsTo<User>`, ...): not a column.
    Relation(RelKind),
}

/// The kind of a relation field, by its type's name.
#[derive(PartialEq, Eq, Clone, Copy, Debug)]
pub enum RelKind {
    BelongsTo,
    HasOne,
    HasMany,
    ManyToMany,
}

impl RelKind {
    pub fn variant(self) -> &'static str {
        match self {
            RelKind::BelongsTo => "BelongsTo",
            RelKind::HasOne => "HasOne",
            RelKind::HasMany => "HasMany",
            RelKind::ManyToMany => "ManyToMany",
        }
    }
}

/// The relation kind and the related type of a relation marker field type
/// (detected by its last path segment, like `Snapshot`).
fn relation_of(ty: &syn::Type) -> Option<(RelKind, &syn::Type)> {
    let syn::Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let seg = p.path.segments.last()?;
    let kind = match seg.ident.to_string().as_str() {
        "BelongsTo" => RelKind::BelongsTo,
        "HasOne" => RelKind::HasOne,
        "HasMany" => RelKind::HasMany,
        "ManyToMany" => RelKind::ManyToMany,
        _ => return None,
    };
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t),
        _ => None,
    });
    let target = types.next()?;
    types.next().is_none().then_some((kind, target))
}

/// The last path segment's name of a type (`User` for `crate::User`).
pub fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| unraw(&s.ident)),
        _ => None,
    }
}

/// Whether a type is spelled `Option<..>`.
pub fn is_option(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none()
        && p.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

pub struct Field<'a> {
    pub ident: &'a syn::Ident,
    pub ty: &'a syn::Type,
    /// The span of `ty`, computed once: `Spanned::span` prints the type
    /// each time it is called.
    pub ty_span: Span,
    pub role: Role,
    pub column: String,
    /// Where the column name comes from: the `column = "..."` literal, or
    /// the field's name.
    pub column_span: Span,
    pub attrs: attr::Field,
    /// The related model of a relation field.
    pub target: Option<&'a syn::Type>,
}

pub struct Container<'a> {
    pub ident: &'a syn::Ident,
    pub vis: &'a syn::Visibility,
    pub original: &'a syn::DeriveInput,
    pub table: String,
    pub mapper: syn::Ident,
    /// Whether `mapper` was derived from the table name.
    pub mapper_is_default: bool,
    pub scope: syn::Ident,
    /// The path of the `orm` crate (`#[db(crate = "...")]`, or `::orm`).
    pub krate_path: syn::Path,
    /// What generated code inside the derive's `const _: () = { .. }`
    /// block names the crate by: `__orm`, imported from `krate_path` (fewer
    /// tokens per path than `::orm::..`).
    pub krate: syn::Path,
    /// The function giving the default filter, if any.
    pub default_filter: Option<syn::Path>,
    /// `#[db(hooks)]`: the `hooks` keyword.
    pub hooks: Option<syn::Path>,
    /// Indexes over several fields: unique, the fields, and the hash
    /// sharding.
    pub indexes: Vec<(bool, Vec<syn::Ident>, Option<attr::HashSharded>)>,
    /// `check = raw("...")`: conditions of check constraints.
    pub checks: Vec<LitStr>,
    pub fields: Vec<Field<'a>>,
}

fn is_snapshot(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none()
        && p.path.segments.last().is_some_and(|s| s.ident == "Snapshot" && s.arguments.is_none()))
}

fn unraw(ident: &syn::Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map_or(s.clone(), str::to_owned)
}

fn needs_named_fields(ident: &syn::Ident) -> String {
    format!(
        "#[derive(Model)] needs named fields, one per column: `struct {ident} {{ id: i64, .. }}`"
    )
}

impl<'a> Container<'a> {
    pub fn from_ast(cx: &Ctxt, input: &'a syn::DeriveInput) -> Option<Self> {
        let attrs = attr::Container::from_ast(cx, input);
        let named = match &input.data {
            syn::Data::Struct(syn::DataStruct {
                fields: syn::Fields::Named(named),
                ..
            }) => named,
            syn::Data::Struct(syn::DataStruct {
                fields: syn::Fields::Unnamed(unnamed),
                ..
            }) => {
                cx.error_spanned_by(unnamed, needs_named_fields(&input.ident));
                return None;
            }
            syn::Data::Struct(syn::DataStruct {
                fields: syn::Fields::Unit,
                ..
            }) => {
                cx.error_spanned_by(&input.ident, needs_named_fields(&input.ident));
                return None;
            }
            syn::Data::Enum(e) => {
                cx.error_spanned_by(
                    e.enum_token,
                    "#[derive(Model)] does not support enums; a model is a struct with named fields",
                );
                return None;
            }
            syn::Data::Union(u) => {
                cx.error_spanned_by(
                    u.union_token,
                    "#[derive(Model)] does not support unions; a model is a struct with named fields",
                );
                return None;
            }
        };
        let fields = named
            .named
            .iter()
            .map(|f| {
                let a = attr::Field::from_ast(cx, f);
                let ident = f.ident.as_ref().expect("named field");
                let relation = relation_of(&f.ty);
                let role = if a.skip.is_some() {
                    Role::Skipped
                } else if is_snapshot(&f.ty) {
                    Role::Snapshot
                } else if let Some((kind, _)) = relation {
                    Role::Relation(kind)
                } else {
                    Role::Column
                };
                let (column, column_span) = match &a.column {
                    Some(lit) => (lit.value(), lit.span()),
                    None => (unraw(ident), ident.span()),
                };
                Field {
                    ident,
                    ty: &f.ty,
                    ty_span: syn::spanned::Spanned::span(&f.ty),
                    role,
                    column,
                    column_span,
                    attrs: a,
                    target: relation.map(|(_, t)| t),
                }
            })
            .collect();
        let table = attrs.table.as_ref().map_or_else(
            || case::table_name(&unraw(&input.ident)),
            syn::LitStr::value,
        );
        let mapper_is_default = attrs.mapper.is_none();
        let mapper = match attrs.mapper {
            Some(mapper) => mapper,
            None => {
                let name = case::camel_case(&table);
                match syn::parse_str::<syn::Ident>(&name) {
                    Ok(_) => syn::Ident::new(&name, input.ident.span()),
                    Err(_) => {
                        let msg = format!(
                            "cannot name the mapper after table `{table}` (`{name}` is not a Rust identifier); \
                             name it with #[db(mapper = \"...\")]"
                        );
                        match &attrs.table {
                            Some(lit) => cx.error_spanned_by(lit, msg),
                            None => cx.error_spanned_by(&input.ident, msg),
                        }
                        // Carry on to report the other errors too.
                        quote::format_ident!("{}Mapper", input.ident)
                    }
                }
            }
        };
        let scope = attrs
            .scope
            .unwrap_or_else(|| quote::format_ident!("{}Scope", input.ident));
        let krate_path = attrs.krate.unwrap_or_else(|| syn::parse_quote!(::orm));
        let krate = syn::Path::from(syn::Ident::new("__orm", Span::call_site()));
        Some(Container {
            ident: &input.ident,
            vis: &input.vis,
            original: input,
            table,
            mapper,
            mapper_is_default,
            scope,
            krate_path,
            krate,
            default_filter: attrs.default_filter,
            hooks: attrs.hooks,
            indexes: attrs.indexes,
            checks: attrs.checks,
            fields,
        })
    }

    /// The mapped columns, in order.
    pub fn columns(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields.iter().filter(|f| f.role == Role::Column)
    }

    /// The primary key field (the first, for a composite key) and its index
    /// among the columns. `check` has made sure there is one.
    pub fn key(&self) -> Option<(usize, &Field<'a>)> {
        self.keys().into_iter().next()
    }

    /// The primary key's fields and their indexes among the columns: those
    /// marked `#[db(primary_key)]` (several make a composite key), else
    /// the field named `id`.
    pub fn keys(&self) -> Vec<(usize, &Field<'a>)> {
        let explicit: Vec<_> = self
            .columns()
            .enumerate()
            .filter(|(_, f)| f.attrs.primary_key.is_some())
            .collect();
        if !explicit.is_empty() {
            return explicit;
        }
        self.columns()
            .enumerate()
            .find(|(_, f)| f.ident == "id")
            .into_iter()
            .collect()
    }

    /// The relation fields.
    pub fn relations(&self) -> impl Iterator<Item = (RelKind, &Field<'a>)> {
        self.fields.iter().filter_map(|f| match f.role {
            Role::Relation(k) => Some((k, f)),
            _ => None,
        })
    }

    /// The struct's name in snake_case (`post`).
    pub fn snake(&self) -> String {
        case::snake_case(&unraw(self.ident))
    }

    /// The foreign key column of a relation field.
    pub fn foreign_key(&self, kind: RelKind, f: &Field<'_>) -> String {
        if let Some(l) = &f.attrs.foreign_key {
            return l.value();
        }
        match kind {
            RelKind::BelongsTo => format!("{}_id", unraw(f.ident)),
            _ => format!("{}_id", self.snake()),
        }
    }

    /// The join table keys of a many-to-many field.
    pub fn through_keys(&self, f: &Field<'_>) -> (String, String) {
        if let Some((a, b)) = &f.attrs.through_keys {
            return (a.value(), b.value());
        }
        let other = f
            .target
            .and_then(type_name)
            .map_or_else(|| "other".to_owned(), |n| case::snake_case(&n));
        (format!("{}_id", self.snake()), format!("{other}_id"))
    }

    pub fn snapshot(&self) -> Option<&Field<'a>> {
        self.fields.iter().find(|f| f.role == Role::Snapshot)
    }
}

pub fn const_name(field: &Field<'_>) -> syn::Ident {
    syn::Ident::new(&case::upper_snake(&unraw(field.ident)), field.ident.span())
}
