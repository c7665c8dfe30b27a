//! The edge token endpoint's decisions (`acs-identity/worker`): pure and clock-free.
//!
//! The browser of an app asks its own edge endpoint for a Communication Services token. The
//! endpoint checks who is asking (the app's own bearer token, a JWT), maps that user to a stable
//! ACS identity and answers a short-lived ACS token; the access key never leaves the edge.
//! Everything the handler *decides* lives here and is unit-tested natively; the wasm layer
//! (`src/wasm/endpoint.rs`) only does the I/O: reading the request, WebCrypto for RS256/ES256,
//! the JWKS download, KV, the ACS calls and building the `Response`.
//!
//! Order of the checks (the first failing one answers):
//! 1. route: `POST|OPTIONS {base}/token`, `GET {base}/healthz`, else 404 `NotFound`;
//! 2. configuration (every binding parsed up front): 500 `ConfigurationError` naming the binding,
//!    never its value;
//! 3. `Origin` (only when `ALLOWED_ORIGINS` is set and the header is present): 403 `OriginNotAllowed`;
//! 4. method: 405 `MethodNotAllowed` with `Allow`; `OPTIONS /token` is the CORS preflight (204);
//!    `GET /healthz` answers `{"status":"ok"}`;
//! 5. `Content-Length` over 8 KiB: 413 `PayloadTooLarge` (the bytes actually read are checked too);
//! 6. `Authorization: Bearer <jwt>`: 401 (see [`verify_token`] and [`check_claims`]);
//! 7. the body `{ scopes?, expiresInMinutes? }`: 400 `InvalidRequestBody`, 403 `ScopeNotAllowed`;
//! 8. ACS: any failure is 502 `UpstreamError` with a fixed message.
//!
//! JSON in and out: the JSON that arrives (the app token's header and claims, the JWKS, the
//! request body) is parsed by the host ([`JsonReader`]: `JSON.parse` + serde-wasm-bindgen in the
//! package, serde_json in the native tests) into the plain `Deserialize` structs of this module;
//! the answers are `Serialize` structs the host writes (`JSON.stringify`). A parser keeps one
//! member per name, so repeated names are found by counting the members of the text
//! ([`count_text_members`]) against those of the parsed value ([`MemberCount`]).
//!
//! App tokens: `HS256` is verified here (HMAC-SHA256 over the raw UTF-8 bytes of
//! `AUTH_JWT_SECRET`, constant-time comparison) and only when that secret is configured; `RS256`
//! and `ES256` only against keys of `AUTH_JWKS_URL` of the matching type (RSA ≥ 2048 bits, EC
//! P-256). Any other `alg` (`none` included) is refused, and a JWKS key is never used as an HMAC
//! secret. Claims: `exp` required, `exp`/`nbf`/`iat` checked with 60 s of clock skew, `iss` and
//! `aud` (string or array) when configured, `sub` required (1..256 characters, it becomes the ACS
//! `customId` or the KV key).

use super::access_token::{decode_base64url, exact_ms_of_seconds};
use super::connection_string::ConnectionString;
use super::date;
use super::error::show_number;
use super::operations::ApiVersion;
use super::url::Url;
use hmac::{Hmac, Mac};
use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use sha2::Sha256;
use std::fmt;
use std::marker::PhantomData;

/// Largest request body accepted (8 KiB).
pub const MAX_BODY_BYTES: usize = 8 * 1024;
/// Clock skew tolerated on `exp`, `nbf` and `iat`.
pub const CLOCK_SKEW_MS: i64 = 60_000;
/// Scopes allowed when `ALLOWED_SCOPES` is not set.
pub const DEFAULT_ALLOWED_SCOPES: [&str; 2] = ["chat", "voip"];
/// Token lifetime when neither the request nor `TOKEN_EXPIRES_IN_MINUTES` says.
pub const DEFAULT_EXPIRES_IN_MINUTES: u32 = 60;
/// Shortest HS256 secret accepted (RFC 7518 §3.2: at least the hash size).
pub const MIN_HS256_SECRET_BYTES: usize = 32;
/// Longest `sub` accepted, in characters (the limit of an ACS `customId`) ...
pub const MAX_SUB_CHARS: usize = 256;
/// ... and in UTF-8 bytes (the limit of a Workers KV key).
pub const MAX_SUB_BYTES: usize = 512;
/// Default of `AUTH_JWKS_CACHE_SECONDS`: keys of the JWKS are downloaded again after this long.
pub const DEFAULT_JWKS_CACHE_SECONDS: u32 = 600;
/// Default of `AUTH_JWKS_STALE_SECONDS`: keys past their lifetime that could not be refreshed are
/// still trusted this long (then every token that needs them is refused with 401 until a download
/// succeeds).
pub const DEFAULT_JWKS_STALE_SECONDS: u32 = 3600;
/// The largest `AUTH_JWKS_CACHE_SECONDS` and `AUTH_JWKS_STALE_SECONDS` (one day each).
pub const MAX_JWKS_SECONDS: u32 = 86_400;
/// A token whose `kid` is unknown triggers a new JWKS download at most this often (or once per
/// key lifetime, when that is shorter).
pub const JWKS_REFETCH_INTERVAL_MS: i64 = 60_000;
/// After a failed JWKS download, no new attempt for this long (or for the key lifetime, when that
/// is shorter).
pub const JWKS_FAILURE_BACKOFF_MS: i64 = 5_000;
/// Most keys one token is tried against (tokens without `kid`).
pub const MAX_KEY_CANDIDATES: usize = 4;
/// Default of `AUTH_MAX_TOKEN_LIFETIME_MINUTES`: the longest app token accepted (24 h).
pub const DEFAULT_MAX_TOKEN_LIFETIME_MINUTES: u32 = 1440;
/// Default of `RATE_LIMIT_PER_MINUTE`: token requests per user per minute (in-process limiter).
pub const DEFAULT_RATE_LIMIT_PER_MINUTE: u32 = 10;
/// The window of the in-process rate limiter.
pub const RATE_LIMIT_WINDOW_MS: i64 = 60_000;
/// Most users the in-process rate limiter remembers at once (older windows are evicted first).
pub const RATE_LIMIT_MAX_USERS: usize = 10_000;
/// Longest `IDENTITY_NAMESPACE`, in characters.
pub const MAX_NAMESPACE_CHARS: usize = 64;
/// Longest ACS `customId` (and so mapping key), in characters.
pub const MAX_KEY_CHARS: usize = 256;
/// `Allow` of the token route.
pub const TOKEN_METHODS: &str = "POST, DELETE, OPTIONS";
/// `Allow` of the health route.
pub const HEALTH_METHODS: &str = "GET";
/// Request headers a cross-origin caller may send.
pub const CORS_ALLOW_HEADERS: &str = "authorization, content-type";
/// How long a browser may cache the preflight answer, in seconds.
pub const CORS_MAX_AGE_SECONDS: &str = "600";

// ---- rejections and responses ----------------------------------------------------------------

/// A request the endpoint refuses: the status, a stable `code`, a message without secrets and
/// the headers the status calls for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    /// `WWW-Authenticate` (401 only).
    pub www_authenticate: Option<&'static str>,
    /// `Allow` (405 only).
    pub allow: Option<&'static str>,
    /// `Retry-After` in seconds (429 only).
    pub retry_after: Option<u32>,
}

impl Rejection {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Rejection {
        Rejection {
            status,
            code,
            message: message.into(),
            www_authenticate: None,
            allow: None,
            retry_after: None,
        }
    }

    /// 429 for a user over the rate limit; `retry_after` in seconds.
    pub fn rate_limited(retry_after: u32) -> Rejection {
        Rejection {
            retry_after: Some(retry_after.max(1)),
            ..Rejection::new(
                429,
                "RateLimited",
                format!(
                    "too many token requests for this user; try again in {} seconds",
                    retry_after.max(1)
                ),
            )
        }
    }

    /// 401 without a token: `WWW-Authenticate: Bearer`.
    pub fn missing_token(message: impl Into<String>) -> Rejection {
        Rejection {
            www_authenticate: Some("Bearer"),
            ..Rejection::new(401, "MissingToken", message)
        }
    }

    /// 401 for a token that was given but is not acceptable (RFC 6750 `invalid_token`).
    pub fn bad_token(code: &'static str, message: impl Into<String>) -> Rejection {
        Rejection {
            www_authenticate: Some("Bearer error=\"invalid_token\""),
            ..Rejection::new(401, code, message)
        }
    }

    /// 500 for a binding (or handler option) that is missing or invalid.
    pub fn configuration(message: impl Into<String>) -> Rejection {
        Rejection::new(500, "ConfigurationError", message)
    }

    /// 400 for a request body that is not `{ scopes?, expiresInMinutes? }`.
    pub fn bad_body(message: impl Into<String>) -> Rejection {
        Rejection::new(400, "InvalidRequestBody", message)
    }

    /// 413 for a body over [`MAX_BODY_BYTES`].
    pub fn too_large() -> Rejection {
        Rejection::new(
            413,
            "PayloadTooLarge",
            format!("the request body must be at most {MAX_BODY_BYTES} bytes"),
        )
    }

    /// 502 when ACS did not issue the token. Deliberately says nothing of the upstream request
    /// (no URL, no identity, no service message).
    pub fn upstream() -> Rejection {
        Rejection::new(
            502,
            "UpstreamError",
            "the identity service did not issue a token; try again later",
        )
    }

    /// 502 when the signing keys of `AUTH_JWKS_URL` could not be downloaded.
    pub fn jwks_unavailable() -> Rejection {
        Rejection::new(
            502,
            "JwksUnavailable",
            "the keys to verify the token (AUTH_JWKS_URL) could not be fetched; try again later",
        )
    }

    /// 500 for anything unexpected; `what` must not contain secrets.
    pub fn internal(what: &str) -> Rejection {
        Rejection::new(500, "InternalError", what)
    }

    /// `{"error":{"code":...,"message":...}}`.
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message.clone(),
            },
        }
    }
}

/// The body of an error answer: `{"error":{"code":...,"message":...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorDetail {
    pub code: &'static str,
    pub message: String,
}

/// The body of a token answer: `{"user":{"communicationUserId":...},"token":...,"expiresOn":...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenBody {
    pub user: TokenUser,
    pub token: String,
    /// `YYYY-MM-DDTHH:MM:SS.sssZ`.
    pub expires_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenUser {
    pub communication_user_id: String,
}

/// The body of the health answer: `{"status":"ok"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HealthBody {
    pub status: &'static str,
}

/// A JSON answer's body (written by the host: `JSON.stringify` in the package), members in the
/// order of the fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    Error(ErrorBody),
    Token(TokenBody),
    Health(HealthBody),
}

impl Serialize for Body {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Body::Error(b) => b.serialize(s),
            Body::Token(b) => b.serialize(s),
            Body::Health(b) => b.serialize(s),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status, self.code, self.message)
    }
}

/// An answer, ready to become a `Response`. Header names are lower case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    /// `None` for 204.
    pub body: Option<Body>,
}

impl HttpResponse {
    /// The first header named `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The CORS headers every answer to one request carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cors {
    /// The request's `Origin`, echoed when it is allowed.
    pub allow_origin: Option<String>,
    /// `Vary: Origin` (whenever the answer depends on the origin: `ALLOWED_ORIGINS` is set).
    pub vary: bool,
}

impl Cors {
    fn apply(&self, headers: &mut Vec<(&'static str, String)>) {
        if let Some(origin) = &self.allow_origin {
            headers.push(("access-control-allow-origin", origin.clone()));
        }
        if self.vary {
            headers.push(("vary", "Origin".into()));
        }
    }
}

fn json_response(status: u16, body: Body, cors: &Cors) -> HttpResponse {
    let mut headers = vec![
        (
            "content-type",
            "application/json; charset=utf-8".to_string(),
        ),
        ("cache-control", "no-store".to_string()),
        ("x-content-type-options", "nosniff".to_string()),
    ];
    cors.apply(&mut headers);
    HttpResponse {
        status,
        headers,
        body: Some(body),
    }
}

/// The JSON error answer for `r`, with its `WWW-Authenticate` / `Allow` and the CORS headers.
pub fn error_response(cors: &Cors, r: &Rejection) -> HttpResponse {
    let mut response = json_response(r.status, Body::Error(r.body()), cors);
    if let Some(v) = r.www_authenticate {
        response.headers.push(("www-authenticate", v.into()));
    }
    if let Some(v) = r.allow {
        response.headers.push(("allow", v.into()));
    }
    if let Some(v) = r.retry_after {
        response.headers.push(("retry-after", v.to_string()));
        if cors.allow_origin.is_some() {
            response
                .headers
                .push(("access-control-expose-headers", "retry-after".into()));
        }
    }
    response
}

/// `YYYY-MM-DDTHH:MM:SS.sssZ`, as JavaScript's `Date.prototype.toISOString`.
pub fn format_iso_ms(ms: i64) -> Option<String> {
    if !(0..=date::MAX_UNIX_MS).contains(&ms) {
        return None;
    }
    let secs = ms.div_euclid(1000);
    let (y, m, d) = date::civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    Some(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        sod / 3600,
        sod / 60 % 60,
        sod % 60,
        ms.rem_euclid(1000)
    ))
}

/// 200 `{ user: { communicationUserId }, token, expiresOn }` with `Cache-Control: no-store`.
pub fn token_response(
    cors: &Cors,
    communication_user_id: &str,
    token: &str,
    expires_on_ms: i64,
) -> Result<HttpResponse, Rejection> {
    let expires_on = format_iso_ms(expires_on_ms).ok_or_else(Rejection::upstream)?;
    let body = Body::Token(TokenBody {
        user: TokenUser {
            communication_user_id: communication_user_id.into(),
        },
        token: token.into(),
        expires_on,
    });
    Ok(json_response(200, body, cors))
}

// ---- JSON in ---------------------------------------------------------------------------------

/// Turns JSON text into the core's typed values: in the package the JS engine parses
/// (`JSON.parse`) and serde-wasm-bindgen converts; the native tests and the fuzz targets use
/// serde_json. The types read here are plain `Deserialize` structs of [`Member`]s, so a read
/// fails only for text that is not JSON.
pub trait JsonReader {
    /// A parsed JSON value.
    type Value;
    /// `None` when `text` is not JSON.
    fn parse(&self, text: &str) -> Option<Self::Value>;
    /// `value` as a `T`; `None` when it does not have that shape.
    fn read<T: DeserializeOwned>(&self, value: &Self::Value) -> Option<T>;
}

/// Deepest nesting of arrays and objects accepted in a JSON text (deeper is refused as invalid).
pub const MAX_JSON_DEPTH: usize = 64;

/// One member of a JSON object, typed only as far as the checks need. Absent and `null` are
/// different (a `null` claim has the wrong type, it is not missing); numbers are what
/// `JSON.parse` gives (`f64`); an object's members are not kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Member {
    #[default]
    Absent,
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Array(Vec<Member>),
    Object,
}

impl Member {
    pub fn is_absent(&self) -> bool {
        *self == Member::Absent
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Member::String(s) => Some(s),
            _ => None,
        }
    }
}

/// The `visit_*` methods of the scalars (and `null`), all answering `$value`.
macro_rules! visit_scalars {
    ($value:expr) => {
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
}

struct MemberVisitor;

impl<'de> Visitor<'de> for MemberVisitor {
    type Value = Member;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Member, E> {
        Ok(Member::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Member, E> {
        Ok(Member::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Member, E> {
        Ok(Member::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Member, E> {
        Ok(Member::Number(v as f64))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Member, E> {
        Ok(Member::Number(v as f64))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Member, E> {
        Ok(Member::Number(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Member, E> {
        Ok(Member::String(v.into()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Member, E> {
        Ok(Member::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Member, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Member::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Member, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Member::Object)
    }
}

impl<'de> Deserialize<'de> for Member {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MemberVisitor)
    }
}

/// A JSON object read as `T`; `None` for any other value.
struct IfObject<T>(Option<T>);

impl<T> Default for IfObject<T> {
    fn default() -> Self {
        IfObject(None)
    }
}

struct IfObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for IfObjectVisitor<T> {
    type Value = IfObject<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    visit_scalars!(IfObject(None));
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(IfObject(None))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|t| IfObject(Some(t)))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for IfObject<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IfObjectVisitor(PhantomData))
    }
}

/// A JSON array of `T`s; `None` for any other value.
struct ArrayOf<T>(Option<Vec<T>>);

impl<T> Default for ArrayOf<T> {
    fn default() -> Self {
        ArrayOf(None)
    }
}

struct ArrayOfVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ArrayOfVisitor<T> {
    type Value = ArrayOf<T>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    visit_scalars!(ArrayOf(None));
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(ArrayOf(Some(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(ArrayOf(None))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ArrayOf<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ArrayOfVisitor(PhantomData))
    }
}

/// How many members the objects of a parsed JSON value have: `JSON.parse` keeps one member per
/// name (the last), so a repeated name makes these counts smaller than the text's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemberCount {
    /// Whether the value is an object.
    pub object: bool,
    /// Members of the value itself (when it is an object).
    pub top: usize,
    /// Members of every object in the value, nested ones included.
    pub all: usize,
}

struct MemberCountVisitor;

impl<'de> Visitor<'de> for MemberCountVisitor {
    type Value = MemberCount;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    visit_scalars!(MemberCount::default());
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<MemberCount, A::Error> {
        let mut count = MemberCount::default();
        while let Some(item) = seq.next_element::<MemberCount>()? {
            count.all += item.all;
        }
        Ok(count)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MemberCount, A::Error> {
        let mut count = MemberCount {
            object: true,
            ..MemberCount::default()
        };
        while let Some((_, value)) = map.next_entry::<IgnoredAny, MemberCount>()? {
            count.top += 1;
            count.all += 1 + value.all;
        }
        Ok(count)
    }
}

impl<'de> Deserialize<'de> for MemberCount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(MemberCountVisitor)
    }
}

/// What a JSON text says that the parsed value forgets: how many members its objects have
/// (every `:` outside string literals separates one member), in all and in the outermost one.
/// `None` when the text nests deeper than [`MAX_JSON_DEPTH`] or has a `\u` escape of a lone
/// surrogate (which no UTF-8 text can hold). Meaningful only for text a JSON parser accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextCount {
    pub all: usize,
    pub top: usize,
}

pub fn count_text_members(text: &str) -> Option<TextCount> {
    let b = text.as_bytes();
    let (mut depth, mut count) = (0usize, TextCount { all: 0, top: 0 });
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                // After the `\u` escape of a high surrogate: the low one must follow.
                let mut high = false;
                loop {
                    let c = *b.get(i)?;
                    if c == b'\\' && b.get(i + 1) == Some(&b'u') {
                        let unit = u16::from_str_radix(text.get(i + 2..i + 6)?, 16).ok()?;
                        match unit {
                            0xD800..=0xDBFF if !high => high = true,
                            0xDC00..=0xDFFF if high => high = false,
                            0xD800..=0xDFFF => return None,
                            _ if high => return None,
                            _ => {}
                        }
                        i += 6;
                        continue;
                    }
                    if high {
                        return None;
                    }
                    if c == b'"' {
                        break;
                    }
                    i += if c == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return None;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b':' => {
                count.all += 1;
                if depth == 1 {
                    count.top += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    Some(count)
}

/// Why a JSON text was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReadError {
    /// Not JSON (or nested too deeply, or with a lone surrogate).
    NotJson,
    NotObject,
}

/// A JSON object read as `T`, with its member counts in the text and in the parsed value.
struct ReadObject<T> {
    value: T,
    text: TextCount,
    parsed: MemberCount,
}

impl<T> ReadObject<T> {
    /// Whether a member name appears more than once in an object of the text (`nested`: in any
    /// object, else only in the outermost one).
    fn repeats_a_name(&self, nested: bool) -> bool {
        if nested {
            self.parsed.all != self.text.all
        } else {
            self.parsed.top != self.text.top
        }
    }
}

fn read_object<R: JsonReader, T: DeserializeOwned>(
    reader: &R,
    text: &str,
) -> Result<ReadObject<T>, ReadError> {
    let parsed_value = reader.parse(text).ok_or(ReadError::NotJson)?;
    // Before any conversion: the conversions recurse as deep as the value nests.
    let text_count = count_text_members(text).ok_or(ReadError::NotJson)?;
    let parsed: MemberCount = reader.read(&parsed_value).ok_or(ReadError::NotJson)?;
    if !parsed.object {
        return Err(ReadError::NotObject);
    }
    // An object (checked above): read as a struct, member by member.
    let value: T = reader.read(&parsed_value).ok_or(ReadError::NotJson)?;
    Ok(ReadObject {
        value,
        text: text_count,
        parsed,
    })
}

// ---- configuration ---------------------------------------------------------------------------

/// How a user (`sub`) becomes an ACS identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mapping {
    /// ACS `customId` = `sub` (preview api-version): the service returns the same identity for
    /// the same `customId`, so no storage is needed.
    CustomId,
    /// A KV namespace (`IDENTITY_KV`) maps `sub` to the ACS id (GA api-version).
    Kv,
}

/// One binding as the host has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    Missing,
    Text(String),
    /// Present but not text (or number), e.g. an object where a string was expected.
    NotText,
}

/// A binding from the host's value (the package: serde-wasm-bindgen from the `env` member):
/// `null` / `undefined` are missing, numbers (as wrangler `[vars]` may give them) are text
/// (integers exactly, a fraction, which no numeric binding accepts, rounded to millionths);
/// anything else is not text. A value serde cannot read at all (a function) is not text either:
/// the host maps that failure.
impl<'de> Deserialize<'de> for Binding {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(BindingVisitor)
    }
}

struct BindingVisitor;

impl<'de> Visitor<'de> for BindingVisitor {
    type Value = Binding;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a binding")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Binding, E> {
        Ok(Binding::Missing)
    }
    fn visit_none<E: de::Error>(self) -> Result<Binding, E> {
        Ok(Binding::Missing)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Binding, E> {
        Ok(Binding::NotText)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Binding, E> {
        Ok(Binding::Text(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Binding, E> {
        Ok(Binding::Text(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Binding, E> {
        Ok(if v.is_finite() {
            Binding::Text(show_number(v))
        } else {
            Binding::NotText
        })
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Binding, E> {
        Ok(Binding::Text(v.into()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Binding, E> {
        Ok(Binding::Text(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Binding, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Binding::NotText)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Binding, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Binding::NotText)
    }
}

/// The state of the `IDENTITY_KV` binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KvBinding {
    Missing,
    /// Present but without `get` and `put` functions.
    Invalid,
    Present,
}

/// What the handler is told besides the bindings (the `createTokenHandler` options).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HandlerOptions {
    /// `apiVersion`: overrides the mapping's default api-version.
    pub api_version: Option<String>,
    /// `basePath`: the routes are `{basePath}/token` and `{basePath}/healthz`.
    pub base_path: Option<String>,
    /// The `TOKEN_RATE_LIMITER` binding (a Workers Rate Limiting binding): `None` when absent,
    /// `Some(true)` when it has a `limit` function, `Some(false)` when it is something else.
    pub rate_limiter: Option<bool>,
}

/// Who limits the token requests of one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimit {
    /// The `TOKEN_RATE_LIMITER` binding (its limit and period are set in `wrangler.toml`).
    Binding,
    /// The in-process limiter: this many requests per user per minute, per instance.
    PerMinute(u32),
    /// `RATE_LIMIT_PER_MINUTE` is `0` or `off` and there is no binding.
    Off,
}

/// Who vouched for an app token: the HS256 secret or a key of `AUTH_JWKS_URL`. Each has its own
/// identity namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustSource {
    Secret,
    Jwks,
}

impl TrustSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TrustSource::Secret => "hs256",
            TrustSource::Jwks => "jwks",
        }
    }
}

/// The parsed and validated configuration.
#[derive(Clone, PartialEq, Eq)]
pub struct Config {
    /// The ACS connection string (validated; handed to the client as is).
    pub connection_string: String,
    jwt_secret: Option<Vec<u8>>,
    pub jwks_url: Option<String>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    /// Normalised origins (`scheme://host[:port]`); `None` when `ALLOWED_ORIGINS` is not set.
    pub allowed_origins: Option<Vec<String>>,
    pub allowed_scopes: Vec<String>,
    /// `TOKEN_EXPIRES_IN_MINUTES`: the default and the longest lifetime a caller may ask for.
    pub default_expires_in_minutes: u32,
    /// `AUTH_AUDIENCE_OPTIONAL=true`: tokens of `AUTH_JWKS_URL` need no `aud`.
    pub audience_optional: bool,
    /// `AUTH_ES256_ALLOW_HIGH_S=true`: ES256 signatures are accepted whatever half of the curve
    /// order their `s` is in (for issuers whose signing library does not normalise to low S).
    pub es256_allow_high_s: bool,
    /// `IDENTITY_NAMESPACE`: the first part of every mapping key (else a hash of `iss`).
    pub identity_namespace: Option<String>,
    /// `AUTH_MAX_TOKEN_LIFETIME_MINUTES`, in ms: app tokens living longer are refused.
    pub max_token_lifetime_ms: i64,
    /// `AUTH_TOKEN_TYPES`: the accepted `typ` header values (lower case, without
    /// `application/`); `None` when any (or none) is accepted.
    pub token_types: Option<Vec<String>>,
    /// `AUTH_JWKS_CACHE_SECONDS` and `AUTH_JWKS_STALE_SECONDS`: how long the keys of
    /// `AUTH_JWKS_URL` are fresh, and trusted past that when they cannot be refreshed.
    pub jwks_policy: JwksPolicy,
    pub rate_limit: RateLimit,
    pub mapping: Mapping,
    pub api_version: ApiVersion,
    /// `""` or `/some/prefix` (no trailing slash).
    pub base_path: String,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("connection_string", &"<redacted>")
            .field(
                "jwt_secret",
                &self.jwt_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("jwks_url", &self.jwks_url)
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("allowed_origins", &self.allowed_origins)
            .field("allowed_scopes", &self.allowed_scopes)
            .field(
                "default_expires_in_minutes",
                &self.default_expires_in_minutes,
            )
            .field("audience_optional", &self.audience_optional)
            .field("es256_allow_high_s", &self.es256_allow_high_s)
            .field("identity_namespace", &self.identity_namespace)
            .field("max_token_lifetime_ms", &self.max_token_lifetime_ms)
            .field("token_types", &self.token_types)
            .field("jwks_policy", &self.jwks_policy)
            .field("rate_limit", &self.rate_limit)
            .field("mapping", &self.mapping)
            .field("api_version", &self.api_version)
            .field("base_path", &self.base_path)
            .finish()
    }
}

/// A `true` / `false` binding (any case, spaces around ignored); unset is `false`.
fn flag(lookup: &dyn Fn(&str) -> Binding, name: &str) -> Result<bool, Rejection> {
    match text(lookup, name)? {
        None => Ok(false),
        Some(v) => match v.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(Rejection::configuration(format!(
                "{name} must be true or false"
            ))),
        },
    }
}

/// A whole number of seconds from `min` to [`MAX_JWKS_SECONDS`]; `default` when unset.
fn seconds(
    lookup: &dyn Fn(&str) -> Binding,
    name: &str,
    min: u32,
    default: u32,
) -> Result<u32, Rejection> {
    match text(lookup, name)? {
        None => Ok(default),
        Some(v) => match v.trim().parse::<u32>() {
            Ok(n) if (min..=MAX_JWKS_SECONDS).contains(&n) => Ok(n),
            _ => Err(Rejection::configuration(format!(
                "{name} must be a whole number of seconds from {min} to {MAX_JWKS_SECONDS}"
            ))),
        },
    }
}

/// A text binding: `None` when missing or blank; an error naming it when it is not text.
fn text(lookup: &dyn Fn(&str) -> Binding, name: &str) -> Result<Option<String>, Rejection> {
    match lookup(name) {
        Binding::Missing => Ok(None),
        Binding::Text(s) if s.trim().is_empty() => Ok(None),
        Binding::Text(s) => Ok(Some(s)),
        Binding::NotText => Err(Rejection::configuration(format!(
            "{name} must be a text binding"
        ))),
    }
}

/// A `typ` value as compared: lower case, without `application/` (RFC 7515 §4.1.9).
fn media_type(t: &str) -> String {
    let t = t.trim().to_ascii_lowercase();
    match t.strip_prefix("application/") {
        Some(rest) => rest.to_string(),
        None => t,
    }
}

fn comma_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect()
}

/// Validates one `ALLOWED_ORIGINS` entry and returns it as browsers serialise `Origin`.
fn normalise_origin(entry: &str) -> Option<String> {
    let url = Url::parse(entry).ok()?;
    let rest = entry.split_once("://").map_or("", |(_, r)| r);
    let tail = rest.find(['/', '?', '#']).map_or("", |i| &rest[i..]);
    if !(tail.is_empty() || tail == "/") {
        return None;
    }
    Some(url.origin())
}

impl Config {
    /// Reads and validates every binding. `lookup` gives a binding by name (`ACS_CONNECTION_STRING`,
    /// `AUTH_JWT_SECRET`, `AUTH_JWKS_URL`, `AUTH_ISSUER`, `AUTH_AUDIENCE`, `AUTH_JWKS_CACHE_SECONDS`,
    /// `AUTH_JWKS_STALE_SECONDS`, `ALLOWED_ORIGINS`, `ALLOWED_SCOPES`, `TOKEN_EXPIRES_IN_MINUTES`,
    /// `IDENTITY_MAPPING`, ...); blank text counts as
    /// missing. Errors are 500 `ConfigurationError` naming the binding, never its value.
    pub fn from_bindings(
        lookup: &dyn Fn(&str) -> Binding,
        kv: KvBinding,
        options: &HandlerOptions,
    ) -> Result<Config, Rejection> {
        let connection_string = text(lookup, "ACS_CONNECTION_STRING")?
            .ok_or_else(|| Rejection::configuration("ACS_CONNECTION_STRING is not set"))?;
        let parsed = ConnectionString::parse(&connection_string).map_err(|e| {
            // The core's messages never contain the key or the connection string.
            Rejection::configuration(format!(
                "ACS_CONNECTION_STRING is not a valid connection string: {}",
                e.message
            ))
        })?;
        let endpoint = &parsed.endpoint.url;
        if endpoint.scheme != "https" && !endpoint.is_loopback() {
            return Err(Rejection::configuration(
                "ACS_CONNECTION_STRING must name an https endpoint",
            ));
        }

        let jwt_secret = text(lookup, "AUTH_JWT_SECRET")?.map(String::into_bytes);
        if jwt_secret
            .as_ref()
            .is_some_and(|s| s.len() < MIN_HS256_SECRET_BYTES)
        {
            return Err(Rejection::configuration(format!(
                "AUTH_JWT_SECRET must be at least {MIN_HS256_SECRET_BYTES} bytes long for HS256"
            )));
        }
        let jwks_url = text(lookup, "AUTH_JWKS_URL")?.map(|s| s.trim().to_string());
        if let Some(u) = &jwks_url {
            match Url::parse(u) {
                Ok(url) if url.scheme == "https" || url.is_loopback() => {}
                _ => {
                    return Err(Rejection::configuration(
                        "AUTH_JWKS_URL must be an absolute https URL",
                    ))
                }
            }
        }
        if jwt_secret.is_none() && jwks_url.is_none() {
            return Err(Rejection::configuration(
                "neither AUTH_JWT_SECRET nor AUTH_JWKS_URL is set: app tokens cannot be verified",
            ));
        }
        let issuer = text(lookup, "AUTH_ISSUER")?.map(|s| s.trim().to_string());
        let audience = text(lookup, "AUTH_AUDIENCE")?.map(|s| s.trim().to_string());
        let audience_optional = flag(lookup, "AUTH_AUDIENCE_OPTIONAL")?;
        let es256_allow_high_s = flag(lookup, "AUTH_ES256_ALLOW_HIGH_S")?;
        if jwks_url.is_some() {
            // A key set may be shared by many issuers (a cloud's common keys) and one issuer's
            // tokens by many apps: without both checks anyone with a token from that key set
            // could claim any sub here.
            if issuer.is_none() {
                return Err(Rejection::configuration(
                    "AUTH_ISSUER is not set: it is required with AUTH_JWKS_URL (the iss of the app tokens)",
                ));
            }
            if audience.is_none() && !audience_optional {
                return Err(Rejection::configuration(
                    "AUTH_AUDIENCE is not set: it is required with AUTH_JWKS_URL (the aud of the app tokens); set AUTH_AUDIENCE_OPTIONAL=true only if the issuer mints tokens for this app alone",
                ));
            }
        }
        let identity_namespace = match text(lookup, "IDENTITY_NAMESPACE")? {
            None => None,
            Some(ns) => {
                let ns = ns.trim();
                if ns.chars().count() > MAX_NAMESPACE_CHARS
                    || !ns
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
                {
                    return Err(Rejection::configuration(format!(
                        "IDENTITY_NAMESPACE must be 1 to {MAX_NAMESPACE_CHARS} letters, digits, '-', '_' or '.'"
                    )));
                }
                Some(ns.to_string())
            }
        };
        let max_token_lifetime_ms = match text(lookup, "AUTH_MAX_TOKEN_LIFETIME_MINUTES")? {
            None => i64::from(DEFAULT_MAX_TOKEN_LIFETIME_MINUTES) * 60_000,
            Some(v) => match v.trim().parse::<u32>() {
                Ok(n) if (1..=525_600).contains(&n) => i64::from(n) * 60_000,
                _ => {
                    return Err(Rejection::configuration(
                        "AUTH_MAX_TOKEN_LIFETIME_MINUTES must be a whole number of minutes from 1 to 525600",
                    ))
                }
            },
        };
        let token_types = match text(lookup, "AUTH_TOKEN_TYPES")? {
            None => None,
            Some(list) => {
                let types: Vec<String> = comma_list(&list).iter().map(|t| media_type(t)).collect();
                if types.is_empty() || types.iter().any(|t| t.is_empty()) {
                    return Err(Rejection::configuration(
                        "AUTH_TOKEN_TYPES must list typ values such as JWT,at+jwt, separated by commas",
                    ));
                }
                Some(types)
            }
        };
        let jwks_policy = JwksPolicy::from_seconds(
            seconds(
                lookup,
                "AUTH_JWKS_CACHE_SECONDS",
                1,
                DEFAULT_JWKS_CACHE_SECONDS,
            )?,
            seconds(
                lookup,
                "AUTH_JWKS_STALE_SECONDS",
                0,
                DEFAULT_JWKS_STALE_SECONDS,
            )?,
        );
        let rate_limit = match options.rate_limiter {
            Some(true) => RateLimit::Binding,
            Some(false) => {
                return Err(Rejection::configuration(
                    "TOKEN_RATE_LIMITER is not a rate limiting binding (it needs a limit function)",
                ))
            }
            None => match text(lookup, "RATE_LIMIT_PER_MINUTE")? {
                None => RateLimit::PerMinute(DEFAULT_RATE_LIMIT_PER_MINUTE),
                Some(v) => match v.trim().to_ascii_lowercase().as_str() {
                    "off" | "0" => RateLimit::Off,
                    t => match t.parse::<u32>() {
                        Ok(n) if (1..=100_000).contains(&n) => RateLimit::PerMinute(n),
                        _ => {
                            return Err(Rejection::configuration(
                                "RATE_LIMIT_PER_MINUTE must be a whole number from 1 to 100000, or 0 or off to disable the limit",
                            ))
                        }
                    },
                },
            },
        };

        let allowed_origins = match text(lookup, "ALLOWED_ORIGINS")? {
            None => None,
            Some(list) => {
                let entries = comma_list(&list);
                if entries.is_empty() {
                    return Err(Rejection::configuration(
                        "ALLOWED_ORIGINS must list origins such as https://app.example.com, separated by commas",
                    ));
                }
                let mut origins = Vec::with_capacity(entries.len());
                for (i, entry) in entries.iter().enumerate() {
                    let origin = normalise_origin(entry).ok_or_else(|| {
                        Rejection::configuration(format!(
                            "ALLOWED_ORIGINS entry {} is not an origin such as https://app.example.com (scheme and host, no path)",
                            i + 1
                        ))
                    })?;
                    if !origins.contains(&origin) {
                        origins.push(origin);
                    }
                }
                Some(origins)
            }
        };

        let mapping = match text(lookup, "IDENTITY_MAPPING")? {
            None => Mapping::CustomId,
            Some(m) => match m.trim().to_ascii_lowercase().as_str() {
                "customid" => Mapping::CustomId,
                "kv" => Mapping::Kv,
                _ => {
                    return Err(Rejection::configuration(
                        "IDENTITY_MAPPING must be customId or kv",
                    ))
                }
            },
        };
        match (mapping, kv) {
            (Mapping::Kv, KvBinding::Missing) => {
                return Err(Rejection::configuration(
                    "IDENTITY_KV is not set (IDENTITY_MAPPING is kv): bind a KV namespace as IDENTITY_KV",
                ))
            }
            (Mapping::Kv, KvBinding::Invalid) => {
                return Err(Rejection::configuration(
                    "IDENTITY_KV is not a KV namespace (it needs get and put)",
                ))
            }
            _ => {}
        }

        let api_version = match options.api_version.as_deref() {
            Some(v) => ApiVersion::parse(v).map_err(|_| {
                Rejection::configuration(format!(
                    "apiVersion is not a known api-version; the known ones are {}",
                    ApiVersion::ALL.map(ApiVersion::as_str).join(", ")
                ))
            })?,
            // The preview has `customId`, which makes identity creation idempotent (in `kv` mode
            // too: concurrent instances mapping a new user end with one identity).
            None => ApiVersion::PREVIEW,
        };
        if mapping == Mapping::CustomId && !api_version.supports_custom_id() {
            return Err(Rejection::configuration(format!(
                "IDENTITY_MAPPING customId needs api-version {}; apiVersion is {api_version}",
                ApiVersion::PREVIEW
            )));
        }
        if !api_version.supports_expires_in_minutes() {
            return Err(Rejection::configuration(format!(
                "the token endpoint needs api-version 2022-10-01 or later; apiVersion is {api_version}"
            )));
        }

        let allowed_scopes = match text(lookup, "ALLOWED_SCOPES")? {
            None => DEFAULT_ALLOWED_SCOPES.map(String::from).to_vec(),
            Some(list) => {
                let mut scopes: Vec<String> = Vec::new();
                for (i, s) in comma_list(&list).into_iter().enumerate() {
                    if !api_version.scopes().contains(&s.as_str()) {
                        return Err(Rejection::configuration(format!(
                            "ALLOWED_SCOPES entry {} is not a scope of api-version {api_version}; the scopes are {}",
                            i + 1,
                            api_version.scopes().join(", ")
                        )));
                    }
                    if !scopes.contains(&s) {
                        scopes.push(s);
                    }
                }
                if scopes.is_empty() {
                    return Err(Rejection::configuration(
                        "ALLOWED_SCOPES must list at least one scope, such as chat,voip",
                    ));
                }
                scopes
            }
        };

        let default_expires_in_minutes = match text(lookup, "TOKEN_EXPIRES_IN_MINUTES")? {
            None => DEFAULT_EXPIRES_IN_MINUTES,
            Some(v) => match v.trim().parse::<u32>() {
                Ok(n) if (60..=1440).contains(&n) => n,
                _ => return Err(Rejection::configuration(
                    "TOKEN_EXPIRES_IN_MINUTES must be a whole number of minutes from 60 to 1440",
                )),
            },
        };

        let base_path = match options.base_path.as_deref() {
            None | Some("") | Some("/") => String::new(),
            Some(p) => {
                let trimmed = p.strip_suffix('/').unwrap_or(p);
                if !trimmed.starts_with('/')
                    || trimmed.contains(['?', '#', ' '])
                    || trimmed.contains("//")
                {
                    return Err(Rejection::configuration(
                        "basePath must be a path such as /api/acs",
                    ));
                }
                trimmed.to_string()
            }
        };

        Ok(Config {
            connection_string,
            jwt_secret,
            jwks_url,
            issuer,
            audience,
            allowed_origins,
            allowed_scopes,
            default_expires_in_minutes,
            audience_optional,
            es256_allow_high_s,
            identity_namespace,
            max_token_lifetime_ms,
            token_types,
            jwks_policy,
            rate_limit,
            mapping,
            api_version,
            base_path,
        })
    }

    /// Whether `HS256` tokens are accepted (a secret is configured).
    pub fn accepts_hs256(&self) -> bool {
        self.jwt_secret.is_some()
    }
}

// ---- routing and the cheap checks ------------------------------------------------------------

/// The routes of the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Token,
    Health,
}

/// The path of an absolute request URL (`https://host/a/b?q` → `/a/b`).
pub fn request_path(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    match rest.find('/') {
        Some(i) => &rest[i..],
        None => "/",
    }
}

/// The route of `path` under `base_path` (exact match).
pub fn route(base_path: &str, path: &str) -> Option<Route> {
    match path.strip_prefix(base_path)? {
        "/token" => Some(Route::Token),
        "/healthz" => Some(Route::Health),
        _ => None,
    }
}

/// What the handler needs from the request before reading its body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestHead<'a> {
    pub method: &'a str,
    /// The URL's path (see [`request_path`]).
    pub path: &'a str,
    pub origin: Option<&'a str>,
    pub content_length: Option<&'a str>,
    pub authorization: Option<&'a str>,
}

/// What to do after the cheap checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Answer this now (errors, preflight, health).
    Respond(HttpResponse),
    /// A `POST /token` (or, with `revoke`, a `DELETE /token`) that passed the cheap checks:
    /// verify `token`, then read the body (or revoke the user's ACS tokens).
    Token {
        cors: Cors,
        token: String,
        revoke: bool,
    },
}

/// The CORS decision: `Err` when `ALLOWED_ORIGINS` is set, an `Origin` is present and not in it.
pub fn check_origin(config: &Config, origin: Option<&str>) -> Result<Cors, Rejection> {
    let Some(allowed) = &config.allowed_origins else {
        return Ok(Cors::default());
    };
    match origin {
        None => Ok(Cors {
            allow_origin: None,
            vary: true,
        }),
        Some(o) if allowed.iter().any(|a| a == o) => Ok(Cors {
            allow_origin: Some(o.to_string()),
            vary: true,
        }),
        Some(_) => Err(Rejection::new(
            403,
            "OriginNotAllowed",
            "this origin is not allowed to ask for tokens (ALLOWED_ORIGINS)",
        )),
    }
}

/// 413 when `Content-Length` says the body is over [`MAX_BODY_BYTES`]; 400 when it is not a number.
pub fn check_content_length(value: Option<&str>) -> Result<(), Rejection> {
    let Some(v) = value else { return Ok(()) };
    let v = v.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Rejection::bad_body("Content-Length is not a number"));
    }
    // All digits: a parse failure means it overflows, which is too large as well.
    match v.parse::<u64>() {
        Ok(n) if n <= MAX_BODY_BYTES as u64 => Ok(()),
        _ => Err(Rejection::too_large()),
    }
}

/// The bearer token of an `Authorization` header (RFC 6750 §2.1; the scheme is case-insensitive).
pub fn bearer_token(authorization: Option<&str>) -> Result<&str, Rejection> {
    let missing =
        || Rejection::missing_token("an app token is required: Authorization: Bearer <token>");
    let value = authorization.map(str::trim).ok_or_else(missing)?;
    if value.is_empty() {
        return Err(missing());
    }
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(missing());
    }
    let token = rest.trim();
    if token.is_empty() || token.contains(char::is_whitespace) {
        return Err(Rejection::bad_token(
            "InvalidToken",
            "the Authorization header must be Bearer followed by one token",
        ));
    }
    Ok(token)
}

/// Routing, configuration, origin, method, preflight, health, `Content-Length` and the presence
/// of a bearer token, in that order.
pub fn begin(config: Result<&Config, &Rejection>, head: &RequestHead) -> Next {
    let base = config.map_or("", |c| c.base_path.as_str());
    let no_cors = Cors::default();
    let Some(route) = route(base, head.path) else {
        return Next::Respond(error_response(
            &no_cors,
            &Rejection::new(
                404,
                "NotFound",
                "no such route; POST /token asks for a token",
            ),
        ));
    };
    let config = match config {
        Ok(c) => c,
        Err(r) => return Next::Respond(error_response(&no_cors, r)),
    };
    let cors = match check_origin(config, head.origin) {
        Ok(c) => c,
        Err(r) => {
            let vary = Cors {
                allow_origin: None,
                vary: true,
            };
            return Next::Respond(error_response(&vary, &r));
        }
    };
    let method_not_allowed = |allow: &'static str| {
        let r = Rejection {
            allow: Some(allow),
            ..Rejection::new(
                405,
                "MethodNotAllowed",
                format!("this route answers {allow}"),
            )
        };
        Next::Respond(error_response(&cors, &r))
    };
    match (route, head.method.to_ascii_uppercase().as_str()) {
        (Route::Health, "GET") => Next::Respond(json_response(
            200,
            Body::Health(HealthBody { status: "ok" }),
            &cors,
        )),
        (Route::Health, _) => method_not_allowed(HEALTH_METHODS),
        (Route::Token, "OPTIONS") => Next::Respond(preflight(&cors)),
        (Route::Token, method @ ("POST" | "DELETE")) => {
            if let Err(r) = check_content_length(head.content_length) {
                return Next::Respond(error_response(&cors, &r));
            }
            match bearer_token(head.authorization) {
                Ok(token) => Next::Token {
                    cors,
                    token: token.to_string(),
                    revoke: method == "DELETE",
                },
                Err(r) => Next::Respond(error_response(&cors, &r)),
            }
        }
        (Route::Token, _) => method_not_allowed(TOKEN_METHODS),
    }
}

/// 204 answer to `DELETE /token` (the user's ACS tokens are revoked).
pub fn revoked_response(cors: &Cors) -> HttpResponse {
    let mut headers = vec![("cache-control", "no-store".to_string())];
    cors.apply(&mut headers);
    HttpResponse {
        status: 204,
        headers,
        body: None,
    }
}

/// 204 answer to a CORS preflight.
pub fn preflight(cors: &Cors) -> HttpResponse {
    let mut headers = vec![("allow", TOKEN_METHODS.to_string())];
    if cors.allow_origin.is_some() {
        headers.push(("access-control-allow-methods", TOKEN_METHODS.into()));
        headers.push(("access-control-allow-headers", CORS_ALLOW_HEADERS.into()));
        headers.push(("access-control-max-age", CORS_MAX_AGE_SECONDS.into()));
    }
    cors.apply(&mut headers);
    HttpResponse {
        status: 204,
        headers,
        body: None,
    }
}

// ---- the app token ---------------------------------------------------------------------------

/// The signature algorithms verified with a JWKS key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlg {
    Rs256,
    Es256,
}

impl KeyAlg {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyAlg::Rs256 => "RS256",
            KeyAlg::Es256 => "ES256",
        }
    }
}

/// A token whose signature needs a JWKS key (checked by the host with WebCrypto).
#[derive(Debug, Clone, PartialEq)]
pub struct KeyCheck {
    pub alg: KeyAlg,
    pub kid: Option<String>,
    /// `header.payload`: the bytes the signature covers.
    pub signing_input: String,
    pub signature: Vec<u8>,
    /// The claims, to check once the signature is verified.
    pub claims: Claims,
}

/// The outcome of [`verify_token`].
#[derive(Debug, Clone, PartialEq)]
pub enum Verification {
    /// The signature is valid (HS256): check these claims next.
    Verified(Claims),
    /// The signature must be verified with a JWKS key first.
    NeedsKey(KeyCheck),
}

fn invalid_token(message: impl Into<String>) -> Rejection {
    Rejection::bad_token("InvalidToken", message)
}

/// The header members the checks read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct Header {
    alg: Member,
    kid: Member,
    typ: Member,
    crit: Member,
}

/// The claims the checks read (the others are ignored).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Claims {
    pub exp: Member,
    pub nbf: Member,
    pub iat: Member,
    pub iss: Member,
    pub aud: Member,
    pub sub: Member,
}

/// The decoded parts of an app token.
struct StrictParts {
    header: Header,
    claims: Claims,
    signing_input: String,
    signature: Vec<u8>,
}

/// Strict base64url, the form JWS requires (RFC 7515 §2): no padding, canonical last symbol.
/// `None` otherwise.
fn decode_base64url_strict(text: &str) -> Option<Vec<u8>> {
    // The crate's URL_SAFE_NO_PAD refuses `=` and non-zero trailing bits.
    super::signing::decode_with(&base64::engine::general_purpose::URL_SAFE_NO_PAD, text)
}

/// One JSON part of a token: canonical base64url (no padding, no stray bits), UTF-8, an object
/// whose objects have all their member names different (RFC 7519 §4: a repeated claim is
/// refused, not read as its first or last value).
fn strict_json_part<R: JsonReader, T: DeserializeOwned>(
    reader: &R,
    part: &str,
    name: &str,
) -> Result<T, Rejection> {
    let bytes = decode_base64url_strict(part).ok_or_else(|| {
        invalid_token(format!(
            "the app token is malformed: its {name} is not canonical base64url (unpadded, no extra bits)"
        ))
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        invalid_token(format!(
            "the app token is malformed: its {name} is not UTF-8 text"
        ))
    })?;
    let read = read_object::<R, T>(reader, text).map_err(|e| {
        invalid_token(match e {
            ReadError::NotJson => {
                format!("the app token is malformed: its {name} is not valid JSON")
            }
            ReadError::NotObject => {
                format!("the app token is malformed: its {name} is not a JSON object")
            }
        })
    })?;
    if read.repeats_a_name(true) {
        return Err(invalid_token(format!(
            "the app token's {name} has a member name more than once"
        )));
    }
    Ok(read.value)
}

fn split_strict<R: JsonReader>(reader: &R, token: &str) -> Result<StrictParts, Rejection> {
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid_token(
            "the app token is malformed: it must have three dot-separated parts (header.payload.signature)",
        ));
    };
    let header_json = strict_json_part(reader, header, "header")?;
    let claims = strict_json_part(reader, payload, "payload")?;
    let signature_bytes = decode_base64url_strict(signature).ok_or_else(|| {
        invalid_token(
            "the app token is malformed: its signature is not canonical base64url (unpadded, no extra bits)",
        )
    })?;
    Ok(StrictParts {
        header: header_json,
        claims,
        signing_input: format!("{header}.{payload}"),
        signature: signature_bytes,
    })
}

/// Half the order of the P-256 group, big-endian: an ES256 signature whose `s` is above it is
/// the "high-S" twin of a valid one (same token, another signature) and is refused.
const P256_HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xde, 0x73, 0x7d, 0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
];

/// Whether a 64-byte ES256 signature (`r || s`) has its `s` in the lower half of the group order.
pub fn is_low_s(signature: &[u8]) -> bool {
    signature.len() == 64 && signature[32..] <= P256_HALF_ORDER[..]
}

/// Decodes the token (its JSON parts with `reader`), checks its form, picks the verification for
/// its `alg` and verifies HS256 here.
pub fn verify_token<R: JsonReader>(
    config: &Config,
    token: &str,
    reader: &R,
) -> Result<Verification, Rejection> {
    let parts = split_strict(reader, token)?;
    let header = &parts.header;
    let alg = header
        .alg
        .as_str()
        .ok_or_else(|| invalid_token("the app token's header has no alg"))?;
    if !header.crit.is_absent() {
        return Err(invalid_token(
            "the app token has critical header parameters (crit), which are not supported",
        ));
    }
    let kid = match &header.kid {
        Member::Absent => None,
        Member::String(k) => Some(k.clone()),
        _ => return Err(invalid_token("the app token's kid is not a string")),
    };
    if let Some(types) = &config.token_types {
        let ok = match &header.typ {
            Member::String(t) => types.contains(&media_type(t)),
            _ => false,
        };
        if !ok {
            return Err(invalid_token(
                "the app token's typ is not one of AUTH_TOKEN_TYPES",
            ));
        }
    }
    if parts.signature.is_empty() {
        return Err(invalid_token("unsigned app tokens are not accepted"));
    }
    let key_alg = match alg {
        "HS256" => {
            let Some(secret) = &config.jwt_secret else {
                return Err(invalid_token(
                    "HS256 app tokens are not accepted: this endpoint verifies tokens with the keys of AUTH_JWKS_URL (RS256, ES256)",
                ));
            };
            // `new_from_slice` accepts keys of any length for HMAC.
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
                .map_err(|_| Rejection::internal("the HS256 key could not be used"))?;
            mac.update(parts.signing_input.as_bytes());
            // `verify_slice` compares in constant time.
            return match mac.verify_slice(&parts.signature) {
                Ok(()) => Ok(Verification::Verified(parts.claims)),
                Err(_) => Err(invalid_token("the app token's signature is not valid")),
            };
        }
        "RS256" => KeyAlg::Rs256,
        "ES256" => KeyAlg::Es256,
        a if a.eq_ignore_ascii_case("none") => {
            return Err(invalid_token(
                "unsigned app tokens (alg none) are not accepted",
            ))
        }
        _ => {
            return Err(invalid_token(
                "the app token's alg is not supported; use HS256, RS256 or ES256",
            ))
        }
    };
    if config.jwks_url.is_none() {
        return Err(invalid_token(format!(
            "{} app tokens are not accepted: this endpoint verifies HS256 tokens with AUTH_JWT_SECRET only",
            key_alg.as_str()
        )));
    }
    if key_alg == KeyAlg::Es256 {
        if parts.signature.len() != 64 {
            return Err(invalid_token("the app token's signature is not valid"));
        }
        if !config.es256_allow_high_s && !is_low_s(&parts.signature) {
            return Err(invalid_token(
                "the app token's ES256 signature is not in its canonical low-S form (set AUTH_ES256_ALLOW_HIGH_S=true if the issuer does not normalise S)",
            ));
        }
    }
    Ok(Verification::NeedsKey(KeyCheck {
        alg: key_alg,
        kid,
        signing_input: parts.signing_input,
        signature: parts.signature,
        claims: parts.claims,
    }))
}

/// A `NumericDate` claim in milliseconds, rounded down (exactly, for the number as JavaScript
/// prints it: [`exact_ms_of_seconds`]); `Err` when present but not a number of seconds within
/// ±10^14 s, about three million years either side of the epoch (`null` included).
fn numeric_date(claim: &Member, name: &str) -> Result<Option<i64>, Rejection> {
    let ms = match claim {
        Member::Absent => return Ok(None),
        Member::Number(n) => exact_ms_of_seconds(*n),
        _ => None,
    };
    match ms {
        Some(ms) => Ok(Some(ms)),
        None => Err(invalid_token(format!(
            "the app token's {name} claim is not a number of seconds"
        ))),
    }
}

/// Checks the claims of a token whose signature is valid; returns its `sub`.
pub fn check_claims(config: &Config, claims: &Claims, now_ms: i64) -> Result<String, Rejection> {
    let exp = numeric_date(&claims.exp, "exp")?
        .ok_or_else(|| invalid_token("the app token has no exp claim"))?;
    let nbf = numeric_date(&claims.nbf, "nbf")?;
    let iat = numeric_date(&claims.iat, "iat")?;
    if now_ms >= exp.saturating_add(CLOCK_SKEW_MS) {
        return Err(Rejection::bad_token(
            "TokenExpired",
            "the app token has expired",
        ));
    }
    for (name, t) in [("nbf", nbf), ("iat", iat)] {
        if let Some(t) = t {
            if t > now_ms.saturating_add(CLOCK_SKEW_MS) {
                return Err(Rejection::bad_token(
                    "TokenNotYetValid",
                    format!("the app token's {name} is in the future"),
                ));
            }
        }
    }
    // How long the token lives: from its iat, else from now.
    let lifetime = exp.saturating_sub(iat.unwrap_or(now_ms));
    if lifetime > config.max_token_lifetime_ms.saturating_add(CLOCK_SKEW_MS) {
        return Err(invalid_token(format!(
            "the app token lives longer than {} minutes (AUTH_MAX_TOKEN_LIFETIME_MINUTES)",
            config.max_token_lifetime_ms / 60_000
        )));
    }
    let iss = match &claims.iss {
        Member::Absent => None,
        Member::String(s) => Some(s.as_str()),
        _ => return Err(invalid_token("the app token's iss claim is not a string")),
    };
    if let Some(issuer) = &config.issuer {
        if iss != Some(issuer.as_str()) {
            return Err(Rejection::bad_token(
                "InvalidIssuer",
                "the app token was not issued by AUTH_ISSUER",
            ));
        }
    }
    if let Some(audience) = &config.audience {
        let ok = match &claims.aud {
            Member::String(a) => a == audience,
            Member::Array(items) => items.iter().any(|a| a.as_str() == Some(audience)),
            _ => false,
        };
        if !ok {
            return Err(Rejection::bad_token(
                "InvalidAudience",
                "the app token is not meant for this endpoint (AUTH_AUDIENCE)",
            ));
        }
    }
    let sub = match &claims.sub {
        Member::String(s) => s,
        Member::Absent => return Err(invalid_token("the app token has no sub claim")),
        _ => return Err(invalid_token("the app token's sub claim is not a string")),
    };
    if sub.trim().is_empty() {
        return Err(invalid_token("the app token's sub is blank"));
    }
    if sub.chars().any(char::is_control) {
        return Err(invalid_token(
            "the app token's sub contains control characters",
        ));
    }
    if sub.chars().count() > MAX_SUB_CHARS || sub.len() > MAX_SUB_BYTES {
        return Err(invalid_token(format!(
            "the app token's sub is longer than {MAX_SUB_CHARS} characters or {MAX_SUB_BYTES} bytes"
        )));
    }
    Ok(sub.clone())
}

/// The namespace of a token's identities: `IDENTITY_NAMESPACE`, else the first 12 hex digits of
/// SHA-256 of its `iss` (empty when it has none).
pub fn namespace(config: &Config, iss: Option<&str>) -> String {
    if let Some(ns) = &config.identity_namespace {
        return ns.clone();
    }
    use sha2::Digest as _;
    let digest = Sha256::digest(iss.unwrap_or("").as_bytes());
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// The mapping key of an app user: `{namespace}.{source}:{sub}` (`source` is `hs256` or
/// `jwks`), e.g. `3a7bd3e2360a.jwks:alice`. It is the ACS `customId` (or the `IDENTITY_KV`
/// key) and the rate limiter's key, so the same `sub` from two trust sources, two issuers or
/// two namespaces is two users. 401 when the key would be longer than a `customId` may be
/// ([`MAX_KEY_CHARS`] characters; [`MAX_SUB_BYTES`] bytes for a KV key).
pub fn mapping_key(
    config: &Config,
    source: TrustSource,
    claims: &Claims,
    sub: &str,
) -> Result<String, Rejection> {
    let iss = claims.iss.as_str();
    let prefix = format!("{}.{}:", namespace(config, iss), source.as_str());
    let key = format!("{prefix}{sub}");
    if key.chars().count() > MAX_KEY_CHARS || key.len() > MAX_SUB_BYTES {
        return Err(invalid_token(format!(
            "the app token's sub is longer than the identity mapping allows ({} characters)",
            MAX_KEY_CHARS - prefix.chars().count()
        )));
    }
    Ok(key)
}

// ---- JWKS ------------------------------------------------------------------------------------

/// The public key material of one usable JWK (base64url fields as in the JWK).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwkKey {
    Rsa { n: String, e: String },
    EcP256 { x: String, y: String },
}

/// A usable signature-verification key of a JWKS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jwk {
    pub kid: Option<String>,
    pub alg: KeyAlg,
    pub key: JwkKey,
}

fn b64_len(v: &Member) -> Option<(String, usize)> {
    let s = v.as_str()?;
    let bytes = decode_base64url(s)?;
    Some((s.to_string(), bytes.len()))
}

/// The members of a JWK the checks read.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
struct RawJwk {
    kty: Member,
    #[serde(rename = "use")]
    use_: Member,
    key_ops: Member,
    alg: Member,
    kid: Member,
    crv: Member,
    n: Member,
    e: Member,
    x: Member,
    y: Member,
}

/// A JWKS document: `keys`, an array whose objects are JWKs (other entries are skipped).
#[derive(Default, Deserialize)]
#[serde(default)]
struct RawJwks {
    keys: ArrayOf<IfObject<RawJwk>>,
}

/// Reads one JWK; `None` when it is not an RS256 / ES256 verification key (skipped, never used).
fn parse_jwk(k: &RawJwk) -> Option<Jwk> {
    let kty = k.kty.as_str()?;
    if !k.use_.is_absent() && k.use_.as_str() != Some("sig") {
        return None;
    }
    match &k.key_ops {
        Member::Absent => {}
        Member::Array(ops) if ops.iter().any(|o| o.as_str() == Some("verify")) => {}
        _ => return None,
    }
    let alg = match &k.alg {
        Member::Absent => None,
        a => Some(a.as_str()),
    };
    let kid = k.kid.as_str().map(String::from);
    match kty {
        "RSA" => {
            if !matches!(alg, None | Some(Some("RS256"))) {
                return None;
            }
            let (n, n_len) = b64_len(&k.n)?;
            let (e, e_len) = b64_len(&k.e)?;
            // At least 2048 bits (a leading zero byte may pad the modulus).
            if n_len < 256 || e_len == 0 || e_len > 8 {
                return None;
            }
            Some(Jwk {
                kid,
                alg: KeyAlg::Rs256,
                key: JwkKey::Rsa { n, e },
            })
        }
        "EC" => {
            if !matches!(alg, None | Some(Some("ES256"))) || k.crv.as_str() != Some("P-256") {
                return None;
            }
            let (x, x_len) = b64_len(&k.x)?;
            let (y, y_len) = b64_len(&k.y)?;
            if x_len != 32 || y_len != 32 {
                return None;
            }
            Some(Jwk {
                kid,
                alg: KeyAlg::Es256,
                key: JwkKey::EcP256 { x, y },
            })
        }
        // `oct` (symmetric) and every other type: never a verification key here, so an HS256
        // token can never be checked against a published key.
        _ => None,
    }
}

/// Parses a JWKS document (`{"keys":[...]}`), keeping the RS256 and ES256 verification keys.
pub fn parse_jwks<R: JsonReader>(text: &str, reader: &R) -> Result<Vec<Jwk>, &'static str> {
    let doc = match read_object::<R, RawJwks>(reader, text) {
        Ok(doc) => doc.value,
        Err(ReadError::NotJson) => return Err("the JWKS is not valid JSON"),
        Err(ReadError::NotObject) => return Err("the JWKS has no keys array"),
    };
    let keys = doc.keys.0.ok_or("the JWKS has no keys array")?;
    Ok(keys
        .iter()
        .filter_map(|k| parse_jwk(k.0.as_ref()?))
        .collect())
}

/// Indexes of the keys a token may be verified with: same `alg`, and same `kid` when the token
/// names one. At most [`MAX_KEY_CANDIDATES`].
pub fn key_candidates(keys: &[Jwk], alg: KeyAlg, kid: Option<&str>) -> Vec<usize> {
    keys.iter()
        .enumerate()
        .filter(|(_, k)| k.alg == alg && (kid.is_none() || k.kid.as_deref() == kid))
        .map(|(i, _)| i)
        .take(MAX_KEY_CANDIDATES)
        .collect()
}

/// What is known about one JWKS URL's cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JwksState {
    /// When the keys were last downloaded successfully.
    pub fetched_at_ms: Option<i64>,
    /// When a download was last started because of an unknown `kid`.
    pub last_refetch_ms: Option<i64>,
    /// When a download last failed.
    pub last_failure_ms: Option<i64>,
}

/// How long the keys of `AUTH_JWKS_URL` are used: fresh for `ttl_ms`
/// (`AUTH_JWKS_CACHE_SECONDS`), then, while a refresh fails, trusted `stale_grace_ms` longer
/// (`AUTH_JWKS_STALE_SECONDS`; 0 fails closed as soon as the lifetime is over).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JwksPolicy {
    pub ttl_ms: i64,
    pub stale_grace_ms: i64,
}

impl Default for JwksPolicy {
    fn default() -> Self {
        JwksPolicy::from_seconds(DEFAULT_JWKS_CACHE_SECONDS, DEFAULT_JWKS_STALE_SECONDS)
    }
}

impl JwksPolicy {
    pub fn from_seconds(cache_seconds: u32, stale_seconds: u32) -> Self {
        JwksPolicy {
            ttl_ms: i64::from(cache_seconds) * 1000,
            stale_grace_ms: i64::from(stale_seconds) * 1000,
        }
    }

    /// No new download for this long after a failed one: [`JWKS_FAILURE_BACKOFF_MS`], or the key
    /// lifetime when that is shorter (so keys living seconds are retried as often as they expire).
    pub fn failure_backoff_ms(&self) -> i64 {
        JWKS_FAILURE_BACKOFF_MS.min(self.ttl_ms)
    }

    /// An unknown `kid` triggers a download at most this often: [`JWKS_REFETCH_INTERVAL_MS`], or
    /// the key lifetime when that is shorter.
    pub fn refetch_interval_ms(&self) -> i64 {
        JWKS_REFETCH_INTERVAL_MS.min(self.ttl_ms)
    }
}

/// What to do with a token that needs a JWKS key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwksAction {
    /// Verify with the cached keys.
    Use,
    /// Download the keys (again); `refetch` when it is because of an unknown `kid`.
    Fetch { refetch: bool },
    /// No cached key matches and no download is allowed now: 401.
    Unknown,
    /// There are no keys and the last download failed moments ago: 502.
    Unavailable,
    /// The keys are older than their lifetime + grace period ([`JwksPolicy`]) and the last
    /// download failed moments ago: 401 (fail closed), see [`stale_keys`].
    Stale,
}

/// The JWKS cache policy: download when there are no keys or they are older than
/// `policy.ttl_ms`; on a `kid` that no cached key has, download again at most once per
/// [`JwksPolicy::refetch_interval_ms`]; after a failure wait [`JwksPolicy::failure_backoff_ms`]
/// (stale keys keep being used meanwhile, but only for `policy.stale_grace_ms` past their
/// lifetime).
pub fn jwks_action(
    policy: &JwksPolicy,
    state: &JwksState,
    has_match: bool,
    now_ms: i64,
) -> JwksAction {
    let recently_failed = state
        .last_failure_ms
        .is_some_and(|t| now_ms.saturating_sub(t) < policy.failure_backoff_ms());
    let Some(fetched) = state.fetched_at_ms else {
        return if recently_failed {
            JwksAction::Unavailable
        } else {
            JwksAction::Fetch { refetch: false }
        };
    };
    if now_ms.saturating_sub(fetched) >= policy.ttl_ms {
        if !recently_failed {
            return JwksAction::Fetch { refetch: false };
        }
        if !jwks_keys_trusted(policy, state, now_ms) {
            return JwksAction::Stale;
        }
    }
    if has_match {
        return JwksAction::Use;
    }
    let may_refetch = match state.last_refetch_ms {
        None => true,
        Some(t) => now_ms.saturating_sub(t) >= policy.refetch_interval_ms(),
    };
    if may_refetch && !recently_failed {
        JwksAction::Fetch { refetch: true }
    } else {
        JwksAction::Unknown
    }
}

/// Whether the cached keys may still be used: downloaded less than `policy.ttl_ms` +
/// `policy.stale_grace_ms` ago.
pub fn jwks_keys_trusted(policy: &JwksPolicy, state: &JwksState, now_ms: i64) -> bool {
    state.fetched_at_ms.is_some_and(|t| {
        now_ms.saturating_sub(t) < policy.ttl_ms.saturating_add(policy.stale_grace_ms)
    })
}

/// 401 when the keys are past their grace period and could not be refreshed (fail closed).
pub fn stale_keys() -> Rejection {
    invalid_token(
        "the keys of AUTH_JWKS_URL are out of date and could not be refreshed; the app token cannot be verified now",
    )
}

/// 401 for a token no JWKS key matches.
pub fn unknown_key() -> Rejection {
    invalid_token("no key of AUTH_JWKS_URL matches the app token (kid and alg)")
}

/// 401 for a token whose RS256 / ES256 signature does not verify.
pub fn bad_signature() -> Rejection {
    invalid_token("the app token's signature is not valid")
}

// ---- the request body ------------------------------------------------------------------------

/// What the caller asked for, after the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    pub scopes: Vec<String>,
    pub expires_in_minutes: u32,
}

/// The members of the request body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct BodyFields {
    scopes: Member,
    expires_in_minutes: Member,
}

/// Parses the body `{ scopes?, expiresInMinutes? }` (empty body: the defaults; the JSON with
/// `reader`). Scopes must be a subset of the allowed ones (403 `ScopeNotAllowed`); everything
/// else wrong is 400.
pub fn parse_body<R: JsonReader>(
    config: &Config,
    body: &[u8],
    reader: &R,
) -> Result<TokenRequest, Rejection> {
    if body.len() > MAX_BODY_BYTES {
        return Err(Rejection::too_large());
    }
    let mut request = TokenRequest {
        scopes: config.allowed_scopes.clone(),
        expires_in_minutes: config.default_expires_in_minutes,
    };
    if body.is_empty() {
        return Ok(request);
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| Rejection::bad_body("the request body is not UTF-8 text"))?;
    let read = read_object::<R, BodyFields>(reader, text).map_err(|e| match e {
        ReadError::NotJson => Rejection::bad_body("the request body is not valid JSON"),
        ReadError::NotObject => Rejection::bad_body("the request body must be a JSON object"),
    })?;
    let fields = &read.value;
    let known = [&fields.scopes, &fields.expires_in_minutes]
        .iter()
        .filter(|m| !m.is_absent())
        .count();
    if read.parsed.top > known {
        return Err(Rejection::bad_body(
            "the request body may only have scopes and expiresInMinutes",
        ));
    }
    if read.repeats_a_name(false) {
        // Only the two names are left; when both are there the text does not say which.
        return Err(Rejection::bad_body(match known {
            1 if fields.scopes.is_absent() => "expiresInMinutes is given more than once",
            1 => "scopes is given more than once",
            _ => "scopes or expiresInMinutes is given more than once",
        }));
    }
    match &fields.scopes {
        Member::Absent | Member::Null => {}
        Member::Array(items) => {
            let not_strings =
                || Rejection::bad_body("scopes must be an array of strings such as [\"chat\"]");
            if items.is_empty() {
                return Err(Rejection::bad_body("scopes must not be empty"));
            }
            let mut scopes: Vec<String> = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let s = item.as_str().ok_or_else(not_strings)?;
                if !config.allowed_scopes.iter().any(|a| a == s) {
                    return Err(Rejection::new(
                        403,
                        "ScopeNotAllowed",
                        format!(
                            "scopes[{i}] is not allowed here; the allowed scopes are {}",
                            config.allowed_scopes.join(", ")
                        ),
                    ));
                }
                if !scopes.iter().any(|x| x == s) {
                    scopes.push(s.to_string());
                }
            }
            request.scopes = scopes;
        }
        _ => {
            return Err(Rejection::bad_body(
                "scopes must be an array of strings such as [\"chat\"]",
            ))
        }
    }
    match &fields.expires_in_minutes {
        Member::Absent | Member::Null => {}
        v => {
            // TOKEN_EXPIRES_IN_MINUTES is the default and the most a caller may ask for.
            let max = config.default_expires_in_minutes;
            match v {
                Member::Number(n) if n.fract() == 0.0 && (60.0..=f64::from(max)).contains(n) => {
                    request.expires_in_minutes = *n as u32
                }
                _ if max == 60 => {
                    return Err(Rejection::bad_body(
                        "expiresInMinutes must be 60 here (TOKEN_EXPIRES_IN_MINUTES is 60)",
                    ))
                }
                _ => {
                    return Err(Rejection::bad_body(format!(
                        "expiresInMinutes must be a whole number of minutes from 60 to {max} (TOKEN_EXPIRES_IN_MINUTES)"
                    )))
                }
            }
        }
    }
    Ok(request)
}

// ---- the identity ----------------------------------------------------------------------------

/// How to get the ACS identity of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityPlan {
    /// `createUserAndToken(scopes, { customId, tokenExpiresInMinutes })`: idempotent per customId.
    CustomId(String),
    /// Look the key up in `IDENTITY_KV`: `getToken(id, ...)` when found, else
    /// `createUserAndToken` and store the new id under the key.
    Kv(String),
}

/// The plan for the user of mapping key `key` (see [`mapping_key`]) under the configured mapping.
pub fn identity_plan(config: &Config, key: &str) -> IdentityPlan {
    match config.mapping {
        Mapping::CustomId => IdentityPlan::CustomId(key.to_string()),
        Mapping::Kv => IdentityPlan::Kv(key.to_string()),
    }
}

/// Whether new identities are created with the mapping key as their ACS `customId`, so that
/// the service returns the same identity to every instance that creates it (in `kv` mode KV is
/// then a cache): always in `customId` mode; in `kv` mode when the api-version has `customId`
/// (the default one does).
pub fn creates_with_custom_id(config: &Config) -> bool {
    config.api_version.supports_custom_id()
}

// ---- the in-process rate limiter -------------------------------------------------------------

/// Token requests per user in fixed one-minute windows (aligned on the clock, as the Workers
/// Rate Limiting binding counts), for one instance. Remembers at most [`RATE_LIMIT_MAX_USERS`]
/// users: when full, users of past windows are forgotten first, then the one with the fewest
/// requests. The clock is passed in.
#[derive(Debug, Clone, Default)]
pub struct RateLimiter {
    limit: u32,
    /// `(key, window, count)`, sorted by key.
    users: Vec<(String, i64, u32)>,
}

impl RateLimiter {
    /// A limiter of `limit` requests per user per minute.
    pub fn new(limit: u32) -> RateLimiter {
        RateLimiter {
            limit,
            users: Vec::new(),
        }
    }

    /// How many users it remembers.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// Counts one request of `key` at `now_ms`: `Ok` when it is within the limit, else `Err`
    /// with the whole seconds until the window ends (for `Retry-After`, at least 1).
    pub fn check(&mut self, key: &str, now_ms: i64) -> Result<(), u32> {
        let window = now_ms.div_euclid(RATE_LIMIT_WINDOW_MS);
        let retry_after = || {
            let end = (window + 1) * RATE_LIMIT_WINDOW_MS;
            ((end - now_ms + 999) / 1000).max(1) as u32
        };
        match self.users.binary_search_by(|(k, _, _)| k.as_str().cmp(key)) {
            Ok(i) => {
                let (_, w, count) = &mut self.users[i];
                if *w != window {
                    *w = window;
                    *count = 0;
                }
                if *count >= self.limit {
                    return Err(retry_after());
                }
                *count += 1;
                Ok(())
            }
            Err(_) if self.limit == 0 => Err(retry_after()),
            Err(_) => {
                if self.users.len() >= RATE_LIMIT_MAX_USERS {
                    self.users.retain(|(_, w, _)| *w == window);
                }
                if self.users.len() >= RATE_LIMIT_MAX_USERS {
                    if let Some(i) = self
                        .users
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, (_, _, c))| *c)
                        .map(|(i, _)| i)
                    {
                        self.users.remove(i);
                    }
                }
                let i = self
                    .users
                    .binary_search_by(|(k, _, _)| k.as_str().cmp(key))
                    .unwrap_or_else(|i| i);
                self.users.insert(i, (key.to_string(), window, 1));
                Ok(())
            }
        }
    }
}

/// `Retry-After` for a user refused by the `TOKEN_RATE_LIMITER` binding, which does not say
/// when its window ends: the longest period the binding supports (60 s).
pub const BINDING_RETRY_AFTER_SECONDS: u32 = 60;

/// Whether a stored identity id looks like a communication user id (else it is ignored and a new
/// identity is made).
pub fn is_stored_id_usable(id: &str) -> bool {
    id.starts_with("8:") && id.len() <= 512 && !id.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use std::collections::HashMap;

    /// The native reader: serde_json (the package's is `JSON.parse` + serde-wasm-bindgen).
    pub(super) struct SerdeJson;

    impl JsonReader for SerdeJson {
        type Value = serde_json::Value;
        fn parse(&self, text: &str) -> Option<serde_json::Value> {
            serde_json::from_str(text).ok()
        }
        fn read<T: DeserializeOwned>(&self, value: &serde_json::Value) -> Option<T> {
            T::deserialize(value).ok()
        }
    }

    #[test]
    fn bindings_from_host_values() {
        let b = |json: &str| serde_json::from_str::<Binding>(json).unwrap();
        assert_eq!(b(r#""https://x""#), Binding::Text("https://x".into()));
        assert_eq!(b("600"), Binding::Text("600".into()));
        assert_eq!(b("-3"), Binding::Text("-3".into()));
        assert_eq!(b("600.0"), Binding::Text("600".into()));
        assert_eq!(b("1.5"), Binding::Text("1.5".into()));
        assert_eq!(b("null"), Binding::Missing);
        for not_text in ["true", "[]", r#"["a"]"#, "{}", r#"{"get":1}"#] {
            assert_eq!(b(not_text), Binding::NotText, "{not_text}");
        }
    }

    /// The JSON text of an error body (as the package's JSON.stringify writes it).
    fn body_text(r: &Rejection) -> String {
        serde_json::to_string(&r.body()).unwrap()
    }

    /// `text` (a JSON object) as claims.
    fn claims_of_json(text: &str) -> Claims {
        read_object::<_, Claims>(&SerdeJson, text)
            .ok()
            .unwrap()
            .value
    }

    const CS: &str =
        "endpoint=https://acs.example.com/;accesskey=c2VjcmV0LWtleS1zZWNyZXQta2V5LXNlY3JldC1rZXk=";
    const SECRET: &str = "0123456789abcdef0123456789abcdef-hs256";
    const NOW: i64 = 1_750_000_000_000;

    fn bindings(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        let mut m: HashMap<String, String> = HashMap::new();
        m.insert("ACS_CONNECTION_STRING".into(), CS.into());
        m.insert("AUTH_JWT_SECRET".into(), SECRET.into());
        for (k, v) in pairs {
            m.insert((*k).into(), (*v).into());
        }
        m
    }

    fn config_with(
        pairs: &[(&str, &str)],
        kv: KvBinding,
        options: &HandlerOptions,
    ) -> Result<Config, Rejection> {
        let m = bindings(pairs);
        let lookup = |name: &str| match m.get(name) {
            Some(v) if v == "<object>" => Binding::NotText,
            Some(v) if v == "<unset>" => Binding::Missing,
            Some(v) => Binding::Text(v.clone()),
            None => Binding::Missing,
        };
        Config::from_bindings(&lookup, kv, options)
    }

    fn config(pairs: &[(&str, &str)]) -> Config {
        config_with(pairs, KvBinding::Missing, &HandlerOptions::default()).unwrap()
    }

    fn config_err(pairs: &[(&str, &str)]) -> Rejection {
        config_with(pairs, KvBinding::Missing, &HandlerOptions::default()).unwrap_err()
    }

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    fn hs256(header: &str, claims: &str, secret: &str) -> String {
        let input = format!("{}.{}", b64(header.as_bytes()), b64(claims.as_bytes()));
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(input.as_bytes());
        format!("{input}.{}", b64(&mac.finalize().into_bytes()))
    }

    fn claims(extra: &str) -> String {
        let exp = NOW / 1000 + 600;
        if extra.is_empty() {
            format!(r#"{{"sub":"user-1","exp":{exp}}}"#)
        } else {
            format!(r#"{{"sub":"user-1","exp":{exp},{extra}}}"#)
        }
    }

    const HS: &str = r#"{"alg":"HS256","typ":"JWT"}"#;
    const ISS: &str = "https://login.example.com/";

    fn verify_and_check(c: &Config, token: &str) -> Result<String, Rejection> {
        match verify_token(c, token, &SerdeJson)? {
            Verification::Verified(claims) => check_claims(c, &claims, NOW),
            Verification::NeedsKey(_) => panic!("needs a key"),
        }
    }

    // ---- configuration

    #[test]
    fn defaults() {
        let c = config(&[]);
        assert_eq!(c.allowed_scopes, vec!["chat", "voip"]);
        assert_eq!(c.default_expires_in_minutes, 60);
        assert_eq!(c.mapping, Mapping::CustomId);
        assert_eq!(c.api_version, ApiVersion::PREVIEW);
        assert_eq!(c.allowed_origins, None);
        assert_eq!(c.base_path, "");
        assert!(c.accepts_hs256());
        let dbg = format!("{c:?}");
        assert!(!dbg.contains(SECRET) && !dbg.contains("accesskey"), "{dbg}");
    }

    #[test]
    fn kv_mapping_creates_with_a_custom_id_by_default() {
        let c = config_with(
            &[("IDENTITY_MAPPING", "kv")],
            KvBinding::Present,
            &HandlerOptions::default(),
        )
        .unwrap();
        assert_eq!(c.mapping, Mapping::Kv);
        // The preview has customId: instances creating one user at once get one identity.
        assert_eq!(c.api_version, ApiVersion::PREVIEW);
        assert!(creates_with_custom_id(&c));
        assert_eq!(identity_plan(&c, "alice"), IdentityPlan::Kv("alice".into()));
        // A GA api-version, chosen explicitly: KV alone (no de-duplication by the service).
        let ga = config_with(
            &[("IDENTITY_MAPPING", "kv")],
            KvBinding::Present,
            &HandlerOptions {
                api_version: Some("2025-06-30".into()),
                ..HandlerOptions::default()
            },
        )
        .unwrap();
        assert!(!creates_with_custom_id(&ga));
        assert_eq!(
            identity_plan(&config(&[]), "alice"),
            IdentityPlan::CustomId("alice".into())
        );
    }

    #[test]
    fn configuration_errors_name_the_binding_never_the_value() {
        type Case<'a> = (Vec<(&'a str, &'a str)>, KvBinding, &'a str);
        let cases: Vec<Case> = vec![
            (
                vec![("ACS_CONNECTION_STRING", "<unset>")],
                KvBinding::Missing,
                "ACS_CONNECTION_STRING is not set",
            ),
            (
                vec![("ACS_CONNECTION_STRING", "   ")],
                KvBinding::Missing,
                "ACS_CONNECTION_STRING is not set",
            ),
            (
                vec![(
                    "ACS_CONNECTION_STRING",
                    "endpoint=https://x.example.com/;accesskey=%%XYZZY%%",
                )],
                KvBinding::Missing,
                "ACS_CONNECTION_STRING is not a valid connection string",
            ),
            (
                vec![(
                    "ACS_CONNECTION_STRING",
                    "endpoint=http://acs.example.com/;accesskey=c2VjcmV0",
                )],
                KvBinding::Missing,
                "ACS_CONNECTION_STRING must name an https endpoint",
            ),
            (
                vec![("ACS_CONNECTION_STRING", "<object>")],
                KvBinding::Missing,
                "ACS_CONNECTION_STRING must be a text binding",
            ),
            (
                vec![("AUTH_JWT_SECRET", "short-XYZZY")],
                KvBinding::Missing,
                "AUTH_JWT_SECRET must be at least 32 bytes",
            ),
            (
                vec![("AUTH_JWT_SECRET", "<unset>")],
                KvBinding::Missing,
                "neither AUTH_JWT_SECRET nor AUTH_JWKS_URL is set",
            ),
            (
                vec![("AUTH_JWKS_URL", "ftp://XYZZY.example.com/jwks")],
                KvBinding::Missing,
                "AUTH_JWKS_URL must be an absolute https URL",
            ),
            (
                vec![("AUTH_JWKS_URL", "http://XYZZY.example.com/jwks")],
                KvBinding::Missing,
                "AUTH_JWKS_URL must be an absolute https URL",
            ),
            (
                vec![("ALLOWED_ORIGINS", "https://XYZZY.example.com/path")],
                KvBinding::Missing,
                "ALLOWED_ORIGINS entry 1 is not an origin",
            ),
            (
                vec![("ALLOWED_ORIGINS", " , ")],
                KvBinding::Missing,
                "ALLOWED_ORIGINS must list origins",
            ),
            (
                vec![("ALLOWED_SCOPES", "chat,XYZZY")],
                KvBinding::Missing,
                "ALLOWED_SCOPES entry 2 is not a scope",
            ),
            (
                vec![("ALLOWED_SCOPES", ",")],
                KvBinding::Missing,
                "ALLOWED_SCOPES must list at least one scope",
            ),
            (
                vec![("TOKEN_EXPIRES_IN_MINUTES", "59")],
                KvBinding::Missing,
                "TOKEN_EXPIRES_IN_MINUTES must be a whole number",
            ),
            (
                vec![("TOKEN_EXPIRES_IN_MINUTES", "1441")],
                KvBinding::Missing,
                "TOKEN_EXPIRES_IN_MINUTES must be a whole number",
            ),
            (
                vec![("TOKEN_EXPIRES_IN_MINUTES", "60.5")],
                KvBinding::Missing,
                "TOKEN_EXPIRES_IN_MINUTES must be a whole number",
            ),
            (
                vec![("IDENTITY_MAPPING", "XYZZY")],
                KvBinding::Missing,
                "IDENTITY_MAPPING must be customId or kv",
            ),
            (
                vec![("IDENTITY_MAPPING", "kv")],
                KvBinding::Missing,
                "IDENTITY_KV is not set",
            ),
            (
                vec![("IDENTITY_MAPPING", "kv")],
                KvBinding::Invalid,
                "IDENTITY_KV is not a KV namespace",
            ),
        ];
        for (pairs, kv, expected) in cases {
            let r = config_with(&pairs, kv, &HandlerOptions::default()).unwrap_err();
            assert_eq!(r.status, 500);
            assert_eq!(r.code, "ConfigurationError");
            assert!(r.message.starts_with(expected), "{pairs:?}: {}", r.message);
            assert!(!r.message.contains("XYZZY"), "{}", r.message);
            assert!(!body_text(&r).contains("XYZZY"));
        }
    }

    #[test]
    fn options() {
        let opts = |v: Option<&str>, p: Option<&str>| HandlerOptions {
            api_version: v.map(String::from),
            base_path: p.map(String::from),
            rate_limiter: None,
        };
        let c = config_with(&[], KvBinding::Missing, &opts(None, Some("/api/acs/"))).unwrap();
        assert_eq!(c.base_path, "/api/acs");
        let r = config_with(&[], KvBinding::Missing, &opts(None, Some("api"))).unwrap_err();
        assert!(r.message.starts_with("basePath"));
        let r = config_with(&[], KvBinding::Missing, &opts(Some("2025-06-30"), None)).unwrap_err();
        assert!(r
            .message
            .contains("customId needs api-version 2025-03-02-preview"));
        let r = config_with(&[], KvBinding::Missing, &opts(Some("nope"), None)).unwrap_err();
        assert!(r.message.starts_with("apiVersion is not a known"));
        let r = config_with(
            &[("IDENTITY_MAPPING", "kv")],
            KvBinding::Present,
            &opts(Some("2021-03-07"), None),
        )
        .unwrap_err();
        assert!(r.message.contains("2022-10-01 or later"));
        // Scopes are checked against the version in use.
        let r = config_with(
            &[("IDENTITY_MAPPING", "KV"), ("ALLOWED_SCOPES", "chat.join")],
            KvBinding::Present,
            &opts(Some("2022-10-01"), None),
        )
        .unwrap_err();
        assert!(r.message.starts_with("ALLOWED_SCOPES entry 1"));
    }

    #[test]
    fn lists_are_trimmed_and_normalised() {
        let c = config(&[
            (
                "ALLOWED_ORIGINS",
                " https://App.Example.com/ ,http://localhost:5173,, https://a.example.com:443",
            ),
            ("ALLOWED_SCOPES", " voip , chat.join,voip "),
            ("TOKEN_EXPIRES_IN_MINUTES", " 120 "),
            ("IDENTITY_MAPPING", "customid"),
        ]);
        assert_eq!(
            c.allowed_origins.as_deref(),
            Some(
                &[
                    "https://app.example.com".to_string(),
                    "http://localhost:5173".into(),
                    "https://a.example.com".into()
                ][..]
            )
        );
        assert_eq!(c.allowed_scopes, vec!["voip", "chat.join"]);
        assert_eq!(c.default_expires_in_minutes, 120);
    }

    // ---- routing, origin, method

    fn head<'a>(method: &'a str, path: &'a str) -> RequestHead<'a> {
        RequestHead {
            method,
            path,
            authorization: Some("Bearer a.b.c"),
            ..RequestHead::default()
        }
    }

    fn respond(n: Next) -> HttpResponse {
        match n {
            Next::Respond(r) => r,
            Next::Token { .. } => panic!("expected an answer"),
        }
    }

    fn error_code(r: &HttpResponse) -> String {
        let body: serde_json::Value = serde_json::to_value(r.body.as_ref().unwrap()).unwrap();
        body["error"]["code"].as_str().unwrap().to_string()
    }

    #[test]
    fn paths() {
        assert_eq!(request_path("https://h.example.com/token?x=1"), "/token");
        assert_eq!(request_path("http://h:8787"), "/");
        assert_eq!(request_path("http://h/a/b#f"), "/a/b");
        assert_eq!(route("", "/token"), Some(Route::Token));
        assert_eq!(route("", "/healthz"), Some(Route::Health));
        assert_eq!(route("", "/token/"), None);
        assert_eq!(route("/api", "/api/token"), Some(Route::Token));
        assert_eq!(route("/api", "/token"), None);
    }

    #[test]
    fn routes_and_methods() {
        let c = config(&[]);
        let ok = Ok(&c);
        let r = respond(begin(ok, &head("GET", "/nope")));
        assert_eq!((r.status, error_code(&r).as_str()), (404, "NotFound"));
        let r = respond(begin(ok, &head("GET", "/healthz")));
        assert_eq!(r.status, 200);
        assert_eq!(
            r.body
                .as_ref()
                .map(|b| serde_json::to_string(b).unwrap())
                .as_deref(),
            Some(r#"{"status":"ok"}"#)
        );
        let r = respond(begin(ok, &head("POST", "/healthz")));
        assert_eq!((r.status, r.header("allow")), (405, Some("GET")));
        for m in ["GET", "PUT", "PATCH"] {
            let r = respond(begin(ok, &head(m, "/token")));
            assert_eq!(r.status, 405);
            assert_eq!(error_code(&r), "MethodNotAllowed");
            assert_eq!(r.header("allow"), Some("POST, DELETE, OPTIONS"));
        }
        for (m, revoking) in [("post", false), ("DELETE", true), ("delete", true)] {
            match begin(ok, &head(m, "/token")) {
                Next::Token {
                    token,
                    cors,
                    revoke,
                } => {
                    assert_eq!(token, "a.b.c");
                    assert_eq!(cors, Cors::default());
                    assert_eq!(revoke, revoking, "{m}");
                }
                other => panic!("{other:?}"),
            }
        }
        // Configuration errors answer 500 on known routes, 404 elsewhere.
        let bad = config_err(&[("ACS_CONNECTION_STRING", "<unset>")]);
        let r = respond(begin(Err(&bad), &head("POST", "/token")));
        assert_eq!(
            (r.status, error_code(&r).as_str()),
            (500, "ConfigurationError")
        );
        let r = respond(begin(Err(&bad), &head("POST", "/other")));
        assert_eq!(r.status, 404);
    }

    #[test]
    fn origins_and_preflight() {
        let c = config(&[("ALLOWED_ORIGINS", "https://app.example.com")]);
        let with_origin = |method, origin| RequestHead {
            origin: Some(origin),
            ..head(method, "/token")
        };
        let r = respond(begin(
            Ok(&c),
            &with_origin("OPTIONS", "https://app.example.com"),
        ));
        assert_eq!(r.status, 204);
        assert_eq!(r.body, None);
        assert_eq!(
            r.header("access-control-allow-origin"),
            Some("https://app.example.com")
        );
        assert_eq!(r.header("vary"), Some("Origin"));
        assert_eq!(
            r.header("access-control-allow-methods"),
            Some("POST, DELETE, OPTIONS")
        );
        assert_eq!(
            r.header("access-control-allow-headers"),
            Some("authorization, content-type")
        );
        assert_eq!(r.header("access-control-max-age"), Some("600"));
        for method in ["OPTIONS", "POST", "GET"] {
            let r = respond(begin(
                Ok(&c),
                &with_origin(method, "https://evil.example.com"),
            ));
            assert_eq!(
                (r.status, error_code(&r).as_str()),
                (403, "OriginNotAllowed")
            );
            assert_eq!(r.header("access-control-allow-origin"), None);
        }
        // Exact match: no prefix or case games.
        for o in [
            "https://app.example.com.evil.com",
            "https://APP.example.com",
            "null",
        ] {
            assert!(check_origin(&c, Some(o)).is_err(), "{o}");
        }
        // No Origin (same-origin navigations, servers): allowed, nothing echoed.
        match begin(Ok(&c), &head("POST", "/token")) {
            Next::Token { cors, .. } => assert_eq!(
                cors,
                Cors {
                    allow_origin: None,
                    vary: true
                }
            ),
            other => panic!("{other:?}"),
        }
        // Allowed origin on a POST: echoed on the errors too.
        let r = respond(begin(
            Ok(&c),
            &RequestHead {
                authorization: None,
                ..with_origin("POST", "https://app.example.com")
            },
        ));
        assert_eq!(r.status, 401);
        assert_eq!(
            r.header("access-control-allow-origin"),
            Some("https://app.example.com")
        );
        // Without ALLOWED_ORIGINS no origin is refused and none is echoed.
        let open = config(&[]);
        assert_eq!(
            check_origin(&open, Some("https://any.example.com")),
            Ok(Cors::default())
        );
        let r = preflight(&Cors::default());
        assert_eq!(r.header("access-control-allow-origin"), None);
        assert_eq!(r.header("allow"), Some("POST, DELETE, OPTIONS"));
    }

    #[test]
    fn content_length() {
        assert_eq!(check_content_length(None), Ok(()));
        assert_eq!(check_content_length(Some("8192")), Ok(()));
        assert_eq!(check_content_length(Some("8193")).unwrap_err().status, 413);
        assert_eq!(
            check_content_length(Some("99999999999999999999999"))
                .unwrap_err()
                .status,
            413
        );
        assert_eq!(check_content_length(Some("-1")).unwrap_err().status, 400);
        let c = config(&[]);
        let r = respond(begin(
            Ok(&c),
            &RequestHead {
                content_length: Some("9000"),
                ..head("POST", "/token")
            },
        ));
        assert_eq!(
            (r.status, error_code(&r).as_str()),
            (413, "PayloadTooLarge")
        );
    }

    #[test]
    fn bearer() {
        for (value, code) in [
            (None, "MissingToken"),
            (Some(""), "MissingToken"),
            (Some("Basic dXNlcjpwdw=="), "MissingToken"),
            (Some("Bearer"), "InvalidToken"),
            (Some("Bearer   "), "InvalidToken"),
            (Some("Bearer a b"), "InvalidToken"),
        ] {
            let r = bearer_token(value).unwrap_err();
            assert_eq!((r.status, r.code), (401, code), "{value:?}");
            let expected = if code == "MissingToken" {
                "Bearer"
            } else {
                "Bearer error=\"invalid_token\""
            };
            assert_eq!(r.www_authenticate, Some(expected));
        }
        assert_eq!(bearer_token(Some("bearer x.y.z")), Ok("x.y.z"));
        assert_eq!(bearer_token(Some("  Bearer  x.y.z ")), Ok("x.y.z"));
    }

    // ---- tokens

    #[test]
    fn hs256_happy_path() {
        let c = config(&[]);
        let t = hs256(HS, &claims(""), SECRET);
        assert_eq!(verify_and_check(&c, &t), Ok("user-1".to_string()));
    }

    fn rejected(c: &Config, token: &str) -> (&'static str, String) {
        let r = verify_and_check(c, token).unwrap_err();
        assert_eq!(r.status, 401);
        assert_eq!(r.www_authenticate, Some("Bearer error=\"invalid_token\""));
        (r.code, r.message)
    }

    #[test]
    fn hs256_rejections() {
        let c = config(&[]);
        let good = hs256(HS, &claims(""), SECRET);
        // Wrong key, tampered payload, alg none, unknown alg, crit, empty signature, garbage.
        assert_eq!(
            rejected(
                &c,
                &hs256(HS, &claims(""), "another-secret-another-secret-xx")
            )
            .0,
            "InvalidToken"
        );
        let (h, _, s) = {
            let mut it = good.split('.');
            (it.next().unwrap(), it.next().unwrap(), it.next().unwrap())
        };
        let forged = format!("{h}.{}.{s}", b64(claims(r#""admin":true"#).as_bytes()));
        assert_eq!(rejected(&c, &forged).0, "InvalidToken");
        let none = format!(
            "{}.{}.",
            b64(br#"{"alg":"none"}"#),
            b64(claims("").as_bytes())
        );
        assert!(rejected(&c, &none).1.contains("unsigned"));
        let none_sig = format!(
            "{}.{}.{}",
            b64(br#"{"alg":"None"}"#),
            b64(claims("").as_bytes()),
            b64(b"x")
        );
        assert!(rejected(&c, &none_sig).1.contains("alg none"));
        let hs512 = hs256(r#"{"alg":"HS512"}"#, &claims(""), SECRET);
        assert!(rejected(&c, &hs512).1.contains("not supported"));
        let crit = hs256(r#"{"alg":"HS256","crit":["b64"]}"#, &claims(""), SECRET);
        assert!(rejected(&c, &crit).1.contains("crit"));
        let no_alg = hs256(r#"{"typ":"JWT"}"#, &claims(""), SECRET);
        assert!(rejected(&c, &no_alg).1.contains("no alg"));
        for garbage in ["x", "a.b", "a.b.c", "a.b.c.d.e", "....."] {
            assert_eq!(rejected(&c, garbage).0, "InvalidToken");
        }
        // RS256 / ES256 when only a secret is configured.
        let rs = hs256(r#"{"alg":"RS256","kid":"k"}"#, &claims(""), SECRET);
        assert!(rejected(&c, &rs)
            .1
            .contains("HS256 tokens with AUTH_JWT_SECRET only"));
    }

    #[test]
    fn claim_rejections() {
        let c = config(&[
            ("AUTH_ISSUER", "https://issuer.example.com/"),
            ("AUTH_AUDIENCE", "my-app"),
        ]);
        let t = |extra: &str| hs256(HS, &claims(extra), SECRET);
        let good = r#""iss":"https://issuer.example.com/","aud":"my-app""#;
        assert_eq!(verify_and_check(&c, &t(good)), Ok("user-1".into()));
        let arr = r#""iss":"https://issuer.example.com/","aud":["other","my-app"]"#;
        assert_eq!(verify_and_check(&c, &t(arr)), Ok("user-1".into()));
        let s = NOW / 1000;
        let cases = [
            (
                r#""iss":"https://evil.example.com/","aud":"my-app""#.to_string(),
                "InvalidIssuer",
            ),
            (r#""aud":"my-app""#.to_string(), "InvalidIssuer"),
            (
                r#""iss":"https://issuer.example.com/","aud":"other""#.to_string(),
                "InvalidAudience",
            ),
            (
                r#""iss":"https://issuer.example.com/","aud":["a","b"]"#.to_string(),
                "InvalidAudience",
            ),
            (
                r#""iss":"https://issuer.example.com/""#.to_string(),
                "InvalidAudience",
            ),
            (format!(r#"{good},"nbf":{}"#, s + 120), "TokenNotYetValid"),
            (format!(r#"{good},"iat":{}"#, s + 120), "TokenNotYetValid"),
            (format!(r#"{good},"iat":"yesterday""#), "InvalidToken"),
        ];
        for (extra, code) in cases {
            assert_eq!(rejected(&c, &t(&extra)).0, code, "{extra}");
        }
        // Within the skew: accepted.
        assert!(verify_and_check(
            &c,
            &t(&format!(r#"{good},"nbf":{},"iat":{}"#, s + 30, s + 30))
        )
        .is_ok());
        // exp: missing, past (beyond the skew), not a number; within the skew is fine.
        let c = config(&[]);
        let raw = |claims: &str| hs256(HS, claims, SECRET);
        assert_eq!(
            rejected(&c, &raw(r#"{"sub":"u"}"#)).1,
            "the app token has no exp claim"
        );
        assert_eq!(
            rejected(&c, &raw(&format!(r#"{{"sub":"u","exp":{}}}"#, s - 120))).0,
            "TokenExpired"
        );
        assert!(verify_and_check(&c, &raw(&format!(r#"{{"sub":"u","exp":{}}}"#, s - 30))).is_ok());
        assert_eq!(
            rejected(&c, &raw(r#"{"sub":"u","exp":"soon"}"#)).0,
            "InvalidToken"
        );
        // sub: missing, empty, not a string, too long.
        let exp = s + 600;
        for bad in [
            format!(r#"{{"exp":{exp}}}"#),
            format!(r#"{{"exp":{exp},"sub":""}}"#),
            format!(r#"{{"exp":{exp},"sub":42}}"#),
            format!(r#"{{"exp":{exp},"sub":"{}"}}"#, "x".repeat(257)),
            format!(r#"{{"exp":{exp},"sub":"{}"}}"#, "€".repeat(200)),
        ] {
            let (code, message) = rejected(&c, &raw(&bad));
            assert_eq!(code, "InvalidToken");
            assert!(message.contains("sub"), "{message}");
        }
        assert_eq!(
            verify_and_check(
                &c,
                &raw(&format!(r#"{{"exp":{exp},"sub":"{}"}}"#, "x".repeat(256)))
            ),
            Ok("x".repeat(256))
        );
    }

    #[test]
    fn numeric_dates_are_exact_milliseconds() {
        let date =
            |value: &str| numeric_date(&claims_of_json(&format!(r#"{{"exp":{value}}}"#)).exp, "t");
        // The number is the f64 JSON.parse gives; its milliseconds are those of its shortest
        // decimal form (as JavaScript prints it), rounded down.
        for (value, ms) in [
            ("1720647579", 1_720_647_579_000),
            ("1720647579.5", 1_720_647_579_500),
            ("1.5", 1500),
            // The f64 nearest 1.001 is just below it; the number as written is 1001 ms.
            ("1.001", 1001),
            ("10.0005", 10_000),
            ("1.7206475791239E9", 1_720_647_579_123),
            ("-0.0005", -1),
            ("-0", 0),
            ("1e-400", 0),
            ("5e-324", 0),
            ("-5e-324", -1),
            // 99999999999999.984375 exactly: a 1/64 step at this size, coarser than a millisecond.
            ("99999999999999.98", 99_999_999_999_999_984),
            ("-99999999999999.98", -99_999_999_999_999_984),
        ] {
            assert_eq!(date(value), Ok(Some(ms)), "{value}");
        }
        // Present but null is the wrong type (refused); absent is fine.
        assert_eq!(date("null").unwrap_err().code, "InvalidToken");
        assert_eq!(numeric_date(&Member::Absent, "t"), Ok(None));
        // JSON.parse makes 1e400 Infinity.
        for inf in [f64::INFINITY, f64::NEG_INFINITY, f64::NAN] {
            assert!(numeric_date(&Member::Number(inf), "t").is_err());
        }
        for bad in ["1e14", "-1e14", "100000000000000", "\"1\"", "[1]", "true"] {
            let err = date(bad).unwrap_err();
            assert_eq!(
                err.message, "the app token's t claim is not a number of seconds",
                "{bad}"
            );
        }
    }

    #[test]
    fn jwks_tokens_need_a_key() {
        let jwks_only = config(&[
            ("AUTH_JWT_SECRET", "<unset>"),
            ("AUTH_JWKS_URL", "https://login.example.com/jwks.json"),
            ("AUTH_ISSUER", ISS),
            ("AUTH_AUDIENCE_OPTIONAL", "true"),
        ]);
        assert!(!jwks_only.accepts_hs256());
        // Key confusion: an HS256 token is refused outright (no key is ever used as a secret).
        let confused = hs256(HS, &claims(""), "any-secret-any-secret-any-secret");
        assert!(rejected(&jwks_only, &confused)
            .1
            .contains("HS256 app tokens are not accepted"));
        let header = r#"{"alg":"RS256","kid":"k1"}"#;
        let iss_claim = format!(r#""iss":"{ISS}""#);
        let t = format!(
            "{}.{}.{}",
            b64(header.as_bytes()),
            b64(claims(&iss_claim).as_bytes()),
            b64(&[7u8; 256])
        );
        match verify_token(&jwks_only, &t, &SerdeJson).unwrap() {
            Verification::NeedsKey(k) => {
                assert_eq!(k.alg, KeyAlg::Rs256);
                assert_eq!(k.kid.as_deref(), Some("k1"));
                assert_eq!(k.signature.len(), 256);
                assert_eq!(
                    Some(k.signing_input.as_str()),
                    t.rsplit_once('.').map(|p| p.0)
                );
                assert_eq!(
                    check_claims(&jwks_only, &k.claims, NOW),
                    Ok("user-1".into())
                );
            }
            other => panic!("{other:?}"),
        }
        // ES256 signatures are 64 bytes (r || s).
        let es = format!(
            "{}.{}.{}",
            b64(br#"{"alg":"ES256"}"#),
            b64(claims("").as_bytes()),
            b64(&[1u8; 70])
        );
        assert_eq!(
            verify_token(&jwks_only, &es, &SerdeJson).unwrap_err().code,
            "InvalidToken"
        );
        // Both configured: HS256 with the secret, RS256 with the JWKS.
        let both = config(&[
            ("AUTH_JWKS_URL", "https://login.example.com/jwks.json"),
            ("AUTH_ISSUER", ISS),
            ("AUTH_AUDIENCE", "my-app"),
        ]);
        assert!(matches!(
            verify_token(&both, &hs256(HS, &claims(&iss_claim), SECRET), &SerdeJson),
            Ok(Verification::Verified(_))
        ));
        assert!(matches!(
            verify_token(&both, &t, &SerdeJson),
            Ok(Verification::NeedsKey(_))
        ));
    }

    // ---- JWKS

    #[test]
    fn jwks_parsing_keeps_only_verification_keys() {
        let n = b64(&[0xc1; 256]);
        let small_n = b64(&[0xc1; 128]);
        let xy = b64(&[5; 32]);
        let doc = format!(
            r#"{{"keys":[
              {{"kty":"RSA","kid":"r1","n":"{n}","e":"AQAB","alg":"RS256","use":"sig"}},
              {{"kty":"RSA","kid":"r2","n":"{n}","e":"AQAB"}},
              {{"kty":"RSA","kid":"small","n":"{small_n}","e":"AQAB"}},
              {{"kty":"RSA","kid":"enc","n":"{n}","e":"AQAB","use":"enc"}},
              {{"kty":"RSA","kid":"ps","n":"{n}","e":"AQAB","alg":"PS256"}},
              {{"kty":"RSA","kid":"ops","n":"{n}","e":"AQAB","key_ops":["encrypt"]}},
              {{"kty":"EC","kid":"e1","crv":"P-256","x":"{xy}","y":"{xy}"}},
              {{"kty":"EC","kid":"e384","crv":"P-384","x":"{xy}","y":"{xy}"}},
              {{"kty":"oct","kid":"h1","k":"c2VjcmV0"}},
              {{"kty":"RSA","kid":"broken","n":"***","e":"AQAB"}},
              {{"kty":"RSA","kid":"nulluse","n":"{n}","e":"AQAB","use":null}},
              {{"kty":"RSA","kid":"opsnull","n":"{n}","e":"AQAB","key_ops":null}},
              {{"kty":"RSA","kid":"algnum","n":"{n}","e":"AQAB","alg":256}},
              "not an object", 1, null, true, ["kty", "RSA"]
            ]}}"#
        );
        let keys = parse_jwks(&doc, &SerdeJson).unwrap();
        let kids: Vec<_> = keys.iter().map(|k| k.kid.as_deref().unwrap()).collect();
        assert_eq!(kids, ["r1", "r2", "e1"]);
        assert_eq!(keys[2].alg, KeyAlg::Es256);
        assert_eq!(key_candidates(&keys, KeyAlg::Rs256, Some("r2")), vec![1]);
        assert_eq!(key_candidates(&keys, KeyAlg::Rs256, None), vec![0, 1]);
        assert_eq!(
            key_candidates(&keys, KeyAlg::Es256, Some("r1")),
            Vec::<usize>::new()
        );
        assert_eq!(
            key_candidates(&keys, KeyAlg::Rs256, Some("h1")),
            Vec::<usize>::new()
        );
        assert!(parse_jwks("{}", &SerdeJson).is_err());
        assert!(parse_jwks("nope", &SerdeJson).is_err());
        assert_eq!(parse_jwks(r#"{"keys":[]}"#, &SerdeJson), Ok(vec![]));
        for bad in [
            r#"{"keys":{}}"#,
            r#"{"keys":null}"#,
            r#"[{"keys":[]}]"#,
            "[[]]",
        ] {
            assert_eq!(
                parse_jwks(bad, &SerdeJson),
                Err("the JWKS has no keys array"),
                "{bad}"
            );
        }
        let deep = format!(r#"{{"keys":{}{}}}"#, "[".repeat(64), "]".repeat(64));
        assert_eq!(
            parse_jwks(&deep, &SerdeJson),
            Err("the JWKS is not valid JSON")
        );
    }

    #[test]
    fn jwks_cache_policy() {
        let p = JwksPolicy::default();
        assert_eq!((p.ttl_ms, p.stale_grace_ms), (600_000, 3_600_000));
        let t0 = NOW;
        let empty = JwksState::default();
        assert_eq!(
            jwks_action(&p, &empty, false, t0),
            JwksAction::Fetch { refetch: false }
        );
        let failed = JwksState {
            last_failure_ms: Some(t0),
            ..empty
        };
        assert_eq!(
            jwks_action(&p, &failed, false, t0 + 1000),
            JwksAction::Unavailable
        );
        assert_eq!(
            jwks_action(&p, &failed, false, t0 + JWKS_FAILURE_BACKOFF_MS),
            JwksAction::Fetch { refetch: false }
        );
        let fresh = JwksState {
            fetched_at_ms: Some(t0),
            ..empty
        };
        assert_eq!(jwks_action(&p, &fresh, true, t0 + 1), JwksAction::Use);
        // Unknown kid: one refetch, then none for a minute.
        assert_eq!(
            jwks_action(&p, &fresh, false, t0 + 1),
            JwksAction::Fetch { refetch: true }
        );
        let refetched = JwksState {
            fetched_at_ms: Some(t0 + 1),
            last_refetch_ms: Some(t0 + 1),
            ..empty
        };
        assert_eq!(
            jwks_action(&p, &refetched, false, t0 + 2),
            JwksAction::Unknown
        );
        assert_eq!(
            jwks_action(&p, &refetched, false, t0 + 59_000),
            JwksAction::Unknown
        );
        assert_eq!(
            jwks_action(&p, &refetched, false, t0 + 1 + JWKS_REFETCH_INTERVAL_MS),
            JwksAction::Fetch { refetch: true }
        );
        assert_eq!(jwks_action(&p, &refetched, true, t0 + 2), JwksAction::Use);
        // Old keys are downloaded again; after a failure the stale keys keep working.
        assert_eq!(
            jwks_action(&p, &fresh, true, t0 + p.ttl_ms),
            JwksAction::Fetch { refetch: false }
        );
        let stale_failed = JwksState {
            fetched_at_ms: Some(t0),
            last_failure_ms: Some(t0 + p.ttl_ms),
            ..empty
        };
        assert_eq!(
            jwks_action(&p, &stale_failed, true, t0 + p.ttl_ms + 1),
            JwksAction::Use
        );
        assert_eq!(
            jwks_action(&p, &stale_failed, false, t0 + p.ttl_ms + 1),
            JwksAction::Unknown
        );
    }

    // ---- body

    #[test]
    fn bodies() {
        let c = config(&[
            ("ALLOWED_SCOPES", "chat,voip,chat.join"),
            ("TOKEN_EXPIRES_IN_MINUTES", "90"),
        ]);
        let ok = |b: &str| parse_body(&c, b.as_bytes(), &SerdeJson).unwrap();
        assert_eq!(
            ok(""),
            TokenRequest {
                scopes: vec!["chat".into(), "voip".into(), "chat.join".into()],
                expires_in_minutes: 90
            }
        );
        assert_eq!(ok("{}").expires_in_minutes, 90);
        assert_eq!(
            ok(r#"{"scopes":null,"expiresInMinutes":null}"#).expires_in_minutes,
            90
        );
        let r = ok(r#" {"scopes":["voip","voip","chat"],"expiresInMinutes":90} "#);
        assert_eq!(r.scopes, vec!["voip", "chat"]);
        assert_eq!(r.expires_in_minutes, 90);
        assert_eq!(ok(r#"{"expiresInMinutes":75}"#).expires_in_minutes, 75);
        // TOKEN_EXPIRES_IN_MINUTES is the most a caller may ask for; the message names the range.
        for over in ["91", "1440"] {
            let r = parse_body(
                &c,
                format!(r#"{{"expiresInMinutes":{over}}}"#).as_bytes(),
                &SerdeJson,
            )
            .unwrap_err();
            assert_eq!((r.status, r.code), (400, "InvalidRequestBody"));
            assert!(r.message.contains("from 60 to 90"), "{}", r.message);
        }
        let sixty = config(&[]);
        let r = parse_body(&sixty, br#"{"expiresInMinutes":61}"#, &SerdeJson).unwrap_err();
        assert!(r.message.contains("must be 60"), "{}", r.message);
        assert_eq!(
            parse_body(&sixty, br#"{"expiresInMinutes":60}"#, &SerdeJson)
                .unwrap()
                .expires_in_minutes,
            60
        );
        assert_eq!(ok(r#"{"expiresInMinutes":60.0}"#).expires_in_minutes, 60);
        for bad in [
            "nope",
            "[]",
            "\"chat\"",
            "null",
            " ",
            r#"{"scopes":"chat"}"#,
            r#"{"scopes":[1]}"#,
            r#"{"scopes":[]}"#,
            r#"{"expiresInMinutes":"60"}"#,
            r#"{"expiresInMinutes":59}"#,
            r#"{"expiresInMinutes":1441}"#,
            r#"{"expiresInMinutes":90.5}"#,
            r#"{"customId":"someone-else"}"#,
            r#"{"scopes":["chat"],"scopes":["voip"]}"#,
        ] {
            let r = parse_body(&c, bad.as_bytes(), &SerdeJson).unwrap_err();
            assert_eq!((r.status, r.code), (400, "InvalidRequestBody"), "{bad}");
        }
        // Repeated names of the body itself (JSON.parse would keep the last one).
        for (bad, message) in [
            (
                r#"{"scopes":["chat"],"scopes":["voip"]}"#,
                "scopes is given more than once",
            ),
            (
                r#"{"expiresInMinutes":60,"\u0065xpiresInMinutes":60}"#,
                "expiresInMinutes is given more than once",
            ),
            (
                r#"{"scopes":["chat"],"expiresInMinutes":60,"scopes":["chat"]}"#,
                "scopes or expiresInMinutes is given more than once",
            ),
            (
                r#"{"x":1,"x":1}"#,
                "the request body may only have scopes and expiresInMinutes",
            ),
            // Nested objects are not the body's members: the scopes are wrong.
            (
                r#"{"scopes":[{"a":1,"a":2}]}"#,
                "scopes must be an array of strings such as [\"chat\"]",
            ),
            ("[1]", "the request body must be a JSON object"),
            ("{]", "the request body is not valid JSON"),
        ] {
            let r = parse_body(&c, bad.as_bytes(), &SerdeJson).unwrap_err();
            assert_eq!(r.message, message, "{bad}");
        }
        assert_eq!(
            parse_body(&c, b"\xff\xfe", &SerdeJson).unwrap_err().status,
            400
        );
        for bad in [
            r#"{"scopes":["voip.join"]}"#,
            r#"{"scopes":["chat","admin"]}"#,
        ] {
            let r = parse_body(&c, bad.as_bytes(), &SerdeJson).unwrap_err();
            assert_eq!((r.status, r.code), (403, "ScopeNotAllowed"), "{bad}");
            assert!(!r.message.contains("admin"));
        }
        let big = format!(r#"{{"scopes":["chat"]{}}}"#, " ".repeat(MAX_BODY_BYTES));
        assert_eq!(
            parse_body(&c, big.as_bytes(), &SerdeJson)
                .unwrap_err()
                .status,
            413
        );
    }

    // ---- responses

    #[test]
    fn responses() {
        let cors = Cors {
            allow_origin: Some("https://app.example.com".into()),
            vary: true,
        };
        let r = token_response(&cors, "8:acs:r_1", "tok\"en", 1_720_647_579_123).unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(
            r.body
                .as_ref()
                .map(|b| serde_json::to_string(b).unwrap())
                .as_deref(),
            Some(
                r#"{"user":{"communicationUserId":"8:acs:r_1"},"token":"tok\"en","expiresOn":"2024-07-10T21:39:39.123Z"}"#
            )
        );
        assert_eq!(r.header("cache-control"), Some("no-store"));
        assert_eq!(
            r.header("content-type"),
            Some("application/json; charset=utf-8")
        );
        assert_eq!(
            r.header("access-control-allow-origin"),
            Some("https://app.example.com")
        );
        assert_eq!(r.header("vary"), Some("Origin"));
        assert_eq!(
            token_response(&cors, "8:x", "t", -1).unwrap_err().status,
            502
        );
        let r = error_response(&Cors::default(), &Rejection::missing_token("no"));
        assert_eq!(
            r.body
                .as_ref()
                .map(|b| serde_json::to_string(b).unwrap())
                .as_deref(),
            Some(r#"{"error":{"code":"MissingToken","message":"no"}}"#)
        );
        assert_eq!(r.header("www-authenticate"), Some("Bearer"));
        assert_eq!(r.header("access-control-allow-origin"), None);
        assert_eq!(
            format_iso_ms(0).as_deref(),
            Some("1970-01-01T00:00:00.000Z")
        );
        assert_eq!(
            format_iso_ms(951_782_400_000).as_deref(),
            Some("2000-02-29T00:00:00.000Z")
        );
        let up = Rejection::upstream();
        assert_eq!((up.status, up.code), (502, "UpstreamError"));
        assert!(is_stored_id_usable("8:acs:r_1"));
        assert!(!is_stored_id_usable(""));
        assert!(!is_stored_id_usable("8:acs: x"));
    }

    // ---- limits and trust decisions

    fn hs_with(header: &str, payload: &str) -> String {
        hs256(header, payload, SECRET)
    }

    fn jwks_config(extra: &[(&str, &str)]) -> Result<Config, Rejection> {
        let mut pairs = vec![
            ("AUTH_JWT_SECRET", "<unset>"),
            ("AUTH_JWKS_URL", "https://login.example.com/jwks.json"),
        ];
        pairs.extend_from_slice(extra);
        config_with(&pairs, KvBinding::Missing, &HandlerOptions::default())
    }

    #[test]
    fn a_jwks_needs_an_issuer_and_an_audience_unless_opted_out() {
        let r = jwks_config(&[]).unwrap_err();
        assert_eq!((r.status, r.code), (500, "ConfigurationError"));
        assert!(
            r.message.starts_with("AUTH_ISSUER is not set"),
            "{}",
            r.message
        );
        let r = jwks_config(&[("AUTH_ISSUER", ISS)]).unwrap_err();
        assert!(
            r.message.starts_with("AUTH_AUDIENCE is not set"),
            "{}",
            r.message
        );
        assert!(r.message.contains("AUTH_AUDIENCE_OPTIONAL"));
        assert!(jwks_config(&[("AUTH_ISSUER", ISS), ("AUTH_AUDIENCE", "app")]).is_ok());
        let c = jwks_config(&[("AUTH_ISSUER", ISS), ("AUTH_AUDIENCE_OPTIONAL", " TRUE ")]).unwrap();
        assert!(c.audience_optional);
        let r =
            jwks_config(&[("AUTH_ISSUER", ISS), ("AUTH_AUDIENCE_OPTIONAL", "false")]).unwrap_err();
        assert!(r.message.starts_with("AUTH_AUDIENCE is not set"));
        let r =
            jwks_config(&[("AUTH_ISSUER", ISS), ("AUTH_AUDIENCE_OPTIONAL", "yes")]).unwrap_err();
        assert_eq!(r.message, "AUTH_AUDIENCE_OPTIONAL must be true or false");
        // The HS256 secret alone keeps iss and aud optional (the secret is this app's own).
        let c = config(&[]);
        assert_eq!((c.issuer.as_deref(), c.audience.as_deref()), (None, None));
    }

    #[test]
    fn new_bindings_are_validated_and_named() {
        let c = config(&[]);
        assert_eq!(
            c.rate_limit,
            RateLimit::PerMinute(DEFAULT_RATE_LIMIT_PER_MINUTE)
        );
        assert_eq!(c.max_token_lifetime_ms, 1440 * 60_000);
        assert_eq!(c.token_types, None);
        assert_eq!(c.identity_namespace, None);
        for off in ["0", "off", " OFF "] {
            assert_eq!(
                config(&[("RATE_LIMIT_PER_MINUTE", off)]).rate_limit,
                RateLimit::Off
            );
        }
        assert_eq!(
            config(&[("RATE_LIMIT_PER_MINUTE", "30")]).rate_limit,
            RateLimit::PerMinute(30)
        );
        let with_binding = |b| HandlerOptions {
            rate_limiter: Some(b),
            ..HandlerOptions::default()
        };
        let c = config_with(
            &[("RATE_LIMIT_PER_MINUTE", "off")],
            KvBinding::Missing,
            &with_binding(true),
        )
        .unwrap();
        assert_eq!(c.rate_limit, RateLimit::Binding);
        let r = config_with(&[], KvBinding::Missing, &with_binding(false)).unwrap_err();
        assert!(r
            .message
            .starts_with("TOKEN_RATE_LIMITER is not a rate limiting binding"));
        assert_eq!(
            config(&[("AUTH_TOKEN_TYPES", "JWT, application/AT+JWT")]).token_types,
            Some(vec!["jwt".to_string(), "at+jwt".to_string()])
        );
        assert_eq!(
            config(&[("AUTH_MAX_TOKEN_LIFETIME_MINUTES", "90")]).max_token_lifetime_ms,
            90 * 60_000
        );
        assert_eq!(
            config(&[("IDENTITY_NAMESPACE", " my-app.v1 ")])
                .identity_namespace
                .as_deref(),
            Some("my-app.v1")
        );
        let long = "n".repeat(MAX_NAMESPACE_CHARS + 1);
        for (pairs, starts) in [
            (
                vec![("RATE_LIMIT_PER_MINUTE", "-1")],
                "RATE_LIMIT_PER_MINUTE must be",
            ),
            (
                vec![("RATE_LIMIT_PER_MINUTE", "many")],
                "RATE_LIMIT_PER_MINUTE must be",
            ),
            (
                vec![("RATE_LIMIT_PER_MINUTE", "100001")],
                "RATE_LIMIT_PER_MINUTE must be",
            ),
            (
                vec![("AUTH_MAX_TOKEN_LIFETIME_MINUTES", "0")],
                "AUTH_MAX_TOKEN_LIFETIME_MINUTES must be",
            ),
            (
                vec![("AUTH_MAX_TOKEN_LIFETIME_MINUTES", "1h")],
                "AUTH_MAX_TOKEN_LIFETIME_MINUTES must be",
            ),
            (
                vec![("AUTH_TOKEN_TYPES", ",,")],
                "AUTH_TOKEN_TYPES must list",
            ),
            (
                vec![("AUTH_TOKEN_TYPES", "application/")],
                "AUTH_TOKEN_TYPES must list",
            ),
            (
                vec![("IDENTITY_NAMESPACE", "a:b")],
                "IDENTITY_NAMESPACE must be",
            ),
            (
                vec![("IDENTITY_NAMESPACE", "a b")],
                "IDENTITY_NAMESPACE must be",
            ),
            (
                vec![("IDENTITY_NAMESPACE", long.as_str())],
                "IDENTITY_NAMESPACE must be",
            ),
        ] {
            let r = config_err(&pairs);
            assert_eq!(r.code, "ConfigurationError");
            assert!(r.message.starts_with(starts), "{pairs:?}: {}", r.message);
        }
    }

    #[test]
    fn non_canonical_base64url_is_refused() {
        let c = config(&[]);
        let good = hs_with(HS, &claims(""));
        assert_eq!(verify_and_check(&c, &good), Ok("user-1".into()));
        let parts: Vec<&str> = good.split('.').collect();
        // Padding on any part (the payload and signature lengths leave room for it).
        for i in 0..3 {
            let mut p: Vec<String> = parts.iter().map(|s| s.to_string()).collect();
            let pad = (4 - p[i].len() % 4) % 4;
            p[i].push_str(&"=".repeat(if pad == 0 { 4 } else { pad }));
            let (code, msg) = rejected(&c, &p.join("."));
            assert_eq!(code, "InvalidToken");
            assert!(msg.contains("canonical base64url"), "{i}: {msg}");
        }
        // Non-zero trailing bits: the signature (32 bytes = 43 symbols, 2 spare bits).
        let sig = parts[2];
        let last = sig.chars().last().unwrap();
        let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let v = alphabet.find(last).unwrap();
        assert_eq!(v & 3, 0, "a canonical last symbol");
        let twin = alphabet.chars().nth(v | 1).unwrap();
        let forged = format!("{}.{}.{}{twin}", parts[0], parts[1], &sig[..sig.len() - 1]);
        let (_, msg) = rejected(&c, &forged);
        assert!(
            msg.contains("signature is not canonical base64url"),
            "{msg}"
        );
        // Standard-alphabet symbols are not base64url.
        let std = format!(
            "{}.{}.{}",
            parts[0],
            parts[1],
            sig.replace('-', "+").replace('_', "/")
        );
        if std != good {
            assert_eq!(rejected(&c, &std).0, "InvalidToken");
        }
    }

    #[test]
    fn repeated_member_names_are_refused() {
        let c = config(&[]);
        let exp = NOW / 1000 + 600;
        let two_subs = format!(r#"{{"sub":"alice","exp":{exp},"sub":"bob"}}"#);
        let (code, msg) = rejected(&c, &hs_with(HS, &two_subs));
        assert_eq!(code, "InvalidToken");
        assert_eq!(
            msg,
            "the app token's payload has a member name more than once"
        );
        let two_exps = format!(r#"{{"sub":"alice","exp":{exp},"exp":{}}}"#, exp + 100_000);
        assert!(rejected(&c, &hs_with(HS, &two_exps))
            .1
            .contains("payload has a member"));
        let two_algs = r#"{"alg":"HS256","typ":"JWT","alg":"none"}"#;
        assert!(rejected(&c, &hs_with(two_algs, &claims("")))
            .1
            .contains("header has a member"));
        // Nested objects may repeat a name of the outer level.
        let nested = format!(r#"{{"sub":"alice","exp":{exp},"ctx":{{"sub":"x"}}}}"#);
        assert_eq!(
            verify_and_check(&c, &hs_with(HS, &nested)),
            Ok("alice".into())
        );
        // JSON.parse keeps the last of repeated names; the text's members are counted instead:
        // a name spelled with an escape is the same name.
        let escaped = format!(r#"{{"sub":"alice","exp":{exp},"\u0073ub":"bob"}}"#);
        assert!(rejected(&c, &hs_with(HS, &escaped))
            .1
            .contains("payload has a member"));
        // A repeated name in a nested object (or an object in an array) is refused too.
        for ctx in [
            r#"{"a":1,"a":2}"#,
            r#"[{"a":1},{"b":{"c":1,"c":1}}]"#,
            r#"{"a":{"a":{"a":1}},"b":[],"b":[]}"#,
        ] {
            let p = format!(r#"{{"sub":"alice","exp":{exp},"ctx":{ctx}}}"#);
            assert!(
                rejected(&c, &hs_with(HS, &p))
                    .1
                    .contains("payload has a member"),
                "{ctx}"
            );
        }
        // Colons, braces and quotes inside strings (keys included) are not members.
        for ctx in [
            r#"{"a:b":"c:d","e":"{\"f\":1}"}"#,
            r#"["a:b",{"\\":":"},{"\\":":"}]"#,
            r#""\u003a:\"\\:""#,
        ] {
            let p = format!(r#"{{"sub":"a:b{{","exp":{exp},"ctx":{ctx}}}"#);
            assert_eq!(
                verify_and_check(&c, &hs_with(HS, &p)),
                Ok("a:b{".into()),
                "{ctx}"
            );
        }
        let h = r#"{"alg":"HS256","x":{"alg":"none","alg":"none"}}"#;
        assert!(rejected(&c, &hs_with(h, &claims("")))
            .1
            .contains("header has a member"));
    }

    #[test]
    fn json_text_members_are_counted_outside_strings() {
        let count = |t: &str| count_text_members(t).map(|c| (c.all, c.top));
        assert_eq!(count("{}"), Some((0, 0)));
        assert_eq!(count(r#"{"a":1,"b":{"c":2},"d":[{"e":3}]}"#), Some((5, 3)));
        assert_eq!(count(r#"{"a:\":":":"}"#), Some((1, 1)));
        assert_eq!(count(r#"[{"a":1}, ":"]"#), Some((1, 0)));
        // Surrogate pairs are fine; a lone surrogate (which JSON.parse would keep) is refused.
        assert_eq!(count(r#"{"a":"\ud83d\ude00"}"#), Some((1, 1)));
        for lone in [
            r#"{"a":"\ud83d"}"#,
            r#"{"a":"\ude00"}"#,
            r#"{"a":"\ud83dx"}"#,
            r#"{"a":"\ud83d\n"}"#,
            r#"{"a":"\ud83d\ud83d"}"#,
            r#"{"\udfff":1}"#,
        ] {
            assert_eq!(count(lone), None, "{lone}");
        }
        let nest = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(count(&nest(MAX_JSON_DEPTH)).is_some());
        assert_eq!(count(&nest(MAX_JSON_DEPTH + 1)), None);
        // ... which the token checks refuse as invalid JSON.
        let c = config(&[]);
        let exp = NOW / 1000 + 600;
        let deep = |n: usize| {
            let p = format!(r#"{{"sub":"a","exp":{exp},"x":{}}}"#, nest(n));
            verify_and_check(&c, &hs_with(HS, &p))
        };
        assert_eq!(deep(MAX_JSON_DEPTH - 1), Ok("a".into()));
        assert!(deep(MAX_JSON_DEPTH)
            .unwrap_err()
            .message
            .contains("not valid JSON"));
        let lone = format!(r#"{{"sub":"\ud800","exp":{exp}}}"#);
        assert!(rejected(&c, &hs_with(HS, &lone))
            .1
            .contains("payload is not valid JSON"));
        let pair = format!(r#"{{"sub":"\ud83d\ude00","exp":{exp}}}"#);
        assert_eq!(verify_and_check(&c, &hs_with(HS, &pair)), Ok("😀".into()));
        for (payload, needle) in [
            ("[1]", "payload is not a JSON object"),
            ("\"x\"", "payload is not a JSON object"),
            ("null", "payload is not a JSON object"),
            ("{", "payload is not valid JSON"),
        ] {
            assert!(
                rejected(&c, &hs_with(HS, payload)).1.contains(needle),
                "{payload}"
            );
        }
    }

    #[test]
    fn high_s_es256_signatures_are_refused() {
        let c = jwks_config(&[("AUTH_ISSUER", ISS), ("AUTH_AUDIENCE", "app")]).unwrap();
        let token = |s: &[u8]| {
            let mut sig = vec![9u8; 32];
            sig.extend_from_slice(s);
            format!(
                "{}.{}.{}",
                b64(br#"{"alg":"ES256"}"#),
                b64(claims("").as_bytes()),
                b64(&sig)
            )
        };
        let half = P256_HALF_ORDER;
        let mut above = half;
        above[31] += 1;
        let mut below = half;
        below[31] -= 1;
        for s in [half, below, [0x01; 32]] {
            assert!(
                matches!(
                    verify_token(&c, &token(&s), &SerdeJson),
                    Ok(Verification::NeedsKey(_))
                ),
                "{s:?}"
            );
        }
        for s in [above, [0xff; 32], [0x80; 32]] {
            let r = verify_token(&c, &token(&s), &SerdeJson).unwrap_err();
            assert_eq!((r.status, r.code), (401, "InvalidToken"));
            assert!(r.message.contains("low-S"), "{}", r.message);
        }
        assert!(is_low_s(&[[1u8; 32], half].concat()));
        assert!(!is_low_s(&[1u8; 63]));
        // The opt-out for issuers that do not normalise S: both halves go on to the key check.
        let lenient = jwks_config(&[
            ("AUTH_ISSUER", ISS),
            ("AUTH_AUDIENCE", "app"),
            ("AUTH_ES256_ALLOW_HIGH_S", "true"),
        ])
        .unwrap();
        for s in [above, below, [0xff; 32]] {
            assert!(
                matches!(
                    verify_token(&lenient, &token(&s), &SerdeJson),
                    Ok(Verification::NeedsKey(_))
                ),
                "{s:?}"
            );
        }
        let r = jwks_config(&[
            ("AUTH_ISSUER", ISS),
            ("AUTH_AUDIENCE", "app"),
            ("AUTH_ES256_ALLOW_HIGH_S", "1"),
        ])
        .unwrap_err();
        assert_eq!(r.message, "AUTH_ES256_ALLOW_HIGH_S must be true or false");
    }

    #[test]
    fn claims_of_the_wrong_type_are_refused() {
        let c = config(&[]);
        let exp = NOW / 1000 + 600;
        for (payload, needle) in [
            (
                r#"{"sub":"a","exp":null}"#.to_string(),
                "exp claim is not a number",
            ),
            (
                format!(r#"{{"sub":"a","exp":{exp},"nbf":null}}"#),
                "nbf claim is not a number",
            ),
            (
                format!(r#"{{"sub":"a","exp":{exp},"iat":null}}"#),
                "iat claim is not a number",
            ),
            (
                format!(r#"{{"sub":"a","exp":{exp},"iat":"{}"}}"#, NOW / 1000),
                "iat claim is not a number",
            ),
            (
                format!(r#"{{"sub":"a","exp":{exp},"nbf":true}}"#),
                "nbf claim is not a number",
            ),
            (
                format!(r#"{{"sub":"a","exp":{exp},"iss":null}}"#),
                "iss claim is not a string",
            ),
            (
                format!(r#"{{"sub":42,"exp":{exp}}}"#),
                "sub claim is not a string",
            ),
            (format!(r#"{{"exp":{exp}}}"#), "has no sub claim"),
        ] {
            let (code, msg) = rejected(&c, &hs_with(HS, &payload));
            assert_eq!(code, "InvalidToken");
            assert!(msg.contains(needle), "{payload}: {msg}");
        }
        // The kid header too.
        let kid_null = r#"{"alg":"HS256","kid":null}"#;
        assert!(rejected(&c, &hs_with(kid_null, &claims("")))
            .1
            .contains("kid is not a string"));
    }

    #[test]
    fn long_lived_tokens_are_refused() {
        let now_s = NOW / 1000;
        let c = config(&[]);
        let day = 24 * 3600;
        // exp − iat over 24 h (the default maximum), even though exp is near.
        let p = format!(
            r#"{{"sub":"a","iat":{},"exp":{}}}"#,
            now_s - day - 600,
            now_s + 600
        );
        let (code, msg) = rejected(&c, &hs_with(HS, &p));
        assert_eq!(code, "InvalidToken");
        assert!(msg.contains("lives longer than 1440 minutes"), "{msg}");
        // Without iat: exp − now.
        let p = format!(r#"{{"sub":"a","exp":{}}}"#, now_s + day + 600);
        assert!(rejected(&c, &hs_with(HS, &p)).1.contains("lives longer"));
        // Exactly 24 h is fine.
        let p = format!(r#"{{"sub":"a","iat":{now_s},"exp":{}}}"#, now_s + day);
        assert_eq!(verify_and_check(&c, &hs_with(HS, &p)), Ok("a".into()));
        // A configured maximum.
        let short = config(&[("AUTH_MAX_TOKEN_LIFETIME_MINUTES", "15")]);
        let p = format!(r#"{{"sub":"a","iat":{now_s},"exp":{}}}"#, now_s + 3600);
        assert!(rejected(&short, &hs_with(HS, &p))
            .1
            .contains("longer than 15 minutes"));
        let p = format!(r#"{{"sub":"a","iat":{now_s},"exp":{}}}"#, now_s + 900);
        assert_eq!(verify_and_check(&short, &hs_with(HS, &p)), Ok("a".into()));
    }

    #[test]
    fn subs_must_be_printable_and_fit_the_mapping() {
        let c = config(&[]);
        let exp = NOW / 1000 + 600;
        let with_sub = |sub: &str| {
            let s = serde_json::to_string(sub).unwrap();
            hs_with(HS, &format!(r#"{{"sub":{s},"exp":{exp}}}"#))
        };
        for (sub, needle) in [
            ("", "blank"),
            ("   ", "blank"),
            ("\t", "blank"),
            ("alice\n", "control characters"),
            ("al\u{0}ice", "control characters"),
            ("al\u{7f}ice", "control characters"),
            ("al\u{85}ice", "control characters"),
        ] {
            let (code, msg) = rejected(&c, &with_sub(sub));
            assert_eq!(code, "InvalidToken");
            assert!(msg.contains(needle), "{sub:?}: {msg}");
        }
        // The mapping key is `{12 hex}.hs256:{sub}`: 19 characters of prefix, 237 for the sub.
        let claims_of = |sub: &str| claims_of_json(&format!(r#"{{"sub":"{sub}"}}"#));
        let fits = "s".repeat(MAX_KEY_CHARS - 19);
        let key = mapping_key(&c, TrustSource::Secret, &claims_of(&fits), &fits).unwrap();
        assert_eq!(key.chars().count(), MAX_KEY_CHARS);
        let over = "s".repeat(MAX_KEY_CHARS - 18);
        let r = mapping_key(&c, TrustSource::Secret, &claims_of(&over), &over).unwrap_err();
        assert_eq!((r.status, r.code), (401, "InvalidToken"));
        assert!(r.message.contains("(237 characters)"), "{}", r.message);
        // Non-ASCII: the limit is in characters (ACS) and bytes (KV).
        let wide = "é".repeat(200);
        assert!(mapping_key(&c, TrustSource::Secret, &claims_of(&wide), &wide).is_ok());
        let wider = "😀".repeat(200);
        assert!(mapping_key(&c, TrustSource::Secret, &claims_of(&wider), &wider).is_err());
    }

    #[test]
    fn each_trust_source_and_issuer_has_its_own_namespace() {
        let c = config(&[]);
        let claims_iss = |iss: &str| claims_of_json(&format!(r#"{{"iss":"{iss}"}}"#));
        let none = claims_of_json("{}");
        let hs = mapping_key(&c, TrustSource::Secret, &claims_iss(ISS), "alice").unwrap();
        let jw = mapping_key(&c, TrustSource::Jwks, &claims_iss(ISS), "alice").unwrap();
        let other = mapping_key(
            &c,
            TrustSource::Jwks,
            &claims_iss("https://other/"),
            "alice",
        )
        .unwrap();
        let bare = mapping_key(&c, TrustSource::Secret, &none, "alice").unwrap();
        let keys = [&hs, &jw, &other, &bare];
        for (i, a) in keys.iter().enumerate() {
            assert!(a.ends_with(":alice"));
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
        // Stable and documented: the first 12 hex digits of SHA-256(iss).
        use sha2::Digest as _;
        let h: String = Sha256::digest(ISS.as_bytes())[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(jw, format!("{h}.jwks:alice"));
        assert_eq!(hs, format!("{h}.hs256:alice"));
        assert_eq!(bare, "e3b0c44298fc.hs256:alice");
        // A configured namespace replaces the hash (the source still tells them apart).
        let ns = config(&[("IDENTITY_NAMESPACE", "shop")]);
        assert_eq!(
            mapping_key(&ns, TrustSource::Jwks, &claims_iss(ISS), "al").unwrap(),
            "shop.jwks:al"
        );
        assert_eq!(
            mapping_key(&ns, TrustSource::Secret, &none, "al").unwrap(),
            "shop.hs256:al"
        );
        // The key is the ACS customId (customId mode) or the KV key (kv mode).
        assert_eq!(identity_plan(&c, &hs), IdentityPlan::CustomId(hs.clone()));
    }

    #[test]
    fn token_types_are_checked_when_configured() {
        let c = config(&[("AUTH_TOKEN_TYPES", "JWT,at+jwt")]);
        for typ in ["JWT", "jwt", "at+jwt", "application/at+JWT"] {
            let h = format!(r#"{{"alg":"HS256","typ":"{typ}"}}"#);
            assert_eq!(
                verify_and_check(&c, &hs_with(&h, &claims(""))),
                Ok("user-1".into()),
                "{typ}"
            );
        }
        for h in [
            r#"{"alg":"HS256"}"#,
            r#"{"alg":"HS256","typ":"dpop+jwt"}"#,
            r#"{"alg":"HS256","typ":1}"#,
        ] {
            let (code, msg) = rejected(&c, &hs_with(h, &claims("")));
            assert_eq!(code, "InvalidToken");
            assert_eq!(msg, "the app token's typ is not one of AUTH_TOKEN_TYPES");
        }
        // Not configured: any typ (or none).
        let any = config(&[]);
        assert!(
            verify_and_check(&any, &hs_with(r#"{"alg":"HS256","typ":"x"}"#, &claims(""))).is_ok()
        );
    }

    #[test]
    fn stale_keys_are_trusted_only_for_the_grace_period() {
        let p = JwksPolicy::default();
        let fetched = 1_000_000_000;
        let expired = fetched + p.ttl_ms;
        let failing = |now: i64| JwksState {
            fetched_at_ms: Some(fetched),
            last_refetch_ms: None,
            last_failure_ms: Some(now - 1),
        };
        // Past their lifetime, the refresh just failed: used during the grace period ...
        for now in [expired, expired + p.stale_grace_ms - 1] {
            assert_eq!(jwks_action(&p, &failing(now), true, now), JwksAction::Use);
            assert!(jwks_keys_trusted(&p, &failing(now), now));
        }
        // ... then refused (also for a kid no cached key has).
        let late = expired + p.stale_grace_ms;
        assert_eq!(
            jwks_action(&p, &failing(late), true, late),
            JwksAction::Stale
        );
        assert_eq!(
            jwks_action(&p, &failing(late), false, late),
            JwksAction::Stale
        );
        assert!(!jwks_keys_trusted(&p, &failing(late), late));
        // Once the back-off is over another download is tried (success makes them fresh).
        let retry = JwksState {
            last_failure_ms: Some(late - p.failure_backoff_ms()),
            ..failing(late)
        };
        assert_eq!(
            jwks_action(&p, &retry, true, late),
            JwksAction::Fetch { refetch: false }
        );
        let r = stale_keys();
        assert_eq!((r.status, r.code), (401, "InvalidToken"));
        assert!(r.message.contains("out of date"));
    }

    #[test]
    fn the_jwks_lifetime_and_grace_period_are_configurable() {
        // Defaults: 10 minutes fresh, 1 hour of grace.
        assert_eq!(config(&[]).jwks_policy, JwksPolicy::default());
        let c = config(&[
            ("AUTH_JWKS_CACHE_SECONDS", " 1 "),
            ("AUTH_JWKS_STALE_SECONDS", "2"),
        ]);
        let p = c.jwks_policy;
        assert_eq!((p.ttl_ms, p.stale_grace_ms), (1_000, 2_000));
        // The back-off and the refetch interval never outlast a short key lifetime.
        assert_eq!(
            (p.failure_backoff_ms(), p.refetch_interval_ms()),
            (1_000, 1_000)
        );
        assert_eq!(
            (
                JwksPolicy::default().failure_backoff_ms(),
                JwksPolicy::default().refetch_interval_ms()
            ),
            (JWKS_FAILURE_BACKOFF_MS, JWKS_REFETCH_INTERVAL_MS)
        );
        // The sequence the runtime suite plays: downloaded at t0, the JWKS then fails.
        let t0 = NOW;
        let fresh = JwksState {
            fetched_at_ms: Some(t0),
            ..JwksState::default()
        };
        assert_eq!(jwks_action(&p, &fresh, true, t0 + 999), JwksAction::Use);
        assert_eq!(
            jwks_action(&p, &fresh, true, t0 + 1_500),
            JwksAction::Fetch { refetch: false }
        );
        let failed_at = |t: i64| JwksState {
            last_failure_ms: Some(t),
            ..fresh
        };
        // Within the grace window the stale keys are used (and trusted after the failure).
        assert_eq!(
            jwks_action(&p, &failed_at(t0 + 1_500), true, t0 + 1_600),
            JwksAction::Use
        );
        assert!(jwks_keys_trusted(&p, &failed_at(t0 + 1_500), t0 + 2_999));
        // Past it: after the back-off one more download is tried; failing, the keys are refused.
        assert_eq!(
            jwks_action(&p, &failed_at(t0 + 1_500), true, t0 + 3_500),
            JwksAction::Fetch { refetch: false }
        );
        assert!(!jwks_keys_trusted(&p, &failed_at(t0 + 3_500), t0 + 3_500));
        assert_eq!(
            jwks_action(&p, &failed_at(t0 + 3_500), true, t0 + 3_600),
            JwksAction::Stale
        );
        // One back-off later a download is tried again (the recovery).
        assert_eq!(
            jwks_action(&p, &failed_at(t0 + 3_500), true, t0 + 4_500),
            JwksAction::Fetch { refetch: false }
        );
        // AUTH_JWKS_STALE_SECONDS=0: no grace, refused as soon as the lifetime is over.
        let strict = config(&[("AUTH_JWKS_STALE_SECONDS", "0")]).jwks_policy;
        assert_eq!(strict.stale_grace_ms, 0);
        let expired = t0 + strict.ttl_ms;
        assert!(jwks_keys_trusted(&strict, &fresh, expired - 1));
        assert!(!jwks_keys_trusted(&strict, &fresh, expired));
        assert_eq!(
            jwks_action(&strict, &failed_at(expired), true, expired),
            JwksAction::Stale
        );
        // The largest values are accepted.
        let long = config(&[
            ("AUTH_JWKS_CACHE_SECONDS", "86400"),
            ("AUTH_JWKS_STALE_SECONDS", "86400"),
        ]);
        assert_eq!(
            long.jwks_policy,
            JwksPolicy {
                ttl_ms: 86_400_000,
                stale_grace_ms: 86_400_000
            }
        );
        // Bad values: 500 naming the binding and the range, never the value.
        for (name, value, range) in [
            ("AUTH_JWKS_CACHE_SECONDS", "0", "from 1 to 86400"),
            ("AUTH_JWKS_CACHE_SECONDS", "86401", "from 1 to 86400"),
            ("AUTH_JWKS_CACHE_SECONDS", "-5", "from 1 to 86400"),
            ("AUTH_JWKS_CACHE_SECONDS", "1.5", "from 1 to 86400"),
            ("AUTH_JWKS_CACHE_SECONDS", "10m", "from 1 to 86400"),
            ("AUTH_JWKS_STALE_SECONDS", "86401", "from 0 to 86400"),
            ("AUTH_JWKS_STALE_SECONDS", "-1", "from 0 to 86400"),
            ("AUTH_JWKS_STALE_SECONDS", "forever", "from 0 to 86400"),
            ("AUTH_JWKS_STALE_SECONDS", "1e3", "from 0 to 86400"),
        ] {
            let r = config_err(&[(name, value)]);
            assert_eq!((r.status, r.code), (500, "ConfigurationError"));
            assert_eq!(
                r.message,
                format!("{name} must be a whole number of seconds {range}")
            );
        }
    }

    #[test]
    fn the_rate_limiter_counts_per_user_per_minute() {
        let mut l = RateLimiter::new(3);
        let t0 = 1_000 * RATE_LIMIT_WINDOW_MS + 15_000; // 15 s into a window
        for _ in 0..3 {
            assert_eq!(l.check("a", t0), Ok(()));
        }
        assert_eq!(l.check("a", t0), Err(45));
        assert_eq!(l.check("a", t0 + 44_500), Err(1));
        // Another user has their own count.
        assert_eq!(l.check("b", t0), Ok(()));
        // The next window starts afresh.
        assert_eq!(l.check("a", t0 + 45_000), Ok(()));
        assert_eq!(l.len(), 2);
        // A limit of zero refuses everyone.
        assert_eq!(RateLimiter::new(0).check("a", t0), Err(45));
    }

    #[test]
    fn the_rate_limiter_has_bounded_memory() {
        let mut l = RateLimiter::new(2);
        let t0 = 7 * RATE_LIMIT_WINDOW_MS;
        l.check("heavy", t0).unwrap();
        l.check("heavy", t0).unwrap();
        for i in 0..RATE_LIMIT_MAX_USERS + 500 {
            let _ = l.check(&format!("u{i}"), t0);
        }
        assert_eq!(l.len(), RATE_LIMIT_MAX_USERS);
        // The user with the most requests is kept (the fewest are evicted first).
        assert_eq!(l.check("heavy", t0), Err(60));
        // Users of past windows are forgotten first.
        let t1 = t0 + RATE_LIMIT_WINDOW_MS;
        l.check("fresh", t1).unwrap();
        assert_eq!(l.len(), 1);
    }

    #[test]
    fn rate_limited_and_revoked_answers() {
        let cors = Cors {
            allow_origin: Some("https://app.example.com".into()),
            vary: true,
        };
        let r = error_response(&cors, &Rejection::rate_limited(42));
        assert_eq!(r.status, 429);
        assert_eq!(error_code(&r), "RateLimited");
        assert_eq!(r.header("retry-after"), Some("42"));
        assert_eq!(
            r.header("access-control-expose-headers"),
            Some("retry-after")
        );
        assert!(r
            .body
            .as_ref()
            .map(|b| serde_json::to_string(b).unwrap())
            .as_deref()
            .unwrap()
            .contains("42 seconds"));
        let plain = error_response(&Cors::default(), &Rejection::rate_limited(0));
        assert_eq!(plain.header("retry-after"), Some("1"));
        assert_eq!(plain.header("access-control-expose-headers"), None);
        let r = revoked_response(&cors);
        assert_eq!(
            (
                r.status,
                r.body
                    .as_ref()
                    .map(|b| serde_json::to_string(b).unwrap())
                    .as_deref()
            ),
            (204, None)
        );
        assert_eq!(
            r.header("access-control-allow-origin"),
            Some("https://app.example.com")
        );
        assert_eq!(r.header("cache-control"), Some("no-store"));
    }
}
