// Installs what the build and the tests need, when missing: npm dev packages, the wasm32 target and
// wasm-bindgen-cli at the version pinned in Cargo.toml. Idempotent, and fast when all is present.
// (wasm-pack is not needed: the build drives cargo and wasm-bindgen directly, and wasm-opt comes
// from the npm package `binaryen`.)
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { capture, exists, log, pinnedWasmBindgen, root, run } from './lib.mjs';

function ensureCargoPath() {
  const cargoBin = join(process.env.CARGO_HOME || join(homedir(), '.cargo'), 'bin');
  if (!process.env.PATH.split(':').includes(cargoBin)) process.env.PATH = `${cargoBin}:${process.env.PATH}`;
}

export function setup({ quiet = false } = {}) {
  ensureCargoPath();
  const say = quiet ? () => {} : log;
  if (!exists('node_modules/.package-lock.json') || !exists('node_modules/.bin/wasm-opt')) {
    say('installing npm dev packages (npm ci)');
    run('npm', [existsSync(join(root, 'package-lock.json')) ? 'ci' : 'install', '--no-audit', '--no-fund']);
  }
  if (capture('cargo', ['--version']) === null) {
    throw new Error('cargo is not installed: install Rust with rustup (https://rustup.rs) and run again');
  }
  const targets = capture('rustup', ['target', 'list', '--installed']) ?? '';
  if (!targets.split('\n').includes('wasm32-unknown-unknown')) {
    say('adding the Rust target wasm32-unknown-unknown');
    run('rustup', ['target', 'add', 'wasm32-unknown-unknown']);
  }
  const want = pinnedWasmBindgen();
  const have = capture('wasm-bindgen', ['--version'])?.split(' ')[1];
  if (have !== want) {
    say(`installing wasm-bindgen-cli ${want} (found ${have ?? 'none'}); this takes a few minutes once`);
    run('cargo', ['install', 'wasm-bindgen-cli', '--version', `=${want}`, '--force']);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  setup();
  log('setup complete');
}
