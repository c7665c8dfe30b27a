// Loader of the conformance cases: exchanges that the official Azure SDKs recorded from the real
// ACS Identity service in their live tests, transcribed under tests/conformance/cases/<repo>/.
// Node built-ins only. See tests/conformance/README.md for the format.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CASES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cases');

const SANITIZED_RE = /^(?:sanitized|redacted|REDACTED|Sanitized|SANITIZED|\*+)$/;

/**
 * Whether a recorded string is a placeholder written by the recording sanitizer (the real value
 * was removed), so that it may only be compared by shape, never by value.
 * Recognised: `sanitized`/`Sanitized`, `REDACTED`, `***`, JWTs whose signature the recorder replaced
 * by `Sanitized`, and the recorders' placeholder endpoints.
 * @param {unknown} value
 */
export function isSanitized(value) {
  if (typeof value !== 'string') return false;
  if (SANITIZED_RE.test(value)) return true;
  // JWTs whose payload or signature the recorder replaced.
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.(?:Sanitized|sanitized|REDACTED)$/.test(value)) return true;
  if (value === 'https://sanitized.communication.azure.com/' || /^https:\/\/(?:sanitized|endpoint|REDACTED)[./]/.test(value)) return true;
  return false;
}

/** Parse JSON text, or null when it is null/empty/not JSON. */
function parseBody(text) {
  if (text === null || text === undefined || text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Pathname of a recorded uri as sent (percent-encoding kept, no normalisation). */
function rawPath(uri) {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/i.exec(uri);
  if (!m) throw new Error(`not an absolute uri: ${uri}`);
  return m[1] || '/';
}

function apiVersionOf(uri) {
  const q = uri.includes('?') ? uri.slice(uri.indexOf('?') + 1).split('#')[0] : '';
  for (const part of q.split('&')) {
    const [k, v = ''] = part.split('=');
    if (decodeURIComponent(k) === 'api-version') return decodeURIComponent(v);
  }
  return null;
}

function fail(file, msg) {
  throw new Error(`${path.relative(process.cwd(), file)}: ${msg}`);
}

/**
 * Load one case file.
 * @param {string} file absolute path
 */
export function loadCase(file) {
  const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  const repoShort = path.basename(path.dirname(file));
  const name = path.basename(file, '.json');
  if (raw.id !== `${repoShort}/${name}`) fail(file, `id must be "${repoShort}/${name}", got ${JSON.stringify(raw.id)}`);
  const s = raw.source;
  if (!s || typeof s.repo !== 'string' || typeof s.path !== 'string' || !/^[0-9a-f]{40}$/.test(s.commit ?? '')) {
    fail(file, 'source needs repo, path and a 40-hex commit');
  }
  if (typeof raw.test !== 'string' || !raw.test) fail(file, 'test (the recorded test name) is required');
  if (raw.skip !== undefined && (typeof raw.skip !== 'string' || !raw.skip)) fail(file, 'skip must be a reason');
  if (raw.skipEmulator !== undefined && (typeof raw.skipEmulator !== 'string' || !raw.skipEmulator)) fail(file, 'skipEmulator must be a reason');
  if (!Array.isArray(raw.exchanges) || raw.exchanges.length === 0) fail(file, 'exchanges must be a non-empty array');
  const exchanges = raw.exchanges.map((x, i) => {
    const rq = x.request;
    const rs = x.response;
    if (!rq || typeof rq.method !== 'string' || typeof rq.uri !== 'string') fail(file, `exchange ${i}: request.method/uri`);
    if (!(rq.body === null || typeof rq.body === 'string')) fail(file, `exchange ${i}: request.body must be text or null`);
    if (!rs || !Number.isInteger(rs.status)) fail(file, `exchange ${i}: response.status`);
    if (!(rs.body === null || typeof rs.body === 'string')) fail(file, `exchange ${i}: response.body must be text or null`);
    if (rs.body !== null && typeof rs.contentType !== 'string') fail(file, `exchange ${i}: response.contentType (recorded Content-Type) is required with a body`);
    const out = {
      request: {
        method: rq.method.toUpperCase(),
        uri: rq.uri,
        path: rawPath(rq.uri),
        apiVersion: apiVersionOf(rq.uri),
        bodyText: rq.body,
        body: parseBody(rq.body),
      },
      response: { status: rs.status, contentType: rs.contentType ?? null, bodyText: rs.body, body: parseBody(rs.body) },
    };
    // What the test really sent where the recorder sanitized it (from the test's source):
    // { id?: raw identity id in the path, body?: { field: value | "$teamsToken" | ... } }.
    if (rq.actual !== undefined) out.request.actual = rq.actual;
    // false when the recorder does not store request bodies (Java): `body` is then the body the
    // test sent, reconstructed from its source and its recorded answer, not recorded bytes.
    out.request.bodyRecorded = rq.bodyRecorded !== false;
    // The service's text today where a later recording of the same request shows it changed:
    // { message, source: "<case id>" }.
    if (rs.current !== undefined) out.response.current = rs.current;
    return out;
  });
  /** @type {any} */
  const c = { id: raw.id, source: { repo: s.repo, path: s.path, commit: s.commit }, test: raw.test, file, exchanges };
  if (raw.skip !== undefined) c.skip = raw.skip;
  if (raw.skipEmulator !== undefined) c.skipEmulator = raw.skipEmulator;
  if (raw.notes !== undefined) c.notes = raw.notes;
  return c;
}

/**
 * Every case, sorted by id.
 * @param {{ dir?: string }} [o]
 */
export function loadCases(o = {}) {
  const dir = o.dir ?? CASES_DIR;
  const cases = [];
  for (const repo of fs.readdirSync(dir).sort()) {
    const sub = path.join(dir, repo);
    if (!fs.statSync(sub).isDirectory()) continue;
    for (const f of fs.readdirSync(sub).sort()) {
      if (f.endsWith('.json')) cases.push(loadCase(path.join(sub, f)));
    }
  }
  const ids = new Set();
  for (const c of cases) {
    if (ids.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
    ids.add(c.id);
  }
  return cases.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The operation an exchange calls: `createIdentity`, `getIdentity`, `deleteIdentity`,
 * `issueAccessToken`, `revokeAccessTokens`, `exchangeTeamsToken`, or `other`.
 * @param {{request: {method: string, path: string}}} x
 */
export function operationOf(x) {
  const { method, path: p } = x.request;
  if (/^\/teamsUser\/:exchangeAccessToken$/i.test(p)) return 'exchangeTeamsToken';
  if (/^\/identities\/?$/i.test(p)) return method === 'POST' ? 'createIdentity' : 'other';
  if (/^\/identities\/[^/]+\/:issueAccessToken$/i.test(p)) return 'issueAccessToken';
  if (/^\/identities\/[^/]+\/:revokeAccessTokens$/i.test(p)) return 'revokeAccessTokens';
  if (/^\/identities\/[^/]+$/i.test(p)) return method === 'DELETE' ? 'deleteIdentity' : method === 'GET' ? 'getIdentity' : 'other';
  return 'other';
}

/**
 * Counts of a case set: cases, skips (by reason; `skippedOnEmulator`: cases the clients run but the
 * emulator does not), exchanges, and cases per source repository,
 * per api-version and per operation (a case counts once under each it uses).
 * @param {ReturnType<typeof loadCases>} cases
 */
export function summarize(cases) {
  const inc = (o, k) => (o[k] = (o[k] ?? 0) + 1);
  const s = { cases: cases.length, exchanges: 0, skipped: {}, skippedOnEmulator: {}, byRepo: {}, byApiVersion: {}, byOperation: {}, errors: 0, successes: 0 };
  for (const c of cases) {
    inc(s.byRepo, c.source.repo);
    if (c.skip) inc(s.skipped, c.skip);
    if (c.skipEmulator) inc(s.skippedOnEmulator, c.skipEmulator);
    for (const v of new Set(c.exchanges.map((x) => x.request.apiVersion))) inc(s.byApiVersion, v);
    for (const op of new Set(c.exchanges.map(operationOf))) inc(s.byOperation, op);
    s.exchanges += c.exchanges.length;
    if (c.exchanges.some((x) => x.response.status >= 400)) s.errors++;
    else s.successes++;
  }
  return s;
}
