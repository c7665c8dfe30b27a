// 2. Signing: signed requests per second, ours (`signRequest`) vs the SDK's access-key policy, in
// Node (and Deno, Bun when their npm packages are installed) and in headless Chromium; native
// Rust (`acs_identity::core::signing::sign_request`, release build) as the physical reference.
import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runChild, runJson } from './lib/procs.mjs';
import { pairedRatio, summary } from './lib/stats.mjs';
import { withPage } from './lib/web.mjs';
import { BODY, KEY, URL_ } from './lib/signing-cases.mjs';

function describe(opsPerSec) {
  return {
    ours: summary(opsPerSec.ours),
    sdk: summary(opsPerSec.sdk),
    // ours / sdk, pair by pair: > 1 means ours signs faster.
    ratio: pairedRatio(opsPerSec.ours, opsPerSec.sdk),
    samples: opsPerSec,
  };
}

/** Node, Deno, Bun: one child process each runs bench/signing-runtime.mjs. */
export async function signingRuntimes({ benchDir, root, runtimes, samples, sampleMs }) {
  const out = {};
  for (const [name, cmd] of Object.entries(runtimes)) {
    const args = name === 'deno' ? ['run', '-A', 'signing-runtime.mjs'] : ['signing-runtime.mjs'];
    try {
      const r = await runJson(cmd, [...args, JSON.stringify({ samples, sampleMs })], { cwd: benchDir, timeoutMs: 180_000 });
      out[name] = { version: r.version, batch: r.batch, ...describe(r.opsPerSec) };
    } catch (e) {
      out[name] = { error: String(e.message).split('\n')[0] };
    }
  }
  return out;
}

/** Chromium: the page bench/browser/signing.mjs measures both in the page. */
export async function signingChromium({ web, samples, sampleMs }) {
  const r = await withPage(web, 'signing.html', async (page) => {
    await page.waitForFunction(() => window.ready === true, null, { timeout: 60_000 });
    return page.evaluate((o) => window.runSigning(o), { samples, sampleMs });
  });
  return { version: web.version, batch: r.batch, ...describe(r.opsPerSec) };
}

/**
 * Native: `cargo run --release --manifest-path bench/native/Cargo.toml`. Its Cargo.lock starts as a
 * copy of the root one (same crate versions as the package); `--offline`: the crates are the ones
 * the package build already fetched, and the benchmark talks to nothing but loopback.
 */
export async function signingNative({ benchDir, root, samples, sampleMs, profiles = ['release', 'release-soft', 'size'] }) {
  // The native benchmark signs the request the JavaScript one signs (the same SHA-256 blocks).
  const source = readFileSync(join(benchDir, 'native', 'src', 'lib.rs'), 'utf8');
  const constant = (name) => source.match(new RegExp(`const ${name}: &str = r?#?"(.*)"#?;`))?.[1];
  for (const [name, want] of [['KEY', KEY], ['URL', URL_], ['BODY', BODY]]) {
    if (constant(name) !== want) throw new Error(`bench/native/src/lib.rs: ${name} differs from bench/lib/signing-cases.mjs`);
  }
  const manifest = join(benchDir, 'native', 'Cargo.toml');
  const lock = join(benchDir, 'native', 'Cargo.lock');
  const rootLock = join(root, 'Cargo.lock');
  if (!existsSync(lock) || statSync(lock).mtimeMs < statSync(rootLock).mtimeMs) copyFileSync(rootLock, lock);
  const out = {};
  for (const variant of profiles) {
    // `release-soft`: the release profile with software SHA-256 (sha2's `force-soft`).
    const [profile, soft] = variant === 'release-soft' ? ['release', true] : [variant, false];
    const cargoArgs = ['--offline', '--quiet', '--profile', profile, '--manifest-path', manifest, ...(soft ? ['--features', 'soft'] : [])];
    const t0 = performance.now();
    const b = await runChild('cargo', ['build', ...cargoArgs], {
      cwd: root,
      timeoutMs: 600_000,
    });
    if (b.code !== 0) {
      out[variant] = { error: `cargo build failed: ${b.stderr.trim().split('\n').slice(-3).join(' ')}` };
      continue;
    }
    const buildMs = performance.now() - t0;
    // `cargo run --release` (the build above makes it start at once).
    const r = await runJson(
      'cargo',
      ['run', ...cargoArgs, '--', '--samples', String(samples), '--ms', String(sampleMs)],
      { cwd: root, timeoutMs: 300_000 },
    );
    const v = {};
    for (const variant of r.variants) {
      const ops = variant.nsPerOp.map((ns) => 1e9 / ns);
      v[variant.name] = { opsPerSec: summary(ops), nsPerOp: summary(variant.nsPerOp), batch: variant.batch, samples: ops };
    }
    out[variant] = { buildMs, ...v };
  }
  return out;
}
