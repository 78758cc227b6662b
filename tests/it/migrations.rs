//! Versioned migrations on every dialect: run, status, revert, redo; an
//! edited or missing applied migration refused; a failing statement named,
//! and undone where the dialect's DDL is transactional; per-dialect files;
//! embedded folders; migrations generated from the models.

use std::path::{Path, PathBuf};

use crate::common::{db_test, db_url_test, unique_name};
use orm::migrate::{generate, MigrationState, Migrations};
use orm::prelude::*;

/// A folder of migrations, removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new() -> Self {
        let p = std::env::temp_dir().join(unique_name("orm-migrations"));
        std::fs::create_dir_all(&p).unwrap();
        Folder(p)
    }

    /// Writes `<folder>/<file>`.
    fn write(&self, folder: &str, file: &str, text: &str) -> &Self {
        let dir = self.0.join(folder);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(file), text).unwrap();
        self
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn tables(conn: &Connection, name: &str) -> i64 {
    // Whether a table exists, through a statement that fails without it.
    match conn.query::<(i64,)>(&format!("SELECT COUNT(*) FROM {name}"), ()) {
        Ok(rows) => rows[0].0,
        Err(_) => -1,
    }
}

fn states(m: &Migrations, conn: &Connection) -> Vec<&'static str> {
    m.status(conn)
        .unwrap()
        .iter()
        .map(|s| match s.state {
            MigrationState::Pending => "pending",
            MigrationState::Applied { .. } => "applied",
            MigrationState::Edited { .. } => "edited",
            MigrationState::Missing { .. } => "missing",
            _ => "other",
        })
        .collect()
}

fn two_migrations() -> Folder {
    let f = Folder::new();
    f.write(
        "20261201100000_create_notes",
        "up.sql",
        "CREATE TABLE mig_notes (id INTEGER PRIMARY KEY, body VARCHAR(100) NOT NULL);\n\
         INSERT INTO mig_notes (id, body) VALUES (1, 'it''s; here');\n",
    )
    .write(
        "20261201100000_create_notes",
        "down.sql",
        "DROP TABLE mig_notes;",
    )
    .write(
        "20261201110000_create_tags",
        "up.sql",
        "CREATE TABLE mig_tags (id INTEGER PRIMARY KEY, note_id INTEGER);\n\
         CREATE INDEX ix_mig_tags_note ON mig_tags (note_id);",
    )
    .write(
        "20261201110000_create_tags",
        "down.sql",
        "DROP TABLE mig_tags;",
    );
    f
}

fn run_status_revert_redo(conn: &Connection) {
    let f = two_migrations();
    let m = Migrations::from_dir(f.path()).unwrap();
    assert_eq!(states(&m, conn), ["pending", "pending"]);
    let ran = m.run(conn).unwrap();
    assert_eq!(
        ran,
        ["20261201100000_create_notes", "20261201110000_create_tags"]
    );
    assert_eq!(states(&m, conn), ["applied", "applied"]);
    assert_eq!(tables(conn, "mig_notes"), 1, "the `;` in a literal stays");
    assert!(m.run(conn).unwrap().is_empty(), "nothing left to run");

    let reverted = m.revert(conn).unwrap();
    assert_eq!(reverted.as_deref(), Some("20261201110000_create_tags"));
    assert_eq!(tables(conn, "mig_tags"), -1);
    assert_eq!(states(&m, conn), ["applied", "pending"]);

    assert_eq!(
        m.redo(conn).unwrap().as_deref(),
        Some("20261201100000_create_notes")
    );
    assert_eq!(tables(conn, "mig_notes"), 1);
    assert_eq!(m.run(conn).unwrap(), ["20261201110000_create_tags"]);
    assert_eq!(tables(conn, "mig_tags"), 0);

    m.revert(conn).unwrap();
    m.revert(conn).unwrap();
    assert_eq!(m.revert(conn).unwrap(), None, "nothing left to revert");
    assert_eq!(tables(conn, "mig_notes"), -1);
}
db_test!(run_status_revert_redo);

fn edited_and_missing_migrations_are_refused(conn: &Connection) {
    let f = two_migrations();
    Migrations::from_dir(f.path()).unwrap().run(conn).unwrap();
    f.write(
        "20261201100000_create_notes",
        "up.sql",
        "CREATE TABLE mig_notes (id INTEGER PRIMARY KEY);",
    );
    f.write(
        "20261201120000_more",
        "up.sql",
        "CREATE TABLE mig_more (id INTEGER PRIMARY KEY);",
    );
    let m = Migrations::from_dir(f.path()).unwrap();
    assert_eq!(states(&m, conn), ["edited", "applied", "pending"]);
    match m.run(conn) {
        Err(Error::Migration {
            migration, message, ..
        }) => {
            assert_eq!(migration, "20261201100000_create_notes");
            assert!(message.contains("changed"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(tables(conn, "mig_more"), -1, "nothing ran");

    // Line endings are not an edit.
    f.write(
        "20261201100000_create_notes",
        "up.sql",
        "CREATE TABLE mig_notes (id INTEGER PRIMARY KEY, body VARCHAR(100) NOT NULL);\r\n\
         INSERT INTO mig_notes (id, body) VALUES (1, 'it''s; here');\r\n",
    );
    let m = Migrations::from_dir(f.path()).unwrap();
    assert_eq!(states(&m, conn), ["applied", "applied", "pending"]);

    // A database migrated by newer code: its migration is not here.
    std::fs::remove_dir_all(f.path().join("20261201110000_create_tags")).unwrap();
    let m = Migrations::from_dir(f.path()).unwrap();
    assert_eq!(states(&m, conn), ["applied", "pending", "missing"]);
    let err = m.run(conn).unwrap_err();
    assert!(err.to_string().contains("newer code"), "{err}");
}
db_test!(edited_and_missing_migrations_are_refused);

fn a_failing_statement_is_named_and_undone_where_ddl_is_transactional(conn: &Connection) {
    let f = Folder::new();
    f.write(
        "1_broken",
        "up.sql",
        "CREATE TABLE mig_half (id INTEGER PRIMARY KEY);\nINSERT INTO mig_nowhere VALUES (1);\n",
    );
    let m = Migrations::from_dir(f.path()).unwrap();
    let err = m.run(conn).unwrap_err();
    let Error::Migration {
        migration,
        message,
        source,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(migration, "1_broken");
    assert!(message.contains("statement 2 of 2"), "{message}");
    assert!(message.contains("INSERT INTO mig_nowhere"), "{message}");
    assert!(source.is_some(), "the database's error is the source");
    assert_eq!(states(&m, conn), ["pending"], "not recorded");
    if conn.dialect().name() == "mysql" {
        // MySQL commits each schema change: the first statement stays, and
        // the error says so.
        assert!(message.contains("statements 1 to 1 ran"), "{message}");
        assert_eq!(tables(conn, "mig_half"), 0);
    } else {
        assert!(message.contains("nothing of it was applied"), "{message}");
        assert_eq!(tables(conn, "mig_half"), -1, "rolled back");
    }
}
db_test!(a_failing_statement_is_named_and_undone_where_ddl_is_transactional);

fn each_dialect_runs_its_own_file(conn: &Connection) {
    let f = Folder::new();
    let folder = "20261201130000_per_dialect";
    f.write(folder, "up.sql", "THIS IS NOT SQL;")
        .write(
            folder,
            "up.sqlite.sql",
            "CREATE TABLE mig_d (v TEXT); INSERT INTO mig_d VALUES ('sqlite');",
        )
        .write(
            folder,
            "up.postgres.sql",
            "CREATE TABLE mig_d (v TEXT); INSERT INTO mig_d VALUES ($$postgres$$);",
        )
        .write(
            folder,
            "up.mysql.sql",
            "CREATE TABLE mig_d (v TEXT); INSERT INTO mig_d VALUES (\"mysql\");",
        );
    Migrations::from_dir(f.path()).unwrap().run(conn).unwrap();
    let v: Vec<(String,)> = conn.query("SELECT v FROM mig_d", ()).unwrap();
    assert_eq!(v[0].0, conn.dialect().name());
    // No down.sql: reverting is a typed error that names the file.
    let err = Migrations::from_dir(f.path())
        .unwrap()
        .revert(conn)
        .unwrap_err();
    assert!(err.to_string().contains("no down.sql"), "{err}");
}
db_test!(each_dialect_runs_its_own_file);

fn embedded_migrations_run(conn: &Connection) {
    let m = orm::embed_migrations!("tests/fixtures/migrations").unwrap();
    assert_eq!(m.list().len(), 2);
    assert_eq!(m.list()[0].name(), "create_widgets");
    m.run(conn).unwrap();
    let w: Vec<(String,)> = conn.query("SELECT label FROM widgets", ()).unwrap();
    assert_eq!(w[0].0, "semi;colon");
    assert_eq!(tables(conn, "gadgets"), 0);
    // The same folder read at run time is the same migrations: applied.
    let from_dir = Migrations::from_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/migrations"
    ))
    .unwrap();
    assert_eq!(from_dir, m);
    assert_eq!(states(&from_dir, conn), ["applied", "applied"]);
}
db_test!(embedded_migrations_run);

#[derive(Model, Debug, Clone, Default)]
#[db(table = "gen_items")]
struct ItemV1 {
    id: i64,
    title: String,
}

#[derive(Model, Debug, Clone, Default)]
#[db(table = "gen_items", mapper = "ItemsV2")]
struct ItemV2 {
    id: i64,
    title: String,
    #[db(index)]
    rank: i32,
}

fn migrations_are_generated_from_the_models(conn: &Connection) {
    let f = Folder::new();
    let first = generate::<ItemV1>(conn, f.path(), "create_items")
        .unwrap()
        .expect("a change");
    let up = std::fs::read_to_string(first.join("up.sql")).unwrap();
    assert!(up.contains("CREATE TABLE"), "{up}");
    let m = Migrations::from_dir(f.path()).unwrap();
    m.run(conn).unwrap();
    assert!(generate::<ItemV1>(conn, f.path(), "nothing")
        .unwrap()
        .is_none());

    // The model gains an indexed column: the next migration adds both, and
    // its down.sql drops them in reverse order.
    std::thread::sleep(std::time::Duration::from_millis(1100)); // versions are seconds
    let second = generate::<ItemV2>(conn, f.path(), "add_rank")
        .unwrap()
        .expect("a change");
    let up = std::fs::read_to_string(second.join("up.sql")).unwrap();
    let down = std::fs::read_to_string(second.join("down.sql")).unwrap();
    assert!(up.contains("ADD COLUMN"), "{up}");
    assert!(up.contains("CREATE INDEX"), "{up}");
    let (drop_index, drop_column) = (
        down.find("DROP INDEX").unwrap(),
        down.find("DROP COLUMN").unwrap(),
    );
    assert!(drop_index < drop_column, "{down}");
    let m = Migrations::from_dir(f.path()).unwrap();
    assert_eq!(m.run(conn).unwrap().len(), 1);
    let mut item = ItemV2 {
        id: 0,
        title: "a".into(),
        rank: 3,
    };
    item.save(conn).unwrap();
    assert!(conn.schema_plan::<ItemV2>().unwrap().is_empty());
    // Reverting runs the generated down.sql: the model of before fits again.
    m.revert(conn).unwrap();
    assert!(conn.schema_plan::<ItemV1>().unwrap().is_empty());
    assert!(!conn.schema_plan::<ItemV2>().unwrap().is_empty());
}
db_test!(migrations_are_generated_from_the_models);

#[test]
fn malformed_folders_are_refused() {
    for (folder, file, needle) in [
        ("createusers", "up.sql", "<version>_<name>"),
        ("create_users", "up.sql", "digits"),
        ("12a_x", "up.sql", "digits"),
        ("1_bad name", "up.sql", "letters"),
        ("1_typo", "up.postgresql.sql", "unexpected file"),
        ("1_no_up", "down.sql", "no up.sql"),
    ] {
        let f = Folder::new();
        f.write(folder, file, "SELECT 1;");
        match Migrations::from_dir(f.path()) {
            Err(Error::Migration { message, .. }) => {
                assert!(message.contains(needle), "{folder}/{file}: {message}")
            }
            other => panic!("{folder}/{file}: {other:?}"),
        }
    }
    let f = Folder::new();
    f.write("1_a", "up.sql", "SELECT 1;")
        .write("01_b", "up.sql", "SELECT 1;");
    let err = Migrations::from_dir(f.path()).unwrap_err();
    assert!(err.to_string().contains("version"), "{err}");
    // Versions run in numeric order.
    let f = Folder::new();
    f.write("10_b", "up.sql", "SELECT 1;")
        .write("9_a", "up.sql", "SELECT 1;");
    let m = Migrations::from_dir(f.path()).unwrap();
    let names: Vec<&str> = m.list().iter().map(|m| m.name()).collect();
    assert_eq!(names, ["a", "b"]);
}

fn concurrent_runners_take_turns(url: &str, _dialect: &str) {
    let f = two_migrations();
    f.write(
        "20261201120000_third",
        "up.sql",
        "CREATE TABLE mig_third (id INTEGER PRIMARY KEY);",
    );
    let runs: Vec<Vec<String>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3)
            .map(|_| {
                s.spawn(|| {
                    let conn = Connection::open(url).unwrap();
                    Migrations::from_dir(f.path()).unwrap().run(&conn).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut all: Vec<&String> = runs.iter().flatten().collect();
    all.sort();
    assert_eq!(all.len(), 3, "each migration ran exactly once: {runs:?}");
    all.dedup();
    assert_eq!(all.len(), 3, "{runs:?}");
}
db_url_test!(concurrent_runners_take_turns: postgres, mysql);

fn a_script_can_run_outside_a_transaction(conn: &Connection) {
    let f = Folder::new();
    f.write(
        "1_table",
        "up.sql",
        "CREATE TABLE mig_big (id INTEGER PRIMARY KEY, v INTEGER);",
    )
    .write(
        "2_index",
        "up.sql",
        "-- orm:no-transaction\nCREATE INDEX CONCURRENTLY ix_mig_big_v ON mig_big (v);",
    );
    let ran = Migrations::from_dir(f.path()).unwrap().run(conn).unwrap();
    assert_eq!(ran.len(), 2);
}
db_test!(a_script_can_run_outside_a_transaction: postgres);

#[derive(Model, Debug, Clone, Default)]
#[db(table = "gen_owners")]
struct Owner {
    id: i64,
    name: String,
}

#[derive(Model, Debug, Clone, Default)]
#[db(table = "gen_pets")]
struct PetV1 {
    id: i64,
    owner_id: i64,
}

#[derive(Model, Debug, Clone, Default)]
#[db(table = "gen_pets", mapper = "PetsV2")]
struct PetV2 {
    id: i64,
    owner_id: i64,
    #[db(on_delete = "cascade")]
    owner: BelongsTo<Owner>,
}

fn generated_foreign_keys_are_added_and_dropped(conn: &Connection) {
    let f = Folder::new();
    generate::<(Owner, PetV1)>(conn, f.path(), "create")
        .unwrap()
        .expect("two tables");
    let m = Migrations::from_dir(f.path()).unwrap();
    m.run(conn).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let second = generate::<(Owner, PetV2)>(conn, f.path(), "pet_owner_fk").unwrap();
    if conn.dialect().name() == "sqlite" {
        // SQLite adds no constraint to a table: the plan says so as drift,
        // and there is nothing to migrate.
        assert!(second.is_none());
        return;
    }
    let second = second.expect("a foreign key");
    let up = std::fs::read_to_string(second.join("up.sql")).unwrap();
    let down = std::fs::read_to_string(second.join("down.sql")).unwrap();
    assert!(
        up.contains("FOREIGN KEY") && up.contains("ON DELETE CASCADE"),
        "{up}"
    );
    assert!(
        down.contains("DROP FOREIGN KEY") || down.contains("DROP CONSTRAINT"),
        "{down}"
    );
    let m = Migrations::from_dir(f.path()).unwrap();
    m.run(conn).unwrap();
    assert!(conn.schema_plan::<(Owner, PetV2)>().unwrap().is_empty());
    m.revert(conn).unwrap();
    assert!(
        !conn.schema_plan::<(Owner, PetV2)>().unwrap().is_empty(),
        "the constraint is gone"
    );
}
db_test!(generated_foreign_keys_are_added_and_dropped);
