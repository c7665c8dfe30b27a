// The hostile-token matrix: trust decisions that hold against hostile issuers and tokens, in every
// runtime the endpoint runs in (workerd, Node, Deno, Bun), with the emulator upstream.
//   - with AUTH_JWKS_URL, AUTH_ISSUER is required, and AUTH_AUDIENCE unless AUTH_AUDIENCE_OPTIONAL;
//   - one identity namespace per trust source and issuer (IDENTITY_NAMESPACE when configured);
//   - two instances mapping a new user at once end with one identity (kv mode);
//   - repeated member names, non-canonical base64url, high-S ES256 signatures, date claims of the
//     wrong type, over-long lifetimes, bad subs and unexpected typ values are refused (401);
//   - the JWKS download follows no redirect and stops reading a document over its cap;
//   - keys that cannot be refreshed are trusted only for AUTH_JWKS_STALE_SECONDS past their
//     lifetime (AUTH_JWKS_CACHE_SECONDS), then refused (401, logged) until a download succeeds.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, sign as cryptoSign } from 'node:crypto';
import http from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ENDPOINT_RUNTIMES, startEndpoints } from './runtimes.mjs';
import { HS_SECRET, call, claimsFor, emulatorStats, introspect, makeKeys, nowSeconds, root, serveJwks, signJwt, startEmulator } from './helpers.mjs';

const ISS = 'https://issuer.example.test/';
const AUD = 'acs-token-endpoint';
const b64u = (b) => Buffer.from(b).toString('base64url');
let serial = 0;
const newUser = (what) => `${what}-${process.pid}-${Date.now()}-${serial++}`;

/** An HS256 token from the exact header and payload text (duplicates, nulls, ... as written). */
function rawHs(headerText, payloadText, secret = HS_SECRET) {
  const input = `${b64u(headerText)}.${b64u(payloadText)}`;
  return `${input}.${b64u(createHmac('sha256', secret).update(input).digest())}`;
}
const hsToken = (claims, header = { alg: 'HS256', typ: 'JWT' }) => rawHs(JSON.stringify(header), JSON.stringify(claims));

/** The order of the P-256 group. */
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const toBytes = (n) => Buffer.from(n.toString(16).padStart(64, '0'), 'hex');

/** An ES256 token whose signature has a low S (`high`: its valid high-S twin). */
function esToken(key, claims, { high = false, kid = 'ec-1' } = {}) {
  const input = `${b64u(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid }))}.${b64u(JSON.stringify(claims))}`;
  const sig = cryptoSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  const s = BigInt(`0x${sig.subarray(32).toString('hex')}`);
  const low = s > N / 2n ? N - s : s;
  return `${input}.${b64u(Buffer.concat([sig.subarray(0, 32), toBytes(high ? N - low : low)]))}`;
}

/** A server at `/jwks.json` answering 302 to `target`; counts requests. */
async function serveRedirect(target) {
  const state = { requests: 0 };
  const server = http.createServer((req, res) => {
    state.requests++;
    res.writeHead(302, { location: target }).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${server.address().port}/jwks.json`;
  state.close = () => new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); });
  return state;
}

/** A JWKS server that answers 500 while `failing` is set; counts requests. */
async function serveFlakyJwks(keys) {
  const state = { keys, requests: 0, failing: false };
  const server = http.createServer((req, res) => {
    state.requests++;
    if (state.failing) res.writeHead(500, { 'content-type': 'text/plain' }).end('unavailable');
    else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${server.address().port}/jwks.json`;
  state.close = () => new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); });
  return state;
}

const sleepUntil = (at) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

/** A JWKS that never ends (valid JSON so far); records how many bytes each download took. */
async function serveEndless() {
  const state = { downloads: [] };
  const server = http.createServer((req, res) => {
    const download = { sent: 0, closed: false };
    state.downloads.push(download);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"keys":[');
    download.sent += 9;
    const chunk = `${' '.repeat(16 * 1024)}`;
    const pump = () => {
      while (!download.closed && download.sent < 16 * 1024 * 1024) {
        download.sent += chunk.length;
        if (!res.write(chunk)) return res.once('drain', pump);
      }
      res.end();
    };
    res.on('close', () => (download.closed = true));
    pump();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${server.address().port}/jwks.json`;
  state.close = () => new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); });
  return state;
}

const post = (ep, token) => call(ep, { token });

async function refused(ep, token, code = 'InvalidToken', message) {
  const r = await post(ep, token);
  assert.equal(r.status, 401, r.text);
  assert.equal(r.json.error.code, code, r.text);
  assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
  if (message) assert.match(r.json.error.message, message);
  return r;
}

let emulator;
let keys;
let jwks;
let redirect;
let redirectTarget;
let endless;
let lib;
before(async () => {
  emulator = await startEmulator();
  keys = makeKeys();
  jwks = await serveJwks([keys.rsa.jwk, keys.ec.jwk]);
  redirectTarget = await serveJwks([keys.rsa.jwk, keys.ec.jwk]);
  redirect = await serveRedirect(redirectTarget.url);
  endless = await serveEndless();
  lib = await import(pathToFileURL(join(root, 'pkg', 'node.js')).href);
});
after(async () => {
  await Promise.all([jwks?.close(), redirect?.close(), redirectTarget?.close(), endless?.close()]);
  await emulator?.close();
});

for (const runtime of ENDPOINT_RUNTIMES) {
  describe(runtime, () => {
    let stack;
    let ep;
    // Its own JWKS server: the key cache is per URL and per isolate or process.
    let flaky;
    before(async () => {
      flaky = await serveFlakyJwks([keys.rsa.jwk, keys.ec.jwk]);
      const acs = { ACS_CONNECTION_STRING: emulator.connectionString, RATE_LIMIT_PER_MINUTE: 'off' };
      const issuer = { AUTH_ISSUER: ISS, AUTH_AUDIENCE: AUD };
      stack = await startEndpoints(runtime, {
        hs: { bindings: { ...acs, AUTH_JWT_SECRET: HS_SECRET } },
        both: { bindings: { ...acs, ...issuer, AUTH_JWT_SECRET: HS_SECRET, AUTH_JWKS_URL: jwks.url } },
        highS: { bindings: { ...acs, ...issuer, AUTH_JWKS_URL: jwks.url, AUTH_ES256_ALLOW_HIGH_S: 'true' } },
        named: { bindings: { ...acs, AUTH_JWT_SECRET: HS_SECRET, IDENTITY_NAMESPACE: 'shop' } },
        noIssuer: { bindings: { ...acs, AUTH_JWKS_URL: jwks.url } },
        noAudience: { bindings: { ...acs, AUTH_JWKS_URL: jwks.url, AUTH_ISSUER: ISS } },
        optOut: { bindings: { ...acs, AUTH_JWKS_URL: jwks.url, AUTH_ISSUER: ISS, AUTH_AUDIENCE_OPTIONAL: 'true' } },
        typed: { bindings: { ...acs, AUTH_JWT_SECRET: HS_SECRET, AUTH_TOKEN_TYPES: 'JWT,at+jwt', AUTH_MAX_TOKEN_LIFETIME_MINUTES: '30' } },
        redirected: { bindings: { ...acs, ...issuer, AUTH_JWKS_URL: redirect.url } },
        endless: { bindings: { ...acs, ...issuer, AUTH_JWKS_URL: endless.url } },
        stale: { bindings: { ...acs, ...issuer, AUTH_JWKS_URL: flaky.url, AUTH_JWKS_CACHE_SECONDS: '1', AUTH_JWKS_STALE_SECONDS: '2' } },
        kvA: { bindings: { ...acs, AUTH_JWT_SECRET: HS_SECRET, IDENTITY_MAPPING: 'kv' } },
        kvB: { bindings: { ...acs, AUTH_JWT_SECRET: HS_SECRET, IDENTITY_MAPPING: 'kv' } },
      });
      ep = stack.endpoints;
    });
    after(async () => {
      await stack?.close();
      await flaky?.close();
    });

    test('with AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE are required (500 naming the binding) unless AUTH_AUDIENCE_OPTIONAL=true', async () => {
      const token = signJwt({ alg: 'RS256', kid: 'rsa-1' }, claimsFor('victim', { iss: 'https://anyone.example/' }), keys.rsa.privateKey);
      const noIssuer = await post(ep.noIssuer, token);
      assert.equal(noIssuer.status, 500);
      assert.equal(noIssuer.json.error.code, 'ConfigurationError');
      assert.match(noIssuer.json.error.message, /^AUTH_ISSUER is not set: it is required with AUTH_JWKS_URL/);
      const noAudience = await post(ep.noAudience, token);
      assert.equal(noAudience.status, 500);
      assert.match(noAudience.json.error.message, /^AUTH_AUDIENCE is not set: .*AUTH_AUDIENCE_OPTIONAL=true/);
      // The opt-out: the issuer is still checked, aud is not needed.
      await refused(ep.optOut, token, 'InvalidIssuer');
      const ok = await post(ep.optOut, signJwt({ alg: 'RS256', kid: 'rsa-1' }, claimsFor('opted-out', { iss: ISS }), keys.rsa.privateKey));
      assert.equal(ok.status, 200, ok.text);
      // With both required: a token of the key set for another audience is refused.
      const otherApp = signJwt({ alg: 'RS256', kid: 'rsa-1' }, claimsFor('victim', { iss: ISS, aud: 'another-app' }), keys.rsa.privateKey);
      await refused(ep.both, otherApp, 'InvalidAudience');
    });

    test('one namespace per trust source: the same sub from the HS256 secret and the JWKS issuer are two identities', async () => {
      const sub = newUser('shared-sub');
      const viaSecret = await post(ep.both, hsToken(claimsFor(sub, { iss: ISS, aud: AUD })));
      const viaJwks = await post(ep.both, signJwt({ alg: 'RS256', kid: 'rsa-1' }, claimsFor(sub, { iss: ISS, aud: AUD }), keys.rsa.privateKey));
      const viaSecretAgain = await post(ep.both, hsToken(claimsFor(sub, { iss: ISS, aud: AUD })));
      for (const r of [viaSecret, viaJwks, viaSecretAgain]) assert.equal(r.status, 200, r.text);
      assert.notEqual(viaSecret.json.user.communicationUserId, viaJwks.json.user.communicationUserId);
      assert.equal(viaSecret.json.user.communicationUserId, viaSecretAgain.json.user.communicationUserId, 'stable');
      // Another app's customId on the same resource (the bare sub) is not this user either.
      const client = new lib.CommunicationIdentityClient(emulator.connectionString);
      const bare = await client.createUser({ customId: sub });
      assert.notEqual(bare.communicationUserId, viaSecret.json.user.communicationUserId);
      // The customId is `{12 hex of SHA-256(iss)}.{source}:{sub}`, or `{IDENTITY_NAMESPACE}.{source}:{sub}`.
      const details = await client.getUser(viaJwks.json.user.communicationUserId);
      assert.match(details.customId, new RegExp(`^[0-9a-f]{12}\\.jwks:${sub}$`));
      const named = await post(ep.named, hsToken(claimsFor(sub)));
      assert.equal(named.status, 200, named.text);
      assert.equal((await client.getUser(named.json.user.communicationUserId)).customId, `shop.hs256:${sub}`);
    });

    test('two instances mapping a new user at once (kv mode) end with one identity', async () => {
      const sub = newUser('race');
      const before = (await emulatorStats(emulator)).identities;
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => post(i % 2 ? ep.kvB : ep.kvA, hsToken(claimsFor(sub)))));
      for (const r of answers) assert.equal(r.status, 200, r.text);
      const ids = new Set(answers.map((r) => r.json.user.communicationUserId));
      assert.equal(ids.size, 1, [...ids].join(' '));
      assert.equal((await emulatorStats(emulator)).identities - before, 1, 'one identity in the service');
      for (const r of answers) assert.equal((await introspect(emulator, r.json.token)).active, true);
      // The service knows it by its mapping key (customId); each instance cached it in KV.
      const [id] = ids;
      const { customId } = await new lib.CommunicationIdentityClient(emulator.connectionString).getUser(id);
      assert.match(customId, new RegExp(`^[0-9a-f]{12}\\.hs256:${sub}$`));
      for (const name of ['kvA', 'kvB']) assert.equal(await ep[name].kv.get(customId), id, `${name} cached the identity`);
    });

    test('a header or payload with a repeated member name is refused (RFC 7519 §4)', async () => {
      const exp = nowSeconds() + 600;
      await refused(ep.hs, rawHs('{"alg":"HS256","typ":"JWT"}', `{"sub":"alice","exp":${exp},"sub":"bob"}`), 'InvalidToken', /payload has a member name more than once/);
      await refused(ep.hs, rawHs('{"alg":"HS256","typ":"JWT"}', `{"sub":"alice","exp":${exp},"exp":${exp + 86400 * 365}}`), 'InvalidToken', /more than once/);
      await refused(ep.hs, rawHs('{"alg":"HS256","alg":"HS256"}', `{"sub":"alice","exp":${exp}}`), 'InvalidToken', /header has a member name more than once/);
      // The same name spelled with an escape, and repeated names in nested objects, are refused too.
      await refused(ep.hs, rawHs('{"alg":"HS256"}', `{"sub":"alice","exp":${exp},"\\u0073ub":"bob"}`), 'InvalidToken', /payload has a member name more than once/);
      await refused(ep.hs, rawHs('{"alg":"HS256"}', `{"sub":"alice","exp":${exp},"ctx":[{"a":1},{"a":1,"a":2}]}`), 'InvalidToken', /payload has a member name more than once/);
      await refused(ep.hs, rawHs('{"alg":"HS256","x":{"k":1,"k":1}}', `{"sub":"alice","exp":${exp}}`), 'InvalidToken', /header has a member name more than once/);
      // Colons, braces and quotes inside strings are no members; an outer name may recur nested.
      const sub = `${newUser('colon')}:{"a":1}`;
      const ok = await post(ep.hs, rawHs('{"alg":"HS256"}', `{"sub":${JSON.stringify(sub)},"exp":${exp},"ctx":{"sub":"x:y","\\"":":"}}`));
      assert.equal(ok.status, 200, ok.text);
      // A lone surrogate escape and nesting deeper than 64 levels are not valid JSON here.
      await refused(ep.hs, rawHs('{"alg":"HS256"}', `{"sub":"\\ud800","exp":${exp}}`), 'InvalidToken', /payload is not valid JSON/);
      await refused(ep.hs, rawHs('{"alg":"HS256"}', `{"sub":"alice","exp":${exp},"x":${'['.repeat(64)}${']'.repeat(64)}}`), 'InvalidToken', /payload is not valid JSON/);
    });

    test('non-canonical base64url is refused: padding, non-zero trailing bits', async () => {
      const good = hsToken(claimsFor(newUser('b64')));
      assert.equal((await post(ep.hs, good)).status, 200);
      const [h, p, s] = good.split('.');
      const pad = (x) => x + '='.repeat((4 - (x.length % 4)) % 4 || 4);
      for (const bad of [`${pad(h)}.${p}.${s}`, `${h}.${pad(p)}.${s}`, `${h}.${p}.${pad(s)}`]) {
        await refused(ep.hs, bad, 'InvalidToken', /canonical base64url/);
      }
      // The HMAC is 32 bytes: 43 symbols whose last carries 2 unused bits. Set one.
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(s.at(-1));
      const twin = `${h}.${p}.${s.slice(0, -1)}${alphabet[last | 1]}`;
      assert.deepEqual(Buffer.from(twin.split('.')[2], 'base64url'), Buffer.from(s, 'base64url'), 'the same signature bytes');
      await refused(ep.hs, twin, 'InvalidToken', /signature is not canonical base64url/);
    });

    test('ES256: the high-S twin of a valid signature is refused; the low-S one is accepted', async () => {
      const claims = claimsFor(newUser('es'), { iss: ISS, aud: AUD });
      const low = await post(ep.both, esToken(keys.ec.privateKey, claims));
      assert.equal(low.status, 200, low.text);
      await refused(ep.both, esToken(keys.ec.privateKey, claims, { high: true }), 'InvalidToken', /low-S/);
    });

    test('ES256 with AUTH_ES256_ALLOW_HIGH_S=true: both twins are accepted (issuers that do not normalise S)', async () => {
      const claims = claimsFor(newUser('es-high'), { iss: ISS, aud: AUD });
      const high = await post(ep.highS, esToken(keys.ec.privateKey, claims, { high: true }));
      assert.equal(high.status, 200, high.text);
      const low = await post(ep.highS, esToken(keys.ec.privateKey, claims));
      assert.equal(low.status, 200, low.text);
      assert.equal(low.json.user.communicationUserId, high.json.user.communicationUserId);
    });

    test('exp, nbf, iat of the wrong type (null, text, true) are refused', async () => {
      const now = nowSeconds();
      for (const payload of [
        '{"sub":"a","exp":null}',
        `{"sub":"a","exp":${now + 600},"nbf":null}`,
        `{"sub":"a","exp":${now + 600},"iat":null}`,
        `{"sub":"a","exp":"${now + 600}"}`,
        `{"sub":"a","exp":${now + 600},"nbf":true}`,
      ]) {
        await refused(ep.hs, rawHs('{"alg":"HS256"}', payload), 'InvalidToken', /claim is not a number of seconds/);
      }
    });

    test('tokens living longer than the maximum are refused (24 h by default; AUTH_MAX_TOKEN_LIFETIME_MINUTES)', async () => {
      const now = nowSeconds();
      // exp − iat over 24 h, although the token expires in ten minutes.
      await refused(ep.hs, hsToken({ sub: 'a', iat: now - 86400, exp: now + 600 }), 'InvalidToken', /lives longer than 1440 minutes/);
      // Without iat: exp − now.
      await refused(ep.hs, hsToken({ sub: 'a', exp: now + 2 * 86400 }), 'InvalidToken', /lives longer/);
      assert.equal((await post(ep.hs, hsToken({ sub: newUser('day'), iat: now, exp: now + 86400 }))).status, 200);
      const typ = { alg: 'HS256', typ: 'JWT' };
      await refused(ep.typed, hsToken({ sub: 'a', iat: now, exp: now + 3600 }, typ), 'InvalidToken', /longer than 30 minutes/);
      assert.equal((await post(ep.typed, hsToken({ sub: newUser('short'), iat: now, exp: now + 1800 }, typ))).status, 200);
    });

    test('a sub that is blank, has control characters or is longer than the mapping allows is refused', async () => {
      for (const [sub, message] of [
        ['', /blank/],
        ['   ', /blank/],
        ['alice\n', /control characters/],
        ['al\u0000ice', /control characters/],
        ['a\u0085b', /control characters/],
        ['\u0085', /blank/],
        [42, /sub claim is not a string/],
      ]) {
        await refused(ep.hs, hsToken(claimsFor(sub)), 'InvalidToken', message);
      }
      // `{12 hex}.hs256:` leaves 237 characters of the 256 of a customId.
      const fits = `${newUser('long')}-`.padEnd(237, 'x');
      assert.equal((await post(ep.hs, hsToken(claimsFor(fits)))).status, 200);
      await refused(ep.hs, hsToken(claimsFor(`${fits}x`)), 'InvalidToken', /longer than the identity mapping allows \(237 characters\)/);
    });

    test('typ is checked when AUTH_TOKEN_TYPES is set', async () => {
      const claims = () => claimsFor(newUser('typ'));
      for (const typ of ['JWT', 'at+jwt', 'application/AT+JWT']) {
        assert.equal((await post(ep.typed, hsToken(claims(), { alg: 'HS256', typ }))).status, 200, typ);
      }
      await refused(ep.typed, hsToken(claims(), { alg: 'HS256' }), 'InvalidToken', /typ is not one of AUTH_TOKEN_TYPES/);
      await refused(ep.typed, hsToken(claims(), { alg: 'HS256', typ: 'dpop+jwt' }), 'InvalidToken', /AUTH_TOKEN_TYPES/);
      // Without AUTH_TOKEN_TYPES any typ is accepted.
      assert.equal((await post(ep.hs, hsToken(claims(), { alg: 'HS256', typ: 'whatever' }))).status, 200);
    });

    test('the JWKS download follows no redirect (502 JwksUnavailable; the target is never asked)', async () => {
      const before = redirectTarget.requests;
      const token = signJwt({ alg: 'RS256', kid: 'rsa-1' }, claimsFor('r', { iss: ISS, aud: AUD }), keys.rsa.privateKey);
      const r = await post(ep.redirected, token);
      assert.equal(r.status, 502, r.text);
      assert.equal(r.json.error.code, 'JwksUnavailable');
      assert.ok(redirect.requests >= 1);
      assert.equal(redirectTarget.requests, before, 'the redirect was not followed');
      assert.match(stack.output(), /could not be fetched \(status 302: redirects are not followed\)/);
    });

    test('an endless JWKS document is cut off while streaming (502), long before it ends', async () => {
      const token = signJwt({ alg: 'RS256', kid: 'rsa-1' }, claimsFor('e', { iss: ISS, aud: AUD }), keys.rsa.privateKey);
      const started = endless.downloads.length;
      const r = await post(ep.endless, token);
      assert.equal(r.status, 502, r.text);
      assert.equal(r.json.error.code, 'JwksUnavailable');
      const mine = endless.downloads.slice(started);
      assert.ok(mine.length >= 1);
      // The cap is 256 KiB; socket buffers hold a few MiB at most — far from the 16 MiB on offer.
      for (let i = 0; i < 50 && !mine.every((d) => d.closed); i++) await new Promise((res) => setTimeout(res, 20));
      for (const d of mine) assert.ok(d.closed && d.sent < 12 * 1024 * 1024, `sent ${d.sent} bytes, closed ${d.closed}`);
      assert.match(stack.output(), /could not be fetched \(the document is too large\)/);
    });

    test('stale keys: trusted AUTH_JWKS_STALE_SECONDS past AUTH_JWKS_CACHE_SECONDS while the JWKS fails, then 401 with a logged cause, until it recovers', async () => {
      // Keys live 1 s, with 2 s of grace.
      const token = () => signJwt({ alg: 'RS256', kid: 'rsa-1' }, claimsFor(newUser('stale'), { iss: ISS, aud: AUD }), keys.rsa.privateKey);
      const first = await post(ep.stale, token());
      assert.equal(first.status, 200, first.text);
      const downloaded = Date.now(); // the keys were downloaded before this
      assert.equal(flaky.requests, 1);
      flaky.failing = true;

      // Within the grace window: the refresh is tried, fails, and the old keys still verify.
      await sleepUntil(downloaded + 1500);
      const tried = flaky.requests;
      const graced = await post(ep.stale, token());
      assert.equal(graced.status, 200, graced.text);
      assert.ok(flaky.requests > tried, 'a refresh was tried (and failed) within the grace window');

      // Past it (1 s + 2 s after the download): refused, with the cause in the endpoint's log.
      await sleepUntil(downloaded + 3500);
      const logFrom = stack.output().length;
      const late = token();
      const r = await refused(ep.stale, late, 'InvalidToken', /keys of AUTH_JWKS_URL are out of date and could not be refreshed/);
      let log = '';
      for (let i = 0; i < 100 && !/past their lifetime and grace period/.test(log); i++) {
        await new Promise((res) => setTimeout(res, 20));
        log = stack.output().slice(logFrom);
      }
      assert.match(log, /the keys of AUTH_JWKS_URL are past their lifetime and grace period and could not be refreshed; tokens that need them are refused \(401\)/);
      assert.match(log, /the keys of AUTH_JWKS_URL could not be fetched \(status 500\)/);
      // No secret in the log or the answer: neither the app token nor the ACS access key.
      const accessKey = /accesskey=([^;]+)/i.exec(emulator.connectionString)[1];
      for (const text of [log, r.text]) {
        assert.ok(!text.includes(late) && !text.includes(late.split('.')[2]), 'the app token is not logged');
        assert.ok(!text.includes(accessKey), 'the access key is not logged');
      }

      // The JWKS server recovers: after the failure back-off (the key lifetime, 1 s) a download
      // succeeds and tokens are accepted again.
      flaky.failing = false;
      const failures = flaky.requests;
      await new Promise((res) => setTimeout(res, 1200));
      const again = await post(ep.stale, token());
      assert.equal(again.status, 200, again.text);
      assert.ok(flaky.requests > failures, 'the keys were downloaded again');
    });
  });
}
