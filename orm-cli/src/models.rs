//! `orm generate models`: Rust model structs for a database's tables
//! (reverse engineering), from [`Connection::introspect`](orm::Connection::introspect).
//!
//! Each table with a primary key becomes a `#[derive(Model)]`
//! struct named after the singular of the table, with the table and, where
//! the convention would not find them, the columns and the key named
//! explicitly; nullable columns are `Option`s; each foreign key becomes a
//! `BelongsTo` on the child and a `HasMany` on the parent; a composite key
//! is `#[db(primary_key)]` on each of its fields. What cannot be mapped is
//! said in a comment, never silently dropped: a table without a primary
//! key, and a column of a type orm has no mapping of.

use std::collections::HashSet;
use std::fmt::Write;

use orm::{DbTable, SqlType};

/// Rust's keywords, strict and reserved: a column named like one gets a
/// field with `_` appended.
const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// A snake_case Rust identifier for a database name.
fn field_name(column: &str) -> String {
    let mut s = String::with_capacity(column.len());
    let mut prev_lower = false;
    for c in column.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                s.push('_');
            }
            s.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            s.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !s.ends_with('_') {
                s.push('_');
            }
            prev_lower = false;
        }
    }
    let mut s = s.trim_matches('_').to_owned();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert_str(0, "c_");
    }
    if KEYWORDS.contains(&s.as_str()) {
        s.push('_');
    }
    s
}

/// CamelCase of a snake_case name.
fn camel(snake: &str) -> String {
    snake
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or_else(String::new, |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect()
}

/// The singular of the last word of a snake_case table name, by the common
/// English rules (`categories` -> `category`, `boxes` -> `box`).
fn singular(snake: &str) -> String {
    let (head, last) = match snake.rsplit_once('_') {
        Some((h, l)) => (format!("{h}_"), l),
        None => (String::new(), snake),
    };
    const SAME: &[&str] = &[
        "news",
        "series",
        "species",
        "data",
        "metadata",
        "equipment",
        "information",
        "sheep",
        "fish",
    ];
    let one = match last {
        w if SAME.contains(&w) || w.ends_with("us") || w.ends_with("is") => w.to_owned(),
        "people" => "person".to_owned(),
        "children" => "child".to_owned(),
        w if w.ends_with("ies") && w.len() > 3 => format!("{}y", &w[..w.len() - 3]),
        w if ["sses", "xes", "zes", "ches", "shes", "tuses"]
            .iter()
            .any(|s| w.ends_with(s)) =>
        {
            w[..w.len() - 2].to_owned()
        }
        w if w.ends_with('s') && !w.ends_with("ss") && w.len() > 1 => w[..w.len() - 1].to_owned(),
        w => w.to_owned(),
    };
    head + &one
}

fn rust_type(t: SqlType) -> Option<&'static str> {
    Some(match t {
        SqlType::Bool => "bool",
        SqlType::SmallInt => "i16",
        SqlType::Int => "i32",
        SqlType::BigInt => "i64",
        SqlType::Real => "f32",
        SqlType::Double => "f64",
        SqlType::Text => "String",
        SqlType::Blob => "Vec<u8>",
        SqlType::Date => "chrono::NaiveDate",
        SqlType::Time => "chrono::NaiveTime",
        SqlType::DateTime => "chrono::NaiveDateTime",
        SqlType::Timestamp => "chrono::DateTime<chrono::Utc>",
        SqlType::Decimal(..) => "rust_decimal::Decimal",
        SqlType::Uuid => "uuid::Uuid",
        SqlType::Json => "serde_json::Value",
        _ => return None,
    })
}

/// A table that becomes a model: its struct name and its key columns.
struct Modeled<'a> {
    table: &'a DbTable,
    name: String,
    keys: Vec<&'a str>,
}

impl Modeled<'_> {
    /// The key column, when the key is a single column (what relations
    /// refer to).
    fn single_key(&self) -> Option<&str> {
        match self.keys.as_slice() {
            [k] => Some(k),
            _ => None,
        }
    }
}

/// The source of the models of `tables`.
pub(crate) fn source(tables: &[DbTable]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "// Generated by `orm generate models`. Review it: names,\n\
         // relations and types are read from the schema, not from intent.\n\
         \n\
         use orm::{{BelongsTo, HasMany, Model}};"
    );
    let mut modeled = Vec::new();
    let mut taken = HashSet::new();
    for t in tables.iter().filter(|t| t.name != "orm_migrations") {
        let keys: Vec<&str> = t.primary_key().iter().map(|c| c.name.as_str()).collect();
        let nullable_key = t.columns.iter().any(|(c, _)| c.primary_key && c.nullable);
        if keys.is_empty() || nullable_key {
            let _ = writeln!(
                out,
                "\n// Table `{}` has no primary key: orm models need one, so it has no model.",
                t.name
            );
            continue;
        }
        let mut name = camel(&singular(&field_name(&t.name)));
        while !taken.insert(name.clone()) {
            name.push('_');
        }
        modeled.push(Modeled {
            table: t,
            name,
            keys,
        });
    }
    for m in &modeled {
        model(&mut out, m, &modeled);
    }
    out
}

fn model(out: &mut String, m: &Modeled<'_>, all: &[Modeled<'_>]) {
    let t = m.table;
    let _ = writeln!(out, "\n#[derive(Model, Debug, Clone)]");
    let mapper = camel(&t.name);
    let mapper_attr = if mapper == m.name || syn_ident(&mapper).is_none() {
        format!(", mapper = \"{}Mapper\"", m.name)
    } else {
        String::new()
    };
    let _ = writeln!(out, "#[db(table = {:?}{mapper_attr})]", t.name);
    let _ = writeln!(out, "pub struct {} {{", m.name);
    let mut fields = HashSet::new();
    for (c, sql_type) in &t.columns {
        let Some(ty) = sql_type.and_then(rust_type) else {
            let _ = writeln!(
                out,
                "    // Column `{}` ({}) has no orm type: not mapped.",
                c.name, c.db_type
            );
            continue;
        };
        let field = field_name(&c.name);
        fields.insert(field.clone());
        let mut attrs = Vec::new();
        if field != c.name {
            attrs.push(format!("column = {:?}", c.name));
        }
        let in_key = m.keys.contains(&c.name.as_str());
        if in_key && (m.keys.len() > 1 || field != "id") {
            attrs.push("primary_key".to_owned());
        }
        match sql_type {
            Some(SqlType::Decimal(p, s)) if *p > 0 => {
                attrs.push(format!("precision = {p}, scale = {s}"));
            }
            Some(SqlType::Text) => {
                if let Some(n) = c.text_size().filter(|n| (1..=16_383).contains(n)) {
                    attrs.push(format!("size = {n}"));
                }
            }
            _ => {}
        }
        if !attrs.is_empty() {
            let _ = writeln!(out, "    #[db({})]", attrs.join(", "));
        }
        let ty = if c.nullable && !in_key {
            format!("Option<{ty}>")
        } else {
            ty.to_owned()
        };
        let _ = writeln!(out, "    pub {field}: {ty},");
    }
    // BelongsTo: this table's foreign keys to a modeled table's key.
    for fk in &t.foreign_keys {
        let Some(parent) = all.iter().find(|p| {
            p.table.name == fk.references && p.single_key() == Some(&fk.referenced_column)
        }) else {
            continue;
        };
        let base = field_name(&fk.column);
        let mut name = base
            .strip_suffix("_id")
            .filter(|s| !s.is_empty())
            .map_or_else(|| format!("{base}_ref"), str::to_owned);
        while !fields.insert(name.clone()) {
            name.push('_');
        }
        let mut attrs = Vec::new();
        if format!("{name}_id") != fk.column {
            attrs.push(format!("foreign_key = {:?}", fk.column));
        }
        let nullable = t
            .columns
            .iter()
            .any(|(c, _)| c.name == fk.column && c.nullable);
        for (what, action) in [("on_delete", fk.on_delete), ("on_update", fk.on_update)] {
            match action {
                // SET NULL on a NOT NULL column cannot run: the model would
                // not compile.
                Some(orm::ReferentialAction::SetNull) if !nullable => {
                    let _ = writeln!(
                        out,
                        "    // {what} SET NULL on NOT NULL column `{}` left out: it cannot run.",
                        fk.column
                    );
                }
                Some(a) => attrs.push(format!("{what} = {:?}", a.attr_name())),
                None => {}
            }
        }
        if !attrs.is_empty() {
            let _ = writeln!(out, "    #[db({})]", attrs.join(", "));
        }
        let _ = writeln!(out, "    pub {name}: BelongsTo<{}>,", parent.name);
    }
    // HasMany: the modeled tables whose foreign keys point at this key (a
    // model with a composite key has none).
    let Some(key) = m.single_key() else {
        let _ = writeln!(out, "}}");
        return;
    };
    for child in all {
        for fk in child
            .table
            .foreign_keys
            .iter()
            .filter(|fk| fk.references == t.name && fk.referenced_column == key)
        {
            let mut name = field_name(&child.table.name);
            while !fields.insert(name.clone()) {
                name.push('_');
            }
            let _ = writeln!(out, "    #[db(foreign_key = {:?})]", fk.column);
            let _ = writeln!(out, "    pub {name}: HasMany<{}>,", child.name);
        }
    }
    let _ = writeln!(out, "}}");
}

/// `Some` when `s` is a plain Rust identifier.
fn syn_ident(s: &str) -> Option<&str> {
    let mut chars = s.chars();
    let first = chars.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !KEYWORDS.contains(&s))
    .then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(singular("categories"), "category");
        assert_eq!(singular("order_products"), "order_product");
        assert_eq!(singular("boxes"), "box");
        assert_eq!(singular("addresses"), "address");
        assert_eq!(singular("people"), "person");
        assert_eq!(singular("news"), "news");
        assert_eq!(singular("statuses"), "status");
        assert_eq!(singular("status"), "status");
        assert_eq!(camel("order_product"), "OrderProduct");
        assert_eq!(field_name("Type"), "type_");
        assert_eq!(field_name("createdAt"), "created_at");
        assert_eq!(field_name("2fa code"), "c_2fa_code");
    }
}
