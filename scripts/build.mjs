// Builds the npm package into pkg/: cargo (wasm32, size profile) → wasm-bindgen (--target web) →
// wasm-opt -Oz (npm `binaryen`) → the files of pkg-template/ and emulator/ beside the glue.
//   node scripts/build.mjs            build (setup first)
//   node scripts/build.mjs --if-stale build only when a source is newer than pkg/
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { bin, crateVersion, log, root, run } from './lib.mjs';
import { setup } from './setup.mjs';

const pkg = join(root, 'pkg');
const SOURCES = ['src', 'pkg-template', 'emulator', 'Cargo.toml', 'Cargo.lock'];
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
  log('cargo rustc --release --crate-type cdylib --target wasm32-unknown-unknown');
  // `cargo rustc --crate-type cdylib`: the crate is also an rlib (for the native tests and
  // benches), and building both kinds at once makes a larger .wasm.
  run('cargo', ['rustc', '--release', '--lib', '--crate-type', 'cdylib', '--target', 'wasm32-unknown-unknown', ...(quiet ? ['--quiet'] : [])]);
  rmSync(pkg, { recursive: true, force: true });
  mkdirSync(pkg);
  const raw = join(root, 'target/wasm32-unknown-unknown/release/acs_identity.wasm');
  run('wasm-bindgen', ['--target', 'web', '--out-dir', pkg, '--out-name', 'acs_identity', raw]);
  const wasm = join(pkg, 'acs_identity_bg.wasm');
  run(bin('wasm-opt'), ['-Oz', ...WASM_FEATURES, '--strip-debug', '--strip-producers', wasm, '-o', wasm]);
  // The package's public types are hand-written (index.d.ts); the glue keeps its own d.ts.
  for (const f of ['acs_identity_bg.wasm.d.ts', '.gitignore']) rmSync(join(pkg, f), { force: true });
  cpSync(join(root, 'pkg-template'), pkg, { recursive: true });
  if (existsSync(join(root, 'emulator'))) {
    cpSync(join(root, 'emulator'), join(pkg, 'emulator'), {
      recursive: true,
      filter: (src) => !src.endsWith('.md') || src.endsWith('README.md'),
    });
  }
  const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
  manifest.version = crateVersion();
  writeFileSync(join(pkg, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(pkg, 'version.js'), `export const VERSION = ${JSON.stringify(manifest.version)};\n`);
  writeFileSync(join(pkg, '.build-stamp'), new Date().toISOString());
  const wasmBytes = readFileSync(wasm);
  const glue = readFileSync(join(pkg, 'acs_identity.js'));
  log(
    `built ${relative(root, pkg)}/ in ${((Date.now() - t0) / 1000).toFixed(1)} s: ` +
      `wasm ${wasmBytes.length} B (${gzipSync(wasmBytes, { level: 9 }).length} B gzip), ` +
      `glue ${glue.length} B (${gzipSync(glue, { level: 9 }).length} B gzip)`,
  );
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--if-stale') && !isStale()) log('pkg/ is up to date');
  else build();
}
