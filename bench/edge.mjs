// 5. Edge: token-endpoint requests per second and p50/p99 latency of the ready Worker
// (acs-identity/worker) in workerd (Miniflare), at concurrency 1 and 50, against the baseline of
// calling the emulator directly from Node with our client (the same upstream call the Worker makes:
// createUserAndToken(['chat', 'voip'], { customId: sub }) on the preview api-version).
import { createHmac } from 'node:crypto';
import { Miniflare } from 'miniflare';
import { onCleanup } from './lib/procs.mjs';
import { pairedRatio, percentile, summary } from './lib/stats.mjs';

const SECRET = 'bench-only-hs256-secret-0123456789abcdef';
const USERS = 100;
const b64u = (s) => Buffer.from(s).toString('base64url');

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

    const out = [];
    for (const { concurrency, requests } of plan) {
      const runs = { edge: { rps: [], ms: [] }, direct: { rps: [], ms: [] } };
      for (let r = 0; r < rounds; r++) {
        for (const [name, fn] of r % 2 ? [['direct', direct], ['edge', edge]] : [['edge', edge], ['direct', direct]]) {
          const { ms, elapsed } = await pool(requests, concurrency, fn);
          runs[name].rps.push((requests * 1000) / elapsed);
          runs[name].ms.push(...ms);
        }
      }
      const lat = (ms) => ({ p50: percentile(ms, 50), p90: percentile(ms, 90), p99: percentile(ms, 99), n: ms.length });
      out.push({
        concurrency,
        requestsPerRound: requests,
        rounds,
        edge: { rps: summary(runs.edge.rps), latencyMs: lat(runs.edge.ms), rpsSamples: runs.edge.rps },
        direct: { rps: summary(runs.direct.rps), latencyMs: lat(runs.direct.ms), rpsSamples: runs.direct.rps },
        // edge / direct throughput, round by round
        rpsRatio: pairedRatio(runs.edge.rps, runs.direct.rps),
      });
    }
    return out;
  } finally {
    await mf.dispose();
    unregister();
  }
}
