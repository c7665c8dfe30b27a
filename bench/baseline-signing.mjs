// Signing throughput, the current package against the previous one (bench/baseline/, installed as
// `acs-identity-baseline`), interleaved in one Node process: `node bench/baseline-signing.mjs
// '{"samples":15}'`. Prints one JSON line: { version, check, opsPerSec: { ours, baseline }, batch }.
import { signRequest } from 'acs-identity';
import { signRequest as baselineSign } from 'acs-identity-baseline';
import { baselineCases, measureInterleaved } from './lib/signing-cases.mjs';

const opts = JSON.parse(process.argv[2] ?? '{}');
const cases = baselineCases(signRequest, baselineSign);
const check = cases.check();
const result = await measureInterleaved(cases, opts);
console.log(JSON.stringify({ version: process.versions.node, check, ...result }));
