//! The development loop with versioned migrations, run on a SQLite file in
//! a throw-away folder: write a model, generate its migration, review it,
//! run it; edit the model, generate again, run; check the status; revert.
//!
//! ```text
//! cargo run --example migrations
//! ```
//!
//! The same loop with the `orm` tool (`cargo install --path orm-cli`, or an
//! application binary calling `orm_cli::main_with::<(Models, ..)>()` to
//! generate from its models):
//!
//! ```text
//! orm migration generate create_books   # writes migrations/<timestamp>_create_books/
//! $EDITOR migrations/*_create_books/up.sql
//! orm migration run                      # DATABASE_URL=sqlite://dev.db
//! orm migration status
//! orm migration revert
//! ```

use orm::migrate::{generate, MigrationState, Migrations};
use orm::prelude::*;

/// The first version of the model.
mod v1 {
    use orm::prelude::*;

    #[derive(Model, Debug, Clone, Default)]
    pub struct Book {
        pub id: i64,
        pub title: String,
    }
}

/// The model after an edit: a new indexed column.
mod v2 {
    use orm::prelude::*;

    #[derive(Model, Debug, Clone, Default)]
    pub struct Book {
        pub id: i64,
        pub title: String,
        #[db(index)]
        pub isbn: Option<String>,
    }
}

fn show(folder: &std::path::Path) {
    for file in ["up.sql", "down.sql"] {
        let text = std::fs::read_to_string(folder.join(file)).expect("written");
        println!("--- {file}\n{}", text.trim_end());
    }
}

fn status(migrations: &Migrations, conn: &Connection) -> Result<()> {
    for s in migrations.status(conn)? {
        let state = match s.state {
            MigrationState::Pending => "pending",
            MigrationState::Applied { .. } => "applied",
            _ => "needs attention",
        };
        println!("{state:<8} {}", s.name);
    }
    Ok(())
}

fn main() -> Result<()> {
    let root = std::env::temp_dir().join(format!("orm-migrations-example-{}", std::process::id()));
    let dir = root.join("migrations");
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    let conn = Connection::open(&format!("sqlite://{}", root.join("dev.db").display()))?;

    // 1. A first model: generate its migration, review it, run it.
    let first = generate::<v1::Book>(&conn, &dir, "create_books")?.expect("a new table");
    show(&first);
    let ran = Migrations::from_dir(&dir)?.run(&conn)?;
    println!("ran {}", ran.len());

    // 2. Edit the model; the next migration holds only the difference. (The
    //    version is the time in seconds: wait for the next one.)
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = generate::<v2::Book>(&conn, &dir, "add_isbn")?.expect("a new column");
    show(&second);
    let migrations = Migrations::from_dir(&dir)?;
    status(&migrations, &conn)?;
    migrations.run(&conn)?;
    status(&migrations, &conn)?;

    // The models and the database agree: nothing more to generate.
    assert!(generate::<v2::Book>(&conn, &dir, "nothing")?.is_none());
    let mut book = v2::Book {
        id: 0,
        title: "Dune".into(),
        isbn: Some("978-0441013593".into()),
    };
    book.save(&conn)?;

    // 3. Revert the last one: its down.sql runs, the first model fits again.
    migrations.revert(&conn)?;
    status(&migrations, &conn)?;
    assert!(conn.schema_plan::<v1::Book>()?.is_empty());

    drop(conn);
    std::fs::remove_dir_all(&root).expect("cleaned up");
    Ok(())
}
