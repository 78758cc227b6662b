//! What orm logs cannot be forged: SQL text, values and the server's error
//! text (which echoes values) are logged with control characters escaped,
//! and parameters can be redacted. A test binary of its own, because the
//! logger is global.

mod common;

use std::sync::Mutex;

use common::each_db;

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        if record.target() == "orm::sql" {
            LINES
                .lock()
                .unwrap()
                .push(format!("{} {}", record.level(), record.args()));
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
    LINES.lock().unwrap().clear();
    let out = f();
    let lines = std::mem::take(&mut *LINES.lock().unwrap());
    (out, lines)
}

const HOSTILE: &str = "x\nWARN forged line\u{1b}[31m\r";

#[test]
fn logged_sql_values_and_errors_are_escaped() {
    each_db(|conn| {
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
    });
}

#[test]
fn parameters_can_be_redacted() {
    each_db(|conn| {
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
    });
}
