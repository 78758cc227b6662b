//! What orm logs cannot be forged: SQL text, values and the server's error
//! text (which echoes values) are logged with control characters escaped,
//! and parameters can be redacted. A test binary of its own, because the
//! logger is global.

mod common;

use std::sync::Mutex;

use common::db_test;
use orm::Connection;

/// Every line logged to `orm::sql`, with the thread that logged it (tests
/// run in parallel; each keeps to its own lines).
static LINES: Mutex<Vec<(std::thread::ThreadId, String)>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        if record.target() == "orm::sql" {
            LINES.lock().unwrap().push((
                std::thread::current().id(),
                format!("{} {}", record.level(), record.args()),
            ));
        }
    }
    fn flush(&self) {}
}

fn captured<T>(f: impl FnOnce() -> T) -> (T, Vec<String>) {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        log::set_logger(&Capture).unwrap();
        log::set_max_level(log::LevelFilter::Debug);
    });
    let me = std::thread::current().id();
    LINES.lock().unwrap().retain(|(t, _)| *t != me);
    let out = f();
    let mut lines = LINES.lock().unwrap();
    let mine = lines
        .iter()
        .filter(|(t, _)| *t == me)
        .map(|(_, l)| l.clone())
        .collect();
    lines.retain(|(t, _)| *t != me);
    (out, mine)
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
