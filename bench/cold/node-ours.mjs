// Cold start in a fresh process (Node, Deno or Bun): times since the process's time origin, of
// user code starting, the package imported (the .wasm read, compiled and instantiated) and the
// first signRequest. Prints one JSON line.
import { BODY, KEY, URL_ } from '../lib/signing-cases.mjs';

const start = performance.now();
const { signRequest } = await import('acs-identity');
const loaded = performance.now();
const h = signRequest({ method: 'POST', url: URL_, body: BODY, accessKey: KEY });
const signed = performance.now();
console.log(JSON.stringify({ start, loaded, signed, ok: h.authorization.startsWith('HMAC-SHA256 ') }));
