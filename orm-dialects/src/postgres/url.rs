//! libpq-style connection URLs.
//!
//! ```text
//! postgresql://[user[:password]@][host[:port][,host[:port]...]][/dbname][?param=value&...]
//! cockroachdb://...          (same syntax; the CockroachDB dialect, default port 26257)
//! ```
//!
//! Every part is percent-decoded. A host that starts with `/` (written
//! `%2F...`) is a Unix-socket directory; an IPv6 address goes in brackets.
//! Parameters: `host`, `port`, `user`, `password`, `dbname`,
//! `sslmode` (`disable`, `prefer` (default), `require`, `verify-ca`,
//! `verify-full`), `sslrootcert` (a PEM file of trusted CAs, or `system`),
//! `sslcert` and `sslkey` (client certificate and key, PEM), `options`
//! (e.g. `-c search_path=app`), `application_name`, `connect_timeout`
//! (seconds), `target_session_attrs` (`any`, `read-write`, `read-only`,
//! `primary`, `standby`, `prefer-standby`, as libpq checks them),
//! `inject_retry_errors` (`true`: CockroachDB's test mode that fails
//! transactions with retryable errors), and two of `orm`'s own: `dialect` (`postgres` or
//! `cockroachdb`) and `cache` (prepared statements kept, default 256). An
//! unknown parameter is an [`Error::InvalidUrl`].

use std::path::PathBuf;
use std::time::Duration;

use orm_core::{Error, Result};

/// Which SQL dialect the server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// PostgreSQL.
    Postgres,
    /// CockroachDB (PostgreSQL wire protocol, its own SQL extensions).
    Cockroach,
}

impl Flavor {
    /// The port used when the URL names none.
    pub fn default_port(self) -> u16 {
        match self {
            Flavor::Postgres => 5432,
            Flavor::Cockroach => 26257,
        }
    }
}

/// How TLS is used, as libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// TLS if the server offers it, without verification (libpq's default).
    Prefer,
    /// TLS required; the certificate is verified only if `sslrootcert` is
    /// given (then as `verify-ca`).
    Require,
    /// TLS required; the server's certificate chain must lead to a trusted CA.
    VerifyCa,
    /// As `verify-ca`, and the certificate must name the host connected to.
    VerifyFull,
}

impl SslMode {
    fn parse(s: &str) -> Option<SslMode> {
        Some(match s {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    /// The libpq spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

/// Where trusted CA certificates come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootCert {
    /// The system's trust store.
    System,
    /// Only the certificates in this PEM file.
    File(PathBuf),
}

/// A host to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    /// A host name or IP address.
    Tcp(String),
    /// A Unix-socket directory.
    Unix(PathBuf),
}

/// A parsed connection URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgUrl {
    /// PostgreSQL or CockroachDB.
    pub flavor: Flavor,
    /// Whether the URL says which (`cockroachdb://`, or `dialect=`);
    /// otherwise the server's `version()` decides.
    pub flavor_given: bool,
    /// `inject_retry_errors=true`: CockroachDB's test mode that makes
    /// transactions fail with retryable errors, to exercise retry paths.
    pub inject_retry_errors: bool,
    /// The user name.
    pub user: Option<String>,
    /// The password.
    pub password: Option<String>,
    /// Hosts with their ports, tried in order.
    pub hosts: Vec<(Host, u16)>,
    /// The database.
    pub dbname: Option<String>,
    /// The TLS mode.
    pub ssl_mode: SslMode,
    /// Trusted CAs.
    pub ssl_root_cert: Option<RootCert>,
    /// The client certificate (PEM, may hold a chain).
    pub ssl_cert: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    pub ssl_key: Option<PathBuf>,
    /// Command-line options sent to the server.
    pub options: Option<String>,
    /// The `application_name` reported to the server.
    pub application_name: Option<String>,
    /// How long to wait for a connection.
    pub connect_timeout: Option<Duration>,
    /// Prepared statements kept per connection.
    pub cache: usize,
    /// Which server of the host list to reach.
    pub target_session: TargetSession,
}

pub use crate::url::{percent_decode, redact};

fn bad(url: &str, why: impl std::fmt::Display) -> Error {
    Error::InvalidUrl(format!("{}: {why}", redact(url)))
}

/// The parameters a URL may carry.
const KNOWN: &[&str] = &[
    "host",
    "port",
    "user",
    "password",
    "dbname",
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "options",
    "application_name",
    "connect_timeout",
    "target_session_attrs",
    "inject_retry_errors",
    "dialect",
    "cache",
];

/// Which server of a host list a connection must reach (libpq's
/// `target_session_attrs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TargetSession {
    /// The first that accepts the connection (the default).
    #[default]
    Any,
    /// One whose sessions default to read-write transactions.
    ReadWrite,
    /// One whose sessions default to read-only transactions.
    ReadOnly,
    /// One not in recovery (not a standby).
    Primary,
    /// A standby (in recovery).
    Standby,
    /// A standby if one answers, else any.
    PreferStandby,
}

impl TargetSession {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "any" => TargetSession::Any,
            "read-write" => TargetSession::ReadWrite,
            "read-only" => TargetSession::ReadOnly,
            "primary" => TargetSession::Primary,
            "standby" => TargetSession::Standby,
            "prefer-standby" => TargetSession::PreferStandby,
            _ => return None,
        })
    }

    /// The URL spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TargetSession::Any => "any",
            TargetSession::ReadWrite => "read-write",
            TargetSession::ReadOnly => "read-only",
            TargetSession::Primary => "primary",
            TargetSession::Standby => "standby",
            TargetSession::PreferStandby => "prefer-standby",
        }
    }
}

/// Splits `host[:port]` or `[v6][:port]`.
fn split_host_port(spec: &str) -> std::result::Result<(&str, Option<&str>), String> {
    if let Some(rest) = spec.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| format!("unclosed '[' in host {spec:?}"))?;
        return match after {
            "" => Ok((host, None)),
            p => p
                .strip_prefix(':')
                .map(|p| (host, Some(p)))
                .ok_or_else(|| format!("unexpected {p:?} after [{host}]")),
        };
    }
    Ok(match spec.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (spec, None),
    })
}

fn parse_port(url: &str, p: &str) -> Result<u16> {
    match p.parse::<u16>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(bad(
            url,
            format!("port {p:?} is not a number from 1 to 65535"),
        )),
    }
}

fn host_of(name: String) -> Host {
    if name.starts_with('/') {
        Host::Unix(PathBuf::from(name))
    } else {
        Host::Tcp(name)
    }
}

/// Parses a `postgres://`, `postgresql://` or `cockroachdb://` URL.
pub fn parse(url: &str) -> Result<PgUrl> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| {
        bad(
            url,
            "expected postgresql://[user[:password]@]host[:port]/dbname",
        )
    })?;
    let mut flavor = match scheme {
        "postgres" | "postgresql" => Flavor::Postgres,
        "cockroachdb" => Flavor::Cockroach,
        other => return Err(bad(url, format!("not a PostgreSQL URL scheme: {other:?}"))),
    };
    let mut flavor_given = flavor == Flavor::Cockroach;
    let mut inject_retry_errors = false;
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let decode = |s: &str| percent_decode(s).map_err(|e| bad(url, e));

    let (userinfo, hostspec) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (mut user, mut password) = (None, None);
    if let Some(u) = userinfo {
        let (name, pass) = match u.split_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (u, None),
        };
        if !name.is_empty() {
            user = Some(decode(name)?);
        }
        if let Some(p) = pass {
            password = Some(decode(p)?);
        }
    }

    // Hosts with their explicit ports, if any.
    let mut hosts: Vec<(Host, Option<u16>)> = Vec::new();
    if !hostspec.is_empty() {
        for spec in hostspec.split(',') {
            let (h, p) = split_host_port(spec).map_err(|e| bad(url, e))?;
            let port = p.map(|p| parse_port(url, p)).transpose()?;
            if h.is_empty() {
                return Err(bad(url, "empty host name in the host list"));
            }
            hosts.push((host_of(decode(h)?), port));
        }
    }
    let mut dbname = (!path.is_empty()).then(|| decode(path)).transpose()?;

    let mut ssl_mode = SslMode::Prefer;
    let (mut ssl_root_cert, mut ssl_cert, mut ssl_key) = (None, None, None);
    let (mut options, mut application_name, mut connect_timeout) = (None, None, None);
    let mut query_port = None;
    let mut cache = 256usize;
    let mut target_session = TargetSession::Any;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = decode(k)?;
        let v = decode(v)?;
        match k.as_str() {
            "host" => {
                hosts = v
                    .split(',')
                    .filter(|h| !h.is_empty())
                    .map(|h| (host_of(h.to_owned()), None))
                    .collect();
            }
            "port" => query_port = Some(parse_port(url, &v)?),
            "user" => user = Some(v),
            "password" => password = Some(v),
            "dbname" => dbname = Some(v),
            "sslmode" => {
                ssl_mode = SslMode::parse(&v).ok_or_else(|| {
                    bad(
                        url,
                        format!(
                            "sslmode {v:?} is not one of disable, prefer, require, verify-ca, verify-full"
                        ),
                    )
                })?;
            }
            "sslrootcert" => {
                ssl_root_cert = Some(if v == "system" {
                    RootCert::System
                } else {
                    RootCert::File(PathBuf::from(v))
                });
            }
            "sslcert" => ssl_cert = Some(PathBuf::from(v)),
            "sslkey" => ssl_key = Some(PathBuf::from(v)),
            "options" => options = Some(v),
            "application_name" => application_name = Some(v),
            "connect_timeout" => {
                let secs =
                    crate::url::bounded(&k, &v, 0, crate::url::MAX_CONNECT_TIMEOUT, "seconds")
                        .map_err(|why| bad(url, why))?;
                // libpq: zero means wait forever.
                connect_timeout = (secs > 0).then(|| Duration::from_secs(secs));
            }
            "inject_retry_errors" => {
                inject_retry_errors = match v.as_str() {
                    "true" | "on" | "1" => true,
                    "false" | "off" | "0" => false,
                    _ => {
                        return Err(bad(
                            url,
                            format!("inject_retry_errors {v:?} is not true or false"),
                        ))
                    }
                };
            }
            "dialect" => {
                flavor_given = true;
                flavor = match v.as_str() {
                    "postgres" | "postgresql" => Flavor::Postgres,
                    "cockroachdb" | "cockroach" => Flavor::Cockroach,
                    _ => {
                        return Err(bad(
                            url,
                            format!("dialect {v:?} is not postgres or cockroachdb"),
                        ))
                    }
                }
            }
            "target_session_attrs" => {
                target_session = TargetSession::parse(&v).ok_or_else(|| {
                    bad(
                        url,
                        format!(
                            "target_session_attrs {v:?} is not one of any, read-write, \
                             read-only, primary, standby, prefer-standby"
                        ),
                    )
                })?;
            }
            "cache" => {
                cache = crate::url::bounded(&k, &v, 0, crate::url::MAX_CACHE, "statements")
                    .map_err(|why| bad(url, why))? as usize;
            }
            _ => {
                return Err(bad(
                    url,
                    format!("unknown parameter {k:?} (known: {})", KNOWN.join(", ")),
                ))
            }
        }
    }
    if ssl_cert.is_some() != ssl_key.is_some() {
        return Err(bad(
            url,
            "sslcert and sslkey go together: give both the client certificate and its key",
        ));
    }
    if ssl_mode == SslMode::Disable && (ssl_cert.is_some() || ssl_root_cert.is_some()) {
        return Err(bad(
            url,
            "sslmode=disable contradicts sslrootcert / sslcert: choose a TLS mode",
        ));
    }
    if hosts.is_empty() {
        hosts.push((Host::Tcp("localhost".to_owned()), None));
    }
    let default_port = query_port.unwrap_or(flavor.default_port());
    Ok(PgUrl {
        flavor,
        flavor_given,
        inject_retry_errors,
        user,
        password,
        hosts: hosts
            .into_iter()
            .map(|(h, p)| (h, p.unwrap_or(default_port)))
            .collect(),
        dbname,
        ssl_mode,
        ssl_root_cert,
        ssl_cert,
        ssl_key,
        options,
        application_name,
        connect_timeout,
        cache,
        target_session,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_url() {
        let u = parse(
            "postgresql://ann%40corp:p%3Ass@db.example.com:6543/my%20db?sslmode=verify-full\
             &sslrootcert=%2Fetc%2Fca.pem&sslcert=c.pem&sslkey=k.pem&options=-c%20search_path%3Dapp\
             &application_name=orm%20test&connect_timeout=5&cache=16",
        )
        .unwrap();
        assert_eq!(u.flavor, Flavor::Postgres);
        assert_eq!(u.user.as_deref(), Some("ann@corp"));
        assert_eq!(u.password.as_deref(), Some("p:ss"));
        assert_eq!(u.hosts, [(Host::Tcp("db.example.com".into()), 6543)]);
        assert_eq!(u.dbname.as_deref(), Some("my db"));
        assert_eq!(u.ssl_mode, SslMode::VerifyFull);
        assert_eq!(u.ssl_root_cert, Some(RootCert::File("/etc/ca.pem".into())));
        assert_eq!(u.ssl_cert, Some(PathBuf::from("c.pem")));
        assert_eq!(u.options.as_deref(), Some("-c search_path=app"));
        assert_eq!(u.application_name.as_deref(), Some("orm test"));
        assert_eq!(u.connect_timeout, Some(Duration::from_secs(5)));
        assert_eq!(u.cache, 16);
    }

    #[test]
    fn defaults_hosts_and_flavors() {
        let u = parse("postgres://").unwrap();
        assert_eq!(u.hosts, [(Host::Tcp("localhost".into()), 5432)]);
        assert_eq!(u.ssl_mode, SslMode::Prefer);
        assert_eq!(u.user, None);
        let u = parse("cockroachdb://root@localhost/defaultdb?sslmode=disable").unwrap();
        assert_eq!(u.flavor, Flavor::Cockroach);
        assert_eq!(u.hosts[0].1, 26257);
        let u = parse("postgresql://h/db?dialect=cockroachdb").unwrap();
        assert_eq!(u.flavor, Flavor::Cockroach);
        assert_eq!(u.hosts[0].1, 26257);
        let u = parse("postgresql://a:1,[::1]:2,b/db?port=7").unwrap();
        assert_eq!(
            u.hosts,
            [
                (Host::Tcp("a".into()), 1),
                (Host::Tcp("::1".into()), 2),
                (Host::Tcp("b".into()), 7)
            ]
        );
        let u = parse("postgresql://%2Fvar%2Frun%2Fpostgresql/db").unwrap();
        assert_eq!(u.hosts, [(Host::Unix("/var/run/postgresql".into()), 5432)]);
        let u = parse("postgresql:///db?host=/tmp&user=me&password=x%26y").unwrap();
        assert_eq!(u.hosts, [(Host::Unix("/tmp".into()), 5432)]);
        assert_eq!(u.password.as_deref(), Some("x&y"));
    }

    #[test]
    fn target_session_attrs_as_libpq_spells_them() {
        for (v, t) in [
            ("any", TargetSession::Any),
            ("read-write", TargetSession::ReadWrite),
            ("read-only", TargetSession::ReadOnly),
            ("primary", TargetSession::Primary),
            ("standby", TargetSession::Standby),
            ("prefer-standby", TargetSession::PreferStandby),
        ] {
            let u = parse(&format!(
                "postgresql://u@h1:1,h2:2/db?target_session_attrs={v}"
            ))
            .unwrap();
            assert_eq!((u.target_session, u.hosts.len()), (t, 2));
            assert_eq!(t.as_str(), v);
        }
        assert_eq!(
            parse("postgresql://u@h/db").unwrap().target_session,
            TargetSession::Any
        );
        // The same for CockroachDB's scheme, its default port per host.
        let u =
            parse("cockroachdb://root@n1,n2:26258/bank?target_session_attrs=read-write").unwrap();
        assert_eq!(u.target_session, TargetSession::ReadWrite);
        assert_eq!(
            u.hosts,
            [
                (Host::Tcp("n1".into()), 26257),
                (Host::Tcp("n2".into()), 26258)
            ]
        );
    }

    #[test]
    fn bad_urls_are_invalid_url_errors_without_the_password() {
        for bad in [
            "postgresql://u:secret@h/db?sslmode=bogus",
            "postgresql://u:secret@h/db?nosuch=1",
            "postgresql://u:secret@h:99999/db",
            "postgresql://u:secret@h:x/db",
            "postgresql://u:secret@h/db?sslcert=a.pem",
            "postgresql://u:secret@h/db?connect_timeout=soon",
            "postgresql://u:secret@h/d%zzb",
            "postgresql://u:secret@[::1/db",
            "postgresql://u:secret@h/db?dialect=oracle",
            "postgresql://u:secret@h1,h2/db?target_session_attrs=writable",
            "postgresql://u:secret@h/db?sslmode=disable&sslrootcert=ca.pem",
            "postgresql:u:secret@h/db",
        ] {
            match parse(bad) {
                Err(Error::InvalidUrl(m)) => {
                    assert!(!m.contains("secret"), "{bad}: password leaked in {m}");
                }
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert_eq!(
            redact("postgresql://u:pw@h/db?password=pw&x=1"),
            "postgresql://u:***@h/db?password=***&x=1"
        );
    }
}
