//! What orm logs cannot be forged: SQL text, values and the server's error
//! text (which echoes values) are logged with control characters escaped,
//! and parameters can be redacted.

use crate::common::db_test;
use orm::Connection;

/// What `f` logged to `orm::sql` on this thread, as "LEVEL message".
fn captured<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    let (out, lines) = crate::common::logs::capture(f);
    let lines = lines.into_iter().map(|(l, m)| format!("{l} {m}")).collect();
    (out, lines)
}

const HOSTILE: &str = "x\nWARN forged line\u{1b}[31m\r";

fn logged_sql_values_and_errors_are_escaped(conn: &Connection) {
    // The error names the table, so the server echoes the hostile text.
    let sql = format!("SELECT 1 FROM \"{HOSTILE}\" WHERE 1 = ?");
    let sql = if conn.dialect().name() == "mysql" {
        sql.replace('"', "`")
    } else {
        sql
    };
    let (res, lines) = captured(|| conn.query::<(i64,)>(&sql, (HOSTILE,)));
    assert!(res.is_err());
    assert!(!lines.is_empty(), "the failure was logged");
    for line in &lines {
        assert!(!line.contains('\n'), "{line:?}");
        assert!(!line.contains('\r'), "{line:?}");
        assert!(!line.contains('\u{1b}'), "{line:?}");
        assert!(line.contains("forged line"), "{line:?}");
    }
    assert!(lines.iter().any(|l| l.starts_with("WARN")));
}
db_test!(logged_sql_values_and_errors_are_escaped);

fn parameters_can_be_redacted(conn: &Connection) {
    let (_, shown) = captured(|| conn.query::<(String,)>("SELECT ?", ("s3cr3t",)).unwrap());
    assert!(shown.iter().any(|l| l.contains("s3cr3t")), "{shown:?}");
    conn.set_log_parameters(false);
    let (_, hidden) = captured(|| conn.query::<(String,)>("SELECT ?", ("s3cr3t",)).unwrap());
    assert!(!hidden.is_empty());
    assert!(hidden.iter().all(|l| !l.contains("s3cr3t")), "{hidden:?}");
    assert!(hidden.iter().any(|l| l.contains("redacted")), "{hidden:?}");
    let (_, failed) =
        captured(|| conn.query::<(i64,)>("SELECT nope FROM nowhere WHERE 1 = ?", ("s3cr3t",)));
    assert!(failed.iter().all(|l| !l.contains("s3cr3t")), "{failed:?}");
}
db_test!(parameters_can_be_redacted);

/// Transaction control is logged like every statement, in the dialect's
/// own SQL.
fn transaction_control_is_logged(conn: &Connection) {
    let (_, lines) = captured(|| {
        conn.transaction(|tx| tx.transaction(|inner| inner.query::<(i64,)>("SELECT 1", ())))
            .unwrap()
    });
    let begin = match conn.dialect().name() {
        "mysql" => "START TRANSACTION",
        _ => "BEGIN",
    };
    for sql in [
        begin,
        "SAVEPOINT",
        "RELEASE SAVEPOINT",
        "orm_sp_1",
        "COMMIT",
    ] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("DEBUG") && l.contains(sql)),
            "{sql}: {lines:?}"
        );
    }
}
db_test!(transaction_control_is_logged);
