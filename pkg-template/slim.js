// Entry for hosting the .wasm yourself: call `await init(source)` once before anything else.
// It loads the client's binary, acs_identity_bg.wasm.
import initGlue, { __setErrorClass, initSync as initGlueSync } from './acs_identity.js';
import * as api from './api.js';
import { AcsIdentityError } from './errors.js';

const afterInit = () => __setErrorClass(AcsIdentityError);

let ready;
let loaded = false;

/**
 * Loads the module once. `source` is a URL / string URL, a Response or its promise, bytes
 * (ArrayBuffer / typed array) or a compiled WebAssembly.Module.
 */
export function init(source) {
  ready ??= initGlue({ module_or_path: source }).then(() => {
    afterInit();
    loaded = true;
  });
  return ready;
}

/** Synchronous variant for bytes or a compiled WebAssembly.Module. */
export function initSync(source) {
  if (loaded) return;
  initGlueSync({ module: source });
  afterInit();
  loaded = true;
  ready ??= Promise.resolve();
}

function requireInit(what) {
  if (!loaded) {
    throw new AcsIdentityError(`acs-identity/slim: call \`await init(source)\` before ${what}`, { code: 'NotInitialized' });
  }
}

export function signRequest(options) {
  requireInit('signRequest');
  return api.signRequest(options);
}

export function parseConnectionString(connectionString) {
  requireInit('parseConnectionString');
  return api.parseConnectionString(connectionString);
}

export function decodeAccessToken(token) {
  requireInit('decodeAccessToken');
  return api.decodeAccessToken(token);
}

export class CommunicationIdentityClient extends api.CommunicationIdentityClient {
  constructor(...args) {
    requireInit('new CommunicationIdentityClient()');
    super(...args);
  }
}

// Plain JavaScript, usable before init.
export { AcsIdentityError, isAcsIdentityError, AcsTokenCredential, tokenRefresher } from './api.js';
