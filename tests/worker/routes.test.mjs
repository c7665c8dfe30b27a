// The token endpoint's routes, CORS, request bodies, limits and configuration errors, in every
// runtime (workerd, Node, Deno, Bun: tests/worker/runtimes.mjs) with the emulator upstream.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HS_SECRET, call, claimsFor, introspect, signJwt, startEmulator } from './helpers.mjs';
import { ENDPOINT_RUNTIMES, startEndpoints } from './runtimes.mjs';

const APP = 'https://app.example.test';
const DEV = 'http://localhost:5173';
const SECRET_VALUE = 'Zm9vYmFyLXNlY3JldC12YWx1ZQ-NOT-BASE64-!!';

// An app that routes itself: the handler under /api/acs, with an injected fetch that counts.
const HANDLER_ENTRY = `
import { createTokenHandler } from 'acs-identity/worker';
let handler;
let calls = 0;
const countingFetch = (url, init) => { calls++; return fetch(url, init); };
export default {
  async fetch(request, env) {
    const { pathname } = new URL(request.url);
    if (pathname === '/calls') return Response.json({ calls });
    if (pathname.startsWith('/api/acs/')) {
      handler ??= createTokenHandler({ env, basePath: '/api/acs', fetch: countingFetch, allowedScopes: ['chat'] });
      return handler(request);
    }
    return new Response('the app', { status: 200 });
  },
};
`;

let emulator;
const token = (sub = 'route-user', extra = {}) => signJwt({ alg: 'HS256', typ: 'JWT' }, claimsFor(sub, extra), HS_SECRET);

before(async () => {
  emulator = await startEmulator();
});

after(async () => {
  await emulator?.close();
});

/** Every configuration of this file, as endpoints of one runtime. */
function configurations() {
  const acs = emulator.connectionString;
  // One user asks many times here: the per-user rate limit is tested in limits.test.mjs.
  const base = { ACS_CONNECTION_STRING: acs, AUTH_JWT_SECRET: HS_SECRET, RATE_LIMIT_PER_MINUTE: 'off' };
  return {
    main: {
      bindings: {
        ...base,
        ALLOWED_ORIGINS: `${APP}, ${DEV}`,
        ALLOWED_SCOPES: 'chat,voip,chat.join',
        TOKEN_EXPIRES_IN_MINUTES: 90,
      },
    },
    open: { bindings: base },
    handler: { bindings: base, entry: HANDLER_ENTRY },
    noAcs: { bindings: { AUTH_JWT_SECRET: HS_SECRET } },
    badAcs: { bindings: { ...base, ACS_CONNECTION_STRING: `endpoint=https://acs.example.test/;accesskey=${SECRET_VALUE}` } },
    noAuth: { bindings: { ACS_CONNECTION_STRING: acs } },
    shortSecret: { bindings: { ...base, AUTH_JWT_SECRET: 'short' } },
    badTtl: { bindings: { ...base, TOKEN_EXPIRES_IN_MINUTES: '5' } },
    badScopes: { bindings: { ...base, ALLOWED_SCOPES: 'chat,superuser' } },
    badMapping: { bindings: { ...base, IDENTITY_MAPPING: 'ldap' } },
    noKv: { bindings: { ...base, IDENTITY_MAPPING: 'kv' }, kv: false },
  };
}

function assertError(r, status, code) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json?.error?.code, code, r.text);
  assert.equal(typeof r.json.error.message, 'string');
  assert.deepEqual(Object.keys(r.json), ['error']);
  assert.match(r.headers.get('content-type'), /^application\/json/);
}

for (const runtime of ENDPOINT_RUNTIMES) describe(runtime, () => {
  let endpoints;
  let w;
  before(async () => {
    endpoints = await startEndpoints(runtime, configurations());
    w = endpoints.endpoints;
  });
  after(() => endpoints?.close());

  describe('routes and methods', () => {
    test('GET /healthz', async () => {
      const r = await call(w.main, { method: 'GET', path: '/healthz' });
      assert.equal(r.status, 200);
      assert.deepEqual(r.json, { status: 'ok' });
    });

    test('unknown paths: 404 NotFound', async () => {
      for (const path of ['/', '/tokens', '/token/', '/token/x', '/api/acs/token', '/healthz/']) {
        assertError(await call(w.main, { path, token: token() }), 404, 'NotFound');
      }
    });

    test('wrong methods: 405 MethodNotAllowed with Allow', async () => {
      for (const method of ['GET', 'PUT', 'PATCH']) {
        const r = await call(w.main, { method, token: token() });
        assertError(r, 405, 'MethodNotAllowed');
        assert.equal(r.headers.get('allow'), 'POST, DELETE, OPTIONS');
      }
      const r = await call(w.main, { method: 'POST', path: '/healthz' });
      assertError(r, 405, 'MethodNotAllowed');
      assert.equal(r.headers.get('allow'), 'GET');
    });
  });

  describe('CORS', () => {
    test('preflight from an allowed origin', async () => {
      for (const origin of [APP, DEV]) {
        const r = await call(w.main, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
        });
        assert.equal(r.status, 204);
        assert.equal(r.text, '');
        assert.equal(r.headers.get('access-control-allow-origin'), origin);
        assert.equal(r.headers.get('vary'), 'Origin');
        assert.equal(r.headers.get('access-control-allow-methods'), 'POST, DELETE, OPTIONS');
        assert.equal(r.headers.get('access-control-allow-headers'), 'authorization, content-type');
        assert.equal(r.headers.get('access-control-max-age'), '600');
      }
    });

    test('preflight and requests from other origins: 403 OriginNotAllowed', async () => {
      for (const origin of ['https://evil.example.test', `${APP}.evil.test`, 'https://APP.example.test', 'null', `${APP}:8443`]) {
        const pre = await call(w.main, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
        assertError(pre, 403, 'OriginNotAllowed');
        assert.equal(pre.headers.get('access-control-allow-origin'), null);
        const post = await call(w.main, { token: token(), headers: { origin } });
        assertError(post, 403, 'OriginNotAllowed');
        assert.equal(post.headers.get('access-control-allow-origin'), null);
      }
    });

    test('an allowed origin is echoed on answers and errors; no Origin is fine', async () => {
      const ok = await call(w.main, { token: token(), headers: { origin: APP } });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.headers.get('access-control-allow-origin'), APP);
      assert.equal(ok.headers.get('vary'), 'Origin');
      const err = await call(w.main, { headers: { origin: DEV } });
      assertError(err, 401, 'MissingToken');
      assert.equal(err.headers.get('access-control-allow-origin'), DEV);
      const noOrigin = await call(w.main, { token: token() });
      assert.equal(noOrigin.status, 200);
      assert.equal(noOrigin.headers.get('access-control-allow-origin'), null);
    });

    test('without ALLOWED_ORIGINS no origin is refused and none is echoed', async () => {
      const r = await call(w.open, { token: token(), headers: { origin: 'https://anywhere.example.test' } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers.get('access-control-allow-origin'), null);
    });
  });

  describe('request bodies', () => {
    test('scopes and lifetime: defaults, a subset, a shorter lifetime', async () => {
      const defaults = await call(w.main, { token: token() });
      assert.equal(defaults.status, 200, defaults.text);
      assert.deepEqual((await introspect(emulator, defaults.json.token)).scopes, ['chat', 'voip', 'chat.join']);
      const ttl = Date.parse(defaults.json.expiresOn) - Date.now();
      assert.ok(ttl > 88 * 60_000 && ttl <= 91 * 60_000, `TOKEN_EXPIRES_IN_MINUTES=90, got ${ttl} ms`);

      const subset = await call(w.main, { token: token(), body: { scopes: ['chat', 'chat'], expiresInMinutes: 75 } });
      assert.equal(subset.status, 200, subset.text);
      const info = await introspect(emulator, subset.json.token);
      assert.equal(info.active, true);
      assert.deepEqual(info.scopes, ['chat']);
      const long = Date.parse(subset.json.expiresOn) - Date.now();
      assert.ok(long > 73 * 60_000 && long <= 76 * 60_000, `asked 75 min, got ${long} ms`);
      assert.equal(subset.json.user.communicationUserId, defaults.json.user.communicationUserId);

      const empty = await call(w.main, { token: token(), body: '{}' });
      assert.equal(empty.status, 200);
    });

    test('disallowed scopes: 403 ScopeNotAllowed', async () => {
      for (const scopes of [['voip.join'], ['chat', 'admin'], ['CHAT']]) {
        assertError(await call(w.main, { token: token(), body: { scopes } }), 403, 'ScopeNotAllowed');
      }
    });

    test('malformed bodies: 400 InvalidRequestBody', async () => {
      const bodies = [
        'not json',
        '{"scopes":["chat"],}',
        '[]',
        '"chat"',
        'null',
        '42',
        JSON.stringify({ scopes: 'chat' }),
        JSON.stringify({ scopes: [1] }),
        JSON.stringify({ scopes: [] }),
        JSON.stringify({ scopes: {} }),
        JSON.stringify({ expiresInMinutes: '60' }),
        JSON.stringify({ expiresInMinutes: 59 }),
        JSON.stringify({ expiresInMinutes: 1441 }),
        JSON.stringify({ expiresInMinutes: 90.5 }),
        JSON.stringify({ customId: 'someone-else' }),
        '{"scopes":["chat"],"scopes":["voip"]}',
      ];
      for (const body of bodies) {
        assertError(await call(w.main, { token: token(), body, headers: { 'content-type': 'application/json' } }), 400, 'InvalidRequestBody');
      }
      assertError(await call(w.main, { token: token(), body: new Uint8Array([0xff, 0xfe, 0x7b]) }), 400, 'InvalidRequestBody');
    });

    test('the token is checked before the body', async () => {
      const r = await call(w.main, { body: 'not json', headers: { 'content-type': 'application/json' } });
      assertError(r, 401, 'MissingToken');
    });

    test('bodies over 8 KiB: 413 PayloadTooLarge (Content-Length and the bytes read)', async () => {
      const big = JSON.stringify({ scopes: ['chat'], pad: 'x'.repeat(9000) });
      assertError(await call(w.main, { token: token(), body: big }), 413, 'PayloadTooLarge');
      // No Content-Length: a streamed body is counted while read.
      const chunk = new TextEncoder().encode(' '.repeat(1024));
      let sent = 0;
      const stream = new ReadableStream({
        pull(controller) {
          if (sent++ < 12) controller.enqueue(chunk);
          else controller.close();
        },
      });
      const r = await call(w.main, { token: token(), body: stream });
      assertError(r, 413, 'PayloadTooLarge');
      // Exactly 8 KiB is fine.
      const exact = `{"scopes":["chat"]}`.padEnd(8192, ' ');
      const ok = await call(w.main, { token: token(), body: exact });
      assert.equal(ok.status, 200, ok.text);
    });
  });

  describe('configuration errors: 500 naming the binding, never a value', () => {
    const cases = [
      ['noAcs', 'ACS_CONNECTION_STRING is not set'],
      ['badAcs', 'ACS_CONNECTION_STRING is not a valid connection string'],
      ['noAuth', 'neither AUTH_JWT_SECRET nor AUTH_JWKS_URL is set'],
      ['shortSecret', 'AUTH_JWT_SECRET must be at least 32 bytes'],
      ['badTtl', 'TOKEN_EXPIRES_IN_MINUTES must be'],
      ['badScopes', 'ALLOWED_SCOPES entry 2'],
      ['badMapping', 'IDENTITY_MAPPING must be customId or kv'],
      ['noKv', 'IDENTITY_KV is not set'],
    ];
    for (const [name, message] of cases) {
      test(name, async () => {
        for (const [method, path] of [['POST', '/token'], ['GET', '/healthz'], ['OPTIONS', '/token']]) {
          const r = await call(w[name], { method, path, token: token() });
          assertError(r, 500, 'ConfigurationError');
          assert.ok(r.json.error.message.startsWith(message), r.json.error.message);
          for (const secret of [SECRET_VALUE, HS_SECRET, 'short', emulator.accessKey, 'superuser', 'ldap']) {
            assert.ok(!r.text.includes(secret), `the answer reveals a value: ${r.text}`);
          }
        }
      });
    }
  });

  describe('createTokenHandler', () => {
    test('routes under basePath, takes options over env, sends through the given fetch', async () => {
      const before = (await call(w.handler, { method: 'GET', path: '/calls' })).json.calls;
      const r = await call(w.handler, { path: '/api/acs/token', token: token('handler-user') });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual((await introspect(emulator, r.json.token)).scopes, ['chat']);
      const after = (await call(w.handler, { method: 'GET', path: '/calls' })).json.calls;
      assert.equal(after - before, 1, 'the ACS call went through the injected fetch');
      assert.deepEqual((await call(w.handler, { method: 'GET', path: '/api/acs/healthz' })).json, { status: 'ok' });
      assertError(await call(w.handler, { path: '/api/acs/nope', token: token() }), 404, 'NotFound');
      assertError(await call(w.handler, { path: '/api/acs/token', token: token(), body: { scopes: ['voip'] } }), 403, 'ScopeNotAllowed');
    });
  });
});
