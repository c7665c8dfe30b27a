//! `TokenEndpoint`: the edge token endpoint's I/O around the decisions of
//! [`crate::core::endpoint`]. `pkg-template/worker.js` wraps it as `acs-identity/worker`.
//!
//! This file reads the `Request` (head, then the body with an 8 KiB cap), verifies RS256 / ES256
//! app tokens with WebCrypto against the cached keys of `AUTH_JWKS_URL`, talks to ACS through
//! [`CommunicationIdentityClient`] (and to the `IDENTITY_KV` namespace in `kv` mode) and builds the
//! `Response`. `handle` never rejects: every failure becomes a JSON error answer.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Date, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{
    Crypto, CryptoKey, ReadableStream, ReadableStreamDefaultReader, ReadableStreamReadResult,
    Request, Response, ResponseInit, ResponseType, SubtleCrypto,
};

use super::client::CommunicationIdentityClient;
use super::host::{self, absent, bound_abort, set, AbortController, Timer};
use crate::core::endpoint::{
    self as ep, Binding, Claims, Config, HandlerOptions, HttpResponse, IdentityPlan, JsonReader,
    Jwk, JwkKey, JwksAction, JwksPolicy, JwksState, KeyAlg, KeyCheck, KvBinding, Next, RateLimit,
    RateLimiter, Rejection, RequestHead, TrustSource, Verification,
};
use crate::core::error::show_number;

/// ACS calls of the endpoint give up after this long (retries included) unless `timeoutMs` says.
const DEFAULT_ACS_TIMEOUT_MS: f64 = 20_000.0;
/// Time limit of one JWKS download.
const JWKS_TIMEOUT_MS: f64 = 5_000.0;
/// Largest JWKS document accepted.
const MAX_JWKS_BYTES: usize = 256 * 1024;

/// `console.error` (messages never carry a secret).
fn console_error(message: &str) {
    web_sys::console::error_1(&JsValue::from_str(message));
}

/// WebCrypto's `crypto.subtle`, from the global (web-sys has `crypto` only on `Window` and
/// `WorkerGlobalScope`; every runtime the endpoint runs in has it on the global).
fn subtle() -> Option<SubtleCrypto> {
    let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto")).ok()?;
    if absent(&crypto) {
        return None;
    }
    Some(crypto.unchecked_into::<Crypto>().subtle())
}

// ---- small JS helpers --------------------------------------------------------------------------

/// JSON in: the JS engine parses (`JSON.parse`), serde-wasm-bindgen converts to the core's types.
struct JsEngine;

impl JsonReader for JsEngine {
    type Value = JsValue;

    fn parse(&self, text: &str) -> Option<JsValue> {
        js_sys::JSON::parse(text).ok()
    }

    fn read<T: serde::de::DeserializeOwned>(&self, value: &JsValue) -> Option<T> {
        serde_wasm_bindgen::from_value(value.clone()).ok()
    }
}

fn get(obj: &JsValue, key: &str) -> JsValue {
    if obj.is_object() || obj.is_function() {
        Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

fn object(pairs: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        set(&o, k, v);
    }
    o
}

fn now_ms() -> i64 {
    Date::now() as i64
}

/// A binding as the core sees it (see [`Binding`]'s `Deserialize`); a value serde-wasm-bindgen
/// cannot read (a function) is not text.
fn binding(bindings: &JsValue, name: &str) -> Binding {
    serde_wasm_bindgen::from_value(get(bindings, name)).unwrap_or(Binding::NotText)
}

fn kv_binding(v: &JsValue) -> KvBinding {
    if absent(v) {
        KvBinding::Missing
    } else if get(v, "get").is_function() && get(v, "put").is_function() {
        KvBinding::Present
    } else {
        KvBinding::Invalid
    }
}

/// An option that must be a string when present (anything else makes the core reject it).
fn string_option(options: &JsValue, key: &str) -> Option<String> {
    match serde_wasm_bindgen::from_value(get(options, key)) {
        Ok(None) => None,
        Ok(Some(s)) => Some(s),
        Err(_) => Some("\u{0}".into()),
    }
}

// ---- the endpoint ------------------------------------------------------------------------------

struct State {
    config: Result<Config, Rejection>,
    client: Option<CommunicationIdentityClient>,
    kv: JsValue,
    fetch: Option<Function>,
    /// In-flight identity creations of `kv` mode, by KV key: concurrent first requests of one
    /// user in this isolate share one new identity. (Small maps are plain vectors here: a
    /// `HashMap` costs the browser bundle kilobytes.)
    creating: RefCell<Vec<(String, Promise)>>,
    /// The `TOKEN_RATE_LIMITER` binding (used when the config says `RateLimit::Binding`).
    limiter_binding: JsValue,
    /// The in-process limiter (`RateLimit::PerMinute`).
    limiter: RefCell<RateLimiter>,
}

/// The token endpoint. `new TokenEndpoint(bindings, options)`; `handle(request)` → `Promise<Response>`.
#[wasm_bindgen]
pub struct TokenEndpoint {
    state: Rc<State>,
}

fn build_client(
    config: &Config,
    options: &JsValue,
    fetch: &Option<Function>,
) -> Result<CommunicationIdentityClient, Rejection> {
    let client_options = object(&[("apiVersion", config.api_version.as_str().into())]);
    if let Some(f) = fetch {
        set(&client_options, "fetch", f);
    }
    let retry = get(options, "retry");
    if !absent(&retry) {
        set(&client_options, "retry", &retry);
    }
    let timeout = get(options, "timeoutMs");
    set(
        &client_options,
        "timeoutMs",
        &if absent(&timeout) {
            DEFAULT_ACS_TIMEOUT_MS.into()
        } else {
            timeout
        },
    );
    CommunicationIdentityClient::new(
        JsValue::from_str(&config.connection_string),
        client_options.into(),
        JsValue::UNDEFINED,
    )
    .map_err(|e| {
        // The client's messages name the option and never contain a secret or value.
        let target = get(&e, "target").as_string().unwrap_or_default();
        if target == "connectionString" {
            Rejection::configuration("ACS_CONNECTION_STRING is not a valid connection string")
        } else {
            let message = get(&e, "message").as_string().unwrap_or_default();
            Rejection::configuration(format!("invalid handler option: {message}"))
        }
    })
}

#[wasm_bindgen]
impl TokenEndpoint {
    /// `bindings`: the Worker's `env` (or an object with the same names); `options`:
    /// `{ apiVersion?, basePath?, fetch?, retry?, timeoutMs? }`. Never throws: a bad configuration
    /// makes every request on a known route answer 500 naming the binding.
    #[wasm_bindgen(constructor)]
    pub fn new(bindings: JsValue, options: JsValue) -> TokenEndpoint {
        let kv = get(&bindings, "IDENTITY_KV");
        let limiter_binding = get(&bindings, "TOKEN_RATE_LIMITER");
        let handler_options = HandlerOptions {
            api_version: string_option(&options, "apiVersion"),
            base_path: string_option(&options, "basePath"),
            rate_limiter: if absent(&limiter_binding) {
                None
            } else {
                Some(get(&limiter_binding, "limit").is_function())
            },
        };
        let lookup = |name: &str| binding(&bindings, name);
        let mut config = Config::from_bindings(&lookup, kv_binding(&kv), &handler_options);
        let fetch_value = get(&options, "fetch");
        let fetch = if absent(&fetch_value) {
            None
        } else if let Some(f) = fetch_value.dyn_ref::<Function>() {
            Some(f.clone())
        } else {
            if config.is_ok() {
                config = Err(Rejection::configuration(
                    "invalid handler option: fetch must be a function",
                ));
            }
            None
        };
        let mut client = None;
        if let Ok(c) = &config {
            match build_client(c, &options, &fetch) {
                Ok(cl) => client = Some(cl),
                Err(r) => config = Err(r),
            }
        }
        let per_minute = match &config {
            Ok(Config {
                rate_limit: RateLimit::PerMinute(n),
                ..
            }) => *n,
            _ => 0,
        };
        TokenEndpoint {
            state: Rc::new(State {
                config,
                client,
                kv,
                fetch,
                creating: RefCell::new(Vec::new()),
                limiter_binding,
                limiter: RefCell::new(RateLimiter::new(per_minute)),
            }),
        }
    }

    /// Answers one request; the promise always resolves to a `Response`.
    pub fn handle(&self, request: JsValue) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move { handle(state, request.unchecked_into()).await })
    }
}

fn to_response(r: &HttpResponse) -> Result<JsValue, JsValue> {
    let headers = Array::new();
    for (name, value) in &r.headers {
        headers.push(&Array::of2(
            &JsValue::from_str(name),
            &JsValue::from_str(value),
        ));
    }
    let init = ResponseInit::new();
    init.set_status(r.status);
    init.set_headers(&headers);
    let body = match &r.body {
        None => None,
        // JSON out: serde-wasm-bindgen makes the object (members in field order), the JS engine
        // writes it.
        Some(body) => {
            let value = serde_wasm_bindgen::to_value(body)?;
            Some(String::from(js_sys::JSON::stringify(&value)?))
        }
    };
    Ok(Response::new_with_opt_str_and_init(body.as_deref(), &init)?.into())
}

async fn handle(state: Rc<State>, request: Request) -> Result<JsValue, JsValue> {
    let method = request.method();
    let url = request.url();
    let headers = request.headers();
    let header = |name: &str| headers.get(name).ok().flatten();
    let origin = header("origin");
    let content_length = header("content-length");
    let authorization = header("authorization");
    let head = RequestHead {
        method: &method,
        path: ep::request_path(&url),
        origin: origin.as_deref(),
        content_length: content_length.as_deref(),
        authorization: authorization.as_deref(),
    };
    let (cors, token, revoke) = match ep::begin(state.config.as_ref(), &head) {
        Next::Respond(r) => return to_response(&r),
        Next::Token {
            cors,
            token,
            revoke,
        } => (cors, token, revoke),
    };
    let answer = match &state.config {
        Ok(config) if revoke => revoke_user(&state, config, &token)
            .await
            .map(|()| ep::revoked_response(&cors)),
        Ok(config) => issue(&state, config, &request, &token)
            .await
            .and_then(|(id, token, expires)| ep::token_response(&cors, &id, &token, expires)),
        Err(r) => Err(r.clone()),
    };
    match answer {
        Ok(r) => to_response(&r),
        Err(r) => to_response(&ep::error_response(&cors, &r)),
    }
}

/// Verifies the app token and checks its claims; returns the user's mapping key.
async fn app_user(state: &State, config: &Config, token: &str) -> Result<String, Rejection> {
    let (claims, source) = match ep::verify_token(config, token, &JsEngine)? {
        Verification::Verified(claims) => (claims, TrustSource::Secret),
        Verification::NeedsKey(check) => (
            verify_with_jwks(state, config, check).await?,
            TrustSource::Jwks,
        ),
    };
    let sub = ep::check_claims(config, &claims, now_ms())?;
    ep::mapping_key(config, source, &claims, &sub)
}

/// The per-user rate limit of token requests (the binding, or the in-process limiter).
async fn rate_limit(state: &State, config: &Config, key: &str) -> Result<(), Rejection> {
    match config.rate_limit {
        RateLimit::Off => Ok(()),
        RateLimit::PerMinute(_) => state
            .limiter
            .borrow_mut()
            .check(key, now_ms())
            .map_err(Rejection::rate_limited),
        RateLimit::Binding => {
            let limit: Function = get(&state.limiter_binding, "limit")
                .dyn_into()
                .map_err(|_| Rejection::internal("TOKEN_RATE_LIMITER has no limit function"))?;
            let options = object(&[("key", key.into())]);
            let outcome = match limit.call1(&state.limiter_binding, &options) {
                Ok(v) => JsFuture::from(Promise::resolve(&v)).await,
                Err(e) => Err(e),
            };
            match outcome {
                Ok(v) if get(&v, "success").as_bool() == Some(true) => Ok(()),
                Ok(_) => Err(Rejection::rate_limited(ep::BINDING_RETRY_AFTER_SECONDS)),
                Err(_) => {
                    // Fail closed: an unusable limiter must not lift the limit.
                    console_error(
                        "acs-identity/worker: TOKEN_RATE_LIMITER.limit failed; the request is refused",
                    );
                    Err(Rejection::internal(
                        "the rate limiter (TOKEN_RATE_LIMITER) failed",
                    ))
                }
            }
        }
    }
}

/// `DELETE /token`: revokes every ACS token of the user (sign-out). A user without an identity
/// has nothing to revoke: 204 as well.
async fn revoke_user(state: &State, config: &Config, token: &str) -> Result<(), Rejection> {
    let key = app_user(state, config, token).await?;
    let client = state
        .client
        .as_ref()
        .ok_or_else(|| Rejection::internal("the ACS client is not available"))?;
    let mut id = None;
    if let IdentityPlan::Kv(k) = ep::identity_plan(config, &key) {
        let stored = kv_call(&state.kv, "get", &[JsValue::from_str(&k)])
            .await
            .map_err(|_| Rejection::internal("IDENTITY_KV could not be read"))?;
        id = stored.as_string().filter(|id| ep::is_stored_id_usable(id));
    }
    if id.is_none() && ep::creates_with_custom_id(config) {
        // The service knows the identity by its customId (it returns the existing one).
        let options = object(&[("customId", key.as_str().into())]);
        let user = JsFuture::from(client.create_user(options.into()))
            .await
            .map_err(upstream_failure)?;
        id = get(&user, "communicationUserId").as_string();
    }
    let Some(id) = id else { return Ok(()) };
    match JsFuture::from(client.revoke_tokens(JsValue::from_str(&id), JsValue::UNDEFINED)).await {
        Ok(_) => Ok(()),
        Err(e) if get(&e, "code").as_string().as_deref() == Some("IdentityNotFound") => Ok(()),
        Err(e) => Err(upstream_failure(e)),
    }
}

/// The token route after the cheap checks: verify, limit, read the body, get the identity and
/// token.
async fn issue(
    state: &State,
    config: &Config,
    request: &Request,
    token: &str,
) -> Result<(String, String, i64), Rejection> {
    let sub = app_user(state, config, token).await?;
    rate_limit(state, config, &sub).await?;
    let body = read_body(request).await?;
    let wanted = ep::parse_body(config, &body, &JsEngine)?;
    let client = state
        .client
        .as_ref()
        .ok_or_else(|| Rejection::internal("the ACS client is not available"))?;
    let scopes: Array = wanted.scopes.iter().map(|s| JsValue::from_str(s)).collect();
    let minutes = JsValue::from(wanted.expires_in_minutes);
    match ep::identity_plan(config, &sub) {
        IdentityPlan::CustomId(custom_id) => {
            let options = object(&[
                ("customId", custom_id.into()),
                ("tokenExpiresInMinutes", minutes),
            ]);
            let result =
                JsFuture::from(client.create_user_and_token(scopes.into(), options.into()))
                    .await
                    .map_err(upstream_failure)?;
            created_parts(&result)
        }
        IdentityPlan::Kv(key) => {
            let custom_id = ep::creates_with_custom_id(config);
            kv_token(state, client, key, custom_id, scopes, minutes).await
        }
    }
}

/// Logs the failure's code and status (never its message, which may name the endpoint) and
/// answers the fixed 502.
fn upstream_failure(err: JsValue) -> Rejection {
    let code = get(&err, "code")
        .as_string()
        .unwrap_or_else(|| "Unknown".into());
    let status = get(&err, "statusCode")
        .as_f64()
        .map_or_else(|| "none".to_string(), show_number);
    let request_id = get(&err, "requestId").as_string().unwrap_or_default();
    console_error(&format!(
        "acs-identity/worker: ACS did not issue a token (code {code}, status {status}, request id {request_id})"
    ));
    Rejection::upstream()
}

/// `(communicationUserId, token, expiresOn ms)` of a `createUserAndToken` result.
fn created_parts(result: &JsValue) -> Result<(String, String, i64), Rejection> {
    let id = get(&get(result, "user"), "communicationUserId")
        .as_string()
        .ok_or_else(Rejection::upstream)?;
    let (token, expires) = token_parts(result)?;
    Ok((id, token, expires))
}

/// `(token, expiresOn ms)` of a `getToken` / `createUserAndToken` result.
fn token_parts(result: &JsValue) -> Result<(String, i64), Rejection> {
    let token = get(result, "token")
        .as_string()
        .ok_or_else(Rejection::upstream)?;
    let expires = get(result, "expiresOn");
    let ms = expires
        .dyn_ref::<Date>()
        .map(|d| d.get_time())
        .filter(|t| t.is_finite())
        .ok_or_else(Rejection::upstream)?;
    Ok((token, ms as i64))
}

// ---- kv mapping --------------------------------------------------------------------------------

async fn kv_call(kv: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, ()> {
    let f: Function = get(kv, method).dyn_into().map_err(|_| ())?;
    let args: Array = args.iter().collect();
    let result = f.apply(kv, &args).map_err(|_| ())?;
    JsFuture::from(Promise::resolve(&result))
        .await
        .map_err(|_| ())
}

async fn kv_token(
    state: &State,
    client: &CommunicationIdentityClient,
    key: String,
    custom_id: bool,
    scopes: Array,
    minutes: JsValue,
) -> Result<(String, String, i64), Rejection> {
    let stored = kv_call(&state.kv, "get", &[JsValue::from_str(&key)])
        .await
        .map_err(|_| Rejection::internal("IDENTITY_KV could not be read"))?;
    if let Some(id) = stored.as_string().filter(|id| ep::is_stored_id_usable(id)) {
        match get_token(client, &id, &scopes, &minutes).await {
            Ok((token, expires)) => return Ok((id, token, expires)),
            // The stored identity was deleted, or belongs to another ACS resource (the connection
            // string now names another resource: the service answers 401 IdentityNotOwned): make a
            // new one below and store it instead.
            Err(e)
                if matches!(
                    get(&e, "code").as_string().as_deref(),
                    Some("IdentityNotFound" | "IdentityNotOwned")
                ) => {}
            Err(e) => return Err(upstream_failure(e)),
        }
    }

    let existing = state
        .creating
        .borrow()
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, p)| p.clone());
    if let Some(pending) = existing {
        // Another request of this user is creating the identity: use it, with our own token.
        let created = JsFuture::from(pending)
            .await
            .map_err(|_| Rejection::upstream())?;
        let (id, _, _) = created_parts(&created)?;
        let (token, expires) = get_token(client, &id, &scopes, &minutes)
            .await
            .map_err(upstream_failure)?;
        return Ok((id, token, expires));
    }

    let promise = {
        // With the key as customId the service de-duplicates: instances that map a new user at
        // the same time get the same identity, and KV is only a cache of it.
        let options = object(&[("tokenExpiresInMinutes", minutes)]);
        if custom_id {
            set(&options, "customId", &JsValue::from_str(&key));
        }
        let create = client.create_user_and_token(scopes.into(), options.into());
        let kv = state.kv.clone();
        let key = key.clone();
        future_to_promise(async move {
            let created = JsFuture::from(create).await?;
            let id = get(&get(&created, "user"), "communicationUserId");
            if kv_call(&kv, "put", &[JsValue::from_str(&key), id])
                .await
                .is_err()
            {
                return Err(JsValue::from_str("IDENTITY_KV"));
            }
            Ok(created)
        })
    };
    state
        .creating
        .borrow_mut()
        .push((key.clone(), promise.clone()));
    let result = JsFuture::from(promise).await;
    state.creating.borrow_mut().retain(|(k, _)| *k != key);
    match result {
        Ok(created) => created_parts(&created),
        Err(e) if e.as_string().as_deref() == Some("IDENTITY_KV") => Err(Rejection::internal(
            "the new identity could not be stored in IDENTITY_KV",
        )),
        Err(e) => Err(upstream_failure(e)),
    }
}

async fn get_token(
    client: &CommunicationIdentityClient,
    id: &str,
    scopes: &Array,
    minutes: &JsValue,
) -> Result<(String, i64), JsValue> {
    let options = object(&[("tokenExpiresInMinutes", minutes.clone())]);
    let result =
        JsFuture::from(client.get_token(JsValue::from_str(id), scopes.into(), options.into()))
            .await?;
    token_parts(&result).map_err(|_| JsValue::from_str("UnexpectedResponse"))
}

// ---- the request body --------------------------------------------------------------------------

/// Reads the body, refusing (413) as soon as more than 8 KiB arrived.
async fn read_body(request: &Request) -> Result<Vec<u8>, Rejection> {
    let Some(body) = request.body() else {
        return Ok(Vec::new());
    };
    read_capped(body, ep::MAX_BODY_BYTES)
        .await
        .map_err(|e| match e {
            Capped::TooLarge => Rejection::too_large(),
            Capped::Unreadable => Rejection::bad_body("the request body could not be read"),
        })
}

/// Why a stream was not read to its end.
enum Capped {
    TooLarge,
    Unreadable,
}

/// Reads a `ReadableStream` of bytes, giving up (and cancelling it) as soon as more than `cap`
/// bytes arrived.
async fn read_capped(body: ReadableStream, cap: usize) -> Result<Vec<u8>, Capped> {
    let unreadable = || Capped::Unreadable;
    // `getReader` throws only for a locked stream (a body already being read).
    if body.locked() {
        return Err(unreadable());
    }
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut out: Vec<u8> = Vec::new();
    loop {
        let chunk: ReadableStreamReadResult = JsFuture::from(reader.read())
            .await
            .map_err(|_| unreadable())?
            .unchecked_into();
        if chunk.get_done().unwrap_or(true) {
            return Ok(out);
        }
        let value = chunk.get_value();
        let bytes = match value.dyn_into::<Uint8Array>() {
            Ok(b) => b,
            Err(v) => Uint8Array::new(&v),
        };
        let len = bytes.length() as usize;
        if out.len() + len > cap {
            // Nothing to wait for: the rest of the stream is discarded.
            drop(reader.cancel());
            return Err(Capped::TooLarge);
        }
        let start = out.len();
        out.resize(start + len, 0);
        if let Some(slot) = out.get_mut(start..) {
            bytes.copy_to(slot);
        }
    }
}

// ---- JWKS --------------------------------------------------------------------------------------

#[derive(Default)]
struct JwksCache {
    state: JwksState,
    keys: Vec<Jwk>,
    /// The imported `CryptoKey` of each entry of `keys`.
    crypto_keys: Vec<CryptoKey>,
    /// The download in flight, shared by every request that waits for it.
    pending: Option<Promise>,
}

thread_local! {
    /// Per JWKS URL, for the life of the isolate (shared by every endpoint of the module).
    static JWKS: RefCell<Vec<(String, JwksCache)>> = const { RefCell::new(Vec::new()) };
}

/// The cache entry of `url`, made when missing.
fn jwks_entry<'a>(cache: &'a mut Vec<(String, JwksCache)>, url: &str) -> &'a mut JwksCache {
    let i = match cache.iter().position(|(u, _)| u == url) {
        Some(i) => i,
        None => {
            cache.push((url.to_string(), JwksCache::default()));
            cache.len() - 1
        }
    };
    &mut cache[i].1
}

/// The action for a token, and the keys it may be verified with now.
fn jwks_lookup(
    policy: &JwksPolicy,
    url: &str,
    check: &KeyCheck,
) -> (JwksAction, Vec<CryptoKey>, bool) {
    JWKS.with(|cache| {
        let mut cache = cache.borrow_mut();
        let entry = jwks_entry(&mut cache, url);
        let candidates: Vec<CryptoKey> =
            ep::key_candidates(&entry.keys, check.alg, check.kid.as_deref())
                .into_iter()
                .filter_map(|i| entry.crypto_keys.get(i).cloned())
                .collect();
        let action = ep::jwks_action(policy, &entry.state, !candidates.is_empty(), now_ms());
        (action, candidates, entry.state.fetched_at_ms.is_some())
    })
}

/// Whether the cached keys of `url` are within their lifetime and grace period.
fn jwks_trusted(policy: &JwksPolicy, url: &str) -> bool {
    JWKS.with(|cache| {
        let mut cache = cache.borrow_mut();
        ep::jwks_keys_trusted(policy, &jwks_entry(&mut cache, url).state, now_ms())
    })
}

async fn verify_with_jwks(
    state: &State,
    config: &Config,
    check: KeyCheck,
) -> Result<Claims, Rejection> {
    let url = config
        .jwks_url
        .as_deref()
        .ok_or_else(|| Rejection::internal("AUTH_JWKS_URL is not set"))?;
    let stale = || {
        console_error(
            "acs-identity/worker: the keys of AUTH_JWKS_URL are past their lifetime and grace period and could not be refreshed; tokens that need them are refused (401) until a download succeeds",
        );
        ep::stale_keys()
    };
    let (action, candidates, _) = jwks_lookup(&config.jwks_policy, url, &check);
    let candidates = match action {
        JwksAction::Use => candidates,
        JwksAction::Unknown => return Err(ep::unknown_key()),
        JwksAction::Unavailable => return Err(Rejection::jwks_unavailable()),
        JwksAction::Stale => return Err(stale()),
        JwksAction::Fetch { refetch } => {
            download_shared(url, refetch, state.fetch.clone()).await;
            // Whatever the download gave (or the stale keys when it failed): no second download.
            let (_, candidates, ever_fetched) = jwks_lookup(&config.jwks_policy, url, &check);
            if ever_fetched && !jwks_trusted(&config.jwks_policy, url) {
                return Err(stale());
            }
            if candidates.is_empty() {
                return Err(if ever_fetched {
                    ep::unknown_key()
                } else {
                    Rejection::jwks_unavailable()
                });
            }
            candidates
        }
    };
    let algorithm = match check.alg {
        KeyAlg::Rs256 => object(&[("name", "RSASSA-PKCS1-v1_5".into())]),
        KeyAlg::Es256 => object(&[("name", "ECDSA".into()), ("hash", "SHA-256".into())]),
    };
    let subtle = subtle().ok_or_else(|| Rejection::internal("WebCrypto is not available"))?;
    for key in candidates {
        let verified = match subtle.verify_with_object_and_u8_array_and_u8_array(
            &algorithm,
            &key,
            &check.signature,
            check.signing_input.as_bytes(),
        ) {
            Ok(p) => JsFuture::from(p).await.ok().and_then(|v| v.as_bool()),
            Err(_) => None,
        };
        if verified == Some(true) {
            return Ok(check.claims);
        }
    }
    Err(ep::bad_signature())
}

/// Starts (or joins) the download of `url`'s keys and waits for it.
async fn download_shared(url: &str, refetch: bool, fetch: Option<Function>) {
    let pending = JWKS.with(|cache| {
        let mut cache = cache.borrow_mut();
        let entry = jwks_entry(&mut cache, url);
        if refetch {
            entry.state.last_refetch_ms = Some(now_ms());
        }
        if let Some(p) = &entry.pending {
            return p.clone();
        }
        let url = url.to_string();
        let p = future_to_promise(async move {
            let result = download(&url, fetch.as_ref()).await;
            JWKS.with(|cache| {
                let mut cache = cache.borrow_mut();
                let entry = jwks_entry(&mut cache, &url);
                entry.pending = None;
                match result {
                    Some((keys, crypto_keys)) => {
                        entry.keys = keys;
                        entry.crypto_keys = crypto_keys;
                        entry.state.fetched_at_ms = Some(now_ms());
                        entry.state.last_failure_ms = None;
                    }
                    None => entry.state.last_failure_ms = Some(now_ms()),
                }
            });
            Ok(JsValue::UNDEFINED)
        });
        entry.pending = Some(p.clone());
        p
    });
    let _ = JsFuture::from(pending).await;
}

/// Downloads and imports the keys; `None` on any failure (logged without the URL).
async fn download(url: &str, fetch: Option<&Function>) -> Option<(Vec<Jwk>, Vec<CryptoKey>)> {
    let failed = |why: &str| {
        console_error(&format!(
            "acs-identity/worker: the keys of AUTH_JWKS_URL could not be fetched ({why})"
        ));
        None
    };
    let controller = AbortController::new();
    let _timer = Timer::start(&bound_abort(&controller), JWKS_TIMEOUT_MS);
    // Redirects are not followed: a redirect could lead anywhere (another origin, plain http),
    // past the check of AUTH_JWKS_URL.
    let init = object(&[
        ("method", "GET".into()),
        (
            "headers",
            object(&[("accept", "application/json".into())]).into(),
        ),
        ("redirect", "manual".into()),
        ("signal", controller.signal().into()),
    ]);
    let sent = match host::call_fetch(fetch, url, &init) {
        Ok(p) => JsFuture::from(p).await,
        Err(e) => Err(e),
    };
    let Ok(response) = sent else {
        return failed("network error or timeout");
    };
    if !response.is_object() {
        return failed("fetch did not return a Response");
    }
    let response: Response = response.unchecked_into();
    let status = response.status();
    if response.type_() == ResponseType::Opaqueredirect || (300..400).contains(&status) {
        return failed(&format!("status {status}: redirects are not followed"));
    }
    if status != 200 {
        return failed(&format!("status {status}"));
    }
    let Some(body) = response.body() else {
        return failed("the response has no body");
    };
    let bytes = match read_capped(body, MAX_JWKS_BYTES).await {
        Ok(b) => b,
        Err(Capped::TooLarge) => return failed("the document is too large"),
        Err(Capped::Unreadable) => return failed("the body could not be read"),
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return failed("the document is not UTF-8 text");
    };
    let keys = match ep::parse_jwks(&text, &JsEngine) {
        Ok(k) => k,
        Err(why) => return failed(why),
    };
    let mut usable = Vec::with_capacity(keys.len());
    let mut crypto_keys = Vec::with_capacity(keys.len());
    for jwk in keys {
        if let Some(key) = import_jwk(&jwk).await {
            usable.push(jwk);
            crypto_keys.push(key);
        }
    }
    Some((usable, crypto_keys))
}

/// Imports one public key for `verify`; `None` when WebCrypto refuses it.
async fn import_jwk(jwk: &Jwk) -> Option<CryptoKey> {
    let (key, algorithm) = match &jwk.key {
        JwkKey::Rsa { n, e } => (
            object(&[
                ("kty", "RSA".into()),
                ("n", n.as_str().into()),
                ("e", e.as_str().into()),
                ("alg", "RS256".into()),
                ("ext", true.into()),
            ]),
            object(&[
                ("name", "RSASSA-PKCS1-v1_5".into()),
                ("hash", "SHA-256".into()),
            ]),
        ),
        JwkKey::EcP256 { x, y } => (
            object(&[
                ("kty", "EC".into()),
                ("crv", "P-256".into()),
                ("x", x.as_str().into()),
                ("y", y.as_str().into()),
                ("ext", true.into()),
            ]),
            object(&[("name", "ECDSA".into()), ("namedCurve", "P-256".into())]),
        ),
    };
    let usages = Array::of1(&"verify".into());
    let promise = subtle()?
        .import_key_with_object("jwk", &key, &algorithm, false, &usages)
        .ok()?;
    Some(JsFuture::from(promise).await.ok()?.unchecked_into())
}
