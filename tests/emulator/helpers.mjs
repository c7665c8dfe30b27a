// Shared test helpers: raw HTTP calls (node:http, so Host and every header stay under control),
// token decoding, and an optional self-signed certificate made with the openssl CLI.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { signRequest } from './sign.mjs';

export const V = {
  GA1: '2021-03-07',
  TEAMS: '2022-06-01',
  EXPIRES: '2022-10-01',
  JOIN: '2023-10-01',
  PREVIEW: '2025-03-02-preview',
  LATEST: '2025-06-30',
};
export const ALL_VERSIONS = Object.values(V);

export const APP_ID = '11111111-2222-3333-4444-555555555555';
export const USER_ID = '66666666-7777-8888-9999-aaaaaaaaaaaa';
export const TENANT_ID = 'bbbbbbbb-cccc-dddd-eeee-ffffffffffff';

export const SERVICE_DATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}\+00:00$/;

/**
 * A raw HTTP(S) request.
 * @param {string} baseUrl e.g. http://127.0.0.1:1234
 * @param {string} method
 * @param {string} pathAndQuery
 * @param {{headers?: Record<string,string>, body?: string | Buffer, ca?: string, chunked?: boolean, agent?: any}} [opts]
 * @returns {Promise<{status: number, headers: import('node:http').IncomingHttpHeaders, text: string, json: any}>}
 */
export function rawRequest(baseUrl, method, pathAndQuery, opts = {}) {
  const u = new URL(baseUrl);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const headers = { ...(opts.headers ?? {}) };
    const body = opts.body ?? '';
    if (!opts.chunked && headers['content-length'] === undefined && !('transfer-encoding' in headers)) {
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const req = mod.request(
      {
        hostname: u.hostname,
        port: u.port,
        method,
        path: pathAndQuery,
        headers,
        ca: opts.ca,
        agent: opts.agent ?? false,
        setHost: !('host' in headers),
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (opts.chunked) {
      const buf = Buffer.from(body);
      for (let i = 0; i < buf.length; i += 8192) req.write(buf.subarray(i, i + 8192));
      req.end();
    } else {
      req.end(body);
    }
  });
}

/**
 * A signed call to the emulator's service API.
 * @param {{url: string, accessKey: string}} emu
 * @param {string} method
 * @param {string} pathname path as sent (already percent-encoded)
 * @param {object} [o]
 * @param {unknown} [o.json]               JSON body (serialised)
 * @param {string | Buffer} [o.body]       raw body (instead of json)
 * @param {string | null} [o.apiVersion]   default 2023-10-01; null: no api-version
 * @param {Record<string,string>} [o.headers] extra/overriding headers
 * @param {boolean} [o.unsigned]
 * @param {string} [o.key]                 sign with this key instead
 * @param {string} [o.signedHost]          sign this host instead of the real authority
 * @param {string} [o.signedPath]          sign this pathAndQuery instead
 * @param {string} [o.signedMethod]
 * @param {string} [o.date]
 * @param {'x-ms-date'|'date'} [o.dateHeader]
 * @param {string} [o.hash]                content hash to sign and send
 * @param {string} [o.ca]
 * @param {boolean} [o.chunked]
 */
export async function call(emu, method, pathname, o = {}) {
  const pathAndQuery =
    o.apiVersion === null ? pathname : `${pathname}${pathname.includes('?') ? '&' : '?'}api-version=${o.apiVersion ?? V.JOIN}`;
  let body = o.body ?? (o.json !== undefined ? JSON.stringify(o.json) : '');
  /** @type {Record<string,string>} */
  let headers = {};
  if (Buffer.byteLength(body) > 0) headers['content-type'] = 'application/json';
  if (!o.unsigned) {
    headers = {
      ...headers,
      ...signRequest({
        method: o.signedMethod ?? method,
        pathAndQuery: o.signedPath ?? pathAndQuery,
        host: o.signedHost ?? new URL(emu.url).host,
        accessKey: o.key ?? emu.accessKey,
        body,
        date: o.date,
        dateHeader: o.dateHeader,
        hash: o.hash,
      }),
    };
  }
  headers = { ...headers, ...(o.headers ?? {}) };
  return rawRequest(emu.url, method, pathAndQuery, { headers, body, ca: o.ca, chunked: o.chunked });
}

/** Percent-encode an identity id for a path segment. */
export const enc = (id) => encodeURIComponent(id);

/** Create an identity and return its id. */
export async function createUser(emu, apiVersion = V.JOIN, json) {
  const r = await call(emu, 'POST', '/identities', { apiVersion, json });
  if (r.status !== 201) throw new Error(`create failed: ${r.status} ${r.text}`);
  return r.json.identity.id;
}

/** Issue a token (asserting success). */
export async function issue(emu, id, scopes = ['chat'], apiVersion = V.JOIN, extra = {}) {
  const r = await call(emu, 'POST', `/identities/${enc(id)}/:issueAccessToken`, { apiVersion, json: { scopes, ...extra } });
  if (r.status !== 200) throw new Error(`issue failed: ${r.status} ${r.text}`);
  return r.json;
}

/** Unauthenticated JSON call to an /emulator/ route. */
export async function emuRoute(emu, method, pathname, json, opts = {}) {
  const body = json === undefined ? '' : JSON.stringify(json);
  return rawRequest(emu.url, method, pathname, {
    headers: body ? { 'content-type': 'application/json' } : {},
    body,
    ca: opts.ca,
  });
}

/** Introspect a token through the emulator. */
export async function introspect(emu, token, opts) {
  const r = await emuRoute(emu, 'POST', '/emulator/introspect', { token }, opts);
  if (r.status !== 200) throw new Error(`introspect failed: ${r.status} ${r.text}`);
  return r.json;
}

/** Mint an Entra-like Teams token through the emulator. */
export async function teamsToken(emu, body) {
  const r = await emuRoute(emu, 'POST', '/emulator/teams-token', body);
  if (r.status !== 200) throw new Error(`teams-token failed: ${r.status} ${r.text}`);
  return r.json;
}

/** Decode a JWT's header and claims (no verification). */
export function decodeJwt(token) {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')),
    claims: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')),
  };
}

/** A fresh temporary directory (removed by the caller's `after`). */
export function tempDir(prefix = 'acs-emu-test-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * A self-signed certificate for 127.0.0.1/localhost made with the openssl CLI, or
 * undefined when openssl is not available (tests then skip with that reason).
 * @param {string} dir
 * @returns {{cert: string, key: string, certPem: string} | undefined}
 */
export function makeSelfSignedCert(dir) {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  try {
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
        '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore', timeout: 20000 },
    );
  } catch {
    return undefined;
  }
  return { cert, key, certPem: fs.readFileSync(cert, 'utf8') };
}
