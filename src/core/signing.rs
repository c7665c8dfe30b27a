//! HMAC-SHA256 request signing (§4 of the wire contract).
//!
//! ```text
//! contentHash  = base64(sha256(body))
//! stringToSign = METHOD \n pathAndQuery \n date;host;contentHash
//! signature    = base64(HMAC-SHA256(base64decode(accessKey), stringToSign))
//! ```

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use std::borrow::Cow;

use super::date;
use super::error::{Error, ErrorKind, Result};
use super::url::Url;

/// Standard base64 (RFC 4648 §4): encodes with `=` padding (the signature headers) and decodes
/// unpadded text with a canonical last symbol (the access key, once its padding is checked and
/// removed), so one engine's tables serve both.
const STANDARD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone),
);

/// base64 of a SHA-256 digest (44 characters with padding). Encoded into a buffer on the stack:
/// `Engine::encode` would also link the `Debug` formatting of the UTF-8 error it cannot meet.
fn encode_digest(digest: &[u8; 32]) -> String {
    let mut text = [0u8; 44];
    let len = STANDARD.encode_slice(digest, &mut text).unwrap_or(0);
    std::str::from_utf8(&text[..len])
        .unwrap_or_default()
        .to_string()
}

/// Decodes `text` with `engine`; `None` when the engine refuses it. Into a buffer of the
/// engine's own estimate, with `decode_slice` (`Engine::decode` also links an unreachable panic).
pub(crate) fn decode_with(engine: &GeneralPurpose, text: &str) -> Option<Vec<u8>> {
    let mut bytes = vec![0; text.len().div_ceil(4) * 3];
    let len = engine.decode_slice(text, &mut bytes).ok()?;
    bytes.truncate(len);
    Some(bytes)
}

/// The headers that the scheme names, in the order they are signed.
pub const SIGNED_HEADERS: &str = "x-ms-date;host;x-ms-content-sha256";

/// A decoded access key, with its HMAC state already keyed (so each signature hashes only the
/// message, not the key pads again). Its `Debug` never shows the bytes.
#[derive(Clone)]
pub struct AccessKey {
    bytes: Vec<u8>,
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessKey(<redacted>)")
    }
}

impl AccessKey {
    /// Decodes a base64 access key (standard alphabet, padding optional).
    pub fn from_base64(key: &str) -> Result<AccessKey> {
        let key = key.trim();
        if key.is_empty() {
            return Err(Error::new(
                ErrorKind::InvalidAccessKey,
                "the access key is empty",
            ));
        }
        let trimmed = key.trim_end_matches('=');
        // Padding is optional, but when present it must be the canonical one.
        let decoded = decode_with(&STANDARD, trimmed).filter(|_| {
            key.len() - trimmed.len() <= 2 && (key.len() == trimmed.len() || key.len() % 4 == 0)
        });
        match decoded {
            Some(bytes) if !bytes.is_empty() => match Hmac::<Sha256>::new_from_slice(&bytes) {
                Ok(mac) => Ok(AccessKey { bytes, mac }),
                Err(_) => Err(Error::new(ErrorKind::InvalidAccessKey, "the access key cannot key HMAC-SHA256")),
            },
            _ => Err(Error::new(
                ErrorKind::InvalidAccessKey,
                "the access key is not valid base64 (expected the key as shown in the Azure portal)",
            )),
        }
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// base64(HMAC-SHA256(key, message)).
    pub fn sign(&self, message: &[u8]) -> String {
        let mut mac = self.mac.clone();
        mac.update(message);
        encode_digest(&mac.finalize().into_bytes().into())
    }
}

/// base64(sha256(body)).
pub fn content_hash(body: &[u8]) -> String {
    encode_digest(&Sha256::digest(body).into())
}

/// `METHOD\npathAndQuery\ndate;host;contentHash`.
pub fn string_to_sign(
    method: &str,
    path_and_query: &str,
    date: &str,
    host: &str,
    hash: &str,
) -> String {
    let parts = [
        method,
        "\n",
        path_and_query,
        "\n",
        date,
        ";",
        host,
        ";",
        hash,
    ];
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    parts.iter().for_each(|p| out.push_str(p));
    out
}

/// Normalises a method as `fetch` does (the six standard ones in any case become upper case) and
/// checks that it is an HTTP token.
pub fn normalize_method(method: &str) -> Result<Cow<'_, str>> {
    const STANDARD_METHODS: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
    let is_tchar = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
    if method.is_empty() || method.len() > 32 || !method.bytes().all(is_tchar) {
        return Err(Error::invalid_argument(
            "method",
            "method must be an HTTP method such as GET or POST",
        ));
    }
    Ok(
        match STANDARD_METHODS
            .iter()
            .find(|m| m.eq_ignore_ascii_case(method))
        {
            Some(m) if *m == method => Cow::Borrowed(method),
            Some(m) => Cow::Borrowed(m),
            None => Cow::Borrowed(method),
        },
    )
}

/// The signature headers of one request, plus the string that was signed (safe to show: it holds
/// no secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    pub date: String,
    pub content_hash: String,
    pub authorization: String,
    pub string_to_sign: String,
}

/// Signs a request at `now_ms` (Unix milliseconds).
pub fn sign_request(
    key: &AccessKey,
    method: &str,
    url: &Url,
    body: &[u8],
    now_ms: i64,
) -> Result<SignedHeaders> {
    let method = normalize_method(method)?;
    let date = date::format_rfc1123(now_ms).ok_or_else(|| {
        Error::invalid_argument("date", "date must be between the years 1 and 9999")
    })?;
    let content_hash = content_hash(body);
    let string_to_sign = string_to_sign(
        &method,
        &url.path_and_query,
        &date,
        &url.authority(),
        &content_hash,
    );
    let signature = key.sign(string_to_sign.as_bytes());
    Ok(SignedHeaders {
        authorization: [
            "HMAC-SHA256 SignedHeaders=",
            SIGNED_HEADERS,
            "&Signature=",
            &signature,
        ]
        .concat(),
        date,
        content_hash,
        string_to_sign,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR_DATE_MS: i64 = 1_649_873_352_000;

    #[test]
    fn public_vectors() {
        assert_eq!(
            content_hash(b"banana"),
            "tJPUg2Sv5E0RwBZc9HCkFk0eJgmRHvmYvoaNRq3j3k4="
        );
        assert_eq!(
            content_hash(b""),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        let key = AccessKey::from_base64("pw==").unwrap();
        assert_eq!(
            key.sign(b"banana"),
            "88EC05aAS9iXnaimtNO78JLjiPtfWryQB/5QYEzEsu8="
        );
        let body = br#"{"scopes":["chat"],"expiresInMinutes":60}"#;
        assert_eq!(body.len(), 41);
        assert_eq!(
            content_hash(body),
            "E55T2AR1et0dXg9viVUjwxjce4gxp+nmLcQffc3NPsA="
        );
    }

    #[test]
    fn authorization_vector() {
        let key = AccessKey::from_base64("pw==").unwrap();
        let url = Url::parse("https://example.com/testPath?testQuery=test").unwrap();
        let h = sign_request(&key, "GET", &url, b"", VECTOR_DATE_MS).unwrap();
        assert_eq!(h.date, "Wed, 13 Apr 2022 18:09:12 GMT");
        assert_eq!(
            h.content_hash,
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        assert_eq!(
            h.authorization,
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=DGdgwggJWnQyc6EHjR/Vbqg1ES64KpD6U2XwTDDj3tU="
        );
        assert_eq!(
            h.string_to_sign,
            "GET\n/testPath?testQuery=test\nWed, 13 Apr 2022 18:09:12 GMT;example.com;47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        // fetch upper-cases standard methods, so a lower-case `get` is signed as GET.
        assert_eq!(
            sign_request(&key, "get", &url, b"", VECTOR_DATE_MS).unwrap(),
            h
        );
    }

    #[test]
    fn port_is_signed_when_not_default() {
        let key = AccessKey::from_base64("pw==").unwrap();
        let url = Url::parse("http://127.0.0.1:8080/identities?api-version=2023-10-01").unwrap();
        let h = sign_request(&key, "POST", &url, b"{}", VECTOR_DATE_MS).unwrap();
        assert!(h.string_to_sign.contains(";127.0.0.1:8080;"));
    }

    #[test]
    fn bad_keys_and_methods() {
        for bad in ["", "   ", "not base64!", "pw=", "pw===", "p", "=="] {
            let e = AccessKey::from_base64(bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidAccessKey, "{bad:?}");
            assert!(bad.len() < 4 || !e.message.contains(bad), "{}", e.message);
        }
        assert_eq!(AccessKey::from_base64("pw").unwrap().bytes(), &[0xa7]);
        for bad in ["", "GE T", "GET\n", "ÄÖ"] {
            assert_eq!(
                normalize_method(bad).unwrap_err().kind,
                ErrorKind::InvalidArgument
            );
        }
        assert_eq!(normalize_method("patch").unwrap(), "patch");
        assert_eq!(normalize_method("post").unwrap(), "POST");
        assert!(!format!("{:?}", AccessKey::from_base64("c2VjcmV0").unwrap()).contains("c2VjcmV0"));
    }

    #[test]
    fn key_spellings() {
        // RFC 4648 §10: the key with its canonical padding, without it, or with whitespace around.
        for (plain, encoded) in [
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            for text in [
                encoded,
                encoded.trim_end_matches('='),
                &format!(" {encoded}\n"),
            ] {
                let key = AccessKey::from_base64(text).unwrap();
                assert_eq!(key.bytes(), plain.as_bytes(), "{text:?}");
            }
        }
        for text in ["+/8=", "+/8"] {
            assert_eq!(AccessKey::from_base64(text).unwrap().bytes(), &[0xfb, 0xff]);
        }
        // Refused: a lone symbol, a shortened or lengthened padding, padding after a whole quad or
        // inside the key, a non-canonical last symbol, base64url symbols, inner whitespace.
        for bad in [
            "Z",
            "Zm9vY",
            "Zg=",
            "Zm8==",
            "Zg===",
            "Zm9v=",
            "Zm9v==",
            "Zg==Zg==",
            "Zh",
            "Zh==",
            "Zm9",
            "-_8=",
            "-_8",
            "Zm9v!",
            "Zm9v Yg==",
            "Zm9v\tYg",
        ] {
            let e = AccessKey::from_base64(bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidAccessKey, "{bad:?}");
            assert!(
                e.message.contains("not valid base64"),
                "{bad:?}: {}",
                e.message
            );
        }
    }

    #[test]
    fn headers_are_padded_standard_base64() {
        // base64(sha256("")) and a digest whose encoding needs `+` and `/` (RFC 4648 §4 alphabet).
        assert_eq!(
            content_hash(b""),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        let key = AccessKey::from_base64("pw==").unwrap();
        for message in [&b""[..], b"banana", &[0xff; 100]] {
            let signature = key.sign(message);
            assert_eq!(signature.len(), 44);
            assert!(signature.ends_with('=') && !signature.ends_with("=="));
            assert!(signature[..43]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/'));
        }
    }
}
