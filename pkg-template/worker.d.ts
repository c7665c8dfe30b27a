/**
 * acs-identity/worker: a token endpoint for every runtime with fetch handlers — Cloudflare Workers,
 * Deno (and Deno Deploy), Bun, Node (with {@link toNodeListener}), Vercel and Netlify.
 *
 * The browser of an app asks `POST /token` with `Authorization: Bearer <app token>`; the endpoint
 * verifies the app token, maps its `sub` to a stable ACS identity and answers a short-lived ACS
 * access token. The ACS access key never leaves the server. `POST /token` answers 429
 * `RateLimited` with `Retry-After` when the user is over the rate limit; `DELETE /token` with the
 * app token revokes every ACS token of that user (sign-out) and answers 204 (also for a user
 * without an identity yet).
 * @packageDocumentation
 */

/** The part of a Workers Rate Limiting binding the endpoint uses (`[[ratelimits]]` in wrangler.toml). */
export interface TokenRateLimiter {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

/**
 * The part of a Workers KV namespace the endpoint uses. Outside Cloudflare, any object with these
 * two methods will do (a Deno KV, Redis or database wrapper).
 */
export interface IdentityKvNamespace {
  get(key: string): Promise<string | null>;
  put(key: string, value: string): Promise<void>;
}

/** The env bindings of the ready Worker (the default export). */
export interface TokenEndpointEnv {
  /** `endpoint=https://<resource>.communication.azure.com/;accesskey=<key>` — a secret; required. */
  ACS_CONNECTION_STRING?: string;
  /** HS256 secret of the app tokens (raw text, at least 32 bytes) — a secret. */
  AUTH_JWT_SECRET?: string;
  /**
   * JWKS of the app tokens' issuer (RS256 and ES256 keys). At least one of this and AUTH_JWT_SECRET.
   * With it, AUTH_ISSUER is required, and AUTH_AUDIENCE unless AUTH_AUDIENCE_OPTIONAL is `true`.
   */
  AUTH_JWKS_URL?: string;
  /** Required `iss` of app tokens (required itself with AUTH_JWKS_URL). */
  AUTH_ISSUER?: string;
  /** Required `aud` (string, or one of an array) of app tokens (required itself with AUTH_JWKS_URL). */
  AUTH_AUDIENCE?: string;
  /** `true`: accept JWKS tokens without checking `aud` (only for an issuer that mints tokens for this app alone). */
  AUTH_AUDIENCE_OPTIONAL?: 'true' | 'false' | boolean | (string & {});
  /** `true`: accept ES256 signatures with a high S (issuers whose library does not normalise S); default `false`. */
  AUTH_ES256_ALLOW_HIGH_S?: 'true' | 'false' | boolean | (string & {});
  /** Longest app-token lifetime accepted (`exp − iat`, or `exp − now` without `iat`), 1..525600 minutes; default 1440. */
  AUTH_MAX_TOKEN_LIFETIME_MINUTES?: string | number;
  /** How long downloaded keys of AUTH_JWKS_URL are used before they are downloaded again, 1..86400 seconds; default 600. */
  AUTH_JWKS_CACHE_SECONDS?: string | number;
  /**
   * How long past AUTH_JWKS_CACHE_SECONDS the keys are still trusted while they cannot be
   * refreshed (then tokens that need them get 401, logged), 0..86400 seconds; default 3600; `0`
   * refuses them as soon as they are out of date.
   */
  AUTH_JWKS_STALE_SECONDS?: string | number;
  /** Comma-separated accepted `typ` header values, e.g. `JWT,at+jwt`; default: any. */
  AUTH_TOKEN_TYPES?: string;
  /** Prefix of every identity mapping key instead of a hash of `iss` (1-64 of `A-Za-z0-9._-`). */
  IDENTITY_NAMESPACE?: string;
  /** In-process limit of token requests per user per minute (per instance); default 10; `0` or `off` disables. */
  RATE_LIMIT_PER_MINUTE?: string | number;
  /** A Workers Rate Limiting binding; when bound it limits token requests per user instead of RATE_LIMIT_PER_MINUTE. */
  TOKEN_RATE_LIMITER?: TokenRateLimiter;
  /** Comma-separated origins allowed to call cross-origin (exact match), e.g. `https://app.example.com`. */
  ALLOWED_ORIGINS?: string;
  /** Comma-separated scopes a caller may ask for; default `chat,voip`. */
  ALLOWED_SCOPES?: string;
  /** Token lifetime, 60..1440; default 60. Also the longest a caller may ask for. */
  TOKEN_EXPIRES_IN_MINUTES?: string | number;
  /** `customId` (default: the ACS identity is found by its customId, the user's mapping key) or `kv` (needs IDENTITY_KV). */
  IDENTITY_MAPPING?: 'customId' | 'kv' | (string & {});
  /** KV namespace mapping each user's key → ACS id (IDENTITY_MAPPING=kv). */
  IDENTITY_KV?: IdentityKvNamespace;
  [binding: string]: unknown;
}

/** Options of {@link createTokenHandler}: the bindings (`env`) and/or their camelCase forms, which win. */
export interface TokenHandlerOptions {
  /** Bindings by their env names (as in {@link TokenEndpointEnv}). */
  env?: TokenEndpointEnv;
  /** ACS_CONNECTION_STRING */
  connectionString?: string;
  /** AUTH_JWT_SECRET */
  jwtSecret?: string;
  /** AUTH_JWKS_URL */
  jwksUrl?: string;
  /** AUTH_ISSUER */
  issuer?: string;
  /** AUTH_AUDIENCE */
  audience?: string;
  /** ALLOWED_ORIGINS (an array is joined with commas) */
  allowedOrigins?: string | readonly string[];
  /** ALLOWED_SCOPES (an array is joined with commas) */
  allowedScopes?: string | readonly string[];
  /** TOKEN_EXPIRES_IN_MINUTES */
  tokenExpiresInMinutes?: number | string;
  /** IDENTITY_MAPPING */
  identityMapping?: 'customId' | 'kv';
  /** IDENTITY_KV */
  kv?: IdentityKvNamespace;
  /** AUTH_AUDIENCE_OPTIONAL */
  audienceOptional?: boolean | 'true' | 'false';
  /** AUTH_ES256_ALLOW_HIGH_S */
  es256AllowHighS?: boolean | 'true' | 'false';
  /** AUTH_MAX_TOKEN_LIFETIME_MINUTES */
  maxTokenLifetimeMinutes?: number | string;
  /** AUTH_JWKS_CACHE_SECONDS */
  jwksCacheSeconds?: number | string;
  /** AUTH_JWKS_STALE_SECONDS */
  jwksStaleSeconds?: number | string;
  /** AUTH_TOKEN_TYPES (an array is joined with commas) */
  tokenTypes?: string | readonly string[];
  /** IDENTITY_NAMESPACE */
  identityNamespace?: string;
  /** RATE_LIMIT_PER_MINUTE (`0` or `'off'` disables the in-process limiter) */
  rateLimitPerMinute?: number | 'off' | (string & {});
  /** TOKEN_RATE_LIMITER */
  rateLimiter?: TokenRateLimiter;
  /**
   * ACS api-version; default `2025-03-02-preview` (it has `customId`, which makes identity creation
   * idempotent). A version without `customId` works only with `identityMapping: 'kv'`, and then
   * instances mapping a new user at the same moment may create two identities.
   */
  apiVersion?: string;
  /** Serve `{basePath}/token` and `{basePath}/healthz`, e.g. `/api/acs`. Default: `/token`, `/healthz`. */
  basePath?: string;
  /** The `fetch` used for every outgoing request (ACS and the JWKS). Default: the global `fetch`. */
  fetch?: (input: string, init?: any) => Promise<any>;
  /** Retries of ACS calls (as the client's `retry` option). */
  retry?: { maxRetries?: number; retryDelayInMs?: number; maxRetryDelayInMs?: number };
  /** Time limit of one ACS call, retries included; default 20000 ms. */
  timeoutMs?: number;
}

/** Answers one request; never rejects for a Request (errors are JSON answers). */
export type TokenHandler = (request: Request) => Promise<Response>;

/**
 * Creates a token handler. A missing or invalid setting does not throw here: the handler then
 * answers 500 `ConfigurationError` naming the binding. Create it once, not per request.
 */
export function createTokenHandler(options?: TokenHandlerOptions): TokenHandler;

/** The body of a 200 answer of `POST /token`. */
export interface TokenEndpointResponse {
  user: { communicationUserId: string };
  token: string;
  /** ISO 8601, e.g. `2025-07-10T21:39:39.324Z`. */
  expiresOn: string;
}

/** The body of `POST /token`; both fields optional. */
export interface TokenEndpointRequest {
  /** A subset of ALLOWED_SCOPES; default: all of them. */
  scopes?: string[];
  /** 60..TOKEN_EXPIRES_IN_MINUTES; default TOKEN_EXPIRES_IN_MINUTES. */
  expiresInMinutes?: number;
}

/** The `error.code` of every error answer. */
export type TokenEndpointErrorCode =
  | 'BadRequest'
  | 'MissingToken'
  | 'InvalidToken'
  | 'TokenExpired'
  | 'TokenNotYetValid'
  | 'InvalidIssuer'
  | 'InvalidAudience'
  | 'OriginNotAllowed'
  | 'ScopeNotAllowed'
  | 'InvalidRequestBody'
  | 'NotFound'
  | 'MethodNotAllowed'
  | 'PayloadTooLarge'
  | 'RateLimited'
  | 'ConfigurationError'
  | 'InternalError'
  | 'UpstreamError'
  | 'JwksUnavailable';

/** The body of every error answer. */
export interface TokenEndpointError {
  error: { code: TokenEndpointErrorCode; message: string };
}

/** The ready Worker: `export { default } from 'acs-identity/worker'`. */
declare const worker: {
  fetch(request: Request, env: TokenEndpointEnv, ctx?: unknown): Promise<Response>;
};
export default worker;

/** The part of a `node:http` IncomingMessage that {@link toNodeListener} reads (Express's `req` too). */
export interface NodeRequestLike extends AsyncIterable<Uint8Array | string> {
  method?: string;
  url?: string;
  /** Express: the URL before the mount path was stripped; used when present. */
  originalUrl?: string;
  headers: { host?: string; [name: string]: string | string[] | undefined };
  rawHeaders: string[];
  readableEnded?: boolean;
  /** A body a body parser already read (express.json(), express.text(), ...); used when the stream has ended. */
  body?: unknown;
  socket?: unknown;
}

/** The part of a `node:http` ServerResponse that {@link toNodeListener} writes. */
export interface NodeResponseLike {
  statusCode: number;
  statusMessage: string;
  readonly destroyed: boolean;
  readonly writableFinished: boolean;
  setHeader(name: string, value: string | number | readonly string[]): unknown;
  write(chunk: Uint8Array): boolean;
  end(): unknown;
  destroy(error?: Error): unknown;
  once(event: 'close' | 'drain', listener: () => void): unknown;
  off(event: 'close' | 'drain', listener: () => void): unknown;
}

/** A fetch handler: a function of a Request, or an object with `fetch(request, env, ctx)` (the default export). */
export type FetchHandler =
  | ((request: Request) => Response | Promise<Response>)
  | { fetch(request: Request, env: TokenEndpointEnv, ctx?: unknown): Response | Promise<Response> };

/** Options of {@link toNodeListener}. */
export interface NodeListenerOptions {
  /** The `env` passed to an object handler's `fetch` (e.g. `process.env`). Default: `{}`. */
  env?: TokenEndpointEnv;
  /**
   * Request-body bytes read at most (one more is handed to the handler so that it can refuse the
   * body); default 8192, the endpoint's limit. A longer body is not read further.
   */
  bodyLimit?: number;
}

/**
 * Wraps a fetch handler as a `(req, res)` listener for `http.createServer`, Express (`app.all`,
 * `app.use`) and Fastify (`reply.hijack()`, then `listener(request.raw, reply.raw)`). The request
 * body is streamed to the handler, a client that disconnects aborts `request.signal`, and the
 * answer is streamed back.
 *
 * ```js
 * import http from 'node:http';
 * import worker, { toNodeListener } from 'acs-identity/worker';
 * http.createServer(toNodeListener(worker, { env: process.env })).listen(8787);
 * ```
 */
export function toNodeListener(
  handler: FetchHandler,
  options?: NodeListenerOptions,
): (req: NodeRequestLike, res: NodeResponseLike) => void;
