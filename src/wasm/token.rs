//! `decodeAccessToken`: reads (never verifies) an access token's claims (contract §6).

use js_sys::{Array, Date, Object, Reflect};
use wasm_bindgen::prelude::*;

use super::error::{to_js, IntoJsResult};
use crate::core::access_token::decode_access_token as decode;
use crate::core::{Error, ErrorKind};

fn set(obj: &Object, key: &str, value: &JsValue) {
    // Setting a property on a fresh plain object cannot fail.
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

fn date(ms: i64) -> JsValue {
    Date::new(&JsValue::from_f64(ms as f64)).into()
}

/// `decodeAccessToken(token)` → `{ communicationUserId, scopes, issuedAt?, expiresOn, claims }`.
///
/// Every failure is an `AcsIdentityError` with code `InvalidToken`: not a string, empty, an
/// encrypted (JWE) token, not a JWT, or no numeric `exp`. The message never contains the token.
#[wasm_bindgen(js_name = decodeAccessToken)]
pub fn decode_access_token(token: JsValue) -> Result<Object, JsValue> {
    let token = token.as_string().ok_or_else(|| {
        to_js(
            Error::new(ErrorKind::InvalidToken, "the access token must be a string")
                .with_target("token"),
        )
    })?;
    let info = decode(&token).js()?;
    let out = Object::new();
    set(
        &out,
        "communicationUserId",
        &info
            .communication_user_id
            .as_deref()
            .map_or(JsValue::UNDEFINED, JsValue::from_str),
    );
    let scopes: Array = info.scopes.iter().map(|s| JsValue::from_str(s)).collect();
    set(&out, "scopes", &scopes);
    set(
        &out,
        "issuedAt",
        &info.issued_at_ms.map_or(JsValue::UNDEFINED, date),
    );
    set(&out, "expiresOn", &date(info.expires_on_ms));
    // The core wrote this JSON itself, so it parses; an empty object is the safe fallback.
    let claims = js_sys::JSON::parse(&info.claims_json).unwrap_or_else(|_| Object::new().into());
    set(&out, "claims", &claims);
    Ok(out)
}
