//! Where SQL text is written, pinned: only the statement compiler
//! (`orm-core/src/query/`, `orm-core/src/sql.rs`), the dialects' shared
//! defaults (`orm-core/src/dialect.rs`) and the dialect folders of
//! `orm-dialects` write it; everything else in orm-core builds statement
//! values. And no driver re-reads SQL to find out what a statement does
//! for transaction control: that is `Backend::transaction`.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file: without its unit tests and comments.
fn code(path: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let text = match text.find("\n#[cfg(test)]") {
        Some(i) => &text[..i],
        None => &text[..],
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(i, l)| (i + 1, l.to_owned()))
        .collect()
}

/// Whether a line holds a string literal of SQL: one that starts with a
/// statement keyword, or holds a clause keyword between spaces.
fn has_sql_literal(line: &str) -> bool {
    const STARTS: &[&str] = &[
        "SELECT",
        "INSERT",
        "UPDATE",
        "DELETE",
        "CREATE",
        "ALTER",
        "DROP",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "SAVEPOINT",
        "RELEASE",
        "UPSERT",
    ];
    const CLAUSES: &[&str] = &[" FROM ", " WHERE ", " JOIN ", " VALUES ", " RETURNING "];
    let mut in_str = false;
    let mut literal = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (in_str, c) {
            (true, '\\') => {
                chars.next();
            }
            (true, '"') => {
                let starts = STARTS.iter().any(|k| {
                    literal.starts_with(k)
                        && !literal[k.len()..].starts_with(|c: char| c.is_ascii_alphanumeric())
                });
                if starts || CLAUSES.iter().any(|k| literal.contains(k)) {
                    return true;
                }
                in_str = false;
            }
            (true, c) => literal.push(c),
            (false, '"') => {
                in_str = true;
                literal.clear();
            }
            _ => {}
        }
    }
    false
}

#[test]
fn sql_text_is_written_only_by_the_compiler_and_the_dialects() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let core = root.join("orm-core/src");
    let allowed = [
        core.join("query"),
        core.join("sql.rs"),
        core.join("dialect.rs"),
    ];
    let mut files = Vec::new();
    rust_files(&core, &mut files);
    rust_files(&root.join("orm-derive/src"), &mut files);
    let mut found = Vec::new();
    for f in files
        .iter()
        .filter(|f| !allowed.iter().any(|a| f.starts_with(a)))
    {
        for (n, line) in code(f) {
            if has_sql_literal(&line) {
                found.push(format!("{}:{n}: {}", f.display(), line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "SQL written outside the compiler and the dialects:\n{}",
        found.join("\n")
    );
    // The check itself sees SQL.
    assert!(has_sql_literal(r#"b.push("SELECT ");"#));
    assert!(has_sql_literal(r#"let s = "x FROM y";"#));
    assert!(!has_sql_literal(
        r#"Err("a GROUP BY term is a column name")"#
    ));
}

#[test]
fn drivers_do_not_reparse_transaction_control() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for d in ["sqlite", "postgres", "mysql"] {
        let text =
            std::fs::read_to_string(root.join(format!("orm-dialects/src/{d}/mod.rs"))).unwrap();
        for forbidden in [
            "eq_ignore_ascii_case(\"COMMIT\")",
            "is_transaction_statement",
            "is_transaction_control",
        ] {
            assert!(
                !text.contains(forbidden),
                "{d}: the driver re-reads SQL ({forbidden}); transaction control arrives \
                 through Backend::transaction"
            );
        }
        assert!(
            text.contains("fn transaction(&self, op: TxControl"),
            "{d}: runs transaction control through Backend::transaction"
        );
    }
}
