import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startEmulator } from '../../emulator/server.mjs';
import {
  ALL_VERSIONS,
  SERVICE_DATE_RE,
  V,
  call,
  createUser,
  decodeJwt,
  emuRoute,
  enc,
  introspect,
  issue,
  rawRequest,
} from './helpers.mjs';

/** @type {Awaited<ReturnType<typeof startEmulator>>} */
let emu;
let resourceId;
let clockOffset = 0;
before(async () => {
  emu = await startEmulator({ clock: () => Date.now() + clockOffset });
  resourceId = (await rawRequest(emu.url, 'GET', '/emulator/health')).json.resourceId;
});
after(() => emu.close());

const ID_RE = () => new RegExp(`^8:acs:${resourceId}_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`);

describe('response headers', () => {
  test('every response carries api-supported-versions, a random ms-cv and a JSON content type', async () => {
    const a = await call(emu, 'POST', '/identities');
    const b = await call(emu, 'POST', '/identities');
    for (const r of [a, b]) {
      assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
      for (const v of ALL_VERSIONS) assert.ok(r.headers['api-supported-versions'].split(', ').includes(v), v);
      assert.match(r.headers['ms-cv'], /^[A-Za-z0-9+/]{16,}\.0$/);
    }
    assert.notEqual(a.headers['ms-cv'], b.headers['ms-cv']);
  });

  test('errors and emulator routes carry them too; 204 has no content type', async () => {
    const err = await call(emu, 'POST', '/identities', { unsigned: true });
    assert.ok(err.headers['api-supported-versions']);
    assert.ok(err.headers['ms-cv']);
    const id = await createUser(emu);
    const del = await call(emu, 'DELETE', `/identities/${enc(id)}`);
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    assert.equal(del.headers['content-type'], undefined);
    assert.ok(del.headers['ms-cv']);
  });

  test('x-ms-client-request-id is echoed only when sent', async () => {
    const r = await call(emu, 'POST', '/identities', { headers: { 'x-ms-client-request-id': 'abc-123' } });
    assert.equal(r.headers['x-ms-client-request-id'], 'abc-123');
    const e = await call(emu, 'POST', '/nope', { headers: { 'x-ms-client-request-id': 'err-1' } });
    assert.equal(e.headers['x-ms-client-request-id'], 'err-1');
    const n = await call(emu, 'POST', '/identities');
    assert.equal(n.headers['x-ms-client-request-id'], undefined);
  });
});

describe('create identity', () => {
  test('no body → 201 with only identity.id in the service shape', async () => {
    const r = await call(emu, 'POST', '/identities');
    assert.equal(r.status, 201);
    assert.deepEqual(Object.keys(r.json), ['identity']);
    assert.deepEqual(Object.keys(r.json.identity), ['id']);
    assert.match(r.json.identity.id, ID_RE());
  });

  test('{} and an empty scope list → no accessToken', async () => {
    for (const json of [{}, { createTokenWithScopes: [] }]) {
      const r = await call(emu, 'POST', '/identities', { json });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.accessToken, undefined);
      assert.match(r.json.identity.id, ID_RE());
    }
  });

  test('ids are unique', async () => {
    const ids = new Set();
    for (let i = 0; i < 20; i++) ids.add(await createUser(emu));
    assert.equal(ids.size, 20);
  });

  test('with scopes → accessToken whose claims match the service', async () => {
    const r = await call(emu, 'POST', '/identities', { json: { createTokenWithScopes: ['chat', 'voip'] } });
    assert.equal(r.status, 201);
    const { identity, accessToken } = r.json;
    assert.deepEqual(Object.keys(accessToken).sort(), ['expiresOn', 'token']);
    const { header, claims } = decodeJwt(accessToken.token);
    assert.equal(header.alg, 'RS256');
    assert.equal(header.typ, 'JWT');
    assert.match(header.kid, /^[0-9A-F]{40}$/);
    assert.equal(Buffer.from(header.x5t, 'base64url').toString('hex').toUpperCase(), header.kid);
    assert.equal(claims.skypeid, identity.id.slice(2));
    assert.equal(claims.scp, 1792);
    assert.equal(claims.csi, String(claims.iat));
    assert.equal(claims.acsScope, 'chat,voip');
    assert.equal(claims.resourceId, resourceId);
    assert.equal(claims.exp - claims.iat, 1440 * 60);
    assert.match(accessToken.expiresOn, SERVICE_DATE_RE);
    assert.equal(Date.parse(accessToken.expiresOn), claims.exp * 1000);
    assert.equal(accessToken.expiresOn, `${new Date(claims.exp * 1000).toISOString().slice(0, 19)}.0000000+00:00`);
  });

  test('expiresInMinutes sets the lifetime', async () => {
    const r = await call(emu, 'POST', '/identities', { json: { createTokenWithScopes: ['voip'], expiresInMinutes: 60 } });
    const { claims } = decodeJwt(r.json.accessToken.token);
    assert.equal(claims.exp - claims.iat, 3600);
  });

  test('the token signature verifies with /emulator/jwks', async () => {
    const jwks = (await rawRequest(emu.url, 'GET', '/emulator/jwks')).json;
    assert.equal(jwks.keys.length, 1);
    const jwk = jwks.keys[0];
    assert.equal(jwk.kty, 'RSA');
    assert.equal(jwk.alg, 'RS256');
    const id = await createUser(emu);
    const { token } = await issue(emu, id);
    const [h, p, s] = token.split('.');
    assert.equal(decodeJwt(token).header.kid, jwk.kid);
    const key = createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' });
    assert.ok(verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url')));
    assert.ok(!verify('sha256', Buffer.from(`${h}.${p}x`), key, Buffer.from(s, 'base64url')));
  });
});

describe('issue token', () => {
  test('200 {token, expiresOn}; two tokens of the same second differ', async () => {
    const id = await createUser(emu);
    const a = await issue(emu, id, ['chat']);
    const b = await issue(emu, id, ['chat']);
    assert.deepEqual(Object.keys(a).sort(), ['expiresOn', 'token']);
    assert.notEqual(a.token, b.token);
    assert.match(a.expiresOn, SERVICE_DATE_RE);
    assert.equal(decodeJwt(a.token).claims.skypeid, id.slice(2));
  });

  test('expiresInMinutes 60 and 1440 are accepted, exp matches expiresOn', async () => {
    const id = await createUser(emu);
    for (const m of [60, 1440, 777]) {
      const t = await issue(emu, id, ['voip'], V.JOIN, { expiresInMinutes: m });
      const { claims } = decodeJwt(t.token);
      assert.equal(claims.exp - claims.iat, m * 60);
      assert.equal(Date.parse(t.expiresOn) / 1000, claims.exp);
    }
  });

  test('duplicate scopes are accepted and collapsed', async () => {
    const id = await createUser(emu);
    const t = await issue(emu, id, ['chat', 'voip', 'chat']);
    assert.equal(decodeJwt(t.token).claims.acsScope, 'chat,voip');
  });

  test('an unencoded id in the path is accepted too', async () => {
    const id = await createUser(emu);
    const r = await call(emu, 'POST', `/identities/${id}/:issueAccessToken`, { json: { scopes: ['chat'] } });
    assert.equal(r.status, 200, r.text);
  });
});

describe('revoke and delete', () => {
  test('revoke → 204; earlier tokens become inactive, later ones are active', async () => {
    const id = await createUser(emu);
    const before1 = await issue(emu, id);
    const before2 = await issue(emu, id);
    assert.equal((await introspect(emu, before1.token)).active, true);
    const r = await call(emu, 'POST', `/identities/${enc(id)}/:revokeAccessTokens`);
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
    for (const t of [before1, before2]) {
      const i = await introspect(emu, t.token);
      assert.equal(i.active, false);
      assert.equal(i.reason, 'revoked');
      assert.equal(i.communicationUserId, id);
    }
    const afterRevoke = await issue(emu, id);
    const i = await introspect(emu, afterRevoke.token);
    assert.equal(i.active, true);
    assert.equal(i.reason, null);
  });

  test('delete → 204; later operations → 404 IdentityNotFound; tokens inactive', async () => {
    const id = await createUser(emu);
    const t = await issue(emu, id);
    const r = await call(emu, 'DELETE', `/identities/${enc(id)}`);
    assert.equal(r.status, 204);
    const i = await introspect(emu, t.token);
    assert.equal(i.active, false);
    assert.equal(i.reason, 'identity deleted');
    for (const [method, path, json] of [
      ['POST', `/identities/${enc(id)}/:issueAccessToken`, { scopes: ['chat'] }],
      ['POST', `/identities/${enc(id)}/:revokeAccessTokens`, undefined],
      ['DELETE', `/identities/${enc(id)}`, undefined],
    ]) {
      const e = await call(emu, method, path, { json });
      assert.equal(e.status, 404, `${method} ${path}`);
      assert.equal(e.json.error.code, 'IdentityNotFound');
      assert.match(e.json.error.message, /not found/);
    }
    assert.equal((await call(emu, 'GET', `/identities/${enc(id)}`, { apiVersion: V.PREVIEW })).status, 404);
  });

  test('unknown and malformed ids → 404 IdentityNotFound', async () => {
    const known = await createUser(emu);
    const unknown = known.slice(0, -6) + 'ffffff';
    for (const id of [enc(unknown), 'garbage', enc('8:acs:'), '%ZZbad', enc(`${known} `)]) {
      const r = await call(emu, 'POST', `/identities/${id}/:revokeAccessTokens`);
      assert.equal(r.status, 404, id);
      assert.equal(r.json.error.code, 'IdentityNotFound', id);
    }
  });

  // Recorded from the real service (tests/conformance/cases/js/error-*-user-of-another-resource).
  test("an identity of another resource → 401 IdentityNotOwned (issue, revoke, delete)", async () => {
    const known = await createUser(emu);
    const foreign = known.replace(resourceId, '2dee53b4-368b-45b4-ab52-8493fb117652');
    const p = `/identities/${enc(foreign)}`;
    for (const [method, path, json] of [
      ['POST', `${p}/:issueAccessToken`, { scopes: ['chat'] }],
      ['POST', `${p}/:revokeAccessTokens`, undefined],
      ['DELETE', p, undefined],
    ]) {
      const r = await call(emu, method, path, { json });
      assert.equal(r.status, 401, `${method} ${path}`);
      assert.deepEqual(r.json, {
        error: { code: 'IdentityNotOwned', message: "Provided identity doesn't belong to the resource." },
      });
    }
  });
});

describe('get identity (preview)', () => {
  test('returns id, customId and lastTokenIssuedAt', async () => {
    const r = await call(emu, 'POST', '/identities', { apiVersion: V.PREVIEW, json: { customId: 'alice@example' } });
    assert.equal(r.status, 201);
    const id = r.json.identity.id;
    assert.deepEqual(r.json.identity, { id, customId: 'alice@example' });
    const g1 = await call(emu, 'GET', `/identities/${enc(id)}`, { apiVersion: V.PREVIEW });
    assert.equal(g1.status, 200);
    assert.deepEqual(g1.json, { id, customId: 'alice@example' });
    const t = await issue(emu, id, ['chat'], V.PREVIEW);
    const g2 = await call(emu, 'GET', `/identities/${enc(id)}`, { apiVersion: V.PREVIEW });
    assert.match(g2.json.lastTokenIssuedAt, SERVICE_DATE_RE);
    const issuedAt = decodeJwt(t.token).claims.iat;
    assert.ok(Math.abs(Date.parse(g2.json.lastTokenIssuedAt) / 1000 - issuedAt) < 1);
  });

  test('create with a token on preview reports lastTokenIssuedAt', async () => {
    const r = await call(emu, 'POST', '/identities', { apiVersion: V.PREVIEW, json: { createTokenWithScopes: ['chat'] } });
    assert.match(r.json.identity.lastTokenIssuedAt, SERVICE_DATE_RE);
    assert.equal(r.json.identity.customId, undefined);
  });
});

describe('routing', () => {
  test('unknown routes → 404 JSON', async () => {
    for (const p of ['/nope', '/identities/x/y/z', '/identities/', '/teamsUser', '/emulator/nope']) {
      const r = await call(emu, 'POST', p);
      assert.equal(r.status, 404, p);
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(typeof r.json.error.code, 'string');
      assert.match(r.json.error.message, /route/);
    }
  });

  test('wrong method on a known route → 405 with Allow', async () => {
    const r = await call(emu, 'PUT', '/identities');
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'POST');
    assert.equal(r.json.error.code, 'MethodNotAllowed');
    const g = await call(emu, 'GET', '/identities/x/:issueAccessToken');
    assert.equal(g.status, 405);
    const e = await rawRequest(emu.url, 'DELETE', '/emulator/jwks');
    assert.equal(e.status, 405);
  });

  test('CORS: preflights are answered and responses expose the service headers', async () => {
    const pre = await rawRequest(emu.url, 'OPTIONS', `/identities?api-version=${V.JOIN}`, {
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,x-ms-date,x-ms-content-sha256,content-type',
      },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], 'http://localhost:5173');
    assert.match(pre.headers['access-control-allow-methods'], /POST/);
    assert.equal(pre.headers['access-control-allow-headers'], 'authorization,x-ms-date,x-ms-content-sha256,content-type');
    const r = await call(emu, 'POST', '/identities', { headers: { origin: 'http://localhost:5173' } });
    assert.equal(r.status, 201);
    assert.equal(r.headers['access-control-allow-origin'], 'http://localhost:5173');
    assert.match(r.headers['access-control-expose-headers'], /ms-cv/);
    const noOrigin = await call(emu, 'POST', '/identities');
    assert.equal(noOrigin.headers['access-control-allow-origin'], undefined);
    const plainOptions = await call(emu, 'OPTIONS', '/identities');
    assert.equal(plainOptions.status, 405);
  });

  test('literal route segments match case-insensitively (ASP.NET routing)', async () => {
    assert.equal((await call(emu, 'POST', '/Identities')).status, 201);
  });
});

describe('emulator routes', () => {
  test('health', async () => {
    const r = await rawRequest(emu.url, 'GET', '/emulator/health');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.apiVersions.sort(), [...ALL_VERSIONS].sort());
  });

  test('introspect: malformed, tampered, foreign and expired tokens are inactive with a reason', async () => {
    assert.equal((await introspect(emu, 'not-a-jwt')).reason, 'malformed');
    assert.equal((await introspect(emu, '')).reason, 'malformed');
    const id = await createUser(emu);
    const { token } = await issue(emu, id, ['chat', 'voip'], V.JOIN, { expiresInMinutes: 60 });
    const good = await introspect(emu, token);
    assert.deepEqual(
      { active: good.active, id: good.communicationUserId, scopes: good.scopes, reason: good.reason },
      { active: true, id, scopes: ['chat', 'voip'], reason: null },
    );
    assert.match(good.expiresOn, SERVICE_DATE_RE);
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    claims.acsScope = 'chat,voip,admin';
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    assert.equal((await introspect(emu, forged)).reason, 'invalid signature');

    const other = await startEmulator();
    try {
      const oid = await createUser(other);
      const { token: foreign } = await issue(other, oid);
      assert.equal((await introspect(emu, foreign)).reason, 'invalid signature');
    } finally {
      await other.close();
    }

    clockOffset = 61 * 60_000;
    try {
      const expired = await introspect(emu, token);
      assert.equal(expired.active, false);
      assert.equal(expired.reason, 'expired');
    } finally {
      clockOffset = 0;
    }
  });

  test('introspect needs a token string', async () => {
    const r = await emuRoute(emu, 'POST', '/emulator/introspect', { nope: 1 });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.target, 'token');
  });

  test('stats counts requests and identities', async () => {
    const s1 = (await rawRequest(emu.url, 'GET', '/emulator/stats')).json;
    await createUser(emu);
    const s2 = (await rawRequest(emu.url, 'GET', '/emulator/stats')).json;
    assert.equal(s2.identities, s1.identities + 1);
    assert.equal(s2.requests, s1.requests + 1);
    assert.equal(s2.byRoute['POST /identities'], (s1.byRoute['POST /identities'] ?? 0) + 1);
  });
});
