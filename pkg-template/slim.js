// Entry for hosting the .wasm yourself: call `await init(source)` once before anything else.
import initGlue, { initSync as initGlueSync } from './acs_identity.js';
import { afterInit } from './internal.js';

let ready;

/**
 * Loads the module once. `source` is a URL / string URL, a Response or its promise, bytes
 * (ArrayBuffer / typed array) or a compiled WebAssembly.Module.
 */
export function init(source) {
  ready ??= initGlue({ module_or_path: source }).then(afterInit);
  return ready;
}

/** Synchronous variant for bytes or a compiled WebAssembly.Module. */
export function initSync(source) {
  initGlueSync({ module: source });
  afterInit();
  ready ??= Promise.resolve();
}

export * from './api.js';
