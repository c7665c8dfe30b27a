// The command handlers. The wasm-backed client is imported here, and this module is imported
// only when a service command runs.
import { CommunicationIdentityClient } from '../node.js';
import { pythonIso } from './output.js';

/**
 * A communication user identifier as az prints one: the Python SDK's identifier, camelCased
 * (`{"properties": {"id"}, "rawId"}`), plus what `user show` (our addition) knows.
 */
function identifier({ communicationUserId, customId, lastTokenIssuedAt }) {
  const out = {};
  // Keys in sorted order, so that insertion order (used by table/tsv under --query) is az's order.
  if (customId !== undefined) out.customId = customId;
  if (lastTokenIssuedAt !== undefined) out.lastTokenIssuedAt = pythonIso(lastTokenIssuedAt);
  out.properties = { id: communicationUserId };
  out.rawId = communicationUserId;
  return out;
}

/**
 * A fetch that remembers the `expiresOn` string of the last response that had one: az prints the
 * service's own string (`2026-12-02T22:03:21.0000000+00:00`), which a `Date` cannot give back.
 * @param {typeof fetch} base
 */
function capturingFetch(base) {
  const seen = { expiresOn: undefined };
  const f = async (input, init) => {
    const res = await base(input, init);
    if ((res.headers.get('content-type') ?? '').includes('json')) {
      try {
        const body = JSON.parse(await res.clone().text());
        const e = body?.expiresOn ?? body?.accessToken?.expiresOn;
        if (typeof e === 'string') seen.expiresOn = e;
      } catch {
        // not JSON after all: the client reports it
      }
    }
    return res;
  };
  return { fetch: f, seen };
}

/** The service's expiresOn string, else the instant in the service's format. */
function serviceDate(seen, date) {
  if (seen.expiresOn !== undefined && new Date(seen.expiresOn).getTime() === date.getTime()) return seen.expiresOn;
  return `${date.toISOString().slice(0, 19)}.${String(date.getUTCMilliseconds()).padStart(3, '0')}0000+00:00`;
}

/**
 * @param {string} connectionString
 * @param {{ fetch?: typeof fetch, allowInsecureConnection?: boolean }} options
 */
export function makeClient(connectionString, options) {
  const capture = capturingFetch(options.fetch ?? ((input, init) => globalThis.fetch(input, init)));
  const clientOptions = { fetch: capture.fetch };
  if (options.allowInsecureConnection) clientOptions.allowInsecureConnection = true;
  const client = new CommunicationIdentityClient(connectionString, clientOptions);
  return Object.assign(client, { seen: capture.seen });
}

/** Handlers: (client, opts) → the result to print (undefined prints nothing). */
export const handlers = {
  async tokenIssue(client, opts) {
    const tokenOptions = opts.expiresInMinutes === undefined ? {} : { tokenExpiresInMinutes: opts.expiresInMinutes };
    if (opts.user !== undefined) {
      const t = await client.getToken(opts.user, opts.scope, tokenOptions);
      return { expires_on: serviceDate(client.seen, t.expiresOn), token: t.token, user_id: opts.user };
    }
    const r = await client.createUserAndToken(opts.scope, tokenOptions);
    return { expires_on: serviceDate(client.seen, r.expiresOn), token: r.token, user_id: r.user.communicationUserId };
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
    return { expires_on: serviceDate(client.seen, t.expiresOn), token: t.token };
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
