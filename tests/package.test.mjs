// The built package as npm would publish it: `npm publish --dry-run` prints no warning (and, with
// --offline, contacts no registry: a stub registry on loopback counts connections), and
// `npm pack` ships exactly what the exports map (and the bin) can reach, plus README, LICENSE,
// CHANGELOG, package.json and the wrangler.toml template; each capability's entry names its own
// binary (and glue) alone.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, normalize } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { root } from './support/consumer.mjs';

const pkg = join(root, 'pkg');
const run = promisify(execFile);
/** Files shipped for people rather than imports. */
const DOCS = ['README.md', 'LICENSE', 'CHANGELOG.md', 'package.json', 'emulator/README.md', 'wrangler.toml'];

/** Every string target of an exports map (through nested conditions). */
function targets(node) {
  if (typeof node === 'string') return [node];
  if (node === null || typeof node !== 'object') return [];
  return Object.values(node).flatMap(targets);
}

/** The files a module (or declaration file) names with a relative specifier. */
function relativeImports(file, text) {
  const out = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(?\s*|new URL\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const m of text.matchAll(re)) {
    // `./x.wasm?module` (the edge-light entry, as Vercel's bundler reads it) names ./x.wasm.
    let target = normalize(join(dirname(file), m[1].replace(/\?.*$/, '')));
    // A declaration file names the module (`./credential.js`); its types are beside it.
    if (file.endsWith('.d.ts') && /\.m?js$/.test(target)) {
      const dts = target.replace(/\.(m?)js$/, '.d.$1ts');
      if (existsSync(join(pkg, dts))) target = dts;
    }
    out.push(target);
  }
  return out;
}

/** The files reachable from the manifest's entry points (exports, bin, main, browser, types). */
function reachable(manifest) {
  const start = [
    ...targets(manifest.exports),
    ...Object.values(manifest.bin ?? {}),
    manifest.main,
    manifest.browser,
    manifest.types,
  ].filter(Boolean);
  const seen = new Set();
  const queue = start.map((f) => normalize(f));
  while (queue.length) {
    const f = queue.shift();
    if (seen.has(f)) continue;
    seen.add(f);
    const full = join(pkg, f);
    assert.ok(existsSync(full), `${f} is named by the package but does not exist`);
    if (/\.(m?js|d\.m?ts)$/.test(f)) queue.push(...relativeImports(f, readFileSync(full, 'utf8')));
  }
  return seen;
}

describe('the packed package', () => {
  let dir;
  let registry;
  let connections = 0;
  before(async () => {
    assert.ok(existsSync(join(pkg, 'package.json')), 'pkg/ is not built: run `npm run build`');
    dir = mkdtempSync(join(tmpdir(), 'acs-pkg-test-'));
    writeFileSync(join(dir, 'npmrc'), '');
    registry = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise((resolve) => registry.listen(0, '127.0.0.1', resolve));
  });
  after(() => {
    registry.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** npm with an empty user config and a loopback stub as the registry, so nothing outside is used. */
  function npm(args) {
    const url = `http://127.0.0.1:${registry.address().port}/`;
    return run(
      'npm',
      [...args, '--offline', '--userconfig', join(dir, 'npmrc'), '--registry', url, `--${url.slice(5)}:_authToken=dry-run-only`, '--no-audit', '--no-fund'],
      { cwd: pkg, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'notice' } },
    );
  }

  test('npm publish --dry-run: no warning, no registry contacted', async () => {
    const { stdout, stderr } = await npm(['publish', '--dry-run']);
    const warnings = `${stdout}\n${stderr}`.split('\n').filter((l) => /\bwarn|\bERR!/i.test(l));
    assert.deepEqual(warnings, []);
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    assert.match(stderr, new RegExp(`npm notice name: +acs-identity\\b`));
    assert.match(stderr, new RegExp(`npm notice version: +${manifest.version.replace(/\./g, '\\.')}\\b`));
    assert.match(stderr, /npm notice .*cli\/main\.js/);
    assert.equal(connections, 0, 'the registry was contacted');
  });

  test('npm pack ships exactly what the exports map and the bin reach, plus the docs', async () => {
    const { stdout, stderr } = await npm(['pack', '--dry-run', '--json']);
    assert.deepEqual(stderr.split('\n').filter((l) => /\bwarn/i.test(l)), []);
    const [info] = JSON.parse(stdout);
    const packed = new Set(info.files.map((f) => f.path));
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    for (const t of targets(manifest.exports)) assert.ok(packed.has(normalize(t)), `export target ${t} is packed`);
    const expected = new Set([...reachable(manifest), ...DOCS]);
    assert.deepEqual([...packed].filter((f) => !expected.has(f)).sort(), [], 'packed but not reachable');
    assert.deepEqual([...expected].filter((f) => !packed.has(f)).sort(), [], 'reachable but not packed');
    assert.ok(!packed.has('acs_identity.d.ts'), "wasm-bindgen's internal declarations are not shipped");
    // One binary per capability, each with its glue, exported for apps that host the .wasm.
    for (const name of ['acs_identity', 'acs_identity_sign', 'acs_identity_worker']) {
      for (const f of [`${name}.js`, `${name}_bg.wasm`]) assert.ok(packed.has(f), `${f} is packed`);
      assert.equal(manifest.exports[`./${name}_bg.wasm`], `./${name}_bg.wasm`);
    }
    assert.deepEqual([...packed].filter((f) => f.endsWith('.wasm')).sort(), ['acs_identity_bg.wasm', 'acs_identity_sign_bg.wasm', 'acs_identity_worker_bg.wasm']);
    assert.equal(connections, 0);
  });

  test('acs-identity/sign and acs-identity/worker have the export conditions of acs-identity', () => {
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    const conditions = (entry) => Object.keys(manifest.exports[entry]);
    assert.deepEqual(conditions('./sign'), conditions('.'));
    assert.deepEqual(conditions('./worker'), conditions('.'));
    assert.equal(manifest.exports['./sign'].types, './sign.d.ts');
    // Each loader instantiates its capability's binary and imports no other capability's glue.
    const glues = { '.': 'acs_identity', './sign': 'acs_identity_sign', './worker': 'acs_identity_worker' };
    for (const [entry, glue] of Object.entries(glues)) {
      for (const [condition, file] of Object.entries(manifest.exports[entry])) {
        if (condition === 'types') continue;
        const text = readFileSync(join(pkg, file), 'utf8');
        const named = [...text.matchAll(/['"]\.\/(acs_identity\w*)(?:_bg\.wasm(?:\?module)?|\.js)['"]/g)].map((m) => m[1].replace(/_bg$/, ''));
        assert.deepEqual([...new Set(named)], [glue], `${file} (${entry}, ${condition}) names ${glue} alone`);
      }
    }
  });

  test('manifest, licence and changelog are ready to publish', () => {
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    const cargo = readFileSync(join(root, 'Cargo.toml'), 'utf8');
    const repo = /^repository = "(.+)"$/m.exec(cargo)[1];
    assert.equal(manifest.license, 'MIT');
    assert.equal(manifest.repository.url, `git+${repo}.git`);
    assert.equal(manifest.homepage, `${repo}#readme`);
    assert.equal(manifest.bugs.url, `${repo}/issues`);
    assert.deepEqual(manifest.bin, { 'acs-identity': 'cli/main.js' });
    assert.match(readFileSync(join(pkg, 'cli/main.js'), 'utf8'), /^#!\/usr\/bin\/env node\n/);
    assert.equal(manifest.exports['./emulator'].types, './emulator/emulator.d.ts');
    const license = readFileSync(join(pkg, 'LICENSE'), 'utf8');
    assert.match(license, /^MIT License\n\nCopyright \(c\) 2026 acs-identity contributors\n/);
    assert.equal(license, readFileSync(join(root, 'LICENSE'), 'utf8'));
    const changelog = readFileSync(join(pkg, 'CHANGELOG.md'), 'utf8');
    assert.match(changelog, /Keep a Changelog/);
    assert.match(changelog, new RegExp(`^## \\[${manifest.version.replace(/\./g, '\\.')}\\] - \\d{4}-\\d{2}-\\d{2}$`, 'm'));
  });
});
