//! Helpers shared by the fuzz targets: an independent HMAC, base64, member names the crate reads
//! and the "no secret in a message" check.

use acs_identity::core::endpoint::JsonReader;
use arbitrary::{Result, Unstructured};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
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

/// The native reader (the package's is `JSON.parse` + serde-wasm-bindgen).
pub struct SerdeJson;

impl JsonReader for SerdeJson {
    type Value = serde_json::Value;
    fn parse(&self, text: &str) -> Option<serde_json::Value> {
        serde_json::from_str(text).ok()
    }
    fn read<T: DeserializeOwned>(&self, value: &serde_json::Value) -> Option<T> {
        T::deserialize(value).ok()
    }
}
