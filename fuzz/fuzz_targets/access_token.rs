//! `split_jwt` and `decode_access_token`: never panic; errors are `InvalidToken` and never
//! contain the token (when it has 16 or more characters) nor any of its parts of 16 or more
//! characters; what decodes is consistent (signing input, claims JSON, expiry in range).
//!
//! The header and payload JSON is read as the package reads it (there `JSON.parse`, here
//! serde_json), the claims through the core's derived `Claims`.
//!
//! Each input is used twice: as the token text itself, and (through `arbitrary`) as a
//! structured token built from a generated header, claims and signature, so that the fuzzer
//! also reaches the claim handling behind the base64url and JSON layers.
#![no_main]

use acs_identity::core::access_token::{self, split_jwt, AccessTokenInfo, Claims, Parsed};
use acs_identity::core::date::{MAX_UNIX_MS, MIN_UNIX_MS};
use acs_identity::core::ErrorKind;
use acs_identity_fuzz::{arb_key, assert_not_echoed, b64url, text};
use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use std::sync::OnceLock;

/// A part's JSON, read as the package's boundary reads it.
fn parse_json(text: &str) -> Parsed<Value> {
    match serde_json::from_str::<Value>(text) {
        Err(_) => Parsed::NotJson,
        Ok(v) if v.is_object() => Parsed::Object(v),
        Ok(_) => Parsed::NotObject,
    }
}

fn decode_access_token(token: &str) -> acs_identity::core::Result<AccessTokenInfo<Value>> {
    access_token::decode_access_token(token, parse_json, |claims| {
        serde_json::from_value::<Claims>(claims.clone())
            .expect("every object reads: the claims are lenient")
    })
}

/// A number as tokens carry them: whole seconds, decimals, or any finite double.
fn arb_number(u: &mut Unstructured) -> Result<f64> {
    Ok(match u.int_in_range(0..=2)? {
        0 => f64::from(u.int_in_range(-2_000_000_000..=2_000_000_000i32)?),
        1 => f64::from(u.arbitrary::<i32>()?) / 10f64.powi(u.int_in_range(1..=6)?),
        _ => Some(u.arbitrary::<f64>()?)
            .filter(|f| f.is_finite())
            .unwrap_or(0.0),
    })
}

/// An arbitrary JSON value of at most `depth` levels.
fn arb_json(u: &mut Unstructured, depth: usize) -> Result<Value> {
    let choice = if depth == 0 {
        u.int_in_range(0..=3)?
    } else {
        u.int_in_range(0..=5)?
    };
    Ok(match choice {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::from(arb_number(u)?),
        3 => Value::String(u.arbitrary()?),
        4 => {
            let n = u.int_in_range(0..=6)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(arb_json(u, depth - 1)?);
            }
            Value::Array(items)
        }
        _ => {
            let n = u.int_in_range(0..=6)?;
            let mut members = Map::new();
            for _ in 0..n {
                members.insert(arb_key(u)?, arb_json(u, depth - 1)?);
            }
            Value::Object(members)
        }
    })
}

/// Every error text (`Display` and `Debug`) the decoder makes for probe tokens: fixed text.
fn fixed_messages() -> &'static [String] {
    static FIXED: OnceLock<Vec<String>> = OnceLock::new();
    FIXED.get_or_init(|| {
        let claims = b64url(br#"{"exp":1}"#);
        let header = b64url(br#"{"alg":"none"}"#);
        let mut probes: Vec<String> = (0..12).map(|n| ".".repeat(n)).collect();
        probes.extend([
            "a".to_string(),
            format!("!!.{claims}."),
            format!("{}.{claims}.", b64url(b"[1]")),
            format!("{}.{claims}.", b64url(b"{")),
            format!("{}.{claims}.", b64url(b"\xff")),
            format!("{header}.{}.", b64url(b"null")),
            format!("{header}.{claims}.***"),
            format!("{header}.{}.", b64url(b"{}")),
            format!("{header}.{}.", b64url(br#"{"exp":"1"}"#)),
            format!("{header}.{}.", b64url(br#"{"exp":1e300}"#)),
        ]);
        probes
            .iter()
            .filter_map(|t| decode_access_token(t).err())
            .map(|e| format!("{e} {e:?}"))
            .collect()
    })
}

fn check(token: &str) {
    let split = split_jwt(token, parse_json);
    let decoded = decode_access_token(token);
    match (&split, &decoded) {
        (Err(a), Err(b)) => assert_eq!(a, b, "decode fails as split does"),
        (Err(_), Ok(_)) => panic!("decoded a token that does not split"),
        _ => {}
    }
    if let Ok(parts) = &split {
        let (header, rest) = token.split_once('.').expect("three parts");
        let (payload, _) = rest.split_once('.').expect("three parts");
        assert_eq!(parts.signing_input, format!("{header}.{payload}"));
        assert!(parts.header_json.is_object());
        assert!(parts.claims.is_object());
        assert!(
            !format!("{parts:?}").contains(&parts.signing_input) || parts.signing_input.len() < 16
        );
    }
    match &decoded {
        Ok(info) => {
            let claims = &split.as_ref().expect("split").claims;
            assert!((MIN_UNIX_MS..=MAX_UNIX_MS).contains(&info.expires_on_ms));
            if let Some(iat) = info.issued_at_ms {
                assert!((MIN_UNIX_MS..=MAX_UNIX_MS).contains(&iat));
            }
            if let Some(id) = &info.communication_user_id {
                assert!(id.starts_with("8:") && id.len() > 2);
            }
            assert!(info.scopes.iter().all(|s| !s.is_empty() && s.trim() == s));
            assert_eq!(&info.claims, claims);
        }
        Err(e) => {
            assert_eq!(e.kind, ErrorKind::InvalidToken);
            let shown = format!("{e} {e:?}");
            if token.chars().count() >= 16 {
                assert_not_echoed(&shown, token, fixed_messages(), "the token");
            }
            for part in token.split('.') {
                if part.chars().count() >= 16 {
                    assert_not_echoed(&shown, part, fixed_messages(), "a part of the token");
                }
            }
        }
    }
}

/// A token with a generated header, claims (often with `exp`, `iat`, `skypeid`, `acsScope`) and
/// signature, sometimes padded or with a broken part.
fn structured(u: &mut Unstructured) -> Result<String> {
    let header = if u.ratio(3, 4)? {
        r#"{"alg":"RS256","kid":"k","typ":"JWT"}"#.to_string()
    } else {
        arb_json(u, 2)?.to_string()
    };
    let mut claims = match arb_json(u, 3)? {
        Value::Object(m) => m,
        other => Map::from_iter([("x".to_string(), other)]),
    };
    if u.ratio(3, 4)? {
        let exp = match u.int_in_range(0..=3)? {
            0 => Value::from(i64::from(u.int_in_range(0..=2_000_000_000u32)?)),
            1 => Value::from(arb_number(u)?),
            2 => Value::String(u.arbitrary()?),
            _ => Value::Null,
        };
        claims.insert("exp".to_string(), exp);
    }
    if u.arbitrary()? {
        claims.insert("iat".to_string(), Value::from(arb_number(u)?));
    }
    if u.arbitrary()? {
        claims.insert("skypeid".to_string(), Value::String(u.arbitrary()?));
    }
    if u.arbitrary()? {
        claims.insert("acsScope".to_string(), Value::String(u.arbitrary()?));
    }
    let claims = Value::Object(claims).to_string();
    let signature: Vec<u8> = u.arbitrary()?;
    let mut parts = vec![
        b64url(header.as_bytes()),
        b64url(claims.as_bytes()),
        b64url(&signature),
    ];
    match u.int_in_range(0..=7)? {
        0 => parts[0].push('='),
        1 => parts.push(String::new()),
        2 => parts.extend(["e".to_string(), "f".to_string()]),
        3 => {
            let i = u.choose_index(3)?;
            parts[i].push_str(u.arbitrary::<&str>()?);
        }
        _ => {}
    }
    Ok(parts.join("."))
}

fuzz_target!(|data: &[u8]| {
    if let Some(token) = text(data) {
        check(token);
    }
    if let Ok(token) = structured(&mut Unstructured::new(data)) {
        check(&token);
    }
});
