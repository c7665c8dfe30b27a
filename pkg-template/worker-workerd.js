// acs-identity/worker for Cloudflare Workers (workerd): the .wasm is imported as a compiled module.
import './workerd.js';

export * from './worker.js';
export { default } from './worker.js';
export { toNodeListener } from './node-listener.js';
