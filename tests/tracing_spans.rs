//! The `tracing` feature: a span per statement (target `orm::sql`) with the
//! dialect, the SQL, the rows, the duration and the error, recorded by a
//! subscriber of the test's own.
//!
//! A test binary of its own: tracing-core caches each callsite's interest
//! process-wide, computed by the thread that first reaches it; a test on
//! another thread (without this subscriber) running the first statement
//! would leave the statement span disabled for this one.
#![cfg(all(feature = "tracing", feature = "sqlite"))]

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use orm::prelude::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record as Values};
use tracing::{Event, Metadata, Subscriber};

/// Each span's name, target and fields.
type Spans = Arc<Mutex<Vec<(String, String, HashMap<String, String>)>>>;

struct Recorder {
    spans: Spans,
}

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = HashMap::new();
        span.record(&mut Fields(&mut fields));
        let meta = span.metadata();
        let mut spans = self.spans.lock().unwrap();
        spans.push((meta.name().to_owned(), meta.target().to_owned(), fields));
        Id::from_u64(spans.len() as u64)
    }
    fn record(&self, span: &Id, values: &Values<'_>) {
        let mut spans = self.spans.lock().unwrap();
        let i = usize::try_from(span.into_u64()).unwrap() - 1;
        values.record(&mut Fields(&mut spans[i].2));
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, _: &Event<'_>) {}
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[derive(Model, Debug, Clone, Default)]
#[db(table = "tr_notes")]
struct Note {
    id: i64,
    body: String,
}

#[test]
fn each_statement_is_a_span_with_its_sql_rows_duration_and_error() {
    let spans: Spans = Arc::default();
    let recorder = Recorder {
        spans: spans.clone(),
    };
    tracing::subscriber::with_default(recorder, || {
        let conn = Connection::open("sqlite::memory:").unwrap();
        conn.sync::<Note>().unwrap();
        for body in ["a", "b", "c"] {
            Note {
                body: body.into(),
                ..Default::default()
            }
            .save(&conn)
            .unwrap();
        }
        spans.lock().unwrap().clear();
        assert_eq!(TrNotes::all().all(&conn).unwrap().len(), 3);
        let changed = TrNotes::where_("body <> ?", ("a",))
            .update_attribute(&conn, TrNotes::BODY, "z")
            .unwrap();
        assert_eq!(changed, 2);
        assert!(conn.execute("SELECT * FROM no_such_table", ()).is_err());
    });
    let spans = spans.lock().unwrap();
    assert_eq!(spans.len(), 3, "{spans:?}");
    for (name, target, fields) in spans.iter() {
        assert_eq!((name.as_str(), target.as_str()), ("statement", "orm::sql"));
        assert_eq!(fields["db.system"], "sqlite");
        assert!(fields.contains_key("duration_us"), "{fields:?}");
    }
    let (select, update, bad) = (&spans[0].2, &spans[1].2, &spans[2].2);
    assert!(select["db.statement"].starts_with("SELECT "), "{select:?}");
    assert_eq!(select["rows"], "3");
    assert!(update["db.statement"].starts_with("UPDATE "), "{update:?}");
    assert_eq!(update["rows"], "2");
    assert!(!update.contains_key("error"));
    assert!(bad["error"].contains("no_such_table"), "{bad:?}");
}
