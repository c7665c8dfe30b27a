// Where each binary's bytes go, by area: `twiggy top` of a `wasm-bindgen --keep-debug` run over
// the linked binary that scripts/build.mjs keeps for each capability
// (target/wasm-pack/<name>/linked.wasm, before wasm-opt), grouped by crate and module (our own
// crate down to its modules: core::url, wasm::client, ...). DWARF and the name section are left
// out: the shipped binary has neither. Skipped, saying why, when twiggy or a linked binary is missing.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BINARIES } from '../scripts/build.mjs';

const cargoBin = join(process.env.CARGO_HOME || join(homedir(), '.cargo'), 'bin');
const tool = (name) => (existsSync(join(cargoBin, name)) ? join(cargoBin, name) : name);

/**
 * The area of one twiggy item: ours by module (`ours: core::url`, `ours: wasm::client`), Rust's
 * standard library by module (`Rust core::fmt`), another crate by name (`sha2`), the data
 * segments, or the JS boundary (exports and wasm-bindgen shims).
 */
export function areaOf(name) {
  if (name.startsWith('data segment') || name.startsWith('data[')) return 'data (strings, tables)';
  let n = name.replace(/\[[0-9a-f]+\]/g, '').replace(/^impl /, '').replace(/^&(mut )?/, '');
  // `<T as crate::Trait>::f` → the trait's path when it has one; `<str>::trim` → the type's.
  const qualified = n.match(/^<(.+?) as ([a-z_0-9]+::[^>]+)>::/);
  if (qualified) n = qualified[2];
  else {
    const inherent = n.match(/^<&?(?:mut )?([^<>]+?)>::/);
    if (inherent) n = /^(str|char|u8|u16|u32|u64|u128|i8|i16|i32|i64|f32|f64|usize|isize|\[.*\])$/.test(inherent[1]) ? 'core::primitive' : inherent[1];
  }
  n = n.replace(/^<+/, '');
  const m = n.match(/^([a-z_0-9]+)::([a-zA-Z_0-9]+)(::([a-zA-Z_0-9]+))?/);
  if (!m) {
    if (/^(elem|table|type|import|export|global|memory)\b/.test(n)) return 'wasm sections (types, imports, exports, table)';
    // Exports (`signRequest`, `communicationidentityclient_new`) and the wasm-bindgen runtime.
    if (/^(__wbg|__wbindgen|__externref|__multi3|__\w+$)/.test(n) || /^[a-z]+_[a-zA-Z]+$|^[a-z]+[A-Z]\w*$/.test(n)) return 'JS boundary (exports, shims)';
    if (/^(memcmp|memcpy|memset|memmove|round|fmod)$/.test(n)) return 'Rust compiler_builtins';
    return 'other';
  }
  const [, crate, module, , sub] = m;
  if (crate === 'acs_identity_wasm' || crate === 'acs_identity') return `ours: ${sub && /^[a-z_0-9]+$/.test(sub) ? `${module}::${sub}` : module}`;
  if (crate === 'core' || crate === 'alloc' || crate === 'std') return `Rust ${crate}::${module}`;
  if (crate === '__rustc') return 'Rust alloc (allocator shims)';
  return crate;
}

/** One binary's areas: `{ total, areas: [[area, bytes], ...] }`, largest first. */
function areasOf(linked, work, name) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  let r = spawnSync(tool('wasm-bindgen'), ['--keep-debug', '--target', 'web', '--out-dir', dir, '--out-name', name, linked], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wasm-bindgen failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
  r = spawnSync(tool('twiggy'), ['top', '-n', '100000', '-f', 'csv', join(dir, `${name}_bg.wasm`)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`twiggy failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
  const groups = {};
  let total = 0;
  for (const line of r.stdout.trim().split('\n').slice(1)) {
    const m = line.match(/^(.*),(\d+),([\d.e-]+),[^,]*,[^,]*$/);
    if (!m) continue;
    const item = m[1].replace(/^"|"$/g, '').replace(/""/g, '"');
    const size = Number(m[2]);
    if (item.startsWith('custom section') || item.includes('function names')) continue;
    total += size;
    const key = areaOf(item);
    groups[key] = (groups[key] ?? 0) + size;
  }
  return { total, areas: Object.entries(groups).sort((a, b) => b[1] - a[1]) };
}

/**
 * The breakdown of each binary of the build (client, sign, endpoint). `root` is the repository,
 * `work` a scratch directory.
 */
export function measureAreas({ root, work }) {
  const twiggy = spawnSync(tool('twiggy'), ['--version'], { encoding: 'utf8' });
  if (twiggy.status !== 0) return { skipped: `twiggy is not installed (cargo install twiggy): ${twiggy.error?.message ?? twiggy.stderr}`.trim() };
  const out = { method: 'twiggy top of the linked binary (before wasm-opt -Oz), after wasm-bindgen --keep-debug; DWARF and names excluded; grouped by crate and module', twiggy: twiggy.stdout.trim(), binaries: {} };
  for (const b of BINARIES) {
    const linked = join(root, 'target', 'wasm-pack', b.name, 'linked.wasm');
    if (!existsSync(linked)) {
      out.binaries[b.feature] = { error: `${linked.slice(root.length + 1)} is missing (run node scripts/build.mjs)` };
      continue;
    }
    try {
      out.binaries[b.feature] = { file: `${b.name}_bg.wasm`, entry: b.entry, ...areasOf(linked, work, b.name) };
    } catch (e) {
      out.binaries[b.feature] = { error: String(e.message) };
    }
  }
  return out;
}
