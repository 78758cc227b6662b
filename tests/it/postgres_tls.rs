//! The tutorial's secure mode: client-certificate authentication over TLS.
//!
//! The test makes, with the `openssl` command, a CA, a server certificate for
//! `localhost` (SAN DNS:localhost only) and a client certificate for the user
//! `postgres`, plus a second, unrelated CA with a client certificate of its
//! own. It starts a throw-away PostgreSQL (initdb in a temporary directory,
//! `ssl = on`, a `pg_hba.conf` of only `hostssl ... cert` lines) on a free
//! port, and shows that the right client certificate connects under
//! `sslmode=verify-full`, while no certificate, a certificate from the other
//! CA, a wrong host name under verify-full, and no TLS at all are refused
//! with clear errors. The server is stopped by its PID when the test ends,
//! passed or failed.
//!
//! PostgreSQL's binaries come from `ORM_TEST_PG_BIN`, or the newest
//! `/usr/lib/postgresql/*/bin`. The test runs with the PostgreSQL tests
//! (when `ORM_TEST_POSTGRES_URL` is set; otherwise it is listed as ignored),
//! and fails when the binaries or `openssl` are missing.
#![cfg(feature = "postgres")]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::pg_server::{is_root, pg_bin, PgServer};
use orm::prelude::*;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA: `name.key`, `name.crt`.
fn make_ca(dir: &Path, name: &str, cn: &str) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.crt"),
            "-days",
            "2",
            "-subj",
            &format!("/CN={cn}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
}

/// A certificate `name.crt` (key `name.key`) for `cn`, signed by `ca`, with
/// the extensions in `ext`.
fn make_cert(dir: &Path, name: &str, cn: &str, ca: &str, ext: &str) {
    std::fs::write(dir.join(format!("{name}.ext")), ext).unwrap();
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.csr"),
            "-subj",
            &format!("/CN={cn}"),
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &format!("{name}.csr"),
            "-CA",
            &format!("{ca}.crt"),
            "-CAkey",
            &format!("{ca}.key"),
            "-CAcreateserial",
            "-out",
            &format!("{name}.crt"),
            "-days",
            "2",
            "-extfile",
            &format!("{name}.ext"),
        ],
    );
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// The certificates, in a directory removed when dropped.
struct Certs(PathBuf);

impl Drop for Certs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A CA, a server certificate for `localhost` only, a client certificate
/// for `postgres`, and another CA with a client certificate of its own.
fn make_certs() -> Certs {
    let dir = std::env::temp_dir().join(crate::common::unique_name("orm-tls-certs"));
    std::fs::create_dir_all(&dir).unwrap();
    let certs = Certs(dir.clone());
    make_ca(&dir, "ca", "orm test CA");
    make_cert(
        &dir,
        "server",
        "localhost",
        "ca",
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    );
    let client_ext = "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n";
    make_cert(&dir, "client", "postgres", "ca", client_ext);
    make_ca(&dir, "other-ca", "some other CA");
    make_cert(&dir, "intruder", "postgres", "other-ca", client_ext);
    for key in ["ca", "server", "client", "other-ca", "intruder"] {
        chmod(&dir.join(format!("{key}.key")), 0o600);
    }
    certs
}

/// A throw-away PostgreSQL that accepts only TLS connections presenting a
/// client certificate signed by the CA, whose CN is the user name.
fn start_server(certs: &Path) -> PgServer {
    let server = PgServer::start(
        "tls",
        &[
            "listen_addresses = 'localhost'",
            "ssl = on",
            "ssl_cert_file = 'server.crt'",
            "ssl_key_file = 'server.key'",
            "ssl_ca_file = 'ca.crt'",
            "max_connections = 20",
        ],
        Some("hostssl all all 127.0.0.1/32 cert\nhostssl all all ::1/128 cert\n"),
        |data, as_postgres| {
            for f in ["server.crt", "server.key", "ca.crt"] {
                std::fs::copy(certs.join(f), data.join(f)).unwrap();
            }
            chmod(&data.join("server.key"), 0o600);
            if as_postgres {
                // PostgreSQL refuses a key it does not own.
                for f in ["server.crt", "server.key", "ca.crt"] {
                    let _ = Command::new("chown")
                        .arg("postgres:")
                        .arg(data.join(f))
                        .status();
                }
            }
        },
    );
    server.unwrap_or_else(|e| panic!("PostgreSQL with TLS did not start: {e}"))
}

/// A URL to the test server as user `postgres`, with `params`.
fn url(server: &PgServer, host: &str, params: &[(&str, String)]) -> String {
    let mut u = format!("postgresql://postgres@{host}:{}/postgres", server.port);
    for (i, (k, v)) in params.iter().enumerate() {
        u.push(if i == 0 { '?' } else { '&' });
        u.push_str(&format!("{k}={v}"));
    }
    u
}

fn refused(url: &str) -> String {
    match Connection::open(url) {
        Ok(_) => panic!("{url}: connected, but it must be refused"),
        Err(Error::Connection { message, source }) => {
            assert!(source.is_some(), "the driver error is kept: {message}");
            eprintln!("refused as expected: {message}");
            message
        }
        Err(other) => panic!("{url}: expected Error::Connection, got {other:?}"),
    }
}

#[test]
#[cfg_attr(
    not(orm_test_postgres),
    ignore = "PostgreSQL: ORM_TEST_POSTGRES_URL is not set (or the postgres feature is off)"
)]
fn client_certificates_under_verify_full() {
    assert!(
        pg_bin().is_some(),
        "postgres_tls: no PostgreSQL binaries (set ORM_TEST_PG_BIN or install postgresql)"
    );
    assert!(
        Command::new("openssl").arg("version").output().is_ok(),
        "postgres_tls: no openssl command"
    );
    assert!(
        !is_root()
            || Command::new("id")
                .arg("postgres")
                .output()
                .is_ok_and(|o| o.status.success()),
        "postgres_tls: running as root but there is no `postgres` user to run the server"
    );
    let certs = make_certs();
    let server = start_server(&certs.0);
    let file = |f: &str| certs.0.join(f).display().to_string();
    let ca = ("sslrootcert", file("ca.crt"));
    let cert = ("sslcert", file("client.crt"));
    let key = ("sslkey", file("client.key"));
    let full = ("sslmode", "verify-full".to_owned());

    // The right client certificate, the server verified in full.
    let good = url(
        &server,
        "localhost",
        &[full.clone(), ca.clone(), cert.clone(), key.clone()],
    );
    let conn = Connection::open(&good).unwrap_or_else(|e| panic!("{e}"));
    let who: Vec<(String, bool)> = conn
        .query(
            "SELECT current_user::TEXT, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            (),
        )
        .unwrap();
    assert_eq!(who, [("postgres".to_owned(), true)]);
    drop(conn);

    // The company example in the same secure mode: the server takes only
    // TLS connections with a client certificate, so serving at all shows
    // that every connection of its pool presented one.
    #[cfg(all(feature = "sqlite", feature = "decimal"))]
    {
        use crate::company::{lock, ok, Company};
        let _port = lock();
        let app = Company::start(&good);
        let c = ok(
            "POST",
            "/customer/",
            Some(serde_json::json!({"name": "Secure"})),
        );
        assert_eq!(ok("GET", "/customer/", None), serde_json::json!([c]));
        app.kill();
    }

    // No client certificate: the server asks for one.
    let msg = refused(&url(&server, "localhost", &[full.clone(), ca.clone()]));
    assert!(
        msg.contains("refused") && msg.contains("certificate"),
        "no client certificate: {msg}"
    );

    // A client certificate from another CA: rejected in the handshake.
    let msg = refused(&url(
        &server,
        "localhost",
        &[
            full.clone(),
            ca.clone(),
            ("sslcert", file("intruder.crt")),
            ("sslkey", file("intruder.key")),
        ],
    ));
    assert!(
        msg.contains("rejected") && msg.contains("client certificate"),
        "a client certificate from another CA: {msg}"
    );

    // A host name the server certificate does not name, under verify-full.
    let msg = refused(&url(
        &server,
        "127.0.0.1",
        &[full.clone(), ca.clone(), cert.clone(), key.clone()],
    ));
    assert!(
        msg.contains("does not match the host name") && msg.contains("127.0.0.1"),
        "wrong host name: {msg}"
    );
    // verify-ca checks the chain only: the same host is accepted.
    let ca_only = url(
        &server,
        "127.0.0.1",
        &[
            ("sslmode", "verify-ca".to_owned()),
            ca.clone(),
            cert.clone(),
            key.clone(),
        ],
    );
    Connection::open(&ca_only).unwrap_or_else(|e| panic!("verify-ca: {e}"));

    // A server certificate from a CA we do not trust.
    let msg = refused(&url(
        &server,
        "localhost",
        &[
            full.clone(),
            ("sslrootcert", file("other-ca.crt")),
            cert.clone(),
            key.clone(),
        ],
    ));
    assert!(
        msg.contains("rejected") && msg.contains("not signed by"),
        "untrusted server: {msg}"
    );

    // No TLS at all.
    let msg = refused(&url(
        &server,
        "localhost",
        &[("sslmode", "disable".to_owned())],
    ));
    assert!(
        msg.contains("no encryption") && msg.contains("TLS"),
        "sslmode=disable: {msg}"
    );
    drop(server);
}
