// 5. Edge: token-endpoint requests per second and p50/p99 latency of the ready Worker
// (acs-identity/worker) in workerd (Miniflare), at concurrency 1 and 50, against the baseline of
// calling the emulator directly from Node with our client (the same upstream call the Worker makes:
// createUserAndToken(['chat', 'voip'], { customId: sub }) on the preview api-version).
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { Miniflare } from 'miniflare';
import { onCleanup } from './lib/procs.mjs';
import { pairedRatio, percentile, summary } from './lib/stats.mjs';

const SECRET = 'bench-only-hs256-secret-0123456789abcdef';
const USERS = 100;
const b64u = (s) => Buffer.from(s).toString('base64url');

/**
 * Each load step of `plan`: every caller runs `requests` requests at `concurrency`, `rounds` times,
 * their order rotating each round. Returns per step `{ concurrency, requestsPerRound, rounds, runs }`
 * with `runs[name] = { rps: [per round], ms: [every request] }`.
 */
async function measureRounds(plan, rounds, callers) {
  const names = Object.keys(callers);
  const steps = [];
  for (const { concurrency, requests } of plan) {
    const runs = Object.fromEntries(names.map((n) => [n, { rps: [], ms: [] }]));
    for (let r = 0; r < rounds; r++) {
      for (const name of names.map((_, k) => names[(k + r) % names.length])) {
        const { ms, elapsed } = await pool(requests, concurrency, callers[name]);
        runs[name].rps.push((requests * 1000) / elapsed);
        runs[name].ms.push(...ms);
      }
    }
    steps.push({ concurrency, requestsPerRound: requests, rounds, runs });
  }
  return steps;
}

/** Throughput and latency of one caller's runs at one load step. */
function stats({ rps, ms }) {
  return {
    rps: summary(rps),
    latencyMs: { p50: percentile(ms, 50), p90: percentile(ms, 90), p99: percentile(ms, 99), n: ms.length },
    rpsSamples: rps,
  };
}

function appToken(sub) {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64u(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64u(JSON.stringify({ sub, iat: now, exp: now + 3600 }))}`;
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
}

/** Runs `fn(i)` for i in 0..total with at most `concurrency` in flight; returns latencies and elapsed ms. */
async function pool(total, concurrency, fn) {
  const ms = new Array(total);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t = performance.now();
        await fn(i);
        ms[i] = performance.now() - t;
      }
    }),
  );
  return { ms, elapsed: performance.now() - t0 };
}

/**
 * @param {{ workerFile: string, emulator: { connectionString: string }, Client: any,
 *   rounds: number, plan: Array<{ concurrency: number, requests: number }> }} o
 */
export async function measureEdge({ workerFile, emulator, Client, rounds, plan }) {
  const tokens = Array.from({ length: USERS }, (_, u) => appToken(`bench-user-${u}`));
  const mf = new Miniflare({
    modules: true,
    scriptPath: workerFile,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2025-01-01',
    // Throughput, not the per-user rate limit (off: the bench asks as a few users, many times).
    bindings: { ACS_CONNECTION_STRING: emulator.connectionString, AUTH_JWT_SECRET: SECRET, IDENTITY_MAPPING: 'customId', RATE_LIMIT_PER_MINUTE: 'off' },
  });
  const unregister = onCleanup(() => mf.dispose());
  try {
    await mf.ready;
    const client = new Client(emulator.connectionString);
    const edge = async (i) => {
      const res = await mf.dispatchFetch('http://worker.test/token', { method: 'POST', headers: { authorization: `Bearer ${tokens[i % USERS]}` } });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`the token endpoint answered ${res.status}: ${text.slice(0, 300)}`);
    };
    const direct = async (i) => {
      const r = await client.createUserAndToken(['chat', 'voip'], { customId: `bench-user-${i % USERS}` });
      if (!r.token) throw new Error('no token');
    };
    // Warm-up: every user's identity exists before measuring (both paths then only issue tokens).
    await pool(USERS, 10, edge);
    await pool(USERS, 10, direct);

    return (await measureRounds(plan, rounds, { edge, direct })).map(({ runs, ...step }) => ({
      ...step,
      edge: stats(runs.edge),
      direct: stats(runs.direct),
      // edge / direct throughput, round by round
      rpsRatio: pairedRatio(runs.edge.rps, runs.direct.rps),
    }));
  } finally {
    await mf.dispose();
    unregister();
  }
}

/**
 * Starts the ready endpoint in `runtime` on a free loopback port: workerd (Miniflare with a socket,
 * the wrangler-style bundle) or a Node / Deno / Bun process running bench/edge-server.mjs.
 * @returns {Promise<{ url: string, close(): Promise<void> }>}
 */
async function startRuntime(runtime, { benchDir, workerFile, cmd, env }) {
  if (runtime === 'workerd') {
    const mf = new Miniflare({
      modules: true,
      scriptPath: workerFile,
      modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
      compatibilityDate: '2025-01-01',
      bindings: env,
      host: '127.0.0.1',
      port: 0,
    });
    const unregister = onCleanup(() => mf.dispose());
    const url = (await mf.ready).toString().replace(/\/$/, '');
    return { url, close: async () => (await mf.dispose(), unregister()) };
  }
  const args = runtime === 'deno' ? ['run', '--quiet', '--allow-read', '--allow-net', 'edge-server.mjs'] : ['edge-server.mjs'];
  const child = spawn(cmd, [...args, JSON.stringify(env)], { cwd: benchDir, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const unregister = onCleanup(close);
  const port = await new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${runtime}: the endpoint did not start in 30 s\n${err}`)), 30_000);
    child.stderr.on('data', (d) => (err += d));
    exited.then((code) => (clearTimeout(timer), reject(new Error(`${runtime}: the endpoint exited with ${code}\n${err}`))));
    child.stdout.on('data', (d) => {
      out += d;
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  return { url: `http://127.0.0.1:${port}`, close: async () => (await close(), unregister()) };
}

/**
 * The same load against the ready endpoint hosted by each runtime — workerd (Miniflare with a
 * socket), Node (`http.createServer(toNodeListener(...))`), Deno (`Deno.serve`), Bun
 * (`Bun.serve`) — each on a loopback port, requests from this process's `fetch`, the emulator
 * upstream. Runtimes take turns round by round (the order rotates), so machine load hits all alike.
 * @param {{ benchDir: string, workerFile: string, emulator: { connectionString: string },
 *   runtimes: Record<string, string|null>, rounds: number, plan: Array<{ concurrency: number, requests: number }> }} o
 *   `runtimes`: name → executable (null for workerd)
 */
export async function measureEdgeRuntimes({ benchDir, workerFile, emulator, runtimes, rounds, plan }) {
  const tokens = Array.from({ length: USERS }, (_, u) => appToken(`bench-user-${u}`));
  // Throughput, not the per-user rate limit (off where the endpoint has one: each user asks many times).
  const env = { ACS_CONNECTION_STRING: emulator.connectionString, AUTH_JWT_SECRET: SECRET, IDENTITY_MAPPING: 'customId', RATE_LIMIT_PER_MINUTE: 'off' };
  const names = Object.keys(runtimes);
  const servers = {};
  try {
    for (const name of names) servers[name] = await startRuntime(name, { benchDir, workerFile, cmd: runtimes[name], env });
    const call = (name) => async (i) => {
      const res = await fetch(`${servers[name].url}/token`, { method: 'POST', headers: { authorization: `Bearer ${tokens[i % USERS]}` } });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${name}: the token endpoint answered ${res.status}: ${text.slice(0, 300)}`);
    };
    // Warm-up: every user's identity exists, every runtime has compiled its hot paths.
    for (const name of names) await pool(USERS * 2, 10, call(name));

    const callers = Object.fromEntries(names.map((n) => [n, call(n)]));
    return (await measureRounds(plan, rounds, callers)).map(({ runs, ...step }) => ({
      ...step,
      runtimes: Object.fromEntries(names.map((n) => [n, stats(runs[n])])),
    }));
  } finally {
    for (const s of Object.values(servers)) await s.close().catch(() => {});
  }
}
