//! MySQL / MariaDB over TLS with client certificates: the test makes a CA, a
//! server certificate for `localhost` and client certificates with openssl,
//! starts a throw-away MariaDB that accepts only secure transport, and checks
//! each `ssl-mode` against it: the right client certificate connects under
//! VERIFY_IDENTITY; no certificate, a certificate from another CA, an
//! untrusted server CA, or a host name the certificate does not name are
//! refused with a connection error.
//!
//! Runs when `ORM_TEST_MYSQL_URL` is set (the MySQL suite is wanted;
//! otherwise it is listed as ignored), and then fails when MariaDB's binaries
//! or `openssl` are missing.
#![cfg(feature = "mysql")]

use std::path::{Path, PathBuf};
use std::process::Command;

use orm::prelude::*;

use crate::common::maria_server::MariaServer;

/// The test's certificates, removed when dropped.
struct Certs(PathBuf);

impl Drop for Certs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The server and the certificates it was started with (dropped after it).
struct Server {
    server: MariaServer,
    certs: Certs,
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Makes a key and a certificate `name` signed by `ca` (or self-signed when
/// `ca` is `None`), in `dir`.
fn cert(dir: &Path, name: &str, subject: &str, ca: Option<&str>, ext: Option<&str>) {
    let key = dir.join(format!("{name}.key"));
    let pem = dir.join(format!("{name}.pem"));
    let mut req = Command::new("openssl");
    req.current_dir(dir).args([
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-subj",
        subject,
        "-keyout",
    ]);
    req.arg(&key);
    match ca {
        None => {
            req.args(["-x509", "-days", "2", "-out"]).arg(&pem);
            run(&mut req);
        }
        Some(ca) => {
            let csr = dir.join(format!("{name}.csr"));
            run(req.arg("-out").arg(&csr));
            let mut sign = Command::new("openssl");
            sign.current_dir(dir)
                .args(["x509", "-req", "-days", "2", "-set_serial", "2", "-in"])
                .arg(&csr)
                .args(["-CA", &format!("{ca}.pem"), "-CAkey", &format!("{ca}.key")])
                .arg("-out")
                .arg(&pem);
            if let Some(ext) = ext {
                let file = dir.join(format!("{name}.ext"));
                std::fs::write(&file, ext).unwrap();
                sign.arg("-extfile").arg(file);
            }
            run(&mut sign);
        }
    }
}

fn start_server() -> Server {
    let dir = std::env::temp_dir().join(crate::common::unique_name("orm-mysql-tls"));
    std::fs::create_dir_all(&dir).unwrap();
    let certs = Certs(dir.clone());
    cert(&dir, "ca", "/CN=orm test CA", None, None);
    cert(
        &dir,
        "server",
        "/CN=localhost",
        Some("ca"),
        Some("subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n"),
    );
    cert(
        &dir,
        "client",
        "/CN=orm_client",
        Some("ca"),
        Some("extendedKeyUsage=clientAuth\n"),
    );
    cert(&dir, "other_ca", "/CN=another CA", None, None);
    cert(
        &dir,
        "stranger",
        "/CN=orm_client",
        Some("other_ca"),
        Some("extendedKeyUsage=clientAuth\n"),
    );
    let path = |f: &str| dir.join(f).display().to_string();
    let server = MariaServer::start(
        "tls",
        &[
            "--skip-log-bin",
            "--require-secure-transport=ON",
            &format!("--ssl-ca={}", path("ca.pem")),
            &format!("--ssl-cert={}", path("server.pem")),
            &format!("--ssl-key={}", path("server.key")),
        ],
    )
    .unwrap_or_else(|e| panic!("the MySQL TLS test needs a MariaDB server: {e}"));
    for host in ["localhost", "127.0.0.1"] {
        server
            .sql(&format!(
                "CREATE USER 'certuser'@'{host}' REQUIRE X509;
                 GRANT ALL ON *.* TO 'certuser'@'{host}';
                 CREATE USER 'pwuser'@'{host}' IDENTIFIED BY 'pw';
                 GRANT ALL ON *.* TO 'pwuser'@'{host}'"
            ))
            .unwrap();
    }
    Server { server, certs }
}

/// The session's TLS cipher ("" when the connection is not encrypted).
fn cipher(conn: &Connection) -> String {
    let rows: Vec<(String, String)> = conn
        .query("SHOW SESSION STATUS LIKE 'Ssl_cipher'", ())
        .unwrap();
    rows.into_iter().next().map(|r| r.1).unwrap_or_default()
}

fn refused(url: &str) -> String {
    match Connection::open(url) {
        Ok(_) => panic!("{url} connected but must be refused"),
        Err(Error::Connection { message, .. }) => {
            eprintln!("refused as expected: {message}");
            message
        }
        Err(other) => panic!("{url}: expected a connection error, got {other:?}"),
    }
}

#[test]
#[cfg_attr(
    not(orm_test_mysql),
    ignore = "MariaDB: ORM_TEST_MYSQL_URL is not set (or the mysql feature is off)"
)]
fn client_certificates_and_ssl_modes() {
    let server = start_server();
    let f = |name: &str| server.certs.0.join(name).display().to_string();
    let port = server.server.port;
    let (ca, cert, key) = (f("ca.pem"), f("client.pem"), f("client.key"));

    // The right client certificate, the server checked against our CA and
    // its name.
    let url = format!(
        "mysql://certuser@localhost:{port}/?ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}&ssl-cert={cert}&ssl-key={key}"
    );
    let conn = Connection::open(&url).unwrap();
    assert!(!cipher(&conn).is_empty(), "the connection is encrypted");
    let who: Vec<(String,)> = conn.query("SELECT CURRENT_USER()", ()).unwrap();
    assert!(who[0].0.starts_with("certuser@"), "{who:?}");
    // No copy of the client identity is written (rustls reads ssl-key).
    let leftovers = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("orm-mysql-identity-{}-", std::process::id()))
        })
        .count();
    assert_eq!(leftovers, 0, "no client identity file is written");

    // No client certificate: the user requires one.
    let msg = refused(&format!(
        "mysql://certuser@localhost:{port}/?ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}"
    ));
    assert!(msg.contains(&format!("localhost:{port}")), "{msg}");
    // A client certificate from another CA: the server refuses the handshake.
    refused(&format!(
        "mysql://certuser@localhost:{port}/?ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}&ssl-cert={}&ssl-key={}",
        f("stranger.pem"),
        f("stranger.key")
    ));
    // A server certificate not signed by the CA we trust.
    let msg = refused(&format!(
        "mysql://certuser@localhost:{port}/?ssl-mode=VERIFY_CA&ssl-ca={}&ssl-cert={cert}&ssl-key={key}",
        f("other_ca.pem")
    ));
    assert!(msg.contains("VERIFY_CA"), "{msg}");
    // The certificate names localhost, not 127.0.0.1: VERIFY_IDENTITY
    // refuses, VERIFY_CA (chain only) accepts.
    refused(&format!(
        "mysql://certuser@127.0.0.1:{port}/?ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}&ssl-cert={cert}&ssl-key={key}"
    ));
    let conn = Connection::open(&format!(
        "mysql://certuser@127.0.0.1:{port}/?ssl-mode=VERIFY_CA&ssl-ca={ca}&ssl-cert={cert}&ssl-key={key}"
    ))
    .unwrap();
    assert!(!cipher(&conn).is_empty());

    // Password users: the server requires secure transport.
    refused(&format!(
        "mysql://pwuser:pw@127.0.0.1:{port}/?ssl-mode=DISABLED"
    ));
    for mode in ["REQUIRED", "PREFERRED", "required"] {
        let conn = Connection::open(&format!(
            "mysql://pwuser:pw@127.0.0.1:{port}/?ssl-mode={mode}"
        ))
        .unwrap();
        assert!(!cipher(&conn).is_empty(), "{mode} encrypts");
    }
    // The default is PREFERRED; a CA alone means VERIFY_CA.
    let conn = Connection::open(&format!("mysql://pwuser:pw@127.0.0.1:{port}/")).unwrap();
    assert!(!cipher(&conn).is_empty());
    let conn =
        Connection::open(&format!("mysql://pwuser:pw@127.0.0.1:{port}/?ssl-ca={ca}")).unwrap();
    assert!(!cipher(&conn).is_empty());
    refused(&format!(
        "mysql://pwuser:pw@127.0.0.1:{port}/?ssl-ca={}",
        f("other_ca.pem")
    ));
}

#[test]
#[cfg_attr(
    not(orm_test_mysql),
    ignore = "MariaDB: ORM_TEST_MYSQL_URL is not set (or the mysql feature is off)"
)]
fn preferred_falls_back_and_required_fails_without_server_tls() {
    // The shared test server has no TLS.
    let url = crate::common::server_url("mysql");
    let sep = if url.contains('?') { '&' } else { '?' };
    let conn = Connection::open(&format!("{url}{sep}ssl-mode=PREFERRED")).unwrap();
    let have_tls: Vec<(String, String)> = conn.query("SHOW VARIABLES LIKE 'have_ssl'", ()).unwrap();
    if have_tls.first().is_some_and(|r| r.1 == "YES") {
        return;
    }
    assert!(cipher(&conn).is_empty());
    let msg = refused(&format!("{url}{sep}ssl-mode=REQUIRED"));
    assert!(msg.contains("REQUIRED"), "{msg}");
}
