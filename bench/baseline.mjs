// The package before one `.wasm` per capability (bench/baseline/, installed as
// `acs-identity-baseline`) against the current one, in the same run: signing speed in Node and
// Chromium, and import → first signature in fresh Node processes. Each must stay at ≥ 90% of the
// previous package's (a speed ratio, current / previous; for the cold start, previous time /
// current time). This phase goes once the split has landed.
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { runJson } from './lib/procs.mjs';
import { pairedRatio, summary } from './lib/stats.mjs';
import { withPage } from './lib/web.mjs';

/** At least this share of the previous package's speed. */
export const BASELINE_FLOOR = 0.9;

/** Installs bench/baseline/ as bench/node_modules/acs-identity-baseline and bundles its page into `webDir`. */
export async function prepareBaseline({ benchDir, webDir }) {
  const dir = join(benchDir, 'node_modules', 'acs-identity-baseline');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(benchDir, 'baseline'), dir, { recursive: true });
  mkdirSync(webDir, { recursive: true });
  cpSync(join(dir, 'acs_identity_baseline_bg.wasm'), join(webDir, 'acs_identity_baseline_bg.wasm'));
  await build({
    entryPoints: [join(benchDir, 'browser', 'baseline-signing.mjs')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    outfile: join(webDir, 'baseline-signing.js'),
    logLevel: 'error',
  });
  writeFileSync(join(webDir, 'baseline-signing.html'), '<!doctype html><meta charset="utf-8"><title>baseline-signing</title><script type="module" src="./baseline-signing.js"></script>\n');
}

function speeds(opsPerSec) {
  const ratio = pairedRatio(opsPerSec.ours, opsPerSec.baseline);
  return { ours: summary(opsPerSec.ours), baseline: summary(opsPerSec.baseline), ratio, met: ratio.median >= BASELINE_FLOOR, samples: opsPerSec };
}

/** The three comparisons; each `{ ..., ratio, met }` (ratio ≥ 0.9 meets the floor) or `{ error }`. */
export async function measureBaseline({ benchDir, web, signing, coldSamples }) {
  const out = { floor: BASELINE_FLOOR };
  try {
    const r = await runJson(process.execPath, ['baseline-signing.mjs', JSON.stringify(signing)], { cwd: benchDir, timeoutMs: 180_000 });
    out.signingNode = { version: r.version, batch: r.batch, ...speeds(r.opsPerSec) };
  } catch (e) {
    out.signingNode = { error: String(e.message).split('\n')[0] };
  }
  if (web) {
    try {
      const r = await withPage(web, 'baseline-signing.html', async (page) => {
        await page.waitForFunction(() => window.ready === true, null, { timeout: 60_000 });
        return page.evaluate((o) => window.runSigning(o), signing);
      });
      out.signingChromium = { version: web.version, batch: r.batch, ...speeds(r.opsPerSec) };
    } catch (e) {
      out.signingChromium = { error: String(e.message).split('\n')[0] };
    }
  } else out.signingChromium = { error: 'Chromium is not installed' };
  // A fresh process per sample, the two packages alternately.
  try {
    const ms = { ours: [], baseline: [] };
    for (let i = 0; i < coldSamples; i++) {
      for (const v of i % 2 ? ['baseline', 'ours'] : ['ours', 'baseline']) {
        const r = await runJson(process.execPath, [`cold/node-${v}.mjs`], { cwd: benchDir, timeoutMs: 60_000 });
        if (!r.ok) throw new Error(`${v}: the signature is wrong`);
        ms[v].push(r.signed - r.start);
      }
    }
    // Previous time / current time: above 1 means the current package starts faster.
    const ratio = pairedRatio(ms.baseline, ms.ours);
    out.coldNode = { importAndSignMs: { ours: summary(ms.ours), baseline: summary(ms.baseline) }, ratio, met: ratio.median >= BASELINE_FLOOR, samples: ms };
  } catch (e) {
    out.coldNode = { error: String(e.message).split('\n')[0] };
  }
  return out;
}
