//! The `orm` tool (orm-cli) as a process, against each database: migration
//! generate / run / status / revert / redo, with the URL from
//! `--database-url` or `DATABASE_URL`, a progress line per migration, and
//! clear errors. `cargo test --workspace` builds the binary (orm-cli has
//! tests of its own); a run of this package alone builds it first.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{db_url_test, unique_name};

/// The `orm` binary beside this test binary (target/<profile>/orm), built
/// first when a run of this package alone did not build it.
fn orm_bin() -> PathBuf {
    static BUILD: std::sync::Once = std::sync::Once::new();
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = profile_dir.join(format!("orm{}", std::env::consts::EXE_SUFFIX));
    BUILD.call_once(|| {
        if !bin.exists() {
            let built = Command::new(env!("CARGO"))
                .args(["build", "--quiet", "--package", "orm-cli"])
                .status()
                .unwrap();
            assert!(built.success(), "cargo build --package orm-cli failed");
        }
    });
    assert!(bin.exists(), "{} is missing", bin.display());
    bin
}

struct Run {
    code: i32,
    out: String,
    err: String,
}

fn orm(dir: &Path, env_url: Option<&str>, args: &[&str]) -> Run {
    let mut cmd = Command::new(orm_bin());
    cmd.args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("ORM_MIGRATIONS_DIR");
    if let Some(url) = env_url {
        cmd.env("DATABASE_URL", url);
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn the_migration_commands_run_as_a_process(url: &str, _dialect: &str) {
    let dir = std::env::temp_dir().join(unique_name("orm-cli"));
    std::fs::create_dir_all(&dir).unwrap();
    let ok = |r: Run| {
        assert_eq!(r.code, 0, "stdout: {}\nstderr: {}", r.out, r.err);
        r.out
    };

    // generate (no models in the installed tool: an empty migration).
    let out = ok(orm(&dir, None, &["migration", "generate", "create_books"]));
    assert!(out.starts_with("Created "), "{out}");
    let folder = PathBuf::from(out.trim().strip_prefix("Created ").unwrap());
    let folder = dir.join(folder);
    std::fs::write(
        folder.join("up.sql"),
        "CREATE TABLE cli_books (id INTEGER PRIMARY KEY, title VARCHAR(80));",
    )
    .unwrap();
    std::fs::write(folder.join("down.sql"), "DROP TABLE cli_books;").unwrap();

    // status and run, the URL from the flag.
    let status = ok(orm(
        &dir,
        None,
        &["--database-url", url, "migration", "status"],
    ));
    assert!(status.starts_with("pending"), "{status}");
    let out = ok(orm(
        &dir,
        None,
        &["migration", "run", "--database-url", url],
    ));
    assert!(
        out.contains("Running ") && out.contains("_create_books"),
        "{out}"
    );
    assert!(out.contains("Applied 1 migration(s)."), "{out}");
    // Again, the URL from DATABASE_URL: nothing to do.
    let out = ok(orm(&dir, Some(url), &["migration", "run"]));
    assert!(out.contains("No pending migrations."), "{out}");
    let status = ok(orm(&dir, Some(url), &["migration", "status"]));
    assert!(status.starts_with("applied"), "{status}");

    // redo, revert, and nothing left to revert.
    let out = ok(orm(&dir, Some(url), &["migration", "redo"]));
    assert!(out.starts_with("Redone "), "{out}");
    let out = ok(orm(&dir, Some(url), &["migration", "revert"]));
    assert!(out.starts_with("Reverted "), "{out}");
    let out = ok(orm(&dir, Some(url), &["migration", "revert"]));
    assert!(out.contains("No migration to revert."), "{out}");

    // A failing migration: exit code 1, the statement and the database's
    // error on stderr.
    std::fs::write(
        folder.join("up.sql"),
        "CREATE TABLE cli_books (id INTEGER PRIMARY KEY);\nSELECT * FROM cli_nowhere;",
    )
    .unwrap();
    let r = orm(&dir, Some(url), &["migration", "run"]);
    assert_eq!(r.code, 1, "{}", r.out);
    assert!(r.err.contains("statement 2 of 2"), "{}", r.err);
    assert!(r.err.contains("caused by"), "{}", r.err);

    // A bad URL is a clear error, with the password hidden.
    let r = orm(
        &dir,
        Some("postgresql://u:s3cret@127.0.0.1:1/db?bogus=1"),
        &["migration", "status"],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.err.starts_with("error: ") && !r.err.contains("s3cret"),
        "{}",
        r.err
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
db_url_test!(the_migration_commands_run_as_a_process);

/// Tables made by hand, in SQL every dialect takes: two with a key and a
/// foreign key between them, and a table with a composite key.
const HAND_MADE: &str = "\
    CREATE TABLE rev_authors (id BIGINT PRIMARY KEY, full_name VARCHAR(100) NOT NULL, \
                              bio TEXT, active BOOLEAN NOT NULL);\
    CREATE TABLE rev_books (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL, \
                            title VARCHAR(200) NOT NULL, price DOUBLE PRECISION, published DATE, \
                            FOREIGN KEY (author_id) REFERENCES rev_authors (id));\
    CREATE TABLE rev_book_tags (book_id BIGINT NOT NULL, tag VARCHAR(20) NOT NULL, \
                                PRIMARY KEY (book_id, tag), \
                                FOREIGN KEY (book_id) REFERENCES rev_books (id) ON DELETE CASCADE);\
    INSERT INTO rev_authors (id, full_name, bio, active) VALUES (1, 'Ann', NULL, TRUE), (2, 'Bo', 'b', FALSE);\
    INSERT INTO rev_books (id, author_id, title, price, published) \
        VALUES (10, 1, 'First', 9.5, '2024-05-01'), (11, 1, 'Second', NULL, NULL);\
    INSERT INTO rev_book_tags (book_id, tag) VALUES (10, 'sf'), (10, 'classic');";

/// What `orm generate models` writes for [`HAND_MADE`], on every dialect;
/// compiled here, and read through below.
const GENERATED: &str = "tests/fixtures/reverse/models.rs";

mod generated {
    include!("../fixtures/reverse/models.rs");
}

fn models_are_generated_from_a_database_and_read_it(url: &str, _dialect: &str) {
    use generated::{RevAuthors, RevBookTags, RevBooks};
    use orm::prelude::*;

    let conn = Connection::open(url).unwrap();
    for stmt in HAND_MADE.split(';').filter(|s| !s.trim().is_empty()) {
        conn.execute_batch(stmt).unwrap();
    }
    let dir = std::env::temp_dir();
    let r = orm(&dir, Some(url), &["generate", "models"]);
    assert_eq!(r.code, 0, "{}", r.err);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(GENERATED);
    if std::env::var_os("ORM_OVERWRITE").is_some() {
        std::fs::write(&path, &r.out).unwrap();
    }
    let pinned = std::fs::read_to_string(&path).unwrap();
    assert_eq!(r.out, pinned, "ORM_OVERWRITE=1 rewrites {GENERATED}");

    // The generated models read the rows, relations included.
    let authors = RevAuthors::all()
        .order("id")
        .include(RevAuthors::REV_BOOKS)
        .all(&conn)
        .unwrap();
    assert_eq!(authors.len(), 2);
    assert_eq!(authors[0].full_name, "Ann");
    assert_eq!(authors[0].bio, None);
    assert!(authors[0].active && !authors[1].active);
    let books = authors[0].rev_books.get().unwrap();
    assert_eq!(books.len(), 2);
    let first = RevBooks::find(&conn, 10).unwrap();
    assert_eq!(first.price, Some(9.5));
    assert_eq!(
        first.published,
        Some(chrono::NaiveDate::from_ymd_opt(2024, 5, 1).unwrap())
    );
    assert_eq!(first.author(&conn).unwrap().full_name, "Ann");
    // The join table's composite key.
    let tag = RevBookTags::find(&conn, (10, "sf".to_owned())).unwrap();
    assert_eq!(tag.book(&conn).unwrap().title, "First");
    assert_eq!(first.rev_book_tags().count(&conn).unwrap(), 2);

    // The schema as orm's DDL: a statement a table, the composite key
    // declared on the table, foreign keys as constraints.
    let r = orm(&dir, Some(url), &["schema", "print"]);
    assert_eq!(r.code, 0, "{}", r.err);
    let ddl: Vec<&str> = r.out.lines().collect();
    assert_eq!(ddl.len(), 3, "{}", r.out);
    assert!(ddl
        .iter()
        .all(|l| l.starts_with("CREATE TABLE ") && l.ends_with(';')));
    assert!(
        ddl[1].contains("rev_book_tags") && ddl[1].contains(", PRIMARY KEY ("),
        "{}",
        ddl[1]
    );
    // Sizes and foreign-key actions are read back.
    assert!(ddl[1].contains("VARCHAR(20)"), "{}", ddl[1]);
    assert!(ddl[1].contains(" ON DELETE CASCADE"), "{}", ddl[1]);
    assert!(
        !ddl[2].contains(" ON DELETE "),
        "no action declared: {}",
        ddl[2]
    );

    assert!(ddl[2].contains("FOREIGN KEY ("), "{}", ddl[2]);

    // Written to a file with --out.
    let file = dir.join(unique_name("models")).with_extension("rs");
    let r = orm(
        &dir,
        Some(url),
        &["generate", "models", "--out", file.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}", r.err);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), pinned);
    std::fs::remove_file(file).unwrap();
}
db_url_test!(models_are_generated_from_a_database_and_read_it);
