//! How the `postgres` crate's per-row runtime entry compares with the other
//! ways the same crate family can read many rows (BENCHMARKS.md, "PostgreSQL:
//! what one runtime entry per row costs"). Not a contestant: an experiment
//! on the driver alone, reading `SELECT id, name, hair_color` rows into
//! `User`s three ways, interleaved sample by sample, medians:
//!
//! - `per-row`: `postgres::Client::query_raw`, one runtime entry per row
//!   (what raw and orm do);
//! - `collect`: `postgres::Client::query`, one entry for all the rows,
//!   decoded after the last one arrived;
//! - `batched`: tokio-postgres on a current-thread runtime owned here, one
//!   entry per batch of the rows already received (at most 256), decoded
//!   outside the runtime between entries.
//!
//! ```text
//! ORM_TEST_POSTGRES_URL=postgresql://... \
//!   cargo run --release --features postgres --bin pg_stream [-- --only per-row|collect|batched] [--n ROWS]
//! ```
//!
//! `--only` runs one way for two seconds (for callgrind). The table
//! `pg_stream_users` is created, filled with `--n` rows (10 000) and dropped.

use std::future::{poll_fn, Future};
use std::pin::{pin, Pin};
use std::task::Poll;
use std::time::{Duration, Instant};

use futures_core::Stream;
use postgres::fallible_iterator::FallibleIterator;
use tokio_postgres::{AsyncMessage, NoTls};

#[derive(Debug, PartialEq)]
struct User {
    id: i32,
    name: String,
    hair_color: Option<String>,
}

fn user(r: &tokio_postgres::Row) -> User {
    User {
        id: r.get(0),
        name: r.get(1),
        hair_color: r.get(2),
    }
}

const SQL: &str = "SELECT id, name, hair_color FROM pg_stream_users";
const BATCH: usize = 256;

type Messages = Pin<Box<dyn Stream<Item = Result<AsyncMessage, tokio_postgres::Error>> + Send>>;

/// tokio-postgres driven by hand: the runtime and the connection owned
/// here, the connection polled during every entry (as the `postgres`
/// crate does).
struct Batched {
    rt: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
    messages: Messages,
    stmt: tokio_postgres::Statement,
}

/// Runs `fut` in one runtime entry, polling the connection first.
fn block_on<F: Future>(rt: &tokio::runtime::Runtime, messages: &mut Messages, fut: F) -> F::Output {
    let mut fut = pin!(fut);
    rt.block_on(poll_fn(|cx| {
        loop {
            match messages.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(_))) => continue,
                Poll::Ready(Some(Err(e))) => panic!("connection: {e}"),
                Poll::Ready(None) => panic!("connection closed"),
                Poll::Pending => break,
            }
        }
        fut.as_mut().poll(cx)
    }))
}

impl Batched {
    fn open(url: &str) -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .expect("runtime");
        let (client, mut connection) = rt
            .block_on(tokio_postgres::connect(url, NoTls))
            .expect("connect");
        let mut messages: Messages =
            Box::pin(futures_stream(move |cx| connection.poll_message(cx)));
        let stmt = block_on(&rt, &mut messages, client.prepare(SQL)).expect("prepare");
        Batched {
            rt,
            client,
            messages,
            stmt,
        }
    }

    fn users(&mut self) -> Vec<User> {
        let Batched {
            rt,
            client,
            messages,
            stmt,
        } = self;
        let none: [&(dyn tokio_postgres::types::ToSql + Sync); 0] = [];
        let stream = block_on(rt, messages, client.query_raw(&*stmt, none)).expect("query");
        let mut stream = pin!(stream);
        let mut out = Vec::new();
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            // One entry: the rows already received (at least one, or the end).
            let done = block_on(
                rt,
                messages,
                poll_fn(|cx| loop {
                    match stream.as_mut().poll_next(cx) {
                        Poll::Ready(Some(Ok(row))) => {
                            batch.push(row);
                            if batch.len() == BATCH {
                                return Poll::Ready(false);
                            }
                        }
                        Poll::Ready(Some(Err(e))) => panic!("row: {e}"),
                        Poll::Ready(None) => return Poll::Ready(true),
                        Poll::Pending if batch.is_empty() => return Poll::Pending,
                        Poll::Pending => return Poll::Ready(false),
                    }
                }),
            );
            // Decoded outside the runtime.
            out.extend(batch.drain(..).map(|r| user(&r)));
            if done {
                return out;
            }
        }
    }
}

/// A stream from a poll function (what `futures::stream::poll_fn` does).
fn futures_stream<T, F>(f: F) -> impl Stream<Item = T>
where
    F: FnMut(&mut std::task::Context<'_>) -> Poll<Option<T>> + Unpin,
{
    struct PollStream<F>(F);
    impl<T, F> Stream for PollStream<F>
    where
        F: FnMut(&mut std::task::Context<'_>) -> Poll<Option<T>> + Unpin,
    {
        type Item = T;
        fn poll_next(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Option<T>> {
            (self.get_mut().0)(cx)
        }
    }
    PollStream(f)
}

fn per_row(client: &mut postgres::Client, stmt: &postgres::Statement) -> Vec<User> {
    let none: [&(dyn postgres::types::ToSql + Sync); 0] = [];
    client
        .query_raw(stmt, none)
        .expect("query")
        .map(|r| Ok(user(&r)))
        .collect()
        .expect("rows")
}

fn collect(client: &mut postgres::Client, stmt: &postgres::Statement) -> Vec<User> {
    client
        .query(stmt, &[])
        .expect("query")
        .iter()
        .map(user)
        .collect()
}

fn main() {
    let url = std::env::var("ORM_TEST_POSTGRES_URL").expect("ORM_TEST_POSTGRES_URL");
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let n: i32 = arg("--n").map_or(10_000, |v| v.parse().expect("--n ROWS"));
    let only = arg("--only");

    let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
    client
        .batch_execute(&format!(
            "DROP TABLE IF EXISTS pg_stream_users;
             CREATE TABLE pg_stream_users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, hair_color TEXT);
             INSERT INTO pg_stream_users
               SELECT i, 'User ' || i, CASE i % 3 WHEN 0 THEN 'black' WHEN 1 THEN 'brown' END
               FROM generate_series(1, {n}) AS i;
             ANALYZE pg_stream_users;"
        ))
        .expect("table");
    let stmt = client.prepare(SQL).expect("prepare");
    let mut batched = Batched::open(&url);

    let expected = per_row(&mut client, &stmt);
    assert_eq!(collect(&mut client, &stmt), expected, "collect");
    assert_eq!(batched.users(), expected, "batched");

    let ways = ["per-row", "collect", "batched"];
    let mut run = |way: &str| -> usize {
        match way {
            "per-row" => std::hint::black_box(per_row(&mut client, &stmt)).len(),
            "collect" => std::hint::black_box(collect(&mut client, &stmt)).len(),
            _ => std::hint::black_box(batched.users()).len(),
        }
    };
    if let Some(way) = only {
        assert!(
            ways.contains(&way.as_str()),
            "--only per-row|collect|batched"
        );
        let end = Instant::now() + Duration::from_secs(2);
        while Instant::now() < end {
            run(&way);
        }
    } else {
        let mut samples: [Vec<Duration>; 3] = Default::default();
        for _ in 0..31 {
            for (i, way) in ways.iter().enumerate() {
                let start = Instant::now();
                let mut calls = 0u32;
                while start.elapsed() < Duration::from_millis(25) || calls == 0 {
                    run(way);
                    calls += 1;
                }
                samples[i].push(start.elapsed() / calls);
            }
        }
        println!("{n} rows, medians of 31 interleaved samples of ~25 ms:");
        let median = |s: &mut Vec<Duration>| {
            s.sort();
            s[s.len() / 2]
        };
        let base = median(&mut samples[0].clone());
        for (i, way) in ways.iter().enumerate() {
            let m = median(&mut samples[i]);
            println!(
                "{way:8} {:>10.1} µs  {:.3}× per-row",
                m.as_secs_f64() * 1e6,
                m.as_secs_f64() / base.as_secs_f64()
            );
        }
    }
    client
        .batch_execute("DROP TABLE pg_stream_users")
        .expect("drop");
}
