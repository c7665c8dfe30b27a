// Entry for Node, Deno and Bun: the .wasm is read from beside this file, synchronously.
// The build inlines ./internal.js and ./api.js here (one module fewer to load at start-up); the
// glue, errors.js and credential.js stay shared with the other entries.
import { createRequire } from 'node:module';
import { initSync } from './acs_identity.js';
import { afterInit } from './internal.js';

// `fs` through `require`: importing `node:fs` as an ES module costs Node 20 about 2 ms at start.
const { readFileSync } = createRequire(import.meta.url)('node:fs');

initSync({ module: readFileSync(new URL('./acs_identity_bg.wasm', import.meta.url)) });
afterInit();

export * from './api.js';
