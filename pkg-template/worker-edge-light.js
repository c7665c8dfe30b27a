// acs-identity/worker for Vercel Edge (the `edge-light` condition): the .wasm is imported with `?module`.
import './edge-light.js';

export * from './worker.js';
export { default } from './worker.js';
export { toNodeListener } from './node-listener.js';
