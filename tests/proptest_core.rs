//! Property tests of the core against oracles written here from the wire contract
//! (`/work/shared/acs-identity-api.md`): §4 signing (HMAC-SHA256 recomputed with `hmac` / `sha2`,
//! plus the public vectors), the base64 each input accepts (access keys, ACS token parts, app
//! token parts, against an RFC 4648 decoder written here), §5 connection strings, §7 raw ids and
//! the RFC 1123 / ISO 8601 dates.
//! Properties already covered inside `src/core/*` (raw-id round trips, JSON round trips) are not
//! repeated here.
#![cfg(not(target_arch = "wasm32"))]

use acs_identity::core::access_token::{decode_base64url, split_jwt, Parsed};
use acs_identity::core::connection_string::ConnectionString;
use acs_identity::core::date::{
    format_iso8601_service, format_python_utc, format_rfc1123, parse_iso8601_ms, parse_rfc1123,
    MAX_UNIX_MS, MIN_UNIX_MS,
};
use acs_identity::core::endpoint::{
    verify_token, Binding, Config, HandlerOptions, JsonReader, KvBinding,
};
use acs_identity::core::error::ErrorKind;
use acs_identity::core::identifiers::{
    parse_raw_id, validate_communication_user_id, Cloud, Identifier,
};
use acs_identity::core::signing::{sign_request, AccessKey};
use acs_identity::core::url::Url;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

/// A JWT part's JSON, read as the package reads it (there `JSON.parse`, here serde_json).
fn parse_json(text: &str) -> Parsed<serde_json::Value> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Err(_) => Parsed::NotJson,
        Ok(v) if v.is_object() => Parsed::Object(v),
        Ok(_) => Parsed::NotObject,
    }
}

// ---- oracles ---------------------------------------------------------------------------------

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn month_days(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 0001-01-01 to `y-m-d` (proleptic Gregorian), by counting: independent of the
/// crate's era arithmetic.
fn ordinal_day(y: i64, m: u32, d: u32) -> i64 {
    let py = y - 1;
    let before_year = 365 * py + py / 4 - py / 100 + py / 400;
    let before_month: i64 = (1..m).map(|mm| i64::from(month_days(y, mm))).sum();
    before_year + before_month + i64::from(d) - 1
}

/// 1970-01-01 counted from 0001-01-01.
const EPOCH_ORDINAL: i64 = 719_162;

/// A UTC civil time, the oracle's own model of an instant.
#[derive(Debug, Clone, Copy)]
struct Civil {
    y: i64,
    mo: u32,
    d: u32,
    h: u32,
    mi: u32,
    s: u32,
    ms: u32,
}

impl Civil {
    fn unix_ms(&self) -> i64 {
        let days = ordinal_day(self.y, self.mo, self.d) - EPOCH_ORDINAL;
        let secs = days * 86_400 + i64::from(self.h * 3600 + self.mi * 60 + self.s);
        secs * 1000 + i64::from(self.ms)
    }

    /// 0001-01-01 was a Monday.
    fn weekday(&self) -> &'static str {
        WEEKDAYS[ordinal_day(self.y, self.mo, self.d).rem_euclid(7) as usize]
    }

    fn rfc1123(&self) -> String {
        format!(
            "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
            self.weekday(),
            self.d,
            MONTHS[self.mo as usize - 1],
            self.y,
            self.h,
            self.mi,
            self.s
        )
    }
}

fn arb_civil() -> impl Strategy<Value = Civil> {
    (
        1i64..=9999,
        1u32..=12,
        1u32..=31,
        0u32..24,
        0u32..60,
        0u32..60,
        0u32..1000,
    )
        .prop_map(|(y, mo, d, h, mi, s, ms)| Civil {
            y,
            mo,
            d: d.min(month_days(y, mo)),
            h,
            mi,
            s,
            ms,
        })
}

/// The §4 signature, computed from the contract's definition with `hmac` and `sha2` directly.
fn oracle_authorization(
    key: &[u8],
    method: &str,
    path_and_query: &str,
    date: &str,
    host: &str,
    body: &[u8],
) -> (String, String) {
    let hash = STANDARD.encode(Sha256::digest(body));
    let string_to_sign = format!("{method}\n{path_and_query}\n{date};{host};{hash}");
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(string_to_sign.as_bytes());
    let signature = STANDARD.encode(mac.finalize().into_bytes());
    (
        hash,
        format!(
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}"
        ),
    )
}

// ---- §4 signing ------------------------------------------------------------------------------

const VECTOR_MS: i64 = 1_649_873_352_000;

#[test]
fn public_vectors_match_the_oracle_and_the_signer() {
    let pw = STANDARD.decode("pw==").unwrap();
    // sha256 of "banana", HMAC of "banana" with key pw==.
    assert_eq!(
        STANDARD.encode(Sha256::digest(b"banana")),
        "tJPUg2Sv5E0RwBZc9HCkFk0eJgmRHvmYvoaNRq3j3k4="
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(&pw).unwrap();
    mac.update(b"banana");
    assert_eq!(
        STANDARD.encode(mac.finalize().into_bytes()),
        "88EC05aAS9iXnaimtNO78JLjiPtfWryQB/5QYEzEsu8="
    );
    // (The signer's own hash and HMAC vectors are unit tests in src/core/signing.rs.)
    // The authorization vector.
    let expected = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=DGdgwggJWnQyc6EHjR/Vbqg1ES64KpD6U2XwTDDj3tU=";
    let (hash, auth) = oracle_authorization(
        &pw,
        "GET",
        "/testPath?testQuery=test",
        "Wed, 13 Apr 2022 18:09:12 GMT",
        "example.com",
        b"",
    );
    assert_eq!(hash, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    assert_eq!(auth, expected);
    let url = Url::parse("https://example.com/testPath?testQuery=test").unwrap();
    let key = AccessKey::from_base64("pw==").unwrap();
    let signed = sign_request(&key, "GET", &url, b"", VECTOR_MS).unwrap();
    assert_eq!(signed.authorization, expected);
    assert_eq!(signed.date, "Wed, 13 Apr 2022 18:09:12 GMT");
}

fn arb_method() -> impl Strategy<Value = (String, String)> {
    // (what the caller passes, what is signed)
    prop_oneof![
        prop::sample::select(vec!["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS"])
            .prop_flat_map(|m| {
                prop::collection::vec(any::<bool>(), m.len()).prop_map(move |upper| {
                    let given: String = m
                        .chars()
                        .zip(upper)
                        .map(|(c, u)| if u { c } else { c.to_ascii_lowercase() })
                        .collect();
                    (given, m.to_string())
                })
            }),
        // Other tokens are signed as given (fetch does not upper-case them).
        "(PATCH|patch|Purge|MKCOL|x-custom)".prop_map(|m| (m.clone(), m)),
    ]
}

/// Whether the WHATWG URL parser reads `host` as an IPv4 address (its last label is a number),
/// which the URL model accepts only as four decimal numbers.
fn ends_in_number(host: &str) -> bool {
    let last = host.rsplit('.').next().unwrap_or("");
    last.bytes().all(|b| b.is_ascii_digit())
        || last.to_ascii_lowercase().starts_with("0x")
            && last[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

fn arb_host() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9]([a-zA-Z0-9-]{0,20}[a-zA-Z0-9])?(\\.[a-zA-Z0-9-]{1,12}){0,3}"
            .prop_filter("a name, not a number", |h| !ends_in_number(h)),
        Just("127.0.0.1".to_string()),
        Just("[::1]".to_string()),
    ]
}

fn arb_path_and_query() -> impl Strategy<Value = String> {
    (
        prop::collection::vec("([A-Za-z0-9._~:-]|%[0-9A-F]{2}){0,12}", 0..4),
        prop::option::of("[A-Za-z0-9=&%._-]{0,30}"),
    )
        .prop_map(|(segments, query)| {
            // `.` and `..` segments (also as %2E) are refused by `Url::parse`: fetch would
            // resolve them before sending, so they could not be signed as written.
            let segments: Vec<String> = segments
                .into_iter()
                .map(|seg| {
                    let plain = seg.to_ascii_lowercase().replace("%2e", ".");
                    if plain == "." || plain == ".." {
                        format!("x{seg}")
                    } else {
                        seg
                    }
                })
                .collect();
            let mut p = format!("/{}", segments.join("/"));
            if let Some(q) = query {
                p.push('?');
                p.push_str(&q);
            }
            p
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any request signs exactly as the §4 definition, recomputed independently.
    #[test]
    fn signing_matches_the_independent_verifier(
        key in prop::collection::vec(any::<u8>(), 1..80),
        (method, signed_method) in arb_method(),
        https in any::<bool>(),
        host in arb_host(),
        port in prop::option::of(1u16..=65535),
        path_and_query in arb_path_and_query(),
        body in prop::collection::vec(any::<u8>(), 0..200),
        civil in arb_civil(),
    ) {
        let scheme = if https { "https" } else { "http" };
        let port_text = port.map(|p| format!(":{p}")).unwrap_or_default();
        let url = Url::parse(&format!("{scheme}://{host}{port_text}{path_and_query}")).unwrap();
        let default_port = if https { 443 } else { 80 };
        let signed_host = match port {
            Some(p) if p != default_port => format!("{}:{p}", host.to_ascii_lowercase()),
            _ => host.to_ascii_lowercase(),
        };
        let access_key = AccessKey::from_base64(&STANDARD.encode(&key)).unwrap();
        let now = civil.unix_ms();
        let date = civil.rfc1123();
        let signed = sign_request(&access_key, &method, &url, &body, now).unwrap();
        let (hash, authorization) =
            oracle_authorization(&key, &signed_method, &path_and_query, &date, &signed_host, &body);
        prop_assert_eq!(&signed.date, &date);
        prop_assert_eq!(&signed.content_hash, &hash);
        prop_assert_eq!(
            &signed.string_to_sign,
            &format!("{signed_method}\n{path_and_query}\n{date};{signed_host};{hash}")
        );
        prop_assert_eq!(&signed.authorization, &authorization);
    }

    /// A key given without its `=` padding is the same key.
    #[test]
    fn key_padding_is_optional(key in prop::collection::vec(any::<u8>(), 1..80)) {
        let padded = AccessKey::from_base64(&STANDARD.encode(&key)).unwrap();
        let bare = AccessKey::from_base64(&STANDARD_NO_PAD.encode(&key)).unwrap();
        prop_assert_eq!(padded.bytes(), &key[..]);
        prop_assert_eq!(bare.bytes(), &key[..]);
    }
}

// ---- base64 (RFC 4648) at the inputs ---------------------------------------------------------

const STD_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// RFC 4648 decoding, bit by bit: `url` picks the §5 alphabet (else §4), `padding` accepts `=`
/// after the last symbols (canonical or shorter), `loose_bits` accepts non-zero bits after the
/// last whole byte (as `atob` does). `None` when the text is refused.
fn rfc4648_decode(text: &str, url: bool, padding: bool, loose_bits: bool) -> Option<Vec<u8>> {
    let alphabet = if url { URL_ALPHABET } else { STD_ALPHABET };
    let symbols = text.trim_end_matches('=');
    let pad = text.len() - symbols.len();
    let rem = symbols.len() % 4;
    if rem == 1 || (pad > 0 && (!padding || rem == 0 || rem + pad > 4)) {
        return None;
    }
    let (mut acc, mut bits, mut out) = (0u32, 0u32, Vec::new());
    for b in symbols.bytes() {
        let v = alphabet.iter().position(|&a| a == b)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    (loose_bits || acc == 0).then_some(out)
}

/// The access key rule (§5): surrounding whitespace ignored, standard alphabet, `=` padding absent
/// or canonical, canonical last symbol, at least one byte.
fn key_model(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    let padded = text.ends_with('=');
    if padded && text.len() % 4 != 0 {
        return None;
    }
    rfc4648_decode(text, false, true, false).filter(|b| !b.is_empty())
}

/// Text near base64: symbols of both alphabets, padding, whitespace and a few characters of
/// neither (no `.`, so that the text stays one part of a JWT).
fn near_base64() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            8 => prop::sample::select(STD_ALPHABET.to_vec()).prop_map(char::from),
            2 => prop::sample::select(vec!['-', '_', '=']),
            1 => prop::sample::select(vec![' ', '\n', '!', '~', 'é']),
        ],
        0..14,
    )
    .prop_map(|c| c.into_iter().collect())
}

/// A valid standard encoding of `bytes`, maybe with a non-canonical last symbol (`flip`), in the
/// URL alphabet (`url`), with 0 to 2 `=` appended.
fn encoding_variant(bytes: &[u8], flip: bool, url: bool, pad: usize) -> String {
    let mut text = STANDARD_NO_PAD.encode(bytes);
    if flip && text.len() % 4 != 0 {
        let last = text.pop().unwrap() as u8;
        let i = STD_ALPHABET.iter().position(|&c| c == last).unwrap();
        text.push(char::from(STD_ALPHABET[(i + 1) % 64]));
    }
    if url {
        text = text.replace('+', "-").replace('/', "_");
    }
    text + &"=".repeat(pad)
}

/// A syntactically valid ACS token whose part `part` (0, 1, 2) is `text`.
fn acs_token_with(part: usize, text: &str) -> String {
    let mut parts = [
        URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(br#"{"skypeid":"acs:1","exp":1750000000}"#),
        URL_SAFE_NO_PAD.encode([7u8; 32]),
    ];
    parts[part] = text.to_string();
    parts.join(".")
}

/// The endpoint's JSON reader in native tests (the package's is `JSON.parse` + serde-wasm-bindgen).
struct SerdeJson;

impl JsonReader for SerdeJson {
    type Value = serde_json::Value;
    fn parse(&self, text: &str) -> Option<serde_json::Value> {
        serde_json::from_str(text).ok()
    }
    fn read<T: serde::de::DeserializeOwned>(&self, value: &serde_json::Value) -> Option<T> {
        T::deserialize(value).ok()
    }
}

/// An endpoint configuration that verifies HS256 app tokens.
fn hs256_config() -> Config {
    let lookup = |name: &str| match name {
        "ACS_CONNECTION_STRING" => {
            Binding::Text("endpoint=https://acs.example.com/;accesskey=c2VjcmV0LWtleQ==".into())
        }
        "AUTH_JWT_SECRET" => Binding::Text("0123456789abcdef0123456789abcdef-hs256".into()),
        _ => Binding::Missing,
    };
    Config::from_bindings(&lookup, KvBinding::Missing, &HandlerOptions::default()).unwrap()
}

/// Whether the endpoint refuses an app token whose part `part` is `text` as not canonical
/// base64url (it may still refuse it for another reason, e.g. its signature).
fn app_token_refused_as_base64(config: &Config, part: usize, text: &str) -> bool {
    let mut parts = [
        URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(br#"{"sub":"user-1","exp":1750000000}"#),
        URL_SAFE_NO_PAD.encode([7u8; 32]),
    ];
    parts[part] = text.to_string();
    let name = ["header", "payload", "signature"][part];
    match verify_token(config, &parts.join("."), &SerdeJson) {
        Ok(_) => false,
        Err(r) => {
            let refused = r.message.contains("not canonical base64url");
            assert!(!refused || r.message.contains(name), "{}", r.message);
            assert!(!refused || r.code == "InvalidToken", "{}", r.code);
            refused
        }
    }
}

/// What each input makes of `text`: the key is accepted with the model's bytes or refused as not
/// base64; an ACS token's signature part decodes to the lenient model's bytes, its header is
/// refused as base64url exactly when that model refuses it; an app token's parts are refused as
/// base64url exactly when the strict model (no padding, canonical last symbol) refuses them.
fn check_inputs(text: &str, config: &Config) -> Result<(), TestCaseError> {
    match (AccessKey::from_base64(text), key_model(text)) {
        (Ok(key), Some(bytes)) => prop_assert_eq!(key.bytes(), &bytes[..]),
        (Err(e), None) => prop_assert_eq!(e.kind, ErrorKind::InvalidAccessKey),
        (got, want) => prop_assert!(false, "key {:?}: {:?} vs model {:?}", text, got, want),
    }

    let lenient = rfc4648_decode(text, true, true, true);
    prop_assert_eq!(decode_base64url(text), lenient.clone(), "{:?}", text);
    match split_jwt(&acs_token_with(2, text), parse_json) {
        Ok(parts) => prop_assert_eq!(Some(parts.signature), lenient.clone(), "{:?}", text),
        Err(e) => {
            prop_assert!(lenient.is_none(), "{:?}: {}", text, e.message);
            prop_assert!(e.message.contains("signature is not valid base64url"));
        }
    }
    let refused = split_jwt(&acs_token_with(0, text), parse_json)
        .err()
        .is_some_and(|e| e.message.contains("header is not valid base64url"));
    prop_assert_eq!(refused, lenient.is_none(), "{:?}", text);

    let strict = rfc4648_decode(text, true, false, false);
    for part in 0..3 {
        prop_assert_eq!(
            app_token_refused_as_base64(config, part, text),
            strict.is_none(),
            "part {} {:?}",
            part,
            text
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn inputs_read_base64_as_rfc4648(text in near_base64()) {
        check_inputs(&text, &hs256_config())?;
    }

    #[test]
    fn inputs_read_encodings_as_rfc4648(
        bytes in prop::collection::vec(any::<u8>(), 0..40),
        flip in any::<bool>(),
        url in any::<bool>(),
        pad in 0usize..3,
        space in any::<bool>(),
    ) {
        let text = encoding_variant(&bytes, flip, url, pad);
        let text = if space { format!(" {text}\n") } else { text };
        let config = hs256_config();
        check_inputs(&text, &config)?;
        // A valid encoding of the key is always its key.
        if !flip && !url && !bytes.is_empty() && pad == (3 - bytes.len() % 3) % 3 {
            let key = AccessKey::from_base64(&text).unwrap();
            prop_assert_eq!(key.bytes(), &bytes[..]);
        }
    }
}

#[test]
fn base64_vectors() {
    // RFC 4648 §10, padded and not, in each input.
    let config = hs256_config();
    for (plain, encoded) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ] {
        let unpadded = encoded.trim_end_matches('=');
        for text in [encoded, unpadded] {
            assert_eq!(decode_base64url(text).as_deref(), Some(plain.as_bytes()));
            let parts = split_jwt(&acs_token_with(2, text), parse_json).unwrap();
            assert_eq!(parts.signature, plain.as_bytes());
            if !plain.is_empty() {
                assert_eq!(
                    AccessKey::from_base64(text).unwrap().bytes(),
                    plain.as_bytes()
                );
            }
        }
        for part in 0..3 {
            assert_eq!(
                app_token_refused_as_base64(&config, part, encoded),
                encoded != unpadded
            );
            assert!(!app_token_refused_as_base64(&config, part, unpadded));
        }
    }
    // The alphabets: `+/` for keys, `-_` for tokens.
    assert_eq!(
        AccessKey::from_base64("+/8=").unwrap().bytes(),
        &[0xfb, 0xff]
    );
    assert_eq!(decode_base64url("-_8").as_deref(), Some(&[0xfb, 0xff][..]));
    assert!(AccessKey::from_base64("-_8=").is_err());
    assert_eq!(decode_base64url("+/8"), None);
    assert!(app_token_refused_as_base64(&config, 2, "+/8"));
    // ACS tokens are read like `atob`: shorter padding and non-zero trailing bits pass.
    assert_eq!(decode_base64url("Zg=").as_deref(), Some(&b"f"[..]));
    assert_eq!(decode_base64url("Zh").as_deref(), Some(&b"f"[..]));
    for bad in ["Z", "Z===", "Zg===", "Zm9v=", "=", "Zg=A", "Zm9v Yg", " Zg"] {
        assert_eq!(decode_base64url(bad), None, "{bad}");
        assert!(
            split_jwt(&acs_token_with(0, bad), parse_json).is_err(),
            "{bad}"
        );
    }
    // App tokens are not: no padding, no stray bits.
    for bad in ["Zg=", "Zg==", "Zh", "Zm9vYh", "Z"] {
        for part in 0..3 {
            assert!(
                app_token_refused_as_base64(&config, part, bad),
                "{part} {bad}"
            );
        }
    }
}

// ---- §5 connection strings -------------------------------------------------------------------

/// `name` with each letter's case flipped where `flips` says so.
fn recase(name: &str, flips: &[bool]) -> String {
    name.chars()
        .zip(flips.iter().cycle())
        .map(|(c, &f)| if f { c.to_ascii_uppercase() } else { c })
        .collect()
}

fn arb_ws() -> impl Strategy<Value = String> {
    "[ \t]{0,3}"
}

fn arb_unknown_pair() -> impl Strategy<Value = String> {
    ("[a-zA-Z][a-zA-Z0-9_-]{0,10}", "[^;]{0,20}")
        .prop_filter("not a known name", |(name, _)| {
            let n = name.to_ascii_lowercase();
            n != "endpoint" && n != "accesskey"
        })
        .prop_map(|(name, value)| format!("{name}={value}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Key casing, order, whitespace, padding, empty pairs and unknown pairs do not change what
    /// a connection string means.
    #[test]
    fn connection_string_spellings_parse_alike(
        https in any::<bool>(),
        host in "[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\\.[a-z0-9-]{1,12}){0,3}"
            .prop_filter("a name, not a number", |h| !ends_in_number(h)),
        host_upper in prop::collection::vec(any::<bool>(), 1..8),
        port in prop::option::of(1u16..=65535),
        trailing_slash in any::<bool>(),
        key in prop::collection::vec(any::<u8>(), 1..80),
        drop_padding in any::<bool>(),
        name_flips in prop::collection::vec(any::<bool>(), 1..10),
        key_first in any::<bool>(),
        ws in prop::collection::vec(arb_ws(), 8),
        extras in prop::collection::vec(arb_unknown_pair(), 0..3),
        extra_at in 0usize..3,
        empty_pairs in 0usize..3,
    ) {
        let scheme = if https { "https" } else { "http" };
        let port_text = port.map(|p| format!(":{p}")).unwrap_or_default();
        let endpoint = format!(
            "{scheme}://{}{port_text}{}",
            recase(&host, &host_upper),
            if trailing_slash { "/" } else { "" }
        );
        let key_text = if drop_padding {
            STANDARD_NO_PAD.encode(&key)
        } else {
            STANDARD.encode(&key)
        };
        let endpoint_pair = format!(
            "{}{}{}={}{}{}",
            ws[0], recase("endpoint", &name_flips), ws[1], ws[2], endpoint, ws[3]
        );
        let key_pair = format!(
            "{}{}{}={}{}{}",
            ws[4], recase("accesskey", &name_flips[1..].iter().chain(&name_flips[..1]).copied().collect::<Vec<_>>()),
            ws[5], ws[6], key_text, ws[7]
        );
        let mut pairs = if key_first {
            vec![key_pair, endpoint_pair]
        } else {
            vec![endpoint_pair, key_pair]
        };
        for (i, extra) in extras.into_iter().enumerate() {
            pairs.insert((extra_at + i).min(pairs.len()), extra);
        }
        for _ in 0..empty_pairs {
            pairs.push(String::from(" "));
        }
        let cs = pairs.join(";");

        let parsed = ConnectionString::parse(&cs);
        prop_assert!(parsed.is_ok(), "{:?}: {:?}", cs, parsed.err());
        let parsed = parsed.unwrap();
        let default_port = if https { 443 } else { 80 };
        let canonical = match port {
            Some(p) if p != default_port => format!("{scheme}://{host}:{p}/"),
            _ => format!("{scheme}://{host}/"),
        };
        prop_assert_eq!(parsed.endpoint.as_str(), canonical);
        prop_assert_eq!(parsed.key.bytes(), &key[..]);
        // The plain spelling means the same.
        let plain = ConnectionString::parse(&format!("endpoint={endpoint};accesskey={key_text}")).unwrap();
        prop_assert_eq!(&plain.endpoint, &parsed.endpoint);
        prop_assert_eq!(plain.key.bytes(), parsed.key.bytes());
        // And the parsed form never shows the key.
        if key_text.len() >= 8 {
            let debug = format!("{:?}", parsed);
            prop_assert!(!debug.contains(&key_text));
        }
    }
}

// ---- §7 raw ids ------------------------------------------------------------------------------

/// The §7 table as a reference model: the kind of a raw id.
fn model_kind(raw: &str) -> &'static str {
    if raw.starts_with("4:") {
        return "PhoneNumber";
    }
    let segments: Vec<&str> = raw.split(':').collect();
    if segments.len() != 3 {
        return "Unknown";
    }
    match (segments[0], segments[1]) {
        ("8", "acs" | "dod-acs" | "gcch-acs") => {
            if segments[2].split('_').count() == 3 {
                "TeamsExtensionUser"
            } else {
                "CommunicationUser"
            }
        }
        ("8", "spool") => "CommunicationUser",
        ("8", "orgid" | "dod" | "gcch" | "teamsvisitor") => "MicrosoftTeamsUser",
        ("28", "orgid" | "dod" | "gcch") => "MicrosoftTeamsApp",
        _ => "Unknown",
    }
}

fn model_cloud(scheme: &str) -> Cloud {
    match scheme {
        s if s.starts_with("dod") => Cloud::Dod,
        s if s.starts_with("gcch") => Cloud::Gcch,
        _ => Cloud::Public,
    }
}

fn arb_raw_id() -> impl Strategy<Value = String> {
    let kind = prop::sample::select(vec!["8", "28", "4", "9", "", "08"]);
    let scheme = prop::sample::select(vec![
        "acs",
        "dod-acs",
        "gcch-acs",
        "spool",
        "orgid",
        "dod",
        "gcch",
        "teamsvisitor",
        "ACS",
        "Orgid",
        "",
        "x",
    ]);
    // Suffixes with `_` parts (0 to 4 of them), sometimes a `:`, sometimes any text.
    let suffix = prop_oneof![
        prop::collection::vec("[A-Za-z0-9-]{0,8}", 1..5).prop_map(|p| p.join("_")),
        "[A-Za-z0-9_:+ ]{0,12}",
        "\\PC{0,8}",
    ];
    (kind, scheme, suffix).prop_map(|(k, s, x)| format!("{k}:{s}:{x}"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Parsing agrees with the §7 table on the kind, the cloud and the parts, and every raw id
    /// is rebuilt exactly (also for ids with `_`-parts, `:` in the suffix and wrong-case
    /// prefixes, which the module's own round trips do not generate).
    #[test]
    fn raw_ids_follow_the_contract_table(raw in arb_raw_id()) {
        let id = parse_raw_id(&raw);
        prop_assert_eq!(id.kind_name(), model_kind(&raw), "{:?}", raw);
        prop_assert_eq!(id.raw_id(), raw.clone());
        let segments: Vec<&str> = raw.splitn(3, ':').collect();
        match &id {
            Identifier::PhoneNumber { phone_number } => prop_assert_eq!(phone_number, &raw[2..]),
            Identifier::TeamsExtensionUser { user_id, tenant_id, resource_id, cloud, raw_id } => {
                let parts: Vec<&str> = segments[2].split('_').collect();
                prop_assert_eq!(
                    (resource_id.as_str(), tenant_id.as_str(), user_id.as_str()),
                    (parts[0], parts[1], parts[2])
                );
                prop_assert_eq!(*cloud, model_cloud(segments[1]));
                prop_assert_eq!(raw_id, &None);
            }
            Identifier::MicrosoftTeamsUser { user_id, is_anonymous, cloud } => {
                prop_assert_eq!(user_id, segments[2]);
                prop_assert_eq!(*is_anonymous, segments[1] == "teamsvisitor");
                prop_assert_eq!(*cloud, model_cloud(segments[1]));
            }
            Identifier::MicrosoftTeamsApp { app_id, cloud } => {
                prop_assert_eq!(app_id, segments[2]);
                prop_assert_eq!(*cloud, model_cloud(segments[1]));
            }
            Identifier::CommunicationUser { id } | Identifier::Unknown { id } => {
                prop_assert_eq!(id, &raw);
            }
        }
        // Only communication users with something after the prefix pass validation.
        let valid = validate_communication_user_id(&raw).is_ok();
        prop_assert_eq!(
            valid,
            model_kind(&raw) == "CommunicationUser" && !raw.ends_with(':') && raw.trim() == raw
        );
    }

    /// A Teams extension user given with an explicit `raw_id` formats as that raw id, and one
    /// without formats so that parsing gives it back (parts without `_` or `:`).
    #[test]
    fn teams_extension_users_format_and_parse(
        parts in prop::collection::vec("[A-Za-z0-9-]{1,10}", 3),
        cloud in prop::sample::select(vec![Cloud::Public, Cloud::Dod, Cloud::Gcch]),
        explicit in prop::option::of("8:acs:[a-z0-9_]{1,20}"),
    ) {
        let id = Identifier::TeamsExtensionUser {
            user_id: parts[2].clone(),
            tenant_id: parts[1].clone(),
            resource_id: parts[0].clone(),
            cloud,
            raw_id: explicit.clone(),
        };
        match explicit {
            Some(raw) => prop_assert_eq!(id.raw_id(), raw),
            None => prop_assert_eq!(parse_raw_id(&id.raw_id()), id),
        }
    }
}

// ---- dates -----------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// RFC 1123: any instant of years 1..=9999 formats as the oracle writes it and parses back
    /// to its whole second; the one-digit day, `UTC` and no weekday are read too.
    #[test]
    fn rfc1123_format_and_parse(civil in arb_civil()) {
        let ms = civil.unix_ms();
        let whole = ms - i64::from(civil.ms);
        let text = civil.rfc1123();
        prop_assert_eq!(format_rfc1123(ms), Some(text.clone()));
        prop_assert_eq!(parse_rfc1123(&text), Some(whole));
        let short = format!(
            "{} {} {:04} {:02}:{:02}:{:02} UTC",
            civil.d, MONTHS[civil.mo as usize - 1], civil.y, civil.h, civil.mi, civil.s
        );
        prop_assert_eq!(parse_rfc1123(&short), Some(whole));
        // A wrong weekday is refused.
        let wrong = WEEKDAYS[(WEEKDAYS.iter().position(|w| *w == civil.weekday()).unwrap() + 1) % 7];
        prop_assert_eq!(parse_rfc1123(&format!("{wrong}, {}", &text[5..])), None);
    }

    /// Whatever date text parses is an instant of years 1..=9999 (year 0000 is refused).
    #[test]
    fn parsed_dates_are_in_range(civil in arb_civil(), year_zero in any::<bool>()) {
        let text = if year_zero {
            format!("{:02} {} 0000 00:00:00 GMT", civil.d, MONTHS[civil.mo as usize - 1])
        } else {
            civil.rfc1123()
        };
        match parse_rfc1123(&text) {
            Some(ms) => prop_assert!((MIN_UNIX_MS..=MAX_UNIX_MS).contains(&ms)),
            None => prop_assert!(year_zero, "{}", text),
        }
        prop_assert_eq!(
            parse_iso8601_ms(&format!("0000-{:02}-{:02}T00:00:00Z", civil.mo, civil.d.min(28))),
            None
        );
    }

    /// Any Unix millisecond in range round-trips through every writer.
    #[test]
    fn any_instant_round_trips(ms in MIN_UNIX_MS..=MAX_UNIX_MS) {
        let rfc = format_rfc1123(ms).unwrap();
        prop_assert_eq!(parse_rfc1123(&rfc), Some(ms - ms.rem_euclid(1000)));
        let iso = format_iso8601_service(ms).unwrap();
        prop_assert_eq!(parse_iso8601_ms(&iso), Some(ms));
        let python = format_python_utc(ms).unwrap();
        prop_assert_eq!(parse_iso8601_ms(&python), Some(ms));
    }

    /// ISO 8601 with any fraction length and any offset means the oracle's instant (out of
    /// range after the offset: refused).
    #[test]
    fn iso8601_parse_matches_the_oracle(
        civil in arb_civil(),
        extra_digits in "[0-9]{0,6}",
        fraction in any::<bool>(),
        offset in prop::option::of((any::<bool>(), 0i64..24, 0i64..60)),
        separator in prop::sample::select(vec!['T', 't', ' ']),
    ) {
        let mut text = format!(
            "{:04}-{:02}-{:02}{separator}{:02}:{:02}:{:02}",
            civil.y, civil.mo, civil.d, civil.h, civil.mi, civil.s
        );
        let ms_part = if fraction {
            text.push_str(&format!(".{:03}{extra_digits}", civil.ms));
            i64::from(civil.ms)
        } else {
            0
        };
        let offset_min = match offset {
            None => {
                text.push('Z');
                0
            }
            Some((negative, h, m)) => {
                text.push_str(&format!("{}{h:02}:{m:02}", if negative { '-' } else { '+' }));
                if negative { -(h * 60 + m) } else { h * 60 + m }
            }
        };
        let expected = civil.unix_ms() - i64::from(civil.ms) + ms_part - offset_min * 60_000;
        let expected = (MIN_UNIX_MS..=MAX_UNIX_MS).contains(&expected).then_some(expected);
        prop_assert_eq!(parse_iso8601_ms(&text), expected, "{}", text);
    }
}
