// acs-identity/worker for Node, Deno and Bun: the .wasm is read from beside this file (the same instance as `acs-identity`).
import './node.js';

export * from './worker.js';
export { default } from './worker.js';
export { toNodeListener } from './node-listener.js';
