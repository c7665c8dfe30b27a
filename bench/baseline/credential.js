// AcsTokenCredential: the `CommunicationTokenCredential` the ACS Calling and Chat SDKs take, for every
// runtime (browsers, workers, Deno, Bun, Node). Plain JavaScript with no wasm: it is also the
// package's `acs-identity/credential` entry, a few KB for browser apps that only need tokens.
//
// Refresh rules, as `AzureCommunicationTokenCredential` (@azure/communication-common):
// * a token is "expiring soon" 10 minutes before it expires;
// * a proactive refresh is scheduled at `expiry - 10 min`, or at half the remaining life (at least
//   1 s) when the token is already inside that window; at once without a (valid) token;
// * concurrent callers share one refresh (one call of the refresher);
// * a refresher answer that is already expired is an error (`TokenExpired`).
// Where this differs from the SDK (or the SDK is silent):
// * getToken refreshes as soon as the token is expiring soon (the SDK 2.x only once it has
//   expired); a token that *arrives* inside the window is used for half its remaining life first,
//   so a short-lived answer does not make every getToken call the endpoint;
// * the refresher may answer `{ token, expiresOn }`: the JWT's `exp` wins, `expiresOn` is used for
//   encrypted (JWE) or opaque tokens; neither → `TokenExpiryUnknown`;
// * a failed proactive refresh is retried after 2 s, doubling up to 60 s (the SDK stops refreshing);
// * an abortSignal ends the caller's wait (`Aborted`); the refresher gets its own signal, aborted
//   on dispose() or when every waiter of that refresh aborted (then the answer is dropped);
// * a static token past its expiry rejects with `TokenExpired` (the SDK returns it anyway);
// * errors are `AcsIdentityError`s with codes (`Disposed`, `Aborted`, `TokenRefreshFailed` ...).
import { AcsIdentityError, isAcsIdentityError } from './errors.js';

export { AcsIdentityError, isAcsIdentityError };

const MIN_MS = -62_135_596_800_000; // 0001-01-01, as the Rust core's date range
const MAX_MS = 253_402_300_799_999; // 9999-12-31

/**
 * The expiry (`exp`, in Unix ms) of an access token. The credential needs nothing else of a token,
 * so it reads this one claim itself rather than loading the wasm module (whose
 * `decodeAccessToken` decodes every claim): same rules, same `InvalidToken` errors, never the
 * token in a message.
 */
function tokenExpiryMs(token) {
  const invalid = (why) => error('InvalidToken', `the access token ${why}`);
  const parts = token.split('.');
  if (parts.length === 5) {
    throw invalid('is encrypted (JWE) and cannot be decoded; use the expiresOn the service returned');
  }
  if (parts.length !== 3) throw invalid('is not a JWT (expected three dot-separated parts)');
  let claims;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
    claims = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw invalid('payload is not base64url-encoded JSON');
  }
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) {
    throw invalid('payload is not a JSON object');
  }
  const ms = typeof claims.exp === 'number' ? claims.exp * 1000 : NaN;
  if (!(ms >= MIN_MS && ms <= MAX_MS)) throw invalid('has no valid numeric exp claim');
  return ms;
}

const EXPIRING_SOON_MS = 10 * 60 * 1000;
const MIN_REFRESH_DELAY_MS = 1000;
const RETRY_BASE_MS = 2000;
const RETRY_MAX_MS = 60 * 1000;
// setTimeout fires at once for longer delays; such timers are re-armed when they fire.
const MAX_TIMER_MS = 2 ** 31 - 1;

const defaultClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (id) => globalThis.clearTimeout(id),
};

/** Never let a refresh timer keep a process (Node, Bun, Deno) alive. */
function unref(id) {
  if (id !== null && typeof id === 'object' && typeof id.unref === 'function') id.unref();
  else if (typeof id === 'number' && typeof globalThis.Deno?.unrefTimer === 'function') {
    try {
      globalThis.Deno.unrefTimer(id);
    } catch {
      // Not a Deno timer (a fake clock): nothing to do.
    }
  }
}

function error(code, message, extra = {}) {
  return new AcsIdentityError(message, { code, ...extra });
}

/** Milliseconds from a Date, an ISO 8601 (or any Date.parse-able) string or a number of ms. */
function expiryMs(value) {
  let ms = NaN;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'number') ms = value;
  else if (typeof value === 'string' && value.trim() !== '') ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * `{ token, expiresOnTimestamp }` from a token string or `{ token, expiresOn }`. The JWT's `exp`
 * wins; `expiresOn` is used when the token cannot be decoded (encrypted JWE or opaque).
 * `what` names the value in messages ("the token", "the tokenRefresher's answer").
 */
function toAccessToken(value, what) {
  let token;
  let expiresOn;
  if (typeof value === 'string') token = value;
  else if (value !== null && typeof value === 'object' && typeof value.token === 'string') {
    token = value.token;
    expiresOn = value.expiresOn;
  } else {
    const got = value === null ? 'null' : typeof value;
    throw error(
      'InvalidArgument',
      `${what} must be a token string or { token: string, expiresOn }, got ${got}`,
    );
  }
  if (token === '') throw error('InvalidToken', `${what} is an empty token`);
  try {
    return { token, expiresOnTimestamp: tokenExpiryMs(token) };
  } catch (e) {
    if (!isAcsIdentityError(e, 'InvalidToken')) throw e;
    if (expiresOn === undefined || expiresOn === null) {
      throw error(
        'TokenExpiryUnknown',
        `${what} cannot be decoded (${e.message}) and no expiresOn was given with it: ` +
          'resolve { token, expiresOn } with the expiresOn your token endpoint returned',
        { cause: e },
      );
    }
    const ms = expiryMs(expiresOn);
    if (ms === undefined) {
      throw error(
        'TokenExpiryUnknown',
        `${what} cannot be decoded and its expiresOn is not a valid date ` +
          '(give a Date, an ISO 8601 string or Unix milliseconds)',
        { cause: e },
      );
    }
    return { token, expiresOnTimestamp: ms };
  }
}

function abortedError(signal) {
  return error('Aborted', 'getToken was aborted', { cause: signal.reason });
}

function disposedError() {
  return error('Disposed', 'the credential is disposed');
}

function validateClock(clock) {
  if (clock === undefined) return defaultClock;
  for (const f of ['now', 'setTimeout', 'clearTimeout']) {
    if (typeof clock?.[f] !== 'function') {
      throw error('InvalidArgument', `options.clock.${f} must be a function`, { target: 'clock' });
    }
  }
  return clock;
}

/**
 * A `CommunicationTokenCredential`: `getToken({ abortSignal }) → { token, expiresOnTimestamp }` and
 * `dispose()`. `new AcsTokenCredential(token)` is a static credential; with `{ tokenRefresher }` it
 * refreshes the token when it is about to expire (and ahead of time with `refreshProactively`).
 */
export class AcsTokenCredential {
  #refresher = null;
  #proactive = false;
  #clock;
  /** `{ token, expiresOnTimestamp, freshUntil }` or null. */
  #current = null;
  #timer = undefined;
  #hasTimer = false;
  /** The shared in-flight refresh: `{ controller, done, settle, waiters, proactive, dropped }`. */
  #inflight = null;
  #failures = 0;
  #disposed = false;

  constructor(tokenOrOptions) {
    const arg = tokenOrOptions;
    const isOptions = arg !== null && typeof arg === 'object' && 'tokenRefresher' in arg;
    this.#clock = validateClock(arg !== null && typeof arg === 'object' ? arg.clock : undefined);
    if (!isOptions) {
      // A static token: a string or { token, expiresOn } (for an encrypted token).
      this.#current = { ...toAccessToken(arg, 'the token'), freshUntil: 0 };
      return;
    }
    if (typeof arg.tokenRefresher !== 'function') {
      throw error('InvalidArgument', 'options.tokenRefresher must be a function', { target: 'tokenRefresher' });
    }
    this.#refresher = arg.tokenRefresher;
    this.#proactive = arg.refreshProactively === true;
    if (arg.token !== undefined && arg.token !== null) {
      this.#current = { ...toAccessToken(arg.token, 'options.token'), freshUntil: 0 };
    }
    if (this.#proactive) this.#scheduleFromToken();
  }

  /**
   * The current token, refreshed first when it expires within 10 minutes. Rejects with an
   * `AcsIdentityError`: `Disposed`, `Aborted`, `TokenExpired`, `TokenExpiryUnknown` or
   * `TokenRefreshFailed` (the refresher's error as `cause`).
   */
  async getToken(options = {}) {
    const signal = options?.abortSignal ?? undefined;
    if (this.#disposed) throw disposedError();
    if (signal?.aborted) throw abortedError(signal);
    const now = this.#clock.now();
    if (this.#refresher === null) {
      const { token, expiresOnTimestamp } = this.#current;
      if (now >= expiresOnTimestamp) {
        throw error('TokenExpired', 'the static token has expired; create the credential with a tokenRefresher');
      }
      return { token, expiresOnTimestamp };
    }
    if (this.#isUsable(this.#current, now)) return this.#snapshot();
    await this.#waitFor(this.#startRefresh(), signal);
    return this.#snapshot();
  }

  /** Stops proactive refreshing, cancels a running refresh and makes `getToken` reject with `Disposed`. */
  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#clearTimer();
    this.#current = null;
    const entry = this.#inflight;
    this.#inflight = null;
    if (entry !== null) {
      entry.dropped = true;
      entry.settle(disposedError());
      entry.controller.abort(disposedError());
    }
  }

  #snapshot() {
    if (this.#disposed || this.#current === null) throw disposedError();
    const { token, expiresOnTimestamp } = this.#current;
    return { token, expiresOnTimestamp };
  }

  #isUsable(tok, now) {
    if (tok === null || now >= tok.expiresOnTimestamp) return false;
    return now < tok.expiresOnTimestamp - EXPIRING_SOON_MS || now < tok.freshUntil;
  }

  /** Joins the in-flight refresh, or starts one. */
  #startRefresh() {
    if (this.#inflight !== null) return this.#inflight;
    const entry = { controller: new AbortController(), waiters: 0, proactive: false, dropped: false };
    entry.done = new Promise((resolve, reject) => {
      entry.settle = (err) => {
        entry.settle = () => {};
        if (err === undefined) resolve();
        else reject(err);
      };
    });
    // Waiters handle the outcome; nobody may be waiting (a proactive refresh).
    entry.done.catch(() => {});
    this.#inflight = entry;
    void this.#runRefresh(entry);
    return entry;
  }

  /** Never rejects: the outcome goes to `entry.settle`, then the next proactive refresh is scheduled. */
  async #runRefresh(entry) {
    // Let the caller finish registering before user code runs (it may re-enter getToken).
    await undefined;
    let failure;
    let tok;
    try {
      tok = await this.#fetchToken(entry);
    } catch (e) {
      failure = e;
    }
    // Disposed, or abandoned by every waiter: the answer is not wanted any more.
    if (entry.dropped) return;
    if (failure === undefined) {
      this.#current = tok;
      this.#failures = 0;
    } else {
      this.#failures += 1;
    }
    if (this.#inflight === entry) this.#inflight = null;
    entry.settle(failure);
    if (this.#proactive && !this.#disposed) {
      if (failure === undefined) this.#scheduleFromToken();
      else this.#scheduleRetry();
    }
  }

  /** Calls the refresher and validates its answer; throws `AcsIdentityError`s. */
  async #fetchToken(entry) {
    let answer;
    try {
      answer = await this.#refresher(entry.controller.signal);
    } catch (e) {
      throw refreshFailed(e);
    }
    if (entry.dropped) return undefined;
    let tok;
    try {
      tok = toAccessToken(answer, "the tokenRefresher's answer");
    } catch (e) {
      if (isAcsIdentityError(e, 'InvalidArgument')) throw error('TokenRefreshFailed', e.message, { cause: e });
      throw e;
    }
    const now = this.#clock.now();
    const ttl = tok.expiresOnTimestamp - now;
    if (ttl <= 0) {
      throw error('TokenExpired', 'the token returned by the tokenRefresher has already expired');
    }
    // A token that arrives inside the expiring-soon window is used for half its remaining life
    // (as the proactive schedule does) rather than refreshed again on every getToken.
    const freshUntil = ttl > EXPIRING_SOON_MS ? 0 : now + Math.max(ttl / 2, MIN_REFRESH_DELAY_MS);
    return { ...tok, freshUntil };
  }

  /** Waits for a refresh; an abort ends this caller's wait (and the refresh, when nobody else waits). */
  #waitFor(entry, signal) {
    entry.waiters += 1;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        entry.waiters -= 1;
        reject(abortedError(signal));
        if (entry.waiters === 0 && !entry.proactive && !entry.dropped) {
          // Nobody wants this refresh any more: cancel it; the next getToken starts a new one.
          entry.dropped = true;
          if (this.#inflight === entry) this.#inflight = null;
          entry.settle(abortedError(signal));
          entry.controller.abort(signal.reason);
        }
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const finish = (settle) => (value) => {
        if (signal?.aborted) return; // already rejected by onAbort
        signal?.removeEventListener('abort', onAbort);
        entry.waiters -= 1;
        settle(value);
      };
      entry.done.then(finish(resolve), finish(reject));
    });
  }

  #scheduleFromToken() {
    const now = this.#clock.now();
    const tok = this.#current;
    let delay = 0;
    if (tok !== null && tok.expiresOnTimestamp > now) {
      const ttl = tok.expiresOnTimestamp - now;
      delay = ttl > EXPIRING_SOON_MS ? ttl - EXPIRING_SOON_MS : Math.max(ttl / 2, MIN_REFRESH_DELAY_MS);
    }
    this.#setTimer(now + delay);
  }

  #scheduleRetry() {
    const delay = Math.min(RETRY_BASE_MS * 2 ** Math.min(this.#failures - 1, 30), RETRY_MAX_MS);
    this.#setTimer(this.#clock.now() + delay);
  }

  #setTimer(dueAt) {
    this.#clearTimer();
    const delay = Math.min(Math.max(0, dueAt - this.#clock.now()), MAX_TIMER_MS);
    this.#timer = this.#clock.setTimeout(() => this.#onTimer(dueAt), delay);
    this.#hasTimer = true;
    unref(this.#timer);
  }

  #clearTimer() {
    if (this.#hasTimer) this.#clock.clearTimeout(this.#timer);
    this.#hasTimer = false;
    this.#timer = undefined;
  }

  #onTimer(dueAt) {
    this.#hasTimer = false;
    this.#timer = undefined;
    if (this.#disposed) return;
    if (this.#clock.now() < dueAt) {
      this.#setTimer(dueAt);
      return;
    }
    this.#startRefresh().proactive = true;
  }
}

function refreshFailed(cause) {
  const ours = isAcsIdentityError(cause);
  const message = ours
    ? `the tokenRefresher failed: ${cause.message}`
    : `the tokenRefresher failed (${cause instanceof Error ? cause.name : typeof cause}); see \`cause\``;
  return error('TokenRefreshFailed', message, {
    cause,
    statusCode: ours ? cause.statusCode : undefined,
    requestId: ours ? cause.requestId : undefined,
  });
}

/**
 * A `tokenRefresher` for your app's token endpoint: `POST url` with `Authorization: Bearer
 * <await getAuthToken()>` (and `{ scopes, expiresInMinutes }` as JSON when given); the answer
 * `{ user, token, expiresOn }` becomes `{ token, expiresOn }`.
 */
export function tokenRefresher(url, options) {
  if (typeof url !== 'string' && !(url instanceof URL)) {
    throw error('InvalidArgument', 'tokenRefresher: url must be a string or a URL', { target: 'url' });
  }
  const { getAuthToken, fetch: fetchOption, scopes, expiresInMinutes } = options ?? {};
  if (typeof getAuthToken !== 'function') {
    throw error('InvalidArgument', 'tokenRefresher: options.getAuthToken must be a function', { target: 'getAuthToken' });
  }
  if (fetchOption !== undefined && typeof fetchOption !== 'function') {
    throw error('InvalidArgument', 'tokenRefresher: options.fetch must be a function', { target: 'fetch' });
  }
  if (scopes !== undefined && !(Array.isArray(scopes) && scopes.every((s) => typeof s === 'string'))) {
    throw error('InvalidArgument', 'tokenRefresher: options.scopes must be an array of strings', { target: 'scopes' });
  }
  if (expiresInMinutes !== undefined && !Number.isInteger(expiresInMinutes)) {
    throw error('InvalidArgument', 'tokenRefresher: options.expiresInMinutes must be a whole number', {
      target: 'expiresInMinutes',
    });
  }
  const target = String(url);
  const payload = {};
  if (scopes !== undefined) payload.scopes = [...scopes];
  if (expiresInMinutes !== undefined) payload.expiresInMinutes = expiresInMinutes;
  const body = Object.keys(payload).length > 0 ? JSON.stringify(payload) : undefined;

  return async function refresh(abortSignal) {
    const doFetch = fetchOption ?? globalThis.fetch;
    if (typeof doFetch !== 'function') {
      throw error('InvalidArgument', 'tokenRefresher: no global fetch; pass options.fetch', { target: 'fetch' });
    }
    const authToken = await getAuthToken(abortSignal);
    if (typeof authToken !== 'string' || authToken === '') {
      throw error('InvalidArgument', 'tokenRefresher: getAuthToken must resolve a non-empty string', {
        target: 'getAuthToken',
      });
    }
    const headers = { authorization: `Bearer ${authToken}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response;
    try {
      response = await doFetch(target, { method: 'POST', headers, body, signal: abortSignal });
    } catch (e) {
      if (abortSignal?.aborted) throw error('Aborted', 'the token request was aborted', { cause: e });
      throw error('NetworkError', `the token endpoint could not be reached: ${e?.message ?? e}`, { cause: e });
    }
    const status = response.status;
    let json;
    let text = '';
    try {
      text = await response.text();
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (status < 200 || status > 299) {
      const err = json !== null && typeof json === 'object' ? json.error : undefined;
      const code = typeof err?.code === 'string' && err.code !== '' ? err.code : 'UnexpectedResponse';
      const message =
        typeof err?.message === 'string' && err.message !== ''
          ? err.message
          : `the token endpoint answered HTTP ${status}`;
      throw error(code, message, {
        statusCode: status,
        target: typeof err?.target === 'string' ? err.target : undefined,
        details: err?.details,
      });
    }
    if (json === null || typeof json !== 'object' || typeof json.token !== 'string' || json.token === '') {
      throw error('UnexpectedResponse', 'the token endpoint answer is not JSON of the form { user, token, expiresOn }', {
        statusCode: status,
      });
    }
    return { token: json.token, expiresOn: json.expiresOn };
  };
}
