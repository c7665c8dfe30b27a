// The command handlers. The wasm-backed client is imported here, and this module is imported
// only when a service command runs.
import { CommunicationIdentityClient } from '../node.js';
import { pythonIso, pythonStr } from './output.js';

/** A communication user identifier as az prints one (the Python SDK's identifier, camelCased). */
function identifier({ communicationUserId, customId, lastTokenIssuedAt }) {
  const out = {};
  // Keys in sorted order, so that insertion order (used by table/tsv under --query) is az's order.
  if (customId !== undefined) out.customId = customId;
  out.kind = 'communication_user';
  if (lastTokenIssuedAt !== undefined) out.lastTokenIssuedAt = pythonIso(lastTokenIssuedAt);
  out.properties = { id: communicationUserId };
  out.rawId = communicationUserId;
  return out;
}

/**
 * @param {string} connectionString
 * @param {{ fetch?: typeof fetch }} options
 */
export function makeClient(connectionString, options) {
  return new CommunicationIdentityClient(connectionString, options.fetch ? { fetch: options.fetch } : {});
}

/** Handlers: (client, opts) → the result to print (undefined prints nothing). */
export const handlers = {
  async tokenIssue(client, opts) {
    const tokenOptions = opts.expiresInMinutes === undefined ? {} : { tokenExpiresInMinutes: opts.expiresInMinutes };
    if (opts.user !== undefined) {
      const t = await client.getToken(opts.user, opts.scope, tokenOptions);
      return { expires_on: pythonStr(t.expiresOn), token: t.token, user_id: opts.user };
    }
    const r = await client.createUserAndToken(opts.scope, tokenOptions);
    return { expires_on: pythonStr(r.expiresOn), token: r.token, user_id: r.user.communicationUserId };
  },

  async tokenRevoke(client, opts) {
    await client.revokeTokens(opts.user);
    return undefined;
  },

  async tokenGetForTeamsUser(client, opts) {
    const t = await client.getTokenForTeamsUser({
      teamsUserAadToken: opts.aadToken,
      clientId: opts.client,
      userObjectId: opts.aadUser,
    });
    return { expires_on: pythonStr(t.expiresOn), token: t.token };
  },

  async userCreate(client, opts) {
    const u = await client.createUser(opts.customId === undefined ? {} : { customId: opts.customId });
    return identifier(u);
  },

  async userDelete(client, opts) {
    await client.deleteUser(opts.user);
    return undefined;
  },

  async userShow(client, opts) {
    return identifier(await client.getUser(opts.user));
  },
};
