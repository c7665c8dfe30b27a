//! `ConnectionString::parse`: never panics; a parsed endpoint re-parses to itself and the
//! connection string rebuilt from the parts parses to the same parts; no error message (nor the
//! `Debug` of a parsed one) contains the input's access key value when it has 8 or more
//! characters (unless the endpoint's own text holds it: a message may quote the endpoint's host).
#![no_main]

use acs_identity::core::connection_string::{ConnectionString, Endpoint};
use acs_identity::core::ErrorKind;
use acs_identity_fuzz::{assert_not_echoed, b64, text};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// Errors (`Display` and `Debug`) for inputs that hold no key worth hiding: fixed text only.
fn fixed_messages() -> &'static [String] {
    static FIXED: OnceLock<Vec<String>> = OnceLock::new();
    FIXED.get_or_init(|| {
        [
            "",
            "accesskey=pw==",
            "endpoint=https://x.com/",
            "endpoint=https://x.com/;accesskey",
            "endpoint=https://x.com/;accesskey=",
            "endpoint=https://x.com/;accesskey=not base64!",
            "endpoint=https://x.com/path;accesskey=pw==",
            "endpoint=x.com;accesskey=pw==",
            "endpoint=ftp://x.com/;accesskey=pw==",
            "endpoint=https://;accesskey=pw==",
            "endpoint=https://u@x.com/;accesskey=pw==",
            "endpoint=https://x y/;accesskey=pw==",
            "endpoint=https://x.com/;endpoint=https://y.com/;accesskey=pw==",
            "endpoint=https://x.com/;accesskey=pw==;accesskey=pw==",
            "endpoint=https://x.com:70000/;accesskey=pw==",
        ]
        .iter()
        .filter_map(|cs| ConnectionString::parse(cs).err())
        .map(|e| format!("{e} {e:?}"))
        .collect()
    })
}

/// The values of the input's `name` pairs (access keys, endpoints), found the way the parser
/// finds them.
fn values_named<'a>(input: &'a str, name: &str) -> Vec<&'a str> {
    input
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
        .map(|(_, value)| value.trim())
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Some(input) = text(data) else { return };
    match ConnectionString::parse(input) {
        Ok(cs) => {
            // The endpoint re-parses to itself, and its text is canonical.
            let again = Endpoint::parse(&cs.endpoint.as_str()).expect("endpoint re-parses");
            assert_eq!(again, cs.endpoint);
            assert_eq!(again.as_str(), cs.endpoint.as_str());
            assert!(cs.endpoint.as_str().ends_with('/'));
            assert_eq!(cs.endpoint.url.path_and_query, "/");
            // Rebuilt from its parts, the connection string parses to the same parts.
            let rebuilt = format!(
                "endpoint={};accesskey={}",
                cs.endpoint.as_str(),
                b64(cs.key.bytes())
            );
            let re = ConnectionString::parse(&rebuilt).expect("rebuilt connection string parses");
            assert_eq!(re.endpoint, cs.endpoint);
            assert_eq!(re.key.bytes(), cs.key.bytes());
            assert!(!cs.key.bytes().is_empty());
            // Debug never shows the key: it is the same whatever the key is.
            let other = format!("endpoint={};accesskey=pw==", cs.endpoint.as_str());
            let other = ConnectionString::parse(&other).expect("same endpoint, other key");
            assert_eq!(
                format!("{cs:?}"),
                format!("{other:?}"),
                "Debug depends on the key"
            );
        }
        Err(e) => {
            assert_eq!(e.kind, ErrorKind::InvalidConnectionString);
            assert!(e
                .message
                .contains("endpoint=https://<ResourceUrl>/;accesskey=<KeyValue>"));
            let shown = format!("{e} {e:?}");
            // A message may quote the endpoint's host (not a secret): a key whose text also
            // stands in an endpoint value proves nothing there.
            let endpoints = values_named(input, "endpoint");
            for key in values_named(input, "accesskey") {
                if key.chars().count() >= 8 && !endpoints.iter().any(|e| e.contains(key)) {
                    assert_not_echoed(&shown, key, fixed_messages(), "the access key");
                }
            }
        }
    }
});
