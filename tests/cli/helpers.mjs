// Shared helpers of the CLI tests: the installed CLI (from the packed package), an emulator in the
// test process, async child processes (never spawnSync: the emulator lives in this process), a
// pseudo-terminal through util-linux `script`, and normalisation of the variable parts of outputs.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startEmulator } from '../../emulator/server.mjs';
import { prepareConsumer } from '../support/consumer.mjs';

export { startEmulator };

const sleepSync = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * The consumer project with the packed package installed (shared and immutable once installed).
 * pkg/ may be being rebuilt by another suite at this moment (the build removes it first): retry
 * for a while.
 */
function installCli() {
  const until = Date.now() + 90_000;
  for (;;) {
    try {
      const dir = prepareConsumer();
      if (!existsSync(join(dir, 'node_modules', 'acs-identity', 'cli', 'main.js'))) throw new Error('the package has no CLI');
      return dir;
    } catch (e) {
      if (Date.now() > until) throw e;
      sleepSync(1000);
    }
  }
}

export const runDir = installCli();
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
 * CLI are the terminal. `answer` is typed once the prompt is shown (an array: one answer per
 * prompt shown). Output is the terminal's transcript (CRLF line ends, echoed input).
 * @returns {Promise<{ code: number, output: string }>}
 */
export function runInPty(args, { env = {}, answer, timeout = 20_000 } = {}) {
  const cmd = [process.execPath, CLI, ...args].map(shq).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(scriptPath, ['-qec', cmd, '/dev/null'], { env: childEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let typed = 0;
    const answers = answer === undefined ? [] : [answer].flat();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.stdout.on('data', (d) => {
      output += d;
      const prompts = output.split('(y/n):').length - 1;
      while (typed < prompts && typed < answers.length) child.stdin.write(`${answers[typed++]}\r`);
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
/** The service's expiresOn string, which az prints as is: `2026-12-02T22:03:21.0000000+00:00`. */
export const SERVICE_DATE_RE = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}\+00:00/g;
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
    .replace(PY_ISO_RE, '2024-04-02T05:54:23.957000+00:00')
    .replace(SERVICE_DATE_RE, '2024-04-02T05:54:23.0000000+00:00');
}

/** A user id created through the CLI. */
export async function createUserId(emu, extra = []) {
  const r = await runWith(emu, ['user', 'create', '--query', 'rawId', '-o', 'tsv', ...extra]);
  assert.equal(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  assert.match(id, /^8:acs:/);
  return id;
}
