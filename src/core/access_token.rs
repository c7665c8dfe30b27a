//! Decoding (not verifying) Communication Services access tokens (contract §6).
//!
//! An access token is a JWT: `base64url(header).base64url(claims).base64url(signature)`.
//! [`split_jwt`] takes it apart; [`decode_access_token`] reads the claims clients care about:
//! `exp` (required, like every SDK), `iat`, `skypeid` (the user, raw id without `8:`) and
//! `acsScope`. Encrypted tokens (JWE, five parts) cannot be decoded; the error says to rely on
//! the `expiresOn` the service returned instead.
//!
//! No error message ever contains any part of the token.

use super::date;
use super::error::{Error, ErrorKind, Result};
use super::operations::Member;
use serde::Deserialize;
use std::fmt;

/// base64url (RFC 4648 §5) read as leniently as `atob`: `=` padding optional (canonical or
/// shorter), non-zero trailing bits tolerated.
const BASE64URL_LENIENT: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Decodes base64url text (padding optional, non-zero trailing bits tolerated, as `atob`).
/// `None` when it is not base64url.
pub fn decode_base64url(text: &str) -> Option<Vec<u8>> {
    super::signing::decode_with(&BASE64URL_LENIENT, text)
}

/// A part of a JWT (header or payload) as the caller's JSON reader read it (in the package: the
/// JavaScript engine's `JSON.parse`).
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed<V> {
    /// Not JSON.
    NotJson,
    /// JSON that is not an object.
    NotObject,
    /// A JSON object, as the reader's value.
    Object(V),
}

/// The three parts of a JWT; `V` is the JSON reader's value type.
#[derive(Clone, PartialEq)]
pub struct JwtParts<V> {
    /// The decoded header (a JSON object).
    pub header_json: V,
    /// The decoded claims (a JSON object).
    pub claims: V,
    /// `header.payload` exactly as in the token: the bytes the signature covers.
    pub signing_input: String,
    /// The decoded signature (empty for an unsigned token).
    pub signature: Vec<u8>,
}

impl<V: fmt::Debug> fmt::Debug for JwtParts<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtParts")
            .field("header_json", &self.header_json)
            .field("claims", &self.claims)
            .field("signing_input", &"<redacted>")
            .field(
                "signature",
                &format_args!("<{} bytes>", self.signature.len()),
            )
            .finish()
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidToken, message)
}

/// Decodes one base64url JSON-object part; `name` is `header` or `payload`.
fn decode_json_part<V>(part: &str, name: &str, parse: &impl Fn(&str) -> Parsed<V>) -> Result<V> {
    let bytes = decode_base64url(part)
        .ok_or_else(|| invalid(format!("the token {name} is not valid base64url")))?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| invalid(format!("the token {name} is not UTF-8 text")))?;
    match parse(text) {
        Parsed::Object(value) => Ok(value),
        Parsed::NotJson => Err(invalid(format!("the token {name} is not valid JSON"))),
        Parsed::NotObject => Err(invalid(format!("the token {name} is not a JSON object"))),
    }
}

/// Splits a JWT into its decoded parts without verifying anything; `parse` reads the header's
/// and the payload's JSON text.
///
/// Errors (`InvalidToken`): empty token; five parts (an encrypted JWE); any other count than
/// three; a header or payload that is not base64url of a JSON object; a signature that is not
/// base64url.
pub fn split_jwt<V>(token: &str, parse: impl Fn(&str) -> Parsed<V>) -> Result<JwtParts<V>> {
    if token.is_empty() {
        return Err(invalid("the token is empty"));
    }
    let count = token.split('.').count();
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        if count == 5 {
            return Err(invalid(
                "the token is encrypted (JWE) and cannot be decoded; use the expiresOn the service returned",
            ));
        }
        return Err(invalid(format!(
            "the token must have three dot-separated parts (header.payload.signature), found {count}"
        )));
    };
    let header_json = decode_json_part(header, "header", &parse)?;
    let claims = decode_json_part(payload, "payload", &parse)?;
    let signature = decode_base64url(signature)
        .ok_or_else(|| invalid("the token signature is not valid base64url"))?;
    Ok(JwtParts {
        header_json,
        claims,
        signing_input: token
            .get(..header.len() + 1 + payload.len())
            .unwrap_or("")
            .to_string(),
        signature,
    })
}

/// The claims a client reads, each as the type it should have (see [`Member`]).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Claims {
    pub exp: Member<f64>,
    pub iat: Member<f64>,
    pub skypeid: Member<String>,
    pub acs_scope: Member<String>,
}

/// What a client can learn from an access token without verifying it.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessTokenInfo<V> {
    /// `"8:" + skypeid` when the `skypeid` claim is a non-empty string.
    pub communication_user_id: Option<String>,
    /// `acsScope` split on `,`, trimmed, empty entries dropped; `[]` when absent.
    pub scopes: Vec<String>,
    /// `iat` in Unix milliseconds, when it is a number of seconds in range.
    pub issued_at_ms: Option<i64>,
    /// `exp` in Unix milliseconds.
    pub expires_on_ms: i64,
    /// The claims, as the JSON reader's value.
    pub claims: V,
}

/// `floor(x × 1000)`, exactly (from the binary value of `x`), for `|x| < 2^52`.
fn floor_times_1000(x: f64) -> i64 {
    let bits = x.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (mantissa, shift) = if exponent == 0 {
        (fraction, 1074)
    } else {
        (fraction | 1 << 52, 1075 - exponent)
    };
    let mut scaled = i128::from(mantissa) * 1000;
    if bits >> 63 == 1 {
        scaled = -scaled;
    }
    // x = mantissa × 2^-shift, with shift > 0 below 2^52; an arithmetic shift rounds down.
    if shift >= 127 {
        return if scaled < 0 { -1 } else { 0 };
    }
    (scaled >> shift) as i64
}

/// Seconds (possibly fractional, the number `JSON.parse` gives) to whole milliseconds, rounded
/// down; `None` for NaN, infinities and magnitudes of 10^14 s or more. Exact for the number as
/// JavaScript prints it (its shortest decimal form): `1.001` is 1001 ms, although the double
/// nearest 1.001 is a little less. When a whole number of milliseconds reads as the same double,
/// that is the number's shortest form (where a double is finer than a millisecond, that is within
/// ±2^43 s); otherwise no multiple of a millisecond lies between the double and its shortest
/// form, and the exact floor is the same. Used for the ACS token's and the app token's dates.
pub fn exact_ms_of_seconds(seconds: f64) -> Option<i64> {
    if seconds.is_nan() || seconds.abs() >= 1e14 {
        return None;
    }
    let nearest = (seconds * 1000.0).round();
    Some(if nearest / 1000.0 == seconds {
        nearest as i64
    } else {
        floor_times_1000(seconds)
    })
}

/// [`exact_ms_of_seconds`] within the supported dates.
pub fn seconds_to_ms(seconds: f64) -> Option<i64> {
    exact_ms_of_seconds(seconds).filter(|ms| (date::MIN_UNIX_MS..=date::MAX_UNIX_MS).contains(ms))
}

/// Decodes an access token's claims. `exp` is required and must be a number of seconds
/// (`InvalidToken` otherwise); the other claims are optional and ignored when malformed.
/// `parse` reads the header's and the payload's JSON text, `read` the claims from the payload.
pub fn decode_access_token<V>(
    token: &str,
    parse: impl Fn(&str) -> Parsed<V>,
    read: impl Fn(&V) -> Claims,
) -> Result<AccessTokenInfo<V>> {
    let parts = split_jwt(token, parse)?;
    let claims = read(&parts.claims);
    let expires_on_ms = match claims.exp {
        Member::Absent => return Err(invalid("the token has no exp claim")),
        Member::Value(n) => seconds_to_ms(n)
            .ok_or_else(|| invalid("the token's exp claim is out of the supported date range"))?,
        Member::Other => return Err(invalid("the token's exp claim is not a number")),
    };
    let issued_at_ms = claims.iat.value().and_then(|&n| seconds_to_ms(n));
    let communication_user_id = claims
        .skypeid
        .value()
        .filter(|s| !s.is_empty())
        .map(|s| format!("8:{s}"));
    let scopes = claims
        .acs_scope
        .value()
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    Ok(AccessTokenInfo {
        communication_user_id,
        scopes,
        issued_at_ms,
        expires_on_ms,
        claims: parts.claims,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use proptest::prelude::*;
    use serde_json::Value;

    /// The JSON reader of these tests (in the package: `JSON.parse`).
    fn parse_json(text: &str) -> Parsed<Value> {
        match serde_json::from_str::<Value>(text) {
            Err(_) => Parsed::NotJson,
            Ok(v) if v.is_object() => Parsed::Object(v),
            Ok(_) => Parsed::NotObject,
        }
    }

    fn decode(token: &str) -> Result<AccessTokenInfo<Value>> {
        decode_access_token(token, parse_json, |v| {
            Claims::deserialize(v).expect("any object reads")
        })
    }

    fn b64(s: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    fn jwt(claims: &str) -> String {
        format!(
            "{}.{}.{}",
            b64(br#"{"alg":"RS256","kid":"k","x5t":"x","typ":"JWT"}"#),
            b64(claims.as_bytes()),
            b64(b"\x01\x02\xff")
        )
    }

    const REAL_CLAIMS: &str = r#"{"skypeid":"acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081","scp":1792,"csi":"1720561179","exp":1720647579,"acsScope":"chat, voip","resourceId":"2dee53b4-368b-45b4-ab52-8493fb117652","resourceLocation":"unitedstates","iat":1720561179}"#;

    #[test]
    fn decodes_a_realistic_token() {
        let info = decode(&jwt(REAL_CLAIMS)).unwrap();
        assert_eq!(
            info.communication_user_id.as_deref(),
            Some("8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081")
        );
        assert_eq!(info.scopes, vec!["chat".to_string(), "voip".to_string()]);
        assert_eq!(info.expires_on_ms, 1_720_647_579_000);
        assert_eq!(info.issued_at_ms, Some(1_720_561_179_000));
        assert_eq!(
            info.claims,
            serde_json::from_str::<Value>(REAL_CLAIMS).unwrap()
        );
    }

    #[test]
    fn optional_claims() {
        let info = decode(&jwt(r#"{"exp":10,"acsScope":"","iat":"x"}"#)).unwrap();
        assert_eq!(info.communication_user_id, None);
        assert!(info.scopes.is_empty());
        assert_eq!(info.issued_at_ms, None);
        assert_eq!(info.expires_on_ms, 10_000);
        let info = decode(&jwt(r#"{"exp":10.5,"acsScope":" chat ,,voip.join "}"#)).unwrap();
        assert_eq!(info.expires_on_ms, 10_500);
        assert_eq!(
            info.scopes,
            vec!["chat".to_string(), "voip.join".to_string()]
        );
    }

    #[test]
    fn dates_are_exact_milliseconds() {
        let ms = |claims: &str| decode(&jwt(claims)).map(|i| (i.expires_on_ms, i.issued_at_ms));
        // floor(1.001 * 1000.0) is 1000 in f64; the text says 1001.
        assert_eq!(ms(r#"{"exp":1.001,"iat":1.0019}"#), Ok((1001, Some(1001))));
        assert_eq!(
            ms(r#"{"exp":1.72064757912E9}"#),
            Ok((1_720_647_579_120, None))
        );
        assert_eq!(ms(r#"{"exp":-0.0005,"iat":-0}"#), Ok((-1, Some(0))));
        assert_eq!(ms(r#"{"exp":1e-400}"#), Ok((0, None)));
        // The supported dates are the years 1 to 9999.
        assert_eq!(
            ms(r#"{"exp":253402300799.9999,"iat":-62135596800}"#),
            Ok((date::MAX_UNIX_MS, Some(date::MIN_UNIX_MS)))
        );
        for exp in ["253402300800", "-62135596800.0001", "1e300"] {
            assert_eq!(
                token_error(&jwt(&format!(r#"{{"exp":{exp}}}"#))).message,
                "the token's exp claim is out of the supported date range",
                "{exp}"
            );
        }
        // An iat out of range is left out, like any malformed optional claim.
        assert_eq!(ms(r#"{"exp":1,"iat":-62135596800.0001}"#), Ok((1000, None)));
        // JSON.parse reads 1e400 as Infinity (serde_json refuses it): out of range.
        assert_eq!(seconds_to_ms(f64::INFINITY), None);
        assert_eq!(seconds_to_ms(f64::NEG_INFINITY), None);
        assert_eq!(seconds_to_ms(f64::NAN), None);
    }

    #[test]
    fn exact_milliseconds_from_the_shortest_decimal() {
        let cases: [(f64, Option<i64>); 17] = [
            (0.0, Some(0)),
            (-0.0, Some(0)),
            (1.001, Some(1001)),
            (1.0019, Some(1001)),
            (0.0001, Some(0)),
            (-0.0001, Some(-1)),
            (-1.5, Some(-1500)),
            (-1.0005, Some(-1001)),
            (1e-300, Some(0)),
            (1_720_647_579.0, Some(1_720_647_579_000)),
            (253_402_300_799.999_9, Some(date::MAX_UNIX_MS)),
            (1e18, None),
            (-62_135_596_800.0, Some(date::MIN_UNIX_MS)),
            (1.2345678, Some(1234)),
            (-1.2345678, Some(-1235)),
            (5e-324, Some(0)),
            (-5e-324, Some(-1)),
        ];
        for (seconds, ms) in cases {
            assert_eq!(seconds_to_ms(seconds), ms, "{seconds}");
        }
    }

    #[test]
    fn split_keeps_signing_input() {
        let token = jwt(r#"{"exp":1}"#);
        let parts = split_jwt(&token, parse_json).unwrap();
        assert_eq!(parts.signature, vec![1, 2, 255]);
        assert_eq!(
            Some(parts.signing_input.as_str()),
            token.rsplit_once('.').map(|(a, _)| a)
        );
        assert_eq!(
            parts.header_json.get("alg").and_then(Value::as_str),
            Some("RS256")
        );
        assert!(!format!("{parts:?}").contains(&parts.signing_input));
        // Padding is tolerated, and an empty signature is allowed.
        let padded = format!("{}=.{}.", b64(br#"{"a":1}"#), b64(br#"{"exp":1}"#));
        assert!(split_jwt(&padded, parse_json).unwrap().signature.is_empty());
    }

    fn token_error(token: &str) -> Error {
        let err = decode(token).unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidToken, "{}", err.message);
        err
    }

    #[test]
    fn rejects_malformed_tokens() {
        assert_eq!(token_error("").message, "the token is empty");
        assert!(token_error("a.b.c.d.e").message.contains("encrypted (JWE)"));
        assert!(token_error("abc").message.contains("found 1"));
        assert!(token_error("a.b.c.d").message.contains("found 4"));
        let claims = b64(br#"{"exp":1}"#);
        assert!(token_error(&format!("!!.{claims}."))
            .message
            .contains("header is not valid base64url"));
        assert!(token_error(&format!("{}.{claims}.", b64(b"[1]")))
            .message
            .contains("header is not a JSON object"));
        assert!(token_error(&format!("{}.{claims}.", b64(b"{")))
            .message
            .contains("header is not valid JSON"));
        assert!(token_error(&format!("{}.{claims}.", b64(b"\xff")))
            .message
            .contains("header is not UTF-8"));
        let header = b64(br#"{"alg":"none"}"#);
        assert!(token_error(&format!("{header}.{}.", b64(b"null")))
            .message
            .contains("payload is not a JSON object"));
        assert!(token_error(&format!("{header}.{claims}.***"))
            .message
            .contains("signature"));
        assert_eq!(
            token_error(&jwt("{}")).message,
            "the token has no exp claim"
        );
        assert_eq!(
            token_error(&jwt(r#"{"exp":"1"}"#)).message,
            "the token's exp claim is not a number"
        );
        assert!(token_error(&jwt(r#"{"exp":1e300}"#))
            .message
            .contains("out of the supported date range"));
    }

    #[test]
    fn messages_never_contain_the_token() {
        let secret_claims = r#"{"exp":"SECRETSECRET"}"#;
        for token in [
            jwt(secret_claims),
            format!("{}.x.y.z.w", b64(b"SECRETSECRET")),
        ] {
            let err = decode(&token).unwrap_err();
            assert!(!err.message.contains("SECRET"));
            assert!(!err.message.contains(&token[..8]));
        }
    }

    /// The reference: the milliseconds of the shortest decimal form of `s`, by decimal digits.
    fn ms_from_shortest_decimal(s: f64) -> Option<i64> {
        let text = format!("{s:e}");
        let (mantissa, exponent) = text.split_once('e')?;
        let exponent: i32 = exponent.parse().ok()?;
        let (negative, mantissa) = match mantissa.strip_prefix('-') {
            Some(m) => (true, m),
            None => (false, mantissa),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits: Vec<i64> = whole
            .bytes()
            .chain(fraction.bytes())
            .map(|b| i64::from(b - b'0'))
            .collect();
        let kept = (digits.len() as i32 + exponent + 3 - fraction.len() as i32).max(0) as usize;
        if kept > 18 {
            return None;
        }
        let ms = (0..kept).fold(0i64, |ms, i| ms * 10 + digits.get(i).copied().unwrap_or(0));
        let dropped = digits.iter().skip(kept).any(|&d| d != 0);
        let ms = match (negative, dropped) {
            (true, true) => -ms - 1,
            (true, false) => -ms,
            (false, _) => ms,
        };
        Some(ms).filter(|ms| (date::MIN_UNIX_MS..=date::MAX_UNIX_MS).contains(ms))
    }

    proptest! {
        #[test]
        fn ms_are_those_of_the_shortest_decimal(s in -2.6e11f64..2.6e11, small in -10.0f64..10.0, digits in 0u32..6) {
            prop_assert_eq!(seconds_to_ms(s), ms_from_shortest_decimal(s));
            prop_assert_eq!(seconds_to_ms(small), ms_from_shortest_decimal(small));
            // Decimal numbers of a few fractional digits, as tokens carry them.
            let scale = 10f64.powi(digits as i32);
            let rounded = (s * scale).round() / scale;
            prop_assert_eq!(seconds_to_ms(rounded), ms_from_shortest_decimal(rounded));
        }

        #[test]
        fn never_panics(token in "[A-Za-z0-9_=.-]{0,80}") {
            let _ = decode(&token);
        }

        #[test]
        fn exp_round_trips(exp in 0i64..253_402_300_799) {
            let info = decode(&jwt(&format!(r#"{{"exp":{exp}}}"#))).unwrap();
            prop_assert_eq!(info.expires_on_ms, exp * 1000);
        }
    }
}
