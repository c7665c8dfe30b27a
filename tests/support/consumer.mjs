// A throwaway consumer project that installs the packed package by name, as a user would:
// `npm pack pkg/` → tests/.tmp/consumer-<hash> with `npm install <tarball>`. One install per
// package content, shared by every test file; safe when test files run in parallel (each process
// packs into its own directory and an install is moved into place atomically).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const tmp = join(root, 'tests', '.tmp');

/** Packs pkg/ and installs it by name into a consumer project; returns the project's path. */
export function prepareConsumer() {
  const pkg = join(root, 'pkg');
  if (!existsSync(join(pkg, 'package.json'))) throw new Error('pkg/ is not built: run `npm run build`');
  const packDir = join(tmp, `pack-${process.pid}`);
  rmSync(packDir, { recursive: true, force: true });
  mkdirSync(packDir, { recursive: true });
  const out = execFileSync('npm', ['pack', pkg, '--pack-destination', packDir, '--json'], { encoding: 'utf8' });
  const tarball = join(packDir, JSON.parse(out)[0].filename);
  const hash = createHash('sha256').update(readFileSync(tarball)).digest('hex').slice(0, 16);
  const dir = join(tmp, `consumer-${hash}`);
  if (!existsSync(join(dir, '.ready'))) {
    const staging = `${dir}.${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', tarball], {
      cwd: staging,
      stdio: 'pipe',
    });
    writeFileSync(join(staging, '.ready'), hash);
    try {
      renameSync(staging, dir);
    } catch {
      // Another process got there first; its install is of the same package.
      rmSync(staging, { recursive: true, force: true });
    }
  }
  rmSync(packDir, { recursive: true, force: true });
  // Installs of older builds (untouched for an hour) are removed.
  for (const f of readdirSync(tmp)) {
    const p = join(tmp, f);
    if (f.startsWith('consumer-') && p !== dir && Date.now() - statSync(p).mtimeMs > 3_600_000) {
      rmSync(p, { recursive: true, force: true });
    }
  }
  return dir;
}
