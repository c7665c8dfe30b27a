// Runner for workerd: POST the ctx as JSON, get the results as JSON.
import * as lib from 'acs-identity';
import * as sign from 'acs-identity/sign';
import { runCases } from './harness.mjs';
import { runAll } from './cases.mjs';

export default {
  async fetch(request) {
    const ctx = await request.json();
    return Response.json(await runAll(runCases, lib, sign, ctx));
  },
};
