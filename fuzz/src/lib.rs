//! Helpers shared by the fuzz targets: an independent HMAC, base64, a structured JSON generator
//! and the "no secret in a message" check.

use acs_identity::core::json::{Json, Number};
use arbitrary::{Result, Unstructured};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// base64(HMAC-SHA256(key, message)), computed here without the crate's signer.
pub fn hmac_b64(key: &[u8], message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    STANDARD.encode(mac.finalize().into_bytes())
}

/// Raw HMAC-SHA256 bytes.
pub fn hmac_raw(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// base64(SHA-256(body)).
pub fn sha256_b64(body: &[u8]) -> String {
    STANDARD.encode(Sha256::digest(body))
}

pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Panics when `message` contains `secret` although no fixed message text does.
///
/// `fixed` holds messages the code produces for inputs without the secret (probes): when the
/// secret happens to be a piece of such a text (for example an access key that reads
/// `<KeyValue>`), finding it in a message is no leak.
pub fn assert_not_echoed(message: &str, secret: &str, fixed: &[String], what: &str) {
    if message.contains(secret) && !fixed.iter().any(|f| f.contains(secret)) {
        panic!("{what} leaked into an error message: secret {secret:?}, message {message:?}");
    }
}

/// An arbitrary JSON value of at most `depth` levels (numbers from [`arb_number`]).
pub fn arb_json(u: &mut Unstructured, depth: usize) -> Result<Json> {
    let choice = if depth == 0 {
        u.int_in_range(0..=3)?
    } else {
        u.int_in_range(0..=5)?
    };
    Ok(match choice {
        0 => Json::Null,
        1 => Json::Bool(u.arbitrary()?),
        2 => Json::Number(arb_number(u)?),
        3 => Json::String(u.arbitrary()?),
        4 => {
            let n = u.int_in_range(0..=6)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(arb_json(u, depth - 1)?);
            }
            Json::Array(items)
        }
        _ => {
            let n = u.int_in_range(0..=6)?;
            let mut members = Vec::with_capacity(n);
            for _ in 0..n {
                members.push((arb_key(u)?, arb_json(u, depth - 1)?));
            }
            Json::Object(members)
        }
    })
}

/// A member name: mostly names the crate reads, sometimes anything.
pub fn arb_key(u: &mut Unstructured) -> Result<String> {
    const NAMES: [&str; 24] = [
        "token",
        "expiresOn",
        "identity",
        "id",
        "customId",
        "lastTokenIssuedAt",
        "accessToken",
        "error",
        "code",
        "message",
        "target",
        "details",
        "innererror",
        "exp",
        "iat",
        "nbf",
        "sub",
        "iss",
        "aud",
        "skypeid",
        "acsScope",
        "scopes",
        "expiresInMinutes",
        "alg",
    ];
    if u.ratio(3, 4)? {
        Ok(u.choose(&NAMES)?.to_string())
    } else {
        u.arbitrary()
    }
}

/// A number: integers, fractions, exponents, extremes (beyond `i64` and `f64` too).
pub fn arb_number(u: &mut Unstructured) -> Result<Number> {
    Ok(match u.int_in_range(0..=4)? {
        0 => Number::from(i64::from(u.arbitrary::<i32>()?)),
        1 => Number::from(u.arbitrary::<i64>()?),
        2 => {
            // A multiple of 1/8, written exactly: -12.375, 0.5, ...
            let eighths = i32::from(u.arbitrary::<i16>()?);
            let sign = if eighths < 0 { "-" } else { "" };
            let (whole, part) = (eighths.unsigned_abs() / 8, eighths.unsigned_abs() % 8);
            let text = if part == 0 {
                format!("{sign}{whole}")
            } else {
                format!(
                    "{sign}{whole}.{}",
                    (part * 125).to_string().trim_end_matches('0')
                )
            };
            number(&text)
        }
        3 => {
            // A finite f64 as Rust writes it (shortest round-trip digits), plain or with an
            // exponent: 1e300, 5e-324, 0.1, -0 ...
            let n: f64 = u.arbitrary()?;
            let n = if n.is_finite() { n } else { 0.5 };
            number(&if u.arbitrary()? {
                format!("{n:e}")
            } else {
                format!("{n}")
            })
        }
        _ => {
            // Any text of the grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
            let digits = |u: &mut Unstructured, first_nonzero: bool| -> Result<String> {
                let len = u.int_in_range(1..=24)?;
                let mut s = String::with_capacity(len);
                for i in 0..len {
                    let low = if i == 0 && first_nonzero { 1 } else { 0 };
                    s.push(char::from(b'0' + u.int_in_range(low..=9u8)?));
                }
                Ok(s)
            };
            let mut text = String::new();
            if u.arbitrary()? {
                text.push('-');
            }
            if u.ratio(1, 4)? {
                text.push('0');
            } else {
                text.push_str(&digits(u, true)?);
            }
            if u.arbitrary()? {
                text.push('.');
                text.push_str(&digits(u, false)?);
            }
            if u.arbitrary()? {
                text.push_str(u.choose(&["e", "E", "e+", "E-", "e-"])?);
                text.push_str(&digits(u, false)?);
            }
            number(&text)
        }
    })
}

/// The number written `text`, which the generator built from the grammar.
fn number(text: &str) -> Number {
    Number::parse(text).unwrap_or_else(|| panic!("the generator built a non-number: {text:?}"))
}

/// Every string value under a member named `name`, at any depth.
pub fn strings_named<'a>(v: &'a Json, name: &str, out: &mut Vec<&'a str>) {
    match v {
        Json::Array(items) => items.iter().for_each(|i| strings_named(i, name, out)),
        Json::Object(members) => {
            for (k, val) in members {
                if k == name {
                    if let Json::String(s) = val {
                        out.push(s);
                    }
                }
                strings_named(val, name, out);
            }
        }
        _ => {}
    }
}

/// `v` with every string under a member named `name` replaced by `f(old)`.
pub fn replace_named(v: &Json, name: &str, f: &dyn Fn(&str) -> String) -> Json {
    match v {
        Json::Array(items) => {
            Json::Array(items.iter().map(|i| replace_named(i, name, f)).collect())
        }
        Json::Object(members) => Json::Object(
            members
                .iter()
                .map(|(k, val)| {
                    let val = match val {
                        Json::String(s) if k == name => Json::String(f(s)),
                        other => replace_named(other, name, f),
                    };
                    (k.clone(), val)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The text of a fuzz input, or `None` when it is not UTF-8 (the parsers all take `&str`).
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// The connection string and HS256 secret of the endpoint targets' configurations.
pub const ENDPOINT_CS: &str =
    "endpoint=https://res.communication.azure.com/;accesskey=c2VjcmV0LWtleS1ieXRlcw==";
pub const ENDPOINT_SECRET: &str = "fuzz-secret-fuzz-secret-fuzz-secret!";

/// An edge endpoint configuration from `(binding, value)` pairs, as the env bindings give them.
pub fn endpoint_config(
    pairs: &[(&str, &str)],
    kv: acs_identity::core::endpoint::KvBinding,
) -> acs_identity::core::endpoint::Config {
    use acs_identity::core::endpoint::{Binding, Config, HandlerOptions};
    let lookup = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map_or(Binding::Missing, |(_, v)| Binding::Text(v.to_string()))
    };
    Config::from_bindings(&lookup, kv, &HandlerOptions::default()).expect("config")
}
