// acs-identity/worker for browsers, bundlers and other runtimes: the .wasm is fetched beside this file (top-level await).
import './browser.js';

export * from './worker.js';
export { default } from './worker.js';
export { toNodeListener } from './node-listener.js';
