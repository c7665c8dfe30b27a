// Signing throughput in a server runtime: `node|bun bench/signing-runtime.mjs '{"samples":15}'`
// or `deno run -A bench/signing-runtime.mjs ...`. Prints one JSON line:
// { runtime, version, check, opsPerSec: { ours: [...], sdk: [...] }, batch }.
import { signRequest } from 'acs-identity';
import { createCommunicationAccessKeyCredentialPolicy } from '@azure/communication-common';
import { AzureKeyCredential } from '@azure/core-auth';
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { makeCases, measureInterleaved } from './lib/signing-cases.mjs';

const opts = JSON.parse(process.argv[2] ?? '{}');
const cases = makeCases({ signRequest, createCommunicationAccessKeyCredentialPolicy, AzureKeyCredential, createPipelineRequest });
const check = await cases.check();
const result = await measureInterleaved(cases, opts);
const runtime = globalThis.Deno ? 'deno' : globalThis.Bun ? 'bun' : 'node';
const version = globalThis.Deno ? Deno.version.deno : globalThis.Bun ? Bun.version : process.versions.node;
console.log(JSON.stringify({ runtime, version, check, ...result }));
