//! `signRequest` and `parseConnectionString`.

use js_sys::Uint8Array;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::error::{to_js, IntoJsResult};
use crate::core::connection_string::ConnectionString;
use crate::core::signing::{self, AccessKey};
use crate::core::url::Url;
use crate::core::{date, Error, ErrorKind};

/// `signRequest`'s options, read with serde-wasm-bindgen. Each member is kept as the JavaScript
/// value it is (`undefined` when absent) and checked below, so that a wrong one is named with what
/// it must be: `accessKey: null` is a wrong key (not a missing one), `body` and `date` take
/// several types (`Uint8Array`, `ArrayBuffer`, `Date`).
#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct SignOptions {
    #[serde(with = "serde_wasm_bindgen::preserve")]
    method: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    url: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    body: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    access_key: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    connection_string: JsValue,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    date: JsValue,
}

/// `signRequest`'s result: the three headers to send.
#[derive(Serialize)]
struct SignedHeaders {
    #[serde(rename = "x-ms-date")]
    date: String,
    #[serde(rename = "x-ms-content-sha256")]
    content_hash: String,
    authorization: String,
}

/// `parseConnectionString`'s result.
#[derive(Serialize)]
struct ParsedConnectionString {
    endpoint: String,
}

fn string_arg(v: JsValue, name: &str) -> Result<String, JsValue> {
    v.as_string().ok_or_else(|| {
        to_js(Error::invalid_argument(
            name,
            format!("`{name}` must be a string"),
        ))
    })
}

/// Reads a body given as a string (UTF-8), a `Uint8Array` or an `ArrayBuffer`; absent means empty.
pub fn body_bytes(body: &JsValue) -> Result<Vec<u8>, JsValue> {
    if body.is_undefined() || body.is_null() {
        Ok(Vec::new())
    } else if let Some(s) = body.as_string() {
        Ok(s.into_bytes())
    } else if let Some(a) = body.dyn_ref::<Uint8Array>() {
        Ok(a.to_vec())
    } else if let Some(b) = body.dyn_ref::<js_sys::ArrayBuffer>() {
        Ok(Uint8Array::new(b).to_vec())
    } else {
        Err(to_js(Error::invalid_argument(
            "body",
            "`body` must be a string, a Uint8Array or an ArrayBuffer",
        )))
    }
}

/// Reads a date given as a `Date`, Unix milliseconds or an RFC 1123 string; absent means now.
fn date_ms(date: &JsValue) -> Result<i64, JsValue> {
    let bad = |what: &str| to_js(Error::invalid_argument("date", format!("`date` {what}")));
    let ms = if date.is_undefined() || date.is_null() {
        js_sys::Date::now()
    } else if let Some(d) = date.dyn_ref::<js_sys::Date>() {
        d.get_time()
    } else if let Some(n) = date.as_f64() {
        n
    } else if let Some(s) = date.as_string() {
        return date::parse_rfc1123(&s).ok_or_else(|| {
            bad("must be an RFC 1123 date such as \"Wed, 13 Apr 2022 18:09:12 GMT\"")
        });
    } else {
        return Err(bad(
            "must be a Date, a number of milliseconds or an RFC 1123 string",
        ));
    };
    checked_ms(ms)
}

/// Unix milliseconds within the years 1..=9999, else the `date` argument error.
fn checked_ms(ms: f64) -> Result<i64, JsValue> {
    if !ms.is_finite() || !(date::MIN_UNIX_MS as f64..=date::MAX_UNIX_MS as f64).contains(&ms) {
        return Err(to_js(Error::invalid_argument(
            "date",
            "`date` is not a valid point in time",
        )));
    }
    Ok(ms as i64)
}

/// The access key of a `signRequest` call: exactly one of `accessKey` / `connectionString`.
fn access_key(options: &mut SignOptions) -> Result<AccessKey, JsValue> {
    let key = std::mem::take(&mut options.access_key);
    let cs = std::mem::take(&mut options.connection_string);
    match (key.is_undefined(), cs.is_undefined()) {
        (false, true) => AccessKey::from_base64(&string_arg(key, "accessKey")?).js(),
        (true, false) => Ok(
            ConnectionString::parse(&string_arg(cs, "connectionString")?)
                .js()?
                .key,
        ),
        _ => Err(to_js(Error::invalid_argument(
            "accessKey",
            "give exactly one of `accessKey` and `connectionString`",
        ))),
    }
}

/// `signRequest({ method, url, body?, accessKey?, connectionString?, date? })` → the three headers.
#[wasm_bindgen(js_name = signRequest)]
pub fn sign_request(options: JsValue) -> Result<JsValue, JsValue> {
    if !options.is_object() {
        return Err(to_js(Error::invalid_argument(
            "options",
            "signRequest takes an options object: { method, url, body?, accessKey | connectionString, date? }",
        )));
    }
    let mut options: SignOptions = serde_wasm_bindgen::from_value(options).unwrap_or_default();
    let key = access_key(&mut options)?;
    let method = string_arg(options.method, "method")?;
    let url = Url::parse(&string_arg(options.url, "url")?).js()?;
    let body = body_bytes(&options.body)?;
    let now = date_ms(&options.date)?;
    let headers = signing::sign_request(&key, &method, &url, &body, now).js()?;
    Ok(serde_wasm_bindgen::to_value(&SignedHeaders {
        date: headers.date,
        content_hash: headers.content_hash,
        authorization: headers.authorization,
    })?)
}

/// `parseConnectionString(cs)` → `{ endpoint }`, validated; the key is never returned.
#[wasm_bindgen(js_name = parseConnectionString)]
pub fn parse_connection_string(cs: JsValue) -> Result<JsValue, JsValue> {
    let cs = cs.as_string().ok_or_else(|| {
        to_js(Error::new(
            ErrorKind::InvalidConnectionString,
            "the connection string must be a string",
        ))
    })?;
    let parsed = ConnectionString::parse(&cs).js()?;
    Ok(serde_wasm_bindgen::to_value(&ParsedConnectionString {
        endpoint: parsed.endpoint.as_str(),
    })?)
}

thread_local! {
    /// The last access key decoded by the fast path, by its base64 text.
    static LAST_KEY: std::cell::RefCell<Option<(String, AccessKey)>> = const { std::cell::RefCell::new(None) };
}

/// The fast path of `signRequest` for the common call shape (string method, URL, body and access
/// key; the time as milliseconds), used by the package's JS wrapper: plain strings cross the
/// boundary instead of an options object read property by property, and the three headers come
/// back as one string, `date\nhash\nauthorization`. Validation and errors are those of
/// `signRequest`.
#[wasm_bindgen(js_name = "__signFast")]
pub fn sign_fast(
    method: &str,
    url: &str,
    body: &str,
    access_key: &str,
    now_ms: f64,
) -> Result<String, JsValue> {
    // The key is borrowed from the cache, not cloned: a keyed HMAC state is copied per signature
    // anyway (in `AccessKey::sign`).
    let h = LAST_KEY.with(|last| {
        let mut last = last.borrow_mut();
        let key = match &mut *last {
            Some((text, key)) if text == access_key => &*key,
            slot => {
                // Cleared first, so a key that fails to decode leaves nothing cached.
                *slot = None;
                let key = AccessKey::from_base64(access_key).js()?;
                &slot.insert((access_key.to_string(), key)).1
            }
        };
        let url = Url::parse(url).js()?;
        signing::sign_request(key, method, &url, body.as_bytes(), checked_ms(now_ms)?).js()
    })?;
    let mut out =
        String::with_capacity(h.date.len() + h.content_hash.len() + h.authorization.len() + 2);
    for part in [&h.date, "\n", &h.content_hash, "\n", &h.authorization] {
        out.push_str(part);
    }
    Ok(out)
}
