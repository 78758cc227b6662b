//! TLS through OpenSSL, configured as libpq's `sslmode`:
//!
//! | sslmode | encrypted | chain verified | host name verified |
//! | --- | --- | --- | --- |
//! | `disable` | no | | |
//! | `prefer` | if the server offers it | only with `sslrootcert` | no |
//! | `require` | yes | only with `sslrootcert` | no |
//! | `verify-ca` | yes | yes | no |
//! | `verify-full` | yes | yes | yes |
//!
//! `sslrootcert` names a PEM file whose certificates are then the only
//! trusted CAs (`system`, or no `sslrootcert` under `verify-ca` /
//! `verify-full`, means the system trust store). `sslcert` and `sslkey` give
//! the client certificate and key presented for certificate authentication.

use std::error::Error as StdError;
use std::path::Path;

use openssl::ssl::{SslConnector, SslFiletype, SslMethod, SslVerifyMode};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::X509;
use orm_core::{Error, Result};
use postgres_openssl::MakeTlsConnector;

use super::url::{Host, PgUrl, RootCert, SslMode};

/// How much of the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verify {
    Nothing,
    Chain,
    ChainAndHost,
}

fn verify_level(url: &PgUrl) -> Verify {
    match url.ssl_mode {
        SslMode::VerifyFull => Verify::ChainAndHost,
        SslMode::VerifyCa => Verify::Chain,
        // As libpq: a root certificate given makes `require` verify the chain.
        SslMode::Require | SslMode::Prefer if url.ssl_root_cert.is_some() => Verify::Chain,
        _ => Verify::Nothing,
    }
}

fn tls_error(what: impl std::fmt::Display, e: impl std::fmt::Display) -> Error {
    Error::Connection {
        message: format!("TLS set-up failed: {what}: {e}"),
        source: None,
    }
}

fn load_roots(path: &Path) -> Result<openssl::x509::store::X509Store> {
    let pem = std::fs::read(path).map_err(|e| {
        tls_error(
            format_args!("cannot read sslrootcert {}", path.display()),
            e,
        )
    })?;
    let certs = X509::stack_from_pem(&pem).map_err(|e| {
        tls_error(
            format_args!(
                "sslrootcert {} is not a PEM certificate file",
                path.display()
            ),
            e,
        )
    })?;
    if certs.is_empty() {
        return Err(tls_error(
            format_args!("sslrootcert {}", path.display()),
            "no certificate in the file",
        ));
    }
    let mut store = X509StoreBuilder::new().map_err(|e| tls_error("certificate store", e))?;
    for cert in certs {
        store
            .add_cert(cert)
            .map_err(|e| tls_error(format_args!("sslrootcert {}", path.display()), e))?;
    }
    Ok(store.build())
}

/// The TLS connector for `url`, or `None` under `sslmode=disable`.
pub fn connector(url: &PgUrl) -> Result<Option<MakeTlsConnector>> {
    if url.ssl_mode == SslMode::Disable {
        return Ok(None);
    }
    let verify = verify_level(url);
    let mut builder =
        SslConnector::builder(SslMethod::tls_client()).map_err(|e| tls_error("OpenSSL", e))?;
    if verify == Verify::Nothing {
        builder.set_verify(SslVerifyMode::NONE);
    } else {
        builder.set_verify(SslVerifyMode::PEER);
        if let Some(RootCert::File(path)) = &url.ssl_root_cert {
            builder.set_cert_store(load_roots(path)?);
        }
    }
    if let (Some(cert), Some(key)) = (&url.ssl_cert, &url.ssl_key) {
        builder.set_certificate_chain_file(cert).map_err(|e| {
            tls_error(
                format_args!(
                    "cannot load the client certificate sslcert={}",
                    cert.display()
                ),
                e,
            )
        })?;
        builder
            .set_private_key_file(key, SslFiletype::PEM)
            .map_err(|e| {
                tls_error(
                    format_args!("cannot load the client key sslkey={}", key.display()),
                    e,
                )
            })?;
        builder.check_private_key().map_err(|e| {
            tls_error(
                format_args!(
                    "sslkey={} is not the key of sslcert={}",
                    key.display(),
                    cert.display()
                ),
                e,
            )
        })?;
    }
    let mut connector = MakeTlsConnector::new(builder.build());
    let check_host = verify == Verify::ChainAndHost;
    connector.set_callback(move |config, _domain| {
        config.set_verify_hostname(check_host);
        Ok(())
    });
    Ok(Some(connector))
}

/// The messages of `e` and of its sources, joined.
pub fn chain(e: &(dyn StdError + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

fn host_names(url: &PgUrl) -> String {
    url.hosts
        .iter()
        .map(|(h, _)| match h {
            Host::Tcp(name) => format!("{name:?}"),
            Host::Unix(dir) => format!("{:?}", dir.display().to_string()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a TLS handshake failed, in words, from the error's text; `None` if it
/// was not a TLS failure.
pub fn explain(url: &PgUrl, text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let mode = url.ssl_mode.as_str();
    if lower.contains("hostname mismatch") || lower.contains("ip address mismatch") {
        return Some(format!(
            "the server's TLS certificate was rejected: it does not match the host name {} \
             (sslmode={mode} checks that the certificate names the host connected to)",
            host_names(url)
        ));
    }
    if lower.contains("certificate verify failed") {
        let roots = match &url.ssl_root_cert {
            Some(RootCert::File(p)) => format!("the CAs in sslrootcert={}", p.display()),
            _ => "the system's trusted CAs".to_owned(),
        };
        return Some(format!(
            "the server's TLS certificate was rejected: it is not signed by {roots} \
             (sslmode={mode})"
        ));
    }
    if lower.contains("alert unknown ca")
        || lower.contains("alert bad certificate")
        || lower.contains("alert certificate unknown")
        || lower.contains("alert certificate required")
        || lower.contains("alert decrypt error")
        || lower.contains("alert handshake failure")
    {
        let which = match &url.ssl_cert {
            Some(c) => format!("the client certificate sslcert={}", c.display()),
            None => "the connection, which presented no client certificate".to_owned(),
        };
        return Some(format!(
            "the server rejected {which} during the TLS handshake: the certificate must be \
             signed by a CA the server trusts (its ssl_ca_file)"
        ));
    }
    // Under TLS 1.3 the server checks the client certificate after the
    // client considers the handshake done: its alert can be lost, and the
    // client then sees the connection reset when it first writes.
    if let (Some(c), true) = (&url.ssl_cert, url.ssl_mode.as_str() != "disable") {
        if lower.contains("connection reset")
            || lower.contains("unexpected eof")
            || lower.contains("broken pipe")
        {
            return Some(format!(
                "the server closed the connection right after the TLS handshake: it most \
                 likely rejected the client certificate sslcert={} (it must be signed by a CA \
                 the server trusts, its ssl_ca_file)",
                c.display()
            ));
        }
    }
    if lower.contains("server does not support tls")
        || lower.contains("server does not support ssl")
    {
        return Some(format!(
            "sslmode={mode} requires TLS but the server does not support it"
        ));
    }
    if lower.contains("tls handshake") || lower.contains("ssl routines") {
        return Some(format!("the TLS handshake failed (sslmode={mode})"));
    }
    None
}
