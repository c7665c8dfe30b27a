// The machine and the versions of everything measured.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

const cmd = (c, args, cwd) => {
  const r = spawnSync(c, args, { encoding: 'utf8', cwd, timeout: 30_000 });
  return r.status === 0 ? r.stdout.trim() : null;
};
const pkgVersion = (root, name) => {
  const p = join(root, 'node_modules', name, 'package.json');
  return existsSync(p) ? JSON.parse(readFileSync(p, 'utf8')).version : null;
};

export function machine() {
  const cpus = os.cpus();
  let cgroupCpus = null;
  try {
    const [quota, period] = readFileSync('/sys/fs/cgroup/cpu.max', 'utf8').trim().split(' ');
    if (quota !== 'max') cgroupCpus = Number(quota) / Number(period);
  } catch {
    // no cgroup v2 limit
  }
  return {
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    cgroupCpus,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

export function versions(root, { pkgDir, chromium } = {}) {
  const bin = (n) => join(root, 'node_modules', '.bin', n);
  const ourVersion = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
  return {
    node: process.versions.node,
    v8: process.versions.v8,
    chromium: chromium ?? null,
    workerd: pkgVersion(root, 'workerd'),
    miniflare: pkgVersion(root, 'miniflare'),
    deno: existsSync(bin('deno')) ? cmd(bin('deno'), ['--version'])?.split('\n')[0].replace(/^deno /, '').split(' ')[0] ?? null : null,
    bun: existsSync(bin('bun')) ? cmd(bin('bun'), ['--version']) : null,
    rustc: cmd('rustc', ['--version'])?.replace(/^rustc /, '') ?? null,
    esbuild: pkgVersion(root, 'esbuild'),
    wasmBindgen: cmd('wasm-bindgen', ['--version'])?.replace(/^wasm-bindgen /, '') ?? null,
    binaryen: pkgVersion(root, 'binaryen'),
    acsIdentity: ourVersion,
    sdk: {
      '@azure/communication-identity': pkgVersion(root, '@azure/communication-identity'),
      '@azure/communication-common': pkgVersion(root, '@azure/communication-common'),
      '@azure/core-rest-pipeline': pkgVersion(root, '@azure/core-rest-pipeline'),
      '@azure/core-client': pkgVersion(root, '@azure/core-client'),
    },
    git: {
      commit: cmd('git', ['rev-parse', '--short', 'HEAD'], root),
      // Uncommitted changes under what the package is built from, at the time of the run.
      dirty: (cmd('git', ['status', '--porcelain', '--', 'src', 'pkg-template', 'Cargo.toml', 'Cargo.lock'], root) ?? '') !== '',
    },
  };
}
