//! What orm logs to `orm::sql`, captured per thread: the logger is global
//! to the test binary, and tests run in parallel, so each test sees only the
//! lines its own thread logged while inside [`capture`]. Other threads log
//! nothing (the logger reports itself disabled for them), so the capture
//! costs the other tests nothing.

use std::cell::RefCell;

thread_local! {
    static LINES: RefCell<Option<Vec<(log::Level, String)>>> = const { RefCell::new(None) };
}

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, m: &log::Metadata<'_>) -> bool {
        m.target() == "orm::sql" && LINES.with(|l| l.borrow().is_some())
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let line = (record.level(), record.args().to_string());
            LINES.with(|l| l.borrow_mut().as_mut().map(|v| v.push(line)));
        }
    }
    fn flush(&self) {}
}

/// Runs `f` and returns what it logged to `orm::sql` on this thread, every
/// level, in order.
pub fn capture<T>(f: impl FnOnce() -> T) -> (T, Vec<(log::Level, String)>) {
    static INIT: std::sync::Once = std::sync::Once::new();
    INIT.call_once(|| {
        log::set_logger(&Capture).expect("no other logger in the test binary");
        log::set_max_level(log::LevelFilter::Debug);
    });
    LINES.with(|l| *l.borrow_mut() = Some(Vec::new()));
    let out = f();
    let lines = LINES.with(|l| l.borrow_mut().take()).unwrap_or_default();
    (out, lines)
}
