// Entry for Cloudflare Workers (workerd): the bundler imports the .wasm as a compiled module.
import wasmModule from './acs_identity_bg.wasm';
import { initSync } from './acs_identity.js';
import { afterInit } from './internal.js';

initSync({ module: wasmModule });
afterInit();

export * from './api.js';
