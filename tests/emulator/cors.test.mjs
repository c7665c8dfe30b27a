// Who may call the emulator from a browser (CORS: loopback origins and --cors-origin ones only),
// the `GET /` index, and the warning when it listens on a non-loopback interface.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { main } from '../../emulator/main.mjs';
import { isLoopbackOrigin, startEmulator } from '../../emulator/server.mjs';
import { V, call, rawRequest } from './helpers.mjs';

const LOOPBACK = ['http://localhost:5173', 'https://localhost', 'http://127.0.0.1:8080', 'http://127.9.8.7', 'http://[::1]:3000'];
const FOREIGN = [
  'https://evil.example',
  'http://localhost.evil.example',
  'http://127.0.0.1.evil.example',
  'http://128.0.0.1',
  'null',
  'file://',
  'chrome-extension://abcdef',
  'http://localhost:5173/path',
];
const EXTRA = 'https://app.example.test:8443';

/** Every route a page could aim at: the index, service routes, each dev route. */
const ROUTES = [
  ['GET', '/'],
  ['POST', `/identities?api-version=${V.JOIN}`],
  ['GET', '/emulator/health'],
  ['GET', '/emulator/stats'],
  ['GET', '/emulator/jwks'],
  ['POST', '/emulator/teams-token'],
  ['POST', '/emulator/introspect'],
  ['POST', '/emulator/faults'],
  ['DELETE', '/emulator/faults'],
];

describe('emulator CORS', () => {
  let emu;
  before(async () => {
    emu = await startEmulator({ faults: true, corsOrigins: [`${EXTRA}/`] });
  });
  after(() => emu.close());

  test('loopback origins are recognised by scheme, host and port only', () => {
    for (const o of LOOPBACK) assert.ok(isLoopbackOrigin(o), o);
    for (const o of [...FOREIGN, EXTRA]) assert.ok(!isLoopbackOrigin(o), o);
  });

  test('a page on another origin gets 403 and no CORS header on any route, preflight or not', async () => {
    for (const origin of FOREIGN) {
      for (const [method, path] of ROUTES) {
        const pre = await rawRequest(emu.url, 'OPTIONS', path, {
          headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type' },
        });
        assert.equal(pre.status, 403, `preflight ${origin} ${method} ${path}`);
        assert.equal(pre.json.error.code, 'OriginNotAllowed');
        for (const h of Object.keys(pre.headers)) assert.ok(!h.startsWith('access-control-'), `${origin} ${path}: ${h}`);
        // A "simple" request (no preflight) is refused too, before it can act.
        const r = await rawRequest(emu.url, method, path, {
          headers: { origin, 'content-type': 'application/json' },
          body: method === 'POST' ? '{"status":503}' : '',
        });
        assert.equal(r.status, 403, `${origin} ${method} ${path}`);
        for (const h of Object.keys(r.headers)) assert.ok(!h.startsWith('access-control-'), `${origin} ${path}: ${h}`);
      }
    }
    // Nothing happened: no fault was added, no token was minted.
    const faults = await rawRequest(emu.url, 'GET', '/emulator/faults');
    assert.deepEqual(faults.json.faults, []);
    assert.equal((await call(emu, 'POST', '/identities')).status, 201);
  });

  test('loopback origins and --cors-origin ones get CORS on every route', async () => {
    for (const origin of [...LOOPBACK, EXTRA]) {
      for (const [method, path] of ROUTES) {
        const pre = await rawRequest(emu.url, 'OPTIONS', path, {
          headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type' },
        });
        assert.equal(pre.status, 204, `preflight ${origin} ${method} ${path}`);
        assert.equal(pre.headers['access-control-allow-origin'], origin);
        assert.equal(pre.headers.vary, 'Origin');
      }
      const r = await call(emu, 'POST', '/identities', { headers: { origin } });
      assert.equal(r.status, 201);
      assert.equal(r.headers['access-control-allow-origin'], origin);
      const h = await rawRequest(emu.url, 'GET', '/emulator/health', { headers: { origin } });
      assert.equal(h.status, 200);
      assert.equal(h.headers['access-control-allow-origin'], origin);
    }
  });

  test('a bad corsOrigins entry is refused at start', async () => {
    for (const bad of ['*', 'app.example', 'https://app.example/path', 'ftp://app.example']) {
      await assert.rejects(startEmulator({ corsOrigins: [bad] }), { name: 'TypeError', message: /is not an origin/ });
    }
  });
});

describe('emulator GET /', () => {
  test('answers a JSON index: service, api-versions, service and dev routes (no secrets)', async () => {
    const emu = await startEmulator({ faults: true });
    try {
      const r = await rawRequest(emu.url, 'GET', '/');
      assert.equal(r.status, 200);
      assert.match(r.headers['content-type'], /^application\/json/);
      assert.equal(r.json.service, 'ACS Identity emulator');
      assert.deepEqual(r.json.apiVersions, Object.values(V));
      assert.ok(r.json.routes.includes('POST /identities/{id}/:issueAccessToken?api-version=<version>'), r.json.routes);
      for (const dev of ['GET /emulator/health', 'POST /emulator/teams-token', 'POST /emulator/faults', 'GET /emulator/stats']) {
        assert.ok(r.json.devRoutes.includes(dev), dev);
      }
      assert.ok(!r.text.includes(emu.accessKey));
      assert.equal((await rawRequest(emu.url, 'POST', '/')).status, 405);
      // The index is not a service request: the stats do not count it.
      assert.equal((await rawRequest(emu.url, 'GET', '/emulator/stats')).json.requests, 0);
    } finally {
      await emu.close();
    }
    const plain = await startEmulator();
    try {
      const r = await rawRequest(plain.url, 'GET', '/');
      assert.ok(!r.json.devRoutes.some((d) => d.includes('/emulator/faults')), 'faults are listed only when enabled');
    } finally {
      await plain.close();
    }
  });
});

describe('emulator CLI: --cors-origin and the non-loopback warning', () => {
  /** Run main() in this process until its ready line; returns the emulator's URL, stderr and a stop function. */
  async function start(args) {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stderr.on('data', (d) => (err += d));
    const ac = new AbortController();
    const ready = new Promise((resolve) => stdout.on('data', (d) => ((out += d), out.includes('\n') && resolve())));
    const done = main(args, { stdout, stderr, signal: ac.signal });
    await Promise.race([ready, done.then((code) => assert.fail(`exited ${code}: ${err}`))]);
    const url = /endpoint=(http:\/\/[^/]+)\//.exec(out)[1];
    return { url, err: () => err, stop: async () => (ac.abort(), assert.equal(await done, 0)) };
  }

  test('--cors-origin (repeatable) allows those origins, and only those', async () => {
    const e = await start(['--quiet', '--cors-origin', 'https://a.example.test', '--cors-origin=http://b.example.test:81']);
    try {
      for (const [origin, status] of [['https://a.example.test', 200], ['http://b.example.test:81', 200], ['http://b.example.test', 403], ['https://evil.example', 403]]) {
        const r = await rawRequest(e.url, 'GET', '/emulator/health', { headers: { origin } });
        assert.equal(r.status, status, origin);
        assert.equal(r.headers['access-control-allow-origin'], status === 200 ? origin : undefined);
      }
      assert.equal(e.err(), '', 'no warning on loopback');
    } finally {
      await e.stop();
    }
  });

  test('listening on 0.0.0.0 warns on stderr (even with --quiet); the loopback default does not', async () => {
    const e = await start(['--quiet', '--host', '0.0.0.0']);
    try {
      assert.match(e.err(), /^WARNING: listening on 0\.0\.0\.0: other machines .* can reach this emulator/);
      assert.equal((await rawRequest(e.url, 'GET', '/emulator/health')).status, 200);
    } finally {
      await e.stop();
    }
    const l = await start(['--quiet', '--host', 'localhost']);
    await l.stop();
    assert.equal(l.err(), '');
  });
});
