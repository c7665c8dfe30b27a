// Runner for Node, Deno and Bun: imports the package by name and prints one JSON line of results.
// Usage: <runtime> runner.mjs '<ctx json>'
import * as lib from 'acs-identity';
import * as sign from 'acs-identity/sign';
import { runCases } from './harness.mjs';
import { runAll } from './cases.mjs';

const args = globalThis.Deno ? globalThis.Deno.args : globalThis.process.argv.slice(2);
const ctx = JSON.parse(args[0] ?? '{}');
const results = await runAll(runCases, lib, sign, ctx);
console.log(`@@RESULTS@@${JSON.stringify(results)}`);
