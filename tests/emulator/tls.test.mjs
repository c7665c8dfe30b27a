import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import { after, describe, test } from 'node:test';
import { startEmulator } from '../../emulator/server.mjs';
import { call, makeSelfSignedCert, rawRequest, tempDir } from './helpers.mjs';

const dir = tempDir();
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const cert = makeSelfSignedCert(dir);
const skip = cert ? false : 'the openssl CLI is not available to make a self-signed certificate';

describe('TLS', { skip }, () => {
  test('serves https with the given certificate', async () => {
    const emu = await startEmulator({ tlsCert: cert.cert, tlsKey: cert.key });
    try {
      assert.match(emu.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(emu.connectionString, `endpoint=https://127.0.0.1:${emu.port}/;accesskey=${emu.accessKey}`);
      const r = await call(emu, 'POST', '/identities', { ca: cert.certPem, json: { createTokenWithScopes: ['chat'] } });
      assert.equal(r.status, 201, r.text);
      assert.ok(r.json.accessToken.token);
      const h = await rawRequest(emu.url, 'GET', '/emulator/health', { ca: cert.certPem });
      assert.equal(h.status, 200);
    } finally {
      await emu.close();
    }
  });

  test('a client that does not trust the certificate fails the handshake', async () => {
    const emu = await startEmulator({ tlsCert: cert.cert, tlsKey: cert.key });
    try {
      await assert.rejects(
        new Promise((resolve, reject) => {
          https.get(`${emu.url}/emulator/health`, { agent: false }, resolve).on('error', reject);
        }),
        /self[- ]signed|unable to verify/i,
      );
    } finally {
      await emu.close();
    }
  });

  test('plain http to the TLS port is not served', async () => {
    const emu = await startEmulator({ tlsCert: cert.cert, tlsKey: cert.key });
    try {
      const r = await rawRequest(emu.url.replace('https:', 'http:'), 'GET', '/emulator/health').catch((e) => e);
      assert.ok(r instanceof Error || r.status !== 200);
    } finally {
      await emu.close();
    }
  });

  test('tlsCert without tlsKey is refused', async () => {
    await assert.rejects(startEmulator({ tlsCert: cert.cert }), /together/);
  });
});
