import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startEmulator } from '../../emulator/server.mjs';
import { V, call, createUser, enc } from './helpers.mjs';
import { signRequest } from './sign.mjs';

/** @type {Awaited<ReturnType<typeof startEmulator>>} */
let emu;
let id;
before(async () => {
  emu = await startEmulator();
  id = await createUser(emu, V.PREVIEW);
});
after(() => emu.close());

const issuePath = () => `/identities/${enc(id)}/:issueAccessToken`;
const assertValidation = (r, target, messageRe) => {
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.error.code, 'ValidationError');
  assert.equal(r.json.error.target, target);
  if (messageRe) assert.match(r.json.error.message, messageRe);
};

describe('expiresInMinutes', () => {
  for (const value of [59, 1441, 0, -60]) {
    test(`${value} → 400 with the service's exact body (issue and create)`, async () => {
      const expected = {
        error: {
          code: 'ValidationError',
          message: `ExpiresInMinutes value ${value} is invalid. Value must be within the [60, 1440] interval.`,
          target: 'ExpiresInMinutes',
        },
      };
      const i = await call(emu, 'POST', issuePath(), { json: { scopes: ['chat'], expiresInMinutes: value } });
      assert.equal(i.status, 400);
      assert.deepEqual(i.json, expected);
      const c = await call(emu, 'POST', '/identities', { json: { createTokenWithScopes: ['chat'], expiresInMinutes: value } });
      assert.equal(c.status, 400);
      assert.deepEqual(c.json, expected);
    });
  }

  test('non-integers → 400 ValidationError on ExpiresInMinutes', async () => {
    for (const value of ['60', 60.5, true, [60], { m: 60 }, 1e12]) {
      const r = await call(emu, 'POST', issuePath(), { json: { scopes: ['chat'], expiresInMinutes: value } });
      assertValidation(r, 'ExpiresInMinutes', /could not be converted/);
    }
  });
});

describe('scopes', () => {
  test('missing scopes → 400 Scopes required', async () => {
    for (const json of [{}, { scopes: null }, { expiresInMinutes: 60 }]) {
      const r = await call(emu, 'POST', issuePath(), { json });
      assert.equal(r.status, 400);
      assert.deepEqual(r.json, { error: { code: 'ValidationError', message: 'Scopes: The Scopes field is required.', target: 'Scopes' } });
    }
  });

  test('empty, non-array, non-string and unknown scopes → 400', async () => {
    assertValidation(await call(emu, 'POST', issuePath(), { json: { scopes: [] } }), 'scopes', /^Invalid scopes - Scopes field is required\.$/);
    assertValidation(await call(emu, 'POST', issuePath(), { json: { scopes: 'chat' } }), 'scopes', /array/);
    assertValidation(await call(emu, 'POST', issuePath(), { json: { scopes: [1] } }), 'scopes', /array of scope strings/);
    assertValidation(await call(emu, 'POST', issuePath(), { json: { scopes: ['chat', 'admin'] } }), 'scopes', /Scope 'admin' is not valid/);
    assertValidation(await call(emu, 'POST', issuePath(), { json: { scopes: ['Chat'] } }), 'scopes', /Scope 'Chat'/);
    assertValidation(await call(emu, 'POST', issuePath(), { json: { scopes: [''] } }), 'scopes');
    assertValidation(
      await call(emu, 'POST', '/identities', { json: { createTokenWithScopes: ['voip', 'pstn'] } }),
      'createTokenWithScopes',
      /Scope 'pstn'/,
    );
    assertValidation(await call(emu, 'POST', '/identities', { json: { createTokenWithScopes: 'chat' } }), 'createTokenWithScopes');
  });

  test('validation comes before the identity lookup', async () => {
    const r = await call(emu, 'POST', `/identities/${enc('8:acs:nope')}/:issueAccessToken`, { json: { scopes: [] } });
    assert.equal(r.status, 400);
  });
});

describe('request bodies', () => {
  test('malformed JSON → 400 ValidationError target body', async () => {
    for (const body of ['{', '{"scopes":["chat"]', "{'scopes':['chat']}", 'nul']) {
      assertValidation(await call(emu, 'POST', issuePath(), { body }), 'body', /not valid JSON/);
    }
  });

  test('non-object JSON bodies → 400', async () => {
    for (const body of ['[]', '"x"', '42', 'null']) {
      assertValidation(await call(emu, 'POST', issuePath(), { body }), 'body', /JSON object/);
      assertValidation(await call(emu, 'POST', '/identities', { body }), 'body', /JSON object/);
    }
  });

  test('invalid UTF-8 → 400', async () => {
    const body = Buffer.concat([Buffer.from('{"scopes":["chat'), Buffer.from([0xc3, 0x28]), Buffer.from('"]}')]);
    assertValidation(await call(emu, 'POST', issuePath(), { body }), 'body', /UTF-8/);
  });

  test('a UTF-8 BOM is tolerated', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"scopes":["chat"]}')]);
    assert.equal((await call(emu, 'POST', issuePath(), { body })).status, 200);
  });

  test('empty body where one is required → 400', async () => {
    assertValidation(await call(emu, 'POST', issuePath()), 'body', /non-empty request body/);
  });

  test('unknown fields → 400 naming them', async () => {
    assertValidation(await call(emu, 'POST', issuePath(), { json: { scopes: ['chat'], scope: 'x' } }), 'scope', /'scope' is not a known field/);
    assertValidation(await call(emu, 'POST', '/identities', { json: { createTokenWithScope: ['chat'] } }), 'createTokenWithScope');
  });

  test('a body without a JSON content type → 415', async () => {
    const r = await call(emu, 'POST', issuePath(), { json: { scopes: ['chat'] }, headers: { 'content-type': 'text/plain' } });
    assert.equal(r.status, 415);
    assert.equal(r.json.error.code, 'UnsupportedMediaType');
    const ok = await call(emu, 'POST', issuePath(), { json: { scopes: ['chat'] }, headers: { 'content-type': 'application/json; charset=utf-8' } });
    assert.equal(ok.status, 200);
  });

  test('customId must be 1..256 characters', async () => {
    const c = (customId) => call(emu, 'POST', '/identities', { apiVersion: V.PREVIEW, json: { customId } });
    for (const bad of ['', 'x'.repeat(257), 42, ['a']]) {
      assertValidation(await c(bad), 'customId', /CustomId/);
    }
    assert.equal((await c('x'.repeat(256))).status, 201);
    assert.equal((await c('é')).status, 201);
  });
});

describe('413 on bodies over 64 KiB', () => {
  const big = JSON.stringify({ scopes: ['chat'], pad: 'x'.repeat(70 * 1024) });

  test('declared by Content-Length → 413 before reading', async () => {
    const r = await call(emu, 'POST', issuePath(), { body: big });
    assert.equal(r.status, 413);
    assert.equal(r.json.error.code, 'RequestEntityTooLarge');
    assert.equal(r.headers.connection, 'close');
  });

  test('chunked upload → 413 once the limit is crossed', async () => {
    const r = await call(emu, 'POST', issuePath(), { body: big, chunked: true });
    assert.equal(r.status, 413);
  });

  test('a huge declared body is refused without being read', async () => {
    const url = new URL(emu.url);
    const path = `${issuePath()}?api-version=${V.JOIN}`;
    const headers = signRequest({ method: 'POST', pathAndQuery: path, host: url.host, accessKey: emu.accessKey, body: '' });
    const text = await new Promise((resolve, reject) => {
      const socket = net.connect(Number(url.port), url.hostname, () => {
        socket.write(
          `POST ${path} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\n` +
            Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') +
            '\r\n{"scopes":',
        );
      });
      let out = '';
      socket.on('data', (d) => (out += d));
      socket.on('close', () => resolve(out));
      socket.on('error', reject);
    });
    assert.match(text, /^HTTP\/1\.1 413 /);
  });

  test('exactly 64 KiB is accepted', async () => {
    const head = '{"scopes":["chat"]';
    const body = head + ' '.repeat(64 * 1024 - head.length - 1) + '}';
    assert.equal(Buffer.byteLength(body), 64 * 1024);
    assert.equal((await call(emu, 'POST', issuePath(), { body })).status, 200);
    assert.equal((await call(emu, 'POST', issuePath(), { body, chunked: true })).status, 200);
  });

  test('the emulator still serves after 413s', async () => {
    assert.equal((await call(emu, 'POST', '/identities')).status, 201);
  });
});
