//! The identity operations as pure data: validation, request building and response parsing
//! (contract §1 versions, §2 operations, §3 errors). The wasm layer does the fetch, the signing
//! and the retries; everything here is deterministic and clock-free.
//!
//! Flow: pick the api-version with [`effective_version`], build the request with
//! [`build_request`], send it, then turn the answer into an [`OperationOutput`] or an [`Error`]
//! with [`parse_response`].
//!
//! Decisions where the contract is silent:
//! * Bodies match the official JS SDK (`@azure/communication-identity` 1.3.1) byte for byte,
//!   because the body hash is signed (§4): `createUser` with no scopes and no `customId` sends
//!   **no body at all** (the SDK passes `expiresInMinutes: undefined` explicitly so its default
//!   of 1440 is not serialised, and an all-undefined body model is dropped); keys are written in
//!   the SDK's order and omitted when absent; `revokeTokens`, `deleteUser` and `getUser` send no
//!   body.
//! * Success statuses: create 201 (200 also accepted: a repeated `customId` returns the existing
//!   identity); get, issue and exchange 200; delete and revoke 204 (200 also accepted, any body
//!   ignored). Any other 2xx is `UnexpectedResponse`.
//! * Error answers: `{"error":{"code","message",...}}` becomes `ErrorKind::Service(code)` with the
//!   service's message, `target` and `details` (compact JSON); `innererror` is not surfaced. An
//!   error status whose body is empty, not JSON, or not that shape becomes `UnexpectedResponse`
//!   with the status code set and a message such as "the service answered 502 Bad Gateway with
//!   no error body". Every error from [`parse_response`] carries the status and the request id.
//! * Drop-in with the official SDK: argument *values* are not checked here. Scopes (empty,
//!   unknown, repeated, newer than the api-version), `expiresInMinutes` (any JSON number), ids
//!   (any string, percent-encoded into the path), `customId` and the Teams exchange's fields go
//!   out as given, and the service's answer (`400 ValidationError`, `401 InvalidAccessToken`,
//!   `401 IdentityNotOwned`, ...) is what the caller gets, as with the SDK. Values JSON writes
//!   as `null` (`null`, `undefined` scope items, a `NaN` or infinite lifetime) are sent as
//!   `null`, as the SDK's JSON writes them ([`Nullable`]). The only local refusals are features
//!   of this client that the SDK does not have (`customId` and `getUser` on a GA api-version
//!   the caller pinned).
//! * An api-version this client does not know ([`RequestVersion::Other`], e.g. a newer one or
//!   a retired preview) is sent as given, as the SDK sends any string: the request has the
//!   same shape as for the known versions (bodies do not depend on the version), `customId`
//!   and `getUser` are sent too (such a version may have them), and the service answers
//!   (`400` *... does not support the API version ...* for a version it does not serve).
use super::date;
use super::error::{Error, ErrorKind, Result};
use super::identifiers::quote_capped;
use serde::de;
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// The api-versions this client speaks, oldest first (the order is used for capabilities).
#[allow(non_camel_case_types)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApiVersion {
    V2021_03_07,
    V2022_06_01,
    V2022_10_01,
    V2023_10_01,
    V2025_03_02Preview,
    V2025_06_30,
}

/// Every scope any api-version knows; the first two exist since 2021-03-07.
pub const ALL_SCOPES: [&str; 5] = [
    "chat",
    "voip",
    "chat.join",
    "chat.join.limited",
    "voip.join",
];

impl ApiVersion {
    /// The latest GA version, used unless the caller chooses one.
    pub const DEFAULT: ApiVersion = ApiVersion::V2025_06_30;
    /// The only version with `customId` and `GET /identities/{id}`.
    pub const PREVIEW: ApiVersion = ApiVersion::V2025_03_02Preview;
    /// Every supported version, oldest first.
    pub const ALL: [ApiVersion; 6] = [
        ApiVersion::V2021_03_07,
        ApiVersion::V2022_06_01,
        ApiVersion::V2022_10_01,
        ApiVersion::V2023_10_01,
        ApiVersion::V2025_03_02Preview,
        ApiVersion::V2025_06_30,
    ];

    /// Parses an `api-version` string exactly as the service spells it.
    pub fn parse(text: &str) -> Result<ApiVersion> {
        ApiVersion::ALL
            .into_iter()
            .find(|v| v.as_str() == text)
            .ok_or_else(|| {
                let list: Vec<&str> = ApiVersion::ALL.iter().map(|v| v.as_str()).collect();
                Error::invalid_argument(
                    "apiVersion",
                    format!(
                        "apiVersion {} is not supported; use one of {}",
                        quote_capped(text),
                        list.join(", ")
                    ),
                )
            })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V2021_03_07 => "2021-03-07",
            ApiVersion::V2022_06_01 => "2022-06-01",
            ApiVersion::V2022_10_01 => "2022-10-01",
            ApiVersion::V2023_10_01 => "2023-10-01",
            ApiVersion::V2025_03_02Preview => "2025-03-02-preview",
            ApiVersion::V2025_06_30 => "2025-06-30",
        }
    }

    pub fn is_preview(self) -> bool {
        self == ApiVersion::PREVIEW
    }

    /// `expiresInMinutes` on create and issue: 2022-10-01 and later.
    pub fn supports_expires_in_minutes(self) -> bool {
        self >= ApiVersion::V2022_10_01
    }

    /// `POST /teamsUser/:exchangeAccessToken`: 2022-06-01 and later.
    pub fn supports_teams_exchange(self) -> bool {
        self >= ApiVersion::V2022_06_01
    }

    /// `customId` on create: the preview only.
    pub fn supports_custom_id(self) -> bool {
        self.is_preview()
    }

    /// `GET /identities/{id}`: the preview only.
    pub fn supports_get_user(self) -> bool {
        self.is_preview()
    }

    /// The scopes this version accepts.
    pub fn scopes(self) -> &'static [&'static str] {
        if self >= ApiVersion::V2023_10_01 {
            &ALL_SCOPES
        } else {
            &ALL_SCOPES[..2]
        }
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The api-version a request is sent with: one this client knows, or another string the caller
/// pinned, sent as given (as the official SDK sends any string).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RequestVersion {
    Known(ApiVersion),
    /// Not one of [`ApiVersion::ALL`]; never empty.
    Other(Box<str>),
}

impl RequestVersion {
    /// The version a caller pinned: a known one, or `text` as given (`None` when empty, which
    /// means "not pinned", as with the SDK).
    pub fn pin(text: &str) -> Option<RequestVersion> {
        if text.is_empty() {
            return None;
        }
        Some(match ApiVersion::parse(text) {
            Ok(v) => RequestVersion::Known(v),
            Err(_) => RequestVersion::Other(text.into()),
        })
    }

    /// The version as the caller gave it.
    pub fn as_str(&self) -> &str {
        match self {
            RequestVersion::Known(v) => v.as_str(),
            RequestVersion::Other(text) => text,
        }
    }

    /// Appends `api-version=<version>` to a query. A version this client does not know is
    /// written as given, except the bytes a URL cannot carry in its query as they are (controls,
    /// space, `"`, `#`, `<`, `>`, `'`, non-ASCII), which are percent-encoded as a WHATWG URL
    /// parser encodes them: the signed query is then the one `fetch` sends.
    fn push_query(&self, out: &mut String) {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        out.push_str("api-version=");
        for b in self.as_str().bytes() {
            if b <= b' ' || b >= 0x7f || matches!(b, b'"' | b'#' | b'<' | b'>' | b'\'') {
                out.push('%');
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            } else {
                out.push(b as char);
            }
        }
    }
}

impl From<ApiVersion> for RequestVersion {
    fn from(v: ApiVersion) -> RequestVersion {
        RequestVersion::Known(v)
    }
}

impl From<&RequestVersion> for RequestVersion {
    fn from(v: &RequestVersion) -> RequestVersion {
        v.clone()
    }
}

impl fmt::Display for RequestVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A body field that the caller's value makes JSON `null` (JavaScript's `JSON.stringify` writes
/// `null`, `NaN` and the infinities as `null`), or a value. The official SDK sends `null` as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Nullable<T> {
    Null,
    Value(T),
}

/// A scope list as given; a `None` item (a `null`, `undefined` or a hole) is written `null`.
pub type Scopes = Vec<Option<String>>;

/// One identity operation with its arguments. Ids are raw communication user ids (sent as
/// given); `expires_in_minutes` is the caller's number (written as JavaScript's JSON writes it),
/// or `null`. `None` fields are left out of the body.
#[derive(Clone, PartialEq)]
pub enum Operation {
    CreateUser {
        custom_id: Option<String>,
        scopes: Option<Nullable<Scopes>>,
        expires_in_minutes: Option<Nullable<Minutes>>,
    },
    GetUser {
        id: String,
    },
    DeleteUser {
        id: String,
    },
    RevokeTokens {
        id: String,
    },
    IssueToken {
        id: String,
        scopes: Scopes,
        expires_in_minutes: Option<Nullable<Minutes>>,
    },
    /// `token` is the Teams user's Entra token, `app_id` the client id, `user_id` the object id.
    ExchangeTeamsToken {
        token: String,
        app_id: String,
        user_id: String,
    },
}

impl fmt::Debug for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operation::CreateUser {
                custom_id,
                scopes,
                expires_in_minutes,
            } => f
                .debug_struct("CreateUser")
                .field("custom_id", custom_id)
                .field("scopes", scopes)
                .field("expires_in_minutes", expires_in_minutes)
                .finish(),
            Operation::GetUser { id } => f.debug_struct("GetUser").field("id", id).finish(),
            Operation::DeleteUser { id } => f.debug_struct("DeleteUser").field("id", id).finish(),
            Operation::RevokeTokens { id } => {
                f.debug_struct("RevokeTokens").field("id", id).finish()
            }
            Operation::IssueToken {
                id,
                scopes,
                expires_in_minutes,
            } => f
                .debug_struct("IssueToken")
                .field("id", id)
                .field("scopes", scopes)
                .field("expires_in_minutes", expires_in_minutes)
                .finish(),
            Operation::ExchangeTeamsToken {
                app_id, user_id, ..
            } => f
                .debug_struct("ExchangeTeamsToken")
                .field("token", &"<redacted>")
                .field("app_id", app_id)
                .field("user_id", user_id)
                .finish(),
        }
    }
}

/// The JS SDK method name of an operation, as used in messages.
pub fn operation_name(op: &Operation) -> &'static str {
    match op {
        Operation::CreateUser { scopes: None, .. } => "createUser",
        Operation::CreateUser { .. } => "createUserAndToken",
        Operation::GetUser { .. } => "getUser",
        Operation::DeleteUser { .. } => "deleteUser",
        Operation::RevokeTokens { .. } => "revokeTokens",
        Operation::IssueToken { .. } => "getToken",
        Operation::ExchangeTeamsToken { .. } => "getTokenForTeamsUser",
    }
}

/// Whether repeating the operation cannot create a second identity: false only for a create
/// without `customId` (with a `customId` the service returns the same identity again).
pub fn create_is_idempotent(op: &Operation) -> bool {
    !matches!(
        op,
        Operation::CreateUser {
            custom_id: None,
            ..
        }
    )
}

/// Checks that `version` has what `op` uses; `context` ends the message, e.g. "this client is
/// pinned to".
fn check_version(op: &Operation, version: &RequestVersion, context: &str) -> Result<()> {
    // A version this client does not know may have every feature: the service decides.
    let RequestVersion::Known(known) = version else {
        return Ok(());
    };
    let version = *known;
    let (needed, target, what) = match op {
        Operation::CreateUser {
            custom_id: Some(_), ..
        } if !version.supports_custom_id() => {
            (ApiVersion::PREVIEW.as_str(), "customId", "customId")
        }
        Operation::GetUser { .. } if !version.supports_get_user() => {
            (ApiVersion::PREVIEW.as_str(), "apiVersion", "getUser")
        }
        _ => return Ok(()),
    };
    Err(Error::invalid_argument(
        target,
        format!("{what} needs api-version {needed}; {context} {version}"),
    ))
}

/// The api-version to send `op` with. `configured` is the client's version and `pinned` says
/// whether the caller chose it explicitly. `customId` and `getUser` need the preview: an
/// unpinned client switches to it for that call, a client pinned to a GA version fails with
/// `InvalidArgument`. Other features are sent whatever the version (as the SDK sends them): the
/// service answers for a version that lacks them. A pinned version this client does not know is
/// used for every call, `customId` and `getUser` included.
pub fn effective_version(
    op: &Operation,
    configured: impl Into<RequestVersion>,
    pinned: bool,
) -> Result<RequestVersion> {
    let configured = configured.into();
    let needs_preview = matches!(
        op,
        Operation::CreateUser {
            custom_id: Some(_),
            ..
        } | Operation::GetUser { .. }
    );
    let version = if needs_preview && !pinned {
        RequestVersion::Known(ApiVersion::PREVIEW)
    } else {
        configured
    };
    let context = if pinned {
        "this client is pinned to"
    } else {
        "this client uses"
    };
    check_version(op, &version, context)?;
    Ok(version)
}

/// A request ready to be signed and sent to the resource's endpoint.
#[derive(Clone, PartialEq)]
pub struct HttpRequest {
    pub method: &'static str,
    /// Path and query as sent and signed, e.g.
    /// `/identities/8%3Aacs%3A<resource>_<id>/:issueAccessToken?api-version=2025-06-30`.
    pub path_and_query: String,
    /// The body, or `None` for no body at all.
    pub body: Option<RequestBody>,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The body may carry a Teams user's token: show only its size.
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("path_and_query", &self.path_and_query)
            .field(
                "body",
                &self.body.as_ref().map(|b| match b {
                    RequestBody::Create(_) => "create",
                    RequestBody::Issue(_) => "issue",
                    RequestBody::Exchange(_) => "exchange",
                }),
            )
            .finish()
    }
}

/// Appends `s` percent-encoded: everything but the unreserved `A-Za-z0-9-._~` (`:` → `%3A`).
fn push_percent_encoded(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
}

fn identity_path(id: &str, action: &str, version: &RequestVersion) -> String {
    let mut path = String::from("/identities/");
    push_percent_encoded(&mut path, id);
    path.push_str(action);
    path.push('?');
    version.push_query(&mut path);
    path
}

// ---- bodies out --------------------------------------------------------------------------------

impl<T: Serialize> Serialize for Nullable<T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Nullable::Null => s.serialize_none(),
            Nullable::Value(v) => v.serialize(s),
        }
    }
}

/// A number of minutes as JavaScript's JSON writes it: a whole number (within the integers a
/// double holds exactly) as an integer, any other as a double. Non-finite values are
/// [`Nullable::Null`] before they get here.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Minutes(pub f64);

impl Serialize for Minutes {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        // Number.MAX_SAFE_INTEGER: serde-wasm-bindgen writes integers up to it as numbers.
        const EXACT: f64 = 9_007_199_254_740_991.0;
        let m = self.0;
        if m.fract() == 0.0 && m.abs() <= EXACT {
            s.serialize_i64(m as i64)
        } else {
            s.serialize_f64(m)
        }
    }
}

/// `createUser` / `createUserAndToken`: only the members given, in the SDK's order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_token_with_scopes: Option<Nullable<Scopes>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_minutes: Option<Nullable<Minutes>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
}

/// `getToken`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueBody {
    pub scopes: Scopes,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in_minutes: Option<Nullable<Minutes>>,
}

/// `getTokenForTeamsUser`.
#[derive(Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExchangeBody {
    pub token: String,
    pub app_id: String,
    pub user_id: String,
}

/// A request body. The boundary writes it as JSON text (in the package: the value made by
/// serde-wasm-bindgen, with `None` as `null`, written by `JSON.stringify`, as the official SDK
/// writes its bodies); that text is what is signed and sent.
#[derive(Clone, PartialEq)]
pub enum RequestBody {
    Create(CreateBody),
    Issue(IssueBody),
    Exchange(ExchangeBody),
}

impl Serialize for RequestBody {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            RequestBody::Create(b) => b.serialize(s),
            RequestBody::Issue(b) => b.serialize(s),
            RequestBody::Exchange(b) => b.serialize(s),
        }
    }
}

/// Builds the request of `op` for `version` (method, encoded path with `api-version`, compact
/// JSON body), after checking that `version` has this client's own features `op` uses. See the
/// module documentation for the body forms.
pub fn build_request(op: &Operation, version: impl Into<RequestVersion>) -> Result<HttpRequest> {
    let version = version.into();
    check_version(op, &version, "this request uses")?;
    let mut query = String::from("?");
    version.push_query(&mut query);
    let version = &version;
    match op {
        Operation::CreateUser {
            custom_id,
            scopes,
            expires_in_minutes,
        } => {
            let body = if custom_id.is_none() && scopes.is_none() && expires_in_minutes.is_none() {
                None
            } else {
                Some(RequestBody::Create(CreateBody {
                    create_token_with_scopes: scopes.clone(),
                    expires_in_minutes: expires_in_minutes.clone(),
                    custom_id: custom_id.clone(),
                }))
            };
            Ok(HttpRequest {
                method: "POST",
                path_and_query: format!("/identities{query}"),
                body,
            })
        }
        Operation::GetUser { id }
        | Operation::DeleteUser { id }
        | Operation::RevokeTokens { id } => {
            let (method, action) = match op {
                Operation::GetUser { .. } => ("GET", ""),
                Operation::DeleteUser { .. } => ("DELETE", ""),
                _ => ("POST", "/:revokeAccessTokens"),
            };
            Ok(HttpRequest {
                method,
                path_and_query: identity_path(id, action, version),
                body: None,
            })
        }
        Operation::IssueToken {
            id,
            scopes,
            expires_in_minutes,
        } => {
            let b = RequestBody::Issue(IssueBody {
                scopes: scopes.clone(),
                expires_in_minutes: expires_in_minutes.clone(),
            });
            Ok(HttpRequest {
                method: "POST",
                path_and_query: identity_path(id, "/:issueAccessToken", version),
                body: Some(b),
            })
        }
        Operation::ExchangeTeamsToken {
            token,
            app_id,
            user_id,
        } => {
            let b = RequestBody::Exchange(ExchangeBody {
                token: token.clone(),
                app_id: app_id.clone(),
                user_id: user_id.clone(),
            });
            Ok(HttpRequest {
                method: "POST",
                path_and_query: format!("/teamsUser/:exchangeAccessToken{query}"),
                body: Some(b),
            })
        }
    }
}

/// A Communication Services access token and its expiry in Unix milliseconds.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub token: String,
    pub expires_on_ms: i64,
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"<redacted>")
            .field("expires_on_ms", &self.expires_on_ms)
            .finish()
    }
}

/// What a successful operation returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperationOutput {
    /// Create (with `access_token` when scopes were asked) and get.
    Identity {
        id: String,
        custom_id: Option<String>,
        last_token_issued_at_ms: Option<i64>,
        access_token: Option<AccessToken>,
    },
    /// Issue and Teams exchange.
    Token(AccessToken),
    /// Delete and revoke.
    Empty,
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "",
    }
}

fn status_text(status: u16) -> String {
    match reason_phrase(status) {
        "" => status.to_string(),
        reason => format!("{status} {reason}"),
    }
}

fn unexpected(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::UnexpectedResponse, message)
}

// ---- answers in ---------------------------------------------------------------------------------

/// One member of an answer, read for the type the contract gives it: absent (or `null`), a value
/// of that type, or a value of another type (kept apart, so that messages can say which).
/// Reading a `Member` never fails, whatever the JSON holds.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Member<T> {
    #[default]
    Absent,
    Value(T),
    Other,
}

impl<T> Member<T> {
    /// The value when it has the expected type.
    pub fn value(&self) -> Option<&T> {
        match self {
            Member::Value(v) => Some(v),
            _ => None,
        }
    }
}

impl Member<String> {
    /// The string when it is one and is not empty.
    fn non_empty(&self) -> Option<&str> {
        self.value().map(String::as_str).filter(|s| !s.is_empty())
    }
}

/// The value types a [`Member`] is read as: strings and numbers (read through one visitor,
/// [`Scalar`]) and the answers' objects (read as structs whose members are `Member`s).
pub trait MemberType: Sized {
    fn read<'de, D: de::Deserializer<'de>>(d: D) -> std::result::Result<Member<Self>, D::Error>
    where
        Self: Deserialize<'de>;
}

impl<'de, T: MemberType + Deserialize<'de>> Deserialize<'de> for Member<T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        T::read(d)
    }
}

/// Any JSON value, reduced to what a boolean, string or number member needs.
enum Scalar {
    Absent,
    Bool(bool),
    Str(String),
    Num(f64),
    Other,
}

struct ScalarVisitor;

/// The methods of a visitor of any JSON value but objects: `null` is absent, a boolean, a string
/// and a number go to `$bool` / `$str` / `$num`, an array is skipped and is `$other`.
macro_rules! any_value_visitor {
    ($value:ty, $absent:expr, $other:expr, $bool:expr, $str:expr, $num:expr) => {
        type Value = $value;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }

        fn visit_unit<E: de::Error>(self) -> std::result::Result<$value, E> {
            Ok($absent)
        }

        fn visit_none<E: de::Error>(self) -> std::result::Result<$value, E> {
            Ok($absent)
        }

        fn visit_some<D: de::Deserializer<'de>>(
            self,
            d: D,
        ) -> std::result::Result<$value, D::Error> {
            d.deserialize_any(self)
        }

        fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<$value, E> {
            Ok($bool(v))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<$value, E> {
            Ok($num(v as f64))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<$value, E> {
            Ok($num(v as f64))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<$value, E> {
            Ok($num(v))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<$value, E> {
            Ok($str(v.to_string()))
        }

        fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<$value, E> {
            Ok($str(v))
        }

        fn visit_seq<A: de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> std::result::Result<$value, A::Error> {
            while seq.next_element::<de::IgnoredAny>()?.is_some() {}
            Ok($other)
        }
    };
}

impl<'de> de::Visitor<'de> for ScalarVisitor {
    any_value_visitor!(
        Scalar,
        Scalar::Absent,
        Scalar::Other,
        Scalar::Bool,
        Scalar::Str,
        Scalar::Num
    );

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<Scalar, A::Error> {
        while map
            .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
            .is_some()
        {}
        Ok(Scalar::Other)
    }
}

fn read_scalar<'de, D: de::Deserializer<'de>>(d: D) -> std::result::Result<Scalar, D::Error> {
    d.deserialize_any(ScalarVisitor)
}

impl MemberType for String {
    fn read<'de, D: de::Deserializer<'de>>(d: D) -> std::result::Result<Member<Self>, D::Error> {
        Ok(match read_scalar(d)? {
            Scalar::Absent => Member::Absent,
            Scalar::Str(s) => Member::Value(s),
            _ => Member::Other,
        })
    }
}

impl MemberType for bool {
    fn read<'de, D: de::Deserializer<'de>>(d: D) -> std::result::Result<Member<Self>, D::Error> {
        Ok(match read_scalar(d)? {
            Scalar::Absent => Member::Absent,
            Scalar::Bool(b) => Member::Value(b),
            _ => Member::Other,
        })
    }
}

impl MemberType for f64 {
    fn read<'de, D: de::Deserializer<'de>>(d: D) -> std::result::Result<Member<Self>, D::Error> {
        Ok(match read_scalar(d)? {
            Scalar::Absent => Member::Absent,
            Scalar::Num(n) => Member::Value(n),
            _ => Member::Other,
        })
    }
}

struct ObjectVisitor<T>(std::marker::PhantomData<T>);

fn other_bool<T>(_: bool) -> Member<T> {
    Member::Other
}

fn other_str<T>(_: String) -> Member<T> {
    Member::Other
}

fn other_num<T>(_: f64) -> Member<T> {
    Member::Other
}

impl<'de, T: Deserialize<'de>> de::Visitor<'de> for ObjectVisitor<T> {
    any_value_visitor!(
        Member<T>,
        Member::Absent,
        Member::Other,
        other_bool,
        other_str,
        other_num
    );

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> std::result::Result<Member<T>, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Member::Value)
    }
}

/// Reads an object member: a struct whose members are `Member`s too (so reading never fails).
fn read_object<'de, T: Deserialize<'de>, D: de::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Member<T>, D::Error> {
    d.deserialize_any(ObjectVisitor(std::marker::PhantomData))
}

/// `{"token","expiresOn"}`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TokenBody {
    pub token: Member<String>,
    pub expires_on: Member<String>,
}

/// `{"id","customId"?,"lastTokenIssuedAt"?}`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct IdentityBody {
    pub id: Member<String>,
    pub custom_id: Member<String>,
    pub last_token_issued_at: Member<String>,
}

/// The service's `error` member: `{"code","message","target"?,"details"?}`. `D` is the JSON
/// value type of the reader (a JavaScript value in the package), whose `Display` is compact JSON.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ErrorBody<D> {
    pub code: Member<String>,
    pub message: Member<String>,
    pub target: Member<String>,
    pub details: Option<D>,
}

impl MemberType for TokenBody {
    fn read<'de, D: de::Deserializer<'de>>(d: D) -> std::result::Result<Member<Self>, D::Error>
    where
        Self: Deserialize<'de>,
    {
        read_object(d)
    }
}

impl MemberType for IdentityBody {
    fn read<'de, D: de::Deserializer<'de>>(d: D) -> std::result::Result<Member<Self>, D::Error>
    where
        Self: Deserialize<'de>,
    {
        read_object(d)
    }
}

impl<E> MemberType for ErrorBody<E> {
    fn read<'de, D: de::Deserializer<'de>>(d: D) -> std::result::Result<Member<Self>, D::Error>
    where
        Self: Deserialize<'de>,
    {
        read_object(d)
    }
}

impl<D> Default for ErrorBody<D> {
    fn default() -> Self {
        ErrorBody {
            code: Member::Absent,
            message: Member::Absent,
            target: Member::Absent,
            details: None,
        }
    }
}

/// Every member an answer of the contract may have: a create's `identity` and `accessToken`, a
/// get's identity members, an issue's and an exchange's token members, and an error answer's
/// `error`. Members an answer does not have are absent.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ResponseBody<D> {
    pub identity: Member<IdentityBody>,
    pub access_token: Member<TokenBody>,
    pub id: Member<String>,
    pub custom_id: Member<String>,
    pub last_token_issued_at: Member<String>,
    pub token: Member<String>,
    pub expires_on: Member<String>,
    pub error: Member<ErrorBody<D>>,
}

impl<D> Default for ResponseBody<D> {
    fn default() -> Self {
        ResponseBody {
            identity: Member::Absent,
            access_token: Member::Absent,
            id: Member::Absent,
            custom_id: Member::Absent,
            last_token_issued_at: Member::Absent,
            token: Member::Absent,
            expires_on: Member::Absent,
            error: Member::Absent,
        }
    }
}

/// A service answer's body as the boundary read it: the JavaScript engine parses the JSON
/// (`JSON.parse`) and the object is read into a [`ResponseBody`].
#[derive(Debug, Clone, PartialEq)]
pub enum Answer<D> {
    /// No body, or only whitespace.
    Empty,
    /// A body that is not JSON.
    NotJson,
    /// JSON that is not an object.
    NotObject,
    /// A JSON object.
    Object(Box<ResponseBody<D>>),
}

/// The error for a non-success answer (see the module documentation).
fn error_from_body<D: fmt::Display>(status: u16, body: &Answer<D>) -> Error {
    let answered = status_text(status);
    let value = match body {
        Answer::Empty => {
            return unexpected(format!(
                "the service answered {answered} with no error body"
            ))
        }
        Answer::NotJson => {
            return unexpected(format!(
                "the service answered {answered} with an error body that is not JSON"
            ))
        }
        Answer::NotObject => None,
        Answer::Object(value) => value.error.value(),
    };
    let Some((error, code)) = value.and_then(|e| e.code.non_empty().map(|c| (e, c))) else {
        return unexpected(format!(
            "the service answered {answered} with an error body that lacks error.code"
        ));
    };
    let message = match error.message.non_empty() {
        Some(m) => m.to_string(),
        None => format!("the service answered {answered} with error code {code} and no message"),
    };
    let mut err = Error::new(ErrorKind::Service(code.to_string()), message);
    err.target = error.target.value().cloned();
    err.details_json = error.details.as_ref().map(ToString::to_string);
    err
}

/// The success statuses of an operation.
fn success_statuses(op: &Operation) -> &'static [u16] {
    match op {
        Operation::CreateUser { .. } => &[201, 200],
        Operation::DeleteUser { .. } | Operation::RevokeTokens { .. } => &[204, 200],
        _ => &[200],
    }
}

/// Reads `{"token","expiresOn"}`; `prefix` locates it in messages (`accessToken.` or empty).
fn read_access_token(
    token: &Member<String>,
    expires_on: &Member<String>,
    name: &str,
    prefix: &str,
) -> Result<AccessToken> {
    let token = token
        .non_empty()
        .ok_or_else(|| unexpected(format!("the {name} response has no {prefix}token")))?;
    let expires_on = expires_on
        .value()
        .ok_or_else(|| unexpected(format!("the {name} response has no {prefix}expiresOn")))?;
    let expires_on_ms = date::parse_iso8601_ms(expires_on).ok_or_else(|| {
        unexpected(format!(
            "the {name} response's {prefix}expiresOn {} is not an ISO 8601 date",
            quote_capped(expires_on)
        ))
    })?;
    Ok(AccessToken {
        token: token.to_string(),
        expires_on_ms,
    })
}

/// The fields of an identity: id, customId and lastTokenIssuedAt.
type IdentityFields = (String, Option<String>, Option<i64>);

/// Reads `{"id","customId"?,"lastTokenIssuedAt"?}`; `prefix` locates it in messages.
fn read_identity(v: &IdentityBody, name: &str, prefix: &str) -> Result<IdentityFields> {
    let id =
        v.id.non_empty()
            .ok_or_else(|| unexpected(format!("the {name} response has no {prefix}id")))?;
    let custom_id = match &v.custom_id {
        Member::Absent => None,
        Member::Value(s) => Some(s.clone()),
        Member::Other => {
            return Err(unexpected(format!(
                "the {name} response's {prefix}customId is not a string"
            )))
        }
    };
    let last_token_issued_at_ms = match &v.last_token_issued_at {
        Member::Absent => None,
        value => Some(
            value
                .value()
                .and_then(|s| date::parse_iso8601_ms(s))
                .ok_or_else(|| {
                    unexpected(format!(
                        "the {name} response's {prefix}lastTokenIssuedAt is not an ISO 8601 date"
                    ))
                })?,
        ),
    };
    Ok((id.to_string(), custom_id, last_token_issued_at_ms))
}

fn parse_success<D>(op: &Operation, body: &Answer<D>) -> Result<OperationOutput> {
    let name = operation_name(op);
    if matches!(
        op,
        Operation::DeleteUser { .. } | Operation::RevokeTokens { .. }
    ) {
        return Ok(OperationOutput::Empty);
    }
    let value = match body {
        Answer::Empty | Answer::NotJson => {
            return Err(unexpected(format!(
                "the {name} response body is not valid JSON"
            )))
        }
        Answer::NotObject => {
            return Err(unexpected(format!(
                "the {name} response body is not a JSON object"
            )))
        }
        Answer::Object(value) => value,
    };
    match op {
        Operation::CreateUser { scopes, .. } => {
            let identity = value
                .identity
                .value()
                .ok_or_else(|| unexpected(format!("the {name} response has no identity")))?;
            let access_token = match &value.access_token {
                Member::Absent => None,
                Member::Value(t) => Some(read_access_token(
                    &t.token,
                    &t.expires_on,
                    name,
                    "accessToken.",
                )?),
                // Not an object: it has no token.
                Member::Other => Some(read_access_token(
                    &Member::Absent,
                    &Member::Absent,
                    name,
                    "accessToken.",
                )?),
            };
            if matches!(scopes, Some(Nullable::Value(_))) && access_token.is_none() {
                return Err(unexpected(format!(
                    "the {name} response has no accessToken although scopes were requested"
                )));
            }
            let (id, custom_id, last_token_issued_at_ms) =
                read_identity(identity, name, "identity.")?;
            Ok(OperationOutput::Identity {
                id,
                custom_id,
                last_token_issued_at_ms,
                access_token,
            })
        }
        Operation::GetUser { .. } => {
            let identity = IdentityBody {
                id: value.id.clone(),
                custom_id: value.custom_id.clone(),
                last_token_issued_at: value.last_token_issued_at.clone(),
            };
            let (id, custom_id, last_token_issued_at_ms) = read_identity(&identity, name, "")?;
            Ok(OperationOutput::Identity {
                id,
                custom_id,
                last_token_issued_at_ms,
                access_token: None,
            })
        }
        _ => {
            read_access_token(&value.token, &value.expires_on, name, "").map(OperationOutput::Token)
        }
    }
}

/// Turns the service's answer to `op` into its output or an [`Error`]. Every error carries
/// `status` and `request_id`; no message ever contains a token.
pub fn parse_response<D: fmt::Display>(
    op: &Operation,
    status: u16,
    body: &Answer<D>,
    request_id: Option<&str>,
) -> Result<OperationOutput> {
    let expected = success_statuses(op);
    let result = if expected.contains(&status) {
        parse_success(op, body)
    } else if (200..300).contains(&status) {
        Err(unexpected(format!(
            "the service answered {status} to {}; expected {}",
            operation_name(op),
            expected.first().copied().unwrap_or(200)
        )))
    } else {
        Err(error_from_body(status, body))
    };
    result.map_err(|mut e| {
        e.status_code = Some(status);
        e.request_id = request_id.map(String::from);
        e
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A body as the package reads it: the JSON parsed (here by serde_json, in the package by
    /// the JavaScript engine), then read into the answer's members.
    fn answer(body: &str) -> Answer<serde_json::Value> {
        if body.trim().is_empty() {
            return Answer::Empty;
        }
        match serde_json::from_str::<serde_json::Value>(body) {
            Err(_) => Answer::NotJson,
            Ok(v) if v.is_object() => Answer::Object(Box::new(
                serde_json::from_value(v).expect("any object reads"),
            )),
            Ok(_) => Answer::NotObject,
        }
    }

    fn parse(
        op: &Operation,
        status: u16,
        body: &str,
        request_id: Option<&str>,
    ) -> Result<OperationOutput> {
        parse_response(op, status, &answer(body), request_id)
    }

    const ID: &str =
        "8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081";
    const ENCODED: &str =
        "8%3Aacs%3A2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081";
    const GUID: &str = "11111111-2222-3333-4444-555555555555";
    const EXPIRES: &str = "2025-07-10T21:39:39.3244584+00:00";
    const EXPIRES_MS: i64 = 1_752_183_579_324;

    fn strings(items: &[&str]) -> Scopes {
        items.iter().map(|s| Some(s.to_string())).collect()
    }

    fn minutes_value(m: u32) -> Nullable<Minutes> {
        Nullable::Value(Minutes(m.into()))
    }

    fn create(custom_id: Option<&str>, scopes: Option<&[&str]>, minutes: Option<u32>) -> Operation {
        Operation::CreateUser {
            custom_id: custom_id.map(String::from),
            scopes: scopes.map(|s| Nullable::Value(strings(s))),
            expires_in_minutes: minutes.map(minutes_value),
        }
    }

    fn issue(scopes: &[&str], minutes: Option<u32>) -> Operation {
        Operation::IssueToken {
            id: ID.into(),
            scopes: strings(scopes),
            expires_in_minutes: minutes.map(minutes_value),
        }
    }

    fn exchange(token: &str, app: &str, user: &str) -> Operation {
        Operation::ExchangeTeamsToken {
            token: token.into(),
            app_id: app.into(),
            user_id: user.into(),
        }
    }

    fn arg_error(r: Result<impl fmt::Debug>) -> Error {
        let e = r.unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidArgument, "{}", e.message);
        e
    }

    #[test]
    fn api_versions() {
        for v in ApiVersion::ALL {
            assert_eq!(ApiVersion::parse(v.as_str()), Ok(v));
            assert_eq!(v.to_string(), v.as_str());
        }
        let e = arg_error(ApiVersion::parse("2024-01-01"));
        assert_eq!(e.target.as_deref(), Some("apiVersion"));
        assert_eq!(
            e.message,
            "apiVersion \"2024-01-01\" is not supported; use one of 2021-03-07, 2022-06-01, \
             2022-10-01, 2023-10-01, 2025-03-02-preview, 2025-06-30"
        );
        assert_eq!(ApiVersion::DEFAULT.as_str(), "2025-06-30");
        assert_eq!(ApiVersion::PREVIEW.as_str(), "2025-03-02-preview");
        use ApiVersion::*;
        assert!(!V2022_06_01.supports_expires_in_minutes());
        assert!(V2022_10_01.supports_expires_in_minutes());
        assert!(V2025_06_30.supports_expires_in_minutes());
        assert!(!V2021_03_07.supports_teams_exchange());
        assert!(V2022_06_01.supports_teams_exchange());
        assert!(V2025_03_02Preview.supports_custom_id() && V2025_03_02Preview.supports_get_user());
        assert!(!V2025_06_30.supports_custom_id() && !V2023_10_01.supports_get_user());
        assert_eq!(V2022_10_01.scopes(), &["chat", "voip"]);
        assert_eq!(V2023_10_01.scopes().len(), 5);
        assert_eq!(V2025_03_02Preview.scopes().len(), 5);
        assert_eq!(V2025_06_30.scopes().len(), 5);
    }

    #[test]
    fn effective_versions() {
        let with_custom = create(Some("alice"), None, None);
        let plain = create(None, None, None);
        let get = Operation::GetUser { id: ID.into() };
        let d = ApiVersion::DEFAULT;
        let known = |v: ApiVersion| Ok(RequestVersion::Known(v));
        assert_eq!(effective_version(&plain, d, false), known(d));
        assert_eq!(effective_version(&plain, d, true), known(d));
        assert_eq!(
            effective_version(&with_custom, d, false),
            known(ApiVersion::PREVIEW)
        );
        assert_eq!(
            effective_version(&get, d, false),
            known(ApiVersion::PREVIEW)
        );
        assert_eq!(
            effective_version(&get, ApiVersion::PREVIEW, true),
            known(ApiVersion::PREVIEW)
        );
        let e = arg_error(effective_version(&with_custom, d, true));
        assert_eq!(
            e.message,
            "customId needs api-version 2025-03-02-preview; this client is pinned to 2025-06-30"
        );
        assert_eq!(e.target.as_deref(), Some("customId"));
        let e = arg_error(effective_version(&get, ApiVersion::V2023_10_01, true));
        assert!(e
            .message
            .starts_with("getUser needs api-version 2025-03-02-preview"));
        // Features of the service's own versions are sent as given, whatever the version.
        assert_eq!(
            effective_version(&issue(&["chat"], Some(60)), ApiVersion::V2022_06_01, true),
            known(ApiVersion::V2022_06_01)
        );
        assert!(effective_version(&issue(&["chat"], None), ApiVersion::V2021_03_07, true).is_ok());
        let ex = exchange("t", GUID, GUID);
        assert_eq!(
            effective_version(&ex, ApiVersion::V2021_03_07, true),
            known(ApiVersion::V2021_03_07)
        );
        // A pinned version this client does not know is used for every call, as given.
        let other = RequestVersion::pin("2099-01-01").unwrap();
        assert_eq!(other, RequestVersion::Other("2099-01-01".into()));
        for op in [&plain, &with_custom, &get, &ex] {
            assert_eq!(
                effective_version(op, other.clone(), true),
                Ok(other.clone())
            );
        }
    }

    #[test]
    fn pinned_versions() {
        assert_eq!(
            RequestVersion::pin(""),
            None,
            "empty: not pinned (the SDK's default)"
        );
        assert_eq!(
            RequestVersion::pin("2022-10-01"),
            Some(RequestVersion::Known(ApiVersion::V2022_10_01))
        );
        let retired = RequestVersion::pin("2021-10-31-preview").unwrap();
        assert_eq!(retired.as_str(), "2021-10-31-preview");
        assert_eq!(retired.to_string(), "2021-10-31-preview");
        let r = req(&create(None, None, None), &retired);
        assert_eq!(
            r.path_and_query,
            "/identities?api-version=2021-10-31-preview"
        );
        assert_eq!(r.body, None);
        // customId and getUser go out too: the service answers for the version.
        let r = req(&create(Some("alice"), Some(&["chat"]), None), &retired);
        assert_eq!(
            r.body.as_deref(),
            Some(r#"{"createTokenWithScopes":["chat"],"customId":"alice"}"#)
        );
        let r = req(&Operation::GetUser { id: ID.into() }, &retired);
        assert_eq!(
            r.path_and_query,
            format!("/identities/{ENCODED}?api-version=2021-10-31-preview")
        );
        let r = req(&exchange("t", GUID, GUID), &retired);
        assert_eq!(
            r.path_and_query,
            "/teamsUser/:exchangeAccessToken?api-version=2021-10-31-preview"
        );
        // Written as given, but for what a URL query cannot carry as it is.
        let odd = RequestVersion::pin("a b#c&d=e%f'\"<>é").unwrap();
        let r = req(&Operation::DeleteUser { id: ID.into() }, &odd);
        assert_eq!(
            r.path_and_query,
            format!("/identities/{ENCODED}?api-version=a%20b%23c&d=e%f%27%22%3C%3E%C3%A9")
        );
    }

    #[test]
    fn idempotency() {
        assert!(!create_is_idempotent(&create(None, Some(&["chat"]), None)));
        assert!(create_is_idempotent(&create(Some("a"), None, None)));
        assert!(create_is_idempotent(&issue(&["chat"], None)));
        assert!(create_is_idempotent(&Operation::DeleteUser {
            id: ID.into()
        }));
        assert!(create_is_idempotent(&exchange("t", GUID, GUID)));
    }

    /// A built request with its body as the text that is sent (here written by serde_json, which
    /// writes these bodies as `JSON.stringify` does).
    struct Sent {
        method: &'static str,
        path_and_query: String,
        body: Option<String>,
        request: HttpRequest,
    }

    impl fmt::Debug for Sent {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.request.fmt(f)
        }
    }

    fn req(op: &Operation, v: impl Into<RequestVersion>) -> Sent {
        let request = build_request(op, v).unwrap();
        Sent {
            method: request.method,
            path_and_query: request.path_and_query.clone(),
            body: request
                .body
                .as_ref()
                .map(|b| serde_json::to_string(b).unwrap()),
            request,
        }
    }

    #[test]
    fn create_requests() {
        let v = ApiVersion::DEFAULT;
        let r = req(&create(None, None, None), v);
        assert_eq!(r.method, "POST");
        assert_eq!(r.path_and_query, "/identities?api-version=2025-06-30");
        assert_eq!(r.body, None, "the JS SDK's createUser sends no body");
        let r = req(&create(None, Some(&["chat"]), None), v);
        assert_eq!(
            r.body.as_deref(),
            Some(r#"{"createTokenWithScopes":["chat"]}"#)
        );
        let r = req(&create(None, Some(&["chat", "voip"]), Some(60)), v);
        assert_eq!(
            r.body.as_deref(),
            Some(r#"{"createTokenWithScopes":["chat","voip"],"expiresInMinutes":60}"#)
        );
        let p = ApiVersion::PREVIEW;
        let r = req(&create(Some("al\"ice"), Some(&["voip"]), Some(90)), p);
        assert_eq!(
            r.body.as_deref(),
            Some(
                r#"{"createTokenWithScopes":["voip"],"expiresInMinutes":90,"customId":"al\"ice"}"#
            )
        );
        assert_eq!(
            r.path_and_query,
            "/identities?api-version=2025-03-02-preview"
        );
        let r = req(&create(Some("bob"), None, None), p);
        assert_eq!(r.body.as_deref(), Some(r#"{"customId":"bob"}"#));
        // This client's own feature on a version without it is refused.
        let e = arg_error(build_request(&create(Some("bob"), None, None), v));
        assert_eq!(e.target.as_deref(), Some("customId"));
        // Everything else goes out as the SDK sends it; the service answers.
        let r = req(&create(Some(""), None, None), p);
        assert_eq!(r.body.as_deref(), Some(r#"{"customId":""}"#));
        let r = req(&create(None, Some(&[]), None), v);
        assert_eq!(r.body.as_deref(), Some(r#"{"createTokenWithScopes":[]}"#));
        let r = req(&create(None, Some(&["chat", "bogus", "chat"]), Some(59)), v);
        assert_eq!(
            r.body.as_deref(),
            Some(r#"{"createTokenWithScopes":["chat","bogus","chat"],"expiresInMinutes":59}"#)
        );
        let fraction = Operation::CreateUser {
            custom_id: None,
            scopes: Some(Nullable::Value(strings(&["chat.join"]))),
            expires_in_minutes: Some(Nullable::Value(Minutes(60.5))),
        };
        assert_eq!(
            req(&fraction, ApiVersion::V2021_03_07).body.as_deref(),
            Some(r#"{"createTokenWithScopes":["chat.join"],"expiresInMinutes":60.5}"#)
        );
        let r = req(&create(None, None, Some(60)), v);
        assert_eq!(r.body.as_deref(), Some(r#"{"expiresInMinutes":60}"#));
        // What the SDK's JSON writes as null is sent as null: createUserAndToken(null, { tokenExpiresInMinutes: NaN }).
        let nulls = Operation::CreateUser {
            custom_id: None,
            scopes: Some(Nullable::Null),
            expires_in_minutes: Some(Nullable::Null),
        };
        assert_eq!(
            req(&nulls, v).body.as_deref(),
            Some(r#"{"createTokenWithScopes":null,"expiresInMinutes":null}"#)
        );
        let holes = Operation::CreateUser {
            custom_id: None,
            scopes: Some(Nullable::Value(vec![None, Some("chat".into())])),
            expires_in_minutes: None,
        };
        assert_eq!(
            req(&holes, v).body.as_deref(),
            Some(r#"{"createTokenWithScopes":[null,"chat"]}"#)
        );
    }

    #[test]
    fn identity_requests() {
        let v = ApiVersion::DEFAULT;
        let r = req(&issue(&["chat"], Some(60)), v);
        assert_eq!(r.method, "POST");
        assert_eq!(
            r.path_and_query,
            format!("/identities/{ENCODED}/:issueAccessToken?api-version=2025-06-30")
        );
        let body = r.body.unwrap();
        assert_eq!(body, r#"{"scopes":["chat"],"expiresInMinutes":60}"#);
        assert_eq!(body.len(), 41, "the §4 recorded body");
        let r = req(&issue(&["chat", "voip.join"], None), v);
        assert_eq!(
            r.body.as_deref(),
            Some(r#"{"scopes":["chat","voip.join"]}"#)
        );
        let r = req(&Operation::RevokeTokens { id: ID.into() }, v);
        assert_eq!(
            (r.method, r.path_and_query.as_str(), r.body),
            (
                "POST",
                &*format!("/identities/{ENCODED}/:revokeAccessTokens?api-version=2025-06-30"),
                None
            )
        );
        let r = req(&Operation::DeleteUser { id: ID.into() }, v);
        assert_eq!(r.method, "DELETE");
        assert_eq!(
            r.path_and_query,
            format!("/identities/{ENCODED}?api-version=2025-06-30")
        );
        assert_eq!(r.body, None);
        let r = req(&Operation::GetUser { id: ID.into() }, ApiVersion::PREVIEW);
        assert_eq!(r.method, "GET");
        assert_eq!(
            r.path_and_query,
            format!("/identities/{ENCODED}?api-version=2025-03-02-preview")
        );
        arg_error(build_request(&Operation::GetUser { id: ID.into() }, v));
        // Ids, scopes and lifetimes go out as given (as the SDK sends them).
        let r = req(
            &Operation::DeleteUser {
                id: "8:orgid:x".into(),
            },
            v,
        );
        assert_eq!(
            r.path_and_query,
            "/identities/8%3Aorgid%3Ax?api-version=2025-06-30"
        );
        let r = req(&Operation::RevokeTokens { id: String::new() }, v);
        assert_eq!(
            r.path_and_query,
            "/identities//:revokeAccessTokens?api-version=2025-06-30"
        );
        let r = req(&issue(&[], None), v);
        assert_eq!(r.body.as_deref(), Some(r#"{"scopes":[]}"#));
        let r = req(
            &Operation::IssueToken {
                id: ID.into(),
                scopes: vec![Some("chat".into()), None],
                expires_in_minutes: Some(Nullable::Null),
            },
            v,
        );
        assert_eq!(
            r.body.as_deref(),
            Some(r#"{"scopes":["chat",null],"expiresInMinutes":null}"#)
        );
        let r = req(&issue(&["chat.join"], Some(2000)), ApiVersion::V2022_10_01);
        assert_eq!(
            r.body.as_deref(),
            Some(r#"{"scopes":["chat.join"],"expiresInMinutes":2000}"#)
        );
        let r = req(&issue(&["chat"], Some(60)), ApiVersion::V2021_03_07);
        assert!(r.path_and_query.ends_with("?api-version=2021-03-07"));
        // Every reserved byte is encoded.
        let r = req(
            &Operation::RevokeTokens {
                id: "8:spool:a/b?c#d%e f~g".into(),
            },
            v,
        );
        assert_eq!(
            r.path_and_query,
            "/identities/8%3Aspool%3Aa%2Fb%3Fc%23d%25e%20f~g/:revokeAccessTokens?api-version=2025-06-30"
        );
        let r = req(
            &Operation::RevokeTokens {
                id: "8:spool:é".into(),
            },
            v,
        );
        assert!(r
            .path_and_query
            .starts_with("/identities/8%3Aspool%3A%C3%A9/"));
    }

    #[test]
    fn exchange_requests() {
        let r = req(&exchange("eyJ.tok\"en", GUID, GUID), ApiVersion::DEFAULT);
        assert_eq!(
            r.path_and_query,
            "/teamsUser/:exchangeAccessToken?api-version=2025-06-30"
        );
        assert_eq!(
            r.body.as_deref(),
            Some(&*format!(
                r#"{{"token":"eyJ.tok\"en","appId":"{GUID}","userId":"{GUID}"}}"#
            ))
        );
        assert!(!format!("{r:?}").contains("eyJ"), "Debug redacts the body");
        assert!(!format!("{:?}", exchange("eyJsecret", GUID, GUID)).contains("eyJ"));
        // Empty and malformed fields go out: the service answers (401 InvalidAccessToken, ...).
        let r = req(&exchange("", "", "not-a-guid"), ApiVersion::V2021_03_07);
        assert_eq!(
            r.body.as_deref(),
            Some(r#"{"token":"","appId":"","userId":"not-a-guid"}"#)
        );
    }

    fn token_body() -> String {
        format!(r#"{{"token":"eyJtoken","expiresOn":"{EXPIRES}"}}"#)
    }

    fn token() -> AccessToken {
        AccessToken {
            token: "eyJtoken".into(),
            expires_on_ms: EXPIRES_MS,
        }
    }

    #[test]
    fn parses_successes() {
        let plain = create(None, None, None);
        assert_eq!(
            parse(
                &plain,
                201,
                &format!(r#"{{"identity":{{"id":"{ID}"}}}}"#),
                None
            ),
            Ok(OperationOutput::Identity {
                id: ID.into(),
                custom_id: None,
                last_token_issued_at_ms: None,
                access_token: None
            })
        );
        let with_token = create(None, Some(&["chat"]), None);
        let body = format!(
            r#"{{"identity":{{"id":"{ID}"}},"accessToken":{}}}"#,
            token_body()
        );
        assert_eq!(
            parse(&with_token, 201, &body, None),
            Ok(OperationOutput::Identity {
                id: ID.into(),
                custom_id: None,
                last_token_issued_at_ms: None,
                access_token: Some(token())
            })
        );
        let preview = format!(
            r#"{{"identity":{{"id":"{ID}","customId":"alice","lastTokenIssuedAt":"{EXPIRES}"}}}}"#
        );
        assert_eq!(
            parse(&create(Some("alice"), None, None), 200, &preview, None),
            Ok(OperationOutput::Identity {
                id: ID.into(),
                custom_id: Some("alice".into()),
                last_token_issued_at_ms: Some(EXPIRES_MS),
                access_token: None
            })
        );
        let get = Operation::GetUser { id: ID.into() };
        let body = format!(r#"{{"id":"{ID}","customId":null}}"#);
        assert!(matches!(
            parse(&get, 200, &body, None),
            Ok(OperationOutput::Identity {
                custom_id: None,
                ..
            })
        ));
        assert_eq!(
            parse(&issue(&["chat"], None), 200, &token_body(), None),
            Ok(OperationOutput::Token(token()))
        );
        assert_eq!(
            parse(&exchange("t", GUID, GUID), 200, &token_body(), None),
            Ok(OperationOutput::Token(token()))
        );
        for status in [204, 200] {
            assert_eq!(
                parse(&Operation::DeleteUser { id: ID.into() }, status, "", None),
                Ok(OperationOutput::Empty)
            );
            assert_eq!(
                parse(
                    &Operation::RevokeTokens { id: ID.into() },
                    status,
                    "junk",
                    None
                ),
                Ok(OperationOutput::Empty)
            );
        }
        assert!(!format!("{:?}", token()).contains("eyJ"));
    }

    fn unexpected_error(op: &Operation, status: u16, body: &str) -> Error {
        let e = parse(op, status, body, Some("req-1")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UnexpectedResponse, "{}", e.message);
        assert_eq!(e.status_code, Some(status));
        assert_eq!(e.request_id.as_deref(), Some("req-1"));
        assert!(!e.message.contains("eyJ"), "{}", e.message);
        e
    }

    #[test]
    fn rejects_malformed_successes() {
        let is = issue(&["chat"], None);
        assert!(unexpected_error(&is, 200, "")
            .message
            .contains("is not valid JSON"));
        assert!(unexpected_error(&is, 200, "[]")
            .message
            .contains("not a JSON object"));
        assert_eq!(
            unexpected_error(&is, 200, r#"{"expiresOn":"x"}"#).message,
            "the getToken response has no token"
        );
        assert_eq!(
            unexpected_error(&is, 200, r#"{"token":"eyJ"}"#).message,
            "the getToken response has no expiresOn"
        );
        assert_eq!(
            unexpected_error(&is, 200, r#"{"token":"eyJ","expiresOn":"tomorrow"}"#).message,
            "the getToken response's expiresOn \"tomorrow\" is not an ISO 8601 date"
        );
        assert_eq!(
            unexpected_error(&is, 201, &token_body()).message,
            "the service answered 201 to getToken; expected 200"
        );
        let c = create(None, Some(&["chat"]), None);
        assert_eq!(
            unexpected_error(&c, 201, "{}").message,
            "the createUserAndToken response has no identity"
        );
        assert_eq!(
            unexpected_error(&c, 201, r#"{"identity":{}}"#).message,
            "the createUserAndToken response has no accessToken although scopes were requested"
        );
        // createUserAndToken(undefined) / (null): no token expected, as with the SDK.
        let identity_only = format!(r#"{{"identity":{{"id":"{ID}"}}}}"#);
        for scopes in [None, Some(Nullable::Null)] {
            let op = Operation::CreateUser {
                custom_id: None,
                scopes,
                expires_in_minutes: None,
            };
            match parse(&op, 201, &identity_only, None) {
                Ok(OperationOutput::Identity {
                    id, access_token, ..
                }) => assert_eq!((id.as_str(), access_token), (ID, None)),
                other => panic!("{other:?}"),
            }
        }
        let body = format!(r#"{{"identity":{{"id":"{ID}"}},"accessToken":{{"token":"eyJ"}}}}"#);
        assert_eq!(
            unexpected_error(&c, 201, &body).message,
            "the createUserAndToken response has no accessToken.expiresOn"
        );
        let body = format!(
            r#"{{"identity":{{"id":"{ID}"}},"accessToken":{}}}"#,
            token_body()
        );
        assert_eq!(
            unexpected_error(&create(None, None, None), 201, r#"{"identity":{"id":""}}"#).message,
            "the createUser response has no identity.id"
        );
        assert!(parse(&create(None, None, None), 201, &body, None).is_ok());
        let bad = format!(r#"{{"identity":{{"id":"{ID}","lastTokenIssuedAt":5}}}}"#);
        assert!(unexpected_error(&create(None, None, None), 201, &bad)
            .message
            .contains("identity.lastTokenIssuedAt"));
        let bad = format!(r#"{{"id":"{ID}","customId":5}}"#);
        assert!(
            unexpected_error(&Operation::GetUser { id: ID.into() }, 200, &bad)
                .message
                .contains("customId is not a string")
        );
    }

    #[test]
    fn members_of_another_type_read_as_today() {
        let is = issue(&["chat"], None);
        for body in [
            r#"{"token":5,"expiresOn":"x"}"#,
            r#"{"token":["eyJ"],"expiresOn":"x"}"#,
            r#"{"token":{"a":1},"expiresOn":"x"}"#,
            r#"{"token":null}"#,
        ] {
            assert_eq!(
                unexpected_error(&is, 200, body).message,
                "the getToken response has no token",
                "{body}"
            );
        }
        assert_eq!(
            unexpected_error(&is, 200, r#"{"token":"eyJ","expiresOn":true}"#).message,
            "the getToken response has no expiresOn"
        );
        let c = create(None, Some(&["chat"]), None);
        for identity in ["[]", "\"x\"", "1", "null"] {
            assert_eq!(
                unexpected_error(&c, 201, &format!(r#"{{"identity":{identity}}}"#)).message,
                "the createUserAndToken response has no identity",
                "{identity}"
            );
        }
        let body = format!(r#"{{"identity":{{"id":"{ID}"}},"accessToken":5}}"#);
        assert_eq!(
            unexpected_error(&c, 201, &body).message,
            "the createUserAndToken response has no accessToken.token"
        );
        let body = format!(r#"{{"identity":{{"id":"{ID}","customId":{{}}}}}}"#);
        assert!(unexpected_error(&create(None, None, None), 201, &body)
            .message
            .contains("identity.customId is not a string"));
        // Unknown members are ignored, nested ones too.
        let body = format!(
            r#"{{"x":[1,{{"y":2}}],"identity":{{"id":"{ID}","z":{{"w":[]}}}},"accessToken":{}}}"#,
            token_body()
        );
        assert!(parse(&c, 201, &body, None).is_ok());
        // Error answers: `error` must be an object with a string code.
        for body in [
            r#"{"error":"x"}"#,
            r#"{"error":{"code":5}}"#,
            r#"{"error":{"code":""}}"#,
            r#"[{"error":{"code":"x"}}]"#,
            "null",
        ] {
            assert!(
                unexpected_error(&is, 400, body)
                    .message
                    .ends_with("with an error body that lacks error.code"),
                "{body}"
            );
        }
        let e = parse(
            &is,
            400,
            r#"{"error":{"code":"X","message":5,"target":5,"details":null}}"#,
            None,
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "the service answered 400 Bad Request with error code X and no message"
        );
        assert_eq!((e.target, e.details_json), (None, None));
    }

    #[test]
    fn parses_service_errors() {
        let body = r#"{"error":{"code":"ValidationError","message":"ExpiresInMinutes value 59 is invalid. Value must be within the [60, 1440] interval.","target":"ExpiresInMinutes","details":[{"code":"x"}],"innererror":{"code":"y"}}}"#;
        let e = parse(&issue(&["chat"], None), 400, body, Some("rid")).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Service("ValidationError".into()));
        assert_eq!(e.code(), "ValidationError");
        assert!(e
            .message
            .starts_with("ExpiresInMinutes value 59 is invalid."));
        assert_eq!(e.status_code, Some(400));
        assert_eq!(e.target.as_deref(), Some("ExpiresInMinutes"));
        assert_eq!(e.details_json.as_deref(), Some(r#"[{"code":"x"}]"#));
        assert_eq!(e.request_id.as_deref(), Some("rid"));
        let body = r#"{"error":{"code":"InvalidAccessToken","message":"Provided access token is not valid."}}"#;
        let e = parse(&exchange("t", GUID, GUID), 401, body, None).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Service("InvalidAccessToken".into()));
        assert_eq!((e.target, e.details_json, e.request_id), (None, None, None));
        let e = parse(
            &issue(&["chat"], None),
            404,
            r#"{"error":{"code":"IdentityNotFound"}}"#,
            None,
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "the service answered 404 Not Found with error code IdentityNotFound and no message"
        );
        let op = Operation::DeleteUser { id: ID.into() };
        assert_eq!(
            unexpected_error(&op, 502, "").message,
            "the service answered 502 Bad Gateway with no error body"
        );
        assert_eq!(
            unexpected_error(&op, 503, "<html>busy</html>").message,
            "the service answered 503 Service Unavailable with an error body that is not JSON"
        );
        assert_eq!(
            unexpected_error(&op, 400, r#"{"message":"x"}"#).message,
            "the service answered 400 Bad Request with an error body that lacks error.code"
        );
        assert_eq!(
            unexpected_error(&op, 302, "").message,
            "the service answered 302 with no error body"
        );
        assert!(unexpected_error(&op, 202, "")
            .message
            .contains("expected 204"));
    }

    proptest! {
        #[test]
        fn parse_response_never_panics(status in 100u16..600, body in "\\PC{0,64}") {
            for op in [create(None, Some(&["chat"]), None), issue(&["chat"], None), Operation::GetUser { id: ID.into() }] {
                let _ = parse(&op, status, &body, None);
            }
        }

        #[test]
        fn build_request_never_panics(id in "\\PC{0,40}", custom in "\\PC{0,40}", scope in "[a-z.]{0,12}", m in 0u32..3000) {
            let ops = [
                Operation::IssueToken { id: id.clone(), scopes: vec![Some(scope.clone()), None], expires_in_minutes: Some(minutes_value(m)) },
                Operation::CreateUser { custom_id: Some(custom.clone()), scopes: Some(Nullable::Value(vec![Some(scope)])), expires_in_minutes: Some(Nullable::Null) },
                exchange(&custom, &id, GUID),
            ];
            for op in ops {
                for v in ApiVersion::ALL.map(RequestVersion::from).into_iter().chain(RequestVersion::pin(&custom)) {
                    if let Ok(r) = build_request(&op, v) {
                        prop_assert!(r.path_and_query.is_ascii());
                        if let Some(body) = r.body {
                            let text = serde_json::to_string(&body).unwrap();
                            prop_assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
                        }
                    }
                }
            }
        }

        #[test]
        fn encoded_ids_are_unreserved_or_escapes(id in "8:acs:\\PC{1,40}") {
            let mut out = String::new();
            push_percent_encoded(&mut out, &id);
            prop_assert!(out.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
        }
    }
}
