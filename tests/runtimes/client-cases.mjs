// CommunicationIdentityClient cases, run in every runtime against the emulator
// (ctx.emulator = { connectionString, endpoint, url }; the emulator runs with fault injection).
import { assert } from './harness.mjs';

const needs = ['emulator'];
const ACS_ID = /^8:acs:[0-9a-f-]{36}_[0-9a-f-]+$/;

const client = (lib, ctx, options) => new lib.CommunicationIdentityClient(ctx.emulator.connectionString, options);
const keyOf = (ctx) => ctx.emulator.connectionString.match(/accesskey=(.*)$/i)[1];
const fastRetry = { retry: { retryDelayInMs: 10, maxRetryDelayInMs: 2000 } };

async function emulatorCall(ctx, method, path, body) {
  const res = await fetch(`${ctx.emulator.url}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

const introspect = async (ctx, token) => (await emulatorCall(ctx, 'POST', '/emulator/introspect', { token })).json;

/** Runs `fn` with a fault rule installed, then clears the faults. */
async function withFault(ctx, rule, fn) {
  const r = await emulatorCall(ctx, 'POST', '/emulator/faults', rule);
  assert.ok(r.status < 300, `fault rule accepted (${r.status})`);
  try {
    return await fn();
  } finally {
    await emulatorCall(ctx, 'DELETE', '/emulator/faults');
  }
}

const stats = async (ctx) => (await emulatorCall(ctx, 'GET', '/emulator/stats')).json;

function assertToken(r, minutes) {
  assert.equal(typeof r.token, 'string');
  assert.equal(r.token.split('.').length, 3, 'a JWT');
  assert.ok(r.expiresOn instanceof Date, 'expiresOn is a Date');
  if (minutes) {
    const left = (r.expiresOn.getTime() - Date.now()) / 60000;
    assert.ok(Math.abs(left - minutes) < 2, `expires in about ${minutes} min (got ${left.toFixed(1)})`);
  }
}

export const clientCases = [
  {
    name: 'client: createUser, createUserAndToken, getToken, revokeTokens, deleteUser',
    needs,
    async run(lib, ctx) {
      const c = client(lib, ctx);
      const user = await c.createUser();
      assert.deepEqual(Object.keys(user), ['communicationUserId']);
      assert.match(user.communicationUserId, ACS_ID);

      const both = await c.createUserAndToken(['chat', 'voip']);
      assert.match(both.user.communicationUserId, ACS_ID);
      assertToken(both, 1440);
      const info = await introspect(ctx, both.token);
      assert.equal(info.active, true);
      assert.equal(info.communicationUserId, both.user.communicationUserId);
      assert.deepEqual(info.scopes, ['chat', 'voip']);

      const t1 = await c.getToken(user, ['chat'], { tokenExpiresInMinutes: 60 });
      assertToken(t1, 60);
      const t2 = await c.getToken(user.communicationUserId, ['voip', 'chat.join'], { tokenExpiresInMinutes: 1440 });
      assertToken(t2, 1440);

      assert.equal(await c.revokeTokens(user), undefined);
      assert.equal((await introspect(ctx, t1.token)).active, false, 'revoked token is inactive');
      const t3 = await c.getToken(user, ['chat']);
      assert.equal((await introspect(ctx, t3.token)).active, true, 'a token issued after revoke is active');

      assert.equal(await c.deleteUser(user), undefined);
      assert.equal((await introspect(ctx, t3.token)).active, false, 'tokens of a deleted user are inactive');
      const e = await assert.rejectsCode(lib, c.getToken(user, ['chat']), 'IdentityNotFound');
      assert.equal(e.statusCode, 404);
      assert.match(e.requestId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    },
  },
  {
    name: 'client: the three constructors (connection string, endpoint + key, endpoint + token credential)',
    needs,
    async run(lib, ctx) {
      const byKey = new lib.CommunicationIdentityClient(ctx.emulator.endpoint, { key: keyOf(ctx) });
      assert.match((await byKey.createUser()).communicationUserId, ACS_ID);
      let asked;
      const credential = {
        async getToken(scopes) {
          asked = scopes;
          return { token: 'entra-token-for-tests', expiresOnTimestamp: Date.now() + 3600_000 };
        },
      };
      const byToken = new lib.CommunicationIdentityClient(ctx.emulator.endpoint, credential);
      // The emulator accepts HMAC only: a bearer token is refused, which proves it was sent.
      const e = await assert.rejectsCode(lib, byToken.createUser(), 'Denied');
      assert.equal(e.statusCode, 401);
      assert.deepEqual(asked, ['https://communication.azure.com//.default']);
      assert.ok(!e.message.includes('entra-token-for-tests'), 'the bearer token is not in the message');
    },
  },
  {
    name: 'client: customId and getUser use the preview api-version automatically',
    needs,
    async run(lib, ctx) {
      const c = client(lib, ctx);
      const customId = `user-${Math.random().toString(36).slice(2)}`;
      const a = await c.createUser({ customId });
      assert.equal(a.customId, customId);
      const b = await c.createUserAndToken(['chat'], { customId });
      assert.equal(b.user.communicationUserId, a.communicationUserId, 'same customId → same identity');
      const got = await c.getUser(a);
      assert.equal(got.communicationUserId, a.communicationUserId);
      assert.equal(got.customId, customId);
      assert.ok(got.lastTokenIssuedAt instanceof Date, 'lastTokenIssuedAt is a Date');
      const pinned = client(lib, ctx, { apiVersion: '2025-06-30' });
      let e = await assert.rejectsCode(lib, pinned.createUser({ customId }), 'InvalidArgument');
      assert.match(e.message, /2025-03-02-preview/);
      e = await assert.rejectsCode(lib, pinned.getUser(a), 'InvalidArgument');
      assert.match(e.message, /2025-03-02-preview/);
    },
  },
  {
    name: 'client: every api-version speaks to the emulator; newer features are sent as the SDK sends them',
    needs,
    async run(lib, ctx) {
      for (const apiVersion of ['2021-03-07', '2022-06-01', '2022-10-01', '2023-10-01', '2025-06-30', '2025-03-02-preview']) {
        const c = client(lib, ctx, { apiVersion });
        const r = await c.createUserAndToken(['chat']);
        assertToken(r);
      }
      // As the official SDK does, the client does not check what an api-version supports: the
      // request goes out, and the service's answer is what the caller gets.
      const seen = [];
      const old = client(lib, ctx, { apiVersion: '2021-03-07', fetch: (url, init) => (seen.push({ url, body: init.body }), fetch(url, init)) });
      const outcome = await old.createUserAndToken(['chat.join'], { tokenExpiresInMinutes: 60 }).then(
        (r) => r,
        (e) => e,
      );
      assert.equal(seen.length, 1, 'the request was sent');
      assert.match(seen[0].url, /\/identities\?api-version=2021-03-07$/);
      assert.equal(seen[0].body, '{"createTokenWithScopes":["chat.join"],"expiresInMinutes":60}');
      if (outcome instanceof Error) {
        assert.ok(outcome instanceof lib.AcsIdentityError, 'an AcsIdentityError');
        assert.equal(typeof outcome.statusCode, 'number', `the service's answer (${outcome.code}: ${outcome.message})`);
        assert.ok(outcome.code !== 'InvalidArgument', 'not refused locally');
      } else {
        assertToken(outcome);
      }
      assert.throwsCode(lib, () => client(lib, ctx, { apiVersion: '2020-01-01' }), 'InvalidArgument');
    },
  },
  {
    name: 'client: what the official SDK refuses before sending is refused locally, naming what was wrong',
    needs,
    async run(lib, ctx) {
      const c = client(lib, ctx);
      const before = (await stats(ctx)).requests;
      const user = { communicationUserId: '8:acs:00000000-0000-0000-0000-000000000000_00000000-0000-0000-0000-000000000001' };
      const guid = crypto.randomUUID();
      const cases = [
        [() => c.createUserAndToken('chat'), 'scopes'],
        [() => c.createUserAndToken([1]), 'scopes'],
        [() => c.getToken(user, undefined), 'scopes'],
        [() => c.getToken(user, ['chat'], { tokenExpiresInMinutes: '60' }), 'tokenExpiresInMinutes'],
        [() => c.getToken(user, ['chat'], { tokenExpiresInMinutes: Number.NaN }), 'tokenExpiresInMinutes'],
        [() => c.getToken({ id: 'x' }, ['chat']), 'user'],
        [() => c.getToken({ phoneNumber: '+14255550123' }, ['chat']), 'user'],
        [() => c.revokeTokens(undefined), 'user'],
        [() => c.deleteUser(42), 'user'],
        [() => c.getTokenForTeamsUser({ clientId: guid, userObjectId: guid }), 'teamsUserAadToken'],
        [() => c.getTokenForTeamsUser({ teamsUserAadToken: 'x', userObjectId: guid }), 'clientId'],
        [() => c.getTokenForTeamsUser({ teamsUserAadToken: 5, clientId: guid, userObjectId: guid }), 'teamsUserAadToken'],
        [() => c.getToken(user, ['chat'], { timeoutMs: -1 }), 'timeoutMs'],
        [() => c.getToken(user, ['chat'], { abortSignal: 'soon' }), 'abortSignal'],
        [() => client(lib, ctx, { apiVersion: '2025-06-30' }).createUser({ customId: 'x' }), 'customId'],
      ];
      for (const [call, target] of cases) {
        const e = await assert.rejectsCode(lib, call(), 'InvalidArgument', target);
        assert.equal(e.target, target, e.message);
        assert.equal(e.name, 'AcsIdentityError');
        assert.equal(e.statusCode, undefined);
        assert.ok(e.message.length > 10, 'the message says what was wrong');
      }
      assert.equal((await stats(ctx)).requests, before, 'no request reached the emulator');
      assert.throwsCode(lib, () => new lib.CommunicationIdentityClient('endpoint=https://x.com/;accesskey=bad!'), 'InvalidConnectionString');
      assert.throwsCode(lib, () => new lib.CommunicationIdentityClient(42), 'InvalidArgument');
      assert.throwsCode(lib, () => new lib.CommunicationIdentityClient('https://x.com/', { key: '***' }), 'InvalidAccessKey');
      assert.throwsCode(lib, () => new lib.CommunicationIdentityClient('endpoint=http://example.com/;accesskey=pw=='), 'InvalidUrl');
      new lib.CommunicationIdentityClient('endpoint=http://example.com/;accesskey=pw==', { allowInsecureConnection: true });
      assert.throwsCode(lib, () => client(lib, ctx, { fetch: 'no' }), 'InvalidArgument');
      assert.throwsCode(lib, () => client(lib, ctx, { retry: { maxRetries: -1 } }), 'InvalidArgument');
    },
  },
  {
    name: "client: values the official SDK sends go to the service, and its answer surfaces (status, code, message, target)",
    needs,
    async run(lib, ctx) {
      const c = client(lib, ctx);
      const user = await c.createUser();
      const before = (await stats(ctx)).requests;
      const service = async (promise, status, code, target, what) => {
        const e = await assert.rejectsCode(lib, promise, code, what);
        assert.equal(e.statusCode, status, `${what}: statusCode`);
        assert.equal(e.name, 'RestError', `${what}: named as the SDK names it`);
        if (target !== undefined) assert.equal(e.target, target, `${what}: target`);
        assert.match(e.requestId, /^[0-9a-f-]{36}$/);
        return e;
      };
      for (const minutes of [59, 1441]) {
        const e = await service(c.getToken(user, ['chat'], { tokenExpiresInMinutes: minutes }), 400, 'ValidationError', 'ExpiresInMinutes', `${minutes} minutes`);
        assert.match(e.message, new RegExp(`^ExpiresInMinutes value ${minutes} is invalid\\.`));
        await service(c.createUserAndToken(['chat'], { tokenExpiresInMinutes: minutes }), 400, 'ValidationError', 'ExpiresInMinutes', `create, ${minutes} minutes`);
      }
      await service(c.getToken(user, []), 400, 'ValidationError', 'scopes', 'no scopes');
      await service(c.getToken(user, ['admin']), 400, 'ValidationError', undefined, 'an unknown scope');
      await service(c.getToken('8:orgid:00000000-0000-0000-0000-000000000000', ['chat']), 404, 'IdentityNotFound', undefined, 'another kind of id');
      await service(c.createUser({ customId: '' }), 400, 'ValidationError', 'customId', 'an empty customId');
      const guid = crypto.randomUUID();
      const empty = await service(c.getTokenForTeamsUser({ teamsUserAadToken: '', clientId: guid, userObjectId: guid }), 401, 'InvalidAccessToken', undefined, 'an empty Teams token');
      assert.equal(empty.message, 'Provided access token is not valid.');
      const appId = '11111111-1111-1111-1111-111111111111';
      const userId = '22222222-2222-2222-2222-222222222222';
      const token = (await emulatorCall(ctx, 'POST', '/emulator/teams-token', { appId, userId })).json.token;
      await service(c.getTokenForTeamsUser({ teamsUserAadToken: token, clientId: 'not-a-guid', userObjectId: userId }), 400, 'ValidationError', 'appId', 'a malformed clientId');
      assert.equal((await stats(ctx)).requests, before + 10, 'every call reached the emulator');
    },
  },
  {
    name: 'client: service errors carry the service code, status, target and request id',
    needs,
    async run(lib, ctx) {
      const wrong = new lib.CommunicationIdentityClient(ctx.emulator.endpoint, { key: 'd3Jvbmcta2V5LWZvci10ZXN0cw==' });
      const e = await assert.rejectsCode(lib, wrong.createUser(), 'Denied');
      assert.equal(e.statusCode, 401);
      assert.ok(!e.message.includes('d3Jvbmcta2V5LWZvci10ZXN0cw=='), 'no key in the message');
      assert.ok(!/Signature=/.test(e.message), 'no signature in the message');
      const c = client(lib, ctx);
      const token = (await emulatorCall(ctx, 'POST', '/emulator/teams-token', {
        appId: '11111111-1111-1111-1111-111111111111',
        userId: '22222222-2222-2222-2222-222222222222',
      })).json.token;
      const t = await c.getTokenForTeamsUser({
        teamsUserAadToken: token,
        clientId: '11111111-1111-1111-1111-111111111111',
        userObjectId: '22222222-2222-2222-2222-222222222222',
      });
      assertToken(t);
      const mismatch = await assert.rejectsCode(
        lib,
        c.getTokenForTeamsUser({
          teamsUserAadToken: token,
          clientId: '33333333-3333-3333-3333-333333333333',
          userObjectId: '22222222-2222-2222-2222-222222222222',
        }),
        'ValidationError',
      );
      assert.equal(mismatch.statusCode, 400);
      assert.equal(mismatch.target, 'appId');
      assert.equal(mismatch.message, 'AAD application is not the expected one.');
      assert.ok(!mismatch.message.includes(token));
    },
  },
  {
    name: 'client: 429 with Retry-After is honoured and 503 is retried',
    needs,
    async run(lib, ctx) {
      const c = client(lib, ctx, fastRetry);
      const user = await c.createUser();
      const t0 = Date.now();
      await withFault(ctx, { status: 429, retryAfterMs: 300, count: 1, path: ':issueAccessToken' }, async () => {
        assertToken(await c.getToken(user, ['chat']));
      });
      assert.ok(Date.now() - t0 >= 280, `waited for retry-after-ms (${Date.now() - t0} ms)`);
      await withFault(ctx, { status: 503, count: 2, path: ':issueAccessToken' }, async () => {
        assertToken(await c.getToken(user, ['chat']));
      });
      await withFault(ctx, { status: 503, count: 10, path: ':issueAccessToken' }, async () => {
        const e = await assert.rejectsCode(lib, client(lib, ctx, { retry: { maxRetries: 1, retryDelayInMs: 10 } }).getToken(user, ['chat']), 'ServiceUnavailable');
        assert.equal(e.statusCode, 503);
        assert.match(e.message, /after 1 retries/);
      });
    },
  },
  {
    name: 'client: a create without customId is not retried after a dropped connection or a 500',
    needs,
    async run(lib, ctx) {
      let calls = 0;
      const counting = { ...fastRetry, fetch: (url, init) => (calls++, fetch(url, init)) };
      const c = client(lib, ctx, counting);
      for (const rule of [{ drop: true, count: 1, path: '/identities?' }, { status: 500, count: 1, path: '/identities?' }]) {
        const before = (await stats(ctx)).identities;
        calls = 0;
        let created = 0;
        await withFault(ctx, { ...rule, method: 'POST' }, async () => {
          if (rule.drop) {
            // Some runtimes' fetch (Deno, Chromium) itself resends a request whose reused
            // connection closed before any answer; that is below the client. The client must
            // make one attempt only, and whatever happened must be reported truthfully.
            await c.createUser().then(
              () => (created = 1),
              (e) => {
                assert.equal(e.code, 'NetworkError');
                assert.match(e.message, /not retried/);
              },
            );
          } else {
            const e = await assert.rejectsCode(lib, c.createUser(), 'InternalServerError');
            assert.match(e.message, /not retried/);
          }
        });
        assert.equal(calls, 1, 'the client made exactly one attempt');
        assert.equal((await stats(ctx)).identities, before + created, 'no identity was created twice');
      }
      // With a customId, creation is idempotent and is retried.
      const customId = `retry-${Math.random().toString(36).slice(2)}`;
      calls = 0;
      await withFault(ctx, { status: 500, count: 1, path: '/identities?', method: 'POST' }, async () => {
        assert.equal((await c.createUser({ customId })).customId, customId);
      });
      assert.equal(calls, 2, 'retried once after the 500');
    },
  },
  {
    name: 'client: abortSignal and timeoutMs end a slow request (AbortError with the reason as cause, as the SDK)',
    needs,
    async run(lib, ctx) {
      const c = client(lib, ctx, fastRetry);
      const user = await c.createUser();
      await withFault(ctx, { delayMs: 3000, path: ':issueAccessToken' }, async () => {
        let t0 = Date.now();
        let e = await assert.rejectsCode(lib, c.getToken(user, ['chat'], { timeoutMs: 200 }), 'Timeout');
        assert.ok(Date.now() - t0 < 2000, 'the timeout ended the call early');
        assert.match(e.message, /200 ms/);
        assert.equal(e.name, 'AcsIdentityError', "the client's own time limit is not an abort");
        const controller = new AbortController();
        const reason = new Error('the user left the page');
        t0 = Date.now();
        const pending = c.getToken(user, ['chat'], { abortSignal: controller.signal });
        setTimeout(() => controller.abort(reason), 100);
        e = await assert.rejectsCode(lib, pending, 'Aborted');
        assert.ok(Date.now() - t0 < 2000, 'the abort ended the call early');
        assert.equal(e.name, 'AbortError');
        assert.equal(e.cause, reason, "the cause is the signal's reason");
        assert.ok(e instanceof lib.AcsIdentityError && lib.isAcsIdentityError(e, 'Aborted'));
        const done = new AbortController();
        done.abort();
        e = await assert.rejectsCode(lib, c.getToken(user, ['chat'], { abortSignal: done.signal }), 'Aborted');
        assert.equal(e.name, 'AbortError');
        assert.equal(e.cause, done.signal.reason);
        t0 = Date.now();
        e = await assert.rejectsCode(lib, c.getToken(user, ['chat'], { abortSignal: AbortSignal.timeout(150) }), 'Timeout');
        assert.ok(Date.now() - t0 < 2000, 'AbortSignal.timeout() ended the call early');
        assert.equal(e.name, 'AbortError');
        assert.equal(e.cause?.name, 'TimeoutError');
      });
    },
  },
  {
    name: "client: errors of async calls carry the caller's stack frames",
    needs,
    async run(lib, ctx) {
      const c = client(lib, ctx);
      const gone = await c.createUser();
      await c.deleteUser(gone);
      // The calling function's name (workerd runs these cases bundled into one file, so the
      // file name is checked in Node only: tests/interop/dropin.test.mjs).
      async function stackCallerOfGetToken() {
        return c.getToken(gone, ['chat']);
      }
      const e = await assert.rejectsCode(lib, stackCallerOfGetToken(), 'IdentityNotFound');
      assert.match(e.stack, /stackCallerOfGetToken/, `the caller is in the stack: ${e.stack}`);
      const controller = new AbortController();
      controller.abort();
      async function stackCallerOfCreateUser() {
        return c.createUser({ abortSignal: controller.signal });
      }
      const a = await assert.rejectsCode(lib, stackCallerOfCreateUser(), 'Aborted');
      assert.match(a.stack, /stackCallerOfCreateUser/);
    },
  },
  {
    name: 'client: network failures name their cause; one that never left is retried, a permanent one is not',
    needs,
    async run(lib, ctx) {
      // Rejections shaped as Node's fetch rejects (TypeError with `cause.code`): every runtime
      // classifies them the same way.
      const nodeError = (code) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(`connect ${code}`), { code }) });
      let calls = 0;
      const failing = (code) =>
        client(lib, ctx, {
          retry: { maxRetries: 2, retryDelayInMs: 1 },
          fetch: () => (calls++, Promise.reject(nodeError(code))),
        });
      calls = 0;
      let e = await assert.rejectsCode(lib, failing('ECONNREFUSED').createUser(), 'NetworkError');
      assert.equal(calls, 3, 'a create that never left is retried');
      assert.match(e.message, /ECONNREFUSED/);
      assert.match(e.message, /was not sent/);
      assert.ok(!/may have created/.test(e.message), e.message);
      assert.equal(e.name, 'RestError');
      assert.equal(e.cause?.cause?.code, 'ECONNREFUSED', "the runtime's error is the cause");
      for (const code of ['ENOTFOUND', 'DEPTH_ZERO_SELF_SIGNED_CERT']) {
        calls = 0;
        e = await assert.rejectsCode(lib, failing(code).getToken('8:acs:x_y', ['chat']), 'NetworkError');
        assert.equal(calls, 1, `${code} is not retried`);
        assert.match(e.message, new RegExp(code));
        assert.ok(!/may have created/.test(e.message), e.message);
      }
      calls = 0;
      e = await assert.rejectsCode(lib, failing('ECONNRESET').createUser(), 'NetworkError');
      assert.equal(calls, 1, 'a create whose connection broke is not retried');
      assert.match(e.message, /may have created/);
    },
  },
  {
    name: 'client: an injected fetch is used, and network failures become NetworkError',
    needs,
    async run(lib, ctx) {
      const seen = [];
      const c = client(lib, ctx, {
        fetch: (url, init) => {
          seen.push({ url, init });
          return fetch(url, init);
        },
      });
      await c.createUserAndToken(['chat'], { tokenExpiresInMinutes: 60 });
      assert.equal(seen.length, 1);
      const { url, init } = seen[0];
      assert.match(url, /\/identities\?api-version=2025-06-30$/);
      assert.equal(init.method, 'POST');
      assert.equal(init.body, '{"createTokenWithScopes":["chat"],"expiresInMinutes":60}');
      assert.match(init.headers['x-ms-client-request-id'], /^[0-9a-f-]{36}$/);
      assert.match(init.headers['x-ms-useragent'], /^acs-identity\/\d+\.\d+\.\d+/);
      assert.match(init.headers.authorization, /^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=/);
      const failing = client(lib, ctx, { ...fastRetry, fetch: () => Promise.reject(new TypeError('connection refused')) });
      const e = await assert.rejectsCode(lib, failing.getToken('8:acs:x_y', ['chat']), 'NetworkError');
      assert.match(e.message, /connection refused/);
      assert.match(e.message, /after 3 retries/);
      const down = new lib.CommunicationIdentityClient('endpoint=http://127.0.0.1:9/;accesskey=pw==', { retry: { maxRetries: 0 } });
      const d = await assert.rejectsCode(lib, down.createUser(), 'NetworkError');
      assert.equal(d.name, 'RestError');
      assert.ok(d.cause !== undefined, "the runtime's error is the cause");
    },
  },
  {
    name: 'client: every request carries a fresh UUID v4 request id (150 calls, across the random pool refills)',
    needs,
    async run(lib, ctx) {
      const ids = [];
      const c = client(lib, ctx, {
        fetch: async (url, init) => {
          ids.push(init.headers['x-ms-client-request-id']);
          return new Response(null, { status: 204 });
        },
      });
      for (let i = 0; i < 150; i++) await c.revokeTokens('8:acs:x_y');
      assert.equal(ids.length, 150);
      for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(new Set(ids).size, 150, 'request ids repeat');
      assert.ok(!ids.includes('00000000-0000-4000-8000-000000000000'), 'a request id from spent (zeroed) pool bytes');
    },
  },
];
