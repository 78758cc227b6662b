//! `embed_migrations!("dir")`: every migration folder under `dir` (relative
//! to the crate's `Cargo.toml`), its files included with `include_str!` so
//! that editing one rebuilds the binary. The layout is checked by
//! `Migrations::embedded` at run time, with the same code that reads a
//! folder, so both accept the same migrations.

use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

fn entries(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let path = e?.path();
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if !hidden {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

fn utf8<'a>(path: &'a Path, span: &LitStr) -> syn::Result<&'a str> {
    path.to_str().ok_or_else(|| {
        syn::Error::new(
            span.span(),
            format!("{}: the path is not UTF-8", path.display()),
        )
    })
}

pub fn expand(lit: &LitStr) -> syn::Result<TokenStream> {
    let root = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    let dir = root.join(lit.value());
    let io = |e: std::io::Error, p: &Path| {
        syn::Error::new(lit.span(), format!("cannot read {}: {e}", p.display()))
    };
    let mut folders = Vec::new();
    for folder in entries(&dir).map_err(|e| io(e, &dir))? {
        if !folder.is_dir() {
            continue; // a README beside the migrations
        }
        let name = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut files = Vec::new();
        for file in entries(&folder).map_err(|e| io(e, &folder))? {
            let file_name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let path = utf8(&file, lit)?;
            files.push(quote!((#file_name, ::core::include_str!(#path))));
        }
        folders.push(quote!((#name, &[#(#files),*])));
    }
    Ok(quote! {
        ::orm::migrate::Migrations::embedded(&[#(#folders),*])
    })
}
