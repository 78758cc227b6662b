//! The `company` REST service: customers, products and orders, the contract
//! that CockroachDB's example apps implement for each ORM, written with orm.
//!
//! ```text
//! cargo run --all-features --example company -- --addr 'postgresql://root@localhost:26257/company?sslmode=verify-full&sslrootcert=certs/ca.crt&sslcert=certs/client.root.crt&sslkey=certs/client.root.key'
//! ADDR=sqlite://company.db cargo run --all-features --example company
//! curl localhost:6543/ping/                       # rust/orm
//! curl -d '{"name": "Billy"}' localhost:6543/customer/
//! ```
//!
//! The database URL comes from `--addr` or `ADDR` (`sqlite://company.db`
//! when neither is given). On start the schema is synced (a second start
//! keeps the data), then the service listens on 127.0.0.1:6543 (and [::1]
//! when the machine has IPv6) until it is killed. Every database operation
//! goes through orm's public API; an order and its `order_products` rows
//! are written in one retrying transaction.

mod api;
mod models;

use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use orm::prelude::*;

/// The port of the contract.
const PORT: u16 = 6543;
/// Worker threads, each taking requests from both listeners.
const WORKERS: usize = 8;
/// The largest request body read.
const MAX_BODY: u64 = 1 << 20;

fn database_url() -> Result<String, String> {
    let mut args = std::env::args().skip(1);
    let mut url = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--addr" => url = Some(args.next().ok_or("--addr needs a database URL")?),
            other => {
                return Err(format!(
                    "unknown argument {other:?}\nusage: company [--addr <database URL>]"
                ))
            }
        }
    }
    Ok(url
        .or_else(|| std::env::var("ADDR").ok())
        .unwrap_or_else(|| "sqlite://company.db".to_owned()))
}

fn serve(server: &tiny_http::Server, pool: &orm::Pool) {
    for mut request in server.incoming_requests() {
        let mut body = String::new();
        let read = request.as_reader().take(MAX_BODY).read_to_string(&mut body);
        let reply = match read {
            Ok(_) => api::handle(pool, request.method().as_str(), request.url(), &body),
            Err(e) => api::Reply {
                status: 400,
                body: serde_json::json!({ "error": format!("unreadable body: {e}") }).to_string(),
                json: true,
            },
        };
        let content_type = if reply.json {
            &b"application/json"[..]
        } else {
            &b"text/plain; charset=utf-8"[..]
        };
        let header = tiny_http::Header::from_bytes(&b"Content-Type"[..], content_type)
            .expect("a valid header");
        let response = tiny_http::Response::from_string(reply.body)
            .with_status_code(reply.status)
            .with_header(header);
        if let Err(e) = request.respond(response) {
            log::warn!("could not answer: {e}");
        }
    }
}

fn run() -> Result<(), String> {
    let url = database_url()?;
    let pool = orm::pool(
        &url,
        PoolOptions {
            max_size: WORKERS as u32,
            checkout_timeout: Duration::from_secs(10),
            ..PoolOptions::default()
        },
    )
    .map_err(|e| format!("cannot connect: {e}"))?;
    {
        let conn = pool.get().map_err(|e| format!("cannot connect: {e}"))?;
        let plan = conn
            .schema_plan::<models::Schema>()
            .map_err(|e| format!("cannot read the schema: {e}"))?;
        conn.apply(&plan)
            .map_err(|e| format!("cannot create the schema: {e}"))?;
    }
    let v4 = tiny_http::Server::http(("127.0.0.1", PORT))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{PORT}: {e}"))?;
    let mut servers = vec![Arc::new(v4)];
    // IPv6 too, where the machine has it.
    if let Ok(v6) = tiny_http::Server::http(("::1", PORT)) {
        servers.push(Arc::new(v6));
    }
    eprintln!("company: listening on localhost:{PORT}");
    let pool = Arc::new(pool);
    let mut workers = Vec::new();
    for server in &servers {
        for _ in 0..WORKERS {
            let (server, pool) = (Arc::clone(server), Arc::clone(&pool));
            workers.push(std::thread::spawn(move || serve(&server, &pool)));
        }
    }
    for w in workers {
        let _ = w.join();
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("company: {e}");
            ExitCode::FAILURE
        }
    }
}
