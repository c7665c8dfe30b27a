// Load against the ready endpoint in every runtime (workerd, Node, Deno, Bun:
// tests/worker/runtimes.mjs), the emulator upstream: 2,000 token requests at concurrency 50 in
// each, then 10,000 at concurrency 100 in workerd (in workerd only, to keep the suite's time in
// bounds on two cores). Every request must be answered 200 with a token the emulator says is active
// for the answered user; none may be lost.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { HS_SECRET, claimsFor, introspect, signJwt, startEmulator } from './helpers.mjs';
import { ENDPOINT_RUNTIMES, startEndpoint } from './runtimes.mjs';

const USERS = 100;

let emulator;

before(async () => {
  emulator = await startEmulator();
});

after(async () => {
  await emulator?.close();
});

/** Runs `fn(i)` for i in 0..total with at most `concurrency` in flight. */
async function pool(total, concurrency, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) await fn(next++);
    }),
  );
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

for (const runtime of ENDPOINT_RUNTIMES) describe(runtime, () => {
  let worker;
  before(async () => {
    // Load from a few users: the per-user rate limit (tested in limits.test.mjs) is off here.
    worker = await startEndpoint(runtime, { bindings: { ACS_CONNECTION_STRING: emulator.connectionString, AUTH_JWT_SECRET: HS_SECRET, RATE_LIMIT_PER_MINUTE: 'off' } });
  });
  after(() => worker?.close());

  const plan = runtime === 'workerd' ? [[2000, 50], [10000, 100]] : [[2000, 50]];
  for (const [TOTAL, CONCURRENCY] of plan) {
    test(`${TOTAL} requests at concurrency ${CONCURRENCY}: every one answered 200 with a valid token`, async () => {
      const tokens = Array.from({ length: USERS }, (_, u) => signJwt({ alg: 'HS256', typ: 'JWT' }, claimsFor(`load-user-${runtime}-${u}`), HS_SECRET));
      const results = new Array(TOTAL);
      const started = performance.now();
      await pool(TOTAL, CONCURRENCY, async (i) => {
        const t0 = performance.now();
        try {
          const res = await worker.fetch('/token', { method: 'POST', headers: { authorization: `Bearer ${tokens[i % USERS]}` } });
          const text = await res.text();
          results[i] = { status: res.status, text, ms: performance.now() - t0 };
        } catch (error) {
          results[i] = { status: -1, text: `${error}${error?.cause ? ` (${error.cause.code ?? ''} ${error.cause.message ?? error.cause})` : ''}`, ms: performance.now() - t0 };
        }
      });
      const elapsed = performance.now() - started;

      const answered = results.filter(Boolean);
      assert.equal(answered.length, TOTAL, 'every request was answered');
      const failed = answered.filter((r) => r.status !== 200);
      assert.equal(failed.length, 0, `non-200 answers: ${failed.slice(0, 3).map((r) => `${r.status} ${r.text}`).join(' | ')}`);

      // Every token is active for the answered user, and each user kept one identity.
      const idOf = new Map();
      const bodies = answered.map((r) => JSON.parse(r.text));
      await pool(TOTAL, CONCURRENCY, async (i) => {
        const body = bodies[i];
        const info = await introspect(emulator, body.token);
        assert.equal(info.active, true, `token ${i}: ${info.reason}`);
        assert.equal(info.communicationUserId, body.user.communicationUserId);
        const user = i % USERS;
        if (!idOf.has(user)) idOf.set(user, body.user.communicationUserId);
        assert.equal(idOf.get(user), body.user.communicationUserId, `user ${user} got two identities`);
      });
      assert.equal(new Set(idOf.values()).size, USERS);

      const ms = answered.map((r) => r.ms).sort((a, b) => a - b);
      console.log(
        `load (${runtime}): ${TOTAL} requests, concurrency ${CONCURRENCY}, ${(elapsed / 1000).toFixed(2)} s ` +
          `(${Math.round(TOTAL / (elapsed / 1000))} req/s), p50 ${percentile(ms, 50).toFixed(1)} ms, ` +
          `p99 ${percentile(ms, 99).toFixed(1)} ms, max ${ms[ms.length - 1].toFixed(1)} ms, all 200`,
      );
    });
  }
});
