// acs-identity/worker, acs-identity and acs-identity/sign imported alone or together, in either
// order, in workerd, Node, Deno and Bun (and through the edge-light entries), by name from the
// packed package: each works, the process holds one instance of each binary its entries use (each
// binary's glue is shared by that capability's entries) and none of another capability's (the
// worker entry never loads the client's binary), and AcsIdentityError is one class.
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

// Counts wasm instantiations by binary (told apart by their exports); imported first, so it runs
// before any loader.
write(
  `count-${id}.mjs`,
  `globalThis.__wasm = {};
const kind = (module) => {
  const names = WebAssembly.Module.exports(module).map((e) => e.name);
  if (names.some((n) => n.startsWith('tokenendpoint_'))) return 'endpoint';
  if (names.some((n) => n.startsWith('communicationidentityclient_'))) return 'client';
  if (names.includes('signRequest')) return 'sign';
  return 'other';
};
const count = (module) => { const k = kind(module); globalThis.__wasm[k] = (globalThis.__wasm[k] ?? 0) + 1; };
const Instance = WebAssembly.Instance;
WebAssembly.Instance = function (module, imports) { count(module); return new Instance(module, imports); };
WebAssembly.Instance.prototype = Instance.prototype;
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = function (source, imports) {
  if (source instanceof WebAssembly.Module) { count(source); return instantiate.call(this, source, imports); }
  return instantiate.call(this, source, imports).then((r) => { count(r.module); return r; });
};
const instantiateStreaming = WebAssembly.instantiateStreaming;
if (instantiateStreaming) WebAssembly.instantiateStreaming = function (...args) { return instantiateStreaming.apply(this, args).then((r) => { count(r.module); return r; }); };
`,
);

/**
 * The scenarios: which entries a module imports (in this order), and the binaries it must have
 * instantiated, each once: one instance per capability, and an entry loads only its own binary.
 */
const IMPORTS = {
  worker: "import worker, { createTokenHandler, toNodeListener } from 'acs-identity/worker';",
  main: "import * as lib from 'acs-identity';",
  sign: "import * as sign from 'acs-identity/sign';",
};
const SCENARIOS = {
  'worker-first': { imports: ['worker', 'main'], binaries: { client: 1, endpoint: 1 } },
  'main-first': { imports: ['main', 'worker'], binaries: { client: 1, endpoint: 1 } },
  'worker-alone': { imports: ['worker'], binaries: { endpoint: 1 } },
  'sign-alone': { imports: ['sign'], binaries: { sign: 1 } },
  'all-three': { imports: ['sign', 'worker', 'main'], binaries: { client: 1, endpoint: 1, sign: 1 } },
};

/** What each check module does: imports the scenario's entries, uses each, reports. */
const body = ({ imports }) => `import './count-${id}.mjs';
${imports.map((i) => IMPORTS[i]).join('\n')}
export async function check() {
  const out = {};
${
  imports.includes('worker')
    ? `  const env = { ACS_CONNECTION_STRING: 'endpoint=https://x.test/;accesskey=' + btoa('key'), AUTH_JWT_SECRET: 'x'.repeat(40) };
  const health = await worker.fetch(new Request('http://e.test/healthz'), env);
  const handler = createTokenHandler({ env, basePath: '/api' });
  const missing = await handler(new Request('http://e.test/api/token', { method: 'POST' }));
  out.health = health.status;
  out.missing = (await missing.json()).error.code;
  out.listener = typeof toNodeListener;
`
    : ''
}${imports.includes('main') ? "  out.signed = typeof lib.signRequest({ method: 'GET', url: 'https://x.test/a', accessKey: btoa('key'), date: 0 }).authorization;\n" : ''}${
  imports.includes('sign')
    ? `  out.signedAlone = sign.signRequest({ method: 'GET', url: 'https://x.test/a', accessKey: btoa('key'), date: 0 }).authorization;
  try { sign.signRequest({ method: 'GET', url: 'x', accessKey: btoa('key') }); } catch (e) { out.signError = e instanceof sign.AcsIdentityError && e.code; }
`
    : ''
}${imports.includes('sign') && imports.includes('main') ? "  out.oneClass = sign.AcsIdentityError === lib.AcsIdentityError && out.signedAlone === lib.signRequest({ method: 'GET', url: 'https://x.test/a', accessKey: btoa('key'), date: 0 }).authorization;\n" : ''}  out.binaries = globalThis.__wasm;
  return out;
}
`;

/** What a scenario must report. */
function expected({ imports, binaries }) {
  const out = {};
  if (imports.includes('worker')) Object.assign(out, { health: 200, missing: 'MissingToken', listener: 'function' });
  if (imports.includes('main')) out.signed = 'string';
  if (imports.includes('sign')) Object.assign(out, { signedAlone: 'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=', signError: 'InvalidUrl' });
  if (imports.includes('sign') && imports.includes('main')) out.oneClass = true;
  out.binaries = binaries;
  return out;
}

/** The report, with the signature cut to its constant prefix. */
const shape = (got) => (got.signedAlone ? { ...got, signedAlone: got.signedAlone.slice(0, got.signedAlone.indexOf('Signature=') + 10) } : got);

for (const [name, scenario] of Object.entries(SCENARIOS)) {
  write(`check-${id}-${name}.mjs`, body(scenario));
  write(`run-${id}-${name}.mjs`, `import { check } from './check-${id}-${name}.mjs';\nconsole.log('@@CHECK@@' + JSON.stringify(await check()));\n`);
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
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      const entries = scenario.imports.map((i) => (i === 'main' ? 'acs-identity' : `acs-identity/${i}`)).join(' + ');
      test(`${entries} (${name}): each works, one instance of each binary it uses and no other`, async () => {
        const got = await runIn(runtime, name);
        assert.deepEqual(shape(got), expected(scenario));
      });
    }
  });
}


// Vercel Edge resolves the `edge-light` condition and compiles `import x from './f.wasm?module'`
// into a WebAssembly.Module. Here esbuild does the same (the import kept as a module import of the
// .wasm beside the bundle) and workerd runs the bundle: the edge-light entries load and work.
describe('edge-light', () => {
  test('acs-identity/worker, acs-identity and acs-identity/sign through the edge-light entries: each works, one instance of each binary', async () => {
    const dir = join(consumer, `dist-${id}-edge-light`);
    mkdirSync(dir, { recursive: true });
    const outfile = join(dir, 'worker.mjs');
    const suffixed = [];
    await build({
      stdin: {
        contents: `import { check } from './check-${id}-all-three.mjs';\nexport default { async fetch() { return Response.json(await check()); } };\n`,
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
            b.onResolve({ filter: /\.wasm\?module$/ }, (args) => {
              const path = args.path.replace(/\?module$/, '');
              suffixed.push(path);
              return { path, external: true };
            });
          },
        },
      ],
    });
    assert.deepEqual(
      suffixed.sort(),
      ['./acs_identity_bg.wasm', './acs_identity_sign_bg.wasm', './acs_identity_worker_bg.wasm'],
      'the bundle took the edge-light loaders (one `?module` import per binary)',
    );
    for (const f of suffixed) copyFileSync(join(consumer, 'node_modules', 'acs-identity', f), join(dir, f));
    const mf = new Miniflare({ modules: true, scriptPath: outfile, modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }], compatibilityDate: '2025-01-01' });
    try {
      const got = await (await mf.dispatchFetch('http://w.test/')).json();
      assert.deepEqual(shape(got), expected(SCENARIOS['all-three']));
    } finally {
      await mf.dispose();
    }
  });
});
