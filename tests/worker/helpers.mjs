// Shared helpers of the token endpoint tests: the packed package installed in a throwaway
// project, worker bundles made as wrangler makes them, Miniflare, app tokens signed with
// node:crypto and a JWKS served from loopback.
import { createHmac, generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { prepareConsumer, root } from '../support/consumer.mjs';
import { bundleWorker, cleanBundles } from '../support/workerd.mjs';

export { bundleWorker, cleanBundles, root };

/** The consumer project with the packed package installed (worker.js must be built). */
export function prepareWorkerConsumer() {
  if (!existsSync(join(root, 'pkg', 'worker.js'))) throw new Error('pkg/ is not built (or lacks worker.js): node scripts/build.mjs');
  return prepareConsumer();
}

/** The entry a user writes for the ready Worker. */
export const DEFAULT_ENTRY = "export { default } from 'acs-identity/worker';\n";

/** One worker of a Miniflare instance (options as Miniflare's worker options). */
export function workerOptions(scriptPath, bindings, extra = {}) {
  return {
    modules: true,
    scriptPath,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: '2025-01-01',
    bindings,
    kvNamespaces: ['IDENTITY_KV'],
    ...extra,
  };
}

/** Starts Miniflare with one worker; returns `{ mf, fetch(path, init) }`. */
export async function startWorker(scriptPath, bindings, extra = {}) {
  const mf = new Miniflare(workerOptions(scriptPath, bindings, extra));
  await mf.ready;
  return { mf, fetch: (path, init) => mf.dispatchFetch(`http://worker.test${path}`, init) };
}

/**
 * Starts Miniflare with several named workers, each routed by its own host name
 * (`http://<name>.test/...`) through `dispatchFetch`; returns `{ mf, workers: { name: { fetch } } }`.
 */
export async function startWorkers(defs) {
  const host = (name) => `${name.toLowerCase()}.test`;
  const mf = new Miniflare({
    workers: Object.entries(defs).map(([name, o]) => ({ name, routes: [`${host(name)}/*`], ...o })),
  });
  await mf.ready;
  const workers = {};
  for (const name of Object.keys(defs)) {
    workers[name] = { fetch: (path, init) => mf.dispatchFetch(`http://${host(name)}${path}`, init) };
  }
  return { mf, workers };
}

/**
 * Calls the endpoint. `token` becomes `Authorization: Bearer`; an object `body` is sent as JSON.
 * @returns {Promise<{status: number, headers: Headers, text: string, json: any}>}
 */
export async function call(target, { method = 'POST', path = '/token', token, body, headers = {} } = {}) {
  const h = { ...headers };
  if (token !== undefined) h.authorization = `Bearer ${token}`;
  let payload = body;
  if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array) && !(body instanceof ReadableStream)) {
    payload = JSON.stringify(body);
    h['content-type'] ??= 'application/json';
  }
  const init = { method, headers: h, body: payload };
  if (payload instanceof ReadableStream) init.duplex = 'half';
  const res = await target.fetch(path, init);
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

// ---- app tokens ----------------------------------------------------------------------------------

const b64u = (b) => Buffer.from(b).toString('base64url');

/** The order of the P-256 group. */
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/**
 * An ES256 signature (`r || s`) in its low-S form (`s ≤ n/2`), which the endpoint requires;
 * OpenSSL (and so node:crypto) returns either form.
 */
export function lowS(signature) {
  const s = BigInt(`0x${signature.subarray(32).toString('hex')}`);
  if (s <= P256_N / 2n) return signature;
  return Buffer.concat([signature.subarray(0, 32), Buffer.from((P256_N - s).toString(16).padStart(64, '0'), 'hex')]);
}

/** Signs `claims` with `header.alg` (HS256 with a secret string, RS256/ES256 with a KeyObject). */
export function signJwt(header, claims, key) {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(claims))}`;
  let signature;
  if (header.alg === 'HS256') signature = createHmac('sha256', key).update(input).digest();
  else if (header.alg === 'RS256') signature = cryptoSign('sha256', Buffer.from(input), key);
  else if (header.alg === 'ES256') signature = lowS(cryptoSign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }));
  else signature = Buffer.alloc(0);
  return `${input}.${b64u(signature)}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Claims valid for 10 minutes for `sub`, plus `extra`. */
export function claimsFor(sub, extra = {}) {
  const now = nowSeconds();
  return { sub, iat: now, exp: now + 600, ...extra };
}

/** Key pairs with their public JWK (kid and alg set). */
export function makeKeys() {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rsa2 = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    rsa: { privateKey: rsa.privateKey, jwk: { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', alg: 'RS256', use: 'sig' } },
    ec: { privateKey: ec.privateKey, jwk: { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', alg: 'ES256', use: 'sig' } },
    rotated: { privateKey: rsa2.privateKey, jwk: { ...rsa2.publicKey.export({ format: 'jwk' }), kid: 'rsa-2', alg: 'RS256', use: 'sig' } },
  };
}

/** Serves `{ keys }` at `/jwks.json` on a free loopback port; `keys` may be changed; counts requests. */
export async function serveJwks(keys) {
  const state = { keys, requests: 0 };
  const server = http.createServer((req, res) => {
    if (req.url !== '/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    state.requests++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: state.keys }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${server.address().port}/jwks.json`;
  state.close = () => new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); });
  return state;
}

// ---- the emulator --------------------------------------------------------------------------------

export async function startEmulator() {
  const { startEmulator: start } = await import(join(root, 'emulator', 'server.mjs'));
  return start({ port: 0, faults: true });
}

async function emulatorPost(emulator, path, body) {
  const res = await fetch(`${emulator.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.status === 204 ? undefined : res.json();
}

/** `{ active, communicationUserId, scopes, expiresOn, reason }` of an ACS token. */
export const introspect = (emulator, token) => emulatorPost(emulator, '/emulator/introspect', { token });
export const addFault = (emulator, fault) => emulatorPost(emulator, '/emulator/faults', fault);
export const clearFaults = (emulator) => fetch(`${emulator.url}/emulator/faults`, { method: 'DELETE' });
export const emulatorStats = async (emulator) => (await fetch(`${emulator.url}/emulator/stats`)).json();

/** An HS256 secret long enough for the endpoint (32+ bytes). */
export const HS_SECRET = 'test-only-hs256-secret-0123456789abcdef';
