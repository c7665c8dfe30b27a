//! The small URL model the signer and the client need: an absolute `http`/`https` URL split into
//! scheme, authority (the signed `host`) and path-and-query (the signed path, sent as is).
//!
//! No normalisation happens: the path and query are signed exactly as they will be sent, with their
//! percent-encoding kept (§4). Fragments are dropped, as `fetch` never sends them.

use super::error::{Error, ErrorKind, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// `http` or `https`, lower case.
    pub scheme: String,
    /// Host name in lower case (IPv6 literals keep their brackets).
    pub host: String,
    /// The explicit port, `None` when absent or equal to the scheme's default.
    pub port: Option<u16>,
    /// Path (always starting with `/`) plus `?query` when there is one.
    pub path_and_query: String,
}

fn invalid(what: &str) -> Error {
    Error::new(ErrorKind::InvalidUrl, format!("invalid URL: {what}"))
}

fn valid_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[') {
        return inner.strip_suffix(']').is_some_and(|ip| {
            !ip.is_empty()
                && ip
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        });
    }
    !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
}

/// The signature covers the path and query as written, so they must be what `fetch` sends: the
/// WHATWG URL parser re-encodes some characters and resolves dot segments before sending. Such
/// URLs are refused with a message saying what to encode, rather than signed and then rejected
/// by the service.
fn check_sent_as_written(path_and_query: &str) -> Result<()> {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    if !path_and_query.is_ascii() {
        return Err(invalid(
            "it has non-ASCII characters: percent-encode them (as encodeURIComponent does) before signing",
        ));
    }
    // ASCII from here on, so bytes are characters.
    if let Some(c) = path
        .bytes()
        .find(|c| matches!(c, b'"' | b'<' | b'>' | b'`' | b'{' | b'}' | b'\\'))
        .map(char::from)
    {
        return Err(invalid(&format!(
            "its path has '{c}', which fetch would percent-encode or rewrite: encode it before signing"
        )));
    }
    if let Some(c) = query.and_then(|q| {
        q.bytes()
            .find(|c| matches!(c, b'"' | b'\'' | b'<' | b'>'))
            .map(char::from)
    }) {
        return Err(invalid(&format!(
            "its query has '{c}', which fetch would percent-encode: encode it before signing"
        )));
    }
    if path.split('/').any(is_dot_segment) {
        return Err(invalid(
            "its path has '.' or '..' segments, which fetch would resolve: sign the resolved path",
        ));
    }
    Ok(())
}

/// Whether a path segment is `.` or `..`, each dot possibly written `%2e` or `%2E` (as the WHATWG
/// URL parser reads them). Runs on every signature, hence no allocation.
fn is_dot_segment(segment: &str) -> bool {
    let mut rest = segment.as_bytes();
    let mut dots = 0;
    while !rest.is_empty() {
        rest = match rest {
            [b'.', tail @ ..] => tail,
            [b'%', b'2', e, tail @ ..] if e.eq_ignore_ascii_case(&b'e') => tail,
            _ => return false,
        };
        dots += 1;
    }
    dots == 1 || dots == 2
}

impl Url {
    /// Parses an absolute `http:` or `https:` URL. User info (`user:pass@`) is refused: it would be
    /// a secret in a place that gets logged.
    pub fn parse(input: &str) -> Result<Url> {
        if input.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(invalid("it contains spaces or control characters"));
        }
        let (scheme, rest) = input.split_once("://").ok_or_else(|| {
            invalid("it must be absolute, such as https://<resource>.communication.azure.com/")
        })?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "https" => 443,
            "http" => 80,
            _ => return Err(invalid("the scheme must be http or https")),
        };
        let rest = rest.split('#').next().unwrap_or("");
        let split = rest
            .bytes()
            .position(|b| b == b'/' || b == b'?')
            .unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(split);
        if authority.contains('@') {
            return Err(invalid("user information (user@host) is not allowed"));
        }
        let (host, port) = match authority.rfind(':') {
            Some(i) if !authority[i..].contains(']') => {
                let digits = &authority[i + 1..];
                if digits.is_empty()
                    || digits.len() > 5
                    || !digits.bytes().all(|b| b.is_ascii_digit())
                {
                    return Err(invalid("the port must be a number from 1 to 65535"));
                }
                let port: u32 = digits.parse().unwrap_or(0);
                if port == 0 || port > 65_535 {
                    return Err(invalid("the port must be a number from 1 to 65535"));
                }
                (&authority[..i], Some(port as u16))
            }
            _ => (authority, None),
        };
        if !valid_host(host) {
            return Err(invalid(
                "the host is missing or has characters a host name cannot have",
            ));
        }
        let path_and_query = if tail.starts_with('/') {
            tail.to_string()
        } else {
            format!("/{tail}")
        };
        check_sent_as_written(&path_and_query)?;
        Ok(Url {
            scheme,
            host: host.to_ascii_lowercase(),
            port: port.filter(|p| *p != default_port),
            path_and_query,
        })
    }

    /// The authority as signed and as sent in `Host`: host, plus `:port` when not the default.
    pub fn authority(&self) -> String {
        let mut out = String::with_capacity(self.host.len() + 6);
        out.push_str(&self.host);
        if let Some(port) = self.port {
            out.push(':');
            super::date::push_decimal(&mut out, u32::from(port), 0);
        }
        out
    }

    /// `scheme://authority` with no path.
    pub fn origin(&self) -> String {
        format!("{}://{}", self.scheme, self.authority())
    }

    /// Whether the host is a loopback address or `localhost`, where plain http is acceptable.
    pub fn is_loopback(&self) -> bool {
        let h = self.host.as_str();
        h == "localhost" || h.ends_with(".localhost") || h == "[::1]" || {
            let parts: Vec<&str> = h.split('.').collect();
            parts.len() == 4 && parts[0] == "127" && parts.iter().all(|p| p.parse::<u8>().is_ok())
        }
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.path_and_query.split('?').next().unwrap_or("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The allocation-free check agrees with the plain reading: lower-case, decode `%2e`,
        /// compare with `.` and `..`.
        #[test]
        fn dot_segments_as_fetch_reads_them(seg in "([.eE2%x]|%2[eE]){0,5}") {
            let plain = seg.to_ascii_lowercase().replace("%2e", ".");
            prop_assert_eq!(is_dot_segment(&seg), plain == "." || plain == "..", "{}", seg);
        }
    }

    #[test]
    fn parses_and_keeps_encoding() {
        let u = Url::parse("https://Example.com/testPath?testQuery=test").unwrap();
        assert_eq!(u.authority(), "example.com");
        assert_eq!(u.path_and_query, "/testPath?testQuery=test");
        let u = Url::parse(
            "http://127.0.0.1:8080/identities/8%3Aacs%3Ax/:issueAccessToken?api-version=1#frag",
        )
        .unwrap();
        assert_eq!(u.authority(), "127.0.0.1:8080");
        assert_eq!(
            u.path_and_query,
            "/identities/8%3Aacs%3Ax/:issueAccessToken?api-version=1"
        );
        assert_eq!(u.path(), "/identities/8%3Aacs%3Ax/:issueAccessToken");
        assert!(u.is_loopback());
        let u = Url::parse("https://x.communication.azure.com:443").unwrap();
        assert_eq!(
            (u.authority().as_str(), u.path_and_query.as_str()),
            ("x.communication.azure.com", "/")
        );
        let u = Url::parse("https://h?a=b").unwrap();
        assert_eq!(u.path_and_query, "/?a=b");
        let u = Url::parse("http://[::1]:9000/").unwrap();
        assert_eq!(u.authority(), "[::1]:9000");
        assert!(u.is_loopback());
        assert!(!Url::parse("http://128.0.0.1/").unwrap().is_loopback());
    }

    #[test]
    fn refuses_what_fetch_would_rewrite() {
        for (bad, needle) in [
            ("https://x/caf\u{e9}", "non-ASCII"),
            ("https://x/a?q=\u{e9}", "non-ASCII"),
            ("https://x/a{b}", "'{'"),
            ("https://x/a\\b", "'\\'"),
            ("https://x/a\"b", "'\"'"),
            ("https://x/a<b", "'<'"),
            ("https://x/a`b", "'`'"),
            ("https://x/a?q='", "'''"),
            ("https://x/a?q=<", "'<'"),
            ("https://x/a/./b", "'.' or '..'"),
            ("https://x/a/../b", "'.' or '..'"),
            ("https://x/a/%2E%2e/b", "'.' or '..'"),
            ("https://x/..", "'.' or '..'"),
        ] {
            let err = Url::parse(bad).unwrap_err();
            assert_eq!(err.kind, ErrorKind::InvalidUrl, "{bad}");
            assert!(err.message.contains(needle), "{bad}: {}", err.message);
        }
        // What fetch leaves alone is accepted as written.
        for ok in [
            "https://x/a%7Bb%7D/%C3%A9?q=%27%22&r=a{b}|c^d",
            "https://x/a.b/..c/.d./",
            "https://x/identities/8%3Aacs%3Ax/:issueAccessToken?api-version=2025-06-30",
            "https://x/a'b!$&()*+,;=:@-._~",
        ] {
            assert!(Url::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects() {
        for bad in [
            "",
            "example.com/path",
            "ftp://example.com/",
            "https://",
            "https://:443/",
            "https://user:pw@example.com/",
            "https://example.com:0/",
            "https://example.com:99999/",
            "https://example.com:/",
            "https://exa mple.com/",
            "https://exa\nmple.com/",
            "https://[::1/",
        ] {
            let err = Url::parse(bad).unwrap_err();
            assert_eq!(err.kind, ErrorKind::InvalidUrl, "{bad:?}");
        }
        assert!(!Url::parse("https://user:pw@example.com/")
            .unwrap_err()
            .message
            .contains("pw"));
    }
}
