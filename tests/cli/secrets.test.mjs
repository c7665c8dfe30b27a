// Secrets: with --debug on every command, stdout and stderr never contain the access key, the
// connection string, a request signature or (but as the intended output of a token command) a token.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { JWT_RE, emulatorPost, run, startEmulator } from './helpers.mjs';

const APP_ID = '0d6e4f4a-7b8c-4d2e-9f10-a1b2c3d4e5f6';
const AAD_USER = '6c5b4a39-2817-4f6e-8d5c-4b3a29180716';

let emu;
let key;
before(async () => {
  key = randomBytes(32).toString('base64');
  emu = await startEmulator({ port: 0, accessKey: key });
});
after(() => emu.close());

const jwts = (text) => text.match(new RegExp(JWT_RE.source, 'g')) ?? [];

/**
 * Run with --debug (connection string by argument or environment) and check the invariants.
 * @param {string[]} args
 * @param {{ tokenOutput?: boolean, viaEnv?: boolean, code?: number, extraSecrets?: string[] }} expect
 */
async function debugRun(args, { tokenOutput = false, viaEnv = false, code = 0, extraSecrets = [] } = {}) {
  const r = viaEnv
    ? await run([...args, '--debug'], { env: { AZURE_COMMUNICATION_CONNECTION_STRING: emu.connectionString } })
    : await run([...args, '--debug', '--connection-string', emu.connectionString]);
  const all = r.stdout + r.stderr;
  const what = `${args.join(' ')}\n${r.stderr}`;
  assert.equal(r.code, code, what);
  assert.ok(!all.includes(key), `access key leaked: ${what}`);
  assert.ok(!all.includes(emu.connectionString), `connection string leaked: ${what}`);
  assert.ok(!/accesskey=/i.test(all), `connection string part leaked: ${what}`);
  for (const m of all.matchAll(/Signature=([^&\s'",]*)/gi)) assert.equal(m[1], 'REDACTED', `signature leaked: ${what}`);
  for (const s of extraSecrets) assert.ok(!all.includes(s), `secret argument leaked: ${what}`);
  assert.deepEqual(jwts(r.stderr), [], `token on stderr: ${what}`);
  if (tokenOutput) {
    const out = JSON.parse(r.stdout);
    assert.deepEqual(jwts(r.stdout), [out.token], 'the only token is the intended output');
  } else {
    assert.deepEqual(jwts(r.stdout), [], `token on stdout: ${what}`);
  }
  return r;
}

describe('--debug never prints secrets', () => {
  test('the debug log is there: request lines, redacted authorization and bodies, response bodies', async () => {
    const r = await debugRun(['token', 'issue', '--scope', 'chat'], { tokenOutput: true });
    assert.match(r.stderr, /DEBUG: Request URL: 'http:\/\/127\.0\.0\.1:\d+\/identities\?api-version=[\w-]+'/);
    assert.match(r.stderr, /DEBUG: Request method: 'POST'/);
    assert.match(r.stderr, /DEBUG: {5}'authorization': 'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=REDACTED'/);
    assert.match(r.stderr, /DEBUG: Request body: \{"createTokenWithScopes":\["chat"\]\}/);
    assert.match(r.stderr, /INFO: POST http:\/\/127\.0\.0\.1:\d+\/identities\?api-version=[\w-]+ 201 \(\d+ ms\)/);
    assert.match(r.stderr, /DEBUG: Response body: \{"identity":\{"id":"8:acs:[^"]+"\},"accessToken":\{"token":"REDACTED","expiresOn":"[^"]+"\}\}/);
    assert.match(r.stderr, /DEBUG: Command arguments: \[.*"--connection-string","REDACTED"\]/);
    assert.match(r.stderr, /INFO: Command ran in /);
  });

  test('every command', async () => {
    const created = JSON.parse((await debugRun(['user', 'create'])).stdout);
    const user = created.rawId;
    await debugRun(['user', 'create', '--custom-id', `secret-test-${process.pid}`], { viaEnv: true });
    await debugRun(['token', 'issue', '--scope', 'chat', 'voip', '--user', user, '--expires-in-minutes', '60'], { tokenOutput: true });
    await debugRun(['token', 'issue', '--scope', 'voip'], { tokenOutput: true, viaEnv: true });
    await debugRun(['issue-access-token', '-s', 'chat', '-u', user], { tokenOutput: true });
    await debugRun(['user', 'show', '--user', user]);
    const { token: aad } = await emulatorPost(emu, '/emulator/teams-token', { appId: APP_ID, userId: AAD_USER });
    const teams = await debugRun(['token', 'get-for-teams-user', '--aad-token', aad, '--client', APP_ID, '--aad-user', AAD_USER], {
      tokenOutput: true,
      extraSecrets: [aad],
    });
    assert.match(teams.stderr, /DEBUG: Request body: \{"token":"REDACTED","appId":"[^"]+","userId":"[^"]+"\}/);
    assert.match(teams.stderr, /"--aad-token","REDACTED"/);
    await debugRun(['token', 'get-for-teams-user', `--aad-token=${aad}`, '--client', APP_ID, '--aad-user', AAD_USER], {
      tokenOutput: true,
      extraSecrets: [aad],
    });
    await debugRun(['token', 'revoke', '--user', user, '--yes']);
    await debugRun(['user', 'delete', '--user', user, '--yes'], { viaEnv: true });
  });

  test('failures too: service errors, a refused argument value, a rejected Teams token', async () => {
    const gone = await debugRun(['user', 'show', '--user', `8:acs:${emu.resourceId}_00000000-0000-0000-0000-000000000000`], { code: 3 });
    assert.match(gone.stderr, /ERROR: \(IdentityNotFound\) /);
    // An identity of another resource: the service's 401 IdentityNotOwned.
    const foreign = await debugRun(['user', 'delete', '--yes', '--user', '8:acs:00000000-0000-0000-0000-000000000000_00000000-0000-0000-0000-000000000000'], { code: 1 });
    assert.match(foreign.stderr, /ERROR: \(IdentityNotOwned\) Provided identity doesn't belong to the resource\./);
    const scope = await debugRun(['token', 'issue', '--scope', 'nope'], { code: 1 });
    assert.match(scope.stderr, /ERROR: \(ValidationError\) /);
    const { token: aad } = await emulatorPost(emu, '/emulator/teams-token', { appId: APP_ID, userId: AAD_USER });
    const bad = await debugRun(['token', 'get-for-teams-user', '--aad-token', aad, '--client', APP_ID, '--aad-user', APP_ID], {
      code: 1,
      extraSecrets: [aad],
    });
    assert.match(bad.stderr, /ERROR: \(ValidationError\) /);
  });

  test('a wrong key (401): the answer is logged, neither key is', async () => {
    const wrong = randomBytes(32).toString('base64');
    const cs = `endpoint=${emu.endpoint};accesskey=${wrong}`;
    const r = await run(['user', 'create', '--debug', '--connection-string', cs]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /INFO: POST \S+ 401 /);
    assert.match(r.stderr, /ERROR: \(\w+\) /);
    for (const s of [wrong, key, cs]) assert.ok(!(r.stdout + r.stderr).includes(s));
  });

  test('a connection string given to the wrong flag: no piece of the key is ever printed', async () => {
    for (const args of [
      ['token', 'issue', '--scope', emu.connectionString],
      ['token', 'issue', '--scope', 'chat', '--user', emu.connectionString],
      ['token', 'get-for-teams-user', '--aad-token', 'x', '--client', emu.connectionString, '--aad-user', AAD_USER],
      ['user', 'show', '--user', emu.connectionString],
      ['user', 'delete', '--user', emu.connectionString, '--yes'],
    ]) {
      const r = await run([...args, '--connection-string', emu.connectionString]);
      assert.notEqual(r.code, 0, args.join(' '));
      const all = r.stdout + r.stderr;
      for (let i = 0; i + 8 <= key.length; i++) {
        assert.ok(!all.includes(key.slice(i, i + 8)), `a piece of the key is printed: ${all}`);
      }
      assert.doesNotMatch(all, /accesskey=[^R\s]/i, all);
    }
  });

  test('without --debug nothing but the result is printed', async () => {
    const r = await run(['token', 'issue', '--scope', 'chat', '--connection-string', emu.connectionString]);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    assert.ok(!r.stdout.includes(key));
  });
});
