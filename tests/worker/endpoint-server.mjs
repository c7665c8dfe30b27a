// Serves token endpoints in Node, Deno or Bun, as a user of `acs-identity/worker` would host them:
// `http.createServer(toNodeListener(...))`, `Deno.serve(...)`, `Bun.serve(...)`. Started by
// tests/worker/runtimes.mjs inside the consumer project (so that `acs-identity/worker` resolves by
// name), with a JSON config file: `{ endpoints: { name: { entry, bindings, kv, ratelimits } } }`.
// Each endpoint gets its own free loopback port; a control port lets the tests read and write the
// in-memory KV. Prints `@@READY@@{"ports":{name:port},"control":port}` once listening.
const runtime = globalThis.Deno ? 'deno' : globalThis.Bun ? 'bun' : 'node';
const args = runtime === 'deno' ? Deno.args : process.argv.slice(2);
const configText = runtime === 'deno' ? await Deno.readTextFile(args[0]) : (await import('node:fs')).readFileSync(args[0], 'utf8');
const config = JSON.parse(configText);

/** Serves `handler(request) → Response` on a free 127.0.0.1 port; resolves the port. */
async function serve(handler) {
  if (runtime === 'deno') {
    return new Promise((resolve) => {
      Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: ({ port }) => resolve(port) }, handler);
    });
  }
  if (runtime === 'bun') {
    return Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: handler }).port;
  }
  const http = await import('node:http');
  const { toNodeListener } = await import('acs-identity/worker');
  const server = http.createServer(toNodeListener(handler));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server.address().port;
}

/** A KV binding: any object with `get` and `put` (here in memory). */
function memoryKv() {
  const map = new Map();
  return {
    map,
    async get(key) {
      return map.has(key) ? map.get(key) : null;
    },
    async put(key, value) {
      map.set(key, String(value));
    },
  };
}

/** A Workers Rate Limiting binding in memory: `limit({ key })` → `{ success }`, fixed windows. */
function memoryRateLimiter({ limit, period = 60 }) {
  const windows = new Map();
  return {
    async limit({ key } = {}) {
      const window = Math.floor(Date.now() / (period * 1000));
      const k = `${window}\u0000${key}`;
      const count = (windows.get(k) ?? 0) + 1;
      windows.set(k, count);
      for (const old of windows.keys()) if (!old.startsWith(`${window}\u0000`)) windows.delete(old);
      return { success: count <= limit };
    },
  };
}

const ctx = {
  waitUntil(promise) {
    Promise.resolve(promise).catch(() => {});
  },
  passThroughOnException() {},
};

const base = runtime === 'deno' ? `file://${Deno.cwd()}/` : `file://${process.cwd()}/`;
const ports = {};
const kvs = {};
for (const [name, def] of Object.entries(config.endpoints)) {
  const mod = await import(new URL(def.entry, base).href);
  const env = { ...def.bindings };
  if (def.kv) env.IDENTITY_KV = kvs[name] = memoryKv();
  for (const [binding, options] of Object.entries(def.ratelimits ?? {})) env[binding] = memoryRateLimiter(options);
  ports[name] = await serve((request) => mod.default.fetch(request, env, ctx));
}

const control = await serve(async (request) => {
  try {
    const { op, endpoint, key, value } = await request.json();
    const kv = kvs[endpoint];
    if (!kv) return Response.json({ error: `no KV for ${endpoint}` }, { status: 400 });
    if (op === 'kv.get') return Response.json({ value: await kv.get(key) });
    if (op === 'kv.put') return Response.json({ ok: await kv.put(key, value) ?? true });
    return Response.json({ error: `unknown op ${op}` }, { status: 400 });
  } catch (error) {
    return Response.json({ error: String(error) }, { status: 500 });
  }
});

console.log(`@@READY@@${JSON.stringify({ runtime, ports, control })}`);
