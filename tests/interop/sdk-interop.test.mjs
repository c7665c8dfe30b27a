// Interop with the official SDK (@azure/communication-identity):
// 1. for the same operation, both send the same method, URL and body bytes, and for the SDK's
//    own date our signRequest computes the SDK's Authorization header exactly;
// 2. identities created by one are usable by the other, against the emulator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CommunicationIdentityClient as SdkClient } from '@azure/communication-identity';
import { createHttpHeaders } from '@azure/core-rest-pipeline';
import { root } from '../support/consumer.mjs';
import { startEmulator } from '../../emulator/server.mjs';

const lib = await import(pathToFileURL(join(root, 'pkg', 'node.js')).href);

const KEY = 'c2VjcmV0LWtleS1mb3ItaW50ZXJvcC10ZXN0cw==';
const CS = `endpoint=https://interop.communication.azure.com/;accesskey=${KEY}`;
const USER = '8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081';
const TOKEN_BODY = { token: 'eyJhbGciOiJub25lIn0.eyJleHAiOjk5OTk5OTk5OTl9.', expiresOn: '2030-01-01T00:00:00.0000000+00:00' };
const ANSWERS = {
  createUser: [201, { identity: { id: USER } }],
  createUserAndToken: [201, { identity: { id: USER }, accessToken: TOKEN_BODY }],
  getToken: [200, TOKEN_BODY],
  revokeTokens: [204, null],
  deleteUser: [204, null],
  getTokenForTeamsUser: [200, TOKEN_BODY],
};
const TEAMS = {
  teamsUserAadToken: 'eyJ0eXAiOiJKV1QifQ.eyJvaWQiOiJ4In0.c2ln',
  clientId: '11111111-1111-1111-1111-111111111111',
  userObjectId: '22222222-2222-2222-2222-222222222222',
};
const CALLS = [
  ['createUser', (c) => c.createUser()],
  ['createUserAndToken', (c) => c.createUserAndToken(['chat', 'voip'])],
  ['createUserAndToken', (c) => c.createUserAndToken(['chat'], { tokenExpiresInMinutes: 60 })],
  ['getToken', (c) => c.getToken({ communicationUserId: USER }, ['chat'], { tokenExpiresInMinutes: 60 })],
  ['getToken', (c) => c.getToken({ communicationUserId: USER }, ['voip', 'chat.join'])],
  ['revokeTokens', (c) => c.revokeTokens({ communicationUserId: USER })],
  ['deleteUser', (c) => c.deleteUser({ communicationUserId: USER })],
  ['getTokenForTeamsUser', (c) => c.getTokenForTeamsUser(TEAMS)],
  // Values the service refuses are sent as the SDK sends them (the service answers, not the client).
  ['getToken', (c) => c.getToken({ communicationUserId: USER }, ['chat'], { tokenExpiresInMinutes: 59 })],
  ['getToken', (c) => c.getToken({ communicationUserId: USER }, ['chat'], { tokenExpiresInMinutes: 60.5 })],
  ['getToken', (c) => c.getToken({ communicationUserId: USER }, [])],
  ['getToken', (c) => c.getToken({ communicationUserId: USER }, ['bogus', 'chat', 'chat'])],
  ['createUserAndToken', (c) => c.createUserAndToken([], { tokenExpiresInMinutes: 1441 })],
  ['getTokenForTeamsUser', (c) => c.getTokenForTeamsUser({ teamsUserAadToken: '', clientId: '', userObjectId: 'not-a-guid' })],
  ['deleteUser', (c) => c.deleteUser({ communicationUserId: '8:orgid:00000000-0000-0000-0000-000000000000' })],
];

/** Runs one call on the SDK with a capturing HTTP client; returns what it sent. */
async function sdkSends(name, call) {
  let sent;
  const [status, body] = ANSWERS[name];
  const client = new SdkClient(CS, {
    httpClient: {
      async sendRequest(request) {
        const h = request.headers;
        sent = {
          method: request.method,
          url: request.url,
          body: request.body ?? '',
          date: h.get('x-ms-date'),
          hash: h.get('x-ms-content-sha256'),
          authorization: h.get('authorization'),
        };
        return {
          status,
          request,
          headers: createHttpHeaders({ 'content-type': 'application/json' }),
          bodyAsText: body === null ? '' : JSON.stringify(body),
        };
      },
    },
    retryOptions: { maxRetries: 0 },
  });
  await call(client);
  return sent;
}

/** Runs one call on our client with a capturing fetch; returns what it sent. */
async function oursSends(name, call) {
  let sent;
  const [status, body] = ANSWERS[name];
  const client = new lib.CommunicationIdentityClient(CS, {
    fetch: async (url, init) => {
      sent = { method: init.method, url, body: init.body ?? '', headers: init.headers };
      return new Response(body === null ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    },
  });
  await call(client);
  return sent;
}

for (const [name, call] of CALLS) {
  test(`interop: ${name} — same request as the official SDK, same Authorization for its date`, async () => {
    const sdk = await sdkSends(name, call);
    const ours = await oursSends(name, call);
    assert.equal(ours.method, sdk.method);
    // The SDK pins its own default api-version; compare the rest of the URL, then the signature
    // over the SDK's exact URL.
    assert.equal(ours.url.replace(/api-version=[^&]+/, ''), sdk.url.replace(/api-version=[^&]+/, ''));
    assert.equal(ours.body, typeof sdk.body === 'string' ? sdk.body : '', 'byte-identical body');
    const h = lib.signRequest({ method: sdk.method, url: sdk.url, body: sdk.body, accessKey: KEY, date: sdk.date });
    assert.equal(h['x-ms-content-sha256'], sdk.hash);
    assert.equal(h.authorization, sdk.authorization);
    assert.match(ours.headers.authorization, /^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=[A-Za-z0-9+/]{43}=$/);
  });
}

let emulator;
before(async () => {
  emulator = await startEmulator({ port: 0 });
});
after(() => emulator?.close());

async function active(token) {
  const r = await fetch(`${emulator.url}/emulator/introspect`, { method: 'POST', body: JSON.stringify({ token }), headers: { 'content-type': 'application/json' } });
  return (await r.json()).active;
}

test('interop: identities created by one client are usable by the other (emulator)', async () => {
  const sdk = new SdkClient(emulator.connectionString, { allowInsecureConnection: true });
  const ours = new lib.CommunicationIdentityClient(emulator.connectionString);

  const bySdk = await sdk.createUser();
  const t1 = await ours.getToken(bySdk, ['chat'], { tokenExpiresInMinutes: 60 });
  assert.equal(await active(t1.token), true);
  await sdk.revokeTokens(bySdk);
  assert.equal(await active(t1.token), false, 'SDK revoke → our token inactive');

  const byUs = await ours.createUserAndToken(['voip']);
  const t2 = await sdk.getToken(byUs.user, ['chat']);
  assert.equal(await active(t2.token), true);
  await ours.revokeTokens(byUs.user);
  assert.equal(await active(t2.token), false, 'our revoke → SDK token inactive');
  await sdk.deleteUser(byUs.user);
  await assert.rejects(ours.getToken(byUs.user, ['chat']), (e) => e instanceof lib.AcsIdentityError && e.code === 'IdentityNotFound');
  await ours.deleteUser(bySdk);
  await assert.rejects(sdk.getToken(bySdk, ['chat']), (e) => e.statusCode === 404);
});

test('interop: what acs-identity refuses locally, the official SDK refuses before sending too', async () => {
  const user = { communicationUserId: USER };
  const guid = '11111111-1111-1111-1111-111111111111';
  const refused = [
    ['createUserAndToken', (c) => c.createUserAndToken('chat')],
    ['createUserAndToken', (c) => c.createUserAndToken([1])],
    ['getToken', (c) => c.getToken(user, undefined)],
    ['getToken', (c) => c.getToken(user, 'chat')],
    ['getToken', (c) => c.getToken(user, ['chat'], { tokenExpiresInMinutes: '60' })],
    ['getToken', (c) => c.getToken({ phoneNumber: '+14255550123' }, ['chat'])],
    ['revokeTokens', (c) => c.revokeTokens({ id: USER })],
    ['getTokenForTeamsUser', (c) => c.getTokenForTeamsUser({ clientId: guid, userObjectId: guid })],
    ['getTokenForTeamsUser', (c) => c.getTokenForTeamsUser({ teamsUserAadToken: 't', userObjectId: guid })],
    ['getTokenForTeamsUser', (c) => c.getTokenForTeamsUser({ teamsUserAadToken: 5, clientId: guid, userObjectId: guid })],
    ['getTokenForTeamsUser', (c) => c.getTokenForTeamsUser(undefined)],
    ['createUserAndToken', (c) => c.createUserAndToken({})],
    ['getToken', (c) => c.getToken(user, null)],
    ['getToken', (c) => c.getToken(user, ['chat', 5])],
    ['getToken', (c) => c.getToken(user, ['chat'], { tokenExpiresInMinutes: true })],
    ['getToken', (c) => c.getToken(user, ['chat'], { tokenExpiresInMinutes: 60n })],
    ['deleteUser', (c) => c.deleteUser({ communicationUserId: 5 })],
    ['deleteUser', (c) => c.deleteUser({ communicationUserId: null })],
    ['getTokenForTeamsUser', (c) => c.getTokenForTeamsUser({ teamsUserAadToken: 't', clientId: null, userObjectId: guid })],
  ];
  for (const [name, call] of refused) {
    const sdk = await sdkSends(name, call).then(
      (sent) => ({ sent }),
      (error) => ({ error }),
    );
    assert.equal(sdk.sent, undefined, `the SDK sent ${String(call)}`);
    assert.ok(sdk.error, `the SDK refused ${String(call)}`);
    const ours = await oursSends(name, call).then(
      (sent) => ({ sent }),
      (error) => ({ error }),
    );
    assert.equal(ours.sent, undefined, `acs-identity sent ${String(call)}`);
    assert.equal(ours.error?.code, 'InvalidArgument', String(call));
    assert.equal(ours.error?.name, 'AcsIdentityError');
  }
});

// ---- what JSON writes as null, omitted scopes, unknown api-versions ---------------------------
// Each call runs on both clients, pinned to the same api-version (or both unpinned), each given the
// same answer; both must send the same request (method, URL with its api-version, body bytes) and
// end the same way (the same result, or the same error name, statusCode, code and message).

const IDENTITY_ONLY = [201, { identity: { id: USER } }];
const unsupported = (v, path) => [
  400,
  { error: { code: 'UnsupportedApiVersion', message: `The HTTP resource that matches the request URI 'https://interop.communication.azure.com${path}?api-version=${v}' does not support the API version '${v}'.` } },
];
const USER_PATH = `/identities/${encodeURIComponent(USER)}`;

async function settle(promise) {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

function answerWith([status, body]) {
  return { status, text: body === null ? '' : JSON.stringify(body) };
}

async function runSdk(call, answer, apiVersion) {
  const sent = [];
  const { status, text } = answerWith(answer);
  const client = new SdkClient(CS, {
    ...(apiVersion === undefined ? {} : { apiVersion }),
    retryOptions: { maxRetries: 0 },
    httpClient: {
      async sendRequest(request) {
        sent.push({ method: request.method, url: request.url, body: request.body ?? null });
        return { status, request, headers: createHttpHeaders({ 'content-type': 'application/json' }), bodyAsText: text };
      },
    },
  });
  return { sent, outcome: await settle(call(client)) };
}

async function runOurs(call, answer, apiVersion) {
  const sent = [];
  const { status, text } = answerWith(answer);
  const client = new lib.CommunicationIdentityClient(CS, {
    ...(apiVersion === undefined ? {} : { apiVersion }),
    retry: { maxRetries: 0 },
    fetch: async (url, init) => {
      sent.push({ method: init.method, url, body: init.body ?? null });
      return new Response(text === '' ? null : text, { status, headers: { 'content-type': 'application/json' } });
    },
  });
  return { sent, outcome: await settle(call(client)) };
}

/** Dates → time values, so results compare by value. */
function plain(v) {
  if (v instanceof Date) return { date: v.getTime() };
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

const SAME = [
  // createUserAndToken without scopes: the SDK sends createUser's request (no body) and returns { user }.
  ['createUserAndToken(undefined)', (c) => c.createUserAndToken(undefined), IDENTITY_ONLY, { body: null, keys: ['user'] }],
  ['createUserAndToken()', (c) => c.createUserAndToken(), IDENTITY_ONLY, { body: null, keys: ['user'] }],
  ['createUserAndToken(undefined, { tokenExpiresInMinutes: 60 })', (c) => c.createUserAndToken(undefined, { tokenExpiresInMinutes: 60 }), IDENTITY_ONLY, { body: '{"expiresInMinutes":60}' }],
  ['createUserAndToken(undefined), answered with a token', (c) => c.createUserAndToken(undefined), ANSWERS.createUserAndToken, { keys: ['token', 'expiresOn', 'user'] }],
  ['createUserAndToken(null)', (c) => c.createUserAndToken(null), IDENTITY_ONLY, { body: '{"createTokenWithScopes":null}' }],
  ['createUserAndToken([undefined, "chat"])', (c) => c.createUserAndToken([undefined, 'chat']), ANSWERS.createUserAndToken, { body: '{"createTokenWithScopes":[null,"chat"]}' }],
  // Lifetimes JSON writes as null (NaN, ±Infinity, null) go out as null: the service applies its default.
  ['createUserAndToken(["chat"], { tokenExpiresInMinutes: NaN })', (c) => c.createUserAndToken(['chat'], { tokenExpiresInMinutes: NaN }), ANSWERS.createUserAndToken, { body: '{"createTokenWithScopes":["chat"],"expiresInMinutes":null}' }],
  ['getToken(user, ["chat"], { tokenExpiresInMinutes: NaN })', (c) => c.getToken({ communicationUserId: USER }, ['chat'], { tokenExpiresInMinutes: NaN }), ANSWERS.getToken, { body: '{"scopes":["chat"],"expiresInMinutes":null}' }],
  ['getToken(user, ["chat"], { tokenExpiresInMinutes: Infinity })', (c) => c.getToken({ communicationUserId: USER }, ['chat'], { tokenExpiresInMinutes: Infinity }), ANSWERS.getToken, { body: '{"scopes":["chat"],"expiresInMinutes":null}' }],
  ['getToken(user, ["chat"], { tokenExpiresInMinutes: -Infinity })', (c) => c.getToken({ communicationUserId: USER }, ['chat'], { tokenExpiresInMinutes: -Infinity }), ANSWERS.getToken, { body: '{"scopes":["chat"],"expiresInMinutes":null}' }],
  ['getToken(user, ["chat"], { tokenExpiresInMinutes: null })', (c) => c.getToken({ communicationUserId: USER }, ['chat'], { tokenExpiresInMinutes: null }), ANSWERS.getToken, { body: '{"scopes":["chat"],"expiresInMinutes":null}' }],
  ['getToken(user, ["chat"], { tokenExpiresInMinutes: -0 })', (c) => c.getToken({ communicationUserId: USER }, ['chat'], { tokenExpiresInMinutes: -0 }), ANSWERS.getToken, { body: '{"scopes":["chat"],"expiresInMinutes":0}' }],
  ['getToken(user, [null, , "chat"])', (c) => c.getToken({ communicationUserId: USER }, [null, , 'chat']), [400, { error: { code: 'ValidationError', message: 'Invalid scopes.', target: 'scopes' } }], { body: '{"scopes":[null,null,"chat"]}' }],
  // Any api-version string is sent as given; the service answers for one it does not serve.
  ...['2099-01-01', '2021-10-31-preview', '2021-03-31-preview1'].flatMap((v) => [
    [`createUser() pinned to ${v}`, (c) => c.createUser(), unsupported(v, '/identities'), { apiVersion: v, body: null }],
    [`createUserAndToken(["chat"]) pinned to ${v}`, (c) => c.createUserAndToken(['chat']), ANSWERS.createUserAndToken, { apiVersion: v, body: '{"createTokenWithScopes":["chat"]}' }],
    [`getToken pinned to ${v}`, (c) => c.getToken({ communicationUserId: USER }, ['chat'], { tokenExpiresInMinutes: 60 }), unsupported(v, `${USER_PATH}/:issueAccessToken`), { apiVersion: v }],
    [`revokeTokens pinned to ${v}`, (c) => c.revokeTokens({ communicationUserId: USER }), [204, null], { apiVersion: v, body: null }],
    [`deleteUser pinned to ${v}`, (c) => c.deleteUser({ communicationUserId: USER }), unsupported(v, USER_PATH), { apiVersion: v }],
    [`getTokenForTeamsUser pinned to ${v}`, (c) => c.getTokenForTeamsUser(TEAMS), ANSWERS.getTokenForTeamsUser, { apiVersion: v }],
  ]),
];

for (const [label, call, answer, expect] of SAME) {
  test(`interop: ${label} — the same request and outcome as the official SDK`, async () => {
    const sdk = await runSdk(call, answer, expect.apiVersion);
    const ours = await runOurs(call, answer, expect.apiVersion);
    assert.equal(sdk.sent.length, 1, `the SDK sent it (${sdk.outcome.error?.message ?? ''})`);
    assert.equal(ours.sent.length, 1, `acs-identity sent it (${ours.outcome.error?.message ?? ''})`);
    const [s, o] = [sdk.sent[0], ours.sent[0]];
    assert.equal(o.method, s.method);
    if (expect.apiVersion !== undefined) {
      assert.equal(o.url, s.url, 'the same URL, pinned api-version included');
      assert.equal(new URL(o.url).searchParams.get('api-version'), expect.apiVersion);
    } else {
      // Unpinned, each sends its own default api-version.
      assert.equal(o.url.replace(/api-version=[^&]+/, ''), s.url.replace(/api-version=[^&]+/, ''));
    }
    assert.equal(o.body, s.body, 'byte-identical body');
    if ('body' in expect) assert.equal(o.body, expect.body);
    assert.equal(ours.outcome.ok, sdk.outcome.ok, `same outcome (ours: ${ours.outcome.error?.message}, the SDK's: ${sdk.outcome.error?.message})`);
    if (ours.outcome.ok) {
      assert.deepEqual(plain(ours.outcome.value), plain(sdk.outcome.value), 'the same result');
      if (expect.keys) assert.deepEqual(Object.keys(ours.outcome.value ?? {}), expect.keys);
    } else {
      const view = (e) => ({ name: e.name, statusCode: e.statusCode, code: e.code, message: e.message });
      assert.deepEqual(view(ours.outcome.error), view(sdk.outcome.error), 'the same error');
      assert.ok(ours.outcome.error instanceof lib.AcsIdentityError);
    }
  });
}

test('interop: an empty apiVersion means the default, as with the official SDK', async () => {
  const sdk = await runSdk((c) => c.createUser(), IDENTITY_ONLY, '');
  const ours = await runOurs((c) => c.createUser(), IDENTITY_ONLY, '');
  assert.match(sdk.sent[0].url, /\?api-version=2023-10-01$/, "the SDK's default");
  assert.match(ours.sent[0].url, /\?api-version=2025-06-30$/, 'our default');
  assert.deepEqual(ours.outcome.value, sdk.outcome.value);
});
