// The api-versions the emulator serves and what each one allows.
// Source: the wire contract, §1 (api-versions).

const BASE_SCOPES = Object.freeze(['chat', 'voip']);
const JOIN_SCOPES = Object.freeze(['chat', 'voip', 'chat.join', 'chat.join.limited', 'voip.join']);

/**
 * @typedef {object} VersionFeatures
 * @property {readonly string[]} scopes      scopes a token may be issued for
 * @property {boolean} teamsExchange          POST /teamsUser/:exchangeAccessToken
 * @property {boolean} expiresInMinutes       the `expiresInMinutes` body field
 * @property {boolean} customId               `customId` on create
 * @property {boolean} getIdentity            GET /identities/{id}
 * @property {boolean} lastTokenIssuedAt      `lastTokenIssuedAt` in identity payloads
 */

/** @type {Readonly<Record<string, VersionFeatures>>} */
export const VERSIONS = Object.freeze({
  '2021-03-07': {
    scopes: BASE_SCOPES,
    teamsExchange: false,
    expiresInMinutes: false,
    customId: false,
    getIdentity: false,
    lastTokenIssuedAt: false,
  },
  '2022-06-01': {
    scopes: BASE_SCOPES,
    teamsExchange: true,
    expiresInMinutes: false,
    customId: false,
    getIdentity: false,
    lastTokenIssuedAt: false,
  },
  '2022-10-01': {
    scopes: BASE_SCOPES,
    teamsExchange: true,
    expiresInMinutes: true,
    customId: false,
    getIdentity: false,
    lastTokenIssuedAt: false,
  },
  '2023-10-01': {
    scopes: JOIN_SCOPES,
    teamsExchange: true,
    expiresInMinutes: true,
    customId: false,
    getIdentity: false,
    lastTokenIssuedAt: false,
  },
  '2025-03-02-preview': {
    scopes: JOIN_SCOPES,
    teamsExchange: true,
    expiresInMinutes: true,
    customId: true,
    getIdentity: true,
    lastTokenIssuedAt: true,
  },
  '2025-06-30': {
    scopes: JOIN_SCOPES,
    teamsExchange: true,
    expiresInMinutes: true,
    customId: false,
    getIdentity: false,
    lastTokenIssuedAt: false,
  },
});

/** Value of the `api-supported-versions` response header. */
export const SUPPORTED_VERSIONS_HEADER = Object.keys(VERSIONS).join(', ');

/**
 * Features of an api-version, or undefined when the emulator does not serve it.
 * Matching is exact (the real service treats the value as case-sensitive text too).
 * @param {string | null | undefined} version
 * @returns {VersionFeatures | undefined}
 */
export function versionFeatures(version) {
  if (typeof version !== 'string' || !Object.hasOwn(VERSIONS, version)) return undefined;
  return VERSIONS[version];
}
