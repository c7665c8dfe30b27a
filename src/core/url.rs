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

/// The signature covers the host, so it must be the `Host` that `fetch` sends. The WHATWG URL
/// parser rewrites numeric hosts (`1.2.3` → `1.2.0.3`, `0x7f.0.0.1` and `2130706433` →
/// `127.0.0.1`, a trailing dot dropped) and non-canonical IPv6 literals (`[0:0::1]` → `[::1]`):
/// such hosts are refused, naming the form to write. Upper-case letters are the one rewrite
/// handled rather than refused: hosts are compared and signed in lower case, as fetch sends them.
fn check_host_sent_as_written(host: &str) -> Result<()> {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let canonical = inner
            .parse::<std::net::Ipv6Addr>()
            .ok()
            .map(|ip| serialize_ipv6(&ip.segments()));
        return match canonical {
            None => Err(invalid(&format!(
                "the host [{inner}] is not a valid IPv6 address"
            ))),
            Some(c) if !c.eq_ignore_ascii_case(inner) => Err(invalid(&format!(
                "the host [{inner}] would be sent as [{c}] by fetch: write it that way"
            ))),
            Some(_) => Ok(()),
        };
    }
    if !ends_in_number(host) {
        return Ok(());
    }
    let canonical = host.split('.').count() == 4
        && host
            .split('.')
            .all(|p| p.parse::<u8>().is_ok() && (p == "0" || !p.starts_with('0')));
    if canonical {
        return Ok(());
    }
    Err(invalid(&format!(
        "the host '{host}' ends in a number, so fetch reads it as an IPv4 address and would \
         rewrite it (short, hexadecimal, octal, zero-padded or dot-ended forms) or refuse it: \
         write the address as four decimal numbers such as 127.0.0.1"
    )))
}

/// The WHATWG URL "ends in a number" test: the last label (a trailing dot ignored) is decimal
/// digits or `0x` hex, so the parser reads the whole host as an IPv4 address.
fn ends_in_number(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    let last = host.rsplit('.').next().unwrap_or("");
    if !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    last.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("0x"))
        && last[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// An IPv6 address as the WHATWG URL serializer writes it: lower-case hex pieces without leading
/// zeros, the first longest run of two or more zero pieces written `::`, no embedded IPv4.
fn serialize_ipv6(pieces: &[u16; 8]) -> String {
    let mut best: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < 8 {
        if pieces[i] == 0 {
            let start = i;
            while i < 8 && pieces[i] == 0 {
                i += 1;
            }
            let len = i - start;
            if len >= 2 && best.map_or(true, |(_, l)| len > l) {
                best = Some((start, len));
            }
        } else {
            i += 1;
        }
    }
    let mut out = String::with_capacity(39);
    let mut i = 0;
    while i < 8 {
        if let Some((start, len)) = best.filter(|(s, _)| *s == i) {
            out.push_str(if start == 0 { "::" } else { ":" });
            i += len;
            continue;
        }
        out.push_str(&format!("{:x}", pieces[i]));
        if i < 7 {
            out.push(':');
        }
        i += 1;
    }
    out
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
        if !host.is_ascii() {
            return Err(invalid(
                "the host has non-ASCII characters, which fetch would send in punycode: \
                 write the xn-- form of the name",
            ));
        }
        if !valid_host(host) {
            return Err(invalid(
                "the host is missing or has characters a host name cannot have",
            ));
        }
        check_host_sent_as_written(host)?;
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

    proptest! {
        /// Four decimal numbers without leading zeros are kept as written; any other spelling of
        /// the same address (hex, octal, padded, fewer parts, trailing dot) is refused.
        #[test]
        fn ipv4_hosts_only_in_the_form_fetch_sends(a: u8, b: u8, c: u8, d: u8, form in 0..6usize) {
            let canonical = format!("{a}.{b}.{c}.{d}");
            let u = Url::parse(&format!("https://{canonical}:8443/x")).unwrap();
            prop_assert_eq!(u.authority(), format!("{canonical}:8443"));
            let n = u32::from_be_bytes([a, b, c, d]);
            let other = match form {
                0 => format!("{n}"),
                1 => format!("0x{a:x}.{b}.{c}.{d}"),
                2 => format!("0{a:o}.{b}.{c}.{d}"),
                3 => format!("{a}.{b}.{}", u32::from(c) << 8 | u32::from(d)),
                4 => format!("{canonical}."),
                _ => format!("{a}.{b}.{c}.0{d}"),
            };
            let err = Url::parse(&format!("https://{other}/x")).unwrap_err();
            prop_assert_eq!(err.kind, ErrorKind::InvalidUrl);
            prop_assert!(err.message.contains(&format!("'{other}'")), "{}", err.message);
        }

        /// Any IPv6 address written out in full is accepted only when that is already the form
        /// the WHATWG serializer gives; the serializer's form always round-trips.
        #[test]
        fn ipv6_hosts_only_in_canonical_form(pieces: [u16; 8], zeros in 0u8..=255) {
            // Zero some pieces so that `::` runs appear often.
            let mut p = pieces;
            for (i, v) in p.iter_mut().enumerate() {
                if zeros & (1 << i) != 0 { *v = 0; }
            }
            let canonical = serialize_ipv6(&p);
            prop_assert_eq!(canonical.parse::<std::net::Ipv6Addr>().unwrap().segments(), p);
            let u = Url::parse(&format!("http://[{canonical}]:9/")).unwrap();
            prop_assert_eq!(u.host, format!("[{canonical}]"));
            let full = p.iter().map(|x| format!("{x:04X}")).collect::<Vec<_>>().join(":");
            let r = Url::parse(&format!("http://[{full}]/"));
            if full.eq_ignore_ascii_case(&canonical) {
                prop_assert!(r.is_ok());
            } else {
                let err = r.unwrap_err();
                prop_assert!(err.message.contains(&format!("[{canonical}]")), "{}", err.message);
            }
        }
    }

    #[test]
    fn refuses_hosts_fetch_would_rewrite() {
        // Each host below was checked with Node's WHATWG `new URL(..).host`.
        for (bad, needle) in [
            ("https://1.2.3/", "'1.2.3' ends in a number"),
            ("https://0x7f.0.0.1/", "'0x7f.0.0.1' ends in a number"),
            ("https://0177.0.0.1/", "'0177.0.0.1'"),
            ("https://2130706433/", "'2130706433'"),
            ("https://127.0.0.1./", "'127.0.0.1.'"),
            ("https://1.2.3.0x4/", "'1.2.3.0x4'"),
            ("https://0x/", "'0x'"),
            ("https://0/", "'0'"),
            ("https://1.256.3.4/", "'1.256.3.4'"),
            ("https://foo.1/", "'foo.1'"),
            ("https://1.2.3.4.5/", "'1.2.3.4.5'"),
            ("http://[0:0:0:0:0:0:0:1]:80/", "sent as [::1]"),
            ("http://[::FFFF:1.2.3.4]/", "sent as [::ffff:102:304]"),
            ("http://[2001:0db8::1]/", "sent as [2001:db8::1]"),
            ("http://[1::2:0:0:0:3]/", "sent as [1:0:0:2::3]"),
            ("http://[0:0:1:0:0:1:0:0]/", "sent as [::1:0:0:1:0:0]"),
            ("http://[1:2:3]/", "not a valid IPv6"),
            ("https://caf\u{e9}.example/", "punycode"),
            (
                "https://ex%41mple.com/",
                "characters a host name cannot have",
            ),
        ] {
            let err = Url::parse(bad).unwrap_err();
            assert_eq!(err.kind, ErrorKind::InvalidUrl, "{bad}");
            assert!(err.message.contains(needle), "{bad}: {}", err.message);
        }
        // Hosts fetch sends as written (up to case, which is signed lower-cased as sent).
        for (ok, host) in [
            ("https://1.2.3.4/", "1.2.3.4"),
            ("https://0.0.0.0/", "0.0.0.0"),
            ("https://Example.COM/", "example.com"),
            ("https://example.com./", "example.com."),
            ("https://x.1e/", "x.1e"),
            ("https://0xg.example/", "0xg.example"),
            ("https://a_b-c.example/", "a_b-c.example"),
            ("https://XN--CAF-DMA.com/", "xn--caf-dma.com"),
            ("http://[2001:DB8::1]/", "[2001:db8::1]"),
            ("http://[::ffff:7f00:1]/", "[::ffff:7f00:1]"),
            ("http://[1:0:0:2::3]/", "[1:0:0:2::3]"),
        ] {
            assert_eq!(Url::parse(ok).unwrap().host, host, "{ok}");
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
