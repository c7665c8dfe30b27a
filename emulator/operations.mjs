// The service operations (contract §2) and the emulator's token introspection.
// Each operation validates its input strictly for the request's api-version, then acts on
// the Store synchronously (no await between a lookup and the change it leads to).

import { HttpError, validationError } from './http.mjs';
import {
  DEFAULT_TOKEN_MINUTES,
  GUID_RE,
  TEAMS_AUDIENCES,
  TEAMS_PERMISSIONS,
  TEAMS_SCP,
  decodeJwt,
  formatServiceDate,
  isPlainObject,
  issueAccessToken,
  verifyJwt,
} from './tokens.mjs';

const INT32_MAX = 2 ** 31 - 1;

/**
 * @typedef {object} OpContext
 * @property {import('./store.mjs').Store} store
 * @property {import('./versions.mjs').VersionFeatures} features
 * @property {string} version
 * @property {unknown} body        parsed JSON body (undefined when empty)
 * @property {string | null} [id]  decoded identity id from the path (null: undecodable)
 * @property {() => number} clock  strictly increasing epoch ms
 * @property {{tokensIssued: number}} counters
 */

/**
 * @typedef {{status: number, body?: unknown}} OpResult
 */

// ---------------------------------------------------------------------------------------------
// Validation helpers

/**
 * Check the body's keys: unknown keys and keys the api-version does not have are rejected.
 * `null` values of known keys count as absent (serialisers often emit them).
 * @param {Record<string, unknown>} body
 * @param {Record<string, boolean>} allowed key → supported by this version
 * @param {string} version
 */
function checkKeys(body, allowed, version) {
  for (const [key, value] of Object.entries(body)) {
    if (!Object.hasOwn(allowed, key)) {
      throw validationError(`'${key}' is not a known field of this request.`, key);
    }
    if (!allowed[key] && value !== null) {
      throw validationError(`'${key}' is not supported by api-version ${version}.`, key);
    }
  }
}

/**
 * @param {unknown} body
 * @param {{required: boolean}} opts
 * @returns {Record<string, unknown>}
 */
function bodyObject(body, { required }) {
  if (body === undefined) {
    if (required) throw validationError('A non-empty request body is required.', 'body');
    return {};
  }
  if (!isPlainObject(body)) throw validationError('The request body must be a JSON object.', 'body');
  return /** @type {Record<string, unknown>} */ (body);
}

/**
 * Validate a scope list. Duplicates are accepted and collapsed (the real service's behaviour
 * is unknown); scope names are case-sensitive.
 * @param {unknown} value
 * @param {string} field JSON field name
 * @param {import('./versions.mjs').VersionFeatures} features
 * @param {string} version
 * @param {{allowEmpty: boolean}} opts
 * @returns {string[]}
 */
function parseScopes(value, field, features, version, { allowEmpty }) {
  if (!Array.isArray(value)) throw validationError(`'${field}' must be an array of scope strings.`, field);
  if (value.length === 0 && !allowEmpty) {
    throw validationError('Invalid scopes - Scopes field is required.', field);
  }
  const scopes = [];
  for (const s of value) {
    if (typeof s !== 'string') throw validationError(`'${field}' must be an array of scope strings.`, field);
    if (!features.scopes.includes(s)) {
      throw validationError(
        `Scope '${s}' is not valid for api-version ${version}. Valid scopes: ${features.scopes.join(', ')}.`,
        field,
      );
    }
    if (!scopes.includes(s)) scopes.push(s);
  }
  return scopes;
}

/**
 * Validate `expiresInMinutes` (absent/null → default 1440).
 * @param {unknown} value
 * @returns {number}
 */
function parseExpiresInMinutes(value) {
  if (value === undefined || value === null) return DEFAULT_TOKEN_MINUTES;
  if (typeof value !== 'number' || !Number.isInteger(value) || Math.abs(value) > INT32_MAX) {
    throw validationError(
      `The JSON value of 'expiresInMinutes' could not be converted to a 32-bit integer.`,
      'ExpiresInMinutes',
    );
  }
  if (value < 60 || value > 1440) {
    throw validationError(
      `ExpiresInMinutes value ${value} is invalid. Value must be within the [60, 1440] interval.`,
      'ExpiresInMinutes',
    );
  }
  return value;
}

/** @param {unknown} value */
function parseCustomId(value) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length < 1 || value.length > 256) {
    throw validationError(
      'CustomId: The field CustomId must be a string with a minimum length of 1 and a maximum length of 256.',
      'customId',
    );
  }
  return value;
}

/** @param {string | null | undefined} id */
function identityNotFound(id) {
  return new HttpError(404, 'IdentityNotFound', `Identity '${id ?? ''}' was not found in this resource.`);
}

const ACS_RAW_ID_RE = /^8:acs:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_/i;

/**
 * The live identity named by the path. An identity of another resource (its raw id's resource
 * GUID is not this resource's) → 401 IdentityNotOwned, as the service answers; an unknown,
 * malformed or deleted identity of this resource → 404 IdentityNotFound.
 * @param {OpContext} ctx
 */
function liveIdentity(ctx) {
  const owner = typeof ctx.id === 'string' ? ACS_RAW_ID_RE.exec(ctx.id)?.[1] : undefined;
  if (owner !== undefined && owner.toLowerCase() !== ctx.store.resourceId.toLowerCase()) {
    throw new HttpError(401, 'IdentityNotOwned', "Provided identity doesn't belong to the resource.");
  }
  const rec = typeof ctx.id === 'string' ? ctx.store.getLive(ctx.id) : undefined;
  if (!rec) throw identityNotFound(ctx.id);
  return rec;
}

/**
 * The identity payload for this version.
 * @param {import('./store.mjs').IdentityRecord} rec
 * @param {import('./versions.mjs').VersionFeatures} features
 */
function identityPayload(rec, features) {
  /** @type {Record<string, string>} */
  const out = { id: rec.id };
  if (features.customId && rec.customId !== undefined) out.customId = rec.customId;
  if (features.lastTokenIssuedAt && rec.lastTokenIssuedAt !== undefined) {
    out.lastTokenIssuedAt = formatServiceDate(rec.lastTokenIssuedAt);
  }
  return out;
}

/**
 * Issue a token to a communication user and record it.
 * @param {OpContext} ctx
 * @param {import('./store.mjs').IdentityRecord} rec
 * @param {string[]} scopes
 * @param {number} minutes
 */
function issueFor(ctx, rec, scopes, minutes) {
  const nowMs = ctx.clock();
  const { token, expiresOn } = issueAccessToken(ctx.store.signingKey, {
    skypeid: rec.id.slice(2), // "acs:<resource>_<id>"
    resourceId: ctx.store.resourceId,
    scopes,
    nowMs,
    expSeconds: Math.floor(nowMs / 1000) + minutes * 60,
  });
  ctx.store.recordTokenIssued(rec, nowMs);
  ctx.counters.tokensIssued++;
  return { token, expiresOn };
}

// ---------------------------------------------------------------------------------------------
// Operations

/**
 * POST /identities
 * @param {OpContext} ctx
 * @returns {OpResult}
 */
export function createIdentity(ctx) {
  const { features, version } = ctx;
  const body = bodyObject(ctx.body, { required: false });
  checkKeys(
    body,
    { createTokenWithScopes: true, expiresInMinutes: features.expiresInMinutes, customId: features.customId },
    version,
  );
  const scopes =
    body.createTokenWithScopes === undefined || body.createTokenWithScopes === null
      ? []
      : parseScopes(body.createTokenWithScopes, 'createTokenWithScopes', features, version, { allowEmpty: true });
  const minutes = parseExpiresInMinutes(body.expiresInMinutes);
  const customId = parseCustomId(body.customId);

  // Synchronous from lookup to insert: concurrent creates with one customId get one identity.
  const { record } = ctx.store.createIdentity({ customId, nowMs: ctx.clock() });
  const accessToken = scopes.length > 0 ? issueFor(ctx, record, scopes, minutes) : undefined;
  /** @type {Record<string, unknown>} */
  const out = { identity: identityPayload(record, features) };
  if (accessToken) out.accessToken = accessToken;
  return { status: 201, body: out };
}

/**
 * GET /identities/{id} (2025-03-02-preview)
 * @param {OpContext} ctx
 * @returns {OpResult}
 */
export function getIdentity(ctx) {
  return { status: 200, body: identityPayload(liveIdentity(ctx), ctx.features) };
}

/**
 * DELETE /identities/{id}
 * @param {OpContext} ctx
 * @returns {OpResult}
 */
export function deleteIdentity(ctx) {
  const rec = liveIdentity(ctx);
  ctx.store.delete(rec, ctx.clock());
  return { status: 204 };
}

/**
 * POST /identities/{id}/:revokeAccessTokens
 * @param {OpContext} ctx
 * @returns {OpResult}
 */
export function revokeAccessTokens(ctx) {
  const rec = liveIdentity(ctx);
  ctx.store.revoke(rec, ctx.clock());
  return { status: 204 };
}

/**
 * POST /identities/{id}/:issueAccessToken
 * @param {OpContext} ctx
 * @returns {OpResult}
 */
export function issueToken(ctx) {
  const { features, version } = ctx;
  const body = bodyObject(ctx.body, { required: true });
  checkKeys(body, { scopes: true, expiresInMinutes: features.expiresInMinutes }, version);
  if (body.scopes === undefined || body.scopes === null) {
    throw validationError('Scopes: The Scopes field is required.', 'Scopes');
  }
  const scopes = parseScopes(body.scopes, 'scopes', features, version, { allowEmpty: false });
  const minutes = parseExpiresInMinutes(body.expiresInMinutes);
  const rec = liveIdentity(ctx);
  return { status: 200, body: issueFor(ctx, rec, scopes, minutes) };
}

/**
 * Validate a required GUID field of the Teams exchange (also used by /emulator/teams-token).
 * @param {Record<string, unknown>} body
 * @param {'appId' | 'userId'} field
 * @returns {string}
 */
export function requireGuidField(body, field) {
  const pascal = field === 'appId' ? 'AppId' : 'UserId';
  const value = body[field];
  if (value === undefined || value === null || value === '') {
    throw validationError(`${pascal}: The ${pascal} field is required.`, pascal);
  }
  if (typeof value !== 'string' || !GUID_RE.test(value)) {
    throw validationError(`Provided ${pascal} has invalid format.`, field);
  }
  return value;
}

const INVALID_ACCESS_TOKEN = () => new HttpError(401, 'InvalidAccessToken', 'Provided access token is not valid.');

/**
 * POST /teamsUser/:exchangeAccessToken (2022-06-01 and later)
 * The Entra token's signature cannot be checked here; its shape, audience, permissions,
 * lifetime, appid, oid and tid are.
 * @param {OpContext} ctx
 * @returns {OpResult}
 */
export function exchangeTeamsToken(ctx) {
  // The service checks the token first: a body without one is 400 (no target), a bad token is 401
  // whatever the other fields hold; only then are appId and userId validated.
  if (ctx.body === undefined || (isPlainObject(ctx.body) && (ctx.body.token === undefined || ctx.body.token === null))) {
    throw new HttpError(400, 'ValidationError', "The body is either missing or doesn't contain any token.");
  }
  const body = bodyObject(ctx.body, { required: true });
  checkKeys(body, { token: true, appId: true, userId: true }, ctx.version);

  const nowMs = ctx.clock();
  const jwt = decodeJwt(body.token);
  if (!jwt) throw INVALID_ACCESS_TOKEN();
  const { header, payload: c } = jwt;
  const nowS = nowMs / 1000;
  const appid = c.appid ?? c.azp;
  const scp = typeof c.scp === 'string' ? c.scp.split(' ') : [];
  const valid =
    header.alg === 'RS256' &&
    jwt.signature.length > 0 &&
    Number.isInteger(c.exp) &&
    c.exp > nowS &&
    (c.nbf === undefined || (typeof c.nbf === 'number' && c.nbf <= nowS + 300)) &&
    TEAMS_AUDIENCES.includes(c.aud) &&
    scp.some((p) => TEAMS_PERMISSIONS.includes(p)) &&
    typeof appid === 'string' &&
    GUID_RE.test(appid) &&
    typeof c.oid === 'string' &&
    GUID_RE.test(c.oid) &&
    typeof c.tid === 'string' &&
    GUID_RE.test(c.tid);
  if (!valid) throw INVALID_ACCESS_TOKEN();
  const appId = requireGuidField(body, 'appId');
  const userId = requireGuidField(body, 'userId');
  if (appid.toLowerCase() !== appId.toLowerCase()) {
    throw validationError('AAD application is not the expected one.', 'appId');
  }
  if (c.oid.toLowerCase() !== userId.toLowerCase()) {
    throw validationError('Provided AAD token issued for unexpected user.', 'userId');
  }

  const oid = c.oid.toLowerCase();
  const { token, expiresOn } = issueAccessToken(ctx.store.signingKey, {
    skypeid: `orgid:${oid}`,
    resourceId: ctx.store.resourceId,
    scopes: ['voip', 'chat'],
    nowMs,
    expSeconds: c.exp,
    scp: TEAMS_SCP,
    extra: { tid: c.tid.toLowerCase(), oid },
  });
  ctx.counters.tokensIssued++;
  return { status: 200, body: { token, expiresOn } };
}

/**
 * Introspect a token issued by this emulator.
 * @param {import('./store.mjs').Store} store
 * @param {unknown} token
 * @param {number} nowMs
 */
export function introspect(store, token, nowMs) {
  const inactive = (reason, extra = {}) => ({
    active: false,
    communicationUserId: null,
    scopes: [],
    expiresOn: null,
    reason,
    ...extra,
  });
  if (typeof token !== 'string') return inactive('malformed');
  const v = verifyJwt(store.signingKey, token);
  if (!v.ok) return inactive(v.reason);
  const c = v.payload;
  if (typeof c.skypeid !== 'string' || !Number.isInteger(c.exp) || c.resourceId !== store.resourceId) {
    return inactive('malformed');
  }
  const known = {
    communicationUserId: `8:${c.skypeid}`,
    scopes: typeof c.acsScope === 'string' && c.acsScope !== '' ? c.acsScope.split(',') : [],
    expiresOn: formatServiceDate(c.exp * 1000),
    issuedAt: Number.isInteger(c.iat_ms) ? formatServiceDate(c.iat_ms) : null,
    kind: c.skypeid.startsWith('acs:') ? 'communicationUser' : 'teamsUser',
  };
  let reason = null;
  if (known.kind === 'communicationUser') {
    const rec = store.getAny(known.communicationUserId);
    if (!rec) reason = 'unknown identity';
    else if (rec.deletedAt !== undefined) reason = 'identity deleted';
    else if (rec.revokedAt !== undefined && !(c.iat_ms >= rec.revokedAt)) reason = 'revoked';
  }
  if (reason === null && c.exp * 1000 <= nowMs) reason = 'expired';
  return { active: reason === null, ...known, reason };
}
