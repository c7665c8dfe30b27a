// The shipped .d.ts type-check strict consumers (tsc --noEmit) in a project that installed the
// packed package by name: the main entry and the client (consumer.ts), the credential
// (credential.ts), acs-identity/sign (sign.ts), acs-identity/worker (worker.ts) and acs-identity/emulator (emulator.ts); then
// toNodeListener against node's own types (worker-node.ts, with @types/node). Each @ts-expect-error must be an error.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareConsumer, root } from './support/consumer.mjs';

const FILES = ['consumer.ts', 'sign.ts', 'credential.ts', 'worker.ts', 'emulator.ts'];

/** Copies `files` from tests/types into a fresh folder of the consumer project and runs tsc there. */
function typeCheck(t, name, files, extraOptions) {
  const consumer = prepareConsumer();
  const dir = join(consumer, `${name}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of files) copyFileSync(join(root, 'tests', 'types', f), join(dir, f));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'es2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        lib: ['es2022', 'dom'],
        ...extraOptions,
      },
      files,
    }),
  );
  const r = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
}

test('the package types check strict TypeScript consumers', (t) => {
  typeCheck(t, 'types', FILES, { types: [], skipLibCheck: false });
});

test('toNodeListener fits node:http (and Express / Fastify) with @types/node', (t) => {
  typeCheck(t, 'types-node', ['worker-node.ts'], {
    types: ['node'],
    typeRoots: [join(root, 'node_modules', '@types')],
    esModuleInterop: true,
    skipLibCheck: true,
  });
});
