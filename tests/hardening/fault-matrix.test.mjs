// The fault matrix: every client operation and the edge endpoint, under each injected fault of the
// emulator (429 with Retry-After, 503, a dropped connection, a 500, a response slower than the
// time limit). Each case must end in success or a clear error, and a create that may not be
// retried must never produce two identities.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { root } from '../support/consumer.mjs';
import { startEmulator } from '../../emulator/server.mjs';
import {
  HS_SECRET,
  addFault,
  call,
  claimsFor,
  clearFaults,
  emulatorStats,
  introspect,
  signJwt,
} from '../worker/helpers.mjs';
import { ENDPOINT_RUNTIMES, startEndpoint } from '../worker/runtimes.mjs';

const lib = await import(pathToFileURL(join(root, 'pkg', 'node.js')).href);

let emu;
before(async () => {
  emu = await startEmulator({ port: 0, faults: true });
});
after(() => emu?.close());

const APP_ID = '11111111-1111-1111-1111-111111111111';
const OID = '22222222-2222-2222-2222-222222222222';

/** The operations, each with the path fragment its request has and whether a retry is safe. */
const OPS = [
  { name: 'createUser', path: '/identities?', method: 'POST', safe: false, run: (c) => c.createUser() },
  { name: 'createUser with customId', path: '/identities?', method: 'POST', safe: true, run: (c) => c.createUser({ customId: `fm-${Math.random()}` }) },
  { name: 'createUserAndToken', path: '/identities?', method: 'POST', safe: false, run: (c) => c.createUserAndToken(['chat']) },
  { name: 'getToken', path: ':issueAccessToken', method: 'POST', safe: true, run: (c, u) => c.getToken(u, ['chat']) },
  { name: 'revokeTokens', path: ':revokeAccessTokens', method: 'POST', safe: true, run: (c, u) => c.revokeTokens(u) },
  { name: 'getUser', path: '/identities/', method: 'GET', safe: true, run: (c, u) => c.getUser(u) },
  { name: 'deleteUser', path: '/identities/', method: 'DELETE', safe: true, run: (c, u) => c.deleteUser(u) },
  {
    name: 'getTokenForTeamsUser',
    path: '/teamsUser/',
    method: 'POST',
    safe: true,
    run: async (c) => {
      const r = await fetch(`${emu.url}/emulator/teams-token`, { method: 'POST', body: JSON.stringify({ appId: APP_ID, userId: OID }), headers: { 'content-type': 'application/json' } });
      return c.getTokenForTeamsUser({ teamsUserAadToken: (await r.json()).token, clientId: APP_ID, userObjectId: OID });
    },
  },
];

const FAULTS = [
  { name: '429 with Retry-After', rule: { status: 429, retryAfterMs: 50, count: 1 }, retryable: 'always' },
  { name: '503', rule: { status: 503, retryAfter: 0, count: 2 }, retryable: 'always' },
  { name: 'a dropped connection', rule: { drop: true, count: 1 }, retryable: 'safe' },
  { name: '500', rule: { status: 500, count: 1 }, retryable: 'safe' },
  { name: 'a response slower than the time limit', rule: { delayMs: 1500, count: 1 }, retryable: 'never' },
];

describe('client fault matrix', () => {
  for (const op of OPS) {
    for (const fault of FAULTS) {
      test(`${op.name} under ${fault.name}`, async () => {
        let attempts = 0;
        const client = new lib.CommunicationIdentityClient(emu.connectionString, {
          retry: { retryDelayInMs: 10, maxRetryDelayInMs: 500 },
          timeoutMs: 600,
          fetch: (url, init) => {
            if (init.method === op.method && url.includes(op.path)) attempts++;
            return fetch(url, init);
          },
        });
        const setup = new lib.CommunicationIdentityClient(emu.connectionString);
        const user = await setup.createUser();
        const before = (await emulatorStats(emu)).identities;
        await addFault(emu, { ...fault.rule, path: op.path, method: op.method });
        let outcome;
        try {
          outcome = { value: await op.run(client, user) };
        } catch (error) {
          outcome = { error };
        } finally {
          await clearFaults(emu);
        }
        const shouldSucceed = fault.retryable === 'always' || (fault.retryable === 'safe' && op.safe);
        if (shouldSucceed) {
          assert.equal(outcome.error, undefined, `expected success, got ${outcome.error?.code}: ${outcome.error?.message}`);
          assert.ok(attempts >= 2, `retried (${attempts} attempts)`);
        } else {
          const e = outcome.error;
          assert.ok(e instanceof lib.AcsIdentityError, `a clear error, got ${outcome.value ? 'success' : e}`);
          if (fault.retryable === 'never') {
            assert.equal(e.code, 'Timeout');
            assert.match(e.message, /600 ms/);
          } else {
            assert.match(e.message, /not retried/);
            assert.equal(attempts, 1, 'one attempt only');
          }
          assert.match(e.requestId, /^[0-9a-f-]{36}$/);
        }
        if (!op.safe) {
          const created = (await emulatorStats(emu)).identities - before;
          // A timed-out create may still complete on the server after the client gave up: at most one.
          assert.ok(created <= 1, `a non-retryable create made at most one identity (made ${created})`);
          if (fault.rule.drop || fault.rule.status === 500) assert.equal(created, 0, 'the failed attempt created nothing');
        }
      });
    }
  }
});

// The endpoint in every runtime (tests/worker/runtimes.mjs), with short time limits.
for (const runtime of ENDPOINT_RUNTIMES) describe(`edge endpoint fault matrix (${runtime})`, () => {
  let worker;
  const ENTRY = `
import { createTokenHandler } from 'acs-identity/worker';
let handler;
export default {
  fetch(request, env) {
    handler ??= createTokenHandler({ env, timeoutMs: 800, retry: { retryDelayInMs: 10, maxRetryDelayInMs: 300 } });
    return handler(request);
  },
};
`;
  before(async () => {
    worker = await startEndpoint(runtime, { entry: ENTRY, bindings: { ACS_CONNECTION_STRING: emu.connectionString, AUTH_JWT_SECRET: HS_SECRET } });
  });
  after(() => worker?.close());

  for (const fault of FAULTS) {
    test(`POST /token under upstream ${fault.name}`, async () => {
      const sub = `edge-fault-${Math.random().toString(36).slice(2)}`;
      const token = signJwt({ alg: 'HS256', typ: 'JWT' }, claimsFor(sub), HS_SECRET);
      await addFault(emu, { ...fault.rule, path: '/identities?', method: 'POST' });
      let r;
      try {
        r = await call(worker, { token });
      } finally {
        await clearFaults(emu);
      }
      // The endpoint creates by customId (idempotent), so every fault but the slow one is retried.
      if (fault.retryable !== 'never') {
        assert.equal(r.status, 200, r.text);
        assert.equal((await introspect(emu, r.json.token)).active, true);
      } else {
        assert.equal(r.status, 502, r.text);
        assert.equal(r.json.error.code, 'UpstreamError');
        assert.ok(!r.text.includes(String(emu.port)) && !r.text.includes(emu.accessKey), 'nothing of the upstream leaks');
      }
      // Whatever happened, the same user still maps to one identity.
      const again = await call(worker, { token });
      assert.equal(again.status, 200, again.text);
      if (r.status === 200) assert.equal(again.json.user.communicationUserId, r.json.user.communicationUserId);
    });
  }
});
