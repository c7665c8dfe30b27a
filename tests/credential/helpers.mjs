// Shared helpers of the credential tests: test tokens, a fake clock, deferred promises.
import { randomBytes } from 'node:crypto';

export const PKG = new URL('../../pkg/node.js', import.meta.url).href;

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A JWT-shaped access token (the signature is random bytes: nobody verifies it). */
export function makeToken(claims) {
  const header = { alg: 'RS256', kid: 'test', x5t: 'test', typ: 'JWT' };
  return `${b64url(header)}.${b64url(claims)}.${randomBytes(64).toString('base64url')}`;
}

/** A token expiring `lifeMs` after `nowMs` (both multiples of 1000 keep it exact). */
export function tokenFor(nowMs, lifeMs, extra = {}) {
  return makeToken({
    skypeid: 'acs:2dee53b4-368b-45b4-ab52-8493fb117652_00000005-14a2-493b-8a72-5a3a0d000081',
    scp: 1792,
    csi: String(Math.floor(nowMs / 1000)),
    iat: Math.floor(nowMs / 1000),
    exp: Math.floor((nowMs + lifeMs) / 1000),
    acsScope: 'chat,voip',
    resourceId: '2dee53b4-368b-45b4-ab52-8493fb117652',
    ...extra,
  });
}

/** An encrypted-looking (JWE, five parts) token that cannot be decoded. */
export function jweToken() {
  return [b64url({ alg: 'RSA-OAEP', enc: 'A256GCM' }), ...[32, 12, 200, 16].map((n) => randomBytes(n).toString('base64url'))].join(
    '.',
  );
}

export const MIN = 60 * 1000;

/** Lets pending promise callbacks (and one macrotask turn) run. */
export const flush = async (turns = 3) => {
  for (let i = 0; i < turns; i += 1) await new Promise((r) => setImmediate(r));
};

/** A manual clock: `advance(ms)` runs the due timers in order, flushing promises after each. */
export class FakeClock {
  t;
  #timers = new Map();
  #next = 1;
  constructor(start = 1_800_000_000_000) {
    this.t = start;
  }
  now() {
    return this.t;
  }
  setTimeout(fn, ms) {
    const id = this.#next++;
    this.#timers.set(id, { fn, at: this.t + ms, ms });
    return id;
  }
  clearTimeout(id) {
    this.#timers.delete(id);
  }
  /** Pending timers as `{ ms, at, inMs }` (delay asked, due time, time left). */
  pending() {
    return [...this.#timers.values()].map(({ ms, at }) => ({ ms, at, inMs: at - this.t }));
  }
  async advance(ms) {
    const end = this.t + ms;
    for (;;) {
      let first;
      for (const [id, timer] of this.#timers) if (timer.at <= end && (!first || timer.at < first[1].at)) first = [id, timer];
      if (!first) break;
      this.#timers.delete(first[0]);
      this.t = Math.max(this.t, first[1].at);
      first[1].fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}

export function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A refresher that records its calls and answers from a queue (values, errors or functions). */
export function scriptedRefresher(...answers) {
  const calls = [];
  const fn = async (signal) => {
    calls.push(signal);
    const next = answers.length > 1 ? answers.shift() : answers[0];
    if (next instanceof Error) throw next;
    return typeof next === 'function' ? next(signal) : next;
  };
  fn.calls = calls;
  return fn;
}
