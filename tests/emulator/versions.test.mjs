import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startEmulator } from '../../emulator/server.mjs';
import { ALL_VERSIONS, APP_ID, USER_ID, V, call, createUser, decodeJwt, enc, teamsToken } from './helpers.mjs';

/** @type {Awaited<ReturnType<typeof startEmulator>>} */
let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu.close());

const BASE = ['chat', 'voip'];
const JOIN = ['chat.join', 'chat.join.limited', 'voip.join'];
const has = {
  [V.GA1]: { join: false, expires: false, teams: false, preview: false },
  [V.TEAMS]: { join: false, expires: false, teams: true, preview: false },
  [V.EXPIRES]: { join: false, expires: true, teams: true, preview: false },
  [V.JOIN]: { join: true, expires: true, teams: true, preview: false },
  [V.PREVIEW]: { join: true, expires: true, teams: true, preview: true },
  [V.LATEST]: { join: true, expires: true, teams: true, preview: false },
};

describe('api-version', () => {
  test('unknown version → 400 with the service message', async () => {
    const r = await call(emu, 'POST', '/identities', { apiVersion: '2099-01-01' });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json, {
      error: {
        code: 'UnsupportedApiVersion',
        message: `The HTTP resource that matches the request URI '${emu.url}/identities?api-version=2099-01-01' does not support the API version '2099-01-01'.`,
      },
    });
  });

  test('missing version → 400 ApiVersionUnspecified', async () => {
    const r = await call(emu, 'POST', '/identities', { apiVersion: null });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json, {
      error: { code: 'ApiVersionUnspecified', message: 'An API version is required, but was not specified.' },
    });
  });

  test('versions are matched exactly (no case folding, no repeats)', async () => {
    assert.equal((await call(emu, 'POST', '/identities', { apiVersion: '2025-03-02-PREVIEW' })).status, 400);
    const r = await call(emu, 'POST', `/identities?api-version=${V.JOIN}`, { apiVersion: V.JOIN });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'UnsupportedApiVersion');
  });
});

for (const version of ALL_VERSIONS) {
  const f = has[version];
  describe(`api-version ${version}`, () => {
    test('create, issue, revoke, delete work', async () => {
      const id = await createUser(emu, version);
      const t = await call(emu, 'POST', `/identities/${enc(id)}/:issueAccessToken`, { apiVersion: version, json: { scopes: BASE } });
      assert.equal(t.status, 200, t.text);
      assert.equal((await call(emu, 'POST', `/identities/${enc(id)}/:revokeAccessTokens`, { apiVersion: version })).status, 204);
      assert.equal((await call(emu, 'DELETE', `/identities/${enc(id)}`, { apiVersion: version })).status, 204);
    });

    test(`join scopes ${f.join ? 'accepted' : 'rejected'}`, async () => {
      for (const scope of JOIN) {
        const c = await call(emu, 'POST', '/identities', { apiVersion: version, json: { createTokenWithScopes: [scope] } });
        const id = await createUser(emu, version);
        const i = await call(emu, 'POST', `/identities/${enc(id)}/:issueAccessToken`, { apiVersion: version, json: { scopes: [scope] } });
        if (f.join) {
          assert.equal(c.status, 201, c.text);
          assert.equal(decodeJwt(c.json.accessToken.token).claims.acsScope, scope);
          assert.equal(i.status, 200, i.text);
        } else {
          assert.equal(c.status, 400);
          assert.equal(c.json.error.code, 'ValidationError');
          assert.equal(c.json.error.target, 'createTokenWithScopes');
          assert.match(c.json.error.message, new RegExp(`Scope '${scope.replace(/\./g, '\\.')}' is not valid for api-version ${version}`));
          assert.equal(i.status, 400);
          assert.equal(i.json.error.target, 'scopes');
        }
      }
    });

    test(`expiresInMinutes ${f.expires ? 'accepted' : 'rejected (field not in this version)'}`, async () => {
      const id = await createUser(emu, version);
      const i = await call(emu, 'POST', `/identities/${enc(id)}/:issueAccessToken`, {
        apiVersion: version,
        json: { scopes: ['chat'], expiresInMinutes: 120 },
      });
      const c = await call(emu, 'POST', '/identities', { apiVersion: version, json: { createTokenWithScopes: ['chat'], expiresInMinutes: 120 } });
      if (f.expires) {
        assert.equal(i.status, 200);
        const { claims } = decodeJwt(i.json.token);
        assert.equal(claims.exp - claims.iat, 7200);
        assert.equal(c.status, 201);
      } else {
        for (const r of [i, c]) {
          assert.equal(r.status, 400);
          assert.deepEqual(r.json, {
            error: {
              code: 'ValidationError',
              message: `'expiresInMinutes' is not supported by api-version ${version}.`,
              target: 'expiresInMinutes',
            },
          });
        }
        // null counts as absent
        const n = await call(emu, 'POST', `/identities/${enc(id)}/:issueAccessToken`, { apiVersion: version, json: { scopes: ['chat'], expiresInMinutes: null } });
        assert.equal(n.status, 200);
      }
    });

    test(`Teams exchange ${f.teams ? 'available' : 'unsupported'}`, async () => {
      const { token } = await teamsToken(emu, { appId: APP_ID, userId: USER_ID });
      const r = await call(emu, 'POST', '/teamsUser/:exchangeAccessToken', { apiVersion: version, json: { token, appId: APP_ID, userId: USER_ID } });
      if (f.teams) {
        assert.equal(r.status, 200, r.text);
      } else {
        assert.equal(r.status, 400);
        assert.equal(r.json.error.code, 'UnsupportedApiVersion');
        assert.match(r.json.error.message, new RegExp(`does not support the API version '${version}'`));
      }
    });

    test(`customId, GET identity and lastTokenIssuedAt ${f.preview ? 'available' : 'absent'}`, async () => {
      const c = await call(emu, 'POST', '/identities', { apiVersion: version, json: { customId: `user-${version}` } });
      const id = await createUser(emu, version, { createTokenWithScopes: ['chat'] });
      const g = await call(emu, 'GET', `/identities/${enc(id)}`, { apiVersion: version });
      const withToken = await call(emu, 'POST', '/identities', { apiVersion: version, json: { createTokenWithScopes: ['chat'] } });
      if (f.preview) {
        assert.equal(c.status, 201);
        assert.equal(c.json.identity.customId, `user-${version}`);
        assert.equal(g.status, 200);
        assert.ok(g.json.lastTokenIssuedAt);
        assert.ok(withToken.json.identity.lastTokenIssuedAt);
      } else {
        assert.equal(c.status, 400);
        assert.deepEqual(c.json.error, {
          code: 'ValidationError',
          message: `'customId' is not supported by api-version ${version}.`,
          target: 'customId',
        });
        assert.equal(g.status, 400);
        assert.equal(g.json.error.code, 'UnsupportedApiVersion');
        assert.deepEqual(Object.keys(withToken.json.identity), ['id']);
      }
    });
  });
}
