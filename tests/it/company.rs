//! The `company` example (`examples/company`) as the contract's harness
//! sees it: a process serving HTTP on port 6543, checked endpoint by
//! endpoint against PostgreSQL, with the exact column sets of its four
//! tables, decimal storage, bad inputs that write nothing, and data that
//! survives a SIGKILL and a restart. Its TLS run (client certificates under
//! `sslmode=verify-full`) is in `postgres_tls`.
#![cfg(all(feature = "postgres", feature = "sqlite", feature = "decimal"))]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use orm::prelude::*;
use serde_json::{json, Value};

/// The contract's port: one service at a time.
const PORT: u16 = 6543;

/// Held while a test runs the service (the port is fixed).
pub(crate) fn lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `target/<profile>/examples/company`, built when missing (a workspace
/// `cargo test` builds it with the tests).
fn binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(std::path::Path::parent).unwrap();
    let bin = profile_dir.join("examples").join("company");
    if !bin.exists() {
        let built = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "--all-features", "--example", "company"])
            .status()
            .unwrap();
        assert!(built.success(), "cargo build --example company failed");
    }
    bin
}

/// The service, running; killed (SIGKILL) when dropped.
pub(crate) struct Company(Child);

impl Company {
    /// Starts it on `url` and waits until it answers `/ping/`.
    pub(crate) fn start(url: &str) -> Company {
        let child = Command::new(binary())
            .args(["--addr", url])
            .env_remove("ADDR")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the company example starts");
        let mut app = Company(child);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = app.0.try_wait().unwrap() {
                let mut err = String::new();
                let _ = app.0.stderr.take().unwrap().read_to_string(&mut err);
                panic!("company exited with {status}: {err}");
            }
            if try_http("GET", "/ping/", None).is_ok_and(|(s, b)| s == 200 && b == "rust/orm") {
                return app;
            }
            assert!(
                Instant::now() < deadline,
                "company did not answer within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGKILL, and waits for the process to go.
    pub(crate) fn kill(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Company {
    fn drop(&mut self) {
        self.stop();
    }
}

fn try_http(method: &str, path: &str, body: Option<&str>) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", PORT))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: localhost:{PORT}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut raw = String::new();
    s.read_to_string(&mut raw)?;
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((status, body.to_owned()))
}

/// A request: its status and body.
pub(crate) fn http(method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    try_http(method, path, body).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

/// A request that must succeed (exactly 200), its JSON body.
pub(crate) fn ok(method: &str, path: &str, body: Option<Value>) -> Value {
    let text = body.map(|b| b.to_string());
    let (status, out) = http(method, path, text.as_deref());
    assert_eq!(status, 200, "{method} {path}: {out}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{method} {path}: {e}: {out}"))
}

/// A request that must fail with `status` and a JSON error body.
fn refused(method: &str, path: &str, body: &str, status: u16) {
    let (got, out) = http(method, path, Some(body));
    assert_eq!(got, status, "{method} {path} {body}: {out}");
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert!(v["error"].is_string(), "{out}");
}

/// Rows in the four tables.
fn counts(conn: &Connection) -> [i64; 4] {
    let rows: Vec<(i64, i64, i64, i64)> = conn
        .query(
            "SELECT (SELECT COUNT(*) FROM customers), (SELECT COUNT(*) FROM products), \
             (SELECT COUNT(*) FROM orders), (SELECT COUNT(*) FROM order_products)",
            (),
        )
        .unwrap();
    let (a, b, c, d) = rows[0];
    [a, b, c, d]
}

/// Each table's columns, from information_schema.
fn columns(conn: &Connection) -> Vec<(String, String)> {
    conn.query(
        "SELECT table_name::TEXT, column_name::TEXT FROM information_schema.columns \
         WHERE table_schema = current_schema() ORDER BY 1, 2",
        (),
    )
    .unwrap()
}

#[test]
#[cfg_attr(
    not(orm_test_postgres),
    ignore = "PostgreSQL: ORM_TEST_POSTGRES_URL is not set (or the postgres feature is off)"
)]
fn company_serves_the_contract_on_postgresql() {
    let _port = lock();
    let (url, _db) = crate::common::test_url("postgres");
    let conn = Connection::open(&url).unwrap();
    let app = Company::start(&url);

    // Routes with and without the trailing slash.
    assert_eq!(http("GET", "/ping", None), (200, "rust/orm".into()));
    assert_eq!(ok("GET", "/customer/", None), json!([]));
    assert_eq!(ok("GET", "/product", None), json!([]));
    assert_eq!(ok("GET", "/order/", None), json!([]));

    // The schema: exactly these columns, exact decimals, foreign keys.
    let want: Vec<(String, String)> = [
        ("customers", "id"),
        ("customers", "name"),
        ("order_products", "order_id"),
        ("order_products", "product_id"),
        ("orders", "customer_id"),
        ("orders", "id"),
        ("orders", "subtotal"),
        ("products", "id"),
        ("products", "name"),
        ("products", "price"),
    ]
    .iter()
    .map(|(t, c)| ((*t).to_owned(), (*c).to_owned()))
    .collect();
    assert_eq!(columns(&conn), want);
    let money: Vec<(String, String, i32, i32)> = conn
        .query(
            "SELECT table_name::TEXT, data_type::TEXT, numeric_precision::INT4, \
             numeric_scale::INT4 FROM information_schema.columns \
             WHERE table_schema = current_schema() AND column_name IN ('price', 'subtotal') \
             ORDER BY 1",
            (),
        )
        .unwrap();
    assert_eq!(
        money,
        [
            ("orders".into(), "numeric".into(), 18, 2),
            ("products".into(), "numeric".into(), 18, 2)
        ]
    );
    let fks: Vec<(String, i64)> = conn
        .query(
            "SELECT table_name::TEXT, COUNT(*) FROM information_schema.table_constraints \
             WHERE table_schema = current_schema() AND constraint_type = 'FOREIGN KEY' \
             GROUP BY 1 ORDER BY 1",
            (),
        )
        .unwrap();
    assert_eq!(fks, [("order_products".into(), 2), ("orders".into(), 1)]);

    // Create, with unknown fields ignored.
    let billy = ok(
        "POST",
        "/customer/",
        Some(json!({"name": "Billy", "extra": 1})),
    );
    assert_eq!(billy["name"], "Billy");
    let billy_id = billy["id"].as_i64().expect("a JSON integer id");
    let ice = ok(
        "POST",
        "/product/",
        Some(json!({"name": "Ice Cream", "price": "123.4"})),
    );
    assert_eq!(ice["price"], "123.40");
    let ice_id = ice["id"].as_i64().unwrap();
    let stored: Vec<(String,)> = conn.query("SELECT price::TEXT FROM products", ()).unwrap();
    assert_eq!(
        stored,
        [("123.40".to_owned(),)],
        "123.4 stored reads 123.40"
    );
    let tea = ok(
        "POST",
        "/product",
        Some(json!({"name": "Tea", "price": "2"})),
    );
    let tea_id = tea["id"].as_i64().unwrap();

    let order = ok(
        "POST",
        "/order/",
        Some(json!({
            "subtotal": "125.4",
            "customer": {"id": billy_id, "name": null},
            "products": [{"id": ice_id, "name": null, "price": "0"}, {"id": tea_id}],
        })),
    );
    assert_eq!(order["subtotal"], "125.40");
    assert_eq!(order["customer"], json!({"id": billy_id, "name": "Billy"}));
    assert_eq!(order["products"].as_array().unwrap().len(), 2);
    let order_id = order["id"].as_i64().unwrap();
    assert_eq!(counts(&conn), [1, 2, 1, 2]);

    // Read one, and all.
    assert_eq!(ok("GET", &format!("/order/{order_id}"), None), order);
    assert_eq!(ok("GET", &format!("/order/{order_id}/"), None), order);
    assert_eq!(ok("GET", "/order/", None), json!([order]));
    assert_eq!(ok("GET", &format!("/customer/{billy_id}"), None), billy);
    assert_eq!(ok("GET", &format!("/product/{ice_id}/"), None), ice);
    assert_eq!(ok("GET", "/product/", None), json!([ice, tea]));
    for path in ["/customer/999", "/product/999", "/order/999", "/order/x"] {
        refused("GET", path, "", 404);
    }

    // Bad input: 400 or 404 with a JSON error, and nothing written.
    let before = counts(&conn);
    refused("POST", "/customer/", "{\"name\": ", 400);
    refused("POST", "/customer/", "{}", 400);
    refused("POST", "/customer/", "[1, 2]", 400);
    refused("POST", "/product/", r#"{"name": "X", "price": "abc"}"#, 400);
    refused(
        "POST",
        "/product/",
        r#"{"name": "X", "price": "1.234"}"#,
        400,
    );
    refused("POST", "/product/", r#"{"name": "X"}"#, 400);
    refused(
        "POST",
        "/order/",
        r#"{"subtotal": "x", "customer": {"id": 1}}"#,
        400,
    );
    refused(
        "POST",
        "/order/",
        r#"{"subtotal": "1", "customer": {"id": 999}}"#,
        404,
    );
    let unknown_product = json!({
        "subtotal": "1",
        "customer": {"id": billy_id},
        "products": [{"id": ice_id}, {"id": 999}],
    });
    refused("POST", "/order/", &unknown_product.to_string(), 404);
    // A duplicate name: a conflict.
    refused("POST", "/product/", r#"{"name": "Tea", "price": "3"}"#, 409);
    assert_eq!(counts(&conn), before, "nothing written");

    // Update.
    let bill = ok(
        "PUT",
        &format!("/customer/{billy_id}"),
        Some(json!({"name": "Bill"})),
    );
    assert_eq!(bill, json!({"id": billy_id, "name": "Bill"}));
    let cheaper = ok(
        "PUT",
        &format!("/product/{tea_id}/"),
        Some(json!({"name": "Tea", "price": 1.5})),
    );
    assert_eq!(cheaper["price"], "1.50");
    let changed = ok(
        "PUT",
        &format!("/order/{order_id}"),
        Some(
            json!({"subtotal": "1.5", "customer": {"id": billy_id}, "products": [{"id": tea_id}]}),
        ),
    );
    assert_eq!(changed["products"], json!([cheaper]));
    assert_eq!(counts(&conn), [1, 2, 1, 1]);

    // Delete: what is still referred to is refused, an order takes its
    // rows with it.
    refused("DELETE", &format!("/product/{tea_id}"), "", 409);
    refused("DELETE", &format!("/customer/{billy_id}"), "", 409);
    assert_eq!(ok("DELETE", &format!("/order/{order_id}"), None), changed);
    assert_eq!(counts(&conn), [1, 2, 0, 0]);
    assert_eq!(ok("DELETE", &format!("/product/{ice_id}"), None), ice);
    refused("DELETE", &format!("/product/{ice_id}"), "", 404);

    // SIGKILL, then a restart on the same database: the port is free, the
    // schema sync is idempotent, the data is there.
    app.kill();
    let app = Company::start(&url);
    assert_eq!(
        ok("GET", "/customer/", None),
        json!([{"id": billy_id, "name": "Bill"}])
    );
    assert_eq!(ok("GET", "/product/", None), json!([cheaper]));
    assert_eq!(columns(&conn), want);
    app.kill();
}

#[test]
fn company_runs_on_sqlite_for_local_play() {
    let _port = lock();
    let file = crate::common::TempDb::new("company");
    let app = Company::start(&format!("{}?journal_mode=wal", file.url()));
    let c = ok("POST", "/customer/", Some(json!({"name": "Ann"})));
    let p = ok(
        "POST",
        "/product/",
        Some(json!({"name": "Pen", "price": "0.5"})),
    );
    assert_eq!(p["price"], "0.50");
    let o = ok(
        "POST",
        "/order/",
        Some(
            json!({"subtotal": "0.5", "customer": {"id": c["id"]}, "products": [{"id": p["id"]}]}),
        ),
    );
    assert_eq!(ok("GET", "/order/", None), json!([o]));
    app.kill();
}
