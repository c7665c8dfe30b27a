// Shared helpers of the CLI tests: the installed CLI (from the packed package), an emulator in the
// test process, async child processes (never spawnSync: the emulator lives in this process), a
// pseudo-terminal through util-linux `script`, and normalisation of the variable parts of outputs.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { startEmulator } from '../../emulator/server.mjs';
import { prepareConsumer, root, tmp } from '../support/consumer.mjs';

export { startEmulator };

const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * prepareConsumer() under a lock (test files run in parallel and share tests/.tmp/consumer),
 * then a private copy of its node_modules, so that a concurrent re-install (after a rebuild of
 * pkg/) cannot pull the files from under a running test. Returns the paths of the installed CLI.
 */
function installCli() {
  mkdirSync(tmp, { recursive: true });
  const lock = join(tmp, 'cli-consumer.lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      } catch {}
      if (Date.now() > deadline) throw new Error('timed out waiting for the consumer lock');
      sleepSync(200);
    }
  }
  try {
    // Another suite may be packing or installing at the same moment, or pkg/ may be being rebuilt
    // (the build removes it first): retry for a while. Within one test run the CLI's test files
    // pack only once: the install is reused while pkg/'s build stamp is unchanged.
    const stampFile = join(tmp, 'cli-consumer.stamp');
    const dir = join(tmp, `cli-run-${process.pid}`);
    const until = Date.now() + 90_000;
    for (;;) {
      try {
        const built = readFileSync(join(root, 'pkg', '.build-stamp'), 'utf8');
        const consumer = join(tmp, 'consumer');
        const fresh =
          existsSync(stampFile) &&
          readFileSync(stampFile, 'utf8') === built &&
          existsSync(join(consumer, 'node_modules', 'acs-identity', 'cli', 'main.js'));
        if (!fresh) {
          prepareConsumer();
          writeFileSync(stampFile, built);
        }
        rmSync(dir, { recursive: true, force: true });
        cpSync(join(consumer, 'node_modules'), join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
        return dir;
      } catch (e) {
        if (Date.now() > until) throw e;
        sleepSync(1000);
      }
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export const runDir = installCli();
after(() => rmSync(runDir, { recursive: true, force: true }));
export const pkgDir = join(runDir, 'node_modules', 'acs-identity');
export const CLI = join(pkgDir, 'cli', 'main.js');
export const BIN = join(runDir, 'node_modules', '.bin', 'acs-identity');

/** The environment of a child: no connection string, no colour preferences, unless given. */
export function childEnv(extra = {}) {
  const env = { ...process.env };
  for (const k of ['AZURE_COMMUNICATION_CONNECTION_STRING', 'NO_COLOR', 'FORCE_COLOR', 'NODE_OPTIONS']) delete env[k];
  return { ...env, ...extra };
}

/**
 * Run the installed CLI. `input` is written to stdin (stdin is a pipe, so not a TTY).
 * @returns {Promise<{ code: number, stdout: string, stderr: string }>}
 */
export function run(args, { env = {}, input, cli = CLI, timeout = 20_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [cli, ...args], { env: childEnv(env), timeout, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') reject(Object.assign(err, { stdout, stderr }));
      else resolve({ code: err ? err.code : 0, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/** Run the CLI with a connection string argument. */
export const runWith = (emu, args, opts) => run([...args, '--connection-string', emu.connectionString], opts);

export const scriptPath = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));

const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/**
 * Run the CLI in a pseudo-terminal (`script -qec CMD /dev/null`): stdin, stdout and stderr of the
 * CLI are the terminal. `answer` is typed once the prompt is shown. Output is the terminal's
 * transcript (CRLF line ends, echoed input).
 * @returns {Promise<{ code: number, output: string }>}
 */
export function runInPty(args, { env = {}, answer, timeout = 20_000 } = {}) {
  const cmd = [process.execPath, CLI, ...args].map(shq).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(scriptPath, ['-qec', cmd, '/dev/null'], { env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let typed = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.stdout.on('data', (d) => {
      output += d;
      if (answer !== undefined && !typed && output.includes('(y/n):')) {
        typed = true;
        child.stdin.write(`${answer}\r`);
      }
    });
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, output });
    });
  });
}

// ---- emulator-side helpers ------------------------------------------------------------------

export async function emulatorPost(emu, path, body) {
  const res = await fetch(`${emu.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  assert.equal(res.status, 200, JSON.stringify(json));
  return json;
}

export const introspect = (emu, token) => emulatorPost(emu, '/emulator/introspect', { token });

// ---- normalisation for goldens ------------------------------------------------------------------

export const USER_ID_RE = /8:acs:[0-9a-f-]{36}_[0-9a-f-]+/g;
export const JWT_RE = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;
export const PY_DATE_RE = /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{6})?\+00:00/g;
export const PY_ISO_RE = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{6})?\+00:00/g;

/**
 * Replace the variable parts of an output by fixed ones of the same length, so that goldens stay
 * exact (table column widths included): the n-th distinct user id becomes
 * `8:acs:00000000-0000-0000-0000-000000000000_00000000-0000-0000-0000-00000000000n`, dates become
 * 2024-04-02 05:54:23[.957000]+00:00 (ISO dates, with T, always with the fraction), and tokens become `<TOKEN>`.
 */
export function normalise(text) {
  const ids = new Map();
  return text
    .replace(USER_ID_RE, (m) => {
      if (!ids.has(m)) ids.set(m, `8:acs:00000000-0000-0000-0000-000000000000_00000000-0000-0000-0000-${String(ids.size + 1).padStart(12, '0')}`);
      const fixed = ids.get(m);
      return fixed.length === m.length ? fixed : `<USER_ID ${ids.size}>`;
    })
    .replace(JWT_RE, '<TOKEN>')
    .replace(PY_DATE_RE, (m) => (m.length > 25 ? '2024-04-02 05:54:23.957000+00:00' : '2024-04-02 05:54:23+00:00'))
    .replace(PY_ISO_RE, '2024-04-02T05:54:23.957000+00:00');
}

/** A user id created through the CLI. */
export async function createUserId(emu, extra = []) {
  const r = await runWith(emu, ['user', 'create', '--query', 'rawId', '-o', 'tsv', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  assert.match(id, /^8:acs:/);
  return id;
}
