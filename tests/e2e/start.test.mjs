// `npm start` itself: node scripts/start.mjs prints the three URLs and the emulator's connection
// string, each answers, and SIGINT or SIGTERM stops all three and exits 0; a first run (toolchain
// missing) says up front that the setup takes a few minutes and numbers its steps. (--no-build: the suite runs against the pkg/ that
// `npm test` built; a rebuild here would replace pkg/ under the other suites.)
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pinnedWasmBindgen, root } from '../../scripts/lib.mjs';
import { call } from '../emulator/helpers.mjs';

const ANY_PORT = { DEMO_PORT: '0', TOKEN_ENDPOINT_PORT: '0', EMULATOR_PORT: '0' };

/** Starts `node scripts/start.mjs`; resolves once it printed its four lines. */
function start(env = ANY_PORT, args = ['--no-build']) {
  const child = spawn(process.execPath, [join(root, 'scripts', 'start.mjs'), ...args], {
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
      if (out.stdout.split('\n').length > 4) {
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
      assert.equal(lines.length, 4, run.out.stdout);
      const [demo, endpoint, emulator] = lines.slice(0, 3).map((l, i) => {
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
      // The fourth line: the emulator's connection string, for the CLI and scripts.
      const cs = /^AZURE_COMMUNICATION_CONNECTION_STRING=endpoint=(http:\/\/127\.0\.0\.1:\d+)\/;accesskey=([A-Za-z0-9+/]+=*)$/.exec(lines[3]);
      assert.ok(cs, lines[3]);
      assert.equal(cs[1], emulator);
      const created = await call({ url: emulator, accessKey: cs[2] }, 'POST', '/identities');
      assert.equal(created.status, 201, 'a request signed with that key is accepted');
      assert.match(run.out.stderr, /the CLI and scripts can use the same emulator/);

      run.child.kill(signal);
      const { code, signal: killedBy } = await within(run.exited, 6000, `exit after ${signal}`);
      assert.equal(killedBy, null);
      assert.equal(code, 0, run.out.stderr);
      assert.equal(run.out.stdout.trimEnd().split('\n').length, 4, 'nothing else on stdout');
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

test('a first run says up front that the one-time setup takes a few minutes, then numbers its steps', async () => {
  // A toolchain without the wasm32 target, wasm-bindgen-cli and wasm-pack: fake rustup/cargo in a
  // CARGO_HOME of our own (scripts/setup.mjs puts $CARGO_HOME/bin first on PATH; no other wasm-pack
  // is on PATH). The fake cargo "installs" wasm-bindgen and a wasm-pack that refuses to build, so
  // pkg/ is left as it is.
  const home = mkdtempSync(join(tmpdir(), 'acs-first-run-'));
  const binDir = join(home, 'bin');
  mkdirSync(binDir);
  const calls = join(home, 'calls.log');
  const script = (name, body) => {
    writeFileSync(join(binDir, name), `#!/bin/sh\necho "${name} $*" >> '${calls}'\n${body}\n`);
    chmodSync(join(binDir, name), 0o755);
  };
  script(
    'rustup',
    'case "$1 $2" in\n  "target list") echo x86_64-unknown-linux-gnu ;;\n  "target add") echo "info: installing component (fake)" >&2 ;;\nesac',
  );
  script(
    'cargo',
    `case "$1 $2" in\n  --version*) echo "cargo 1.95.0 (fake)" ;;\n  "install wasm-bindgen-cli") echo "   Compiling wasm-bindgen-cli (fake)" >&2; printf '#!/bin/sh\\necho "wasm-bindgen ${pinnedWasmBindgen()}"\\n' > '${binDir}/wasm-bindgen'; chmod +x '${binDir}/wasm-bindgen' ;;\n  "install wasm-pack") echo "   Compiling wasm-pack (fake)" >&2; printf '#!/bin/sh\\n[ "$1" = --version ] && echo "wasm-pack 0.15.1" && exit 0\\necho "fake wasm-pack: no build here" >&2; exit 1\\n' > '${binDir}/wasm-pack'; chmod +x '${binDir}/wasm-pack' ;;\n  *) echo "fake cargo: no build here" >&2; exit 1 ;;\nesac`,
  );
  script('wasm-bindgen', 'echo "wasm-bindgen 0.2.0"'); // an older version than the pinned one
  const stampBefore = statSync(join(root, 'pkg', '.build-stamp')).mtimeMs;
  try {
    const PATH = process.env.PATH.split(':').filter((d) => d && !existsSync(join(d, 'wasm-pack'))).join(':');
    const run = start({ ...ANY_PORT, CARGO_HOME: home, PATH }, ['--rebuild']);
    const { code } = await within(run.exited, 30_000, 'exit');
    assert.equal(code, 1, run.out.stderr);
    assert.equal(run.out.stdout, '', 'progress goes to stderr');
    const lines = run.out.stderr.split('\n').filter((l) => l.startsWith('[acs-identity]'));
    assert.match(lines[0], /^\[acs-identity\] first run: a one-time setup of the toolchain takes a few minutes \(Rust target wasm32-unknown-unknown, wasm-bindgen-cli [0-9.]+ \(compiled from source\), wasm-pack \(compiled from source\)\)/);
    assert.match(lines[1], /^\[acs-identity\] \[1\/3\] adding the Rust target wasm32-unknown-unknown$/);
    assert.match(lines[2], /^\[acs-identity\] \[2\/3\] installing wasm-bindgen-cli [0-9.]+ \(found 0\.2\.0\); this takes a few minutes once$/);
    assert.match(lines[3], /^\[acs-identity\] \[3\/3\] installing wasm-pack; this takes a few minutes once$/);
    assert.match(lines[4], /^\[acs-identity\] building the package \(--rebuild\)/);
    assert.match(run.out.stderr, /Compiling wasm-bindgen-cli \(fake\)/, 'the installer shows its own progress');
    assert.match(run.out.stderr, /Compiling wasm-pack \(fake\)/);
    assert.match(run.out.stderr, /fake wasm-pack: no build here/, 'the build ran the wasm-pack that setup installed');
    assert.match(run.out.stderr, /the build failed/);
    const log = readFileSync(calls, 'utf8');
    assert.match(log, /^rustup target add wasm32-unknown-unknown$/m);
    assert.match(log, new RegExp(`^cargo install wasm-bindgen-cli --version =${pinnedWasmBindgen().replace(/\./g, '\\.')} --force$`, 'm'));
    assert.match(log, /^cargo install wasm-pack --locked$/m);
    assert.equal(statSync(join(root, 'pkg', '.build-stamp')).mtimeMs, stampBefore, 'pkg/ untouched');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
