// Workers as wrangler builds them: a worker entry bundled with esbuild inside a consumer project
// (workerd export conditions, the .wasm kept as a module import and copied beside the bundle).
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
  // Only the binaries the bundle imports are copied (each entry loads its capability's .wasm alone):
  // one the bundle names but that is missing fails the Worker's start.
  for (const wasm of wasmImports(readFileSync(outfile, 'utf8'))) {
    copyFileSync(join(consumer, 'node_modules', 'acs-identity', wasm), join(dir, wasm));
  }
  return outfile;
}

/** The `.wasm` files a bundle imports (kept external: `import x from "./name_bg.wasm"`). */
export function wasmImports(text) {
  return [...new Set([...text.matchAll(/\bfrom\s*["']\.\/([\w.-]+\.wasm)(?:\?module)?["']/g)].map((m) => m[1]))].sort();
}

/** Removes what {@link bundleWorker} wrote for this process. */
export function cleanBundles(consumer) {
  for (const f of readdirSync(consumer)) {
    if (f.startsWith(`dist-${process.pid}-`) || f.startsWith(`entry-${process.pid}-`)) {
      rmSync(join(consumer, f), { recursive: true, force: true });
    }
  }
}

