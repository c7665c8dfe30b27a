// Workers as wrangler builds them: a worker entry bundled with esbuild inside a consumer project
// (workerd export conditions, the .wasm kept as a module import and copied beside the bundle).
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/**
 * Bundles `source` (a worker entry module's text) inside the consumer project as
 * wrangler would: workerd conditions, the .wasm left as a module import and copied beside.
 * Returns the bundle's path.
 */
export async function bundleWorker(consumer, name, source) {
  const dir = join(consumer, `dist-${process.pid}-${name}`);
  mkdirSync(dir, { recursive: true });
  const entry = join(consumer, `entry-${process.pid}-${name}.mjs`);
  writeFileSync(entry, source);
  const outfile = join(dir, 'worker.mjs');
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    outfile,
    external: ['*.wasm'],
    logLevel: 'silent',
  });
  copyFileSync(join(consumer, 'node_modules', 'acs-identity', 'acs_identity_bg.wasm'), join(dir, 'acs_identity_bg.wasm'));
  return outfile;
}

/** Removes what {@link bundleWorker} wrote for this process. */
export function cleanBundles(consumer) {
  for (const f of readdirSync(consumer)) {
    if (f.startsWith(`dist-${process.pid}-`) || f.startsWith(`entry-${process.pid}-`)) {
      rmSync(join(consumer, f), { recursive: true, force: true });
    }
  }
}

