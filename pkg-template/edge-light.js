// Entry for Vercel Edge Functions and Middleware (the `edge-light` condition): code generation from
// bytes is not allowed there, so the .wasm is imported with the `?module` suffix, which Vercel's
// bundler turns into a compiled WebAssembly.Module.
import wasmModule from './acs_identity_bg.wasm?module';
import { initSync } from './acs_identity.js';
import { afterInit } from './internal.js';

initSync({ module: wasmModule });
afterInit();

export * from './api.js';
