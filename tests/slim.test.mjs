// acs-identity/slim: the same API with an explicit `await init(source)`, for apps that host the
// .wasm themselves. Each scenario runs in a fresh Node process that loads the installed package
// by name: init from a URL served over loopback, initSync from bytes and from a compiled module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { prepareConsumer } from './support/consumer.mjs';
import { serveStatic } from './support/static-server.mjs';

const VECTOR =
  'HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=DGdgwggJWnQyc6EHjR/Vbqg1ES64KpD6U2XwTDDj3tU=';

/** Runs `body` (an async function's body, with `lib` = acs-identity/slim) in a fresh process. */
function inFreshProcess(consumer, body, env = {}) {
  const script = `
import * as lib from 'acs-identity/slim';
import { readFileSync } from 'node:fs';
const sign = () => lib.signRequest({ method: 'GET', url: 'https://example.com/testPath?testQuery=test', accessKey: 'pw==', date: 'Wed, 13 Apr 2022 18:09:12 GMT' }).authorization;
const wasmPath = new URL(import.meta.resolve('acs-identity/acs_identity_bg.wasm'));
${body}
`;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: consumer, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      resolve({ code: error ? error.code : 0, stdout: stdout.trim(), stderr }),
    );
  });
}

test('acs-identity/slim: await init(url) in a fresh process, idempotent', async () => {
  const consumer = prepareConsumer();
  const server = await serveStatic(join(consumer, 'node_modules', 'acs-identity'));
  try {
    const r = await inFreshProcess(
      consumer,
      `await lib.init(new URL(process.env.WASM_URL)); await lib.init(new URL(process.env.WASM_URL)); console.log(sign());`,
      { WASM_URL: `${server.url}/acs_identity_bg.wasm` },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, VECTOR);
  } finally {
    await server.close();
  }
});

test('acs-identity/slim: initSync from bytes and from a compiled WebAssembly.Module', async () => {
  const consumer = prepareConsumer();
  const bytes = await inFreshProcess(consumer, `lib.initSync(readFileSync(wasmPath)); console.log(sign());`);
  assert.equal(bytes.code, 0, bytes.stderr);
  assert.equal(bytes.stdout, VECTOR);
  const mod = await inFreshProcess(consumer, `lib.initSync(new WebAssembly.Module(readFileSync(wasmPath))); console.log(sign());`);
  assert.equal(mod.code, 0, mod.stderr);
  assert.equal(mod.stdout, VECTOR);
  // Before init: a clear NotInitialized error, not a crash inside the glue.
  const early = await inFreshProcess(
    consumer,
    `try { lib.signRequest({ method: 'GET', url: 'https://x/', accessKey: 'pw==' }) } catch (e) { console.log(e instanceof lib.AcsIdentityError, e.code) }
     try { new lib.CommunicationIdentityClient('endpoint=https://x/;accesskey=pw==') } catch (e) { console.log(e.code) }`,
  );
  assert.equal(early.stdout, 'true NotInitialized\nNotInitialized');
  // Errors are AcsIdentityErrors once initialised (the loader registers the class).
  const err = await inFreshProcess(
    consumer,
    `lib.initSync(readFileSync(wasmPath)); try { lib.signRequest({ method: 'GET', url: 'x', accessKey: 'pw==' }) } catch (e) { console.log(e instanceof lib.AcsIdentityError, e.code) }`,
  );
  assert.equal(err.stdout, 'true InvalidUrl');
});
