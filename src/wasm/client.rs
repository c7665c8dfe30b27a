//! `CommunicationIdentityClient`: the official SDK's API over the runtime's `fetch`.
//!
//! Each call: validate and build the request in the core, sign it (or get a bearer token), send it
//! with a per-call `AbortController` (the caller's `abortSignal` and the `timeoutMs` both abort it),
//! and let the core's retry policy decide what follows. Results are plain objects shaped like the
//! official SDK's.

use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Reflect};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use super::error::{to_js, to_js_with_cause, IntoJsResult, JsJson};
use super::host::{
    self, absent, bound_abort, date, set, AbortController, AbortSignal, Listener, RequestInit,
    Response, Timer,
};
use crate::core::connection_string::{ConnectionString, Endpoint};
use crate::core::operations::{
    build_request, create_is_idempotent, effective_version, parse_response, AccessToken, Answer,
    ApiVersion, Member, Minutes, Nullable, Operation, OperationOutput, RequestBody, RequestVersion,
    Scopes,
};
use crate::core::retry::{self, classify_failure, Decision, Failure, Outcome, RetryPolicy};
use crate::core::signing::{self, AccessKey};
use crate::core::url::Url;
use crate::core::{Error, ErrorKind};

/// Default overall time limit of one call, retries included.
const DEFAULT_TIMEOUT_MS: f64 = 60_000.0;
/// The scope of Microsoft Entra ID tokens for Communication Services.
const ENTRA_SCOPE: &str = "https://communication.azure.com//.default";
const USER_AGENT: &str = concat!("acs-identity/", env!("CARGO_PKG_VERSION"));

enum Auth {
    Key(AccessKey),
    /// An object with `getToken(scopes, options)` resolving `{ token, expiresOnTimestamp }`.
    Token(Object),
}

struct Inner {
    endpoint: Endpoint,
    auth: Auth,
    version: RequestVersion,
    pinned: bool,
    fetch: Option<Function>,
    policy: RetryPolicy,
    timeout_ms: f64,
}

/// Per-call options: `{ abortSignal?, timeoutMs? }` (plus the operation's own fields).
struct CallOptions {
    signal: Option<AbortSignal>,
    timeout_ms: f64,
}

// ---- reading JS arguments -------------------------------------------------------------------
//
// Option objects are read with serde-wasm-bindgen into the derived types below, with the SDK's
// member names. Strings and booleans are [`Member`]s (absent for `null` / `undefined`, else the
// value or "another type", which the checks below turn into the message naming the option);
// numbers, functions, signals and members whose `undefined` and `null` differ are kept as the
// JavaScript values they are ([`Js`]) and checked here.

/// A JavaScript value kept as it is in an options type (`undefined` when the member is absent).
#[derive(Default, Deserialize)]
#[serde(transparent)]
struct Js(#[serde(with = "serde_wasm_bindgen::preserve")] JsValue);

/// The options of every method (each reads its own): the call's `abortSignal` and `timeoutMs`,
/// and the operations' members.
#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct MethodOptions {
    abort_signal: Js,
    timeout_ms: Js,
    custom_id: Member<String>,
    /// `undefined` (not sent) and `null` (sent as `null`) differ.
    token_expires_in_minutes: Js,
    teams_user_aad_token: Member<String>,
    client_id: Member<String>,
    user_object_id: Member<String>,
}

/// The client's options.
#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct ClientOptions {
    api_version: Member<String>,
    fetch: Js,
    retry: Js,
    timeout_ms: Js,
    allow_insecure_connection: Member<bool>,
}

/// `options.retry`.
#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct RetryOptions {
    max_retries: Js,
    retry_delay_in_ms: Js,
    max_retry_delay_in_ms: Js,
}

/// The constructor's second argument: an `AzureKeyCredential` (`{ key }`) or a
/// `TokenCredential` (`{ getToken() }`).
#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct CredentialArg {
    key: Member<String>,
    get_token: Js,
}

/// `user`: `{ communicationUserId }`.
#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct UserArg {
    communication_user_id: Member<String>,
}

/// What a token credential's `getToken()` resolves: `{ token, expiresOnTimestamp }`.
#[derive(Default, Deserialize)]
#[serde(default)]
struct CredentialToken {
    token: Member<String>,
}

/// What the client reads of a runtime's error: `fetch` failures (`message`, `code`, and
/// `cause.code` in Node) and an abort reason (`name`).
#[derive(Default, Deserialize)]
#[serde(default)]
struct RuntimeError {
    name: Member<String>,
    message: Member<String>,
    code: Member<String>,
    cause: Js,
}

/// `T` read from a JavaScript object; the defaults (everything absent) for any other value.
fn read<T: Default + serde::de::DeserializeOwned>(v: &JsValue) -> T {
    if v.is_object() {
        serde_wasm_bindgen::from_value(v.clone()).unwrap_or_default()
    } else {
        T::default()
    }
}

fn options_object(v: &JsValue, name: &str) -> crate::core::Result<()> {
    if absent(v) || v.is_object() {
        Ok(())
    } else {
        Err(Error::invalid_argument(
            name,
            format!("`{name}` must be an object"),
        ))
    }
}

/// A string option: `None` when absent.
fn opt_string(v: &Member<String>, key: &str) -> crate::core::Result<Option<String>> {
    match v {
        Member::Absent => Ok(None),
        Member::Value(s) => Ok(Some(s.clone())),
        Member::Other => Err(Error::invalid_argument(
            key,
            format!("`{key}` must be a string"),
        )),
    }
}

/// A number option: `None` when absent (a BigInt is not a number).
fn opt_number(v: &Js, key: &str) -> crate::core::Result<Option<f64>> {
    if absent(&v.0) {
        return Ok(None);
    }
    v.0.as_f64()
        .map(Some)
        .ok_or_else(|| Error::invalid_argument(key, format!("`{key}` must be a number")))
}

fn timeout_option(v: &Js, default: f64) -> crate::core::Result<f64> {
    match opt_number(v, "timeoutMs")? {
        None => Ok(default),
        Some(ms) if ms.is_finite() && ms > 0.0 && ms <= 2_147_483_647.0 => Ok(ms),
        Some(_) => Err(Error::invalid_argument(
            "timeoutMs",
            "`timeoutMs` must be a positive number of milliseconds",
        )),
    }
}

fn call_options(
    raw: &JsValue,
    options: &MethodOptions,
    inner: &Inner,
) -> crate::core::Result<CallOptions> {
    options_object(raw, "options")?;
    let signal = &options.abort_signal.0;
    let signal = if absent(signal) {
        None
    } else if signal.is_object() && Reflect::has(signal, &"aborted".into()).unwrap_or(false) {
        Some(signal.clone().unchecked_into::<AbortSignal>())
    } else {
        return Err(Error::invalid_argument(
            "abortSignal",
            "`abortSignal` must be an AbortSignal",
        ));
    };
    Ok(CallOptions {
        signal,
        timeout_ms: timeout_option(&options.timeout_ms, inner.timeout_ms)?,
    })
}

/// `user` as `{ communicationUserId }` or the raw id string.
fn user_id(user: &JsValue) -> crate::core::Result<String> {
    let id = match user.as_string() {
        Some(id) => Some(id),
        None => read::<UserArg>(user).communication_user_id.value().cloned(),
    };
    id.ok_or_else(|| {
        Error::invalid_argument(
            "user",
            "`user` must be a communication user: { communicationUserId: \"8:acs:...\" } or the raw id string",
        )
    })
}

/// Scopes: an array whose items are strings, or `null` / `undefined` (holes too), which JSON
/// writes as `null` and the official SDK sends so; anything else the SDK refuses too.
fn scopes(v: &JsValue) -> crate::core::Result<Scopes> {
    let bad = || {
        Error::invalid_argument(
            "scopes",
            "`scopes` must be an array of strings such as [\"chat\", \"voip\"]",
        )
    };
    if !Array::is_array(v) {
        return Err(bad());
    }
    let items: Vec<Member<String>> =
        serde_wasm_bindgen::from_value(v.clone()).map_err(|_| bad())?;
    items
        .into_iter()
        .map(|item| match item {
            Member::Absent => Ok(None),
            Member::Value(s) => Ok(Some(s)),
            Member::Other => Err(bad()),
        })
        .collect()
}

/// `createUserAndToken`'s scopes: absent (`undefined`: no `createTokenWithScopes` at all),
/// `null` (sent as `null`) or a list, as the official SDK sends them.
fn create_scopes(v: &JsValue) -> crate::core::Result<Option<Nullable<Scopes>>> {
    if v.is_undefined() {
        Ok(None)
    } else if v.is_null() {
        Ok(Some(Nullable::Null))
    } else {
        scopes(v).map(|s| Some(Nullable::Value(s)))
    }
}

/// `tokenExpiresInMinutes` as the official SDK sends it: absent when `undefined`, any number as
/// JSON writes it (the service checks the range), and `null` for `null`, `NaN` and the
/// infinities (JSON's `null`: the service then applies its default). Another type is refused,
/// as by the SDK.
fn expires(options: &MethodOptions) -> crate::core::Result<Option<Nullable<Minutes>>> {
    let v = &options.token_expires_in_minutes.0;
    if v.is_undefined() {
        return Ok(None);
    }
    if v.is_null() {
        return Ok(Some(Nullable::Null));
    }
    let Some(n) = v.as_f64() else {
        return Err(Error::invalid_argument(
            "tokenExpiresInMinutes",
            "`tokenExpiresInMinutes` must be a number of minutes, got a value that is not a number",
        ));
    };
    Ok(Some(if n.is_finite() {
        Nullable::Value(Minutes(n))
    } else {
        Nullable::Null
    }))
}

// ---- results -----------------------------------------------------------------------------------
//
// Result objects are made by serde-wasm-bindgen from these types, shaped as the SDK's; dates are
// JavaScript `Date`s, kept as they are.

/// `{ communicationUserId, customId?, lastTokenIssuedAt? }`
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UserResult {
    communication_user_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    custom_id: Option<String>,
    #[serde(
        with = "serde_wasm_bindgen::preserve",
        skip_serializing_if = "JsValue::is_undefined"
    )]
    last_token_issued_at: JsValue,
}

/// `{ token, expiresOn }`, and `{ token, expiresOn, user }` (or `{ user }` alone, without a
/// token) for `createUserAndToken`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenResult {
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    #[serde(
        with = "serde_wasm_bindgen::preserve",
        skip_serializing_if = "JsValue::is_undefined"
    )]
    expires_on: JsValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<UserResult>,
}

fn token_result(t: Option<AccessToken>, user: Option<UserResult>) -> TokenResult {
    let (token, expires_on) = match t {
        Some(t) => (Some(t.token), date(t.expires_on_ms)),
        None => (None, JsValue::UNDEFINED),
    };
    TokenResult {
        token,
        expires_on,
        user,
    }
}

fn unexpected(what: &str) -> Error {
    Error::new(
        ErrorKind::UnexpectedResponse,
        format!("the service's answer lacks {what}"),
    )
}

/// A request body as the official SDK writes it: `JSON.stringify` of the body's value (`None`
/// written `null`). This text is signed and sent.
fn body_text(body: &RequestBody) -> Result<String, JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_missing_as_null(true);
    let value = body.serialize(&serializer)?;
    Ok(JsValue::from(js_sys::JSON::stringify(&value)?)
        .as_string()
        .unwrap_or_default())
}

/// The service's answer, parsed by the JavaScript engine (`JSON.parse`) and read into the
/// core's answer type.
fn read_answer(body: &str) -> Answer<JsJson> {
    if body.trim().is_empty() {
        return Answer::Empty;
    }
    let Ok(value) = js_sys::JSON::parse(body) else {
        return Answer::NotJson;
    };
    if !value.is_object() || Array::is_array(&value) {
        return Answer::NotObject;
    }
    // Every member is read leniently: an object always reads.
    serde_wasm_bindgen::from_value(value).map_or(Answer::NotObject, |v| Answer::Object(Box::new(v)))
}

// ---- the client --------------------------------------------------------------------------------

/// The ACS Identity client, with the official `@azure/communication-identity` API.
#[cfg_attr(feature = "client", wasm_bindgen)]
pub struct CommunicationIdentityClient {
    inner: Rc<Inner>,
}

fn parse_options(
    raw: &JsValue,
) -> crate::core::Result<(
    RequestVersion,
    bool,
    Option<Function>,
    RetryPolicy,
    f64,
    bool,
)> {
    options_object(raw, "options")?;
    let options: ClientOptions = read(raw);
    // Any api-version string is sent as given (a newer or retired one too: the service answers),
    // as by the official SDK; an empty one means the default, as with the SDK.
    let (version, pinned) = match opt_string(&options.api_version, "apiVersion")?
        .as_deref()
        .and_then(RequestVersion::pin)
    {
        Some(v) => (v, true),
        None => (RequestVersion::Known(ApiVersion::DEFAULT), false),
    };
    let fetch = options.fetch.0;
    let fetch = if absent(&fetch) {
        None
    } else {
        Some(
            fetch
                .dyn_into::<Function>()
                .map_err(|_| Error::invalid_argument("fetch", "`fetch` must be a function"))?,
        )
    };
    let mut policy = RetryPolicy::default();
    options_object(&options.retry.0, "retry")?;
    let retry: RetryOptions = read(&options.retry.0);
    let int_option = |v: &Js, key: &str, max: f64| -> crate::core::Result<Option<u32>> {
        match opt_number(v, key)? {
            None => Ok(None),
            Some(n) if n.fract() == 0.0 && (0.0..=max).contains(&n) => Ok(Some(n as u32)),
            Some(_) => Err(Error::invalid_argument(
                key,
                format!(
                    "`retry.{key}` must be a whole number from 0 to {}",
                    max as u32
                ),
            )),
        }
    };
    if let Some(n) = int_option(&retry.max_retries, "maxRetries", 10.0)? {
        policy.max_retries = n;
    }
    if let Some(n) = int_option(&retry.retry_delay_in_ms, "retryDelayInMs", 60_000.0)? {
        policy.base_delay_ms = n;
    }
    if let Some(n) = int_option(&retry.max_retry_delay_in_ms, "maxRetryDelayInMs", 600_000.0)? {
        policy.max_delay_ms = n;
    }
    let timeout = timeout_option(&options.timeout_ms, DEFAULT_TIMEOUT_MS)?;
    let insecure = match options.allow_insecure_connection {
        Member::Absent => false,
        Member::Value(b) => b,
        Member::Other => {
            return Err(Error::invalid_argument(
                "allowInsecureConnection",
                "`allowInsecureConnection` must be a boolean",
            ))
        }
    };
    Ok((version, pinned, fetch, policy, timeout, insecure))
}

#[cfg_attr(feature = "client", wasm_bindgen)]
impl CommunicationIdentityClient {
    /// `new CommunicationIdentityClient(connectionString, options?)`,
    /// `(endpoint, { key }, options?)` or `(endpoint, tokenCredential, options?)`.
    #[cfg_attr(feature = "client", wasm_bindgen(constructor))]
    pub fn new(
        first: JsValue,
        second: JsValue,
        third: JsValue,
    ) -> Result<CommunicationIdentityClient, JsValue> {
        let text = first.as_string().ok_or_else(|| {
            to_js(Error::invalid_argument(
                "connectionString",
                "the first argument must be a connection string or an endpoint URL",
            ))
        })?;
        let credential: CredentialArg = read(&second);
        let (endpoint, auth, options) = if credential.get_token.0.is_function() {
            (
                Endpoint::parse(&text).js()?,
                Auth::Token(second.unchecked_into()),
                third,
            )
        } else if let Member::Value(key) = &credential.key {
            let key = AccessKey::from_base64(key).js()?;
            (Endpoint::parse(&text).js()?, Auth::Key(key), third)
        } else if second.is_object() && !absent(&third) {
            return Err(to_js(Error::invalid_argument(
                "credential",
                "the credential must be { key } (an AzureKeyCredential) or a TokenCredential with getToken()",
            )));
        } else {
            let cs = ConnectionString::parse(&text).js()?;
            (cs.endpoint, Auth::Key(cs.key), second)
        };
        let (version, pinned, fetch, policy, timeout_ms, insecure) =
            parse_options(&options).js()?;
        let url = &endpoint.url;
        if url.scheme == "http" && !url.is_loopback() && !insecure {
            return Err(to_js(Error::new(
                ErrorKind::InvalidUrl,
                "the endpoint uses plain http: credentials would travel unencrypted. Use https, or set allowInsecureConnection: true (plain http is allowed without it only for loopback hosts)",
            )));
        }
        Ok(CommunicationIdentityClient {
            inner: Rc::new(Inner {
                endpoint,
                auth,
                version,
                pinned,
                fetch,
                policy,
                timeout_ms,
            }),
        })
    }

    /// `createUser(options?)` → `{ communicationUserId, customId? }`.
    #[cfg_attr(feature = "client", wasm_bindgen(js_name = createUser))]
    pub fn create_user(&self, options: JsValue) -> Promise {
        let opts: MethodOptions = read(&options);
        let op = opt_string(&opts.custom_id, "customId").map(|custom_id| Operation::CreateUser {
            custom_id,
            scopes: None,
            expires_in_minutes: None,
        });
        self.run(op, options, opts, Shape::User)
    }

    /// `createUserAndToken(scopes, options?)` → `{ user, token, expiresOn }`.
    #[cfg_attr(feature = "client", wasm_bindgen(js_name = createUserAndToken))]
    pub fn create_user_and_token(&self, scopes_arg: JsValue, options: JsValue) -> Promise {
        let opts: MethodOptions = read(&options);
        let op = (|| {
            Ok(Operation::CreateUser {
                custom_id: opt_string(&opts.custom_id, "customId")?,
                scopes: create_scopes(&scopes_arg)?,
                expires_in_minutes: expires(&opts)?,
            })
        })();
        self.run(op, options, opts, Shape::UserAndToken)
    }

    /// `getToken(user, scopes, options?)` → `{ token, expiresOn }`.
    #[cfg_attr(feature = "client", wasm_bindgen(js_name = getToken))]
    pub fn get_token(&self, user: JsValue, scopes_arg: JsValue, options: JsValue) -> Promise {
        let opts: MethodOptions = read(&options);
        let op = (|| {
            Ok(Operation::IssueToken {
                id: user_id(&user)?,
                scopes: scopes(&scopes_arg)?,
                expires_in_minutes: expires(&opts)?,
            })
        })();
        self.run(op, options, opts, Shape::Token)
    }

    /// `revokeTokens(user, options?)` → `undefined`.
    #[cfg_attr(feature = "client", wasm_bindgen(js_name = revokeTokens))]
    pub fn revoke_tokens(&self, user: JsValue, options: JsValue) -> Promise {
        let op = user_id(&user).map(|id| Operation::RevokeTokens { id });
        let opts = read(&options);
        self.run(op, options, opts, Shape::Nothing)
    }

    /// `deleteUser(user, options?)` → `undefined`.
    #[cfg_attr(feature = "client", wasm_bindgen(js_name = deleteUser))]
    pub fn delete_user(&self, user: JsValue, options: JsValue) -> Promise {
        let op = user_id(&user).map(|id| Operation::DeleteUser { id });
        let opts = read(&options);
        self.run(op, options, opts, Shape::Nothing)
    }

    /// `getUser(user, options?)` (preview) → `{ communicationUserId, customId?, lastTokenIssuedAt? }`.
    #[cfg_attr(feature = "client", wasm_bindgen(js_name = getUser))]
    pub fn get_user(&self, user: JsValue, options: JsValue) -> Promise {
        let op = user_id(&user).map(|id| Operation::GetUser { id });
        let opts = read(&options);
        self.run(op, options, opts, Shape::UserDetails)
    }

    /// `getTokenForTeamsUser({ teamsUserAadToken, clientId, userObjectId, ... })` → `{ token, expiresOn }`.
    #[cfg_attr(feature = "client", wasm_bindgen(js_name = getTokenForTeamsUser))]
    pub fn get_token_for_teams_user(&self, options: JsValue) -> Promise {
        let opts: MethodOptions = read(&options);
        let op = if options.is_object() {
            // Present strings are sent as they are (empty too: the service answers); a missing
            // field cannot be sent, and the official SDK refuses it too.
            let field = |v: &Member<String>, k: &str| {
                opt_string(v, k)?.ok_or_else(|| {
                    Error::invalid_argument(k, format!("`{k}` is required and must be a string"))
                })
            };
            (|| {
                Ok(Operation::ExchangeTeamsToken {
                    token: field(&opts.teams_user_aad_token, "teamsUserAadToken")?,
                    app_id: field(&opts.client_id, "clientId")?,
                    user_id: field(&opts.user_object_id, "userObjectId")?,
                })
            })()
        } else {
            Err(Error::invalid_argument(
                "options",
                "getTokenForTeamsUser takes { teamsUserAadToken, clientId, userObjectId }",
            ))
        };
        self.run(op, options, opts, Shape::Token)
    }
}

/// What a method returns to JavaScript, from the operation's output.
#[derive(Clone, Copy)]
enum Shape {
    /// `{ communicationUserId, customId? }`
    User,
    /// `{ user, token, expiresOn }`
    UserAndToken,
    /// `{ token, expiresOn }`
    Token,
    /// `undefined`
    Nothing,
    /// `{ communicationUserId, customId?, lastTokenIssuedAt? }`
    UserDetails,
}

fn shape_output(shape: Shape, out: OperationOutput) -> Result<JsValue, JsValue> {
    let user = |id: String, custom_id: Option<String>, last: Option<i64>| UserResult {
        communication_user_id: id,
        custom_id,
        last_token_issued_at: last.map_or(JsValue::UNDEFINED, date),
    };
    let value = match (shape, out) {
        (Shape::Nothing, _) => return Ok(JsValue::UNDEFINED),
        (Shape::Token, OperationOutput::Token(t)) => {
            serde_wasm_bindgen::to_value(&token_result(Some(t), None))
        }
        (Shape::User, OperationOutput::Identity { id, custom_id, .. }) => {
            serde_wasm_bindgen::to_value(&user(id, custom_id, None))
        }
        // Without scopes (`createUserAndToken(undefined)`) the service issues no token: the SDK
        // then returns `{ user }` alone, and so does this client.
        (
            Shape::UserAndToken,
            OperationOutput::Identity {
                id,
                custom_id,
                access_token,
                ..
            },
        ) => serde_wasm_bindgen::to_value(&token_result(
            access_token,
            Some(user(id, custom_id, None)),
        )),
        (
            Shape::UserDetails,
            OperationOutput::Identity {
                id,
                custom_id,
                last_token_issued_at_ms,
                ..
            },
        ) => serde_wasm_bindgen::to_value(&user(id, custom_id, last_token_issued_at_ms)),
        (Shape::Token, _) => return Err(to_js(unexpected("the access token"))),
        _ => return Err(to_js(unexpected("the identity"))),
    };
    Ok(value?)
}

impl CommunicationIdentityClient {
    /// Runs one operation: a rejected promise for bad arguments, else one shared future type for
    /// every method (one copy of the async machinery in the binary, not one per method).
    fn run(
        &self,
        op: crate::core::Result<Operation>,
        options: JsValue,
        read_options: MethodOptions,
        shape: Shape,
    ) -> Promise {
        let op = match op {
            Ok(op) => op,
            Err(e) => return Promise::reject(&to_js(e)),
        };
        let inner = self.inner.clone();
        future_to_promise(async move {
            let call = call_options(&options, &read_options, &inner).js()?;
            shape_output(shape, inner.execute(op, call).await?)
        })
    }
}

/// How one attempt ended, before the retry policy looks at it.
enum Attempt {
    Answer {
        status: u16,
        body: String,
        retry_after: Option<String>,
        retry_after_ms: Option<String>,
    },
    /// No answer: a description, what is known about it, and the runtime's error.
    NetworkFailure(String, Failure, JsValue),
    Cancelled,
}

impl Inner {
    async fn execute(&self, op: Operation, call: CallOptions) -> Result<OperationOutput, JsValue> {
        let version = effective_version(&op, &self.version, self.pinned).js()?;
        let request = build_request(&op, version).js()?;
        let url_text = self.endpoint.join(&request.path_and_query);
        let url = Url::parse(&url_text).js()?;
        let request_id = host::uuid_v4();
        let with_id = |e: Error| {
            to_js(if e.request_id.is_none() {
                e.with_request_id(request_id.clone())
            } else {
                e
            })
        };
        let with_id_and_cause = |e: Error, cause: &JsValue| {
            to_js_with_cause(
                if e.request_id.is_none() {
                    e.with_request_id(request_id.clone())
                } else {
                    e
                },
                cause,
            )
        };

        // One controller aborts the attempt in flight: the caller's signal or the time limit.
        let controller = AbortController::new();
        let signal = controller.signal();
        let abort = bound_abort(&controller);
        let _timer = Timer::start(&abort, call.timeout_ms);
        let _listener = call
            .signal
            .as_ref()
            .map(|s| Listener::add(s, abort.clone()));
        // The caller's abort: `AbortError` with the signal's reason as `cause`; an
        // `AbortSignal.timeout()` (reason `TimeoutError`) is reported as `Timeout`.
        let cancelled = || -> JsValue {
            let caller = call.signal.as_ref().filter(|s| s.aborted());
            let Some(caller) = caller else {
                return with_id(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "the operation did not finish within {} ms",
                        call.timeout_ms as u64
                    ),
                ));
            };
            let reason = caller.reason();
            let timed_out = read::<RuntimeError>(&reason)
                .name
                .value()
                .map(String::as_str)
                == Some("TimeoutError");
            let err = if timed_out {
                Error::new(
                    ErrorKind::Timeout,
                    "the operation was aborted by its abortSignal's timeout (AbortSignal.timeout())",
                )
            } else {
                Error::new(
                    ErrorKind::Aborted,
                    "the operation was aborted by its abortSignal",
                )
            };
            let err = err.with_request_id(request_id.clone());
            to_js_with_cause(err, &reason)
        };
        if call.signal.as_ref().is_some_and(|s| s.aborted()) {
            return Err(cancelled());
        }

        let idempotent = create_is_idempotent(&op);
        let mut retries = 0;
        loop {
            let attempt = self
                .attempt(&request, &url_text, &url, &request_id, &signal)
                .await?;
            let (outcome, hints) = match &attempt {
                Attempt::Cancelled => return Err(cancelled()),
                Attempt::NetworkFailure(_, failure, _) => {
                    (Outcome::NetworkFailure(*failure), (None, None))
                }
                Attempt::Answer {
                    status,
                    retry_after,
                    retry_after_ms,
                    ..
                } => (
                    Outcome::Status(*status),
                    (retry_after.as_deref(), retry_after_ms.as_deref()),
                ),
            };
            let decision = retry::decide(
                &self.policy,
                retries,
                outcome,
                idempotent,
                hints.0,
                hints.1,
                js_sys::Date::now() as i64,
                js_sys::Math::random(),
            );
            if let Decision::Retry { delay_ms } = decision {
                host::sleep(delay_ms, &signal).await;
                if signal.aborted() {
                    return Err(cancelled());
                }
                retries += 1;
                continue;
            }
            let mut cause = JsValue::UNDEFINED;
            let result = match attempt {
                Attempt::Answer { status, body, .. } => {
                    parse_response(&op, status, &read_answer(&body), Some(&request_id))
                }
                Attempt::NetworkFailure(reason, failure, error) => {
                    cause = error;
                    let said = match failure {
                        Failure::NotSent => "; the request was not sent",
                        Failure::Permanent => "; the request was not sent, and is not retried: it would fail the same way",
                        Failure::Unknown => "",
                    };
                    Err(Error::new(
                        ErrorKind::NetworkError,
                        format!(
                            "could not reach the service at {}: {reason}{said}",
                            self.endpoint.as_str()
                        ),
                    ))
                }
                Attempt::Cancelled => unreachable_cancelled(),
            };
            return result.map_err(|mut e| {
                if decision == Decision::StopUnsafe {
                    e.message.push_str(
                        " — not retried: creating an identity is not idempotent and the first attempt may have created one (give a customId to make creation safely retryable)",
                    );
                } else if retries > 0 {
                    e.message.push_str(&format!(" (after {retries} retries)"));
                }
                with_id_and_cause(e, &cause)
            });
        }
    }

    /// Sends the request once.
    async fn attempt(
        &self,
        request: &crate::core::operations::HttpRequest,
        url_text: &str,
        url: &Url,
        request_id: &str,
        signal: &AbortSignal,
    ) -> Result<Attempt, JsValue> {
        let headers = Object::new();
        let body_text = request.body.as_ref().map(body_text).transpose()?;
        let body = body_text.as_deref().unwrap_or("");
        match &self.auth {
            Auth::Key(key) => {
                let signed = signing::sign_request(
                    key,
                    request.method,
                    url,
                    body.as_bytes(),
                    js_sys::Date::now() as i64,
                )
                .js()?;
                set(&headers, "x-ms-date", &signed.date.into());
                set(&headers, "x-ms-content-sha256", &signed.content_hash.into());
                set(&headers, "authorization", &signed.authorization.into());
            }
            Auth::Token(credential) => {
                let token = self.bearer_token(credential, signal).await?;
                match token {
                    Some(t) => set(&headers, "authorization", &format!("Bearer {t}").into()),
                    None => return Ok(Attempt::Cancelled),
                }
            }
        }
        set(&headers, "accept", &"application/json".into());
        set(&headers, "x-ms-client-request-id", &request_id.into());
        set(&headers, "x-ms-useragent", &USER_AGENT.into());
        // The headers stay a plain record (a valid `HeadersInit`), which a custom `fetch` can read
        // as `init.headers[name]`.
        let init = RequestInit::new();
        init.set_method(request.method);
        init.set_headers(&headers);
        init.set_signal(Some(signal));
        if let Some(b) = &body_text {
            set(&headers, "content-type", &"application/json".into());
            init.set_body(&b.as_str().into());
        }
        let sent = match host::call_fetch(self.fetch.as_ref(), url_text, &init) {
            Ok(p) => JsFuture::from(p).await,
            Err(e) => Err(e),
        };
        let response: Response = match sent {
            Ok(r) if r.is_object() => r.unchecked_into(),
            Ok(other) => {
                return Ok(Attempt::NetworkFailure(
                    "fetch did not return a Response".into(),
                    Failure::Unknown,
                    other,
                ))
            }
            Err(e) => return Ok(self.failure(e, signal)),
        };
        let status = response.status();
        let body = match response.body_text().await {
            Ok(b) => b,
            // The answer broke off: the request did reach the service.
            Err(e) if signal.aborted() => return Ok(self.failure(e, signal)),
            Err(e) => {
                return Ok(match self.failure(e, signal) {
                    Attempt::NetworkFailure(reason, _, error) => {
                        Attempt::NetworkFailure(reason, Failure::Unknown, error)
                    }
                    other => other,
                })
            }
        };
        Ok(Attempt::Answer {
            status,
            body,
            retry_after: response.header("retry-after"),
            retry_after_ms: response
                .header("retry-after-ms")
                .or_else(|| response.header("x-ms-retry-after-ms")),
        })
    }

    /// A failed `fetch`: cancelled, or a network failure classified by the runtime's cause code
    /// (`err.cause.code` in Node, `err.code` in Bun), which the message names.
    fn failure(&self, err: JsValue, signal: &AbortSignal) -> Attempt {
        if signal.aborted() {
            return Attempt::Cancelled;
        }
        let fields: RuntimeError = read(&err);
        let message = fields
            .message
            .value()
            .cloned()
            .unwrap_or_else(|| "fetch failed".into());
        let code = read::<RuntimeError>(&fields.cause.0)
            .code
            .value()
            .or(fields.code.value())
            .map(|c| c.chars().take(60).collect::<String>());
        let mut reason: String = message.chars().take(200).collect();
        if let Some(code) = &code {
            if !reason.contains(code.as_str()) {
                reason.push_str(&format!(" ({code})"));
            }
        }
        Attempt::NetworkFailure(reason, classify_failure(code.as_deref()), err)
    }

    /// Asks the token credential for an Entra ID token; `None` when cancelled meanwhile.
    async fn bearer_token(
        &self,
        credential: &Object,
        signal: &AbortSignal,
    ) -> Result<Option<String>, JsValue> {
        let get_token: Function = read::<CredentialArg>(credential)
            .get_token
            .0
            .unchecked_into();
        let opts = Object::new();
        set(&opts, "abortSignal", signal);
        let scopes = Array::of1(&ENTRA_SCOPE.into());
        let result = get_token.call2(credential, &scopes, &opts);
        let token = match result {
            Ok(p) => JsFuture::from(Promise::resolve(&p)).await,
            Err(e) => Err(e),
        };
        if signal.aborted() {
            return Ok(None);
        }
        let token = token.map_err(|_| {
            to_js(
                Error::new(
                    ErrorKind::InvalidArgument,
                    "the token credential's getToken() failed",
                )
                .with_target("credential"),
            )
        })?;
        read::<CredentialToken>(&token)
            .token
            .value()
            .cloned()
            .map(Some)
            .ok_or_else(|| {
                to_js(
                    Error::new(
                        ErrorKind::InvalidArgument,
                        "the token credential's getToken() returned no token",
                    )
                    .with_target("credential"),
                )
            })
    }
}

fn unreachable_cancelled() -> crate::core::Result<OperationOutput> {
    Err(Error::new(
        ErrorKind::Aborted,
        "the operation was cancelled",
    ))
}
