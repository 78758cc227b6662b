//! A throw-away MariaDB server of a test's own: `mariadb-install-db` in a
//! temporary directory, started on a free loopback port with the caller's
//! options (a binary log, a server id), a user `orm`/`orm` with every
//! privilege, and always stopped by its PID when dropped, passed or failed.
//! The tests using it run with the MariaDB tests (`cfg(orm_test_mysql)`)
//! and fail when the binaries are missing.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::pg_server::free_port;

/// A running throw-away server.
pub struct MariaServer {
    pub dir: PathBuf,
    pub port: u16,
    client: PathBuf,
    daemon: std::sync::Mutex<Option<std::process::Child>>,
}

fn find(names: &[&str]) -> Option<PathBuf> {
    for name in names {
        for dir in ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"] {
            let p = Path::new(dir).join(name);
            if p.exists() {
                return Some(p);
            }
        }
    }
    None
}

/// Makes the system tables in `data`. The bootstrap has been seen to fail
/// now and then when several run at once (three servers of the MariaDB
/// tests start together); it is tried up to three times on a fresh
/// directory, and the error shows what it printed and logged.
fn install(installer: &Path, data: &Path, user: &str) -> Result<(), String> {
    let mut failures = Vec::new();
    for attempt in 1..=3 {
        if attempt > 1 {
            let _ = std::fs::remove_dir_all(data);
            std::fs::create_dir_all(data).map_err(|e| e.to_string())?;
            std::thread::sleep(Duration::from_millis(500 * attempt));
        }
        let out = Command::new(installer)
            .args([
                "--no-defaults",
                &format!("--datadir={}", data.display()),
                &format!("--user={user}"),
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            return Ok(());
        }
        let logs: String = std::fs::read_dir(data)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| {
                e.path()
                    .extension()
                    .is_some_and(|x| x == "err" || x == "log")
            })
            .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
            .collect();
        failures.push(format!(
            "attempt {attempt}: {}{}{logs}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Err(format!(
        "mariadb-install-db failed:\n{}",
        failures.join("\n")
    ))
}

impl MariaServer {
    /// Installs a data directory and starts a server with `options` added
    /// to its command line (e.g. `--log-bin`, `--server-id=2`).
    pub fn start(tag: &str, options: &[&str]) -> Result<MariaServer, String> {
        let daemon = find(&["mariadbd", "mysqld"]).ok_or("mariadbd not found")?;
        let installer = find(&["mariadb-install-db", "mysql_install_db"])
            .ok_or("mariadb-install-db not found")?;
        let client = find(&["mariadb", "mysql"]).ok_or("the mariadb client not found")?;
        let dir = std::env::temp_dir().join(super::unique_name(&format!("orm-maria-{tag}")));
        let data = dir.join("data");
        std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
        let user = String::from_utf8_lossy(
            &Command::new("id")
                .arg("-un")
                .output()
                .map_err(|e| e.to_string())?
                .stdout,
        )
        .trim()
        .to_owned();
        install(&installer, &data, &user)?;
        let port = free_port();
        let mut server = MariaServer {
            dir,
            port,
            client,
            daemon: Default::default(),
        };
        let child = Command::new(&daemon)
            .args([
                "--no-defaults",
                &format!("--user={user}"),
                &format!("--datadir={}", data.display()),
                &format!("--socket={}", server.socket().display()),
                &format!("--port={port}"),
                "--bind-address=127.0.0.1",
                &format!("--pid-file={}", server.dir.join("mariadb.pid").display()),
                &format!("--log-error={}", server.dir.join("server.log").display()),
                "--innodb-buffer-pool-size=64M",
                "--innodb-flush-log-at-trx-commit=0",
                "--character-set-server=utf8mb4",
                "--collation-server=utf8mb4_unicode_ci",
            ])
            .args(options)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        server.daemon = std::sync::Mutex::new(Some(child));
        let deadline = Instant::now() + Duration::from_secs(60);
        while server.sql("SELECT 1").is_err() {
            if Instant::now() > deadline {
                let log =
                    std::fs::read_to_string(server.dir.join("server.log")).unwrap_or_default();
                return Err(format!("MariaDB did not start: {log}"));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        // Not in the binary log: a replica has its own user.
        server.sql(
            "SET sql_log_bin = 0; \
             CREATE USER 'orm'@'127.0.0.1' IDENTIFIED BY 'orm'; \
             GRANT ALL PRIVILEGES ON *.* TO 'orm'@'127.0.0.1'; \
             SET sql_log_bin = 1",
        )?;
        Ok(server)
    }

    fn socket(&self) -> PathBuf {
        self.dir.join("mysql.sock")
    }

    /// Runs SQL as root through the server's socket (the `mariadb` client).
    pub fn sql(&self, sql: &str) -> Result<String, String> {
        let out = Command::new(&self.client)
            .args([
                "--no-defaults",
                "-uroot",
                &format!("--socket={}", self.socket().display()),
                "-e",
                sql,
            ])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| e.to_string())?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }

    /// A URL of database `db` as the `orm` user.
    pub fn url(&self, db: &str) -> String {
        format!("mysql://orm:orm@127.0.0.1:{}/{db}", self.port)
    }

    /// Kills the server the hard way (SIGKILL), like a crash.
    pub fn kill(&self) {
        let mut daemon = self.daemon.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(mut child) = daemon.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for MariaServer {
    fn drop(&mut self) {
        let daemon = self.daemon.get_mut().unwrap_or_else(|p| p.into_inner());
        if let Some(mut child) = daemon.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(15);
            while Instant::now() < deadline && matches!(child.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
