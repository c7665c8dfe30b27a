// The runtime matrix: the same cases (tests/runtimes/cases.mjs) run against the packed package,
// imported by name (`acs-identity` and `acs-identity/sign`), in Node, Deno, Bun, workerd
// (Miniflare) and headless Chromium.
import { spawn } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bundleWorker, cleanBundles } from './support/workerd.mjs';
import { Miniflare } from 'miniflare';
import { prepareConsumer, root } from './support/consumer.mjs';
import { serveStatic } from './support/static-server.mjs';
import { chromiumAvailable, launchChromium } from './support/chromium.mjs';
import { pathToFileURL } from 'node:url';

const bin = (n) => join(root, 'node_modules', '.bin', n);
const RUNTIMES = (process.env.ACS_RUNTIMES ?? 'node,deno,bun,workerd,chromium').split(',');

async function maybeStartEmulator() {
  const server = join(root, 'emulator', 'server.mjs');
  if (!existsSync(server)) return null;
  const { startEmulator } = await import(server);
  return startEmulator({ port: 0, faults: true });
}

/** Runs a command without blocking the event loop (the emulator lives in this process). */
function exec(cmd, args, opts) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('error', (e) => { clearTimeout(timer); resolve({ status: -1, stdout, stderr: `${stderr}${e.message}` }); });
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
  });
}

function parseResults(runtime, r) {
  const line = r.stdout.split('\n').find((l) => l.startsWith('@@RESULTS@@'));
  if (!line) throw new Error(`${runtime} printed no results (exit ${r.status})\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return JSON.parse(line.slice('@@RESULTS@@'.length));
}

const consumer = prepareConsumer();
cpSync(join(root, 'tests', 'runtimes'), consumer, { recursive: true });
// The case list, from the consumer's copy (its modules import `acs-identity` by name): the cases of
// `acs-identity`, then those of `acs-identity/sign`.
const { cases: mainCases, signCases } = await import(pathToFileURL(join(consumer, 'cases.mjs')).href);
const cases = [...mainCases, ...signCases];
const emulator = await maybeStartEmulator();
const ctx = emulator
  ? { emulator: { connectionString: emulator.connectionString, endpoint: emulator.endpoint, url: emulator.url } }
  : {};
after(() => emulator?.close());

const RUN = {
  node: async () => parseResults('node', await exec(process.execPath, ['runner.mjs', JSON.stringify(ctx)], { cwd: consumer })),
  deno: async () =>
    parseResults(
      'deno',
      await exec(bin('deno'), ['run', '--quiet', '--no-prompt', '--allow-read', '--allow-env', '--allow-net=127.0.0.1', 'runner.mjs', JSON.stringify(ctx)], {
        cwd: consumer,
        env: { ...process.env, DENO_DIR: join(root, 'tests', '.tmp', 'deno-cache'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
      }),
    ),
  bun: async () => parseResults('bun', await exec(bin('bun'), ['runner.mjs', JSON.stringify(ctx)], { cwd: consumer })),
  workerd: runWorkerd,
  chromium: runChromium,
};

/** Runs the cases in workerd: the runner bundled as wrangler would, in Miniflare. */
async function runWorkerd() {
  const scriptPath = await bundleWorker(consumer, 'runtimes', "export { default } from './worker-runner.mjs';\n");
  const mf = new Miniflare({
    modules: true,
    scriptPath,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2025-01-01',
  });
  try {
    const res = await mf.dispatchFetch('http://worker/', { method: 'POST', body: JSON.stringify(ctx) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`workerd answered ${res.status}: ${text}`);
    return JSON.parse(text);
  } finally {
    await mf.dispose();
    cleanBundles(consumer);
  }
}

async function runChromium() {
  if (!chromiumAvailable()) throw new Error('Chromium is not installed at /usr/bin/chromium (apt-get install chromium)');
  const server = await serveStatic(consumer);
  const browser = await launchChromium();
  const errors = [];
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    await page.goto(`${server.url}/browser-runner.html#${encodeURIComponent(JSON.stringify(ctx))}`);
    await page.waitForFunction(() => window.__results, null, { timeout: 120_000 });
    const results = await page.evaluate(() => window.__results);
    if (errors.length) throw new Error(`uncaught page errors: ${errors.join('; ')}`);
    return results;
  } finally {
    await browser.close();
    await server.close();
  }
}

// Run the runtimes one after another (2 cores), then report one test per case per runtime.
const outcomes = {};
for (const runtime of RUNTIMES) {
  try {
    outcomes[runtime] = { results: await RUN[runtime]() };
  } catch (error) {
    outcomes[runtime] = { error };
  }
}

for (const runtime of RUNTIMES) {
  describe(runtime, () => {
    const { results, error } = outcomes[runtime];
    test('loads the package by name and runs the cases', () => {
      if (error) throw error;
      assert.equal(results.length, cases.length);
    });
    const byName = new Map((results ?? []).map((r) => [r.name, r]));
    for (const c of cases) {
      test(c.name, (t) => {
        const r = byName.get(c.name);
        assert.ok(r, `${runtime} did not run this case`);
        if (r.status === 'skip') return t.skip(r.error);
        assert.equal(r.status, 'pass', r.error);
      });
    }
  });
}
