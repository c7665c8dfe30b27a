// The token endpoint's identity mapping (customId and kv) and its behaviour when ACS fails, in
// workerd (Miniflare) with the emulator upstream.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_ENTRY,
  HS_SECRET,
  addFault,
  bundleWorker,
  call,
  claimsFor,
  cleanBundles,
  clearFaults,
  emulatorStats,
  introspect,
  prepareWorkerConsumer,
  signJwt,
  startEmulator,
  startWorker,
  startWorkers,
  workerOptions,
} from './helpers.mjs';

let consumer;
let emulator;
let script;
let mf;
let w;
const token = (sub) => signJwt({ alg: 'HS256', typ: 'JWT' }, claimsFor(sub), HS_SECRET);

before(async () => {
  consumer = prepareWorkerConsumer();
  script = await bundleWorker(consumer, 'mapping', DEFAULT_ENTRY);
  emulator = await startEmulator();
  const base = { ACS_CONNECTION_STRING: emulator.connectionString, AUTH_JWT_SECRET: HS_SECRET };
  ({ mf, workers: w } = await startWorkers({
    custom: workerOptions(script, base),
    kv: workerOptions(script, { ...base, IDENTITY_MAPPING: 'kv' }),
  }));
});

after(async () => {
  await clearFaults(emulator);
  await mf?.dispose();
  await emulator?.close();
  if (consumer) cleanBundles(consumer);
});

async function issued(target, sub, body) {
  const r = await call(target, { token: token(sub), body });
  assert.equal(r.status, 200, r.text);
  const info = await introspect(emulator, r.json.token);
  assert.equal(info.active, true, JSON.stringify(info));
  assert.equal(info.communicationUserId, r.json.user.communicationUserId);
  return r.json.user.communicationUserId;
}

describe('IDENTITY_MAPPING=customId (default)', () => {
  test('the same sub always gets the same identity; another sub another one', async () => {
    const a1 = await issued(w.custom, 'alice@example.test');
    const a2 = await issued(w.custom, 'alice@example.test');
    const b = await issued(w.custom, 'bob@example.test');
    assert.equal(a1, a2);
    assert.notEqual(a1, b);
  });

  test('across two Miniflare instances (no shared state but ACS)', async () => {
    const first = await issued(w.custom, 'carol@example.test');
    const other = await startWorker(script, { ACS_CONNECTION_STRING: emulator.connectionString, AUTH_JWT_SECRET: HS_SECRET });
    try {
      assert.equal(await issued(other, 'carol@example.test'), first);
    } finally {
      await other.mf.dispose();
    }
  });

  test('concurrent first requests of one user get one identity', async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, () => issued(w.custom, 'dave@example.test')));
    assert.equal(new Set(ids).size, 1);
  });
});

/**
 * The mapping key of an HS256 user: `{namespace}.hs256:{sub}`, the namespace being the first 12
 * hex digits of SHA-256 of the token's iss (these tokens have none: SHA-256 of "").
 */
const kvKey = (sub) => `e3b0c44298fc.hs256:${sub}`;

describe('IDENTITY_MAPPING=kv', () => {
  test('the same sub gets the same identity, stored in IDENTITY_KV', async () => {
    const e1 = await issued(w.kv, 'erin');
    const e2 = await issued(w.kv, 'erin', { scopes: ['chat'] });
    const f = await issued(w.kv, 'frank');
    assert.equal(e1, e2);
    assert.notEqual(e1, f);
    const kv = await mf.getKVNamespace('IDENTITY_KV', 'kv');
    assert.equal(await kv.get(kvKey('erin')), e1);
    assert.equal(await kv.get(kvKey('frank')), f);
  });

  test('concurrent first requests of one user create one identity', async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, () => issued(w.kv, 'grace')));
    assert.equal(new Set(ids).size, 1);
    const kv = await mf.getKVNamespace('IDENTITY_KV', 'kv');
    assert.equal(await kv.get(kvKey('grace')), ids[0]);
  });

  test('a stored identity that ACS no longer has is replaced', async () => {
    const kv = await mf.getKVNamespace('IDENTITY_KV', 'kv');
    const gone = `8:acs:${emulator.resourceId}_00000000-0000-0000-0000-000000000000`;
    await kv.put(kvKey('heidi'), gone);
    const id = await issued(w.kv, 'heidi');
    assert.notEqual(id, gone);
    assert.equal(await kv.get(kvKey('heidi')), id);
    assert.equal(await issued(w.kv, 'heidi'), id);
  });
});

/** The 502 reveals nothing of the upstream request. */
function assertSanitized502(r) {
  assert.equal(r.status, 502, r.text);
  assert.equal(r.json?.error?.code, 'UpstreamError');
  const leaks = [emulator.url, String(emulator.port), '127.0.0.1', emulator.accessKey, emulator.resourceId, '8:acs', 'identities', 'Fault', 'emulator', 'api-version'];
  for (const leak of leaks) assert.ok(!r.text.includes(leak), `the 502 reveals ${leak}: ${r.text}`);
}

describe('when ACS fails', () => {
  test('a 503 is retried and the caller gets a token', async () => {
    await clearFaults(emulator);
    const before = (await emulatorStats(emulator)).faultsInjected;
    await addFault(emulator, { status: 503, count: 1, path: '/identities', method: 'POST' });
    const id = await issued(w.custom, 'ivan');
    assert.match(id, /^8:acs:/);
    assert.equal((await emulatorStats(emulator)).faultsInjected - before, 1, 'the first attempt met the fault');
  });

  test('an error answer from ACS: 502 UpstreamError, sanitized', async () => {
    await clearFaults(emulator);
    await addFault(emulator, { status: 400, count: 2, path: '/identities' });
    assertSanitized502(await call(w.custom, { token: token('judy') }));
    assertSanitized502(await call(w.kv, { token: token('judy-kv') }));
    await clearFaults(emulator);
  });

  test('ACS down (connections dropped, after the retries): 502 UpstreamError, sanitized', async () => {
    await clearFaults(emulator);
    const before = (await emulatorStats(emulator)).faultsInjected;
    await addFault(emulator, { drop: true, path: '/identities' });
    try {
      assertSanitized502(await call(w.custom, { token: token('mallory') }));
      assert.equal((await emulatorStats(emulator)).faultsInjected - before, 4, 'one attempt and three retries');
    } finally {
      await clearFaults(emulator);
    }
    // And it recovers.
    assert.match(await issued(w.custom, 'mallory'), /^8:acs:/);
  });
});
