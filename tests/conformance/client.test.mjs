// Client conformance: every exchange that the official SDKs recorded from the real ACS Identity
// service (tests/conformance/cases/**) is replayed through two clients, each given the recorded
// answer instead of the network:
//   (a) this package's CommunicationIdentityClient (the packed package, imported by name), via its
//       `fetch` option;
//   (b) the official @azure/communication-identity 1.3.1, via its `httpClient` option;
// both pinned to the recorded api-version (the SDK through its `apiVersion` client option, which
// rewrites the api-version query parameter of every request); the answer is given with its recorded
// status, Content-Type and body.
// For each exchange both must send the same request (method, path, api-version, body bytes), equal
// to the recorded one (sanitized recorded values are wildcards), and end the same way: the same
// result (Dates as time values) or the same error name, statusCode, code and message.
// The SDK has no customId and no getUser: exchanges that need them are checked on our client
// against the recording only, and counted apart.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CommunicationIdentityClient as SdkClient } from '@azure/communication-identity';
import { createHttpHeaders } from '@azure/core-rest-pipeline';
import { prepareConsumer } from '../support/consumer.mjs';
import { loadCases, isSanitized } from './cases.mjs';

const consumer = prepareConsumer();
writeFileSync(join(consumer, 'conformance-lib.mjs'), "export * from 'acs-identity';\n");
const lib = await import(pathToFileURL(join(consumer, 'conformance-lib.mjs')).href);

const KEY = Buffer.from('conformance-test-access-key-0123').toString('base64');
const API_VERSIONS = new Set(['2021-03-07', '2022-06-01', '2022-10-01', '2023-10-01', '2025-03-02-preview', '2025-06-30']);
const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

const counts = { cases: 0, passed: 0, skipped: 0, failed: 0, exchanges: 0, sdkCompared: 0, ourOnly: 0, refusedByBoth: 0, notBytes: 0 };

/** A stand-in for a value the recorder removed: "$appId" → a GUID, "$…Token" → a JWT-like text. */
function placeholder(value, field) {
  if (typeof value !== 'string' || !value.startsWith('$')) return value;
  if (/token/i.test(value) || field === 'token') return 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJvaWQiOiJjb25mb3JtYW5jZSJ9.c2lnbmF0dXJl';
  return '0f0e0d0c-0b0a-4909-8807-060504030201';
}

/** The recorded body as the test really sent it: sanitized fields replaced by `actual.body`. */
function actualBody(req) {
  if (req.body === null || typeof req.body !== 'object') return req.body;
  const out = { ...req.body };
  for (const [k, v] of Object.entries(req.actual?.body ?? {})) out[k] = placeholder(v, k);
  // Other SDKs write absent options as null (Python) or an empty object (.NET, Java); the JS SDK
  // leaves them out. Both mean "not given".
  for (const [k, v] of Object.entries(out)) if (v === null) delete out[k];
  return out;
}

/** A body value with null fields dropped and `{}` as no body: what "not given" looks like. */
function normalized(v) {
  if (v === null || v === undefined || v === '') return null;
  if (Array.isArray(v)) return v.map(normalized);
  if (typeof v === 'object') {
    const out = Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, normalized(x)]));
    return Object.keys(out).length === 0 ? null : out;
  }
  return v;
}

/**
 * The SDK call that produced a recorded request: { name, args(user?), sdk: bool, note? }.
 * `sdk` is false for what 1.3.1 cannot send (customId, getUser).
 */
function callOf(req) {
  const body = actualBody(req);
  const segs = req.path.split('/');
  const idFrom = () => req.actual?.id ?? decodeURIComponent(segs[2]);
  const minutes = (b) => (b && b.expiresInMinutes !== undefined ? { tokenExpiresInMinutes: b.expiresInMinutes } : undefined);
  if (req.method === 'POST' && req.path === '/identities') {
    if (body && body.customId !== undefined) {
      const opts = { customId: body.customId, ...minutes(body) };
      return body.createTokenWithScopes !== undefined
        ? { name: 'createUserAndToken', args: [body.createTokenWithScopes, opts], sdk: false }
        : { name: 'createUser', args: [opts], sdk: false };
    }
    if (body && body.createTokenWithScopes !== undefined) {
      return { name: 'createUserAndToken', args: [body.createTokenWithScopes, minutes(body)], sdk: true };
    }
    return { name: 'createUser', args: [], sdk: true };
  }
  if (req.path === '/teamsUser/:exchangeAccessToken' && req.method === 'POST') {
    return {
      name: 'getTokenForTeamsUser',
      args: [{ teamsUserAadToken: body?.token, clientId: body?.appId, userObjectId: body?.userId }],
      sdk: true,
    };
  }
  if (segs[1] === 'identities' && segs.length === 4 && req.method === 'POST' && segs[3] === ':issueAccessToken') {
    return { name: 'getToken', args: [{ communicationUserId: idFrom() }, body?.scopes, minutes(body)], sdk: true };
  }
  if (segs[1] === 'identities' && segs.length === 4 && req.method === 'POST' && segs[3] === ':revokeAccessTokens') {
    return { name: 'revokeTokens', args: [{ communicationUserId: idFrom() }], sdk: true };
  }
  if (segs[1] === 'identities' && segs.length === 3 && req.method === 'DELETE') {
    return { name: 'deleteUser', args: [{ communicationUserId: idFrom() }], sdk: true };
  }
  if (segs[1] === 'identities' && segs.length === 3 && req.method === 'GET') {
    return { name: 'getUser', args: [{ communicationUserId: idFrom() }], sdk: false };
  }
  return undefined;
}

/** Runs one call on our client with the recorded answer; returns { sent, outcome }. */
async function runOurs(origin, apiVersion, call, response) {
  const sent = [];
  const client = new lib.CommunicationIdentityClient(`endpoint=${origin}/;accesskey=${KEY}`, {
    apiVersion,
    retry: { maxRetries: 0 },
    fetch: async (url, init) => {
      sent.push({ method: init.method, url, body: init.body ?? null });
      const text = NULL_BODY_STATUS.has(response.status) ? null : response.bodyText;
      return new Response(text, { status: response.status, headers: response.contentType ? { 'content-type': response.contentType } : {} });
    },
  });
  return { sent, outcome: await settle(() => client[call.name](...call.args)) };
}

/** Runs one call on the official SDK with the recorded answer; returns { sent, outcome }. */
async function runSdk(origin, apiVersion, call, response) {
  const sent = [];
  const client = new SdkClient(`endpoint=${origin}/;accesskey=${KEY}`, {
    apiVersion,
    retryOptions: { maxRetries: 0 },
    httpClient: {
      async sendRequest(request) {
        sent.push({ method: request.method, url: request.url, body: request.body ?? null });
        return {
          status: response.status,
          headers: createHttpHeaders(response.contentType ? { 'content-type': response.contentType } : {}),
          request,
          bodyAsText: response.bodyText ?? '',
        };
      },
    },
  });
  return { sent, outcome: await settle(() => client[call.name](...call.args)) };
}

async function settle(fn) {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Dates → their time values, so results compare by value; other values as they are. */
function plain(v) {
  if (v instanceof Date) return { date: v.getTime() };
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** `actual` equals `recorded` where the recorder kept the value (sanitized strings match anything). */
function matchesRecorded(actual, recorded) {
  if (isSanitized(recorded)) return true;
  if (Array.isArray(recorded)) return Array.isArray(actual) && actual.length === recorded.length && recorded.every((r, i) => matchesRecorded(actual[i], r));
  if (recorded && typeof recorded === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const keys = Object.keys(recorded);
    return keys.length === Object.keys(actual).length && keys.every((k) => k in actual && matchesRecorded(actual[k], recorded[k]));
  }
  return Object.is(actual, recorded);
}

function splitUrl(url) {
  const u = new URL(url);
  const m = /^[a-z]+:\/\/[^/?#]*([^?#]*)/i.exec(url);
  return { path: m[1] || '/', apiVersion: u.searchParams.get('api-version') };
}

/** The recorded path with sanitized segments as wildcards, segments compared decoded. */
function pathMatches(path, recordedPath) {
  const a = path.split('/').map(decodeURIComponent);
  const b = recordedPath.split('/').map(decodeURIComponent);
  return a.length === b.length && b.every((seg, i) => seg === a[i] || isSanitized(seg));
}

/**
 * `sent` (one request) against the recorded request. Byte equality where the recording kept the
 * bytes; where it did not (sanitized values, another SDK's serialisation: null fields, `{}` for no
 * body, unencoded `:` in the path) the difference is compared by value and stated in `notes`.
 */
function checkRequest(who, sent, req, notes, source) {
  assert.equal(sent.length, 1, `${who} sent exactly one request`);
  const s = sent[0];
  const { path, apiVersion } = splitUrl(s.url);
  assert.equal(s.method, req.method, `${who}: method`);
  assert.ok(pathMatches(path, req.path), `${who}: path ${path} vs recorded ${req.path}`);
  if (path !== req.path && !req.path.split('/').some((seg) => isSanitized(decodeURIComponent(seg)))) {
    notes.add(`path compared decoded: recorded ${req.path} (${source} SDK), sent ${path}`);
  }
  assert.equal(apiVersion, req.apiVersion, `${who}: api-version`);
  const sentBody = s.body === null || s.body === '' ? null : s.body;
  const recordedBody = req.bodyText === null || req.bodyText === '' ? null : req.bodyText;
  if (sentBody === recordedBody) return;
  if (who === 'acs-identity') counts.notBytes++;
  if (sentBody !== null && recordedBody !== null && matchesRecorded(JSON.parse(sentBody), req.body)) {
    notes.add(`body compared as JSON: the recording has sanitized values (sent ${sentBody}, recorded ${recordedBody})`);
    return;
  }
  const ok = matchesRecorded(normalized(sentBody === null ? null : JSON.parse(sentBody)), normalized(req.body));
  assert.ok(ok, `${who}: body ${sentBody} vs recorded ${recordedBody}`);
  notes.add(`body compared by value: recorded ${recordedBody ?? '(none)'} (${source} SDK: absent options written as null or {}), sent ${sentBody ?? '(none)'}`);
}

/** What our result must show of the recorded answer: ids, tokens and expiry times. */
function checkAgainstAnswer(call, value, response) {
  const b = response.body;
  if (!b) return;
  const token = call.name === 'createUserAndToken' ? b.accessToken : b;
  if (['getToken', 'getTokenForTeamsUser', 'createUserAndToken'].includes(call.name)) {
    assert.ok(matchesRecorded(value.token, token.token), 'token as answered');
    if (!isSanitized(token.expiresOn)) assert.equal(value.expiresOn.getTime(), new Date(token.expiresOn).getTime(), 'expiresOn as answered');
  }
  const identity = call.name === 'getUser' ? b : b.identity;
  const user = call.name === 'createUserAndToken' ? value.user : value;
  if (identity && ['createUser', 'createUserAndToken', 'getUser'].includes(call.name)) {
    assert.ok(matchesRecorded(user.communicationUserId, identity.id), 'id as answered');
    if (identity.customId !== undefined && identity.customId !== null) assert.ok(matchesRecorded(user.customId, identity.customId), 'customId as answered');
  }
}

const errorView = (e) => ({ name: e?.name, statusCode: e?.statusCode, code: e?.code, message: e?.message });

async function runExchange(x, notes, source) {
  const req = x.request;
  const call = callOf(req);
  assert.ok(call, `no client call maps to ${req.method} ${req.path}`);
  const origin = new URL(req.uri).origin;
  const ours = await runOurs(origin, req.apiVersion, call, x.response);
  const sdk = call.sdk ? await runSdk(origin, req.apiVersion, call, x.response) : undefined;
  counts.exchanges++;
  if (sdk && sdk.sent.length === 0) {
    // The recording came from another SDK, and the JS SDK refuses this call before sending: so
    // must acs-identity (it refuses only what the SDK refuses).
    assert.equal(sdk.outcome.ok, false, 'the SDK sent nothing, so it refused');
    assert.equal(ours.sent.length, 0, `the SDK refuses this call before sending (${sdk.outcome.error?.message}); acs-identity must too`);
    assert.equal(ours.outcome.ok, false);
    assert.equal(ours.outcome.error.code, 'InvalidArgument', ours.outcome.error.message);
    assert.equal(ours.outcome.error.name, 'AcsIdentityError');
    notes.add(
      `recorded request ${req.bodyText ?? ''} (${source} SDK) is one @azure/communication-identity 1.3.1 refuses before sending ` +
        `(${sdk.outcome.error?.message}); acs-identity refuses it too: ${ours.outcome.error.message}`,
    );
    counts.refusedByBoth++;
    return;
  }
  checkRequest('acs-identity', ours.sent, req, notes, source);
  if (ours.outcome.ok) checkAgainstAnswer(call, ours.outcome.value, x.response);
  else {
    assert.ok(ours.outcome.error instanceof lib.AcsIdentityError, `an AcsIdentityError (${ours.outcome.error?.stack})`);
    assert.equal(ours.outcome.error.statusCode, x.response.status, 'statusCode is the answer status');
    const e = x.response.body?.error;
    if (e?.code) {
      assert.equal(ours.outcome.error.name, 'RestError');
      assert.equal(ours.outcome.error.code, e.code, 'the service code');
      assert.equal(ours.outcome.error.message, e.message, 'the service message, verbatim');
      assert.equal(ours.outcome.error.target, e.target, 'the service target');
    }
  }
  if (!sdk) {
    counts.ourOnly++;
    notes.add(`${call.name}${call.args.some((a) => a?.customId !== undefined) ? ' with customId' : ''}: not in @azure/communication-identity 1.3.1, checked on acs-identity against the recording only`);
    return;
  }
  checkRequest('@azure/communication-identity', sdk.sent, req, notes, source);
  assert.equal(ours.sent[0].method, sdk.sent[0].method, 'same method');
  assert.equal(splitUrl(ours.sent[0].url).path, splitUrl(sdk.sent[0].url).path, 'same path');
  assert.equal(splitUrl(ours.sent[0].url).apiVersion, splitUrl(sdk.sent[0].url).apiVersion, 'same api-version');
  assert.equal(ours.sent[0].body ?? null, sdk.sent[0].body ?? null, 'same body bytes as the SDK');
  assert.equal(ours.outcome.ok, sdk.outcome.ok, `same outcome: ours ${ours.outcome.ok ? 'resolved' : `rejected ${ours.outcome.error?.code}`}, the SDK's ${sdk.outcome.ok ? 'resolved' : `rejected ${sdk.outcome.error?.code}`}`);
  if (ours.outcome.ok) assert.deepEqual(plain(ours.outcome.value), plain(sdk.outcome.value), 'same result as the SDK');
  else assert.deepEqual(errorView(ours.outcome.error), errorView(sdk.outcome.error), 'same error as the SDK');
  counts.sdkCompared++;
}

const cases = loadCases();
for (const c of cases) {
  test(`client conformance: ${c.id}`, async (t) => {
    counts.cases++;
    const versions = [...new Set(c.exchanges.map((x) => x.request.apiVersion))];
    const unsupported = versions.filter((v) => !API_VERSIONS.has(v));
    const skip = c.skip ?? (unsupported.length ? `api-version ${unsupported.join(', ')} is not one this client speaks (a retired preview)` : undefined);
    if (skip) {
      counts.skipped++;
      t.skip(skip);
      return;
    }
    const notes = new Set();
    let failed = 0;
    for (const [i, x] of c.exchanges.entries()) {
      await t.test(`exchange ${i + 1}: ${x.request.method} ${x.request.path} → ${x.response.status}`, async () => {
        try {
          await runExchange(x, notes, c.source.repo.replace(/^Azure\/azure-sdk-for-/, '').toUpperCase());
        } catch (e) {
          failed++;
          throw e;
        }
      });
    }
    for (const n of notes) t.diagnostic(n);
    if (failed === 0) counts.passed++;
  });
}

test('client conformance: there are recorded cases', () => {
  assert.ok(cases.length > 0, 'no case under tests/conformance/cases');
});

after(() => {
  counts.failed = counts.cases - counts.passed - counts.skipped;
  console.log(
    `client conformance: ${counts.cases} cases run, ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped; ` +
      `${counts.exchanges} exchanges, ${counts.sdkCompared} compared with @azure/communication-identity 1.3.1, ` +
      `${counts.ourOnly} on acs-identity only (customId / getUser), ${counts.refusedByBoth} refused before sending by both (requests of other SDKs); ` +
      `${counts.notBytes} requests compared by value where the recorded bytes could not be (stated per case)`,
  );
});
