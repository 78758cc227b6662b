//! The struct as the generators see it.

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
}

pub struct Field<'a> {
    pub ident: &'a syn::Ident,
    pub ty: &'a syn::Type,
    pub original: &'a syn::Field,
    pub role: Role,
    pub column: String,
    pub primary_key: bool,
    pub unique: bool,
    pub index: bool,
}

pub struct Container<'a> {
    pub ident: &'a syn::Ident,
    pub vis: &'a syn::Visibility,
    pub original: &'a syn::DeriveInput,
    pub table: String,
    pub mapper: syn::Ident,
    pub scope: syn::Ident,
    pub krate: syn::Path,
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

impl<'a> Container<'a> {
    pub fn from_ast(cx: &Ctxt, input: &'a syn::DeriveInput) -> Option<Self> {
        let attrs = attr::Container::from_ast(cx, input);
        let named = match &input.data {
            syn::Data::Struct(syn::DataStruct {
                fields: syn::Fields::Named(named),
                ..
            }) => named,
            _ => {
                cx.error_spanned_by(
                    &input.ident,
                    "#[derive(Model)] needs a struct with named fields",
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
                let role = if a.skip {
                    Role::Skipped
                } else if is_snapshot(&f.ty) {
                    Role::Snapshot
                } else {
                    Role::Column
                };
                Field {
                    ident,
                    ty: &f.ty,
                    original: f,
                    role,
                    column: a.column.unwrap_or_else(|| unraw(ident)),
                    primary_key: a.primary_key.is_set(),
                    unique: a.unique,
                    index: a.index,
                }
            })
            .collect();
        let table = attrs
            .table
            .unwrap_or_else(|| case::table_name(&input.ident.to_string()));
        let mapper = attrs
            .mapper
            .unwrap_or_else(|| syn::Ident::new(&case::camel_case(&table), input.ident.span()));
        let scope = attrs
            .scope
            .unwrap_or_else(|| quote::format_ident!("{}Scope", input.ident));
        let krate = attrs.krate.unwrap_or_else(|| syn::parse_quote!(::orm));
        Some(Container {
            ident: &input.ident,
            vis: &input.vis,
            original: input,
            table,
            mapper,
            scope,
            krate,
            fields,
        })
    }

    /// The mapped columns, in order.
    pub fn columns(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields.iter().filter(|f| f.role == Role::Column)
    }

    /// The primary key field and its index among the columns. `check` has
    /// made sure there is exactly one.
    pub fn key(&self) -> Option<(usize, &Field<'a>)> {
        let explicit = self.columns().enumerate().find(|(_, f)| f.primary_key);
        explicit.or_else(|| self.columns().enumerate().find(|(_, f)| f.ident == "id"))
    }

    pub fn snapshot(&self) -> Option<&Field<'a>> {
        self.fields.iter().find(|f| f.role == Role::Snapshot)
    }
}

pub fn const_name(field: &Field<'_>) -> syn::Ident {
    syn::Ident::new(&case::upper_snake(&unraw(field.ident)), field.ident.span())
}
