// Shared helpers of the project scripts (setup, build, test, start). Node built-ins only.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const bin = (name) => join(root, 'node_modules', '.bin', name);

/** Runs a command, inheriting stdio; throws with the command line when it fails. */
export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) throw new Error(`${cmd} could not start: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with exit code ${r.status}`);
  return r;
}

/** Runs a command and returns its trimmed stdout, or null when it cannot run or fails. */
export function capture(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: root, ...opts });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** The exact wasm-bindgen version pinned in Cargo.toml (`wasm-bindgen = "=X.Y.Z"`). */
export function pinnedWasmBindgen() {
  const m = readFileSync(join(root, 'Cargo.toml'), 'utf8').match(/wasm-bindgen = "=([0-9.]+)"/);
  if (!m) throw new Error('Cargo.toml must pin wasm-bindgen exactly (wasm-bindgen = "=X.Y.Z")');
  return m[1];
}

export function crateVersion() {
  return readFileSync(join(root, 'Cargo.toml'), 'utf8').match(/^version = "([^"]+)"/m)[1];
}

export const exists = (p) => existsSync(join(root, p));

export function log(msg) {
  process.stderr.write(`[acs-identity] ${msg}\n`);
}
