// `npm test`: every test of the project, in order of cost. Installs what it needs first
// (npm packages, the wasm32 target, wasm-bindgen-cli; Chromium through apt when run as root).
//   node scripts/test.mjs            everything
//   node scripts/test.mjs --quick    skip lints, the browser wasm tests and the fuzz smoke pass
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { capture, log, root, run } from './lib.mjs';
import { setup } from './setup.mjs';
import { build, isStale } from './build.mjs';

const quick = process.argv.includes('--quick');
const steps = [];
const step = (name, fn) => steps.push({ name, fn });

function ensureChromium() {
  if (existsSync('/usr/bin/chromium') && existsSync('/usr/bin/chromedriver')) return;
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    log('installing Chromium and ChromeDriver (Debian packages) for the browser tests');
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', 'chromium', 'chromium-driver'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    return;
  }
  throw new Error('the browser tests need Chromium: apt-get install chromium chromium-driver (as root)');
}

function testFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === '.tmp' || entry.name === 'node_modules') continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...testFiles(p));
    else if (entry.name.endsWith('.test.mjs')) out.push(relative(root, p));
  }
  return out.sort();
}

step('setup', () => {
  setup();
  ensureChromium();
});
if (!quick) {
  step('cargo fmt --check', () => run('cargo', ['fmt', '--all', '--', '--check']));
  step('cargo clippy (native and wasm32)', () => {
    run('cargo', ['clippy', '--quiet', '--all-targets', '--', '-D', 'warnings']);
    run('cargo', ['clippy', '--quiet', '--target', 'wasm32-unknown-unknown', '--lib', '--test', 'wasm_node', '--test', 'wasm_browser', '--', '-D', 'warnings']);
  });
}
step('cargo test (core, native)', () => run('cargo', ['test', '--quiet']));
step('build pkg/', () => (isStale() ? build({ quiet: true }) : log('pkg/ is up to date')));
step('wasm-bindgen-test in Node', () =>
  run('cargo', ['test', '--target', 'wasm32-unknown-unknown', '--test', 'wasm_node']),
);
if (!quick) {
  step('wasm-bindgen-test in headless Chromium', () =>
    run('cargo', ['test', '--target', 'wasm32-unknown-unknown', '--test', 'wasm_browser'], {
      env: { ...process.env, CHROMEDRIVER: process.env.CHROMEDRIVER ?? '/usr/bin/chromedriver' },
    }),
  );
}
step('JS tests (node:test)', () => run(process.execPath, ['--test', ...testFiles(join(root, 'tests'))]));
if (!quick) {
  // A bounded fuzz pass (fuzz/smoke.sh, FUZZ_SMOKE_SECONDS per target, 30 by default) so that
  // regressions surface; it needs the nightly toolchain, and cargo-fuzz is installed when missing.
  step('fuzz smoke pass', () => {
    if (capture('cargo', ['+nightly', '--version']) !== null && capture('cargo', ['+nightly', 'fuzz', '--version']) === null) {
      log('installing cargo-fuzz (once)');
      run('cargo', ['install', 'cargo-fuzz']);
    }
    run('bash', [join(root, 'fuzz', 'smoke.sh'), process.env.FUZZ_SMOKE_SECONDS ?? '30']);
  });
}

const t0 = Date.now();
for (const { name, fn } of steps) {
  log(`── ${name}`);
  const s = Date.now();
  try {
    await fn();
  } catch (e) {
    log(`FAILED: ${name}: ${e.message}`);
    process.exit(1);
  }
  log(`   ${name}: ${((Date.now() - s) / 1000).toFixed(1)} s`);
}
log(`all tests passed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
