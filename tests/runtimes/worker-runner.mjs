// Runner for workerd: POST the ctx as JSON, get the results as JSON.
import * as lib from 'acs-identity';
import { runCases } from './harness.mjs';
import { cases } from './cases.mjs';

export default {
  async fetch(request) {
    const ctx = await request.json();
    return Response.json(await runCases(lib, cases, ctx, ctx.only));
  },
};
