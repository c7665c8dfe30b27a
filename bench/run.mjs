#!/usr/bin/env node
// `npm run bench`: size, signing, round trips, cold start and the edge endpoint — ours vs the
// official SDK (@azure/communication-identity), measured in the same run. Writes bench/results.json,
// bench/charts/*.svg and BENCHMARKS.md. See BENCHMARKS.md for the method.
//
//   node bench/run.mjs [--quick] [--only size,areas,baseline,signing,native,roundtrip,cold,edge,edge-runtimes] [--no-report | --report | --merge]
//
// `--merge` (with --only): the phases measured replace theirs in the committed bench/results.json,
// the others keep their committed numbers, and BENCHMARKS.md is regenerated from the merged file.
//
// Builds pkg/ first when it is stale (scripts/build.mjs) and measures a private copy of it (other
// builds may replace pkg/ meanwhile). Starts only loopback servers and child processes, and ends
// every one of them, also on failure or Ctrl-C. Installs nothing beyond the root devDependencies.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as buildPkg, isStale } from '../scripts/build.mjs';
import { measureSize } from './size.mjs';
import { measureAreas } from './areas.mjs';
import { measureBaseline, prepareBaseline } from './baseline.mjs';
import { signingChromium, signingNative, signingRuntimes } from './signing.mjs';
import { measureRoundTrips } from './roundtrip.mjs';
import { bundleWorkers, coldChromium, coldProcesses, coldWorkerd } from './coldstart.mjs';
import { measureEdge, measureEdgeRuntimes } from './edge.mjs';
import { cleanupAll, startEmulatorProcess } from './lib/procs.mjs';
import { bundlePages, startWeb, withPage } from './lib/web.mjs';
import { machine, versions } from './lib/env.mjs';
import { writeReport } from './lib/report.mjs';
import { sleep } from './lib/stats.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = join(benchDir, '..');
const work = join(benchDir, '.work');
const pkgDir = join(benchDir, 'node_modules', 'acs-identity');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only'));
const only = onlyArg ? new Set((onlyArg.includes('=') ? onlyArg.split('=')[1] : args[args.indexOf(onlyArg) + 1]).split(',')) : null;
const want = (name) => !only || only.has(name);

/** Sample counts: enough for a median and a p10–p90 spread; --quick is for trying the script. */
const PLAN = quick
  ? { signing: { samples: 5, sampleMs: 60 }, native: { samples: 5, sampleMs: 50 }, roundtrip: { samples: 4, calls: 20, warmup: 10 },
      cold: { node: 5, other: 3, chromium: 4, workerd: 2 }, edge: { rounds: 2, plan: [{ concurrency: 1, requests: 40 }, { concurrency: 50, requests: 200 }] } }
  : { signing: { samples: 21, sampleMs: 100 }, native: { samples: 21, sampleMs: 100 }, roundtrip: { samples: 15, calls: 40, warmup: 30 },
      cold: { node: 25, other: 11, chromium: 15, workerd: 9 }, edge: { rounds: 6, plan: [{ concurrency: 1, requests: 100 }, { concurrency: 50, requests: 500 }] } };

const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
const t0 = Date.now();
const phaseTimes = {};
async function phase(name, fn) {
  const t = Date.now();
  log(`${name}...`);
  try {
    return await fn();
  } catch (e) {
    log(`${name} failed: ${e.stack ?? e}`);
    return { error: String(e.message ?? e).split('\n')[0] };
  } finally {
    phaseTimes[name] = (Date.now() - t) / 1000;
    log(`${name} done in ${phaseTimes[name].toFixed(1)} s`);
  }
}

/** pkg/ up to date (built if stale), then copied to bench/node_modules/acs-identity. */
async function preparePackage() {
  const notes = [];
  if (isStale()) {
    log('pkg/ is stale: building it (node scripts/build.mjs)');
    try {
      buildPkg({ quiet: true });
    } catch (e) {
      if (!existsSync(join(root, 'pkg', '.build-stamp'))) throw e;
      notes.push(`the build failed (${String(e.message).split('\n')[0]}); the existing pkg/ was measured`);
      log(notes.at(-1));
    }
  }
  // A build elsewhere replaces pkg/ (remove, then write, stamp last): copy only between two equal stamps.
  const stampFile = join(root, 'pkg', '.build-stamp');
  for (let attempt = 0; attempt < 10; attempt++) {
    const before = existsSync(stampFile) ? readFileSync(stampFile, 'utf8') : null;
    if (before) {
      rmSync(pkgDir, { recursive: true, force: true });
      mkdirSync(dirname(pkgDir), { recursive: true });
      cpSync(join(root, 'pkg'), pkgDir, { recursive: true });
      const after = existsSync(stampFile) ? readFileSync(stampFile, 'utf8') : null;
      if (after === before && existsSync(join(pkgDir, '.build-stamp')) && readFileSync(join(pkgDir, '.build-stamp'), 'utf8') === before) {
        return { builtAt: before.trim(), stale: isStale(), notes };
      }
    }
    log('pkg/ is being rebuilt by someone else; waiting');
    await sleep(3000);
  }
  throw new Error('pkg/ kept changing while it was copied');
}

async function main() {
  mkdirSync(work, { recursive: true });
  const results = { generatedAt: new Date().toISOString(), quick, machine: machine(), plan: PLAN };
  results.package = await preparePackage();
  const webDir = join(work, 'web');
  rmSync(webDir, { recursive: true, force: true });

  // 1. Size (also bundles the apps that the browser phases serve), and each binary by area.
  results.size = await phase('size', () => measureSize({ benchDir, pkgDir, outDir: webDir }));
  if (want('areas')) {
    results.areas = await phase('size: binaries by area (twiggy)', () => measureAreas({ root, work: join(work, 'areas') }));
    if (results.areas.skipped) log(`size by area skipped: ${results.areas.skipped}`);
  }
  if (want('baseline')) await prepareBaseline({ benchDir, webDir });

  const needWeb = want('signing') || want('cold') || want('size') || want('baseline');
  let web = null;
  if (needWeb) {
    await bundlePages(benchDir, webDir);
    web = await phase('chromium start', () => startWeb(webDir));
    if (web?.error || !web) {
      results.chromiumUnavailable = web?.error ?? 'Chromium is not installed';
      web = null;
    }
  }
  results.versions = versions(root, { pkgDir, chromium: web?.version });

  const runtimes = { node: process.execPath };
  for (const r of ['deno', 'bun']) if (results.versions[r]) runtimes[r] = join(root, 'node_modules', '.bin', r);

  let emulator = null;
  try {
    if (want('size') || want('roundtrip') || want('edge') || want('edge-runtimes')) {
      emulator = await startEmulatorProcess(root);
    }

    // The size benchmark's apps must work: the client apps each create a user and a token in
    // Chromium; the signing apps sign the same request alike (the SDK's date given to ours).
    if (want('size') && web && emulator && !results.size.error) {
      results.size.appsWork = await phase('size: apps run', async () => {
        const out = {};
        for (const app of ['ours-browser-app', 'sdk-browser-app']) {
          out[app] = await withPage(web, `${app}.html#cs=${encodeURIComponent(emulator.connectionString)}`, async (page) => {
            await page.waitForFunction(() => document.body?.dataset.ok !== undefined, null, { timeout: 30_000 });
            return page.evaluate(() => document.body.dataset.ok === 'true' && document.body.dataset.user.startsWith('8:acs:'));
          });
        }
        const key = emulator.connectionString.match(/accesskey=([^;]+)/i)[1];
        const signed = {};
        for (const app of ['ours-sign-app', 'sdk-sign-app']) {
          signed[app] = await withPage(web, `${app}.html#key=${encodeURIComponent(key)}`, async (page) => {
            await page.waitForFunction(() => document.body?.dataset.ok !== undefined, null, { timeout: 30_000 });
            return page.evaluate(() => document.body.dataset.ok === 'true' && JSON.parse(document.body.dataset.signed));
          });
        }
        const { signRequest } = await import('acs-identity/sign');
        const sdkHeaders = signed['sdk-sign-app'];
        const url = `${web.url}/identities?api-version=2025-06-30`;
        const body = JSON.stringify({ createTokenWithScopes: ['chat'] });
        const again = sdkHeaders && signRequest({ method: 'POST', url, body, accessKey: key, date: sdkHeaders['x-ms-date'] });
        out['ours-sign-app'] = Boolean(signed['ours-sign-app']?.authorization?.startsWith('HMAC-SHA256 '));
        out['sdk-sign-app'] = Boolean(sdkHeaders) && again.authorization === sdkHeaders.authorization;
        return out;
      });
    }

    // The package as it was before one binary per capability, against the new one in the same run.
    if (want('baseline')) {
      results.baseline = await phase('baseline: signing and cold start vs the previous package', () =>
        measureBaseline({ benchDir, web, signing: PLAN.signing, coldSamples: PLAN.cold.node }),
      );
    }

    // 2. Signing.
    if (want('signing')) {
      results.signing = {};
      results.signing.runtimes = await phase('signing: node, deno, bun', () => signingRuntimes({ benchDir, root, runtimes, ...PLAN.signing }));
      if (web) results.signing.chromium = await phase('signing: chromium', () => signingChromium({ web, ...PLAN.signing }));
    }
    if (want('native') || want('signing')) {
      results.native = await phase('signing: native rust', () => signingNative({ benchDir, root, ...PLAN.native }));
    }

    // 3. Round trips.
    if (want('roundtrip') && emulator) {
      results.roundtrip = await phase('round trips', () => measureRoundTrips({ benchDir, emulator, ...PLAN.roundtrip }));
    }

    // 4. Cold start.
    if (want('cold')) {
      results.cold = {};
      const procs = { node: { cmd: process.execPath, samples: PLAN.cold.node } };
      for (const r of ['deno', 'bun']) if (runtimes[r]) procs[r] = { cmd: runtimes[r], samples: PLAN.cold.other };
      results.cold.processes = await phase('cold start: processes', () => coldProcesses({ benchDir, runtimes: procs, samples: PLAN.cold.node }));
      if (web) results.cold.chromium = await phase('cold start: chromium', () => coldChromium({ web, samples: PLAN.cold.chromium }));
      const wdDir = join(work, 'workers');
      results.cold.workerd = await phase('cold start: workerd', async () => {
        await bundleWorkers(benchDir, pkgDir, wdDir);
        return coldWorkerd({ dir: wdDir, samples: PLAN.cold.workerd });
      });
    }
    await web?.close();
    web = null;

    // 5. Edge.
    if (want('edge') && emulator && results.size?.files?.worker) {
      const { CommunicationIdentityClient } = await import('acs-identity');
      results.edge = await phase('edge', () =>
        measureEdge({ workerFile: results.size.files.worker, emulator, Client: CommunicationIdentityClient, ...PLAN.edge }),
      );
    }

    // 6. The edge endpoint hosted by each runtime, on a loopback socket.
    if (want('edge-runtimes') && emulator && results.size?.files?.worker) {
      const hosts = { workerd: null, node: process.execPath };
      for (const r of ['deno', 'bun']) if (runtimes[r]) hosts[r] = runtimes[r];
      results.edgeRuntimes = await phase('edge: runtimes', () =>
        measureEdgeRuntimes({ benchDir, workerFile: results.size.files.worker, emulator, runtimes: hosts, ...PLAN.edge }),
      );
    }
  } finally {
    await web?.close();
    await emulator?.close();
  }

  results.machine.loadAverageAtEnd = machine().loadAverage;
  results.phaseSeconds = phaseTimes;
  results.totalSeconds = (Date.now() - t0) / 1000;
  if (results.size?.files) delete results.size.files; // machine paths
  if (results.size?.worker) delete results.size.worker.file;
  if (only && args.includes('--merge')) {
    const merged = mergeIntoCommitted(results);
    writeFileSync(join(benchDir, 'results.json'), `${JSON.stringify(merged, null, 2)}\n`);
    writeReport({ results: merged, benchDir, root });
    log(`merged ${[...only].join(', ')} into bench/results.json; wrote bench/charts/*.svg and BENCHMARKS.md in ${results.totalSeconds.toFixed(0)} s`);
    return;
  }
  // A partial run (--only) does not overwrite the committed report unless --report is given.
  if (!args.includes('--no-report') && (!only || args.includes('--report'))) {
    writeFileSync(join(benchDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeReport({ results, benchDir, root });
    log(`wrote bench/results.json, bench/charts/*.svg and BENCHMARKS.md in ${results.totalSeconds.toFixed(0)} s`);
  } else {
    writeFileSync(join(work, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    log(`wrote bench/.work/results.json in ${results.totalSeconds.toFixed(0)} s`);
  }
}

/** Phase name (--only) → its key in results.json. */
const RESULT_KEYS = { size: 'size', areas: 'areas', baseline: 'baseline', signing: 'signing', native: 'native', roundtrip: 'roundtrip', cold: 'cold', edge: 'edge', 'edge-runtimes': 'edgeRuntimes' };

/**
 * The committed results with the phases of this partial run replaced (size only when asked for:
 * it always runs, as the other phases need its bundles). Each merged phase records when and on
 * what load it was measured, in `partialRuns`.
 */
function mergeIntoCommitted(results) {
  const committed = JSON.parse(readFileSync(join(benchDir, 'results.json'), 'utf8'));
  const phases = [...only].filter((p) => RESULT_KEYS[p]);
  for (const p of phases) committed[RESULT_KEYS[p]] = results[RESULT_KEYS[p]];
  const run = {
    phases,
    generatedAt: results.generatedAt,
    quick: results.quick,
    package: results.package,
    loadAverage: { start: results.machine.loadAverage, end: results.machine.loadAverageAtEnd },
    versions: results.versions,
    seconds: results.totalSeconds,
  };
  committed.partialRuns = [...(committed.partialRuns ?? []).filter((r) => !r.phases.every((p) => phases.includes(p))), run];
  if (phases.includes('edge') || phases.includes('edge-runtimes')) committed.plan = { ...committed.plan, edge: results.plan.edge };
  return committed;
}

try {
  await main();
} catch (e) {
  log(`failed: ${e.stack ?? e}`);
  process.exitCode = 1;
} finally {
  await cleanupAll();
}
