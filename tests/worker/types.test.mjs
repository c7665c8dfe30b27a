// worker.d.ts type-checks a strict consumer of `acs-identity/worker` (tsc --noEmit), in a project
// that installed the packed package by name.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareWorkerConsumer, root } from './helpers.mjs';

const CONSUMER = `
import worker, { createTokenHandler } from 'acs-identity/worker';
import type {
  TokenEndpointEnv,
  TokenEndpointError,
  TokenEndpointErrorCode,
  TokenEndpointRequest,
  TokenEndpointResponse,
  TokenHandler,
  TokenHandlerOptions,
} from 'acs-identity/worker';

declare const env: TokenEndpointEnv;
declare const request: Request;

const ready: Promise<Response> = worker.fetch(request, env, {});
const options: TokenHandlerOptions = {
  env,
  basePath: '/api/acs',
  allowedOrigins: ['https://app.example.com'],
  allowedScopes: 'chat,voip',
  tokenExpiresInMinutes: 120,
  identityMapping: 'kv',
  kv: { get: async (_k: string) => null, put: async (_k: string, _v: string) => {} },
  apiVersion: '2025-06-30',
  fetch: (url, init) => fetch(url, init),
  retry: { maxRetries: 1 },
  timeoutMs: 5000,
};
const handler: TokenHandler = createTokenHandler(options);
const answered: Promise<Response> = handler(request);
createTokenHandler();

async function use(): Promise<string> {
  const body: TokenEndpointRequest = { scopes: ['chat'], expiresInMinutes: 60 };
  const res = await handler(new Request('https://x.example/token', { method: 'POST', body: JSON.stringify(body) }));
  if (res.ok) {
    const ok = (await res.json()) as TokenEndpointResponse;
    return ok.user.communicationUserId + ok.token + ok.expiresOn;
  }
  const err = (await res.json()) as TokenEndpointError;
  const code: TokenEndpointErrorCode = err.error.code;
  return code + err.error.message;
}
void ready;
void answered;
void use;

// @ts-expect-error identityMapping is customId or kv
createTokenHandler({ identityMapping: 'ldap' });
// @ts-expect-error the handler takes a Request
handler('https://x.example/token');
`;

test('worker.d.ts type-checks a strict TypeScript consumer', () => {
  const dir = prepareWorkerConsumer();
  const file = join(dir, `worker-consumer-${process.pid}.ts`);
  const config = join(dir, `tsconfig-${process.pid}.json`);
  writeFileSync(file, CONSUMER);
  writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'es2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        lib: ['es2022', 'dom'],
        types: [],
        skipLibCheck: false,
      },
      files: [file],
    }),
  );
  try {
    const r = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', config], { encoding: 'utf8' });
    assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
  } finally {
    rmSync(file, { force: true });
    rmSync(config, { force: true });
  }
});
