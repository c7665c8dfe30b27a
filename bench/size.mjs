// 1. Size: min+gzip bytes of the same browser app (createUserAndToken) bundled with esbuild
// (--bundle --minify --format=esm --platform=browser), ours (JS + the .wasm it fetches) vs the
// official SDK; a page that only holds tokens (acs-identity/credential vs the SDK's
// AzureCommunicationTokenCredential); the package's .wasm alone; the edge Worker bundle (JS + .wasm).
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** Sizes of one file's bytes: raw, gzip -9, brotli -11. */
export function sizes(bytes) {
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

const sum = (a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli });

/** Bytes of the minified output attributed to each input package/file (from esbuild's metafile). */
function breakdown(metafile, root) {
  const out = {};
  for (const o of Object.values(metafile.outputs)) {
    for (const [file, { bytesInOutput }] of Object.entries(o.inputs)) {
      const m = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/);
      const key = m ? (m[1] === 'acs-identity' ? `acs-identity/${m[2]}` : m[1]) : relative(root, file);
      out[key] = (out[key] ?? 0) + bytesInOutput;
    }
  }
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]));
}

/**
 * Bundles the apps into `outDir` (ready to serve: the .wasm is copied beside ours) and measures them.
 * @param {{ benchDir: string, pkgDir: string, outDir: string }} o
 */
export async function measureSize({ benchDir, pkgDir, outDir }) {
  mkdirSync(outDir, { recursive: true });
  const browser = async (name) => {
    const outfile = join(outDir, `${name}.js`);
    const r = await build({
      entryPoints: [join(benchDir, 'apps', `${name}.mjs`)],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      outfile,
      metafile: true,
      logLevel: 'error',
    });
    return { file: outfile, js: sizes(readFileSync(outfile)), inputs: breakdown(r.metafile, benchDir) };
  };

  const wasmFile = join(pkgDir, 'acs_identity_bg.wasm');
  const wasm = sizes(readFileSync(wasmFile));
  copyFileSync(wasmFile, join(outDir, 'acs_identity_bg.wasm'));

  const ours = await browser('ours-browser-app');
  const sdk = await browser('sdk-browser-app');
  // A page that only holds tokens (calling / chat): the credential alone, no client and no key.
  const oursCredential = await browser('ours-credential-app');
  const sdkCredential = await browser('sdk-credential-app');

  // The Worker as wrangler bundles it: workerd conditions, the .wasm kept as a module import.
  const workerDir = join(outDir, 'worker');
  mkdirSync(workerDir, { recursive: true });
  const workerFile = join(workerDir, 'worker.mjs');
  const wr = await build({
    entryPoints: [join(benchDir, 'apps', 'worker-app.mjs')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    conditions: ['workerd', 'worker', 'browser'],
    outfile: workerFile,
    external: ['*.wasm'],
    metafile: true,
    logLevel: 'error',
  });
  copyFileSync(wasmFile, join(workerDir, 'acs_identity_bg.wasm'));
  const workerJs = sizes(readFileSync(workerFile));

  return {
    method:
      'esbuild --bundle --minify --format=esm --platform=browser of bench/apps/*-browser-app.mjs; gzip level 9 and brotli quality 11 of each file; ours = JS bundle + the .wasm it fetches, each compressed on its own (as served).',
    browserApp: {
      ours: { js: ours.js, wasm, total: sum(ours.js, wasm), inputs: ours.inputs },
      sdk: { js: sdk.js, total: sdk.js, inputs: sdk.inputs },
    },
    credentialApp: {
      ours: { js: oursCredential.js, total: oursCredential.js, inputs: oursCredential.inputs },
      sdk: { js: sdkCredential.js, total: sdkCredential.js, inputs: sdkCredential.inputs },
    },
    wasm,
    worker: { js: workerJs, wasm, total: sum(workerJs, wasm), inputs: breakdown(wr.metafile, benchDir), file: workerFile },
    files: { ours: ours.file, sdk: sdk.file, worker: workerFile },
  };
}
