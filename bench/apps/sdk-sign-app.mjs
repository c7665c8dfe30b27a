// The browser app of the signing-only size benchmark (the SDK): the same signature with the
// official access-key policy of @azure/communication-common (what the SDK signs requests with).
import { createCommunicationAccessKeyCredentialPolicy } from '@azure/communication-common';
import { AzureKeyCredential } from '@azure/core-auth';
import { createPipelineRequest } from '@azure/core-rest-pipeline';

const accessKey = decodeURIComponent(location.hash.slice('#key='.length));
const url = `${location.origin}/identities?api-version=2025-06-30`;
const body = JSON.stringify({ createTokenWithScopes: ['chat'] });
const request = createPipelineRequest({ url, method: 'POST', body });
const policy = createCommunicationAccessKeyCredentialPolicy(new AzureKeyCredential(accessKey));
await policy.sendRequest(request, async () => ({ request, status: 200, headers: request.headers }));
const headers = Object.fromEntries(['x-ms-date', 'x-ms-content-sha256', 'authorization'].map((h) => [h, request.headers.get(h)]));
document.body.dataset.ok = String(headers.authorization.startsWith('HMAC-SHA256 '));
document.body.dataset.signed = JSON.stringify(headers);
