// Entry for browsers and bundlers: fetches and compiles the .wasm beside this file (top-level await).
import init from './acs_identity.js';
import { afterInit } from './internal.js';

await init({ module_or_path: new URL('./acs_identity_baseline_bg.wasm', import.meta.url) });
afterInit();

export * from './api.js';
