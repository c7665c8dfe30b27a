import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../emulator/main.mjs';
import { call, createUser, issue, makeSelfSignedCert, tempDir } from './helpers.mjs';
import { signRequest } from './sign.mjs';

const MAIN = fileURLToPath(new URL('../../emulator/main.mjs', import.meta.url));
const LINE_RE = /^AZURE_COMMUNICATION_CONNECTION_STRING=endpoint=(https?):\/\/127\.0\.0\.1:(\d+)\/;accesskey=([A-Za-z0-9+/=]+)$/;
const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Spawn the CLI and wait for its ready line (or its exit). */
function spawnCli(args) {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('\n')) resolve(stdout.split('\n')[0]);
    });
    exited.then(({ code }) => reject(new Error(`exited ${code} before ready: ${stderr}`)));
  });
  ready.catch(() => {}); // awaited only by tests that expect a start
  return { child, ready, exited, out: () => stdout, err: () => stderr };
}

const emuFromLine = (line) => {
  const m = LINE_RE.exec(line);
  assert.ok(m, `unexpected ready line: ${line}`);
  return { url: `${m[1]}://127.0.0.1:${m[2]}`, port: Number(m[2]), accessKey: m[3] };
};

describe('emulator/main.mjs', () => {
  test('prints exactly one ready line, serves, and exits 0 on SIGTERM', async () => {
    const cli = spawnCli(['--port', '0', '--quiet']);
    const emu = emuFromLine(await cli.ready);
    assert.equal((await call(emu, 'POST', '/identities')).status, 201);
    cli.child.kill('SIGTERM');
    const { code } = await cli.exited;
    assert.equal(code, 0);
    assert.equal(cli.out().split('\n').filter(Boolean).length, 1, 'one stdout line');
    assert.equal(cli.err(), '', '--quiet: nothing on stderr');
  });

  test('SIGINT also exits 0', async () => {
    const cli = spawnCli(['--port=0', '--quiet']);
    await cli.ready;
    cli.child.kill('SIGINT');
    assert.equal((await cli.exited).code, 0);
  });

  test('request logs go to stderr and never contain the key, signatures or tokens', async () => {
    const key = Buffer.alloc(32, 5).toString('base64');
    const cli = spawnCli(['--access-key', key]);
    const emu = emuFromLine(await cli.ready);
    assert.equal(emu.accessKey, key);
    const id = await createUser(emu);
    const { token } = await issue(emu, id);
    const headers = signRequest({ method: 'POST', pathAndQuery: '/identities?api-version=2023-10-01', host: new URL(emu.url).host, accessKey: key });
    await call(emu, 'POST', '/identities', { headers });
    await call(emu, 'POST', '/identities', { key: Buffer.alloc(32, 1).toString('base64') });
    cli.child.kill('SIGTERM');
    assert.equal((await cli.exited).code, 0);
    const log = cli.err();
    assert.match(log, /POST \/identities 201/);
    assert.match(log, /POST \/identities 401/);
    assert.ok(!log.includes(key), 'no key');
    assert.ok(!log.includes(token) && !log.includes(token.split('.')[2]), 'no token');
    assert.ok(!log.includes(headers.authorization.split('Signature=')[1]), 'no signature');
    assert.ok(!/signature=/i.test(log));
  });

  test('--data persists across CLI restarts', async () => {
    const data = path.join(dir, 'cli.json');
    const a = spawnCli(['--quiet', '--data', data]);
    const emuA = emuFromLine(await a.ready);
    const id = await createUser(emuA);
    a.child.kill('SIGTERM');
    await a.exited;
    const b = spawnCli(['--quiet', '--data', data]);
    const emuB = emuFromLine(await b.ready);
    assert.equal(emuB.accessKey, emuA.accessKey);
    assert.equal((await call(emuB, 'POST', `/identities/${encodeURIComponent(id)}/:revokeAccessTokens`)).status, 204);
    b.child.kill('SIGTERM');
    assert.equal((await b.exited).code, 0);
  });

  test('--tls-cert/--tls-key print an https connection string', { skip: !makeSelfSignedCert(dir) && 'openssl CLI not available' }, async () => {
    const cli = spawnCli(['--quiet', '--tls-cert', path.join(dir, 'cert.pem'), '--tls-key', path.join(dir, 'key.pem')]);
    const emu = emuFromLine(await cli.ready);
    assert.match(emu.url, /^https:/);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.exited).code, 0);
  });

  test('--faults enables the fault routes', async () => {
    const cli = spawnCli(['--quiet', '--faults']);
    const emu = emuFromLine(await cli.ready);
    const r = await fetch(`${emu.url}/emulator/faults`);
    assert.equal(r.status, 200);
    cli.child.kill('SIGTERM');
    await cli.exited;
  });

  for (const [args, re] of [
    [['--bogus'], /^ERROR: unrecognized arguments: --bogus\n/],
    [['--prot', '80'], /^ERROR: unrecognized arguments: --prot 80 Did you mean '--port'\?\n/],
    [['--fault'], /Did you mean '--faults'\?/],
    [['--cors-orgin=http://x.example'], /Did you mean '--cors-origin'\?/],
    [['stray'], /^ERROR: unrecognized arguments: stray\n/],
    [['--port'], /^ERROR: argument --port: expected one argument\n/],
    [['--port', '--quiet'], /argument --port: expected one argument/],
    [['--port', 'abc'], /argument --port: invalid int value: 'abc'/],
    [['--port', '70000'], /argument --port: must be in \[0, 65535\]/],
    [['--access-key', 'not base64!'], /argument --access-key: must be base64/],
    [['--tls-cert', 'x.pem'], /--tls-cert and --tls-key must be given together/],
    [['--quiet=yes'], /argument --quiet: ignored explicit argument 'yes'/],
    [['--cors-origin', 'https://app.example/path'], /argument --cors-origin: 'https:\/\/app\.example\/path' is not an origin/],
    [['--cors-origin', '*'], /argument --cors-origin: '\*' is not an origin/],
    [['--cors-origin', 'endpoint=https://x/;accesskey=c2VjcmV0'], /argument --cors-origin: 'REDACTED' is not an origin/],
  ]) {
    test(`bad flags ${args.join(' ')} → exit 2 with a message on stderr`, async () => {
      const cli = spawnCli(args);
      const { code } = await cli.exited;
      assert.equal(code, 2);
      assert.match(cli.err(), re);
      // As the acs-identity CLI: one ERROR line, then how to get help under the program's name.
      assert.match(cli.err(), /^ERROR: [^\n]+\nRun 'acs-identity emulator --help' for usage\.\n$/);
      assert.ok(!cli.err().includes('c2VjcmV0'), 'no key material echoed');
      assert.equal(cli.out(), '');
    });
  }

  test('--help prints usage and exits 0', async () => {
    const cli = spawnCli(['--help']);
    assert.equal((await cli.exited).code, 0);
    assert.match(cli.out(), /^Usage: acs-identity emulator \[options\]\n/);
    assert.match(cli.out(), /--cors-origin ORIGIN/);
    assert.match(cli.out(), /--host H .*0\.0\.0\.0 in a container/);
  });

  test('a port in use → exit 1 with a message', async () => {
    const first = spawnCli(['--quiet']);
    const { port } = emuFromLine(await first.ready);
    const second = spawnCli(['--quiet', '--port', String(port)]);
    assert.equal((await second.exited).code, 1);
    assert.match(second.err(), /cannot start/);
    first.child.kill('SIGTERM');
    await first.exited;
  });

  test('main(argv) can be embedded and stopped with an AbortSignal', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const ac = new AbortController();
    let line = '';
    const gotLine = new Promise((resolve) => stdout.on('data', (d) => ((line += d), resolve())));
    const done = main(['--port', '0', '--quiet'], { stdout, stderr, signal: ac.signal });
    await gotLine;
    const emu = emuFromLine(line.trim());
    assert.equal((await call(emu, 'POST', '/identities')).status, 201);
    ac.abort();
    assert.equal(await done, 0);
    assert.equal(await main(['--nope'], { stdout, stderr }), 2);
  });
});
