// The case loader: every transcribed case is well formed, and malformed ones are refused by name.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { isSanitized, loadCases, operationOf, summarize } from './cases.mjs';

const cases = loadCases();
const CASE_ID_RE = /^(js|net|java|python)\/[A-Za-z0-9_.-]+$/;
const REPOS = {
  js: 'Azure/azure-sdk-for-js',
  net: 'Azure/azure-sdk-for-net',
  java: 'Azure/azure-sdk-for-java',
  python: 'Azure/azure-sdk-for-python',
};

test('every case names its source and is well formed', () => {
  assert.ok(cases.length >= 60, `${cases.length} cases`);
  for (const c of cases) {
    assert.match(c.id, CASE_ID_RE);
    assert.equal(c.source.repo, REPOS[c.id.split('/')[0]], c.id);
    assert.match(c.source.commit, /^[0-9a-f]{40}$/, c.id);
    assert.ok(c.source.path.startsWith('sdk/communication/'), c.id);
    for (const x of c.exchanges) {
      assert.ok(['GET', 'POST', 'DELETE'].includes(x.request.method), c.id);
      assert.match(x.request.path, /^\/(identities|teamsUser)\b/, c.id);
      assert.match(x.request.apiVersion ?? '', /^\d{4}-\d{2}-\d{2}(-preview\d*)?$/, c.id);
      assert.notEqual(operationOf(x), 'other', `${c.id}: ${x.request.method} ${x.request.path}`);
      if (x.request.bodyText !== null) assert.notEqual(x.request.body, null, `${c.id}: request body is JSON`);
      if (x.response.bodyText !== null) {
        assert.notEqual(x.response.body, null, `${c.id}: response body is JSON`);
        const isError = x.response.status >= 400;
        assert.equal(Boolean(x.response.body.error), isError, `${c.id}: error bodies exactly on errors`);
        assert.equal(x.response.contentType, isError ? 'application/json' : 'application/json; charset=utf-8', c.id);
      }
    }
    if (c.skip) assert.match(c.skip, /retired preview|Entra ID token/, `${c.id}: only the allowed skip reasons`);
    if (c.skipEmulator) assert.match(c.skipEmulator, /retired preview/, `${c.id}: only the allowed emulator skip reason`);
  }
});

test('breadth: four SDKs, every operation the recordings have, errors and successes', () => {
  const s = summarize(cases);
  assert.equal(Object.keys(s.byRepo).length, 4);
  for (const op of ['createIdentity', 'issueAccessToken', 'revokeAccessTokens', 'deleteIdentity', 'exchangeTeamsToken']) {
    assert.ok(s.byOperation[op] > 0, op);
  }
  for (const v of ['2021-03-07', '2022-06-01', '2022-10-01', '2023-10-01']) assert.ok(s.byApiVersion[v] > 0, v);
  assert.ok(s.errors >= 30 && s.successes >= 20, JSON.stringify(s));
});

test('isSanitized: recorder placeholders only', () => {
  for (const v of ['sanitized', 'Sanitized', 'REDACTED', '***', 'https://sanitized.communication.azure.com/', 'eyJ0eXAiOiJKV1QifQ.e30.Sanitized']) {
    assert.equal(isSanitized(v), true, v);
  }
  for (const v of ['', 'invalid', '8:acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081', '2023-10-19T15:34:16.974917+00:00', 42, null, undefined, 'sanitize']) {
    assert.equal(isSanitized(v), false, String(v));
  }
});

test('malformed case files are refused, naming the file and the fault', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'conformance-cases-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'js'));
  const good = {
    id: 'js/x',
    source: { repo: REPOS.js, path: 'sdk/communication/x.json', commit: 'a'.repeat(40) },
    test: 't',
    exchanges: [
      {
        request: { method: 'post', uri: 'https://endpoint/identities/8%3Aacs%3Ax/:revokeAccessTokens?api-version=2021-03-07', body: null },
        response: { status: 204, body: null },
      },
    ],
  };
  const write = (o) => fs.writeFileSync(path.join(dir, 'js', 'x.json'), JSON.stringify(o));
  write(good);
  const [c] = loadCases({ dir });
  assert.equal(c.exchanges[0].request.method, 'POST');
  assert.equal(c.exchanges[0].request.path, '/identities/8%3Aacs%3Ax/:revokeAccessTokens', 'percent-encoding kept');
  assert.equal(c.exchanges[0].request.apiVersion, '2021-03-07');
  assert.equal(c.exchanges[0].request.bodyRecorded, true);
  const bad = [
    [{ ...good, id: 'js/y' }, /id must be "js\/x"/],
    [{ ...good, source: { ...good.source, commit: 'abc' } }, /40-hex commit/],
    [{ ...good, skip: '' }, /skip must be a reason/],
    [{ ...good, skipEmulator: 7 }, /skipEmulator must be a reason/],
    [{ ...good, exchanges: [] }, /non-empty/],
    [{ ...good, exchanges: [{ ...good.exchanges[0], response: { status: 200, body: '{}' } }] }, /contentType/],
    [{ ...good, exchanges: [{ ...good.exchanges[0], request: { ...good.exchanges[0].request, body: {} } }] }, /request.body must be text/],
  ];
  for (const [o, re] of bad) {
    write(o);
    assert.throws(() => loadCases({ dir }), (e) => re.test(e.message) && e.message.includes('x.json'), re.source);
  }
});
