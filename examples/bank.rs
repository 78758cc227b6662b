//! CockroachDB's "bank" tutorial, with `orm`: sync an `accounts` table from a
//! model, reset accounts 1 (1000) and 2 (250), print the balances, move 100
//! from account 1 to account 2 in a transaction that is retried with
//! exponential backoff when the database reports a retryable conflict, and
//! print the balances again.
//!
//! ```text
//! cargo run --example bank                         # embedded SQLite, in memory
//! cargo run --example bank -- --url sqlite://bank.db
//! DATABASE_URL=sqlite://bank.db cargo run --example bank
//! ```
//!
//! Only the six lines of balances go to stdout; errors go to stderr with a
//! non-zero exit status.

use std::process::ExitCode;

use orm::prelude::*;

/// One bank account.
#[derive(Model, Debug, Clone, PartialEq)]
struct Account {
    id: i64,
    balance: i64,
}

/// Why the example stopped.
#[derive(Debug)]
enum BankError {
    Usage(String),
    Db(orm::Error),
}

impl From<orm::Error> for BankError {
    fn from(e: orm::Error) -> Self {
        BankError::Db(e)
    }
}

impl std::fmt::Display for BankError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BankError::Usage(m) => write!(f, "{m}\nusage: bank [--url <database URL>]"),
            BankError::Db(e) => {
                write!(f, "{e}")?;
                let mut source = std::error::Error::source(e);
                while let Some(s) = source {
                    write!(f, "\n  caused by: {s}")?;
                    source = s.source();
                }
                Ok(())
            }
        }
    }
}

struct Options {
    url: String,
}

fn parse_args() -> Result<Options, BankError> {
    let mut url = std::env::var("DATABASE_URL").ok();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--url" => {
                url = Some(
                    args.next()
                        .ok_or_else(|| BankError::Usage("--url needs a value".into()))?,
                );
            }
            s if s.starts_with("--url=") => url = Some(s["--url=".len()..].to_owned()),
            "-h" | "--help" => return Err(BankError::Usage("the bank example".into())),
            other => return Err(BankError::Usage(format!("unknown argument {other:?}"))),
        }
    }
    Ok(Options {
        url: url.unwrap_or_else(|| "sqlite::memory:".to_owned()),
    })
}

/// Prints every account's balance, as the tutorial does.
fn print_balances(conn: &Connection) -> orm::Result<()> {
    println!("Balance at '{}':", chrono::Local::now());
    for account in Accounts::order("id").all(conn)? {
        println!("{} {}", account.id, account.balance);
    }
    Ok(())
}

/// Moves `amount` from one account to another, or fails without changing
/// anything. Run inside a retrying transaction by the caller.
fn transfer_funds(tx: &Transaction<'_>, from: i64, to: i64, amount: i64) -> orm::Result<()> {
    let mut source = Accounts::find(tx, from)?;
    let mut target = Accounts::find(tx, to)?;
    if source.balance < amount {
        return Err(orm::Error::CheckViolation(orm::DbError::new(
            None,
            format!(
                "insufficient funds: account {from} has {}, {amount} needed",
                source.balance
            ),
            None,
        )));
    }
    source.balance -= amount;
    target.balance += amount;
    source.save(tx)?;
    target.save(tx)?;
    Ok(())
}

fn run(opts: &Options) -> Result<(), BankError> {
    let conn = Connection::open(&opts.url)?;
    conn.sync::<Account>()?;

    // Start from the tutorial's two accounts, whatever an earlier run left.
    conn.transaction(|tx| {
        Accounts::all().all_rows().delete(tx)?;
        Account {
            id: 1,
            balance: 1000,
        }
        .insert(tx)?;
        Account {
            id: 2,
            balance: 250,
        }
        .insert(tx)?;
        Ok(())
    })?;
    print_balances(&conn)?;

    conn.retry_transaction(&RetryPolicy::default(), |tx| transfer_funds(tx, 1, 2, 100))?;
    print_balances(&conn)?;
    Ok(())
}

fn main() -> ExitCode {
    match parse_args().and_then(|opts| run(&opts)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bank: {e}");
            ExitCode::FAILURE
        }
    }
}
