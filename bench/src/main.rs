//! orm against the raw drivers and Diesel 2.3 on seven workloads (see
//! BENCHMARKS.md). Usually started by `bench/run`:
//!
//! ```text
//! orm-bench --backend sqlite|postgres|mysql [--quick] [--smoke] [--only W4] [--out FILE]
//!           [--profile raw|orm|diesel]   (no timing: one contestant's operation
//!                                         for two seconds, for perf/callgrind)
//! ```
//!
//! PostgreSQL and MySQL URLs come from `ORM_TEST_POSTGRES_URL` and
//! `ORM_TEST_MYSQL_URL`. Every contestant's result is compared with raw's
//! before anything is timed; a difference stops the run.

mod alloc;
mod contestant;
mod data;
mod diesel_side;
mod orm_side;
#[cfg(feature = "mysql")]
mod raw_mysql;
#[cfg(feature = "postgres")]
mod raw_pg;
#[cfg(feature = "sqlite")]
mod raw_sqlite;

use contestant::Contestant;
use data::{Backend, Seed};
use std::fmt::Debug;
use std::hint::black_box;
use std::io::Write as _;
use std::time::{Duration, Instant};

#[global_allocator]
static COUNTING: alloc::Counting = alloc::Counting;

/// The contestants, in this order everywhere.
const NAMES: [&str; 3] = ["raw", "orm", "diesel"];

struct Config {
    backend: Backend,
    smoke: bool,
    /// Samples per contestant and case.
    samples: usize,
    /// Wall time aimed at for one sample (a batch of calls).
    sample_time: Duration,
    only: Option<String>,
    /// Only this size of each workload (`--n`).
    only_n: Option<usize>,
    out: Option<String>,
    /// Instead of timing, run this contestant's operation alone for two
    /// seconds (for a profiler).
    profile: Option<usize>,
}

struct Record {
    workload: &'static str,
    n: usize,
    contestant: &'static str,
    median_ns: f64,
    allocs: f64,
}

struct Bench {
    cfg: Config,
    cs: Vec<Box<dyn Contestant>>,
    records: Vec<Record>,
}

fn usage() -> ! {
    eprintln!(
        "usage: orm-bench --backend sqlite|postgres|mysql [--quick] [--smoke] [--only W1..W7] [--n SIZE] [--out FILE] [--profile raw|orm|diesel]"
    );
    std::process::exit(2)
}

fn parse_args() -> Config {
    let mut args = std::env::args().skip(1);
    let mut backend = None;
    let (mut quick, mut smoke, mut only, mut out, mut profile) = (false, false, None, None, None);
    let mut only_n = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--backend" => {
                backend = Some(match args.next().as_deref() {
                    Some("sqlite") => Backend::Sqlite,
                    Some("postgres") => Backend::Postgres,
                    Some("mysql") => Backend::Mysql,
                    _ => usage(),
                })
            }
            "--quick" => quick = true,
            "--smoke" => smoke = true,
            "--only" => only = Some(args.next().unwrap_or_else(|| usage())),
            "--out" => out = Some(args.next().unwrap_or_else(|| usage())),
            "--n" => {
                only_n = Some(
                    args.next()
                        .and_then(|n| n.parse().ok())
                        .unwrap_or_else(|| usage()),
                )
            }
            "--profile" => {
                let who = args.next().unwrap_or_else(|| usage());
                profile = Some(
                    NAMES
                        .iter()
                        .position(|n| *n == who)
                        .unwrap_or_else(|| usage()),
                );
            }
            _ => usage(),
        }
    }
    let (samples, sample_time) = if quick {
        (21, Duration::from_millis(8))
    } else {
        (51, Duration::from_millis(25))
    };
    Config {
        backend: backend.unwrap_or_else(|| usage()),
        smoke,
        samples,
        sample_time,
        only,
        only_n,
        out,
        profile,
    }
}

#[cfg_attr(not(any(feature = "postgres", feature = "mysql")), allow(dead_code))]
fn url(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        eprintln!("{var} is not set (bench/run starts the servers and sets it)");
        std::process::exit(2)
    })
}

fn open(backend: Backend) -> Vec<Box<dyn Contestant>> {
    match backend {
        #[cfg(feature = "sqlite")]
        Backend::Sqlite => {
            // Each contestant has its own in-memory database, loaded with the
            // same data by the same scripts.
            let mut cs: Vec<Box<dyn Contestant>> = vec![
                Box::new(raw_sqlite::RawSqlite::open()),
                Box::new(orm_side::OrmSide::open("sqlite::memory:")),
                Box::new(diesel_side::sqlite::DieselSide::open(":memory:")),
            ];
            for c in &mut cs[1..] {
                c.batch(&Backend::Sqlite.schema());
            }
            cs
        }
        #[cfg(feature = "postgres")]
        Backend::Postgres => {
            let u = url("ORM_TEST_POSTGRES_URL");
            vec![
                Box::new(raw_pg::RawPg::open(&u)),
                Box::new(orm_side::OrmSide::open(&u)),
                Box::new(diesel_side::postgres::DieselSide::open(&u)),
            ]
        }
        #[cfg(feature = "mysql")]
        Backend::Mysql => {
            let u = url("ORM_TEST_MYSQL_URL");
            vec![
                Box::new(raw_mysql::RawMysql::open(&u)),
                Box::new(orm_side::OrmSide::open(&u)),
                Box::new(diesel_side::mysql::DieselSide::open(&u)),
            ]
        }
        #[allow(unreachable_patterns)]
        other => {
            eprintln!(
                "this build has no {} support: build with --features {}",
                other.name(),
                other.name()
            );
            std::process::exit(2)
        }
    }
}

/// Fails loudly when `got` differs from raw's `want`.
fn assert_same<T: PartialEq + Debug>(what: &str, who: &str, want: &[T], got: &[T]) {
    if want == got {
        return;
    }
    let at = want
        .iter()
        .zip(got)
        .position(|(a, b)| a != b)
        .unwrap_or(want.len().min(got.len()));
    panic!(
        "{what}: {who}'s result differs from raw's ({} rows against {}); first difference at row {at}:\n  raw:   {:?}\n  {who}: {:?}",
        got.len(),
        want.len(),
        want.get(at),
        got.get(at)
    );
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

impl Bench {
    fn wanted(&self, workload: &str) -> bool {
        self.cfg.only.as_deref().is_none_or(|o| o == workload)
    }

    /// Runs a setup script: on every contestant's database for SQLite (one
    /// in-memory database each), once on the shared database otherwise.
    fn seed(&mut self, sql: &str) {
        if self.cfg.backend == Backend::Sqlite {
            for c in &mut self.cs {
                c.batch(sql);
            }
        } else {
            self.cs[0].batch(sql);
        }
    }

    /// Runs `f` on each contestant (`prep` first, on the contestant's
    /// database) and compares each result with raw's.
    fn check<T: PartialEq + Debug>(
        &mut self,
        what: &str,
        mut prep: impl FnMut(&mut Bench),
        mut f: impl FnMut(&mut dyn Contestant) -> Vec<T>,
    ) {
        let mut want = None;
        for (i, who) in NAMES.iter().enumerate() {
            prep(self);
            let got = f(&mut *self.cs[i]);
            match &want {
                None => {
                    assert!(!got.is_empty(), "{what}: raw returned nothing");
                    want = Some(got);
                }
                Some(w) => assert_same(what, who, w, &got),
            }
        }
        println!("  checked {what}: orm and diesel return what raw returns");
    }

    /// Times `op` for each contestant: calibrated on raw to about
    /// `sample_time` per sample, contestants interleaved sample by sample
    /// (the order rotating), medians reported; allocations counted over a
    /// few calls after the warm-up.
    fn time(
        &mut self,
        workload: &'static str,
        n: usize,
        mut op: impl FnMut(&mut dyn Contestant, usize) -> usize,
    ) {
        if self.cfg.smoke {
            return;
        }
        if let Some(who) = self.cfg.profile {
            let start = Instant::now();
            let mut calls = 0usize;
            while start.elapsed() < Duration::from_secs(2) {
                black_box(op(&mut *self.cs[who], calls));
                calls += 1;
            }
            println!("{workload} n={n}: {} ran {calls} times", NAMES[who]);
            return;
        }
        let k = self.cs.len();
        let mut counter = 0usize;
        let start = Instant::now();
        let mut calls = 0u32;
        while calls < 3 || start.elapsed() < self.cfg.sample_time * 2 {
            black_box(op(&mut *self.cs[0], counter));
            counter += 1;
            calls += 1;
        }
        let per = start.elapsed().as_nanos() as f64 / f64::from(calls);
        let iters = ((self.cfg.sample_time.as_nanos() as f64 / per) as usize).clamp(1, 200_000);
        for c in &mut self.cs[1..] {
            for _ in 0..iters.max(3) {
                black_box(op(&mut **c, counter));
                counter += 1;
            }
        }
        let m = iters.clamp(1, 20);
        let mut allocs = vec![0.0; k];
        for (i, c) in self.cs.iter_mut().enumerate() {
            let before = alloc::count();
            for _ in 0..m {
                black_box(op(&mut **c, counter));
                counter += 1;
            }
            allocs[i] = (alloc::count() - before) as f64 / m as f64;
        }
        let mut samples = vec![Vec::with_capacity(self.cfg.samples); k];
        for s in 0..self.cfg.samples {
            for j in 0..k {
                let i = (s + j) % k;
                let c = &mut *self.cs[i];
                let t = Instant::now();
                for _ in 0..iters {
                    black_box(op(c, counter));
                    counter += 1;
                }
                samples[i].push(t.elapsed().as_nanos() as f64 / iters as f64);
            }
        }
        let medians: Vec<f64> = samples.into_iter().map(median).collect();
        print_row(workload, n, &medians, &allocs);
        for i in 0..k {
            self.records.push(Record {
                workload,
                n,
                contestant: NAMES[i],
                median_ns: medians[i],
                allocs: allocs[i],
            });
        }
    }

    /// The sizes of a workload to run: all, or the one `--n` names.
    fn sizes(&self, all: &[usize]) -> Vec<usize> {
        all.iter()
            .copied()
            .filter(|n| self.cfg.only_n.is_none_or(|only| only == *n))
            .collect()
    }

    fn run(&mut self) {
        let b = self.cfg.backend;
        if !self.cfg.smoke {
            print_header();
        }

        if self.wanted("W1") {
            for n in self.sizes(&[1, 100, 10_000]) {
                self.seed(&Seed::users(b, n));
                self.check(
                    &format!("W1 n={n}"),
                    |_| {},
                    |c| sorted(c.users(), |u| u.id),
                );
                self.time("W1", n, |c, _| c.t_users());
            }
        }

        if self.wanted("W2") {
            for n in self.sizes(&[100, 10_000]) {
                self.seed(&Seed::users_with_some_posts(b, n));
                self.check(
                    &format!("W2 n={n}"),
                    |_| {},
                    |c| sorted(c.users_posts(), |(u, p)| (u.id, p.as_ref().map(|p| p.id))),
                );
                self.time("W2", n, |c, _| c.t_users_posts());
            }
        }

        if self.wanted("W3") {
            for n in self.sizes(&[1, 100]) {
                let rows = data::new_users(n);
                for c in &mut self.cs {
                    c.set_new_users(rows);
                }
                let truncate = b.truncate();
                self.check(
                    &format!("W3 n={n}"),
                    |bench| bench.seed(truncate),
                    |c| {
                        let count = c.insert_users();
                        vec![(count, sorted(c.users(), |u| u.id))]
                    },
                );
                self.seed(truncate);
                self.time("W3", n, |c, _| c.insert_users() as usize);
            }
        }

        if self.wanted("W4") {
            for n in self.sizes(&[9, 100]) {
                self.seed(&Seed::users_posts_comments(b, n));
                self.check(
                    &format!("W4 n={n}"),
                    |_| {},
                    |c| {
                        let mut v = sorted(c.nested(), |(u, _)| u.id);
                        for (_, posts) in &mut v {
                            posts.sort_by_key(|(p, _)| p.id);
                            for (_, comments) in posts {
                                comments.sort_by_key(|c| c.id);
                            }
                        }
                        v
                    },
                );
                self.time("W4", n, |c, _| c.t_nested());
            }
        }

        if self.wanted("W5") {
            let users = 1_000;
            self.seed(&Seed::users(b, users));
            self.check(
                "W5",
                |_| {},
                |c| [1, 2, 3, 500, 999, 1000].map(|id| c.find(id)).to_vec(),
            );
            self.time("W5", 1, |c, i| c.t_find((i % users) as i32 + 1));
        }

        if self.wanted("W6") {
            let row = data::new_users(2)[1].clone();
            for c in &mut self.cs {
                c.set_new_user(row.clone());
            }
            let truncate = b.truncate();
            self.check(
                "W6",
                |bench| bench.seed(truncate),
                |c| {
                    let first = c.insert_user();
                    let second = c.insert_user();
                    vec![(first, second, sorted(c.users(), |u| u.id))]
                },
            );
            self.seed(truncate);
            self.time("W6", 1, |c, _| c.insert_user() as usize);
        }

        if self.wanted("W7") {
            let n = 1_000;
            self.seed(&Seed::wide(b, n));
            self.check("W7 n=1000", |_| {}, |c| sorted(c.wide(), |w| w.id));
            self.time("W7", n, |c, _| c.t_wide());
        }
    }

    fn write_json(&self, path: &str) {
        let mut s = String::from("[\n");
        for (i, r) in self.records.iter().enumerate() {
            s.push_str(&format!(
                "  {{\"workload\": \"{}\", \"n\": {}, \"contestant\": \"{}\", \"median_ns\": {:.1}, \"allocs\": {:.1}}}{}\n",
                r.workload,
                r.n,
                r.contestant,
                r.median_ns,
                r.allocs,
                if i + 1 < self.records.len() { "," } else { "" }
            ));
        }
        s.push_str("]\n");
        std::fs::write(path, s).unwrap_or_else(|e| panic!("cannot write {path}: {e}"));
        println!("wrote {path}");
    }
}

fn sorted<T, K: Ord>(mut v: Vec<T>, key: impl FnMut(&T) -> K) -> Vec<T> {
    v.sort_by_key(key);
    v
}

fn print_header() {
    println!(
        "{:<4} {:>6} {:>11} {:>11} {:>11} {:>8} {:>10} {:>10}   allocs/op raw / orm / diesel",
        "", "n", "raw", "orm", "diesel", "orm/raw", "orm/diesel", "diesel/raw"
    );
}

fn print_row(workload: &str, n: usize, m: &[f64], allocs: &[f64]) {
    println!(
        "{workload:<4} {n:>6} {:>11} {:>11} {:>11} {:>8.3} {:>10.3} {:>10.3}   {:.0} / {:.0} / {:.0}",
        fmt_ns(m[0]),
        fmt_ns(m[1]),
        fmt_ns(m[2]),
        m[1] / m[0],
        m[1] / m[2],
        m[2] / m[0],
        allocs[0],
        allocs[1],
        allocs[2],
    );
    let _ = std::io::stdout().flush();
}

fn main() {
    let cfg = parse_args();
    let backend = cfg.backend;
    println!(
        "== {} ({}) ==",
        backend.name(),
        if cfg.smoke {
            "smoke: results compared, nothing timed".to_owned()
        } else {
            format!(
                "{} samples of ~{:?} per contestant and case, medians per operation",
                cfg.samples, cfg.sample_time
            )
        }
    );
    let cs = open(backend);
    let mut bench = Bench {
        cfg,
        cs,
        records: Vec::new(),
    };
    bench.run();
    if bench.cfg.profile.is_none() && !bench.cfg.smoke {
        let path = bench.cfg.out.clone().unwrap_or_else(|| {
            format!(
                "{}/results/{}.json",
                env!("CARGO_MANIFEST_DIR"),
                backend.name()
            )
        });
        bench.write_json(&path);
    } else if bench.cfg.smoke {
        println!("smoke: {}: every workload agrees with raw", backend.name());
    }
}
