// An entry loads only what it uses: the built package is copied into a project once per entry with
// every other capability's `.wasm` deleted (acs-identity/credential: every `.wasm`), and the entry,
// imported by name, still loads and works — in Node, and in Chromium through the browser loaders
// (which fetch their binary: a deleted one would answer 404 and fail the import).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, tmp } from './support/consumer.mjs';
import { serveStatic } from './support/static-server.mjs';
import { chromiumAvailable, launchChromium } from './support/chromium.mjs';

const pkg = join(root, 'pkg');
const VECTOR =
  'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=DGdgwggJWnQyc6EHjR/Vbqg1ES64KpD6U2XwTDDj3tU=';
/** A token of the service's shape (the claims `decodeAccessToken` reads), expiring at 2,000,000,000 s. */
const TOKEN = `${[{ alg: 'RS256', typ: 'JWT' }, { exp: 2_000_000_000, iat: 1_999_999_000, skypeid: 'acs:x', acsScope: 'chat' }]
  .map((o) => Buffer.from(JSON.stringify(o)).toString('base64url'))
  .join('.')}.c2ln`;
const SIGN = `signRequest({ method: 'GET', url: 'https://example.com/testPath?testQuery=test', accessKey: 'pw==', date: 'Wed, 13 Apr 2022 18:09:12 GMT' }).authorization`;

/**
 * Each entry: the one binary it may use, its browser loader, and a module body that uses it (with
 * the entry imported as `lib`) and resolves to what it found.
 */
const ENTRIES = {
  'acs-identity': {
    wasm: 'acs_identity_bg.wasm',
    browser: 'browser.js',
    check: `const out = { signed: lib.${SIGN}, decoded: lib.decodeAccessToken('${TOKEN}').communicationUserId };
try { new lib.CommunicationIdentityClient('endpoint=https://x.test/;accesskey=%%%'); } catch (e) { out.error = e instanceof lib.AcsIdentityError && e.code; }`,
    expect: { signed: VECTOR, decoded: '8:acs:x', error: 'InvalidConnectionString' },
  },
  'acs-identity/sign': {
    wasm: 'acs_identity_sign_bg.wasm',
    browser: 'sign-browser.js',
    check: `const out = { signed: lib.${SIGN}, endpoint: lib.parseConnectionString('endpoint=https://x.test;accesskey=pw==').endpoint };
try { lib.signRequest({ method: 'GET', url: 'x', accessKey: 'pw==' }); } catch (e) { out.error = e instanceof lib.AcsIdentityError && e.code; }`,
    expect: { signed: VECTOR, endpoint: 'https://x.test/', error: 'InvalidUrl' },
  },
  'acs-identity/worker': {
    wasm: 'acs_identity_worker_bg.wasm',
    browser: 'worker-browser.js',
    check: `const env = { ACS_CONNECTION_STRING: 'endpoint=https://x.test/;accesskey=' + btoa('key'), AUTH_JWT_SECRET: 'x'.repeat(40) };
const health = await lib.default.fetch(new Request('http://e.test/healthz'), env);
const missing = await lib.createTokenHandler({ env })(new Request('http://e.test/token', { method: 'POST' }));
const out = { health: health.status, missing: (await missing.json()).error.code };`,
    expect: { health: 200, missing: 'MissingToken' },
  },
  'acs-identity/credential': {
    wasm: null,
    browser: 'credential.js',
    check: `const c = new lib.AcsTokenCredential('${TOKEN}');
const out = { expires: (await c.getToken()).expiresOnTimestamp };`,
    expect: { expires: 2_000_000_000_000 },
  },
};

const base = join(tmp, `isolation-${process.pid}`);
/** The project of each entry: pkg/ as node_modules/acs-identity, less the binaries it must not use. */
const projects = {};

before(() => {
  for (const [entry, def] of Object.entries(ENTRIES)) {
    const dir = join(base, entry.replace(/\W+/g, '-'));
    const installed = join(dir, 'node_modules', 'acs-identity');
    mkdirSync(installed, { recursive: true });
    cpSync(pkg, installed, { recursive: true });
    const binaries = readdirSync(installed).filter((f) => f.endsWith('.wasm'));
    assert.equal(binaries.length, 3, `pkg/ holds the three binaries (${binaries.join(', ')})`);
    for (const f of binaries) if (f !== def.wasm) rmSync(join(installed, f));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'isolation', private: true, type: 'module' }));
    writeFileSync(
      join(dir, 'check.mjs'),
      `export async function check(lib) {\n${def.check}\nreturn out;\n}\n`,
    );
    writeFileSync(
      join(dir, 'run.mjs'),
      `import * as lib from '${entry}';\nimport { check } from './check.mjs';\nconsole.log('@@CHECK@@' + JSON.stringify(await check(lib)));\n`,
    );
    writeFileSync(
      join(dir, 'index.html'),
      `<!doctype html><meta charset="utf-8"><script type="module">
import * as lib from './node_modules/acs-identity/${def.browser}';
import { check } from './check.mjs';
window.__result = await check(lib);
</script>`,
    );
    projects[entry] = dir;
  }
});

after(() => rmSync(base, { recursive: true, force: true }));

function node(dir) {
  return new Promise((resolve) => {
    execFile(process.execPath, ['run.mjs'], { cwd: dir, timeout: 60_000 }, (error, stdout, stderr) => {
      const line = stdout.split('\n').find((l) => l.startsWith('@@CHECK@@'));
      resolve(line ? JSON.parse(line.slice('@@CHECK@@'.length)) : { failed: error?.code, stderr });
    });
  });
}

describe('Node: each entry works with only its own binary installed', () => {
  for (const [entry, def] of Object.entries(ENTRIES)) {
    test(`${entry} (${def.wasm ?? 'no wasm'})`, async () => {
      assert.deepEqual(await node(projects[entry]), def.expect);
    });
  }
});

describe('Chromium: each browser loader fetches only its own binary', { skip: !chromiumAvailable() && 'no Chromium' }, () => {
  let browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(() => browser?.close());
  for (const [entry, def] of Object.entries(ENTRIES)) {
    test(`${entry} (${def.wasm ?? 'no wasm'})`, async () => {
      const server = await serveStatic(projects[entry]);
      const page = await browser.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      try {
        await page.goto(`${server.url}/index.html`);
        await page.waitForFunction(() => window.__result, null, { timeout: 30_000 });
        assert.deepEqual(await page.evaluate(() => window.__result), def.expect);
        const fetched = await page.evaluate(() =>
          performance.getEntriesByType('resource').map((r) => new URL(r.name).pathname.split('/').pop()).filter((f) => f.endsWith('.wasm')),
        );
        assert.deepEqual(fetched, def.wasm ? [def.wasm] : []);
        assert.deepEqual(errors, []);
      } finally {
        await page.close();
        await server.close();
      }
    });
  }
});
