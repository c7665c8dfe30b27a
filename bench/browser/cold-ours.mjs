// Cold start in the page: navigation start (performance.timeOrigin) → module loaded (the .wasm
// fetched, compiled and instantiated by the package's top-level await) → first signature.
import { signRequest } from 'acs-identity';
import { BODY, KEY, URL_ } from '../lib/signing-cases.mjs';

const loaded = performance.now();
const h = signRequest({ method: 'POST', url: URL_, body: BODY, accessKey: KEY });
const signed = performance.now();
// When each file arrived (fetch start → response end), to split network from compile time.
const resources = performance.getEntriesByType('resource').map((e) => ({ name: e.name.split('/').pop(), start: e.startTime, end: e.responseEnd }));
window.cold = { loaded, signed, resources, ok: h.authorization.startsWith('HMAC-SHA256 ') };
