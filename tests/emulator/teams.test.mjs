import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startEmulator } from '../../emulator/server.mjs';
import {
  APP_ID,
  SERVICE_DATE_RE,
  TENANT_ID,
  USER_ID,
  V,
  call,
  decodeJwt,
  emuRoute,
  introspect,
  teamsToken,
} from './helpers.mjs';

/** @type {Awaited<ReturnType<typeof startEmulator>>} */
let emu;
before(async () => {
  emu = await startEmulator();
});
after(() => emu.close());

const exchange = (json, apiVersion = V.JOIN) => call(emu, 'POST', '/teamsUser/:exchangeAccessToken', { apiVersion, json });
const INVALID = { error: { code: 'InvalidAccessToken', message: 'Provided access token is not valid.' } };
const b64u = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** A hand-made Entra-like token (claims overridable). */
function entra(overrides = {}, header = { typ: 'JWT', alg: 'RS256', kid: 'x' }) {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    aud: 'https://auth.msft.communication.azure.com',
    iat: now,
    nbf: now - 60,
    exp: now + 3600,
    appid: APP_ID,
    oid: USER_ID,
    tid: TENANT_ID,
    scp: 'Teams.ManageCalls Teams.ManageChats',
    ...overrides,
  };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
  return `${b64u(header)}.${b64u(claims)}.${Buffer.from('sig').toString('base64url')}`;
}

describe('Teams user token exchange', () => {
  test('a valid Entra token → ACS token expiring with it, for 8:orgid:<oid>', async () => {
    const minted = await teamsToken(emu, { appId: APP_ID, userId: USER_ID, tenantId: TENANT_ID, expiresInMinutes: 90 });
    const entraExp = decodeJwt(minted.token).claims.exp;
    const r = await exchange({ token: minted.token, appId: APP_ID, userId: USER_ID });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ['expiresOn', 'token']);
    assert.match(r.json.expiresOn, SERVICE_DATE_RE);
    const { header, claims } = decodeJwt(r.json.token);
    assert.equal(header.alg, 'RS256');
    assert.equal(claims.exp, entraExp);
    assert.equal(Date.parse(r.json.expiresOn) / 1000, entraExp);
    assert.equal(claims.skypeid, `orgid:${USER_ID}`);
    const i = await introspect(emu, r.json.token);
    assert.equal(i.active, true);
    assert.equal(i.communicationUserId, `8:orgid:${USER_ID}`);
  });

  test('the identity is stable for the same (tid, oid)', async () => {
    const a = await exchange({ token: entra(), appId: APP_ID, userId: USER_ID });
    const b = await exchange({ token: entra({ iat: Math.floor(Date.now() / 1000) - 5 }), appId: APP_ID.toUpperCase(), userId: USER_ID });
    assert.equal(a.status, 200);
    assert.equal(b.status, 200, b.text);
    assert.equal(decodeJwt(a.json.token).claims.skypeid, decodeJwt(b.json.token).claims.skypeid);
    assert.notEqual(a.json.token, b.json.token);
  });

  test('expired, empty, malformed and unacceptable tokens → 401 InvalidAccessToken (exact body)', async () => {
    const expired = (await teamsToken(emu, { appId: APP_ID, userId: USER_ID, expiresInMinutes: -5 })).token;
    const cases = {
      expired,
      expiredHandMade: entra({ exp: Math.floor(Date.now() / 1000) - 1 }),
      empty: '',
      notJwt: 'abc',
      nonString: 42,
      algNone: entra({}, { typ: 'JWT', alg: 'none' }),
      noSignature: entra().replace(/\.[^.]+$/, '.'),
      wrongAudience: entra({ aud: 'https://graph.microsoft.com' }),
      noTeamsPermission: entra({ scp: 'User.Read' }),
      noOid: entra({ oid: undefined }),
      noTid: entra({ tid: undefined }),
      noExp: entra({ exp: undefined }),
      notYetValid: entra({ nbf: Math.floor(Date.now() / 1000) + 3600 }),
    };
    for (const [name, token] of Object.entries(cases)) {
      const r = await exchange({ token, appId: APP_ID, userId: USER_ID });
      assert.equal(r.status, 401, name);
      assert.deepEqual(r.json, INVALID, name);
    }
  });

  // Recorded from the real service: java/getTokenForTeamsUserWithNullParams-1,
  // js/error-teams-empty-token-2022-06-01 (the token is checked before appId and userId).
  test('no token → 400 "The body is either missing or doesn\'t contain any token." (no target)', async () => {
    const NO_TOKEN = { error: { code: 'ValidationError', message: "The body is either missing or doesn't contain any token." } };
    for (const json of [{}, { token: null, appId: APP_ID, userId: USER_ID }, { appId: '', userId: '' }]) {
      const r = await exchange(json);
      assert.equal(r.status, 400, JSON.stringify(json));
      assert.deepEqual(r.json, NO_TOKEN, JSON.stringify(json));
    }
  });

  test('a bad token is refused before appId / userId are looked at', async () => {
    for (const json of [{ token: 'abc', appId: APP_ID, userId: '' }, { token: '', appId: 'x', userId: '' }, { token: 'abc' }]) {
      const r = await exchange(json);
      assert.equal(r.status, 401, JSON.stringify(json));
      assert.deepEqual(r.json, INVALID, JSON.stringify(json));
    }
  });

  test('appId / userId missing → 400 "<Field>: The <Field> field is required."', async () => {
    const token = entra();
    for (const field of ['AppId', 'UserId']) {
      const camel = field === 'AppId' ? 'appId' : 'userId';
      for (const value of [undefined, '', null]) {
        const json = { token, appId: APP_ID, userId: USER_ID, [camel]: value };
        if (value === undefined) delete json[camel];
        const r = await exchange(json);
        assert.equal(r.status, 400);
        assert.deepEqual(r.json, {
          error: { code: 'ValidationError', message: `${field}: The ${field} field is required.`, target: field },
        });
      }
    }
  });

  test('appId / userId malformed → 400 "Provided <Field> has invalid format."', async () => {
    const token = entra();
    for (const [camel, field] of [['appId', 'AppId'], ['userId', 'UserId']]) {
      for (const value of ['not-a-guid', '{11111111-2222-3333-4444-555555555555}', 123]) {
        const r = await exchange({ token, appId: APP_ID, userId: USER_ID, [camel]: value });
        assert.equal(r.status, 400);
        assert.deepEqual(r.json, {
          error: { code: 'ValidationError', message: `Provided ${field} has invalid format.`, target: camel },
        });
      }
    }
  });

  test("appId ≠ token's appid → 400 exact body", async () => {
    const r = await exchange({ token: entra(), appId: '99999999-2222-3333-4444-555555555555', userId: USER_ID });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json, {
      error: { code: 'ValidationError', message: 'AAD application is not the expected one.', target: 'appId' },
    });
  });

  test("userId ≠ token's oid → 400 exact body", async () => {
    const r = await exchange({ token: entra(), appId: APP_ID, userId: '99999999-7777-8888-9999-aaaaaaaaaaaa' });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json, {
      error: { code: 'ValidationError', message: 'Provided AAD token issued for unexpected user.', target: 'userId' },
    });
  });

  test('v2 tokens carrying azp instead of appid are accepted', async () => {
    const r = await exchange({ token: entra({ appid: undefined, azp: APP_ID }), appId: APP_ID, userId: USER_ID });
    assert.equal(r.status, 200, r.text);
  });

  test('unknown body fields → 400', async () => {
    const r = await exchange({ token: entra(), appId: APP_ID, userId: USER_ID, expiresInMinutes: 60 });
    assert.equal(r.status, 400);
    assert.equal(r.json.error.target, 'expiresInMinutes');
  });

  test('the exchange requires HMAC authentication', async () => {
    const r = await call(emu, 'POST', '/teamsUser/:exchangeAccessToken', { unsigned: true, json: { token: entra(), appId: APP_ID, userId: USER_ID } });
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, 'Denied');
  });
});

describe('/emulator/teams-token', () => {
  test('mints an Entra-like JWT with the given claims', async () => {
    const r = await teamsToken(emu, { appId: APP_ID, userId: USER_ID, tenantId: TENANT_ID, expiresInMinutes: 30 });
    const { header, claims } = decodeJwt(r.token);
    assert.equal(header.alg, 'RS256');
    assert.equal(claims.appid, APP_ID);
    assert.equal(claims.oid, USER_ID);
    assert.equal(claims.tid, TENANT_ID);
    assert.equal(claims.exp - claims.iat, 1800);
    assert.equal(r.token.split('.').length, 3);
  });

  test('validates its input', async () => {
    for (const [json, target] of [
      [{ userId: USER_ID }, 'AppId'],
      [{ appId: 'x', userId: USER_ID }, 'appId'],
      [{ appId: APP_ID, userId: USER_ID, tenantId: 'x' }, 'tenantId'],
      [{ appId: APP_ID, userId: USER_ID, expiresInMinutes: 5000 }, 'expiresInMinutes'],
      [{ appId: APP_ID, userId: USER_ID, other: 1 }, 'other'],
    ]) {
      const r = await emuRoute(emu, 'POST', '/emulator/teams-token', json);
      assert.equal(r.status, 400, JSON.stringify(json));
      assert.equal(r.json.error.target, target);
    }
  });
});
