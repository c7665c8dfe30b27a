// Hostile HTTP against the emulator: invalid JSON and UTF-8, huge and endless bodies, duplicate
// and oversized headers, slow-loris clients. Each gets a 4xx or a closed connection, never a
// crash, and the emulator keeps serving everyone else. Plus a load test: 1,000 concurrent
// requests, zero errors, zero lost.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { rawSocket } from '../support/raw-socket.mjs';
import { startEmulator } from '../../emulator/server.mjs';
import { call, createUser, rawRequest, V } from '../emulator/helpers.mjs';
import { contentHash, hmac, httpDate } from '../emulator/sign.mjs';

let emu;
before(async () => {
  emu = await startEmulator({ port: 0, headersTimeoutMs: 1500, requestTimeoutMs: 4000 });
});
after(() => emu?.close());

/** The emulator still answers a normal signed request. */
async function stillServing() {
  const r = await call(emu, 'POST', '/identities', { apiVersion: V.LATEST });
  assert.equal(r.status, 201, `still serving (${r.status} ${r.text})`);
}

function signedHead(method, pathAndQuery, body, extra = '') {
  const date = httpDate();
  const hash = contentHash(body);
  const host = `127.0.0.1:${emu.port}`;
  const sig = hmac(emu.accessKey, `${method}\n${pathAndQuery}\n${date};${host};${hash}`);
  return (
    `${method} ${pathAndQuery} HTTP/1.1\r\nhost: ${host}\r\nx-ms-date: ${date}\r\nx-ms-content-sha256: ${hash}\r\n` +
    `authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${sig}\r\n` +
    `content-type: application/json\r\n${extra}`
  );
}

test('invalid JSON → 400 ValidationError', async () => {
  for (const body of ['{', '{"scopes":', '[1,2', 'nul', '{"scopes":["chat"],}', '\u0000']) {
    const r = await call(emu, 'POST', '/identities', { apiVersion: V.LATEST, body });
    assert.equal(r.status, 400, body);
    assert.equal(r.json.error.code, 'ValidationError');
  }
  await stillServing();
});

test('invalid UTF-8 → 400', async () => {
  const body = Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]); // {"\xff\xfe":1}
  const r = await call(emu, 'POST', '/identities', { apiVersion: V.LATEST, body });
  assert.equal(r.status, 400);
  await stillServing();
});

test('a body over 64 KiB → 413, declared or chunked', async () => {
  const big = JSON.stringify({ customId: 'x'.repeat(70 * 1024) });
  const r = await call(emu, 'POST', '/identities', { apiVersion: V.PREVIEW, body: big });
  assert.equal(r.status, 413);
  const chunked = await call(emu, 'POST', '/identities', { apiVersion: V.PREVIEW, body: big, chunked: true }).catch((e) => ({ error: e }));
  assert.ok(chunked.error || chunked.status === 413, `chunked: ${chunked.status}`);
  await stillServing();
});

test('an endless body is cut off at the limit, not buffered', async () => {
  const head = signedHead('POST', `/identities?api-version=${V.LATEST}`, '', 'transfer-encoding: chunked\r\n\r\n');
  const { data, how } = await new Promise((resolve) => {
    const socket = net.connect(emu.port, '127.0.0.1');
    let data = '';
    let sent = 0;
    let timer;
    const chunk = `4000\r\n${'a'.repeat(0x4000)}\r\n`;
    const finish = (how) => {
      clearInterval(timer);
      socket.destroy();
      resolve({ data, how, sent });
    };
    socket.on('data', (d) => (data += d));
    socket.on('close', () => finish('closed'));
    socket.on('error', () => finish('error'));
    socket.on('connect', () => {
      socket.write(head);
      // Up to 16 MiB, 16 KiB at a time, unless the server gives up first (it must).
      timer = setInterval(() => {
        if (sent > 16 * 1024 * 1024 || socket.destroyed) return finish('gave up');
        socket.write(chunk);
        sent += 0x4000;
      }, 1);
    });
  });
  assert.notEqual(how, 'gave up', 'the emulator stopped the endless body');
  assert.ok(data === '' || data.startsWith('HTTP/1.1 413') || data.startsWith('HTTP/1.1 401'), data.slice(0, 40));
  await stillServing();
});

test('duplicate and oversized headers → 4xx, no crash', async () => {
  // Two Authorization headers (node joins them with ", "): not a valid HMAC header.
  const body = '';
  const head = signedHead('POST', `/identities?api-version=${V.LATEST}`, body, 'authorization: HMAC-SHA256 SignedHeaders=x&Signature=y\r\ncontent-length: 0\r\n\r\n');
  const dup = await rawSocket(emu.port, head, { endAfterWrite: false, timeoutMs: 3000 });
  assert.match(dup.data, /^HTTP\/1\.1 4\d\d/);
  // Two different Content-Length headers: request smuggling shape, refused by the parser.
  const cl = await rawSocket(emu.port, `POST /identities?api-version=${V.LATEST} HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\n{}`, { timeoutMs: 3000 });
  assert.match(cl.data, /^HTTP\/1\.1 400/);
  const huge = await rawRequest(emu.url, 'GET', '/emulator/health', { headers: { 'x-filler': 'a'.repeat(64 * 1024) } }).catch((e) => ({ error: e }));
  assert.ok(huge.error || huge.status === 431, `oversized headers → 431 (${huge.status})`);
  const many = {};
  for (let i = 0; i < 2000; i++) many[`x-h${i}`] = 'v';
  const r = await rawRequest(emu.url, 'GET', '/emulator/health', { headers: many }).catch((e) => ({ error: e }));
  assert.ok(r.error || (r.status >= 400 && r.status < 500) || r.status === 200, `many headers: ${r.status}`);
  const garbage = await rawSocket(emu.port, '\x00\x01\x02 not http at all\r\n\r\n', { timeoutMs: 3000 });
  assert.ok(garbage.data === '' || /^HTTP\/1\.1 400/.test(garbage.data), garbage.data.slice(0, 30));
  await stillServing();
});

test('slow-loris clients are cut off and do not stop others from being served', async () => {
  const sockets = [];
  const closed = [];
  for (let i = 0; i < 50; i++) {
    const s = net.connect(emu.port, '127.0.0.1');
    s.on('error', () => {});
    closed.push(new Promise((r) => s.on('close', r)));
    s.on('connect', () => s.write('POST /identities HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: '));
    sockets.push(s);
  }
  const drip = setInterval(() => sockets.forEach((s) => !s.destroyed && s.write('a')), 200);
  try {
    const t0 = Date.now();
    await stillServing();
    assert.ok(Date.now() - t0 < 1000, 'a normal request is served while 50 slow clients hang');
    // headersTimeoutMs is 1.5 s here (10 s by default): every slow client is closed by the server.
    const all = await Promise.race([Promise.all(closed).then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open'), 6000))]);
    assert.equal(all, 'closed', 'the server closed every slow-loris connection');
  } finally {
    clearInterval(drip);
    sockets.forEach((s) => s.destroy());
  }
  await stillServing();
});

test('load: 1,000 concurrent requests, zero errors, zero lost', async () => {
  const id = await createUser(emu, V.LATEST);
  const N = 1000;
  const before = (await rawRequest(emu.url, 'GET', '/emulator/stats')).json;
  const t0 = performance.now();
  const results = await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const s = performance.now();
      const r =
        i % 2 === 0
          ? await call(emu, 'POST', '/identities', { apiVersion: V.LATEST })
          : await call(emu, 'POST', `/identities/${encodeURIComponent(id)}/:issueAccessToken`, { apiVersion: V.LATEST, json: { scopes: ['chat'] } });
      return { status: r.status, ms: performance.now() - s, id: r.json?.identity?.id };
    }),
  );
  const elapsed = performance.now() - t0;
  const bad = results.filter((r) => r.status !== (r.id ? 201 : 200));
  assert.deepEqual(bad.map((r) => r.status), [], 'every request answered with success');
  const created = results.filter((r) => r.id).map((r) => r.id);
  assert.equal(new Set(created).size, N / 2, 'every create made a distinct identity');
  const after = (await rawRequest(emu.url, 'GET', '/emulator/stats')).json;
  assert.equal(after.identities - before.identities, N / 2, 'no identity lost or duplicated');
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  const p = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))].toFixed(1);
  console.log(`emulator load: ${N} concurrent requests in ${elapsed.toFixed(0)} ms; p50 ${p(0.5)} ms, p99 ${p(0.99)} ms`);
});
