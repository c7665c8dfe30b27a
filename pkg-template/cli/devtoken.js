// `acs-identity dev-token`: an HS256 app token (JWT) for trying the token endpoint
// (`acs-identity/worker`) locally. Development only: whoever holds the secret can mint a token for
// any user, which is why a real app signs its tokens in its own sign-in service.
import { createHmac } from 'node:crypto';

/** Shortest secret accepted, as the endpoint's AUTH_JWT_SECRET (RFC 7518 §3.2: the hash size). */
export const MIN_SECRET_BYTES = 32;
/** Longest lifetime: the endpoint refuses app tokens living longer than 24 hours. */
export const MAX_TTL_MINUTES = 1440;

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/**
 * @param {{ sub: string, secret: string, aud?: string, iss?: string, ttlMinutes?: number, now?: number }} o
 * @returns {string} the compact JWT
 */
export function mintDevToken({ sub, secret, aud, iss, ttlMinutes = 60, now = Date.now() }) {
  const iat = Math.floor(now / 1000);
  const claims = { sub };
  if (iss !== undefined) claims.iss = iss;
  if (aud !== undefined) claims.aud = aud;
  Object.assign(claims, { iat, nbf: iat, exp: iat + ttlMinutes * 60 });
  const signingInput = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  const signature = createHmac('sha256', Buffer.from(secret, 'utf8')).update(signingInput).digest();
  return `${signingInput}.${b64url(signature)}`;
}

/**
 * Checks the arguments as the endpoint would read them. Returns an error message naming the flag,
 * or undefined. The secret itself is never part of a message.
 */
export function checkDevTokenArgs({ sub, secret, ttlMinutes }) {
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    return `argument --secret: the secret must be at least ${MIN_SECRET_BYTES} bytes long (HS256; the endpoint refuses a shorter AUTH_JWT_SECRET).`;
  }
  if (sub.trim() === '' || /[\u0000-\u001f\u007f]/.test(sub)) {
    return 'argument --sub: must be a non-blank user id without control characters.';
  }
  if (ttlMinutes !== undefined && (ttlMinutes < 1 || ttlMinutes > MAX_TTL_MINUTES)) {
    return `argument --ttl-minutes: must be from 1 to ${MAX_TTL_MINUTES} (24 hours).`;
  }
  return undefined;
}
