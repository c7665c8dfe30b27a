// Where the bytes of the package's .wasm go, by area: `twiggy top` of a `wasm-bindgen --keep-debug`
// build of target/wasm32-unknown-unknown/release/acs_identity_wasm.wasm (as `npm run build` leaves it),
// grouped by crate and module (before wasm-opt; DWARF and the name section left out).
//   node bench/prototypes/wasm-areas.mjs [rows]
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = join(root, 'bench', '.work', 'wasm-areas');
mkdirSync(dir, { recursive: true });
const raw = join(root, 'target', 'wasm32-unknown-unknown', 'release', 'acs_identity_wasm.wasm');
let r = spawnSync('wasm-bindgen', ['--keep-debug', '--target', 'web', '--out-dir', dir, '--out-name', 'acs_identity', raw], { stdio: 'inherit' });
if (r.status !== 0) process.exit(1);
r = spawnSync('twiggy', ['top', '-n', '100000', '-f', 'csv', join(dir, 'acs_identity_bg.wasm')], { encoding: 'utf8', maxBuffer: 1 << 28 });
if (r.status !== 0) {
  console.error(r.stderr || 'twiggy failed (cargo install twiggy)');
  process.exit(1);
}
const groups = {};
let total = 0;
for (const line of r.stdout.trim().split('\n').slice(1)) {
  const m = line.match(/^(.*),(\d+),([\d.e-]+),[^,]*,[^,]*$/);
  if (!m) continue;
  const name = m[1].replace(/^"|"$/g, '').replace(/""/g, '"');
  const size = Number(m[2]);
  if (name.startsWith('custom section') || name.includes('function names')) continue;
  total += size;
  let key;
  if (name.startsWith('data segment')) key = name;
  else {
    const n = name.replace(/^<+/, '').replace(/^impl /, '');
    const mm = n.match(/^([a-z_0-9]+)(\[[0-9a-f]+\])?::([a-z_0-9]+)(::([a-zA-Z_0-9]+))?/);
    key = mm ? `${mm[1]}::${mm[3]}${mm[1] === 'acs_identity' && mm[5] ? `::${mm[5]}` : ''}` : n.slice(0, 60);
  }
  groups[key] = (groups[key] ?? 0) + size;
}
console.log(`${total} bytes of code and data`);
for (const [k, v] of Object.entries(groups).sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[2]) || 40)) {
  console.log(`${String(v).padStart(8)}  ${k}`);
}
