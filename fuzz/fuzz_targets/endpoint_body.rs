//! The edge token endpoint's request body (`endpoint::parse_body`) and `Content-Length` check,
//! under three configurations: never panics; an accepted body asks for allowed, distinct scopes
//! and 60..=TOKEN_EXPIRES_IN_MINUTES minutes (the defaults for an empty body); a refused one is 400, 403 or 413
//! (413 exactly when the body is over 8 KiB); a JSON body without repeated names answers as its
//! compact form does. The body is read as in the package, JSON text → the core's typed values,
//! here with serde_json (the package: `JSON.parse` + serde-wasm-bindgen).
#![no_main]

use acs_identity::core::endpoint::{
    check_content_length, count_text_members, parse_body, Config, KvBinding, MemberCount,
    MAX_BODY_BYTES,
};
use acs_identity_fuzz::{endpoint_config, SerdeJson, ENDPOINT_CS, ENDPOINT_SECRET};
use libfuzzer_sys::fuzz_target;
use serde::de::Deserialize;
use std::sync::OnceLock;

const CS: &str = ENDPOINT_CS;
const SECRET: &str = ENDPOINT_SECRET;

fn configs() -> &'static [Config] {
    static CONFIGS: OnceLock<Vec<Config>> = OnceLock::new();
    CONFIGS.get_or_init(|| {
        let make = endpoint_config;
        vec![
            make(
                &[("ACS_CONNECTION_STRING", CS), ("AUTH_JWT_SECRET", SECRET)],
                KvBinding::Missing,
            ),
            make(
                &[
                    ("ACS_CONNECTION_STRING", CS),
                    ("AUTH_JWKS_URL", "https://login.example.com/keys"),
                    ("AUTH_ISSUER", "https://login.example.com/"),
                    ("AUTH_AUDIENCE", "app"),
                    ("ALLOWED_SCOPES", "chat, voip, chat.join, voip.join"),
                    ("TOKEN_EXPIRES_IN_MINUTES", "120"),
                ],
                KvBinding::Missing,
            ),
            make(
                &[
                    ("ACS_CONNECTION_STRING", CS),
                    ("AUTH_JWT_SECRET", SECRET),
                    ("IDENTITY_MAPPING", "kv"),
                    ("ALLOWED_SCOPES", "voip"),
                ],
                KvBinding::Present,
            ),
        ]
    })
}

fuzz_target!(|data: &[u8]| {
    for config in configs() {
        let result = parse_body(config, data, &SerdeJson);
        match &result {
            Ok(request) => {
                assert!(!request.scopes.is_empty());
                for (i, s) in request.scopes.iter().enumerate() {
                    assert!(config.allowed_scopes.contains(s), "{s:?} is not allowed");
                    assert!(!request.scopes[..i].contains(s), "{s:?} twice");
                }
                // TOKEN_EXPIRES_IN_MINUTES is the default and the cap.
                assert!(
                    (60..=config.default_expires_in_minutes).contains(&request.expires_in_minutes)
                );
                if data.is_empty() {
                    assert_eq!(request.scopes, config.allowed_scopes);
                    assert_eq!(
                        request.expires_in_minutes,
                        config.default_expires_in_minutes
                    );
                }
            }
            Err(r) => {
                let expected = match r.status {
                    400 => "InvalidRequestBody",
                    403 => "ScopeNotAllowed",
                    413 => "PayloadTooLarge",
                    other => panic!("status {other}: {r:?}"),
                };
                assert_eq!(r.code, expected);
                assert_eq!(r.status == 413, data.len() > MAX_BODY_BYTES, "{r:?}");
                assert!(serde_json::to_value(r.body()).is_ok_and(|b| b["error"]["code"] == r.code));
            }
        }
        // Whitespace, escapes and the order of the members do not matter: the compact JSON
        // text (serde_json's, one member per name) answers the same when no name repeats.
        if data.len() <= MAX_BODY_BYTES {
            let text = std::str::from_utf8(data).ok();
            if let Some((text, value)) =
                text.and_then(|t| Some((t, serde_json::from_str::<serde_json::Value>(t).ok()?)))
            {
                let parsed = MemberCount::deserialize(&value).expect("counts");
                let repeats = count_text_members(text).is_some_and(|c| c.top != parsed.top);
                let compact = value.to_string();
                if !repeats && compact.len() <= MAX_BODY_BYTES {
                    assert_eq!(
                        parse_body(config, compact.as_bytes(), &SerdeJson),
                        result,
                        "{compact:?}"
                    );
                }
            }
        }
    }

    // The Content-Length header: numbers up to 8 KiB pass, bigger ones are 413, others 400.
    if let Ok(text) = std::str::from_utf8(data) {
        let line = text.lines().next().unwrap_or("");
        match check_content_length(Some(line)) {
            Ok(()) => assert!(line
                .trim()
                .parse::<u64>()
                .is_ok_and(|n| n <= MAX_BODY_BYTES as u64)),
            Err(r) => assert!(r.status == 400 || r.status == 413, "{r:?}"),
        }
    }
});
