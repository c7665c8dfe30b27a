// workerd cold start (ours): a Worker that signs one request per fetch.
import { signRequest } from 'acs-identity';
import { BODY, KEY, URL_ } from '../lib/signing-cases.mjs';

export default {
  fetch() {
    const h = signRequest({ method: 'POST', url: URL_, body: BODY, accessKey: KEY });
    return new Response(h.authorization);
  },
};
