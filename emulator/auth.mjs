// HMAC-SHA256 request authentication (contract §4), verified with node:crypto only.
//
//   stringToSign = METHOD \n pathAndQuery \n date;host;contentHash
//   signature    = base64(HMAC-SHA256(base64decode(accessKey), utf8(stringToSign)))
//
// Tolerated client quirks (§4): the signed host with the port, without the port, or as
// `host:port:port`; the percent-decoded path; the query re-serialised by URLSearchParams;
// old Java's `date` header instead of `x-ms-date`.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Allowed distance between `x-ms-date` and the emulator's clock (milliseconds). */
export const CLOCK_SKEW_MS = 15 * 60 * 1000;

const SIGNED_HEADERS_STANDARD = 'x-ms-date;host;x-ms-content-sha256';
const SIGNED_HEADERS_OLD_JAVA = 'date;host;x-ms-content-sha256';

const DENIED = 'Denied';
const CONTENT_HASH_MISMATCH = "Request 'x-ms-content-sha256' differs from generated content hash.";

const RFC1123 =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/**
 * Whether `value` is non-empty, canonical-alphabet base64 (with padding).
 * @param {unknown} value
 */
export function isBase64(value) {
  return (
    typeof value === 'string' &&
    value !== '' &&
    /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value)
  );
}

/**
 * base64 SHA-256 of the body bytes (the `x-ms-content-sha256` value).
 * @param {Buffer | Uint8Array | string} body
 * @returns {string}
 */
export function computeContentHash(body) {
  return createHash('sha256').update(body).digest('base64');
}

/**
 * The string a client signs.
 * @param {string} method
 * @param {string} pathAndQuery
 * @param {string} date
 * @param {string} host
 * @param {string} contentHash
 */
export function buildStringToSign(method, pathAndQuery, date, host, contentHash) {
  return `${method.toUpperCase()}\n${pathAndQuery}\n${date};${host};${contentHash}`;
}

/**
 * base64 HMAC-SHA256 of `stringToSign` under the base64 access key.
 * @param {string} accessKey base64
 * @param {string} stringToSign
 * @returns {string}
 */
export function computeSignature(accessKey, stringToSign) {
  return createHmac('sha256', Buffer.from(accessKey, 'base64')).update(stringToSign, 'utf8').digest('base64');
}

/**
 * Strictly parse an RFC 1123 GMT date (`Wed, 13 Apr 2022 18:09:12 GMT`, two-digit day,
 * weekday consistent with the date).
 * @param {string} value
 * @returns {number | undefined} epoch milliseconds
 */
export function parseRfc1123(value) {
  const m = RFC1123.exec(value);
  if (!m) return undefined;
  const [, dow, dd, mon, yyyy, hh, mi, ss] = m;
  const ms = Date.UTC(Number(yyyy), MONTHS.indexOf(mon), Number(dd), Number(hh), Number(mi), Number(ss));
  const d = new Date(ms);
  if (
    Number.isNaN(ms) ||
    d.getUTCDate() !== Number(dd) ||
    d.getUTCHours() !== Number(hh) ||
    d.getUTCMinutes() !== Number(mi) ||
    d.getUTCSeconds() !== Number(ss) ||
    DAYS[d.getUTCDay()] !== dow
  ) {
    return undefined;
  }
  return ms;
}

/**
 * Hosts a client may have signed, given the Host header it sent.
 * @param {string} hostHeader
 * @returns {string[]}
 */
export function hostCandidates(hostHeader) {
  const out = new Set([hostHeader, hostHeader.toLowerCase()]);
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader);
  if (m) {
    const [, name, port] = m;
    out.add(name);
    out.add(name.toLowerCase());
    if (port) out.add(`${name.toLowerCase()}:${port}:${port}`);
  }
  return [...out];
}

/**
 * pathAndQuery strings a client may have signed, given the request target it sent.
 * @param {string} target `req.url`, e.g. `/identities/8%3Aacs%3A...?api-version=2023-10-01`
 * @returns {string[]}
 */
export function pathCandidates(target) {
  const out = new Set([target]);
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  let decodedPath;
  try {
    decodedPath = decodeURIComponent(path);
  } catch {
    decodedPath = undefined;
  }
  const normalizedQuery = query === '' ? '' : new URLSearchParams(query).toString();
  for (const p of [path, decodedPath]) {
    if (p === undefined) continue;
    for (const qs of [query, normalizedQuery]) out.add(qs === '' ? p : `${p}?${qs}`);
  }
  return [...out];
}

/**
 * @typedef {{ok: true, signedHeaders: string} |
 *           {ok: false, status: 401, code: string, message: string}} VerifyResult
 */

function deny(message, code = DENIED) {
  return { ok: false, status: 401, code, message };
}

/**
 * Verify an HMAC-SHA256 signed request. Never reveals the expected signature or the key.
 * @param {object} request
 * @param {string} request.method HTTP method
 * @param {string} request.url request target as sent (path plus `?query`)
 * @param {Record<string, string | string[] | undefined>} request.headers lower-case header names
 * @param {Buffer | Uint8Array | string} request.body raw body bytes ('' when none)
 * @param {string} request.accessKey base64 access key of the resource
 * @param {number} [request.now] the emulator's clock, epoch ms (default Date.now())
 * @param {number} [request.skewMs] allowed clock skew (default CLOCK_SKEW_MS)
 * @returns {VerifyResult}
 */
export function verifyHmacRequest({ method, url, headers, body, accessKey, now = Date.now(), skewMs = CLOCK_SKEW_MS }) {
  const header = (name) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };

  const authorization = header('authorization');
  if (authorization === undefined || authorization.trim() === '') {
    return deny(
      "The request has no 'Authorization' header. The emulator expects 'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<base64>'.",
    );
  }
  if (/^bearer(\s|$)/i.test(authorization)) {
    return deny(
      "The ACS Identity emulator supports HMAC-SHA256 access-key authentication only; 'Bearer' (Microsoft Entra ID) tokens are not accepted.",
    );
  }
  const scheme = /^HMAC-SHA256 +(\S+)$/i.exec(authorization.trim());
  if (!scheme) {
    return deny(
      "Malformed 'Authorization' header: expected 'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<base64>'.",
    );
  }
  /** @type {Record<string, string>} */
  const params = {};
  for (const part of scheme[1].split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return deny("Malformed 'Authorization' header: parameters must be 'name=value' pairs joined by '&'.");
    params[part.slice(0, eq).toLowerCase()] = part.slice(eq + 1);
  }
  const signedHeaders = params.signedheaders;
  const signature = params.signature;
  if (signedHeaders === undefined || signature === undefined) {
    return deny("Malformed 'Authorization' header: 'SignedHeaders' and 'Signature' are both required.");
  }
  const signedLower = signedHeaders.toLowerCase();
  if (signedLower !== SIGNED_HEADERS_STANDARD && signedLower !== SIGNED_HEADERS_OLD_JAVA) {
    return deny(`Unsupported SignedHeaders '${signedHeaders}': expected '${SIGNED_HEADERS_STANDARD}'.`);
  }
  if (!/^[A-Za-z0-9+/]{43}=$/.test(signature)) {
    return deny("Malformed 'Authorization' header: 'Signature' must be the base64 of a 32-byte HMAC-SHA256.");
  }

  const dateHeader = signedLower.split(';')[0];
  const date = header(dateHeader);
  if (date === undefined || date === '') {
    return deny(`The request has no '${dateHeader}' header, which SignedHeaders names.`);
  }
  const dateMs = parseRfc1123(date);
  if (dateMs === undefined) {
    return deny(`The '${dateHeader}' header '${date}' is not an RFC 1123 date such as 'Wed, 13 Apr 2022 18:09:12 GMT'.`);
  }
  if (Math.abs(now - dateMs) > skewMs) {
    return deny(
      `The '${dateHeader}' header '${date}' is outside the allowed clock skew of ${Math.round(skewMs / 60000)} minutes ` +
        `(emulator time ${new Date(now).toUTCString()}).`,
    );
  }

  const claimedHash = header('x-ms-content-sha256');
  if (claimedHash === undefined || claimedHash === '') {
    return deny("The request has no 'x-ms-content-sha256' header.");
  }
  if (claimedHash !== computeContentHash(body)) {
    return deny(CONTENT_HASH_MISMATCH);
  }

  const host = header('host');
  if (host === undefined || host === '') {
    return deny("The request has no 'Host' header; the signed host must equal it.");
  }

  const given = Buffer.from(signature, 'base64');
  let match = false;
  for (const p of pathCandidates(url)) {
    for (const h of hostCandidates(host)) {
      const expected = createHmac('sha256', Buffer.from(accessKey, 'base64'))
        .update(buildStringToSign(method, p, date, h, claimedHash), 'utf8')
        .digest();
      if (timingSafeEqual(expected, given)) match = true;
    }
  }
  if (!match) {
    return deny(
      'The HMAC-SHA256 signature does not match the request. Check the access key and the signed string ' +
        `'METHOD\\npathAndQuery\\n${dateHeader};host;contentHash' (the signed host must equal the Host header '${host}').`,
    );
  }
  return { ok: true, signedHeaders: signedLower };
}
