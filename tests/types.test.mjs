// The shipped .d.ts type-check strict consumers (tsc --noEmit) in a project that installed the
// packed package by name: the main entry and the client (consumer.ts), the credential
// (credential.ts) and acs-identity/worker (worker.ts); then toNodeListener against node's own types
// (worker-node.ts, with @types/node). Each @ts-expect-error must be an error.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareConsumer, root } from './support/consumer.mjs';

const FILES = ['consumer.ts', 'credential.ts', 'worker.ts'];

test('the package types check strict TypeScript consumers', (t) => {
  const consumer = prepareConsumer();
  const dir = join(consumer, `types-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of FILES) copyFileSync(join(root, 'tests', 'types', f), join(dir, f));
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
        types: [],
        skipLibCheck: false,
      },
      files: FILES,
    }),
  );
  const r = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
});

test('toNodeListener fits node:http (and Express / Fastify) with @types/node', (t) => {
  const consumer = prepareConsumer();
  const dir = join(consumer, `types-node-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  copyFileSync(join(root, 'tests', 'types', 'worker-node.ts'), join(dir, 'worker-node.ts'));
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
        types: ['node'],
        typeRoots: [join(root, 'node_modules', '@types')],
        esModuleInterop: true,
        skipLibCheck: true,
      },
      files: ['worker-node.ts'],
    }),
  );
  const r = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, `tsc failed:\n${r.stdout}${r.stderr}`);
});
