//! CockroachDB's "bank" tutorial, with `orm`: sync an `accounts` table from a
//! model, reset accounts 1 (1000) and 2 (250), print the balances, move 100
//! from account 1 to account 2 in a transaction that is retried with
//! exponential backoff when the database reports a retryable conflict, and
//! print the balances again.
//!
//! ```text
//! cargo run --example bank                         # embedded SQLite, in memory
//! cargo run --example bank -- --url sqlite://bank.db
//! DATABASE_URL=postgresql://... cargo run --all-features --example bank
//! ```
//!
//! Only the six lines of balances go to stdout; errors go to stderr with a
//! non-zero exit status.
//!
//! Stress mode runs concurrent random transfers between random accounts,
//! each in a retrying SERIALIZABLE transaction, over a connection pool, and
//! prints one line of totals and counts:
//!
//! ```text
//! cargo run --release --example bank -- --url <URL> --stress --threads 8 --accounts 100 --transfers 20000
//! total_before=100000 total_after=100000 committed=20000 retries=1234 failed=0 ambiguous_resolved=0 reconnects=0
//! ```
//!
//! It exits non-zero if money was created or lost, or if a transfer is
//! unaccounted for. On SQLite it needs a file database shared by the threads
//! (`sqlite://bank.db?journal_mode=wal`).

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use orm::prelude::*;

/// One bank account.
#[derive(Model, Debug, Clone, PartialEq)]
struct Account {
    id: i64,
    balance: i64,
}

/// Why the example stopped.
#[derive(Debug)]
pub(crate) enum BankError {
    Usage(String),
    Db(orm::Error),
    Invariant(String),
}

impl From<orm::Error> for BankError {
    fn from(e: orm::Error) -> Self {
        BankError::Db(e)
    }
}

impl std::fmt::Display for BankError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BankError::Usage(m) => write!(
                f,
                "{m}\nusage: bank [--url <database URL>] \
                 [--stress [--threads N] [--accounts N] [--transfers N]]"
            ),
            BankError::Db(e) => write_chain(f, e),
            BankError::Invariant(m) => write!(f, "invariant broken: {m}"),
        }
    }
}

fn write_chain(f: &mut std::fmt::Formatter<'_>, e: &orm::Error) -> std::fmt::Result {
    write!(f, "{e}")?;
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        write!(f, "\n  caused by: {s}")?;
        source = s.source();
    }
    Ok(())
}

/// Command-line options.
pub(crate) struct Options {
    pub(crate) url: String,
    pub(crate) stress: bool,
    pub(crate) threads: usize,
    pub(crate) accounts: i64,
    pub(crate) transfers: u64,
}

/// What a stress run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StressReport {
    pub(crate) total_before: i64,
    pub(crate) total_after: i64,
    pub(crate) committed: u64,
    pub(crate) retries: u64,
    pub(crate) failed: u64,
    /// Failed transfers whose COMMIT outcome is unknown (counted in `failed`).
    pub(crate) ambiguous: u64,
    /// Commits whose outcome was lost and then resolved by looking the
    /// transfer's idempotency key up on a new connection.
    pub(crate) resolved: u64,
    /// Times a transfer went on with a new connection (the server went
    /// away, or failed over).
    pub(crate) reconnects: u64,
}

impl std::fmt::Display for StressReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "total_before={} total_after={} committed={} retries={} failed={} \
             ambiguous_resolved={} reconnects={}",
            self.total_before,
            self.total_after,
            self.committed,
            self.retries,
            self.failed,
            self.resolved,
            self.reconnects
        )
    }
}

fn number<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, BankError> {
    let value = value.ok_or_else(|| BankError::Usage(format!("{flag} needs a value")))?;
    value
        .parse()
        .map_err(|_| BankError::Usage(format!("{flag} needs a number, not {value:?}")))
}

fn parse_args() -> Result<Options, BankError> {
    let mut opts = Options {
        url: std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".to_owned()),
        stress: false,
        threads: 8,
        accounts: 100,
        transfers: 20_000,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--url" => {
                opts.url = args
                    .next()
                    .ok_or_else(|| BankError::Usage("--url needs a value".into()))?;
            }
            "--stress" => opts.stress = true,
            "--threads" => opts.threads = number("--threads", args.next())?,
            "--accounts" => opts.accounts = number("--accounts", args.next())?,
            "--transfers" => opts.transfers = number("--transfers", args.next())?,
            "-h" | "--help" => return Err(BankError::Usage("the bank example".into())),
            other => return Err(BankError::Usage(format!("unknown argument {other:?}"))),
        }
    }
    if opts.threads == 0 || opts.accounts < 2 {
        return Err(BankError::Usage(
            "--threads must be at least 1 and --accounts at least 2".into(),
        ));
    }
    Ok(opts)
}

/// Prints every account's balance, as the tutorial does.
fn print_balances(conn: &Connection) -> orm::Result<()> {
    println!("Balance at '{}':", chrono::Local::now());
    for account in Accounts::order("id").all(conn)? {
        println!("{} {}", account.id, account.balance);
    }
    Ok(())
}

/// Moves `amount` from one account to another if the source has enough;
/// returns whether it did. Runs inside the caller's (retrying) transaction,
/// so either both balances change or neither does.
fn transfer_funds(tx: &Transaction<'_>, from: i64, to: i64, amount: i64) -> orm::Result<bool> {
    let mut source = Accounts::find(tx, from)?;
    let mut target = Accounts::find(tx, to)?;
    if source.balance < amount {
        return Ok(false);
    }
    source.balance -= amount;
    target.balance += amount;
    source.save(tx)?;
    target.save(tx)?;
    Ok(true)
}

/// Replaces every account by `balances` (ids 1, 2, ...), in one transaction.
fn reset_accounts(conn: &Connection, balances: impl Iterator<Item = i64>) -> orm::Result<()> {
    let accounts: Vec<Account> = balances
        .enumerate()
        .map(|(i, balance)| Account {
            id: i as i64 + 1,
            balance,
        })
        .collect();
    conn.transaction(|tx| {
        Accounts::all().all_rows().delete(tx)?;
        Accounts::insert_all(tx, &accounts)?;
        Ok(())
    })
}

fn total(conn: &Connection) -> orm::Result<i64> {
    Ok(Accounts::pluck(conn, Accounts::BALANCE)?.iter().sum())
}

fn tutorial(opts: &Options) -> Result<(), BankError> {
    let conn = Connection::open(&opts.url)?;
    conn.sync::<Account>()?;
    // Start from the tutorial's two accounts, whatever an earlier run left.
    reset_accounts(&conn, [1000, 250].into_iter())?;
    print_balances(&conn)?;

    let moved =
        conn.retry_transaction(&RetryPolicy::default(), |tx| transfer_funds(tx, 1, 2, 100))?;
    if !moved {
        return Err(BankError::Invariant("account 1 could not pay 100".into()));
    }
    print_balances(&conn)?;
    Ok(())
}

#[derive(Default)]
struct Counts {
    committed: AtomicU64,
    retries: AtomicU64,
    failed: AtomicU64,
    ambiguous: AtomicU64,
    resolved: AtomicU64,
    reconnects: AtomicU64,
}

/// Runs the stress mode and returns its counts (the caller prints them).
pub(crate) fn run_stress(opts: &Options) -> Result<StressReport, BankError> {
    if opts.url.starts_with("sqlite::memory:") || opts.url == "sqlite:" {
        return Err(BankError::Usage(
            "--stress needs a database the threads share: on SQLite a file, \
             e.g. --url 'sqlite://bank.db?journal_mode=wal'"
                .into(),
        ));
    }
    let pool = orm::pool(
        &opts.url,
        PoolOptions {
            max_size: u32::try_from(opts.threads).unwrap_or(u32::MAX),
            checkout_timeout: Duration::from_secs(30),
            ..PoolOptions::default()
        },
    )?;
    {
        let conn = pool.get()?;
        conn.sync::<Account>()?;
        reset_accounts(&conn, (0..opts.accounts).map(|_| 1000))?;
    }
    let total_before = total(&*pool.get()?)?;
    let counts = Counts::default();
    let first_errors = Mutex::new(Vec::<String>::new());
    let policy = RetryPolicy {
        max_attempts: 50,
        max_backoff: Duration::from_millis(500),
        deadline: Some(Duration::from_secs(60)),
        ..RetryPolicy::default()
    };
    let options = TxOptions::serializable();
    // Each transfer has an idempotency key, unique to this run, written in
    // its transaction: a commit whose outcome is lost is looked up instead
    // of guessed, so no transfer is applied twice or lost.
    let run_id = fastrand::u64(..);
    std::thread::scope(|s| {
        for t in 0..opts.threads as u64 {
            let share = opts.transfers / opts.threads as u64
                + u64::from(t < opts.transfers % opts.threads as u64);
            let (pool, counts, first_errors, policy) = (&pool, &counts, &first_errors, &policy);
            let options = &options;
            s.spawn(move || {
                let mut rng = fastrand::Rng::with_seed(0x5eed ^ t);
                for n in 0..share {
                    let from = rng.i64(1..=opts.accounts);
                    let to = loop {
                        let to = rng.i64(1..=opts.accounts);
                        if to != from {
                            break to;
                        }
                    };
                    let amount = rng.i64(1..=100);
                    let key = format!("bank-{run_id:016x}-{t}-{n}");
                    let outcome = pool.idempotent_transaction_with(policy, options, &key, |tx| {
                        transfer_funds(tx, from, to, amount)
                    });
                    match outcome {
                        Ok((_, stats)) => {
                            counts.committed.fetch_add(1, Ordering::Relaxed);
                            counts.retries.fetch_add(
                                u64::from(stats.attempts.saturating_sub(1)),
                                Ordering::Relaxed,
                            );
                            counts
                                .resolved
                                .fetch_add(u64::from(stats.ambiguous), Ordering::Relaxed);
                            counts
                                .reconnects
                                .fetch_add(u64::from(stats.reconnects), Ordering::Relaxed);
                        }
                        Err(e) => {
                            counts.failed.fetch_add(1, Ordering::Relaxed);
                            if matches!(e, orm::Error::AmbiguousCommit(_)) {
                                counts.ambiguous.fetch_add(1, Ordering::Relaxed);
                            }
                            if let orm::Error::RetriesExhausted { attempts, .. } = &e {
                                counts
                                    .retries
                                    .fetch_add(u64::from(attempts - 1), Ordering::Relaxed);
                            }
                            let mut errors = first_errors.lock().unwrap_or_else(|p| p.into_inner());
                            if errors.len() < 5 {
                                errors.push(e.to_string());
                            }
                        }
                    }
                }
            });
        }
    });
    for e in first_errors.into_inner().unwrap_or_else(|p| p.into_inner()) {
        eprintln!("bank: a transfer failed: {e}");
    }
    let total_after = total(&*pool.get()?)?;
    Ok(StressReport {
        total_before,
        total_after,
        committed: counts.committed.into_inner(),
        retries: counts.retries.into_inner(),
        failed: counts.failed.into_inner(),
        ambiguous: counts.ambiguous.into_inner(),
        resolved: counts.resolved.into_inner(),
        reconnects: counts.reconnects.into_inner(),
    })
}

fn stress(opts: &Options) -> Result<(), BankError> {
    let report = run_stress(opts)?;
    println!("{report}");
    if report.ambiguous > 0 {
        eprintln!(
            "bank: {} of the failed transfers may have committed (outcome unknown); \
             the totals above include whatever they did",
            report.ambiguous
        );
    }
    if report.total_after != report.total_before {
        return Err(BankError::Invariant(format!(
            "the total changed from {} to {}",
            report.total_before, report.total_after
        )));
    }
    if report.committed + report.failed != opts.transfers {
        return Err(BankError::Invariant(format!(
            "{} transfers are unaccounted for",
            opts.transfers - report.committed - report.failed
        )));
    }
    Ok(())
}

fn main() -> ExitCode {
    let run = parse_args().and_then(|opts| {
        if opts.stress {
            stress(&opts)
        } else {
            tutorial(&opts)
        }
    });
    match run {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bank: {e}");
            ExitCode::FAILURE
        }
    }
}
