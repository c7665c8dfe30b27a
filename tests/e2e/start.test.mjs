// `npm start` itself: node scripts/start.mjs prints the three URLs, each answers, and SIGINT or
// SIGTERM stops all three and exits 0. (--no-build: the suite runs against the pkg/ that
// `npm test` built; a rebuild here would replace pkg/ under the other suites.)
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { root } from '../../scripts/lib.mjs';

const ANY_PORT = { DEMO_PORT: '0', TOKEN_ENDPOINT_PORT: '0', EMULATOR_PORT: '0' };

/** Starts `node scripts/start.mjs`; resolves once it printed its three lines. */
function start(env = ANY_PORT) {
  const child = spawn(process.execPath, [join(root, 'scripts', 'start.mjs'), '--no-build'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (d) => (out.stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (out.stderr += d));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`start.mjs printed no URLs within 30 s\n${out.stdout}\n${out.stderr}`)), 30_000);
    const check = () => {
      if (out.stdout.split('\n').length > 3) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`start.mjs exited with ${code} before it was ready\n${out.stdout}\n${out.stderr}`));
    });
  });
  ready.catch(() => {}); // awaited by the tests that expect it; others expect an early exit
  return { child, out, ready, exited };
}

function within(promise, ms, what) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms)))]).finally(() =>
    clearTimeout(timer),
  );
}

async function refused(url) {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return false;
  } catch (e) {
    return e.cause?.code === 'ECONNREFUSED';
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  test(`npm start prints demo, token endpoint and emulator URLs; ${signal} stops all three with exit 0`, async () => {
    const run = start();
    try {
      await run.ready;
      const lines = run.out.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 3, run.out.stdout);
      const [demo, endpoint, emulator] = lines.map((l, i) => {
        const m = l.match(/^(demo|token endpoint|emulator): (http:\/\/127\.0\.0\.1:\d+)$/);
        assert.ok(m, `line ${i + 1}: ${l}`);
        assert.equal(m[1], ['demo', 'token endpoint', 'emulator'][i]);
        return m[2];
      });
      const page = await fetch(`${demo}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<title>ACS Identity/);
      const health = await fetch(`${endpoint}/healthz`);
      assert.equal(health.status, 200);
      await health.arrayBuffer();
      const emu = await fetch(`${emulator}/emulator/health`);
      assert.equal(emu.status, 200);
      assert.equal((await emu.json()).status, 'ok');
      const config = await (await fetch(`${demo}/config.json`)).json();
      assert.deepEqual([config.tokenEndpoint, config.emulatorUrl], [endpoint, emulator]);

      run.child.kill(signal);
      const { code, signal: killedBy } = await within(run.exited, 6000, `exit after ${signal}`);
      assert.equal(killedBy, null);
      assert.equal(code, 0, run.out.stderr);
      assert.equal(run.out.stdout.trimEnd().split('\n').length, 3, 'nothing else on stdout');
      for (const url of [demo, `${endpoint}/healthz`, `${emulator}/emulator/health`]) {
        assert.ok(await refused(url), `${url} still answers after ${signal}`);
      }
    } finally {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    }
  });
}

test('a bad port in the environment is refused with a message', async () => {
  const run = start({ DEMO_PORT: 'eighty' });
  const { code } = await within(run.exited, 10_000, 'exit');
  assert.equal(code, 2);
  assert.match(run.out.stderr, /DEMO_PORT must be a port number/);
  assert.equal(run.out.stdout, '');
});
