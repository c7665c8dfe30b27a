// Every command of the CLI against an emulator running in this process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import {
  CLI,
  JWT_RE,
  PY_ISO_RE,
  SERVICE_DATE_RE,
  childEnv,
  createUserId,
  emulatorPost,
  introspect,
  run,
  runWith,
  startEmulator,
} from './helpers.mjs';

const DEPRECATION =
  "WARNING: This command has been deprecated and will be removed in a future release. Use 'token issue' instead.\n";
const APP_ID = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';
const AAD_USER = '9b2c7e1a-5d4f-4c3b-8a6e-1f0d2c3b4a59';

let emu;
before(async () => {
  emu = await startEmulator({ port: 0 });
});
after(() => emu.close());

/** Parse a successful JSON output. */
async function ok(args, opts) {
  const r = await runWith(emu, args, opts);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return { ...r, json: r.stdout === '' ? undefined : JSON.parse(r.stdout) };
}

/** `2026-12-02T22:03:21.0000000+00:00` (the service's own string, as az prints it) → minutes from now. */
const minutesFromNow = (s) => (Date.parse(s) - Date.now()) / 60_000;

describe('token issue', { concurrency: true }, () => {
  test('without --user: creates a user and issues a 24 h token', async () => {
    const { json, stderr } = await ok(['token', 'issue', '--scope', 'chat']);
    assert.deepEqual(Object.keys(json), ['expires_on', 'token', 'user_id']);
    assert.match(json.user_id, /^8:acs:[0-9a-f-]+_[0-9a-f-]+$/);
    assert.match(json.token, new RegExp(`^${JWT_RE.source}$`));
    assert.match(json.expires_on, new RegExp(`^${SERVICE_DATE_RE.source}$`));
    assert.ok(Math.abs(minutesFromNow(json.expires_on) - 1440) < 5);
    assert.equal(stderr, '');
    const info = await introspect(emu, json.token);
    assert.equal(info.active, true);
    assert.equal(info.communicationUserId, json.user_id);
    assert.deepEqual(info.scopes, ['chat']);
  });

  test('with --user, several scopes (space-separated) and --expires-in-minutes', async () => {
    const user = await createUserId(emu);
    const { json } = await ok(['token', 'issue', '--scope', 'chat', 'voip', '--user', user, '--expires-in-minutes', '60']);
    assert.equal(json.user_id, user);
    assert.ok(Math.abs(minutesFromNow(json.expires_on) - 60) < 5);
    const info = await introspect(emu, json.token);
    assert.equal(info.communicationUserId, user);
    assert.deepEqual(info.scopes.sort(), ['chat', 'voip']);
  });

  test('a repeated --scope replaces the earlier one (as argparse in az), and the --flag=value form', async () => {
    const user = await createUserId(emu);
    const { json } = await ok(['token', 'issue', '--scope', 'chat.join', '--scope=voip.join', `--user=${user}`, '--expires-in-minutes=90']);
    assert.ok(Math.abs(minutesFromNow(json.expires_on) - 90) < 5);
    assert.deepEqual((await introspect(emu, json.token)).scopes.sort(), ['voip.join']);
  });

  test('global flags before the command', async () => {
    const r = await run(['--output', 'tsv', '--query', 'user_id', 'token', 'issue', '--scope', 'chat', '--connection-string', emu.connectionString]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^8:acs:\S+\n$/);
  });
});

describe('issue-access-token (deprecated)', () => {
  test("prints az's deprecation warning on stderr, then the token", async () => {
    const user = await createUserId(emu);
    const { json, stderr } = await ok(['issue-access-token', '-s', 'chat', 'voip', '-u', user]);
    assert.equal(stderr, DEPRECATION);
    assert.equal(json.user_id, user);
    assert.deepEqual((await introspect(emu, json.token)).scopes.sort(), ['chat', 'voip']);
  });

  test('long names, and without --userid it creates the user', async () => {
    const { json, stderr } = await ok(['issue-access-token', '--scope', 'voip']);
    assert.equal(stderr, DEPRECATION);
    assert.match(json.user_id, /^8:acs:/);
    assert.equal((await introspect(emu, json.token)).communicationUserId, json.user_id);
  });

  test('--only-show-errors suppresses the warning', async () => {
    const { json, stderr } = await ok(['issue-access-token', '--scope', 'chat', '--only-show-errors']);
    assert.equal(stderr, '');
    assert.match(json.token, new RegExp(`^${JWT_RE.source}$`));
  });
});

describe('token revoke', () => {
  test('revokes the tokens issued so far (introspection shows them inactive); prints nothing', async () => {
    const issued = (await ok(['token', 'issue', '--scope', 'chat'])).json;
    assert.equal((await introspect(emu, issued.token)).active, true);
    const r = await ok(['token', 'revoke', '--user', issued.user_id, '--yes']);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '');
    const info = await introspect(emu, issued.token);
    assert.equal(info.active, false);
    assert.equal(info.reason, 'revoked');
    // A token issued afterwards is valid.
    const fresh = (await ok(['token', 'issue', '--scope', 'chat', '--user', issued.user_id])).json;
    assert.equal((await introspect(emu, fresh.token)).active, true);
  });

  test('-y works as --yes', async () => {
    const user = await createUserId(emu);
    assert.equal((await ok(['token', 'revoke', '-y', '--user', user])).stdout, '');
  });
});

describe('token get-for-teams-user', () => {
  test('exchanges an Entra token of a Teams user', async () => {
    const { token: aad } = await emulatorPost(emu, '/emulator/teams-token', { appId: APP_ID, userId: AAD_USER });
    const { json, stderr } = await ok(['token', 'get-for-teams-user', '--aad-token', aad, '--client', APP_ID, '--aad-user', AAD_USER]);
    assert.equal(stderr, '');
    assert.deepEqual(Object.keys(json), ['expires_on', 'token']);
    assert.match(json.expires_on, new RegExp(`^${SERVICE_DATE_RE.source}$`));
    assert.ok(Math.abs(minutesFromNow(json.expires_on) - 60) < 5, 'expiry of the Entra token');
    assert.notEqual(json.token, aad);
    const info = await introspect(emu, json.token);
    assert.equal(info.active, true);
    assert.equal(info.kind, 'teamsUser');
  });

  test('a mismatching user: service error, exit 1', async () => {
    const { token: aad } = await emulatorPost(emu, '/emulator/teams-token', { appId: APP_ID, userId: AAD_USER });
    const other = AAD_USER.replace(/9$/, '8');
    const r = await runWith(emu, ['token', 'get-for-teams-user', '--aad-token', aad, '--client', APP_ID, '--aad-user', other]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      'ERROR: (ValidationError) Provided AAD token issued for unexpected user.\nCode: ValidationError\nMessage: Provided AAD token issued for unexpected user.\nTarget: userId\n',
    );
  });
});

describe('user create / show / delete', { concurrency: true }, () => {
  test('user create prints the identifier as az does (properties and rawId, no kind)', async () => {
    const { json } = await ok(['user', 'create']);
    assert.deepEqual(Object.keys(json), ['properties', 'rawId']);
    assert.match(json.rawId, /^8:acs:[0-9a-f-]+_[0-9a-f-]+$/);
    assert.deepEqual(json.properties, { id: json.rawId });
  });

  test('user create --custom-id: idempotent, customId shown', async () => {
    const custom = `alice-${process.pid}-${Date.now()}`;
    const a = (await ok(['user', 'create', '--custom-id', custom])).json;
    const b = (await ok(['user', 'create', '--custom-id', custom])).json;
    assert.deepEqual(Object.keys(a), ['customId', 'properties', 'rawId']);
    assert.equal(a.customId, custom);
    assert.equal(b.rawId, a.rawId, 'same custom id, same identity');
    const c = (await ok(['user', 'create'])).json;
    assert.notEqual(c.rawId, a.rawId);
  });

  test('user show: customId and lastTokenIssuedAt (Python isoformat)', async () => {
    const custom = `bob-${process.pid}-${Date.now()}`;
    const user = await createUserId(emu, ['--custom-id', custom]);
    const before = (await ok(['user', 'show', '--user', user])).json;
    assert.deepEqual(before, { customId: custom, properties: { id: user }, rawId: user });
    const t0 = Date.now();
    await ok(['token', 'issue', '--scope', 'chat', '--user', user]);
    const shown = (await ok(['user', 'show', '--user', user])).json;
    assert.deepEqual(Object.keys(shown), ['customId', 'lastTokenIssuedAt', 'properties', 'rawId']);
    assert.match(shown.lastTokenIssuedAt, new RegExp(`^${PY_ISO_RE.source}$`));
    assert.ok(Math.abs(Date.parse(shown.lastTokenIssuedAt) - t0) < 60_000);
  });

  test("user delete: prints nothing; the user is gone (exit 3, az's not-found error)", async () => {
    const user = await createUserId(emu);
    const issued = (await ok(['token', 'issue', '--scope', 'chat', '--user', user])).json;
    const r = await ok(['user', 'delete', '--user', user, '--yes']);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, '');
    assert.equal((await introspect(emu, issued.token)).active, false);
    const show = await runWith(emu, ['user', 'show', '--user', user]);
    assert.equal(show.code, 3);
    assert.equal(show.stdout, '');
    assert.match(show.stderr, /^ERROR: \(IdentityNotFound\) .*was not found.*\nCode: IdentityNotFound\nMessage: .*was not found.*\n$/);
    const again = await runWith(emu, ['user', 'delete', '--user', user, '-y']);
    assert.equal(again.code, 3);
    assert.match(again.stderr, /^ERROR: \(IdentityNotFound\) /);
    const issue = await runWith(emu, ['token', 'issue', '--scope', 'chat', '--user', user]);
    assert.equal(issue.code, 3);
    assert.match(issue.stderr, /^ERROR: \(\w+\) .+\nCode: \w+\nMessage: .+\n$/);
    assert.doesNotMatch(issue.stderr, /\n\s+at /);
  });
});

describe('connection string from the environment', () => {
  test('AZURE_COMMUNICATION_CONNECTION_STRING is used when --connection-string is absent', async () => {
    const env = { AZURE_COMMUNICATION_CONNECTION_STRING: emu.connectionString };
    const r = await run(['token', 'issue', '--scope', 'voip', '--query', '{user: user_id, token: token}'], { env });
    assert.equal(r.code, 0, r.stderr);
    const { user, token } = JSON.parse(r.stdout);
    assert.equal((await introspect(emu, token)).communicationUserId, user);
    const del = await run(['user', 'delete', '--user', user, '--yes'], { env });
    assert.equal(del.code, 0, del.stderr);
  });

  test('--connection-string wins over the environment', async () => {
    const dead = await startEmulator({ port: 0 });
    const deadCs = dead.connectionString;
    await dead.close();
    const r = await runWith(emu, ['user', 'create', '-o', 'none'], { env: { AZURE_COMMUNICATION_CONNECTION_STRING: deadCs } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    const viaEnv = await run(['user', 'create'], { env: { AZURE_COMMUNICATION_CONNECTION_STRING: deadCs } });
    assert.equal(viaEnv.code, 1);
    assert.match(viaEnv.stderr, /^ERROR: NetworkError: /);
  });
});

describe('--verbose', () => {
  test('logs each request (method, URL, status, time) and the run time on stderr', async () => {
    const { stderr } = await ok(['user', 'create', '--verbose']);
    assert.match(stderr, /^INFO: POST http:\/\/127\.0\.0\.1:\d+\/identities\?api-version=[\w-]+ 201 \(\d+ ms\)\n/);
    assert.match(stderr, /\nINFO: Command ran in \d+\.\d{3} seconds\n$/);
    assert.doesNotMatch(stderr, /DEBUG:/);
  });
});

describe('emulator subcommand', () => {
  test('starts the emulator, prints the connection-string line, serves the CLI, stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, 'emulator', '--port', '0', '--quiet'], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    const line = await new Promise((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        if (stdout.includes('\n')) resolve(stdout.split('\n')[0]);
      });
      exited.then(({ code }) => reject(new Error(`exited ${code} before ready: ${stderr}`)));
    });
    try {
      const m = /^AZURE_COMMUNICATION_CONNECTION_STRING=(endpoint=http:\/\/127\.0\.0\.1:\d+\/;accesskey=[A-Za-z0-9+/=]+)$/.exec(line);
      assert.ok(m, `ready line: ${line}`);
      const r = await run(['user', 'create', '--query', 'rawId', '-o', 'tsv'], { env: { AZURE_COMMUNICATION_CONNECTION_STRING: m[1] } });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^8:acs:[0-9a-f-]+_[0-9a-f-]+\n$/);
    } finally {
      child.kill('SIGTERM');
    }
    assert.deepEqual(await exited, { code: 0, signal: null });
    assert.equal(stdout.split('\n').filter(Boolean).length, 1);
    assert.equal(stderr, '');
  });

  test("bad emulator flags: the emulator's own usage error, exit 2", async () => {
    const r = await run(['emulator', '--port', 'x']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--port/);
  });
});

describe('--allow-insecure-connection (our addition)', () => {
  // 0.0.0.0 reaches this machine's listeners (the emulator on 127.0.0.1) but is not a loopback
  // name for the client: it stands for a plain-http host such as http://emulator:4000.
  const insecure = () => emu.connectionString.replace('http://127.0.0.1:', 'http://0.0.0.0:');

  test('without it, a plain-http endpoint that is not loopback is refused before any request (exit 1)', async () => {
    const r = await run(['user', 'create', '--connection-string', insecure()]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^ERROR: The endpoint 0\.0\.0\.0:\d+ uses plain http: .*--allow-insecure-connection/);
  });

  test('with it, the command runs and a warning says tokens travel unencrypted', async () => {
    const r = await run(['token', 'issue', '--scope', 'chat', '--allow-insecure-connection', '--connection-string', insecure()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^WARNING: --allow-insecure-connection: requests to 0\.0\.0\.0:\d+ travel over plain http\./);
    assert.ok(JSON.parse(r.stdout).token);
    // Loopback needs no flag and gets no warning.
    const local = await runWith(emu, ['user', 'create', '--allow-insecure-connection']);
    assert.equal(local.code, 0);
    assert.equal(local.stderr, '');
  });
});

describe('CA bundles', () => {
  test('a REQUESTS_CA_BUNDLE that does not exist: the error names it (exit 1), nothing is sent', async () => {
    const r = await runWith(emu, ['user', 'create'], { env: { REQUESTS_CA_BUNDLE: '/nonexistent/ca.pem' } });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'ERROR: Could not find a suitable TLS CA certificate bundle, invalid path: /nonexistent/ca.pem\n');
  });
});
