import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { startEmulator } from '../../emulator/server.mjs';
import { call, emuRoute, rawRequest } from './helpers.mjs';

describe('fault injection disabled', () => {
  test('the /emulator/faults routes do not exist', async () => {
    const emu = await startEmulator();
    try {
      for (const method of ['GET', 'POST', 'DELETE']) {
        const r = await emuRoute(emu, method, '/emulator/faults', method === 'POST' ? { status: 503 } : undefined);
        assert.equal(r.status, 404, method);
      }
      assert.equal((await call(emu, 'POST', '/identities')).status, 201);
    } finally {
      await emu.close();
    }
  });
});

describe('fault injection enabled', () => {
  /** @type {Awaited<ReturnType<typeof startEmulator>>} */
  let emu;
  before(async () => {
    emu = await startEmulator({ faults: true });
  });
  after(() => emu.close());
  afterEach(async () => {
    assert.equal((await emuRoute(emu, 'DELETE', '/emulator/faults')).status, 204);
  });

  const addFault = async (spec) => {
    const r = await emuRoute(emu, 'POST', '/emulator/faults', spec);
    assert.equal(r.status, 201, r.text);
    return r.json;
  };

  test('429 with Retry-After for count requests, then normal service', async () => {
    const rule = await addFault({ status: 429, retryAfter: 1, count: 2 });
    assert.equal(typeof rule.id, 'number');
    for (let i = 0; i < 2; i++) {
      const r = await call(emu, 'POST', '/identities');
      assert.equal(r.status, 429);
      assert.equal(r.headers['retry-after'], '1');
      assert.equal(r.json.error.code, 'TooManyRequests');
      assert.ok(r.headers['ms-cv']);
    }
    assert.equal((await call(emu, 'POST', '/identities')).status, 201);
  });

  test('retryAfterMs sets retry-after-ms and x-ms-retry-after-ms', async () => {
    await addFault({ status: 429, retryAfterMs: 200, count: 1 });
    const r = await call(emu, 'POST', '/identities');
    assert.equal(r.status, 429);
    assert.equal(r.headers['retry-after-ms'], '200');
    assert.equal(r.headers['x-ms-retry-after-ms'], '200');
    assert.equal(r.headers['retry-after'], '1');
  });

  test('503 ServiceUnavailable', async () => {
    await addFault({ status: 503, count: 1, retryAfter: 2 });
    const r = await call(emu, 'POST', '/identities');
    assert.equal(r.status, 503);
    assert.equal(r.json.error.code, 'ServiceUnavailable');
    assert.equal(r.headers['retry-after'], '2');
    assert.equal((await call(emu, 'POST', '/identities')).status, 201);
  });

  test('delay stalls the request and then serves it normally', async () => {
    await addFault({ delayMs: 400, count: 1 });
    const t0 = Date.now();
    const r = await call(emu, 'POST', '/identities');
    assert.equal(r.status, 201);
    assert.ok(Date.now() - t0 >= 380, `took ${Date.now() - t0} ms`);
    const t1 = Date.now();
    await call(emu, 'POST', '/identities');
    assert.ok(Date.now() - t1 < 300);
  });

  test('delay + status', async () => {
    await addFault({ delayMs: 200, status: 500, count: 1 });
    const t0 = Date.now();
    const r = await call(emu, 'POST', '/identities');
    assert.equal(r.status, 500);
    assert.ok(Date.now() - t0 >= 180);
  });

  test('drop destroys the connection without an answer', async () => {
    await addFault({ drop: true, count: 1 });
    await assert.rejects(call(emu, 'POST', '/identities'), (e) => ['ECONNRESET', 'EPIPE'].includes(e.code) || /socket hang up/.test(e.message));
    assert.equal((await call(emu, 'POST', '/identities')).status, 201);
  });

  test('the path filter limits a fault to matching requests', async () => {
    await addFault({ status: 503, path: ':issueAccessToken' });
    const c = await call(emu, 'POST', '/identities');
    assert.equal(c.status, 201);
    const id = c.json.identity.id;
    const r = await call(emu, 'POST', `/identities/${encodeURIComponent(id)}/:issueAccessToken`, { json: { scopes: ['chat'] } });
    assert.equal(r.status, 503);
  });

  test('probability applies to a fraction of requests; without count it persists', async () => {
    await addFault({ probability: 0.5, status: 503 });
    const statuses = [];
    for (let i = 0; i < 60; i++) statuses.push((await call(emu, 'POST', '/identities')).status);
    const failed = statuses.filter((s) => s === 503).length;
    assert.ok(failed > 5 && failed < 55, `${failed} of 60 failed`);
    assert.equal(statuses.filter((s) => s !== 503 && s !== 201).length, 0);
  });

  test('faults never apply to /emulator/ routes', async () => {
    await addFault({ status: 503 });
    assert.equal((await rawRequest(emu.url, 'GET', '/emulator/health')).status, 200);
    assert.equal((await call(emu, 'POST', '/identities')).status, 503);
  });

  test('GET lists rules with their remaining count; DELETE clears', async () => {
    await addFault({ status: 503, count: 3 });
    await addFault({ delayMs: 10 });
    await call(emu, 'POST', '/identities');
    const list = (await emuRoute(emu, 'GET', '/emulator/faults')).json.faults;
    assert.equal(list.length, 2);
    assert.equal(list[0].count, 2);
    assert.equal((await emuRoute(emu, 'DELETE', '/emulator/faults')).status, 204);
    assert.deepEqual((await emuRoute(emu, 'GET', '/emulator/faults')).json.faults, []);
    assert.equal((await call(emu, 'POST', '/identities')).status, 201);
  });

  test('bad fault specs → 400', async () => {
    for (const spec of [{}, { status: 200 }, { status: 503, count: 0 }, { drop: true, status: 503 }, { probability: 2, status: 503 }, { status: 503, bogus: 1 }, { retryAfter: 1 }]) {
      const r = await emuRoute(emu, 'POST', '/emulator/faults', spec);
      assert.equal(r.status, 400, JSON.stringify(spec));
      assert.equal(r.json.error.code, 'ValidationError');
    }
  });

  test('stats count injected faults and requests per route', async () => {
    const s1 = (await rawRequest(emu.url, 'GET', '/emulator/stats')).json;
    await addFault({ status: 503, count: 1 });
    await call(emu, 'POST', '/identities');
    const s2 = (await rawRequest(emu.url, 'GET', '/emulator/stats')).json;
    assert.equal(s2.faultsInjected, s1.faultsInjected + 1);
    assert.equal(s2.requests, s1.requests + 1);
    assert.equal(s2.byStatus['503'], (s1.byStatus['503'] ?? 0) + 1);
  });
});
