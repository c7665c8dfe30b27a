/**
 * acs-identity/worker: an edge token endpoint for Cloudflare Workers.
 *
 * The browser of an app asks `POST /token` with `Authorization: Bearer <app token>`; the endpoint
 * verifies the app token, maps its `sub` to a stable ACS identity and answers a short-lived ACS
 * access token. The ACS access key never leaves the Worker.
 * @packageDocumentation
 */

/** The part of a Workers KV namespace the endpoint uses. */
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
  /** JWKS of the app tokens' issuer (RS256 and ES256 keys). At least one of this and AUTH_JWT_SECRET. */
  AUTH_JWKS_URL?: string;
  /** Required `iss` of app tokens, when set. */
  AUTH_ISSUER?: string;
  /** Required `aud` (string, or one of an array) of app tokens, when set. */
  AUTH_AUDIENCE?: string;
  /** Comma-separated origins allowed to call cross-origin (exact match), e.g. `https://app.example.com`. */
  ALLOWED_ORIGINS?: string;
  /** Comma-separated scopes a caller may ask for; default `chat,voip`. */
  ALLOWED_SCOPES?: string;
  /** Default token lifetime, 60..1440; default 60. */
  TOKEN_EXPIRES_IN_MINUTES?: string | number;
  /** `customId` (default: ACS customId = `sub`, preview api-version) or `kv` (needs IDENTITY_KV). */
  IDENTITY_MAPPING?: 'customId' | 'kv' | (string & {});
  /** KV namespace mapping `sub` → ACS id (IDENTITY_MAPPING=kv). */
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
  /** ACS api-version; default `2025-03-02-preview` for customId mapping, `2025-06-30` for kv. */
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
  /** 60..1440; default TOKEN_EXPIRES_IN_MINUTES. */
  expiresInMinutes?: number;
}

/** The `error.code` of every error answer. */
export type TokenEndpointErrorCode =
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
