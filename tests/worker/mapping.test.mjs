// The token endpoint's identity mapping (customId and kv) and its behaviour when ACS fails, in
// every runtime (workerd, Node, Deno, Bun: tests/worker/runtimes.mjs) with the emulator upstream.
// IDENTITY_KV is Miniflare's KV namespace in workerd and an in-memory object with get/put elsewhere.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HS_SECRET, addFault, call, claimsFor, clearFaults, emulatorStats, introspect, signJwt, startEmulator } from './helpers.mjs';
import { ENDPOINT_RUNTIMES, startEndpoint, startEndpoints } from './runtimes.mjs';

let emulator;
const token = (sub) => signJwt({ alg: 'HS256', typ: 'JWT' }, claimsFor(sub), HS_SECRET);

before(async () => {
  emulator = await startEmulator();
});

after(async () => {
  await clearFaults(emulator);
  await emulator?.close();
});

async function issued(target, sub, body) {
  const r = await call(target, { token: token(sub), body });
  assert.equal(r.status, 200, r.text);
  const info = await introspect(emulator, r.json.token);
  assert.equal(info.active, true, JSON.stringify(info));
  assert.equal(info.communicationUserId, r.json.user.communicationUserId);
  return r.json.user.communicationUserId;
}

/** The 502 reveals nothing of the upstream request. */
function assertSanitized502(r) {
  assert.equal(r.status, 502, r.text);
  assert.equal(r.json?.error?.code, 'UpstreamError');
  const leaks = [emulator.url, String(emulator.port), '127.0.0.1', emulator.accessKey, emulator.resourceId, '8:acs', 'identities', 'Fault', 'emulator', 'api-version'];
  for (const leak of leaks) assert.ok(!r.text.includes(leak), `the 502 reveals ${leak}: ${r.text}`);
}

for (const runtime of ENDPOINT_RUNTIMES) describe(runtime, () => {
  // Users are named per runtime: the emulator (one for the file) keeps every identity.
  const u = (name) => `${name}-${runtime}`;
  /**
   * The mapping key of an HS256 user: `{namespace}.hs256:{sub}`, the namespace being the first 12
   * hex digits of SHA-256 of the token's iss (these tokens have none: SHA-256 of "").
   */
  const kvKey = (sub) => `e3b0c44298fc.hs256:${sub}`;
  let endpoints;
  let w;
  before(async () => {
    const base = { ACS_CONNECTION_STRING: emulator.connectionString, AUTH_JWT_SECRET: HS_SECRET };
    endpoints = await startEndpoints(runtime, {
      custom: { bindings: base },
      kv: { bindings: { ...base, IDENTITY_MAPPING: 'kv' } },
    });
    w = endpoints.endpoints;
  });
  after(() => endpoints?.close());

  describe('IDENTITY_MAPPING=customId (default)', () => {
    test('the same sub always gets the same identity; another sub another one', async () => {
      const a1 = await issued(w.custom, u('alice@example.test'));
      const a2 = await issued(w.custom, u('alice@example.test'));
      const b = await issued(w.custom, u('bob@example.test'));
      assert.equal(a1, a2);
      assert.notEqual(a1, b);
    });

    test('across two instances of the runtime (no shared state but ACS)', async () => {
      const first = await issued(w.custom, u('carol@example.test'));
      const other = await startEndpoint(runtime, { bindings: { ACS_CONNECTION_STRING: emulator.connectionString, AUTH_JWT_SECRET: HS_SECRET } });
      try {
        assert.equal(await issued(other, u('carol@example.test')), first);
      } finally {
        await other.close();
      }
    });

    test('concurrent first requests of one user get one identity', async () => {
      const ids = await Promise.all(Array.from({ length: 6 }, () => issued(w.custom, u('dave@example.test'))));
      assert.equal(new Set(ids).size, 1);
    });
  });

  describe('IDENTITY_MAPPING=kv', () => {
    test('the same sub gets the same identity, stored in IDENTITY_KV', async () => {
      const e1 = await issued(w.kv, u('erin'));
      const e2 = await issued(w.kv, u('erin'), { scopes: ['chat'] });
      const f = await issued(w.kv, u('frank'));
      assert.equal(e1, e2);
      assert.notEqual(e1, f);
      const kv = w.kv.kv;
      assert.equal(await kv.get(kvKey(u('erin'))), e1);
      assert.equal(await kv.get(kvKey(u('frank'))), f);
    });

    test('concurrent first requests of one user create one identity', async () => {
      const ids = await Promise.all(Array.from({ length: 6 }, () => issued(w.kv, u('grace'))));
      assert.equal(new Set(ids).size, 1);
      const kv = w.kv.kv;
      assert.equal(await kv.get(kvKey(u('grace'))), ids[0]);
    });

    test('a stored identity that ACS no longer has is replaced', async () => {
      const kv = w.kv.kv;
      const gone = `8:acs:${emulator.resourceId}_00000000-0000-0000-0000-000000000000`;
      await kv.put(kvKey(u('heidi')), gone);
      const id = await issued(w.kv, u('heidi'));
      assert.notEqual(id, gone);
      assert.equal(await kv.get(kvKey(u('heidi'))), id);
      assert.equal(await issued(w.kv, u('heidi')), id);
    });

    // The service answers 401 IdentityNotOwned for an identity of another resource (recorded in
    // tests/conformance/cases/js/error-issue-token-user-of-another-resource.json): after the
    // connection string moved to another resource, the stored identity is replaced too.
    test('a stored identity of another ACS resource is replaced', async () => {
      const kv = w.kv.kv;
      const foreign = '8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081';
      await kv.put(kvKey(u('ivan-kv')), foreign);
      const id = await issued(w.kv, u('ivan-kv'));
      assert.notEqual(id, foreign);
      assert.ok(id.startsWith(`8:acs:${emulator.resourceId}_`), id);
      assert.equal(await kv.get(kvKey(u('ivan-kv'))), id);
    });
  });

  describe('when ACS fails', () => {
    test('a 503 is retried and the caller gets a token', async () => {
      await clearFaults(emulator);
      const before = (await emulatorStats(emulator)).faultsInjected;
      await addFault(emulator, { status: 503, count: 1, path: '/identities', method: 'POST' });
      const id = await issued(w.custom, u('ivan'));
      assert.match(id, /^8:acs:/);
      assert.equal((await emulatorStats(emulator)).faultsInjected - before, 1, 'the first attempt met the fault');
    });

    test('an error answer from ACS: 502 UpstreamError, sanitized', async () => {
      await clearFaults(emulator);
      await addFault(emulator, { status: 400, count: 2, path: '/identities' });
      assertSanitized502(await call(w.custom, { token: token(u('judy')) }));
      assertSanitized502(await call(w.kv, { token: token(u('judy-kv')) }));
      await clearFaults(emulator);
    });

    test('ACS down (connections dropped, after the retries): 502 UpstreamError, sanitized', async () => {
      await clearFaults(emulator);
      const before = (await emulatorStats(emulator)).faultsInjected;
      await addFault(emulator, { drop: true, path: '/identities' });
      try {
        assertSanitized502(await call(w.custom, { token: token(u('mallory')) }));
        const hits = (await emulatorStats(emulator)).faultsInjected - before;
        if (runtime === 'deno') {
          // Deno's fetch itself sends a request once more when a reused keep-alive connection is
          // closed under it, so each of the four attempts reaches the emulator once or twice.
          assert.ok(hits >= 4 && hits <= 8, `one attempt and three retries, each sent once or twice (${hits})`);
        } else {
          assert.equal(hits, 4, 'one attempt and three retries');
        }
      } finally {
        await clearFaults(emulator);
      }
      // And it recovers.
      assert.match(await issued(w.custom, u('mallory')), /^8:acs:/);
    });
  });
});
