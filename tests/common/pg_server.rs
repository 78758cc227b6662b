//! A throw-away PostgreSQL server of a test's own: initdb in a temporary
//! directory, start on a free loopback port, stop (or kill) and restart, and
//! always stopped by its PID when dropped, passed or failed.
//!
//! Binaries come from `ORM_TEST_PG_BIN` or the newest
//! `/usr/lib/postgresql/*/bin`. When running as root, PostgreSQL runs as the
//! `postgres` user (it refuses root). The tests using it run with the
//! PostgreSQL tests (`cfg(orm_test_postgres)`, see `build.rs`) and fail
//! when the binaries are missing.
#![allow(dead_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The PostgreSQL bin directory, if PostgreSQL is installed.
pub fn pg_bin() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ORM_TEST_PG_BIN").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return dir.join("initdb").exists().then_some(dir);
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// Whether this process runs as root.
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Runs a command (as `postgres` when `as_postgres`) and returns whether it
/// succeeded, with its output.
pub fn run(program: &Path, args: &[&str], as_postgres: bool) -> (bool, String) {
    let mut cmd = if as_postgres {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    match cmd.args(args).stdin(Stdio::null()).output() {
        Ok(out) => (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        ),
        Err(e) => (false, format!("cannot run {}: {e}", program.display())),
    }
}

/// A running throw-away server.
pub struct PgServer {
    pub bin: PathBuf,
    pub dir: PathBuf,
    pub data: PathBuf,
    pub port: u16,
    as_postgres: bool,
}

impl PgServer {
    /// initdb's a cluster (trust auth on loopback unless `hba` is given) and
    /// starts it; `conf` lines are appended to postgresql.conf and `setup`
    /// may write files into the data directory first (certificates). `None`
    /// with the reason when PostgreSQL is not installed.
    pub fn start(
        tag: &str,
        conf: &[&str],
        hba: Option<&str>,
        setup: impl FnOnce(&Path, bool),
    ) -> Result<PgServer, String> {
        let bin = pg_bin().ok_or("PostgreSQL binaries not found (set ORM_TEST_PG_BIN)")?;
        let as_postgres = is_root();
        let dir = server_dir(tag, as_postgres)?;
        let data = dir.join("data");
        let (ok, out) = run(
            &bin.join("initdb"),
            &[
                "-D",
                &data.to_string_lossy(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            as_postgres,
        );
        if !ok {
            return Err(format!("initdb failed: {out}"));
        }
        let port = free_port();
        write_conf(
            &dir,
            port,
            &["listen_addresses = '127.0.0.1'", "fsync = off"],
            conf,
        )?;
        if let Some(hba) = hba {
            std::fs::write(data.join("pg_hba.conf"), hba).map_err(|e| e.to_string())?;
        }
        setup(&data, as_postgres);
        let server = PgServer {
            bin,
            dir,
            data,
            port,
            as_postgres,
        };
        server.pg_ctl_start()?;
        Ok(server)
    }

    fn pg_ctl_start(&self) -> Result<(), String> {
        let log = self.dir.join("server.log");
        let (ok, out) = run(
            &self.bin.join("pg_ctl"),
            &[
                "-D",
                &self.data.to_string_lossy(),
                "-l",
                &log.to_string_lossy(),
                "-w",
                "-t",
                "60",
                "start",
            ],
            self.as_postgres,
        );
        if ok {
            Ok(())
        } else {
            Err(format!(
                "pg_ctl start failed: {out}\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            ))
        }
    }

    /// The server's PID, from postmaster.pid.
    pub fn pid(&self) -> Option<u32> {
        std::fs::read_to_string(self.data.join("postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }

    /// A plain (no TLS) URL of the server's `postgres` database.
    pub fn url(&self) -> String {
        format!(
            "postgresql://postgres@127.0.0.1:{}/postgres?sslmode=disable",
            self.port
        )
    }

    /// Kills the server the hard way (SIGKILL to the postmaster, then its
    /// backends), like a crash.
    pub fn kill(&self) {
        if let Some(pid) = self.pid() {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            // Orphaned backends exit when they notice; make sure of it.
            let _ = Command::new("pkill")
                .args(["-KILL", "-f", &self.data.to_string_lossy()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline && self.accepts_tcp() {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = std::fs::remove_file(self.data.join("postmaster.pid"));
            // A killed postmaster leaves its socket and lock file behind
            // (and lingers as a zombie until reaped); a restart would refuse
            // to start over them.
            let socket = self.dir.join(format!(".s.PGSQL.{}", self.port));
            let _ = std::fs::remove_file(&socket);
            let _ = std::fs::remove_file(socket.with_extension(format!("{}.lock", self.port)));
        }
    }

    /// A hot standby of `primary`, streaming from it (`pg_basebackup -R`),
    /// started on a port of its own; `conf` lines override the primary's
    /// settings it was copied with.
    pub fn standby_of(primary: &PgServer, tag: &str, conf: &[&str]) -> Result<PgServer, String> {
        let dir = server_dir(tag, primary.as_postgres)?;
        let data = dir.join("data");
        let (ok, out) = run(
            &primary.bin.join("pg_basebackup"),
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &primary.port.to_string(),
                "-U",
                "postgres",
                "-D",
                &data.to_string_lossy(),
                "-R",
                "-X",
                "stream",
                "--no-sync",
            ],
            primary.as_postgres,
        );
        if !ok {
            return Err(format!("pg_basebackup failed: {out}"));
        }
        let port = free_port();
        write_conf(&dir, port, &["hot_standby = on"], conf)?;
        let server = PgServer {
            bin: primary.bin.clone(),
            dir,
            data,
            port,
            as_postgres: primary.as_postgres,
        };
        server.pg_ctl_start()?;
        Ok(server)
    }

    /// Promotes a standby to primary (`pg_ctl promote`, waiting for it).
    pub fn promote(&self) -> Result<(), String> {
        let (ok, out) = run(
            &self.bin.join("pg_ctl"),
            &[
                "-D",
                &self.data.to_string_lossy(),
                "-w",
                "-t",
                "60",
                "promote",
            ],
            self.as_postgres,
        );
        if ok {
            Ok(())
        } else {
            Err(format!("pg_ctl promote failed: {out}"))
        }
    }

    /// Starts the server again after [`kill`](Self::kill) (crash recovery
    /// runs).
    pub fn restart(&self) -> Result<(), String> {
        self.pg_ctl_start()
    }

    fn accepts_tcp(&self) -> bool {
        std::net::TcpStream::connect_timeout(
            &std::net::SocketAddr::from(([127, 0, 0, 1], self.port)),
            Duration::from_millis(200),
        )
        .is_ok()
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if let Some(pid) = self.pid() {
            let _ = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(15);
            while Instant::now() < deadline && Path::new(&format!("/proc/{pid}")).exists() {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn append(path: &Path, text: &str) -> Result<(), String> {
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// A directory of its own for a server (`dir/data` its cluster), usable by
/// the `postgres` user when the tests run as root.
fn server_dir(tag: &str, as_postgres: bool) -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(super::unique_name(&format!("orm-pg-{tag}")));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    if as_postgres {
        let _ = Command::new("chmod").arg("755").arg(&dir).status();
        let _ = Command::new("chown").arg("postgres:").arg(&dir).status();
    }
    Ok(dir)
}

/// Appends to `dir/data/postgresql.conf` the server's port and socket
/// directory, then `base` lines, then the caller's `conf` lines (later
/// lines win).
fn write_conf(dir: &Path, port: u16, base: &[&str], conf: &[&str]) -> Result<(), String> {
    let mut text = format!(
        "\nport = {port}\nunix_socket_directories = '{}'\n",
        dir.display()
    );
    for line in base.iter().chain(conf) {
        text.push_str(line);
        text.push('\n');
    }
    append(&dir.join("data").join("postgresql.conf"), &text)
}
