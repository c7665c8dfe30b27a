// 4. Cold start: process start → module loaded → first signature, ours vs the SDK, in Node (and
// Deno, Bun), workerd (Miniflare) and Chromium.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { onCleanup, runJson } from './lib/procs.mjs';
import { summary } from './lib/stats.mjs';
import { visit } from './lib/web.mjs';

const VARIANTS = ['empty', 'ours', 'sdk'];
// In Chromium also ours with the .wasm preloaded from the HTML (bench/lib/web.mjs).
const CHROMIUM_VARIANTS = ['empty', 'ours', 'ours-preload', 'sdk'];

function describe(rows) {
  // Per sample: user code start (since the time origin), import, first sign, both together.
  const pick = (f) => summary(rows.map(f));
  return {
    n: rows.length,
    start: pick((r) => r.start),
    importMs: pick((r) => r.loaded - r.start),
    firstSignMs: pick((r) => r.signed - r.loaded),
    importAndSignMs: pick((r) => r.signed - r.start),
    sinceOriginMs: pick((r) => r.signed),
    parentWallMs: pick((r) => r.wallMs),
  };
}

/**
 * A fresh process per sample, variants interleaved: bench/cold/node-{empty,ours,sdk}.mjs print
 * performance.now() (since the process's time origin) at user code start, after the import and
 * after the first signature; the parent times spawn → exit.
 */
export async function coldProcesses({ benchDir, runtimes, samples }) {
  const out = {};
  for (const [name, { cmd, samples: n = samples }] of Object.entries(runtimes)) {
    const rows = Object.fromEntries(VARIANTS.map((v) => [v, []]));
    try {
      for (let i = 0; i < n; i++) {
        for (const v of i % 2 ? [...VARIANTS].reverse() : VARIANTS) {
          const args = name === 'deno' ? ['run', '-A', `cold/node-${v}.mjs`] : [`cold/node-${v}.mjs`];
          const r = await runJson(cmd, args, { cwd: benchDir, timeoutMs: 60_000 });
          if (!r.ok) throw new Error(`${v}: the signature is wrong`);
          rows[v].push(r);
        }
      }
      out[name] = Object.fromEntries(VARIANTS.map((v) => [v, describe(rows[v])]));
    } catch (e) {
      out[name] = { error: String(e.message).split('\n')[0] };
    }
  }
  return out;
}

/** Chromium: a new context per sample (empty cache), navigation start → module loaded → first signature. */
export async function coldChromium({ web, samples }) {
  const rows = Object.fromEntries(CHROMIUM_VARIANTS.map((v) => [v, []]));
  for (let i = 0; i < samples; i++) {
    for (const v of i % 2 ? [...CHROMIUM_VARIANTS].reverse() : CHROMIUM_VARIANTS) {
      const r = await visit(web, `cold-${v}.html`, 'cold');
      if (!r.ok) throw new Error(`cold-${v}: the signature is wrong`);
      rows[v].push({ ...r, start: 0 });
    }
  }
  const res = {};
  for (const v of CHROMIUM_VARIANTS) {
    const d = describe(rows[v]);
    const arrived = (name) => summary(rows[v].map((r) => r.resources?.find((e) => e.name === name)?.end ?? NaN));
    res[v] = {
      n: d.n,
      scriptArrivedMs: arrived(`cold-${v}.js`),
      wasmArrivedMs: v.startsWith('ours') ? arrived('acs_identity_bg.wasm') : undefined,
      loadedMs: summary(rows[v].map((r) => r.loaded)),
      firstSignMs: d.firstSignMs,
      sinceOriginMs: d.sinceOriginMs,
    };
  }
  return res;
}

/** Bundles the bench Workers as wrangler would (workerd conditions, the .wasm as a module import). */
export async function bundleWorkers(benchDir, pkgDir, outDir) {
  mkdirSync(outDir, { recursive: true });
  for (const n of ['hello', 'sign-ours', 'sign-sdk']) {
    await build({
      entryPoints: [join(benchDir, 'workers', `${n}.mjs`)],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'neutral',
      conditions: ['workerd', 'worker', 'browser'],
      mainFields: ['browser', 'module', 'main'],
      outfile: join(outDir, `${n}.mjs`),
      external: ['*.wasm'],
      logLevel: 'error',
    });
  }
  copyFileSync(join(pkgDir, 'acs_identity_bg.wasm'), join(outDir, 'acs_identity_bg.wasm'));
}

const workerOptions = (scriptPath) => ({
  modules: true,
  scriptPath,
  modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
  compatibilityDate: '2025-01-01',
});

async function timed(mf, url) {
  const t = performance.now();
  const res = await mf.dispatchFetch(url);
  const text = await res.text();
  if (!text.startsWith('HMAC-SHA256 ')) throw new Error(`unexpected answer from ${url}: ${res.status} ${text.slice(0, 200)}`);
  return performance.now() - t;
}

/**
 * workerd via Miniflare: `new Miniflare` → first response, per Worker (no imports / ours / the SDK);
 * this includes Miniflare's and workerd's own start, hence the no-import Worker as the baseline.
 * Then a second isolate: one Miniflare with two Workers of ours, timing the first request to the
 * second one after the first has answered, against a second (warm) request to the first.
 */
export async function coldWorkerd({ dir, samples }) {
  const names = { empty: 'hello', ours: 'sign-ours', sdk: 'sign-sdk' };
  const first = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  const warm = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  const second = { firstOfSecondIsolate: [], warmOfFirstIsolate: [], bothStartMs: [] };
  let current;
  const unregister = onCleanup(() => current?.dispose());
  try {
    for (let i = 0; i < samples; i++) {
      for (const v of i % 2 ? [...VARIANTS].reverse() : VARIANTS) {
        const t0 = performance.now();
        current = new Miniflare(workerOptions(join(dir, `${names[v]}.mjs`)));
        await timed(current, 'http://worker.test/');
        first[v].push(performance.now() - t0);
        warm[v].push(await timed(current, 'http://worker.test/'));
        await current.dispose();
        current = undefined;
      }
      const t0 = performance.now();
      current = new Miniflare({
        workers: ['a', 'b'].map((name) => ({ name, routes: [`${name}.test/*`], ...workerOptions(join(dir, 'sign-ours.mjs')) })),
      });
      await timed(current, 'http://a.test/');
      second.bothStartMs.push(performance.now() - t0);
      second.firstOfSecondIsolate.push(await timed(current, 'http://b.test/'));
      second.warmOfFirstIsolate.push(await timed(current, 'http://a.test/'));
      await current.dispose();
      current = undefined;
    }
  } finally {
    await current?.dispose();
    unregister();
  }
  return {
    firstResponseMs: Object.fromEntries(VARIANTS.map((v) => [v, summary(first[v])])),
    warmResponseMs: Object.fromEntries(VARIANTS.map((v) => [v, summary(warm[v])])),
    secondIsolate: Object.fromEntries(Object.entries(second).map(([k, v]) => [k, summary(v)])),
  };
}
