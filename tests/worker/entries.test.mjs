// acs-identity/worker and acs-identity imported together, in either order, in workerd, Node, Deno
// and Bun, by name from the packed package: both work, and the process holds one wasm instance
// (every entry shares the glue; a second loader finds the module already instantiated).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { prepareConsumer, root, tmp } from '../support/consumer.mjs';
import { bundleWorker, cleanBundles } from '../support/workerd.mjs';
import { ENDPOINT_RUNTIMES } from './runtimes.mjs';

const consumer = prepareConsumer();
const id = process.pid;
const written = [];
const write = (name, text) => {
  writeFileSync(join(consumer, name), text);
  written.push(join(consumer, name));
};
after(() => {
  for (const f of written) rmSync(f, { force: true });
  cleanBundles(consumer);
});

// Counts wasm instantiations; imported first, so it runs before any loader.
write(
  `count-${id}.mjs`,
  `globalThis.__wasmInstances = 0;
const Instance = WebAssembly.Instance;
WebAssembly.Instance = function (...args) { globalThis.__wasmInstances++; return new Instance(...args); };
WebAssembly.Instance.prototype = Instance.prototype;
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = function (...args) { globalThis.__wasmInstances++; return instantiate.apply(this, args); };
const instantiateStreaming = WebAssembly.instantiateStreaming;
if (instantiateStreaming) WebAssembly.instantiateStreaming = function (...args) { globalThis.__wasmInstances++; return instantiateStreaming.apply(this, args); };
`,
);

/** What each check module does: imports both entries (in `order`), uses both, reports. */
const body = (order) => `import './count-${id}.mjs';
${order === 'worker-first' ? "import worker, { createTokenHandler, toNodeListener } from 'acs-identity/worker';\nimport * as lib from 'acs-identity';" : "import * as lib from 'acs-identity';\nimport worker, { createTokenHandler, toNodeListener } from 'acs-identity/worker';"}
export async function check() {
  const env = { ACS_CONNECTION_STRING: 'endpoint=https://x.test/;accesskey=' + btoa('key'), AUTH_JWT_SECRET: 'x'.repeat(40) };
  const health = await worker.fetch(new Request('http://e.test/healthz'), env);
  const handler = createTokenHandler({ env, basePath: '/api' });
  const missing = await handler(new Request('http://e.test/api/token', { method: 'POST' }));
  const signed = lib.signRequest({ method: 'GET', url: 'https://x.test/a', accessKey: btoa('key'), date: 0 });
  return {
    instances: globalThis.__wasmInstances,
    health: health.status,
    missing: (await missing.json()).error.code,
    signed: typeof signed.authorization,
    listener: typeof toNodeListener,
  };
}
`;
for (const order of ['worker-first', 'main-first']) {
  write(`check-${id}-${order}.mjs`, body(order));
  write(`run-${id}-${order}.mjs`, `import { check } from './check-${id}-${order}.mjs';\nconsole.log('@@CHECK@@' + JSON.stringify(await check()));\n`);
}

const bin = (n) => join(root, 'node_modules', '.bin', n);
const COMMANDS = {
  node: (file) => [process.execPath, [file]],
  deno: (file) => [bin('deno'), ['run', '--quiet', '--no-prompt', '--allow-read', '--allow-net', file]],
  bun: (file) => [bin('bun'), [file]],
};

async function runIn(runtime, order) {
  if (runtime === 'workerd') {
    const script = await bundleWorker(
      consumer,
      `entries-${order}`,
      `import { check } from './check-${id}-${order}.mjs';\nexport default { async fetch() { return Response.json(await check()); } };\n`,
    );
    const mf = new Miniflare({ modules: true, scriptPath: script, modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }], compatibilityDate: '2025-01-01' });
    try {
      return await (await mf.dispatchFetch('http://w.test/')).json();
    } finally {
      await mf.dispose();
    }
  }
  const [cmd, args] = COMMANDS[runtime](`run-${id}-${order}.mjs`);
  const r = spawnSync(cmd, args, {
    cwd: consumer,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, DENO_DIR: join(tmp, 'deno-cache'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  });
  const line = r.stdout.split('\n').find((l) => l.startsWith('@@CHECK@@'));
  assert.ok(line, `${runtime} printed nothing (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(line.slice('@@CHECK@@'.length));
}

for (const runtime of ENDPOINT_RUNTIMES) {
  describe(runtime, () => {
    for (const order of ['worker-first', 'main-first']) {
      test(`acs-identity/worker and acs-identity (${order}): both work, one wasm instance`, async () => {
        const got = await runIn(runtime, order);
        assert.deepEqual(got, { instances: 1, health: 200, missing: 'MissingToken', signed: 'string', listener: 'function' });
      });
    }
  });
}


// Vercel Edge resolves the `edge-light` condition and compiles `import x from './f.wasm?module'`
// into a WebAssembly.Module. Here esbuild does the same (the import kept as a module import of the
// .wasm beside the bundle) and workerd runs the bundle: the edge-light entries load and work.
describe('edge-light', () => {
  test('acs-identity/worker and acs-identity through the edge-light entries: both work, one wasm instance', async () => {
    const dir = join(consumer, `dist-${id}-edge-light`);
    mkdirSync(dir, { recursive: true });
    const outfile = join(dir, 'worker.mjs');
    let suffixed = 0;
    await build({
      stdin: {
        contents: `import { check } from './check-${id}-worker-first.mjs';\nexport default { async fetch() { return Response.json(await check()); } };\n`,
        resolveDir: consumer,
        loader: 'js',
      },
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      conditions: ['edge-light', 'worker', 'browser'],
      outfile,
      logLevel: 'silent',
      plugins: [
        {
          name: 'wasm-module-suffix',
          setup(b) {
            b.onResolve({ filter: /\.wasm\?module$/ }, () => {
              suffixed++;
              return { path: './acs_identity_bg.wasm', external: true };
            });
          },
        },
      ],
    });
    assert.equal(suffixed, 1, 'the bundle took the edge-light loader (one `?module` import)');
    copyFileSync(join(consumer, 'node_modules', 'acs-identity', 'acs_identity_bg.wasm'), join(dir, 'acs_identity_bg.wasm'));
    const mf = new Miniflare({ modules: true, scriptPath: outfile, modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }], compatibilityDate: '2025-01-01' });
    try {
      const got = await (await mf.dispatchFetch('http://w.test/')).json();
      assert.deepEqual(got, { instances: 1, health: 200, missing: 'MissingToken', signed: 'string', listener: 'function' });
    } finally {
      await mf.dispose();
    }
  });
});
