//! `decodeAccessToken`: reads (never verifies) an access token's claims (contract §6).

use js_sys::Array;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::error::{to_js, IntoJsResult};
use super::host::date;
use crate::core::access_token::{decode_access_token as decode, Claims, Parsed};
use crate::core::{Error, ErrorKind};

/// A part of the token read by the JavaScript engine (`JSON.parse`).
fn parse(text: &str) -> Parsed<JsValue> {
    match js_sys::JSON::parse(text) {
        Err(_) => Parsed::NotJson,
        Ok(v) if v.is_object() && !Array::is_array(&v) => Parsed::Object(v),
        Ok(_) => Parsed::NotObject,
    }
}

/// The result, shaped as the package documents it (every key present, `undefined` when unknown).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Decoded {
    communication_user_id: Option<String>,
    scopes: Vec<String>,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    issued_at: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    expires_on: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    claims: JsValue,
}

/// `decodeAccessToken(token)` → `{ communicationUserId, scopes, issuedAt?, expiresOn, claims }`.
///
/// Every failure is an `AcsIdentityError` with code `InvalidToken`: not a string, empty, an
/// encrypted (JWE) token, not a JWT, or no numeric `exp`. The message never contains the token.
#[wasm_bindgen(js_name = decodeAccessToken)]
pub fn decode_access_token(token: JsValue) -> Result<JsValue, JsValue> {
    let token = token.as_string().ok_or_else(|| {
        to_js(
            Error::new(ErrorKind::InvalidToken, "the access token must be a string")
                .with_target("token"),
        )
    })?;
    // Every claim is read leniently: an object always reads.
    let read = |claims: &JsValue| -> Claims {
        serde_wasm_bindgen::from_value(claims.clone()).unwrap_or_default()
    };
    let info = decode(&token, parse, read).js()?;
    let out = Decoded {
        communication_user_id: info.communication_user_id,
        scopes: info.scopes,
        issued_at: info.issued_at_ms.map_or(JsValue::UNDEFINED, date),
        expires_on: date(info.expires_on_ms),
        claims: info.claims,
    };
    Ok(serde_wasm_bindgen::to_value(&out)?)
}
