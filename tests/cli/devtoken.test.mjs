// `acs-identity dev-token`: the HS256 app token it prints is accepted by the token endpoint
// (acs-identity/worker in workerd, the emulator upstream) configured with the same secret, issuer
// and audience, and refused with another secret; short secrets and bad values are refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_ENTRY, bundleWorker, call, cleanBundles, startWorkers, workerOptions } from '../worker/helpers.mjs';
import { run, runDir, startEmulator } from './helpers.mjs';

const SECRET = 'dev-token-test-secret-0123456789-abcdef';
const ISSUER = 'https://dev.example.test/';
const AUDIENCE = 'chat-app';

const decode = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

async function mint(args) {
  const r = await run(['dev-token', ...args]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const token = r.stdout.trim();
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  return token;
}

describe('dev-token', () => {
  let emulator;
  let mf;
  let w;
  before(async () => {
    const script = await bundleWorker(runDir, 'devtoken', DEFAULT_ENTRY);
    emulator = await startEmulator();
    const acs = emulator.connectionString;
    ({ mf, workers: w } = await startWorkers({
      plain: workerOptions(script, { ACS_CONNECTION_STRING: acs, AUTH_JWT_SECRET: SECRET }),
      strict: workerOptions(script, { ACS_CONNECTION_STRING: acs, AUTH_JWT_SECRET: SECRET, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE }),
      other: workerOptions(script, { ACS_CONNECTION_STRING: acs, AUTH_JWT_SECRET: `${SECRET}-other` }),
    }));
  });
  after(async () => {
    await mf?.dispose();
    await emulator?.close();
    cleanBundles(runDir);
  });

  test('prints an HS256 JWT with sub, iat, nbf and exp (60 minutes by default)', async () => {
    const token = await mint(['--sub', 'alice', '--secret', SECRET]);
    const [h, p] = token.split('.');
    assert.deepEqual(decode(h), { alg: 'HS256', typ: 'JWT' });
    const claims = decode(p);
    assert.deepEqual(Object.keys(claims).sort(), ['exp', 'iat', 'nbf', 'sub']);
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.exp - claims.iat, 3600);
    assert.ok(Math.abs(claims.iat - Date.now() / 1000) < 60);
  });

  test('the endpoint with the same secret accepts it and issues an ACS token', async () => {
    const token = await mint(['--sub', 'alice', '--secret', SECRET]);
    const r = await call(w.plain, { token });
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.token);
    assert.match(r.json.user.communicationUserId, /^8:acs:/);
  });

  test('--iss, --aud and --ttl-minutes: an endpoint that checks issuer and audience accepts it', async () => {
    const token = await mint(['--sub', 'bob', '--secret', SECRET, '--iss', ISSUER, '--aud', AUDIENCE, '--ttl-minutes', '5']);
    const claims = decode(token.split('.')[1]);
    assert.equal(claims.iss, ISSUER);
    assert.equal(claims.aud, AUDIENCE);
    assert.equal(claims.exp - claims.iat, 300);
    const r = await call(w.strict, { token });
    assert.equal(r.status, 200, r.text);
    // Without them, the same endpoint refuses.
    const bare = await call(w.strict, { token: await mint(['--sub', 'bob', '--secret', SECRET]) });
    assert.equal(bare.status, 401, bare.text);
  });

  test('an endpoint with another secret refuses it (401)', async () => {
    const r = await call(w.other, { token: await mint(['--sub', 'alice', '--secret', SECRET]) });
    assert.equal(r.status, 401, r.text);
  });

  test('refuses a secret shorter than 32 bytes, naming the flag and never echoing the secret (exit 2)', async () => {
    const short = 'short-secret-XYZZY';
    const r = await run(['dev-token', '--sub', 'alice', '--secret', short]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^ERROR: argument --secret: the secret must be at least 32 bytes long/);
    assert.ok(!r.stderr.includes(short));
  });

  test('bad --ttl-minutes, blank --sub and missing arguments are argument errors', async () => {
    for (const [args, re] of [
      [['--sub', 'a', '--secret', SECRET, '--ttl-minutes', '0'], /argument --ttl-minutes: must be from 1 to 1440/],
      [['--sub', 'a', '--secret', SECRET, '--ttl-minutes', '1441'], /argument --ttl-minutes: must be from 1 to 1440/],
      [['--sub', 'a', '--secret', SECRET, '--ttl-minutes', 'soon'], /argument --ttl-minutes: invalid int value: 'soon'/],
      [['--sub', ' ', '--secret', SECRET], /argument --sub: must be a non-blank user id/],
      [[], /the following arguments are required: --secret, --sub/],
    ]) {
      const r = await run(['dev-token', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.ok(!r.stderr.includes(SECRET));
    }
  });

  test('the help says it is for development only', async () => {
    const r = await run(['dev-token', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /For development only/);
    assert.match(r.stdout, /--secret \[Required\]/);
  });
});
