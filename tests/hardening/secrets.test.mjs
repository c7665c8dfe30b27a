// Secret hygiene: drive every error path of the client, the edge endpoint, the CLI (with --debug)
// and the emulator's logs with a recognisable access key and recognisable tokens; capture every
// message, log line and output; assert that the key (as given, decoded, in hex and base64url),
// any signature sent and any token never appear in them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { prepareConsumer, root } from '../support/consumer.mjs';
import { startEmulator } from '../../emulator/server.mjs';
import {
  HS_SECRET,
  bundleWorker,
  call,
  claimsFor,
  cleanBundles,
  signJwt,
  startWorker,
} from '../worker/helpers.mjs';

const lib = await import(pathToFileURL(join(root, 'pkg', 'node.js')).href);

const KEY_BYTES = Buffer.from('SWEEP-secret-access-key-0123456789-do-not-leak!');
const KEY = KEY_BYTES.toString('base64');
const FORMS = {
  'the key (base64)': KEY,
  'the key (base64url)': KEY_BYTES.toString('base64url').replace(/=+$/, ''),
  'the key bytes (text)': KEY_BYTES.toString('utf8'),
  'the key bytes (hex)': KEY_BYTES.toString('hex'),
};
const ENTRA_TOKEN_MARK = 'SWEEPENTRAMARKER';

/** Everything said anywhere during the sweep. */
const captured = [];
/** Secrets learnt during the sweep: signatures sent, tokens issued. */
const signatures = new Set();
const tokens = new Set();

function record(label, value) {
  if (value === undefined || value === null) return;
  captured.push({ label, text: typeof value === 'string' ? value : inspect(value, { depth: 6 }) });
}

function recordError(label, e) {
  record(`${label}: message`, e?.message);
  record(`${label}: stack`, e?.stack);
  record(`${label}: inspect`, e);
  try {
    record(`${label}: json`, JSON.stringify(e));
  } catch {
    /* circular: inspect covers it */
  }
  record(`${label}: string`, String(e));
}

/** Runs `fn`, recording its error (expected) or result. */
async function sweep(label, fn) {
  try {
    const r = await fn();
    if (r?.token) tokens.add(r.token);
  } catch (e) {
    recordError(label, e);
  }
}

// Console output of this process (including Miniflare's worker logs) is captured too.
const originalWrite = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
function captureStdio() {
  process.stdout.write = (chunk, ...rest) => {
    record('stdout', String(chunk));
    return originalWrite.out(chunk, ...rest);
  };
  process.stderr.write = (chunk, ...rest) => {
    record('stderr', String(chunk));
    return originalWrite.err(chunk, ...rest);
  };
}
function restoreStdio() {
  process.stdout.write = originalWrite.out;
  process.stderr.write = originalWrite.err;
}

let emu;
before(async () => {
  emu = await startEmulator({ port: 0, accessKey: KEY, faults: true, log: (line) => record('emulator log', line) });
  captureStdio();
});
after(async () => {
  restoreStdio();
  await emu?.close();
});

/** A fetch that remembers every signature it sends. */
const spyFetch = (url, init) => {
  const auth = init?.headers?.authorization ?? '';
  const sig = auth.match(/Signature=([^&\s]+)/)?.[1];
  if (sig) signatures.add(sig);
  return fetch(url, init);
};

test('client error paths', async () => {
  const cs = emu.connectionString;
  const c = new lib.CommunicationIdentityClient(cs, { fetch: spyFetch, retry: { maxRetries: 1, retryDelayInMs: 5 }, timeoutMs: 400 });
  const user = await c.createUser();
  tokens.add((await c.getToken(user, ['chat'])).token);
  tokens.add((await c.createUserAndToken(['voip'])).token);

  // Connection strings that carry the key but are wrong elsewhere.
  for (const bad of [
    `endpoint=https://x.com/path;accesskey=${KEY}`,
    `endpoint=ftp://x.com/;accesskey=${KEY}`,
    `endpoint=https://x.com/;accesskey=${KEY}!!`,
    `endpoint=https://x.com/;accesskey=${KEY};accesskey=${KEY}`,
    `accesskey=${KEY}`,
    `endpoint=http://example.com/;accesskey=${KEY}`,
    `${KEY}`,
  ]) {
    await sweep('constructor', () => new lib.CommunicationIdentityClient(bad));
    await sweep('parseConnectionString', () => lib.parseConnectionString(bad));
    await sweep('signRequest', () => lib.signRequest({ method: 'GET', url: 'https://x.com/', connectionString: bad }));
  }
  await sweep('signRequest bad key', () => lib.signRequest({ method: 'GET', url: 'https://x.com/', accessKey: `${KEY}%` }));
  await sweep('signRequest bad url', () => lib.signRequest({ method: 'GET', url: `https://${KEY}@x.com/`, accessKey: KEY }));
  await sweep('endpoint+key', () => new lib.CommunicationIdentityClient('https://x.com/', { key: `${KEY}#` }));

  // Service errors: wrong key (401), identity of another resource (401), unknown identity (404),
  // validation (400), Teams mismatch.
  const wrongKey = Buffer.from('another-key-for-the-sweep').toString('base64');
  const wrong = new lib.CommunicationIdentityClient(`endpoint=${emu.endpoint};accesskey=${wrongKey}`, { fetch: spyFetch });
  await sweep('401', () => wrong.createUser());
  await sweep('401 IdentityNotOwned', () => c.getToken('8:acs:00000000-0000-0000-0000-000000000000_00000000-0000-0000-0000-0000000000ff', ['chat']));
  await sweep('404', () => c.getToken(`8:acs:${emu.resourceId}_00000000-0000-0000-0000-0000000000ff`, ['chat']));
  await sweep('400 local', () => c.getToken(user, ['chat'], { tokenExpiresInMinutes: 10 }));
  await sweep('getUser', () => c.getUser(user));
  const entra = signJwt({ alg: 'HS256', typ: 'JWT' }, { appid: '11111111-1111-1111-1111-111111111111', oid: '22222222-2222-2222-2222-222222222222', tid: ENTRA_TOKEN_MARK, exp: Math.floor(Date.now() / 1000) + 3600 }, 'x'.repeat(32));
  tokens.add(entra);
  await sweep('teams mismatch', () =>
    c.getTokenForTeamsUser({ teamsUserAadToken: entra, clientId: '33333333-3333-3333-3333-333333333333', userObjectId: '22222222-2222-2222-2222-222222222222' }),
  );
  await sweep('teams garbage', () =>
    c.getTokenForTeamsUser({ teamsUserAadToken: `${ENTRA_TOKEN_MARK}.not.a.jwt`, clientId: '11111111-1111-1111-1111-111111111111', userObjectId: '22222222-2222-2222-2222-222222222222' }),
  );
  tokens.add(`${ENTRA_TOKEN_MARK}.not.a.jwt`);

  // Transport failures: 503 exhausted, dropped, slow (timeout), aborted, unreachable.
  const fault = (rule) => fetch(`${emu.url}/emulator/faults`, { method: 'POST', body: JSON.stringify(rule), headers: { 'content-type': 'application/json' } });
  const clear = () => fetch(`${emu.url}/emulator/faults`, { method: 'DELETE' });
  await fault({ status: 503, count: 5 });
  await sweep('503', () => c.getToken(user, ['chat']));
  await clear();
  await fault({ drop: true, count: 1 });
  await sweep('drop', () => c.createUser());
  await clear();
  await fault({ delayMs: 1000, count: 1 });
  await sweep('timeout', () => c.getToken(user, ['chat']));
  await clear();
  const ac = new AbortController();
  ac.abort();
  await sweep('abort', () => c.revokeTokens(user, { abortSignal: ac.signal }));
  await sweep('unreachable', () => new lib.CommunicationIdentityClient(`endpoint=http://127.0.0.1:9/;accesskey=${KEY}`, { retry: { maxRetries: 0 } }).createUser());

  // Access-token decoding errors.
  for (const t of tokens) await sweep('decode', () => lib.decodeAccessToken(`${t}.x.y`));
  await sweep('decode garbage', () => lib.decodeAccessToken(`${ENTRA_TOKEN_MARK}-opaque`));
  assert.ok(signatures.size >= 5, 'signatures were collected');
  assert.ok(captured.length > 40, 'messages were captured');
});

test('edge endpoint error paths', async () => {
  const consumer = prepareConsumer();
  const script = await bundleWorker(consumer, 'secrets', "export { default } from 'acs-identity/worker';\n");
  const badKeyCs = `endpoint=${emu.endpoint};accesskey=${Buffer.from('wrong-upstream-key').toString('base64')}`;
  const ok = await startWorker(script, { ACS_CONNECTION_STRING: emu.connectionString, AUTH_JWT_SECRET: HS_SECRET });
  const denied = await startWorker(script, { ACS_CONNECTION_STRING: badKeyCs, AUTH_JWT_SECRET: HS_SECRET });
  const broken = await startWorker(script, { ACS_CONNECTION_STRING: `endpoint=ftp://x/;accesskey=${KEY}`, AUTH_JWT_SECRET: HS_SECRET });
  try {
    const good = signJwt({ alg: 'HS256', typ: 'JWT' }, claimsFor('sweep-user'), HS_SECRET);
    const forged = signJwt({ alg: 'HS256', typ: 'JWT' }, claimsFor('sweep-user'), 'y'.repeat(40));
    const expired = signJwt({ alg: 'HS256', typ: 'JWT' }, claimsFor('sweep-user', { exp: 1000 }), HS_SECRET);
    tokens.add(good);
    tokens.add(forged);
    tokens.add(expired);
    const answers = [];
    const r = await call(ok, { token: good });
    assert.equal(r.status, 200);
    tokens.add(r.json.token);
    answers.push(await call(ok, { token: forged }), await call(ok, { token: expired }), await call(ok, { token: 'x' }));
    answers.push(await call(ok, { token: good, body: '{bad json' }), await call(ok, { token: good, body: { scopes: ['admin'] } }));
    answers.push(await call(denied, { token: good }), await call(broken, { token: good }), await call(broken, { method: 'GET', path: '/healthz' }));
    await fetch(`${emu.url}/emulator/faults`, { method: 'POST', body: JSON.stringify({ drop: true }), headers: { 'content-type': 'application/json' } });
    answers.push(await call(ok, { token: good }));
    await fetch(`${emu.url}/emulator/faults`, { method: 'DELETE' });
    for (const a of answers) {
      assert.ok(a.status >= 400, `an error answer (${a.status})`);
      record(`edge ${a.status}`, a.text);
      record(`edge ${a.status} headers`, JSON.stringify([...a.headers]));
    }
  } finally {
    await ok.mf.dispose();
    await denied.mf.dispose();
    await broken.mf.dispose();
    cleanBundles(consumer);
  }
});

/** Runs the installed CLI with --debug; records stdout and stderr. */
function cli(consumer, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(consumer, 'node_modules', 'acs-identity', 'cli', 'main.js'), ...args], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

test('CLI with --debug on every command', async (t) => {
  const consumer = prepareConsumer();
  if (!existsSync(join(consumer, 'node_modules', 'acs-identity', 'cli', 'main.js'))) return t.skip('the package has no CLI yet');
  const env = { AZURE_COMMUNICATION_CONNECTION_STRING: emu.connectionString };
  const c = new lib.CommunicationIdentityClient(emu.connectionString);
  const user = (await c.createUser()).communicationUserId;
  const runs = [
    ['user', 'create', '--debug'],
    ['user', 'show', '--user', user, '--debug'],
    ['token', 'revoke', '--user', user, '--yes', '--debug'],
    ['token', 'get-for-teams-user', '--aad-token', `${ENTRA_TOKEN_MARK}.x.y`, '--client', '11111111-1111-1111-1111-111111111111', '--aad-user', '22222222-2222-2222-2222-222222222222', '--debug'],
    ['user', 'delete', '--user', user, '--yes', '--debug'],
    ['user', 'delete', '--user', user, '--yes', '--debug'], // 404
    ['token', 'issue', '--scope', 'admin', '--debug'],
    ['user', 'create', '--debug', '--connection-string', `endpoint=https://x.com/p;accesskey=${KEY}`],
  ];
  for (const args of runs) {
    const r = await cli(consumer, args, env);
    record(`cli ${args.slice(0, 2).join(' ')} stdout`, r.out);
    record(`cli ${args.slice(0, 2).join(' ')} stderr`, r.err);
    assert.ok(r.err.length > 0 || r.out.length > 0, 'the CLI said something');
  }
  // Token commands print their token on stdout by design: only stderr (the debug log) is swept.
  const issued = await cli(consumer, ['token', 'issue', '--scope', 'chat', '--debug'], env);
  assert.equal(issued.code, 0, issued.err);
  const token = JSON.parse(issued.out).token;
  tokens.add(token);
  record('cli token issue stderr', issued.err);
});

test('no secret appears in any captured message, log or output', () => {
  restoreStdio();
  const secrets = [
    ...Object.entries(FORMS),
    ...[...signatures].map((s) => ['a signature sent', s]),
    ...[...tokens].map((t) => ['a token', t]),
    ['the Entra token marker', ENTRA_TOKEN_MARK],
  ];
  const leaks = [];
  for (const { label, text } of captured) {
    for (const [what, secret] of secrets) {
      if (secret.length >= 8 && text.includes(secret)) leaks.push(`${what} in ${label}: …${text.slice(Math.max(0, text.indexOf(secret) - 40), text.indexOf(secret) + 10)}…`);
    }
  }
  assert.deepEqual(leaks, []);
  assert.ok(tokens.size >= 5 && signatures.size >= 5, `swept ${captured.length} captures against ${secrets.length} secrets`);
});
