//! URL pieces shared by the server drivers.

/// The URL with its password hidden, for error messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        // Not a URL we can take apart: show only the scheme.
        let scheme = url.split(':').next().unwrap_or_default();
        return format!("{scheme}:...");
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let mut out = format!("{scheme}://");
    match authority.rsplit_once('@') {
        Some((userinfo, hosts)) => {
            match userinfo.split_once(':') {
                Some((user, _)) => {
                    out.push_str(user);
                    out.push_str(":***");
                }
                None => out.push_str(userinfo),
            }
            out.push('@');
            out.push_str(hosts);
        }
        None => out.push_str(authority),
    }
    // A password given as a query parameter is hidden too.
    let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
    out.push_str(path);
    if !tail.contains('?') {
        return out;
    }
    out.push('?');
    for (i, pair) in query.split('&').enumerate() {
        if i > 0 {
            out.push('&');
        }
        match pair.split_once('=') {
            // The key is compared decoded (`pass%77ord` is `password`); one
            // that does not decode is hidden too.
            Some((key, _)) if is_secret_key(key) => {
                out.push_str(key);
                out.push_str("=***");
            }
            _ => out.push_str(pair),
        }
    }
    out
}

/// Whether a query parameter's key (still percent-encoded) names a secret:
/// `password`, `sslpassword` and the like, in any case, or a key that does
/// not decode.
fn is_secret_key(raw: &str) -> bool {
    percent_decode(raw).map_or(true, |k| k.to_ascii_lowercase().contains("pass"))
}

/// The longest connect timeout accepted, in seconds: one day.
pub const MAX_CONNECT_TIMEOUT: u64 = 86_400;
/// The most prepared statements a connection keeps (`cache=` option).
pub const MAX_CACHE: u64 = 100_000;

/// Parses the value of numeric option `key` as an integer in `min..=max`:
/// every numeric option is bounded, so that no value can overflow the
/// driver's own types (a panic) or wait for centuries.
pub fn bounded(key: &str, value: &str, min: u64, max: u64, unit: &str) -> Result<u64, String> {
    value
        .parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            format!("{key} must be a number of {unit} from {min} to {max}, not {value:?}")
        })
}

/// Decodes `%XX` escapes; the result must be UTF-8.
pub fn percent_decode(s: &str) -> std::result::Result<String, String> {
    if !s.contains('%') {
        return Ok(s.to_owned());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad percent-encoding in {s:?}"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("{s:?} does not decode to UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_after_decoding() {
        assert_eq!(
            redact("postgres://u@h/db?pass%77ord=s3cr3t&sslmode=bogus"),
            "postgres://u@h/db?pass%77ord=***&sslmode=bogus"
        );
        assert_eq!(
            redact("postgres://u@h/db?SSLPASSWORD=k&x=%zz"),
            "postgres://u@h/db?SSLPASSWORD=***&x=%zz"
        );
        assert_eq!(
            redact("postgres://u@h/db?%zz=k"),
            "postgres://u@h/db?%zz=***"
        );
    }

    #[test]
    fn numbers_are_bounded() {
        assert_eq!(bounded("t", "5", 0, 10, "ms"), Ok(5));
        assert!(bounded("t", "11", 0, 10, "ms").is_err());
        assert!(bounded("t", "18446744073709551616", 0, 10, "ms").is_err());
        assert!(bounded("t", "-1", 0, 10, "ms").is_err());
    }
}
