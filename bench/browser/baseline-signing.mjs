// Signing throughput in the page, the current package against the previous one (bench/baseline/),
// interleaved. The driver calls `window.runSigning(options)`.
import { signRequest } from 'acs-identity';
import { signRequest as baselineSign } from 'acs-identity-baseline';
import { baselineCases, measureInterleaved } from '../lib/signing-cases.mjs';

const cases = baselineCases(signRequest, baselineSign);

window.runSigning = async (options) => {
  const check = cases.check();
  return { check, ...(await measureInterleaved(cases, options)) };
};
window.ready = true;
