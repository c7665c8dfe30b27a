// Type-checked against the installed package: acs-identity/worker's types (worker.d.ts).
import worker, { createTokenHandler, toNodeListener } from 'acs-identity/worker';
import type {
  FetchHandler,
  NodeListenerOptions,
  NodeRequestLike,
  NodeResponseLike,
  TokenEndpointEnv,
  TokenEndpointError,
  TokenEndpointErrorCode,
  TokenEndpointRequest,
  TokenEndpointResponse,
  TokenHandler,
  TokenHandlerOptions,
} from 'acs-identity/worker';

declare const env: TokenEndpointEnv;
declare const request: Request;

const ready: Promise<Response> = worker.fetch(request, env, {});
const options: TokenHandlerOptions = {
  env,
  basePath: '/api/acs',
  allowedOrigins: ['https://app.example.com'],
  allowedScopes: 'chat,voip',
  tokenExpiresInMinutes: 120,
  identityMapping: 'kv',
  kv: { get: async (_k: string) => null, put: async (_k: string, _v: string) => {} },
  apiVersion: '2025-06-30',
  fetch: (url, init) => fetch(url, init),
  retry: { maxRetries: 1 },
  timeoutMs: 5000,
};
const handler: TokenHandler = createTokenHandler(options);
const answered: Promise<Response> = handler(request);
createTokenHandler();

async function use(): Promise<string> {
  const body: TokenEndpointRequest = { scopes: ['chat'], expiresInMinutes: 60 };
  const res = await handler(new Request('https://x.example/token', { method: 'POST', body: JSON.stringify(body) }));
  if (res.ok) {
    const ok = (await res.json()) as TokenEndpointResponse;
    return ok.user.communicationUserId + ok.token + ok.expiresOn;
  }
  const err = (await res.json()) as TokenEndpointError;
  const code: TokenEndpointErrorCode = err.error.code;
  return code + err.error.message;
}
void ready;
void answered;
void use;

// @ts-expect-error identityMapping is customId or kv
createTokenHandler({ identityMapping: 'ldap' });
// @ts-expect-error the handler takes a Request
handler('https://x.example/token');

// toNodeListener: a function handler, the default export with an env, options.
const fromHandler: (req: NodeRequestLike, res: NodeResponseLike) => void = toNodeListener(handler);
const fromWorker = toNodeListener(worker, { env: { ACS_CONNECTION_STRING: 'x', AUTH_JWT_SECRET: 'y' } });
const listenerOptions: NodeListenerOptions = { bodyLimit: 4096 };
const plain: FetchHandler = (r: Request) => new Response(r.url);
toNodeListener(plain, listenerOptions);
toNodeListener({ fetch: async (r: Request) => new Response(r.method) });
void fromHandler;
void fromWorker;

// @ts-expect-error the handler must take a Request and answer a Response
toNodeListener((r: Request) => r.url);
// @ts-expect-error bodyLimit is a number
toNodeListener(handler, { bodyLimit: '8k' });
// @ts-expect-error a listener takes a request and a response
fromHandler({});

// Limits and trust options.
const limited: TokenHandlerOptions = {
  rateLimitPerMinute: 'off',
  rateLimiter: { limit: async ({ key }: { key: string }) => ({ success: key.length > 0 }) },
  audienceOptional: true,
  maxTokenLifetimeMinutes: 30,
  jwksCacheSeconds: 60,
  jwksStaleSeconds: 0,
  tokenTypes: ['JWT', 'at+jwt'],
  identityNamespace: 'shop',
};
const limitedEnv: TokenEndpointEnv = {
  RATE_LIMIT_PER_MINUTE: '20',
  AUTH_AUDIENCE_OPTIONAL: 'true',
  IDENTITY_NAMESPACE: 'shop',
  AUTH_JWKS_CACHE_SECONDS: '300',
  AUTH_JWKS_STALE_SECONDS: 0,
};
const rateLimited: TokenEndpointErrorCode = 'RateLimited';
void createTokenHandler(limited);
void limitedEnv;
void rateLimited;
// @ts-expect-error the key lifetime is a number of seconds
createTokenHandler({ jwksCacheSeconds: true });
// @ts-expect-error the rate limiter binding has a limit function
createTokenHandler({ rateLimiter: {} });
