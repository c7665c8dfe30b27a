// Access tokens: RS256 JWTs signed with the emulator's own RSA key (contract §6),
// plus the unsigned Entra-like tokens the emulator mints for Teams-exchange tests.

import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  randomUUID,
  sign,
  verify,
} from 'node:crypto';

/** Default token lifetime (minutes) when `expiresInMinutes` is omitted. */
export const DEFAULT_TOKEN_MINUTES = 1440;
/** `scp` claim of communication-user tokens (value seen on real tokens). */
export const ACS_SCP = 1792;
/** `scp` claim of Teams-user tokens. */
export const TEAMS_SCP = 1024;
/** Audience of the Entra tokens the Teams exchange accepts. */
export const TEAMS_AUDIENCES = Object.freeze([
  'https://auth.msft.communication.azure.com',
  '1fd5118e-2576-4263-8130-9503064c837a',
]);
/** Delegated permissions an Entra token must carry for the Teams exchange (at least one). */
export const TEAMS_PERMISSIONS = Object.freeze(['Teams.ManageCalls', 'Teams.ManageChats']);

export const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * base64url without padding.
 * @param {Buffer | string} data
 */
export function base64url(data) {
  return Buffer.from(data).toString('base64url');
}

/**
 * @typedef {object} SigningKey
 * @property {import('node:crypto').KeyObject} privateKey
 * @property {import('node:crypto').KeyObject} publicKey
 * @property {string} kid  upper-case hex SHA-1 thumbprint (like the service's kid)
 * @property {string} x5t  base64url of the same thumbprint
 * @property {string} pem  PKCS#8 PEM of the private key (for persistence)
 */

/**
 * Load a signing key from PKCS#8 PEM, or generate a fresh RSA-2048 one.
 * @param {string} [pem]
 * @returns {SigningKey}
 */
export function loadOrCreateSigningKey(pem) {
  let privateKey;
  if (pem) {
    privateKey = createPrivateKey(pem);
  } else {
    privateKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  }
  const publicKey = createPublicKey(privateKey);
  const thumb = createHash('sha1').update(publicKey.export({ type: 'spki', format: 'der' })).digest();
  return {
    privateKey,
    publicKey,
    kid: thumb.toString('hex').toUpperCase(),
    x5t: thumb.toString('base64url'),
    pem: /** @type {string} */ (privateKey.export({ type: 'pkcs8', format: 'pem' })),
  };
}

/**
 * The public key as a JWKS document.
 * @param {SigningKey} key
 */
export function jwks(key) {
  const jwk = key.publicKey.export({ format: 'jwk' });
  return { keys: [{ kty: 'RSA', use: 'sig', alg: 'RS256', kid: key.kid, x5t: key.x5t, n: jwk.n, e: jwk.e }] };
}

/**
 * Sign claims as an RS256 JWT with the service's header shape.
 * @param {SigningKey} key
 * @param {Record<string, unknown>} claims
 */
export function signJwt(key, claims) {
  const header = { alg: 'RS256', kid: key.kid, x5t: key.x5t, typ: 'JWT' };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('sha256', Buffer.from(input), key.privateKey);
  return `${input}.${base64url(signature)}`;
}

/**
 * Split and decode a JWT without verifying it.
 * @param {unknown} token
 * @returns {{header: Record<string, any>, payload: Record<string, any>, signingInput: string, signature: Buffer} | undefined}
 */
export function decodeJwt(token) {
  if (typeof token !== 'string') return undefined;
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p)) || parts[0] === '' || parts[1] === '') {
    return undefined;
  }
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (!isPlainObject(header) || !isPlainObject(payload)) return undefined;
    return { header, payload, signingInput: `${parts[0]}.${parts[1]}`, signature: Buffer.from(parts[2], 'base64url') };
  } catch {
    return undefined;
  }
}

/**
 * Verify an RS256 JWT signed by `key`.
 * @param {SigningKey} key
 * @param {string} token
 * @returns {{ok: true, header: object, payload: Record<string, any>} | {ok: false, reason: 'malformed' | 'invalid signature'}}
 */
export function verifyJwt(key, token) {
  const jwt = decodeJwt(token);
  if (!jwt) return { ok: false, reason: 'malformed' };
  if (jwt.header.alg !== 'RS256' || jwt.header.kid !== key.kid) return { ok: false, reason: 'invalid signature' };
  const good = verify('sha256', Buffer.from(jwt.signingInput), key.publicKey, jwt.signature);
  if (!good) return { ok: false, reason: 'invalid signature' };
  return { ok: true, header: jwt.header, payload: jwt.payload };
}

/**
 * Format an instant like the service's `expiresOn`: `2025-07-10T21:39:39.0000000+00:00`.
 * @param {number} epochMs
 */
export function formatServiceDate(epochMs) {
  const iso = new Date(epochMs).toISOString(); // 2025-07-10T21:39:39.324Z
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}0000+00:00`;
}

/**
 * Issue an ACS access token.
 * @param {SigningKey} key
 * @param {object} p
 * @param {string} p.skypeid    `acs:<resource>_<id>` or `orgid:<oid>`
 * @param {string} p.resourceId resource guid
 * @param {string[]} p.scopes
 * @param {number} p.nowMs      issue instant (epoch ms)
 * @param {number} p.expSeconds `exp` claim (epoch seconds)
 * @param {number} [p.scp]
 * @param {Record<string, unknown>} [p.extra] extra claims
 * @returns {{token: string, expiresOn: string, claims: Record<string, unknown>}}
 */
export function issueAccessToken(key, { skypeid, resourceId, scopes, nowMs, expSeconds, scp = ACS_SCP, extra = {} }) {
  const iat = Math.floor(nowMs / 1000);
  const claims = {
    skypeid,
    scp,
    csi: String(iat),
    exp: expSeconds,
    acsScope: scopes.join(','),
    resourceId,
    iat,
    ...extra,
    // Not on real tokens: a unique id (two tokens of the same second differ) and the
    // issue instant in ms, which lets revocation compare precisely.
    jti: randomUUID(),
    iat_ms: nowMs,
  };
  return { token: signJwt(key, claims), expiresOn: formatServiceDate(expSeconds * 1000), claims };
}

/**
 * Mint an Entra-like (v1) access token of a Teams user. It is well formed but NOT signed by
 * Entra ID (its signature is random bytes): only the emulator accepts it.
 * @param {object} p
 * @param {string} p.appId    client (application) id → `appid`
 * @param {string} p.userId   user object id → `oid`
 * @param {string} p.tenantId tenant id → `tid`
 * @param {number} p.nowMs
 * @param {number} p.expiresInMinutes may be negative to mint an expired token
 */
export function mintEntraToken({ appId, userId, tenantId, nowMs, expiresInMinutes }) {
  const iat = Math.floor(nowMs / 1000);
  const header = { typ: 'JWT', alg: 'RS256', kid: 'acs-identity-emulator-unsigned' };
  const payload = {
    aud: TEAMS_AUDIENCES[0],
    iss: `https://sts.windows.net/${tenantId}/`,
    iat,
    nbf: Math.min(iat, iat + expiresInMinutes * 60) - 300,
    exp: iat + expiresInMinutes * 60,
    appid: appId,
    appidacr: '0',
    idtyp: 'user',
    oid: userId,
    scp: TEAMS_PERMISSIONS.join(' '),
    sub: base64url(randomBytes(32)),
    tid: tenantId,
    ver: '1.0',
  };
  return `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}.${base64url(randomBytes(256))}`;
}

/**
 * Whether `v` is a JSON object (not null, not an array).
 * @param {unknown} v
 */
export function isPlainObject(v) {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
