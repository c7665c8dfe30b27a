//! `Url::parse`: never panics; a parsed URL keeps the model's invariants (lower-case http(s)
//! scheme and host, no default port, a path-and-query that starts with `/` and has no fragment),
//! `authority()` is `host[:port]`, and `origin() + path_and_query` parses back to the same `Url`.
//! `Endpoint::parse` accepts exactly the URLs whose path-and-query is `/`.
#![no_main]

use acs_identity::core::connection_string::Endpoint;
use acs_identity::core::url::Url;
use acs_identity::core::ErrorKind;
use acs_identity_fuzz::text;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(input) = text(data) else { return };
    let parsed = Url::parse(input);
    match &parsed {
        Ok(u) => {
            assert!(u.scheme == "http" || u.scheme == "https", "{u:?}");
            assert!(!u.host.is_empty());
            assert_eq!(u.host, u.host.to_ascii_lowercase());
            let default_port = if u.scheme == "https" { 443 } else { 80 };
            assert_ne!(u.port, Some(default_port));
            assert_ne!(u.port, Some(0));
            assert!(u.path_and_query.starts_with('/'), "{u:?}");
            assert!(!u.path_and_query.contains('#'));
            assert!(!u.path_and_query.bytes().any(|b| b <= b' ' || b == 0x7f));
            assert!(!u.host.contains('@'));

            let authority = u.authority();
            match u.port {
                Some(p) => assert_eq!(authority, format!("{}:{p}", u.host)),
                None => assert_eq!(authority, u.host),
            }
            assert_eq!(u.origin(), format!("{}://{authority}", u.scheme));
            assert!(u.path_and_query.starts_with(u.path()));
            assert!(!u.path().contains('?'));
            let _ = u.is_loopback();

            // Re-parsing what would be sent gives the same URL.
            let again = Url::parse(&format!("{}{}", u.origin(), u.path_and_query))
                .expect("origin + path_and_query re-parses");
            assert_eq!(&again, u);
            // With the default port spelled out, too.
            let explicit = format!(
                "{}://{}:{}{}",
                u.scheme,
                u.host,
                u.port.unwrap_or(default_port),
                u.path_and_query
            );
            assert_eq!(Url::parse(&explicit).as_ref(), Ok(u));
        }
        Err(e) => {
            assert_eq!(e.kind, ErrorKind::InvalidUrl);
            assert!(e.message.starts_with("invalid URL: "));
        }
    }

    // An endpoint is a URL without path or query (its input is trimmed first).
    let trimmed = Url::parse(input.trim());
    match Endpoint::parse(input) {
        Ok(ep) => {
            let u = trimmed.expect("an endpoint is a URL");
            assert_eq!(u.path_and_query, "/");
            assert_eq!(ep.url, u);
            assert_eq!(ep.as_str(), format!("{}/", u.origin()));
            assert_eq!(Endpoint::parse(&ep.as_str()), Ok(ep));
        }
        Err(_) => assert!(trimmed.map_or(true, |u| u.path_and_query != "/")),
    }
});
