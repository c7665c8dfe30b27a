// A throwaway consumer project that installs the packed package by name, as a user would:
// `npm pack pkg/` → tests/.tmp/consumer with `npm install <tarball>`. Built once per test run and
// reused (keyed by the tarball's content hash).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const tmp = join(root, 'tests', '.tmp');

/** Packs pkg/ and installs it into tests/.tmp/consumer; returns the consumer's path. */
export function prepareConsumer() {
  const pkg = join(root, 'pkg');
  if (!existsSync(join(pkg, 'package.json'))) throw new Error('pkg/ is not built: run `npm run build`');
  mkdirSync(tmp, { recursive: true });
  for (const f of readdirSync(tmp)) if (f.endsWith('.tgz')) rmSync(join(tmp, f));
  const out = execFileSync('npm', ['pack', pkg, '--pack-destination', tmp, '--json'], { encoding: 'utf8' });
  const tarball = join(tmp, JSON.parse(out)[0].filename);
  const hash = createHash('sha256').update(readFileSync(tarball)).digest('hex');
  const dir = join(tmp, 'consumer');
  const stamp = join(dir, '.tarball-hash');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== hash) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: dir, stdio: 'pipe' });
    writeFileSync(stamp, hash);
  }
  // The runtime runners and cases sit in the consumer so that they import `acs-identity` by name.
  cpSync(join(root, 'tests', 'runtimes'), dir, { recursive: true });
  return dir;
}
