// Cold start in a fresh Node process, the previous package (bench/baseline/, as
// `acs-identity-baseline`): the same measure as node-ours.mjs. Prints one JSON line.
import { BODY, KEY, URL_ } from '../lib/signing-cases.mjs';

const start = performance.now();
const { signRequest } = await import('acs-identity-baseline');
const loaded = performance.now();
const h = signRequest({ method: 'POST', url: URL_, body: BODY, accessKey: KEY });
const signed = performance.now();
console.log(JSON.stringify({ start, loaded, signed, ok: h.authorization.startsWith('HMAC-SHA256 ') }));
