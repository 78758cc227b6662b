//! Checks that need the whole struct.

use std::collections::HashMap;

use super::ast::{Container, Role};
use super::ctxt::Ctxt;

pub fn check(cx: &Ctxt, cont: &Container<'_>) {
    let generics = &cont.original.generics;
    if !generics.params.is_empty() {
        cx.error_spanned_by(
            generics,
            "#[derive(Model)] does not support generic structs",
        );
    }
    let keys: Vec<_> = cont.columns().filter(|f| f.primary_key).collect();
    if keys.len() > 1 {
        for f in &keys[1..] {
            cx.error_spanned_by(
                f.original,
                "a second #[db(primary_key)]: composite keys are not supported",
            );
        }
    }
    if cont.key().is_none() {
        cx.error_spanned_by(
            cont.ident,
            "no primary key: add a field named `id` or mark one with #[db(primary_key)]",
        );
    }
    let mut seen: HashMap<String, ()> = HashMap::new();
    for f in cont.columns() {
        if seen.insert(f.column.to_lowercase(), ()).is_some() {
            cx.error_spanned_by(f.original, format!("column `{}` is mapped twice", f.column));
        }
    }
    let snapshots: Vec<_> = cont
        .fields
        .iter()
        .filter(|f| f.role == Role::Snapshot)
        .collect();
    for f in snapshots.iter().skip(1) {
        cx.error_spanned_by(f.original, "a model has at most one Snapshot field");
    }
    if cont.columns().next().is_none() {
        cx.error_spanned_by(cont.ident, "a model needs at least one column");
    }
}
