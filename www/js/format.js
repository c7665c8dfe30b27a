// Pure helpers of the demo page (no DOM): token shortening, header masking, the string-to-sign,
// durations and plain-words errors. Also imported by the Node tests.

const JWT_RE = /^[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*$/;
const TOKEN_KEYS = new Set(['token', 'accesstoken', 'teamsuseraadtoken', 'id_token', 'access_token']);

/** Does this string look like a JWT (or is it long and under a token-ish key)? */
export const looksLikeJwt = (s) => typeof s === 'string' && JWT_RE.test(s);

/** `eyJhbGciOi…Q8Kx (1,234 chars)`: enough to tell tokens apart, useless to an attacker. */
export function shortenToken(token) {
  if (typeof token !== 'string') return token;
  if (token.length <= 24) return token;
  return `${token.slice(0, 10)}…${token.slice(-4)} (${token.length.toLocaleString('en-US')} chars)`;
}

/** A deep copy of a JSON value with every token shortened. */
export function redactTokens(value, key = '') {
  if (typeof value === 'string') {
    return looksLikeJwt(value) || (TOKEN_KEYS.has(key.toLowerCase()) && value.length > 24) ? shortenToken(value) : value;
  }
  if (Array.isArray(value)) return value.map((v) => redactTokens(v));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactTokens(v, k)]));
  }
  return value;
}

/** A body for display: pretty JSON with tokens shortened, or the text itself. */
export function displayBody(text) {
  if (text === undefined || text === null || text === '') return '(empty)';
  try {
    return JSON.stringify(redactTokens(JSON.parse(text)), null, 2);
  } catch {
    return looksLikeJwt(text) ? shortenToken(text) : String(text);
  }
}

export const MASK = '••••••••';

/** An Authorization header with the secret part masked (HMAC signature, bearer token). */
export function maskAuthorization(value) {
  if (typeof value !== 'string') return value;
  if (/^\s*bearer\s/i.test(value)) return `Bearer ${MASK} (masked)`;
  if (/signature=/i.test(value)) return value.replace(/(signature=)[^&,\s]*/i, `$1${MASK} (masked)`);
  return `${MASK} (masked)`;
}

/** Request headers for display: sorted, secrets masked. */
export function displayHeaders(headers) {
  const entries = Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]);
  entries.sort(([a], [b]) => a.localeCompare(b));
  return entries.map(([k, v]) => [k, k === 'authorization' ? maskAuthorization(v) : looksLikeJwt(v) ? shortenToken(v) : v]);
}

/**
 * The HMAC-SHA256 string-to-sign of ACS (`METHOD\npathAndQuery\ndate;host;contentHash`), rebuilt
 * from what the client handed to fetch. `null` when the request is not HMAC-signed.
 */
export function stringToSign({ method, url, headers }) {
  const h = Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
  if (!h['x-ms-date'] || !h['x-ms-content-sha256']) return null;
  const u = new URL(url);
  return `${String(method).toUpperCase()}\n${u.pathname}${u.search}\n${h['x-ms-date']};${u.host};${h['x-ms-content-sha256']}`;
}

const pad = (n) => String(n).padStart(2, '0');

/** `1:02:03`, `59:58`, `0:07`; negative → `0:00`. */
export function formatCountdown(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** `14:03:27` (local time). */
export function formatClock(date) {
  const d = date instanceof Date ? date : new Date(date);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/**
 * The page's one time format: `14:03:27` today, `2026-12-02 14:03:27` on another day (local time,
 * 24-hour clock).
 */
export function formatTime(date, now = new Date()) {
  const d = date instanceof Date ? date : new Date(date);
  const day = (x) => `${x.getFullYear()}-${pad(x.getMonth() + 1)}-${pad(x.getDate())}`;
  return day(d) === day(now) ? formatClock(d) : `${day(d)} ${formatClock(d)}`;
}

/** The credential's proactive-refresh instant (10 min before expiry; half the life when closer). */
export function proactiveRefreshAt(expiresOnMs, receivedAtMs) {
  const ttl = expiresOnMs - receivedAtMs;
  const soon = 10 * 60 * 1000;
  return ttl > soon ? expiresOnMs - soon : receivedAtMs + Math.max(ttl / 2, 1000);
}

const HINTS = {
  // Service (emulator) codes
  IdentityNotFound: 'This user does not exist in the resource: it was deleted, or the ID is wrong. Create a new user or pick another ID.',
  IdentityNotOwned: 'This user ID belongs to another Communication Services resource: use it with that resource’s connection string, or create a user here.',
  Denied: 'The service refused the request signature. Check the access key in the connection string and that this computer’s clock is right (±15 minutes).',
  ValidationError: 'The service rejected a value you sent. Fix the field named in the message and try again.',
  InvalidAccessToken: 'The Microsoft Entra ID token was refused: it may be expired, for another audience, or lack the Teams scopes.',
  UnsupportedApiVersion: 'This operation is not available on the api-version in use.',
  TooManyRequests: 'The service is throttling requests. Wait a moment and try again.',
  ServiceUnavailable: 'The service is temporarily unavailable. Try again shortly.',
  InternalServerError: 'The service failed. Try again; if it persists, check the emulator’s log.',
  EmulatorFault: 'A fault was injected into the emulator (/emulator/faults). Clear the faults and retry.',
  // Local codes of the package
  InvalidConnectionString: 'A connection string looks like endpoint=https://<resource>.communication.azure.com/;accesskey=<base64 key>.',
  InvalidAccessKey: 'The access key in the connection string must be base64 text.',
  InvalidUrl: 'The endpoint is not a valid http(s) URL.',
  InvalidArgument: 'A value is missing or has the wrong form. Check the highlighted field.',
  InvalidToken: 'That is not a readable access token (a JWT).',
  Timeout: 'The request took too long. Is the local stack (npm start) still running?',
  Aborted: 'The request was cancelled.',
  NetworkError: 'The server could not be reached. Is the local stack (npm start) still running?',
  UnexpectedResponse: 'The server answered something unexpected. The request inspector shows the answer.',
  // Credential codes
  TokenExpired: 'Your app session has expired. Sign in again.',
  TokenExpiryUnknown: 'The token endpoint answered a token whose expiry cannot be read.',
  Disposed: 'The credential was replaced; try again.',
  // Edge token endpoint codes
  MissingToken: 'Sign in first: the token endpoint needs your app token.',
  TokenNotYetValid: 'Your app token is not valid yet. Check this computer’s clock.',
  InvalidIssuer: 'Your app token comes from an issuer the token endpoint does not trust (AUTH_ISSUER).',
  InvalidAudience: 'Your app token is meant for another audience (AUTH_AUDIENCE).',
  OriginNotAllowed: 'This page’s origin is not in the token endpoint’s ALLOWED_ORIGINS.',
  ScopeNotAllowed: 'The token endpoint does not hand out that scope (ALLOWED_SCOPES).',
  InvalidRequestBody: 'The token request was malformed.',
  ConfigurationError: 'The token endpoint is misconfigured: check its bindings.',
  UpstreamError: 'The token endpoint could not get a token from Azure Communication Services.',
  JwksUnavailable: 'The token endpoint could not fetch the signing keys of your identity provider.',
  // Demo server
  InvalidName: 'Enter a name of 1 to 64 characters.',
};

/** The endpoint's `InvalidToken` is about the app token, not an ACS token. */
const ENDPOINT_HINTS = {
  InvalidToken: 'Your app token was refused by the token endpoint. Sign in again.',
  TokenExpired: 'Your app session has expired. Sign in again.',
};

/**
 * `{ code, message, hint, status, target }` in plain words for any error (an AcsIdentityError, a
 * `TokenRefreshFailed` wrapping the endpoint's error, or anything else). Never includes secrets:
 * the package's messages contain none.
 */
export function describeError(err, { from = 'service' } = {}) {
  let e = err;
  // A failed refresh wraps what the refresher threw: show the endpoint's own error.
  if (e?.code === 'TokenRefreshFailed' && e.cause && typeof e.cause === 'object' && e.cause.code) {
    e = e.cause;
    from = 'endpoint';
  }
  const code = typeof e?.code === 'string' && e.code !== '' ? e.code : 'Error';
  const message = typeof e?.message === 'string' && e.message !== '' ? e.message : String(e);
  const hint =
    (from === 'endpoint' ? ENDPOINT_HINTS[code] : undefined) ??
    HINTS[code] ??
    'Something went wrong. The request inspector shows what was sent and answered.';
  return { code, message, hint, status: e?.statusCode, target: e?.target };
}

/** A random GUID (for the Teams exchange form). */
export function randomGuid() {
  return crypto.randomUUID();
}

export const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
