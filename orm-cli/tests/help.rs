//! Every command answers `--help`, and a missing database or folder is a
//! clear error with exit code 2, without touching anything. (The commands
//! against real databases are tested from the workspace's integration
//! tests, `tests/it/cli.rs`, which know which servers are configured.)

use std::process::Command;

fn orm(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_orm"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("ORM_MIGRATIONS_DIR")
        .current_dir(std::env::temp_dir())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_command_has_help() {
    for cmd in [
        &["--help"][..],
        &["migration", "--help"],
        &["migration", "generate", "--help"],
        &["migration", "run", "--help"],
        &["migration", "revert", "--help"],
        &["migration", "redo", "--help"],
        &["migration", "status", "--help"],
        &["schema", "print", "--help"],
        &["generate", "models", "--help"],
    ] {
        let (code, out, err) = orm(cmd);
        assert_eq!(code, 0, "{cmd:?}: {err}");
        assert!(out.contains("Usage: orm"), "{cmd:?}: {out}");
    }
}

#[test]
fn missing_database_and_folder_are_usage_errors() {
    let dir = std::env::temp_dir().join(format!("orm-cli-help-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dir_arg = dir.to_str().unwrap();
    let (code, _, err) = orm(&["migration", "run", "--migrations-dir", dir_arg]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("DATABASE_URL"), "{err}");
    let (code, _, err) = orm(&["migration", "status", "--migrations-dir", "/nonexistent/x"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no migrations folder"), "{err}");
    let (code, _, err) = orm(&["schema", "print"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = orm(&["migration", "bogus"]);
    assert_eq!(code, 2, "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}
