// The cases every runtime runs (Node, Deno, Bun, workerd, Chromium) against the built package,
// imported by name. Add a case here once and it runs everywhere. Cases that need the emulator
// declare `needs: ['emulator']` and get `ctx.emulator = { connectionString, endpoint, url }`.
import { assert } from './harness.mjs';
import { clientCases } from './client-cases.mjs';
import { main as quickstart } from './quickstart.mjs';

const VECTOR = {
  url: 'https://example.com/testPath?testQuery=test',
  date: 'Wed, 13 Apr 2022 18:09:12 GMT',
  authorization:
    'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=DGdgwggJWnQyc6EHjR/Vbqg1ES64KpD6U2XwTDDj3tU=',
};
const EMPTY_HASH = '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';
const SECRET_KEY = 'c2VjcmV0LWFjY2Vzcy1rZXktZG8tbm90LWxlYWs='; // "secret-access-key-do-not-leak"

export const signingCases = [
  {
    name: 'signRequest gives the public Authorization vector (§4)',
    run(lib) {
      const h = lib.signRequest({ method: 'GET', url: VECTOR.url, accessKey: 'pw==', date: VECTOR.date });
      assert.equal(h.authorization, VECTOR.authorization);
      assert.equal(h['x-ms-date'], VECTOR.date);
      assert.equal(h['x-ms-content-sha256'], EMPTY_HASH, 'empty-body hash');
      assert.deepEqual(Object.keys(h).sort(), ['authorization', 'x-ms-content-sha256', 'x-ms-date']);
    },
  },
  {
    name: 'signRequest accepts the date as Date, milliseconds or RFC 1123, and a connection string',
    run(lib) {
      const ms = Date.UTC(2022, 3, 13, 18, 9, 12);
      for (const date of [new Date(ms), ms, VECTOR.date]) {
        const h = lib.signRequest({ method: 'get', url: VECTOR.url, accessKey: 'pw==', date });
        assert.equal(h.authorization, VECTOR.authorization, `date ${String(date)}`);
      }
      const cs = 'endpoint=https://example.com/;accesskey=pw==';
      const h = lib.signRequest({ method: 'GET', url: VECTOR.url, connectionString: cs, date: ms });
      assert.equal(h.authorization, VECTOR.authorization);
      const now = lib.signRequest({ method: 'GET', url: VECTOR.url, accessKey: 'pw==' });
      assert.ok(Math.abs(Date.parse(now['x-ms-date']) - Date.now()) < 5000, 'absent date means now');
    },
  },
  {
    name: 'signRequest hashes string and byte bodies the same (§4 body vector)',
    run(lib) {
      const body = '{"scopes":["chat"],"expiresInMinutes":60}';
      const opts = { method: 'POST', url: VECTOR.url, accessKey: 'pw==', date: VECTOR.date };
      const a = lib.signRequest({ ...opts, body });
      const b = lib.signRequest({ ...opts, body: new TextEncoder().encode(body) });
      assert.equal(a['x-ms-content-sha256'], 'E55T2AR1et0dXg9viVUjwxjce4gxp+nmLcQffc3NPsA=');
      assert.deepEqual(a, b);
      const c = lib.signRequest({ ...opts, body: new TextEncoder().encode('banana').buffer });
      assert.equal(c['x-ms-content-sha256'], 'tJPUg2Sv5E0RwBZc9HCkFk0eJgmRHvmYvoaNRq3j3k4=');
    },
  },
  {
    name: 'a bad access key throws AcsIdentityError InvalidAccessKey without echoing it',
    run(lib) {
      for (const accessKey of ['not base64!', '', `${SECRET_KEY}!`]) {
        const e = assert.throwsCode(lib, () => lib.signRequest({ method: 'GET', url: VECTOR.url, accessKey }), 'InvalidAccessKey');
        assert.ok(!e.message.includes(SECRET_KEY), 'the key is not in the message');
        assert.equal(e.name, 'AcsIdentityError');
      }
    },
  },
  {
    name: 'a bad URL throws AcsIdentityError InvalidUrl',
    run(lib) {
      // The last three would be rewritten by fetch before sending, so a signature over them would not match.
      for (const url of ['example.com/path', 'ftp://example.com/', 'https://user:pw@example.com/', 'https://exa mple.com/', 'https://x/a/../b', 'https://x/caf\u00e9', 'https://x/a{b}']) {
        assert.throwsCode(lib, () => lib.signRequest({ method: 'GET', url, accessKey: 'pw==' }), 'InvalidUrl', url);
      }
    },
  },
  {
    name: "signRequest refuses hosts this runtime's URL parser (so fetch) would rewrite, and signs the others as sent",
    run(lib) {
      // Numeric hosts that are not four decimal numbers, IPv4 with a trailing dot, IPv6 not in canonical form.
      for (const host of ['1.2.3', '0x7f.0.0.1', '0177.0.0.1', '2130706433', '127.0.0.1.', '[0:0:0:0:0:0:0:1]', '[::ffff:1.2.3.4]']) {
        const url = `https://${host}/identities`;
        assert.ok(new URL(url).host !== host, `this runtime rewrites ${host} (to ${new URL(url).host})`);
        const e = assert.throwsCode(lib, () => lib.signRequest({ method: 'GET', url, accessKey: 'pw==' }), 'InvalidUrl', url);
        assert.ok(e.message.includes(host), `the message names the host: ${e.message}`);
      }
      // A non-ASCII name is sent in punycode: refused, asking for the xn-- form.
      const idn = 'https://caf\u00e9.example/identities';
      assert.equal(new URL(idn).host, 'xn--caf-dma.example', 'this runtime sends the name in punycode');
      const e = assert.throwsCode(lib, () => lib.signRequest({ method: 'GET', url: idn, accessKey: 'pw==' }), 'InvalidUrl', idn);
      assert.ok(/punycode/.test(e.message), e.message);
      // Accepted hosts are exactly what the runtime sends (upper case is signed lower-cased, as sent).
      const date = VECTOR.date;
      for (const [host, sent] of [['1.2.3.4', '1.2.3.4'], ['Example.COM', 'example.com'], ['example.com.', 'example.com.'], ['[2001:DB8::1]', '[2001:db8::1]'], ['[::1]', '[::1]']]) {
        assert.equal(new URL(`https://${host}/`).host, sent, `this runtime sends ${host} as ${sent}`);
        const a = lib.signRequest({ method: 'GET', url: `https://${host}/x`, accessKey: 'pw==', date });
        const b = lib.signRequest({ method: 'GET', url: `https://${sent}/x`, accessKey: 'pw==', date });
        assert.equal(a.authorization, b.authorization, `${host} is signed as ${sent}`);
      }
    },
  },
  {
    name: 'bad arguments throw InvalidArgument naming what was wrong',
    run(lib) {
      const base = { method: 'GET', url: VECTOR.url, accessKey: 'pw==' };
      let e = assert.throwsCode(lib, () => lib.signRequest({ ...base, date: 'yesterday' }), 'InvalidArgument');
      assert.equal(e.target, 'date');
      e = assert.throwsCode(lib, () => lib.signRequest({ ...base, date: new Date(NaN) }), 'InvalidArgument');
      assert.equal(e.target, 'date');
      e = assert.throwsCode(lib, () => lib.signRequest({ ...base, body: 42 }), 'InvalidArgument');
      assert.equal(e.target, 'body');
      e = assert.throwsCode(lib, () => lib.signRequest({ ...base, method: 'GE T' }), 'InvalidArgument');
      assert.equal(e.target, 'method');
      e = assert.throwsCode(lib, () => lib.signRequest({ ...base, connectionString: 'x' }), 'InvalidArgument');
      assert.match(e.message, /exactly one of/);
      assert.throwsCode(lib, () => lib.signRequest(), 'InvalidArgument');
      assert.throwsCode(lib, () => lib.signRequest({ url: VECTOR.url, accessKey: 'pw==' }), 'InvalidArgument');
    },
  },
  {
    name: 'parseConnectionString validates and never returns the key',
    run(lib) {
      const r = lib.parseConnectionString(`ENDPOINT=https://res.communication.azure.com;AccessKey=${SECRET_KEY}`);
      assert.deepEqual(r, { endpoint: 'https://res.communication.azure.com/' });
      const e = assert.throwsCode(
        lib,
        () => lib.parseConnectionString(`endpoint=https://res.communication.azure.com/path;accesskey=${SECRET_KEY}`),
        'InvalidConnectionString',
      );
      assert.ok(!e.message.includes(SECRET_KEY));
      assert.throwsCode(lib, () => lib.parseConnectionString('endpoint=https://x.com/'), 'InvalidConnectionString');
      assert.throwsCode(lib, () => lib.parseConnectionString(42), 'InvalidConnectionString');
      assert.ok(lib.isAcsIdentityError(e, 'InvalidConnectionString'));
      assert.ok(!lib.isAcsIdentityError(new Error('x')));
    },
  },
];

const quickstartCases = [
  {
    name: "the official SDK quick-start runs unchanged with `import ... from 'acs-identity'`",
    needs: ['emulator'],
    async run(lib, ctx) {
      const lines = [];
      const r = await quickstart(ctx.emulator.connectionString, (l) => lines.push(l));
      assert.match(r.identityResponse.communicationUserId, /^8:acs:/);
      assert.ok(r.identityTokenResponse.expiresOn instanceof Date);
      assert.ok(lines.some((l) => l.includes('Deleted the identity with ID: 8:acs:')), 'ran to the end');
      assert.equal(lines.filter((l) => /^ey[\w-]+\.[\w-]+\.[\w-]+$/.test(l)).length, 2, 'printed two tokens');
      const info = await (await fetch(`${ctx.emulator.url}/emulator/introspect`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: r.identityTokenResponse.token }),
      })).json();
      assert.equal(info.active, true);
      assert.deepEqual(info.scopes, ['voip']);
    },
  },
];

const b64u = (o) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(o))))
    .replace(/=+$/, '')
    .replace(/\+/g, '-')
    .replace(/\//g, '_');

const credentialCases = [
  {
    name: 'AcsTokenCredential and decodeAccessToken agree on token expiry',
    async run(lib) {
      const exp = Math.floor(Date.now() / 1000) + 7200;
      const token = `${b64u({ alg: 'RS256', typ: 'JWT' })}.${b64u({ exp, iat: exp - 60, skypeid: 'acs:r_u', acsScope: 'chat,voip', name: 'Zoë ✓' })}.c2ln`;
      const info = lib.decodeAccessToken(token);
      assert.equal(info.expiresOn.getTime(), exp * 1000);
      assert.equal(info.communicationUserId, '8:acs:r_u');
      assert.deepEqual(info.scopes, ['chat', 'voip']);
      assert.equal(info.claims.name, 'Zoë ✓', 'UTF-8 claims');
      let calls = 0;
      const credential = new lib.AcsTokenCredential({ tokenRefresher: async () => (calls++, token) });
      const [a, b] = await Promise.all([credential.getToken(), credential.getToken()]);
      assert.equal(a.expiresOnTimestamp, exp * 1000);
      assert.equal(b.token, token);
      assert.equal(calls, 1, 'concurrent callers share one refresh');
      credential.dispose();
      await assert.rejectsCode(lib, credential.getToken(), 'Disposed');
      assert.throwsCode(lib, () => lib.decodeAccessToken('a.b.c.d.e'), 'InvalidToken');
    },
  },
];

export const cases = [...signingCases, ...clientCases, ...quickstartCases, ...credentialCases];

/**
 * The cases of `acs-identity/sign` (the signing-only binary), run with `lib` = that entry and
 * `ctx.main` = `acs-identity`: the signing cases, unchanged, plus what the entry exports.
 */
export const signCases = [
  {
    name: 'acs-identity/sign exports signing alone, with the one AcsIdentityError class of acs-identity',
    run(lib, ctx) {
      assert.deepEqual(Object.keys(lib).sort(), ['AcsIdentityError', 'isAcsIdentityError', 'parseConnectionString', 'signRequest']);
      assert.equal(lib.AcsIdentityError, ctx.main.AcsIdentityError, 'one class whatever the entry');
      assert.equal(lib.isAcsIdentityError, ctx.main.isAcsIdentityError);
      const a = lib.signRequest({ method: 'GET', url: VECTOR.url, accessKey: 'pw==', date: VECTOR.date });
      const b = ctx.main.signRequest({ method: 'GET', url: VECTOR.url, accessKey: 'pw==', date: VECTOR.date });
      assert.deepEqual(a, b, 'both binaries sign alike');
      const e = assert.throwsCode(ctx.main, () => lib.signRequest({ method: 'GET', url: 'x', accessKey: 'pw==' }), 'InvalidUrl');
      assert.ok(e instanceof ctx.main.AcsIdentityError, "the sign binary's errors are acs-identity's AcsIdentityError");
    },
  },
  ...signingCases,
].map((c) => ({ ...c, name: c.name.startsWith('acs-identity/sign') ? c.name : `acs-identity/sign: ${c.name}` }));

/** Runs `cases` with `lib` = acs-identity, then `signCases` with `sign` = acs-identity/sign. */
export async function runAll(runCases, lib, sign, ctx) {
  const main = await runCases(lib, cases, ctx, ctx.only);
  return [...main, ...(await runCases(sign, signCases, { ...ctx, main: lib }, ctx.only))];
}
