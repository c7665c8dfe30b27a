//! Dates and request signing (contract §4):
//! * `parse_rfc1123` / `format_rfc1123` round trip for any instant and any text that parses;
//! * `parse_iso8601_ms` never panics, stays in range and round-trips through
//!   `format_iso8601_service` and `format_python_utc`;
//! * `sign_request` with any method, URL, body and time never panics, and what it signs is
//!   checked against an HMAC-SHA256 computed here from the §4 definition.
//!
//! Each input is used twice: as text (lines: method, URL, Unix ms, base64 key, an RFC 1123
//! date, an ISO 8601 date, then the body) and, through `arbitrary`, as a structured request.
#![no_main]

use acs_identity::core::date::{
    format_iso8601_service, format_python_utc, format_rfc1123, parse_iso8601_ms, parse_rfc1123,
    MAX_UNIX_MS, MIN_UNIX_MS,
};
use acs_identity::core::signing::{normalize_method, sign_request, AccessKey};
use acs_identity::core::url::Url;
use acs_identity::core::ErrorKind;
use acs_identity_fuzz::{b64, hmac_b64, sha256_b64, text};
use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;

fn in_range(ms: i64) -> bool {
    (MIN_UNIX_MS..=MAX_UNIX_MS).contains(&ms)
}

fn check_instant(ms: i64) {
    match format_rfc1123(ms) {
        Some(s) => {
            assert!(in_range(ms));
            let whole = ms - ms.rem_euclid(1000);
            assert_eq!(s.len(), 29, "{s}");
            assert_eq!(parse_rfc1123(&s), Some(whole), "{s}");
        }
        None => assert!(!in_range(ms)),
    }
    match format_iso8601_service(ms) {
        Some(s) => assert_eq!(parse_iso8601_ms(&s), Some(ms), "{s}"),
        None => assert!(!in_range(ms)),
    }
    match format_python_utc(ms) {
        Some(s) => assert_eq!(parse_iso8601_ms(&s), Some(ms), "{s}"),
        None => assert!(!in_range(ms)),
    }
}

fn check_rfc1123_text(s: &str) {
    if let Some(ms) = parse_rfc1123(s) {
        assert_eq!(ms.rem_euclid(1000), 0);
        let formatted = format_rfc1123(ms)
            .unwrap_or_else(|| panic!("{s:?} parses to {ms}, which cannot be formatted"));
        assert_eq!(parse_rfc1123(&formatted), Some(ms));
        // The canonical form (weekday, two-digit day, GMT) is written back as it was read.
        let t = s.trim();
        if t.len() == 29 && t.ends_with(" GMT") && t.as_bytes()[3] == b',' {
            assert_eq!(formatted, t);
        }
    }
}

fn check_iso_text(s: &str) {
    if let Some(ms) = parse_iso8601_ms(s) {
        assert!(in_range(ms), "{s:?} parses to {ms}, out of range");
        let formatted = format_iso8601_service(ms).expect("in range");
        assert_eq!(parse_iso8601_ms(&formatted), Some(ms));
    }
}

fn check_signing(key: &AccessKey, method: &str, url: &Url, body: &[u8], now: i64) {
    let result = sign_request(key, method, url, body, now);
    let normalized = normalize_method(method);
    match &result {
        Ok(h) => {
            let method = normalized.expect("a signed method is valid");
            let date = format_rfc1123(now).expect("a signed date is in range");
            assert_eq!(h.date, date);
            assert_eq!(h.content_hash, sha256_b64(body));
            let sts = format!(
                "{method}\n{}\n{date};{};{}",
                url.path_and_query,
                url.authority(),
                h.content_hash
            );
            assert_eq!(h.string_to_sign, sts);
            assert_eq!(
                h.authorization,
                format!(
                    "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={}",
                    hmac_b64(key.bytes(), sts.as_bytes())
                )
            );
        }
        Err(e) => {
            assert_eq!(e.kind, ErrorKind::InvalidArgument);
            match e.target.as_deref() {
                Some("method") => assert!(normalized.is_err()),
                Some("date") => assert!(normalized.is_ok() && !in_range(now)),
                other => panic!("unexpected target {other:?}"),
            }
        }
    }
}

fn text_mode(input: &str) {
    let mut lines = input.splitn(7, '\n');
    let method = lines.next().unwrap_or("");
    let url = lines.next().unwrap_or("");
    let now = lines.next().and_then(|l| l.trim().parse::<i64>().ok());
    let key = lines.next().unwrap_or("");
    let rfc = lines.next().unwrap_or("");
    let iso = lines.next().unwrap_or("");
    let body = lines.next().unwrap_or("");

    check_rfc1123_text(rfc);
    check_iso_text(iso);
    check_rfc1123_text(input);
    check_iso_text(input);
    if let Some(now) = now {
        check_instant(now);
    }
    let key = match AccessKey::from_base64(key) {
        Ok(key) => key,
        Err(_) => AccessKey::from_base64("pw==").expect("the §4 vector key"),
    };
    if let Ok(url) = Url::parse(url) {
        check_signing(&key, method, &url, body.as_bytes(), now.unwrap_or(0));
    }
}

#[derive(Debug, Arbitrary)]
struct Request<'a> {
    key: Vec<u8>,
    method: &'a str,
    https: bool,
    host: &'a str,
    port: Option<u16>,
    path: &'a str,
    body: &'a [u8],
    now: i64,
    near_now: i32,
}

fn structured(r: &Request) {
    check_instant(r.now);
    // Most instants of i64 are out of range: also try one near the §4 vector.
    let near = 1_649_873_352_000 + i64::from(r.near_now) * 1000 + r.now.rem_euclid(1000);
    check_instant(near);
    if r.key.is_empty() {
        return;
    }
    let key = AccessKey::from_base64(&b64(&r.key)).expect("base64 of bytes is a key");
    assert_eq!(key.bytes(), &r.key[..]);
    let scheme = if r.https { "https" } else { "http" };
    let port = r.port.map(|p| format!(":{p}")).unwrap_or_default();
    let candidates = [
        format!("{scheme}://{}{port}/{}", r.host, r.path),
        format!("{scheme}://example.com{port}/{}", r.path),
    ];
    for url in candidates {
        if let Ok(url) = Url::parse(&url) {
            check_signing(&key, r.method, &url, r.body, near);
            check_signing(&key, r.method, &url, r.body, r.now);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if let Some(input) = text(data) {
        text_mode(input);
    }
    if let Ok(r) = Request::arbitrary_take_rest(Unstructured::new(data)) {
        structured(&r);
    }
});
