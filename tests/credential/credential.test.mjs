// AcsTokenCredential against a fake clock: every refresh rule of the built package.
import { spawnSync } from 'node:child_process';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock, MIN, PKG, deferred, flush, jweToken, scriptedRefresher, tokenFor } from './helpers.mjs';

const { AcsTokenCredential, AcsIdentityError } = await import(PKG);

const unhandled = [];
const onUnhandled = (reason) => unhandled.push(reason);
process.on('unhandledRejection', onUnhandled);
after(() => {
  process.off('unhandledRejection', onUnhandled);
  assert.deepEqual(unhandled, [], 'no unhandled rejection');
});

/** An assert.rejects / assert.throws matcher for an AcsIdentityError of `code`. */
const code = (expected, check) => (e) => {
  assert.ok(e instanceof AcsIdentityError, `expected an AcsIdentityError, got ${e}`);
  assert.equal(e.code, expected, e.message);
  check?.(e);
  return true;
};

const exp = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url')).exp * 1000;

describe('on-demand refresh', () => {
  test('the cached token is returned while it is fresh', async () => {
    const clock = new FakeClock();
    const initial = tokenFor(clock.now(), 60 * MIN);
    const refresher = scriptedRefresher(tokenFor(clock.now(), 60 * MIN));
    const cred = new AcsTokenCredential({ token: initial, tokenRefresher: refresher, clock });
    assert.deepEqual(await cred.getToken(), { token: initial, expiresOnTimestamp: exp(initial) });
    await clock.advance(50 * MIN - 1);
    assert.deepEqual(await cred.getToken(), { token: initial, expiresOnTimestamp: exp(initial) });
    assert.equal(refresher.calls.length, 0);
    assert.deepEqual(clock.pending(), [], 'no timer without refreshProactively');
  });

  test('refreshes once the token is within 10 minutes of its expiry', async () => {
    const clock = new FakeClock();
    const initial = tokenFor(clock.now(), 60 * MIN);
    const next = tokenFor(clock.now() + 50 * MIN, 60 * MIN);
    const refresher = scriptedRefresher(next);
    const cred = new AcsTokenCredential({ token: initial, tokenRefresher: refresher, clock });
    await clock.advance(50 * MIN);
    assert.deepEqual(await cred.getToken(), { token: next, expiresOnTimestamp: exp(next) });
    assert.equal(refresher.calls.length, 1);
    assert.ok(refresher.calls[0] instanceof AbortSignal, 'the refresher gets an AbortSignal');
    assert.equal((await cred.getToken()).token, next, 'the new token is cached');
    assert.equal(refresher.calls.length, 1);
  });

  test('without an initial token the first getToken refreshes; an expired initial token too', async () => {
    const clock = new FakeClock();
    const fresh = tokenFor(clock.now(), 60 * MIN);
    const r1 = scriptedRefresher(fresh);
    const c1 = new AcsTokenCredential({ tokenRefresher: r1, clock });
    assert.equal((await c1.getToken()).token, fresh);
    assert.equal(r1.calls.length, 1);
    const r2 = scriptedRefresher(fresh);
    const c2 = new AcsTokenCredential({ token: tokenFor(clock.now() - 120 * MIN, 60 * MIN), tokenRefresher: r2, clock });
    assert.equal((await c2.getToken()).token, fresh);
    assert.equal(r2.calls.length, 1);
  });

  test('a token that arrives inside the window is used for half its remaining life (no refresh storm)', async () => {
    const clock = new FakeClock();
    const refresher = scriptedRefresher(() => tokenFor(clock.now(), 6 * MIN));
    const cred = new AcsTokenCredential({ tokenRefresher: refresher, clock });
    const first = await cred.getToken();
    await cred.getToken();
    await clock.advance(3 * MIN - 1000);
    assert.equal((await cred.getToken()).token, first.token);
    assert.equal(refresher.calls.length, 1);
    await clock.advance(1000);
    assert.notEqual((await cred.getToken()).token, first.token);
    assert.equal(refresher.calls.length, 2);
  });

  test('concurrent getToken calls share one refresher call', async () => {
    const clock = new FakeClock();
    const gate = deferred();
    const token = tokenFor(clock.now(), 60 * MIN);
    const refresher = scriptedRefresher(() => gate.promise);
    const cred = new AcsTokenCredential({ tokenRefresher: refresher, clock });
    const all = Promise.all(Array.from({ length: 5 }, () => cred.getToken()));
    await flush();
    assert.equal(refresher.calls.length, 1);
    gate.resolve(token);
    const results = await all;
    assert.equal(refresher.calls.length, 1);
    for (const r of results) assert.deepEqual(r, { token, expiresOnTimestamp: exp(token) });
  });

  test('concurrent callers share one failure, and the next call tries again', async () => {
    const clock = new FakeClock();
    const gate = deferred();
    const boom = new Error('backend down');
    const token = tokenFor(clock.now(), 60 * MIN);
    const refresher = scriptedRefresher(() => gate.promise, token);
    const cred = new AcsTokenCredential({ tokenRefresher: refresher, clock });
    const a = cred.getToken();
    const b = cred.getToken();
    await flush();
    gate.reject(boom);
    await assert.rejects(a, code('TokenRefreshFailed', (e) => assert.equal(e.cause, boom)));
    await assert.rejects(b, code('TokenRefreshFailed', (e) => assert.equal(e.cause, boom)));
    assert.equal(refresher.calls.length, 1);
    assert.equal((await cred.getToken()).token, token);
    assert.equal(refresher.calls.length, 2);
  });

  test('the returned object is a copy', async () => {
    const clock = new FakeClock();
    const token = tokenFor(clock.now(), 60 * MIN);
    const cred = new AcsTokenCredential({ token, tokenRefresher: scriptedRefresher(token), clock });
    const got = await cred.getToken();
    got.token = 'changed';
    assert.equal((await cred.getToken()).token, token);
  });
});

describe('proactive refresh', () => {
  test('scheduled at expiry - 10 minutes, then again from the new token', async () => {
    const clock = new FakeClock();
    const initial = tokenFor(clock.now(), 60 * MIN);
    const refresher = scriptedRefresher(() => tokenFor(clock.now(), 60 * MIN));
    const cred = new AcsTokenCredential({ token: initial, tokenRefresher: refresher, refreshProactively: true, clock });
    assert.deepEqual(clock.pending().map((p) => p.ms), [50 * MIN]);
    await clock.advance(50 * MIN - 1);
    assert.equal(refresher.calls.length, 0);
    await clock.advance(1);
    assert.equal(refresher.calls.length, 1);
    const now = clock.now();
    const current = await cred.getToken();
    assert.equal(current.expiresOnTimestamp, now + 60 * MIN);
    assert.deepEqual(clock.pending().map((p) => p.ms), [50 * MIN], 'rescheduled from the new token');
    assert.equal(refresher.calls.length, 1, 'getToken used the proactively refreshed token');
    cred.dispose();
  });

  test('inside the window: at half the remaining life, with a 1 s minimum', async () => {
    const clock = new FakeClock();
    const refresher = scriptedRefresher(() => tokenFor(clock.now(), 60 * MIN));
    const c1 = new AcsTokenCredential({
      token: tokenFor(clock.now(), 8 * MIN),
      tokenRefresher: refresher,
      refreshProactively: true,
      clock,
    });
    assert.deepEqual(clock.pending().map((p) => p.ms), [4 * MIN]);
    c1.dispose();
    const c2 = new AcsTokenCredential({
      token: { token: jweToken(), expiresOn: clock.now() + 1500 },
      tokenRefresher: refresher,
      refreshProactively: true,
      clock,
    });
    assert.deepEqual(clock.pending().map((p) => p.ms), [1000], 'half of 1.5 s is below the minimum');
    c2.dispose();
  });

  test('without a token (or with an expired one) the first refresh starts at once', async () => {
    const clock = new FakeClock();
    const refresher = scriptedRefresher(() => tokenFor(clock.now(), 60 * MIN));
    const cred = new AcsTokenCredential({ tokenRefresher: refresher, refreshProactively: true, clock });
    assert.deepEqual(clock.pending().map((p) => p.ms), [0]);
    await clock.advance(0);
    assert.equal(refresher.calls.length, 1);
    assert.deepEqual(clock.pending().map((p) => p.ms), [50 * MIN]);
    await cred.getToken();
    assert.equal(refresher.calls.length, 1);
    cred.dispose();
  });

  test('a timer later than setTimeout allows is re-armed until due', async () => {
    const clock = new FakeClock();
    const refresher = scriptedRefresher(() => tokenFor(clock.now(), 60 * MIN));
    const cred = new AcsTokenCredential({
      token: tokenFor(clock.now(), 40 * 24 * 60 * MIN),
      tokenRefresher: refresher,
      refreshProactively: true,
      clock,
    });
    assert.deepEqual(clock.pending().map((p) => p.ms), [2 ** 31 - 1]);
    await clock.advance(2 ** 31 - 1);
    assert.equal(refresher.calls.length, 0);
    assert.deepEqual(clock.pending().map((p) => p.inMs), [40 * 24 * 60 * MIN - 10 * MIN - (2 ** 31 - 1)]);
    await clock.advance(clock.pending()[0].inMs);
    assert.equal(refresher.calls.length, 1);
    cred.dispose();
  });

  test('an on-demand refresh joins a running proactive one', async () => {
    const clock = new FakeClock();
    const gate = deferred();
    const refresher = scriptedRefresher(() => gate.promise);
    const cred = new AcsTokenCredential({
      token: tokenFor(clock.now(), 60 * MIN),
      tokenRefresher: refresher,
      refreshProactively: true,
      clock,
    });
    await clock.advance(50 * MIN);
    assert.equal(refresher.calls.length, 1);
    const pending = cred.getToken();
    await flush();
    const next = tokenFor(clock.now(), 60 * MIN);
    gate.resolve(next);
    assert.equal((await pending).token, next);
    assert.equal(refresher.calls.length, 1);
    cred.dispose();
  });

  test('a failed proactive refresh is retried with back-off, never an unhandled rejection', async () => {
    const clock = new FakeClock();
    const initial = tokenFor(clock.now(), 60 * MIN);
    const refresher = scriptedRefresher(new Error('down 1'), new Error('down 2'), () => tokenFor(clock.now(), 60 * MIN));
    const cred = new AcsTokenCredential({ token: initial, tokenRefresher: refresher, refreshProactively: true, clock });
    await clock.advance(50 * MIN);
    assert.equal(refresher.calls.length, 1);
    assert.deepEqual(clock.pending().map((p) => p.ms), [2000], 'first retry after 2 s');
    assert.equal((await clock.advance(2000), refresher.calls.length), 2);
    assert.deepEqual(clock.pending().map((p) => p.ms), [4000], 'then 4 s');
    await clock.advance(4000);
    assert.equal(refresher.calls.length, 3);
    assert.deepEqual(clock.pending().map((p) => p.ms), [50 * MIN], 'back to the normal schedule');
    assert.notEqual((await cred.getToken()).token, initial);
    await flush();
    assert.deepEqual(unhandled, []);
    cred.dispose();
  });

  test('the retry back-off is capped at 60 s', async () => {
    const clock = new FakeClock();
    const refresher = scriptedRefresher(new Error('down'));
    const cred = new AcsTokenCredential({ tokenRefresher: refresher, refreshProactively: true, clock });
    const delays = [];
    await clock.advance(0);
    for (let i = 0; i < 8; i += 1) {
      const [{ ms }] = clock.pending();
      delays.push(ms);
      await clock.advance(ms);
    }
    assert.deepEqual(delays, [2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    assert.equal(refresher.calls.length, 9);
    cred.dispose();
    assert.deepEqual(unhandled, []);
  });

  test('a failing on-demand refresh in proactive mode schedules a retry too', async () => {
    const clock = new FakeClock();
    const refresher = scriptedRefresher(new Error('down'), () => tokenFor(clock.now(), 60 * MIN));
    const cred = new AcsTokenCredential({
      token: tokenFor(clock.now(), 5 * MIN),
      tokenRefresher: refresher,
      refreshProactively: true,
      clock,
    });
    await assert.rejects(cred.getToken(), code('TokenRefreshFailed'));
    assert.deepEqual(clock.pending().map((p) => p.ms), [2000]);
    await clock.advance(2000);
    assert.equal(refresher.calls.length, 2);
    assert.deepEqual(clock.pending().map((p) => p.ms), [50 * MIN]);
    cred.dispose();
  });
});

describe('refresher answers', () => {
  test('an already expired token is an error (TokenExpired)', async () => {
    const clock = new FakeClock();
    const stale = tokenFor(clock.now() - 61 * MIN, 60 * MIN);
    const cred = new AcsTokenCredential({ tokenRefresher: scriptedRefresher(stale), clock });
    await assert.rejects(
      cred.getToken(),
      code('TokenExpired', (e) => assert.ok(!e.message.includes(stale))),
    );
    const edge = tokenFor(clock.now() - 60 * MIN, 60 * MIN); // expires exactly now
    const c2 = new AcsTokenCredential({ tokenRefresher: scriptedRefresher(edge), clock });
    await assert.rejects(c2.getToken(), code('TokenExpired'));
  });

  test('an expired token from a proactive refresh is retried', async () => {
    const clock = new FakeClock();
    const refresher = scriptedRefresher(
      () => tokenFor(clock.now() - 61 * MIN, 60 * MIN),
      () => tokenFor(clock.now(), 60 * MIN),
    );
    const cred = new AcsTokenCredential({ tokenRefresher: refresher, refreshProactively: true, clock });
    await clock.advance(0);
    assert.deepEqual(clock.pending().map((p) => p.ms), [2000]);
    await clock.advance(2000);
    assert.equal(refresher.calls.length, 2);
    assert.equal((await cred.getToken()).expiresOnTimestamp, clock.now() + 60 * MIN);
    cred.dispose();
  });

  test('an encrypted (JWE) token with expiresOn works and schedules from expiresOn', async () => {
    const clock = new FakeClock();
    const jwe = jweToken();
    const expiresOn = new Date(clock.now() + 30 * MIN);
    const cred = new AcsTokenCredential({
      tokenRefresher: scriptedRefresher({ token: jwe, expiresOn: expiresOn.toISOString() }),
      refreshProactively: true,
      clock,
    });
    await clock.advance(0);
    assert.deepEqual(await cred.getToken(), { token: jwe, expiresOnTimestamp: expiresOn.getTime() });
    assert.deepEqual(clock.pending().map((p) => p.ms), [20 * MIN]);
    cred.dispose();
  });

  test('expiresOn may be a Date, an ISO string or Unix ms; a decodable JWT keeps its own exp', async () => {
    const clock = new FakeClock();
    const at = clock.now() + 30 * MIN;
    for (const expiresOn of [new Date(at), new Date(at).toISOString(), at]) {
      const jwe = jweToken();
      const cred = new AcsTokenCredential({ tokenRefresher: scriptedRefresher({ token: jwe, expiresOn }), clock });
      assert.deepEqual(await cred.getToken(), { token: jwe, expiresOnTimestamp: at });
    }
    const jwt = tokenFor(clock.now(), 60 * MIN);
    const cred = new AcsTokenCredential({ tokenRefresher: scriptedRefresher({ token: jwt, expiresOn: at }), clock });
    assert.equal((await cred.getToken()).expiresOnTimestamp, exp(jwt));
  });

  test('an encrypted token without expiresOn: TokenExpiryUnknown, a clear message, no token text', async () => {
    const clock = new FakeClock();
    const jwe = jweToken();
    for (const answer of [jwe, { token: jwe }, { token: jwe, expiresOn: null }]) {
      const cred = new AcsTokenCredential({ tokenRefresher: scriptedRefresher(answer), clock });
      await assert.rejects(
        cred.getToken(),
        code('TokenExpiryUnknown', (e) => {
          assert.match(e.message, /expiresOn/);
          assert.match(e.message, /encrypted \(JWE\)/);
          for (const part of jwe.split('.')) assert.ok(!e.message.includes(part));
          assert.equal(e.cause.code, 'InvalidToken');
        }),
      );
    }
    const bad = new AcsTokenCredential({ tokenRefresher: scriptedRefresher({ token: jwe, expiresOn: 'soon' }), clock });
    await assert.rejects(bad.getToken(), code('TokenExpiryUnknown', (e) => assert.match(e.message, /not a valid date/)));
  });

  test('an opaque (non-JWT) token works with expiresOn', async () => {
    const clock = new FakeClock();
    const cred = new AcsTokenCredential({
      tokenRefresher: scriptedRefresher({ token: 'opaque-token', expiresOn: clock.now() + 60 * MIN }),
      clock,
    });
    assert.equal((await cred.getToken()).token, 'opaque-token');
  });

  test('an answer that is not a token: TokenRefreshFailed', async () => {
    const clock = new FakeClock();
    for (const answer of [undefined, null, 42, { expiresOn: 1 }]) {
      const cred = new AcsTokenCredential({ tokenRefresher: scriptedRefresher(answer), clock });
      await assert.rejects(cred.getToken(), code('TokenRefreshFailed', (e) => assert.match(e.message, /token string/)));
    }
    const empty = new AcsTokenCredential({ tokenRefresher: scriptedRefresher(''), clock });
    await assert.rejects(empty.getToken(), code('InvalidToken'));
  });

  test('a refresher error: TokenRefreshFailed with the error as cause (sync throws too)', async () => {
    const clock = new FakeClock();
    const boom = new TypeError('secret-ish detail');
    const cred = new AcsTokenCredential({ tokenRefresher: scriptedRefresher(boom), clock });
    await assert.rejects(
      cred.getToken(),
      code('TokenRefreshFailed', (e) => {
        assert.equal(e.cause, boom);
        assert.match(e.message, /TypeError/);
        assert.ok(!e.message.includes('secret-ish'), "a foreign error's message is left in the cause");
      }),
    );
    const sync = new AcsTokenCredential({
      tokenRefresher: () => {
        throw boom;
      },
      clock,
    });
    await assert.rejects(sync.getToken(), code('TokenRefreshFailed', (e) => assert.equal(e.cause, boom)));
    const ours = new AcsIdentityError('endpoint said no', { code: 'Unauthorized', statusCode: 401 });
    const c3 = new AcsTokenCredential({ tokenRefresher: scriptedRefresher(ours), clock });
    await assert.rejects(
      c3.getToken(),
      code('TokenRefreshFailed', (e) => {
        assert.equal(e.cause, ours);
        assert.equal(e.statusCode, 401);
        assert.match(e.message, /endpoint said no/);
      }),
    );
  });

  test('a synchronous refresher returning a string works', async () => {
    const clock = new FakeClock();
    const token = tokenFor(clock.now(), 60 * MIN);
    const cred = new AcsTokenCredential({ tokenRefresher: () => token, clock });
    assert.equal((await cred.getToken()).token, token);
  });

  test('a refresher that re-enters getToken does not deadlock on a half-built refresh', async () => {
    const clock = new FakeClock();
    const token = tokenFor(clock.now(), 60 * MIN);
    let inner;
    const cred = new AcsTokenCredential({
      tokenRefresher: () => {
        inner ??= cred.getToken();
        return token;
      },
      clock,
    });
    assert.equal((await cred.getToken()).token, token);
    assert.equal((await inner).token, token);
  });
});

describe('dispose and abort', () => {
  test('dispose clears the timers, rejects getToken with Disposed and aborts the running refresh', async () => {
    const clock = new FakeClock();
    const gate = deferred();
    const refresher = scriptedRefresher(() => gate.promise);
    const cred = new AcsTokenCredential({ tokenRefresher: refresher, refreshProactively: true, clock });
    await clock.advance(0);
    assert.equal(refresher.calls.length, 1);
    const waiting = cred.getToken();
    cred.dispose();
    cred.dispose(); // idempotent
    await assert.rejects(waiting, code('Disposed'));
    assert.ok(refresher.calls[0].aborted, "the refresher's signal is aborted");
    assert.deepEqual(clock.pending(), []);
    gate.resolve(tokenFor(clock.now(), 60 * MIN)); // a late answer is ignored
    await flush();
    await assert.rejects(cred.getToken(), code('Disposed'));
    assert.deepEqual(clock.pending(), [], 'nothing rescheduled after dispose');
    await clock.advance(120 * MIN);
    assert.equal(refresher.calls.length, 1);
  });

  test('dispose with a pending timer clears it', async () => {
    const clock = new FakeClock();
    const refresher = scriptedRefresher(() => tokenFor(clock.now(), 60 * MIN));
    const cred = new AcsTokenCredential({
      token: tokenFor(clock.now(), 60 * MIN),
      tokenRefresher: refresher,
      refreshProactively: true,
      clock,
    });
    assert.equal(clock.pending().length, 1);
    cred.dispose();
    assert.equal(clock.pending().length, 0);
    await assert.rejects(cred.getToken(), code('Disposed'));
    await clock.advance(24 * 60 * MIN);
    assert.equal(refresher.calls.length, 0);
  });

  test('an already aborted signal rejects at once, even with a fresh token', async () => {
    const clock = new FakeClock();
    const reason = new Error('user left');
    const cred = new AcsTokenCredential({
      token: tokenFor(clock.now(), 60 * MIN),
      tokenRefresher: scriptedRefresher(tokenFor(clock.now(), 60 * MIN)),
      clock,
    });
    await assert.rejects(
      cred.getToken({ abortSignal: AbortSignal.abort(reason) }),
      code('Aborted', (e) => assert.equal(e.cause, reason)),
    );
  });

  test('aborting the only waiter cancels the refresh; the next getToken starts a new one', async () => {
    const clock = new FakeClock();
    const gate = deferred();
    const token = tokenFor(clock.now(), 60 * MIN);
    const refresher = scriptedRefresher(() => gate.promise, token);
    const cred = new AcsTokenCredential({ tokenRefresher: refresher, clock });
    const ac = new AbortController();
    const waiting = cred.getToken({ abortSignal: ac.signal });
    await flush();
    ac.abort();
    await assert.rejects(waiting, code('Aborted'));
    assert.ok(refresher.calls[0].aborted);
    gate.resolve(tokenFor(clock.now(), 5 * MIN)); // the abandoned answer is not used
    await flush();
    assert.equal((await cred.getToken()).token, token);
    assert.equal(refresher.calls.length, 2);
  });

  test('aborting one waiter leaves the others and the refresh going', async () => {
    const clock = new FakeClock();
    const gate = deferred();
    const token = tokenFor(clock.now(), 60 * MIN);
    const refresher = scriptedRefresher(() => gate.promise);
    const cred = new AcsTokenCredential({ tokenRefresher: refresher, clock });
    const ac = new AbortController();
    const aborted = cred.getToken({ abortSignal: ac.signal });
    const plain = cred.getToken();
    const other = cred.getToken({ abortSignal: new AbortController().signal });
    await flush();
    ac.abort();
    await assert.rejects(aborted, code('Aborted'));
    assert.equal(refresher.calls[0].aborted, false);
    gate.resolve(token);
    assert.equal((await plain).token, token);
    assert.equal((await other).token, token);
    assert.equal(refresher.calls.length, 1);
  });

  test('aborting a getToken that joined a proactive refresh does not cancel it', async () => {
    const clock = new FakeClock();
    const gate = deferred();
    const refresher = scriptedRefresher(() => gate.promise);
    const cred = new AcsTokenCredential({ tokenRefresher: refresher, refreshProactively: true, clock });
    await clock.advance(0);
    const ac = new AbortController();
    const waiting = cred.getToken({ abortSignal: ac.signal });
    ac.abort();
    await assert.rejects(waiting, code('Aborted'));
    assert.equal(refresher.calls[0].aborted, false);
    const token = tokenFor(clock.now(), 60 * MIN);
    gate.resolve(token);
    await flush();
    assert.equal((await cred.getToken()).token, token);
    assert.equal(refresher.calls.length, 1);
    cred.dispose();
  });
});

describe('static token and arguments', () => {
  test('new AcsTokenCredential(token) returns the token until it expires', async () => {
    const now = Date.now();
    const token = tokenFor(now, 60 * MIN);
    const cred = new AcsTokenCredential(token);
    assert.deepEqual(await cred.getToken(), { token, expiresOnTimestamp: exp(token) });
    assert.deepEqual(await cred.getToken({ abortSignal: new AbortController().signal }), {
      token,
      expiresOnTimestamp: exp(token),
    });
    cred.dispose();
    await assert.rejects(cred.getToken(), code('Disposed'));
    const stale = new AcsTokenCredential(tokenFor(now - 120 * MIN, 60 * MIN));
    await assert.rejects(stale.getToken(), code('TokenExpired'));
  });

  test('a static token expires with the clock', async () => {
    const clock = new FakeClock();
    const jwe = jweToken();
    const cred = new AcsTokenCredential({ token: jwe, expiresOn: clock.now() + 60 * MIN, clock });
    assert.equal((await cred.getToken()).token, jwe);
    await clock.advance(60 * MIN);
    await assert.rejects(cred.getToken(), code('TokenExpired'));
  });

  test('bad tokens and arguments throw from the constructor', () => {
    const jwe = jweToken();
    assert.throws(
      () => new AcsTokenCredential(jwe),
      code('TokenExpiryUnknown', (e) => assert.ok(!e.message.includes(jwe.split('.')[0]))),
    );
    assert.throws(() => new AcsTokenCredential('not-a-token'), code('TokenExpiryUnknown'));
    assert.throws(() => new AcsTokenCredential(''), code('InvalidToken'));
    assert.throws(() => new AcsTokenCredential(), code('InvalidArgument'));
    assert.throws(() => new AcsTokenCredential({ tokenRefresher: 'nope' }), code('InvalidArgument'));
    assert.throws(() => new AcsTokenCredential({ tokenRefresher: async () => '', token: jwe }), code('TokenExpiryUnknown'));
    assert.throws(
      () => new AcsTokenCredential({ tokenRefresher: async () => '', clock: { now: () => 0 } }),
      code('InvalidArgument', (e) => assert.match(e.message, /clock\.setTimeout/)),
    );
  });
});

test('real timers are unref-ed: a proactive credential does not keep Node alive', () => {
  const script = `
    const { AcsTokenCredential } = await import(${JSON.stringify(PKG)});
    const { tokenFor, MIN } = await import(${JSON.stringify(new URL('./helpers.mjs', import.meta.url).href)});
    const cred = new AcsTokenCredential({
      token: tokenFor(Date.now(), 60 * MIN),
      tokenRefresher: async () => tokenFor(Date.now(), 60 * MIN),
      refreshProactively: true,
    });
    await cred.getToken();
    const failing = new AcsTokenCredential({ tokenRefresher: async () => { throw new Error('x'); }, refreshProactively: true });
    await new Promise((r) => setTimeout(r, 50)); // the immediate refresh fails; a retry timer is pending
    console.log('done');
  `;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'done');
  assert.ok(Date.now() - t0 < 15000);
});
