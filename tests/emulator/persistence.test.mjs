import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { startEmulator } from '../../emulator/server.mjs';
import { V, call, createUser, enc, introspect, issue, rawRequest, tempDir } from './helpers.mjs';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('persistence with data', () => {
  test('identities, revocations, customIds, resource guid and signing key survive a restart', async () => {
    const data = path.join(dir, 'state.json');
    const a = await startEmulator({ data });
    const health1 = (await rawRequest(a.url, 'GET', '/emulator/health')).json;
    const jwks1 = (await rawRequest(a.url, 'GET', '/emulator/jwks')).json;

    const kept = await createUser(a);
    const keptToken = await issue(a, kept);
    const revoked = await createUser(a);
    const revokedToken = await issue(a, revoked);
    assert.equal((await call(a, 'POST', `/identities/${enc(revoked)}/:revokeAccessTokens`)).status, 204);
    const deleted = await createUser(a);
    assert.equal((await call(a, 'DELETE', `/identities/${enc(deleted)}`)).status, 204);
    const custom = await call(a, 'POST', '/identities', { apiVersion: V.PREVIEW, json: { customId: 'bob', createTokenWithScopes: ['chat'] } });
    assert.equal(custom.status, 201);
    const customId = custom.json.identity.id;
    const accessKey = a.accessKey;
    const port = a.port;
    await a.close();

    // Nothing acknowledged is lost: the file already holds every identity.
    const onDisk = JSON.parse(fs.readFileSync(data, 'utf8'));
    assert.deepEqual(
      onDisk.identities.map((i) => i.id).sort(),
      [kept, revoked, deleted, customId].sort(),
    );
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp files left behind');

    const b = await startEmulator({ data, port });
    try {
      assert.equal(b.accessKey, accessKey, 'the access key stored in the data file is reused');
      assert.equal((await rawRequest(b.url, 'GET', '/emulator/health')).json.resourceId, health1.resourceId);
      assert.deepEqual((await rawRequest(b.url, 'GET', '/emulator/jwks')).json, jwks1);

      assert.equal((await introspect(b, keptToken.token)).active, true, 'a token of the old process is still valid');
      assert.equal((await introspect(b, revokedToken.token)).reason, 'revoked');
      assert.equal((await call(b, 'POST', `/identities/${enc(kept)}/:issueAccessToken`, { json: { scopes: ['chat'] } })).status, 200);
      assert.equal((await call(b, 'POST', `/identities/${enc(deleted)}/:issueAccessToken`, { json: { scopes: ['chat'] } })).status, 404);

      const again = await call(b, 'POST', '/identities', { apiVersion: V.PREVIEW, json: { customId: 'bob' } });
      assert.equal(again.json.identity.id, customId);
      assert.ok(again.json.identity.lastTokenIssuedAt);

      const fresh = await createUser(b);
      assert.ok(![kept, revoked, deleted, customId].includes(fresh));
      assert.ok(fresh.startsWith(`8:acs:${health1.resourceId}_`));
      const stats = (await rawRequest(b.url, 'GET', '/emulator/stats')).json;
      assert.equal(stats.identities, 4);
      assert.equal(stats.deletedIdentities, 1);
    } finally {
      await b.close();
    }
  });

  test('an explicit accessKey overrides the stored one', async () => {
    const data = path.join(dir, 'key.json');
    const a = await startEmulator({ data });
    await a.close();
    const key = Buffer.alloc(32, 9).toString('base64');
    const b = await startEmulator({ data, accessKey: key });
    try {
      assert.equal(b.accessKey, key);
      assert.equal((await call(b, 'POST', '/identities')).status, 201);
    } finally {
      await b.close();
    }
  });

  test('a corrupt data file is refused with a clear error', async () => {
    const data = path.join(dir, 'corrupt.json');
    fs.writeFileSync(data, '{"format":');
    await assert.rejects(startEmulator({ data }), /Cannot read emulator data file/);
    fs.writeFileSync(data, '{"format":"other"}');
    await assert.rejects(startEmulator({ data }), /not an ACS Identity emulator data file/);
  });

  test('without data, a restart starts afresh', async () => {
    const a = await startEmulator();
    const id = await createUser(a);
    await a.close();
    const b = await startEmulator();
    try {
      // A fresh emulator is another resource (new resource GUID): the old id is not its own.
      const r = await call(b, 'DELETE', `/identities/${enc(id)}`);
      assert.equal(r.status, 401);
      assert.equal(r.json.error.code, 'IdentityNotOwned');
    } finally {
      await b.close();
    }
  });
});
