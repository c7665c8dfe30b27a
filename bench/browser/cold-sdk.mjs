// Cold start in the page with the SDK: navigation start → modules evaluated → first signature
// through the access-key policy (Web Crypto, asynchronous).
import { createCommunicationAccessKeyCredentialPolicy } from '@azure/communication-common';
import { AzureKeyCredential } from '@azure/core-auth';
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { BODY, KEY, URL_ } from '../lib/signing-cases.mjs';

const loaded = performance.now();
const request = createPipelineRequest({ url: URL_, method: 'POST', body: BODY });
await createCommunicationAccessKeyCredentialPolicy(new AzureKeyCredential(KEY)).sendRequest(request, async () => ({ request, status: 200, headers: request.headers }));
const signed = performance.now();
// When each file arrived (fetch start → response end), to split network from compile time.
const resources = performance.getEntriesByType('resource').map((e) => ({ name: e.name.split('/').pop(), start: e.startTime, end: e.responseEnd }));
window.cold = { loaded, signed, resources, ok: request.headers.get('authorization').startsWith('HMAC-SHA256 ') };
