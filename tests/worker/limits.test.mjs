// Limits no signed-in user can get past, in every runtime the endpoint runs in (workerd, Node,
// Deno, Bun), with the emulator upstream: the token lifetime cap (TOKEN_EXPIRES_IN_MINUTES), the
// per-user rate limit (the TOKEN_RATE_LIMITER binding and the in-process RATE_LIMIT_PER_MINUTE
// limiter) and sign-out revocation (DELETE /token).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ENDPOINT_RUNTIMES, startEndpoints } from './runtimes.mjs';
import { HS_SECRET, call as callEndpoint, claimsFor, emulatorStats, introspect, signJwt, startEmulator } from './helpers.mjs';

const APP = 'https://app.example.test';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let serial = 0;
/** A user no other case uses (so rate limits and identities start fresh). */
const newUser = (what) => `${what}-${process.pid}-${Date.now()}-${serial++}@example.test`;
const token = (sub) => signJwt({ alg: 'HS256', typ: 'JWT' }, claimsFor(sub), HS_SECRET);

/** Both limiters count in windows aligned on the minute: keep a case inside one window. */
async function awayFromMinuteEdge(needMs = 10_000) {
  const into = Date.now() % 60_000;
  if (into > 60_000 - needMs) await sleep(60_000 - into + 100);
}

/**
 * Runs `body` (which makes its own users) inside one rate-limit window; on a slow machine a case
 * may still straddle two windows, and then only it is run once more.
 */
async function inOneWindow(body, needMs = 10_000) {
  for (let attempt = 0; ; attempt++) {
    await awayFromMinuteEdge(needMs);
    const window = Math.floor(Date.now() / 60_000);
    try {
      return await body();
    } catch (error) {
      if (attempt > 0 || Math.floor(Date.now() / 60_000) === window) throw error;
    }
  }
}

/** The endpoint called as `sub` (with an HS256 app token of it) or with a raw `bearer` token. */
const call = (ep, { sub, bearer, ...rest } = {}) =>
  callEndpoint(ep, { ...rest, token: bearer ?? (sub === undefined ? undefined : token(sub)) });

let emulator;
before(async () => {
  emulator = await startEmulator();
});
after(async () => {
  await emulator?.close();
});

for (const runtime of ENDPOINT_RUNTIMES) {
  describe(runtime, () => {
    let stack;
    let ep;
    before(async () => {
      const base = { ACS_CONNECTION_STRING: emulator.connectionString, AUTH_JWT_SECRET: HS_SECRET };
      stack = await startEndpoints(runtime, {
        // Defaults: 60 minutes, 10 token requests per user per minute (in-process).
        plain: { bindings: base },
        capped: { bindings: { ...base, TOKEN_EXPIRES_IN_MINUTES: '90', RATE_LIMIT_PER_MINUTE: 'off' } },
        limited: { bindings: { ...base, RATE_LIMIT_PER_MINUTE: '3' } },
        // The Workers Rate Limiting binding wins over RATE_LIMIT_PER_MINUTE.
        bound: { bindings: { ...base, RATE_LIMIT_PER_MINUTE: '50' }, ratelimits: { TOKEN_RATE_LIMITER: { limit: 2, period: 60 } } },
        kv: { bindings: { ...base, IDENTITY_MAPPING: 'kv', ALLOWED_ORIGINS: APP } },
      });
      ep = stack.endpoints;
    });
    after(() => stack?.close());

    describe('lifetime cap (TOKEN_EXPIRES_IN_MINUTES is the default and the maximum)', () => {
      test('by default 60 minutes, and a body asking more is refused naming the allowed range', async () => {
        const sub = newUser('cap60');
        const ok = await call(ep.plain, { sub });
        assert.equal(ok.status, 200, ok.text);
        const ms = Date.parse(ok.json.expiresOn) - Date.now();
        assert.ok(ms > 58 * 60_000 && ms <= 61 * 60_000, `${ms} ms`);
        for (const asked of [61, 90, 1440]) {
          const r = await call(ep.plain, { sub, body: { expiresInMinutes: asked } });
          assert.equal(r.status, 400, `${asked}: ${r.text}`);
          assert.equal(r.json.error.code, 'InvalidRequestBody');
          assert.match(r.json.error.message, /expiresInMinutes must be 60 here \(TOKEN_EXPIRES_IN_MINUTES is 60\)/);
        }
      });

      test('with TOKEN_EXPIRES_IN_MINUTES=90: 60..90 granted (the emulator says so), 91 and 1440 refused', async () => {
        const sub = newUser('cap90');
        for (const [asked, minutes] of [[undefined, 90], [60, 60], [75, 75], [90, 90]]) {
          const r = await call(ep.capped, { sub, body: asked === undefined ? undefined : { expiresInMinutes: asked } });
          assert.equal(r.status, 200, r.text);
          const info = await introspect(emulator, r.json.token);
          assert.equal(info.active, true);
          const lifetime = Date.parse(info.expiresOn) - Date.parse(info.issuedAt ?? new Date().toISOString());
          assert.ok(Math.abs(lifetime - minutes * 60_000) < 90_000, `asked ${asked}: lifetime ${lifetime} ms`);
        }
        for (const asked of [91, 1440, 59]) {
          const r = await call(ep.capped, { sub, body: { expiresInMinutes: asked } });
          assert.equal(r.status, 400, `${asked}: ${r.text}`);
          assert.equal(r.json.error.code, 'InvalidRequestBody');
          assert.match(r.json.error.message, /from 60 to 90 \(TOKEN_EXPIRES_IN_MINUTES\)/);
        }
      });
    });

    describe('per-user rate limit', () => {
      test('in-process (RATE_LIMIT_PER_MINUTE=3): the 4th request of a user is 429 with Retry-After; others go on', async () => {
        await inOneWindow(async () => {
          const alice = newUser('limit-alice');
          const bob = newUser('limit-bob');
          for (let i = 0; i < 3; i++) assert.equal((await call(ep.limited, { sub: alice })).status, 200);
          const before = (await emulatorStats(emulator)).tokensIssued;
          const over = await call(ep.limited, { sub: alice });
          assert.equal(over.status, 429, over.text);
          assert.equal(over.json.error.code, 'RateLimited');
          assert.match(over.json.error.message, /too many token requests for this user; try again in \d+ seconds/);
          const retryAfter = Number(over.headers.get('retry-after'));
          assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
          assert.equal(over.headers.get('cache-control'), 'no-store');
          assert.equal((await emulatorStats(emulator)).tokensIssued, before, 'a refused request never reaches ACS');
          // Refused before the body is read: a bad body does not change the answer.
          assert.equal((await call(ep.limited, { sub: alice, body: { expiresInMinutes: 'x' } })).status, 429);
          // Another user has their own count; an invalid token is 401, never counted.
          assert.equal((await call(ep.limited, { sub: bob })).status, 200);
          assert.equal((await call(ep.limited, { bearer: 'a.b.c' })).status, 401);
        });
      });

      test('the default is on: 10 token requests per user per minute', async () => {
        await inOneWindow(async () => {
          const sub = newUser('default-limit');
          const statuses = [];
          for (let i = 0; i < 11; i++) statuses.push((await call(ep.plain, { sub })).status);
          assert.deepEqual(statuses, [...Array(10).fill(200), 429]);
        }, 15_000);
      });

      test('RATE_LIMIT_PER_MINUTE=off disables it', async () => {
        const sub = newUser('unlimited');
        for (let i = 0; i < 12; i++) assert.equal((await call(ep.capped, { sub })).status, 200, `request ${i + 1}`);
      });

      test('the TOKEN_RATE_LIMITER binding (limit 2 per 60 s) decides when bound: 429 with Retry-After 60', async () => {
        await inOneWindow(async () => {
          const sub = newUser('bound');
          assert.equal((await call(ep.bound, { sub })).status, 200);
          assert.equal((await call(ep.bound, { sub })).status, 200);
          const over = await call(ep.bound, { sub });
          assert.equal(over.status, 429, over.text);
          assert.equal(over.json.error.code, 'RateLimited');
          assert.equal(over.headers.get('retry-after'), '60');
          assert.equal((await call(ep.bound, { sub: newUser('bound-other') })).status, 200);
        });
      });

      test('concurrent requests of one user cannot slip past the in-process limit', async () => {
        await inOneWindow(async () => {
          const sub = newUser('burst');
          const statuses = (await Promise.all(Array.from({ length: 8 }, () => call(ep.limited, { sub })))).map((r) => r.status);
          assert.equal(statuses.filter((s) => s === 200).length, 3, statuses.join(','));
          assert.equal(statuses.filter((s) => s === 429).length, 5, statuses.join(','));
        });
      });
    });

    describe('sign-out: DELETE /token revokes the user\'s ACS tokens', () => {
      test('tokens issued before stop working (the emulator\'s introspection); new ones work', async () => {
        const sub = newUser('signout');
        const first = await call(ep.plain, { sub });
        const second = await call(ep.plain, { sub });
        assert.equal(first.status, 200);
        for (const r of [first, second]) assert.equal((await introspect(emulator, r.json.token)).active, true);
        await sleep(5);
        const out = await call(ep.plain, { method: 'DELETE', sub });
        assert.equal(out.status, 204, out.text);
        assert.equal(out.text, '');
        for (const r of [first, second]) {
          const info = await introspect(emulator, r.json.token);
          assert.equal(info.active, false);
          assert.equal(info.reason, 'revoked');
        }
        await sleep(5);
        const again = await call(ep.plain, { sub });
        assert.equal(again.status, 200);
        assert.equal(again.json.user.communicationUserId, first.json.user.communicationUserId, 'the same identity');
        assert.equal((await introspect(emulator, again.json.token)).active, true);
      });

      test('in kv mode too; a user with no identity yet gets 204', async () => {
        const sub = newUser('kv-signout');
        const t = await call(ep.kv, { sub });
        assert.equal(t.status, 200, t.text);
        await sleep(5);
        assert.equal((await call(ep.kv, { method: 'DELETE', sub })).status, 204);
        assert.equal((await introspect(emulator, t.json.token)).reason, 'revoked');
        const before = (await emulatorStats(emulator)).identities;
        const never = await call(ep.plain, { method: 'DELETE', sub: newUser('never-signed-in') });
        assert.equal(never.status, 204, never.text);
        const neverKv = await call(ep.kv, { method: 'DELETE', sub: newUser('never-signed-in-kv') });
        assert.equal(neverKv.status, 204, neverKv.text);
        // The identity is looked up by its customId (in kv mode after a KV miss, since another
        // instance may have created it moments ago): the service makes it if it was not there.
        assert.equal((await emulatorStats(emulator)).identities - before, 2);
      });

      test('DELETE needs a valid app token (401), and the CORS preflight allows it', async () => {
        const none = await call(ep.plain, { method: 'DELETE' });
        assert.equal(none.status, 401);
        assert.equal(none.json.error.code, 'MissingToken');
        const bad = await call(ep.plain, { method: 'DELETE', bearer: signJwt({ alg: 'HS256' }, claimsFor('x'), 'another-secret-another-secret-0123') });
        assert.equal(bad.status, 401);
        assert.equal(bad.json.error.code, 'InvalidToken');
        const pre = await ep.kv.fetch('/token', {
          method: 'OPTIONS',
          headers: { origin: APP, 'access-control-request-method': 'DELETE', 'access-control-request-headers': 'authorization' },
        });
        assert.equal(pre.status, 204);
        assert.match(pre.headers.get('access-control-allow-methods'), /\bDELETE\b/);
        assert.equal(pre.headers.get('access-control-allow-origin'), APP);
        const cross = await call(ep.kv, { method: 'DELETE', sub: newUser('cors-signout'), headers: { origin: APP } });
        assert.equal(cross.status, 204);
        assert.equal(cross.headers.get('access-control-allow-origin'), APP);
      });
    });
  });
}
