// Hostile HTTP against the edge endpoint on a real loopback socket, in every runtime (workerd as
// `npm start` and `wrangler dev` run it, Node's http server through toNodeListener, Deno.serve,
// Bun.serve: tests/worker/runtimes.mjs): invalid JSON and UTF-8, huge and endless bodies, duplicate
// and oversized headers, garbage, slow-loris clients. Each gets a 4xx or a closed connection, never
// a crash, and the endpoint keeps serving others.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { endlessChunkedBody, rawSocket } from '../support/raw-socket.mjs';
import { startEmulator } from '../../emulator/server.mjs';
import { HS_SECRET, claimsFor, signJwt } from '../worker/helpers.mjs';
import { ENDPOINT_RUNTIMES, startEndpoint } from '../worker/runtimes.mjs';

let emu;
const token = () => signJwt({ alg: 'HS256', typ: 'JWT' }, claimsFor('hostile-user'), HS_SECRET);

before(async () => {
  emu = await startEmulator({ port: 0 });
});
after(async () => {
  await emu?.close();
});

for (const runtime of ENDPOINT_RUNTIMES) describe(runtime, () => {
  let ep;
  let base;
  let port;

  before(async () => {
    // One user asks many times here (the per-user rate limit is tested in tests/worker/limits.test.mjs).
    ep = await startEndpoint(runtime, { bindings: { ACS_CONNECTION_STRING: emu.connectionString, AUTH_JWT_SECRET: HS_SECRET, RATE_LIMIT_PER_MINUTE: 'off' } });
    base = ep.url;
    port = ep.port;
  });
  after(() => ep?.close());

  async function post(body, headers = {}) {
    const res = await fetch(`${base}/token`, { method: 'POST', headers: { authorization: `Bearer ${token()}`, ...headers }, body });
    return { status: res.status, text: await res.text() };
  }

  async function stillServing() {
    const r = await post(undefined);
    assert.equal(r.status, 200, `still serving (${r.status} ${r.text})`);
  }

  test('invalid JSON and invalid UTF-8 bodies → 400 InvalidRequestBody', async () => {
    for (const body of ['{', '[1,', '{"scopes":}', 'null', '"chat"']) {
      const r = await post(body, { 'content-type': 'application/json' });
      assert.equal(r.status, 400, body);
      assert.equal(JSON.parse(r.text).error.code, 'InvalidRequestBody');
    }
    const r = await post(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), { 'content-type': 'application/json' });
    assert.equal(r.status, 400);
    await stillServing();
  });

  test('huge and endless bodies → 413 without reading them all', async () => {
    const big = await post('x'.repeat(1024 * 1024), { 'content-type': 'application/json' });
    assert.equal(big.status, 413);
    // An endless chunked body: the endpoint answers 413 (or closes) long before 16 MiB.
    const result = await endlessChunkedBody(
      port,
      `POST /token HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${token()}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n`,
      { chunkSize: 0x4000, limit: 16 * 1024 * 1024, answered: (data) => data.includes('\r\n\r\n') },
    );
    assert.notEqual(result.how, 'gave up', 'the endpoint stopped reading the endless body');
    if (result.data) assert.match(result.data, /^HTTP\/1\.1 413/);
    await stillServing();
  });

  test('duplicate, oversized and garbage headers → 4xx or closed, no crash', async () => {
    // Two Authorization headers are joined into one value, which is not a valid bearer token.
    const dup = await rawSocket(port, 
      `POST /token HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${token()}\r\nauthorization: Bearer ${token()}\r\ncontent-length: 0\r\n\r\n`,
    );
    assert.match(dup.data, /^HTTP\/1\.1 401/);
    // Two different Content-Lengths (a request-smuggling shape) never reach the handler: the
    // runtime's own HTTP parser refuses them (Node, Deno and Bun answer 400; workerd answers 500
    // locally, and Cloudflare's front end answers 400 before any Worker runs).
    const cl = await rawSocket(port, `POST /token HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}`);
    assert.ok(cl.data === '' || /^HTTP\/1\.1 (4\d\d|500)/.test(cl.data), cl.data.slice(0, 30));
    assert.ok(!cl.data.includes('"token"'), 'no token was minted for it');
    const huge = await rawSocket(port, `GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\nx-filler: ${'a'.repeat(256 * 1024)}\r\n\r\n`);
    assert.ok(huge.data === '' || /^HTTP\/1\.1 4\d\d/.test(huge.data), huge.data.slice(0, 30));
    const garbage = await rawSocket(port, '\x00\x01\x02 not http\r\n\r\n');
    // An unparseable request line: 400 (Node, Deno, Bun), or 501 for an unknown method (workerd).
    assert.ok(garbage.data === '' || /^HTTP\/1\.1 (4\d\d|501)/.test(garbage.data), garbage.data.slice(0, 30));
    await stillServing();
  });

  test('slow-loris clients do not stop others from being served', async () => {
    const sockets = [];
    for (let i = 0; i < 50; i++) {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => {});
      s.on('connect', () => s.write('POST /token HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: '));
      sockets.push(s);
    }
    const drip = setInterval(() => sockets.forEach((s) => !s.destroyed && s.write('a')), 200);
    try {
      const t0 = Date.now();
      await stillServing();
      await stillServing();
      assert.ok(Date.now() - t0 < 5000, `normal requests are served while 50 slow clients hang (${Date.now() - t0} ms)`);
    } finally {
      clearInterval(drip);
      sockets.forEach((s) => s.destroy());
    }
    await stillServing();
  });
});
