// tokenRefresher against a tiny token endpoint on a free loopback port (and an injected fetch).
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { MIN, PKG, jweToken, tokenFor } from './helpers.mjs';

const { tokenRefresher, AcsTokenCredential, AcsIdentityError } = await import(PKG);

const USER = '8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081';
let server;
let base;
/** Requests the endpoint received: `{ method, url, headers, body }`. */
const seen = [];
/** How the endpoint answers the next request: `(req) => { status, body, type? }`. */
let answer;

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const request = { method: req.method, url: req.url, headers: req.headers, body };
      seen.push(request);
      const { status, body: out, type = 'application/json', delayMs = 0 } = answer(request);
      const timer = setTimeout(() => {
        res.writeHead(status, { 'content-type': type });
        res.end(typeof out === 'string' ? out : JSON.stringify(out));
      }, delayMs);
      res.on('close', () => clearTimeout(timer)); // the client went away (aborted)
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => new Promise((resolve) => server.close(resolve)));

const ok = (token, expiresOn) => () => ({ status: 200, body: { user: { communicationUserId: USER }, token, expiresOn } });

const code = (expected, check) => (e) => {
  assert.ok(e instanceof AcsIdentityError, `expected an AcsIdentityError, got ${e}`);
  assert.equal(e.code, expected, e.message);
  check?.(e);
  return true;
};

test('POSTs with the Bearer token and the JSON body; returns { token, expiresOn }', async () => {
  const token = tokenFor(Date.now(), 60 * MIN);
  const expiresOn = new Date(Date.now() + 60 * MIN).toISOString();
  answer = ok(token, expiresOn);
  seen.length = 0;
  const refresh = tokenRefresher(`${base}/api/acs-token?x=1`, {
    getAuthToken: async () => 'session-123',
    scopes: ['chat', 'voip'],
    expiresInMinutes: 60,
  });
  assert.deepEqual(await refresh(), { token, expiresOn });
  assert.equal(seen.length, 1);
  const [req] = seen;
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/api/acs-token?x=1');
  assert.equal(req.headers.authorization, 'Bearer session-123');
  assert.equal(req.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(req.body), { scopes: ['chat', 'voip'], expiresInMinutes: 60 });
});

test('no scopes or lifetime: no body; getAuthToken may be synchronous; a URL object works', async () => {
  const token = tokenFor(Date.now(), 60 * MIN);
  answer = ok(token, new Date(Date.now() + 60 * MIN).toISOString());
  seen.length = 0;
  const refresh = tokenRefresher(new URL('/token', base), { getAuthToken: () => 'abc' });
  assert.equal((await refresh()).token, token);
  assert.equal(seen[0].body, '');
  assert.equal(seen[0].headers['content-type'], undefined);
  assert.equal(seen[0].headers.authorization, 'Bearer abc');
  // Only the given key is sent.
  seen.length = 0;
  await tokenRefresher(`${base}/token`, { getAuthToken: () => 'abc', expiresInMinutes: 90 })();
  assert.deepEqual(JSON.parse(seen[0].body), { expiresInMinutes: 90 });
});

test("a non-2xx answer: the endpoint's error code and message, with statusCode", async () => {
  answer = () => ({ status: 401, body: { error: { code: 'Unauthenticated', message: 'sign in first' } } });
  const refresh = tokenRefresher(`${base}/token`, { getAuthToken: () => 'expired-session' });
  await assert.rejects(
    refresh(),
    code('Unauthenticated', (e) => {
      assert.equal(e.message, 'sign in first');
      assert.equal(e.statusCode, 401);
    }),
  );
  answer = () => ({ status: 403, body: { error: { code: 'Forbidden', message: 'no', target: 'scopes' } } });
  await assert.rejects(refresh(), code('Forbidden', (e) => assert.equal(e.target, 'scopes')));
  answer = () => ({ status: 502, body: '<html>bad gateway</html>', type: 'text/html' });
  await assert.rejects(
    refresh(),
    code('UnexpectedResponse', (e) => {
      assert.equal(e.statusCode, 502);
      assert.match(e.message, /HTTP 502/);
    }),
  );
});

test('a 2xx answer without a token is UnexpectedResponse', async () => {
  const refresh = tokenRefresher(`${base}/token`, { getAuthToken: () => 'abc' });
  for (const body of ['not json', { user: { communicationUserId: USER } }, { token: 7 }, 'null']) {
    answer = () => ({ status: 200, body });
    await assert.rejects(refresh(), code('UnexpectedResponse', (e) => assert.equal(e.statusCode, 200)));
  }
});

test('an unreachable endpoint is NetworkError; an abort is Aborted', async () => {
  const closed = createServer();
  await new Promise((r) => closed.listen(0, '127.0.0.1', r));
  const port = closed.address().port;
  await new Promise((r) => closed.close(r));
  const refresh = tokenRefresher(`http://127.0.0.1:${port}/token`, { getAuthToken: () => 'abc' });
  await assert.rejects(refresh(), code('NetworkError'));

  answer = () => ({ status: 200, body: { token: 'x' }, delayMs: 5000 });
  const ac = new AbortController();
  const arrived = seen.length;
  const pending = tokenRefresher(`${base}/token`, { getAuthToken: () => 'abc' })(ac.signal);
  // Abort once the endpoint holds the request, so that it cannot arrive during a later test (on a
  // loaded machine it used to, and was counted there).
  while (seen.length === arrived) await new Promise((r) => setTimeout(r, 5));
  ac.abort();
  await assert.rejects(pending, code('Aborted'));
});

test('an injected fetch is used, with the abort signal', async () => {
  const calls = [];
  const fetch = async (url, init) => {
    calls.push({ url, init });
    return new Response(JSON.stringify({ user: { communicationUserId: USER }, token: 't', expiresOn: '2030-01-01T00:00:00Z' }), {
      status: 200,
    });
  };
  const signal = new AbortController().signal;
  const got = await tokenRefresher('https://app.example/token', { getAuthToken: async () => 'abc', fetch, scopes: ['voip'] })(
    signal,
  );
  assert.deepEqual(got, { token: 't', expiresOn: '2030-01-01T00:00:00Z' });
  assert.equal(calls.length, 1);
  assert.equal(calls[0].url, 'https://app.example/token');
  assert.equal(calls[0].init.method, 'POST');
  assert.equal(calls[0].init.headers.authorization, 'Bearer abc');
  assert.equal(calls[0].init.body, '{"scopes":["voip"]}');
  assert.equal(calls[0].init.signal, signal);
});

test('bad arguments are InvalidArgument', async () => {
  assert.throws(() => tokenRefresher(42, { getAuthToken: () => 'a' }), code('InvalidArgument'));
  assert.throws(() => tokenRefresher('https://x/', {}), code('InvalidArgument'));
  assert.throws(() => tokenRefresher('https://x/'), code('InvalidArgument'));
  assert.throws(() => tokenRefresher('https://x/', { getAuthToken: () => 'a', fetch: 1 }), code('InvalidArgument'));
  assert.throws(() => tokenRefresher('https://x/', { getAuthToken: () => 'a', scopes: 'chat' }), code('InvalidArgument'));
  assert.throws(() => tokenRefresher('https://x/', { getAuthToken: () => 'a', expiresInMinutes: 1.5 }), code('InvalidArgument'));
  const refresh = tokenRefresher('https://x/', { getAuthToken: async () => '', fetch: async () => new Response('') });
  await assert.rejects(refresh(), code('InvalidArgument'));
});

test('with AcsTokenCredential: an encrypted token works through the expiresOn of the answer', async () => {
  const jwe = jweToken();
  const expiresOn = new Date(Date.now() + 60 * MIN);
  expiresOn.setMilliseconds(0);
  answer = ok(jwe, expiresOn.toISOString());
  seen.length = 0;
  const cred = new AcsTokenCredential({
    tokenRefresher: tokenRefresher(`${base}/token`, { getAuthToken: () => 'abc', scopes: ['chat'] }),
    refreshProactively: true,
  });
  const first = await cred.getToken();
  assert.deepEqual(first, { token: jwe, expiresOnTimestamp: expiresOn.getTime() });
  assert.equal((await cred.getToken()).token, jwe);
  assert.equal(seen.length, 1, 'one request: the immediate proactive refresh, shared with getToken');
  cred.dispose();
});

test('with AcsTokenCredential: endpoint errors become TokenRefreshFailed with the cause and status', async () => {
  answer = () => ({ status: 401, body: { error: { code: 'Unauthenticated', message: 'sign in first' } } });
  const cred = new AcsTokenCredential({ tokenRefresher: tokenRefresher(`${base}/token`, { getAuthToken: () => 'abc' }) });
  await assert.rejects(
    cred.getToken(),
    code('TokenRefreshFailed', (e) => {
      assert.equal(e.statusCode, 401);
      assert.equal(e.cause.code, 'Unauthenticated');
      assert.match(e.message, /sign in first/);
    }),
  );
});
