// 1. Size: min+gzip bytes of the same browser app (createUserAndToken) bundled with esbuild
// (--bundle --minify --format=esm --platform=browser), ours (JS + the .wasm it fetches) vs the
// official SDK; an app that only signs (acs-identity/sign vs the SDK's access-key policy); a page
// that only holds tokens (acs-identity/credential vs the SDK's AzureCommunicationTokenCredential);
// each capability's .wasm alone; the edge Worker bundle (JS + the .wasm it imports). Each app is
// checked against its budget (BUDGETS).
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

/** The package's binaries, one per capability (scripts/build.mjs). */
export const BINARIES = {
  client: 'acs_identity_bg.wasm',
  sign: 'acs_identity_sign_bg.wasm',
  worker: 'acs_identity_worker_bg.wasm',
};

/** Size budgets, gzip -9 bytes of JS plus the .wasm the app loads. */
export const BUDGETS = {
  browserApp: { limit: 40_000, what: 'Browser app with the full client (createUserAndToken), JS + .wasm' },
  signApp: { limit: 12_000, what: 'Browser app that only signs (`acs-identity/sign`), JS + .wasm' },
  worker: { limit: 70_000, what: 'Edge Worker bundle (`acs-identity/worker`, wrangler-style), JS + .wasm' },
};

/** The `.wasm` files a bundle imports or fetches (`./name_bg.wasm`). */
function wasmNamed(text) {
  return [...new Set([...text.matchAll(/["'`]\.\/(acs_identity\w*_bg\.wasm)/g)].map((m) => m[1]))].sort();
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

  const binaries = {};
  for (const [k, f] of Object.entries(BINARIES)) {
    binaries[k] = sizes(readFileSync(join(pkgDir, f)));
    copyFileSync(join(pkgDir, f), join(outDir, f));
  }
  /** The JS of an app plus every .wasm it names (its loader fetches or imports them), each compressed alone. */
  const withWasm = (app) => {
    const files = wasmNamed(readFileSync(app.file, 'utf8'));
    const wasm = files.map((f) => sizes(readFileSync(join(pkgDir, f)))).reduce(sum, { raw: 0, gzip: 0, brotli: 0 });
    return { js: app.js, wasm, wasmFiles: files, total: sum(app.js, wasm), inputs: app.inputs };
  };

  const ours = await browser('ours-browser-app');
  const sdk = await browser('sdk-browser-app');
  // An app that signs requests for its own calls to ACS: signing alone.
  const oursSign = await browser('ours-sign-app');
  const sdkSign = await browser('sdk-sign-app');
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
  for (const f of wasmNamed(readFileSync(workerFile, 'utf8'))) copyFileSync(join(pkgDir, f), join(workerDir, f));
  const worker = withWasm({ file: workerFile, js: sizes(readFileSync(workerFile)), inputs: breakdown(wr.metafile, benchDir) });

  const browserApp = withWasm(ours);
  const signApp = withWasm(oursSign);
  const credentialApp = withWasm(oursCredential);
  const measured = { browserApp, signApp, worker };
  const budgets = Object.fromEntries(
    Object.entries(BUDGETS).map(([k, b]) => [k, { ...b, gzip: measured[k].total.gzip, met: measured[k].total.gzip <= b.limit }]),
  );

  return {
    method:
      'esbuild --bundle --minify --format=esm --platform=browser of bench/apps/*-app.mjs; gzip level 9 and brotli quality 11 of each file; ours = JS bundle + each .wasm it fetches, each compressed on its own (as served).',
    browserApp: { ours: browserApp, sdk: { js: sdk.js, total: sdk.js, inputs: sdk.inputs } },
    signApp: { ours: signApp, sdk: { js: sdkSign.js, total: sdkSign.js, inputs: sdkSign.inputs } },
    credentialApp: { ours: credentialApp, sdk: { js: sdkCredential.js, total: sdkCredential.js, inputs: sdkCredential.inputs } },
    // The client's binary (what `acs-identity` loads); every binary in `binaries`.
    wasm: binaries.client,
    binaries,
    budgets,
    worker: { ...worker, file: workerFile },
    files: { ours: ours.file, sdk: sdk.file, worker: workerFile },
  };
}
