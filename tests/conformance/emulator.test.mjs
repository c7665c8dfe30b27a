// Conformance of the emulator with the real service: every recorded case (tests/conformance/cases)
// is replayed against a fresh emulator, each request signed by the tests' own node:crypto signer
// (tests/emulator/sign.mjs, never the Rust signer), and the answers compared with the recorded ones:
// status; error code, message and target verbatim; success bodies by keys, types and formats.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startEmulator } from '../../emulator/server.mjs';
import { call, decodeJwt, emuRoute } from '../emulator/helpers.mjs';
import { isSanitized, loadCases } from './cases.mjs';

const cases = loadCases();

// The Entra ID app and user the Teams tokens of a replay are minted for.
const APP_ID = '2f1b7c1e-6a0d-4c6f-9a56-3e1d2b9c8f01';
const USER_ID = '9c3a4d52-17e8-4b2f-8d61-0a5b6c7d8e9f';

const SERVICE_DATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,7})?\+00:00$/;
const EMULATOR_DATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}\+00:00$/;
const GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ACS_ID_RE = new RegExp(`^8:acs:(${GUID})_(${GUID}|[0-9a-f-]+)$`, 'i');
const JWT_RE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** A replay's state: recorded ids → the emulator's, the Teams tokens minted so far. */
function newReplay(emu) {
  return { emu, ids: new Map(), tokens: new Map() };
}

async function mintTeamsToken(replay, expiresInMinutes) {
  const key = String(expiresInMinutes);
  if (!replay.tokens.has(key)) {
    const r = await emuRoute(replay.emu, 'POST', '/emulator/teams-token', { appId: APP_ID, userId: USER_ID, expiresInMinutes });
    assert.equal(r.status, 200, r.text);
    replay.tokens.set(key, r.json);
  }
  return replay.tokens.get(key).token;
}

/** The value a `request.actual.body` descriptor stands for. */
async function actualValue(replay, v) {
  switch (v) {
    case '$teamsToken':
      return mintTeamsToken(replay, 60);
    case '$expiredTeamsToken':
      return mintTeamsToken(replay, -60);
    case '$appId':
      return APP_ID;
    case '$userId':
      return USER_ID;
    case '$otherGuid':
      return randomUUID();
    default:
      return v;
  }
}

/** The path to send: recorded ids the emulator answered for are replaced by the emulator's. */
function pathToSend(replay, x) {
  const m = /^\/identities\/([^/]+)(\/.*)?$/.exec(x.request.path);
  if (!m) return x.request.path;
  const recorded = decodeURIComponent(m[1]);
  let id;
  if (x.request.actual?.id !== undefined) id = x.request.actual.id;
  else if (replay.ids.has(recorded)) id = replay.ids.get(recorded);
  else if (!isSanitized(recorded)) id = recorded; // an id of another resource: kept as recorded
  else throw new Error(`the case sends the sanitized id ${recorded} that no earlier exchange created; give request.actual.id`);
  // Sent the way the recording's SDK sent it: percent-encoded, or raw (old Java SDKs).
  const seg = m[1].includes(':') ? id : encodeURIComponent(id);
  return `/identities/${seg}${m[2] ?? ''}`;
}

async function bodyToSend(replay, x) {
  const actual = x.request.actual?.body;
  if (actual === undefined) {
    for (const [k, v] of Object.entries(x.request.body ?? {})) {
      if (isSanitized(v)) throw new Error(`request field ${k} is sanitized; give request.actual.body`);
    }
    return x.request.bodyText ?? '';
  }
  const out = {};
  for (const [k, v] of Object.entries(actual)) out[k] = await actualValue(replay, v);
  return JSON.stringify(out);
}

/** Minutes the request asked the token to live (default 1440). */
function askedMinutes(x) {
  const b = x.request.body;
  return b && Number.isInteger(b.expiresInMinutes) ? b.expiresInMinutes : 1440;
}

/**
 * Compare a success body by shape: same keys, same types; strings by format where the recording
 * is sanitized or varies per call (ids, tokens, dates), verbatim otherwise.
 */
function compareShape(got, want, where, ctx) {
  if (want === null || typeof want !== 'object') {
    assert.equal(typeof got, typeof want, `${where}: type`);
    if (typeof want !== 'string') return assert.deepEqual(got, want, where);
    const key = where.split('.').pop();
    if (key === 'id') {
      assert.match(got, ACS_ID_RE, `${where}: emulator id shape`);
      if (!isSanitized(want)) assert.match(want, ACS_ID_RE, `${where}: recorded id shape`);
      const [, res] = ACS_ID_RE.exec(got);
      assert.equal(res.toLowerCase(), ctx.emu.resourceId.toLowerCase(), `${where}: minted with the emulator's resource`);
      return;
    }
    if (key === 'token') {
      assert.match(got, JWT_RE, `${where}: a JWT`);
      if (!isSanitized(want)) assert.match(want, JWT_RE, `${where}: recorded JWT`);
      return;
    }
    if (key === 'expiresOn' || key === 'lastTokenIssuedAt') {
      assert.match(want, SERVICE_DATE_RE, `${where}: recorded date format`);
      assert.match(got, EMULATOR_DATE_RE, `${where}: 7 fractional digits and +00:00`);
      return;
    }
    if (isSanitized(want)) return;
    return assert.equal(got, want, where);
  }
  assert.equal(Array.isArray(got), Array.isArray(want), `${where}: array`);
  assert.ok(got && typeof got === 'object', `${where}: object`);
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `${where}: keys`);
  for (const k of Object.keys(want)) compareShape(got[k], want[k], `${where}.${k}`, ctx);
}

/** Check a token's lifetime against what was asked. */
function checkLifetime(accessToken, minutes, sentAtMs, where) {
  const { claims } = decodeJwt(accessToken.token);
  const expMs = Date.parse(accessToken.expiresOn.replace(/(\.\d{3})\d*/, '$1'));
  assert.equal(Math.floor(expMs / 1000), claims.exp, `${where}: expiresOn is the token's exp`);
  const lifetimeS = claims.exp - Math.floor(sentAtMs / 1000);
  assert.ok(Math.abs(lifetimeS - minutes * 60) <= 5, `${where}: lifetime ${lifetimeS}s, asked ${minutes} min`);
}

async function replayCase(c, emu) {
  const replay = newReplay(emu);
  for (const [i, x] of c.exchanges.entries()) {
    const where = `${c.id} exchange ${i + 1} (${x.request.method} ${x.request.path})`;
    const path = pathToSend(replay, x);
    const body = await bodyToSend(replay, x);
    const sentAt = Date.now();
    const r = await call(emu, x.request.method, path, { apiVersion: x.request.apiVersion, body });
    assert.equal(r.status, x.response.status, `${where}: status (got body ${r.text})`);
    const want = x.response.body;
    if (x.response.contentType !== null) {
      assert.equal(r.headers['content-type'], x.response.contentType, `${where}: Content-Type`);
    }
    if (want === null) {
      assert.equal(r.text, '', `${where}: no body`);
      continue;
    }
    if (want.error) {
      const expected = { code: want.error.code, message: x.response.current?.message ?? want.error.message };
      if (want.error.target !== undefined) expected.target = want.error.target;
      const gotErr = { ...r.json?.error };
      delete gotErr.innererror;
      assert.deepEqual(gotErr, expected, `${where}: error body`);
      continue;
    }
    compareShape(r.json, want, `${where}: body`, { emu });
    const accessToken = r.json.accessToken ?? (typeof r.json.token === 'string' ? r.json : undefined);
    if (accessToken && !path.startsWith('/teamsUser/')) checkLifetime(accessToken, askedMinutes(x), sentAt, where);
    if (accessToken && path.startsWith('/teamsUser/')) {
      const entra = replay.tokens.get('60');
      assert.equal(accessToken.expiresOn, entra.expiresOn, `${where}: the ACS token expires with the Entra token`);
    }
    const recordedId = want.identity?.id ?? (x.request.method === 'GET' ? want.id : undefined);
    const gotId = r.json.identity?.id ?? (x.request.method === 'GET' ? r.json.id : undefined);
    if (recordedId !== undefined) replay.ids.set(recordedId, gotId);
  }
}

describe('conformance: the emulator answers the recorded requests as the real service did', () => {
  let emu;
  before(async () => {
    emu = await startEmulator();
  });
  after(async () => {
    await emu?.close();
  });

  test('the case set is broad enough', () => {
    assert.ok(cases.length >= 20, `${cases.length} cases`);
    const repos = new Set(cases.map((c) => c.source.repo));
    assert.ok(repos.size >= 3, `cases from ${[...repos].join(', ')}`);
  });

  for (const c of cases) {
    test(c.id, async (t) => {
      const skip = c.skip ?? c.skipEmulator;
      if (skip) return t.skip(skip);
      await replayCase(c, emu);
    });
  }
});
