// The public API, shared by every entry point. Loaders instantiate the wasm module first.
import { __signFast, signRequest as signRequestFull, CommunicationIdentityClient as WasmClient } from './acs_identity.js';

export { AcsIdentityError, isAcsIdentityError } from './errors.js';
export { parseConnectionString, decodeAccessToken } from './acs_identity.js';
export { AcsTokenCredential, tokenRefresher } from './credential.js';

/**
 * Signs a request (see index.d.ts). The common shape — string method, URL, body and access key,
 * the time absent, a Date or milliseconds — takes a fast path that passes plain strings to the
 * wasm module; every other shape (and every error) goes through the full argument reader.
 */
export function signRequest(options) {
  if (options !== null && typeof options === 'object' && options.connectionString === undefined) {
    const { method, url, body, accessKey, date } = options;
    const ms = date === undefined ? Date.now() : date instanceof Date ? date.getTime() : date;
    if (
      typeof method === 'string' &&
      typeof url === 'string' &&
      typeof accessKey === 'string' &&
      (body === undefined || typeof body === 'string') &&
      typeof ms === 'number'
    ) {
      const s = __signFast(method, url, body ?? '', accessKey, ms);
      const i = s.indexOf('\n');
      const j = s.indexOf('\n', i + 1);
      return { 'x-ms-date': s.slice(0, i), 'x-ms-content-sha256': s.slice(i + 1, j), authorization: s.slice(j + 1) };
    }
  }
  return signRequestFull(options);
}

const capture = Error.captureStackTrace;

/**
 * Appends the caller's frames, captured in `site` when the method was called, to `err.stack`.
 * The capture is cheap; its text is only formatted here, for a call that failed.
 */
function addCallerFrames(err, site) {
  if (!(err instanceof Error)) return;
  const lines = String(site.stack ?? '').split('\n');
  // V8 starts with a header line ("Error"); JavaScriptCore does not.
  const frames = /^\s+at |@/.test(lines[0] ?? '') ? lines : lines.slice(1);
  if (frames.length === 0) return;
  const stack = String(err.stack ?? '');
  if (stack.includes(frames[0].trim())) return; // a synchronous refusal already has them
  try {
    err.stack = `${stack}\n${frames.join('\n')}`;
  } catch {
    // A frozen error keeps its stack.
  }
}

/**
 * `CommunicationIdentityClient`: the wasm client, with each method's rejections given the
 * caller's stack frames (the async call's own frames are the wasm module's only).
 */
export class CommunicationIdentityClient extends WasmClient {}

for (const name of ['createUser', 'createUserAndToken', 'getToken', 'revokeTokens', 'deleteUser', 'getUser', 'getTokenForTeamsUser']) {
  const method = WasmClient.prototype[name];
  const wrapped = {
    [name](...args) {
      const site = {};
      if (capture) capture(site, wrapped);
      else site.stack = new Error().stack;
      return method.apply(this, args).catch((err) => {
        addCallerFrames(err, site);
        throw err;
      });
    },
  }[name];
  Object.defineProperty(CommunicationIdentityClient.prototype, name, { value: wrapped, writable: true, configurable: true });
}
