import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { startEmulator } from '../../emulator/server.mjs';
import { V, call, rawRequest, tempDir } from './helpers.mjs';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const stats = async (emu) => (await rawRequest(emu.url, 'GET', '/emulator/stats')).json;

describe('concurrency', () => {
  test('200 concurrent creates → 200 distinct identities', async () => {
    const emu = await startEmulator();
    try {
      const results = await Promise.all(
        Array.from({ length: 200 }, () => call(emu, 'POST', '/identities', { json: { createTokenWithScopes: ['chat'] } })),
      );
      assert.deepEqual([...new Set(results.map((r) => r.status))], [201]);
      const ids = new Set(results.map((r) => r.json.identity.id));
      assert.equal(ids.size, 200);
      const tokens = new Set(results.map((r) => r.json.accessToken.token));
      assert.equal(tokens.size, 200);
      const s = await stats(emu);
      assert.equal(s.identities, 200);
      assert.equal(s.byRoute['POST /identities'], 200);
    } finally {
      await emu.close();
    }
  });

  test('50 concurrent creates with one customId → one identity', async () => {
    const emu = await startEmulator();
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, () => call(emu, 'POST', '/identities', { apiVersion: V.PREVIEW, json: { customId: 'same-user' } })),
      );
      assert.deepEqual([...new Set(results.map((r) => r.status))], [201]);
      const ids = new Set(results.map((r) => r.json.identity.id));
      assert.equal(ids.size, 1);
      assert.equal((await stats(emu)).identities, 1);
    } finally {
      await emu.close();
    }
  });

  test('concurrent creates with persistence: every acknowledged identity is on disk', async () => {
    const data = path.join(dir, 'load.json');
    const emu = await startEmulator({ data });
    let ids;
    try {
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          call(emu, 'POST', '/identities', { apiVersion: V.PREVIEW, json: { customId: `u${i % 40}` } }),
        ),
      );
      assert.deepEqual([...new Set(results.map((r) => r.status))], [201]);
      ids = new Set(results.map((r) => r.json.identity.id));
      assert.equal(ids.size, 40);
      const onDisk = JSON.parse(fs.readFileSync(data, 'utf8')).identities.map((i) => i.id);
      assert.deepEqual(new Set(onDisk), ids);
    } finally {
      await emu.close();
    }
    const again = await startEmulator({ data });
    try {
      assert.equal((await stats(again)).identities, 40);
    } finally {
      await again.close();
    }
  });

  test('mixed concurrent operations on one identity stay consistent', async () => {
    const emu = await startEmulator();
    try {
      const id = (await call(emu, 'POST', '/identities')).json.identity.id;
      const p = encodeURIComponent(id);
      const ops = Array.from({ length: 100 }, (_, i) =>
        i % 4 === 0
          ? call(emu, 'POST', `/identities/${p}/:revokeAccessTokens`)
          : call(emu, 'POST', `/identities/${p}/:issueAccessToken`, { json: { scopes: ['voip'] } }),
      );
      const results = await Promise.all(ops);
      for (const [i, r] of results.entries()) assert.equal(r.status, i % 4 === 0 ? 204 : 200);
      const s = await stats(emu);
      assert.equal(s.identities, 1);
      assert.equal(s.tokensIssued, 75);
    } finally {
      await emu.close();
    }
  });
});
