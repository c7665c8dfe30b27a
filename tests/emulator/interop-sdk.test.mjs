// Interop: the official @azure/communication-identity SDK against the emulator.
// Proves the emulator accepts real SDK signatures and speaks the shapes the SDK parses.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { CommunicationIdentityClient } from '@azure/communication-identity';
import { startEmulator } from '../../emulator/server.mjs';
import { APP_ID, USER_ID, decodeJwt, emuRoute, introspect, makeSelfSignedCert, rawRequest, tempDir } from './helpers.mjs';
import { EMPTY_CONTENT_HASH, hmac } from './sign.mjs';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const cert = makeSelfSignedCert(dir);

/**
 * Every SDK operation against one emulator.
 * @param {() => {emu: Awaited<ReturnType<typeof startEmulator>>, client: CommunicationIdentityClient, wrongKeyClient: CommunicationIdentityClient, ca?: string}} ctx
 */
function sdkSuite(ctx) {
  test('createUser', async () => {
    const { client, emu } = ctx();
    const user = await client.createUser();
    assert.match(user.communicationUserId, new RegExp(`^8:acs:${emu.resourceId}_`));
  });

  test('createUserAndToken with tokenExpiresInMinutes', async () => {
    const { client } = ctx();
    const { user, token, expiresOn } = await client.createUserAndToken(['chat', 'voip'], { tokenExpiresInMinutes: 60 });
    const { claims } = decodeJwt(token);
    assert.equal(claims.skypeid, user.communicationUserId.slice(2));
    assert.equal(claims.acsScope, 'chat,voip');
    assert.equal(claims.exp - claims.iat, 3600);
    assert.ok(expiresOn instanceof Date);
    assert.equal(expiresOn.getTime(), claims.exp * 1000, 'the SDK parsed expiresOn = exp');
  });

  test('getToken with tokenExpiresInMinutes, including the 2023-10-01 join scopes', async () => {
    const { client } = ctx();
    const user = await client.createUser();
    const t = await client.getToken(user, ['chat.join', 'voip.join'], { tokenExpiresInMinutes: 120 });
    const { claims } = decodeJwt(t.token);
    assert.equal(claims.exp - claims.iat, 7200);
    assert.equal(t.expiresOn.getTime(), claims.exp * 1000);
  });

  test('getToken with 59 minutes → RestError 400 with the service message', async () => {
    const { client } = ctx();
    const user = await client.createUser();
    await assert.rejects(client.getToken(user, ['chat'], { tokenExpiresInMinutes: 59 }), (e) => {
      assert.equal(e.name, 'RestError');
      assert.equal(e.statusCode, 400);
      assert.equal(e.code, 'ValidationError');
      assert.equal(e.message, 'ExpiresInMinutes value 59 is invalid. Value must be within the [60, 1440] interval.');
      return true;
    });
  });

  test('revokeTokens, then the old token introspects as revoked', async () => {
    const { client, emu, ca } = ctx();
    const user = await client.createUser();
    const old = await client.getToken(user, ['chat']);
    assert.equal((await introspect(emu, old.token, { ca })).active, true);
    await client.revokeTokens(user);
    const i = await introspect(emu, old.token, { ca });
    assert.equal(i.active, false);
    assert.equal(i.reason, 'revoked');
    const fresh = await client.getToken(user, ['chat']);
    assert.equal((await introspect(emu, fresh.token, { ca })).active, true);
  });

  test('deleteUser, then getToken → RestError 404', async () => {
    const { client } = ctx();
    const user = await client.createUser();
    await client.deleteUser(user);
    await assert.rejects(client.getToken(user, ['chat']), (e) => {
      assert.equal(e.name, 'RestError');
      assert.equal(e.statusCode, 404);
      assert.equal(e.code, 'IdentityNotFound');
      return true;
    });
  });

  test('getTokenForTeamsUser with a token from /emulator/teams-token', async () => {
    const { client, emu, ca } = ctx();
    const minted = await emuRoute(emu, 'POST', '/emulator/teams-token', { appId: APP_ID, userId: USER_ID, expiresInMinutes: 45 }, { ca });
    assert.equal(minted.status, 200);
    const t = await client.getTokenForTeamsUser({ teamsUserAadToken: minted.json.token, clientId: APP_ID, userObjectId: USER_ID });
    const { claims } = decodeJwt(t.token);
    assert.equal(claims.skypeid, `orgid:${USER_ID}`);
    assert.equal(claims.exp, decodeJwt(minted.json.token).claims.exp);
    assert.equal(t.expiresOn.getTime(), claims.exp * 1000);
    await assert.rejects(
      client.getTokenForTeamsUser({ teamsUserAadToken: minted.json.token, clientId: USER_ID, userObjectId: USER_ID }),
      (e) => e.statusCode === 400 && e.message === 'AAD application is not the expected one.',
    );
  });

  test('the same SDK with a wrong key gets 401', async () => {
    const { wrongKeyClient } = ctx();
    await assert.rejects(wrongKeyClient.createUser(), (e) => {
      assert.equal(e.name, 'RestError');
      assert.equal(e.statusCode, 401);
      assert.equal(e.code, 'Denied');
      return true;
    });
  });
}

const wrongKey = Buffer.alloc(32, 3).toString('base64');

describe('official SDK over https (plain constructor)', { skip: !cert && 'openssl CLI not available for a self-signed certificate' }, () => {
  let emu;
  let client;
  let wrongKeyClient;
  let previous;
  before(async () => {
    // The SDK refuses http for key auth (see below); it gets TLS with a self-signed
    // certificate, trusted only inside this test process.
    previous = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    emu = await startEmulator({ tlsCert: cert.cert, tlsKey: cert.key });
    client = new CommunicationIdentityClient(emu.connectionString);
    wrongKeyClient = new CommunicationIdentityClient(`endpoint=${emu.endpoint};accesskey=${wrongKey}`);
  });
  after(async () => {
    await emu.close();
    if (previous === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    else process.env.NODE_TLS_REJECT_UNAUTHORIZED = previous;
  });
  sdkSuite(() => ({ emu, client, wrongKeyClient, ca: cert.certPem }));
});

describe('official SDK over http (allowInsecureConnection)', () => {
  let emu;
  let client;
  let wrongKeyClient;
  before(async () => {
    emu = await startEmulator({ faults: true });
    client = new CommunicationIdentityClient(emu.connectionString, { allowInsecureConnection: true });
    wrongKeyClient = new CommunicationIdentityClient(`endpoint=${emu.endpoint};accesskey=${wrongKey}`, { allowInsecureConnection: true });
  });
  after(() => emu.close());
  sdkSuite(() => ({ emu, client, wrongKeyClient }));

  test('without allowInsecureConnection the SDK refuses http before sending anything', async () => {
    const before = (await rawRequest(emu.url, 'GET', '/emulator/stats')).json.requests;
    const plain = new CommunicationIdentityClient(emu.connectionString);
    await assert.rejects(plain.createUser(), /allowInsecureConnection/);
    assert.equal((await rawRequest(emu.url, 'GET', '/emulator/stats')).json.requests, before);
  });

  test('an older apiVersion option is held to that version', async () => {
    const old = new CommunicationIdentityClient(emu.connectionString, { allowInsecureConnection: true, apiVersion: '2022-06-01' });
    const user = await old.createUser();
    await assert.rejects(old.getToken(user, ['chat.join']), (e) => e.statusCode === 400 && /Scope 'chat\.join' is not valid/.test(e.message));
    await assert.rejects(old.getToken(user, ['chat'], { tokenExpiresInMinutes: 60 }), (e) => e.statusCode === 400 && /expiresInMinutes/.test(e.message));
    assert.ok((await old.getToken(user, ['chat', 'voip'])).token);
  });

  test('the SDK retries an injected 503 (retry-after-ms) and succeeds', async () => {
    await emuRoute(emu, 'POST', '/emulator/faults', { status: 503, retryAfterMs: 50, count: 1 });
    const s1 = (await rawRequest(emu.url, 'GET', '/emulator/stats')).json;
    const user = await client.createUser();
    assert.ok(user.communicationUserId);
    const s2 = (await rawRequest(emu.url, 'GET', '/emulator/stats')).json;
    assert.equal(s2.requests - s1.requests, 2, 'one faulted attempt + one retry');
    assert.equal(s2.identities - s1.identities, 1, 'no duplicate identity');
  });
});

describe('how the SDK signs the host on a non-default port', () => {
  test('it signs host:port (url.host) — the host:port:port quirk is not present in this SDK version', async () => {
    /** @type {import('node:http').IncomingMessage[]} */
    const seen = [];
    const server = http.createServer((req, res) => {
      seen.push(req);
      req.resume();
      req.on('end', () => {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ identity: { id: '8:acs:x_y' } }));
      });
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const port = server.address().port;
    const key = Buffer.alloc(32, 8).toString('base64');
    try {
      const client = new CommunicationIdentityClient(`endpoint=http://127.0.0.1:${port}/;accesskey=${key}`, { allowInsecureConnection: true });
      await client.createUser();
      const req = seen[0];
      assert.equal(req.headers.host, `127.0.0.1:${port}`);
      assert.equal(req.headers['x-ms-content-sha256'], EMPTY_CONTENT_HASH);
      const signature = req.headers.authorization.split('Signature=')[1];
      const signedWith = (host) =>
        hmac(key, `POST\n${req.url}\n${req.headers['x-ms-date']};${host};${EMPTY_CONTENT_HASH}`) === signature;
      assert.equal(signedWith(`127.0.0.1:${port}`), true, 'host:port');
      assert.equal(signedWith('127.0.0.1'), false);
      assert.equal(signedWith(`127.0.0.1:${port}:${port}`), false);
    } finally {
      server.close();
    }
  });
});
