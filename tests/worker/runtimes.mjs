// The token endpoint served by each fetch runtime, for suites that run one case list everywhere:
//   workerd — the entry bundled as wrangler bundles it, in Miniflare: `fetch` goes through
//             Miniflare's dispatchFetch, and each endpoint also has its own loopback socket (`url`);
//   node    — `http.createServer(toNodeListener(...))` in a child Node process;
//   deno    — `Deno.serve` in a child Deno process (--allow-read --allow-net);
//   bun     — `Bun.serve` in a child Bun process.
// The package is the packed one, installed by name in a consumer project; the entry is the module a
// user writes (default: `export { default } from 'acs-identity/worker'`), called with the bindings
// as its `env`. Every endpoint listens on a free 127.0.0.1 port.
//
//   import { ENDPOINT_RUNTIMES, startEndpoint } from './runtimes.mjs';
//   for (const runtime of ENDPOINT_RUNTIMES) describe(runtime, () => {
//     let ep;
//     before(async () => { ep = await startEndpoint(runtime, { bindings: { ACS_CONNECTION_STRING, AUTH_JWT_SECRET } }); });
//     after(() => ep?.close());
//     test('...', async () => { const res = await ep.fetch('/token', { method: 'POST', headers }); });
//   });
//
// Several configurations at once (one Miniflare, or one child process, per call):
//   const { endpoints, close } = await startEndpoints(runtime, { main: {...}, other: {...} });
//
// `ACS_ENDPOINT_RUNTIMES=workerd,node` narrows the list (e.g. while debugging one runtime).
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { prepareConsumer, root, tmp } from '../support/consumer.mjs';
import { bundleWorker } from '../support/workerd.mjs';

/** Every runtime the endpoint suites run in, in this order. */
export const ALL_ENDPOINT_RUNTIMES = Object.freeze(['workerd', 'node', 'deno', 'bun']);

/** The runtimes to run: all of them, or those named by `ACS_ENDPOINT_RUNTIMES`. */
export const ENDPOINT_RUNTIMES = Object.freeze(
  process.env.ACS_ENDPOINT_RUNTIMES
    ? process.env.ACS_ENDPOINT_RUNTIMES.split(',').map((r) => r.trim()).filter((r) => ALL_ENDPOINT_RUNTIMES.includes(r))
    : [...ALL_ENDPOINT_RUNTIMES],
);

/** The entry a user writes for the ready Worker. */
export const DEFAULT_ENTRY = "export { default } from 'acs-identity/worker';\n";

const bin = (name) => join(root, 'node_modules', '.bin', name);
const SERVER = 'endpoint-server.mjs';
let consumerDir;
let counter = 0;

function consumer() {
  if (!existsSync(join(root, 'pkg', 'worker.js'))) throw new Error('pkg/ is not built (or lacks worker.js): node scripts/build.mjs');
  consumerDir ??= prepareConsumer();
  return consumerDir;
}

/**
 * Starts one endpoint in `runtime`.
 * @param {'workerd'|'node'|'deno'|'bun'} runtime
 * @param {object} options
 * @param {Record<string, string|number|boolean>} options.bindings  env bindings (plain values), e.g.
 *   `{ ACS_CONNECTION_STRING, AUTH_JWT_SECRET }`.
 * @param {string} [options.entry]  the entry module's source (imports `acs-identity/worker` by name;
 *   its default export's `fetch(request, env, ctx)` serves). Default: {@link DEFAULT_ENTRY}.
 * @param {boolean} [options.kv=true]  bind `IDENTITY_KV`: a Miniflare KV namespace in workerd, an
 *   in-memory object with `get`/`put` elsewhere (any such object is a KV binding for the endpoint).
 * @param {Record<string, {limit: number, period?: 10|60}>} [options.ratelimits]  Workers Rate
 *   Limiting bindings by name, e.g. `{ TOKEN_RATE_LIMITER: { limit: 10, period: 60 } }`: Miniflare's
 *   in workerd; elsewhere an in-memory object with the same `limit({ key }) → { success }` shape.
 * @param {object} [options.workerd]  extra Miniflare worker options (workerd only).
 * @returns {Promise<Endpoint>}
 *
 * @typedef {object} Endpoint
 * @property {string} runtime
 * @property {string} url        `http://127.0.0.1:<port>` (no trailing slash)
 * @property {number} port
 * @property {(path: string, init?: RequestInit) => Promise<Response>} fetch  `fetch(url + path, init)`
 *   (in workerd: Miniflare's dispatchFetch to the worker)
 * @property {{ get(key: string): Promise<string|null>, put(key: string, value: string): Promise<void> } | undefined} kv
 *   the endpoint's IDENTITY_KV as seen from the test (undefined without `kv`)
 * @property {() => string} output  what the runtime printed so far (stdout and stderr: the endpoint's logs)
 * @property {() => Promise<void>} close
 */
export async function startEndpoint(runtime, options = {}) {
  const { endpoints, close, output } = await startEndpoints(runtime, { main: options });
  return { ...endpoints.main, output, close };
}

/**
 * Starts several endpoints (one configuration each, as {@link startEndpoint}'s options) in one
 * Miniflare or one child process of `runtime`; each listens on its own port.
 * @returns {Promise<{ runtime: string, endpoints: Record<string, Endpoint>, output(): string, close(): Promise<void> }>}
 */
export async function startEndpoints(runtime, defs) {
  if (!ALL_ENDPOINT_RUNTIMES.includes(runtime)) throw new Error(`unknown runtime ${runtime}; one of ${ALL_ENDPOINT_RUNTIMES.join(', ')}`);
  const names = Object.keys(defs);
  if (!names.length) throw new Error('startEndpoints: no endpoint');
  for (const name of names) {
    if (!/^[a-zA-Z][a-zA-Z0-9]*$/.test(name)) throw new Error(`startEndpoints: endpoint names are alphanumeric (${name})`);
  }
  return runtime === 'workerd' ? startWorkerd(defs) : startChild(runtime, defs);
}

const endpointOf = (runtime, url, kv) => ({
  runtime,
  url,
  port: Number(new URL(url).port),
  kv,
  fetch: (path, init) => fetch(`${url}${path}`, init),
});

// ---- workerd (Miniflare) ------------------------------------------------------------------------

async function startWorkerd(defs) {
  const dir = consumer();
  const id = `${counter++}`;
  let out = '';
  const collect = (stream) => {
    stream.setEncoding('utf8');
    stream.on('data', (d) => {
      out += d;
      if (process.env.ACS_ENDPOINT_LOGS) process.stderr.write(d);
    });
  };
  const workers = [];
  for (const [name, def] of Object.entries(defs)) {
    const script = await bundleWorker(dir, `ep${id}${name}`, def.entry ?? DEFAULT_ENTRY);
    workers.push({
      name,
      modules: true,
      scriptPath: script,
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: '2025-01-01',
      bindings: def.bindings ?? {},
      kvNamespaces: def.kv === false ? [] : ['IDENTITY_KV'],
      ratelimits: Object.fromEntries(
        Object.entries(def.ratelimits ?? {}).map(([binding, { limit, period = 60 }]) => [binding, { simple: { limit, period } }]),
      ),
      routes: [`${name.toLowerCase()}.test/*`],
      unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
      ...def.workerd,
    });
  }
  const mf = new Miniflare({ workers, handleRuntimeStdio: (stdout, stderr) => (collect(stdout), collect(stderr)) });
  try {
    await mf.ready;
    const endpoints = {};
    for (const [name, def] of Object.entries(defs)) {
      const url = (await mf.unsafeGetDirectURL(name)).toString().replace(/\/$/, '');
      let kv;
      if (def.kv !== false) {
        const ns = () => mf.getKVNamespace('IDENTITY_KV', name);
        kv = { get: async (key) => (await ns()).get(key), put: async (key, value) => (await ns()).put(key, value) };
      }
      // Requests go through Miniflare's dispatchFetch (routed by host name), which holds up under
      // load; `url` / `port` are the worker's own socket, for raw HTTP.
      endpoints[name] = {
        ...endpointOf('workerd', url, kv),
        fetch: (path, init) => mf.dispatchFetch(`http://${name.toLowerCase()}.test${path}`, init),
      };
    }
    let closed = false;
    return {
      runtime: 'workerd',
      endpoints,
      output: () => out,
      close: async () => {
        if (closed) return;
        closed = true;
        await mf.dispose();
        removeFiles(dir, `dist-${process.pid}-ep${id}`, `entry-${process.pid}-ep${id}`);
      },
    };
  } catch (error) {
    await mf.dispose().catch(() => {});
    throw error;
  }
}

function removeFiles(dir, ...prefixes) {
  for (const f of readdirSync(dir)) {
    if (prefixes.some((p) => f.startsWith(p))) rmSync(join(dir, f), { recursive: true, force: true });
  }
}

// ---- Node, Deno, Bun (a child process running endpoint-server.mjs) -----------------------------

const COMMANDS = {
  node: () => [process.execPath, [SERVER]],
  deno: () => [bin('deno'), ['run', '--quiet', '--no-prompt', '--allow-read', '--allow-net', SERVER]],
  bun: () => [bin('bun'), [SERVER]],
};

async function startChild(runtime, defs) {
  const dir = consumer();
  copyFileSync(join(root, 'tests', 'worker', SERVER), join(dir, SERVER));
  const id = `${process.pid}-${counter++}`;
  const config = { endpoints: {} };
  for (const [name, def] of Object.entries(defs)) {
    const entry = `ep-entry-${id}-${name}.mjs`;
    writeFileSync(join(dir, entry), def.entry ?? DEFAULT_ENTRY);
    config.endpoints[name] = { entry, bindings: def.bindings ?? {}, kv: def.kv !== false, ratelimits: def.ratelimits ?? {} };
  }
  const configFile = `ep-config-${id}.json`;
  writeFileSync(join(dir, configFile), JSON.stringify(config));
  const [cmd, args] = COMMANDS[runtime]();
  const child = spawn(cmd, [...args, configFile], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DENO_DIR: join(tmp, 'deno-cache'), DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
  });
  let out = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${runtime}: the endpoint server did not start in 60 s\n${out}`)), 60_000);
    child.on('error', (e) => (clearTimeout(timer), reject(e)));
    exited.then(({ code, signal }) => (clearTimeout(timer), reject(new Error(`${runtime}: the endpoint server exited (${code ?? signal})\n${out}`))));
    let line = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      out += d;
      if (process.env.ACS_ENDPOINT_LOGS) process.stderr.write(d);
      line += d;
      const m = /@@READY@@(.*)\n/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(JSON.parse(m[1]));
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      out += d;
      if (process.env.ACS_ENDPOINT_LOGS) process.stderr.write(d);
    });
  });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    removeFiles(dir, `ep-entry-${id}-`, configFile);
  };
  let info;
  try {
    info = await ready;
  } catch (error) {
    await close();
    throw error;
  }
  const control = async (body) => {
    const res = await fetch(`http://127.0.0.1:${info.control}/`, { method: 'POST', body: JSON.stringify(body) });
    const answer = await res.json();
    if (!res.ok) throw new Error(`${runtime} control: ${answer.error}`);
    return answer;
  };
  const endpoints = {};
  for (const name of Object.keys(defs)) {
    const kv = config.endpoints[name].kv
      ? {
          get: async (key) => (await control({ op: 'kv.get', endpoint: name, key })).value,
          put: async (key, value) => void (await control({ op: 'kv.put', endpoint: name, key, value })),
        }
      : undefined;
    endpoints[name] = endpointOf(runtime, `http://127.0.0.1:${info.ports[name]}`, kv);
  }
  return { runtime, endpoints, output: () => out, close };
}
