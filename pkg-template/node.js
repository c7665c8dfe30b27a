// Entry for Node, Deno and Bun: the .wasm is read from beside this file, synchronously.
import { readFileSync } from 'node:fs';
import { initSync } from './acs_identity.js';
import { afterInit } from './internal.js';

initSync({ module: readFileSync(new URL('./acs_identity_bg.wasm', import.meta.url)) });
afterInit();

export * from './api.js';
