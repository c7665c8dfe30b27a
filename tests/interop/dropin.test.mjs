// Drop-in behaviour that needs Node itself (the runtime matrix covers the rest):
// - `require('acs-identity')` from a CommonJS file runs the official quickstart unchanged;
// - real network failures (a refused connection, an untrusted TLS certificate) name Node's cause
//   code, and are retried or not as a request that never left;
// - errors of async calls carry the caller's stack frames.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { prepareConsumer } from '../support/consumer.mjs';
import { startEmulator } from '../../emulator/server.mjs';
import { makeSelfSignedCert } from '../emulator/helpers.mjs';

const consumer = prepareConsumer();
writeFileSync(join(consumer, 'dropin-lib.mjs'), "export * from 'acs-identity';\n");
const lib = await import(pathToFileURL(join(consumer, 'dropin-lib.mjs')).href);

let emulator;
before(async () => {
  emulator = await startEmulator();
});
after(() => emulator?.close());

// The official quickstart ("Create and manage access tokens", JavaScript), CommonJS as published,
// with the package name as the only change.
const QUICKSTART_CJS = `const { CommunicationIdentityClient } = require('acs-identity');

const main = async () => {
  console.log("Azure Communication Services - Access Tokens Quickstart")

  const connectionString = process.env['COMMUNICATION_SERVICES_CONNECTION_STRING'];
  const identityClient = new CommunicationIdentityClient(connectionString);

  let identityResponse = await identityClient.createUser();
  console.log(\`\\nCreated an identity with ID: \${identityResponse.communicationUserId}\`);

  let tokenResponse = await identityClient.getToken(identityResponse, ["voip"]);
  const { token, expiresOn } = tokenResponse;
  console.log(\`\\nIssued an access token with 'voip' scope that expires at \${expiresOn}:\`);
  console.log(token);

  const tokenOptions = { tokenExpiresInMinutes: 60 };
  tokenResponse = await identityClient.getToken(identityResponse, ["voip"], tokenOptions);

  let identityTokenResponse = await identityClient.createUserAndToken(["voip"]);
  const { token: newToken, expiresOn: newExpiresOn, user } = identityTokenResponse;
  console.log(\`\\nCreated an identity with ID: \${user.communicationUserId}\`);
  console.log(\`\\nIssued an access token with 'voip' scope that expires at \${newExpiresOn}:\`);
  console.log(newToken);

  tokenResponse = await identityClient.getToken(identityResponse, ["voip"]);

  await identityClient.revokeTokens(identityResponse);
  console.log(\`\\nSuccessfully revoked all access tokens for identity with ID: \${identityResponse.communicationUserId}\`);

  await identityClient.deleteUser(identityResponse);
  console.log(\`\\nDeleted the identity with ID: \${identityResponse.communicationUserId}\`);
};

main().catch((error) => {
  console.log("Encountered an error");
  console.log(error);
  process.exit(1);
})
`;

test("require('acs-identity') from CommonJS runs the official quickstart (engines admits only Node with require(esm))", async () => {
  const engines = JSON.parse(readFileSync(join(consumer, 'node_modules', 'acs-identity', 'package.json'), 'utf8')).engines.node;
  assert.equal(engines, '^20.19.0 || >=22.12.0');
  const file = join(consumer, 'quickstart.cjs');
  writeFileSync(file, QUICKSTART_CJS);
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [file], {
    cwd: consumer,
    env: { ...process.env, COMMUNICATION_SERVICES_CONNECTION_STRING: emulator.connectionString },
  });
  assert.match(stdout, /Created an identity with ID: 8:acs:[0-9a-f-]+_/);
  assert.match(stdout, /Issued an access token with 'voip' scope that expires at .*GMT/);
  assert.match(stdout, /Deleted the identity with ID: 8:acs:/);
  assert.equal(stdout.split('\n').filter((l) => l.startsWith('eyJ')).length, 2, 'two tokens printed');
  assert.doesNotMatch(stderr, /ERR_REQUIRE_ESM|Error/);
  // The CommonJS view is the ES module's: one class, one error type.
  const { stdout: same } = await promisify(execFile)(
    process.execPath,
    ['-e', "const m = require('acs-identity'); console.log(typeof m.CommunicationIdentityClient, typeof m.AcsIdentityError, typeof m.signRequest)"],
    { cwd: consumer },
  );
  assert.equal(same.trim(), 'function function function');
});

/** A loopback port with nothing listening. */
async function closedPort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('a refused connection names ECONNREFUSED, and a create is retried since it never left', async () => {
  const port = await closedPort();
  let calls = 0;
  const c = new lib.CommunicationIdentityClient(`endpoint=http://127.0.0.1:${port}/;accesskey=${emulator.accessKey}`, {
    retry: { maxRetries: 2, retryDelayInMs: 1 },
    fetch: (url, init) => (calls++, fetch(url, init)),
  });
  const e = await c.createUser().then(
    () => assert.fail('resolved'),
    (err) => err,
  );
  assert.ok(e instanceof lib.AcsIdentityError);
  assert.equal(e.code, 'NetworkError');
  assert.equal(e.name, 'RestError');
  assert.equal(e.cause?.cause?.code, 'ECONNREFUSED');
  assert.match(e.message, /ECONNREFUSED/);
  assert.match(e.message, /the request was not sent/);
  assert.doesNotMatch(e.message, /may have created/);
  assert.equal(calls, 3, 'the create was retried');
});

test('an untrusted TLS certificate names its code, and is not retried', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'acs-dropin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cert = makeSelfSignedCert(dir);
  if (!cert) return t.skip('the openssl CLI is not available to make a self-signed certificate');
  const tls = await startEmulator({ tlsCert: cert.cert, tlsKey: cert.key });
  t.after(() => tls.close());
  let calls = 0;
  const c = new lib.CommunicationIdentityClient(tls.connectionString, {
    retry: { maxRetries: 3, retryDelayInMs: 1 },
    fetch: (url, init) => (calls++, fetch(url, init)),
  });
  const e = await c.createUserAndToken(['chat']).then(
    () => assert.fail('resolved'),
    (err) => err,
  );
  assert.equal(e.code, 'NetworkError');
  assert.equal(e.cause?.cause?.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
  assert.match(e.message, /DEPTH_ZERO_SELF_SIGNED_CERT/);
  assert.doesNotMatch(e.message, /may have created/);
  assert.equal(calls, 1, 'a certificate error is not retried');
});

test("errors of async calls carry the caller's frames (this file, the calling function)", async () => {
  const c = new lib.CommunicationIdentityClient(emulator.connectionString);
  const user = await c.createUser();
  await c.deleteUser(user);
  async function callerOfGetToken() {
    return c.getToken(user, ['chat']);
  }
  const e = await callerOfGetToken().then(
    () => assert.fail('resolved'),
    (err) => err,
  );
  assert.equal(e.code, 'IdentityNotFound');
  assert.match(e.stack, /dropin\.test\.mjs/);
  assert.match(e.stack, /callerOfGetToken/);
  assert.match(e.stack.split('\n')[0], /^RestError: /, 'the first line names the error');
});
