// `acs-identity/credential`: the token credential without the wasm module, for browser apps that
// only need tokens. Bundled as an app would bundle it, it pulls in no wasm and stays small; and it
// reads token expiries by itself with the same rules as decodeAccessToken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { prepareConsumer, root } from '../support/consumer.mjs';

const b64u = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const jwt = (claims) => `${b64u({ alg: 'RS256', typ: 'JWT' })}.${b64u(claims)}.c2ln`;

test('a browser bundle of acs-identity/credential has no wasm and is a few KB', async (t) => {
  const consumer = prepareConsumer();
  const entry = join(consumer, `credential-app-${process.pid}.mjs`);
  writeFileSync(
    entry,
    "import { AcsTokenCredential, tokenRefresher } from 'acs-identity/credential';\n" +
      "export const credential = new AcsTokenCredential({ tokenRefresher: tokenRefresher('/token', { getAuthToken: () => 'app' }), refreshProactively: true });\n",
  );
  t.after(() => rmSync(entry, { force: true }));
  const out = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', platform: 'browser', write: false, metafile: true, logLevel: 'silent' });
  const inputs = Object.keys(out.metafile.inputs);
  assert.ok(!inputs.some((f) => /acs_identity(_bg)?\.(js|wasm)$/.test(f)), `no wasm glue in ${inputs.join(', ')}`);
  const gz = gzipSync(out.outputFiles[0].contents, { level: 9 }).length;
  assert.ok(gz < 8000, `bundle is ${gz} B gzip`);
  console.log(`acs-identity/credential browser bundle: ${out.outputFiles[0].contents.length} B, ${gz} B gzip`);
});

test("the wasm-free credential reads expiries with decodeAccessToken's rules", async () => {
  const { AcsTokenCredential, AcsIdentityError } = await import(pathToFileURL(join(root, 'pkg', 'credential.js')).href);
  const { decodeAccessToken } = await import(pathToFileURL(join(root, 'pkg', 'node.js')).href);
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const token = jwt({ exp, skypeid: 'acs:x_y', acsScope: 'chat', iat: exp - 60 });
  const c = new AcsTokenCredential({ tokenRefresher: async () => token });
  const got = await c.getToken();
  assert.equal(got.expiresOnTimestamp, exp * 1000);
  assert.equal(got.expiresOnTimestamp, decodeAccessToken(token).expiresOn.getTime(), 'same expiry as the wasm decoder');
  c.dispose();

  // Encrypted (JWE) tokens use the expiresOn given with them; without one, a clear error.
  const jwe = 'aaaa.bbbb.cccc.dddd.eeee';
  const until = Date.now() + 3_600_000;
  const withExpiry = new AcsTokenCredential({ tokenRefresher: async () => ({ token: jwe, expiresOn: new Date(until) }) });
  assert.equal((await withExpiry.getToken()).expiresOnTimestamp, until);
  withExpiry.dispose();
  for (const bad of [jwe, 'not-a-jwt', `${b64u({})}.${b64u('[1]')}.x`, jwt({ exp: 'soon' }), `x.${'%%%'}.y`, jwt({ sub: 'no exp' })]) {
    const cred = new AcsTokenCredential({ tokenRefresher: async () => bad });
    await assert.rejects(cred.getToken(), (e) => {
      assert.ok(e instanceof AcsIdentityError);
      const chain = [];
      for (let x = e; x; x = x.cause) chain.push(x.code);
      assert.ok(chain.includes('InvalidToken'), `an InvalidToken in the cause chain: ${chain.join(' <- ')}`);
      assert.ok(['TokenRefreshFailed', 'TokenExpiryUnknown'].includes(e.code), e.code);
      assert.ok(!e.message.includes(bad), 'the token is not in the message');
      return true;
    });
    assert.throws(() => decodeAccessToken(bad), (e) => e.code === 'InvalidToken', 'the wasm decoder refuses it too');
    cred.dispose();
  }
});
