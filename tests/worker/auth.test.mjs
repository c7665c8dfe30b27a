// The token endpoint's app-token verification, in every runtime (workerd, Node, Deno, Bun:
// tests/worker/runtimes.mjs) with the emulator upstream: HS256 with AUTH_JWT_SECRET, RS256 and
// ES256 with AUTH_JWKS_URL, and every 401.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { HS_SECRET, call, claimsFor, introspect, makeKeys, nowSeconds, serveJwks, signJwt, startEmulator } from './helpers.mjs';
import { ENDPOINT_RUNTIMES, startEndpoints } from './runtimes.mjs';

const ISSUER = 'https://login.example.test/';
const AUDIENCE = 'chat-app';
const HS = { alg: 'HS256', typ: 'JWT' };
const INVALID = 'Bearer error="invalid_token"';

let emulator;
const keys = makeKeys();

before(async () => {
  emulator = await startEmulator();
});

after(async () => {
  await emulator?.close();
});

const hsToken = (claims, header = HS, secret = HS_SECRET) => signJwt(header, claims, secret);
const hsClaims = (sub, extra = {}) => claimsFor(sub, { iss: ISSUER, aud: AUDIENCE, ...extra });
const rsToken = (claims, kid = 'rsa-1', key = keys.rsa.privateKey) => signJwt({ alg: 'RS256', typ: 'JWT', kid }, claims, key);
const esToken = (claims, kid = 'ec-1') => signJwt({ alg: 'ES256', typ: 'JWT', kid }, claims, keys.ec.privateKey);

/** A 200 answer whose token the emulator says is active for the answered user. */
async function assertIssued(r, scopes = ['chat', 'voip']) {
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.match(r.json.user.communicationUserId, /^8:acs:/);
  assert.equal(typeof r.json.token, 'string');
  assert.match(r.json.expiresOn, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  const info = await introspect(emulator, r.json.token);
  assert.equal(info.active, true, JSON.stringify(info));
  assert.equal(info.communicationUserId, r.json.user.communicationUserId);
  assert.deepEqual(info.scopes, scopes);
  assert.equal(Date.parse(info.expiresOn), Date.parse(r.json.expiresOn));
  return r.json;
}

/** A 401 with `code` and the RFC 6750 challenge. */
function assert401(r, code, challenge = INVALID) {
  assert.equal(r.status, 401, r.text);
  assert.equal(r.json?.error?.code, code, r.text);
  assert.equal(typeof r.json.error.message, 'string');
  assert.equal(r.headers.get('www-authenticate'), challenge);
}

for (const runtime of ENDPOINT_RUNTIMES) describe(runtime, () => {
  // Each runtime gets its own JWKS servers: the tests count their downloads.
  let jwks;
  let rotation;
  let endpoints;
  let w;
  before(async () => {
    jwks = await serveJwks([keys.rsa.jwk, keys.ec.jwk]);
    rotation = await serveJwks([keys.rsa.jwk]);
    const acs = emulator.connectionString;
    endpoints = await startEndpoints(runtime, {
      hs: { bindings: { ACS_CONNECTION_STRING: acs, AUTH_JWT_SECRET: HS_SECRET, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE } },
      // With a JWKS, AUTH_ISSUER and AUTH_AUDIENCE are required.
      jwks: { bindings: { ACS_CONNECTION_STRING: acs, AUTH_JWKS_URL: jwks.url, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE } },
      both: { bindings: { ACS_CONNECTION_STRING: acs, AUTH_JWT_SECRET: HS_SECRET, AUTH_JWKS_URL: jwks.url, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE } },
      rotation: { bindings: { ACS_CONNECTION_STRING: acs, AUTH_JWKS_URL: rotation.url, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE } },
    });
    w = endpoints.endpoints;
  });
  after(async () => {
    await endpoints?.close();
    await jwks?.close();
    await rotation?.close();
  });

  describe('HS256 (AUTH_JWT_SECRET)', () => {
    test('a valid token gets an ACS token that the emulator says is active', async () => {
      const body = await assertIssued(await call(w.hs, { token: hsToken(hsClaims('hs-user')) }));
      const ms = Date.parse(body.expiresOn) - Date.now();
      assert.ok(ms > 58 * 60_000 && ms <= 61 * 60_000, `default lifetime is 60 min, got ${ms} ms`);
    });

    test('aud may be an array containing AUTH_AUDIENCE; nbf/iat within 60 s of skew are fine', async () => {
      const now = nowSeconds();
      await assertIssued(await call(w.hs, { token: hsToken(hsClaims('hs-user', { aud: ['other', AUDIENCE] })) }));
      await assertIssued(await call(w.hs, { token: hsToken(hsClaims('hs-user', { nbf: now + 30, iat: now + 30 })) }));
    });

    test('no token: 401 MissingToken with a bare Bearer challenge', async () => {
      assert401(await call(w.hs, {}), 'MissingToken', 'Bearer');
      assert401(await call(w.hs, { headers: { authorization: 'Basic dXNlcjpwYXNz' } }), 'MissingToken', 'Bearer');
    });

    test('malformed tokens: 401 InvalidToken', async () => {
      for (const token of ['not-a-jwt', 'a.b.c', 'e30.e30.', `${hsToken(hsClaims('u'))}.extra`, '%%%.%%%.%%%']) {
        assert401(await call(w.hs, { token }), 'InvalidToken');
      }
      assert401(await call(w.hs, { headers: { authorization: 'Bearer' } }), 'InvalidToken');
      assert401(await call(w.hs, { headers: { authorization: 'Bearer a b' } }), 'InvalidToken');
    });

    test('expired: 401 TokenExpired', async () => {
      const now = nowSeconds();
      assert401(await call(w.hs, { token: hsToken(hsClaims('u', { iat: now - 7200, exp: now - 3600 })) }), 'TokenExpired');
    });

    test('not yet valid (nbf or iat beyond the skew): 401 TokenNotYetValid', async () => {
      const now = nowSeconds();
      assert401(await call(w.hs, { token: hsToken(hsClaims('u', { nbf: now + 300 })) }), 'TokenNotYetValid');
      assert401(await call(w.hs, { token: hsToken(hsClaims('u', { iat: now + 300 })) }), 'TokenNotYetValid');
    });

    test('wrongly signed or tampered: 401 InvalidToken', async () => {
      assert401(await call(w.hs, { token: hsToken(hsClaims('u'), HS, 'another-secret-another-secret-another') }), 'InvalidToken');
      const [h, , s] = hsToken(hsClaims('u')).split('.');
      const forged = `${h}.${Buffer.from(JSON.stringify(hsClaims('admin'))).toString('base64url')}.${s}`;
      assert401(await call(w.hs, { token: forged }), 'InvalidToken');
    });

    test('wrong issuer: 401 InvalidIssuer', async () => {
      assert401(await call(w.hs, { token: hsToken(hsClaims('u', { iss: 'https://evil.example.test/' })) }), 'InvalidIssuer');
      const { iss, ...noIss } = hsClaims('u');
      assert401(await call(w.hs, { token: hsToken(noIss) }), 'InvalidIssuer');
    });

    test('wrong audience (string or array): 401 InvalidAudience', async () => {
      assert401(await call(w.hs, { token: hsToken(hsClaims('u', { aud: 'other-app' })) }), 'InvalidAudience');
      assert401(await call(w.hs, { token: hsToken(hsClaims('u', { aud: ['a', 'b'] })) }), 'InvalidAudience');
    });

    test('alg none: 401 InvalidToken', async () => {
      const claims = Buffer.from(JSON.stringify(hsClaims('u'))).toString('base64url');
      for (const alg of ['none', 'None', 'NONE']) {
        const header = Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url');
        assert401(await call(w.hs, { token: `${header}.${claims}.` }), 'InvalidToken');
        assert401(await call(w.hs, { token: `${header}.${claims}.c2ln` }), 'InvalidToken');
      }
    });

    test('missing sub: 401 InvalidToken', async () => {
      const { sub, ...noSub } = hsClaims('u');
      assert401(await call(w.hs, { token: hsToken(noSub) }), 'InvalidToken');
      assert401(await call(w.hs, { token: hsToken({ ...noSub, sub: '' }) }), 'InvalidToken');
      assert401(await call(w.hs, { token: hsToken({ ...noSub, sub: 42 }) }), 'InvalidToken');
    });

    test('missing exp: 401 InvalidToken', async () => {
      const { exp, ...noExp } = hsClaims('u');
      assert401(await call(w.hs, { token: hsToken(noExp) }), 'InvalidToken');
    });

    test('RS256 / ES256 tokens when only a secret is configured: 401 InvalidToken', async () => {
      assert401(await call(w.hs, { token: rsToken(hsClaims('u')) }), 'InvalidToken');
      assert401(await call(w.hs, { token: esToken(hsClaims('u')) }), 'InvalidToken');
    });
  });

  describe('RS256 / ES256 (AUTH_JWKS_URL)', () => {
    test('concurrent first requests share one JWKS download; RS256 and ES256 are accepted', async () => {
      const before = jwks.requests;
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => call(w.jwks, { token: i % 2 ? esToken(hsClaims(`jwks-${i}`)) : rsToken(hsClaims(`jwks-${i}`)) })),
      );
      for (const r of answers) await assertIssued(r);
      assert.equal(jwks.requests - before, 1, 'one download for all of them');
    });

    test('RS256 with kid, ES256 with kid, RS256 without kid', async () => {
      await assertIssued(await call(w.jwks, { token: rsToken(hsClaims('rs-user')) }));
      await assertIssued(await call(w.jwks, { token: esToken(hsClaims('es-user')) }));
      const noKid = signJwt({ alg: 'RS256', typ: 'JWT' }, hsClaims('rs-user'), keys.rsa.privateKey);
      await assertIssued(await call(w.jwks, { token: noKid }));
    });

    test('key confusion: an HS256 token signed with the public key is refused', async () => {
      // The classic attack: HMAC with the published key's bytes as the secret.
      for (const secret of [JSON.stringify(keys.rsa.jwk), keys.rsa.jwk.n, keys.rsa.privateKey.export({ type: 'pkcs1', format: 'pem' })]) {
        const token = signJwt({ alg: 'HS256', typ: 'JWT', kid: 'rsa-1' }, hsClaims('u'), secret);
        assert401(await call(w.jwks, { token }), 'InvalidToken');
      }
      const hmacWithN = createHmac('sha256', Buffer.from(keys.rsa.jwk.n, 'base64url'));
      const input = `${Buffer.from(JSON.stringify({ alg: 'HS256', kid: 'rsa-1' })).toString('base64url')}.${Buffer.from(JSON.stringify(hsClaims('u'))).toString('base64url')}`;
      assert401(await call(w.jwks, { token: `${input}.${hmacWithN.update(input).digest('base64url')}` }), 'InvalidToken');
    });

    test('wrong signature, wrong key type, alg none: 401 InvalidToken', async () => {
      // Signed by a key that is not the one its kid names.
      assert401(await call(w.jwks, { token: rsToken(hsClaims('u'), 'rsa-1', keys.rotated.privateKey) }), 'InvalidToken');
      // ES256 header naming the RSA key, RS256 header naming the EC key.
      assert401(await call(w.jwks, { token: esToken(hsClaims('u'), 'rsa-1') }), 'InvalidToken');
      assert401(await call(w.jwks, { token: rsToken(hsClaims('u'), 'ec-1') }), 'InvalidToken');
      const header = Buffer.from(JSON.stringify({ alg: 'none', kid: 'rsa-1' })).toString('base64url');
      const claims = Buffer.from(JSON.stringify(hsClaims('u'))).toString('base64url');
      assert401(await call(w.jwks, { token: `${header}.${claims}.` }), 'InvalidToken');
      // An unsupported algorithm.
      assert401(await call(w.jwks, { token: signJwt({ alg: 'PS256', kid: 'rsa-1' }, hsClaims('u'), keys.rsa.privateKey) }), 'InvalidToken');
    });

    test('claims are checked after the signature: expired and missing sub', async () => {
      const now = nowSeconds();
      assert401(await call(w.jwks, { token: esToken({ sub: 'u', exp: now - 3600 }) }), 'TokenExpired');
      assert401(await call(w.jwks, { token: rsToken({ exp: now + 600, iss: ISSUER, aud: AUDIENCE }) }), 'InvalidToken');
    });

    test('with both configured, HS256 uses the secret and RS256/ES256 the JWKS', async () => {
      await assertIssued(await call(w.both, { token: hsToken(hsClaims('both-user')) }));
      await assertIssued(await call(w.both, { token: esToken(hsClaims('both-user')) }));
      assert401(await call(w.both, { token: hsToken(hsClaims('u'), HS, JSON.stringify(keys.rsa.jwk)) }), 'InvalidToken');
    });

    test('keys are cached; an unknown kid refetches the JWKS, at most once a minute', async () => {
      await assertIssued(await call(w.rotation, { token: rsToken(hsClaims('rot-user')) }));
      await assertIssued(await call(w.rotation, { token: rsToken(hsClaims('rot-user')) }));
      assert.equal(rotation.requests, 1, 'the second request used the cached keys');
      // The issuer rotates in a new key: the unknown kid triggers one refetch.
      rotation.keys = [keys.rsa.jwk, keys.rotated.jwk];
      await assertIssued(await call(w.rotation, { token: rsToken(hsClaims('rot-user'), 'rsa-2', keys.rotated.privateKey) }));
      assert.equal(rotation.requests, 2);
      // Another unknown kid right after: no new download (rate limit), 401.
      const r = await call(w.rotation, { token: rsToken(hsClaims('rot-user'), 'rsa-3', keys.rotated.privateKey) });
      assert401(r, 'InvalidToken');
      assert.equal(rotation.requests, 2, 'refetches are limited to one a minute');
      // The known keys keep working.
      await assertIssued(await call(w.rotation, { token: rsToken(hsClaims('rot-user'), 'rsa-2', keys.rotated.privateKey) }));
      assert.equal(rotation.requests, 2);
    });
  });
});
