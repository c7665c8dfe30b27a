// toNodeListener (acs-identity/worker): a fetch handler behind `http.createServer`, checked with
// handlers that report what they received — URL and headers as sent, the body streamed and cut at
// the limit, a client that goes away, answers streamed back with every header — and the package's
// own endpoint behind an Express-style mount. Each server listens on a free loopback port.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { endlessChunkedBody, rawSocket } from '../support/raw-socket.mjs';
import { HS_SECRET, claimsFor, signJwt, startEmulator } from './helpers.mjs';
import { root } from '../support/consumer.mjs';

const entry = join(root, 'pkg', 'worker-node.js');
if (!existsSync(entry)) throw new Error('pkg/ is not built (or lacks worker-node.js): node scripts/build.mjs');
const worker = await import(pathToFileURL(entry).href);
const { toNodeListener, createTokenHandler } = worker;

/** Serves `listener` (or a function of req/res wrapping it) on a free loopback port. */
async function serve(listener) {
  const server = http.createServer(listener);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    port: server.address().port,
    close: () => new Promise((resolve) => (server.close(resolve), server.closeAllConnections())),
  };
}

/** A handler that answers what it received: method, URL, the headers and the body's byte count. */
async function echo(request) {
  const bytes = request.body ? new Uint8Array(await request.arrayBuffer()) : new Uint8Array();
  return Response.json({
    method: request.method,
    url: request.url,
    authorization: request.headers.get('authorization'),
    contentType: request.headers.get('content-type'),
    bytes: bytes.byteLength,
    text: new TextDecoder().decode(bytes.subarray(0, 64)),
  });
}

describe('toNodeListener', () => {
  let s;
  before(async () => {
    s = await serve(toNodeListener(echo));
  });
  after(() => s?.close());

  test('refuses what is not a handler, and bad options', () => {
    assert.throws(() => toNodeListener(), TypeError);
    assert.throws(() => toNodeListener({}), /handler must be a function/);
    assert.throws(() => toNodeListener(echo, { bodyLimit: -1 }), /bodyLimit/);
    assert.throws(() => toNodeListener(echo, null), /options must be an object/);
  });

  test('the request as sent: method, URL with query, headers, a streamed body', async () => {
    const chunks = ['{"scopes":', '["chat"]', '}'];
    const body = new ReadableStream({
      pull(c) {
        const next = chunks.shift();
        if (next === undefined) c.close();
        else c.enqueue(new TextEncoder().encode(next));
      },
    });
    const res = await fetch(`${s.url}/token?x=1`, { method: 'POST', headers: { authorization: 'Bearer abc', 'content-type': 'application/json' }, body, duplex: 'half' });
    assert.equal(res.status, 200);
    const got = await res.json();
    assert.equal(got.method, 'POST');
    assert.equal(got.url, `${s.url}/token?x=1`);
    assert.equal(got.authorization, 'Bearer abc');
    assert.equal(got.contentType, 'application/json');
    assert.equal(got.text, '{"scopes":["chat"]}');
  });

  test('repeated header lines reach the handler joined (Node keeps only the first Authorization)', async () => {
    const r = await rawSocket(s.port, 'GET /h HTTP/1.1\r\nhost: x.test\r\nauthorization: Bearer one\r\nauthorization: Bearer two\r\nconnection: close\r\n\r\n');
    // The answer is chunked: the JSON is between the first { and the last }.
    const json = JSON.parse(r.data.slice(r.data.indexOf('{'), r.data.lastIndexOf('}') + 1));
    assert.equal(json.authorization, 'Bearer one, Bearer two');
    assert.equal(json.url, 'http://x.test/h');
  });

  test('a body over the limit is cut at limit + 1 byte and the connection is closed', async () => {
    const limited = await serve(toNodeListener(echo, { bodyLimit: 100 }));
    try {
      const res = await fetch(`${limited.url}/t`, { method: 'POST', body: 'x'.repeat(5000) });
      assert.equal((await res.json()).bytes, 101);
      assert.equal(res.headers.get('connection'), 'close');
      const ok = await fetch(`${limited.url}/t`, { method: 'POST', body: 'y'.repeat(100) });
      assert.equal((await ok.json()).bytes, 100);
      assert.notEqual(ok.headers.get('connection'), 'close');
    } finally {
      await limited.close();
    }
  });

  test('an endless chunked body is not read to its end', async () => {
    const result = await endlessChunkedBody(s.port, 'POST /t HTTP/1.1\r\nhost: 127.0.0.1\r\ntransfer-encoding: chunked\r\n\r\n', {
      chunkSize: 0x1000,
      limit: 8 * 1024 * 1024,
      answered: (data) => data.includes('}'),
    });
    assert.equal(result.how, 'answered', `sent ${result.sent} bytes`);
    assert.match(result.data, /"bytes":8193/);
  });

  test('answers are written with status, every header (Set-Cookie twice) and a streamed body; HEAD has none', async () => {
    const streaming = await serve(
      toNodeListener(() => {
        const headers = new Headers({ 'x-one': '1', 'content-type': 'text/plain' });
        headers.append('set-cookie', 'a=1');
        headers.append('set-cookie', 'b=2');
        let n = 0;
        const body = new ReadableStream({
          pull(c) {
            if (n++ < 3) c.enqueue(new TextEncoder().encode(`part${n};`));
            else c.close();
          },
        });
        return new Response(body, { status: 201, statusText: 'Made', headers });
      }),
    );
    try {
      const r = await rawSocket(streaming.port, 'GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
      assert.match(r.data, /^HTTP\/1\.1 201 Made\r\n/);
      assert.match(r.data, /\r\nset-cookie: a=1\r\nset-cookie: b=2\r\n/i);
      assert.match(r.data, /\r\nx-one: 1\r\n/i);
      assert.ok(r.data.includes('part1;') && r.data.includes('part3;'), r.data);
      const head = await fetch(streaming.url, { method: 'HEAD' });
      assert.equal(head.status, 201);
      assert.equal(await head.text(), '');
    } finally {
      await streaming.close();
    }
  });

  test('a handler that throws or answers no Response: 500 InternalError, no details', async () => {
    for (const bad of [() => { throw new Error('secret detail'); }, async () => 'not a response', () => Promise.reject(new Error('secret detail'))]) {
      const server = await serve(toNodeListener(bad));
      try {
        const res = await fetch(server.url);
        assert.equal(res.status, 500);
        const text = await res.text();
        assert.equal(JSON.parse(text).error.code, 'InternalError');
        assert.ok(!text.includes('secret detail'));
      } finally {
        await server.close();
      }
    }
  });

  test('a client that disconnects aborts the request signal', async () => {
    let aborted;
    const seen = new Promise((resolve) => (aborted = resolve));
    const server = await serve(
      toNodeListener(async (request) => {
        await new Promise((resolve) => request.signal.addEventListener('abort', resolve));
        aborted(true);
        return new Response('late');
      }),
    );
    try {
      const ac = new AbortController();
      const pending = fetch(server.url, { signal: ac.signal }).catch((e) => e);
      setTimeout(() => ac.abort(), 100);
      await pending;
      const result = await Promise.race([seen, new Promise((r) => setTimeout(() => r('timeout'), 5000))]);
      assert.equal(result, true);
    } finally {
      await server.close();
    }
  });

  test('Express-style: originalUrl is used and a body a parser already read is passed on', async () => {
    const listener = toNodeListener(echo);
    const server = await serve(async (req, res) => {
      // What express.json() and a mount at /api do to the request before the listener runs.
      const chunks = [];
      for await (const c of req) chunks.push(c);
      req.body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      req.originalUrl = req.url;
      req.url = req.url.replace(/^\/api/, '') || '/';
      listener(req, res);
    });
    try {
      const res = await fetch(`${server.url}/api/token`, { method: 'POST', body: JSON.stringify({ scopes: ['chat'] }), headers: { 'content-type': 'application/json' } });
      const got = await res.json();
      assert.equal(got.url, `${server.url}/api/token`);
      assert.equal(got.text, '{"scopes":["chat"]}');
    } finally {
      await server.close();
    }
  });
});

describe('toNodeListener with the token endpoint', () => {
  let emulator;
  let s;
  before(async () => {
    emulator = await startEmulator();
    const env = { ACS_CONNECTION_STRING: emulator.connectionString, AUTH_JWT_SECRET: HS_SECRET };
    const listener = toNodeListener(createTokenHandler({ env, basePath: '/api/acs' }));
    const ready = toNodeListener(worker.default, { env });
    s = await serve((req, res) => (req.url.startsWith('/api/acs/') ? listener(req, res) : ready(req, res)));
  });
  after(async () => {
    await s?.close();
    await emulator?.close();
  });

  test('createTokenHandler under a base path and the default export with env', async () => {
    const token = signJwt({ alg: 'HS256', typ: 'JWT' }, claimsFor('listener-user'), HS_SECRET);
    for (const path of ['/api/acs/token', '/token']) {
      const res = await fetch(`${s.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{"scopes":["chat"]}' });
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.match(body.user.communicationUserId, /^8:acs:/);
    }
    const big = await fetch(`${s.url}/token`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: ' '.repeat(20000) });
    assert.equal(big.status, 413);
    assert.equal((await big.json()).error.code, 'PayloadTooLarge');
    assert.deepEqual(await (await fetch(`${s.url}/api/acs/healthz`)).json(), { status: 'ok' });
  });
});
