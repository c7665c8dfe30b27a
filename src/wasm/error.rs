//! Core errors → JavaScript `AcsIdentityError`.
//!
//! The class is defined in the package's JavaScript (`pkg-template/errors.js`) so that it is a real
//! `Error` subclass that `instanceof` works with; each loader hands it over once, right after the
//! module is instantiated, through `__setErrorClass`.

use std::cell::RefCell;

use js_sys::{Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::core::{Error, ErrorKind};

thread_local! {
    static ERROR_CLASS: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// Registers the `AcsIdentityError` constructor: `new AcsIdentityError(message, { code, ... })`.
#[wasm_bindgen(js_name = "__setErrorClass")]
pub fn set_error_class(class: Function) {
    ERROR_CLASS.with(|c| *c.borrow_mut() = Some(class));
}

/// The fields of a thrown error (the second argument of `new AcsIdentityError(message, fields)`),
/// made by serde-wasm-bindgen: every key present (`undefined` when unknown), `cause` only when
/// there is one.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorFields<'a> {
    name: &'static str,
    #[serde(
        with = "serde_wasm_bindgen::preserve",
        skip_serializing_if = "JsValue::is_undefined"
    )]
    cause: JsValue,
    code: &'a str,
    status_code: Option<u16>,
    target: Option<&'a str>,
    #[serde(with = "serde_wasm_bindgen::preserve")]
    details: JsValue,
    request_id: Option<&'a str>,
}

/// Converts a core error to the JavaScript error that is thrown.
pub fn to_js(err: Error) -> JsValue {
    to_js_with_cause(err, &JsValue::UNDEFINED)
}

/// The error's `name`, as the official SDK names the same failure: `AbortError` for an abort
/// by the caller's signal (`Aborted`, or `Timeout` with the signal's reason as `cause`),
/// `RestError` for a service answer or a network failure, else `AcsIdentityError`.
fn name_of(err: &Error, has_cause: bool) -> &'static str {
    match err.kind {
        ErrorKind::Aborted => "AbortError",
        ErrorKind::Timeout if has_cause => "AbortError",
        ErrorKind::NetworkError => "RestError",
        _ if err.status_code.is_some() => "RestError",
        _ => "AcsIdentityError",
    }
}

/// [`to_js`] with a `cause` (the abort signal's reason, the runtime's network error);
/// `undefined` for none.
pub fn to_js_with_cause(err: Error, cause: &JsValue) -> JsValue {
    let details = err
        .details_json
        .as_deref()
        .and_then(|d| js_sys::JSON::parse(d).ok())
        .unwrap_or(JsValue::UNDEFINED);
    let fields = ErrorFields {
        name: name_of(&err, !cause.is_undefined()),
        cause: cause.clone(),
        code: err.code(),
        status_code: err.status_code,
        target: err.target.as_deref(),
        details,
        request_id: err.request_id.as_deref(),
    };
    let props: Object = serde_wasm_bindgen::to_value(&fields)
        .map(JsCast::unchecked_into)
        .unwrap_or_else(|_| Object::new());
    let message = JsValue::from_str(&err.message);
    let class = ERROR_CLASS.with(|c| c.borrow().clone());
    if let Some(class) = class {
        let args = js_sys::Array::of2(&message, &props);
        if let Ok(e) = Reflect::construct(&class, &args) {
            return e;
        }
    }
    // Not registered (the raw glue used without a loader): a plain Error with the same fields.
    let e: JsValue = js_sys::Error::new(&err.message).into();
    let _ = Object::assign(&Object::from(e.clone()), &props);
    e
}

/// A JavaScript value inside a serde type, kept as it is (`serde_wasm_bindgen::preserve`);
/// displayed as compact JSON (`JSON.stringify`).
#[derive(serde::Deserialize)]
pub struct JsJson(#[serde(with = "serde_wasm_bindgen::preserve")] pub JsValue);

impl std::fmt::Display for JsJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = js_sys::JSON::stringify(&self.0)
            .ok()
            .and_then(|s| JsValue::from(s).as_string());
        f.write_str(text.as_deref().unwrap_or("null"))
    }
}

/// Shorthand for `Err(to_js(err))` conversions with `?`.
pub trait IntoJsResult<T> {
    fn js(self) -> Result<T, JsValue>;
}

impl<T> IntoJsResult<T> for crate::core::Result<T> {
    fn js(self) -> Result<T, JsValue> {
        self.map_err(to_js)
    }
}
