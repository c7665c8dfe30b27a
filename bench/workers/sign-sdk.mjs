// workerd cold start (the SDK): a Worker that signs one request per fetch with the access-key policy.
import { createCommunicationAccessKeyCredentialPolicy } from '@azure/communication-common';
import { AzureKeyCredential } from '@azure/core-auth';
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { BODY, KEY, URL_ } from '../lib/signing-cases.mjs';

const policy = createCommunicationAccessKeyCredentialPolicy(new AzureKeyCredential(KEY));

export default {
  async fetch() {
    const request = createPipelineRequest({ url: URL_, method: 'POST', body: BODY });
    await policy.sendRequest(request, async () => ({ request, status: 200, headers: request.headers }));
    return new Response(request.headers.get('authorization'));
  },
};
