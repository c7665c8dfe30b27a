// Builds the prototype variants into bench/.work/prototypes/<variant>/ (wasm-bindgen --target web,
// then wasm-opt -Oz as scripts/build.mjs does) and prints their sizes. Offline; needs the crates the
// package build already fetched.   node bench/prototypes/build.mjs [variant ...]
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = join(root, 'bench', '.work', 'prototypes');
export const VARIANTS = {
  full: { features: 'client,endpoint,token', profile: 'release' }, // the package's modules, cdylib alone
  client: { features: 'client,token', profile: 'release' }, // without the edge endpoint
  sign: { features: '', profile: 'release' }, // signRequest / parseConnectionString only
  packed: { features: 'packed', profile: 'release' }, // + the packed signing ABI
  'packed-zsha': { features: 'packed', profile: 'zsha' }, // + sha2 at opt-level 3
  'packed-fast': { features: 'packed', profile: 'fast' }, // + everything at opt-level 3
};
const WASM_FEATURES = ['--enable-bulk-memory', '--enable-mutable-globals', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-reference-types', '--enable-multivalue'];

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: here, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed`);
}

export function buildVariant(name) {
  const v = VARIANTS[name];
  const target = join(out, 'target');
  copyFileSync(join(root, 'Cargo.lock'), join(here, 'Cargo.lock'));
  run('cargo', ['build', '--offline', '--quiet', '--lib', '--target', 'wasm32-unknown-unknown', '--profile', v.profile, '--target-dir', target, ...(v.features ? ['--features', v.features] : [])]);
  const dir = join(out, name);
  mkdirSync(dir, { recursive: true });
  run('wasm-bindgen', ['--target', 'web', '--out-dir', dir, '--out-name', 'acs_identity', join(target, 'wasm32-unknown-unknown', v.profile, 'acs_identity_prototypes.wasm')]);
  const wasm = join(dir, 'acs_identity_bg.wasm');
  run(join(root, 'node_modules', '.bin', 'wasm-opt'), ['-Oz', ...WASM_FEATURES, '--strip-debug', '--strip-producers', wasm, '-o', wasm]);
  const b = readFileSync(wasm);
  return { name, raw: b.length, gzip: gzipSync(b, { level: 9 }).length };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const names = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(VARIANTS);
  for (const n of names) {
    const s = buildVariant(n);
    console.log(`${n.padEnd(12)} wasm ${String(s.raw).padStart(7)} B raw, ${String(s.gzip).padStart(7)} B gzip`);
  }
}
