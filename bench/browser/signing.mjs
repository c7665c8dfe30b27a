// Signing throughput in the page (bundled with esbuild for the browser): ours and the SDK's
// access-key policy, interleaved. The driver calls `window.runSigning(options)`.
import { signRequest } from 'acs-identity';
import { createCommunicationAccessKeyCredentialPolicy } from '@azure/communication-common';
import { AzureKeyCredential } from '@azure/core-auth';
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { makeCases, measureInterleaved } from '../lib/signing-cases.mjs';

const cases = makeCases({ signRequest, createCommunicationAccessKeyCredentialPolicy, AzureKeyCredential, createPipelineRequest });

window.runSigning = async (options) => {
  const check = await cases.check();
  return { check, ...(await measureInterleaved(cases, options)) };
};
window.ready = true;
