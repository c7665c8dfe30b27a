// The signing benchmark's two contestants and its measuring loop, shared by every runtime
// (Node, Deno, Bun: bench/signing-runtime.mjs; Chromium: bench/browser/signing.mjs).
//
// ours: `signRequest({ method, url, body, accessKey })` → the three headers (a new object per call).
// sdk:  `createCommunicationAccessKeyCredentialPolicy(new AzureKeyCredential(key)).sendRequest(request,
//       next)` with one pipeline request reused and a no-op `next` — the SDK's signing step alone,
//       without building a request or its HTTP client (so the comparison is the strict one for us).
// Both sign with the current date, hash the same body and produce the same Authorization header
// (checked before measuring).

export const KEY = 'c2VjcmV0LWtleS1mb3ItYmVuY2htYXJrcy0wMTIzNDU2Nzg5YWJjZGVm';
export const URL_ = 'https://bench.communication.azure.com/identities?api-version=2025-06-30';
export const BODY = '{"createTokenWithScopes":["chat","voip"],"expiresInMinutes":60}';

export function makeCases({ signRequest, createCommunicationAccessKeyCredentialPolicy, AzureKeyCredential, createPipelineRequest }) {
  const policy = createCommunicationAccessKeyCredentialPolicy(new AzureKeyCredential(KEY));
  const request = createPipelineRequest({ url: URL_, method: 'POST', body: BODY });
  const response = { request, status: 200, headers: request.headers };
  const next = () => Promise.resolve(response);
  let sink;
  return {
    ours: {
      run(n) {
        for (let i = 0; i < n; i++) sink = signRequest({ method: 'POST', url: URL_, body: BODY, accessKey: KEY });
        return sink;
      },
    },
    sdk: {
      async run(n) {
        for (let i = 0; i < n; i++) sink = await policy.sendRequest(request, next);
        return sink;
      },
    },
    /** Both sign the same request identically (ours given the SDK's own x-ms-date). */
    async check() {
      await policy.sendRequest(request, next);
      const date = request.headers.get('x-ms-date');
      const ours = signRequest({ method: 'POST', url: URL_, body: BODY, accessKey: KEY, date });
      const same =
        ours.authorization === request.headers.get('authorization') &&
        ours['x-ms-content-sha256'] === request.headers.get('x-ms-content-sha256') &&
        ours['x-ms-date'] === date;
      if (!same) throw new Error(`ours and the SDK sign differently: ${JSON.stringify(ours)} vs ${request.headers.get('authorization')}`);
      return true;
    },
  };
}

/**
 * Measures operations per second of each case in interleaved samples (ABBA order), after a
 * warm-up that also sizes the batches to about `sampleMs` each. Returns `{ name: [ops/s, ...] }`.
 */
export async function measureInterleaved(cases, { samples = 15, sampleMs = 100, warmupMs = 300, now = () => performance.now() } = {}) {
  const names = Object.keys(cases).filter((n) => typeof cases[n].run === 'function');
  const batch = {};
  for (const name of names) {
    let n = 16;
    let best = Infinity;
    const end = now() + warmupMs;
    while (now() < end) {
      const t = now();
      await cases[name].run(n);
      const dt = now() - t;
      best = Math.min(best, dt / n);
      if (dt < 10) n *= 2;
    }
    batch[name] = Math.max(1, Math.round(sampleMs / best));
  }
  const out = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < samples; i++) {
    const order = i % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const t = now();
      await cases[name].run(batch[name]);
      out[name].push((batch[name] * 1000) / (now() - t));
    }
  }
  return { opsPerSec: out, batch };
}

/**
 * The current package's `signRequest` against the previous one's (bench/baseline/): the same call,
 * which must give the same headers.
 */
export function baselineCases(signRequest, baselineSign) {
  let sink;
  const call = (sign) => ({
    run(n) {
      for (let i = 0; i < n; i++) sink = sign({ method: 'POST', url: URL_, body: BODY, accessKey: KEY });
      return sink;
    },
  });
  return {
    ours: call(signRequest),
    baseline: call(baselineSign),
    check() {
      const date = Date.now();
      const a = signRequest({ method: 'POST', url: URL_, body: BODY, accessKey: KEY, date });
      const b = baselineSign({ method: 'POST', url: URL_, body: BODY, accessKey: KEY, date });
      if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`the two packages sign differently: ${a.authorization} vs ${b.authorization}`);
      return true;
    },
  };
}
