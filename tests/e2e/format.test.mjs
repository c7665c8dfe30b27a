// The demo page's pure helpers (www/js/format.js): what the request inspector shows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeError,
  displayBody,
  displayHeaders,
  formatCountdown,
  formatTime,
  maskAuthorization,
  proactiveRefreshAt,
  redactTokens,
  shortenToken,
  stringToSign,
} from '../../www/js/format.js';

const JWT = `eyJhbGciOiJSUzI1NiJ9.${'eyJzdWIiOiJ4In0'.repeat(8)}.${'c2lnbmF0dXJl'.repeat(10)}`;

test('stringToSign is METHOD\\npathAndQuery\\ndate;host;contentHash, from the headers the client sent', () => {
  const sts = stringToSign({
    method: 'post',
    url: 'http://127.0.0.1:4000/identities/8%3Aacs%3Ax/:issueAccessToken?api-version=2025-06-30',
    headers: { 'X-MS-Date': 'Tue, 26 Nov 2025 10:00:00 GMT', 'x-ms-content-sha256': 'abc=', authorization: 'HMAC-SHA256 ...' },
  });
  assert.equal(
    sts,
    'POST\n/identities/8%3Aacs%3Ax/:issueAccessToken?api-version=2025-06-30\nTue, 26 Nov 2025 10:00:00 GMT;127.0.0.1:4000;abc=',
  );
  assert.equal(stringToSign({ method: 'POST', url: 'http://127.0.0.1:4000/emulator/introspect', headers: {} }), null);
});

test('the Authorization signature and bearer tokens are masked', () => {
  const sig = 'K'.repeat(43) + '=';
  const masked = maskAuthorization(`HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${sig}`);
  assert.ok(!masked.includes(sig));
  assert.match(masked, /^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=•+ \(masked\)$/);
  assert.equal(maskAuthorization(`Bearer ${JWT}`), 'Bearer •••••••• (masked)');
  const rows = Object.fromEntries(displayHeaders({ Authorization: `Bearer ${JWT}`, 'x-ms-date': 'd' }));
  assert.ok(!rows.authorization.includes(JWT));
  assert.equal(rows['x-ms-date'], 'd');
});

test('tokens in bodies are shortened, other values kept', () => {
  const short = shortenToken(JWT);
  assert.ok(short.length < 40 && !short.includes(JWT.slice(12, -4)));
  assert.deepEqual(redactTokens({ token: JWT, expiresOn: 'x', nested: [{ accessToken: { token: JWT } }] }), {
    token: short,
    expiresOn: 'x',
    nested: [{ accessToken: { token: short } }],
  });
  assert.ok(!displayBody(JSON.stringify({ token: JWT })).includes(JWT));
  assert.equal(displayBody(''), '(empty)');
  assert.equal(displayBody('not json'), 'not json');
});

test('durations, and the credential’s proactive refresh instant', () => {
  assert.equal(formatCountdown(59 * 60 * 1000 + 58_400), '59:58');
  assert.equal(formatCountdown(3_723_000), '1:02:03');
  assert.equal(formatCountdown(-5), '0:00');
  assert.equal(proactiveRefreshAt(3_600_000, 0), 3_000_000);
  assert.equal(proactiveRefreshAt(300_000, 0), 150_000);
});

test('errors in plain words: code, message and a hint; a failed refresh shows the endpoint’s error', () => {
  const notFound = Object.assign(new Error("Identity 'x' was not found in this resource."), { code: 'IdentityNotFound', statusCode: 404 });
  const d = describeError(notFound);
  assert.equal(d.code, 'IdentityNotFound');
  assert.equal(d.status, 404);
  assert.match(d.hint, /does not exist/);
  const notOwned = Object.assign(new Error("Provided identity doesn't belong to the resource."), { code: 'IdentityNotOwned', statusCode: 401 });
  assert.match(describeError(notOwned).hint, /belongs to another Communication Services resource/);
  const cause = Object.assign(new Error('the app token has expired'), { code: 'TokenExpired', statusCode: 401 });
  const wrapped = Object.assign(new Error('the tokenRefresher failed'), { code: 'TokenRefreshFailed', cause });
  const w = describeError(wrapped);
  assert.equal(w.code, 'TokenExpired');
  assert.match(w.hint, /sign in again/i);
  assert.match(describeError(Object.assign(new Error('bad'), { code: 'InvalidToken' }), { from: 'endpoint' }).hint, /app token/);
  assert.match(describeError(new Error('boom')).hint, /inspector/);
});

test('formatTime: one format for every time on the page (24-hour, local; the date only on another day)', () => {
  const now = new Date(2026, 11, 1, 22, 5, 9);
  assert.equal(formatTime(new Date(2026, 11, 1, 9, 3, 7), now), '09:03:07');
  assert.equal(formatTime(new Date(2026, 11, 2, 0, 0, 0), now), '2026-12-02 00:00:00');
  assert.equal(formatTime(new Date(2026, 0, 31, 23, 59, 59).getTime(), now), '2026-01-31 23:59:59');
  assert.match(formatTime(new Date()), /^\d\d:\d\d:\d\d$/);
});
