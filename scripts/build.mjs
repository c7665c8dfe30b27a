// Builds the npm package into pkg/: wasm-pack (the wasm/ crate: cargo for wasm32 with the size
// profile, then the pinned wasm-bindgen, --target web) → wasm-opt -Oz (npm `binaryen`) → the files
// of pkg-template/ and emulator/ beside the glue.
//   node scripts/build.mjs            build (setup first)
//   node scripts/build.mjs --if-stale build only when a source is newer than pkg/
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { bin, crateVersion, log, root, run } from './lib.mjs';
import { setup } from './setup.mjs';

const pkg = join(root, 'pkg');
const SOURCES = ['src', 'wasm', 'pkg-template', 'emulator', 'Cargo.toml', 'Cargo.lock', 'LICENSE', 'CHANGELOG.md'];
// Features that rustc enables by default for wasm32-unknown-unknown; wasm-opt must accept them.
const WASM_FEATURES = [
  '--enable-bulk-memory',
  '--enable-mutable-globals',
  '--enable-nontrapping-float-to-int',
  '--enable-sign-ext',
  '--enable-reference-types',
  '--enable-multivalue',
];

function newest(path) {
  const full = join(root, path);
  if (!existsSync(full)) return 0;
  const st = statSync(full);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(full).map((f) => newest(join(path, f))));
}

export function isStale() {
  const stamp = join(pkg, '.build-stamp');
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  return SOURCES.some((s) => newest(s) > built);
}

export function build({ quiet = false } = {}) {
  setup({ quiet });
  const t0 = Date.now();
  // wasm-pack builds the wasm/ crate (the library's source as a `cdylib` alone, so that cargo runs
  // link-time optimisation) and runs wasm-bindgen: the one on PATH, which setup pins to Cargo.lock's
  // version (`--mode no-install`: never a download). Its own wasm-opt and package.json are off: the
  // manifest, README and public types come from pkg-template/, and wasm-bindgen's d.ts files
  // describe the internal glue (with `any`s), which no export reaches. It writes to target/ first,
  // so that a failed build leaves pkg/ as it was.
  const wasmCrate = readFileSync(join(root, 'wasm', 'Cargo.toml'), 'utf8').match(/^version = "([^"]+)"/m)[1];
  if (wasmCrate !== crateVersion()) throw new Error(`wasm/Cargo.toml must have the version of Cargo.toml (${crateVersion()}), not ${wasmCrate}`);
  const out = join(root, 'target', 'wasm-pack');
  rmSync(out, { recursive: true, force: true });
  const args = ['build', join(root, 'wasm'), '--target', 'web', '--release', '--mode', 'no-install'];
  args.push('--out-dir', out, '--out-name', 'acs_identity', '--no-pack', '--no-typescript', '--no-opt', '--no-gitignore');
  log(`wasm-pack ${args.join(' ').replaceAll(`${root}/`, '')}`);
  run('wasm-pack', quiet ? ['--quiet', ...args] : args, { stdio: ['inherit', 2, 'inherit'] });
  const built = ['acs_identity.js', 'acs_identity_bg.wasm'];
  for (const f of built) if (!existsSync(join(out, f))) throw new Error(`wasm-pack did not write ${f}`);
  rmSync(pkg, { recursive: true, force: true });
  mkdirSync(pkg);
  for (const f of built) cpSync(join(out, f), join(pkg, f));
  const wasm = join(pkg, 'acs_identity_bg.wasm');
  run(bin('wasm-opt'), ['-Oz', ...WASM_FEATURES, '--strip-debug', '--strip-producers', wasm, '-o', wasm]);
  cpSync(join(root, 'pkg-template'), pkg, { recursive: true });
  for (const f of ['LICENSE', 'CHANGELOG.md']) cpSync(join(root, f), join(pkg, f));
  if (existsSync(join(root, 'emulator'))) {
    cpSync(join(root, 'emulator'), join(pkg, 'emulator'), {
      recursive: true,
      filter: (src) => !src.endsWith('.md') || src.endsWith('README.md'),
    });
  }
  bundleNodeEntry();
  const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
  manifest.version = crateVersion();
  writeFileSync(join(pkg, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(pkg, '.build-stamp'), new Date().toISOString());
  const wasmBytes = readFileSync(wasm);
  const glue = readFileSync(join(pkg, 'acs_identity.js'));
  log(
    `built ${relative(root, pkg)}/ in ${((Date.now() - t0) / 1000).toFixed(1)} s: ` +
      `wasm ${wasmBytes.length} B (${gzipSync(wasmBytes, { level: 9 }).length} B gzip), ` +
      `glue ${glue.length} B (${gzipSync(glue, { level: 9 }).length} B gzip)`,
  );
}

/**
 * Inlines the small modules the Node/Deno/Bun entry imports (internal.js, api.js) into pkg/node.js:
 * each ES module costs start-up time (see BENCHMARKS.md, cold start). The glue, errors.js and
 * credential.js stay separate files, shared with the other entries, so that one process holds one
 * wasm instance and one `AcsIdentityError` / `AcsTokenCredential` class whatever it imports.
 */
function bundleNodeEntry() {
  const entry = join(pkg, 'node.js');
  const shared = ['./acs_identity.js', './errors.js', './credential.js'];
  run(bin('esbuild'), [
    entry,
    '--bundle',
    '--format=esm',
    '--platform=neutral',
    '--log-level=warning',
    '--legal-comments=none',
    '--external:node:*',
    ...shared.map((f) => `--external:${f}`),
    `--outfile=${entry}`,
    '--allow-overwrite',
    '--banner:js=// Entry for Node, Deno and Bun, generated by scripts/build.mjs from pkg-template/node.js, internal.js and api.js.',
  ]);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--if-stale') && !isStale()) log('pkg/ is up to date');
  else build();
}
