// Test-side HMAC-SHA256 signer, written from the contract (§4) with node:crypto only.
// Deliberately independent of emulator/auth.mjs: the two must agree on their own.

import { createHash, createHmac } from 'node:crypto';

export const EMPTY_CONTENT_HASH = '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';

/**
 * base64 SHA-256 of the body bytes.
 * @param {string | Buffer} body
 */
export function contentHash(body) {
  return createHash('sha256').update(body).digest('base64');
}

/**
 * base64 HMAC-SHA256 of `text` under a base64 key.
 * @param {string} keyBase64
 * @param {string} text
 */
export function hmac(keyBase64, text) {
  return createHmac('sha256', Buffer.from(keyBase64, 'base64')).update(text, 'utf8').digest('base64');
}

/**
 * RFC 1123 GMT date with a two-digit day (what Date#toUTCString produces).
 * @param {Date | number} [when]
 */
export function httpDate(when = new Date()) {
  return new Date(when).toUTCString();
}

/**
 * Headers of a signed request.
 * @param {object} p
 * @param {string} p.method
 * @param {string} p.pathAndQuery path as sent plus `?query`
 * @param {string} p.host          signed host (authority; port only when not default)
 * @param {string} p.accessKey     base64
 * @param {string | Buffer} [p.body]
 * @param {string} [p.date]        default now
 * @param {'x-ms-date' | 'date'} [p.dateHeader]
 * @param {string} [p.hash]        override the content hash that is signed and sent
 * @returns {Record<string, string>}
 */
export function signRequest({ method, pathAndQuery, host, accessKey, body = '', date = httpDate(), dateHeader = 'x-ms-date', hash }) {
  const h = hash ?? contentHash(body);
  const stringToSign = `${method.toUpperCase()}\n${pathAndQuery}\n${date};${host};${h}`;
  const signature = hmac(accessKey, stringToSign);
  return {
    [dateHeader]: date,
    'x-ms-content-sha256': h,
    authorization: `HMAC-SHA256 SignedHeaders=${dateHeader};host;x-ms-content-sha256&Signature=${signature}`,
  };
}
