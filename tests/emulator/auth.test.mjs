import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { computeContentHash, computeSignature, verifyHmacRequest } from '../../emulator/auth.mjs';
import { startEmulator } from '../../emulator/server.mjs';
import { V, call, createUser, enc, rawRequest } from './helpers.mjs';
import { EMPTY_CONTENT_HASH, contentHash, hmac, httpDate, signRequest } from './sign.mjs';

const VECTOR_DATE = 'Wed, 13 Apr 2022 18:09:12 GMT';
const VECTOR_SIGNATURE = 'DGdgwggJWnQyc6EHjR/Vbqg1ES64KpD6U2XwTDDj3tU=';
const VECTOR_AUTH = `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${VECTOR_SIGNATURE}`;
const vectorRequest = (overrides = {}) => ({
  method: 'GET',
  url: '/testPath?testQuery=test',
  headers: {
    host: 'example.com',
    'x-ms-date': VECTOR_DATE,
    'x-ms-content-sha256': EMPTY_CONTENT_HASH,
    authorization: VECTOR_AUTH,
  },
  body: Buffer.alloc(0),
  accessKey: 'pw==',
  now: Date.parse(VECTOR_DATE),
  ...overrides,
});

describe('public test vectors (§4)', () => {
  test('the test signer reproduces the JS SDK vectors', () => {
    assert.equal(contentHash('banana'), 'tJPUg2Sv5E0RwBZc9HCkFk0eJgmRHvmYvoaNRq3j3k4=');
    assert.equal(hmac('pw==', 'banana'), '88EC05aAS9iXnaimtNO78JLjiPtfWryQB/5QYEzEsu8=');
    assert.equal(contentHash(''), EMPTY_CONTENT_HASH);
    assert.equal(contentHash('{"scopes":["chat"],"expiresInMinutes":60}'), 'E55T2AR1et0dXg9viVUjwxjce4gxp+nmLcQffc3NPsA=');
    const h = signRequest({ method: 'GET', pathAndQuery: '/testPath?testQuery=test', host: 'example.com', accessKey: 'pw==', date: VECTOR_DATE });
    assert.equal(h.authorization, VECTOR_AUTH);
  });

  test("the emulator's primitives reproduce the vectors", () => {
    assert.equal(computeContentHash('banana'), 'tJPUg2Sv5E0RwBZc9HCkFk0eJgmRHvmYvoaNRq3j3k4=');
    assert.equal(computeSignature('pw==', 'banana'), '88EC05aAS9iXnaimtNO78JLjiPtfWryQB/5QYEzEsu8=');
    assert.equal(computeContentHash(Buffer.from('{"scopes":["chat"],"expiresInMinutes":60}')), 'E55T2AR1et0dXg9viVUjwxjce4gxp+nmLcQffc3NPsA=');
  });

  test("the emulator's verifier accepts the JS SDK request vector", () => {
    assert.deepEqual(verifyHmacRequest(vectorRequest()), { ok: true, signedHeaders: 'x-ms-date;host;x-ms-content-sha256' });
  });

  test('the verifier rejects the vector with another key, path, host or method', () => {
    for (const o of [
      { accessKey: 'cHc=' },
      { url: '/testPath?testQuery=other' },
      { method: 'POST' },
      { headers: { ...vectorRequest().headers, host: 'example.org' } },
    ]) {
      const r = verifyHmacRequest(vectorRequest(o));
      assert.equal(r.ok, false, JSON.stringify(o));
      assert.equal(r.status, 401);
      assert.match(r.message, /signature does not match/);
      assert.ok(!r.message.includes(VECTOR_SIGNATURE));
    }
  });

  test('the verifier enforces the 15-minute clock skew both ways', () => {
    const t = Date.parse(VECTOR_DATE);
    assert.equal(verifyHmacRequest(vectorRequest({ now: t + 14 * 60_000 })).ok, true);
    assert.equal(verifyHmacRequest(vectorRequest({ now: t - 14 * 60_000 })).ok, true);
    const late = verifyHmacRequest(vectorRequest({ now: t + 16 * 60_000 }));
    assert.equal(late.ok, false);
    assert.match(late.message, /clock skew of 15 minutes/);
    assert.equal(verifyHmacRequest(vectorRequest({ now: t - 16 * 60_000 })).ok, false);
  });

  test('the verifier checks the body against x-ms-content-sha256', () => {
    const r = verifyHmacRequest(vectorRequest({ body: Buffer.from('x') }));
    assert.deepEqual(r, {
      ok: false,
      status: 401,
      code: 'Denied',
      message: "Request 'x-ms-content-sha256' differs from generated content hash.",
    });
  });
});

describe('HMAC authentication over HTTP', () => {
  /** @type {Awaited<ReturnType<typeof startEmulator>>} */
  let emu;
  let host;
  before(async () => {
    emu = await startEmulator();
    host = new URL(emu.url).host;
  });
  after(() => emu.close());

  const assertDenied = (r, messageRe) => {
    assert.equal(r.status, 401, r.text);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.json.error.code, 'Denied');
    assert.match(r.json.error.message, messageRe);
    assert.ok(!r.text.includes(emu.accessKey), 'never reveals the key');
  };

  test('a correctly signed request is accepted', async () => {
    const r = await call(emu, 'POST', '/identities');
    assert.equal(r.status, 201, r.text);
  });

  test('a wrong key → 401 without revealing the expected signature', async () => {
    const wrongKey = Buffer.alloc(32, 7).toString('base64');
    const date = httpDate();
    const r = await call(emu, 'POST', '/identities', { key: wrongKey, date });
    assertDenied(r, /signature does not match/);
    const expected = hmac(emu.accessKey, `POST\n/identities?api-version=${V.JOIN}\n${date};${host};${EMPTY_CONTENT_HASH}`);
    assert.ok(!r.text.includes(expected), 'never reveals the expected signature');
    assert.equal(r.headers['www-authenticate'], 'HMAC-SHA256');
  });

  test('a signature over another method or path → 401', async () => {
    assertDenied(await call(emu, 'POST', '/identities', { signedMethod: 'GET' }), /signature does not match/);
    assertDenied(
      await call(emu, 'POST', '/identities', { signedPath: `/identities?api-version=${V.GA1}` }),
      /signature does not match/,
    );
  });

  test('body differing from x-ms-content-sha256 → 401 with the service body', async () => {
    const r = await call(emu, 'POST', '/identities', { json: { createTokenWithScopes: ['chat'] }, hash: contentHash('{}') });
    assert.equal(r.status, 401);
    assert.deepEqual(r.json, {
      error: { code: 'Denied', message: "Request 'x-ms-content-sha256' differs from generated content hash." },
    });
  });

  test('a body tampered after signing → 401 content hash', async () => {
    const signedBody = JSON.stringify({ createTokenWithScopes: ['chat'] });
    const headers = signRequest({ method: 'POST', pathAndQuery: `/identities?api-version=${V.JOIN}`, host, accessKey: emu.accessKey, body: signedBody });
    const r = await rawRequest(emu.url, 'POST', `/identities?api-version=${V.JOIN}`, {
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ createTokenWithScopes: ['voip'] }),
    });
    assertDenied(r, /differs from generated content hash/);
  });

  test('stale and future x-ms-date → 401; 14 minutes old is accepted', async () => {
    assertDenied(await call(emu, 'POST', '/identities', { date: httpDate(Date.now() - 20 * 60_000) }), /clock skew/);
    assertDenied(await call(emu, 'POST', '/identities', { date: httpDate(Date.now() + 20 * 60_000) }), /clock skew/);
    assert.equal((await call(emu, 'POST', '/identities', { date: httpDate(Date.now() - 14 * 60_000) })).status, 201);
  });

  test('malformed x-ms-date → 401', async () => {
    assertDenied(await call(emu, 'POST', '/identities', { date: new Date().toISOString() }), /not an RFC 1123 date/);
    assertDenied(await call(emu, 'POST', '/identities', { date: 'Mon, 13 Apr 2022 18:09:12 GMT' }), /not an RFC 1123 date/);
  });

  test('missing Authorization → 401 naming it', async () => {
    assertDenied(await call(emu, 'POST', '/identities', { unsigned: true }), /no 'Authorization' header/);
  });

  test('Bearer tokens are rejected: HMAC only', async () => {
    const r = await call(emu, 'POST', '/identities', { unsigned: true, headers: { authorization: 'Bearer eyJhbGciOi.x.y' } });
    assertDenied(r, /HMAC-SHA256 access-key authentication only/);
  });

  test('malformed Authorization headers → 401', async () => {
    for (const authorization of [
      'HMAC-SHA256',
      'HMAC-SHA256 garbage',
      'Basic dXNlcjpwYXNz',
      'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256',
      'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=short',
    ]) {
      const r = await call(emu, 'POST', '/identities', { headers: { authorization } });
      assert.equal(r.status, 401, authorization);
      assert.match(r.json.error.message, /Malformed 'Authorization' header/, authorization);
    }
  });

  test('unsupported SignedHeaders → 401', async () => {
    const h = signRequest({ method: 'POST', pathAndQuery: `/identities?api-version=${V.JOIN}`, host, accessKey: emu.accessKey });
    const authorization = h.authorization.replace('x-ms-date;host;x-ms-content-sha256', 'host;x-ms-date;x-ms-content-sha256');
    assertDenied(await call(emu, 'POST', '/identities', { headers: { authorization } }), /Unsupported SignedHeaders/);
  });

  test('missing x-ms-content-sha256 → 401', async () => {
    const r = await call(emu, 'POST', '/identities', { headers: { 'x-ms-content-sha256': '' } });
    assertDenied(r, /no 'x-ms-content-sha256' header/);
  });

  test('quirk: signed host without the port (Java) is accepted', async () => {
    assert.equal((await call(emu, 'POST', '/identities', { signedHost: '127.0.0.1' })).status, 201);
  });

  test('quirk: signed host:port:port is accepted', async () => {
    assert.equal((await call(emu, 'POST', '/identities', { signedHost: `127.0.0.1:${emu.port}:${emu.port}` })).status, 201);
  });

  test('a signed host other than the Host header → 401', async () => {
    assertDenied(await call(emu, 'POST', '/identities', { signedHost: `example.com:${emu.port}` }), /Host header/);
    assertDenied(await call(emu, 'POST', '/identities', { signedHost: `127.0.0.1:${emu.port + 1}` }), /signature does not match/);
  });

  test('quirk: the percent-decoded path is accepted', async () => {
    const id = await createUser(emu);
    const path = `/identities/${enc(id)}/:issueAccessToken?api-version=${V.JOIN}`;
    const decoded = `/identities/${id}/:issueAccessToken?api-version=${V.JOIN}`;
    assert.notEqual(path, decoded);
    const r = await call(emu, 'POST', `/identities/${enc(id)}/:issueAccessToken`, { json: { scopes: ['chat'] }, signedPath: decoded });
    assert.equal(r.status, 200, r.text);
  });

  test("quirk: old Java's 'date' header (SignedHeaders=date;host;x-ms-content-sha256)", async () => {
    const r = await call(emu, 'POST', '/identities', { dateHeader: 'date' });
    assert.equal(r.status, 201, r.text);
    const stale = await call(emu, 'POST', '/identities', { dateHeader: 'date', date: httpDate(Date.now() - 3600_000) });
    assertDenied(stale, /'date' header .* clock skew/);
  });

  test('the signature covers the exact query string', async () => {
    assertDenied(
      await call(emu, 'POST', '/identities', { signedPath: `/identities?api-version=${V.JOIN}&x=1` }),
      /signature does not match/,
    );
  });

  test('/emulator/ routes need no authentication', async () => {
    const r = await rawRequest(emu.url, 'GET', '/emulator/health');
    assert.equal(r.status, 200);
    assert.equal(r.json.status, 'ok');
  });
});
