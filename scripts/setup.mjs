// Installs what the build and the tests need, when missing: npm dev packages, the wasm32 target,
// wasm-bindgen-cli at the version pinned in Cargo.toml and wasm-pack (both compiled from source
// with `cargo install`, once). wasm-pack then uses that wasm-bindgen (the one on PATH whose version
// is Cargo.lock's) and never downloads one; wasm-opt comes from the npm package `binaryen`.
// Idempotent, and fast when all is present.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { capture, exists, log, pinnedWasmBindgen, root, run } from './lib.mjs';

function ensureCargoPath() {
  const cargoBin = join(process.env.CARGO_HOME || join(homedir(), '.cargo'), 'bin');
  if (!process.env.PATH.split(':').includes(cargoBin)) process.env.PATH = `${cargoBin}:${process.env.PATH}`;
}

/**
 * What setup() still has to install, as step names (empty when everything is there). Only the
 * checks, nothing is installed.
 * @returns {string[]}
 */
export function missingToolchain() {
  ensureCargoPath();
  const steps = [];
  if (!exists('node_modules/.package-lock.json') || !exists('node_modules/.bin/wasm-opt')) steps.push('npm dev packages (npm ci)');
  if (capture('cargo', ['--version']) === null) return steps; // setup() explains
  const targets = capture('rustup', ['target', 'list', '--installed']) ?? '';
  if (!targets.split('\n').includes('wasm32-unknown-unknown')) steps.push('Rust target wasm32-unknown-unknown');
  if (capture('wasm-bindgen', ['--version'])?.split(' ')[1] !== pinnedWasmBindgen()) {
    steps.push(`wasm-bindgen-cli ${pinnedWasmBindgen()} (compiled from source)`);
  }
  if (capture('wasm-pack', ['--version']) === null) steps.push('wasm-pack (compiled from source)');
  return steps;
}

/**
 * Installs what is missing. The installers' output goes to stderr (stdout stays for results).
 * @param {{ quiet?: boolean, progress?: boolean }} [opts] progress: number the steps, `[1/3] ...`
 */
export function setup({ quiet = false, progress = false } = {}) {
  ensureCargoPath();
  const total = progress ? missingToolchain().length : 0;
  let done = 0;
  const say = (msg) => {
    if (progress) log(`[${++done}/${total}] ${msg}`);
    else if (!quiet) log(msg);
  };
  const toStderr = { stdio: ['inherit', 2, 'inherit'] };
  if (!exists('node_modules/.package-lock.json') || !exists('node_modules/.bin/wasm-opt')) {
    say('installing npm dev packages (npm ci)');
    run('npm', [existsSync(join(root, 'package-lock.json')) ? 'ci' : 'install', '--no-audit', '--no-fund'], toStderr);
  }
  if (capture('cargo', ['--version']) === null) {
    throw new Error('cargo is not installed: install Rust with rustup (https://rustup.rs) and run again');
  }
  const targets = capture('rustup', ['target', 'list', '--installed']) ?? '';
  if (!targets.split('\n').includes('wasm32-unknown-unknown')) {
    say('adding the Rust target wasm32-unknown-unknown');
    run('rustup', ['target', 'add', 'wasm32-unknown-unknown'], toStderr);
  }
  const want = pinnedWasmBindgen();
  const have = capture('wasm-bindgen', ['--version'])?.split(' ')[1];
  if (have !== want) {
    say(`installing wasm-bindgen-cli ${want} (found ${have ?? 'none'}); this takes a few minutes once`);
    run('cargo', ['install', 'wasm-bindgen-cli', '--version', `=${want}`, '--force'], toStderr);
  }
  if (capture('wasm-pack', ['--version']) === null) {
    say('installing wasm-pack; this takes a few minutes once');
    run('cargo', ['install', 'wasm-pack', '--locked'], toStderr);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  setup();
  log('setup complete');
}
