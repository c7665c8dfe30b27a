// decodeAccessToken of the built package: fields, types, and InvalidToken without the token text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PKG, jweToken, makeToken } from './helpers.mjs';

const { decodeAccessToken, AcsIdentityError, isAcsIdentityError } = await import(PKG);

const invalid = (token, check) => {
  assert.throws(
    () => decodeAccessToken(token),
    (e) => {
      assert.ok(e instanceof AcsIdentityError);
      assert.ok(isAcsIdentityError(e, 'InvalidToken'), `${e.code}: ${e.message}`);
      if (typeof token === 'string' && token.length > 0) {
        assert.ok(!e.message.includes(token), 'the message does not contain the token');
        for (const part of token.split('.')) if (part.length > 3) assert.ok(!e.message.includes(part), 'nor any part of it');
      }
      check?.(e);
      return true;
    },
  );
};

test('decodes every field of a realistic token', () => {
  const claims = {
    skypeid: 'acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081',
    scp: 1792,
    csi: '1720561179',
    exp: 1720647579,
    acsScope: 'chat, voip',
    resourceId: '2dee53b4-368b-45b4-ab52-8493fb117652',
    resourceLocation: 'unitedstates',
    iat: 1720561179,
  };
  const info = decodeAccessToken(makeToken(claims));
  assert.deepEqual(Object.keys(info).sort(), ['claims', 'communicationUserId', 'expiresOn', 'issuedAt', 'scopes']);
  assert.equal(info.communicationUserId, `8:${claims.skypeid}`);
  assert.deepEqual(info.scopes, ['chat', 'voip']);
  assert.ok(Array.isArray(info.scopes));
  assert.ok(info.expiresOn instanceof Date);
  assert.ok(info.issuedAt instanceof Date);
  assert.equal(info.expiresOn.getTime(), 1720647579000);
  assert.equal(info.issuedAt.getTime(), 1720561179000);
  assert.equal(info.expiresOn.toISOString(), '2024-07-10T21:39:39.000Z');
  assert.deepEqual(info.claims, claims);
  assert.equal(Object.getPrototypeOf(info.claims), Object.prototype, 'claims is a plain object');
});

test('optional claims: no skypeid, iat or acsScope', () => {
  const info = decodeAccessToken(makeToken({ exp: 2000000000 }));
  assert.equal(info.communicationUserId, undefined);
  assert.equal(info.issuedAt, undefined);
  assert.deepEqual(info.scopes, []);
  assert.deepEqual(info.claims, { exp: 2000000000 });
  assert.equal(info.expiresOn.getTime(), 2000000000000);
});

test('an encrypted token (JWE, five parts) is InvalidToken and says to use expiresOn', () => {
  invalid(jweToken(), (e) => {
    assert.match(e.message, /encrypted \(JWE\)/);
    assert.match(e.message, /expiresOn/);
  });
});

test('garbage is InvalidToken', () => {
  const secret = Buffer.from('{"exp":"SECRET-CLAIM-VALUE"}').toString('base64url');
  for (const token of [
    '',
    'garbage',
    'a.b',
    'a.b.c.d',
    'not base64!.x.y',
    `${Buffer.from('{"alg":"none"}').toString('base64url')}.${secret}.`,
    makeToken({ iat: 1 }),
    makeToken({ exp: 'tomorrow' }),
    makeToken({ exp: 1e300 }),
  ]) {
    invalid(token, (e) => assert.ok(!e.message.includes('SECRET'), e.message));
  }
});

test('a non-string is InvalidToken', () => {
  for (const value of [undefined, null, 42, {}, ['a.b.c']]) {
    invalid(value, (e) => assert.equal(e.message, 'the access token must be a string'));
  }
});
