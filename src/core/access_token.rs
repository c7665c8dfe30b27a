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
use super::json::{self, Json, Number};
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

/// The three parts of a JWT.
#[derive(Clone, PartialEq)]
pub struct JwtParts {
    /// The decoded header (a JSON object).
    pub header_json: Json,
    /// The decoded claims (a JSON object).
    pub claims: Json,
    /// `header.payload` exactly as in the token: the bytes the signature covers.
    pub signing_input: String,
    /// The decoded signature (empty for an unsigned token).
    pub signature: Vec<u8>,
}

impl fmt::Debug for JwtParts {
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
fn decode_json_part(part: &str, name: &str) -> Result<Json> {
    let bytes = decode_base64url(part)
        .ok_or_else(|| invalid(format!("the token {name} is not valid base64url")))?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| invalid(format!("the token {name} is not UTF-8 text")))?;
    let value = json::parse(text)
        .map_err(|e| e.to_error(ErrorKind::InvalidToken, &format!("the token {name}")))?;
    match value {
        Json::Object(_) => Ok(value),
        _ => Err(invalid(format!("the token {name} is not a JSON object"))),
    }
}

/// Splits a JWT into its decoded parts without verifying anything.
///
/// Errors (`InvalidToken`): empty token; five parts (an encrypted JWE); any other count than
/// three; a header or payload that is not base64url of a JSON object; a signature that is not
/// base64url.
pub fn split_jwt(token: &str) -> Result<JwtParts> {
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
    let header_json = decode_json_part(header, "header")?;
    let claims = decode_json_part(payload, "payload")?;
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

/// What a client can learn from an access token without verifying it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessTokenInfo {
    /// `"8:" + skypeid` when the `skypeid` claim is a non-empty string.
    pub communication_user_id: Option<String>,
    /// `acsScope` split on `,`, trimmed, empty entries dropped; `[]` when absent.
    pub scopes: Vec<String>,
    /// `iat` in Unix milliseconds, when it is a number of seconds in range.
    pub issued_at_ms: Option<i64>,
    /// `exp` in Unix milliseconds.
    pub expires_on_ms: i64,
    /// The claims as compact JSON text.
    pub claims_json: String,
}

/// Seconds since the epoch (possibly fractional) to whole milliseconds, rounded down (exactly,
/// from the number's text), within the supported dates.
fn seconds_to_ms(seconds: &Number) -> Option<i64> {
    seconds
        .scaled_floor(3)
        .filter(|ms| (date::MIN_UNIX_MS..=date::MAX_UNIX_MS).contains(ms))
}

/// Decodes an access token's claims. `exp` is required and must be a number of seconds
/// (`InvalidToken` otherwise); the other claims are optional and ignored when malformed.
pub fn decode_access_token(token: &str) -> Result<AccessTokenInfo> {
    let parts = split_jwt(token)?;
    let claims = &parts.claims;
    let expires_on_ms = match claims.get("exp") {
        None | Some(Json::Null) => return Err(invalid("the token has no exp claim")),
        Some(Json::Number(n)) => seconds_to_ms(n)
            .ok_or_else(|| invalid("the token's exp claim is out of the supported date range"))?,
        Some(_) => return Err(invalid("the token's exp claim is not a number")),
    };
    let issued_at_ms = claims
        .get("iat")
        .and_then(Json::as_number)
        .and_then(seconds_to_ms);
    let communication_user_id = claims
        .get("skypeid")
        .and_then(Json::as_str)
        .filter(|s| !s.is_empty())
        .map(|s| format!("8:{s}"));
    let scopes = claims
        .get("acsScope")
        .and_then(Json::as_str)
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
        claims_json: claims.to_json_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use proptest::prelude::*;

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
        let info = decode_access_token(&jwt(REAL_CLAIMS)).unwrap();
        assert_eq!(
            info.communication_user_id.as_deref(),
            Some("8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081")
        );
        assert_eq!(info.scopes, vec!["chat".to_string(), "voip".to_string()]);
        assert_eq!(info.expires_on_ms, 1_720_647_579_000);
        assert_eq!(info.issued_at_ms, Some(1_720_561_179_000));
        assert_eq!(info.claims_json, REAL_CLAIMS);
    }

    #[test]
    fn optional_claims() {
        let info = decode_access_token(&jwt(r#"{"exp":10,"acsScope":"","iat":"x"}"#)).unwrap();
        assert_eq!(info.communication_user_id, None);
        assert!(info.scopes.is_empty());
        assert_eq!(info.issued_at_ms, None);
        assert_eq!(info.expires_on_ms, 10_000);
        let info =
            decode_access_token(&jwt(r#"{"exp":10.5,"acsScope":" chat ,,voip.join "}"#)).unwrap();
        assert_eq!(info.expires_on_ms, 10_500);
        assert_eq!(
            info.scopes,
            vec!["chat".to_string(), "voip.join".to_string()]
        );
    }

    #[test]
    fn dates_are_exact_milliseconds() {
        let ms = |claims: &str| {
            decode_access_token(&jwt(claims)).map(|i| (i.expires_on_ms, i.issued_at_ms))
        };
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
        for exp in [
            "253402300800",
            "-62135596800.0001",
            "1e300",
            "1e400",
            "-1e400",
        ] {
            assert_eq!(
                token_error(&jwt(&format!(r#"{{"exp":{exp}}}"#))).message,
                "the token's exp claim is out of the supported date range",
                "{exp}"
            );
        }
        // An iat out of range is left out, like any malformed optional claim.
        assert_eq!(ms(r#"{"exp":1,"iat":1e400}"#), Ok((1000, None)));
        assert_eq!(ms(r#"{"exp":1,"iat":-62135596800.0001}"#), Ok((1000, None)));
        // Numbers keep their text in claims_json.
        let info = decode_access_token(&jwt(r#"{"exp":1.50E+1,"n":1e400}"#)).unwrap();
        assert_eq!(info.claims_json, r#"{"exp":1.50E+1,"n":1e400}"#);
    }

    #[test]
    fn split_keeps_signing_input() {
        let token = jwt(r#"{"exp":1}"#);
        let parts = split_jwt(&token).unwrap();
        assert_eq!(parts.signature, vec![1, 2, 255]);
        assert_eq!(
            Some(parts.signing_input.as_str()),
            token.rsplit_once('.').map(|(a, _)| a)
        );
        assert_eq!(
            parts.header_json.get("alg").and_then(Json::as_str),
            Some("RS256")
        );
        assert!(!format!("{parts:?}").contains(&parts.signing_input));
        // Padding is tolerated, and an empty signature is allowed.
        let padded = format!("{}=.{}.", b64(br#"{"a":1}"#), b64(br#"{"exp":1}"#));
        assert!(split_jwt(&padded).unwrap().signature.is_empty());
    }

    fn token_error(token: &str) -> Error {
        let err = decode_access_token(token).unwrap_err();
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
            let err = decode_access_token(&token).unwrap_err();
            assert!(!err.message.contains("SECRET"));
            assert!(!err.message.contains(&token[..8]));
        }
    }

    proptest! {
        #[test]
        fn never_panics(token in "[A-Za-z0-9_=.-]{0,80}") {
            let _ = decode_access_token(&token);
        }

        #[test]
        fn exp_round_trips(exp in 0i64..253_402_300_799) {
            let info = decode_access_token(&jwt(&format!(r#"{{"exp":{exp}}}"#))).unwrap();
            prop_assert_eq!(info.expires_on_ms, exp * 1000);
        }
    }
}
