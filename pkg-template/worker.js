// acs-identity/worker: the edge token endpoint, for every runtime with fetch handlers.
//
//   export { default } from 'acs-identity/worker';              // a ready Worker, configured by env
//   import { createTokenHandler } from 'acs-identity/worker';   // for apps that route themselves
//
// The browser sends `POST /token` with `Authorization: Bearer <app token>`; the answer is
// `{ user: { communicationUserId }, token, expiresOn }`. The ACS access key stays on the server.
// Every decision is made in Rust (src/core/endpoint.rs); this file only maps options to bindings.
// It loads no wasm itself: the entries chosen by the export conditions (worker-workerd.js,
// worker-node.js, worker-browser.js, worker-edge-light.js) instantiate the one shared module first.
import { TokenEndpoint } from './acs_identity.js';

/** createTokenHandler option → the env binding it stands for. */
const OPTION_BINDINGS = [
  ['connectionString', 'ACS_CONNECTION_STRING'],
  ['jwtSecret', 'AUTH_JWT_SECRET'],
  ['jwksUrl', 'AUTH_JWKS_URL'],
  ['issuer', 'AUTH_ISSUER'],
  ['audience', 'AUTH_AUDIENCE'],
  ['allowedOrigins', 'ALLOWED_ORIGINS'],
  ['allowedScopes', 'ALLOWED_SCOPES'],
  ['tokenExpiresInMinutes', 'TOKEN_EXPIRES_IN_MINUTES'],
  ['identityMapping', 'IDENTITY_MAPPING'],
  ['kv', 'IDENTITY_KV'],
  ['audienceOptional', 'AUTH_AUDIENCE_OPTIONAL'],
  ['es256AllowHighS', 'AUTH_ES256_ALLOW_HIGH_S'],
  ['identityNamespace', 'IDENTITY_NAMESPACE'],
  ['maxTokenLifetimeMinutes', 'AUTH_MAX_TOKEN_LIFETIME_MINUTES'],
  ['jwksCacheSeconds', 'AUTH_JWKS_CACHE_SECONDS'],
  ['jwksStaleSeconds', 'AUTH_JWKS_STALE_SECONDS'],
  ['tokenTypes', 'AUTH_TOKEN_TYPES'],
  ['rateLimitPerMinute', 'RATE_LIMIT_PER_MINUTE'],
  ['rateLimiter', 'TOKEN_RATE_LIMITER'],
];

function bindingsOf(options) {
  const env = options.env && typeof options.env === 'object' ? options.env : {};
  const bindings = {};
  for (const [option, name] of OPTION_BINDINGS) {
    let value = options[option] !== undefined ? options[option] : env[name];
    if (Array.isArray(value)) value = value.join(',');
    else if (typeof value === 'boolean') value = String(value);
    bindings[name] = value;
  }
  return bindings;
}

function internalError() {
  return new Response(JSON.stringify({ error: { code: 'InternalError', message: 'the token endpoint failed unexpectedly' } }), {
    status: 500,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}

/**
 * A token handler: `(request) => Promise<Response>`. Options are the env bindings (`env`) and/or
 * their camelCase forms (which win), plus `apiVersion`, `basePath`, `fetch`, `retry`, `timeoutMs`.
 * A missing or invalid setting does not throw: the handler answers 500 naming the binding.
 * Create it once (per env), not per request: it holds the ACS client.
 * @param {import('./worker.d.ts').TokenHandlerOptions} [options]
 * @returns {import('./worker.d.ts').TokenHandler}
 */
export function createTokenHandler(options = {}) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('createTokenHandler(options): options must be an object');
  }
  const endpoint = new TokenEndpoint(bindingsOf(options), {
    apiVersion: options.apiVersion,
    basePath: options.basePath,
    fetch: options.fetch,
    retry: options.retry,
    timeoutMs: options.timeoutMs,
  });
  return function handleTokenRequest(request) {
    if (!request || typeof request.url !== 'string' || typeof request.headers?.get !== 'function') {
      return Promise.reject(new TypeError('the token handler takes a Request'));
    }
    try {
      return endpoint.handle(request).catch(internalError);
    } catch {
      return Promise.resolve(internalError());
    }
  };
}

// One handler per env object (the runtime passes the same one to every request of an isolate).
const handlers = new WeakMap();
const NO_ENV = {};

/** The ready Worker: `POST /token`, `OPTIONS /token`, `GET /healthz`, configured by `env`. */
export default {
  fetch(request, env, ctx) {
    const key = env && typeof env === 'object' ? env : NO_ENV;
    let handler = handlers.get(key);
    if (!handler) {
      handler = createTokenHandler({ env: key });
      handlers.set(key, handler);
    }
    return handler(request, ctx);
  },
};
