//! Arguments, and what each command does.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use orm::migrate::{MigrationState, Migrations};
use orm::{Connection, Error, Open};

use crate::Generator;

#[derive(Parser)]
#[command(
    name = "orm",
    version,
    about = "The orm command-line tool: migrations, schema, models"
)]
struct Cli {
    /// The database: sqlite://path, postgresql://..., cockroachdb://...,
    /// mysql://...
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,

    /// The folder of migrations.
    #[arg(
        long,
        env = "ORM_MIGRATIONS_DIR",
        default_value = "migrations",
        global = true,
        hide_env_values = true
    )]
    migrations_dir: PathBuf,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Versioned migrations.
    #[command(subcommand)]
    Migration(MigrationCommand),
    /// The database's schema.
    #[command(subcommand)]
    Schema(SchemaCommand),
    /// Code from the database.
    #[command(subcommand)]
    Generate(GenerateCommand),
}

#[derive(Subcommand)]
enum SchemaCommand {
    /// Prints the database's tables as the DDL orm emits for them, in the
    /// connection's dialect.
    Print,
}

#[derive(Subcommand)]
enum GenerateCommand {
    /// Writes Rust model structs (`#[derive(Model)]`) for the database's
    /// tables: types and `Option`s from the columns, relations from the
    /// foreign keys.
    Models {
        /// The file to write; standard output when omitted.
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum MigrationCommand {
    /// Writes a new migration `<timestamp>_<name>`: from the difference
    /// between the models and the database when the tool was built with
    /// models (`orm_cli::main_with`), otherwise empty.
    Generate {
        /// Letters, digits, `_` and `-`.
        name: String,
        /// Writes an empty migration even when the tool knows models.
        #[arg(long)]
        empty: bool,
    },
    /// Runs every pending migration, in version order, each in its own
    /// transaction where the database allows it.
    Run,
    /// Reverts the last migration that ran, with its down.sql.
    Revert,
    /// Reverts the last migration that ran and runs it again.
    Redo,
    /// Lists every migration: applied (when), pending, edited since it ran,
    /// or missing from the folder.
    Status,
}

/// What went wrong, for the user: a usage problem or orm's error.
enum Failure {
    Usage(String),
    Orm(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Orm(e)
    }
}

type Outcome = std::result::Result<(), Failure>;

pub(crate) fn main(generator: Option<Generator>) -> ExitCode {
    let cli = Cli::parse();
    match run(&cli, generator) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Orm(e)) => {
            eprintln!("error: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            ExitCode::FAILURE
        }
    }
}

fn connect(cli: &Cli) -> std::result::Result<Connection, Failure> {
    let url = cli.database_url.as_deref().ok_or_else(|| {
        Failure::Usage("no database: pass --database-url or set DATABASE_URL".into())
    })?;
    Ok(Connection::open(url)?)
}

fn migrations(cli: &Cli) -> std::result::Result<Migrations, Failure> {
    if !cli.migrations_dir.is_dir() {
        return Err(Failure::Usage(format!(
            "no migrations folder at {} (--migrations-dir, ORM_MIGRATIONS_DIR)",
            cli.migrations_dir.display()
        )));
    }
    Ok(Migrations::from_dir(&cli.migrations_dir)?)
}

fn run(cli: &Cli, generator: Option<Generator>) -> Outcome {
    let out = &mut std::io::stdout().lock();
    let mut say = |line: String| {
        // A closed pipe (`orm migration status | head`) is not an error.
        let _ = writeln!(out, "{line}");
    };
    match &cli.command {
        Command::Migration(MigrationCommand::Generate { name, empty }) => {
            let dir = &cli.migrations_dir;
            let written = match generator.filter(|_| !empty) {
                Some(generate) => generate(&connect(cli)?, dir, name)?,
                None => Some(orm::migrate::create(dir, name)?),
            };
            match written {
                Some(path) => say(format!("Created {}", path.display())),
                None => say("The database already matches the models: nothing to generate.".into()),
            }
        }
        Command::Migration(MigrationCommand::Run) => {
            let m = migrations(cli)?;
            let conn = connect(cli)?;
            let ran = m.run_with(&conn, |m| say(format!("Running {}", m.id())))?;
            say(match ran.len() {
                0 => "No pending migrations.".into(),
                n => format!("Applied {n} migration(s)."),
            });
        }
        Command::Migration(MigrationCommand::Revert) => {
            let m = migrations(cli)?;
            match m.revert(&connect(cli)?)? {
                Some(id) => say(format!("Reverted {id}")),
                None => say("No migration to revert.".into()),
            }
        }
        Command::Migration(MigrationCommand::Redo) => {
            let m = migrations(cli)?;
            match m.redo(&connect(cli)?)? {
                Some(id) => say(format!("Redone {id}")),
                None => say("No migration to redo.".into()),
            }
        }
        Command::Schema(SchemaCommand::Print) => {
            let conn = connect(cli)?;
            say(conn.schema_sql()?.trim_end().to_owned());
        }
        Command::Generate(GenerateCommand::Models { out: file }) => {
            let conn = connect(cli)?;
            let source = crate::models::source(&conn.introspect()?);
            match file {
                Some(path) => {
                    std::fs::write(path, source).map_err(|e| {
                        Failure::Usage(format!("cannot write {}: {e}", path.display()))
                    })?;
                    say(format!("Wrote {}", path.display()));
                }
                None => say(source.trim_end().to_owned()),
            }
        }
        Command::Migration(MigrationCommand::Status) => {
            let m = migrations(cli)?;
            for s in m.status(&connect(cli)?)? {
                let (state, at) = match s.state {
                    MigrationState::Pending => ("pending", None),
                    MigrationState::Applied { at } => ("applied", Some(at)),
                    MigrationState::Edited { at } => ("EDITED", Some(at)),
                    MigrationState::Missing { at } => ("MISSING", Some(at)),
                    _ => ("unknown", None),
                };
                let at = at.map_or_else(String::new, |t| {
                    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
                });
                say(format!("{state:<8} {at:<23} {}_{}", s.version, s.name));
            }
        }
    }
    Ok(())
}
