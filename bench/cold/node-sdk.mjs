// Cold start in a fresh process with the SDK: import its access-key policy (and what it needs to
// drive it), sign one request. Prints one JSON line, as node-ours.mjs.
import { BODY, KEY, URL_ } from '../lib/signing-cases.mjs';

const start = performance.now();
const [{ createCommunicationAccessKeyCredentialPolicy }, { AzureKeyCredential }, { createPipelineRequest }] = await Promise.all([
  import('@azure/communication-common'),
  import('@azure/core-auth'),
  import('@azure/core-rest-pipeline'),
]);
const loaded = performance.now();
const request = createPipelineRequest({ url: URL_, method: 'POST', body: BODY });
await createCommunicationAccessKeyCredentialPolicy(new AzureKeyCredential(KEY)).sendRequest(request, async () => ({ request, status: 200, headers: request.headers }));
const signed = performance.now();
console.log(JSON.stringify({ start, loaded, signed, ok: request.headers.get('authorization').startsWith('HMAC-SHA256 ') }));
