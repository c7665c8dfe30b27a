// The local stack of `npm start` (scripts/stack.mjs) over HTTP, without a browser: the demo
// server's routes and guards, and the dev sign-in → edge token endpoint → emulator chain.
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../../scripts/stack.mjs';

let stack;
before(async () => {
  stack = await startStack({ ports: { demo: 0, tokenEndpoint: 0, emulator: 0 } });
});
after(() => stack?.close());

/** A raw request (any Host header, any path), resolving { status, headers, body }. */
function raw(url, { path, headers = {}, method = 'GET', body } = {}) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path: path ?? u.pathname, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function signIn(name, headers = {}) {
  const res = await fetch(`${stack.demoUrl}/dev/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ name }),
  });
  return { status: res.status, json: await res.json() };
}

async function acsToken(appToken, origin = stack.demoUrl) {
  const res = await fetch(`${stack.tokenEndpointUrl}/token`, {
    method: 'POST',
    headers: { authorization: `Bearer ${appToken}`, 'content-type': 'application/json', origin },
    body: JSON.stringify({ scopes: ['chat', 'voip'], expiresInMinutes: 60 }),
  });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

describe('the demo server', () => {
  test('serves the page with a loopback-only content security policy', async () => {
    const res = await fetch(`${stack.demoUrl}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /text\/html/);
    const csp = res.headers.get('content-security-policy');
    assert.match(csp, /default-src 'self'/);
    assert.ok(csp.includes(`connect-src 'self' ${stack.tokenEndpointUrl} ${stack.emulatorUrl}`), csp);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval' 'sha256-[A-Za-z0-9+/=]+'/);
    const html = await res.text();
    assert.match(html, /<script type="importmap">/);
    assert.doesNotMatch(html, /https?:\/\/(?!127\.0\.0\.1)[a-z]/i, 'the page loads nothing from outside loopback');
  });

  test('serves the built package at /pkg/ (the .wasm as application/wasm)', async () => {
    const js = await fetch(`${stack.demoUrl}/pkg/browser.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type'), /javascript/);
    await js.text();
    const wasm = await fetch(`${stack.demoUrl}/pkg/acs_identity_bg.wasm`);
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    await wasm.arrayBuffer();
  });

  test('/config.json names the token endpoint and the emulator (dev connection string)', async () => {
    const config = await (await fetch(`${stack.demoUrl}/config.json`)).json();
    assert.equal(config.tokenEndpoint, stack.tokenEndpointUrl);
    assert.equal(config.emulatorUrl, stack.emulatorUrl);
    assert.ok(config.connectionString.startsWith(`endpoint=${stack.emulatorUrl}/;accesskey=`));
  });

  test('answers loopback Host names only, and never serves files outside its roots', async () => {
    const port = new URL(stack.demoUrl).port;
    assert.equal((await raw(stack.demoUrl, { path: '/config.json', headers: { host: `evil.example:${port}` } })).status, 421);
    assert.equal((await raw(stack.demoUrl, { path: '/config.json', headers: { host: `localhost:${port}` } })).status, 200);
    const traversal = await raw(stack.demoUrl, { path: '/pkg/%2e%2e/%2e%2e/package.json' });
    assert.ok([403, 404].includes(traversal.status), `got ${traversal.status}`);
    assert.equal((await raw(stack.demoUrl, { path: '/%2e%2e/scripts/stack.mjs' })).status === 200, false);
  });

  test('the dev sign-in: JSON only, from the demo origin only, a name of 1..64 characters', async () => {
    assert.equal((await signIn('Ada', { origin: 'http://evil.example' })).status, 403);
    assert.equal((await signIn('')).status, 400);
    assert.equal((await signIn('x'.repeat(65))).status, 400);
    const text = await fetch(`${stack.demoUrl}/dev/sign-in`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"name":"Ada"}' });
    assert.equal(text.status, 415);
    await text.arrayBuffer();
    const ok = await signIn('  Ada   Lovelace ', { origin: stack.demoUrl });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.name, 'Ada Lovelace');
    assert.equal(ok.json.sub, 'demo-user:ada lovelace');
    const [h, p, s] = ok.json.token.split('.');
    assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url')), { alg: 'HS256', typ: 'JWT' });
    assert.equal(JSON.parse(Buffer.from(p, 'base64url')).sub, 'demo-user:ada lovelace');
    assert.ok(s.length > 20);
  });
});

describe('sign-in → edge token endpoint (workerd) → emulator', () => {
  test('the app token buys an ACS token; the same name is the same identity, another name another one', async () => {
    const first = await acsToken((await signIn('Grace Hopper')).json.token);
    assert.equal(first.status, 200, JSON.stringify(first.json));
    assert.equal(first.headers.get('access-control-allow-origin'), stack.demoUrl);
    assert.match(first.json.user.communicationUserId, /^8:acs:/);
    const again = await acsToken((await signIn('grace  hopper')).json.token);
    assert.equal(again.json.user.communicationUserId, first.json.user.communicationUserId);
    assert.notEqual(again.json.token, first.json.token);
    const other = await acsToken((await signIn('Alan Turing')).json.token);
    assert.notEqual(other.json.user.communicationUserId, first.json.user.communicationUserId);
    const introspect = await fetch(`${stack.emulatorUrl}/emulator/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: again.json.token }),
    });
    const r = await introspect.json();
    assert.equal(r.active, true);
    assert.deepEqual(r.scopes, ['chat', 'voip']);
  });

  test('another origin, or a token not signed with the stack’s secret, is refused', async () => {
    const { token } = (await signIn('Mallory')).json;
    const foreign = await acsToken(token, 'http://evil.example');
    assert.equal(foreign.status, 403);
    assert.equal(foreign.json.error.code, 'OriginNotAllowed');
    const [h, p] = token.split('.');
    const forged = await acsToken(`${h}.${p}.${Buffer.from('x'.repeat(32)).toString('base64url')}`);
    assert.equal(forged.status, 401);
  });

  test('health routes answer', async () => {
    assert.equal((await fetch(`${stack.tokenEndpointUrl}/healthz`)).status, 200);
    assert.equal((await fetch(`${stack.emulatorUrl}/emulator/health`)).status, 200);
  });
});

test('a default port that is taken falls back to a free one (with a note)', async () => {
  const { createServer } = await import('node:net');
  const { DEFAULT_PORTS } = await import('../../scripts/stack.mjs');
  // Hold the demo's default port (unless something else already does).
  const holder = createServer();
  await new Promise((resolve) => {
    holder.once('error', () => resolve());
    holder.listen(DEFAULT_PORTS.demo, '127.0.0.1', resolve);
  });
  let other;
  try {
    other = await startStack({ ports: { tokenEndpoint: 0, emulator: 0 } });
    assert.notEqual(Number(new URL(other.demoUrl).port), DEFAULT_PORTS.demo);
    assert.ok(other.notes.some((n) => n.startsWith(`demo: port ${DEFAULT_PORTS.demo} is in use`)), other.notes.join('; '));
    assert.equal((await fetch(`${other.demoUrl}/healthz`)).status, 200);
  } finally {
    await other?.close();
    await new Promise((r) => (holder.listening ? holder.close(r) : r()));
  }
});
