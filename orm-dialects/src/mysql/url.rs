//! MySQL / MariaDB connection URLs.
//!
//! ```text
//! mysql://[user[:password]@][host][:port][/database][?option=value&...]
//! mariadb://...                       (the same)
//! mysql://user@/db?socket=/run/mysqld/mysqld.sock
//! ```
//!
//! User, password, database and option values are percent-decoded. The host
//! may be a name, an IPv4 address or a bracketed IPv6 address; the port
//! defaults to 3306. Options (a dash or an underscore in a name are the same):
//!
//! | option | values | default |
//! | --- | --- | --- |
//! | `ssl-mode` (or `sslmode`) | `DISABLED`, `PREFERRED`, `REQUIRED`, `VERIFY_CA`, `VERIFY_IDENTITY` (any case; libpq's `disable`, `prefer`, `require`, `verify-ca`, `verify-full` too) | `PREFERRED`, or `VERIFY_CA` when `ssl-ca` is given |
//! | `ssl-ca` | PEM (or DER) file of the certificate authorities to trust | the system's |
//! | `ssl-cert` | PEM file of the client certificate | none |
//! | `ssl-key` | PEM file of the client certificate's private key (unencrypted) | none |
//! | `socket` | path of a unix socket, instead of TCP | none |
//! | `connect-timeout` | seconds to wait for the TCP connection | 10 |
//! | `cache` | prepared statements kept per connection | 256 |
//!
//! Any other option is an [`Error::InvalidUrl`].

use std::path::PathBuf;
use std::time::Duration;

use orm_core::{Error, Result};

/// How a connection uses TLS, as MySQL's `--ssl-mode` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SslMode {
    /// Plain TCP.
    Disabled,
    /// TLS when the server offers it (certificates not checked), plain TCP
    /// otherwise.
    Preferred,
    /// TLS or fail; the server certificate is not checked.
    Required,
    /// TLS or fail; the server certificate must be signed by a trusted CA.
    VerifyCa,
    /// As `VerifyCa`, and the certificate must name the host connected to.
    VerifyIdentity,
}

impl SslMode {
    fn parse(v: &str) -> Option<SslMode> {
        let v = v.to_ascii_lowercase().replace('-', "_");
        Some(match v.as_str() {
            "disabled" | "disable" => SslMode::Disabled,
            "preferred" | "prefer" => SslMode::Preferred,
            "required" | "require" => SslMode::Required,
            "verify_ca" => SslMode::VerifyCa,
            "verify_identity" | "verify_full" => SslMode::VerifyIdentity,
            _ => return None,
        })
    }

    /// The mode's name as MySQL spells it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            SslMode::Disabled => "DISABLED",
            SslMode::Preferred => "PREFERRED",
            SslMode::Required => "REQUIRED",
            SslMode::VerifyCa => "VERIFY_CA",
            SslMode::VerifyIdentity => "VERIFY_IDENTITY",
        }
    }
}

/// Where to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A TCP host (name or address, without brackets) and port.
    Tcp {
        /// Host name or address.
        host: String,
        /// Port.
        port: u16,
    },
    /// A unix socket.
    Socket(PathBuf),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Tcp { host, port } if host.contains(':') => write!(f, "[{host}]:{port}"),
            Target::Tcp { host, port } => write!(f, "{host}:{port}"),
            Target::Socket(p) => write!(f, "unix socket {}", p.display()),
        }
    }
}

/// A parsed MySQL URL.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct MysqlUrl {
    pub user: Option<String>,
    pub password: Option<String>,
    pub target: Target,
    pub database: Option<String>,
    pub ssl_mode: SslMode,
    pub ssl_ca: Option<PathBuf>,
    pub ssl_cert: Option<PathBuf>,
    pub ssl_key: Option<PathBuf>,
    pub connect_timeout: Duration,
    pub cache: usize,
}

impl std::fmt::Debug for MysqlUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the password.
        f.debug_struct("MysqlUrl")
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("target", &self.target)
            .field("database", &self.database)
            .field("ssl_mode", &self.ssl_mode)
            .field("ssl_ca", &self.ssl_ca)
            .field("ssl_cert", &self.ssl_cert)
            .field("ssl_key", &self.ssl_key)
            .field("connect_timeout", &self.connect_timeout)
            .field("cache", &self.cache)
            .finish()
    }
}

pub(crate) use crate::url::redact;

fn bad(url: &str, why: impl std::fmt::Display) -> Error {
    Error::InvalidUrl(format!("{:?}: {why}", redact(url)))
}

/// Decodes `%XX` escapes in the `what` part of `url`.
fn percent_decode(url: &str, s: &str, what: &str) -> Result<String> {
    crate::url::percent_decode(s).map_err(|_| bad(url, format!("bad percent-escape in the {what}")))
}

/// Parses a `mysql://` or `mariadb://` URL.
pub(crate) fn parse(url: &str) -> Result<MysqlUrl> {
    let rest = url
        .strip_prefix("mysql://")
        .or_else(|| url.strip_prefix("mariadb://"))
        .ok_or_else(|| {
            bad(
                url,
                "expected mysql://[user[:password]@]host[:port]/database",
            )
        })?;
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (user, password) = match userinfo {
        None => (None, None),
        Some(u) => {
            let (user, pass) = match u.split_once(':') {
                Some((user, pass)) => (user, Some(pass)),
                None => (u, None),
            };
            let user = percent_decode(url, user, "user name")?;
            let pass = pass
                .map(|p| percent_decode(url, p, "password"))
                .transpose()?;
            ((!user.is_empty()).then_some(user), pass)
        }
    };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or_else(|| bad(url, "unclosed [ in an IPv6 host"))?;
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or_else(|| bad(url, "unexpected text after the IPv6 host"))?,
            ),
        };
        (host.to_owned(), port)
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (percent_decode(url, h, "host")?, Some(p)),
            None => (percent_decode(url, hostport, "host")?, None),
        }
    };
    let port = match port {
        None => 3306,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| bad(url, format!("port {p:?} is not a port number")))?,
    };
    if path.contains('/') {
        return Err(bad(url, "the path must be just the database name"));
    }
    let database = percent_decode(url, path, "database name")?;
    let database = (!database.is_empty()).then_some(database);

    let mut parsed = MysqlUrl {
        user,
        password,
        target: Target::Tcp { host, port },
        database,
        ssl_mode: SslMode::Preferred,
        ssl_ca: None,
        ssl_cert: None,
        ssl_key: None,
        connect_timeout: Duration::from_secs(10),
        cache: 256,
    };
    let mut explicit_mode = false;
    let mut socket = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(url, k, "option name")?
            .to_ascii_lowercase()
            .replace('-', "_");
        let v = percent_decode(url, v, "option value")?;
        let path = |v: &str| -> Result<PathBuf> {
            if v.is_empty() {
                Err(bad(url, format!("option {k:?} needs a file path")))
            } else {
                Ok(PathBuf::from(v))
            }
        };
        match key.as_str() {
            "ssl_mode" | "sslmode" => {
                parsed.ssl_mode = SslMode::parse(&v).ok_or_else(|| {
                    bad(
                        url,
                        format!(
                            "ssl-mode {v:?} is not one of DISABLED, PREFERRED, REQUIRED, \
                             VERIFY_CA, VERIFY_IDENTITY"
                        ),
                    )
                })?;
                explicit_mode = true;
            }
            "ssl_ca" | "sslca" => parsed.ssl_ca = Some(path(&v)?),
            "ssl_cert" | "sslcert" => parsed.ssl_cert = Some(path(&v)?),
            "ssl_key" | "sslkey" => parsed.ssl_key = Some(path(&v)?),
            "socket" => socket = Some(path(&v)?),
            "connect_timeout" => {
                let secs = crate::url::bounded(
                    "connect-timeout",
                    &v,
                    1,
                    crate::url::MAX_CONNECT_TIMEOUT,
                    "seconds",
                )
                .map_err(|why| bad(url, why))?;
                parsed.connect_timeout = Duration::from_secs(secs);
            }
            "cache" => {
                parsed.cache =
                    crate::url::bounded("cache", &v, 0, crate::url::MAX_CACHE, "statements")
                        .map_err(|why| bad(url, why))? as usize;
            }
            _ => {
                return Err(bad(
                    url,
                    format!(
                        "unknown option {k:?}; known options: ssl-mode, ssl-ca, ssl-cert, \
                         ssl-key, socket, connect-timeout, cache"
                    ),
                ))
            }
        }
    }
    if let Some(s) = socket {
        parsed.target = Target::Socket(s);
    } else if matches!(&parsed.target, Target::Tcp { host, .. } if host.is_empty()) {
        return Err(bad(url, "no host given (and no socket option)"));
    }
    if !explicit_mode && parsed.ssl_ca.is_some() {
        // As the mysql client does: a CA given means it is to be checked.
        parsed.ssl_mode = SslMode::VerifyCa;
    }
    if parsed.ssl_cert.is_some() != parsed.ssl_key.is_some() {
        return Err(bad(url, "ssl-cert and ssl-key must be given together"));
    }
    if parsed.ssl_mode == SslMode::Disabled
        && (parsed.ssl_ca.is_some() || parsed.ssl_cert.is_some())
    {
        return Err(bad(
            url,
            "ssl-mode=DISABLED contradicts the ssl-ca / ssl-cert options",
        ));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_url() {
        let u = parse(
            "mysql://us%40er:p%3Ass%2Fw@db.example.com:3307/my%20db?ssl-mode=verify_identity\
             &ssl-ca=/ca.pem&ssl-cert=/c.pem&ssl_key=/k.pem&cache=10&connect-timeout=3",
        )
        .unwrap();
        assert_eq!(u.user.as_deref(), Some("us@er"));
        assert_eq!(u.password.as_deref(), Some("p:ss/w"));
        assert_eq!(
            u.target,
            Target::Tcp {
                host: "db.example.com".into(),
                port: 3307
            }
        );
        assert_eq!(u.database.as_deref(), Some("my db"));
        assert_eq!(u.ssl_mode, SslMode::VerifyIdentity);
        assert_eq!(u.ssl_ca, Some(PathBuf::from("/ca.pem")));
        assert_eq!(u.ssl_key, Some(PathBuf::from("/k.pem")));
        assert_eq!(u.cache, 10);
        assert_eq!(u.connect_timeout, Duration::from_secs(3));
        assert!(!format!("{u:?}").contains("p:ss"), "password not printed");
    }

    #[test]
    fn defaults_and_variants() {
        let u = parse("mariadb://localhost").unwrap();
        assert_eq!(
            u.target,
            Target::Tcp {
                host: "localhost".into(),
                port: 3306
            }
        );
        assert_eq!((u.user, u.password, u.database), (None, None, None));
        assert_eq!(u.ssl_mode, SslMode::Preferred);
        let u = parse("mysql://root@[::1]:4000/x?sslmode=DISABLED").unwrap();
        assert_eq!(
            u.target,
            Target::Tcp {
                host: "::1".into(),
                port: 4000
            }
        );
        assert_eq!(u.target.to_string(), "[::1]:4000");
        assert_eq!(u.ssl_mode, SslMode::Disabled);
        let u = parse("mysql://u@/x?socket=%2Ftmp%2Fmy.sock").unwrap();
        assert_eq!(u.target, Target::Socket("/tmp/my.sock".into()));
        let u = parse("mysql://h/x?ssl-ca=/ca.pem").unwrap();
        assert_eq!(u.ssl_mode, SslMode::VerifyCa, "a CA implies VERIFY_CA");
        let u = parse("mysql://h/x?ssl-ca=/ca.pem&ssl-mode=REQUIRED").unwrap();
        assert_eq!(u.ssl_mode, SslMode::Required);
        for (m, want) in [
            ("PREFERRED", SslMode::Preferred),
            ("required", SslMode::Required),
            ("VERIFY_CA", SslMode::VerifyCa),
            ("verify-ca", SslMode::VerifyCa),
            ("verify-full", SslMode::VerifyIdentity),
        ] {
            assert_eq!(
                parse(&format!("mysql://h/x?ssl-mode={m}"))
                    .unwrap()
                    .ssl_mode,
                want
            );
        }
    }

    #[test]
    fn bad_urls_are_invalid_url_errors() {
        for bad in [
            "postgres://h/x",
            "mysql://h:notaport/x",
            "mysql://h:0/x",
            "mysql://h/x?bogus=1",
            "mysql://h/x?ssl-mode=sometimes",
            "mysql://h/x?ssl-cert=/c.pem",
            "mysql://h/x?ssl-mode=disabled&ssl-ca=/ca.pem",
            "mysql://h/x/y",
            "mysql://h/%zz",
            "mysql://[::1/x",
            "mysql:///x",
            "mysql://h/x?cache=many",
            "mysql://h/x?socket=",
        ] {
            assert!(
                matches!(parse(bad), Err(Error::InvalidUrl(_))),
                "{bad}: {:?}",
                parse(bad)
            );
        }
        let Err(Error::InvalidUrl(m)) = parse("mysql://u:secret@h/x?bogus=1") else {
            panic!("expected an InvalidUrl")
        };
        assert!(!m.contains("secret") && m.contains("bogus"), "{m}");
    }

    #[test]
    fn redaction() {
        assert_eq!(redact("mysql://u:pw@h/db"), "mysql://u:***@h/db");
        assert_eq!(redact("mysql://u@h/db"), "mysql://u@h/db");
        assert_eq!(redact("mysql://h/db?x=a@b"), "mysql://h/db?x=a@b");
    }
}
